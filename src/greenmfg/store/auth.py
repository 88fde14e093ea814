"""Passwords (argon2id), API tokens (only their SHA-256 stored) and login rate limiting."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from greenmfg.store.models import ApiToken, LoginAttempt, User, utcnow

# argon2id with the OWASP minimum (19 MiB, 2 passes): about 20-40 ms per hash on a server core.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

TOKEN_PREFIX = "gmf_"
MAX_FAILURES = 5  # failed logins per username within WINDOW before further attempts wait
WINDOW = timedelta(minutes=10)
MIN_PASSWORD = 8


class AuthError(Exception):
    pass


class RateLimited(AuthError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat()


def check_password(session: Session, username: str, password: str, client: str) -> User | None:
    """The active user with this password, or ``None``. Failures are recorded (they commit with
    the caller's transaction) and a username with :data:`MAX_FAILURES` recent failures is refused
    with :class:`RateLimited` before the password is even checked."""
    now = datetime.now(UTC)
    since = _iso(now - WINDOW)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username == username, LoginAttempt.at >= since)
    )
    if failures is not None and failures >= MAX_FAILURES:
        oldest = session.scalar(
            select(func.min(LoginAttempt.at)).where(
                LoginAttempt.username == username, LoginAttempt.at >= since
            )
        )
        wait = (
            int((datetime.fromisoformat(oldest) + WINDOW - now).total_seconds()) + 1
            if oldest
            else 60
        )
        raise RateLimited(max(wait, 1))
    user = session.scalars(select(User).where(User.username == username)).first()
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # spend the same time as a real check so that timing does not reveal usernames
        _hasher.hash(password or "x" * MIN_PASSWORD)
    if not ok:
        session.add(LoginAttempt(username=username[:64], client=client[:64], at=utcnow()))
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    if user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, user: User, name: str, days: int | None = 365
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = _iso(datetime.now(UTC) + timedelta(days=days)) if days else None
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_digest(secret),
        prefix=secret[:10],
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    return row, secret


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None

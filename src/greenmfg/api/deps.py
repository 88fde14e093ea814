"""Request dependencies: the database, reference data, the current principal, CSRF.

A request is authenticated by a bearer token (``Authorization: Bearer gmf_...``, API clients)
or by the signed session cookie (browsers). Unsafe methods authenticated by cookie must carry
the session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``); bearer requests
need none, since browsers never attach them on their own.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from greenmfg.reference.loader import get_reference
from greenmfg.reference.model import ReferenceData
from greenmfg.store.auth import user_for_token
from greenmfg.store.db import Database
from greenmfg.store.models import User
from greenmfg.store.scope import Principal, load_principal

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Ids are PostgreSQL integers; bounding them in the API keeps an out-of-range number a 422 on
# every database instead of an overflow inside the driver.
MAX_ID = 2**31 - 1
OrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="Organisation id")]
YearPath = Annotated[int, Path(ge=1900, le=2100, description="Reporting year")]
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
OptVersion = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Version (default: current)")]
OptYear = Annotated[
    int | None, Query(ge=1900, le=2100, description="Reporting year (default: latest)")
]


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_ref() -> ReferenceData:
    return get_reference()


DbDep = Annotated[Database, Depends(get_db)]
RefDep = Annotated[ReferenceData, Depends(get_ref)]

# At most this many requests hold a read session at once (the rest wait on the event loop,
# not in a thread). Kept below the connection pool so that a request whose route has returned
# but whose response is still being serialised (in a worker thread) can never leave the threads
# waiting for connections that only those requests could release.
READ_SESSIONS = 16


async def read_session(db: DbDep) -> AsyncIterator[Session]:
    with db.reading() as s:
        yield s


ReadSession = Annotated[Session, Depends(read_session, max_concurrency=READ_SESSIONS)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


# Principals are cached per credential for a few seconds: most API traffic is a burst of
# requests with one token, and each lookup costs three queries. A revoked token, a removed role
# or a changed password takes effect within PRINCIPAL_TTL seconds.
PRINCIPAL_TTL = 5.0
_CACHE_MAX = 10_000
_cache: dict[tuple[object, ...], tuple[float, Principal | None, str]] = {}


def clear_principal_cache() -> None:
    _cache.clear()


def _credential(request: Request) -> tuple[object, ...] | None:
    token = _bearer(request)
    if token is not None:
        return ("token", hashlib.sha256(token.encode()).hexdigest())
    uid = request.session.get("uid")
    if uid is not None:
        return ("session", uid, request.session.get("pw"))
    return None


def _lookup(
    db: Database, key: tuple[object, ...], token: str | None
) -> tuple[Principal | None, str]:
    """The principal a credential stands for (``None``: invalid) and the user's locale."""
    with db.reading() as s:
        user: User | None
        if key[0] == "token":
            assert token is not None
            user = user_for_token(s, token)
        else:
            user = s.get(User, int(key[1]))  # type: ignore[call-overload]
            if user is not None and (not user.active or key[2] != user.password_hash[-16:]):
                user = None  # deactivated, or password changed since this session began
        if user is None:
            return None, ""
        return load_principal(s, user), user.locale


async def _principal(request: Request, db: Database) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    key = _credential(request)
    if key is None:
        request.state.principal = None
        return None
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        _expires, p, locale = hit
    else:
        p, locale = await run_in_threadpool(_lookup, db, key, _bearer(request))
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = (now + PRINCIPAL_TTL, p, locale)
    request.state.auth = key[0]
    if p is None:
        if key[0] == "token":
            raise HTTPException(
                401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
            )
        request.session.clear()
    else:
        request.state.locale_pref = locale
    request.state.principal = p
    return p


async def optional_principal(request: Request, db: DbDep) -> Principal | None:
    return await _principal(request, db)


async def current_principal(request: Request, db: DbDep) -> Principal:
    p = await _principal(request, db)
    if p is None:
        raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    if request.method not in SAFE_METHODS and getattr(request.state, "auth", "") == "session":
        check_csrf(request)
    return p


def check_csrf(request: Request, form_token: str | None = None) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token") or form_token
    if not expected or not sent or not secrets.compare_digest(str(expected), str(sent)):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


PrincipalDep = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def start_session(request: Request, user: User) -> None:
    """Begin a browser session for ``user`` (a fresh CSRF token; the session ends when the
    password changes, since it remembers the hash's tail)."""
    locale = request.session.get("locale")
    request.session.clear()
    request.session["uid"] = user.id
    request.session["pw"] = user.password_hash[-16:]
    request.session["csrf"] = secrets.token_urlsafe(32)
    if locale:
        request.session["locale"] = locale


def end_session(request: Request) -> None:
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale

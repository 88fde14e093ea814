"""Request dependencies: the database, reference data, the current principal, CSRF.

A request is authenticated by a bearer token (``Authorization: Bearer gmf_...``, API clients)
or by the signed session cookie (browsers). Unsafe methods authenticated by cookie must carry
the session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``); bearer requests
need none, since browsers never attach them on their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session

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


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_ref() -> ReferenceData:
    return get_reference()


DbDep = Annotated[Database, Depends(get_db)]
RefDep = Annotated[ReferenceData, Depends(get_ref)]


def read_session(db: DbDep) -> Iterator[Session]:
    with db.reading() as s:
        yield s


ReadSession = Annotated[Session, Depends(read_session)]


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


def _principal(request: Request, db: Database) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = _bearer(request)
    with db.reading() as s:
        user: User | None = None
        if token is not None:
            user = user_for_token(s, token)
            if user is None:
                raise HTTPException(
                    401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
                )
            request.state.auth = "token"
        else:
            uid = request.session.get("uid")
            if uid is not None:
                user = s.get(User, int(uid))
                if user is not None and (
                    not user.active or request.session.get("pw") != user.password_hash[-16:]
                ):
                    user = None  # deactivated, or password changed since this session began
                if user is None:
                    request.session.clear()
                request.state.auth = "session"
        if user is None:
            return None
        p = load_principal(s, user)
    request.state.principal = p
    request.state.locale_pref = user.locale
    return p


def optional_principal(request: Request, db: DbDep) -> Principal | None:
    return _principal(request, db)


def current_principal(request: Request, db: DbDep) -> Principal:
    p = _principal(request, db)
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

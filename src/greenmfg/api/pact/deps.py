"""Dependencies of the PACT routes: the database, HTTPS, the authenticated client, paging.

Bearer tokens (RFC 6750) are the ones ``POST /auth/token`` issued (``greenmfg.store.pact``).
A missing, unknown or revoked token is a ``BadRequest`` (400) and an expired one a
``TokenExpired`` (401): the Tech Specs' ListFootprints/GetFootprint response rules ("If the host
system does not accept the access token because it expired, ... TokenExpired. In all other
cases, ... BadRequest"), which the official conformance tool checks (test cases 6, 7 and 16).

HTTPS: "A host system MUST offer its actions under https method only" (Tech Specs, host system
minimum requirements). A plain-HTTP request is refused unless it comes from the machine itself
(a developer, or a TLS-terminating proxy that did not say ``X-Forwarded-Proto: https``; uvicorn
applies that header for trusted proxies) or ``GREENMFG_PACT_ALLOW_HTTP=1`` (or
``app.state.pact_allow_http``) allows it.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request

from greenmfg.api.pact.errors import OAuthError, PactHTTPError, bad_request
from greenmfg.store.db import Database
from greenmfg.store.pact import ClientPrincipal, InvalidToken, TokenExpired, principal_for_token

ALLOW_HTTP_ENV = "GREENMFG_PACT_ALLOW_HTTP"
DEFAULT_PAGE = 100  # footprints per page when the recipient sets no limit
MAX_PAGE = 1000  # the host "MAY return fewer footprints" than the limit (v3.0.3 ListFootprints)
MAX_OFFSET = 2**31 - 1


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DbDep = Annotated[Database, Depends(get_db)]


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def http_allowed(request: Request) -> bool:
    """Whether this request may use plain HTTP (see the module docstring)."""
    if request.url.scheme == "https":
        return True
    configured = getattr(request.app.state, "pact_allow_http", None)
    if configured is None:
        configured = _flag(os.environ.get(ALLOW_HTTP_ENV, ""))
    return bool(configured) or _loopback(request.client.host if request.client else None)


def require_https(request: Request) -> None:
    if not http_allowed(request):
        raise bad_request("PACT actions are offered over HTTPS only")


def require_https_oauth(request: Request) -> None:
    if not http_allowed(request):
        raise OAuthError(400, "invalid_request", "the token endpoint is offered over HTTPS only")


def bearer_client(request: Request, db: DbDep) -> ClientPrincipal:
    """The PACT client whose bearer token the request carries."""
    require_https(request)
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="PACT"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise PactHTTPError(
            400, "BadRequest", "an access token is required (Authorization: Bearer ...)", challenge
        )
    try:
        with db.reading() as s:
            return principal_for_token(s, token.strip())
    except TokenExpired as exc:
        raise PactHTTPError(
            401,
            "TokenExpired",
            str(exc),
            {"WWW-Authenticate": 'Bearer realm="PACT", error="invalid_token"'},
        ) from None
    except InvalidToken:
        raise PactHTTPError(400, "BadRequest", "Invalid token provided", challenge) from None


ClientDep = Annotated[ClientPrincipal, Depends(bearer_client)]


def page(request: Request) -> tuple[int, int]:
    """``(limit, offset)`` of a list request. ``limit`` "MUST be a positive integer" (Tech
    Specs, ListFootprints request syntax); ``offset`` is greenmfg's own pagination parameter."""
    values = {
        k.lower(): v
        for k, v in request.query_params.multi_items()
        if k.lower() in ("limit", "offset")
    }
    counts: dict[str, int] = {}
    for k, _ in request.query_params.multi_items():
        if k.lower() in ("limit", "offset"):
            counts[k.lower()] = counts.get(k.lower(), 0) + 1
    for name, n in counts.items():
        if n > 1:
            raise bad_request(f"{name}: given more than once")
    limit = DEFAULT_PAGE
    if "limit" in values:
        v = values["limit"].strip()
        if not (v.isascii() and v.isdigit()) or int(v) < 1:
            raise bad_request(f"limit: {values['limit']!r} is not a positive integer")
        limit = min(int(v), MAX_PAGE)
    offset = 0
    if "offset" in values:
        v = values["offset"].strip()
        if not (v.isascii() and v.isdigit()) or int(v) > MAX_OFFSET:
            raise bad_request(f"offset: {values['offset']!r} is not a valid offset")
        offset = int(v)
    return limit, offset


PageDep = Annotated[tuple[int, int], Depends(page)]


def next_link(request: Request, offset: int) -> str:
    """The ``Link`` header of the next page (RFC 8288): absolute, on the host the recipient
    called (v3.0.3 ListFootprints, pagination rules 2 and 3)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k.lower() != "offset"]
    url = request.url.replace(query=urlencode([*items, ("offset", str(offset))]))
    return f'<{url}>; rel="next"'

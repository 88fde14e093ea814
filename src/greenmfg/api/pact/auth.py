"""``POST /auth/token`` (Action Authenticate) and ``GET /.well-known/openid-configuration``.

Action Authenticate: OAuth2 client credentials grant (RFC 6749 4.4), the client authenticating
with HTTP Basic (RFC 6749 2.3.1; the only method offered, so announced in the discovery
document). Errors are RFC 6749 5.2 bodies: ``invalid_request`` (400: not a form, no
``grant_type``, plain HTTP), ``unsupported_grant_type`` (400), ``invalid_client`` (401 with
``WWW-Authenticate: Basic``, since "if the client attempted to authenticate via the
Authorization request header field, the authorization server MUST respond with an HTTP 401";
the PACT conformance tool accepts 400 or 401). The discovery document is built from the URL the
caller used (``X-Forwarded-Proto`` is honoured through uvicorn's proxy headers), as PACT v3
"SHOULD offer an OpenId Provider Configuration Document"; greenmfg's tokens are opaque, so there
is no ``jwks_uri`` and no ID token.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from greenmfg.api.pact.deps import DbDep, require_https_oauth
from greenmfg.api.pact.errors import OAuthError, PactRoute
from greenmfg.api.pact.schemas import OAuthErrorBody, OpenIdConfiguration, TokenBody
from greenmfg.store.db import Database
from greenmfg.store.pact import SCOPES, authenticate_client, issue_token

router = APIRouter(route_class=PactRoute, tags=["PACT"])

MAX_FORM = 16 * 1024  # [bytes] a token request is a few dozen bytes
CHALLENGE = {"WWW-Authenticate": 'Basic realm="PACT", charset="UTF-8"'}


def _basic(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise OAuthError(
            401, "invalid_client", "client authentication with HTTP Basic is required", CHALLENGE
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "malformed Basic credentials", CHALLENGE) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise OAuthError(401, "invalid_client", "malformed Basic credentials", CHALLENGE)
    return client_id, secret


def _issue(db: Database, client_id: str, secret: str, scope: str) -> tuple[str, int] | None:
    with db.writing() as s:
        client = authenticate_client(s, client_id, secret)
        if client is None and ("%" in client_id + secret or "+" in client_id + secret):
            # RFC 6749 2.3.1 has clients form-encode id and secret before Basic encoding;
            # most do not, so both readings are tried.
            client = authenticate_client(s, unquote_plus(client_id), unquote_plus(secret))
        if client is None:
            return None
        return issue_token(s, client, scope)


@router.post(
    "/auth/token",
    summary="Action Authenticate (OAuth2 client credentials)",
    response_model=TokenBody,
    responses={
        400: {"model": OAuthErrorBody, "description": "invalid_request, unsupported_grant_type"},
        401: {"model": OAuthErrorBody, "description": "invalid_client"},
    },
    dependencies=[Depends(require_https_oauth)],
)
async def token(request: Request, db: DbDep) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_FORM:
        raise OAuthError(400, "invalid_request", "the request body is too large")
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            400, "invalid_request", "send the parameters as application/x-www-form-urlencoded"
        )
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "the form is not UTF-8") from None
    params: dict[str, list[str]] = {}
    for k, v in form:
        params.setdefault(k, []).append(v)
    if any(len(v) > 1 for v in params.values()):
        # RFC 6749 3.2: "Request and response parameters MUST NOT be included more than once."
        raise OAuthError(400, "invalid_request", "a parameter is given more than once")
    grant = params.get("grant_type", [""])[0]
    if not grant:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    if grant != "client_credentials":
        raise OAuthError(
            400, "unsupported_grant_type", f"grant_type {grant!r}: only client_credentials"
        )
    client_id, secret = _basic(request)
    issued = await run_in_threadpool(_issue, db, client_id, secret, params.get("scope", [""])[0])
    if issued is None:
        raise OAuthError(401, "invalid_client", "Client authentication failed", CHALLENGE)
    access_token, expires_in = issued
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": " ".join(SCOPES),
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/.well-known/openid-configuration",
    summary="OpenID Provider Configuration Document (token endpoint discovery)",
    response_model=OpenIdConfiguration,
)
def openid_configuration(request: Request) -> JSONResponse:
    base = _base(request)
    return JSONResponse(
        {
            "issuer": base,
            "token_endpoint": f"{base}/auth/token",
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": ["token"],
            "scopes_supported": list(SCOPES),
        }
    )

"""Response bodies of the PACT routes, for the OpenAPI document (``/docs``).

The footprints themselves are PACT ``ProductFootprint`` objects validated against the official
schemas by ``greenmfg.io.pact``; here they are plain JSON objects.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PactErrorBody(BaseModel):
    """PACT ``Error`` (v2.3.3 and v3.0.3)."""

    code: str = Field(examples=["BadRequest"])
    message: str = Field(examples=["Invalid token provided"])


class OAuthErrorBody(BaseModel):
    """RFC 6749 5.2 error response."""

    error: str = Field(examples=["invalid_client"])
    error_description: str = ""


class TokenBody(BaseModel):
    """RFC 6749 5.1 access token response."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(examples=[3600])
    scope: str = "footprint:list footprint:read"


class OpenIdConfiguration(BaseModel):
    """The parts of an OpenID Provider Configuration Document a PACT recipient uses."""

    issuer: str
    token_endpoint: str
    token_endpoint_auth_methods_supported: list[str]
    grant_types_supported: list[str]
    response_types_supported: list[str]
    scopes_supported: list[str]


class FootprintList(BaseModel):
    data: list[dict[str, Any]]


class FootprintOne(BaseModel):
    data: dict[str, Any]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for PACT error status codes."""
    text = {
        400: "BadRequest (also: missing or invalid access token, malformed filter)",
        401: "TokenExpired",
        403: "AccessDenied",
        404: "NotFound (v3) / NoSuchFootprint (v2)",
        500: "InternalError",
    }
    return {c: {"model": PactErrorBody, "description": text.get(c, "")} for c in codes}

"""PACT error responses and the route class that renders them.

Error bodies are the specs' ``{"code", "message"}`` (v2.3.3 and v3.0.3 ``Error``; status codes
from the Tech Specs' error table: ``AccessDenied`` 403, ``BadRequest`` 400, ``NoSuchFootprint``
(v2) / ``NotFound`` (v3) 404, ``TokenExpired`` 401, ``InternalError`` 500, ``NotImplemented``
400 in v2 and 501 in v3). ``/auth/token`` answers with OAuth2 error bodies instead
(``{"error", "error_description"}``, RFC 6749 5.2).

The application's own exception handlers answer ``{"detail": ...}``; the PACT routes use
:class:`PactRoute`, which turns these exceptions (and request-validation errors) into PACT
bodies before the application sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("greenmfg.pact")

NOT_IMPLEMENTED_STATUS = {"2": 400, "3": 501}


class PactHTTPError(Exception):
    """An error response of the PACT API (``code`` from the specs' Error enum)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"code": self.code, "message": self.message},
            status_code=self.status,
            headers=self.headers,
        )


def bad_request(message: str) -> PactHTTPError:
    return PactHTTPError(400, "BadRequest", message)


def not_found(version: str, message: str) -> PactHTTPError:
    return PactHTTPError(404, "NoSuchFootprint" if version == "2" else "NotFound", message)


def not_implemented(version: str, message: str) -> PactHTTPError:
    return PactHTTPError(NOT_IMPLEMENTED_STATUS[version], "NotImplemented", message)


class OAuthError(Exception):
    """An OAuth2 token endpoint error (RFC 6749 5.2)."""

    def __init__(
        self, status: int, error: str, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache", **self.headers},
        )


class PactRoute(APIRoute):
    """An API route whose errors are PACT error bodies (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except (PactHTTPError, OAuthError) as exc:
                return exc.response()
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                    for e in exc.errors()
                )
                if request.url.path.endswith("/auth/token"):
                    return OAuthError(400, "invalid_request", problems).response()
                return bad_request(problems or "malformed request").response()
            except Exception:
                log.exception("PACT %s %s failed", request.method, request.url.path)
                return PactHTTPError(
                    500, "InternalError", "An internal or unexpected error has occurred"
                ).response()

        return handler

"""The FastAPI application: ``create_app()`` is the factory uvicorn runs (``--factory``)."""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from greenmfg import __version__
from greenmfg.api.config import Settings
from greenmfg.store.activities import Conflict, ImportProblems
from greenmfg.store.admin import AdminError
from greenmfg.store.auth import AuthError, RateLimited
from greenmfg.store.db import Database, database_url
from greenmfg.store.migrate import current_revision, head_revision
from greenmfg.store.models import Setting
from greenmfg.store.scope import Forbidden, NotFound

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


class SecurityHeaders:
    """Plain ASGI middleware adding the headers every response should carry (cheaper than
    ``@app.middleware("http")``, which wraps each request in extra tasks)."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def session_secret(db: Database, configured: str) -> str:
    """The configured secret, else one generated on first start and kept in the database (so
    that every worker and every restart signs sessions alike)."""
    if configured:
        return configured
    with db.writing() as s:
        row = s.get(Setting, "session_secret")
        if row is None:
            row = Setting(key="session_secret", value=secrets.token_urlsafe(48))
            s.add(row)
        return row.value


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = db or Database(database_url(settings.database_url or None))
    rev, head = current_revision(db.engine), head_revision()
    if rev != head:
        raise RuntimeError(
            f"database {db.engine.url.render_as_string(hide_password=True)} is at schema revision "
            f"{rev or '(empty)'}, the code needs {head}: run `greenmfg db upgrade` first"
        )
    app = FastAPI(
        title="greenmfg",
        version=__version__,
        summary="Carbon and energy accounting platform for green manufacturing",
        docs_url="/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.db = db
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(db, settings.secret_key),
        session_cookie="greenmfg_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    app.add_middleware(SecurityHeaders)

    _errors(app)

    from greenmfg.api.routes import router as api_router

    app.include_router(api_router, prefix="/api/v1")
    from greenmfg.api.pact import router as pact_router  # PACT Data Exchange API, at the root

    app.include_router(pact_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        with db.reading() as s:
            s.scalar(select(1))
        return PlainTextResponse("ok")

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    try:
        from greenmfg.web.routes import router as web_router
    except ImportError:  # the web layer is optional for API-only deployments
        web_router = None
    if web_router is not None:
        app.include_router(web_router)
        from greenmfg.web.benchmark_pages import router as benchmark_pages

        app.include_router(benchmark_pages)
        from greenmfg.web.green_pages import router as green_router

        app.include_router(green_router)
        from greenmfg.web.footprint_pages import router as footprint_router

        app.include_router(footprint_router)
        from greenmfg.web.footprint_requests import router as footprint_requests_router

        app.include_router(footprint_requests_router)
        from greenmfg.web.oversight_pages import router as oversight_router

        app.include_router(oversight_router)
        from greenmfg.web.meter_pages import router as meter_router

        app.include_router(meter_router)
    return app


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as strings: a request carrying them is answered with a
    422 that names them, which strict JSON could not otherwise encode."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _errors(app: FastAPI) -> None:
    def handler(status: int):  # type: ignore[no-untyped-def]
        async def h(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return h

    app.add_exception_handler(NotFound, handler(404))
    app.add_exception_handler(Forbidden, handler(403))
    app.add_exception_handler(Conflict, handler(409))
    app.add_exception_handler(AdminError, handler(422))
    app.add_exception_handler(AuthError, handler(422))

    async def rate_limited(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RateLimited)
        return JSONResponse(
            {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
        )

    async def problems(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ImportProblems)
        return JSONResponse(
            {
                "detail": f"{len(exc.problems)} problem(s); nothing was stored",
                "problems": [
                    {"row": p.row, "column": p.column, "message": p.message, "where": m}
                    for p, m in zip(exc.problems, exc.messages, strict=False)
                ],
            },
            status_code=422,
        )

    async def integrity(request: Request, exc: Exception) -> JSONResponse:
        # a race between two writers on a unique key: the loser gets a conflict, not a 500
        return JSONResponse(
            {"detail": "conflicts with data stored meanwhile; reload and retry"}, status_code=409
        )

    async def overflow(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, StatementError) and not isinstance(exc.orig, OverflowError):
            raise exc
        return JSONResponse({"detail": "a number is out of range"}, status_code=422)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": _json_safe(jsonable_encoder(exc.errors()))}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(StatementError, overflow)
    app.add_exception_handler(OverflowError, overflow)
    app.add_exception_handler(RateLimited, rate_limited)
    app.add_exception_handler(ImportProblems, problems)

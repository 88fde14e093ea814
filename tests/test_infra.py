"""The slow-suite fixtures themselves: PostgreSQL databases, Chromium via Playwright, uvicorn."""

from __future__ import annotations

import json
import textwrap
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from infra import _unavailable, fresh_database, start_uvicorn

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str) -> tuple[int, str]:
    with _NO_PROXY.open(url, timeout=5) as resp:
        return resp.status, resp.read().decode()


# ---------------------------------------------------------------------------------- PostgreSQL


def test_postgres_url_connects(postgres_url: str) -> None:
    assert make_url(postgres_url).drivername == "postgresql+psycopg"
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_fresh_databases_are_empty_and_isolated(postgres_url: str, fresh_postgres_url: str) -> None:
    assert make_url(fresh_postgres_url).database != make_url(postgres_url).database
    engine = create_engine(fresh_postgres_url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(text("create table probe (id integer primary key, label text)"))
            conn.execute(text("insert into probe values (1, '绿色制造')"))
        with engine.connect() as conn:
            assert conn.execute(text("select label from probe")).scalar_one() == "绿色制造"

        with fresh_database(postgres_url) as other_url:
            assert make_url(other_url).database != make_url(fresh_postgres_url).database
            other = create_engine(other_url)
            with other.connect() as conn:  # left open on purpose: the drop must force it
                assert inspect(conn).get_table_names() == []
                names = conn.execute(text("select datname from pg_database")).scalars().all()
                assert make_url(fresh_postgres_url).database in names
        # Dropped although `other` still pools a connection to it.
        check = create_engine(postgres_url)
        try:
            with check.connect() as conn:
                names = conn.execute(text("select datname from pg_database")).scalars().all()
            assert make_url(other_url).database not in names
        finally:
            check.dispose()
            other.dispose()
    finally:
        engine.dispose()


def test_slow_suite_fixtures_are_marked(request: pytest.FixtureRequest, postgres_url: str) -> None:
    assert request.node.get_closest_marker("requires_postgres") is not None
    assert request.node.get_closest_marker("requires_chromium") is None


def test_unavailable_skips_or_fails_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENMFG_REQUIRE_SLOW_SUITES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no widget"):
        _unavailable("no widget")
    monkeypatch.setenv("GREENMFG_REQUIRE_SLOW_SUITES", "1")
    with pytest.raises(pytest.fail.Exception, match="no widget"):
        _unavailable("no widget")


# ------------------------------------------------------------------------------------ Chromium


def test_browser_renders_a_data_url(browser: Any) -> None:
    html = "<!doctype html><meta charset=utf-8><h1 id=t>Hello 绿色</h1><script>document.title='ok'</script>"
    page = browser.new_page()
    try:
        page.goto("data:text/html;charset=utf-8," + urllib.parse.quote(html))
        assert page.text_content("#t") == "Hello 绿色"
        assert page.title() == "ok"  # JavaScript runs
    finally:
        page.close()


def test_page_fixture(page: Any, request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("requires_chromium") is not None
    page.set_content("<p>碳排放 <b>42</b> t</p>")
    assert page.inner_text("b") == "42"


# --------------------------------------------------------------------------------- live server


def _write_app(tmp_path: Path, body: str) -> str:
    module = f"infra_probe_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return module


def test_start_uvicorn_serves_until_stopped(tmp_path: Path) -> None:
    module = _write_app(
        tmp_path,
        """
        import os
        from fastapi import FastAPI

        def create_app() -> FastAPI:
            app = FastAPI()

            @app.get("/healthz")
            def healthz() -> dict[str, str]:
                return {"status": "ok"}

            @app.get("/probe")
            def probe() -> dict[str, str]:
                return {"value": os.environ["GREENMFG_INFRA_PROBE"]}

            return app
        """,
    )
    base_url, stop = start_uvicorn(
        f"{module}:create_app", {"PYTHONPATH": str(tmp_path), "GREENMFG_INFRA_PROBE": "绿"}
    )
    try:
        assert base_url.startswith("http://127.0.0.1:")
        assert _get(f"{base_url}/healthz") == (200, '{"status":"ok"}')
        status, body = _get(f"{base_url}/probe")
        assert status == 200
        assert json.loads(body) == {"value": "绿"}
    finally:
        stop()
    stop()  # idempotent
    with pytest.raises(OSError):
        _get(f"{base_url}/healthz")


def test_start_uvicorn_reports_a_broken_app(tmp_path: Path) -> None:
    module = _write_app(
        tmp_path,
        """
        def create_app():
            raise RuntimeError("factory exploded on purpose")
        """,
    )
    with pytest.raises(RuntimeError, match="factory exploded on purpose"):
        start_uvicorn(f"{module}:create_app", {"PYTHONPATH": str(tmp_path)})

"""Test infrastructure for the slow suites: PostgreSQL, Chromium (Playwright) and a live uvicorn.

Loaded into ``tests/conftest.py`` with ``from infra import *``, so every name in ``__all__``
(fixtures and the collection hook included) is available to all tests.

Environment:

* ``GREENMFG_TEST_POSTGRES_URL`` -- a SQLAlchemy URL (``postgresql+psycopg://user@host:port/db``)
  of a server the tests may create and drop databases on. Without it, a throwaway cluster is
  started from Debian's binaries (``/usr/lib/postgresql/*/bin``) for the session.
* ``GREENMFG_TEST_CHROMIUM`` -- the Chromium executable (default ``/usr/bin/chromium``).
  Playwright drives it; ``playwright install`` is never needed.
* ``GREENMFG_REQUIRE_SLOW_SUITES=1`` -- fail instead of skipping when PostgreSQL or Chromium is
  unavailable (CI sets it).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

__all__ = [
    "CHROMIUM_ARGS",
    "browser",
    "chromium_path",
    "free_port",
    "fresh_database",
    "fresh_postgres_url",
    "page",
    "postgres_url",
    "pytest_collection_modifyitems",
    "start_uvicorn",
]

REQUIRE_ENV = "GREENMFG_REQUIRE_SLOW_SUITES"
POSTGRES_URL_ENV = "GREENMFG_TEST_POSTGRES_URL"
CHROMIUM_ENV = "GREENMFG_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

_POSTGRES_FIXTURES = {"postgres_url", "fresh_postgres_url"}
_CHROMIUM_FIXTURES = {"chromium_path", "browser", "page"}


def _unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when the slow suites are required (CI)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so this is an error rather than a skip)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests using the PostgreSQL / Chromium fixtures, so ``-m "not requires_..."`` works."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & _POSTGRES_FIXTURES:
            item.add_marker(pytest.mark.requires_postgres)
        if names & _CHROMIUM_FIXTURES:
            item.add_marker(pytest.mark.requires_chromium)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------- PostgreSQL


def _libpq_url(sqlalchemy_url: str, database: str | None = None) -> str:
    """``postgresql+psycopg://u@h:p/db`` -> ``postgresql://u@h:p/<database or db>`` for psycopg."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def _check_connect(sqlalchemy_url: str) -> None:
    import psycopg

    try:
        with psycopg.connect(_libpq_url(sqlalchemy_url), connect_timeout=10) as conn:
            conn.execute("select 1")
        return
    except psycopg.Error as exc:
        error = str(exc)
    safe = re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", sqlalchemy_url)
    pytest.fail(f"cannot connect to PostgreSQL at {safe} ({POSTGRES_URL_ENV}): {error}")


def _debian_pg_bindir() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", Path(path).parent.parent.name))

    return Path(max(found, key=version)).parent if found else None


class _ThrowawayCluster:
    """A PostgreSQL cluster in a temporary directory, listening only on 127.0.0.1:<port>.

    Trust authentication, superuser ``postgres``, no Unix socket, no fsync. When running as
    root the server runs as the ``postgres`` user (initdb and postgres refuse to run as root).
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.as_user = pwd.getpwnam("postgres")
            except KeyError:
                _unavailable("running as root but there is no 'postgres' user to run PostgreSQL")
        # Directly under /tmp: pytest's own tmp dirs are 0700 root, closed to the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="greenmfg-pg-"))
        if self.as_user is not None:
            os.chown(self.dir, self.as_user.pw_uid, self.as_user.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_user is not None:
            cmd = ["runuser", "-u", self.as_user.pw_name, "--", *cmd]
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        env.pop("PGDATA", None)
        return subprocess.run(
            cmd, cwd=self.dir, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        return self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )

    def start(self) -> str:
        init = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        )
        if init.returncode != 0:
            self.cleanup()
            pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            started = self._pg_ctl_start()
            if started.returncode == 0:
                break
        else:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            self.cleanup()
            pytest.fail(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            pg_ctl = str(self.bindir / "pg_ctl")
            done = self._run(pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
            if done.returncode != 0:
                self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL database on a server where tests may create databases.

    ``GREENMFG_TEST_POSTGRES_URL`` when set; else a throwaway cluster for this session.
    Store tests should prefer ``fresh_postgres_url`` (an empty database per test).
    """
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        _check_connect(url)
        yield url
        return
    bindir = _debian_pg_bindir()
    if bindir is None:
        _unavailable(
            f"PostgreSQL unavailable: set {POSTGRES_URL_ENV} or install Debian's 'postgresql'"
        )
    cluster = _ThrowawayCluster(bindir)
    try:
        server_url = cluster.start()
        _create_database(server_url, "greenmfg_test")
        yield _with_database(server_url, "greenmfg_test")
    finally:
        cluster.stop()


def _with_database(sqlalchemy_url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(sqlalchemy_url).set(database=database).render_as_string(hide_password=False)


def _admin(sqlalchemy_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        _libpq_url(sqlalchemy_url, "postgres"), autocommit=True, connect_timeout=10
    ) as conn:
        conn.execute(sql)


def _create_database(sqlalchemy_url: str, name: str) -> None:
    _admin(sqlalchemy_url, f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty, uniquely named database on ``server_url``'s server; drop it afterwards.

    Yields its SQLAlchemy URL (same driver, user and host as ``server_url``). The drop uses
    ``WITH (FORCE)``, so connections left open (e.g. an undisposed engine) do not block it.
    """
    name = f"greenmfg_t_{uuid.uuid4().hex[:16]}"
    _create_database(server_url, name)
    try:
        yield _with_database(server_url, name)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty PostgreSQL database, dropped after the test."""
    with fresh_database(postgres_url) as url:
        yield url


# ----------------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable: ``GREENMFG_TEST_CHROMIUM`` or ``/usr/bin/chromium``."""
    configured = os.environ.get(CHROMIUM_ENV)
    path = configured or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        how = f"{CHROMIUM_ENV}={configured}" if configured else f"{DEFAULT_CHROMIUM} (the default)"
        _unavailable(f"Chromium unavailable: {how} is not an executable file")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """A headless Playwright ``Browser`` (sync API) driving the system Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the 'playwright' Python package is not installed")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A Playwright ``Page`` in its own browser context, closed after the test."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


# --------------------------------------------------------------------------------- live server

# Talk to the local server directly even when http_proxy & co. are set.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def start_uvicorn(
    app_factory_path: str, env: dict[str, str], port: int | None = None
) -> tuple[str, Callable[[], None]]:
    """Run ``python -m uvicorn --factory <app_factory_path>`` on 127.0.0.1 in a subprocess.

    ``env`` is merged over the current environment. Waits (up to 30 s) until ``GET /healthz``
    answers 200, and returns ``(base_url, stop)``; ``stop()`` terminates the server and may be
    called more than once. If the server exits or does not become healthy, raises
    ``RuntimeError`` with the server's output.
    """
    port = free_port() if port is None else port
    base_url = f"http://127.0.0.1:{port}"
    # A file, not a pipe, so a chatty server can never block; closed by stop().
    output = tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            app_factory_path,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if not output.closed:
            output.close()

    def server_output() -> str:
        output.seek(0)
        return output.read().decode(errors="replace")

    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            text = server_output()
            stop()
            raise RuntimeError(
                f"uvicorn {app_factory_path} exited with {proc.returncode} before serving "
                f"/healthz; its output:\n{text}"
            )
        try:
            with _NO_PROXY.open(f"{base_url}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return base_url, stop
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            text = server_output()
            stop()
            raise RuntimeError(
                f"uvicorn {app_factory_path} did not answer GET /healthz with 200 within 30 s; "
                f"its output:\n{text}"
            )
        time.sleep(0.1)

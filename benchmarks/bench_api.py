"""Latency and throughput of the REST API under concurrent clients, on SQLite and PostgreSQL.

Run: ``python benchmarks/bench_api.py [--seconds 15] [--clients 50] [--workers 1,2]
[--backends sqlite,postgresql] [--quick]`` (``--quick``: a 3-second smoke of every leg).

Each backend gets the demo park (``seed_demo``: 30 enterprises, 2021-2023) and bearer tokens for
an enterprise manager (``ent01``), a municipal authority (``suzhou``) and the national one. Each
leg runs ``uvicorn --factory greenmfg.api.app:create_app --workers N`` in a subprocess and drives
it from a separate process: ``--clients`` closed-loop clients on asyncio (one keep-alive
connection each, loopback; a minimal HTTP/1.1 client by default, ``--httpx`` for httpx, which
costs the load generator several times more CPU), each cycling through the dashboard and
inventory endpoints below, for ``--seconds`` after a short warm-up. PostgreSQL is a throwaway cluster from Debian's binaries
(``/usr/lib/postgresql/*/bin``, as in ``tests/infra.py``), or ``GREENMFG_TEST_POSTGRES_URL``;
without either, that leg is skipped with a message.

The baseline is ``GET /healthz`` (no authentication, one trivial query) measured in the same leg
under the same load: its latency is what the server, the event loop and the thread pool cost
every request (queueing included), so ``endpoint p99 / healthz p99`` is what the endpoint's own
work adds. With N closed-loop clients, mean latency = N / throughput (Little's law): at 50
clients, a p99 under 100 ms needs well over 500 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # tests/infra.py: free_port and PostgreSQL helpers

import pytest  # noqa: E402  (infra reports an unavailable PostgreSQL with pytest's outcomes)

import infra  # noqa: E402

FACTORY = "greenmfg.api.app:create_app"
USERS = ("ent01", "suzhou", "national")
BASELINE = "healthz"


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    user: str | None  # whose token; None: no Authorization header


def targets(org_id: int) -> list[Target]:
    """The request mix, in equal shares (each client cycles through it)."""
    e = f"/api/v1/enterprises/{org_id}"
    return [
        Target(BASELINE, "/healthz", None),
        Target("portfolio (suzhou)", "/api/v1/portfolio?year=2023", "suzhou"),
        Target("portfolio (national)", "/api/v1/portfolio?year=2023", "national"),
        Target("years", f"{e}/years", "ent01"),
        Target("inventory", f"{e}/years/2023/inventory", "ent01"),
        Target("inventory lines", f"{e}/years/2023/inventory/lines?limit=50", "ent01"),
        Target("organisations", "/api/v1/organisations", "national"),
    ]


# ------------------------------------------------------------------------------ the database


def seed(url: str) -> tuple[dict[str, str], int]:
    """Migrate and seed the demo at ``url``; bearer tokens of USERS and ent01's enterprise id."""
    from sqlalchemy import select

    from greenmfg.store.auth import create_token
    from greenmfg.store.db import Database
    from greenmfg.store.migrate import upgrade
    from greenmfg.store.models import Membership, User
    from greenmfg.store.seed import seed_demo

    db = Database(url)
    try:
        upgrade(db.engine)
        seed_demo(db)
        tokens = {}
        with db.writing() as s:
            for username in USERS:
                user = s.scalars(select(User).where(User.username == username)).one()
                _row, tokens[username] = create_token(s, user, "bench_api", days=1)
            manager = s.scalars(select(User).where(User.username == "ent01")).one()
            org_id = s.scalars(
                select(Membership.org_id).where(Membership.user_id == manager.id)
            ).one()
        return tokens, org_id
    finally:
        db.dispose()


@contextlib.contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="greenmfg-bench-") as d:
        yield f"sqlite:///{d}/bench.db"


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    """A fresh database on $GREENMFG_TEST_POSTGRES_URL's server or on a throwaway cluster;
    ``None`` (after saying why) when there is neither."""
    import psycopg

    unavailable = (pytest.skip.Exception, pytest.fail.Exception, psycopg.Error)  # infra's ways
    server = os.environ.get(infra.POSTGRES_URL_ENV)
    with contextlib.ExitStack() as stack:
        try:
            if not server:
                bindir = infra._debian_pg_bindir()
                if bindir is None:
                    raise pytest.skip.Exception(
                        f"no {infra.POSTGRES_URL_ENV} and no Debian 'postgresql' binaries"
                    )
                cluster = infra._ThrowawayCluster(bindir)
                stack.callback(cluster.stop)
                server = cluster.start()
            url = stack.enter_context(infra.fresh_database(server))
        except unavailable as exc:
            print(f"PostgreSQL skipped: {exc}")
            url = None
        yield url


# -------------------------------------------------------------------------------- the server


@contextlib.contextmanager
def serve(url: str, workers: int, factory: str = FACTORY) -> Iterator[tuple[str, int]]:
    """uvicorn on 127.0.0.1 with ``workers`` processes; yields (base_url, pid)."""
    port = infra.free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()  # noqa: SIM115  (a file, never a pipe that could fill)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    cmd += ["--log-level", "warning"]
    env = {**os.environ, "GREENMFG_DATABASE_URL": url, "GREENMFG_SECRET_KEY": "bench-secret"}
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"uvicorn did not start:\n{log.read().decode(errors='replace')}")
            try:
                with no_proxy.open(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        if workers > 1:  # every worker answers only once it has imported the app
            time.sleep(2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of ``pid`` and its descendants so far (Linux /proc), else None."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    try:
        while todo:
            p = todo.pop()
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
    except (OSError, ValueError, IndexError):
        return None
    return total


# -------------------------------------------------------------------------------- the clients


@dataclass
class Result:
    seconds: float
    client_cpu: float
    latencies: dict[str, list[float]] = field(default_factory=dict)  # [s], successful requests
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str = ""


def drive(
    base: str,
    mix: list[Target],
    tokens: dict[str, str],
    clients: int,
    warmup: float,
    seconds: float,
    use_httpx: bool = False,
) -> Result:
    """Run in a separate process: ``clients`` closed-loop clients for ``warmup + seconds``;
    requests started during the warm-up are not counted."""
    return asyncio.run(_drive(base, mix, tokens, clients, warmup, seconds, use_httpx))


class RawClient:
    """A minimal HTTP/1.1 keep-alive GET client on asyncio streams: a tenth of httpx's CPU per
    request, which on two cores is CPU left to the server. Understands Content-Length and
    chunked bodies, which is all uvicorn sends."""

    def __init__(self, base: str) -> None:
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.conn
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{extra}\r\n".encode())
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            if "content-length" in fields:
                body = await reader.readexactly(int(fields["content-length"]))
            elif fields.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                    parts.append(await reader.readexactly(size + 2))
                await reader.readuntil(b"\r\n")
                body = b"".join(p[:-2] for p in parts)
            else:
                raise ValueError(f"no length for the body of {path}: {fields}")
            if fields.get("connection", "").lower() == "close":
                await self.close()
            return status, body
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self.conn is not None:
            self.conn[1].close()
            self.conn = None


async def _drive(
    base: str,
    mix: list[Target],
    tokens: dict[str, str],
    clients: int,
    warmup: float,
    seconds: float,
    use_httpx: bool,
) -> Result:
    import httpx

    headers = [{"Authorization": f"Bearer {tokens[t.user]}"} if t.user else {} for t in mix]
    result = Result(seconds=seconds, client_cpu=0.0)
    result.latencies = {t.name: [] for t in mix}
    result.errors = {t.name: 0 for t in mix}
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + seconds

    async def one_client(i: int) -> None:
        # One connection per simulated user. (With httpx, one client each too: a shared pool of
        # 50 connections costs a core, as httpcore scans every connection on each request.)
        if use_httpx:
            hx = httpx.AsyncClient(
                base_url=base, limits=httpx.Limits(max_connections=1), timeout=60, trust_env=False
            )
        else:
            raw = RawClient(base)
        k = i  # each client starts elsewhere in the mix, then cycles through it
        try:
            while (t0 := time.perf_counter()) < end:
                j = k % len(mix)
                k += 1
                target = mix[j]
                try:
                    if use_httpx:
                        r = await hx.get(target.path, headers=headers[j])
                        status, body = r.status_code, r.content
                    else:
                        status, body = await asyncio.wait_for(
                            raw.get(target.path, headers[j]), timeout=60
                        )
                    ok = status == 200
                    problem = "" if ok else f"{target.path}: HTTP {status} {body[:200]!r}"
                except (TimeoutError, EOFError, OSError, ValueError, httpx.HTTPError) as exc:
                    ok, problem = False, f"{target.path}: {exc!r}"
                if t0 < measure_from:
                    continue
                if ok:
                    result.latencies[target.name].append(time.perf_counter() - t0)
                else:
                    result.errors[target.name] += 1
                    result.first_error = result.first_error or problem
        finally:
            await (hx.aclose() if use_httpx else raw.close())

    async def cpu_meter() -> float:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu0 = time.process_time()
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        return time.process_time() - cpu0

    meter = asyncio.ensure_future(cpu_meter())
    await asyncio.gather(*(one_client(i) for i in range(clients)))
    result.client_cpu = await meter
    return result


# ------------------------------------------------------------------------------------ report


def pct(xs: list[float], q: float) -> float:
    """The q-quantile (0..1) of xs in ms, nearest rank."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return 1000 * s[min(len(s) - 1, max(0, round(q * len(s)) - 1))]


@dataclass
class Leg:
    backend: str
    workers: int
    result: Result
    server_cpu: float | None

    def row(self, name: str | None) -> tuple[int, int, float, float, float]:
        r = self.result
        if name is None:
            lat = [x for v in r.latencies.values() for x in v]
            errors = sum(r.errors.values())
        else:
            lat, errors = r.latencies[name], r.errors[name]
        return len(lat), errors, pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99)


def report(leg: Leg, mix: list[Target]) -> None:
    r = leg.result
    base_p99 = leg.row(BASELINE)[4]
    print(f"\n== {leg.backend}, uvicorn --workers {leg.workers}: {r.seconds:g} s ==")
    print(
        f"{'endpoint':<22} {'requests':>8} {'errors':>6} {'req/s':>7} "
        f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'p99/healthz':>11}"
    )
    for name in [t.name for t in mix] + [None]:
        n, err, p50, p90, p99 = leg.row(name)
        label = name or "all"
        if name == BASELINE:
            label += " (base)"
        ratio = f"{p99 / base_p99:10.1f}x" if name is not None else ""
        print(
            f"{label:<22} {n:>8} {err:>6} {n / r.seconds:>7.0f} "
            f"{p50:>7.1f} {p90:>7.1f} {p99:>7.1f} {ratio:>11}"
        )
    server = "n/a" if leg.server_cpu is None else f"{leg.server_cpu / r.seconds:.2f}"
    print(
        f"CPU cores used: server {server}, load generator {r.client_cpu / r.seconds:.2f} "
        f"(of {os.cpu_count()})"
    )
    print(
        f"inventory p99 / {BASELINE} p99 = {leg.row('inventory')[4] / base_p99:.1f}x; "
        f"portfolio (national) p99 / {BASELINE} p99 = "
        f"{leg.row('portfolio (national)')[4] / base_p99:.1f}x"
    )
    if r.first_error:
        print(f"first error: {r.first_error}")
    if leg.row(None)[0] == 0 or leg.row(None)[4] > 25_000:
        print(
            "STALLED: (almost) no request completed. A sync route keeps its pooled connection "
            "while FastAPI waits for a thread-pool slot to validate the response; once every "
            "slot waits for a connection, nothing moves until the pool's 30 s timeout."
        )


def summary(legs: list[Leg]) -> None:
    print("\n== summary (all endpoints together; ratio: inventory p99 / healthz p99) ==")
    print(
        f"{'backend':<11} {'workers':>7} {'req/s':>7} {'errors':>6} {'p50 ms':>7} "
        f"{'p90 ms':>7} {'p99 ms':>7} {'inv/healthz':>11}"
    )
    for leg in legs:
        n, err, p50, p90, p99 = leg.row(None)
        ratio = leg.row("inventory")[4] / leg.row(BASELINE)[4]
        print(
            f"{leg.backend:<11} {leg.workers:>7} {n / leg.result.seconds:>7.0f} {err:>6} "
            f"{p50:>7.1f} {p90:>7.1f} {p99:>7.1f} {ratio:>10.1f}x"
        )


# -------------------------------------------------------------------------------------- main


def run_backend(
    backend: str, url: str, args: argparse.Namespace, pool: Any, legs: list[Leg]
) -> None:
    t0 = time.perf_counter()
    tokens, org_id = seed(url)
    print(f"{backend}: seeded the demo in {time.perf_counter() - t0:.1f} s")
    mix = targets(org_id)
    for workers in args.workers:
        with serve(url, workers, args.factory) as (base, pid):
            cpu0 = cpu_seconds(pid)
            r = pool.apply(
                drive,
                (base, mix, tokens, args.clients, args.warmup, args.seconds, args.httpx),
            )
            cpu1 = cpu_seconds(pid)
            # the warm-up is a small share of the window; its server CPU is left in
            server_cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
            server_cpu = (
                None if server_cpu is None else server_cpu * r.seconds / (r.seconds + args.warmup)
            )
        leg = Leg(backend, workers, r, server_cpu)
        report(leg, mix)
        legs.append(leg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="measured seconds per leg")
    ap.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per leg")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", default="1,2", help="uvicorn --workers values, comma separated")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument(
        "--factory",
        default=FACTORY,
        help="the app factory uvicorn runs (to compare a variant: module:callable on PYTHONPATH)",
    )
    ap.add_argument(
        "--httpx", action="store_true", help="drive with httpx instead of the minimal client"
    )
    ap.add_argument("--quick", action="store_true", help="3 s per leg, 1 s warm-up: a smoke run")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.warmup = 3.0, 1.0
    args.workers = [int(w) for w in args.workers.split(",")]
    backends = args.backends.split(",")
    print(
        f"{args.clients} clients, {args.seconds:g} s per leg after {args.warmup:g} s warm-up, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    legs: list[Leg] = []
    # spawn: the load generator starts clean, without this process's imports and threads
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        if "sqlite" in backends:
            with sqlite_url() as url:
                run_backend("sqlite", url, args, pool, legs)
        if "postgresql" in backends:
            with postgres_url() as url:
                if url is not None:
                    run_backend("postgresql", url, args, pool, legs)
    summary(legs)
    if legs:
        p99s = [leg.row(None)[4] for leg in legs]
        worst = "a leg stalled" if any(p != p for p in p99s) else f"worst {max(p99s):.0f} ms"
        verdict = "met" if all(p < 100 for p in p99s) else "NOT met"
        print(f"aim p99 < 100 ms (all endpoints, every leg): {verdict} ({worst})")


if __name__ == "__main__":
    main()

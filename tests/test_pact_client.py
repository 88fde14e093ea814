"""The outbound PACT client: token discovery, pagination, ``pull`` into an enterprise (idempotent),
the ``pact-client``/``pact`` commands, and ``greenmfg serve`` over TLS (a trustme certificate)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from greenmfg.cli import app as cli
from greenmfg.io.pact_client import PactClient, PactClientError, pull
from greenmfg.store.db import Database
from greenmfg.store.migrate import upgrade
from greenmfg.store.models import PactConnection, ProductFootprint
from greenmfg.store.pact import (
    PactStoreError,
    connection_secret,
    get_connection,
    publish_footprint,
    save_connection,
)
from infra import free_port
from pact_support import LiveServer, PactWorld, app_for, footprint, pact_world, pf_id

runner = CliRunner()


def flat(text: str) -> str:
    """Command output with Rich's line wrapping undone."""
    return " ".join(text.split())


PRODUCTS = [f"urn:gtin:50000000000{i:02d}" for i in range(7)]


@pytest.fixture(scope="module")
def supplier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Server A with seven published footprints of its E1 (and one of E2 that E1's client does
    not see), served by uvicorn."""
    fps = {
        f"S{i}": (
            "E1",
            footprint(f"S{i}", product_ids=[p], created=f"2025-01-{i + 1:02d}T00:00:00Z"),
            True,
        )
        for i, p in enumerate(PRODUCTS)
    }
    fps["X"] = ("E2", footprint("X", product_ids=["urn:gtin:5999999999999"]), True)
    a = pact_world(f"sqlite:///{tmp_path_factory.mktemp('supplier')}/a.db", fps)
    with LiveServer(app_for(a)) as server:
        yield {"a": a, "url": server.url}


@pytest.fixture
def recipient(tmp_path: Path, supplier: dict[str, Any]) -> PactWorld:
    b = pact_world(f"sqlite:///{tmp_path}/b.db", {})
    with b.db.writing() as s:
        save_connection(s, "supplier", supplier["url"], *supplier["a"].clients["E1"])
    return b


def _held(b: PactWorld, org: str) -> dict[str, ProductFootprint]:
    with b.db.reading() as s:
        rows = s.scalars(select(ProductFootprint).where(ProductFootprint.org_id == b.org(org)))
        return {r.id: r for r in rows}


@pytest.mark.parametrize("version", ["3", "2"])
def test_pull_is_idempotent(recipient: PactWorld, supplier: dict[str, Any], version: str) -> None:
    b = recipient
    with b.db.writing() as s:
        first = pull(s, "supplier", b.org("E2"), version)
    assert (first.fetched, first.new, first.unchanged) == (7, 7, 0)
    assert not first.skipped and not first.invalid
    held = _held(b, "E2")
    assert set(held) == {pf_id(f"S{i}") for i in range(7)}  # X is E2's at A: not shared
    assert all(r.origin == "pulled" and not r.published for r in held.values())
    assert all(r.origin_detail == supplier["url"] for r in held.values())
    with b.db.writing() as s:
        again = pull(s, "supplier", b.org("E2"), version)
    assert (again.fetched, again.new, again.unchanged) == (7, 0, 7)
    assert len(_held(b, "E2")) == 7
    with b.db.reading() as s:
        conn = get_connection(s, "supplier")
        assert conn.last_pull_at is not None


def test_pull_follows_the_suppliers_lifecycle(
    recipient: PactWorld, supplier: dict[str, Any]
) -> None:
    b, a = recipient, supplier["a"]
    with b.db.writing() as s:
        pull(s, "supplier", b.org("E1"))
    newer = footprint(
        "S0-v2", product_ids=[PRODUCTS[0]], preceding=[pf_id("S0")], created="2025-06-01T00:00:00Z"
    )
    with a.db.writing() as s:
        publish_footprint(s, a.org("E1"), newer, "computed")
    try:
        with b.db.writing() as s:
            result = pull(s, "supplier", b.org("E1"))
        assert (result.new, result.updated, result.unchanged) == (1, 1, 6)
        held = _held(b, "E1")
        assert held[pf_id("S0")].status == "Deprecated"
        assert held[pf_id("S0")].document["status"] == "Deprecated"
        assert held[pf_id("S0-v2")].status == "Active"
    finally:  # the supplier's other tests expect seven footprints
        with a.db.writing() as s:
            row = s.get(ProductFootprint, pf_id("S0-v2"))
            assert row is not None
            row.published = False


def test_pull_into_a_non_enterprise_is_refused(recipient: PactWorld) -> None:
    with pytest.raises(PactStoreError, match="no such enterprise"), recipient.db.writing() as s:
        pull(s, "supplier", recipient.org("P1"))


def test_pull_with_wrong_credentials(recipient: PactWorld, supplier: dict[str, Any]) -> None:
    with recipient.db.writing() as s:
        save_connection(s, "supplier", supplier["url"], supplier["a"].clients["E1"][0], "wrong")
    with pytest.raises(PactClientError, match="invalid_client") as exc, recipient.db.writing() as s:
        pull(s, "supplier", recipient.org("E1"))
    assert exc.value.status == 401


def test_client_pages_through_link_headers(supplier: dict[str, Any]) -> None:
    pages: list[int] = []
    with PactClient(supplier["url"], *supplier["a"].clients["E1"]) as c:
        docs = list(c.list_footprints("3", limit=3, on_page=pages.append))
        assert pages == [3, 3, 1]
        assert [d["id"] for d in docs] == [pf_id(f"S{i}") for i in range(7)]  # oldest first
        assert c.get_footprint(pf_id("S3"))["productIds"] == [PRODUCTS[3]]
        filtered = list(
            c.list_footprints("3", params=[("productId", PRODUCTS[1]), ("productId", PRODUCTS[2])])
        )
        assert {d["id"] for d in filtered} == {pf_id("S1"), pf_id("S2")}
        with pytest.raises(PactClientError) as exc:
            c.get_footprint(pf_id("X"))  # E2's footprint
        assert (exc.value.status, exc.value.code) == (403, "AccessDenied")


def test_token_endpoint_discovery_and_fallback() -> None:
    seen: list[str] = []

    def host(discovery: bool):  # type: ignore[no-untyped-def]
        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(f"{request.method} {request.url}")
            if request.url.path == "/.well-known/openid-configuration":
                if not discovery:
                    return httpx.Response(404)
                return httpx.Response(
                    200, json={"token_endpoint": "https://id.example.com/oauth/token"}
                )
            if request.url.path in ("/oauth/token", "/auth/token"):
                assert request.headers["authorization"].startswith("Basic ")
                assert request.content == b"grant_type=client_credentials"
                return httpx.Response(
                    200, json={"access_token": "t", "token_type": "bearer", "expires_in": 60}
                )
            if request.url.path == "/3/footprints":
                assert request.headers["authorization"] == "Bearer t"
                return httpx.Response(200, json={"data": []})
            return httpx.Response(404)

        return httpx.MockTransport(handler)

    with PactClient(
        "https://api.example.com",
        "id",
        "secret",
        auth_base_url="https://id.example.com",
        transport=host(True),
    ) as c:
        assert list(c.list_footprints()) == []
    assert "POST https://id.example.com/oauth/token" in seen
    seen.clear()
    with PactClient("https://api.example.com", "id", "secret", transport=host(False)) as c:
        assert list(c.list_footprints()) == []
    assert "POST https://api.example.com/auth/token" in seen  # the spec's fallback


def test_client_renews_an_expired_token() -> None:
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(404)
        if request.url.path == "/auth/token":
            issued.append(f"t{len(issued)}")
            return httpx.Response(
                200, json={"access_token": issued[-1], "token_type": "Bearer", "expires_in": 3600}
            )
        if request.headers["authorization"] == "Bearer t0":
            return httpx.Response(401, json={"code": "TokenExpired", "message": "expired"})
        return httpx.Response(200, json={"data": [{"id": "x"}]})

    with PactClient(
        "https://api.example.com", "id", "s", transport=httpx.MockTransport(handler)
    ) as c:
        assert list(c.list_footprints()) == [{"id": "x"}]
    assert issued == ["t0", "t1"]


def test_connection_secret_is_sealed(recipient: PactWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    with recipient.db.writing() as s:
        save_connection(s, "sealed", "https://pact.example.com", "cid", "the-plain-secret")
    with recipient.db.reading() as s:
        conn = s.scalars(select(PactConnection).where(PactConnection.name == "sealed")).one()
        assert "the-plain-secret" not in conn.secret_enc and conn.secret_enc.startswith("v1:")
        assert connection_secret(s, conn) == "the-plain-secret"
        monkeypatch.setenv("GREENMFG_SECRET_KEY", "another key altogether")
        with pytest.raises(PactStoreError, match="another key"):
            connection_secret(s, conn)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://pact.example.com", "http\\(s\\) URL"),
        ("pact.example.com", "http\\(s\\) URL"),
        ("https://pact.example.com/?a=1", "no query"),
    ],
)
def test_connection_urls_are_checked(recipient: PactWorld, url: str, message: str) -> None:
    with pytest.raises(PactStoreError, match=message), recipient.db.writing() as s:
        save_connection(s, "bad", url, "cid", "secret")


def test_discovery_honours_forwarded_proto(supplier: dict[str, Any]) -> None:
    # behind a TLS-terminating proxy on the same machine, uvicorn's proxy headers make the
    # discovered token endpoint https
    r = httpx.get(
        f"{supplier['url']}/.well-known/openid-configuration",
        headers={"X-Forwarded-Proto": "https"},
    )
    assert r.json()["token_endpoint"] == supplier["url"].replace("http:", "https:") + "/auth/token"


# ------------------------------------------------------------------------------- commands


def test_pact_commands(recipient: PactWorld, supplier: dict[str, Any]) -> None:
    b = recipient
    url = str(b.db.engine.url)
    r = runner.invoke(
        cli, ["pact-client", "create", "E1 test", "--name", "customer", "--database", url]
    )
    assert r.exit_code == 0, r.output
    lines = dict(line.split(": ", 1) for line in r.stdout.strip().splitlines())
    assert lines["client id"].startswith("pact_") and len(lines["client secret"]) > 30
    r = runner.invoke(cli, ["pact-client", "create", "E9 nowhere", "--database", url])
    assert r.exit_code == 2 and "no organisation named" in flat(r.output)
    r = runner.invoke(cli, ["pact-client", "create", str(b.org("JS")), "--database", url])
    assert r.exit_code == 2 and "enterprise or of a park" in flat(r.output)
    r = runner.invoke(cli, ["pact-client", "list", "--database", url])
    assert r.exit_code == 0 and lines["client id"] in r.stdout

    a_id, a_secret = supplier["a"].clients["E1"]
    r = runner.invoke(
        cli,
        [
            "pact",
            "connect",
            "acme",
            "--url",
            supplier["url"],
            "--client-id",
            a_id,
            "--client-secret",
            a_secret,
            "--database",
            url,
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["pact", "pull", "acme", "--into", "E3 test", "--database", url])
    assert r.exit_code == 0, r.output
    assert "7 fetched, 7 new" in r.stdout
    r = runner.invoke(
        cli,
        ["pact", "pull", "acme", "--into", str(b.org("E3")), "--version", "2", "--database", url],
    )
    assert r.exit_code == 0 and "7 fetched, 0 new, 7 unchanged" in r.stdout, r.output
    r = runner.invoke(cli, ["pact", "pull", "nothing", "--into", "E3 test", "--database", url])
    assert r.exit_code == 2 and "no PACT connection" in flat(r.output)
    r = runner.invoke(
        cli,
        [
            "pact",
            "connect",
            "bad",
            "--url",
            "nope",
            "--client-id",
            "x",
            "--client-secret",
            "y",
            "--database",
            url,
        ],
    )
    assert r.exit_code == 2 and "http(s) URL" in flat(r.output)


def test_serve_needs_both_tls_files(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    r = runner.invoke(
        cli, ["serve", "--ssl-certfile", str(cert), "--database", str(tmp_path / "x.db")]
    )
    assert r.exit_code == 2 and "go together" in flat(r.output)
    r = runner.invoke(
        cli,
        [
            "serve",
            "--ssl-certfile",
            str(cert),
            "--ssl-keyfile",
            str(tmp_path / "missing.pem"),
            "--database",
            str(tmp_path / "x.db"),
        ],
    )
    assert r.exit_code == 2 and "no such file" in flat(r.output)
    assert not (tmp_path / "x.db").exists()  # refused before touching the database


@pytest.mark.slow
def test_serve_over_tls(tmp_path: Path) -> None:
    """``greenmfg serve --ssl-certfile --ssl-keyfile``: the discovery document and a pull over
    HTTPS, trusting a throwaway CA (trustme)."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    for pem in cert.cert_chain_pems:
        pem.write_to_path(str(certfile), append=True)
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(ca_file))

    server_db = tmp_path / "server.db"
    a = pact_world(
        f"sqlite:///{server_db}", {"T": ("E1", footprint("T", product_ids=[PRODUCTS[0]]), True)}
    )
    a.db.dispose()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "greenmfg.cli",
            "serve",
            "--port",
            str(port),
            "--database",
            str(server_db),
            "--ssl-certfile",
            str(certfile),
            "--ssl-keyfile",
            str(keyfile),
        ],
        env={**os.environ, "GREENMFG_PACT_ALLOW_HTTP": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"https://127.0.0.1:{port}"
    trusted = ssl.create_default_context(cafile=str(ca_file))
    try:
        doc = None
        end = time.monotonic() + 60
        while time.monotonic() < end and proc.poll() is None:
            try:
                r = httpx.get(f"{base}/.well-known/openid-configuration", verify=trusted)
                doc = r.json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert doc is not None, (
            proc.stdout.read().decode() if proc.stdout and proc.poll() is not None else "no answer"
        )
        assert doc["token_endpoint"] == f"{base}/auth/token"
        with pytest.raises(httpx.HTTPError):  # not trusted without the CA
            httpx.get(f"{base}/.well-known/openid-configuration")

        b = pact_world(f"sqlite:///{tmp_path}/client.db", {})
        url = str(b.db.engine.url)
        cid, secret = a.clients["E1"]
        r = runner.invoke(
            cli,
            [
                "pact",
                "connect",
                "tls",
                "--url",
                base,
                "--client-id",
                cid,
                "--client-secret",
                secret,
                "--ca-bundle",
                str(ca_file),
                "--database",
                url,
            ],
        )
        assert r.exit_code == 0, r.output
        r = runner.invoke(cli, ["pact", "pull", "tls", "--into", "E1 test", "--database", url])
        assert r.exit_code == 0 and "1 fetched, 1 new" in r.stdout, r.output
        with b.db.reading() as s:
            assert s.scalar(select(func.count()).select_from(ProductFootprint)) == 1
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_pull_from_an_unknown_connection(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/fresh.db")
    upgrade(db.engine)
    with db.writing() as s, pytest.raises(PactStoreError, match="no PACT connection"):
        pull(s, "absent", 1)

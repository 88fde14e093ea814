"""REST API behaviour not covered by the permission matrix: tokens, limits, regressions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from greenmfg.api.app import create_app
from world import PASSWORD, World, build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(f"sqlite:///{tmp_path_factory.mktemp('api')}/api.db")


@pytest.fixture(scope="module")
def client(world: World) -> TestClient:
    return TestClient(create_app(db=world.db))


def auth(world: World, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def test_docs_and_schema_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises/{org_id}/activities" in schema["paths"]


def test_token_exchange_and_use(client: TestClient) -> None:
    r = client.post(
        "/api/v1/auth/token", json={"username": "m2", "password": PASSWORD, "name": "erp"}
    )
    assert r.status_code == 201
    token = r.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "m2" and me["roles"][0]["role"] == "manager"
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer gmf_forged"}).status_code == 401
    )
    assert client.get("/api/v1/me").status_code == 401


def test_token_exchange_is_rate_limited(client: TestClient) -> None:
    for _ in range(5):
        r = client.post("/api/v1/auth/token", json={"username": "m4", "password": "wrong password"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "m4", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_out_of_range_ids_are_422_not_500(client: TestClient, world: World) -> None:
    # regression (found by schemathesis): a 2**63 id overflowed the SQLite driver with a 500
    big = 2**63
    for url in (
        f"/api/v1/organisations/{big}",
        f"/api/v1/enterprises/{big}/years",
        f"/api/v1/portfolio?park_id={big}",
        f"/api/v1/enterprises/{world.orgs['E1']}/years/2023/inventory?version={big}",
    ):
        assert client.get(url, headers=auth(world, "admin")).status_code == 422, url


def test_duplicate_site_is_a_conflict(client: TestClient, world: World) -> None:
    # regression (found by schemathesis): the unique (org, code) constraint surfaced as a 500
    url = f"/api/v1/organisations/{world.orgs['E2']}/sites"
    body = {"code": "kiln-2", "name": "二线"}
    assert client.post(url, headers=auth(world, "m2"), json=body).status_code == 201
    r = client.post(url, headers=auth(world, "m2"), json=body)
    assert r.status_code == 409 and "already exists" in r.json()["detail"]


def test_correction_rejects_non_finite_amounts(client: TestClient, world: World) -> None:
    body = '{"reason": "x", "records": [{"row": 1, "site": "s", "kind": "fuel", "item": "diesel", "amount": NaN, "unit": "t"}]}'
    r = client.put(
        f"/api/v1/enterprises/{world.orgs['E1']}/years/2023/records",
        headers={**auth(world, "m1"), "Content-Type": "application/json"},
        content=body,
    )
    assert r.status_code == 422

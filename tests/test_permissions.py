"""Who may read and write what: every role x every resource x own / other tenant / other region.

The expected sets below are written out by hand from the rules (see greenmfg.store.scope), not
computed by the code under test:

- managers: their own enterprise (read, write, comment); viewers: their own (read);
- park admins: enterprises of their park (P1 = E1, E2; P2 = E3);
- authorities by GB/T 2260 prefix: national all; Jiangsu 32 = E1, E2, E3; Suzhou 3205 = E1, E2;
  Anhui 34 = E4;
- verifiers: assigned enterprises (V1 = E1, E3; V2 = E4) for read, comment and verify;
- admin: reads everything, writes no enterprise data.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from greenmfg.api.app import create_app
from world import ENTERPRISES, USERS, World, build_world

ALL = set(ENTERPRISES)
READ = {
    "m1": {"E1"}, "v1": {"E1"}, "m2": {"E2"}, "m3": {"E3"}, "m4": {"E4"},
    "park1": {"E1", "E2"}, "park2": {"E3"},
    "nat": ALL, "js": {"E1", "E2", "E3"}, "sz": {"E1", "E2"}, "ah": {"E4"},
    "ver1": {"E1", "E3"}, "ver2": {"E4"}, "admin": ALL,
}  # fmt: skip
WRITE = {"m1": {"E1"}, "m2": {"E2"}, "m3": {"E3"}, "m4": {"E4"}}
VERIFY = {"ver1": {"E1", "E3"}, "ver2": {"E4"}}
COMMENT = {u: WRITE.get(u, set()) | VERIFY.get(u, set()) for u in USERS}
YEAR = 2023

READ_RESOURCES = [
    "/api/v1/organisations/{id}",
    "/api/v1/organisations/{id}/sites",
    "/api/v1/enterprises/{id}/years",
    "/api/v1/enterprises/{id}/years/2023/records",
    "/api/v1/enterprises/{id}/years/2023/inventory",
    "/api/v1/enterprises/{id}/years/2023/inventory/lines",
    "/api/v1/enterprises/{id}/years/2023/workflow",
    "/api/v1/enterprises/{id}/years/2023/inventory.xlsx",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(f"sqlite:///{tmp_path_factory.mktemp('perm')}/perm.db")


@pytest.fixture(scope="module")
def client(world: World) -> TestClient:
    return TestClient(create_app(db=world.db))


def auth(world: World, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def test_hand_written_expectations_cover_every_user() -> None:
    assert set(READ) == set(USERS)


@pytest.mark.parametrize("resource", READ_RESOURCES)
@pytest.mark.parametrize("user", sorted(USERS))
def test_read_matrix(client: TestClient, world: World, user: str, resource: str) -> None:
    for e in ENTERPRISES:
        r = client.get(resource.format(id=world.orgs[e]), headers=auth(world, user))
        if e in READ[user]:
            assert r.status_code == 200, (user, e, resource, r.text)
        else:
            # not 403: another tenant's existence is not disclosed
            assert r.status_code == 404, (user, e, resource, r.status_code)


@pytest.mark.parametrize("user", sorted(USERS))
def test_lists_show_only_what_is_in_scope(client: TestClient, world: World, user: str) -> None:
    names = {v: k for k, v in world.orgs.items()}
    orgs = client.get("/api/v1/organisations?kind=enterprise", headers=auth(world, user)).json()
    assert {names[o["id"]] for o in orgs} == READ[user]
    rows = client.get("/api/v1/portfolio?year=2023", headers=auth(world, user)).json()["rows"]
    assert {names[r["id"]] for r in rows} == READ[user]
    entries = client.get("/api/v1/audit?limit=2000", headers=auth(world, user)).json()
    seen = {
        names[e["org_id"]]
        for e in entries
        if e["org_id"] in names and names[e["org_id"]].startswith("E")
    }
    assert seen <= READ[user]


@pytest.mark.parametrize("user", sorted(USERS))
def test_write_matrix_upload(client: TestClient, world: World, user: str) -> None:
    # an empty CSV is refused with 422 once the caller may write; the scope check comes first
    for e in ENTERPRISES:
        r = client.post(
            f"/api/v1/enterprises/{world.orgs[e]}/activities",
            headers=auth(world, user),
            files={"file": ("x.csv", b"site,year,kind,item,amount,unit\n")},
        )
        expected = 422 if e in WRITE.get(user, set()) else (403 if e in READ[user] else 404)
        assert r.status_code == expected, (user, e, r.status_code, r.text)


@pytest.mark.parametrize("user", sorted(USERS))
def test_write_matrix_correction_and_submit(client: TestClient, world: World, user: str) -> None:
    for e in ENTERPRISES:
        oid = world.orgs[e]
        # a correction whose only record is invalid: 422 for a writer, nothing stored
        body = {
            "reason": "probe",
            "records": [
                {"row": 1, "site": "s", "kind": "fuel", "item": "nope", "amount": 1, "unit": "t"}
            ],
        }
        r = client.put(
            f"/api/v1/enterprises/{oid}/years/{YEAR}/records", headers=auth(world, user), json=body
        )
        expected = 422 if e in WRITE.get(user, set()) else (403 if e in READ[user] else 404)
        assert r.status_code == expected, ("correct", user, e, r.status_code, r.text)
        # return a draft: 409 (wrong state) for its verifier, 403 for other readers, 404 otherwise
        r = client.post(
            f"/api/v1/enterprises/{oid}/years/{YEAR}/return",
            headers=auth(world, user),
            json={"note": "x"},
        )
        expected = 409 if e in VERIFY.get(user, set()) else (403 if e in READ[user] else 404)
        assert r.status_code == expected, ("return", user, e, r.status_code, r.text)


@pytest.mark.parametrize("user", sorted(USERS))
def test_comment_matrix(client: TestClient, world: World, user: str) -> None:
    for e in ENTERPRISES:
        r = client.post(
            f"/api/v1/enterprises/{world.orgs[e]}/years/{YEAR}/comments",
            headers=auth(world, user),
            json={"body": f"{user} was here"},
        )
        expected = 201 if e in COMMENT[user] else (403 if e in READ[user] else 404)
        assert r.status_code == expected, (user, e, r.status_code, r.text)


def test_only_admin_creates_organisations(client: TestClient, world: World) -> None:
    body = {
        "kind": "enterprise",
        "name": "新企业",
        "region_code": "320506",
        "industry_code": "C3011",
    }
    for user in USERS:
        r = client.post("/api/v1/organisations", headers=auth(world, user), json=body)
        assert r.status_code == (201 if user == "admin" else 403), user


def test_submit_and_verify_follow_roles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = build_world(f"sqlite:///{tmp_path}/wf.db")
    c = TestClient(create_app(db=w.db))
    e3 = w.orgs["E3"]
    url = f"/api/v1/enterprises/{e3}/years/{YEAR}"
    assert c.post(f"{url}/submit", headers=auth(w, "ver1"), json={}).status_code == 403
    assert c.post(f"{url}/submit", headers=auth(w, "m1"), json={}).status_code == 404
    assert c.post(f"{url}/submit", headers=auth(w, "m3"), json={}).status_code == 201
    assert (
        c.post(f"{url}/submit", headers=auth(w, "m3"), json={}).status_code == 409
    )  # already submitted
    assert (
        c.post(f"{url}/verify", headers=auth(w, "m3"), json={}).status_code == 403
    )  # no self-verification
    assert (
        c.post(f"{url}/verify", headers=auth(w, "ver2"), json={}).status_code == 404
    )  # not assigned
    assert (
        c.post(f"{url}/return", headers=auth(w, "ver1"), json={"note": ""}).status_code == 409
    )  # needs a note
    r = c.post(f"{url}/return", headers=auth(w, "ver1"), json={"note": "熟料产量与台账不符"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    flow = c.get(f"{url}/workflow", headers=auth(w, "m3")).json()
    assert (
        flow["status"] == "returned"
        and flow["submissions"][0]["decision_note"] == "熟料产量与台账不符"
    )

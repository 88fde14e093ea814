"""Property-based tests of ``/api/v1`` from its own OpenAPI schema (schemathesis).

Every operation is fed generated requests, in-process over ASGI, against a small world
(``tests/world.py``) in a SQLite file, authenticated with the bearer token of an enterprise
manager (``m1``) and, in a second run, of a platform administrator; the property checked is that
no response is a server error (5xx). The world may be changed by the run (uploads, corrections,
submissions); only the tokens must stay valid, and nothing the API offers revokes them.

Bounded on purpose (about 35 s on two cores): few examples per operation, derandomized (the
same requests every run), and no shrinking -- a failure reports the request that failed as a
``curl`` line, which is enough to write a reproducer; shrinking can take minutes per operation.
``GREENMFG_SCHEMA_EXAMPLES`` raises the number of examples for a deeper local run.

The server errors it found (out-of-range integers reaching the database driver; a duplicate
site code reaching the UNIQUE constraint) are pinned by the regression tests at the end.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from sqlalchemy.pool import StaticPool

from greenmfg.api.app import create_app
from greenmfg.store.db import Database
from greenmfg.store.migrate import upgrade
from world import build_world

EXAMPLES = int(os.environ.get("GREENMFG_SCHEMA_EXAMPLES", "25"))


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI document. It does not depend on the data, so an empty in-memory store
    will do; it is needed at collection time (one test per operation)."""
    db = Database("sqlite://", poolclass=StaticPool)
    try:
        upgrade(db.engine)
        return create_app(db=db).openapi()
    finally:
        db.dispose()


schema = schemathesis.openapi.from_dict(_openapi())


# Ids of the world under test, filled in by the ``api`` fixture before any example is drawn.
KNOWN: dict[str, list[int]] = {}


def _mixed(params: Any) -> st.SearchStrategy[Any]:
    """Each generated id or year, or (as often) one that exists in the world, so that requests
    reach the data and not only the 404s and 403s of random ids."""
    if not isinstance(params, dict):
        return st.just(params)
    return st.fixed_dictionaries(
        {
            k: st.one_of(st.just(v), st.sampled_from(KNOWN[k])) if KNOWN.get(k) else st.just(v)
            for k, v in params.items()
        }
    )


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    return _mixed(path_parameters)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> Any:
    return _mixed(query)


@dataclass
class Api:
    app: FastAPI
    tokens: dict[str, str]
    orgs: dict[str, int]

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def _api(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Api]:
    path = tmp_path_factory.mktemp(name) / "world.db"
    w = build_world(f"sqlite:///{path}")
    try:
        yield Api(app=create_app(db=w.db), tokens=w.tokens, orgs=w.orgs)
    finally:
        w.db.dispose()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The world the generated requests run against (and may change)."""
    for a in _api(tmp_path_factory, "api_schema"):
        enterprises = [a.orgs[k] for k in ("E1", "E2", "E3", "E4")]
        KNOWN.update(
            org_id=[*enterprises, a.orgs["P1"], a.orgs["SZ"]],
            park_id=[a.orgs["P1"], a.orgs["P2"]],
            year=[2023, 2022],
        )
        yield a
        KNOWN.clear()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A world of its own for the regression tests, whatever the property tests did to theirs."""
    yield from _api(tmp_path_factory, "api_schema_repro")


@pytest.mark.parametrize("user", ["m1", "admin"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case: schemathesis.Case, user: str, api: Api) -> None:
    response = case.call(app=api.app, headers=api.auth(user))
    case.validate_response(response, checks=[not_a_server_error])


# ------------------------------------------------------- regressions: server errors it found

# Out of range for a PostgreSQL integer, and for SQLite's (and a bigint's) 64 bits: both were 500s.
BIG = (2**31, 2**63)


def _request(api: Api, user: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.request(method, path, headers=api.auth(user), **kwargs)

    return asyncio.run(go())


@pytest.mark.parametrize("big", BIG, ids=["2**31", "2**63"])
@pytest.mark.parametrize(
    ("user", "method", "path", "body"),
    [
        pytest.param("m1", "GET", "/api/v1/organisations/{BIG}", None, id="path-org_id"),
        pytest.param("m1", "GET", "/api/v1/enterprises/{E1}/years/{BIG}/workflow", None, id="path-year"),
        pytest.param("m1", "GET", "/api/v1/organisations?offset={BIG}", None, id="query-offset"),
        pytest.param("m1", "GET", "/api/v1/enterprises/{E1}/years/2023/inventory?version={BIG}", None, id="query-version"),
        pytest.param("admin", "GET", "/api/v1/portfolio?park_id={BIG}", None, id="query-park_id"),
        pytest.param("admin", "GET", "/api/v1/portfolio?year={BIG}", None, id="query-year"),
        pytest.param("m1", "GET", "/api/v1/audit?after={BIG}", None, id="query-after"),
        pytest.param("m1", "GET", "/api/v1/audit?org_id={BIG}", None, id="query-org_id"),
        pytest.param("admin", "POST", "/api/v1/organisations", "park_id", id="body-park_id"),
        pytest.param("m1", "PUT", "/api/v1/enterprises/{E1}/years/2023/records", "row", id="body-row"),
    ],
)  # fmt: skip
def test_out_of_range_integer_is_422(
    pristine: Api, user: str, method: str, path: str, body: str | None, big: int
) -> None:
    """Was a 500: the number reached the database driver (OverflowError on SQLite)."""
    path = path.replace("{E1}", str(pristine.orgs["E1"])).replace("{BIG}", str(big))
    payload: dict[str, Any] | None = None
    if body == "park_id":
        payload = {"kind": "enterprise", "name": "x", "region_code": "320506", "park_id": big}
    elif body == "row":  # the year's own records, one of them renumbered out of range
        records = _request(pristine, user, "GET", path).json()
        fields = ("row", "site", "kind", "item", "amount", "unit", "region", "measured")
        payload = {"reason": "renumber", "records": [{k: r[k] for k in fields} for r in records]}
        payload["records"][0]["row"] = big
    response = _request(pristine, user, method, path, json=payload)
    assert response.status_code == 422, f"{method} {path} -> {response.status_code}"


def test_duplicate_site_code_is_409(pristine: Api) -> None:
    """Was a 500: the UNIQUE (org_id, code) constraint raised IntegrityError (found with
    GREENMFG_SCHEMA_EXAMPLES=300)."""
    path = f"/api/v1/organisations/{pristine.orgs['E2']}/sites"
    body = {"code": "kiln", "name": "Kiln 1"}
    first = _request(pristine, "m2", "POST", path, json=body)
    assert first.status_code == 201, first.text
    again = _request(pristine, "m2", "POST", path, json=body)
    assert again.status_code == 409, f"POST {path} twice -> {again.status_code}: {again.text}"

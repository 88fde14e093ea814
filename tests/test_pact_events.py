"""``POST /{2,3}/events`` and the asynchronous request flow between two greenmfg servers.

Server A is the data owner, server B the data recipient (two SQLite databases, two uvicorn
servers in threads). B sends a RequestCreated event to A; A's manager fulfils or rejects it; A
sends the answer to B's events endpoint with a token from B's token endpoint (the credentials B
issued to A, stored as a connection); B stores the footprints it receives.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import greenmfg.io.pact_client as pact_client
from greenmfg.io.pact import validate
from greenmfg.store.models import FootprintRequest, ProductFootprint
from greenmfg.store.pact import (
    PactStoreError,
    fulfil_request,
    pending_requests,
    reject_request,
    save_connection,
    wait_for_deliveries,
)
from pact_support import LiveServer, PactWorld, app_for, basic, footprint, pact_world

PRODUCT = "urn:gtin:4000000000001"
OTHER_PRODUCT = "urn:gtin:4000000000002"


@pytest.fixture(autouse=True)
def _no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pact_client, "RETRY_DELAYS", (0.2,))


def _event(
    kind: str,
    version: str = "3",
    source: str = "https://requester.example.com/3/events",
    **data: Any,
) -> dict[str, Any]:
    types = {
        "3": {
            "request": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
            "published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
            "fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
            "rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
        },
        "2": {
            "request": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
            "published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        },
    }
    return {
        "type": types[version][kind],
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": "2025-05-01T10:00:00Z",
        "data": data,
    }


# ------------------------------------------------------------------ one server: validation


@pytest.fixture(scope="module")
def owner(tmp_path_factory: pytest.TempPathFactory) -> PactWorld:
    pw = pact_world(
        f"sqlite:///{tmp_path_factory.mktemp('events')}/a.db",
        {
            "P": ("E1", footprint("P", product_ids=[PRODUCT]), True),
            "Q": (
                "E1",
                footprint("Q", product_ids=[OTHER_PRODUCT, "urn:gtin:4000000000003"]),
                True,
            ),
        },
    )
    with pw.db.writing() as s:  # the requester's host, so that A can answer it
        save_connection(
            s, "requester", "https://requester.example.com", "id-at-requester", "s3cret!"
        )
    return pw


@pytest.fixture(scope="module")
def events(owner: PactWorld) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(app_for(owner, auto_fulfil=False)) as c:
        tok = c.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(*owner.clients["E1"]),
        ).json()["access_token"]
        yield (
            c,
            {
                "Authorization": f"Bearer {tok}",
                "Content-Type": "application/cloudevents+json; charset=UTF-8",
            },
        )


def _post(events: tuple[TestClient, dict[str, str]], body: Any, version: str = "3") -> Any:
    c, headers = events
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return c.post(f"/{version}/events", content=content, headers=headers)


@pytest.mark.parametrize(
    ("version", "body", "why"),
    [
        ("3", b"{not json", "not a JSON"),
        ("3", [], "JSON object"),
        (
            "3",
            {**_event("published", pfIds=[]), "type": "org.example.Unknown"},
            "not a PACT v3 event",
        ),
        ("3", _event("request", "2", pf={"productIds": [PRODUCT]}), "post it to /2/events"),
        (
            "3",
            {k: v for k, v in _event("request", productId=[PRODUCT]).items() if k != "source"},
            "source",
        ),
        ("3", {**_event("request", productId=[PRODUCT]), "time": "yesterday"}, "time"),
        ("3", _event("request", productId=[PRODUCT], validOn="soon"), "validOn"),
        ("3", _event("published", pfIds=["urn:gtin:4712345060507"]), "pfIds"),  # conformance 40
        ("2", _event("published", "2", pfIds=["urn:gtin:4712345060507"]), "pfIds"),  # v2 case 21
        ("3", _event("fulfilled", requestEventId="x", pfs=[{"id": "x"}]), "pfs"),
        ("3", _event("fulfilled", requestEventId="x", pfs=[]), "pfs"),  # "MUST be non-empty"
        ("3", _event("rejected", requestEventId="x"), "error"),
    ],
)
def test_malformed_events_are_bad_requests(
    events: tuple[TestClient, dict[str, str]], version: str, body: Any, why: str
) -> None:
    r = _post(events, body, version)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "BadRequest" and why in r.json()["message"]


def test_events_need_a_valid_token(events: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = events
    body = json.dumps(_event("published", pfIds=[str(uuid.uuid4())]))
    r = c.post("/3/events", content=body, headers={**headers, "Authorization": "Bearer nope"})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"  # conformance test case 16


def test_published_event_is_accepted_with_an_empty_body(
    owner: PactWorld, events: tuple[TestClient, dict[str, str]]
) -> None:
    ids = [str(uuid.uuid4())]
    r = _post(events, _event("published", pfIds=ids))
    assert r.status_code == 200 and r.content == b""
    with owner.db.reading() as s:
        row = s.scalars(select(FootprintRequest).where(FootprintRequest.kind == "published")).one()
        assert row.status == "received" and row.footprint_ids == ids


def test_request_without_a_host_to_answer_is_refused(
    events: tuple[TestClient, dict[str, str]],
) -> None:
    r = _post(events, _event("request", source="urn:example:requester", productId=[PRODUCT]))
    assert r.status_code == 400 and "must name its host" in r.json()["message"]


def test_answer_to_a_host_without_connection_waits(
    owner: PactWorld, events: tuple[TestClient, dict[str, str]]
) -> None:
    # accepted: the data owner may add the connection later and send the answer then
    body = _event("request", source="https://stranger.example.org/3/events", productId=[PRODUCT])
    assert _post(events, body).status_code == 200
    with owner.db.writing() as s:
        req = next(r for r in pending_requests(s, owner.org("E1")) if r.event_id == body["id"])
        assert req.connection_id is None
        fulfil_request(s, req.id, [owner.ids["P"]])
    assert wait_for_deliveries()
    with owner.db.reading() as s:
        row = s.get(FootprintRequest, req.id)
        assert row is not None and row.status == "fulfilled" and row.callback_status == "failed"
        assert "no PACT connection" in row.callback_result and row.callback_attempts == 0


def test_request_is_stored_once_and_answered_by_hand(
    owner: PactWorld, events: tuple[TestClient, dict[str, str]]
) -> None:
    body = _event("request", productId=[PRODUCT], comment="PCF for 2024, please")
    assert _post(events, body).status_code == 200
    assert _post(events, body).status_code == 200  # the same event again: nothing new
    with owner.db.reading() as s:
        pending = [r for r in pending_requests(s, owner.org("E1")) if r.event_id == body["id"]]
    assert len(pending) == 1
    req = pending[0]
    assert req.criteria == {"productId": [PRODUCT]} and req.comment == "PCF for 2024, please"
    assert req.reply_source == "http://testserver/3/events"
    with pytest.raises(PactStoreError, match="not a published footprint"), owner.db.writing() as s:
        fulfil_request(s, req.id, [str(uuid.uuid4())], deliver=False)
    with pytest.raises(PactStoreError, match="reject it instead"), owner.db.writing() as s:
        fulfil_request(s, req.id, [], deliver=False)
    with owner.db.writing() as s:
        done = fulfil_request(s, req.id, [owner.ids["P"]], deliver=False)
        assert done.status == "fulfilled"
        answer = done.response_event
    assert answer is not None and validate(answer, "3", "RequestFulfilledEvent") == []
    assert answer["data"]["requestEventId"] == body["id"]
    assert answer["source"] == "http://testserver/3/events"
    with pytest.raises(PactStoreError, match="already fulfilled"), owner.db.writing() as s:
        reject_request(s, req.id, "too late", deliver=False)


def test_v2_request_with_a_fragment(
    owner: PactWorld, events: tuple[TestClient, dict[str, str]]
) -> None:
    body = _event(
        "request",
        "2",
        source="https://requester.example.com/2/events",
        pf={"productIds": [PRODUCT]},
    )
    assert _post(events, body, "2").status_code == 200
    with owner.db.writing() as s:
        req = next(r for r in pending_requests(s, owner.org("E1")) if r.event_id == body["id"])
        assert req.spec_version == "2" and req.criteria == {"productId": [PRODUCT]}
        answer = fulfil_request(s, req.id, [owner.ids["P"]], deliver=False).response_event
    assert answer is not None and validate(answer, "2", "RequestFulfilledEvent") == []
    assert answer["data"]["pfs"][0]["specVersion"].startswith("2.")


def test_auto_fulfil_answers_exact_matches_only(owner: PactWorld) -> None:
    with TestClient(app_for(owner, auto_fulfil=True)) as c:
        tok = c.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(*owner.clients["E1"]),
        ).json()["access_token"]
        ev = (c, {"Authorization": f"Bearer {tok}"})
        exact = _event("request", productId=[PRODUCT])
        # Q carries a product id that was not asked for: a person decides
        partial = _event("request", productId=[OTHER_PRODUCT])
        unknown = _event("request", productId=["urn:pact:null"])
        for body in (exact, partial, unknown):
            assert _post(ev, body).status_code == 200
    wait_for_deliveries()
    with owner.db.reading() as s:
        rows = {r.event_id: r for r in s.scalars(select(FootprintRequest))}
    assert rows[exact["id"]].status == "fulfilled"
    assert rows[exact["id"]].footprint_ids == [owner.ids["P"]]
    # the requester's host does not exist: the answer is recorded as not delivered
    assert rows[exact["id"]].callback_status == "failed" and rows[exact["id"]].callback_result
    assert rows[partial["id"]].status == rows[unknown["id"]].status == "pending"


# ------------------------------------------------------------ two servers: the full flow


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("pair")
    a = pact_world(
        f"sqlite:///{tmp}/a.db",
        {
            "P": ("E1", footprint("P", product_ids=[PRODUCT]), True),
            "Q": ("E1", footprint("Q", product_ids=[OTHER_PRODUCT]), True),
        },
    )
    b = pact_world(f"sqlite:///{tmp}/b.db", {})
    app_a, app_b = app_for(a, auto_fulfil=False), app_for(b)
    with LiveServer(app_a) as server_a, LiveServer(app_b) as server_b:
        with b.db.writing() as s:  # B reads A's E1 with the credentials A issued
            save_connection(s, "A", server_a.url, *a.clients["E1"])
        with a.db.writing() as s:  # A answers B with the credentials B issued
            save_connection(s, "B", server_b.url, *b.clients["E3"])
        yield {"a": a, "b": b, "app_a": app_a, "url_a": server_a.url, "url_b": server_b.url}


def _ask(pair: dict[str, Any], product: str, version: str = "3") -> tuple[int, FootprintRequest]:
    b: PactWorld = pair["b"]
    a: PactWorld = pair["a"]
    rid = pact_client.request_footprints(
        b.db,
        "A",
        b.org("E2"),
        {"productId": [product]},
        source=f"{pair['url_b']}/{version}/events",
        version=version,
        comment="for our 2025 report",
    )
    with b.db.reading() as s:
        ours = s.get(FootprintRequest, rid)
        assert ours is not None
    with a.db.reading() as s:
        theirs = next(r for r in pending_requests(s, a.org("E1")) if r.event_id == ours.event_id)
    assert ours.callback_status == "sent" and ours.status == "pending"
    return rid, theirs


@pytest.mark.parametrize("version", ["3", "2"])
def test_request_fulfilled_across_servers(pair: dict[str, Any], version: str) -> None:
    a: PactWorld = pair["a"]
    b: PactWorld = pair["b"]
    rid, theirs = _ask(pair, PRODUCT, version)
    assert theirs.criteria == {"productId": [PRODUCT]} and theirs.comment == "for our 2025 report"
    manager = a.world.principal("m1")
    with a.db.writing() as s:
        fulfil_request(s, theirs.id, [a.ids["P"]], actor=manager)
    assert wait_for_deliveries(30)
    with a.db.reading() as s:
        sent = s.get(FootprintRequest, theirs.id)
        assert sent is not None and sent.status == "fulfilled"
        assert sent.callback_status == "sent", sent.callback_result
        assert sent.decided_by == a.world.users["m1"]
    with b.db.reading() as s:
        ours = s.get(FootprintRequest, rid)
        assert (
            ours is not None and ours.status == "fulfilled" and ours.footprint_ids == [a.ids["P"]]
        )
        got = s.get(ProductFootprint, a.ids["P"])
        assert got is not None and got.org_id == b.org("E2")
        assert got.origin == "pulled" and not got.published  # never served onward
        assert got.origin_detail == pair["url_a"]
        assert got.product_ids == [PRODUCT]


def test_request_rejected_across_servers(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    b: PactWorld = pair["b"]
    rid, theirs = _ask(pair, "urn:pact:null")
    with a.db.writing() as s:
        reject_request(s, theirs.id, "No footprint for this product yet.")
    assert wait_for_deliveries(30)
    with a.db.reading() as s:
        row = s.get(FootprintRequest, theirs.id)
        assert row is not None and row.callback_status == "sent" and row.status == "rejected"
        assert validate(row.response_event, "3", "RequestRejectedEvent") == []
    with b.db.reading() as s:
        ours = s.get(FootprintRequest, rid)
        assert ours is not None and ours.status == "rejected"
        assert ours.reason == "NotFound: No footprint for this product yet."


def test_request_auto_fulfilled_across_servers(pair: dict[str, Any]) -> None:
    b: PactWorld = pair["b"]
    pair["app_a"].state.pact_auto_fulfil = True
    try:
        rid = pact_client.request_footprints(
            b.db,
            "A",
            b.org("E1"),
            {"productId": [OTHER_PRODUCT]},
            source=f"{pair['url_b']}/3/events",
        )
        assert wait_for_deliveries(30)
    finally:
        pair["app_a"].state.pact_auto_fulfil = False
    with b.db.reading() as s:
        ours = s.get(FootprintRequest, rid)
        assert ours is not None and ours.status == "fulfilled"
        assert ours.footprint_ids == [pair["a"].ids["Q"]]


def test_unsolicited_answer_is_kept_unmatched(pair: dict[str, Any]) -> None:
    from pact_support import token

    b: PactWorld = pair["b"]
    tok = token(pair["url_b"], b.clients["E3"])
    body = _event(
        "rejected",
        source=f"{pair['url_a']}/3/events",
        requestEventId="never-sent",
        error={"code": "NotFound", "message": "no"},
    )
    import httpx

    r = httpx.post(
        f"{pair['url_b']}/3/events", json=body, headers={"Authorization": f"Bearer {tok}"}
    )
    assert r.status_code == 200
    with b.db.reading() as s:
        row = s.scalars(
            select(FootprintRequest).where(FootprintRequest.event_id == body["id"])
        ).one()
        assert row.status == "unmatched" and row.org_id is None


def test_answer_to_an_unreachable_requester_is_recorded(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, theirs = _ask(pair, PRODUCT)
    with a.db.writing() as s:  # B moves away: its connection now points nowhere
        save_connection(s, "B", "http://127.0.0.1:9", *pair["b"].clients["E3"])
    try:
        with a.db.writing() as s:
            fulfil_request(s, theirs.id, [a.ids["P"]])
        assert wait_for_deliveries(30)
    finally:
        with a.db.writing() as s:
            save_connection(s, "B", pair["url_b"], *pair["b"].clients["E3"])
    with a.db.reading() as s:
        row = s.get(FootprintRequest, theirs.id)
        assert row is not None and row.callback_status == "failed"
        assert row.callback_attempts == 2  # the first try and one retry (RETRY_DELAYS patched)
    # `greenmfg pact deliver` sends it again once B is back
    outcomes = pact_client.retry_failed_answers(a.db.engine)
    assert outcomes[theirs.id] == "sent"

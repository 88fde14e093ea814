"""The enterprise's PACT footprint-requests inbox: the web page
(``/enterprises/{id}/footprint-requests``) and the REST API
(``/api/v1/orgs/{id}/footprint-requests``).

Two greenmfg servers, as in ``test_pact_events``: A is the data owner (enterprise E1 publishes
footprints P, D and Q; E2 publishes R), B the data recipient. B's enterprise E2 sends a real
``RequestCreated`` event to A's ``/3/events`` (or ``/2/events``); E1's manager answers it on
A's page or through A's API; the answer travels to B's events endpoint, where B's outbound
request becomes fulfilled or rejected.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

import greenmfg.io.pact_client as pact_client
from greenmfg.api.app import create_app
from greenmfg.api.routes.footprint_requests import router as api_router
from greenmfg.store import requests_view as rv
from greenmfg.store.models import AuditEntry, FootprintRequest
from greenmfg.store.pact import REJECT_CODES, save_connection, wait_for_deliveries
from greenmfg.web.footprint_requests import REJECT_CODE_NAMES
from greenmfg.web.footprint_requests import router as web_router
from pact_support import LiveServer, PactWorld, app_for, basic, footprint, pact_world
from world import PASSWORD

PRODUCT = "urn:gtin:4000000000011"
OTHER_PRODUCT = "urn:gtin:4000000000012"
E2_PRODUCT = "urn:gtin:4000000000013"
WEB_PATH = "/enterprises/{org_id}/footprint-requests"
API_PATH = "/api/v1/orgs/{org_id}/footprint-requests"
INBOX_PO = Path("/work/notes/po/inbox.po")  # this helper's translations until the lead merges them


@pytest.fixture(autouse=True)
def _no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pact_client, "RETRY_DELAYS", (0.2,))


def with_inbox(app: FastAPI) -> FastAPI:
    """``app`` with the inbox routers, unless ``create_app`` registers them already."""
    paths = {getattr(r, "path", "") for r in app.routes}
    if WEB_PATH not in paths:
        app.include_router(web_router)
    if API_PATH not in paths:
        app.include_router(api_router, prefix="/api/v1")
    return app


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("inbox")
    a = pact_world(
        f"sqlite:///{tmp}/a.db",
        {
            # D: an older, deprecated footprint of the same product (matches, not preselected)
            "D": (
                "E1",
                footprint(
                    "D", product_ids=[PRODUCT], status="Deprecated", created="2024-02-01T00:00:00Z"
                ),
                True,
            ),
            "P": ("E1", footprint("P", product_ids=[PRODUCT]), True),
            "Q": ("E1", footprint("Q", product_ids=[OTHER_PRODUCT]), True),
            "R": ("E2", footprint("R", product_ids=[E2_PRODUCT]), True),  # another enterprise's
        },
    )
    b = pact_world(f"sqlite:///{tmp}/b.db", {})
    app_a, app_b = app_for(a, auto_fulfil=False), app_for(b)
    web_a = with_inbox(app_for(a, auto_fulfil=False))  # in-process, for pages and /3/events
    with LiveServer(app_a) as server_a, LiveServer(app_b) as server_b:
        with b.db.writing() as s:  # B reads A's E1 with the credentials A issued
            save_connection(s, "A", server_a.url, *a.clients["E1"])
        with a.db.writing() as s:  # A answers B with the credentials B issued
            save_connection(s, "B", server_b.url, *b.clients["E3"])
        yield {
            "a": a,
            "b": b,
            "url_b": server_b.url,
            # the pages are used in-process, on apps of their own sharing the databases
            "web_a": web_a,
            "web_b": with_inbox(create_app(db=b.db)),
        }
    wait_for_deliveries(30)


def ask(
    pair: dict[str, Any], product: str, version: str = "3", comment: str = "PCF 2024, please"
) -> tuple[int, int]:
    """B's E2 asks A's E1 for ``product`` through A's real events endpoint. Returns (B's
    outbound request id, A's inbound request id)."""
    a: PactWorld = pair["a"]
    b: PactWorld = pair["b"]
    rid = pact_client.request_footprints(
        b.db,
        "A",
        b.org("E2"),
        {"productId": [product]},
        source=f"{pair['url_b']}/{version}/events",
        version=version,
        comment=comment,
    )
    with b.db.reading() as s:
        ours = s.get(FootprintRequest, rid)
        assert ours is not None
        event_id = ours.event_id
    with a.db.reading() as s:
        theirs = s.scalars(
            select(FootprintRequest).where(
                FootprintRequest.direction == "in", FootprintRequest.event_id == event_id
            )
        ).one()
        assert theirs.status == "pending" and theirs.org_id == a.org("E1")
        return rid, theirs.id


def web(pair: dict[str, Any], username: str, server: str = "a") -> TestClient:
    c = TestClient(pair[f"web_{server}"])
    r = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return c


def api(pair: dict[str, Any], username: str) -> tuple[TestClient, dict[str, str]]:
    return TestClient(pair["web_a"]), {
        "Authorization": f"Bearer {pair['a'].world.tokens[username]}"
    }


def page_csrf(text: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', text)
    assert m
    return m.group(1)


def inbox_url(pair: dict[str, Any], org: str = "E1", server: str = "a") -> str:
    return WEB_PATH.format(org_id=pair[server].org(org))


def api_url(pair: dict[str, Any], org: str = "E1") -> str:
    return API_PATH.format(org_id=pair["a"].org(org))


def article(text: str, request_id: int) -> str:
    """The HTML of pending request ``request_id`` on the page."""
    m = re.search(
        rf'<article[^>]*data-testid="pending-request" data-request-id="{request_id}".*?</article>',
        text,
        re.S,
    )
    assert m, f"request {request_id} is not among the pending ones"
    return m.group(0)


def row(text: str, testid: str, request_id: int) -> str:
    m = re.search(
        rf'<tr[^>]*data-testid="{testid}" data-request-id="{request_id}".*?</tr>', text, re.S
    )
    assert m, f"no {testid} {request_id} on the page"
    return m.group(0)


def status_of(pair: dict[str, Any], request_id: int, server: str = "a") -> FootprintRequest:
    with pair[server].db.reading() as s:
        r = s.get(FootprintRequest, request_id)
        assert r is not None
        s.expunge(r)
        return r


@pytest.fixture
def zh_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Chinese catalogue with this helper's translations (``/work/notes/po/inbox.po``)
    added, in a copy, until they are merged into ``messages.po``; a no-op after that."""
    from babel.messages.pofile import read_po, write_po

    from greenmfg.web import i18n, routes

    if not INBOX_PO.is_file():
        yield
        return
    with i18n.po_path("zh").open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    with INBOX_PO.open("rb") as f:
        for m in read_po(f):
            if m.id and catalog.get(m.id) is None:
                catalog.add(m.id, m.string)
    target = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", tmp_path)
    i18n.translations.cache_clear()
    routes.environment.cache_clear()
    yield
    monkeypatch.undo()
    i18n.translations.cache_clear()
    routes.environment.cache_clear()


# ------------------------------------------------------------------------------ the page


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("zh", ("等待答复", "符合请求条件", "提供所选碳足迹", "产品编号")),
        (
            "en",
            (
                "Awaiting your answer",
                "Matching the request's criteria",
                "Fulfil with the selected footprints",
                "Product IDs",
            ),
        ),
    ],
)
def test_pending_request_lists_the_matching_footprints_first(
    pair: dict[str, Any], zh_catalogue: None, lang: str, texts: tuple[str, ...]
) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT, comment="PCF 2024 for our CBAM report")
    c = web(pair, "m1")
    if lang == "en":
        c.get("/lang/en")
    r = c.get(inbox_url(pair))
    assert r.status_code == 200
    assert ('<html lang="zh-CN">' if lang == "zh" else '<html lang="en">') in r.text
    for text in texts:
        assert text in r.text, text
    art = article(r.text, req)
    assert PRODUCT in art and "PCF 2024 for our CBAM report" in art
    assert "test client of E1" in art  # the PACT client A issued to B: the requester
    assert f"{pair['url_b']}/3/events" in art and "PACT v3" in art
    ids = re.findall(
        r'data-testid="candidate" data-footprint-id="([^"]+)" data-matches="(\w+)"', art
    )
    # P and the deprecated D match (Active first), then the others; never E2's R
    assert ids == [(a.ids["P"], "true"), (a.ids["D"], "true"), (a.ids["Q"], "false")]
    boxes = dict(
        re.findall(r'<input type="checkbox" name="footprint_id" value="([^"]+)"([^>]*)>', art)
    )
    assert "checked" in boxes[a.ids["P"]]  # the active match is preselected
    assert "checked" not in boxes[a.ids["D"]] and "checked" not in boxes[a.ids["Q"]]
    assert 'data-testid="fulfil-form"' in art and 'data-testid="reject-form"' in art
    assert f'action="{inbox_url(pair)}/{req}/fulfil"' in art
    codes = re.findall(r'<option value="(\w+)"', art)
    assert tuple(codes) == REJECT_CODES and set(REJECT_CODE_NAMES) == set(REJECT_CODES)
    assert 'name="csrf_token"' in art


def test_fulfil_on_the_page_sends_the_footprints_to_the_requester(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    rid, req = ask(pair, PRODUCT)
    c = web(pair, "m1")
    token = page_csrf(c.get(inbox_url(pair)).text)
    r = c.post(
        f"{inbox_url(pair)}/{req}/fulfil",
        data={"footprint_id": [a.ids["P"]], "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"{inbox_url(pair)}#request-{req}"
    page = c.get(r.headers["location"].split("#")[0]).text
    assert re.search(r'<div class="flash ok"[^>]*data-testid="flash"', page)
    assert f'data-testid="pending-request" data-request-id="{req}"' not in page
    done = row(page, "answered-request", req)
    assert 'data-status="fulfilled"' in done and "m1" in done and "product P" in done
    assert wait_for_deliveries(30)
    sent = status_of(pair, req)
    assert sent.status == "fulfilled" and sent.footprint_ids == [a.ids["P"]]
    assert sent.decided_by == a.world.users["m1"]
    assert sent.callback_status == "sent" and sent.callback_attempts == 1, sent.callback_result
    with a.db.reading() as s:  # the decision is in the audit chain under the manager's name
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "pact.request.fulfil", AuditEntry.entity_id == str(req)
            )
        ).one()
        assert entry.actor == "m1" and entry.actor_id == a.world.users["m1"]
    # B has the answer: its outbound request is fulfilled, shown on its E2 inbox
    ours = status_of(pair, rid, "b")
    assert ours.status == "fulfilled" and ours.footprint_ids == [a.ids["P"]]
    page_b = web(pair, "m2", "b").get(inbox_url(pair, "E2", "b")).text
    out = row(page_b, "outbound-request", rid)
    assert 'data-status="fulfilled"' in out and a.ids["P"] in out and "product P" in out
    # after the answer the page shows its delivery
    page = c.get(inbox_url(pair)).text
    assert 'data-delivery="sent"' in row(page, "answered-request", req)


def test_reject_on_the_page_with_a_code(pair: dict[str, Any]) -> None:
    rid, req = ask(pair, "urn:gtin:4000000000099")
    c = web(pair, "m1")
    token = page_csrf(c.get(inbox_url(pair)).text)
    r = c.post(
        f"{inbox_url(pair)}/{req}/reject",
        data={
            "code": "AccessDenied",
            "reason": "Not shared with this customer.",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert wait_for_deliveries(30)
    row_a = status_of(pair, req)
    assert row_a.status == "rejected" and row_a.reason == "Not shared with this customer."
    assert row_a.response_event is not None
    assert row_a.response_event["data"]["error"] == {
        "code": "AccessDenied",
        "message": "Not shared with this customer.",
    }
    assert row_a.callback_status == "sent"
    ours = status_of(pair, rid, "b")
    assert (
        ours.status == "rejected" and ours.reason == "AccessDenied: Not shared with this customer."
    )
    page = c.get(inbox_url(pair)).text
    assert 'data-status="rejected"' in row(page, "answered-request", req)


def test_fulfil_and_reject_through_the_api(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, OTHER_PRODUCT)
    c, headers = api(pair, "m1")
    r = c.get(f"{api_url(pair)}/{req}", headers=headers)
    assert r.status_code == 200
    d = r.json()
    assert d["status"] == "pending" and d["direction"] == "in" and d["kind"] == "request"
    assert d["criteria"] == {"productId": [OTHER_PRODUCT]} and d["comment"] == "PCF 2024, please"
    assert d["spec_version"] == "3" and d["source"] == f"{pair['url_b']}/3/events"
    assert [m["id"] for m in d["matching_footprints"]] == [a.ids["Q"]]
    assert d["event"]["data"]["productId"] == [OTHER_PRODUCT]
    listed = c.get(api_url(pair), params={"status": "pending", "direction": "in"}, headers=headers)
    assert req in [x["id"] for x in listed.json()]

    r = c.post(
        f"{api_url(pair)}/{req}/fulfil", json={"footprint_ids": [a.ids["Q"]]}, headers=headers
    )
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "fulfilled" and d["footprint_ids"] == [a.ids["Q"]]
    assert d["decided_by"] == "m1" and d["decided_at"]
    assert d["callback_status"] == "pending"  # sent after the commit, by a background thread
    assert d["response_event"]["data"]["pfs"][0]["id"] == a.ids["Q"]
    # a second answer, of either kind, is a conflict and changes nothing
    again = c.post(
        f"{api_url(pair)}/{req}/fulfil", json={"footprint_ids": [a.ids["Q"]]}, headers=headers
    )
    assert again.status_code == 409 and "already fulfilled" in again.json()["detail"]
    no = c.post(f"{api_url(pair)}/{req}/reject", json={"reason": "x"}, headers=headers)
    assert no.status_code == 409
    assert wait_for_deliveries(30)
    d = c.get(f"{api_url(pair)}/{req}", headers=headers).json()
    assert (
        d["status"] == "fulfilled"
        and d["callback_status"] == "sent"
        and d["callback_attempts"] == 1
    )
    assert req not in [
        x["id"] for x in c.get(api_url(pair), params={"status": "pending"}, headers=headers).json()
    ]

    _rid2, req2 = ask(pair, OTHER_PRODUCT)
    r = c.post(
        f"{api_url(pair)}/{req2}/reject",
        json={"reason": "Footprint under revision.", "code": "NotFound"},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["response_event"]["data"]["error"]["code"] == "NotFound"
    assert wait_for_deliveries(30)
    # B's outbound requests are listed at B, direction "out"
    b: PactWorld = pair["b"]
    cb = TestClient(pair["web_b"])
    out = cb.get(
        API_PATH.format(org_id=b.org("E2")),
        params={"direction": "out"},
        headers={"Authorization": f"Bearer {b.world.tokens['m2']}"},
    ).json()
    assert {x["direction"] for x in out} == {"out"}
    assert {"fulfilled", "rejected"} <= {x["status"] for x in out}


def test_answering_twice_on_the_page_is_a_message(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    c = web(pair, "m1")
    token = page_csrf(c.get(inbox_url(pair)).text)
    data = {"footprint_id": [a.ids["P"]], "csrf_token": token}
    assert (
        c.post(f"{inbox_url(pair)}/{req}/fulfil", data=data, follow_redirects=False).status_code
        == 303
    )
    c.get(inbox_url(pair))  # shows (and clears) the first message
    r = c.post(
        f"{inbox_url(pair)}/{req}/reject",
        data={"code": "NotFound", "csrf_token": token},
        follow_redirects=True,
    )
    assert r.status_code == 200
    flash = re.search(r'data-testid="flash">([^<]*)<', r.text)
    assert flash and "already fulfilled" in flash.group(1)
    assert status_of(pair, req).status == "fulfilled"
    wait_for_deliveries(30)


def test_bad_answers_are_refused_and_the_request_stays_pending(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    c, headers = api(pair, "m1")
    url = f"{api_url(pair)}/{req}"
    for body, why in [
        ({"footprint_ids": [a.ids["R"]]}, "not a published footprint the requester may read"),
        ({"footprint_ids": ["d1b0e8a8-0000-4000-8000-000000000000"]}, "not a published footprint"),
    ]:
        r = c.post(f"{url}/fulfil", json=body, headers=headers)
        assert r.status_code == 422 and why in r.json()["detail"], r.text
    for body in (
        {"footprint_ids": []},
        {},
        {"footprint_ids": [a.ids["P"]], "deliver": False},
        {"footprint_ids": ["not-a-uuid\x00"]},  # v3.0.3 ProductFootprint/id is a UUID
    ):
        assert c.post(f"{url}/fulfil", json=body, headers=headers).status_code == 422, body
    for body in (
        {"reason": "x", "code": "Nope"},
        {"reason": "x", "extra": 1},
        {"reason": "nul \x00 byte"},  # PostgreSQL text cannot hold it
    ):
        assert c.post(f"{url}/reject", json=body, headers=headers).status_code == 422, body
    assert c.get(api_url(pair), params={"status": "nope"}, headers=headers).status_code == 422
    assert c.get(f"{api_url(pair)}/{2**40}", headers=headers).status_code == 422
    # the page says so instead of failing: E2's footprint, and nothing selected
    w = web(pair, "m1")
    token = page_csrf(w.get(inbox_url(pair)).text)
    r = w.post(
        f"{inbox_url(pair)}/{req}/fulfil",
        data={"footprint_id": [a.ids["R"]], "csrf_token": token},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "not a published footprint the requester may read" in r.text
    r = w.post(f"{inbox_url(pair)}/{req}/fulfil", data={"csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200
    assert re.search(r'data-testid="flash"', r.text)
    assert status_of(pair, req).status == "pending"


def test_htmx_answer_replaces_the_inbox_in_place(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    c = web(pair, "m1")
    token = page_csrf(c.get(inbox_url(pair)).text)
    r = c.post(
        f"{inbox_url(pair)}/{req}/fulfil",
        data={"footprint_id": [a.ids["P"], a.ids["D"]]},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert r.status_code == 200
    assert "<html" not in r.text and r.text.lstrip().startswith('<div id="fp-requests"')
    assert 'data-testid="flash"' in r.text
    assert 'data-status="fulfilled"' in row(r.text, "answered-request", req)
    assert status_of(pair, req).footprint_ids == [a.ids["P"], a.ids["D"]]
    wait_for_deliveries(30)


def test_v2_request_is_answered_in_v2(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    rid, req = ask(pair, PRODUCT, version="2")
    c = web(pair, "m1")
    page = c.get(inbox_url(pair)).text
    art = article(page, req)
    assert "PACT v2" in art and PRODUCT in art and 'data-testid="not-sendable"' not in art
    h = api(pair, "m1")
    r = h[0].post(
        f"{api_url(pair)}/{req}/fulfil", json={"footprint_ids": [a.ids["P"]]}, headers=h[1]
    )
    assert r.status_code == 200
    assert r.json()["response_event"]["data"]["pfs"][0]["specVersion"].startswith("2.")
    assert wait_for_deliveries(30)
    assert status_of(pair, rid, "b").status == "fulfilled"


# ------------------------------------------------------------------------------ permissions


@pytest.mark.parametrize("username", ["v1", "park1", "sz", "admin"])
def test_readers_see_the_inbox_but_cannot_answer(pair: dict[str, Any], username: str) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    c = web(pair, username)
    r = c.get(inbox_url(pair))
    assert r.status_code == 200
    art = article(r.text, req)
    assert PRODUCT in art and a.ids["P"] in art
    assert "fulfil-form" not in art and "reject-form" not in art and "checkbox" not in art
    token = page_csrf(r.text)
    r = c.post(
        f"{inbox_url(pair)}/{req}/fulfil",
        data={"footprint_id": [a.ids["P"]], "csrf_token": token},
    )
    assert r.status_code == 403 and 'data-testid="error-page"' in r.text
    r = c.post(f"{inbox_url(pair)}/{req}/reject", data={"code": "NotFound", "csrf_token": token})
    assert r.status_code == 403
    client, headers = api(pair, username)
    assert client.get(f"{api_url(pair)}/{req}", headers=headers).status_code == 200
    r = client.post(
        f"{api_url(pair)}/{req}/fulfil", json={"footprint_ids": [a.ids["P"]]}, headers=headers
    )
    assert r.status_code == 403
    r = client.post(f"{api_url(pair)}/{req}/reject", json={"reason": "x"}, headers=headers)
    assert r.status_code == 403
    assert status_of(pair, req).status == "pending"


def test_the_csrf_token_is_required(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    c = web(pair, "m1")
    token = page_csrf(c.get(inbox_url(pair)).text)
    for action, data in (
        ("fulfil", {"footprint_id": [a.ids["P"]]}),
        ("reject", {"code": "NotFound"}),
    ):
        r = c.post(f"{inbox_url(pair)}/{req}/{action}", data=data)
        assert r.status_code == 403 and 'data-testid="error-page"' in r.text
        r = c.post(f"{inbox_url(pair)}/{req}/{action}", data={**data, "csrf_token": "forged"})
        assert r.status_code == 403
    # the API with the browser's session cookie needs the header too
    url = f"{api_url(pair)}/{req}/reject"
    assert c.post(url, json={"reason": "no"}).status_code == 403
    assert status_of(pair, req).status == "pending"
    r = c.post(url, json={"reason": "no"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["decided_by"] == "m1"
    wait_for_deliveries(30)


@pytest.mark.parametrize("username", ["m2", "m3", "park2", "ah"])
def test_other_tenants_do_not_see_the_inbox(pair: dict[str, Any], username: str) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    with a.db.reading() as s:
        event_id = s.get(FootprintRequest, req).event_id  # type: ignore[union-attr]
    c = web(pair, username)
    r = c.get(inbox_url(pair))
    assert r.status_code == 404 and event_id not in r.text and PRODUCT not in r.text
    token = page_csrf(r.text)
    r = c.post(
        f"{inbox_url(pair)}/{req}/fulfil",
        data={"footprint_id": [a.ids["P"]], "csrf_token": token},
    )
    assert r.status_code == 404
    client, headers = api(pair, username)
    for url in (api_url(pair), f"{api_url(pair)}/{req}"):
        r = client.get(url, headers=headers)
        assert r.status_code == 404 and event_id not in r.text
    r = client.post(
        f"{api_url(pair)}/{req}/fulfil", json={"footprint_ids": [a.ids["P"]]}, headers=headers
    )
    assert r.status_code == 404
    if username == "m2":  # E2's manager, through E2's own inbox: E1's request is not there
        own = api_url(pair, "E2")
        assert client.get(f"{own}/{req}", headers=headers).status_code == 404
        r = client.post(f"{own}/{req}/reject", json={"reason": "x"}, headers=headers)
        assert r.status_code == 404
        assert req not in [x["id"] for x in client.get(own, headers=headers).json()]
    assert status_of(pair, req).status == "pending"


def test_the_inbox_needs_a_login(pair: dict[str, Any]) -> None:
    c = TestClient(pair["web_a"])
    r = c.get(inbox_url(pair), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert c.get(api_url(pair)).status_code == 401


# ------------------------------------------------------------------------------ more


def test_request_from_a_host_without_connection_is_answered_later(pair: dict[str, Any]) -> None:
    """Posted to ``/3/events`` in-process by the client of E1, from a host A has no connection
    to: the page says so, and the answer is recorded as not delivered."""
    a: PactWorld = pair["a"]
    c = TestClient(pair["web_a"])
    tok = c.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(*a.clients["E1"]),
    ).json()["access_token"]
    event = {
        "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "https://stranger.example.org/3/events",
        "time": "2025-05-01T10:00:00Z",
        "data": {"productId": [OTHER_PRODUCT], "geography": ["CN"], "comment": "for our LCA"},
    }
    r = c.post(
        "/3/events",
        content=json.dumps(event),
        headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/cloudevents+json"},
    )
    assert r.status_code == 200, r.text
    with a.db.reading() as s:
        req = s.scalars(
            select(FootprintRequest.id).where(FootprintRequest.event_id == event["id"])
        ).one()
    w = web(pair, "m1")
    page = w.get(inbox_url(pair)).text
    art = article(page, req)
    assert 'data-testid="no-connection"' in art and "stranger.example.org" in art
    assert 'data-criterion="geography"' in art and "for our LCA" in art
    ids = re.findall(r'data-footprint-id="([^"]+)" data-matches="true"', art)
    assert ids == [a.ids["Q"]]  # Q is OTHER_PRODUCT made in CN (pact_support's default)
    r = w.post(
        f"{inbox_url(pair)}/{req}/fulfil",
        data={"footprint_id": [a.ids["Q"]], "csrf_token": page_csrf(page)},
    )
    assert r.status_code == 200
    assert wait_for_deliveries(30)
    row_a = status_of(pair, req)
    assert row_a.status == "fulfilled" and row_a.callback_status == "failed"
    assert row_a.callback_attempts == 0 and "no PACT connection" in row_a.callback_result
    done = row(w.get(inbox_url(pair)).text, "answered-request", req)
    assert 'data-delivery="failed"' in done and "no PACT connection" in done


def test_candidates_are_cut_at_the_limit(pair: dict[str, Any]) -> None:
    a: PactWorld = pair["a"]
    _rid, req = ask(pair, PRODUCT)
    with a.db.reading() as s:
        row_a = s.get(FootprintRequest, req)
        assert row_a is not None
        matching, others, more_m, more_o = rv.candidates(s, row_a, limit=1)
        # P and D match, Active first; Q is the other one; R is E2's and never offered
        assert [c.footprint.id for c in matching] == [a.ids["P"]] and more_m == 1
        assert [c.footprint.id for c in others] == [a.ids["Q"]] and more_o == 0
        assert matching[0].matches and not others[0].matches
        assert matching[0].pcf == "0.5 kgCO2e / 1 kilogram"  # pact_support's synthetic value
        matching, others, more_m, more_o = rv.candidates(s, row_a)
        assert [c.footprint.id for c in matching] == [a.ids["P"], a.ids["D"]] and more_m == 0


def test_inbox_queries_and_answers_on_postgresql(fresh_postgres_url: str) -> None:
    """The same helpers on PostgreSQL: the matching subquery against its own table, the
    ``FOR UPDATE`` of an answer, and a second answer refused."""
    from greenmfg.store.models import PactClient
    from greenmfg.store.pact import ClientPrincipal, record_event
    from greenmfg.store.scope import Forbidden

    pw = pact_world(
        fresh_postgres_url,
        {
            "P": ("E1", footprint("P", product_ids=[PRODUCT]), True),
            "Q": ("E1", footprint("Q", product_ids=[OTHER_PRODUCT]), True),
            "R": ("E2", footprint("R", product_ids=[E2_PRODUCT]), True),
        },
    )
    try:
        with pw.db.writing() as s:
            client = s.scalars(
                select(PactClient).where(PactClient.client_id == pw.clients["E1"][0])
            ).one()
            principal = ClientPrincipal(client.id, client.client_id, client.org_id, client.name)
            event = {
                "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": "https://requester.example.com/3/events",
                "time": "2025-05-01T10:00:00Z",
                "data": {"productId": [PRODUCT.upper()]},  # ids match case-insensitively
            }
            req = record_event(s, principal, event, "3", reply_source="https://a/3/events")[0].id
        m1, v1 = pw.world.principal("m1"), pw.world.principal("v1")
        with pw.db.reading() as s:
            box = rv.inbox(s, v1, pw.org("E1"))
            assert not box.can_answer and [v.row.id for v in box.pending] == [req]
            (view,) = box.pending
            assert [c.footprint.id for c in view.matching] == [pw.ids["P"]]
            assert [c.footprint.id for c in view.others] == [pw.ids["Q"]]
            assert view.requester == "test client of E1" and not view.connected
        with pytest.raises(Forbidden), pw.db.writing() as s:
            rv.fulfil(s, v1, pw.org("E1"), req, [pw.ids["P"]], deliver=False)
        with pw.db.writing() as s:
            done = rv.fulfil(s, m1, pw.org("E1"), req, [pw.ids["P"]], deliver=False)
            assert done.status == "fulfilled" and done.decided_by == pw.world.users["m1"]
        with pytest.raises(rv.AlreadyAnswered), pw.db.writing() as s:
            rv.reject(s, m1, pw.org("E1"), req, "late", deliver=False)
        with pw.db.reading() as s:
            (answered,) = rv.inbox(s, m1, pw.org("E1")).answered
            assert answered.decided_by == "m1" and answered.footprints == [
                (pw.ids["P"], "product P")
            ]
    finally:
        pw.db.dispose()


def test_store_tells_missing_from_answered_and_refuses_nul(pair: dict[str, Any]) -> None:
    """greenmfg.store.pact: a missing request is RequestNotFound (a LookupError), an answered
    one RequestAnswered; NUL characters (which PostgreSQL text cannot hold) are refused."""
    from greenmfg.store.pact import (
        PactStoreError,
        RequestAnswered,
        RequestNotFound,
        fulfil_request,
        reject_request,
    )

    a: PactWorld = pair["a"]
    _, rid = ask(pair, "urn:gtin:9990000000003")
    with a.db.writing() as s, pytest.raises(RequestNotFound):
        reject_request(s, 10**9, "no", deliver=False)
    with a.db.writing() as s, pytest.raises(PactStoreError, match="NUL"):
        reject_request(s, rid, "bad\x00reason", deliver=False)
    with a.db.writing() as s, pytest.raises(PactStoreError, match="NUL"):
        fulfil_request(s, rid, ["abc\x00"], deliver=False)
    assert status_of(pair, rid).status == "pending"
    with a.db.writing() as s:
        reject_request(s, rid, "not ours", deliver=False)
    with a.db.writing() as s, pytest.raises(RequestAnswered):
        reject_request(s, rid, "again", deliver=False)

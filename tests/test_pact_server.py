"""The PACT Data Exchange API served by greenmfg (Tech Specs v2.3.3 and v3.0.3): authentication,
ListFootprints (pagination, the v3 filters, the v2 ``$filter``), GetFootprint, error bodies.

Expected results are derived by hand from the fixtures below; the effective validity period is
v3.0.3 ``validityPeriodStart``/``End``, or ``referencePeriodEnd`` and three years after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from greenmfg.io.pact import validate
from greenmfg.store.models import PactAccessToken, ProductFootprint
from greenmfg.store.pact import FootprintConflict, publish_footprint, revoke_client
from pact_support import CPC, PactWorld, app_for, basic, footprint, pact_world, pf_id

E1_CO = "urn:pact:company:greenmfg-test:e1"
A_PRODUCT = "urn:gtin:1000000000001"
C_PRODUCT = "urn:gtin:1000000000003"

FOOTPRINTS = {
    # A: no validity period -> [referencePeriodEnd 2024-12-31, + 3 years = 2027-12-31]
    "A": ("E1", footprint("A", product_ids=[A_PRODUCT]), True),
    "B": (
        "E1",
        footprint(
            "B",
            product_ids=["urn:gtin:1000000000002", "urn:pact:greenmfg-test:e1:sku-2"],
            classifications=[f"{CPC}4121"],
            geography={"geographyCountrySubdivision": "CN-JS"},
            validity=("2025-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            created="2025-02-01T00:00:00Z",
        ),
        True,
    ),
    "C": (
        "E1",
        footprint(
            "C",
            product_ids=[C_PRODUCT],
            geography={"geographyRegionOrSubregion": "Eastern Asia"},
            reference=("2023-01-01T00:00:00Z", "2023-12-31T00:00:00Z"),
            validity=("2023-06-01T00:00:00Z", "2024-06-01T00:00:00Z"),
            created="2024-07-01T00:00:00Z",
        ),
        True,
    ),
    # D is the next version of C (precedingPfIds), so C becomes Deprecated
    "D": (
        "E1",
        footprint(
            "D",
            product_ids=[C_PRODUCT],
            geography={"geographyRegionOrSubregion": "Eastern Asia"},
            validity=("2024-06-01T00:00:00Z", "2026-06-01T00:00:00Z"),
            created="2025-03-01T00:00:00Z",
            preceding=[pf_id("C")],
        ),
        True,
    ),
    "H": ("E1", footprint("H", product_ids=["urn:gtin:1000000000009"]), False),
    "F": (
        "E2",
        footprint(
            "F",
            product_ids=["urn:gtin:2000000000001"],
            company_ids=["urn:pact:company:greenmfg-test:e2"],
        ),
        True,
    ),
    "G": (
        "E3",
        footprint(
            "G",
            product_ids=["urn:gtin:3000000000001"],
            company_ids=["urn:pact:company:greenmfg-test:e3"],
        ),
        True,
    ),
}
E1_SERVED = {"A", "B", "C", "D"}


@pytest.fixture(scope="module")
def pw(tmp_path_factory: pytest.TempPathFactory) -> PactWorld:
    return pact_world(f"sqlite:///{tmp_path_factory.mktemp('pact')}/pact.db", FOOTPRINTS)


@pytest.fixture(scope="module")
def client(pw: PactWorld) -> TestClient:
    return TestClient(app_for(pw))


@pytest.fixture(scope="module")
def tokens(pw: PactWorld, client: TestClient) -> dict[str, str]:
    out = {}
    for key, creds in pw.clients.items():
        r = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(*creds)
        )
        assert r.status_code == 200, r.text
        out[key] = r.json()["access_token"]
    return out


def bearer(tokens: dict[str, str], key: str = "E1") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[key]}"}


def names(pw: PactWorld, body: dict[str, Any]) -> set[str]:
    by_id = {v: k for k, v in pw.ids.items()}
    return {by_id[d["id"]] for d in body["data"]}


# ------------------------------------------------------------------------- authentication


def test_token_with_good_credentials(pw: PactWorld, client: TestClient) -> None:
    r = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(*pw.clients["E1"]),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("gpt_")
    assert r.headers["cache-control"] == "no-store"  # RFC 6749 5.1


@pytest.mark.parametrize(
    ("how", "status", "error"),
    [
        ("wrong secret", 401, "invalid_client"),
        ("unknown client", 401, "invalid_client"),
        ("no Basic", 401, "invalid_client"),
        ("not base64", 401, "invalid_client"),
        ("wrong grant type", 400, "unsupported_grant_type"),
        ("no grant type", 400, "invalid_request"),
        ("JSON body", 400, "invalid_request"),
    ],
)
def test_token_errors_are_oauth_bodies(
    pw: PactWorld, client: TestClient, how: str, status: int, error: str
) -> None:
    cid, secret = pw.clients["E1"]
    headers = basic(cid, secret)
    data: dict[str, str] | None = {"grant_type": "client_credentials"}
    json_body = None
    if how == "wrong secret":
        headers = basic(cid, secret + "x")
    elif how == "unknown client":
        headers = basic("pact_nobody", secret)
    elif how == "no Basic":
        headers = {}
    elif how == "not base64":
        headers = {"Authorization": "Basic !!!"}
    elif how == "wrong grant type":
        data = {"grant_type": "password"}
    elif how == "no grant type":
        data = {}
    elif how == "JSON body":
        data, json_body = None, {"grant_type": "client_credentials"}
    r = client.post("/auth/token", data=data, json=json_body, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert "access_token" not in r.json()
    if status == 401:  # RFC 6749 5.2: a 401 names the authentication scheme
        assert r.headers["www-authenticate"].startswith("Basic")


def test_openid_configuration_points_to_the_token_endpoint(pw: PactWorld) -> None:
    with TestClient(app_for(pw), base_url="https://pact.example.com") as c:
        doc = c.get("/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == "https://pact.example.com/auth/token"
    assert doc["issuer"] == "https://pact.example.com"
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 400, "BadRequest"),
        ("Bearer very-invalid-access-token-1234", 400, "BadRequest"),
        ("Bearer gpt_forged", 400, "BadRequest"),
        ("Basic Zm9vOmJhcg==", 400, "BadRequest"),
    ],
)
@pytest.mark.parametrize("path", ["/3/footprints", "/2/footprints", "/3/footprints/x"])
def test_invalid_token_is_bad_request(
    client: TestClient, authorization: str | None, status: int, code: str, path: str
) -> None:
    # Tech Specs ListFootprints/GetFootprint: an expired token is TokenExpired, "in all other
    # cases ... BadRequest"; the conformance tool's test cases 6 and 7 expect 400 BadRequest
    headers = {"Authorization": authorization} if authorization else {}
    r = client.get(path, headers=headers)
    assert r.status_code == status
    assert r.json() == {"code": code, "message": r.json()["message"]}


def test_expired_token_is_token_expired(pw: PactWorld, client: TestClient) -> None:
    r = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(*pw.clients["E3"])
    )
    tok = r.json()["access_token"]
    assert (
        client.get("/3/footprints", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    )
    past = (datetime.now(UTC) - timedelta(seconds=5)).replace(microsecond=0).isoformat()
    with pw.db.writing() as s:
        s.execute(
            update(PactAccessToken)
            .values(expires_at=past)
            .where(
                PactAccessToken.id
                == (
                    select(PactAccessToken.id)
                    .order_by(PactAccessToken.id.desc())
                    .limit(1)
                    .scalar_subquery()
                )
            )
        )
    r = client.get("/3/footprints", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 401 and r.json()["code"] == "TokenExpired"
    assert "invalid_token" in r.headers["www-authenticate"]


def test_revoked_client_loses_access_at_once(pw: PactWorld, client: TestClient) -> None:
    from greenmfg.store.pact import create_client

    with pw.db.writing() as s:
        creds = create_client(s, pw.org("E2"), "short-lived")
    tok = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(*creds)
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {tok}"}
    assert client.get("/3/footprints", headers=auth).status_code == 200
    with pw.db.writing() as s:
        revoke_client(s, creds[0])
    assert client.get("/3/footprints", headers=auth).json()["code"] == "BadRequest"
    r = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=basic(*creds))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_plain_http_is_refused_unless_allowed(pw: PactWorld, tokens: dict[str, str]) -> None:
    # "A host system MUST offer its actions under https method only"; the test client is not
    # on the loopback interface, so only the https URL is served
    app = app_for(pw, allow_http=False)
    with TestClient(app) as plain:
        r = plain.get("/3/footprints", headers=bearer(tokens))
        assert r.status_code == 400 and "HTTPS" in r.json()["message"]
        r = plain.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(*pw.clients["E1"]),
        )
        assert r.status_code == 400 and "access_token" not in r.json()
    with TestClient(app, base_url="https://testserver") as tls:
        assert tls.get("/3/footprints", headers=bearer(tokens)).status_code == 200


# ------------------------------------------------------------------------ list and get, v3


def test_list_v3_serves_the_published_footprints_of_the_clients_data_owner(
    pw: PactWorld, client: TestClient, tokens: dict[str, str]
) -> None:
    r = client.get("/3/footprints", headers=bearer(tokens))
    assert r.status_code == 200
    body = r.json()
    assert validate(body, "3", "ListFootprintsResponse") == []
    assert names(pw, body) == E1_SERVED  # H is not published; F and G belong to others
    status = {d["id"]: d["status"] for d in body["data"]}
    assert status[pw.ids["C"]] == "Deprecated" and status[pw.ids["D"]] == "Active"
    assert "link" not in r.headers
    # a park's client reads its enterprises' footprints (E1 and E2), E3's client only E3's
    assert names(pw, client.get("/3/footprints", headers=bearer(tokens, "P1")).json()) == {
        *E1_SERVED,
        "F",
    }
    assert names(pw, client.get("/3/footprints", headers=bearer(tokens, "E3")).json()) == {"G"}


def test_get_v3(pw: PactWorld, client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(f"/3/footprints/{pw.ids['A']}", headers=bearer(tokens))
    assert r.status_code == 200
    assert validate(r.json(), "3", "GetFootprintResponse") == []
    assert r.json()["data"] == FOOTPRINTS["A"][1]


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ("00000000-0000-0000-0000-000000000000", 404, "NotFound"),
        ("random-string-as-id-abc", 404, "NotFound"),
        ("H", 404, "NotFound"),  # stored but not published
        ("F", 403, "AccessDenied"),  # E2's footprint, asked by E1's client
    ],
)
def test_get_v3_errors(
    pw: PactWorld, client: TestClient, tokens: dict[str, str], target: str, status: int, code: str
) -> None:
    r = client.get(f"/3/footprints/{pw.ids.get(target, target)}", headers=bearer(tokens))
    assert r.status_code == status
    assert r.json()["code"] == code and r.json()["message"]
    assert validate(r.json(), "3", "Error") == []


def test_park_client_gets_its_enterprises_footprints(
    pw: PactWorld, client: TestClient, tokens: dict[str, str]
) -> None:
    assert (
        client.get(f"/3/footprints/{pw.ids['F']}", headers=bearer(tokens, "P1")).status_code == 200
    )
    assert (
        client.get(f"/3/footprints/{pw.ids['G']}", headers=bearer(tokens, "P1")).status_code == 403
    )


def _all_pages(client: TestClient, url: str, headers: dict[str, str]) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        pages += 1
        ids += [d["id"] for d in r.json()["data"]]
        link = r.links.get("next", {}).get("url")
        if link:  # absolute, on the host the client called (v3.0.3 pagination rule 2)
            assert link.startswith("http://testserver/"), link
        url = link or ""
    return ids, pages


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize(("limit", "pages"), [(1, 4), (3, 2), (4, 1), (50, 1)])
def test_pagination(
    pw: PactWorld, client: TestClient, tokens: dict[str, str], version: str, limit: int, pages: int
) -> None:
    r = client.get(f"/{version}/footprints?limit={limit}", headers=bearer(tokens))
    assert len(r.json()["data"]) == min(limit, 4)
    assert ("link" in r.headers) == (limit < 4)
    if limit < 4:
        assert r.links["next"]["url"].endswith(f"limit={limit}&offset={limit}")
    ids, n = _all_pages(client, f"/{version}/footprints?limit={limit}", bearer(tokens))
    assert n == pages  # the last page has no rel="next"
    assert len(ids) == len(set(ids)) == 4 and set(ids) == {pw.ids[k] for k in E1_SERVED}
    # a pagination link can be called again and returns the same page
    first = client.get(f"/{version}/footprints?limit={limit}&offset=1", headers=bearer(tokens))
    again = client.get(f"/{version}/footprints?limit={limit}&offset=1", headers=bearer(tokens))
    assert first.json() == again.json()


# (query, expected footprints), each derived by hand from FOOTPRINTS
V3_FILTERS = [
    (f"productId={A_PRODUCT}", {"A"}),
    (f"productId={A_PRODUCT.upper()}", {"A"}),  # "The match must be case-insensitive"
    (f"productid={C_PRODUCT}", {"C", "D"}),  # parameter names too, as in the spec's example
    (f"productId={A_PRODUCT}&productId=urn:pact:greenmfg-test:e1:sku-2", {"A", "B"}),
    (f"companyId={E1_CO}", E1_SERVED),
    (f"companyId={E1_CO}&companyId=abcdefgh&companyId=urn:bogus:x", E1_SERVED),
    ("geography=CN", {"A"}),
    ("geography=cn-js", {"B"}),  # a geographyCountrySubdivision
    ("geography=Eastern%20Asia", {"C", "D"}),  # a geographyRegionOrSubregion
    ("geography=CN&geography=CN-JS", {"A", "B"}),
    (f"classification={CPC}4121", {"B"}),
    (f"classification={CPC}3744", {"A", "C", "D"}),
    ("classification=", E1_SERVED),  # empty values are ignored (conformance test case 23)
    # validOn: start <= 2026-06-01 <= end: A [2024-12-31, 2027-12-31], B [2025-01-01,
    # 2026-12-31], D [2024-06-01, 2026-06-01] (end inclusive); C ends 2024-06-01
    ("validOn=2026-06-01T00:00:00Z", {"A", "B", "D"}),
    ("validOn=2026-06-01T08:00:00%2B08:00", {"A", "B", "D"}),  # the same instant
    ("validOn=2026-06-01T08:00:00 08:00", {"A", "B", "D"}),  # '+' decoded as a space
    # validAfter: start > 2024-12-31T00:00Z: only B (A starts exactly then)
    ("validAfter=2024-12-31T00:00:00Z", {"B"}),
    # validBefore: end < 2026-12-31T00:00Z: C (2024-06-01), D (2026-06-01); B ends exactly then
    ("validBefore=2026-12-31T00:00:00Z", {"C", "D"}),
    ("status=Deprecated", {"C"}),
    ("status=ACTIVE", {"A", "B", "D"}),
    ("status=Active&status=Deprecated", E1_SERVED),
    (f"status=Active&productId={C_PRODUCT}", {"D"}),  # AND across parameters
    (f"productId={C_PRODUCT}&validOn=2024-01-01T00:00:00Z", {"C"}),
    # negative cases (conformance test cases 30 to 39): 200 with an empty list
    ("productId=urn:bogus:product:nonexistent123", set()),
    ("companyId=urn:bogus:company:1&companyId=urn:bogus:company:2", set()),
    ("geography=XX", set()),
    ("classification=urn:bogus:classification:x", set()),
    ("validOn=1900-01-01T00:00:00Z", set()),
    ("validAfter=2099-12-31T23:59:59Z", set()),
    ("validBefore=1900-01-01T00:00:00Z", set()),
    ("status=BogusStatus", set()),
    (f"status=BogusStatus&productId={A_PRODUCT}", set()),
]


@pytest.mark.parametrize(("query", "expected"), V3_FILTERS)
def test_v3_filters(
    pw: PactWorld, client: TestClient, tokens: dict[str, str], query: str, expected: set[str]
) -> None:
    r = client.get(f"/3/footprints?{query}", headers=bearer(tokens))
    assert r.status_code == 200, r.text
    assert validate(r.json(), "3", "ListFootprintsResponse") == []
    assert names(pw, r.json()) == expected


def test_v3_filters_page_together(
    pw: PactWorld, client: TestClient, tokens: dict[str, str]
) -> None:
    ids, pages = _all_pages(client, f"/3/footprints?productId={C_PRODUCT}&limit=1", bearer(tokens))
    assert pages == 2 and set(ids) == {pw.ids["C"], pw.ids["D"]}


@pytest.mark.parametrize(
    "query",
    [
        "validOn=not-a-date",
        "validAfter=2024-13-01T00:00:00Z",
        "validOn=2024-01-01T00:00:00Z&validOn=2025-01-01T00:00:00Z",
        "colour=green",
        "x-atq-invoice-id=12345",
        "limit=0",
        "limit=-1",
        "limit=ten",
        "offset=-1",
        "offset=99999999999999999999",
    ],
)
def test_v3_malformed_queries_are_bad_requests(
    client: TestClient, tokens: dict[str, str], query: str
) -> None:
    r = client.get(f"/3/footprints?{query}", headers=bearer(tokens))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "BadRequest" and r.json()["message"]


# ------------------------------------------------------------------------ list and get, v2


def test_list_and_get_v2(pw: PactWorld, client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get("/2/footprints", headers=bearer(tokens))
    assert r.status_code == 200
    assert validate(r.json(), "2", "ListFootprintsResponse") == []
    assert names(pw, r.json()) == E1_SERVED
    b = {d["id"]: d for d in r.json()["data"]}[pw.ids["B"]]
    assert b["specVersion"].startswith("2.") and b["productCategoryCpc"] == "4121"
    r = client.get(f"/2/footprints/{pw.ids['B']}", headers=bearer(tokens))
    assert r.status_code == 200 and validate(r.json(), "2", "GetFootprintResponse") == []
    for target, status, code in (
        ("00000000-0000-0000-0000-000000000000", 404, "NoSuchFootprint"),
        (pw.ids["F"], 403, "AccessDenied"),
    ):
        r = client.get(f"/2/footprints/{target}", headers=bearer(tokens))
        assert (r.status_code, r.json()["code"]) == (status, code)


V2_FILTERS = [
    (f"productIds/any(productId:(productId eq '{C_PRODUCT}'))", {"C", "D"}),
    (f"companyIds/any(companyId:(companyId eq '{E1_CO}'))", E1_SERVED),
    (f"companyIds/any(c:c eq '{E1_CO}x')", set()),
    ("productCategoryCpc eq '4121'", {"B"}),
    ("pcf/geographyCountry eq 'CN'", {"A"}),
    # reference periods: A, B, D in 2024, C in 2023
    (
        "(pcf/referencePeriodStart ge '2024-01-01T00:00:00.000Z') and "
        "(pcf/referencePeriodEnd lt '2025-01-01T00:00:00.000Z')",
        {"A", "B", "D"},
    ),
    # created: A 2025-01-10, B 2025-02-01, C 2024-07-01, D 2025-03-01
    ("created ge '2025-02-01T00:00:00Z'", {"B", "D"}),
    ("created lt 2025-02-01T00:00:00Z", {"A", "C"}),  # a bare OData DateTimeOffset
    ("created gt '2025-02-01T00:00:00Z' and pcf/geographyCountry eq 'CN'", set()),
    ("updated ge '2000-01-01T00:00:00Z'", set()),  # to_v2 leaves `updated` out
]


@pytest.mark.parametrize(("statement", "expected"), V2_FILTERS)
def test_v2_filter(
    pw: PactWorld, client: TestClient, tokens: dict[str, str], statement: str, expected: set[str]
) -> None:
    r = client.get("/2/footprints", params={"$filter": statement}, headers=bearer(tokens))
    assert r.status_code == 200, r.text
    assert validate(r.json(), "2", "ListFootprintsResponse") == []
    assert names(pw, r.json()) == expected


def test_v2_filter_pages(pw: PactWorld, client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(
        "/2/footprints",
        params={"$filter": "created ge '2024-01-01T00:00:00Z'", "limit": "3"},
        headers=bearer(tokens),
    )
    assert len(r.json()["data"]) == 3
    nxt = client.get(r.links["next"]["url"], headers=bearer(tokens))
    assert len(nxt.json()["data"]) == 1 and "link" not in nxt.headers


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("pcf/geographyCountry eq 'CN' or productCategoryCpc eq '4121'", "NotImplemented"),
        ("not (pcf/geographyCountry eq 'CN')", "NotImplemented"),
        ("pcf/geographyCountry ne 'CN'", "NotImplemented"),
        ("productDescription eq 'x'", "NotImplemented"),
        ("contains(productNameCompany, 'x')", "NotImplemented"),
        ("productIds/any(p:(p ne 'x'))", "NotImplemented"),
        ("productIds/all(p:(p eq 'x'))", "NotImplemented"),
        ("pcf/geographyCountry eq", "BadRequest"),
        ("pcf/geographyCountry eq 'CN", "BadRequest"),
        ("created ge 'yesterday'", "BadRequest"),
        ("(pcf/geographyCountry eq 'CN'", "BadRequest"),
    ],
)
def test_v2_unsupported_or_malformed_filter(
    client: TestClient, tokens: dict[str, str], statement: str, code: str
) -> None:
    # v2.3: a host that refuses a filter statement "MUST return an error response with code
    # NotImplemented" (HTTP 400 in the v2 error table)
    r = client.get("/2/footprints", params={"$filter": statement}, headers=bearer(tokens))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code


def test_v2_unknown_parameter(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get("/2/footprints?productId=x", headers=bearer(tokens))
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"


# ------------------------------------------------------------------------------- storage


def test_documents_are_immutable(pw: PactWorld) -> None:
    changed = {**FOOTPRINTS["A"][1], "productDescription": "edited in place"}
    with pytest.raises(FootprintConflict, match="immutable"), pw.db.writing() as s:
        publish_footprint(s, pw.org("E1"), changed, "computed")
    with pytest.raises(FootprintConflict, match="another organisation"), pw.db.writing() as s:
        publish_footprint(s, pw.org("E2"), FOOTPRINTS["A"][1], "computed")
    with pw.db.writing() as s:  # the same document again is a no-op
        row = publish_footprint(s, pw.org("E1"), FOOTPRINTS["A"][1], "computed")
        assert row.id == pw.ids["A"]


def test_publish_refuses_an_invalid_document(pw: PactWorld) -> None:
    from greenmfg.io.pact import PactValidationError

    bad = footprint("bad", product_ids=["not a urn"])
    with pytest.raises(PactValidationError), pw.db.writing() as s:
        publish_footprint(s, pw.org("E1"), bad, "computed")
    with pw.db.reading() as s:
        assert s.get(ProductFootprint, pf_id("bad")) is None


def test_openapi_lists_the_pact_actions(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in ("/auth/token", "/3/footprints", "/3/footprints/{pf_id}", "/3/events", "/2/events"):
        assert p in paths


def test_unexpected_errors_are_internal_error_bodies(
    pw: PactWorld, client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import greenmfg.api.pact.footprints as routes

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(routes, "list_footprints", boom)
    r = client.get("/3/footprints", headers=bearer(tokens))
    assert r.status_code == 500 and r.json()["code"] == "InternalError"
    assert "fire" not in r.text


def test_the_same_on_postgresql(fresh_postgres_url: str) -> None:
    """Storage, filters (SQL on the key table), the v2 ``$filter`` and tokens on PostgreSQL."""
    pw = pact_world(fresh_postgres_url, FOOTPRINTS)
    try:
        with TestClient(app_for(pw)) as c:
            tok = c.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                headers=basic(*pw.clients["E1"]),
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {tok}"}
            for query, expected in V3_FILTERS:
                r = c.get(f"/3/footprints?{query}", headers=auth)
                assert names(pw, r.json()) == expected, query
            r = c.get(
                "/2/footprints", params={"$filter": V2_FILTERS[0][0], "limit": 1}, headers=auth
            )
            assert len(r.json()["data"]) == 1 and "link" in r.headers
            assert c.get(f"/3/footprints/{pw.ids['F']}", headers=auth).status_code == 403
    finally:
        pw.db.dispose()


def test_footprints_v2_cannot_express_are_left_out_of_v2(pw: PactWorld, client: TestClient) -> None:
    # v2.3 requires productCategoryCpc; a footprint classified by CAS number only has none
    from greenmfg.store.pact import create_client

    doc = footprint(
        "K",
        product_ids=["urn:gtin:4400000000001"],
        classifications=["urn:pact:productclassification:cas:64-17-5"],
    )
    with pw.db.writing() as s:
        publish_footprint(s, pw.org("E4"), doc, "computed")
        creds = create_client(s, pw.org("E4"), "E4's customer")
    tok = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers=basic(*creds)
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {tok}"}
    assert [d["id"] for d in client.get("/3/footprints", headers=auth).json()["data"]] == [
        doc["id"]
    ]
    assert client.get("/2/footprints", headers=auth).json() == {"data": []}
    r = client.get(f"/2/footprints/{doc['id']}", headers=auth)
    assert r.status_code == 404 and r.json()["code"] == "NoSuchFootprint"
    assert "productCategoryCpc" in r.json()["message"]

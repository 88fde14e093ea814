"""Product systems on the platform: fed from the stored inventory through the API, stored,
shown on the product pages (footprint, hotspots, uncertainty, DQR, supplier share), exported as
the ISO 14067 report, uploaded from JSON, published as PACT v3 footprints; with permissions."""

from __future__ import annotations

import html
import io
import json
import os
import re

import openpyxl
import pytest
from sqlalchemy import select

from greenmfg.io.pact import check
from greenmfg.io.pdf import cjk_font_available
from greenmfg.io.product_system import FORMAT
from greenmfg.reference.footprints import product_footprint
from greenmfg.reference.loader import get_reference
from greenmfg.store.models import AuditEntry, ProductFootprint, ProductSystemRecord
from test_web import World, build_world, by_testid, chart_option, form_csrf, logged_in

OWN = {"technological": 1, "temporal": 1, "geographical": 1}


@pytest.fixture(scope="module")
def fworld(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("fp") / "fp.db")


def _api(world: World, username: str):  # type: ignore[no-untyped-def]
    c = logged_in(world, username)
    page = c.get(f"/enterprises/{world.ids['cement']}").text
    c.headers["X-CSRF-Token"] = form_csrf(page) if 'name="csrf_token"' in page else ""
    return c


def _csrf(c, url: str) -> str:  # type: ignore[no-untyped-def]
    return form_csrf(c.get(url).text)


def _from_inventory(world: World, save_as: str | None = "cement from inventory") -> dict:
    org = world.ids["cement"]
    c = logged_in(world, "mgr")
    token = _csrf(c, f"/enterprises/{org}/products")
    body = {
        "year": 2023,
        "processes": [
            {
                "process_id": "plant",
                "name": "Kiln and grinding",
                "product": "cement",
                "sites": ["wuhu_cement"],
                "dqr": OWN,
            }
        ],
        "products": [{"id": "cement", "name": "Cement", "unit": "t", "mass_kg": 1000.0}],
        "region": "CN",
        "save_as": save_as,
    }
    r = c.post(
        f"/api/v1/orgs/{org}/product-systems/from-inventory",
        json=body,
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _system_id(world: World) -> int:
    """The stored "cement from inventory" system (saved by the first test, or now)."""
    name = "cement from inventory"
    with world.db.reading() as s:
        sid = s.scalars(
            select(ProductSystemRecord.id).where(ProductSystemRecord.name == name)
        ).first()
    if sid is None:
        return int(_from_inventory(world, name)["saved"]["id"])
    return int(sid)


def test_system_from_inventory_by_hand(fworld: World) -> None:
    """ISO 14067 6.3.5: the plant's own data. The cement plant's ISO 14064-1 inventory of 2023
    (examples/cement_plant.xlsx) holds, for site wuhu_cement: scope 1 S [tCO2e], grid electricity
    81,400 MWh + 6,720 万kWh = 81,400,000 + 67,200,000 = 148,600,000 kWh, and 1,920,000 t of
    cement. Footprint (q = c^T B T^-1 for one process):
    (S x 1000 + 148,600,000 x EF) / 1,920,000 kgCO2e/t, EF = the national electricity carbon
    footprint factor 2023 (product_footprints.csv, MEE/NBS/NEA announcement)."""
    out = _from_inventory(fworld)
    ef = product_footprint("electricity_grid_footprint", "CN", 2023, ref=get_reference())
    assert ef.value_in("kgCO2e/kWh") == pytest.approx(0.6205)
    proc = out["system"]["processes"][0]
    assert proc["inputs"][0]["product"] == "electricity"
    assert proc["inputs"][0]["amount"] == pytest.approx(148_600_000.0)
    scope1_t = proc["emissions"][0]["amount"]
    assert proc["emissions"][0]["unit"] == "t" and scope1_t > 1e6
    expected = (scope1_t * 1000 + 148_600_000 * 0.6205) / 1_920_000
    assert out["footprints"]["cement"]["value"] == pytest.approx(expected, rel=1e-12)
    assert out["saved"]["version"] == 1
    with fworld.db.reading() as s:
        row = s.scalars(select(ProductSystemRecord)).one()
        assert row.year == 2023 and row.definition["format"] == FORMAT
        assert s.scalars(
            select(AuditEntry).where(AuditEntry.action == "product_system.save")
        ).first()


def test_product_pages_and_reports(fworld: World) -> None:
    org = fworld.ids["cement"]
    sid = _system_id(fworld)
    c = logged_in(fworld, "viewer")
    page = c.get(f"/enterprises/{org}/products")
    assert page.status_code == 200, page.text
    assert by_testid(page.text, "product-row") and not by_testid(page.text, "system-upload-form")
    r = c.get(f"/enterprises/{org}/products/{sid}/cement")
    assert r.status_code == 200, r.text
    assert "碳足迹" in r.text
    for kpi in ("kpi-footprint", "kpi-range", "kpi-primary", "kpi-supplier", "kpi-dqr"):
        assert by_testid(r.text, kpi), kpi
    hot = chart_option(r.text, "hotspots")
    assert len(hot["series"][0]["data"]) == 2  # the plant and grid electricity
    assert by_testid(r.text, "contribution-row")
    assert not by_testid(r.text, "publish-form")  # a viewer may not publish
    en = c.get(f"/enterprises/{org}/products/{sid}/cement?lang=en")
    assert en.status_code == 200
    x = c.get(f"/enterprises/{org}/products/{sid}/cement/report.xlsx")
    assert x.status_code == 200, x.text
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert len(wb.sheetnames) >= 5
    api = c.get(f"/api/v1/orgs/{org}/product-systems/{sid}/products/cement?iterations=200")
    assert api.status_code == 200, api.text
    rep = api.json()
    assert rep["uncertainty"]["iterations"] == 200
    assert rep["reference_edition"] == get_reference().edition and rep["engine_version"]
    summary = [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    assert get_reference().edition in summary  # the workbook echoes the reference edition
    assert rep["quality"]["pact"] is not None
    assert rep["primary_share_percent"] == pytest.approx(100 * rep["origin_shares"]["process"])
    assert c.get(f"/enterprises/{org}/products/{sid}/nope").status_code == 404


def test_other_enterprise_cannot_see(fworld: World) -> None:
    org = fworld.ids["cement"]
    c = logged_in(fworld, "wx_mgr")
    assert c.get(f"/enterprises/{org}/products").status_code == 404
    assert c.get(f"/api/v1/orgs/{org}/product-systems").status_code == 404


def test_upload_json_and_errors(fworld: World) -> None:
    org = fworld.ids["cement"]
    c = logged_in(fworld, "mgr")
    system = {
        "format": FORMAT,
        "allocation": "mass",
        "cutoff": 0.0,
        "products": [
            {"id": "mortar", "name": "Mortar", "unit": "t", "mass_kg": 1000.0},
            {"id": "cement", "name": "Cement", "unit": "t", "mass_kg": 1000.0},
        ],
        "processes": [
            {
                "id": "mix",
                "name": "Mixing",
                "allocation": None,
                "supplier": "",
                "source": "illustrative",
                "dqr": {},
                "outputs": [{"product": "mortar", "amount": 1.0, "unit": "t", "properties": {}}],
                "inputs": [{"product": "cement", "amount": 250.0, "unit": "kg", "gsd": 1.0}],
                "emissions": [],
            }
        ],
        "purchased": [
            {
                "product": "cement",
                "value": 600.0,
                "unit": "t",
                "origin": "supplier",
                "source": "pf-123",
                "supplier": "Wuhu Cement",
                "confidence": "",
                "gsd": 1.0,
                "dqr": {},
            }
        ],
    }
    token = _csrf(c, f"/enterprises/{org}/products")
    files = {"file": ("mortar.json", json.dumps(system).encode(), "application/json")}
    r = c.post(
        f"/enterprises/{org}/products",
        data={"csrf_token": token, "name": "mortar", "year": "2024", "gwp_set": "ar6"},
        files=files,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"])
    # 250 kg of cement at 600 kgCO2e/t = 0.25 t x 600 = 150 kgCO2e per t of mortar
    assert "150.0000" in page.text or "150" in page.text
    with fworld.db.reading() as s:
        row = s.scalars(
            select(ProductSystemRecord).where(ProductSystemRecord.name == "mortar")
        ).one()
    api = c.get(f"/api/v1/orgs/{org}/product-systems/{row.id}")
    assert api.json()["footprints"]["mortar"]["value"] == pytest.approx(150.0)
    # a bad amount: nothing stored, the error names the JSON path and field
    bad = json.loads(json.dumps(system))
    bad["processes"][0]["inputs"][0]["amount"] = "lots"
    files = {"file": ("bad.json", json.dumps(bad).encode(), "application/json")}
    r = c.post(
        f"/enterprises/{org}/products",
        data={"csrf_token": token, "name": "bad"},
        files=files,
        follow_redirects=True,
    )
    assert "processes[0].inputs[0]" in r.text and "amount" in r.text
    with fworld.db.reading() as s:
        assert (
            s.scalars(select(ProductSystemRecord).where(ProductSystemRecord.name == "bad")).first()
            is None
        )
    # without the CSRF token the upload is refused
    r = c.post(f"/enterprises/{org}/products", data={"name": "x"}, files=files)
    assert r.status_code == 403


def test_publish_as_pact(fworld: World) -> None:
    org = fworld.ids["cement"]
    sid = _system_id(fworld)
    url = f"/enterprises/{org}/products/{sid}/cement"
    viewer = logged_in(fworld, "viewer")
    token = _csrf(viewer, f"/enterprises/{org}/products")
    r = viewer.post(
        f"{url}/publish",
        data={"csrf_token": token, "product_id": "urn:gtin:1", "classification": "urn:x:1"},
    )
    assert r.status_code == 403
    c = logged_in(fworld, "mgr")
    token = form_csrf(c.get(url).text)
    form = {
        "csrf_token": token,
        "product_id": "urn:pact:demo:product:cement",
        "classification": "urn:pact:productclassification:un-cpc:3744",
        "subdivision": "CN-AH",
    }
    r = c.post(f"{url}/publish", data=form, follow_redirects=False)
    assert r.status_code == 303
    with fworld.db.reading() as s:
        pf = s.scalars(select(ProductFootprint).where(ProductFootprint.org_id == org)).one()
        doc = pf.document
    check(doc, "3")
    assert pf.origin == "computed" and pf.published
    rep = c.get(f"/api/v1/orgs/{org}/product-systems/{sid}/products/cement?iterations=0").json()
    assert float(doc["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(rep["value"], rel=1e-5)
    assert doc["pcf"]["geographyCountrySubdivision"] == "CN-AH"
    assert doc["id"] in c.get(url).text  # listed under "Published" on the product page
    # the same version again is refused, not duplicated
    api = c.post(
        f"/api/v1/orgs/{org}/product-systems/{sid}/products/cement/publish",
        json={"product_ids": ["urn:pact:demo:product:cement"], "classifications": ["urn:x:1"]},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 409, api.text
    # a new version of the system publishes a footprint that supersedes the first
    _from_inventory(fworld)
    api = c.post(
        f"/api/v1/orgs/{org}/product-systems/{sid}/products/cement/publish",
        json={
            "product_ids": ["urn:pact:demo:product:cement"],
            "classifications": ["urn:pact:productclassification:un-cpc:3744"],
        },
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 201, api.text
    assert api.json()["precedingPfIds"] == [doc["id"]]
    with fworld.db.reading() as s:
        assert s.get(ProductFootprint, doc["id"]).status == "Deprecated"


def test_product_report_pdf(fworld: World) -> None:
    if not cjk_font_available() and not os.environ.get("GREENMFG_TEST_PDF"):
        pytest.skip("no CJK font (CI installs fonts-wqy-microhei and sets GREENMFG_TEST_PDF)")
    from pypdf import PdfReader

    org = fworld.ids["cement"]
    sid = _system_id(fworld)
    c = logged_in(fworld, "mgr")
    page = c.get(f"/enterprises/{org}/products/{sid}/cement").text
    href = re.search(r'href="([^"]+)"', by_testid(page, "report-pdf")[0]).group(1)  # type: ignore[union-attr]
    r = c.get(html.unescape(href))
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Cement" in text, text[:500]
    assert c.get(f"/enterprises/{org}/products/{sid}/cement/report.doc").status_code == 422


def test_build_from_inventory_form(fworld: World) -> None:
    """The form lists the sites of each inventory year with the products they record; choosing
    cement for wuhu_cement (2023) stores the same system as the API test (same footprint)."""
    org = fworld.ids["cement"]
    c = logged_in(fworld, "mgr")
    page = c.get(f"/enterprises/{org}/products").text
    forms = by_testid(page, "from-inventory-form")
    assert any('data-year="2023"' in f for f in forms)
    assert 'value="cement|t"' in page and 'value="cement_clinker|t"' in page
    r = c.post(
        f"/enterprises/{org}/products/from-inventory",
        data={
            "csrf_token": form_csrf(page),
            "year": "2023",
            "name": "form-built",
            "region": "CN",
            "site.wuhu_cement": "cement|t",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    got = c.get(f"/api/v1/orgs/{org}/product-systems/{sid}").json()
    ref_sid = _system_id(fworld)
    expected = c.get(f"/api/v1/orgs/{org}/product-systems/{ref_sid}").json()
    assert got["footprints"]["cement"]["value"] == pytest.approx(
        expected["footprints"]["cement"]["value"], rel=1e-12
    )
    # nothing chosen: an error, nothing stored
    r = c.post(
        f"/enterprises/{org}/products/from-inventory",
        data={"csrf_token": form_csrf(page), "year": "2023", "name": "empty"},
        follow_redirects=True,
    )
    assert "至少" in r.text or "at least" in r.text
    assert c.get(f"/enterprises/{org}/products").text.count('data-testid="system-card"') == len(
        c.get(f"/api/v1/orgs/{org}/product-systems").json()
    )
    viewer = logged_in(fworld, "viewer")
    assert not by_testid(viewer.get(f"/enterprises/{org}/products").text, "from-inventory-form")


def test_async_form_routes_redirect_anonymous_and_render_errors(fworld: World) -> None:
    """An async route under @page(): anonymous POST goes to the login page (it was a 500), and a
    NotFound raised inside it becomes the friendly 404 page."""
    org = fworld.ids["cement"]
    anon = fworld.client()
    r = anon.post(f"/enterprises/{org}/products/from-inventory", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]
    other = logged_in(fworld, "wx_mgr")
    page = other.get(f"/enterprises/{fworld.ids['wuxi']}/products").text
    r = other.post(
        f"/enterprises/{org}/products/from-inventory",
        data={"csrf_token": form_csrf(page), "year": "2023", "site.wuhu_cement": "cement|t"},
    )
    assert r.status_code == 404 and "<html" in r.text

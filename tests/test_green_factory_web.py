"""Green-factory self-evaluation in the web UI: questionnaire, stored result, reports, access."""

from __future__ import annotations

import io
import os
import re

import openpyxl
import pytest
from sqlalchemy import select

from greenmfg.io.pdf import cjk_font_available
from greenmfg.store.models import AuditEntry, GreenFactoryEvaluation
from test_web import World, build_world, by_testid, form_csrf, logged_in


@pytest.fixture(scope="module")
def gworld(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("gf") / "gf.db")


def _url(world: World) -> str:
    return f"/enterprises/{world.ids['cement']}/green-factory"


def _basic_ids(text: str) -> list[str]:
    return re.findall(r'data-id="(basic\.[^"]+)" data-kind="basic"', text)


def _answers(text: str) -> dict[str, str]:
    """Every basic requirement yes; water reuse 87 % against base 80 / leading 90; green design
    yes. GB/T 36132-2025 rows (green_factory_indicators.csv): water reuse 4 points,
    4 * (87 - 80) / (90 - 80) = 2.8; green design 4 points, yes = 1 -> 4; total 6.8."""
    data = {"csrf_token": form_csrf(text), "year": "2023", "scheme": "gbt36132_2025"}
    for bid in _basic_ids(text):
        data[f"a.{bid}"] = "yes"
    data["v.resource_efficiency.water_reuse"] = "87"
    data["b.resource_efficiency.water_reuse"] = "80"
    data["l.resource_efficiency.water_reuse"] = "90"
    data["a.green_product.green_design"] = "yes"
    data["e.green_product.carbon_footprint_share"] = "1"
    data["z.national.disclosure"] = "no"
    return data


def test_questionnaire_scores_and_stores(gworld: World) -> None:
    c = logged_in(gworld, "mgr")
    r = c.get(_url(gworld) + "?year=2023")
    assert r.status_code == 200, r.text
    assert by_testid(r.text, "gf-form") and by_testid(r.text, "gf-metrics")
    assert len(_basic_ids(r.text)) >= 2
    audit_before = gworld.count(AuditEntry)
    r = c.post(_url(gworld), data=_answers(r.text), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "evaluation=" in r.headers["location"]
    page = c.get(r.headers["location"]).text
    total = re.search(r'data-testid="gf-total".*?kpi-value">([^<]+)<', page, re.S)
    assert total and total.group(1).strip() == "6.8"
    assert "基本要求" in page or "Basic" in page
    assert by_testid(page, "gf-gap")
    assert by_testid(page, "zc-row")
    assert gworld.count(AuditEntry) == audit_before + 1
    with gworld.db.reading() as s:
        row = s.scalars(
            select(GreenFactoryEvaluation).order_by(GreenFactoryEvaluation.id.desc())
        ).first()
        assert row is not None
        assert row.total_score == pytest.approx(6.8)
        assert row.basic_passed is True
        assert row.level == "municipal"  # no title yet: the entry level of the gradient system
        assert row.answers["zero_carbon"] == {"national.disclosure": "no"}


def test_excel_report(gworld: World) -> None:
    c = logged_in(gworld, "mgr")
    page = c.get(_url(gworld) + "?year=2023").text
    link = by_testid(page, "gf-xlsx")
    assert link, "no saved evaluation on the page"
    href = re.search(r'href="([^"]+)"', link[0]).group(1)  # type: ignore[union-attr]
    r = c.get(href)
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len(wb.sheetnames) == 4
    summary = wb[wb.sheetnames[0]]
    values = [row for row in summary.iter_rows(values_only=True)]
    assert any(6.8 in row for row in values)


def test_pdf_report_renders_chinese(gworld: World) -> None:
    if not cjk_font_available() and not os.environ.get("GREENMFG_TEST_PDF"):
        pytest.skip("no CJK font (CI installs fonts-wqy-microhei and sets GREENMFG_TEST_PDF)")
    from pypdf import PdfReader

    c = logged_in(gworld, "mgr")
    page = c.get(_url(gworld) + "?year=2023").text
    href = re.search(r'href="([^"]+)"', by_testid(page, "gf-pdf")[0]).group(1)  # type: ignore[union-attr]
    r = c.get(href)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    for heading in ("绿色工厂自评价报告", "各指标得分", "零碳工厂"):
        assert heading in text, heading
    r = c.get(href + "?lang=en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Green-factory self-evaluation report" in text


def test_viewer_cannot_save_and_others_cannot_see(gworld: World) -> None:
    v = logged_in(gworld, "viewer")
    page = v.get(_url(gworld) + "?year=2023")
    assert page.status_code == 200
    assert not by_testid(page.text, "gf-submit")
    r = v.post(_url(gworld), data=_answers(page.text), follow_redirects=False)
    assert r.status_code == 403
    other = logged_in(gworld, "wx_mgr")
    assert other.get(_url(gworld)).status_code == 404


def test_bad_answer_is_named(gworld: World) -> None:
    c = logged_in(gworld, "mgr")
    text = c.get(_url(gworld) + "?year=2023").text
    data = _answers(text)
    data["v.resource_efficiency.water_reuse"] = "lots"
    r = c.post(_url(gworld), data=data, follow_redirects=True)
    assert "resource_efficiency.water_reuse" in r.text
    assert by_testid(r.text, "flash")


def test_api_scores_stores_and_refuses_bad_answers(gworld: World) -> None:
    c = gworld.client()
    r = c.post("/api/v1/auth/token", json={"username": "mgr", "password": "demo1234", "name": "t"})
    assert r.status_code == 201, r.text
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    org = gworld.ids["cement"]
    m = c.get(f"/api/v1/enterprises/{org}/years/2023/green-factory/metrics", headers=h)
    assert m.status_code == 200 and "accounting_in_place" in m.json()["metrics"]
    body = {
        "answers": {
            "resource_efficiency.water_reuse": {"value": 87, "base": 80, "leading": 90},
            "green_product.green_design": "yes",
        }
    }
    r = c.post(
        f"/api/v1/enterprises/{org}/years/2023/green-factory/evaluations", json=body, headers=h
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["total_score"] == pytest.approx(6.8)
    assert doc["basic_passed"] is False and doc["level"] is None  # basics unanswered: veto
    assert doc["result"]["level_note"] == "basic_requirement_failed"
    bad = {"answers": {"green_product.green_design": {"value": "x"}}}
    r = c.post(
        f"/api/v1/enterprises/{org}/years/2023/green-factory/evaluations", json=bad, headers=h
    )
    assert r.status_code == 409 and "green_product.green_design" in r.text
    latest = c.get(f"/api/v1/enterprises/{org}/green-factory/evaluations/latest", headers=h)
    assert latest.status_code == 200 and latest.json()["id"] == doc["id"]

"""The authorities' 2030 target dashboard: the analytics layer over the platform's data in scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from greenmfg.store.analytics import platform_tables
from greenmfg.store.models import InventoryResult, Organisation, ReportingPeriod, User
from greenmfg.store.scope import load_principal
from test_web import World, build_world, by_testid, chart_option, logged_in


@pytest.fixture(scope="module")
def tworld(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("targets") / "t.db")


def _stored_emissions(world: World, org_name: str, year: int) -> float:
    """Scope 1 + scope 2 (location) of the enterprise's current GB/T 32150 inventory."""
    with world.db.reading() as s:
        org = s.scalars(select(Organisation).where(Organisation.name == org_name)).one()
        period = s.scalars(
            select(ReportingPeriod).where(
                ReportingPeriod.org_id == org.id, ReportingPeriod.year == year
            )
        ).one()
        inv = s.scalars(
            select(InventoryResult).where(
                InventoryResult.version_id == period.current_version_id,
                InventoryResult.method == "gbt32150",
            )
        ).one()
        return inv.scope1_tco2e + inv.scope2_location_tco2e


def test_platform_tables_are_scoped(tworld: World) -> None:
    with tworld.db.reading() as s:
        sz = load_principal(s, s.scalars(select(User).where(User.username == "sz_auth")).one())
        t = platform_tables(s, sz)
    names = t["enterprises"].column("name").to_pylist()
    assert names == ["吴中示范水泥有限公司"]  # the Wuxi enterprise is outside Suzhou
    years = sorted(t["annual"].column("year").to_pylist())
    assert years == [2022, 2023]
    # electricity of 2023 from the inventory: 81,400 MWh + 6,720 万kWh = 148,600,000 kWh
    row = t["annual"].filter(t["annual"].column("year").to_numpy() == 2023).to_pylist()[0]
    assert row["electricity_kwh"] == pytest.approx(148_600_000.0)
    assert row["solid_waste_generated_t"] is None  # not collected by the platform: no data


def test_dashboard_page(tworld: World) -> None:
    c = logged_in(tworld, "sz_auth")
    r = c.get("/oversight/targets?by=city")
    assert r.status_code == 200, r.text
    assert by_testid(r.text, "target-green_factory_output_share")
    rows = by_testid(r.text, "breakdown-row")
    assert len(rows) == 1 and 'data-key="320500"' in rows[0]
    # drill-down: the portfolio filtered by the city's GB/T 2260 prefix lists the enterprise
    assert "region=3205" in r.text
    assert "吴中示范水泥有限公司" in c.get("/portfolio?year=2023&region=3205").text
    assert chart_option(r.text, "targets-ranking")["yAxis"]["data"] == ["苏州市"]
    expected = _stored_emissions(tworld, "吴中示范水泥有限公司", 2023)
    assert f"{expected:,.0f}" in r.text
    en = c.get("/oversight/targets?lang=en&by=industry")
    assert en.status_code == 200 and "C30" in en.text
    x = c.get("/oversight/targets/report.xlsx?by=province")
    assert x.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert len(wb.sheetnames) == 2
    # an enterprise manager has no dashboard
    assert logged_in(tworld, "mgr").get("/oversight/targets").status_code == 403
    # the Wuxi authority sees the other enterprise only
    wx = logged_in(tworld, "wx_auth").get("/oversight/targets?by=city").text
    assert 'data-key="320200"' in wx and 'data-key="320500"' not in wx

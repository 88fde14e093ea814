"""End to end in Debian's Chromium (Playwright): the enterprise manager's and the municipal
authority's journeys through the real server (uvicorn, a SQLite file), as a user would click them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from infra import start_uvicorn
from world import EXAMPLES, PASSWORD, World, build_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e')}/e2e.db"
    world = build_world(url)
    world.db.dispose()
    base, stop = start_uvicorn("greenmfg.api.app:create_app", {"GREENMFG_DATABASE_URL": url})
    try:
        yield base, world
    finally:
        stop()


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("networkidle")


def test_enterprise_manager_uploads_drills_down_and_exports(
    page: Any, server: tuple[str, World], tmp_path: Path
) -> None:
    base, world = server
    e1 = world.orgs["E1"]
    login(page, base, "m1")
    assert page.url.rstrip("/").endswith(f"/enterprises/{e1}")

    # upload the cement example (years 2022 and 2023)
    page.goto(f"{base}/enterprises/{e1}/upload")
    page.get_by_test_id("upload-input").set_input_files(str(EXAMPLES / "cement_plant.xlsx"))
    page.get_by_test_id("upload-submit").click()
    page.get_by_test_id("upload-success").wait_for()
    assert page.get_by_test_id("imported-version").count() == 2  # one version per year

    # the dashboard draws its charts (ECharts renders into a canvas)
    page.goto(f"{base}/enterprises/{e1}?year=2023")
    chart = page.get_by_test_id("chart-scope")
    chart.locator("canvas").first.wait_for()
    assert chart.locator("canvas").count() >= 1

    # drill down from a category to its lines and the factor's source document
    page.goto(f"{base}/enterprises/{e1}/years/2023")
    row = page.locator('[data-testid="category-row"][data-category="fuel_combustion"]')
    row.get_by_test_id("category-expand").click()
    source = page.get_by_test_id("factor-source").first
    source.wait_for()
    text = source.inner_text()
    assert "指南" in text or "GB/T" in text or "IPCC" in text, text

    # export to Excel and open the workbook
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    wb = load_workbook(path, read_only=True)
    assert len(wb.sheetnames) >= 4


def test_municipal_authority_sees_only_its_city(page: Any, server: tuple[str, World]) -> None:
    base, world = server
    login(page, base, "sz")
    assert "/portfolio" in page.url
    rows = page.get_by_test_id("portfolio-row")
    rows.first.wait_for()
    ids = {int(rows.nth(i).get_attribute("data-org-id")) for i in range(rows.count())}
    # Suzhou (GB/T 2260 prefix 3205) holds E1 and E2; E3 is in Wuxi, E4 in Wuhu (Anhui)
    assert ids == {world.orgs["E1"], world.orgs["E2"]}
    # and another city's enterprise is not found, even by address
    page.goto(f"{base}/enterprises/{world.orgs['E3']}")
    assert page.get_by_test_id("error-page").count() == 1


def test_switch_to_english(page: Any, server: tuple[str, World]) -> None:
    base, _world = server
    login(page, base, "js")
    assert page.locator("html").get_attribute("lang").startswith("zh")
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Enterprises" in page.content()


def test_phone_width_layout(browser: Any, server: tuple[str, World]) -> None:
    base, world = server
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, base, "m1")
        page.goto(f"{base}/enterprises/{world.orgs['E1']}/years/2023")
        # nothing wider than the screen: wide tables scroll inside their own container
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
    finally:
        context.close()

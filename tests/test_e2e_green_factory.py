"""End to end in Chromium: an enterprise manager fills the green-factory questionnaire, gets the
score and downloads the PDF report (text extracted, Chinese headings found)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import start_uvicorn
from world import PASSWORD, World, build_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-gf')}/gf.db"
    world = build_world(url)  # E1..E4 with 2023 data of the cement example
    world.db.dispose()
    base, stop = start_uvicorn("greenmfg.api.app:create_app", {"GREENMFG_DATABASE_URL": url})
    try:
        yield base, world
    finally:
        stop()


def test_manager_fills_questionnaire_scores_and_downloads_pdf(
    page: Any, server: tuple[str, World], tmp_path: Path
) -> None:
    from pypdf import PdfReader

    base, world = server
    e1 = world.orgs["E1"]
    page.goto(f"{base}/login")
    page.get_by_test_id("login-username").fill("m1")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("networkidle")

    page.get_by_test_id("nav-green-factory").click()
    page.get_by_test_id("gf-form").wait_for()
    assert page.url.split("?")[0].endswith(f"/enterprises/{e1}/green-factory")

    basics = page.locator('[data-testid="gf-question"][data-kind="basic"] select[name^="a."]')
    assert basics.count() >= 2
    for i in range(basics.count()):
        basics.nth(i).select_option("yes")
    # water reuse 87 % against the sector's base 80 / leading 90: 4 * 0.7 = 2.8 points
    row = page.locator('[data-testid="gf-question"][data-id="resource_efficiency.water_reuse"]')
    row.get_by_test_id("gf-value").fill("87")
    row.get_by_test_id("gf-base").fill("80")
    row.get_by_test_id("gf-leading").fill("90")
    # green design case: yes, 4 points
    page.locator(
        '[data-testid="gf-question"][data-id="green_product.green_design"] select[name^="a."]'
    ).select_option("yes")
    page.get_by_test_id("gf-submit").click()

    total = page.get_by_test_id("gf-total")
    total.wait_for()
    assert "6.8" in total.inner_text()
    assert "市级绿色工厂" in page.get_by_test_id("gf-level").inner_text()
    assert page.get_by_test_id("gf-gap").count() > 0
    page.get_by_test_id("chart-gf-groups").locator("canvas").first.wait_for()

    with page.expect_download() as info:
        page.get_by_test_id("gf-pdf").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".pdf"
    text = "".join(p.extract_text() for p in PdfReader(str(path)).pages)
    for heading in ("绿色工厂自评价报告", "各指标得分", "差距清单", "零碳工厂准备度"):
        assert heading in text, heading

"""End to end in Chromium: the cement plant's manager (seeded demo park) opens its product
footprints, the clinker page with its charts, downloads the ISO 14067 report, and a PACT client
reads the published footprint over the API."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from greenmfg.demo.dataset import DEMO_PASSWORD
from greenmfg.store.db import Database
from greenmfg.store.migrate import upgrade
from greenmfg.store.seed import seed_demo
from infra import start_uvicorn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e_fp')}/demo.db"
    db = Database(url)
    upgrade(db.engine)
    seeded = seed_demo(db)
    db.dispose()
    base, stop = start_uvicorn("greenmfg.api.app:create_app", {"GREENMFG_DATABASE_URL": url})
    try:
        yield base, seeded
    finally:
        stop()


def test_product_page_report_and_pact(page: Any, server: tuple[str, Any], tmp_path: Path) -> None:
    base, seeded = server
    page.goto(f"{base}/login")
    page.get_by_test_id("login-username").fill("ent20")
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("nav-products").click()
    page.wait_for_load_state("networkidle")
    rows = page.get_by_test_id("product-row")
    assert rows.count() == 2
    page.locator('[data-product="cement_clinker"] a').click()
    page.wait_for_load_state("networkidle")
    value = page.get_by_test_id("kpi-footprint").inner_text()
    assert "835.26" in value  # the demo's clinker, derived by hand in test_benchmarking.py
    for chart in ("hotspots", "gases", "origin"):
        page.get_by_test_id(f"chart-{chart}").locator("canvas").first.wait_for()
    with page.expect_download() as info:
        page.get_by_test_id("report-xlsx").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.read_bytes()[:2] == b"PK"

    # the customer's side: the demo PACT client reads the published clinker footprint
    assert seeded.pact_client is not None
    client_id, secret = seeded.pact_client
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    tok = httpx.post(
        f"{base}/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert tok.status_code == 200, tok.text
    auth = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    r = httpx.get(f"{base}/3/footprints", headers=auth)
    assert r.status_code == 200, r.text
    pfs = r.json()["data"]
    names = [pf["productNameCompany"] for pf in pfs]
    assert any("熟料" in n for n in names), names

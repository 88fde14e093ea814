"""End to end in Chromium: the Suzhou municipal authority (seeded demo park) sees the lines below
the base level in its city only, opens an enterprise's benchmark page and downloads the PDF."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from greenmfg.demo.dataset import DEMO_PASSWORD, demo_dataset
from greenmfg.store.db import Database
from greenmfg.store.migrate import upgrade
from greenmfg.store.models import Organisation
from greenmfg.store.seed import seed_demo
from infra import start_uvicorn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e_bench')}/demo.db"
    db = Database(url)
    upgrade(db.engine)
    seed_demo(db)
    by_name = {o.name: o.key for o in demo_dataset().orgs}
    with db.reading() as s:
        ids = {by_name[o.name]: o.id for o in s.scalars(select(Organisation))}
    db.dispose()
    base, stop = start_uvicorn("greenmfg.api.app:create_app", {"GREENMFG_DATABASE_URL": url})
    try:
        yield base, ids
    finally:
        stop()


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("networkidle")


def test_suzhou_authority_below_base_list_and_pdf(
    page: Any, server: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    base, ids = server
    login(page, base, "suzhou")
    page.get_by_test_id("nav-oversight-benchmark").click()
    page.wait_for_load_state("networkidle")
    rows = page.get_by_test_id("below-base-row")
    rows.first.wait_for()
    shown = {int(rows.nth(i).get_attribute("data-org-id")) for i in range(rows.count())}
    # 张家港 (320582) is in Suzhou; the 芜湖 clinker line and the 唐山 glass line are below base
    # too, but outside the city
    assert shown == {ids["ent21"]}
    assert ids["ent27"] not in shown and ids["ent30"] not in shown
    chart = page.get_by_test_id("chart-benchmark-distribution")
    chart.locator("canvas").first.wait_for()

    rows.first.get_by_test_id("below-base-link").click()
    page.wait_for_load_state("networkidle")
    assert re.search(rf"/enterprises/{ids['ent21']}/benchmark", page.url)
    line = page.locator('[data-testid="benchmark-line-row"][data-position="below_base"]')
    assert line.count() == 1
    page.get_by_test_id("chart-benchmark-lines").locator("canvas").first.wait_for()

    with page.expect_download() as info:
        page.get_by_test_id("benchmark-pdf").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    from greenmfg.io.pdf import cjk_font_available

    if cjk_font_available() or os.environ.get("GREENMFG_TEST_PDF"):
        assert "能效对标报告" in re.sub(r"\s+", "", text)

    # another city's line is not found, even by address
    page.goto(f"{base}/enterprises/{ids['ent27']}/benchmark")
    assert page.get_by_test_id("error-page").count() == 1

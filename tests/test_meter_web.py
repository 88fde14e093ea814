"""The enterprise's meter-data page (``greenmfg.web.meter_pages``): upload a meter list and
readings, the check running in the background with progress polled by htmx, the results (problems
by rule, monthly energy / tce / tCO2e per site and workshop, main- vs sub-meter balance, factors
with their reference ids, the Excel workbook), the same figures as ``greenmfg meters check``, bad
files, the upload limit, permissions, CSRF and both languages.

Readings are the consumption of the interval *ending* at ``ts`` (``analytics/schema.py``,
READINGS): the hourly reading at 2022-02-01 00:00 is the last hour of January.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from greenmfg.io.meter_check import check_meter_files
from greenmfg.reference.loader import get_reference
from greenmfg.store import meter_jobs
from greenmfg.web import meter_pages
from greenmfg.web.i18n import gettext
from test_web import World, build_world, by_testid, chart_option, form_csrf, logged_in

T1, T2, T3, T4 = "2022-01-31 22:00", "2022-01-31 23:00", "2022-02-01 00:00", "2022-02-01 01:00"


def meters_csv(org: int) -> str:
    """Main meter M of Plant A with two sub-meters: S1 (workshop Kiln), S2 (workshop Mill)."""
    return (
        "meter_id,enterprise_id,site,workshop,carrier,unit,parent_meter_id,interval_minutes\n"
        f"M,{org},Plant A,,electricity,kWh,,60\n"
        f"S1,{org},Plant A,Kiln,electricity,kWh,M,60\n"
        f"S2,{org},Plant A,Mill,electricity,kWh,M,60\n"
    )


# (meter, ts, value) in file order; the faults:
# - M at T2 twice (10, then 99): one duplicate, the first in the file (10) is kept
# - S1 has no reading at T3: one gap (one missing hour, 2022-02-01 00:00)
# - S2 at T3 is -5: one negative value, left out
READINGS = [
    ("M", T1, "10"),
    ("M", T2, "10"),
    ("M", T2, "99"),
    ("M", T3, "10"),
    ("M", T4, "10"),
    ("S1", T1, "6"),
    ("S1", T2, "6"),
    ("S1", T4, "6"),
    ("S2", T1, "10"),
    ("S2", T2, "10"),
    ("S2", T3, "-5"),
    ("S2", T4, "3.8"),
]
READINGS_CSV = "meter_id,ts,value\n" + "".join(f"{m},{t},{v}\n" for m, t, v in READINGS)


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = build_world(tmp_path_factory.mktemp("meters") / "meters.db")
    paths = {getattr(r, "path", "") for r in world.app.routes}
    if "/enterprises/{org_id}/meters" not in paths:  # until the lead registers the router
        world.app.include_router(meter_pages.router)
    saved = meter_jobs.WORK_ROOT
    meter_jobs.WORK_ROOT = str(tmp_path_factory.mktemp("meter-jobs"))
    yield world
    meter_jobs.WORK_ROOT = saved


def work_dirs() -> list[Path]:
    assert meter_jobs.WORK_ROOT is not None
    return list(Path(meter_jobs.WORK_ROOT).iterdir())


def page_url(world: World) -> str:
    return f"/enterprises/{world.ids['cement']}/meters"


def upload(
    c: TestClient,
    world: World,
    readings: bytes | str = READINGS_CSV,
    *,
    readings_name: str = "readings.csv",
    meters: str | None = None,
    token: str | None = "page",
    **fields: str,
) -> Any:
    if token == "page":
        token = form_csrf(c.get(page_url(world)).text)
    data = {k: v for k, v in {"csrf_token": token, **fields}.items() if v is not None}
    files = {
        "meters": ("meters.csv", (meters or meters_csv(world.ids["cement"])).encode(), "text/csv"),
        "readings": (
            readings_name,
            readings.encode() if isinstance(readings, str) else readings,
            "application/octet-stream",
        ),
    }
    return c.post(page_url(world), data=data, files=files, follow_redirects=False)


def job_id(response: Any) -> str:
    assert response.status_code == 303, response.text
    m = re.search(r"\?job=([A-Za-z0-9_-]+)$", response.headers["location"])
    assert m, response.headers["location"]
    return m.group(1)


def poll(c: TestClient, world: World, job: str) -> Any:
    return c.get(f"{page_url(world)}/jobs/{job}", headers={"HX-Request": "true"})


def wait(c: TestClient, world: World, job: str, timeout: float = 60.0) -> str:
    """Poll the job's partial as htmx does until the check ended; its final HTML."""
    deadline = time.monotonic() + timeout
    while True:
        r = poll(c, world, job)
        assert r.status_code == 200, r.text
        status = re.search(r'data-testid="meter-job" data-status="(\w+)"', r.text)
        assert status, r.text
        if status.group(1) in ("done", "failed"):
            return str(r.text)
        assert time.monotonic() < deadline, f"job {job} still {status.group(1)}"
        time.sleep(0.05)


def attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', tag))


@pytest.fixture(scope="module")
def done(mworld: World) -> dict[str, Any]:
    """One finished check of the files above (year and region left to their defaults)."""
    c = logged_in(mworld, "mgr")
    job = job_id(upload(c, mworld))
    return {"client": c, "job": job, "html": wait(c, mworld, job)}


# ------------------------------------------------------------------------------ results


def test_problems_by_rule(done: dict[str, Any]) -> None:
    html = done["html"]
    assert 'data-status="done"' in html
    counts = {attrs(t)["rule"]: int(attrs(t)["count"]) for t in by_testid(html, "meter-rule")}
    assert counts == {
        "unknown_meter": 0,
        "duplicate": 1,
        "negative": 1,
        "implausible": 0,  # S2: median of 10, 10, 3.8 is 10; no reading above 10 x 10
        "misaligned": 0,
        "gap": 1,
        "clock_backwards": 0,  # the duplicate follows its twin, so arrival order never goes back
    }
    shown = {attrs(t)["rule"] for t in by_testid(html, "meter-rule-rows")}
    assert shown == {"duplicate", "negative", "gap"}
    rows = re.findall(
        r'data-testid="meter-problem-row"><td>(\w+)</td><td class="nowrap">([^<]+)<', html
    )
    assert sorted(rows) == sorted(
        [("M", "2022-01-31 23:00"), ("S1", "2022-02-01 00:00"), ("S2", "2022-02-01 00:00")]
    )
    assert "1 missing 60-minute interval(s) from 2022-02-01 00:00 to 2022-02-01 00:00" in html


def test_monthly_energy_tce_and_emissions_by_hand(done: dict[str, Any]) -> None:
    """Clean readings per month (the reading ending at 2022-02-01 00:00 is January's):
    M (main meter, no workshop) January T1 + T2 + T3 = 3 x 10 = 30 kWh (the duplicate 99 left
    out), February T4 = 10 kWh; S1 (Kiln) January 6 + 6 = 12 kWh, February 6 kWh; S2 (Mill)
    January 10 + 10 = 20 kWh (the -5 left out), February 3.8 kWh.

    tce = kWh x 0.1229 kgce/kWh / 1000, the GB/T 2589-2020 Annex A equivalent value of
    electricity (reference row ``energy_coefficients/grid_electricity/equivalent``);
    tCO2e = kWh / 1000 x 0.5978 tCO2/MWh, the MEE/NBS 2022 average grid factor of Jiangsu
    (``electricity_factors/average/2022/320000``): the enterprise is in Suzhou (320506), so the
    region defaults to its province 320000, and the year to the readings' last year, 2022."""
    ref = get_reference()
    coal = ref.energy[("grid_electricity", "equivalent", None)]
    grid = ref.electricity[("average", 2022, "320000")]
    assert (coal.id, coal.unit) == ("energy_coefficients/grid_electricity/equivalent", "kgce/kWh")
    assert (grid.id, grid.unit) == ("electricity_factors/average/2022/320000", "tCO2/MWh")
    assert coal.value == pytest.approx(0.1229) and grid.value == pytest.approx(0.5978)
    expected = {
        ("2022-01", ""): 30.0,
        ("2022-01", "Kiln"): 12.0,
        ("2022-01", "Mill"): 20.0,
        ("2022-02", ""): 10.0,
        ("2022-02", "Kiln"): 6.0,
        ("2022-02", "Mill"): 3.8,
    }
    got = {}
    for tag in by_testid(done["html"], "meter-monthly-row"):
        a = attrs(tag)
        assert (a["site"], a["carrier"]) == ("Plant A", "electricity")
        got[(a["month"], a["workshop"])] = (float(a["energy"]), float(a["tce"]), float(a["tco2e"]))
    assert set(got) == set(expected)
    for key, kwh in expected.items():
        energy, tce, tco2e = got[key]
        assert energy == pytest.approx(kwh, rel=1e-12), key
        assert tce == pytest.approx(kwh * coal.value / 1000, rel=1e-12), key
        assert tco2e == pytest.approx(kwh / 1000 * grid.value, rel=1e-12), key
    # the factors with their reference rows
    sources = re.findall(r'data-testid="meter-factor-source">([^<]+)<', done["html"])
    assert coal.id in sources and grid.id in sources
    kpi = by_testid(done["html"], "kpi-meter-year")
    assert kpi and "2022" in done["html"].split('data-testid="kpi-meter-year"')[1][:200]


def test_stacked_chart_by_month(done: dict[str, Any]) -> None:
    option = chart_option(done["html"], "meters-tce")
    assert option["xAxis"]["data"] == ["2022-01", "2022-02"]
    series = {s["name"]: s for s in option["series"]}
    kiln, mill = series["Plant A · Kiln"], series["Plant A · Mill"]
    main = next(s for name, s in series.items() if name not in ("Plant A · Kiln", "Plant A · Mill"))
    assert kiln["stack"] == mill["stack"] == "Plant A"  # workshops stack on one bar
    assert main["stack"] != kiln["stack"]  # the main meter stands beside them
    kgce = get_reference().energy[("grid_electricity", "equivalent", None)].value
    assert kiln["data"] == pytest.approx([12 * kgce / 1000, 6 * kgce / 1000], rel=1e-5)
    assert main["data"] == pytest.approx([30 * kgce / 1000, 10 * kgce / 1000], rel=1e-5)
    assert chart_option(done["html"], "meters-tco2e")["_unit"] == "tCO2e"


def test_main_against_sub_meters(done: dict[str, Any]) -> None:
    """January: main 30 kWh, sub-meters 12 + 20 = 32 kWh, residual -2 kWh, share -2/30:
    negative, flagged. February: main 10, sub-meters 6 + 3.8 = 9.8, residual 0.2 kWh, share
    0.2/10 = 2 %: inside the 0-5 % band, not flagged."""
    rows = {attrs(t)["month"]: attrs(t) for t in by_testid(done["html"], "meter-balance-row")}
    assert set(rows) == {"2022-01", "2022-02"}
    jan, feb = rows["2022-01"], rows["2022-02"]
    assert jan["meter"] == feb["meter"] == "M"
    assert float(jan["residual"]) == pytest.approx(-2.0, abs=1e-9)
    assert float(jan["share"]) == pytest.approx(-2 / 30, rel=1e-9)
    assert jan["flag"] == "negative"
    assert float(feb["residual"]) == pytest.approx(0.2, abs=1e-9)
    assert float(feb["share"]) == pytest.approx(0.02, rel=1e-6)
    assert feb["flag"] == ""
    assert "1" in done["html"].split('data-testid="kpi-meter-flagged"')[1][:200]


def test_excel_download_and_same_figures_as_the_cli(
    mworld: World, done: dict[str, Any], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from greenmfg.meters_cli import meters_app

    c = done["client"]
    r = c.get(f"{page_url(mworld)}/jobs/{done['job']}/report.xlsx")
    assert r.status_code == 200, r.text
    web = openpyxl.load_workbook(io.BytesIO(r.content))
    assert web.sheetnames == ["Problems", "Monthly", "Balance", "Factors"]
    (tmp_path / "readings.csv").write_text(READINGS_CSV, encoding="utf-8")
    (tmp_path / "meters.csv").write_text(meters_csv(mworld.ids["cement"]), encoding="utf-8")
    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(
        meters_app,
        [
            "check",
            str(tmp_path / "readings.csv"),
            str(tmp_path / "meters.csv"),
            "--year",
            "2022",
            "--region",
            "320000",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    cli = openpyxl.load_workbook(out)
    for name in cli.sheetnames:
        assert [list(r) for r in web[name].iter_rows(values_only=True)] == [
            list(r) for r in cli[name].iter_rows(values_only=True)
        ], name


def test_parquet_readings_give_the_same_figures(mworld: World, done: dict[str, Any]) -> None:
    table = pa.table(
        {
            "meter_id": [m for m, _t, _v in READINGS],
            "ts": pa.array(
                [dt.datetime.fromisoformat(t) for _m, t, _v in READINGS],
                pa.timestamp("us"),
            ),
            "value": [float(v) for _m, _t, v in READINGS],
            "seq": list(range(2, len(READINGS) + 2)),  # the CSV's line numbers: same arrival order
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    c = done["client"]
    job = job_id(upload(c, mworld, buf.getvalue(), readings_name="readings.parquet"))
    html = wait(c, mworld, job)

    def figures(text: str) -> list[tuple[str, ...]]:
        return sorted(
            tuple(attrs(t)[k] for k in ("month", "workshop", "energy", "tce", "tco2e"))
            for t in by_testid(text, "meter-monthly-row")
        )

    assert figures(html) == figures(done["html"])


def test_page_without_javascript_shows_the_result(mworld: World, done: dict[str, Any]) -> None:
    c = done["client"]
    r = c.get(f"{page_url(mworld)}?job={done['job']}")
    assert r.status_code == 200
    assert by_testid(r.text, "meter-monthly-row") and by_testid(r.text, "meter-upload-form")
    assert 'hx-trigger="every 1s"' not in r.text  # ended: nothing polls
    assert 'http-equiv="refresh"' not in r.text
    assert by_testid(r.text, "meter-job-row")  # the user's recent checks
    # a plain request of the job URL goes to the page
    r = c.get(f"{page_url(mworld)}/jobs/{done['job']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"?job={done['job']}")


# ------------------------------------------------------------------------------ progress


def test_polling_while_the_check_waits_then_stops(mworld: World) -> None:
    c = logged_in(mworld, "mgr")
    gate = threading.Event()
    blocker = meter_jobs.executor().submit(gate.wait, 30)  # the one worker is busy
    try:
        job = job_id(upload(c, mworld))
        r = poll(c, mworld, job)
        assert r.status_code == 200
        assert 'data-status="queued"' in r.text
        assert 'hx-trigger="every 1s"' in r.text and f"/meters/jobs/{job}" in r.text
        assert by_testid(r.text, "meter-job-progress")
        page = c.get(f"{page_url(mworld)}?job={job}").text  # no JavaScript: the page reloads
        assert 'http-equiv="refresh"' in page and 'data-status="queued"' in page
        snapshot = meter_jobs.get_job(
            job, user_id=_user_id(mworld, "mgr"), org_id=mworld.ids["cement"]
        )
        assert snapshot is not None and snapshot.progress_text.startswith("waiting")
    finally:
        gate.set()
        blocker.result(timeout=30)
    html = wait(c, mworld, job)
    assert 'data-status="done"' in html and 'hx-trigger="every 1s"' not in html
    assert work_dirs() == []  # the uploaded files are gone with the job


def test_progress_reports_the_conversion(tmp_path: Path) -> None:
    """The job's stages as the runner reports them: converting CSV with a percentage, then
    validating and aggregating."""
    seen: list[tuple[str, float, int | None]] = []
    (tmp_path / "r.csv").write_text(READINGS_CSV, encoding="utf-8")
    (tmp_path / "m.csv").write_text(meters_csv(1), encoding="utf-8")
    check = check_meter_files(
        tmp_path / "m.csv",
        tmp_path / "r.csv",
        tmp_path,
        ref=get_reference(),
        year=None,
        region="320000",
        progress=lambda stage, fraction, percent: seen.append((stage, fraction, percent)),
    )
    stages = [s for s, _f, _p in seen]
    assert stages[0] == "meters" and ("converting", pytest.approx(0.6), 100) in seen
    assert stages.index("validating") < stages.index("aggregating") < stages.index("balancing")
    fractions = [f for _s, f, _p in seen]
    assert fractions == sorted(fractions)
    job = meter_jobs.MeterJob(
        "x" * 8,
        1,
        1,
        "m.csv",
        "r.csv",
        None,
        "CN",
        started_at=dt.datetime.now(dt.UTC),
        stage="converting",
        percent=40,
    )
    assert job.progress_text == "converting CSV 40 %"
    assert check.year == 2022 and check.readings == len(READINGS)


def _user_id(world: World, username: str) -> int:
    from sqlalchemy import select

    from greenmfg.store.models import User

    with world.db.reading() as s:
        return int(s.scalars(select(User.id).where(User.username == username)).one())


# ------------------------------------------------------------------------------ bad input


def test_bad_csv_fails_naming_file_row_and_field(mworld: World) -> None:
    c = logged_in(mworld, "mgr")
    bad = "meter_id,ts,value\nM,2022-01-01 01:00,1\nM,2022-01-01 02:00,abc\n"
    job = job_id(upload(c, mworld, bad, readings_name="bad-readings.csv"))
    html = wait(c, mworld, job)
    assert 'data-status="failed"' in html
    error = by_testid(html, "meter-job-error")
    assert error
    assert "bad-readings.csv, row 3, column &#39;value&#39;" in html
    assert "expected a number" in html
    assert not by_testid(html, "meter-monthly-row")
    r = c.get(f"{page_url(mworld)}/jobs/{job}/report.xlsx")
    assert r.status_code == 404  # nothing was computed
    assert work_dirs() == []


def test_bad_meter_list_fails_naming_it(mworld: World) -> None:
    c = logged_in(mworld, "mgr")
    meters = meters_csv(mworld.ids["cement"]).replace("S2,", "S2x,").replace(",60\n", ",7\n", 1)
    job = job_id(upload(c, mworld, meters=meters))
    html = wait(c, mworld, job)
    assert 'data-status="failed"' in html
    assert "meters.csv, row 2, column &#39;interval_minutes&#39;" in html


def test_form_errors_are_flashed(mworld: World) -> None:
    c = logged_in(mworld, "mgr")
    c.get("/lang/en")
    for fields, text in (
        ({"year": "22"}, "The year is a four-digit number"),
        ({"region": "Mars"}, "Choose a region from the list"),
    ):
        r = upload(c, mworld, **fields)
        assert r.status_code == 303 and r.headers["location"] == page_url(mworld)
        page = c.get(page_url(mworld)).text
        assert by_testid(page, "flash") and text in page, fields
    r = upload(c, mworld, readings_name="readings.xlsx")
    assert r.status_code == 303 and "?job=" not in r.headers["location"]
    assert "readings.xlsx" in c.get(page_url(mworld)).text
    assert work_dirs() == []


def test_upload_limit(mworld: World, monkeypatch: pytest.MonkeyPatch) -> None:
    c = logged_in(mworld, "mgr")
    c.get("/lang/en")
    monkeypatch.setattr(meter_pages, "MAX_UPLOAD_BYTES", 1024 * 1024)
    big = READINGS_CSV + "M,2022-02-01 02:00,1\n" * 60_000  # about 1.2 MB
    before = len(meter_jobs.list_jobs(user_id=_user_id(mworld, "mgr"), org_id=mworld.ids["cement"]))
    # declared by Content-Length: refused before reading
    r = upload(c, mworld, big)
    assert r.status_code == 303 and "?job=" not in r.headers["location"]
    assert "larger than 1 MB" in c.get(page_url(mworld)).text
    # streamed without a length (chunked): refused while it arrives
    token = form_csrf(c.get(page_url(mworld)).text)
    boundary = "greenmfgtestboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="meters"; filename="meters.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{meters_csv(mworld.ids['cement'])}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="readings"; filename="r.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(20):
            yield big.encode()[:100_000]
        yield f"\r\n--{boundary}--\r\n".encode()

    r = c.post(
        page_url(mworld),
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "?job=" not in r.headers["location"]
    assert "larger than 1 MB" in c.get(page_url(mworld)).text
    after = len(meter_jobs.list_jobs(user_id=_user_id(mworld, "mgr"), org_id=mworld.ids["cement"]))
    assert after == before
    assert work_dirs() == []


# ------------------------------------------------------------------------------ permissions


def test_viewer_sees_no_form_and_may_not_upload(mworld: World, done: dict[str, Any]) -> None:
    c = logged_in(mworld, "viewer")
    r = c.get(page_url(mworld))
    assert r.status_code == 200
    assert not by_testid(r.text, "meter-upload-form") and by_testid(r.text, "meters-read-only")
    token = form_csrf(r.text) if 'name="csrf_token"' in r.text else ""
    assert token  # the logout form carries it
    r = upload(c, mworld, token=token)
    assert r.status_code == 403
    # the manager's check is the manager's alone
    assert poll(c, mworld, done["job"]).status_code == 404
    assert c.get(f"{page_url(mworld)}/jobs/{done['job']}/report.xlsx").status_code == 404
    r = c.get(f"{page_url(mworld)}?job={done['job']}")
    assert r.status_code == 200 and by_testid(r.text, "meter-job-missing")
    assert not by_testid(r.text, "meter-monthly-row")


def test_other_enterprise_gets_404(mworld: World, done: dict[str, Any]) -> None:
    c = logged_in(mworld, "wx_mgr")
    assert c.get(page_url(mworld)).status_code == 404
    assert poll(c, mworld, done["job"]).status_code == 404
    assert c.get(f"{page_url(mworld)}/jobs/{done['job']}/report.xlsx").status_code == 404
    own = f"/enterprises/{mworld.ids['wuxi']}/meters"
    assert c.get(own).status_code == 200
    token = form_csrf(c.get(own).text)
    r = upload(c, mworld, token=token)  # to the cement plant's page
    assert r.status_code == 404
    # the job id under the manager's own enterprise is not found either
    r = c.get(f"{own}/jobs/{done['job']}", headers={"HX-Request": "true"})
    assert r.status_code == 404


def test_csrf_token_is_required(mworld: World) -> None:
    c = logged_in(mworld, "mgr")
    for token in (None, "wrong"):
        r = upload(c, mworld, token=token)
        assert r.status_code == 403, token
    assert work_dirs() == []


def test_login_required(mworld: World) -> None:
    c = mworld.client()
    r = c.get(page_url(mworld), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# ------------------------------------------------------------------------------ languages


def test_zh_and_en_pages(mworld: World, done: dict[str, Any]) -> None:
    c = done["client"]
    zh = c.get(f"{page_url(mworld)}?job={done['job']}")
    assert zh.status_code == 200 and '<html lang="zh-CN">' in zh.text
    _ = gettext("zh")
    for msgid in ("Meter data", "Problems by rule", "Main meters against their sub-meters"):
        assert _(msgid) in zh.text, msgid  # Chinese once the catalogue has it
    c.get("/lang/en")
    try:
        en = c.get(f"{page_url(mworld)}?job={done['job']}")
        assert en.status_code == 200 and '<html lang="en">' in en.text
        for text in ("Meter data", "Problems by rule", "Duplicate reading", "Coefficients used"):
            assert text in en.text
        part = poll(c, mworld, done["job"])
        assert "Monthly energy, standard coal and emissions" in part.text
        assert "<html" not in part.text  # a fragment
    finally:
        c.get("/lang/zh")


# ------------------------------------------------------------------------------ band, expiry


@pytest.mark.parametrize(
    ("share", "main", "sub_sum", "flag"),
    [
        (0.0, 10.0, 10.0, ""),
        (0.05, 100.0, 95.0, ""),  # the band's edge is inside: 0 <= share <= 5 %
        (0.0501, 100.0, 94.99, "high"),
        (-0.001, 1000.0, 1001.0, "negative"),
        (None, 0.0, 3.0, "no_main"),
        (None, 0.0, 0.0, ""),
    ],
)
def test_balance_band(share: float | None, main: float, sub_sum: float, flag: str) -> None:
    assert meter_jobs.RESIDUAL_BAND == (0.0, 0.05)
    assert meter_jobs.balance_flag(share, main, sub_sum) == flag


def test_results_expire(mworld: World) -> None:
    c = logged_in(mworld, "mgr")
    job = job_id(upload(c, mworld))
    wait(c, mworld, job)
    assert c.get(f"{page_url(mworld)}/jobs/{job}/report.xlsx").status_code == 200
    with meter_jobs._lock:  # this job ended an hour and a second ago
        meter_jobs._jobs[job].ended = time.monotonic() - meter_jobs.JOB_TTL_SECONDS - 1
    r = poll(c, mworld, job)
    assert r.status_code == 404 and 'hx-trigger="every 1s"' not in r.text
    page = c.get(f"{page_url(mworld)}?job={job}")
    assert page.status_code == 200 and by_testid(page.text, "meter-job-missing")
    assert c.get(f"{page_url(mworld)}/jobs/{job}/report.xlsx").status_code == 404

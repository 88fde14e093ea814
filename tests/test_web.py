"""The web pages (``greenmfg.web``) through FastAPI's TestClient: login, CSRF, dashboards, upload,
inventory drill-down, Excel export, portfolios by jurisdiction, language switch, tenant isolation."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.api.app import create_app
from greenmfg.reference.loader import get_reference
from greenmfg.store import admin
from greenmfg.store.activities import import_activities
from greenmfg.store.db import Database
from greenmfg.store.migrate import upgrade
from greenmfg.store.models import ActivityRecord, ActivityVersion, AuditEntry, InventoryResult
from greenmfg.store.scope import load_principal

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CEMENT = EXAMPLES / "cement_plant.xlsx"
PASSWORD = "demo1234"
WEB = Path(__file__).resolve().parent.parent / "src" / "greenmfg" / "web"


# ------------------------------------------------------------------------------ fixtures


class World:
    """A small platform: a Suzhou enterprise with 2022/2023 data (in a park, with a verifier),
    a Wuxi enterprise, municipal authorities of both cities, and one user per role."""

    def __init__(self, db: Database, ids: dict[str, int]) -> None:
        self.db = db
        self.ids = ids
        self.app = create_app(db=db)

    def client(self) -> TestClient:
        return TestClient(self.app)

    def count(self, model: Any) -> int:
        with self.db.reading() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


def build_world(path: Path) -> World:
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    sys_ = admin.SYSTEM
    with db.writing() as s:
        park = admin.create_organisation(
            s, sys_, kind="park", name="苏州绿色制造产业园", region_code="320505"
        )
        cement = admin.create_organisation(
            s,
            sys_,
            kind="enterprise",
            name="吴中示范水泥有限公司",
            name_en="Wuzhong Demo Cement",
            region_code="320506",
            industry_code="C3011",
            park_id=park.id,
        )
        wuxi = admin.create_organisation(
            s,
            sys_,
            kind="enterprise",
            name="新吴示范电子有限公司",
            name_en="Xinwu Demo Electronics",
            region_code="320214",
            industry_code="C3973",
        )
        suzhou = admin.create_organisation(
            s, sys_, kind="authority", name="苏州市工信局", region_code="320500", level="municipal"
        )
        wuxi_auth = admin.create_organisation(
            s, sys_, kind="authority", name="无锡市工信局", region_code="320200", level="municipal"
        )
        body = admin.create_organisation(
            s, sys_, kind="verifier", name="示范核查机构", region_code="320102"
        )
        admin.assign_verifier(s, sys_, body, cement)
        users = {}
        for username, org, role in [
            ("mgr", cement, "manager"),
            ("viewer", cement, "viewer"),
            ("wx_mgr", wuxi, "manager"),
            ("sz_auth", suzhou, "authority"),
            ("wx_auth", wuxi_auth, "authority"),
            ("checker", body, "verifier"),
            ("parkadm", park, "park_admin"),
            ("victim", cement, "viewer"),
        ]:
            users[username] = admin.create_user(s, sys_, username=username, password=PASSWORD)
            admin.grant(s, sys_, users[username], org, role)
        admin.create_user(s, sys_, username="root", password=PASSWORD, is_admin=True)
        mgr = load_principal(s, users["mgr"])
        import_activities(s, get_reference(), mgr, cement.id, CEMENT.read_bytes(), CEMENT.name)
        wx = load_principal(s, users["wx_mgr"])
        import_activities(
            s, get_reference(), wx, wuxi.id, CEMENT.read_bytes(), CEMENT.name, year=None
        )
        ids = {"cement": cement.id, "wuxi": wuxi.id, "park": park.id}
    return World(db, ids)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("web") / "web.db")


@pytest.fixture
def fresh_world(tmp_path: Path) -> World:
    return build_world(tmp_path / "fresh.db")


def page_csrf(text: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', text)
    assert m, "page has no CSRF token"
    return m.group(1)


def form_csrf(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m, "form has no csrf_token field"
    return m.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    r = client.get("/login")
    assert r.status_code == 200
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_csrf(r.text)},
        follow_redirects=False,
    )


def logged_in(world: World, username: str) -> TestClient:
    c = world.client()
    r = login(c, username)
    assert r.status_code == 303, r.text
    return c


def by_testid(text: str, name: str) -> list[str]:
    """The opening tags carrying ``data-testid="name"``."""
    return re.findall(rf'<[^>]*data-testid="{re.escape(name)}"[^>]*>', text)


def chart_option(text: str, name: str) -> dict[str, Any]:
    tags = by_testid(text, f"chart-{name}")
    assert tags, f"no chart-{name} on the page"
    m = re.search(r"data-chart='([^']*)'", tags[0])
    assert m
    return json.loads(html.unescape(m.group(1)))


def db_counts(world: World) -> tuple[int, int, int, int]:
    return (
        world.count(ActivityRecord),
        world.count(ActivityVersion),
        world.count(AuditEntry),
        world.count(InventoryResult),
    )


def malformed_workbook() -> bytes:
    wb = openpyxl.load_workbook(CEMENT)
    ws = wb["activities"]
    ws["E3"] = "lots"  # amount: not a number
    ws["D5"] = "unobtainium"  # item: not in the catalogue
    ws["F7"] = "furlongs"  # unit: a length for a mass
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------ login, session, CSRF


def test_login_page_and_good_login(world: World) -> None:
    c = world.client()
    r = c.get("/login")
    assert r.status_code == 200
    assert by_testid(r.text, "login-form")
    assert 'name="csrf_token"' in r.text
    r = login(c, "mgr")
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/enterprises/{world.ids['cement']}"


def test_login_next_is_local_only(world: World) -> None:
    c = world.client()
    r = c.get("/login?next=//evil.example/x")
    token = form_csrf(r.text)
    r = c.post(
        "/login",
        data={
            "username": "mgr",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("checker", "/verifier"),
        ("sz_auth", "/portfolio"),
        ("parkadm", "/portfolio"),
        ("root", "/portfolio"),
    ],
)
def test_home_by_role(world: World, username: str, home: str) -> None:
    c = logged_in(world, username)
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == home


def test_bad_login(world: World) -> None:
    c = world.client()
    r = login(c, "mgr", "not-the-password")
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert by_testid(r.text, "login-error")
    r = c.get("/enterprises/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_rate_limited_after_five_failures(world: World) -> None:
    c = world.client()
    for _ in range(5):
        assert login(c, "victim", "wrong-password").status_code == 401
    r = login(c, "victim", PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "登录失败次数过多" in r.text


def test_login_without_csrf_token_is_rejected(world: World) -> None:
    c = world.client()
    c.get("/login")
    r = c.post("/login", data={"username": "mgr", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = c.get("/", follow_redirects=False)
    assert r.headers["location"].startswith("/login")  # no session was started


def test_unsafe_methods_need_the_csrf_token(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    before = db_counts(world)
    r = c.post(f"/enterprises/{org}/years/2022/comments", data={"body": "hello"})
    assert r.status_code == 403
    assert by_testid(r.text, "error-page")
    r = c.post(
        f"/enterprises/{org}/upload",
        files={"file": (CEMENT.name, CEMENT.read_bytes(), "application/octet-stream")},
    )
    assert r.status_code == 403
    r = c.post("/logout", follow_redirects=False)
    assert r.status_code == 403
    assert db_counts(world) == before
    # with the token (as a form field, or as the header htmx sends) the same requests work
    token = page_csrf(c.get(f"/enterprises/{org}").text)
    r = c.post(
        f"/enterprises/{org}/years/2022/comments",
        data={"body": "请核对熟料产量", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = c.get(f"/enterprises/{org}/years/2022")
    assert "请核对熟料产量" in r.text
    r = c.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert c.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_unauthenticated_pages_redirect_to_login(world: World) -> None:
    c = world.client()
    org = world.ids["cement"]
    for url in (f"/enterprises/{org}", "/portfolio", "/verifier", f"/enterprises/{org}/upload"):
        r = c.get(url, follow_redirects=False)
        assert r.status_code == 303, url
        assert r.headers["location"].startswith("/login?next=")
    r = c.get("/portfolio/table", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.headers.get("hx-redirect", "").startswith("/login")


# ------------------------------------------------------------------------------ enterprise pages


def test_enterprise_dashboard_renders_chart_data(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    r = c.get(f"/enterprises/{org}?year=2022")
    assert r.status_code == 200
    with world.db.reading() as s:
        from greenmfg.store.queries import enterprise_years

        years = {
            y["year"]: y["summary"]
            for y in enterprise_years(s, load_principal_by_name(s, "mgr"), org)["years"]
        }
    scope = chart_option(r.text, "scope")
    values = [d["value"] for d in scope["series"][0]["data"]]
    assert values == pytest.approx(
        [
            years[2022]["scope1_tco2e"],
            years[2022]["scope2_location_tco2e"],
            years[2022]["scope2_market_tco2e"],
        ],
        abs=1e-3,
    )
    trend = chart_option(r.text, "trend")
    assert trend["xAxis"]["data"] == ["2022", "2023"]
    assert chart_option(r.text, "category")["series"][0]["data"]
    assert chart_option(r.text, "energy")["series"][0]["data"]
    # figures with thousands separators and units; the year's status; product intensities
    total = f"{years[2022]['total_tco2e']:,.0f}"
    assert total in r.text and "tCO2e" in r.text and "tce" in r.text
    assert by_testid(r.text, "status-badge")
    assert by_testid(r.text, "intensity-row")
    assert by_testid(r.text, "upload-link")  # a manager may upload
    assert '<script src="/static/vendor/echarts.min.js"' in r.text


def load_principal_by_name(session: Any, username: str) -> Any:
    from greenmfg.store.models import User

    user = session.scalars(select(User).where(User.username == username)).one()
    return load_principal(session, user)


def test_viewer_sees_but_may_not_upload(world: World) -> None:
    c = logged_in(world, "viewer")
    org = world.ids["cement"]
    r = c.get(f"/enterprises/{org}")
    assert r.status_code == 200
    assert not by_testid(r.text, "upload-link")
    r = c.get(f"/enterprises/{org}/upload")
    assert r.status_code == 403
    assert by_testid(r.text, "error-page")


def test_malformed_upload_lists_every_problem_and_stores_nothing(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    page = c.get(f"/enterprises/{org}/upload")
    assert by_testid(page.text, "upload-input")
    token = form_csrf(page.text)
    before = db_counts(world)
    r = c.post(
        f"/enterprises/{org}/upload",
        data={"csrf_token": token},
        files={"file": ("bad.xlsx", malformed_workbook(), "application/octet-stream")},
    )
    assert r.status_code == 422
    assert by_testid(r.text, "problem-table")
    rows = re.findall(
        r'data-testid="problem-row-number">([^<]*)</td>\s*<td data-testid="problem-column"><code>([^<]*)</code>',
        r.text,
    )
    assert rows == [("3", "amount"), ("5", "item"), ("7", "unit")]
    assert "lots" in r.text and "unobtainium" in r.text and "furlongs" in r.text
    assert by_testid(r.text, "nothing-stored")
    assert "未保存任何数据" in r.text
    assert db_counts(world) == before


def test_upload_via_htmx_returns_the_result_fragment(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    token = page_csrf(c.get(f"/enterprises/{org}/upload").text)
    before = db_counts(world)
    r = c.post(
        f"/enterprises/{org}/upload",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        files={"file": ("bad.xlsx", malformed_workbook(), "application/octet-stream")},
    )
    assert r.status_code == 422
    assert "<html" not in r.text and by_testid(r.text, "problem-table")
    r = c.post(
        f"/enterprises/{org}/upload",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        files={"file": ("notes.txt", b"hello", "text/plain")},
    )
    assert r.status_code == 422 and "expected a .csv or .xlsx file" in r.text
    r = c.post(f"/enterprises/{org}/upload", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert r.status_code == 400 and by_testid(r.text, "upload-error")
    assert db_counts(world) == before


def test_upload_of_the_cement_example_succeeds(fresh_world: World) -> None:
    c = logged_in(fresh_world, "mgr")
    org = fresh_world.ids["cement"]
    token = form_csrf(c.get(f"/enterprises/{org}/upload").text)
    versions = fresh_world.count(ActivityVersion)
    r = c.post(
        f"/enterprises/{org}/upload",
        data={"csrf_token": token, "reason": "second import"},
        files={"file": (CEMENT.name, CEMENT.read_bytes(), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    assert by_testid(r.text, "upload-success")
    imported = re.findall(
        r'data-testid="imported-version">\s*<td>(\d{4})</td>\s*<td class="num">(\d+)</td>', r.text
    )
    assert imported == [("2022", "2"), ("2023", "2")]
    assert f'href="/enterprises/{org}/years/2022"' in r.text
    assert fresh_world.count(ActivityVersion) == versions + 2
    r = c.get(f"/enterprises/{org}/years/2023")
    assert len(by_testid(r.text, "version-row")) == 2


def test_inventory_page_shows_factor_sources_and_lines(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    r = c.get(f"/enterprises/{org}/years/2022")
    assert r.status_code == 200
    sources = re.findall(r'data-testid="factor-source">([^<]+)<', r.text)
    assert "GB/T 2589-2008 综合能耗计算通则" in sources
    assert any("GB/T 32150-2015" in s for s in sources)
    assert "conf-row-unverified" in r.text  # unverified factors are highlighted
    assert by_testid(r.text, "export-xlsx")
    assert by_testid(r.text, "category-row")
    assert by_testid(r.text, "submit-form")  # a manager submits a draft
    # the drill-down of a category: its lines, each with factors, sources and the formula
    r = c.get(
        f"/enterprises/{org}/years/2022/lines?category=fuel_combustion",
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert len(by_testid(r.text, "line")) == 4
    assert "中国钢铁生产企业温室气体排放核算方法与报告指南（试行）" in r.text
    assert "E_CO2 = sum_i AD_i * NCV_i * CC_i * OF_i * 44/12" in r.text
    assert "measured, cement_plant.xlsx row 2" in r.text
    # without JavaScript the same lines open inside the full page
    r = c.get(f"/enterprises/{org}/years/2022?category=process")
    assert by_testid(r.text, "category-lines")
    # another method's inventory
    r = c.get(f"/enterprises/{org}/years/2022?method=iso14064")
    assert r.status_code == 200 and "ISO 14064" in r.text


def test_export_returns_a_valid_workbook(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    r = c.get(f"/enterprises/{org}/years/2022/export.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.headers["content-disposition"].startswith("attachment;")
    assert ".xlsx" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert "汇总 summary" in wb.sheetnames and "因子来源 factors" in wb.sheetnames
    r = c.get(f"/enterprises/{org}/years/2022/export.xlsx?lang=en&method=ghgp&version=1")
    assert r.status_code == 200
    openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    r = c.get(f"/enterprises/{org}/years/1999/export.xlsx")
    assert r.status_code == 404


def test_submit_verify_and_return(fresh_world: World) -> None:
    org = fresh_world.ids["cement"]
    mgr = logged_in(fresh_world, "mgr")
    token = page_csrf(mgr.get(f"/enterprises/{org}/years/2023").text)
    r = mgr.post(
        f"/enterprises/{org}/years/2023/submit",
        data={"csrf_token": token, "note": "please check"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = mgr.get(f"/enterprises/{org}/years/2023")
    assert 'data-status="submitted"' in r.text and by_testid(r.text, "flash")
    assert not by_testid(r.text, "submit-form")
    # the verifier's queue, then a return without a note (refused) and with one
    ver = logged_in(fresh_world, "checker")
    r = ver.get("/verifier")
    rows = by_testid(r.text, "pending-row")
    assert len(rows) == 1 and 'data-year="2023"' in rows[0]
    r = ver.get(f"/enterprises/{org}/years/2023")
    assert by_testid(r.text, "decide-form") and by_testid(r.text, "comment-form")
    token = page_csrf(r.text)
    r = ver.post(
        f"/enterprises/{org}/years/2023/decide",
        data={"csrf_token": token, "action": "return"},
    )
    assert "needs a note" in r.text and 'data-status="submitted"' in r.text
    ver.post(
        f"/enterprises/{org}/years/2023/decide",
        data={"csrf_token": token, "action": "return", "note": "CaO 化验单缺失"},
    )
    r = mgr.get(f"/enterprises/{org}/years/2023")
    assert 'data-status="returned"' in r.text and "CaO 化验单缺失" in r.text
    # the manager may not decide
    token = page_csrf(r.text)
    r = mgr.post(
        f"/enterprises/{org}/years/2023/decide", data={"csrf_token": token, "action": "verify"}
    )
    assert r.status_code == 403


# ------------------------------------------------------------------------------ portfolio


def test_portfolio_by_jurisdiction(world: World) -> None:
    sz = logged_in(world, "sz_auth")
    r = sz.get("/portfolio")
    assert r.status_code == 200
    rows = by_testid(r.text, "portfolio-row")
    assert [re.search(r'data-org-id="(\d+)"', t).group(1) for t in rows] == [  # type: ignore[union-attr]
        str(world.ids["cement"])
    ]
    assert "苏州市" in r.text and "C30 非金属矿物制品业" in r.text
    for name in ("industry", "region", "status"):
        assert chart_option(r.text, name)["series"]
    assert by_testid(r.text, "status-counts")
    # a municipal authority of another city sees none of Suzhou's enterprises
    wx = logged_in(world, "wx_auth")
    r = wx.get("/portfolio")
    ids = re.findall(r'data-testid="portfolio-row" data-org-id="(\d+)"', r.text)
    assert str(world.ids["cement"]) not in ids
    assert ids == [str(world.ids["wuxi"])]
    assert "吴中示范水泥" not in r.text
    r = wx.get(f"/enterprises/{world.ids['cement']}")
    assert r.status_code == 404
    # the park administrator sees its park's enterprise
    park = logged_in(world, "parkadm")
    ids = re.findall(
        r'data-testid="portfolio-row" data-org-id="(\d+)"', park.get("/portfolio").text
    )
    assert ids == [str(world.ids["cement"])]


def test_portfolio_filters_and_sorting(world: World) -> None:
    root = logged_in(world, "root")
    r = root.get("/portfolio")
    assert len(by_testid(r.text, "portfolio-row")) == 2
    r = root.get(
        "/portfolio/table?year=2022&industry=c30&sort=name&desc=0",
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert r.headers["hx-push-url"].startswith("/portfolio?")
    assert "industry=C30" in r.headers["hx-push-url"]
    ids = re.findall(r'data-testid="portfolio-row" data-org-id="(\d+)"', r.text)
    assert ids == [str(world.ids["cement"])]
    r = root.get("/portfolio?region=3202")
    ids = re.findall(r'data-testid="portfolio-row" data-org-id="(\d+)"', r.text)
    assert ids == [str(world.ids["wuxi"])]
    r = root.get("/portfolio?q=%E6%96%B0%E5%90%B4")  # 新吴
    assert re.findall(r'data-testid="portfolio-row" data-org-id="(\d+)"', r.text) == [
        str(world.ids["wuxi"])
    ]
    r = root.get("/portfolio?status=verified")
    assert by_testid(r.text, "portfolio-empty")
    r = root.get("/portfolio?sort=bogus&industry=%27%3Cscript%3E&region=abc&status=x")
    assert r.status_code == 200 and "<script>" not in r.text.split("<body>", 1)[1]


# ------------------------------------------------------------------------------ language, isolation


def test_language_switch(world: World) -> None:
    c = logged_in(world, "mgr")
    org = world.ids["cement"]
    r = c.get(f"/enterprises/{org}")
    assert '<html lang="zh-CN">' in r.text and "企业概览" in r.text
    assert by_testid(r.text, "lang-en")
    r = c.get(f"/lang/en?next=/enterprises/{org}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/enterprises/{org}"
    r = c.get(f"/enterprises/{org}")
    assert '<html lang="en">' in r.text
    assert "Enterprise dashboard" in r.text and "Scope 1" in r.text
    assert "企业概览" not in r.text
    assert by_testid(r.text, "lang-zh")
    r = c.get("/lang/zh?next=https://evil.example/", follow_redirects=False)
    assert r.headers["location"] == "/"
    assert "企业概览" in c.get(f"/enterprises/{org}").text
    # the login page follows the session's language too
    anon = world.client()
    anon.get("/lang/en")
    assert "Log in" in anon.get("/login").text


def test_another_tenants_enterprise_is_not_found(world: World) -> None:
    c = logged_in(world, "mgr")
    other = world.ids["wuxi"]
    for url in (
        f"/enterprises/{other}",
        f"/enterprises/{other}/years/2022",
        f"/enterprises/{other}/years/2022/export.xlsx",
        f"/enterprises/{other}/upload",
        "/enterprises/999999",
    ):
        r = c.get(url)
        assert r.status_code == 404, url
        assert by_testid(r.text, "error-page")
        assert "新吴" not in r.text
    r = c.get(
        f"/enterprises/{other}/years/2022/lines?category=process", headers={"HX-Request": "true"}
    )
    assert r.status_code == 404
    token = page_csrf(c.get(f"/enterprises/{world.ids['cement']}").text)
    r = c.post(f"/enterprises/{other}/years/2022/submit", data={"csrf_token": token})
    assert r.status_code == 404


# ------------------------------------------------------------------------------ assets, translations


def test_static_assets_are_served(world: World) -> None:
    c = world.client()
    for path in (
        "/static/vendor/htmx.min.js",
        "/static/vendor/echarts.min.js",
        "/static/app.js",
        "/static/app.css",
    ):
        r = c.get(path)
        assert r.status_code == 200, path
    assert "htmx" in c.get("/static/vendor/htmx.min.js").text[:2000]
    assert (WEB / "static" / "vendor" / "LICENSE.htmx").is_file()
    assert (WEB / "static" / "vendor" / "LICENSE.echarts").is_file()


def test_every_message_has_a_chinese_translation() -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with (WEB / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [
        m.id
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert missing == []
    extracted = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(WEB),
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
        )
    }
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert sorted(extracted - ids) == []

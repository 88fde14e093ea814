"""The web pages: server-rendered HTML (Jinja2), enhanced with htmx and ECharts.

Every read and write goes through the store (:mod:`greenmfg.store`), which applies the
permissions; a page the user may not see answers with a friendly 404 (or 403 when the user sees
the thing but may not do this to it). Pages need a browser session (``/login``); unsafe methods
check the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``, which
``static/app.js`` adds to htmx requests). The language (``zh`` by default, ``en``) is kept in
``request.session["locale"]`` (``/lang/en``, ``/lang/zh``).
"""

from __future__ import annotations

import functools
import inspect
import math
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from babel.numbers import format_decimal
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from greenmfg.accounting.flags import FLAG_TEXT, Flag
from greenmfg.api.deps import (
    DbDep,
    OptionalPrincipal,
    OrgId,
    RefDep,
    YearPath,
    check_csrf,
    csrf_token,
    end_session,
    start_session,
)
from greenmfg.store import workflow
from greenmfg.store.activities import (
    DEFAULT_METHOD,
    MAX_UPLOAD_BYTES,
    METHODS,
    Conflict,
    ImportProblems,
    import_activities,
)
from greenmfg.store.auth import RateLimited, check_password
from greenmfg.store.db import Database
from greenmfg.store.models import STATUSES, InventoryResult
from greenmfg.store.queries import (
    SORTABLE,
    enterprise_years,
    period_detail,
    portfolio,
    stored_inventory,
)
from greenmfg.store.reports import XLSX, inventory_workbook
from greenmfg.store.scope import Access, Forbidden, NotFound, Principal, enterprises, require
from greenmfg.web import charts
from greenmfg.web.i18n import BABEL_LOCALES, LANGS, N_, gettext, load_all, ngettext, normalise
from greenmfg.web.labels import (
    industry_choices,
    industry_label,
    industry_name,
    item_name,
    region_choices,
    region_label,
)

router = APIRouter(include_in_schema=False)
load_all()  # read the translation catalogues when the app starts (a broken .po fails here)

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_SIZE = 100  # portfolio rows per page
MAX_LINES = 500  # inventory lines shown per category (the Excel export has them all)
PORTFOLIO_ROLES = {"park_admin", "authority", "admin"}

STATUS_NAMES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "verified": N_("Verified"),
    "returned": N_("Returned"),
    "none": N_("No data"),
}
ROLE_NAMES = {
    "manager": N_("Energy and carbon manager"),
    "viewer": N_("Viewer"),
    "park_admin": N_("Park administrator"),
    "authority": N_("Industry authority"),
    "verifier": N_("Verifier"),
    "admin": N_("Platform administrator"),
}
ENERGY_BASIS_NAMES = {
    "equivalent": N_("equivalent value"),
    "equal": N_("equal value"),
}
METHOD_NAMES = {"gbt32150": "GB/T 32150", "iso14064": "ISO 14064-1", "ghgp": "GHG Protocol"}
CONFIDENCE_NAMES = {
    "official": N_("official"),
    "secondary": N_("secondary"),
    "unverified": N_("unverified"),
    "measured": N_("measured"),
}
SORT_LABELS = {
    "name": N_("Enterprise"),
    "industry_code": N_("Industry"),
    "region_code": N_("Region"),
    "status": N_("Status"),
    "total_tco2e": N_("Total (tCO2e)"),
    "scope1_tco2e": N_("Scope 1 (tCO2e)"),
    "scope2_location_tco2e": N_("Scope 2 (tCO2e)"),
    "energy_tce": N_("Energy (tce)"),
    "output_value": N_("Output (10⁴ CNY)"),
    "tco2e_per_output": N_("tCO2e per 10⁴ CNY"),
}
_FLAG_BY_EN = {en: zh for zh, en in FLAG_TEXT.values()}
_INDUSTRY = re.compile(r"[A-Za-z]\d{0,4}|")
_REGION = re.compile(r"\d{0,6}")


# ------------------------------------------------------------------------------ formatting


def fmt_num(value: Any, digits: int = 0, lang: str = "zh") -> str:
    """``1234567.8`` -> ``1,234,568`` (thousands separators of the locale); ``—`` for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[normalise(lang)])


def fmt_factor(value: Any, lang: str = "zh") -> str:
    """A coefficient with up to six decimals, as stored (``0.02618``, ``3.666667``)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.######", locale=BABEL_LOCALES[normalise(lang)])


def fmt_time(value: str | None) -> str:
    """Stored ISO-8601 UTC timestamp -> ``2024-05-01 08:30 UTC``."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


@cache
def environment(lang: str) -> Environment:
    """The Jinja2 environment of one language (translations installed, filters bound)."""
    load_all()
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext(lang), ngettext(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = lambda v, digits=0: fmt_num(v, digits, lang)
    env.filters["factor"] = lambda v: fmt_factor(v, lang)
    env.filters["time"] = fmt_time
    env.globals.update(
        lang=lang,
        industry_label=lambda c: industry_label(c, lang),
        industry_name=lambda c: industry_name(c, lang),
        region_label=lambda c: region_label(c, lang),
        item_name=lambda i: item_name(i, lang),
        flag_text=lambda text: _FLAG_BY_EN.get(text, text) if lang == "zh" else text,
        quality_text=lambda code: _quality_text(code, lang),
        status_names=STATUS_NAMES,
        role_names=ROLE_NAMES,
        method_names=METHOD_NAMES,
        energy_basis_names=ENERGY_BASIS_NAMES,
        confidence_names=CONFIDENCE_NAMES,
        methods=METHODS,
    )
    return env


def _quality_text(code: str, lang: str) -> str:
    try:
        zh, en = FLAG_TEXT[Flag[code]]
    except KeyError:
        return code
    return zh if lang == "zh" else en


# ------------------------------------------------------------------------------ helpers


def request_lang(request: Request) -> str:
    """The page language: the one chosen in this session, else the user's, else the default."""
    chosen = request.session.get("locale") or getattr(request.state, "locale_pref", None)
    default = getattr(getattr(request.app.state, "settings", None), "default_locale", "zh")
    return normalise(chosen or default)


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )


def nav_items(principal: Principal | None) -> list[tuple[str, str, str]]:
    """(href, label msgid, testid) of the header navigation for ``principal``'s roles."""
    if principal is None:
        return []
    items: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    for g in principal.grants:
        if g.role in ("manager", "viewer") and g.org_id not in seen:
            seen.add(g.org_id)
            items.append((f"/enterprises/{g.org_id}", N_("My enterprise"), "nav-enterprise"))
            items.append(
                (f"/enterprises/{g.org_id}/green-factory", N_("Green factory"), "nav-green-factory")
            )
            items.append(
                (f"/enterprises/{g.org_id}/benchmark", N_("Energy benchmark"), "nav-benchmark")
            )
            items.append(
                (f"/enterprises/{g.org_id}/products", N_("Product footprints"), "nav-products")
            )
            items.append(
                (
                    f"/enterprises/{g.org_id}/footprint-requests",
                    N_("Footprint requests"),
                    "nav-footprint-requests",
                )
            )
            items.append((f"/enterprises/{g.org_id}/meters", N_("Meter data"), "nav-meters"))
    roles = principal.roles()
    if roles & PORTFOLIO_ROLES:
        items.append(("/portfolio", N_("Portfolio"), "nav-portfolio"))
        items.append(("/oversight/benchmark", N_("Benchmark oversight"), "nav-oversight-benchmark"))
        items.append(("/oversight/targets", N_("2030 targets"), "nav-oversight-targets"))
    if "verifier" in roles:
        items.append(("/verifier", N_("Verification"), "nav-verifier"))
    return items


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = request_lang(request)
    env = environment(lang)
    flash = request.session.pop("flash", None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = env.get_template(template).render(
        request=request,
        csrf=csrf_token(request),
        principal=principal,
        nav=nav_items(principal),
        here=here,
        flash=flash,
        partial=is_htmx(request),
        **context,
    )
    return HTMLResponse(html, status_code=http_status, headers=headers)


def error_page(
    request: Request, status: int, message: str, principal: Principal | None = None
) -> HTMLResponse:
    titles = {
        400: N_("Bad request"),
        403: N_("Not allowed"),
        404: N_("Not found"),
        409: N_("Conflict"),
    }
    return render(
        request,
        "error.html",
        principal=principal,
        http_status=status,
        code=status,
        title=titles.get(status, N_("Error")),
        message=message,
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def download(data: bytes, filename: str, media: str) -> Response:
    """A file download (report exports); ``filename`` is percent-encoded for the header."""
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{quote(filename)}"'},
    )


def pdf_download(
    request: Request, template: str, filename: str, lang: str | None = None, **context: Any
) -> Response:
    """Render a print template in ``lang`` (default: ``?lang=`` or the page language) and send
    it as a PDF (503 without WeasyPrint)."""
    from greenmfg.io.pdf import PdfUnavailable, write_pdf

    lang = normalise(lang or request.query_params.get("lang") or request_lang(request))
    html = environment(lang).get_template(template).render(lang=lang, **context)
    try:
        data = write_pdf(html)
    except PdfUnavailable as exc:
        return Response(str(exc), status_code=503, media_type="text/plain")
    return download(data, filename, "application/pdf")


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def to_login(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or is_htmx(request):
        # come back to the page, not to a form's target or a fragment
        current = urlsplit(request.headers.get("hx-current-url", ""))
        here = current.path + (f"?{current.query}" if current.query else "") or "/"
        if current.netloc and current.netloc != request.url.netloc:
            here = "/"
    target = "/login" if here == "/" else f"/login?next={quote(here, safe='')}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return see_other(target)


def page(login: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a route (plain or ``async``): redirect to /login without a session (``login``),
    and render the store's NotFound / Forbidden and a failed CSRF check as friendly pages."""

    def friendly(request: Request, principal: Principal | None, exc: Exception) -> Response:
        _ = gettext(request_lang(request))
        if isinstance(exc, NotFound):
            return error_page(
                request, 404, _("This page does not exist, or you have no access to it."), principal
            )
        if isinstance(exc, Forbidden):
            return error_page(request, 403, _("You may not do this here."), principal)
        assert isinstance(exc, HTTPException)
        if exc.status_code == 403:
            msg = _(
                "The form has expired or was not sent from this site. Reload the page and try again."
            )
        else:
            msg = str(exc.detail)
        return error_page(request, exc.status_code, msg, principal)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Response:
                request: Request = kwargs["request"]
                principal: Principal | None = kwargs.get("principal")
                if login and principal is None:
                    return to_login(request)
                try:
                    response: Response = await fn(*args, **kwargs)
                except (NotFound, Forbidden, HTTPException) as exc:
                    return friendly(request, principal, exc)
                return response

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            request: Request = kwargs["request"]
            principal: Principal | None = kwargs.get("principal")
            if login and principal is None:
                return to_login(request)
            try:
                response: Response = fn(*args, **kwargs)
            except (NotFound, Forbidden, HTTPException) as exc:
                return friendly(request, principal, exc)
            return response

        return wrapper

    return decorate


def may(session: Session, principal: Principal, org_id: OrgId, access: Access) -> bool:
    try:
        require(session, principal, org_id, access)
    except (Forbidden, NotFound):
        return False
    return True


def home_url(principal: Principal) -> str | None:
    """Where ``principal`` lands: its enterprise, the verifier's queue or the portfolio."""
    g = principal.home()
    if g is not None:
        if g.role in ("manager", "viewer"):
            return f"/enterprises/{g.org_id}"
        if g.role == "verifier":
            return "/verifier"
        return "/portfolio"
    return "/portfolio" if principal.is_admin else None


def method_or_default(method: str | None) -> str:
    return method if method in METHODS else DEFAULT_METHOD


def flash(request: Request, kind: str, text: str, translate: bool = True) -> None:
    request.session["flash"] = {"kind": kind, "text": text, "translate": translate}


# ------------------------------------------------------------------------------ session


@router.get("/login")
@page(login=False)
def login_form(request: Request, principal: OptionalPrincipal, next: str = "/") -> Response:
    if principal is not None:
        return see_other(safe_next(next))
    return render(request, "login.html", next=safe_next(next))


@router.post("/login")
@page(login=False)
def login(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = safe_next(next)
    try:
        check_csrf(request, csrf_token)
    except HTTPException:
        return render(
            request,
            "login.html",
            http_status=403,
            next=target,
            username=username,
            error=N_("The form has expired. Please try again."),
        )
    client = request.client.host if request.client else "?"
    try:
        with db.writing() as s:
            user = check_password(s, username.strip(), password, client)
    except RateLimited as e:
        return render(
            request,
            "login.html",
            http_status=429,
            headers={"Retry-After": str(e.retry_after)},
            next=target,
            username=username,
            error=N_("Too many failed logins. Please wait a few minutes and try again."),
            retry_after=e.retry_after,
        )
    if user is None:
        return render(
            request,
            "login.html",
            http_status=401,
            next=target,
            username=username,
            error=N_("Wrong username or password."),
        )
    start_session(request, user)
    return see_other(target)


@router.post("/logout")
@page(login=False)
def logout(
    request: Request, principal: OptionalPrincipal, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    end_session(request)
    return see_other("/login")


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Choose the page language (kept in the session) and go back to the page."""
    if lang in LANGS:
        request.session["locale"] = lang
    back = next
    if back is None:
        ref = request.headers.get("referer", "")
        base = str(request.base_url)
        back = "/" + ref[len(base) :] if ref.startswith(base) else "/"
    return see_other(safe_next(back))


@router.get("/")
@page()
def home(request: Request, principal: OptionalPrincipal) -> Response:
    assert principal is not None
    url = home_url(principal)
    if url is None:
        _ = gettext(request_lang(request))
        return error_page(
            request,
            403,
            _("Your account has no role yet. Ask your administrator to grant one."),
            principal,
        )
    return see_other(url)


# ------------------------------------------------------------------------------ enterprise


def _trend_points(years: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for y in sorted((y for y in years if y["summary"]), key=lambda y: y["year"]):
        s = y["summary"]
        out.append(
            {
                "year": y["year"],
                "total_tco2e": s.get("total_tco2e"),
                "scope1_tco2e": s.get("scope1_tco2e"),
                "scope2_location_tco2e": s.get("scope2_location_tco2e"),
                "energy_tce": s.get("energy_tce"),
            }
        )
    return out


@router.get("/enterprises/{org_id}")
@page()
def enterprise_dashboard(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    year: int | None = None,
    method: str = DEFAULT_METHOD,
) -> Response:
    assert principal is not None
    method = method_or_default(method)
    lang = request_lang(request)
    _ = gettext(lang)
    with db.reading() as s:
        data = enterprise_years(s, principal, org_id, method)
        can_write = may(s, principal, org_id, Access.write)
    org, years = data["org"], data["years"]
    with_data = [y for y in years if y["summary"]]
    selected = next((y for y in years if y["year"] == year), None) or (
        with_data[0] if with_data else (years[0] if years else None)
    )
    summary = (selected or {}).get("summary") or {}
    chart_opts: dict[str, Any] = {}
    if summary:
        chart_opts = {
            "scope": charts.scope_chart(summary, _),
            "category": charts.category_chart(summary, lang),
            "energy": charts.energy_chart(summary, lang),
        }
    trend = _trend_points(years)
    if trend:
        chart_opts["trend"] = charts.trend_chart(trend, _)
    output = (selected or {}).get("output_value")
    return render(
        request,
        "enterprise.html",
        principal=principal,
        org=org,
        years=years,
        selected=selected,
        summary=summary,
        charts=chart_opts,
        method=method,
        can_write=can_write,
        output_value=output,
        per_output=(
            {
                "tco2e": summary.get("total_tco2e", 0.0) / output,
                "tce": summary.get("energy_tce", 0.0) / output,
            }
            if summary and output
            else None
        ),
    )


@router.get("/enterprises/{org_id}/upload")
@page()
def upload_form(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId
) -> Response:
    assert principal is not None
    with db.reading() as s:
        org = require(s, principal, org_id, Access.write)
        years = enterprise_years(s, principal, org_id)["years"]
    return render(
        request,
        "upload.html",
        principal=principal,
        org=org,
        years=years,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@router.post("/enterprises/{org_id}/upload")
@page()
def upload(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    file: Annotated[UploadFile | None, File()] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
    year: Annotated[str, Form(max_length=8)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Import a workbook: one new version per year in it, or a table of every problem (and
    nothing stored)."""
    assert principal is not None
    check_csrf(request, csrf_token)
    with db.reading() as s:
        org = require(s, principal, org_id, Access.write)
    ctx: dict[str, Any] = {"org": org, "problems": None, "result": None, "error": None}
    status = 200
    filename = (file.filename or "") if file is not None else ""
    only_year = int(year) if year.strip().isdigit() else None
    if file is None or not filename:
        ctx["error"] = N_("Choose a file to upload.")
        status = 400
    else:
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        try:
            with db.writing() as s:
                result = import_activities(
                    s, ref, principal, org_id, data, filename, reason=reason, year=only_year
                )
        except ImportProblems as e:
            ctx["problems"] = [
                {"row": p.row, "column": p.column, "message": p.message, "where": m}
                for p, m in zip(e.problems, e.messages, strict=False)
            ]
            ctx["filename"] = filename
            status = 422
        except Conflict as e:
            ctx["error"] = str(e)
            ctx["error_raw"] = True
            status = 409
        else:
            with db.reading() as s:
                years = {y["year"]: y for y in enterprise_years(s, principal, org_id)["years"]}
            ctx["result"] = [
                {**v, "summary": (years.get(v["year"]) or {}).get("summary")}
                for v in result.versions
            ]
            ctx["filename"] = result.source_name
    if is_htmx(request):
        return render(
            request, "_upload_result.html", principal=principal, http_status=status, **ctx
        )
    with db.reading() as s:
        years_list = enterprise_years(s, principal, org_id)["years"]
    return render(
        request,
        "upload.html",
        principal=principal,
        http_status=status,
        years=years_list,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        **ctx,
    )


def _inventory(
    session: Session, principal: Principal, org_id: int, year: int, method: str, lines: bool
) -> InventoryResult:
    """The period's current stored inventory under ``method`` (with its lines if ``lines``)."""
    return stored_inventory(session, principal, org_id, year, method, lines=lines)[0]


def _category_lines(inv: InventoryResult, category: str) -> dict[str, Any]:
    rows = [r for r in (inv.lines or []) if r.get("category") == category]
    return {"lines": rows[:MAX_LINES], "lines_total": len(rows), "category": category}


@router.get("/enterprises/{org_id}/years/{year}")
@page()
def inventory_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    year: YearPath,
    method: str = DEFAULT_METHOD,
    category: str | None = None,
) -> Response:
    assert principal is not None
    method = method_or_default(method)
    with db.reading() as s:
        data = enterprise_years(s, principal, org_id, method)
        entry = next((y for y in data["years"] if y["year"] == year), None)
        if entry is None:
            raise NotFound(f"no {year} data for enterprise {org_id}")
        detail = period_detail(s, principal, org_id, year)
        expanded = None
        inv = None
        if entry["inventory_id"] is not None:
            inv = _inventory(s, principal, org_id, year, method, lines=bool(category))
            if category:
                expanded = _category_lines(inv, category)
        can = {
            "write": may(s, principal, org_id, Access.write),
            "verify": may(s, principal, org_id, Access.verify),
            "comment": may(s, principal, org_id, Access.comment),
        }
    status = detail["period"].status if detail["period"] else "none"
    return render(
        request,
        "inventory.html",
        principal=principal,
        org=data["org"],
        year=year,
        years=data["years"],
        entry=entry,
        summary=entry["summary"] or {},
        inv=inv,
        method=method,
        detail=detail,
        period_status=status,
        can=can,
        expanded=expanded,
        pending=status == "submitted",
    )


@router.get("/enterprises/{org_id}/years/{year}/lines")
@page()
def inventory_lines(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    year: YearPath,
    category: str,
    method: str = DEFAULT_METHOD,
) -> Response:
    """The lines of one source category (the drill-down below a category row)."""
    assert principal is not None
    method = method_or_default(method)
    if not is_htmx(request):
        q = urlencode({"method": method, "category": category})
        return see_other(f"/enterprises/{org_id}/years/{year}?{q}#cat-{category}")
    with db.reading() as s:
        inv = _inventory(s, principal, org_id, year, method, lines=True)
    return render(
        request,
        "_lines.html",
        principal=principal,
        org_id=org_id,
        year=year,
        **_category_lines(inv, category),
    )


@router.get("/enterprises/{org_id}/years/{year}/export.xlsx")
@page()
def export_xlsx(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    year: YearPath,
    method: str = DEFAULT_METHOD,
    lang: str | None = None,
    version: int | None = None,
) -> Response:
    """The inventory report as an Excel workbook (download)."""
    assert principal is not None
    with db.reading() as s:
        wb = inventory_workbook(
            s,
            ref,
            principal,
            org_id,
            year,
            method_or_default(method),
            normalise(lang or request_lang(request)),
            version,
        )
    return Response(
        wb.content,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{wb.filename}"',
            "X-Greenmfg-Reproduced": "true" if wb.reproduced else "false",
        },
    )


def _workflow_write(
    request: Request,
    db: Database,
    csrf: str | None,
    back: str,
    ok_message: str,
    write: Callable[[Session], object],
) -> Response:
    """Run one workflow write in its own transaction, flash its outcome (a refused transition
    shows the store's message) and go back to the page. ``csrf`` ``None``: already checked."""
    if csrf is not None:
        check_csrf(request, csrf)
    try:
        with db.writing() as s:
            write(s)
    except Conflict as e:
        flash(request, "error", str(e), translate=False)
    else:
        flash(request, "ok", ok_message)
    return see_other(back)


def _back(org_id: int, year: int) -> str:
    return f"/enterprises/{org_id}/years/{year}#workflow"


@router.post("/enterprises/{org_id}/years/{year}/submit")
@page()
def submit(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    year: YearPath,
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    assert principal is not None
    return _workflow_write(
        request,
        db,
        csrf_token,
        _back(org_id, year),
        N_("Submitted for verification."),
        lambda s: workflow.submit(s, principal, org_id, year, note),
    )


@router.post("/enterprises/{org_id}/years/{year}/decide")
@page()
def decide(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    year: YearPath,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A verifier's decision: ``action`` = ``verify`` or ``return`` (a return needs a note)."""
    assert principal is not None
    check_csrf(request, csrf_token)
    if action not in ("verify", "return"):
        return error_page(request, 400, f"unknown decision {action!r}", principal)
    return _workflow_write(
        request,
        db,
        None,
        _back(org_id, year),
        N_("Marked as verified.") if action == "verify" else N_("Returned to the enterprise."),
        lambda s: workflow.decide(s, principal, org_id, year, action, note),
    )


@router.post("/enterprises/{org_id}/years/{year}/comments")
@page()
def comment(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    year: YearPath,
    body: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    assert principal is not None
    return _workflow_write(
        request,
        db,
        csrf_token,
        f"/enterprises/{org_id}/years/{year}#comments",
        N_("Comment added."),
        lambda s: workflow.add_comment(s, principal, org_id, year, body),
    )


# ------------------------------------------------------------------------------ portfolio


def _portfolio_context(
    request: Request,
    principal: Principal,
    db: Any,
    year: int | None,
    industry: str,
    region: str,
    status: str,
    q: str,
    sort: str,
    desc: int,
    page_no: int,
    park: int | None,
) -> dict[str, Any]:
    lang = request_lang(request)
    _ = gettext(lang)
    industry = industry.strip().upper() if _INDUSTRY.fullmatch(industry.strip()) else ""
    region = region.strip() if _REGION.fullmatch(region.strip()) else ""
    status = status if status in (*STATUSES, "none") else ""
    sort = sort if sort in SORTABLE else "total_tco2e"
    q = q.strip()[:100]
    with db.reading() as s:
        pf = portfolio(
            s,
            principal,
            year,
            industry=industry,
            region=region,
            status=status,
            q=q,
            park_id=park,
            sort=sort,
            descending=bool(desc),
        )
    pages = max(1, math.ceil(len(pf.rows) / PAGE_SIZE))
    page_no = min(max(1, page_no), pages)
    filters = {
        "year": pf.year or "",
        "industry": industry,
        "region": region,
        "status": status,
        "q": q,
        "sort": sort,
        "desc": int(bool(desc)),
    }
    if park is not None:
        filters["park"] = park

    def link(**changes: Any) -> str:
        params = {**filters, **changes}
        return urlencode({k: v for k, v in params.items() if v not in ("", None)})

    status_names = {k: _(v) for k, v in STATUS_NAMES.items()}
    chart_opts = {
        "industry": charts.industry_chart(pf.by_industry, lang),
        "region": charts.region_chart(pf.by_region, lang),
        "status": charts.status_chart(pf.by_status, status_names),
    }
    if pf.trend:
        chart_opts["trend"] = charts.trend_chart(pf.trend, _)
    return {
        "pf": pf,
        "rows": pf.rows[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE],
        "page_no": page_no,
        "pages": pages,
        "filters": filters,
        "link": link,
        "charts": charts_or_none(chart_opts, pf.rows),
        "sort_labels": SORT_LABELS,
        "industry_choices": industry_choices(lang),
        "region_choices": region_choices(lang),
        "statuses": (*STATUSES, "none"),
    }


def charts_or_none(opts: dict[str, Any], rows: list[Any]) -> dict[str, Any]:
    return opts if rows else {}


PortfolioQuery = Annotated[str, Query(max_length=100)]


@router.get("/portfolio")
@page()
def portfolio_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    year: Annotated[str, Query(max_length=8)] = "",
    industry: PortfolioQuery = "",
    region: PortfolioQuery = "",
    status: PortfolioQuery = "",
    q: PortfolioQuery = "",
    sort: PortfolioQuery = "total_tco2e",
    desc: int = 1,
    page_no: Annotated[int, Query(alias="page")] = 1,
    park: int | None = None,
) -> Response:
    """Enterprises in the user's scope: filters, totals, charts and a sortable table."""
    assert principal is not None
    ctx = _portfolio_context(
        request,
        principal,
        db,
        int(year) if year.isdigit() else None,
        industry,
        region,
        status,
        q,
        sort,
        desc,
        page_no,
        park,
    )
    return render(request, "portfolio.html", principal=principal, **ctx)


@router.get("/portfolio/table")
@page()
def portfolio_table(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    year: Annotated[str, Query(max_length=8)] = "",
    industry: PortfolioQuery = "",
    region: PortfolioQuery = "",
    status: PortfolioQuery = "",
    q: PortfolioQuery = "",
    sort: PortfolioQuery = "total_tco2e",
    desc: int = 1,
    page_no: Annotated[int, Query(alias="page")] = 1,
    park: int | None = None,
) -> Response:
    """The results part of the portfolio (totals, charts, table) for htmx; the browser's address
    follows the filters (``HX-Push-Url``)."""
    assert principal is not None
    ctx = _portfolio_context(
        request,
        principal,
        db,
        int(year) if year.isdigit() else None,
        industry,
        region,
        status,
        q,
        sort,
        desc,
        page_no,
        park,
    )
    query = ctx["link"](page=ctx["page_no"] if ctx["page_no"] > 1 else "")
    return render(
        request,
        "_portfolio_results.html",
        principal=principal,
        headers={"HX-Push-Url": f"/portfolio?{query}" if query else "/portfolio"},
        **ctx,
    )


# ------------------------------------------------------------------------------ verifier


@router.get("/verifier")
@page()
def verifier_page(request: Request, principal: OptionalPrincipal, db: DbDep) -> Response:
    """The verifier's queue: submissions of its assigned enterprises awaiting a decision, and
    every assigned enterprise with the status of its years."""
    assert principal is not None
    pending: list[dict[str, Any]] = []
    assigned: list[dict[str, Any]] = []
    with db.reading() as s:
        for org in s.scalars(enterprises(principal, Access.verify)).all():
            data = enterprise_years(s, principal, org.id)
            assigned.append({"org": org, "years": data["years"]})
            for y in data["years"]:
                if y["status"] != "submitted":
                    continue
                detail = period_detail(s, principal, org.id, y["year"])
                last = detail["submissions"][0] if detail["submissions"] else None
                pending.append(
                    {
                        "org": org,
                        "year": y["year"],
                        "version": y["version"],
                        "summary": y["summary"] or {},
                        "submitted_at": last["submission"].submitted_at if last else "",
                        "by": last["by"] if last else "",
                    }
                )
    pending.sort(key=lambda p: p["submitted_at"])
    return render(
        request,
        "verifier.html",
        principal=principal,
        pending=pending,
        assigned=assigned,
        is_verifier="verifier" in principal.roles(),
    )

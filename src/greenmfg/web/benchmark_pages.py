"""Energy-benchmark pages: an enterprise's lines against the benchmark and base levels, and the
authorities' (and parks') oversight view; each with an Excel and a PDF report.

Every figure comes from :mod:`greenmfg.store.benchmarking`, which applies the permissions; the
reports show the same numbers as the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from greenmfg.api.deps import DbDep, OptionalPrincipal, OptYear, OrgId, RefDep
from greenmfg.io.tables import Table, write_tables_xlsx
from greenmfg.store import benchmarking as bm
from greenmfg.store.reports import XLSX
from greenmfg.web.charts import PALETTE
from greenmfg.web.i18n import N_, gettext, normalise
from greenmfg.web.labels import GREEN_TITLE_NAMES
from greenmfg.web.routes import (
    download,
    fmt_num,
    page,
    pdf_download,
    render,
    request_lang,
)

router = APIRouter(include_in_schema=False)
Gettext = Callable[[str], str]

POSITION_NAMES = {
    "at_benchmark": N_("At benchmark"),
    "between": N_("Between benchmark and base"),
    "below_base": N_("Below base"),
    "unknown": N_("Unknown"),
}
POSITION_COLORS = {
    "at_benchmark": "#1b7f5a",
    "between": "#f2a541",
    "below_base": "#e4572e",
    "unknown": "#6c757d",
}
RULE_NAMES = {
    "existing": N_("Existing line: reach the base level by the deadline"),
    "new": N_("New line: must reach the benchmark level"),
}
TITLE_NAMES = GREEN_TITLE_NAMES


def _name(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" and en else zh


# ------------------------------------------------------------------------------ charts


def lines_chart(lines: list[dict[str, Any]], _: Gettext, lang: str) -> dict[str, Any]:
    """One bar per line: its value normalised so that the benchmark level is 0 and the base
    level 1 (``(value - benchmark) / (base - benchmark)``), with limit grade 3 marked where the
    indicator's grades are held; the tooltip gives the value in the indicator's unit."""
    names, data = [], []
    grade3: list[float] = []
    for r in lines:
        if r["value"] is None or r["benchmark"] is None or r["base"] is None:
            continue
        span = r["base"] - r["benchmark"]
        if span <= 0:
            continue
        x = (r["value"] - r["benchmark"]) / span
        names.append(f"{r['org_name'] if len(lines) > 20 else ''}{r['name'] or r['site']}")
        data.append(
            {
                "value": round(x, 3),
                "itemStyle": {"color": POSITION_COLORS[r["position"]]},
                "_label": f"{fmt_num(r['value'], 2, lang)} {r['unit']}",
            }
        )
        if r["grades"] and r["grades"][2] is not None:
            grade3.append(round((r["grades"][2] - r["benchmark"]) / span, 3))
    marks: list[dict[str, Any]] = [
        {"xAxis": 0, "name": _("Benchmark"), "lineStyle": {"color": "#1b7f5a"}},
        {"xAxis": 1, "name": _("Base"), "lineStyle": {"color": "#e4572e"}},
    ]
    for g in sorted(set(grade3)):
        marks.append(
            {
                "xAxis": g,
                "name": _("Limit grade 3"),
                "lineStyle": {"color": "#8c6bb1", "type": "dotted"},
            }
        )
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 40, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "item", "confine": True},
        "xAxis": {"type": "value", "name": _("0 = benchmark, 1 = base")},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [
            {
                "type": "bar",
                "name": _("Position between benchmark and base"),
                "data": data,
                "barMaxWidth": 28,
                "label": {"show": True, "position": "right", "formatter": "{c}"},
                "markLine": {
                    "symbol": "none",
                    "label": {"formatter": "{b}", "position": "end"},
                    "data": marks,
                },
            }
        ],
    }


def distribution_chart(areas: list[dict[str, Any]], _: Gettext, lang: str) -> dict[str, Any]:
    """Per benchmark area, the share of output [%] in each class, stacked."""
    names = [_name(a["area_zh"], a["area_en"], lang) for a in areas]
    series = []
    for cls, label in POSITION_NAMES.items():
        series.append(
            {
                "type": "bar",
                "stack": "share",
                "name": _(label),
                "itemStyle": {"color": POSITION_COLORS[cls]},
                "data": [
                    round(100 * (a["classes"][cls]["output_share"] or 0.0), 1)
                    if a["classes"][cls]["lines"]
                    else 0
                    for a in areas
                ],
            }
        )
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 48, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "legend": {"top": 0},
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": series,
        "_unit": "%",
    }


# ------------------------------------------------------------------------------ tables


def _line_table(lines: list[dict[str, Any]], _: Gettext, lang: str, org: bool) -> Table:
    headers = [
        *([_("Enterprise")] if org else []),
        _("Line"),
        _("Industry"),
        _("Indicator"),
        _("Value"),
        _("Unit"),
        _("Benchmark"),
        _("Base"),
        _("Class"),
        _("Limit grade"),
        _("Deadline"),
        _("Gap to base"),
        _("Effort to base (tce/a)"),
        _("Effort to benchmark (tce/a)"),
        _("Source"),
    ]
    rows = []
    for r in lines:
        rows.append(
            [
                *([_name(r["org_name"], r["org_name_en"], lang)] if org else []),
                r["name"] or r["site"],
                _name(r["area_zh"], r["area_en"], lang),
                _name(r["indicator_zh"], r["indicator_en"], lang),
                r["value"],
                r["unit"],
                r["benchmark"],
                r["base"],
                _(POSITION_NAMES[r.get("position", "unknown")]),
                r["limit_grade"]
                if r["limit_grade"]
                else (_("beyond grade 3") if r["exceeds_limit"] else ""),
                r["deadline"] or (_("now") if r["rule"] == "new" else ""),
                r["gap_to_base"],
                r["effort_to_base_tce"],
                r["effort_to_benchmark_tce"],
                "; ".join(s["source"] for s in r["sources"]),
            ]
        )
    return Table(
        sheet=_("Lines")[:31],
        title=_("Production lines against the benchmark and base levels"),
        headers=headers,
        rows=rows,
        notes=[
            _("Unit-product energy = site energy (GB/T 2589, equivalent value) / site output."),
        ],
    )


# ------------------------------------------------------------------------------ enterprise


@router.get("/enterprises/{org_id}/benchmark")
@page()
def enterprise_benchmark_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    year: OptYear = None,
) -> Response:
    assert principal is not None
    lang = request_lang(request)
    _ = gettext(lang)
    with db.reading() as s:
        d = bm.enterprise_benchmark(s, ref, principal, org_id, year)
    return render(
        request,
        "benchmark_enterprise.html",
        principal=principal,
        d=d,
        org=d["org"],
        chart_lines=lines_chart(d["lines"], _, lang),
        position_names=POSITION_NAMES,
        rule_names=RULE_NAMES,
        title_names=TITLE_NAMES,
    )


def _enterprise_report_context(
    request: Request, db: Any, ref: Any, principal: Any, org_id: int, year: int | None
) -> dict[str, Any]:
    with db.reading() as s:
        d = bm.enterprise_benchmark(s, ref, principal, org_id, year)
    return d


@router.get("/enterprises/{org_id}/benchmark/report.xlsx")
@page()
def enterprise_benchmark_xlsx(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    year: OptYear = None,
) -> Response:
    assert principal is not None
    lang = normalise(request.query_params.get("lang") or request_lang(request))
    _ = gettext(lang)
    d = _enterprise_report_context(request, db, ref, principal, org_id, year)
    data = write_tables_xlsx([_line_table(d["lines"], _, lang, org=False)])
    return download(data, f"energy-benchmark-{org_id}-{d['year']}.xlsx", XLSX)


@router.get("/enterprises/{org_id}/benchmark/report.pdf")
@page()
def enterprise_benchmark_pdf(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    year: OptYear = None,
) -> Response:
    assert principal is not None
    d = _enterprise_report_context(request, db, ref, principal, org_id, year)
    return pdf_download(
        request,
        "benchmark_report.html",
        filename=f"energy-benchmark-{org_id}-{d['year']}.pdf",
        kind="enterprise",
        org=d["org"],
        year=d["year"],
        lines=d["lines"],
        intensity=d["intensity"],
        below=[],
        leaders=[],
        distribution=[],
        green=None,
        position_names=POSITION_NAMES,
        title_names=TITLE_NAMES,
    )


# ------------------------------------------------------------------------------ oversight


@router.get("/oversight/benchmark")
@page()
def oversight_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    year: OptYear = None,
) -> Response:
    assert principal is not None
    lang = request_lang(request)
    _ = gettext(lang)
    with db.reading() as s:
        o = bm.oversight(s, ref, principal, year)
    return render(
        request,
        "benchmark_oversight.html",
        principal=principal,
        o=o,
        chart_distribution=distribution_chart(o.distribution, _, lang),
        chart_lines=lines_chart(o.lines, _, lang),
        position_names=POSITION_NAMES,
        title_names=TITLE_NAMES,
    )


@router.get("/oversight/benchmark/report.xlsx")
@page()
def oversight_xlsx(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    year: OptYear = None,
) -> Response:
    assert principal is not None
    lang = normalise(request.query_params.get("lang") or request_lang(request))
    _ = gettext(lang)
    with db.reading() as s:
        o = bm.oversight(s, ref, principal, year)
    below = _line_table(o.below_base, _, lang, org=True)
    below = Table(
        sheet=_("Below base")[:31],
        title=_("Lines below the base level"),
        headers=below.headers,
        rows=below.rows,
    )
    dist = Table(
        sheet=_("Distribution")[:31],
        title=_("Distribution by class per industry"),
        headers=[_("Industry"), _("Class"), _("Lines"), _("Output"), _("Output share (%)")],
        rows=[
            [
                _name(a["area_zh"], a["area_en"], lang),
                _(POSITION_NAMES[cls]),
                c["lines"],
                c["output"],
                100 * c["output_share"] if c["output_share"] is not None else None,
            ]
            for a in o.distribution
            for cls, c in a["classes"].items()
        ],
    )
    lead = Table(
        sheet=_("Leaders")[:31],
        title=_("Energy-efficiency leaders"),
        headers=[_("Indicator"), _("Rank"), _("Enterprise"), _("Line"), _("Value"), _("Unit")],
        rows=[
            [
                _name(ind["indicator_zh"], ind["indicator_en"], lang),
                r["rank"],
                _name(r["org_name"], r["org_name_en"], lang),
                r["name"] or r["site"],
                r["value"],
                r["unit"],
            ]
            for ind in o.leaders
            for r in ind["ranking"]
        ],
    )
    g = o.green_share
    green = Table(
        sheet=_("Green factories")[:31],
        title=_("Green-factory output share"),
        headers=[_("Enterprise"), _("Title"), _("Since"), _("Output (10⁴ CNY)")],
        rows=[
            [
                _name(f["org_name"], f["org_name_en"], lang),
                _(TITLE_NAMES[f.get("level", "municipal")]),
                f["since"],
                f["output_value"],
            ]
            for f in g["factories"]
        ],
        notes=[
            f"{_('Share')}: {fmt_num(g['share_percent'], 1, lang)} % · {_('Target')} 2030: "
            f"{g['target']['comparator']} {fmt_num(g['target']['value'], 0, lang)} % ({g['target']['source']})"
        ],
    )
    all_lines = _line_table(o.lines, _, lang, org=True)
    data = write_tables_xlsx([below, dist, lead, green, all_lines])
    return download(data, f"energy-benchmark-oversight-{o.year}.xlsx", XLSX)


@router.get("/oversight/benchmark/report.pdf")
@page()
def oversight_pdf(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    year: OptYear = None,
) -> Response:
    assert principal is not None
    with db.reading() as s:
        o = bm.oversight(s, ref, principal, year)
    return pdf_download(
        request,
        "benchmark_report.html",
        filename=f"energy-benchmark-oversight-{o.year}.pdf",
        kind="oversight",
        org=None,
        year=o.year,
        lines=o.lines,
        intensity=None,
        below=o.below_base,
        leaders=o.leaders,
        distribution=o.distribution,
        green=o.green_share,
        position_names=POSITION_NAMES,
        title_names=TITLE_NAMES,
    )


__all__ = ["distribution_chart", "lines_chart", "router"]

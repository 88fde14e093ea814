"""The authorities' 2030 target dashboard: each target indicator of the 2024 Guiding Opinions with
its current value, trend and gap, the carbon and energy trajectory (total, per value added, peak
year), and a breakdown by region, industry or park with drill-down to the enterprises; Excel
export.

The figures come from the analytics layer (:mod:`greenmfg.analytics.oversight`) run on DuckDB over
the platform's data in the principal's scope (:func:`greenmfg.store.analytics.platform_tables`):
the same functions a provincial or national deployment runs on Spark over Parquet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from greenmfg.analytics import oversight as ov
from greenmfg.analytics.engine import duckdb_engine
from greenmfg.api.deps import DbDep, OptionalPrincipal, OptYear, RefDep
from greenmfg.io.tables import Table, write_tables_xlsx
from greenmfg.reference.model import ReferenceData
from greenmfg.store.analytics import platform_tables
from greenmfg.store.models import Organisation
from greenmfg.store.reports import XLSX
from greenmfg.store.scope import Forbidden
from greenmfg.web.charts import PALETTE
from greenmfg.web.i18n import N_, gettext
from greenmfg.web.labels import industry_label, region_label
from greenmfg.web.routes import PORTFOLIO_ROLES, download, page, render, request_lang

router = APIRouter(include_in_schema=False)
Gettext = Callable[[str], str]
Breakdown = Literal["province", "city", "industry", "park"]
BY_COLUMN = {
    "province": "province_code",
    "city": "city_code",
    "industry": "industry_division",
    "park": "park_id",
}
BREAKDOWN_NAMES = {
    "province": N_("Province"),
    "city": N_("City"),
    "industry": N_("Industry division"),
    "park": N_("Park"),
}


def _label(by: str, key: Any, lang: str, parks: dict[int, str]) -> str:
    if key is None:
        return "—"
    if by == "park":
        return parks.get(int(key), str(key))
    if by == "industry":
        return industry_label(str(key), lang)
    return region_label(str(key), lang)


def dashboard(
    db: Any, ref: ReferenceData, principal: Any, year: int | None, by: str, lang: str
) -> dict[str, Any]:
    """Everything the page and its workbook show."""
    if not (principal.is_admin or principal.roles() & PORTFOLIO_ROLES):
        raise Forbidden("the target dashboard is for authorities and parks")
    with db.reading() as s:
        tables = platform_tables(s, principal)
        parks = {
            o.id: o.name for o in s.scalars(select(Organisation).where(Organisation.kind == "park"))
        }
    engine = duckdb_engine()
    try:
        annual = engine.from_arrow(tables["annual"])
        ents = engine.from_arrow(tables["enterprises"])
        indicators = engine.collect(ov.target_indicators(annual, ents, ["year"])).to_pylist()
        totals = engine.collect(ov.trends(ov.inventory_by(annual, ents, ["year"]))).to_pylist()
        years = [r["year"] for r in totals]
        year = year if year in years else (years[-1] if years else None)
        column = BY_COLUMN[by]
        groups = engine.collect(
            ov.trends(ov.inventory_by(annual, ents, [column, "year"]), [column])
        ).to_pylist()
        group_targets = engine.collect(
            ov.target_indicators(annual, ents, [column, "year"])
        ).to_pylist()
    finally:
        engine.close()
    shares = {(r[column], r["year"]): r for r in group_targets}
    rows = []
    for r in groups:
        if r["year"] != year:
            continue
        t = shares.get((r[column], year), {})
        rows.append(
            {
                **r,
                "key": r[column],
                "label": _label(by, r[column], lang, parks),
                "green_share": t.get("green_factory_output_share"),
            }
        )
    rows.sort(key=lambda r: -(r["emissions_tco2e"] or 0.0))
    cards = []
    by_year = {r["year"]: r for r in indicators}
    for target_id in ov.INDICATORS:
        target = ref.policy_target(target_id)
        series = [(y, by_year[y].get(target_id)) for y in years]
        value = by_year.get(year, {}).get(target_id) if year else None
        cards.append(
            {
                "id": target_id,
                "name": target.indicator_en if lang == "en" else target.indicator_zh,
                "target": target,
                "value": value,
                "met": target.met_by(value) if value is not None else None,
                "gap": (target.value - value) if value is not None else None,
                "series": series,
                "confidence": target.source.confidence,
                "source": target.source.label(),
            }
        )
    return {
        "year": year,
        "years": years,
        "by": by,
        "cards": cards,
        "totals": totals,
        "rows": rows,
        "enterprises": tables["enterprises"].num_rows,
    }


def trend_chart(totals: list[dict[str, Any]], _: Gettext) -> dict[str, Any]:
    """Emissions [tCO2e] as bars and emissions per value added as a line, by year; the peak
    year marked."""
    years = [str(r["year"]) for r in totals]
    peak = next((str(r["peak_year"]) for r in totals if r.get("peak_year")), None)
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "_unit": "tCO2e",
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": years},
        "yAxis": [{"type": "value", "name": "tCO2e"}, {"type": "value", "name": "tCO2e/10⁴ CNY"}],
        "series": [
            {
                "type": "bar",
                "name": _("Emissions"),
                "data": [round(r["emissions_tco2e"] or 0.0, 1) for r in totals],
                "markPoint": (
                    {
                        "data": [
                            {
                                "name": _("Peak"),
                                "coord": [peak, max(r["emissions_tco2e"] or 0.0 for r in totals)],
                            }
                        ]
                    }
                    if peak
                    else {}
                ),
            },
            {
                "type": "line",
                "name": _("Emissions per value added"),
                "yAxisIndex": 1,
                "data": [
                    round(r["emissions_per_value_added"], 4)
                    if r["emissions_per_value_added"] is not None
                    else None
                    for r in totals
                ],
            },
        ],
    }


def ranking_chart(rows: list[dict[str, Any]], _: Gettext, top: int = 15) -> dict[str, Any]:
    """The groups of the breakdown ranked by emissions [tCO2e], largest on top (a province map
    needs a map file with a clear licence, which greenmfg does not ship)."""
    shown = rows[:top][::-1]
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 24, "top": 16, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "_unit": "tCO2e",
        "xAxis": {"type": "value", "name": "tCO2e"},
        "yAxis": {"type": "category", "data": [r["label"] for r in shown]},
        "series": [
            {
                "type": "bar",
                "name": _("Emissions"),
                "data": [round(r["emissions_tco2e"] or 0.0, 1) for r in shown],
                "barMaxWidth": 24,
            }
        ],
    }


@router.get("/oversight/targets")
@page()
def targets_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    year: OptYear = None,
    by: Breakdown = "province",
) -> Response:
    assert principal is not None
    lang = request_lang(request)
    _ = gettext(lang)
    d = dashboard(db, ref, principal, year, by, lang)
    return render(
        request,
        "oversight_targets.html",
        principal=principal,
        d=d,
        chart_trend=trend_chart(d["totals"], _),
        chart_ranking=ranking_chart(d["rows"], _),
        breakdown_names=BREAKDOWN_NAMES,
    )


@router.get("/oversight/targets/report.xlsx")
@page()
def targets_xlsx(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    year: OptYear = None,
    by: Breakdown = "province",
) -> Response:
    assert principal is not None
    lang = request_lang(request)
    _ = gettext(lang)
    d = dashboard(db, ref, principal, year, by, lang)
    indicators = Table(
        sheet=_("Targets")[:31],
        title=_("2030 target indicators, %(year)s") % {"year": d["year"]},
        headers=[_("Indicator"), _("Value"), _("Target"), _("Gap"), _("Source"), _("Confidence")],
        rows=[
            [
                c["name"],
                c["value"],
                f"{c['target'].comparator} {c['target'].value} {c['target'].unit} ({c['target'].target_year})",
                c["gap"],
                c["source"],
                c["confidence"],
            ]
            for c in d["cards"]
        ],
        notes=[_("Null: no data in scope for this indicator.")],
    )
    msgid = BREAKDOWN_NAMES[d["by"]]  # marked with N_ where defined
    group_name = _(msgid)
    breakdown = Table(
        sheet=group_name[:31],
        title=_("Breakdown, %(year)s") % {"year": d["year"]},
        headers=[
            group_name,
            _("Enterprises"),
            _("Emissions (tCO2e)"),
            _("Energy (tce)"),
            _("Output value (10⁴ CNY)"),
            _("Year-on-year change, percent"),
            _("Peak year"),
            _("Green-factory output share, percent"),
        ],
        rows=[
            [
                r["label"],
                r["enterprises"],
                r["emissions_tco2e"],
                r["energy_tce"],
                r["output_value_10k_cny"],
                r["emissions_yoy"],
                r["peak_year"],
                r["green_share"],
            ]
            for r in d["rows"]
        ],
    )
    return download(
        write_tables_xlsx([indicators, breakdown]), f"targets-{d['year']}-{d['by']}.xlsx", XLSX
    )

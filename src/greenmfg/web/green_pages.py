"""Green-factory self-evaluation pages: the questionnaire, the score, the gaps, zero-carbon
readiness, and the report as PDF and Excel.

``GET /enterprises/{id}/green-factory`` shows what greenmfg computed from the stored data, the
questionnaire (prefilled with the last saved answers) and the last result; ``POST`` scores and
stores a new self-evaluation (managers only) and comes back to the page with it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from greenmfg.api.deps import DbDep, OptionalPrincipal, OrgId, RefDep, check_csrf
from greenmfg.evaluation.green_factory import (
    ALTERNATIVE_NOT_APPLIED,
    BASE_LEADING_GIVEN,
    NOT_ANSWERED,
    SCORING_RULE_ASSUMED,
    UNSOURCED_POINTS,
    UNSOURCED_VALUES,
    EvaluationError,
    Indicator,
)
from greenmfg.io.tables import Table, write_tables_xlsx
from greenmfg.reference.green_factory import green_factory_reference
from greenmfg.reference.model import ReferenceData
from greenmfg.store import green_factory as gfs
from greenmfg.store.activities import Conflict
from greenmfg.store.models import GreenFactoryEvaluation
from greenmfg.store.queries import enterprise_years
from greenmfg.store.reports import XLSX
from greenmfg.store.scope import Access, Principal, require
from greenmfg.web.i18n import N_, gettext, normalise
from greenmfg.web.labels import GREEN_TITLE_NAMES
from greenmfg.web.routes import (
    download,
    error_page,
    flash,
    may,
    page,
    pdf_download,
    render,
    request_lang,
    see_other,
)

router = APIRouter(include_in_schema=False)

SCHEME_IDS = ("gbt36132_2025", "gbt36132_2018")
FLAG_NAMES = {
    SCORING_RULE_ASSUMED: N_("linear from 0 at the base value (the standard's rule not sourced)"),
    UNSOURCED_POINTS: N_("points not sourced: not scored"),
    UNSOURCED_VALUES: N_("base and leading values missing"),
    NOT_ANSWERED: N_("not answered"),
    BASE_LEADING_GIVEN: N_("base and leading values stated by the enterprise"),
    ALTERNATIVE_NOT_APPLIED: N_("alternative not applied"),
}
LEVEL_NAMES = GREEN_TITLE_NAMES
LEVEL_NOTES = {
    "reached": N_("The total reaches this level's minimum score."),
    "below_minimum": N_("The total is below this level's minimum score."),
    "threshold_not_sourced": N_(
        "No minimum score for this level is sourced; the basic requirements and the level "
        "sequence of the gradient cultivation measures decide (national factories are chosen "
        "from provincial ones)."
    ),
    "basic_requirement_failed": N_(
        "A basic requirement is not met: no level can be applied for (one-vote veto)."
    ),
    "top_level": N_("Already a national green factory."),
    "level_not_in_reference": N_("This level is not in the reference data."),
}
STATE_NAMES = {
    "met": N_("met"),
    "not_met": N_("not met"),
    "no_threshold": N_("no sourced threshold"),
    "no_data": N_("no data"),
}
ORIGIN_NAMES = {
    "official": N_("official (national)"),
    "provincial_precedent": N_("provincial precedent"),
}
METRIC_NAMES = {
    "renewable_electricity_share": N_("Green electricity share (percent)"),
    "energy_intensity_output_value": N_("Energy per output value (tce per 10⁴ CNY)"),
    "carbon_intensity_output_value": N_("Emissions per output value (tCO2e per 10⁴ CNY)"),
    "unit_product_energy": N_("Unit-product energy of the main line"),
    "accounting_in_place": N_("Inventory verified"),
}


def _years(s: Session, principal: Principal, org_id: int) -> list[int]:
    return [y["year"] for y in enterprise_years(s, principal, org_id)["years"] if y["summary"]]


def _saved_answers(row: GreenFactoryEvaluation | None) -> dict[str, Any]:
    if row is None:
        return {"answers": {}, "efforts": {}, "zero_carbon": {}}
    doc = dict(row.answers)
    for key in ("answers", "efforts", "zero_carbon"):
        doc.setdefault(key, {})
    return doc


def _groups(indicators: tuple[Indicator, ...]) -> list[dict[str, Any]]:
    """Questionnaire sections: basic requirements, then each first-level group's rows."""
    by_parent: dict[str, list[Indicator]] = {}
    for i in indicators:
        by_parent.setdefault(i.parent, []).append(i)

    def rows(parent: str, depth: int) -> list[tuple[Indicator, int]]:
        out = []
        for i in by_parent.get(parent, []):
            out.append((i, depth))
            out.extend(rows(i.id, depth + 1))
        return out

    basic = [(i, 0) for i in by_parent.get("", []) if i.kind == "basic"]
    sections = [{"id": "basic", "head": None, "rows": basic}] if basic else []
    for g in by_parent.get("", []):
        if g.kind == "group":
            sections.append({"id": g.id, "head": g, "rows": rows(g.id, 1)})
    return sections


def _page_context(
    s: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    year: int | None,
    scheme_id: str,
    evaluation_id: int | None,
) -> dict[str, Any]:
    org = require(s, principal, org_id, Access.read)
    years = _years(s, principal, org_id)
    gf = green_factory_reference()
    if evaluation_id is not None:
        row: GreenFactoryEvaluation | None = gfs.get_evaluation(s, principal, org_id, evaluation_id)
        assert row is not None
        year, scheme_id = row.year, row.scheme
    else:
        year = year if year in years else (years[0] if years else None)
        row = gfs.latest_evaluation(s, principal, org_id, year) if year else None
    scheme_id = scheme_id if scheme_id in gf.schemes else gfs.DEFAULT_SCHEME
    saved = _saved_answers(row if row is not None and row.scheme == scheme_id else None)
    ctx = gfs.context(s, ref, principal, org_id, year) if year else None
    result = None
    readiness = None
    if ctx is not None and row is not None and row.scheme == scheme_id:
        result = gfs.run_evaluation(gf, ctx, scheme_id, saved["answers"], saved["efforts"])
        readiness = gfs.readiness(gf, ctx, saved["zero_carbon"])
    scheme = gfs.scheme_with_levels(gf, scheme_id)
    return {
        "org": org,
        "years": years,
        "year": year,
        "scheme": scheme,
        "schemes": [gf.schemes[k] for k in SCHEME_IDS if k in gf.schemes],
        "sections": _groups(scheme.indicators),
        "saved": saved,
        "row": row,
        "ctx": ctx,
        "result": result,
        "readiness": readiness,
        "criteria": gf.zero_carbon,
        "can_write": may(s, principal, org_id, Access.write),
        "flag_names": FLAG_NAMES,
        "level_names": LEVEL_NAMES,
        "level_notes": LEVEL_NOTES,
        "state_names": STATE_NAMES,
        "origin_names": ORIGIN_NAMES,
        "metric_names": METRIC_NAMES,
    }


@router.get("/enterprises/{org_id}/green-factory")
@page()
def green_factory_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    scheme: str = gfs.DEFAULT_SCHEME,
    evaluation: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    assert principal is not None
    with db.reading() as s:
        data = _page_context(s, ref, principal, org_id, year, scheme, evaluation)
    return render(request, "green_factory.html", principal=principal, **data)


def _form_answers(
    form: Any, scheme_indicators: tuple[Indicator, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    answers: dict[str, Any] = {}
    efforts: dict[str, Any] = {}
    for ind in scheme_indicators:
        if ind.kind in ("basic", "qualitative"):
            v = str(form.get(f"a.{ind.id}") or "").strip()
            if v:
                answers[ind.id] = v
        elif ind.kind == "quantitative":
            entry = {
                k: str(form.get(f"{p}.{ind.id}") or "").strip()
                for k, p in (("value", "v"), ("base", "b"), ("leading", "l"))
            }
            entry = {k: v for k, v in entry.items() if v}
            if entry:
                answers[ind.id] = entry
        e = str(form.get(f"e.{ind.id}") or "").strip()
        if e:
            efforts[ind.id] = e
    return answers, efforts


@router.post("/enterprises/{org_id}/green-factory")
@page()
async def save_green_factory(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
) -> Response:
    assert principal is not None
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    _ = gettext(request_lang(request))
    gf = green_factory_reference()
    scheme_id = str(form.get("scheme") or gfs.DEFAULT_SCHEME)
    if scheme_id not in gf.schemes:
        return error_page(request, 400, _("Unknown evaluation scheme."), principal)
    try:
        year = int(str(form.get("year") or ""))
    except ValueError:
        return error_page(request, 400, _("Choose a year."), principal)
    answers, efforts = _form_answers(form, gf.scheme(scheme_id).indicators)
    zero_carbon = {
        c.id: str(form.get(f"z.{c.id}"))
        for c in gf.zero_carbon
        if c.check == "questionnaire" and form.get(f"z.{c.id}") in ("yes", "no")
    }
    try:
        with db.writing() as s:
            row, _ev, _ctx = gfs.save_evaluation(
                s, ref, gf, principal, org_id, year, scheme_id, answers, efforts, zero_carbon
            )
            new_id = row.id
    except (EvaluationError, Conflict) as exc:
        flash(request, "error", str(exc), translate=False)
        return see_other(f"/enterprises/{org_id}/green-factory?year={year}&scheme={scheme_id}")
    flash(request, "ok", N_("Self-evaluation saved."))
    return see_other(f"/enterprises/{org_id}/green-factory?evaluation={new_id}#result")


# ------------------------------------------------------------------------------ reports


def _report_data(
    db: Any,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    evaluation_id: int,
) -> dict[str, Any]:
    with db.reading() as s:
        data = _page_context(s, ref, principal, org_id, None, "", evaluation_id)
    if data["result"] is None:
        raise Conflict("the evaluation has no result")
    return data


def _tables(data: dict[str, Any], lang: str) -> list[Table]:
    _ = gettext(lang)
    org, ev, scheme = data["org"], data["result"], data["scheme"]
    name = org.name if lang == "zh" or not org.name_en else org.name_en
    level = _(LEVEL_NAMES.get(ev.level.level, ev.level.level)) if ev.level is not None else "—"
    current = data["ctx"].current_level
    summary = Table(
        _("Summary")[:31],
        f"{_('Green-factory self-evaluation')} · {name} · {data['year']}",
        [_("Item"), _("Value")],
        [
            [_("Scheme"), scheme.title(lang)],
            [_("Total score"), round(ev.total, 2)],
            [_("Out of sourced points"), round(ev.max_sourced, 2)],
            [_("Basic requirements"), _("passed") if ev.basic_passed else _("not passed")],
            [
                _("Current title"),
                _(LEVEL_NAMES[current]) if current else "—",
            ],
            [_("Level to apply for"), level],
            [_("Note"), _(LEVEL_NOTES.get(ev.level_note, ev.level_note))],
            [_("Reference edition"), data["row"].reference_edition],
        ],
    )
    scores = Table(
        _("Indicators")[:31],
        _("Score per indicator"),
        [
            _("Indicator"),
            _("Kind"),
            _("Score"),
            _("Points"),
            _("Value"),
            _("Base value"),
            _("Leading value"),
            _("Data origin"),
            _("Notes"),
            _("Source"),
            _("Confidence"),
        ],
        [
            [
                s.indicator.name(lang),
                s.indicator.kind,
                None if s.score is None else round(s.score, 3),
                s.max_points,
                s.value
                if s.value is not None
                else (s.answer if isinstance(s.answer, str) else None),
                s.base,
                s.leading,
                s.value_origin,
                "; ".join(_(FLAG_NAMES.get(f, f)) for f in s.flags),
                s.indicator.source.label(),
                s.indicator.source.confidence,
            ]
            for s in ev.scores
        ],
    )
    gaps = Table(
        _("Gaps")[:31],
        _("Gap list, by points gained per effort"),
        [
            _("Indicator"),
            _("Points to gain"),
            _("Effort (1-3)"),
            _("Points per effort"),
            _("Target"),
        ],
        [
            [
                g.name_en if lang == "en" and g.name_en else g.name_zh,
                round(g.points_gained, 3),
                g.effort,
                round(g.points_per_effort, 3),
                g.target,
            ]
            for g in ev.gaps
        ],
    )
    zc = Table(
        _("Zero-carbon")[:31],
        _("Zero-carbon factory readiness"),
        [_("Criterion"), _("Basis"), _("State"), _("Value"), _("Source"), _("Confidence")],
        [
            [
                f.criterion.name(lang),
                _(ORIGIN_NAMES[f.criterion.origin]),
                _(STATE_NAMES[f.state]),
                f.value if not isinstance(f.value, bool) else (_("yes") if f.value else _("no")),
                f.criterion.source.label(),
                f.criterion.source.confidence,
            ]
            for f in data["readiness"].findings
        ],
    )
    return [summary, scores, gaps, zc]


@router.get("/enterprises/{org_id}/green-factory/{evaluation_id}/report.xlsx")
@page()
def green_factory_xlsx(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    evaluation_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: str | None = None,
) -> Response:
    assert principal is not None
    lang = normalise(lang or request_lang(request))
    data = _report_data(db, ref, principal, org_id, evaluation_id)
    content = write_tables_xlsx(_tables(data, lang))
    return download(content, f"green-factory-{org_id}-{data['year']}-{evaluation_id}.xlsx", XLSX)


@router.get("/enterprises/{org_id}/green-factory/{evaluation_id}/report.pdf")
@page()
def green_factory_pdf(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    ref: RefDep,
    org_id: OrgId,
    evaluation_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: str | None = None,
) -> Response:
    assert principal is not None
    lang = normalise(lang or request_lang(request))
    data = _report_data(db, ref, principal, org_id, evaluation_id)
    return pdf_download(
        request,
        "green_factory_report.html",
        f"green-factory-{org_id}-{data['year']}-{evaluation_id}.pdf",
        lang,
        tables=_tables(data, lang),
        **data,
    )

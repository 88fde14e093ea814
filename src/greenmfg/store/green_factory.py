"""Green-factory self-evaluation and zero-carbon readiness of a stored enterprise-year.

The quantitative indicators greenmfg can compute come from the stored data: the period's current
inventory (energy, emissions), its activity records (green electricity), the output value and the
enterprise's production lines (unit-product energy against its limit grades and benchmark
levels). The rest come from the questionnaire. Every saved evaluation keeps its answers, the
computed metrics with their origin, the result and the reference edition, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.energy.performance import (
    LinePerformance,
    LineSpec,
    PerformanceError,
    balances_from_summary,
    energy_intensity,
    lines_performance,
)
from greenmfg.evaluation.green_factory import (
    LEVEL_ORDER,
    Evaluation,
    EvaluationError,
    MetricValue,
    Scheme,
    evaluate,
)
from greenmfg.evaluation.metrics import renewable_electricity_share
from greenmfg.evaluation.zero_carbon import Readiness, assess
from greenmfg.reference.green_factory import GRADIENT_SYSTEM, GreenFactoryReference
from greenmfg.reference.model import ReferenceData
from greenmfg.store import audit
from greenmfg.store.activities import DEFAULT_METHOD, Conflict, version_records
from greenmfg.store.models import (
    GreenFactoryEvaluation,
    GreenFactoryTitle,
    Organisation,
    ProductionLine,
    ReportingPeriod,
)
from greenmfg.store.queries import stored_inventory
from greenmfg.store.scope import Access, NotFound, Principal, require

DEFAULT_SCHEME = "gbt36132_2025"


@dataclass(frozen=True)
class Context:
    """What greenmfg knows of an enterprise-year before the questionnaire."""

    org: Organisation
    year: int
    metrics: dict[str, MetricValue]
    lines: list[LinePerformance]
    line_problems: list[tuple[str, str]]  # (line name, why it has no value)
    current_level: str | None
    status: str  # the period's workflow status


def current_title(session: Session, org_id: int, year: int) -> str | None:
    """The highest green-factory level the enterprise held in ``year`` (awarded in or before)."""
    levels = session.scalars(
        select(GreenFactoryTitle.level).where(
            GreenFactoryTitle.org_id == org_id, GreenFactoryTitle.year <= year
        )
    ).all()
    ranked = [lv for lv in LEVEL_ORDER if lv in set(levels)]
    return ranked[-1] if ranked else None


def _line_levels(ref: ReferenceData, lp: LinePerformance) -> dict[str, float]:
    out: dict[str, float] = {}
    if lp.level.base is not None:
        out["benchmark_level:base"] = lp.level.base
    if lp.level.benchmark is not None:
        out["benchmark_level:benchmark"] = lp.level.benchmark
    grades = ref.limit_grades_of(lp.line.indicator_id)
    if grades is not None:
        for n, g in enumerate(grades.grades, start=1):
            if g is not None:
                out[f"limit_grade:{n}"] = g
    return out


def context(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    year: int,
    method: str = DEFAULT_METHOD,
) -> Context:
    """The computed metrics of ``org_id`` in ``year`` (NotFound without data or access)."""
    org = require(session, principal, org_id, Access.read)
    stored, version = stored_inventory(session, principal, org_id, year, method)
    period = session.get(ReportingPeriod, version.period_id)
    assert period is not None
    origin = f"{year} v{version.version} ({method})"
    metrics: dict[str, MetricValue] = {}
    totals = stored.summary
    metrics["accounting_in_place"] = MetricValue(
        1.0 if period.status == "verified" else 0.0, "yes/no", f"{origin}: {period.status}"
    )
    if period.output_value and period.output_value > 0:
        ei = energy_intensity(stored.energy_tce, period.output_value, year)
        metrics["energy_intensity_output_value"] = MetricValue(
            ei.value, ei.unit, f"{origin}: {stored.energy_tce:.6g} tce / {period.output_value:g}"
        )
        metrics["carbon_intensity_output_value"] = MetricValue(
            stored.total_tco2e / period.output_value,
            "tCO2e/(10^4 CNY)",
            f"{origin}: {stored.total_tco2e:.6g} tCO2e / {period.output_value:g}",
        )
    records = [(r.kind, r.item, r.amount, r.unit) for r in version_records(session, version.id)]
    share = renewable_electricity_share(records)
    if share is not None:
        metrics["renewable_electricity_share"] = MetricValue(share, "percent", origin)
    rows = session.scalars(
        select(ProductionLine).where(ProductionLine.org_id == org_id).order_by(ProductionLine.id)
    ).all()
    specs = [
        LineSpec(
            r.site, r.indicator_id, r.product, r.name, r.capacity, r.capacity_unit, r.commissioned
        )
        for r in rows
    ]
    lines: list[LinePerformance] = []
    problems: list[tuple[str, str]] = []
    if specs:
        try:
            lines, missing = lines_performance(ref, specs, balances_from_summary(totals), year)
            problems = [(spec.name or spec.site, why) for spec, why in missing]
        except PerformanceError as exc:
            problems = [(s.name or s.site, str(exc)) for s in specs]
    if lines:
        # the line with the largest energy use stands for the factory's unit-product energy
        main = max(lines, key=lambda lp: lp.numerator)
        metrics["unit_product_energy"] = MetricValue(
            main.value,
            main.unit,
            f"{origin}: {main.line.name or main.line.site}",
            levels=_line_levels(ref, main),
        )
    return Context(
        org=org,
        year=year,
        metrics=metrics,
        lines=lines,
        line_problems=problems,
        current_level=current_title(session, org_id, year),
        status=period.status,
    )


def scheme_with_levels(gf: GreenFactoryReference, scheme_id: str) -> Scheme:
    """The indicator scheme with the levels of the gradient cultivation system."""
    s = gf.scheme(scheme_id)
    levels = gf.level_systems.get(GRADIENT_SYSTEM, ())
    return Scheme(s.id, s.title_zh, s.title_en, s.indicators, levels)


def _efforts(raw: dict[str, Any]) -> dict[str, int]:
    out = {}
    for k, v in raw.items():
        try:
            out[k] = int(v)
        except (TypeError, ValueError):
            raise EvaluationError(f"effort of {k}: expected 1, 2 or 3, got {v!r}") from None
    return out


def run_evaluation(
    gf: GreenFactoryReference,
    ctx: Context,
    scheme_id: str,
    answers: dict[str, Any],
    efforts: dict[str, Any] | None = None,
) -> Evaluation:
    """Score the scheme from the context's metrics and the questionnaire (nothing is stored)."""
    return evaluate(
        scheme_with_levels(gf, scheme_id),
        answers,
        ctx.metrics,
        efforts=_efforts(efforts or {}),
        improvement_bands=gf.improvement_bands,
        current_level=ctx.current_level,
    )


def readiness(gf: GreenFactoryReference, ctx: Context, answers: dict[str, str]) -> Readiness:
    """Zero-carbon-factory readiness from the context's metrics and yes/no answers."""
    return assess(gf.zero_carbon, ctx.metrics, answers)


def result_document(ev: Evaluation, ctx: Context) -> dict[str, Any]:
    """The evaluation as JSON-ready data (stored with it, served by the API)."""
    return {
        "scheme": ev.scheme.id,
        "year": ctx.year,
        "total": ev.total,
        "max_sourced": ev.max_sourced,
        "unsourced_points": list(ev.unsourced_points),
        "basic_passed": ev.basic_passed,
        "basic_failed": list(ev.basic_failed),
        "current_level": ctx.current_level,
        "level": ev.level.level if ev.level else None,
        "level_note": ev.level_note,
        "groups": ev.group_totals(),
        "scores": [
            {
                "id": s.indicator.id,
                "kind": s.indicator.kind,
                "score": s.score,
                "max_points": s.max_points,
                "value": s.value,
                "value_origin": s.value_origin,
                "base": s.base,
                "leading": s.leading,
                "passed": s.passed,
                "flags": list(s.flags),
                "confidence": s.indicator.source.confidence,
            }
            for s in ev.scores
        ],
        "gaps": [
            {
                "id": g.indicator_id,
                "points_gained": g.points_gained,
                "effort": g.effort,
                "points_per_effort": g.points_per_effort,
                "target": g.target,
            }
            for g in ev.gaps
        ],
        "metrics": {
            k: {"value": m.value, "unit": m.unit, "origin": m.origin}
            for k, m in ctx.metrics.items()
        },
    }


def save_evaluation(
    session: Session,
    ref: ReferenceData,
    gf: GreenFactoryReference,
    principal: Principal,
    org_id: int,
    year: int,
    scheme_id: str,
    answers: dict[str, Any],
    efforts: dict[str, Any] | None = None,
    zero_carbon: dict[str, str] | None = None,
) -> tuple[GreenFactoryEvaluation, Evaluation, Context]:
    """Evaluate and store a self-evaluation with the zero-carbon answers (managers of the
    enterprise only; audited)."""
    require(session, principal, org_id, Access.write)
    if scheme_id not in gf.schemes:
        raise Conflict(f"unknown scheme {scheme_id!r}")
    ctx = context(session, ref, principal, org_id, year)
    ev = run_evaluation(gf, ctx, scheme_id, answers, efforts)
    doc = result_document(ev, ctx)
    row = GreenFactoryEvaluation(
        org_id=org_id,
        year=year,
        scheme=scheme_id,
        answers={"answers": answers, "efforts": efforts or {}, "zero_carbon": zero_carbon or {}},
        result=doc,
        total_score=ev.total,
        basic_passed=ev.basic_passed,
        level=ev.level.level if ev.level else None,
        reference_edition=ref.edition,
        created_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor_id=principal.user_id,
        actor=principal.username,
        action="green_factory.evaluate",
        entity="green_factory_evaluation",
        entity_id=row.id,
        org_id=org_id,
        payload={
            "year": year,
            "scheme": scheme_id,
            "answers": answers,
            "efforts": efforts or {},
            "zero_carbon": zero_carbon or {},
            "total": ev.total,
            "basic_passed": ev.basic_passed,
            "level": row.level,
        },
    )
    return row, ev, ctx


def latest_evaluation(
    session: Session, principal: Principal, org_id: int, year: int | None = None
) -> GreenFactoryEvaluation | None:
    """The newest saved self-evaluation of the enterprise (of ``year`` when given)."""
    require(session, principal, org_id, Access.read)
    stmt = select(GreenFactoryEvaluation).where(GreenFactoryEvaluation.org_id == org_id)
    if year is not None:
        stmt = stmt.where(GreenFactoryEvaluation.year == year)
    return session.scalars(stmt.order_by(GreenFactoryEvaluation.id.desc())).first()


def get_evaluation(
    session: Session, principal: Principal, org_id: int, evaluation_id: int
) -> GreenFactoryEvaluation:
    require(session, principal, org_id, Access.read)
    row = session.get(GreenFactoryEvaluation, evaluation_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no evaluation {evaluation_id}")
    return row

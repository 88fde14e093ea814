"""Energy benchmarking on the platform: production lines, their position against the benchmark
and base levels per year, the authorities' views (distribution by class per industry, the
below-base list, the energy-efficiency leaders) and the green-factory output share.

Every read starts from :func:`greenmfg.store.scope.enterprise_scope`, so a principal only sees the
lines of enterprises it may read. Values come from the stored inventories of the periods' current
versions (their site summaries, see :func:`greenmfg.energy.performance.balances_from_summary`):
one query per view, no recomputation. Writes (:func:`create_line`, :func:`award_title`) are
audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from greenmfg.energy.benchmark import Position
from greenmfg.energy.performance import (
    INTENSITY_UNIT,
    LineSpec,
    PerformanceError,
    balances_from_summary,
    energy_intensity,
    line_performance,
)
from greenmfg.reference.model import ReferenceData
from greenmfg.store import audit
from greenmfg.store.activities import DEFAULT_METHOD, Conflict
from greenmfg.store.models import (
    GreenFactoryTitle,
    InventoryResult,
    Organisation,
    ProductionLine,
    ReportingPeriod,
    Site,
)
from greenmfg.store.scope import Access, Forbidden, NotFound, Principal, enterprise_scope, require

TITLE_LEVELS = ("municipal", "provincial", "national")
CLASSES = tuple(p.value for p in Position)  # at_benchmark, between, below_base, unknown
GREEN_SHARE_TARGET = "green_factory_output_share"


class BenchmarkingError(ValueError):
    """A line or title that cannot be stored as given (HTTP 422)."""


# ------------------------------------------------------------------------------ writes


def create_line(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    *,
    site: str,
    name: str,
    indicator_id: str,
    product: str,
    capacity: float | None = None,
    capacity_unit: str = "",
    commissioned: int | None = None,
) -> ProductionLine:
    """Declare a production line of the enterprise (its manager's act); the line's energy
    boundary is its site ``site``, which must exist."""
    org = require(session, principal, org_id, Access.write)
    try:
        ref.benchmark_level(indicator_id)
    except KeyError:
        raise BenchmarkingError(
            f"indicator_id {indicator_id!r}: not a row of benchmark_levels.csv"
        ) from None
    if not session.scalars(select(Site.id).where(Site.org_id == org.id, Site.code == site)).first():
        raise BenchmarkingError(f"site {site!r}: the enterprise has no such site")
    if not name.strip() or not product.strip():
        raise BenchmarkingError("name and product: required")
    if capacity is not None and capacity <= 0:
        raise BenchmarkingError("capacity: must be positive")
    if commissioned is not None and not 1900 <= commissioned <= 2100:
        raise BenchmarkingError("commissioned: a four-digit year")
    exists = session.scalars(
        select(ProductionLine.id).where(
            ProductionLine.org_id == org.id,
            ProductionLine.site == site,
            ProductionLine.indicator_id == indicator_id,
        )
    ).first()
    if exists:
        raise Conflict(f"site {site!r} already has a line for {indicator_id}")
    line = ProductionLine(
        org_id=org.id,
        site=site,
        name=name.strip(),
        indicator_id=indicator_id,
        product=product.strip(),
        capacity=capacity,
        capacity_unit=capacity_unit,
        commissioned=commissioned,
    )
    session.add(line)
    session.flush()
    audit.append(
        session,
        actor_id=principal.user_id or None,
        actor=principal.username,
        action="production_line.create",
        entity="production_line",
        entity_id=line.id,
        org_id=org.id,
        payload={
            "site": site,
            "name": line.name,
            "indicator_id": indicator_id,
            "product": line.product,
            "capacity": capacity,
            "capacity_unit": capacity_unit,
            "commissioned": commissioned,
        },
    )
    return line


def award_title(
    session: Session,
    principal: Principal,
    org_id: int,
    *,
    level: str,
    year: int,
    list_name: str = "",
) -> GreenFactoryTitle:
    """Record a green-factory title (a platform administrator's or an authority's act, for an
    enterprise in its jurisdiction)."""
    org = require(session, principal, org_id, Access.read)
    if not principal.is_admin and "authority" not in principal.roles():
        raise Forbidden("only an authority or an administrator records a green-factory title")
    if level not in TITLE_LEVELS:
        raise BenchmarkingError(f"level {level!r}: expected one of {', '.join(TITLE_LEVELS)}")
    if not 2000 <= year <= 2100:
        raise BenchmarkingError("year: a four-digit year")
    if session.scalars(
        select(GreenFactoryTitle.id).where(
            GreenFactoryTitle.org_id == org.id,
            GreenFactoryTitle.level == level,
            GreenFactoryTitle.year == year,
        )
    ).first():
        raise Conflict(f"enterprise {org.id} already holds a {level} title of {year}")
    title = GreenFactoryTitle(org_id=org.id, level=level, year=year, list_name=list_name)
    session.add(title)
    session.flush()
    audit.append(
        session,
        actor_id=principal.user_id or None,
        actor=principal.username,
        action="green_factory_title.award",
        entity="green_factory_title",
        entity_id=title.id,
        org_id=org.id,
        payload={"level": level, "year": year, "list_name": list_name},
    )
    return title


# ------------------------------------------------------------------------------ reads


def _org_dict(org: Organisation) -> dict[str, Any]:
    return {
        "org_id": org.id,
        "org_name": org.name,
        "org_name_en": org.name_en,
        "region_code": org.region_code,
        "industry_code": org.industry_code or "",
        "park_id": org.park_id,
    }


def _spec(line: ProductionLine) -> LineSpec:
    return LineSpec(
        site=line.site,
        indicator_id=line.indicator_id,
        product=line.product,
        name=line.name,
        capacity=line.capacity,
        capacity_unit=line.capacity_unit or "",
        commissioned=line.commissioned,
    )


def _unknown_row(ref: ReferenceData, line: ProductionLine, year: int, why: str) -> dict[str, Any]:
    try:
        lv = ref.benchmark_level(line.indicator_id)
    except KeyError:
        lv = None
    return {
        "site": line.site,
        "name": line.name,
        "indicator_id": line.indicator_id,
        "indicator_zh": lv.indicator_zh if lv else line.indicator_id,
        "indicator_en": lv.indicator_en if lv else line.indicator_id,
        "area_id": lv.area_id if lv else "",
        "area_zh": lv.area_zh if lv else "",
        "area_en": lv.area_en if lv else "",
        "scope": lv.scope if lv else "",
        "catalogue": lv.catalogue if lv else None,
        "level_status": lv.status if lv else "missing",
        "product": line.product,
        "capacity": line.capacity,
        "capacity_unit": line.capacity_unit,
        "commissioned": line.commissioned,
        "year": year,
        "value": None,
        "unit": lv.unit if lv else "",
        "position": Position.unknown.value,
        "benchmark": lv.benchmark if lv else None,
        "base": lv.base if lv else None,
        "grades": None,
        "limit_grade": None,
        "exceeds_limit": False,
        "gap_to_base": None,
        "gap_to_benchmark": None,
        "effort_to_base_tce": None,
        "effort_to_benchmark_tce": None,
        "rule": "",
        "required_level": "",
        "required_value": None,
        "deadline": lv.deadline if lv else None,
        "meets_requirement": None,
        "inputs": {},
        "formula": "",
        "sources": [],
        "factors": [],
        "problem": why,
    }


def _evaluate(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    year: int,
    org_ids: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """Every line in scope (of ``org_ids`` if given) with its result for ``year``."""
    stmt = (
        select(ProductionLine, Organisation, InventoryResult.summary)
        .join(Organisation, Organisation.id == ProductionLine.org_id)
        .outerjoin(
            ReportingPeriod,
            and_(ReportingPeriod.org_id == Organisation.id, ReportingPeriod.year == year),
        )
        .outerjoin(
            InventoryResult,
            and_(
                InventoryResult.version_id == ReportingPeriod.current_version_id,
                InventoryResult.method == DEFAULT_METHOD,
            ),
        )
        .where(Organisation.kind == "enterprise", enterprise_scope(principal, Access.read))
        .order_by(Organisation.name, ProductionLine.site, ProductionLine.id)
    )
    if org_ids is not None:
        stmt = stmt.where(Organisation.id.in_(list(org_ids)))
    balances: dict[int, Any] = {}
    out: list[dict[str, Any]] = []
    for line, org, summary in session.execute(stmt).all():
        if org.id not in balances:
            balances[org.id] = balances_from_summary(summary) if summary else {}
        b = balances[org.id].get((line.site, year))
        if b is None:
            row = _unknown_row(ref, line, year, f"no {year} data for site {line.site}")
        else:
            try:
                row = line_performance(ref, _spec(line), b).as_dict()
                row["problem"] = ""
            except PerformanceError as exc:
                row = _unknown_row(ref, line, year, str(exc))
        row.update(_org_dict(org))
        row["line_id"] = line.id
        out.append(row)
    return out


def latest_or(years: list[int], year: int | None) -> int:
    """``year`` if given, else the newest of ``years`` (0 when there are none: empty results)."""
    if year is not None:
        return year
    return years[-1] if years else 0


def scope_years(session: Session, principal: Principal) -> list[int]:
    """Years with reporting periods among the enterprises in scope, ascending."""
    return sorted(
        session.scalars(
            select(ReportingPeriod.year)
            .join(Organisation, Organisation.id == ReportingPeriod.org_id)
            .where(Organisation.kind == "enterprise", enterprise_scope(principal, Access.read))
            .distinct()
        ).all()
    )


def enterprise_benchmark(
    session: Session, ref: ReferenceData, principal: Principal, org_id: int, year: int | None
) -> dict[str, Any]:
    """An enterprise's lines for ``year`` (its latest year by default), its energy intensity
    per output value and its green-factory titles. :class:`NotFound` outside the scope."""
    org = require(session, principal, org_id, Access.read)
    periods = session.execute(
        select(ReportingPeriod.year, ReportingPeriod.output_value, InventoryResult.energy_tce)
        .outerjoin(
            InventoryResult,
            and_(
                InventoryResult.version_id == ReportingPeriod.current_version_id,
                InventoryResult.method == DEFAULT_METHOD,
            ),
        )
        .where(ReportingPeriod.org_id == org.id)
        .order_by(ReportingPeriod.year)
    ).all()
    years = [p[0] for p in periods]
    if year is None:
        year = years[-1] if years else 0
    lines = _evaluate(session, ref, principal, year, [org.id])
    intensity = None
    for y, value, energy in periods:
        if y == year and value and energy is not None:
            ei = energy_intensity(float(energy), float(value), y)
            intensity = {
                "energy_tce": ei.energy_tce,
                "output_value": ei.output_value,
                "value": ei.value,
                "unit": ei.unit,
                "formula": ei.formula,
            }
    titles = session.scalars(
        select(GreenFactoryTitle)
        .where(GreenFactoryTitle.org_id == org.id)
        .order_by(GreenFactoryTitle.year, GreenFactoryTitle.id)
    ).all()
    return {
        "org": org,
        "year": year,
        "years": years,
        "lines": lines,
        "intensity": intensity,
        "titles": [{"level": t.level, "year": t.year, "list_name": t.list_name} for t in titles],
    }


@dataclass
class Oversight:
    """An authority's or a park's benchmarking view of one year."""

    year: int
    years: list[int]
    lines: list[dict[str, Any]]
    distribution: list[dict[str, Any]] = field(default_factory=list)
    below_base: list[dict[str, Any]] = field(default_factory=list)
    leaders: list[dict[str, Any]] = field(default_factory=list)
    green_share: dict[str, Any] = field(default_factory=dict)


def distribution(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per benchmark area: lines, output and capacity by class (capacity summed only when the
    area's lines share one capacity unit; output likewise by output unit)."""
    areas: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in lines:
        areas[r["area_id"] or r["indicator_id"]].append(r)
    out = []
    for area_id, rows in sorted(areas.items()):
        out_units = {r["inputs"].get("output_unit") for r in rows if r["inputs"]}
        cap_units = {r["capacity_unit"] for r in rows if r["capacity"] is not None}
        classes: dict[str, dict[str, Any]] = {}
        for cls in CLASSES:
            sel = [r for r in rows if r["position"] == cls]
            classes[cls] = {
                "lines": len(sel),
                "output": sum(r["inputs"].get("output", 0.0) for r in sel if r["inputs"]),
                "capacity": (
                    sum(r["capacity"] for r in sel if r["capacity"] is not None)
                    if len(cap_units) == 1
                    else None
                ),
            }
        total_output = sum(c["output"] for c in classes.values())
        for c in classes.values():
            c["output_share"] = c["output"] / total_output if total_output else None
        out.append(
            {
                "area_id": area_id,
                "area_zh": rows[0]["area_zh"],
                "area_en": rows[0]["area_en"],
                "lines": len(rows),
                "output_unit": next(iter(out_units)) if len(out_units) == 1 else "",
                "capacity_unit": next(iter(cap_units)) if len(cap_units) == 1 else "",
                "classes": classes,
            }
        )
    return out


def below_base(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines below the base level, by deadline (a new line's benchmark applies already and comes
    first), then by gap to the base level, largest first."""
    rows = [r for r in lines if r["position"] == Position.below_base.value]
    return sorted(rows, key=lambda r: (r["deadline"] or "", -(r["gap_to_base"] or 0.0)))


def leaders(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Energy-efficiency leaders (能效领跑者) per indicator: lines with a value, best (lowest)
    first, ranked."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in lines:
        if r["value"] is not None:
            by[r["indicator_id"]].append(r)
    out = []
    for indicator, rows in sorted(by.items()):
        rows = sorted(rows, key=lambda r: r["value"])
        out.append(
            {
                "indicator_id": indicator,
                "indicator_zh": rows[0]["indicator_zh"],
                "indicator_en": rows[0]["indicator_en"],
                "area_zh": rows[0]["area_zh"],
                "area_en": rows[0]["area_en"],
                "unit": rows[0]["unit"],
                "benchmark": rows[0]["benchmark"],
                "base": rows[0]["base"],
                "ranking": [{"rank": i + 1, **r} for i, r in enumerate(rows)],
            }
        )
    return out


def green_share(
    session: Session, ref: ReferenceData, principal: Principal, year: int
) -> dict[str, Any]:
    """Output value of the enterprises holding a green-factory title awarded in or before
    ``year`` over the output value of all enterprises in scope (``ReportingPeriod.output_value``,
    10^4 CNY), in percent, against the 2030 target (``policy_targets.csv``)."""
    rows = session.execute(
        select(Organisation, ReportingPeriod.output_value)
        .join(
            ReportingPeriod,
            and_(ReportingPeriod.org_id == Organisation.id, ReportingPeriod.year == year),
        )
        .where(Organisation.kind == "enterprise", enterprise_scope(principal, Access.read))
    ).all()
    ids = [o.id for o, _ in rows]
    titled: dict[int, list[GreenFactoryTitle]] = defaultdict(list)
    if ids:
        for t in session.scalars(
            select(GreenFactoryTitle)
            .where(GreenFactoryTitle.org_id.in_(ids), GreenFactoryTitle.year <= year)
            .order_by(GreenFactoryTitle.year)
        ):
            titled[t.org_id].append(t)
    total = sum(v or 0.0 for _, v in rows)
    green = sum(v or 0.0 for o, v in rows if o.id in titled)
    share = 100.0 * green / total if total else None
    target = ref.policy_target(GREEN_SHARE_TARGET)
    rank = {lv: i for i, lv in enumerate(TITLE_LEVELS)}
    factories = []
    for o, v in rows:
        if o.id in titled:
            best = max(titled[o.id], key=lambda t: (rank[t.level], t.year))
            factories.append(
                {
                    **_org_dict(o),
                    "output_value": v,
                    "level": best.level,
                    "since": min(t.year for t in titled[o.id]),
                    "titles": [{"level": t.level, "year": t.year} for t in titled[o.id]],
                }
            )
    factories.sort(key=lambda f: -(f["output_value"] or 0.0))
    return {
        "year": year,
        "enterprises": len(rows),
        "green_enterprises": len(factories),
        "output_value": total,
        "green_output_value": green,
        "share_percent": share,
        "target": {
            "id": target.target_id,
            "comparator": target.comparator,
            "value": target.value,
            "unit": target.unit,
            "year": target.target_year,
            "indicator_zh": target.indicator_zh,
            "indicator_en": target.indicator_en,
            "source": target.source.label(),
            "confidence": target.source.confidence,
        },
        "meets_target": target.met_by(share) if share is not None else None,
        "factories": factories,
    }


def oversight(
    session: Session, ref: ReferenceData, principal: Principal, year: int | None = None
) -> Oversight:
    """Everything the authority page shows, computed once from the lines in scope."""
    years = scope_years(session, principal)
    year = latest_or(years, year)
    lines = _evaluate(session, ref, principal, year)
    return Oversight(
        year=year,
        years=years,
        lines=lines,
        distribution=distribution(lines),
        below_base=below_base(lines),
        leaders=leaders(lines),
        green_share=green_share(session, ref, principal, year),
    )


def get_line(session: Session, principal: Principal, line_id: int) -> ProductionLine:
    line = session.get(ProductionLine, line_id)
    if line is None:
        raise NotFound(f"line {line_id} not found")
    require(session, principal, line.org_id, Access.read)
    return line


__all__ = [
    "CLASSES",
    "INTENSITY_UNIT",
    "TITLE_LEVELS",
    "BenchmarkingError",
    "Oversight",
    "award_title",
    "below_base",
    "create_line",
    "distribution",
    "enterprise_benchmark",
    "get_line",
    "green_share",
    "leaders",
    "oversight",
    "scope_years",
]

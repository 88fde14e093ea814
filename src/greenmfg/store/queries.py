"""Read models for dashboards: an enterprise's years, and portfolios for parks and authorities.

Every query starts from :func:`greenmfg.store.scope.enterprises`, so a dashboard can only
aggregate what its viewer may read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased, undefer

from greenmfg.store.activities import DEFAULT_METHOD
from greenmfg.store.models import (
    ActivityVersion,
    Comment,
    InventoryResult,
    Organisation,
    ReportingPeriod,
    Submission,
    User,
)
from greenmfg.store.scope import Access, NotFound, Principal, enterprise_scope, require

SORTABLE = (
    "name",
    "industry_code",
    "region_code",
    "status",
    "total_tco2e",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "energy_tce",
    "output_value",
    "tco2e_per_output",
)


def _current_inventory_join(method: str):  # type: ignore[no-untyped-def]
    return and_(
        InventoryResult.version_id == ReportingPeriod.current_version_id,
        InventoryResult.method == method,
    )


current_inventory_join = _current_inventory_join  # public name for the analytics export


def period_version(
    session: Session, principal: Principal, org_id: int, year: int, version: int | None = None
) -> ActivityVersion:
    """A period's current version (or its version number ``version``), if the principal may
    read the enterprise; :class:`NotFound` otherwise."""
    require(session, principal, org_id, Access.read)
    period = session.scalars(
        select(ReportingPeriod).where(
            ReportingPeriod.org_id == org_id, ReportingPeriod.year == year
        )
    ).first()
    if period is None or period.current_version_id is None:
        raise NotFound(f"no {year} data for enterprise {org_id}")
    stmt = select(ActivityVersion).where(ActivityVersion.period_id == period.id)
    if version is None:
        stmt = stmt.where(ActivityVersion.id == period.current_version_id)
    else:
        stmt = stmt.where(ActivityVersion.version == version)
    v = session.scalars(stmt).first()
    if v is None:
        raise NotFound(f"version {version} of {year} not found")
    return v


def stored_inventory(
    session: Session,
    principal: Principal,
    org_id: int,
    year: int,
    method: str = DEFAULT_METHOD,
    version: int | None = None,
    lines: bool = False,
) -> tuple[InventoryResult, ActivityVersion]:
    """The stored inventory of a period's version under ``method`` (with its lines if ``lines``)."""
    v = period_version(session, principal, org_id, year, version)
    stmt = select(InventoryResult).where(
        InventoryResult.version_id == v.id, InventoryResult.method == method
    )
    if lines:
        stmt = stmt.options(undefer(InventoryResult.lines))
    inv = session.scalars(stmt).first()
    if inv is None:
        raise NotFound(f"no {method} inventory for {year} version {v.version}")
    return inv, v


def enterprise_years(
    session: Session, principal: Principal, org_id: int, method: str = DEFAULT_METHOD
) -> dict[str, Any]:
    """An enterprise's periods, newest first, each with its status and current inventory summary."""
    org = require(session, principal, org_id, Access.read)
    rows = session.execute(
        select(ReportingPeriod, InventoryResult, ActivityVersion)
        .outerjoin(InventoryResult, _current_inventory_join(method))
        .outerjoin(ActivityVersion, ActivityVersion.id == ReportingPeriod.current_version_id)
        .where(ReportingPeriod.org_id == org.id)
        .order_by(ReportingPeriod.year.desc())
    ).all()
    years = []
    for period, inv, version in rows:
        years.append(
            {
                "year": period.year,
                "status": period.status,
                "output_value": period.output_value,
                "version": version.version if version else None,
                "version_id": version.id if version else None,
                "inventory_id": inv.id if inv else None,
                "summary": inv.summary if inv else None,
            }
        )
    return {"org": org, "years": years}


def period_detail(session: Session, principal: Principal, org_id: int, year: int) -> dict[str, Any]:
    """Versions, submissions and comments of one period (the workflow page)."""
    require(session, principal, org_id, Access.read)
    period = session.scalars(
        select(ReportingPeriod).where(
            ReportingPeriod.org_id == org_id, ReportingPeriod.year == year
        )
    ).first()
    if period is None:
        return {"period": None, "versions": [], "submissions": [], "comments": []}
    creator = aliased(User)
    versions = session.execute(
        select(ActivityVersion, creator.username)
        .outerjoin(creator, creator.id == ActivityVersion.created_by)
        .where(ActivityVersion.period_id == period.id)
        .order_by(ActivityVersion.version.desc())
    ).all()
    submitter, decider = aliased(User), aliased(User)
    subs = session.execute(
        select(Submission, submitter.username, decider.username)
        .join(submitter, submitter.id == Submission.submitted_by)
        .outerjoin(decider, decider.id == Submission.decided_by)
        .where(Submission.period_id == period.id)
        .order_by(Submission.id.desc())
    ).all()
    comments = session.execute(
        select(Comment, User.username)
        .join(User, User.id == Comment.user_id)
        .where(Comment.period_id == period.id)
        .order_by(Comment.id)
    ).all()
    return {
        "period": period,
        "versions": [{"version": v, "by": by} for v, by in versions],
        "submissions": [{"submission": s, "by": by, "decided_by": dby} for s, by, dby in subs],
        "comments": [{"comment": c, "by": by} for c, by in comments],
    }


@dataclass
class Portfolio:
    """Enterprises in scope for one year with their current figures and group totals."""

    year: int
    method: str
    rows: list[dict[str, Any]]
    total: dict[str, float]
    by_industry: list[dict[str, Any]] = field(default_factory=list)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)


def portfolio(
    session: Session,
    principal: Principal,
    year: int | None = None,
    *,
    method: str = DEFAULT_METHOD,
    industry: str = "",
    region: str = "",
    status: str = "",
    q: str = "",
    park_id: int | None = None,
    sort: str = "total_tco2e",
    descending: bool = True,
) -> Portfolio:
    """The enterprises the principal may read, filtered by GB/T 4754 code prefix (``industry``),
    GB/T 2260 prefix (``region``), workflow ``status`` and name (``q``), with totals by industry
    division (letter + two digits) and by prefecture (first four digits of the region code)."""
    scope = enterprise_scope(principal, Access.read)
    years = sorted(
        session.scalars(
            select(ReportingPeriod.year)
            .join(Organisation, Organisation.id == ReportingPeriod.org_id)
            .where(Organisation.kind == "enterprise", scope)
            .distinct()
        ).all()
    )
    if year is None:
        year = years[-1] if years else 0
    stmt = (
        select(
            Organisation,
            ReportingPeriod.status,
            ReportingPeriod.output_value,
            InventoryResult.total_tco2e,
            InventoryResult.scope1_tco2e,
            InventoryResult.scope2_location_tco2e,
            InventoryResult.scope2_market_tco2e,
            InventoryResult.energy_tce,
        )
        .select_from(Organisation)
        .outerjoin(
            ReportingPeriod,
            and_(ReportingPeriod.org_id == Organisation.id, ReportingPeriod.year == year),
        )
        .outerjoin(InventoryResult, _current_inventory_join(method))
        .where(Organisation.kind == "enterprise", scope)
    )
    if industry:
        stmt = stmt.where(Organisation.industry_code.startswith(industry, autoescape=True))
    if region:
        stmt = stmt.where(Organisation.region_code.startswith(region, autoescape=True))
    if park_id is not None:
        stmt = stmt.where(Organisation.park_id == park_id)
    if q:
        stmt = stmt.where(
            Organisation.name.contains(q, autoescape=True)
            | Organisation.name_en.contains(q, autoescape=True)
        )
    rows: list[dict[str, Any]] = []
    for org, st, out, total, s1, s2l, s2m, energy in session.execute(stmt).all():
        st = st or "none"
        if status and st != status:
            continue
        rows.append(
            {
                "id": org.id,
                "name": org.name,
                "name_en": org.name_en,
                "industry_code": org.industry_code or "",
                "region_code": org.region_code,
                "park_id": org.park_id,
                "status": st,
                "total_tco2e": total,
                "scope1_tco2e": s1,
                "scope2_location_tco2e": s2l,
                "scope2_market_tco2e": s2m,
                "energy_tce": energy,
                "output_value": out,
                "tco2e_per_output": (total / out) if total is not None and out else None,
            }
        )
    key = sort if sort in SORTABLE else "total_tco2e"
    present = [r for r in rows if r[key] is not None]
    absent = [r for r in rows if r[key] is None]
    present.sort(key=lambda r: r[key], reverse=descending)
    rows = present + absent

    def group(keyfn: Any) -> list[dict[str, Any]]:
        acc: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"enterprises": 0, "total_tco2e": 0.0, "energy_tce": 0.0, "output_value": 0.0}
        )
        for r in rows:
            g = acc[keyfn(r)]
            g["enterprises"] += 1
            g["total_tco2e"] += r["total_tco2e"] or 0.0
            g["energy_tce"] += r["energy_tce"] or 0.0
            g["output_value"] += r["output_value"] or 0.0
        return [
            {"key": k, **v} for k, v in sorted(acc.items(), key=lambda kv: -kv[1]["total_tco2e"])
        ]

    by_status: dict[str, int] = defaultdict(int)
    for r in rows:
        by_status[r["status"]] += 1
    total = {
        k: float(sum(r[k] or 0.0 for r in rows))
        for k in (
            "total_tco2e",
            "scope1_tco2e",
            "scope2_location_tco2e",
            "energy_tce",
            "output_value",
        )
    }
    ids = [r["id"] for r in rows]
    trend = []
    if ids:
        for y, tot, en in session.execute(
            select(ReportingPeriod.year, InventoryResult.total_tco2e, InventoryResult.energy_tce)
            .join(InventoryResult, _current_inventory_join(method))
            .where(ReportingPeriod.org_id.in_(ids))
        ).all():
            trend.append({"year": y, "total_tco2e": tot, "energy_tce": en})
    agg: dict[int, dict[str, float]] = defaultdict(lambda: {"total_tco2e": 0.0, "energy_tce": 0.0})
    for t in trend:
        agg[t["year"]]["total_tco2e"] += t["total_tco2e"]
        agg[t["year"]]["energy_tce"] += t["energy_tce"]
    return Portfolio(
        year=year,
        method=method,
        rows=rows,
        total=total,
        by_industry=group(lambda r: (r["industry_code"] or "?")[:3]),
        by_region=group(lambda r: r["region_code"][:4] + "00"),
        by_status=dict(by_status),
        years=years,
        trend=[{"year": y, **v} for y, v in sorted(agg.items())],
    )

"""``/benchmark``: production lines against the energy-efficiency benchmark and base levels,
the authorities' views (distribution by class, below-base list, leaders) and the green-factory
output share. Reads are scoped by :mod:`greenmfg.store.scope` (another tenant's enterprise is a
404)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from greenmfg.api.deps import DbDep, OptYear, OrgId, PrincipalDep, ReadSession, RefDep
from greenmfg.store import benchmarking as bm

router = APIRouter(tags=["benchmark"])


class LineCreate(BaseModel):
    """A production line; its energy boundary is the enterprise's site ``site``."""

    model_config = ConfigDict(extra="forbid")

    site: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    indicator_id: str = Field(min_length=1, max_length=64, description="benchmark_levels.csv id")
    product: str = Field(min_length=1, max_length=64, description="production item id")
    capacity: float | None = Field(None, gt=0, le=1e12)
    capacity_unit: str = Field("", max_length=32)
    commissioned: int | None = Field(None, ge=1900, le=2100)


class LinePublic(BaseModel):
    id: int
    org_id: int
    site: str
    name: str
    indicator_id: str
    product: str
    capacity: float | None
    capacity_unit: str
    commissioned: int | None


class LineResult(BaseModel):
    """A line's unit-product value in the year, its class and the rule that applies; ``inputs``,
    ``sources`` and ``factors`` echo the provenance."""

    model_config = ConfigDict(extra="allow")

    line_id: int
    org_id: int
    org_name: str
    site: str
    name: str
    indicator_id: str
    area_id: str
    year: int
    value: float | None
    unit: str
    position: str
    benchmark: float | None
    base: float | None
    limit_grade: int | None
    exceeds_limit: bool
    gap_to_base: float | None
    gap_to_benchmark: float | None
    effort_to_base_tce: float | None
    effort_to_benchmark_tce: float | None
    rule: str
    required_level: str
    deadline: str | None
    meets_requirement: bool | None
    inputs: dict[str, Any]
    sources: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    problem: str


class EnterpriseLines(BaseModel):
    org_id: int
    year: int
    years: list[int]
    lines: list[LineResult]
    intensity: dict[str, Any] | None
    titles: list[dict[str, Any]]


class Distribution(BaseModel):
    year: int
    areas: list[dict[str, Any]]


class BelowBase(BaseModel):
    year: int
    lines: list[LineResult]


class Leaders(BaseModel):
    year: int
    indicators: list[dict[str, Any]]


class GreenShare(BaseModel):
    model_config = ConfigDict(extra="allow")

    year: int
    enterprises: int
    green_enterprises: int
    output_value: float
    green_output_value: float
    share_percent: float | None
    target: dict[str, Any]
    meets_target: bool | None
    factories: list[dict[str, Any]]


@router.get(
    "/benchmark/enterprises/{org_id}/lines",
    response_model=EnterpriseLines,
    summary="An enterprise's production lines against the benchmark and base levels in a year",
)
def enterprise_lines(
    org_id: OrgId, principal: PrincipalDep, s: ReadSession, ref: RefDep, year: OptYear = None
) -> EnterpriseLines:
    d = bm.enterprise_benchmark(s, ref, principal, org_id, year)
    return EnterpriseLines(
        org_id=d["org"].id,
        year=d["year"],
        years=d["years"],
        lines=[LineResult(**r) for r in d["lines"]],
        intensity=d["intensity"],
        titles=d["titles"],
    )


@router.post(
    "/benchmark/enterprises/{org_id}/lines",
    response_model=LinePublic,
    status_code=201,
    summary="Declare a production line (the enterprise's manager)",
)
def create_line(
    org_id: OrgId, body: LineCreate, principal: PrincipalDep, db: DbDep, ref: RefDep
) -> LinePublic:
    try:
        with db.writing() as s:
            line = bm.create_line(s, ref, principal, org_id, **body.model_dump())
            out = LinePublic(
                id=line.id,
                org_id=line.org_id,
                site=line.site,
                name=line.name,
                indicator_id=line.indicator_id,
                product=line.product,
                capacity=line.capacity,
                capacity_unit=line.capacity_unit,
                commissioned=line.commissioned,
            )
    except bm.BenchmarkingError as e:
        raise HTTPException(422, str(e)) from e
    return out


@router.get(
    "/benchmark/distribution",
    response_model=Distribution,
    summary="Lines, output and capacity by class per benchmark area, in the caller's scope",
)
def get_distribution(
    principal: PrincipalDep, s: ReadSession, ref: RefDep, year: OptYear = None
) -> Distribution:
    o = bm.oversight(s, ref, principal, year)
    return Distribution(year=o.year, areas=o.distribution)


@router.get(
    "/benchmark/below-base",
    response_model=BelowBase,
    summary="Lines below the base level with their deadline (by deadline, then gap)",
)
def get_below_base(
    principal: PrincipalDep, s: ReadSession, ref: RefDep, year: OptYear = None
) -> BelowBase:
    o = bm.oversight(s, ref, principal, year)
    return BelowBase(year=o.year, lines=[LineResult(**r) for r in o.below_base])


@router.get(
    "/benchmark/leaders",
    response_model=Leaders,
    summary="Energy-efficiency leaders (能效领跑者) per indicator, best first",
)
def get_leaders(
    principal: PrincipalDep, s: ReadSession, ref: RefDep, year: OptYear = None
) -> Leaders:
    o = bm.oversight(s, ref, principal, year)
    return Leaders(year=o.year, indicators=o.leaders)


@router.get(
    "/benchmark/green-share",
    response_model=GreenShare,
    summary="Output-value share of green factories in scope against the 2030 target",
)
def get_green_share(
    principal: PrincipalDep, s: ReadSession, ref: RefDep, year: OptYear = None
) -> GreenShare:
    y = bm.latest_or(bm.scope_years(s, principal), year)
    return GreenShare(**bm.green_share(s, ref, principal, y))

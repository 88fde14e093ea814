from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import undefer

from greenmfg.api.deps import MAX_ID, OptVersion, OrgId, PrincipalDep, ReadSession, RefDep, YearPath
from greenmfg.api.schemas import InventoryPublic, LinesPublic, Method, YearSummary
from greenmfg.store.activities import DEFAULT_METHOD, get_period
from greenmfg.store.models import ActivityVersion, InventoryResult
from greenmfg.store.queries import enterprise_years
from greenmfg.store.reports import XLSX, inventory_workbook
from greenmfg.store.scope import Access, NotFound, require

router = APIRouter(tags=["inventories"])
NF = {404: {"description": "not found"}}


@router.get(
    "/enterprises/{org_id}/years",
    response_model=list[YearSummary],
    responses=NF,
    summary="Reporting years with status and totals",
)
def years(
    org_id: OrgId, principal: PrincipalDep, s: ReadSession, method: Method = DEFAULT_METHOD
) -> list[YearSummary]:
    data = enterprise_years(s, principal, org_id, method)
    return [
        YearSummary(
            year=y["year"],
            status=y["status"],
            output_value=y["output_value"],
            version=y["version"],
            version_id=y["version_id"],
            inventory_id=y["inventory_id"],
            total_tco2e=(y["summary"] or {}).get("total_tco2e"),
            energy_tce=(y["summary"] or {}).get("energy_tce"),
        )
        for y in data["years"]
    ]


def _inventory(
    s, principal, org_id: int, year: int, method: str, version: int | None, lines: bool = False
):  # type: ignore[no-untyped-def]
    require(s, principal, org_id, Access.read)
    period = get_period(s, org_id, year)
    if period is None or period.current_version_id is None:
        raise NotFound(f"no {year} inventory for enterprise {org_id}")
    stmt = (
        select(InventoryResult, ActivityVersion)
        .join(ActivityVersion, ActivityVersion.id == InventoryResult.version_id)
        .where(ActivityVersion.period_id == period.id, InventoryResult.method == method)
    )
    stmt = (
        stmt.where(ActivityVersion.version == version)
        if version is not None
        else stmt.where(ActivityVersion.id == period.current_version_id)
    )
    if lines:
        stmt = stmt.options(undefer(InventoryResult.lines))
    row = s.execute(stmt).first()
    if row is None:
        raise NotFound(
            f"no {method} inventory for {year}" + (f" version {version}" if version else "")
        )
    return row


@router.get(
    "/enterprises/{org_id}/years/{year}/inventory",
    response_model=InventoryPublic,
    responses=NF,
    summary="The stored inventory with its reference edition, engine version and factors",
)
def inventory(
    org_id: OrgId,
    year: YearPath,
    principal: PrincipalDep,
    s: ReadSession,
    method: Method = DEFAULT_METHOD,
    version: OptVersion = None,
) -> InventoryPublic:
    inv, v = _inventory(s, principal, org_id, year, method, version)
    return InventoryPublic(
        id=inv.id,
        org_id=org_id,
        year=year,
        version=v.version,
        method=inv.method,
        gwp_set=inv.gwp_set,
        reference_edition=inv.reference_edition,
        engine_version=inv.engine_version,
        computed_at=inv.computed_at,
        total_tco2e=inv.total_tco2e,
        scope1_tco2e=inv.scope1_tco2e,
        scope2_location_tco2e=inv.scope2_location_tco2e,
        scope2_market_tco2e=inv.scope2_market_tco2e,
        energy_tce=inv.energy_tce,
        summary=inv.summary,
    )


@router.get(
    "/enterprises/{org_id}/years/{year}/inventory/lines",
    response_model=LinesPublic,
    responses=NF,
    summary="Inventory lines (inputs echoed, factors with sources, formula, flags), filterable",
)
def lines(
    org_id: OrgId,
    year: YearPath,
    principal: PrincipalDep,
    s: ReadSession,
    method: Method = DEFAULT_METHOD,
    version: OptVersion = None,
    category: str | None = None,
    site: str | None = None,
    offset: int = Query(0, ge=0, le=MAX_ID),
    limit: int = Query(200, ge=1, le=5000),
) -> LinesPublic:
    inv, _v = _inventory(s, principal, org_id, year, method, version, lines=True)
    rows = inv.lines or []
    if category:
        rows = [r for r in rows if r.get("category") == category]
    if site:
        rows = [r for r in rows if r.get("site") == site]
    return LinesPublic(total=len(rows), offset=offset, lines=rows[offset : offset + limit])


@router.get(
    "/enterprises/{org_id}/years/{year}/inventory.xlsx",
    responses={200: {"content": {XLSX: {}}}, **NF},
    response_class=Response,
    summary="The inventory report as an Excel workbook",
)
def export_xlsx(
    org_id: OrgId,
    year: YearPath,
    principal: PrincipalDep,
    s: ReadSession,
    ref: RefDep,
    method: Method = DEFAULT_METHOD,
    lang: str = Query("zh", pattern="^(zh|en)$"),
    version: OptVersion = None,
) -> Response:
    wb = inventory_workbook(s, ref, principal, org_id, year, method, lang, version)
    return Response(
        wb.content,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{wb.filename}"',
            "X-Greenmfg-Reproduced": "true" if wb.reproduced else "false",
            "X-Greenmfg-Reference-Edition": wb.current_edition,
        },
    )

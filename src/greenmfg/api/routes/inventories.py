from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from greenmfg.api.deps import MAX_ID, OptVersion, OrgId, PrincipalDep, ReadSession, RefDep, YearPath
from greenmfg.api.schemas import InventoryPublic, LinesPublic, Method, YearSummary
from greenmfg.store.activities import DEFAULT_METHOD
from greenmfg.store.queries import enterprise_years, stored_inventory
from greenmfg.store.reports import XLSX, inventory_workbook

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
    inv, v = stored_inventory(s, principal, org_id, year, method, version)
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
    inv, _v = stored_inventory(s, principal, org_id, year, method, version, lines=True)
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

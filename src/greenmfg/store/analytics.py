"""The platform's stored data as the analytics tables (:mod:`greenmfg.analytics.schema`), scoped by
the principal's permissions, so that the authorities' views run the same aggregations as a
national Parquet dataset does on DuckDB or Spark.

What the platform holds fills the columns it can: output value (reporting periods), energy and
emissions (the current inventories: ``emissions_tco2e`` is scope 1 + scope 2 location-based),
electricity bought (the inventory's energy by carrier, converted to kWh with pint before it
enters the engine), primary aluminium and crude steel (production records), green-factory titles.
Columns the platform does not collect (value added, solid waste, renewable electricity, EAF
steel, recycled resources) are null, so their indicators read "no data" rather than zero.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.analytics.schema import ANNUAL
from greenmfg.store.activities import DEFAULT_METHOD
from greenmfg.store.models import GreenFactoryTitle, InventoryResult, Organisation, ReportingPeriod
from greenmfg.store.queries import current_inventory_join
from greenmfg.store.scope import Access, Principal, enterprise_scope
from greenmfg.units import conversion_factor

__all__ = ["ANNUAL_TYPES", "platform_tables"]

TITLE_RANK = {"municipal": 0, "provincial": 1, "national": 2}
#: production items of the inventory that feed target indicators: item -> ANNUAL column
PRODUCTION_COLUMNS = {"primary_aluminium": "aluminium_t", "crude_steel": "steel_t"}
ANNUAL_TYPES = {"enterprise_id": pa.int64(), "year": pa.int32()}


def _enterprises(session: Session, principal: Principal) -> tuple[pa.Table, list[int]]:
    orgs = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == "enterprise", enterprise_scope(principal, Access.read))
            .order_by(Organisation.id)
        )
    )
    ids = [o.id for o in orgs]
    titles: dict[int, list[GreenFactoryTitle]] = defaultdict(list)
    if ids:
        for t in session.scalars(
            select(GreenFactoryTitle).where(GreenFactoryTitle.org_id.in_(ids))
        ):
            titles[t.org_id].append(t)
    best = {
        k: max(v, key=lambda t: (TITLE_RANK.get(t.level, -1), t.year)) for k, v in titles.items()
    }
    table = pa.table(
        {
            "enterprise_id": pa.array(ids, pa.int64()),
            "name": [o.name for o in orgs],
            "region_code": [o.region_code for o in orgs],
            "industry_code": [o.industry_code or "" for o in orgs],
            "park_id": pa.array([o.park_id for o in orgs], pa.int64()),
            "green_level": [best[o.id].level if o.id in best else None for o in orgs],
            "green_since": pa.array(
                [min(t.year for t in titles[o.id]) if o.id in titles else None for o in orgs],
                pa.int32(),
            ),
        }
    )
    return table, ids


def _annual(session: Session, ids: list[int], method: str) -> pa.Table:
    cols: dict[str, list[Any]] = {c: [] for c in ANNUAL}
    if ids:
        rows = session.execute(
            select(ReportingPeriod, InventoryResult)
            .join(InventoryResult, current_inventory_join(method))
            .where(ReportingPeriod.org_id.in_(ids))
            .order_by(ReportingPeriod.org_id, ReportingPeriod.year)
        ).all()
    else:
        rows = []
    for period, inv in rows:
        summary = inv.summary or {}
        kwh = 0.0
        for r in summary.get("energy_by_carrier") or ():
            if r.get("kind") == "electricity" and int(r["year"]) == period.year:
                kwh += float(r["amount"]) * conversion_factor(str(r["unit"]), "kWh")
        produced: dict[str, float] = defaultdict(float)
        for r in summary.get("intensities") or ():
            column = PRODUCTION_COLUMNS.get(str(r["product"]))
            if column and int(r["year"]) == period.year:
                produced[column] += float(r["output"]) * conversion_factor(str(r["unit"]), "t")
        values: dict[str, Any] = {c: None for c in ANNUAL}
        values.update(
            enterprise_id=period.org_id,
            year=period.year,
            output_value_10k_cny=period.output_value,
            energy_tce=inv.energy_tce,
            emissions_tco2e=inv.scope1_tco2e + inv.scope2_location_tco2e,
            electricity_kwh=kwh,
            aluminium_t=produced.get("aluminium_t", 0.0),
            steel_t=produced.get("steel_t", 0.0),
        )
        for c in ANNUAL:
            cols[c].append(values[c])
    return pa.table({c: pa.array(v, ANNUAL_TYPES.get(c, pa.float64())) for c, v in cols.items()})


def platform_tables(
    session: Session, principal: Principal, *, method: str = DEFAULT_METHOD
) -> dict[str, pa.Table]:
    """``enterprises`` and ``annual`` of the enterprises the principal may read (current
    inventories under ``method``)."""
    enterprises, ids = _enterprises(session, principal)
    return {"enterprises": enterprises, "annual": _annual(session, ids, method)}

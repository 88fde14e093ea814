"""Demo product footprints: the Suzhou cement plant's clinker and cement, computed from its own
accounted inventory with the footprint engine and published as PACT v3 ProductFootprints.

The product system is fed from the inventory (the enterprise's site boundaries): the clinker
line and its quarry (sites S1, S2) make the clinker, with their direct emissions (scope 1, tCO2e
of the inventory) and their grid electricity; the grinding station (S3) makes the cement from the
clinker and its own electricity. Grid electricity is a database value: the national electricity
carbon footprint factor of the reference data for the year (MEE/NBS/NEA). The demo assumes all
clinker is ground on site (clinker per t cement = clinker made / cement made). Upstream chains of
the fuels and the other cement constituents are not in the demo's data, and the declarations say so.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from greenmfg.footprint.declaration import PcfDeclaration
from greenmfg.footprint.inventory import SiteProcess, processes_from_inventory
from greenmfg.footprint.pedigree import gsd_from_pedigree
from greenmfg.footprint.system import (
    Input,
    Product,
    ProductSystem,
    PurchasedFootprint,
    SystemResult,
)
from greenmfg.reference import ReferenceData
from greenmfg.reference.footprints import product_footprint
from greenmfg.reference.pedigree import pedigree_factors
from greenmfg.units import conversion_factor

ELECTRICITY = "electricity_grid_footprint"
#: (org key, product id, name zh, name en, HS code): the demo's published products
PRODUCTS = (
    ("ent20", "cement_clinker", "水泥熟料", "Portland cement clinker", "252310"),
    ("ent20", "cement", "通用硅酸盐水泥", "Portland cement (grey)", "252329"),
)
# Demo data-quality ratings (PACT DQR, 1 best .. 3): the plant's own metered data of the year, and
# the national average grid factor for a plant in Jiangsu (geographically less representative).
# Ratings are the demo enterprise's own assessment, not reference data.
OWN_DQR = {
    "technological": 1.0,
    "temporal": 1.0,
    "geographical": 1.0,
    "completeness": 1.0,
    "reliability": 1.0,
}
GRID_DQR = {
    "technological": 2.0,
    "temporal": 1.0,
    "geographical": 2.0,
    "completeness": 1.0,
    "reliability": 1.0,
}
# Pedigree scores (reliability, completeness, temporal, geographical, technological; 1 best .. 5)
# of the national grid factor used for a Jiangsu plant, as the demo enterprise assesses them:
# a published average (2), complete (1), same year (1), larger area including the site (2),
# same technology (1). No basic uncertainty is added (none is sourced), so the range shown
# comes from the pedigree variances of the reference data alone.
GRID_PEDIGREE = (2, 1, 1, 2, 1)
NAMESPACE = uuid.UUID("6f1d8c52-5a0e-4f8e-9d43-2f3a4a0b7c11")  # stable ids across demo runs


def cement_system(summary: Mapping[str, Any], year: int, ref: ReferenceData) -> ProductSystem:
    """The cement plant's product system from its stored inventory summary of ``year``."""
    clinker = next(
        float(r["output"]) * conversion_factor(str(r["unit"]), "t")
        for r in summary["intensities"]
        if r["product"] == "cement_clinker" and int(r["year"]) == year
    )
    grid = product_footprint(ELECTRICITY, "CN", year, ref=ref)
    processes = processes_from_inventory(
        summary,
        (
            SiteProcess("S1+S2", "熟料线及矿山", "cement_clinker", ("S1", "S2"), dqr=OWN_DQR),
            SiteProcess(
                "S3",
                "粉磨站",
                "cement",
                ("S3",),
                inputs=(Input("cement_clinker", clinker, "t"),),
                dqr=OWN_DQR,
            ),
        ),
        year=year,
        source=f"inventory {year}",
    )
    return ProductSystem(
        products=(
            Product("cement_clinker", "水泥熟料", "t", 1000.0),
            Product("cement", "水泥", "t", 1000.0),
            Product("electricity", "电网电力", "kWh"),
        ),
        processes=processes,
        purchased=(
            PurchasedFootprint(
                "electricity",
                grid.value_in("kgCO2e/kWh"),
                "kWh",
                "database",
                f"product_footprints/{grid.dataset}/{grid.product_id}/{grid.geography}/{grid.reference_year}",
                confidence=grid.source.confidence,
                gsd=gsd_from_pedigree(GRID_PEDIGREE, 0.0, pedigree_factors()),
                dqr=GRID_DQR,
            ),
        ),
    )


def _dec(x: float, digits: int = 1) -> Decimal:
    return Decimal(f"{x:.{digits}f}")


def declarations(
    result: SystemResult, company: str, year: int, subdivision: str
) -> list[tuple[str, PcfDeclaration]]:
    """PACT declarations (per 1000 kg) of the demo's products, with ids stable across runs."""
    out: list[tuple[str, PcfDeclaration]] = []
    created = datetime(year + 1, 3, 1, tzinfo=UTC)
    for org_key, pid, name_zh, name_en, hs in PRODUCTS:
        r = result.results[pid]
        shares = result.share_by_origin(pid)
        primary = 100.0 * (shares.get("process", 0.0) + shares.get("supplier", 0.0))
        value = _dec(r.value)  # kg CO2e per t = per 1000 kg
        decl = PcfDeclaration(
            id=str(uuid.uuid5(NAMESPACE, f"{org_key}/{pid}/{year}")),
            created=created,
            company_name=company,
            company_ids=(f"urn:greenmfg:demo:company:{org_key}",),
            product_ids=(f"urn:greenmfg:demo:product:{org_key}:{pid}",),
            product_name=f"{name_zh} {name_en}",
            product_description=(
                f"{name_en}, unpackaged, at the plant gate. Demo data generated by greenmfg "
                "from the demo inventory; not a verified declaration."
            ),
            product_classifications=(f"urn:pact:productclassification:hs:{hs}",),
            declared_unit="kg",
            declared_unit_amount=Decimal("1000"),
            product_mass_per_declared_unit=Decimal("1000"),
            reference_period_start=date(year, 1, 1),
            reference_period_end=date(year + 1, 1, 1),
            geography_country_subdivision=subdivision,
            pcf_excluding_biogenic_uptake=value,
            pcf_including_biogenic_uptake=value,
            fossil_ghg_emissions=value,
            fossil_carbon_content=Decimal("0"),
            biogenic_carbon_content=Decimal("0"),
            packaging_emissions_included=False,
            ipcc_characterization_factors=(result.matrices.gwp_set.upper(),),
            cross_sectoral_standards=("ISO14067",),
            boundary_processes_description=(
                "Cradle to gate: the plant's direct emissions (its accounted inventory, sites "
                "S1-S3) and the grid electricity it buys (national electricity carbon footprint "
                "factor). Upstream supply chains of fuels and of constituents other than clinker "
                "are not included (no sourced values in the demo data)."
            ),
            exempted_emissions_percent=Decimal("0"),
            exempted_emissions_description="",
            primary_data_share=_dec(primary),
            comment=f"greenmfg demo, solver {result.solution.method}",
        )
        out.append((org_key, decl))
    return out

"""A PACT declaration of one computed product footprint.

:func:`declaration_from_report` turns a :class:`~greenmfg.footprint.report.FootprintReport` into a
:class:`~greenmfg.footprint.declaration.PcfDeclaration` (the format-independent declaration that
``greenmfg.io.pact`` writes as PACT v2.3 or v3.0): the footprint per declared unit, the primary
data share (own and supplier data, PACT ``primaryDataShare``), the data-quality ratings (PACT v3.0
scale), the GWP set, the boundary and the cut-off exclusions, all taken from the report so that
the declaration says what the report shows.

What the product model does not hold is declared as such, never guessed: biogenic carbon is not
modelled (``pcfIncludingBiogenicUptake`` equals the value excluding it, carbon contents 0 and the
description says so), packaging emissions are not separated (``packagingEmissionsIncluded`` is
False unless the caller says otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from greenmfg.footprint.declaration import (
    DECLARED_UNITS,
    DataQualityRatings,
    DeclarationError,
    PcfDeclaration,
)
from greenmfg.footprint.report import FootprintReport

__all__ = ["DeclarationInput", "declaration_from_report"]


@dataclass(frozen=True, kw_only=True)
class DeclarationInput:
    """What the declaring company adds to the computed report.

    ``product_ids`` and ``company_ids`` are URNs (``urn:gtin:...``,
    ``urn:pact:<domain>:company-id:...``); ``classifications`` e.g.
    ``urn:pact:productclassification:un-cpc:3744`` (at least one; PACT v2.3 needs a CPC code to
    serve the footprint on ``/2``). ``subdivision`` is an ISO 3166-2 code (``CN-JS``) or ``country`` an ISO
    3166-1 alpha-2 code.
    """

    pf_id: str
    company_name: str
    company_ids: tuple[str, ...]
    product_ids: tuple[str, ...]
    classifications: tuple[str, ...]
    description: str = ""
    country: str | None = None
    subdivision: str | None = None
    created: datetime | None = None
    preceding_pf_ids: tuple[str, ...] = ()
    packaging_included: bool = False


def _dec(x: float, digits: int = 6) -> Decimal:
    """``x`` rounded to ``digits`` significant digits, in plain notation (PACT decimals are
    strings without exponent)."""
    return Decimal(format(Decimal(f"{x:.{digits}g}"), "f"))


def declaration_from_report(report: FootprintReport, info: DeclarationInput) -> PcfDeclaration:
    """The declaration of ``report``'s product per one declared unit (the product's unit).

    The reference period is the report's ``year`` (1 January to 1 January of the next year,
    PACT's exclusive end). Raises :class:`DeclarationError` when the product's unit is not a PACT
    declared unit, its mass per unit is unknown, or the footprint is negative.
    """
    if report.unit not in DECLARED_UNITS:
        raise DeclarationError(
            [
                f"unit {report.unit!r} of {report.product_id}: not a declared unit "
                f"({', '.join(DECLARED_UNITS)})"
            ]
        )
    if report.mass_kg is None:
        raise DeclarationError(
            [
                f"product {report.product_id}: its mass per {report.unit} is needed for "
                "productMassPerDeclaredUnit"
            ]
        )
    if report.year is None:
        raise DeclarationError([f"product {report.product_id}: the report has no reference year"])
    value = _dec(report.value)
    q = report.quality
    dqr = None
    if q.pact() is not None:
        dqr = DataQualityRatings(
            technological=_dec(q.ratings["technological"], 3),
            temporal=_dec(q.ratings["temporal"], 3),
            geographical=_dec(q.ratings["geographical"], 3),
        )
    excluded = len(report.excluded)
    boundary = (
        "Cradle to gate. Own processes from the organisation's accounted inventory; purchased "
        "inputs with supplier footprints where given, otherwise database values ("
        + "; ".join(sorted({c.source for c in report.columns if c.origin == "database"}))
        + "). Biogenic carbon is not modelled."
    )
    created = info.created or datetime.now(UTC)
    return PcfDeclaration(
        id=info.pf_id,
        created=created,
        preceding_pf_ids=info.preceding_pf_ids,
        company_name=info.company_name,
        company_ids=info.company_ids,
        product_ids=info.product_ids,
        product_name=report.product_name,
        product_description=info.description
        or f"{report.product_name}, cradle to gate, per {report.unit}.",
        product_classifications=info.classifications,
        declared_unit=report.unit,
        declared_unit_amount=Decimal("1"),
        product_mass_per_declared_unit=_dec(report.mass_kg),
        reference_period_start=date(report.year, 1, 1),
        reference_period_end=date(report.year + 1, 1, 1),
        geography_country=info.country if not info.subdivision else None,
        geography_country_subdivision=info.subdivision,
        pcf_excluding_biogenic_uptake=value,
        pcf_including_biogenic_uptake=value,
        fossil_ghg_emissions=value if report.value > 0 else Decimal("0"),
        fossil_carbon_content=Decimal("0"),
        biogenic_carbon_content=Decimal("0"),
        packaging_emissions_included=info.packaging_included,
        ipcc_characterization_factors=(report.gwp_set.upper(),),
        cross_sectoral_standards=("ISO14067",),
        boundary_processes_description=boundary,
        exempted_emissions_percent=Decimal("0"),
        exempted_emissions_description=(
            f"{excluded} input(s) below the cut-off of {report.cutoff:.1%} of input mass "
            "(ISO 14067 6.3.4.3); their emissions are not quantified."
            if excluded
            else ""
        ),
        allocation_rules_description=f"{report.allocation} allocation (ISO 14044 4.3.4.2)",
        primary_data_share=_dec(report.primary_share_percent, 3),
        dqr=dqr,
        comment=f"greenmfg, solver {report.solver}, backward error {report.backward_error:.1e}",
    )

"""greenmfg PCF declarations <-> PACT ProductFootprints (v2.3 and v3.0).

A :class:`~greenmfg.footprint.declaration.PcfDeclaration` is built into a v3.0 ProductFootprint
field by field (the declaration follows the v3.0 data model); v2.3 is that document converted by
:func:`greenmfg.io.pact.convert.to_v2`, with the v2-only ``version`` and ``updated`` set from the
declaration. Both results are validated against the official schema before they are returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from greenmfg.footprint.declaration import (
    DataQualityRatings,
    EmissionFactorSource,
    PcfDeclaration,
    ProductCategoryRule,
    validity_window_problems,
)
from greenmfg.io.pact import values
from greenmfg.io.pact.convert import detect_version, to_v2, to_v3
from greenmfg.io.pact.schema import (
    SPEC_VERSIONS,
    PactValidationError,
    PactVersion,
    check,
    ordered,
)
from greenmfg.units import conversion_factor

#: PACT declared unit of each greenmfg declared unit, with the pint expression of both (the
#: amount is converted with the project's unit registry: 2.5 t are 2500 kilogram).
DECLARED_UNIT_TO_PACT: dict[str, tuple[str, str]] = {
    "kg": ("kilogram", "kg"),
    "t": ("kilogram", "t"),
    "l": ("liter", "l"),
    "m3": ("cubic meter", "m**3"),
    "m2": ("square meter", "m**2"),
    "kWh": ("kilowatt hour", "kWh"),
    "MWh": ("kilowatt hour", "MWh"),
    "MJ": ("megajoule", "MJ"),
    "GJ": ("megajoule", "GJ"),
    "tkm": ("ton kilometer", "t*km"),
    "piece": ("piece", "piece"),
    "h": ("hour", "h"),
    "Mbit*s": ("megabit second", "Mbit*s"),
}

#: pint expression of each PACT declared unit, and the greenmfg unit a footprint is read back in.
PACT_UNITS: dict[str, tuple[str, str]] = {
    "kilogram": ("kg", "kg"),
    "liter": ("l", "l"),
    "cubic meter": ("m**3", "m3"),
    "square meter": ("m**2", "m2"),
    "kilowatt hour": ("kWh", "kWh"),
    "megajoule": ("MJ", "MJ"),
    "ton kilometer": ("t*km", "tkm"),
    "piece": ("piece", "piece"),
    "hour": ("h", "h"),
    "megabit second": ("Mbit*s", "Mbit*s"),
}


def declared_unit_to_pact(unit: str, amount: Decimal) -> tuple[str, Decimal]:
    """The PACT declared unit and amount of ``amount`` [``unit``] (``'t', 2.5 -> 'kilogram', 2500``)."""
    if unit not in DECLARED_UNIT_TO_PACT:
        raise ValueError(
            f"declared_unit: no PACT declared unit for {unit!r}; expected one of "
            + ", ".join(DECLARED_UNIT_TO_PACT)
        )
    pact_unit, expression = DECLARED_UNIT_TO_PACT[unit]
    factor = Decimal(repr(conversion_factor(expression, PACT_UNITS[pact_unit][0])))
    return pact_unit, amount if factor == 1 else values.scale(amount, factor)


def declaration_to_pact(decl: PcfDeclaration, version: PactVersion) -> dict[str, Any]:
    """A schema-valid PACT ProductFootprint of ``version`` (``"2"`` or ``"3"``) for ``decl``.

    Raises :class:`~greenmfg.io.pact.schema.PactValidationError` when the validity period leaves
    the window PACT allows (:func:`~greenmfg.footprint.declaration.validity_window_problems`), and
    its subclass :class:`~greenmfg.io.pact.convert.PactConversionError` for v2.3 when the
    declaration lacks what v2.3 requires (a UN CPC classification, a declared unit v2.3 has, a
    footprint excluding uptake >= 0 ...; see :func:`~greenmfg.io.pact.convert.to_v2`).
    """
    window = validity_window_problems(decl)
    if window:
        raise PactValidationError(window, source=f"declaration {decl.id}")
    unit, amount = declared_unit_to_pact(decl.declared_unit, decl.declared_unit_amount)
    fmt = values.format_decimal
    fp: dict[str, Any] = {
        "id": decl.id,
        "specVersion": SPEC_VERSIONS["3"],
    }
    if decl.preceding_pf_ids:
        fp["precedingPfIds"] = list(decl.preceding_pf_ids)
    fp["created"] = values.format_date_time(decl.created)
    fp["status"] = decl.status
    if decl.validity_period_start is not None:
        fp["validityPeriodStart"] = values.format_date_time(decl.validity_period_start)
    if decl.validity_period_end is not None:
        fp["validityPeriodEnd"] = values.format_date_time(decl.validity_period_end)
    fp |= {
        "companyName": decl.company_name,
        "companyIds": list(decl.company_ids),
        "productDescription": decl.product_description,
        "productIds": list(decl.product_ids),
        "productClassifications": list(decl.product_classifications),
        "productNameCompany": decl.product_name,
    }
    if decl.comment:
        fp["comment"] = decl.comment

    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": unit,
        "declaredUnitAmount": fmt(amount),
        "productMassPerDeclaredUnit": fmt(decl.product_mass_per_declared_unit),
        "referencePeriodStart": values.format_date(decl.reference_period_start),
        "referencePeriodEnd": values.format_date(decl.reference_period_end),
    }
    for key, value in (
        ("geographyRegionOrSubregion", decl.geography_region_or_subregion),
        ("geographyCountry", decl.geography_country),
        ("geographyCountrySubdivision", decl.geography_country_subdivision),
    ):
        if value is not None:
            pcf[key] = value
    if decl.boundary_processes_description:
        pcf["boundaryProcessesDescription"] = decl.boundary_processes_description
    pcf |= {
        "pcfExcludingBiogenicUptake": fmt(decl.pcf_excluding_biogenic_uptake),
        "pcfIncludingBiogenicUptake": fmt(decl.pcf_including_biogenic_uptake),
        "fossilGhgEmissions": fmt(decl.fossil_ghg_emissions),
        "fossilCarbonContent": fmt(decl.fossil_carbon_content),
        "biogenicCarbonContent": fmt(decl.biogenic_carbon_content),
    }
    for key, optional in (
        ("landUseChangeGhgEmissions", decl.land_use_change_ghg_emissions),
        ("biogenicCO2Uptake", decl.biogenic_co2_uptake),
        ("aircraftGhgEmissions", decl.aircraft_ghg_emissions),
    ):
        if optional is not None:
            pcf[key] = fmt(optional)
    pcf["packagingEmissionsIncluded"] = decl.packaging_emissions_included
    if decl.packaging_ghg_emissions is not None:
        pcf["packagingGhgEmissions"] = fmt(decl.packaging_ghg_emissions)
    if decl.packaging_biogenic_carbon_content is not None:
        pcf["packagingBiogenicCarbonContent"] = fmt(decl.packaging_biogenic_carbon_content)
    pcf["ipccCharacterizationFactors"] = list(decl.ipcc_characterization_factors)
    pcf["crossSectoralStandards"] = list(decl.cross_sectoral_standards)
    if decl.product_category_rules:
        pcf["productOrSectorSpecificRules"] = [
            _rule_to_pact(r) for r in decl.product_category_rules
        ]
    pcf["exemptedEmissionsPercent"] = fmt(decl.exempted_emissions_percent)
    if decl.exempted_emissions_description:
        pcf["exemptedEmissionsDescription"] = decl.exempted_emissions_description
    if decl.allocation_rules_description is not None:
        pcf["allocationRulesDescription"] = decl.allocation_rules_description
    if decl.secondary_emission_factor_sources:
        pcf["secondaryEmissionFactorSources"] = [
            {"name": s.name, "version": s.version} for s in decl.secondary_emission_factor_sources
        ]
    if decl.primary_data_share is not None:
        pcf["primaryDataShare"] = fmt(decl.primary_data_share)
    if decl.dqr is not None:
        pcf["dqi"] = {
            "technologicalDQR": fmt(decl.dqr.technological),
            "geographicalDQR": fmt(decl.dqr.geographical),
            "temporalDQR": fmt(decl.dqr.temporal),
        }
    fp["pcf"] = pcf
    fp = ordered(fp, "3")
    check(fp, "3", source=f"declaration {decl.id}")
    if version == "3":
        return fp
    if version != "2":
        raise ValueError(f"unknown PACT version {version!r}; expected '2' or '3'")
    fp2 = to_v2(fp)
    fp2["version"] = decl.version
    if decl.updated is not None:
        fp2["updated"] = values.format_date_time(decl.updated)
    fp2 = ordered(fp2, "2")
    check(fp2, "2", source=f"declaration {decl.id}")
    return fp2


def pact_to_declaration(footprint: Mapping[str, Any]) -> PcfDeclaration:
    """The :class:`PcfDeclaration` of a valid ProductFootprint of either version.

    A v2 footprint goes through :func:`~greenmfg.io.pact.convert.to_v3` (what v3.0 cannot carry is
    lost, see there); its ``version`` and ``updated`` are kept. Date-times of the reference period
    become dates (the date in the timestamp's own offset). The declared unit is read back in the
    PACT unit's greenmfg unit (``kilogram`` -> ``kg``), so a declaration made in ``t`` returns in
    ``kg`` with the amount in kilograms. v3.0 properties the declaration has no field for (CCS, CCU,
    land management, extensions ...) are not read.
    """
    version = detect_version(footprint)
    check(footprint, version, source=f"footprint {footprint.get('id', '')}".strip())
    fp = to_v3(footprint) if version == "2" else footprint
    pcf: Mapping[str, Any] = fp["pcf"]

    def dec(key: str) -> Decimal:
        return values.parse_decimal(pcf[key])

    def opt(key: str) -> Decimal | None:
        return values.parse_decimal(pcf[key]) if key in pcf else None

    def moment(key: str) -> Any:
        return values.parse_date_time(fp[key]) if key in fp else None

    dqi = pcf.get("dqi")
    dqr = (
        DataQualityRatings(
            technological=values.parse_decimal(dqi["technologicalDQR"]),
            temporal=values.parse_decimal(dqi["temporalDQR"]),
            geographical=values.parse_decimal(dqi["geographicalDQR"]),
        )
        if isinstance(dqi, Mapping)
        else None
    )
    updated = footprint.get("updated") if version == "2" else None
    return PcfDeclaration(
        id=fp["id"],
        created=values.parse_date_time(fp["created"]),
        status=fp["status"],
        version=cast(int, footprint["version"]) if version == "2" else 1,
        updated=values.parse_date_time(updated) if isinstance(updated, str) else None,
        preceding_pf_ids=tuple(fp.get("precedingPfIds", ())),
        validity_period_start=moment("validityPeriodStart"),
        validity_period_end=moment("validityPeriodEnd"),
        comment=fp.get("comment", ""),
        company_name=fp["companyName"],
        company_ids=tuple(fp["companyIds"]),
        product_ids=tuple(fp["productIds"]),
        product_name=fp["productNameCompany"],
        product_description=fp["productDescription"],
        product_classifications=tuple(fp.get("productClassifications", ())),
        declared_unit=PACT_UNITS[pcf["declaredUnitOfMeasurement"]][1],
        declared_unit_amount=dec("declaredUnitAmount"),
        product_mass_per_declared_unit=dec("productMassPerDeclaredUnit"),
        reference_period_start=values.parse_date_time(pcf["referencePeriodStart"]).date(),
        reference_period_end=values.parse_date_time(pcf["referencePeriodEnd"]).date(),
        geography_country=pcf.get("geographyCountry"),
        geography_country_subdivision=pcf.get("geographyCountrySubdivision"),
        geography_region_or_subregion=pcf.get("geographyRegionOrSubregion"),
        pcf_excluding_biogenic_uptake=dec("pcfExcludingBiogenicUptake"),
        pcf_including_biogenic_uptake=dec("pcfIncludingBiogenicUptake"),
        fossil_ghg_emissions=dec("fossilGhgEmissions"),
        fossil_carbon_content=dec("fossilCarbonContent"),
        biogenic_carbon_content=_required_biogenic(pcf),
        land_use_change_ghg_emissions=opt("landUseChangeGhgEmissions"),
        biogenic_co2_uptake=opt("biogenicCO2Uptake"),
        aircraft_ghg_emissions=opt("aircraftGhgEmissions"),
        packaging_emissions_included=_packaging_included(pcf),
        packaging_ghg_emissions=opt("packagingGhgEmissions"),
        packaging_biogenic_carbon_content=opt("packagingBiogenicCarbonContent"),
        ipcc_characterization_factors=tuple(pcf["ipccCharacterizationFactors"]),
        cross_sectoral_standards=tuple(pcf["crossSectoralStandards"]),
        product_category_rules=tuple(
            _rule_from_pact(r) for r in pcf.get("productOrSectorSpecificRules", ())
        ),
        boundary_processes_description=pcf.get("boundaryProcessesDescription", ""),
        exempted_emissions_percent=dec("exemptedEmissionsPercent"),
        exempted_emissions_description=pcf.get("exemptedEmissionsDescription", ""),
        allocation_rules_description=pcf.get("allocationRulesDescription"),
        secondary_emission_factor_sources=tuple(
            EmissionFactorSource(name=s["name"], version=s["version"])
            for s in pcf.get("secondaryEmissionFactorSources", ())
        ),
        primary_data_share=opt("primaryDataShare"),
        dqr=dqr,
    )


def _required_biogenic(pcf: Mapping[str, Any]) -> Decimal:
    """``biogenicCarbonContent``, which the declaration requires (v2.3 does) and v3.0 may omit."""
    if "biogenicCarbonContent" not in pcf:
        raise ValueError(
            "/pcf/biogenicCarbonContent: undefined (unknown) in this footprint, but a greenmfg "
            "declaration requires it (PACT v2.3 does)"
        )
    return values.parse_decimal(pcf["biogenicCarbonContent"])


def _packaging_included(pcf: Mapping[str, Any]) -> bool:
    """``packagingEmissionsIncluded``, implied true by defined packaging emissions (v3.0 may omit it)."""
    if "packagingEmissionsIncluded" in pcf:
        return bool(pcf["packagingEmissionsIncluded"])
    if "packagingGhgEmissions" in pcf:
        return True
    raise ValueError(
        "/pcf/packagingEmissionsIncluded: undefined in this footprint, but a greenmfg declaration "
        "requires it (PACT v2.3 does)"
    )


def _rule_to_pact(rule: ProductCategoryRule) -> dict[str, Any]:
    out: dict[str, Any] = {"operator": rule.operator, "ruleNames": list(rule.rule_names)}
    if rule.other_operator_name is not None:
        out["otherOperatorName"] = rule.other_operator_name
    return out


def _rule_from_pact(rule: Mapping[str, Any]) -> ProductCategoryRule:
    return ProductCategoryRule(
        operator=rule["operator"],
        rule_names=tuple(rule["ruleNames"]),
        other_operator_name=rule.get("otherOperatorName"),
    )

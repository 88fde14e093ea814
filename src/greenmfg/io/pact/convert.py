"""Conversion of ProductFootprints between PACT v2.3 and v3.0.

The mapping follows the v3.0 specification's changelog (PACT Technical Specifications v3.0,
Appendix A "Changelog", Version 3.0.0: properties added, removed, renamed and superseded), the
``x-note``/``x-comment`` remarks of the v3.0 schema ("Replaces dLucGhgEmissions", "Replaces
biogenicCarbonWithdrawal") and ADR-0036 "Clarify product amount" of the specification repository
for the declared unit:

* v2.3 values are *per one declared unit* (``declaredUnit``, e.g. per litre) and
  ``unitaryProductAmount`` says how many declared units the product holds;
* v3.0 values are *per declared unit* = ``declaredUnitAmount`` x ``declaredUnitOfMeasurement``
  (per 12 litres), and so is ``productMassPerDeclaredUnit``.

So every per-unit quantity is multiplied by the amount going to v3.0 and divided by it going back
(ADR-0036: 1.5 kgCO2e/l, 12 l, 0.789 kg/l in v2 = 18 kgCO2e and 9.468 kg per 12 l in v3). A v3.0
``piece`` footprint with a known mass becomes a v2.3 ``kilogram`` footprint of that many kilograms
(ADR-0036's car example), the only way v2.3, which has no ``piece``, can carry it.

What cannot be carried is listed in :func:`to_v3` and :func:`to_v2`; where a value that the target
version *requires* cannot be derived, a :class:`PactConversionError` names it instead of inventing it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

from greenmfg.io.pact import values
from greenmfg.io.pact.schema import (
    SPEC_VERSIONS,
    PactValidationError,
    PactVersion,
    check,
    ordered,
    validate,
)


class PactConversionError(PactValidationError):
    """A footprint that cannot be expressed in the other PACT version; ``errors`` say which field."""


#: The UN CPC classification URN greenmfg writes for a v2.3 ``productCategoryCpc`` (the form of the
#: v3.0 schema's and examples' ``productClassifications``).
CPC_URN_PREFIX = "urn:pact:productclassification:un-cpc:"
# Prefixes recognised as UN CPC when going back to v2.3: ours, and ``urn:cpc:`` from the v3.0
# "Product Classification URN's" examples.
_CPC_PREFIXES = (CPC_URN_PREFIX, "urn:cpc:")

#: v2.3 declared units (``CarbonFootprint/declaredUnit`` enum); v3.0 adds piece, hour, megabit second.
V2_DECLARED_UNITS = (
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
)
# Units for which v3.0 says mass is not relevant and SHALL be 0 (productMassPerDeclaredUnit).
_MASSLESS_UNITS = ("kilowatt hour", "megajoule", "ton kilometer")

# v2.3 crossSectoralStandardsUsed (deprecated) <-> v3.0 crossSectoralStandards codes.
_STANDARDS_USED = {
    "GHG Protocol Product standard": "GHGP-Product",
    "ISO Standard 14067": "ISO14067",
    "ISO Standard 14044": "ISO14040-44",
}
# v2.3 crossSectoralStandards enum (v3.0 has an open list: x-enum adds PAS2050 and "...").
_V2_STANDARDS = (
    "ISO14067",
    "ISO14083",
    "ISO14040-44",
    "GHGP-Product",
    "PEF",
    "PACT-1.0",
    "PACT-2.0",
    "PACT-3.0",
)

# Per-declared-unit quantities, v2.3 name -> v3.0 name (scaled by the declared amount).
_PER_UNIT_V2_TO_V3 = {
    "pCfExcludingBiogenic": "pcfExcludingBiogenicUptake",
    "pCfIncludingBiogenic": "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions": "fossilGhgEmissions",
    "fossilCarbonContent": "fossilCarbonContent",
    "biogenicCarbonContent": "biogenicCarbonContent",
    "dLucGhgEmissions": "landUseChangeGhgEmissions",  # v3.0 x-note: Replaces dLucGhgEmissions
    "biogenicCarbonWithdrawal": "biogenicCO2Uptake",  # v3.0 x-note: Replaces biogenicCarbonWithdrawal
    "aircraftGhgEmissions": "aircraftGhgEmissions",
    "packagingGhgEmissions": "packagingGhgEmissions",
}
_COPY_PCF = (
    "referencePeriodStart",
    "referencePeriodEnd",
    "geographyRegionOrSubregion",
    "geographyCountry",
    "geographyCountrySubdivision",
    "allocationRulesDescription",
)
_COPY_FOOTPRINT = (
    "id",
    "precedingPfIds",
    "created",
    "status",
    "validityPeriodStart",
    "validityPeriodEnd",
    "companyName",
    "companyIds",
    "productDescription",
    "productIds",
    "productNameCompany",
)
_SPEC_VERSION_RE = re.compile(r"^(\d+)\.\d+\.\d+")


def detect_version(footprint: Mapping[str, Any]) -> PactVersion:
    """``"2"`` or ``"3"`` from a ProductFootprint's ``specVersion`` (``"2.3.0"``, ``"3.0.1"`` ...).

    Any 2.x.y is handled as v2.3 (the v2 minor versions only added optional properties), any
    3.x.y as v3.0. Raises :class:`PactValidationError` at ``/specVersion`` otherwise.
    """
    if not isinstance(footprint, Mapping):
        raise PactValidationError(
            [f": expected a ProductFootprint JSON object, got {type(footprint).__name__}"]
        )
    spec = footprint.get("specVersion")
    if spec is None:
        raise PactValidationError(
            ["/specVersion: required property is missing; expected e.g. '2.3.0' or '3.0.0'"]
        )
    match = _SPEC_VERSION_RE.match(spec) if isinstance(spec, str) else None
    if match is None or match.group(1) not in ("2", "3"):
        raise PactValidationError(
            [
                "/specVersion: expected a PACT Technical Specifications version 2.x.y or 3.x.y "
                f"such as '2.3.0' or '3.0.0', got {spec!r}"
            ]
        )
    return cast(PactVersion, match.group(1))


def to_v3(
    footprint_v2: Mapping[str, Any], *, product_mass_per_declared_unit: Decimal | None = None
) -> dict[str, Any]:
    """A valid PACT v3.0 ProductFootprint from a v2.x one (a v3 input is returned as a copy).

    Renamed or superseded (v3.0 changelog): ``declaredUnit`` -> ``declaredUnitOfMeasurement``,
    ``unitaryProductAmount`` -> ``declaredUnitAmount``, ``pCfExcludingBiogenic`` /
    ``pCfIncludingBiogenic`` -> ``pcfExcludingBiogenicUptake`` / ``pcfIncludingBiogenicUptake``,
    ``dLucGhgEmissions`` -> ``landUseChangeGhgEmissions``, ``biogenicCarbonWithdrawal`` ->
    ``biogenicCO2Uptake``, ``ipccCharacterizationFactorsSources`` -> ``ipccCharacterizationFactors``,
    ``crossSectoralStandardsUsed`` -> ``crossSectoralStandards`` (when v2 has no
    ``crossSectoralStandards``), ``productCategoryCpc`` -> a ``productClassifications`` URN
    (``urn:pact:productclassification:un-cpc:<code>``), ``assurance`` -> ``verification`` (only when
    ``assurance.assurance`` is true; coverage only for ``product level``, the one value both versions
    share), ``statusComment`` -> appended to ``comment`` (v3.0 ``comment`` now holds the status
    information). Numbers become decimal strings; per-unit values are multiplied by the amount
    (ADR-0036).

    Not carried (removed in v3.0 without a successor): ``version``, ``updated``,
    ``iLucGhgEmissions``, ``landManagementGhgEmissions``, ``otherBiogenicGhgEmissions``,
    ``biogenicAccountingMethodology``, ``uncertaintyAssessmentDescription``, ``characterizationFactors``,
    the assurance ``level`` and ``boundary``, and ``dqi``: v2.x rates data quality from 1 to 3, v3.0
    from 1 to 5 with three indicators instead of five, and no conversion is defined.

    Required in v3.0 but optional in v2.3, so possibly not derivable (then
    :class:`PactConversionError`): ``pcfIncludingBiogenicUptake``; ``productMassPerDeclaredUnit``,
    derived as 1 kg per kg for ``kilogram``, 0 for energy and transport units (v3.0: "SHALL be
    populated with 0"), else taken from the ``product_mass_per_declared_unit`` argument [kg per v3
    declared unit].
    """
    version = detect_version(footprint_v2)
    if version == "3":
        return copy.deepcopy(dict(footprint_v2))
    check(footprint_v2, "2", source="v2 footprint")
    src = footprint_v2
    pcf2: Mapping[str, Any] = src["pcf"]
    problems: list[str] = []
    amount = values.parse_decimal(pcf2["unitaryProductAmount"])

    def per_unit(name: str) -> str | None:
        if name not in pcf2:
            return None
        value = pcf2[name]
        if amount == 1 and isinstance(value, str):
            return value
        return values.format_decimal(values.scale(values.parse_decimal(value), amount))

    out: dict[str, Any] = {}
    for key in _COPY_FOOTPRINT:
        if key in src:
            out[key] = copy.deepcopy(src[key])
    out["specVersion"] = SPEC_VERSIONS["3"]
    comment = src.get("comment", "")
    status_comment = src.get("statusComment")
    if status_comment:
        comment = f"{comment}\n\n{status_comment}" if comment else status_comment
    out["comment"] = comment
    classifications = list(src.get("productClassifications", []))
    cpc = src.get("productCategoryCpc")
    if cpc and _cpc_code(classifications) != cpc:
        classifications.append(CPC_URN_PREFIX + cpc)
    if classifications:
        out["productClassifications"] = classifications

    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": pcf2["declaredUnit"],
        "declaredUnitAmount": _as_decimal_string(pcf2["unitaryProductAmount"]),
    }
    mass = per_unit("productMassPerDeclaredUnit")
    unit = pcf2["declaredUnit"]
    if mass is None and product_mass_per_declared_unit is not None:
        mass = values.format_decimal(product_mass_per_declared_unit)
    elif mass is None and unit == "kilogram":
        mass = values.format_decimal(amount)  # v2.3: "If the declared unit is kilogram ... 1"
    elif mass is None and unit in _MASSLESS_UNITS:
        mass = "0"
    if mass is None:
        problems.append(
            "/pcf/productMassPerDeclaredUnit: required in v3.0 but missing in this v2 footprint "
            f"and not derivable for declaredUnit {unit!r}; pass product_mass_per_declared_unit "
            "(kg per declared unit)"
        )
    else:
        pcf["productMassPerDeclaredUnit"] = mass
    for key in _COPY_PCF[:2]:
        pcf[key] = pcf2[key]
    for key in _COPY_PCF[2:5]:
        if key in pcf2:
            pcf[key] = pcf2[key]
    if pcf2.get("boundaryProcessesDescription"):
        pcf["boundaryProcessesDescription"] = pcf2["boundaryProcessesDescription"]
    for name2, name3 in _PER_UNIT_V2_TO_V3.items():
        value = per_unit(name2)
        if value is not None:
            pcf[name3] = value
    if "pcfIncludingBiogenicUptake" not in pcf:
        problems.append(
            "/pcf/pCfIncludingBiogenic: required in v3.0 (pcfIncludingBiogenicUptake) but missing "
            "in this v2 footprint; it cannot be derived from the v2 data"
        )
    if "packagingEmissionsIncluded" in pcf2:
        pcf["packagingEmissionsIncluded"] = pcf2["packagingEmissionsIncluded"]
    pcf["ipccCharacterizationFactors"] = list(pcf2["ipccCharacterizationFactorsSources"])
    if pcf2.get("crossSectoralStandards"):
        pcf["crossSectoralStandards"] = list(pcf2["crossSectoralStandards"])
    else:
        pcf["crossSectoralStandards"] = _unique(
            _STANDARDS_USED[s] for s in pcf2["crossSectoralStandardsUsed"]
        )
    if pcf2.get("productOrSectorSpecificRules"):
        pcf["productOrSectorSpecificRules"] = copy.deepcopy(pcf2["productOrSectorSpecificRules"])
    pcf["exemptedEmissionsPercent"] = _as_decimal_string(pcf2["exemptedEmissionsPercent"])
    pcf["exemptedEmissionsDescription"] = pcf2["exemptedEmissionsDescription"]
    if "allocationRulesDescription" in pcf2:
        pcf["allocationRulesDescription"] = pcf2["allocationRulesDescription"]
    if pcf2.get("secondaryEmissionFactorSources"):
        pcf["secondaryEmissionFactorSources"] = copy.deepcopy(
            pcf2["secondaryEmissionFactorSources"]
        )
    if "primaryDataShare" in pcf2:
        pcf["primaryDataShare"] = _as_decimal_string(pcf2["primaryDataShare"])
    assurance = pcf2.get("assurance")
    if isinstance(assurance, Mapping) and assurance.get("assurance") is True:
        verification: dict[str, Any] = {}
        if assurance.get("coverage") == "product level":
            verification["coverage"] = "product level"
        if assurance.get("providerName"):
            verification["providerName"] = assurance["providerName"]
        for key in ("completedAt", "standardName", "comments"):
            if key in assurance:
                verification[key] = assurance[key]
        pcf["verification"] = verification
    out["pcf"] = pcf
    if "extensions" in src:
        out["extensions"] = copy.deepcopy(src["extensions"])
    return _finish(out, "3", problems)


def to_v2(footprint_v3: Mapping[str, Any]) -> dict[str, Any]:
    """A valid PACT v2.3 ProductFootprint from a v3.x one (a v2 input is returned as a copy).

    The reverse of :func:`to_v3`: per-unit values are divided by the declared amount (20
    significant digits when the quotient does not terminate, e.g. 5.14 kgCO2e per 12 l is
    0.42833333333333333333 kgCO2e/l); ``version`` is 1 (v3.0 lifecycle: a new footprint's version
    "MUST always be 1"), ``updated`` is left out; ``productCategoryCpc`` is the code of a UN CPC
    classification URN; ``characterizationFactors`` is the earliest of the IPCC reports (v2.3: "indicate
    the earliest version used"); ``crossSectoralStandardsUsed`` is mapped back from
    ``crossSectoralStandards``; ``verification`` becomes ``assurance`` with ``assurance: true``.
    Optional v3.0 strings that v2.3 requires (``comment``, ``boundaryProcessesDescription``,
    ``exemptedEmissionsDescription``) become ``""``.

    Not carried (v3.0 additions without a v2.3 property): ``recycledCarbonContent``,
    ``landCarbonLeakage``, ``landManagementFossilGhgEmissions``,
    ``landManagementBiogenicCO2Emissions``/``Removals``, ``biogenicNonCO2Emissions``,
    ``landAreaOccupation``, ``packagingBiogenicCarbonContent``, ``outboundLogisticsGhgEmissions``,
    the CCS/CCU properties, ``dqi`` (1-5 scale, see :func:`to_v3`), ``crossSectoralStandards``
    outside the v2.3 enum (``PAS2050``, later codes) and verification coverages other than
    ``product level``.

    Raises :class:`PactConversionError` when v2.3 requires what the footprint cannot give: a
    declared unit v2.3 lacks (``hour``, ``megabit second``; ``piece`` without mass), a negative
    ``pcfExcludingBiogenicUptake`` (v2.3: ">= 0"), no UN CPC classification, no
    ``biogenicCarbonContent``, no ``packagingEmissionsIncluded``, characterization factors older
    than AR5, or no standard that ``crossSectoralStandardsUsed`` can name (GHG Protocol Product,
    ISO 14067, ISO 14044).
    """
    version = detect_version(footprint_v3)
    if version == "2":
        return copy.deepcopy(dict(footprint_v3))
    check(footprint_v3, "3", source="v3 footprint")
    src = footprint_v3
    pcf3: Mapping[str, Any] = src["pcf"]
    problems: list[str] = []

    unit = pcf3["declaredUnitOfMeasurement"]
    amount = values.parse_decimal(pcf3["declaredUnitAmount"])
    mass = values.parse_decimal(pcf3["productMassPerDeclaredUnit"])
    if unit in V2_DECLARED_UNITS:
        unit2, amount2 = unit, amount
    elif unit == "piece" and mass > 0:
        unit2, amount2 = "kilogram", mass  # ADR-0036: a 2000 kg car is 2000 x kilogram in v2
    else:
        unit2, amount2 = unit, amount
        why = "without a mass to declare it per kilogram" if unit == "piece" else ""
        problems.append(
            f"/pcf/declaredUnitOfMeasurement: v2.3 has no declared unit {unit!r} {why}".rstrip()
            + f"; expected one of {', '.join(V2_DECLARED_UNITS)}"
        )

    def per_unit(name: str) -> Decimal | None:
        if name not in pcf3:
            return None
        value = values.parse_decimal(pcf3[name])
        return value if amount2 == 1 else values.divide(value, amount2)

    def per_unit_text(name: str) -> str | None:
        value = per_unit(name)
        if value is None:
            return None
        if amount2 == 1 and isinstance(pcf3[name], str):
            return cast(str, pcf3[name])
        return values.format_decimal(value)

    out: dict[str, Any] = {}
    for key in _COPY_FOOTPRINT:
        if key in src:
            out[key] = copy.deepcopy(src[key])
    out["specVersion"] = SPEC_VERSIONS["2"]
    out["version"] = 1
    out["comment"] = src.get("comment", "")
    classifications = list(src.get("productClassifications", []))
    if classifications:
        out["productClassifications"] = classifications
    cpc = _cpc_code(classifications)
    if cpc is None:
        problems.append(
            "/productClassifications: v2.3 requires productCategoryCpc; expected a UN CPC "
            f"classification such as '{CPC_URN_PREFIX}4121', got {classifications!r}"
        )
    else:
        out["productCategoryCpc"] = cpc

    pcf: dict[str, Any] = {
        "declaredUnit": unit2,
        "unitaryProductAmount": values.format_decimal(amount2)
        if amount2 is not amount
        else pcf3["declaredUnitAmount"],
    }
    mass2 = values.divide(mass, amount2) if amount2 != 1 else mass
    pcf["productMassPerDeclaredUnit"] = values.format_decimal(mass2)
    for name2, name3 in _PER_UNIT_V2_TO_V3.items():
        text = per_unit_text(name3)
        if text is not None:
            pcf[name2] = text
    if values.parse_decimal(pcf3["pcfExcludingBiogenicUptake"]) < 0:
        problems.append(
            "/pcf/pcfExcludingBiogenicUptake: v2.3 pCfExcludingBiogenic must be >= 0, got "
            f"{pcf3['pcfExcludingBiogenicUptake']!r} (net removals cannot be carried)"
        )
    if "biogenicCarbonContent" not in pcf:
        problems.append(
            "/pcf/biogenicCarbonContent: required in v2.3 but undefined (unknown) in this v3 "
            "footprint; it cannot be derived"
        )
    if "packagingEmissionsIncluded" in pcf3:
        pcf["packagingEmissionsIncluded"] = pcf3["packagingEmissionsIncluded"]
    elif "packagingGhgEmissions" in pcf3:
        pcf["packagingEmissionsIncluded"] = True  # defined packaging emissions imply inclusion
    else:
        problems.append(
            "/pcf/packagingEmissionsIncluded: required in v2.3 but undefined in this v3 footprint"
        )
    for key in _COPY_PCF[:2]:
        pcf[key] = pcf3[key]
    for key in _COPY_PCF[2:]:
        if key in pcf3:
            pcf[key] = pcf3[key]
    pcf["boundaryProcessesDescription"] = pcf3.get("boundaryProcessesDescription", "")

    factors = list(pcf3["ipccCharacterizationFactors"])
    pcf["ipccCharacterizationFactorsSources"] = factors
    earliest = min(factors, key=lambda f: int(f[2:]))
    if earliest in ("AR5", "AR6"):
        pcf["characterizationFactors"] = earliest
    else:
        problems.append(
            "/pcf/ipccCharacterizationFactors: v2.3 characterizationFactors must name the earliest "
            f"report used as AR5 or AR6, got {earliest!r}"
        )
    standards = list(pcf3["crossSectoralStandards"])
    used = [old for old, new in _STANDARDS_USED.items() if new in standards]
    if used:
        pcf["crossSectoralStandardsUsed"] = used
    else:
        problems.append(
            "/pcf/crossSectoralStandards: v2.3 requires crossSectoralStandardsUsed, which can only "
            "name GHGP-Product, ISO14067 or ISO14040-44 (as GHG Protocol Product standard, ISO "
            f"Standard 14067, ISO Standard 14044); got {standards!r}"
        )
    known = [s for s in standards if s in _V2_STANDARDS]
    if known:
        pcf["crossSectoralStandards"] = known
    if pcf3.get("productOrSectorSpecificRules"):
        pcf["productOrSectorSpecificRules"] = copy.deepcopy(pcf3["productOrSectorSpecificRules"])
    if pcf3.get("secondaryEmissionFactorSources"):
        pcf["secondaryEmissionFactorSources"] = copy.deepcopy(
            pcf3["secondaryEmissionFactorSources"]
        )
    pcf["exemptedEmissionsPercent"] = values.json_number(
        values.parse_decimal(pcf3["exemptedEmissionsPercent"])
    )
    pcf["exemptedEmissionsDescription"] = pcf3.get("exemptedEmissionsDescription", "")
    if "primaryDataShare" in pcf3:
        pcf["primaryDataShare"] = values.json_number(values.parse_decimal(pcf3["primaryDataShare"]))
    verification = pcf3.get("verification")
    if isinstance(verification, Mapping):
        assurance: dict[str, Any] = {
            "assurance": True,
            "providerName": verification.get("providerName", ""),
        }
        if verification.get("coverage") == "product level":
            assurance["coverage"] = "product level"
        for key in ("completedAt", "standardName", "comments"):
            if key in verification:
                assurance[key] = verification[key]
        pcf["assurance"] = assurance
    out["pcf"] = pcf
    if "extensions" in src:
        out["extensions"] = copy.deepcopy(src["extensions"])
    return _finish(out, "2", problems)


def _finish(out: dict[str, Any], version: PactVersion, problems: list[str]) -> dict[str, Any]:
    """Raise for the collected problems, then check the result against the target schema."""
    if problems:
        raise PactConversionError(problems, source=f"conversion to PACT v{version}")
    out = ordered(out, version)
    errors = validate(out, version)
    if errors:  # a value carried over that the target version does not admit (e.g. v2.3 bounds)
        raise PactConversionError(errors, source=f"conversion to PACT v{version}")
    return out


def _as_decimal_string(value: Any) -> str:
    """A v3.0 decimal string from a v2.3 number or decimal string (kept as written if a string)."""
    if isinstance(value, str):
        return value
    return values.format_decimal(values.parse_decimal(value))


def _cpc_code(classifications: list[str]) -> str | None:
    """The UN CPC code among classification URNs, if any."""
    for urn in classifications:
        for prefix in _CPC_PREFIXES:
            if urn.lower().startswith(prefix) and len(urn) > len(prefix):
                return urn[len(prefix) :]
    return None


def _unique(items: Any) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def convert(footprint: Mapping[str, Any], version: PactVersion) -> dict[str, Any]:
    """``footprint`` (either version) as a ProductFootprint of ``version``."""
    converter: Callable[[Mapping[str, Any]], dict[str, Any]] = to_v3 if version == "3" else to_v2
    return converter(footprint)

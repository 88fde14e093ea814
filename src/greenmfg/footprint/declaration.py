"""One product carbon footprint (PCF) declaration, as greenmfg knows it, independent of any format.

A :class:`PcfDeclaration` is what a greenmfg user declares to a customer about one product: who
declares it, which product, the declared unit, the footprint per declared unit and how it was
computed. It is pure data: the exchange formats (PACT v2.3 and v3.0 ProductFootprints, built and read
in ``greenmfg.io.pact``) are adapters around it.

Field meanings follow the PACT Technical Specifications v3.0 data model (WBCSD, ``CarbonFootprint``
and ``ProductFootprint``), which are themselves based on ISO 14067:2018 and the GHG Protocol
Product Standard; the PACT property each field becomes is named in the attribute docs. Required
fields are those that PACT v2.3 *or* v3.0 requires (a declaration must be exportable in both);
everything else is optional.

Units, all per *declared unit* (``declared_unit_amount`` x ``declared_unit``, PACT v3.0
``CarbonFootprint/declaredUnitOfMeasurement``; ADR-0036 of the PACT specifications: a 12 l bottle
of ethanol is declared as 12 l and its footprint is per 12 l):

* emissions, removals and uptake in kgCO2e per declared unit;
* carbon contents in kgC per declared unit;
* product mass in kg per declared unit (mass of ``declared_unit_amount`` units, packaging
  excluded; ``0`` where mass is not relevant: energy, transport, services);
* shares in percent (``Decimal("12.5")`` is 12.5 %).

Numbers are :class:`decimal.Decimal`, never ``float``, so that the exchanged decimal strings are
exactly the declared values (no binary-float noise such as 0.30000000000000004).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Literal

Status = Literal["Active", "Deprecated"]
RuleOperator = Literal["PEF", "EPD International", "Other"]

#: greenmfg unit strings a declaration may use as its declared unit (each maps to one PACT declared
#: unit in ``greenmfg.io.pact``; ``t``, ``MWh`` and ``GJ`` are converted to kilogram, kilowatt hour
#: and megajoule).
DECLARED_UNITS: tuple[str, ...] = (
    "kg",
    "t",
    "l",
    "m3",
    "m2",
    "kWh",
    "MWh",
    "MJ",
    "GJ",
    "tkm",
    "piece",
    "h",
    "Mbit*s",
)

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_URN_RE = re.compile(r"^[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:\S+$")
_IPCC_RE = re.compile(r"^AR\d+$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
_SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")  # ISO 3166-2


class DeclarationError(ValueError):
    """A declaration with invalid values; ``problems`` names each field and what was expected."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the PCF declaration:\n" + "\n".join(problems)
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class DataQualityRatings:
    """Data quality ratings (DQR) of a footprint, PACT v3.0 ``DataQualityIndicators``.

    Each rating is on the PACT Methodology v3 scale, between 1 and 5 inclusive (PACT Technical
    Specifications v3.0, ``DataQualityIndicators``; the v2.x scale was 1 to 3 and the two are not
    convertible, so these ratings are only exchanged in v3).
    """

    technological: Decimal
    """Technological representativeness (``technologicalDQR``) [1-5]."""
    temporal: Decimal
    """Temporal representativeness (``temporalDQR``) [1-5]."""
    geographical: Decimal
    """Geographical representativeness (``geographicalDQR``) [1-5]."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ProductCategoryRule:
    """A product or sector specific rule set applied (PACT ``ProductOrSectorSpecificRule``)."""

    operator: RuleOperator
    """Operator of the rules: ``PEF``, ``EPD International`` or ``Other``."""
    rule_names: tuple[str, ...]
    """Names of the rules applied, e.g. a PCR or PEFCR name and version (non-empty)."""
    other_operator_name: str | None = None
    """Name of the operator when ``operator`` is ``Other``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class EmissionFactorSource:
    """A secondary emission factor database used (PACT ``EmissionFactorSource``)."""

    name: str
    """Database name, e.g. ``ecoinvent``."""
    version: str
    """Database version, e.g. ``3.9.1``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PcfDeclaration:
    """A product carbon footprint declaration (one product, one footprint version).

    Raises :class:`DeclarationError` listing every invalid field when constructed with invalid
    values (identifiers that are not UUIDs or URNs, negative emissions, more than one geography,
    periods ending before they start, floats instead of decimals ...).
    """

    # --- identity and life cycle (PACT ProductFootprint) ----------------------------------------
    id: str
    """Identifier of this footprint version, a UUID (``id``). A changed footprint gets a new id."""
    created: datetime
    """When this footprint was created, timezone-aware (``created``)."""
    status: Status = "Active"
    """``Active``, or ``Deprecated`` once superseded (``status``)."""
    version: int = 1
    """Version number (v2.3 ``version``; PACT v3.0 dropped it and requires new ids instead, 1)."""
    updated: datetime | None = None
    """Last update, timezone-aware (v2.3 ``updated``; not exchanged in v3.0)."""
    preceding_pf_ids: tuple[str, ...] = ()
    """Ids (UUIDs) of the footprints this one supersedes (``precedingPfIds``)."""
    validity_period_start: datetime | None = None
    """Start of validity, inclusive (``validityPeriodStart``); PACT v3.0 "Validity Period": not
    before the end of the reference period (see :func:`validity_window_problems`)."""
    validity_period_end: datetime | None = None
    """End of validity, exclusive (``validityPeriodEnd``); at most 3 years after the end of the
    reference period (PACT v3.0 "Validity Period")."""
    comment: str = ""
    """Information on the calculation, the status and changes since the last version (``comment``)."""

    # --- company and product ----------------------------------------------------------------------
    company_name: str
    """Name of the declaring company, the data owner (``companyName``)."""
    company_ids: tuple[str, ...]
    """Company identifiers as URNs, e.g. ``urn:pact:example.com:company-id:1`` (``companyIds``)."""
    product_ids: tuple[str, ...]
    """Product identifiers as URNs (``productIds``), e.g. ``urn:gtin:4712345060507``."""
    product_name: str
    """Trade name of the product (``productNameCompany``)."""
    product_description: str
    """Description: technology, packaging, feedstock, dimensions (``productDescription``)."""
    product_classifications: tuple[str, ...]
    """Classification codes as URNs (``productClassifications``), e.g. a UN CPC code
    ``urn:pact:productclassification:un-cpc:4121`` (PACT v2.3 requires a CPC code,
    ``productCategoryCpc``) or a CN code. Non-empty."""

    # --- declared unit and footprint (PACT CarbonFootprint) ------------------------------------
    declared_unit: str
    """greenmfg unit of the declared unit, one of :data:`DECLARED_UNITS`."""
    declared_unit_amount: Decimal
    """Amount of ``declared_unit`` the footprint refers to, > 0 (``declaredUnitAmount``)."""
    product_mass_per_declared_unit: Decimal
    """Mass of the product per declared unit, packaging excluded [kg], >= 0; 0 where mass is
    not relevant (``productMassPerDeclaredUnit``)."""
    reference_period_start: date
    """First day of the reference period, inclusive (``referencePeriodStart``, 00:00 UTC)."""
    reference_period_end: date
    """First day after the reference period (exclusive end, ``referencePeriodEnd``, 00:00 UTC);
    calendar year 2024 is ``date(2024, 1, 1)`` to ``date(2025, 1, 1)``."""
    geography_country: str | None = None
    """ISO 3166-1 alpha-2 country code (``geographyCountry``), e.g. ``CN``."""
    geography_country_subdivision: str | None = None
    """ISO 3166-2 subdivision code (``geographyCountrySubdivision``), e.g. ``CN-JS``."""
    geography_region_or_subregion: str | None = None
    """UN M49 region or subregion name (``geographyRegionOrSubregion``), e.g. ``Eastern Asia``.
    At most one of the three geography fields; none means global."""

    pcf_excluding_biogenic_uptake: Decimal
    """Footprint excluding biogenic CO2 uptake [kgCO2e / declared unit]
    (``pcfExcludingBiogenicUptake``; v2.3 ``pCfExcludingBiogenic``)."""
    pcf_including_biogenic_uptake: Decimal
    """Footprint including biogenic CO2 uptake [kgCO2e / declared unit]
    (``pcfIncludingBiogenicUptake``; v2.3 ``pCfIncludingBiogenic``)."""
    fossil_ghg_emissions: Decimal
    """Fossil GHG emissions: combustion, fugitive and process [kgCO2e / declared unit], >= 0
    (``fossilGhgEmissions``)."""
    fossil_carbon_content: Decimal
    """Fossil carbon content of the product [kgC / declared unit], >= 0 (``fossilCarbonContent``)."""
    biogenic_carbon_content: Decimal
    """Biogenic carbon content of the product [kgC / declared unit], >= 0
    (``biogenicCarbonContent``; 0 when not applicable)."""
    land_use_change_ghg_emissions: Decimal | None = None
    """Land-use change emissions [kgCO2e / declared unit], >= 0, None if unknown
    (``landUseChangeGhgEmissions``; v2.3 ``dLucGhgEmissions``)."""
    biogenic_co2_uptake: Decimal | None = None
    """Biogenic CO2 uptake of the product [kgCO2e / declared unit], <= 0, None if unknown
    (``biogenicCO2Uptake``; v2.3 ``biogenicCarbonWithdrawal``)."""
    aircraft_ghg_emissions: Decimal | None = None
    """Emissions of air transport, radiative forcing excluded [kgCO2e / declared unit], >= 0
    (``aircraftGhgEmissions``)."""
    packaging_emissions_included: bool
    """Whether packaging emissions are included in the footprint (``packagingEmissionsIncluded``)."""
    packaging_ghg_emissions: Decimal | None = None
    """Packaging emissions [kgCO2e / declared unit], >= 0; only when packaging is included
    (``packagingGhgEmissions``)."""
    packaging_biogenic_carbon_content: Decimal | None = None
    """Biogenic carbon content of the packaging [kgC / declared unit], >= 0 (v3.0 only,
    ``packagingBiogenicCarbonContent``)."""

    # --- method ------------------------------------------------------------------------------------
    ipcc_characterization_factors: tuple[str, ...]
    """IPCC assessment reports whose GWPs were used, e.g. ``("AR6",)`` (``ipccCharacterizationFactors``)."""
    cross_sectoral_standards: tuple[str, ...]
    """Standards applied, PACT v3.0 codes: ``ISO14067``, ``GHGP-Product``, ``ISO14040-44``,
    ``ISO14083``, ``PEF``, ``PACT-1.0`` ... ``PACT-3.0``, ``PAS2050`` (``crossSectoralStandards``)."""
    product_category_rules: tuple[ProductCategoryRule, ...] = ()
    """Product or sector specific rules (PCR) applied (``productOrSectorSpecificRules``)."""
    boundary_processes_description: str = ""
    """Processes included in each life cycle stage (``boundaryProcessesDescription``)."""
    exempted_emissions_percent: Decimal
    """Share of emissions excluded by cut-off rules [%], 0-100 (``exemptedEmissionsPercent``)."""
    exempted_emissions_description: str = ""
    """Why emissions were excluded; may be empty when none were (``exemptedEmissionsDescription``)."""
    allocation_rules_description: str | None = None
    """Allocation rules applied and why (``allocationRulesDescription``)."""
    secondary_emission_factor_sources: tuple[EmissionFactorSource, ...] = ()
    """Secondary databases used, none if only primary data (``secondaryEmissionFactorSources``)."""
    primary_data_share: Decimal | None = None
    """Share of primary data in the footprint excluding uptake [%], 0-100 (``primaryDataShare``)."""
    dqr: DataQualityRatings | None = None
    """Data quality ratings, PACT Methodology v3 scale (``dqi``)."""

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise DeclarationError(problems)

    @property
    def reference_period_end_datetime(self) -> datetime:
        """``reference_period_end`` as 00:00 UTC, the instant PACT compares validity against."""
        return datetime.combine(self.reference_period_end, time(0), tzinfo=UTC)


def add_years(moment: datetime, years: int) -> datetime:
    """``moment`` plus whole calendar years; 29 February becomes 1 March in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February -> the day after 28 February, so the window is not shortened
        return moment.replace(year=moment.year + years, month=3, day=1)


_DECIMAL_FIELDS_NONNEG = (
    "product_mass_per_declared_unit",
    "fossil_ghg_emissions",
    "fossil_carbon_content",
    "biogenic_carbon_content",
    "land_use_change_ghg_emissions",
    "aircraft_ghg_emissions",
    "packaging_ghg_emissions",
    "packaging_biogenic_carbon_content",
)


def _problems(d: PcfDeclaration) -> list[str]:
    """Every invalid field of ``d``, as ``'field: what was expected, got ...'``."""
    out: list[str] = []
    decimal_names = {
        "declared_unit_amount",
        "pcf_excluding_biogenic_uptake",
        "pcf_including_biogenic_uptake",
        "biogenic_co2_uptake",
        "exempted_emissions_percent",
        "primary_data_share",
        *_DECIMAL_FIELDS_NONNEG,
    }
    numbers: dict[str, Decimal] = {}
    for f in fields(d):
        if f.name not in decimal_names:
            continue
        value = getattr(d, f.name)
        if value is None:
            continue
        if not isinstance(value, Decimal) or not value.is_finite():
            out.append(
                f"{f.name}: expected a finite decimal.Decimal (not float, so that the declared "
                f"digits are kept), got {type(value).__name__} {value!r}"
            )
            continue
        numbers[f.name] = value

    def check(name: str, ok: bool, expected: str) -> None:
        if name in numbers and not ok:
            out.append(f"{name}: expected {expected}, got {numbers[name]}")

    check("declared_unit_amount", numbers.get("declared_unit_amount", Decimal(1)) > 0, "> 0")
    for name in _DECIMAL_FIELDS_NONNEG:
        check(name, numbers.get(name, Decimal(0)) >= 0, ">= 0")
    check(
        "biogenic_co2_uptake", numbers.get("biogenic_co2_uptake", Decimal(0)) <= 0, "<= 0 (uptake)"
    )
    for name in ("exempted_emissions_percent", "primary_data_share"):
        check(name, 0 <= numbers.get(name, Decimal(0)) <= 100, "a percentage between 0 and 100")

    if not isinstance(d.id, str) or not _UUID_RE.match(d.id):
        out.append(
            f"id: expected a UUID such as '3fa85f64-5717-4562-b3fc-2c963f66afa6', got {d.id!r}"
        )
    for i, pid in enumerate(d.preceding_pf_ids):
        if not isinstance(pid, str) or not _UUID_RE.match(pid):
            out.append(f"preceding_pf_ids[{i}]: expected a UUID, got {pid!r}")
    for name in ("company_ids", "product_ids", "product_classifications"):
        values = getattr(d, name)
        if not isinstance(values, tuple) or not values:
            out.append(f"{name}: expected a non-empty tuple of URNs ('urn:<namespace>:<id>')")
            continue
        for i, v in enumerate(values):
            if not isinstance(v, str) or not _URN_RE.match(v):
                out.append(
                    f"{name}[{i}]: expected a URN ('urn:<namespace>:<id>', RFC 8141), got {v!r}"
                )
        if len(set(values)) != len(values):
            out.append(f"{name}: expected unique values, got duplicates in {values!r}")
    for name in ("company_name", "product_name"):
        if not isinstance(getattr(d, name), str) or not getattr(d, name).strip():
            out.append(f"{name}: expected a non-empty string")
    if d.declared_unit not in DECLARED_UNITS:
        out.append(
            f"declared_unit: expected one of {', '.join(DECLARED_UNITS)}, got {d.declared_unit!r}"
        )
    if d.status not in ("Active", "Deprecated"):
        out.append(f"status: expected 'Active' or 'Deprecated', got {d.status!r}")
    if isinstance(d.version, bool) or not isinstance(d.version, int) or d.version < 0:
        out.append(f"version: expected an integer >= 0, got {d.version!r}")

    times_ok = True
    for name in ("created", "updated", "validity_period_start", "validity_period_end"):
        value = getattr(d, name)
        if value is None and name != "created":
            continue
        if not isinstance(value, datetime) or value.utcoffset() is None:
            out.append(f"{name}: expected a timezone-aware datetime, got {value!r}")
            times_ok = False
    for name in ("reference_period_start", "reference_period_end"):
        value = getattr(d, name)
        if not isinstance(value, date) or isinstance(value, datetime):
            out.append(f"{name}: expected a datetime.date, got {value!r}")
            times_ok = False
    if times_ok:
        out.extend(_period_problems(d))

    geographies = [
        n
        for n in (
            "geography_country",
            "geography_country_subdivision",
            "geography_region_or_subregion",
        )
        if getattr(d, n) is not None
    ]
    if len(geographies) > 1:
        out.append(
            f"{', '.join(geographies)}: expected at most one geography (PACT CarbonFootprint "
            "scope: country, subdivision or region, none for global)"
        )
    if d.geography_country is not None and not _COUNTRY_RE.match(d.geography_country):
        out.append(
            f"geography_country: expected an ISO 3166-1 alpha-2 code such as 'CN', got {d.geography_country!r}"
        )
    if d.geography_country_subdivision is not None and not _SUBDIVISION_RE.match(
        d.geography_country_subdivision
    ):
        out.append(
            "geography_country_subdivision: expected an ISO 3166-2 code such as 'CN-JS', "
            f"got {d.geography_country_subdivision!r}"
        )

    if not d.packaging_emissions_included and d.packaging_ghg_emissions is not None:
        out.append(
            "packaging_ghg_emissions: expected None when packaging_emissions_included is False "
            "(PACT CarbonFootprint/packagingGhgEmissions MUST be undefined then)"
        )
    if not d.ipcc_characterization_factors or not all(
        isinstance(x, str) and _IPCC_RE.match(x) for x in d.ipcc_characterization_factors
    ):
        out.append(
            "ipcc_characterization_factors: expected a non-empty tuple of 'AR<n>' such as ('AR6',), "
            f"got {d.ipcc_characterization_factors!r}"
        )
    if not d.cross_sectoral_standards or not all(
        isinstance(x, str) and x for x in d.cross_sectoral_standards
    ):
        out.append("cross_sectoral_standards: expected a non-empty tuple such as ('ISO14067',)")
    for i, rule in enumerate(d.product_category_rules):
        if not rule.rule_names or not all(isinstance(n, str) and n for n in rule.rule_names):
            out.append(
                f"product_category_rules[{i}].rule_names: expected a non-empty tuple of names"
            )
        if rule.operator not in ("PEF", "EPD International", "Other"):
            out.append(
                f"product_category_rules[{i}].operator: expected PEF, EPD International or Other"
            )
    if d.dqr is not None:
        for name in ("technological", "temporal", "geographical"):
            value = getattr(d.dqr, name)
            if not isinstance(value, Decimal) or not (1 <= value <= 5):
                out.append(f"dqr.{name}: expected a Decimal between 1 and 5, got {value!r}")
    return out


def _period_problems(d: PcfDeclaration) -> list[str]:
    """Order of the reference and validity period bounds."""
    out: list[str] = []
    if d.reference_period_start >= d.reference_period_end:
        out.append(
            "reference_period_end: expected a date after reference_period_start (the end is "
            f"exclusive), got {d.reference_period_start} to {d.reference_period_end}"
        )
    start, end = d.validity_period_start, d.validity_period_end
    if start is not None and end is not None and end <= start:
        out.append(
            f"validity_period_end: expected after validity_period_start, got {start.isoformat()} "
            f"to {end.isoformat()}"
        )
    return out


def validity_window_problems(d: PcfDeclaration) -> list[str]:
    """Where the validity period leaves the window PACT allows (empty when it does not).

    PACT Technical Specifications v3.0, "Validity Period" (v2.3 ``validityPeriodStart``): the
    validity start MUST NOT be before the reference period end, the validity end MUST be at most
    3 years after it. Not part of construction, because footprints received from others (the
    specification's own examples among them) do not always keep it; greenmfg checks it on what it
    declares.
    """
    out: list[str] = []
    ref_end = d.reference_period_end_datetime
    start, end = d.validity_period_start, d.validity_period_end
    if start is not None and start < ref_end:
        out.append(
            "validity_period_start: expected on or after the reference period end "
            f"{ref_end.isoformat()}, got {start.isoformat()}"
        )
    limit = add_years(ref_end, 3)
    if end is not None and end > limit:
        out.append(
            "validity_period_end: expected at most 3 years after the reference period end "
            f"({limit.isoformat()}), got {end.isoformat()}"
        )
    return out

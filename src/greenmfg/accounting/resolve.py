"""Factor resolution: for one group of records sharing (kind, item, year, region, units), find the
reference factors and fold them into per-unit coefficients.

The engine calls :func:`resolve_group` once per distinct group (typically tens to hundreds), then
applies the coefficients to all rows with vector arithmetic. Order of precedence (design.md):
measured on the record > regional default > national default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from greenmfg.accounting.flags import Flag
from greenmfg.energy.standard_coal import StandardCoalError, standard_coal_factor
from greenmfg.reference.model import Factor, ReferenceData, Region
from greenmfg.units import conversion_factor, product_factor


class ResolutionError(ValueError):
    """No usable reference factor for a group of records (the message says what to provide)."""


@dataclass
class GroupCoefficients:
    """Per-unit coefficients of one group. Amount units are those of the records.

    Every coefficient multiplies the record's amount (and measured values where noted).
    """

    source_type: str
    method: str
    biogenic: bool = False
    # fuel combustion
    gj_per_unit: float = 0.0  # default NCV x unit conversion [GJ per record unit]
    ncv_conv: float = 0.0  # measured NCV [ncv_unit] x amount [unit] -> GJ
    carbon_content: float = 0.0  # [tC/GJ]
    oxidation: float = 0.0  # [fraction]
    ch4_t_per_gj: float = 0.0
    n2o_t_per_gj: float = 0.0
    # electricity and heat
    mwh_per_unit: float = 0.0
    gj_heat_per_unit: float = 0.0
    ef_location: float = 0.0  # [tCO2/MWh] or [tCO2/GJ] for heat
    ef_market: float = 0.0
    ef_conv: float = 0.0  # measured EF [ef_unit] x amount [unit] -> t
    # process
    t_per_unit: float = 0.0  # amount [unit] -> t of material
    gas_t_per_t: dict[str, float] = field(default_factory=dict)  # t gas per t material
    purity_applies: bool = False
    cao_factor: float = 0.0  # tCO2 per t CaO
    mgo_factor: float = 0.0
    default_carbon_fraction: float = 0.0  # [fraction]
    sign: float = 1.0
    has_default: bool = True
    # energy (GB/T 2589)
    tce_per_unit: float = 0.0
    tce_sign: float = 0.0
    gj_to_tce: float = 0.0
    # provenance
    factors: list[Factor] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)
    flags: int = 0
    notes: list[str] = field(default_factory=list)

    def use(self, factor: Factor) -> Factor:
        """Record ``factor`` as used and raise quality flags from its confidence."""
        if factor not in self.factors:
            self.factors.append(factor)
        if factor.source.confidence == "unverified":
            self.flags |= Flag.UNVERIFIED_FACTOR
        elif factor.source.confidence == "secondary":
            self.flags |= Flag.SECONDARY_FACTOR
        return factor


@dataclass(frozen=True)
class Settings:
    """What the caller chose: method, GWP set, energy basis and grid-factor series."""

    method: str
    gwp_set: str
    energy_basis: str  # equivalent | equal
    grid_series: str  # average | ets_grid
    fuel_datasets: tuple[str, ...]
    combustion_gases: tuple[str, ...]
    ch4_n2o_dataset: str


def _value_in(factor: Factor, unit: str) -> float:
    return factor.value * conversion_factor(factor.unit, unit)


FUEL_CO2_PARAMETERS = ("ncv", "carbon_content", "oxidation_rate")


def _fuel_defaults(ref: ReferenceData, datasets: tuple[str, ...], item: str) -> dict[str, Factor]:
    """Default NCV, carbon content and oxidation rate of a fuel.

    The first dataset of ``datasets`` that has all three supplies them together (a guideline's
    values belong together); failing that, each parameter comes from the first dataset that has it.
    """
    for ds in datasets:
        found = {
            p: ref.fuel[(ds, item, p)] for p in FUEL_CO2_PARAMETERS if (ds, item, p) in ref.fuel
        }
        if len(found) == len(FUEL_CO2_PARAMETERS):
            return found
    out: dict[str, Factor] = {}
    for p in FUEL_CO2_PARAMETERS:
        for ds in datasets:
            if (ds, item, p) in ref.fuel:
                out[p] = ref.fuel[(ds, item, p)]
                break
    return out


def _electricity_factor(
    ref: ReferenceData,
    series: str,
    year: int,
    region: Region | None,
    gc: GroupCoefficients,
    national_series: bool = False,
) -> Factor:
    """Factor of ``series`` for the data year (else the latest earlier year, flagged) and the most
    specific geography published for it: province, then its grid region, then the nation."""
    chain: list[tuple[str, int]] = []
    if region is not None:
        chain.append((region.code, 0))
        if region.level == "province" and region.parent:
            chain.append((region.parent, Flag.REGION_FALLBACK_GRID))
    if national_series:
        national_flag = 0  # the series is published for the nation only (e.g. the residual factor)
    elif region is None:
        national_flag = Flag.NO_REGION_NATIONAL
    else:
        national_flag = Flag.REGION_FALLBACK_NATIONAL if region.code != "CN" else 0
    chain.append(("CN", national_flag))
    years = sorted({y for s, y, _ in ref.electricity if s == series}, reverse=True)
    # Year first, then geography: a same-year regional factor describes that year's grid better than
    # an older provincial one; within a year the most specific geography wins.
    for y in years:
        if y > year:
            continue
        for code, flag in chain:
            f = ref.electricity.get((series, y, code))
            if f is not None:
                gc.flags |= flag
                if y != year:
                    gc.flags |= Flag.FACTOR_YEAR_FALLBACK
                    gc.notes.append(f"{series} factor of {y} used for data year {year}")
                return f
    # data year earlier than every published year: take the earliest national one, flagged
    for y in sorted(years):
        f = ref.electricity.get((series, y, "CN"))
        if f is not None:
            gc.flags |= Flag.FACTOR_YEAR_FALLBACK | national_flag
            gc.notes.append(f"{series} factor of {y} used for data year {year} (no earlier year)")
            return f
    raise ResolutionError(f"no electricity factor of series {series!r} in the reference data")


def resolve_group(
    ref: ReferenceData,
    settings: Settings,
    kind: str,
    item: str,
    year: int,
    region: Region | None,
    unit: str,
    ncv_unit: str,
    ef_unit: str,
) -> GroupCoefficients:
    """Coefficients and provenance for records of one (kind, item, year, region, unit) group."""
    spec = ref.items.get(item)
    method = spec.method if spec else "production"
    source_type = {"fuel": "combustion"}.get(kind, kind)
    gc = GroupCoefficients(source_type=source_type, method=method)
    c2co2 = ref.constant("co2_per_carbon")
    factor_item = spec.factor_item if spec else item

    if method == "combustion":
        gc.biogenic = bool(spec and spec.biogenic)
        params = _fuel_defaults(ref, settings.fuel_datasets, item)
        ncv = params.get("ncv")
        gc.gj_per_unit = ncv.value * product_factor(unit, ncv.unit, "GJ") if ncv else math.nan
        if ncv_unit:
            gc.ncv_conv = product_factor(unit, ncv_unit, "GJ")
        cc, of = params.get("carbon_content"), params.get("oxidation_rate")
        gc.carbon_content = _value_in(cc, "tC/GJ") if cc else math.nan
        gc.oxidation = _value_in(of, "dimensionless") if of else math.nan
        for f in (ncv, cc, of):
            if f is not None:
                gc.use(f)
        missing = [p for p in FUEL_CO2_PARAMETERS if p not in params]
        if missing:
            gc.notes.append(
                f"no default {', '.join(missing)} for {item} in "
                f"{' or '.join(settings.fuel_datasets)}: measured values required"
            )
        gc.use(c2co2)
        gc.formulas.append("combustion_co2")
        if settings.ch4_n2o_dataset:
            for gas, attr in (("CH4", "ch4_t_per_gj"), ("N2O", "n2o_t_per_gj")):
                if gas not in settings.combustion_gases:
                    continue
                f = ref.fuel.get((settings.ch4_n2o_dataset, item, f"{gas.lower()}_ef"))
                if f is None:
                    # A gap in the reference data, not in the user's records: account the CO2 and
                    # flag the line rather than refuse the inventory.
                    gc.flags |= Flag.NO_CH4_N2O_FACTOR
                    gc.notes.append(
                        f"no {gas} factor for {item} in {settings.ch4_n2o_dataset}: "
                        f"{gas} not counted"
                    )
                    continue
                setattr(gc, attr, _value_in(gc.use(f), "t/GJ"))
            gc.formulas.append("ipcc_tier1_ch4_n2o")
        if gc.biogenic:
            gc.formulas.append("biogenic_co2")
        _standard_coal(ref, settings, gc, item, year, unit, sign=1.0)
        if gc.tce_per_unit == 0.0 and ncv is not None:
            gc.tce_per_unit = gc.gj_per_unit * conversion_factor("GJ", "tce")
            gc.flags |= Flag.TCE_FROM_NCV
        gc.gj_to_tce = conversion_factor("GJ", "tce")

    elif method == "electricity":
        gc.mwh_per_unit = conversion_factor(unit, "MWh")
        loc = gc.use(_electricity_factor(ref, settings.grid_series, year, region, gc))
        gc.ef_location = _value_in(loc, "tCO2/MWh")
        if kind == "electricity":
            res = gc.use(
                _electricity_factor(
                    ref, "excl_market_nonfossil", year, None, gc, national_series=True
                )
            )
            gc.ef_market = _value_in(res, "tCO2/MWh")
            gc.formulas += [
                "purchased_electricity_co2",
                "ghgp_scope2_location",
                "ghgp_scope2_market",
            ]
            sign = 1.0
        else:
            gc.ef_market = gc.ef_location
            gc.formulas.append("exported_energy_co2")
            sign = -1.0
        if ef_unit:
            gc.ef_conv = product_factor(unit, ef_unit, "t")
        _standard_coal(ref, settings, gc, factor_item, year, unit, sign=sign)

    elif method == "green_instrument":
        gc.mwh_per_unit = conversion_factor(unit, "MWh")
        gc.formulas.append("ghgp_scope2_market")

    elif method == "heat":
        gc.gj_heat_per_unit = conversion_factor(unit, "GJ")
        f = ref.heat.get(factor_item)
        if f is None:
            raise ResolutionError(f"no default CO2 factor for heat item {factor_item!r}")
        gc.ef_location = gc.ef_market = _value_in(gc.use(f), "tCO2/GJ")
        if ef_unit:
            gc.ef_conv = product_factor(unit, ef_unit, "t")
        gc.formulas.append("purchased_heat_co2" if kind == "heat" else "exported_energy_co2")
        _standard_coal(
            ref, settings, gc, factor_item, year, unit, sign=1.0 if kind == "heat" else -1.0
        )

    elif method in ("carbonate", "emission_factor", "carbon_fixed"):
        gc.t_per_unit = conversion_factor(unit, "t")
        rows = {gas: f for (i, gas), f in ref.process.items() if i == item}
        gc.has_default = bool(rows)  # else the record must carry a measured value
        for gas, f in rows.items():
            gc.use(f)
            gc.gas_t_per_t[gas] = f.value * conversion_factor(f.unit, "t/t")
        gc.purity_applies = method == "carbonate"
        gc.sign = -1.0 if method == "carbon_fixed" else 1.0
        if ef_unit:
            gc.ef_conv = product_factor(unit, ef_unit, "t")
        # E = AD x EF (x purity) for CO2; PFCs by the aluminium guideline's formula
        non_co2 = any(gas != "CO2" for gas in rows)
        gc.formulas.append("pfc_emissions" if non_co2 else "carbonate_process_co2")

    elif method == "clinker_oxides":
        gc.t_per_unit = conversion_factor(unit, "t")
        for gas, attr in (("clinker_cao", "cao_factor"), ("clinker_mgo", "mgo_factor")):
            f = ref.process.get((gas, "CO2"))
            if f is None:
                raise ResolutionError(f"reference data lacks the {gas} factor for clinker")
            setattr(gc, attr, _value_in(gc.use(f), "t/t"))
        gc.formulas.append("clinker_process_co2")

    elif method == "anode_carbon":
        gc.t_per_unit = conversion_factor(unit, "t")
        gc.use(c2co2)
        s = ref.process.get(("anode_sulfur_content", "CO2"))
        a = ref.process.get(("anode_ash_content", "CO2"))
        if s is not None and a is not None:
            gc.default_carbon_fraction = (
                1.0 - _value_in(gc.use(s), "dimensionless") - _value_in(gc.use(a), "dimensionless")
            )
        gc.formulas.append("anode_co2")

    elif method == "recovery":
        gc.t_per_unit = conversion_factor(unit, "t")
        gc.purity_applies = True
        gc.formulas.append("co2_recovery")

    return gc


def _standard_coal(
    ref: ReferenceData,
    settings: Settings,
    gc: GroupCoefficients,
    item: str,
    year: int,
    unit: str,
    sign: float,
) -> None:
    """GB/T 2589 coefficient: tce per record unit, on the chosen basis (当量值 or 等价值)."""
    try:
        f, fallback_year = standard_coal_factor(
            ref, item, settings.energy_basis, year, secondary=gc.method in ("electricity", "heat")
        )
    except StandardCoalError as exc:
        raise ResolutionError(str(exc)) from None
    if fallback_year is not None:
        gc.flags |= Flag.FACTOR_YEAR_FALLBACK
        gc.notes.append(f"equal-value coefficient of {fallback_year} used for data year {year}")
    gc.tce_sign = sign
    if f is None:
        return
    gc.use(f)
    gc.tce_per_unit = f.value * product_factor(unit, f.unit, "tce")
    gc.formulas.append("comprehensive_energy")

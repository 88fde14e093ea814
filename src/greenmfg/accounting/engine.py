"""The accounting engine: activity records in, a greenhouse-gas and energy inventory out.

Formulas (clauses are in ``reference/formulas.csv`` and carried on every line):

* fuel combustion, GB/T 32150-2015: ``E_CO2 = AD x NCV x CC x OF x 44/12`` per record, measured
  NCV, CC and OF on the record replacing the defaults; CH4 and N2O by IPCC 2006 Tier 1
  (``E = AD x NCV x EF``) where the method counts them;
* process: carbonates ``E = AD x EF x purity``; clinker ``E = Q x (CaO x 44/56 + MgO x 44/40)``;
  anodes ``E = AD x C x 44/12``; factor-based inputs and PFCs ``E = AD x EF``; carbon fixed in
  products deducted;
* purchased or exported electricity and heat ``E = AD x EF``; scope 2 location-based at the MEE/NBS
  average factor (province > grid region > nation), market-based with green-electricity instruments
  at zero and the rest at the national factor excluding market-traded non-fossil power;
* comprehensive energy consumption, GB/T 2589-2020: ``E = sum(e_i x p_i)`` with exports deducted.

All arithmetic is on NumPy columns; reference look-ups happen once per distinct group of records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from greenmfg import __version__
from greenmfg.accounting.activities import MEASURED_BY_NAME, MEASURED_COLUMNS, ActivityTable
from greenmfg.accounting.encode import Encoded
from greenmfg.accounting.flags import Flag
from greenmfg.accounting.inventory import FactorSet, Inventory
from greenmfg.accounting.resolve import GroupCoefficients, ResolutionError, Settings, resolve_group
from greenmfg.accounting.validate import ActivityError, Problem, validate_activities
from greenmfg.reference.model import Factor, ReferenceData, Region
from greenmfg.units import conversion_factor

METHODS: tuple[str, ...] = ("gbt32150", "iso14064", "ghgp")
ENERGY_BASES: tuple[str, ...] = ("equivalent", "equal")
GRID_SERIES: tuple[str, ...] = ("average", "ets_grid")
_FLOAT = np.float64


@dataclass(frozen=True)
class AccountingOptions:
    """Choices that change the numbers. ``gwp=None`` takes the method's default set."""

    method: str = "gbt32150"
    gwp: str | None = None
    energy_basis: str = "equivalent"
    grid_series: str = "average"
    fuel_datasets: tuple[str, ...] = ("gbt32150_2015", "ndrc_2013")


def compute_inventory(
    activities: ActivityTable, ref: ReferenceData, options: AccountingOptions | None = None
) -> Inventory:
    """Account an inventory of greenhouse gases and comprehensive energy consumption.

    Parameters
    ----------
    activities : the records, see :class:`~greenmfg.accounting.activities.ActivityTable`.
    ref : reference data (:func:`greenmfg.reference.get_reference`).
    options : method (``gbt32150`` default, ``iso14064``, ``ghgp``), GWP set (``sar``, ``ar4``,
        ``ar5``, ``ar6``; the method's default when ``None``), energy basis (``equivalent`` 当量值 or
        ``equal`` 等价值 for electricity and heat), grid-factor series (``average`` MEE/NBS or
        ``ets_grid``).

    Returns
    -------
    Inventory with per-record gas masses [t], tCO2e (location- and market-based), energy [tce]
    and the factors, formulas and quality flags behind each record.

    Raises
    ------
    ActivityError listing every record that cannot be accounted (nothing is computed then).
    ValueError for an unknown method, GWP set, energy basis or grid series.
    """
    opts = options or AccountingOptions()
    if opts.method not in ref.methods:
        raise ValueError(
            f"unknown method {opts.method!r}; expected one of {', '.join(ref.methods)}"
        )
    method = ref.methods[opts.method]
    gwp_set = opts.gwp or method.default_gwp
    if gwp_set not in ref.gwp_sets():
        raise ValueError(
            f"unknown GWP set {gwp_set!r}; expected one of {', '.join(ref.gwp_sets())}"
        )
    if opts.energy_basis not in ENERGY_BASES:
        raise ValueError(
            f"unknown energy basis {opts.energy_basis!r}; expected equivalent or equal"
        )
    if opts.grid_series not in GRID_SERIES:
        raise ValueError(f"unknown grid series {opts.grid_series!r}; expected average or ets_grid")
    settings = Settings(
        method=opts.method,
        gwp_set=gwp_set,
        energy_basis=opts.energy_basis,
        grid_series=opts.grid_series,
        fuel_datasets=opts.fuel_datasets,
        combustion_gases=method.combustion_gases,
        ch4_n2o_dataset=method.ch4_n2o_dataset,
    )

    enc = Encoded(activities)
    problems = validate_activities(activities, ref, enc)
    if problems:
        raise ActivityError(problems, activities.source)

    t = activities
    n = len(t)
    gcode, keys = enc.combine(
        "kind", "item", "year", "region", "unit", "ncv_unit", "emission_factor_unit"
    )

    regions: dict[str, Region | None] = {}
    groups: list[GroupCoefficients] = []
    for g, (kind, item, year, region_text, unit, nu, eu) in enumerate(keys):
        rt = str(region_text)
        if rt not in regions:
            regions[rt] = ref.resolve_region(rt)
        try:
            groups.append(
                resolve_group(
                    ref,
                    settings,
                    str(kind),
                    str(item),
                    int(year),  # type: ignore[call-overload]
                    regions[rt],
                    str(unit),
                    str(nu),
                    str(eu),
                )
            )
        except (ResolutionError, ValueError) as exc:
            rows = t.row[gcode == g][:50]
            raise ActivityError(
                [Problem(int(r), "item", str(exc)) for r in rows], t.source
            ) from None

    gathered: dict[str, npt.NDArray[np.float64]] = {}
    nan_column = np.full(n, np.nan)
    methods = {gc.method for gc in groups}

    def col(attr: str) -> npt.NDArray[np.float64]:
        """Per-record values of a group coefficient (gathered once)."""
        if attr not in gathered:
            gathered[attr] = np.array([getattr(gc, attr) for gc in groups], dtype=_FLOAT)[gcode]
        return gathered[attr]

    def mask(pred: str) -> npt.NDArray[np.bool_]:
        if pred not in methods:
            return np.zeros(n, dtype=bool)
        return np.array([gc.method == pred for gc in groups], dtype=bool)[gcode]

    def measured(name: str) -> npt.NDArray[np.float64]:
        """A measured column in the engine's units: percent columns as fractions (pint-converted)."""
        values = t.measured.get(name)
        if values is None:
            return nan_column
        unit = MEASURED_BY_NAME[name].unit
        return values * conversion_factor(unit, "dimensionless") if unit == "percent" else values

    a = t.amount
    flags = np.array([gc.flags for gc in groups], dtype=np.int64)[gcode]
    gases: dict[str, npt.NDArray[np.float64]] = {}
    co2 = np.zeros(n)
    biogenic = np.zeros(n)
    c2co2 = ref.constant("co2_per_carbon").value

    # --- fuel combustion (GB/T 32150-2015; IPCC 2006 Vol. 2 eq. 2.1 for CH4/N2O) -------------
    fuel = mask("combustion")
    ncv_m = measured("ncv")
    has_ncv = fuel & ~np.isnan(ncv_m)
    energy_gj = np.where(
        has_ncv, a * np.nan_to_num(ncv_m) * col("ncv_conv"), a * col("gj_per_unit")
    )
    energy_gj = np.where(fuel, energy_gj, 0.0)
    cc_m, of_m = measured("carbon_content"), measured("oxidation_rate")
    cc = np.where(np.isnan(cc_m), col("carbon_content"), cc_m)
    of = np.where(np.isnan(of_m), col("oxidation"), of_m)
    co2_fuel = energy_gj * cc * of * c2co2
    _require_measured(
        t, fuel, {"ncv": energy_gj, "carbon_content": cc, "oxidation_rate": of}, groups, gcode
    )
    bio_share = np.where(col("biogenic") > 0, 1.0, np.nan_to_num(measured("biogenic_fraction")))
    biogenic += co2_fuel * bio_share
    co2 += np.where(fuel, co2_fuel * (1.0 - bio_share), 0.0)
    for gas, attr in (("CH4", "ch4_t_per_gj"), ("N2O", "n2o_t_per_gj")):
        per_gj = col(attr)
        if per_gj.any():
            gases[gas] = energy_gj * per_gj
    flags |= np.where(has_ncv, Flag.MEASURED_NCV, 0)
    flags |= np.where(fuel & ~np.isnan(cc_m), Flag.MEASURED_CARBON_CONTENT, 0)
    flags |= np.where(fuel & ~np.isnan(of_m), Flag.MEASURED_OXIDATION_RATE, 0)

    # --- electricity and heat -----------------------------------------------------------------
    ef_m = measured("emission_factor")
    has_ef = ~np.isnan(ef_m)
    ef_t = np.nan_to_num(ef_m) * a * col("ef_conv")
    elec = mask("electricity")
    mwh = np.where(elec | mask("green_instrument"), a * col("mwh_per_unit"), 0.0)
    loc_elec = mwh * col("ef_location")
    is_import = elec & (t.kind == "electricity")
    green = mask("green_instrument")
    share = _green_share(t, enc, is_import & ~has_ef, green, mwh)
    mkt_elec = np.where(has_ef, ef_t, mwh * col("ef_market") * (1.0 - share))
    heat = mask("heat")
    gj_heat = a * col("gj_heat_per_unit")
    co2_heat = np.where(has_ef, ef_t, gj_heat * col("ef_location"))
    location = np.where(elec, loc_elec, 0.0) + np.where(heat, co2_heat, 0.0)
    market = np.where(elec, np.where(is_import, mkt_elec, loc_elec), 0.0) + np.where(
        heat, co2_heat, 0.0
    )
    flags |= np.where((elec | heat) & has_ef, Flag.MEASURED_EMISSION_FACTOR, 0)
    indirect = elec | heat

    # --- process emissions -----------------------------------------------------------------------
    tonnes = a * col("t_per_unit")
    pur_m = measured("purity")
    purity = np.where(col("purity_applies") > 0, np.where(np.isnan(pur_m), 1.0, pur_m), 1.0)
    ef_like = mask("carbonate") | mask("emission_factor") | mask("carbon_fixed")
    sign = col("sign")
    # a measured carbon fraction replaces the default CO2 factor: E = AD x C x 44/12; applied
    # outside the loop over the reference gases, since an item may have no default row at all
    cf_m = measured("carbon_fraction")
    by_fraction = ef_like & ~has_ef & ~np.isnan(cf_m)
    co2 += np.where(by_fraction, tonnes * np.nan_to_num(cf_m) * c2co2 * sign, 0.0)
    for gas in sorted({g for gc in groups for g in gc.gas_t_per_t}):
        per_t = np.array([gc.gas_t_per_t.get(gas, 0.0) for gc in groups], dtype=_FLOAT)[gcode]
        mass = tonnes * per_t * purity * sign
        if gas == "CO2":
            co2 += np.where(ef_like & ~has_ef & ~by_fraction, mass, 0.0)
        else:
            gases[gas] = gases.get(gas, np.zeros(n)) + np.where(ef_like, mass, 0.0)
    co2 += np.where(ef_like & has_ef, ef_t * purity * sign, 0.0)
    no_value = ef_like & ~has_ef & np.isnan(measured("carbon_fraction")) & (col("has_default") == 0)
    if no_value.any():
        raise ActivityError(
            [
                Problem(
                    int(r),
                    "emission_factor",
                    (
                        f"no default process factor for {item!r} in the reference data; give the "
                        "measured emission_factor with emission_factor_unit, or carbon_fraction (%)"
                    ),
                )
                for r, item in zip(t.row[no_value][:50], t.item[no_value][:50], strict=True)
            ],
            t.source,
        )
    flags |= np.where(ef_like & has_ef, Flag.MEASURED_EMISSION_FACTOR, 0)
    clinker = mask("clinker_oxides")
    co2 += np.where(
        clinker,
        tonnes
        * (
            np.nan_to_num(measured("cao_content")) * col("cao_factor")
            + np.nan_to_num(measured("mgo_content")) * col("mgo_factor")
        ),
        0.0,
    )
    anode = mask("anode_carbon")
    cf = np.where(
        np.isnan(measured("carbon_fraction")),
        col("default_carbon_fraction"),
        measured("carbon_fraction"),
    )
    if (anode & (cf <= 0)).any():
        rows = t.row[anode & (cf <= 0)][:50]
        raise ActivityError(
            [
                Problem(
                    int(r),
                    "carbon_fraction",
                    "no default anode carbon content in "
                    "the reference data: give the measured carbon_fraction (%)",
                )
                for r in rows
            ],
            t.source,
        )
    co2 += np.where(anode, tonnes * cf * c2co2, 0.0)
    recovery = mask("recovery")
    recovered = np.where(recovery, tonnes * purity, 0.0)
    co2 += recovered
    purity_given = (
        ~np.isnan(pur_m)
        | ~np.isnan(measured("cao_content"))
        | ~np.isnan(measured("carbon_fraction"))
    )
    flags |= np.where((mask("carbonate") | recovery) & np.isnan(pur_m), Flag.DEFAULT_PURITY, 0)
    flags |= np.where(purity_given, Flag.MEASURED_COMPOSITION, 0)
    co2 += np.where(indirect, location, 0.0)

    gases = {"CO2": co2, **gases}
    flags |= _plausibility(t)

    # --- CO2e with the GWP set ------------------------------------------------------------------
    gwp_factors: dict[str, Factor] = {}
    tco2e = np.zeros(n)
    for gas, mass in gases.items():
        key = "CH4_fossil" if gas == "CH4" and (gwp_set, "CH4_fossil") in ref.gwp else gas
        f = ref.gwp.get((gwp_set, key))
        if f is None:
            raise ValueError(f"GWP set {gwp_set} has no value for {gas}")
        gwp_factors[gas] = f
        tco2e += mass * f.value
    tco2e_market = np.where(indirect, tco2e - location + market, tco2e)

    # --- energy (GB/T 2589-2020) ------------------------------------------------------------------
    tce = np.where(has_ncv, energy_gj * col("gj_to_tce"), a * col("tce_per_unit")) * col("tce_sign")

    source_type = np.array([gc.source_type for gc in groups], dtype=object)[gcode]
    return Inventory(
        activities=t,
        method=method,
        gwp_set=gwp_set,
        energy_basis=opts.energy_basis,
        grid_series=opts.grid_series,
        reference_edition=ref.edition,
        engine_version=__version__,
        source_type=source_type,
        gases=gases,
        biogenic_co2=biogenic,
        tco2e=tco2e,
        tco2e_market=tco2e_market,
        energy_tce=tce,
        group=gcode,
        groups=[
            FactorSet(tuple(gc.factors), tuple(dict.fromkeys(gc.formulas)), tuple(gc.notes))
            for gc in groups
        ],
        flags=flags,
        gwp_factors=gwp_factors,
        formulas={
            fid: f
            for fid in {x for gc in groups for x in gc.formulas}
            if (f := ref.formula(fid)) is not None
        },
    )


def _green_share(
    t: ActivityTable,
    enc: Encoded,
    grid: npt.NDArray[np.bool_],
    green: npt.NDArray[np.bool_],
    mwh: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Share of each record's site-year grid electricity covered by green instruments.

    GHG Protocol Scope 2 Guidance (2015), ch. 6: contractual instruments are applied to the
    consumption they cover; the rest takes the residual factor. Raises :class:`ActivityError` when a
    site-year claims more green electricity than it consumed.
    """
    if not green.any():
        return np.zeros(len(t))
    sy, keys = enc.combine("site", "year")
    consumed = np.bincount(sy, weights=np.where(grid, mwh, 0.0), minlength=len(keys))
    claimed = np.bincount(sy, weights=np.where(green, mwh, 0.0), minlength=len(keys))
    over = claimed > consumed * (1 + 1e-9) + 1e-12
    if over.any():
        problems = []
        for k in np.flatnonzero(over):
            site, year = keys[k]
            for r in t.row[green & (sy == k)][:50]:
                problems.append(
                    Problem(
                        int(r),
                        "amount",
                        (
                            f"green electricity {claimed[k]:g} MWh exceeds the grid electricity "
                            f"{consumed[k]:g} MWh recorded for site {site!r} in {year}; green instruments "
                            "are claimed against the site-year's purchased grid electricity"
                        ),
                    )
                )
        raise ActivityError(problems, t.source)
    share = np.divide(claimed, consumed, out=np.zeros_like(claimed), where=consumed > 0)
    return share[sy]


def _require_measured(
    t: ActivityTable,
    rows: npt.NDArray[np.bool_],
    values: dict[str, npt.NDArray[np.float64]],
    groups: list[GroupCoefficients],
    gcode: npt.NDArray[np.intp],
) -> None:
    """Raise for records whose default factor is missing and that give no measured value."""
    problems = []
    for name, v in values.items():
        bad = rows & np.isnan(v)
        for i in np.flatnonzero(bad)[:50]:
            note = "; ".join(groups[int(gcode[i])].notes)
            problems.append(Problem(int(t.row[i]), name, f"expected a measured {name}: {note}"))
    if problems:
        raise ActivityError(problems, t.source)


def _plausibility(t: ActivityTable) -> npt.NDArray[np.int64]:
    """Flag measured values outside their plausible range (in the record's own units)."""
    out = np.zeros(len(t), dtype=np.int64)
    for c in MEASURED_COLUMNS:
        v = t.measured.get(c.name)
        if v is not None:
            out |= np.where(
                ~np.isnan(v) & ((v < c.low) | (v > c.high)), int(Flag.IMPLAUSIBLE_VALUE), 0
            )
    return out

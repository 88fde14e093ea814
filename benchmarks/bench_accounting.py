"""Throughput of the vectorised accounting engine against a naive per-record loop with pint.

Run: ``python benchmarks/bench_accounting.py [N]`` (N records, default 1,000,000).

Both paths account the same synthetic records (fuels with some measured NCVs, grid electricity in
several provinces and units, purchased heat, carbonates) under GB/T 32150. The naive baseline is
what one writes first: for each record, look up its factors and multiply pint quantities. It is
timed on a sample and its rate extrapolated; its totals are checked against the engine's on that
sample so the comparison is of equal work.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory
from greenmfg.reference import get_reference
from greenmfg.units import ureg

KINDS = [
    ("fuel", "natural_gas", ["10^4 Nm3", "m3"]),
    ("fuel", "diesel", ["t", "kg"]),
    ("fuel", "gasoline", ["t"]),
    ("fuel", "lpg", ["t"]),
    ("fuel", "bituminous_coal", ["t"]),
    ("electricity", "grid_electricity", ["MWh", "kWh", "万kWh"]),
    ("heat", "purchased_heat", ["GJ"]),
    ("process", "limestone", ["t"]),
]
REGIONS = ["江苏", "320000", "广东", "内蒙古", "grid_east", ""]


def synthetic(n: int, seed: int = 7) -> ActivityTable:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(KINDS), n)
    kind = np.array([k for k, _, _ in KINDS], dtype=object)[pick]
    item = np.array([i for _, i, _ in KINDS], dtype=object)[pick]
    unit = np.empty(n, dtype=object)
    for j, (_, _, units) in enumerate(KINDS):
        idx = np.flatnonzero(pick == j)
        unit[idx] = np.array(units, dtype=object)[rng.integers(0, len(units), idx.size)]
    region = np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), n)]
    ncv = np.where((item == "diesel") & (rng.random(n) < 0.3), rng.normal(42.6, 0.5, n), np.nan)
    ncv_unit = np.where(np.isnan(ncv), "", "GJ/t").astype(object)
    return ActivityTable(
        site=np.array([f"site{i}" for i in range(1000)], dtype=object)[rng.integers(0, 1000, n)],
        year=rng.choice(np.array([2021, 2022, 2023]), n).astype(np.int64),
        kind=kind,
        item=item,
        amount=rng.gamma(2.0, 50.0, n),
        unit=unit,
        region=region,
        row=np.arange(2, n + 2, dtype=np.int64),
        measured={"ncv": ncv},
        measured_units={"ncv_unit": ncv_unit},
        source="synthetic",
    )


def naive(table: ActivityTable, ref, opts: AccountingOptions) -> float:
    """Per-record loop with pint quantities: the baseline."""
    from greenmfg.accounting.resolve import Settings, resolve_group

    method = ref.methods[opts.method]
    settings = Settings(
        opts.method,
        method.default_gwp,
        "equivalent",
        "average",
        opts.fuel_datasets,
        method.combustion_gases,
        method.ch4_n2o_dataset,
    )
    total = 0.0
    c2co2 = ref.constant("co2_per_carbon").value
    for i in range(len(table)):
        kind, item, unit = table.kind[i], table.item[i], table.unit[i]
        region = ref.resolve_region(table.region[i])
        gc = resolve_group(
            ref,
            settings,
            kind,
            item,
            int(table.year[i]),
            region,
            unit,
            table.unit_column("ncv_unit")[i],
            "",
        )
        amount = table.amount[i] * ureg.parse_expression(unit)
        factors: dict[str, object] = {}
        for f in gc.factors:  # first of each parameter: the location-based grid factor
            factors.setdefault(f.parameter, f)
        if gc.method == "combustion":
            ncv_m = table.measured["ncv"][i]
            if np.isnan(ncv_m):
                ncv = factors["ncv"].value * ureg.parse_expression(factors["ncv"].unit)
            else:
                ncv = ncv_m * ureg.parse_expression(table.measured_units["ncv_unit"][i])
            cc = factors["carbon_content"].value * ureg.parse_expression("tC/GJ")
            of = factors["oxidation_rate"].value * ureg.percent
            total += (amount * ncv * cc * of * c2co2).to("t").magnitude
        elif gc.method == "electricity":
            ef = factors["emission_factor"].value * ureg.parse_expression("tCO2/MWh")
            total += (amount * ef).to("t").magnitude
        elif gc.method == "heat":
            ef = factors["emission_factor"].value * ureg.parse_expression("tCO2/GJ")
            total += (amount * ef).to("t").magnitude
        else:
            f = factors["CO2"]
            total += (amount * f.value * ureg.parse_expression(f.unit)).to("t").magnitude
    return total


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    sample = min(20_000, n)
    ref = get_reference()
    opts = AccountingOptions()
    table = synthetic(n)
    compute_inventory(synthetic(1000), ref, opts)  # warm caches (unit parsing, imports)

    runs = []
    for _ in range(3):  # best of three: the machine's other load only ever slows a run down
        t0 = time.perf_counter()
        inv = compute_inventory(table, ref, opts)
        runs.append(time.perf_counter() - t0)
    engine_s = min(runs)
    engine_rate = n / engine_s

    small = table.take(np.arange(sample))
    t0 = time.perf_counter()
    naive_total = naive(small, ref, opts)
    naive_s = time.perf_counter() - t0
    naive_rate = sample / naive_s
    check = compute_inventory(small, ref, opts).totals()
    gross = check["scope1_tco2e"] + check["scope2_location_tco2e"]
    assert abs(naive_total - gross) <= 1e-6 * gross, (naive_total, gross)

    print(f"records                      {n:>14,}")
    print(
        f"engine (vectorised)          {engine_rate:>14,.0f} records/s  (best {engine_s:.3f} s, "
        f"median {sorted(runs)[1]:.3f} s of 3)"
    )
    print(f"naive per-record pint loop   {naive_rate:>14,.0f} records/s  (sample of {sample:,})")
    print(f"ratio engine / naive         {engine_rate / naive_rate:>14,.0f} x")
    print(f"total (check)                {inv.totals()['total_tco2e']:>14,.1f} tCO2e")


if __name__ == "__main__":
    main()

"""Invariants of the engine (hypothesis): additivity over records, unit invariance, order invariance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory

# (kind, item, unit, [(equivalent unit, factor to multiply the amount by)])
ITEMS = [
    ("fuel", "natural_gas", "10^4 Nm3", [("Nm3", 1e4), ("万m3", 1.0)]),
    ("fuel", "diesel", "t", [("kg", 1e3)]),
    ("fuel", "bituminous_coal", "t", [("万t", 1e-4)]),
    ("fuel", "lpg", "t", [("kg", 1e3)]),
    ("electricity", "grid_electricity", "MWh", [("kWh", 1e3), ("万kWh", 0.1), ("GWh", 1e-3)]),
    ("heat", "purchased_heat", "GJ", [("MJ", 1e3)]),
    ("process", "limestone", "t", [("kg", 1e3)]),
    ("process", "aluminium_pfc", "t", [("kg", 1e3)]),
    ("electricity_export", "exported_electricity", "MWh", [("kWh", 1e3)]),
]
REGIONS = ["", "江苏", "广东", "grid_north", "150000"]
TOTALS = (
    "total_tco2e",
    "total_market_tco2e",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "energy_tce",
    "exported_tco2e",
)

record = st.fixed_dictionaries(
    {
        "site": st.sampled_from(["A", "B", "C"]),
        "year": st.sampled_from([2021, 2022, 2023]),
        "which": st.integers(0, len(ITEMS) - 1),
        "amount": st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
        "region": st.sampled_from(REGIONS),
        "alt": st.integers(0, 2),
    }
)


def to_record(r: dict) -> dict:
    kind, item, unit, _ = ITEMS[r["which"]]
    return {
        "site": r["site"],
        "year": r["year"],
        "kind": kind,
        "item": item,
        "amount": r["amount"],
        "unit": unit,
        "region": r["region"],
    }


def totals(ref, records, method="gbt32150"):
    inv = compute_inventory(
        ActivityTable.from_records(records), ref, AccountingOptions(method=method)
    )
    return inv.totals()


def close(a: dict, b: dict) -> None:
    for k in TOTALS:
        assert a[k] == pytest.approx(b[k], rel=1e-9, abs=1e-6), k


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(record, min_size=1, max_size=20),
    st.lists(record, min_size=1, max_size=20),
    st.sampled_from(["gbt32150", "iso14064", "ghgp"]),
)
def test_additive_over_records(ref, left, right, method):
    a = [to_record(r) for r in left]
    b = [to_record(r) for r in right]
    ta, tb, tab = totals(ref, a, method), totals(ref, b, method), totals(ref, a + b, method)
    close(tab, {k: ta[k] + tb[k] for k in TOTALS})


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(record, min_size=1, max_size=20))
def test_invariant_under_unit_changes(ref, recs):
    base = [to_record(r) for r in recs]
    changed = []
    for r, rec in zip(recs, base, strict=True):
        alts = ITEMS[r["which"]][3]
        unit, mult = alts[r["alt"] % len(alts)]
        changed.append({**rec, "unit": unit, "amount": rec["amount"] * mult})
    close(totals(ref, changed), totals(ref, base))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(record, min_size=2, max_size=20), st.randoms(use_true_random=False))
def test_invariant_under_row_order(ref, recs, rnd):
    base = [to_record(r) for r in recs]
    shuffled = base[:]
    rnd.shuffle(shuffled)
    close(totals(ref, shuffled), totals(ref, base))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(record, min_size=1, max_size=20), st.floats(0.0, 1.0))
def test_green_electricity_within_consumption_is_additive_per_site_year(ref, recs, share):
    # Market-based scope 2 with instruments is linear as long as each site-year claims no more
    # green electricity than it bought: residual x (E - G).
    base = [to_record(r) for r in recs]
    grid = {}
    for r in base:
        if r["kind"] == "electricity":
            grid[(r["site"], r["year"])] = grid.get((r["site"], r["year"]), 0.0) + r["amount"]
    green = [
        {
            "site": s,
            "year": y,
            "kind": "green_electricity",
            "item": "green_certificate",
            "amount": e * share,
            "unit": "MWh",
        }
        for (s, y), e in grid.items()
    ]
    t = totals(ref, base + green)
    residual = {2021: 0.5942, 2022: 0.5856, 2023: 0.6096}  # excl_market_nonfossil/<year>/CN
    expected = sum(e * (1 - share) * residual[y] for (_, y), e in grid.items())
    assert t["scope2_market_tco2e"] == pytest.approx(expected + _heat(base), rel=1e-9, abs=1e-6)


def _heat(records):
    return sum(
        r["amount"] * 0.11 for r in records if r["kind"] == "heat"
    )  # heat_factors/purchased_heat


def test_empty_table(ref):
    t = compute_inventory(ActivityTable.from_records([]), ref)
    assert t.totals()["total_tco2e"] == 0.0 and len(t) == 0
    assert np.asarray(t.tco2e).shape == (0,)

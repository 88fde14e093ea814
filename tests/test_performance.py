"""Energy performance of production lines (greenmfg.energy.performance), derived by hand.

Coefficients (reference/energy_coefficients.csv, GB/T 2589-2008 Appendix A, equivalent values):
``natural_gas`` 1.3300 kgce/Nm3 (13.30 tce per 10^4 Nm3), ``grid_electricity`` 0.1229 kgce/kWh,
``purchased_heat`` 0.03412 kgce/MJ (exported heat deducted with it).
Levels (reference/benchmark_levels.csv, 发改产业〔2021〕1609号): 水泥熟料
``clinker_unit_comprehensive`` benchmark 100 / base 117 kgce/t; 电解铝 ``al_liquid_ac_power``
13 000 / 13 350 kWh/t. Grades (energy_limit_grades.csv): GB 16780-2021 clinker 100 / 107 / 117
kgce/t; GB 21346-2022 铝液交流电耗 12 950 / 13 000 / 13 350 kWh/t.
"""

from __future__ import annotations

from typing import Any

import pytest

from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory
from greenmfg.energy.performance import (
    LineSpec,
    PerformanceError,
    balances_from_summary,
    energy_intensity,
    line_performance,
    rule_for,
    site_balances,
)
from greenmfg.reference import ReferenceData

CLINKER = "clinker_unit_comprehensive"
ALUMINIUM = "al_liquid_ac_power"


def _records(*rows: tuple[str, str, str, float, str]) -> ActivityTable:
    return ActivityTable.from_records(
        [
            {
                "site": s,
                "year": 2023,
                "kind": k,
                "item": i,
                "amount": a,
                "unit": u,
                "region": "340207",
            }
            for s, k, i, a, u in rows
        ]
    )


def _line(ref: ReferenceData, table: ActivityTable, spec: LineSpec, summary: bool = False) -> Any:
    inv = compute_inventory(table, ref, AccountingOptions())
    balances = balances_from_summary(inv.to_dict(lines=False)) if summary else site_balances(inv)
    return line_performance(ref, spec, balances[(spec.site, 2023)])


def _clinker(ref: ReferenceData, gas_10k_nm3: float, clinker_t: float, **kw: Any) -> Any:
    """Kiln site K burning natural gas; a grinding station G with electricity and cement output
    (outside the line's boundary)."""
    table = _records(
        ("K", "fuel", "natural_gas", gas_10k_nm3, "10^4 Nm3"),
        ("K", "production", "cement_clinker", clinker_t, "t"),
        ("G", "electricity", "grid_electricity", 500, "MWh"),
        ("G", "production", "cement", clinker_t * 1.3, "t"),
    )
    return _line(ref, table, LineSpec("K", CLINKER, "cement_clinker", **kw))


@pytest.mark.parametrize("summary", [False, True], ids=["inventory", "stored-summary"])
def test_clinker_exactly_at_benchmark(ref: ReferenceData, summary: bool) -> None:
    """100 x 10^4 Nm3 x 13.30 tce/10^4 Nm3 = 1 330 tce; / 13 300 t = 0.1 tce/t = 100 kgce/t =
    benchmark (inclusive): at benchmark, grade 1 (<= 100). The grinding station G is outside."""
    table = _records(
        ("K", "fuel", "natural_gas", 100, "10^4 Nm3"),
        ("K", "production", "cement_clinker", 13_300, "t"),
        ("G", "electricity", "grid_electricity", 500, "MWh"),
        ("G", "production", "cement", 17_000, "t"),
    )
    lp = _line(ref, table, LineSpec("K", CLINKER, "cement_clinker"), summary)
    assert lp.value == pytest.approx(100.0, rel=1e-12)
    assert lp.unit == "kgce/t"
    assert lp.position.value == "at_benchmark"
    assert lp.classification.limit_grade == 1
    assert lp.numerator == pytest.approx(1330.0) and lp.numerator_unit == "tce"
    assert lp.output == 13_300 and lp.output_unit == "t"
    assert lp.classification.effort_to_base_tce == 0.0
    assert lp.classification.effort_to_benchmark_tce == 0.0


def test_clinker_between_at_base_below_base_and_beyond_grade_3(ref: ReferenceData) -> None:
    """110 x 13.30 = 1 463 tce / 13 300 t = 110 kgce/t: between (100 < 110 <= 117), grade 3
    (107 < 110 <= 117). 117 x 13.30 / 13 300 = 117 kgce/t: exactly the base, which it meets
    (between), grade 3. 120 kgce/t: below base, beyond limit grade 3 (117); gap to base
    3 kgce/t x 13 300 t = 39.9 tce/a, to benchmark 20 x 13 300 = 266 tce/a."""
    between = _clinker(ref, 110, 13_300)
    assert between.value == pytest.approx(110.0)
    assert between.position.value == "between"
    assert between.classification.limit_grade == 3
    at_base = _clinker(ref, 117, 13_300)
    assert at_base.value == pytest.approx(117.0, rel=1e-12)
    assert at_base.position.value == "between"
    assert at_base.classification.limit_grade == 3 and not at_base.classification.exceeds_limit
    assert at_base.meets_requirement is True
    below = _clinker(ref, 120, 13_300)
    assert below.value == pytest.approx(120.0)
    assert below.position.value == "below_base"
    assert below.classification.limit_grade is None and below.classification.exceeds_limit
    assert below.classification.gap_to_base == pytest.approx(3.0)
    assert below.classification.effort_to_base_tce == pytest.approx(39.9)
    assert below.classification.effort_to_benchmark_tce == pytest.approx(266.0)
    assert below.rule == "existing" and below.required_level == "base"
    assert below.deadline == "2025-12-31" and below.meets_requirement is False


def test_exports_are_deducted(ref: ReferenceData) -> None:
    """1 330 tce of gas minus exported heat 10 000 GJ x 0.03412 kgce/MJ = 341.2 tce:
    988.8 tce / 13 300 t = 74.35 kgce/t."""
    table = _records(
        ("K", "fuel", "natural_gas", 100, "10^4 Nm3"),
        ("K", "heat_export", "exported_heat", 10_000, "GJ"),
        ("K", "production", "cement_clinker", 13_300, "t"),
    )
    lp = _line(ref, table, LineSpec("K", CLINKER, "cement_clinker"))
    assert lp.value == pytest.approx((1330.0 - 341.2) * 1000 / 13_300)


def _potline(ref: ReferenceData, kwh: float, summary: bool = False) -> Any:
    """Potline P: AC electricity (two meters, kWh and 万kWh) and 1 000 t aluminium liquid, plus
    natural gas for preheating (not part of an electricity indicator); casthouse C apart."""
    table = _records(
        ("P", "electricity", "grid_electricity", kwh / 2, "kWh"),
        ("P", "electricity", "grid_electricity", kwh / 2 / 1e4, "万kWh"),
        ("P", "fuel", "natural_gas", 1, "10^4 Nm3"),
        ("P", "production", "primary_aluminium", 1000, "t"),
        ("C", "electricity", "grid_electricity", 200, "MWh"),
    )
    return _line(ref, table, LineSpec("P", ALUMINIUM, "primary_aluminium"), summary)


@pytest.mark.parametrize("summary", [False, True], ids=["inventory", "stored-summary"])
def test_aluminium_each_side_of_every_threshold(ref: ReferenceData, summary: bool) -> None:
    """Numerator: the potline's electricity in kWh (not tce). 12 900 000 kWh / 1 000 t =
    12 900 kWh/t: at benchmark, grade 1 (<= 12 950). 13 000: exactly the benchmark, grade 2.
    13 200: between, grade 3. 13 350: exactly the base and grade 3. 13 400: below base, beyond
    grade 3; effort to base 50 kWh/t x 1 000 t x 0.1229 kgce/kWh = 6.145 tce/a."""
    cases = {
        12_900_000: ("at_benchmark", 1),
        13_000_000: ("at_benchmark", 2),
        13_200_000: ("between", 3),
        13_350_000: ("between", 3),
        13_400_000: ("below_base", None),
    }
    for kwh, (position, grade) in cases.items():
        lp = _potline(ref, kwh, summary)
        assert lp.value == pytest.approx(kwh / 1000, rel=1e-12), kwh
        assert lp.unit == "kWh/t" and lp.numerator_unit == "kWh"
        assert lp.position.value == position, kwh
        assert lp.classification.limit_grade == grade, kwh
    below = _potline(ref, 13_400_000)
    assert below.classification.exceeds_limit
    assert below.classification.effort_to_base_tce == pytest.approx(50 * 1000 * 0.1229 / 1000)
    assert any(f.id == "energy_coefficients/grid_electricity/equivalent" for f in below.factors)


def test_flat_glass_in_weight_boxes(ref: ReferenceData) -> None:
    """glass_500_800 (benchmark 9.5 / base 13.5 kgce/重量箱): 10 x 13.30 = 133 tce over
    12 000 重量箱 = 11.083 kgce/重量箱, between."""
    table = _records(
        ("F", "fuel", "natural_gas", 10, "10^4 Nm3"),
        ("F", "production", "flat_glass", 12_000, "重量箱"),
    )
    lp = _line(ref, table, LineSpec("F", "glass_500_800", "flat_glass"))
    assert lp.value == pytest.approx(133_000 / 12_000)
    assert lp.position.value == "between"


def test_new_line_must_reach_the_benchmark(ref: ReferenceData) -> None:
    """A clinker line commissioned in 2022 (after the 2021 catalogue) at 110 kgce/t meets the
    base but not the benchmark that applies to it; no later deadline."""
    lp = _clinker(ref, 110, 13_300, commissioned=2022)
    assert lp.rule == "new" and lp.required_level == "benchmark" and lp.required_value == 100
    assert lp.deadline is None and lp.meets_requirement is False
    assert rule_for(ref.benchmark_level(CLINKER), 2021) == ("existing", "base", "2025-12-31")
    assert rule_for(ref.benchmark_level(CLINKER), None)[0] == "existing"


def test_unsourced_level_is_unknown(ref: ReferenceData) -> None:
    """纯碱 氨碱法轻质 has no sourced benchmark or base: the value is computed, the class unknown."""
    table = _records(
        ("S", "fuel", "natural_gas", 10, "10^4 Nm3"),
        ("S", "production", "soda_ash_light", 1000, "t"),
    )
    lp = _line(ref, table, LineSpec("S", "soda_ammonia_light", "soda_ash_light"))
    assert lp.value == pytest.approx(133.0)
    assert lp.position.value == "unknown"


def test_errors(ref: ReferenceData) -> None:
    table = _records(("K", "fuel", "natural_gas", 1, "10^4 Nm3"))
    with pytest.raises(PerformanceError, match="no 2023 output"):
        _line(ref, table, LineSpec("K", CLINKER, "cement_clinker"))
    table = _records(
        ("K", "fuel", "natural_gas", 1, "10^4 Nm3"),
        ("K", "production", "cement_clinker", 1, "t"),
    )
    with pytest.raises(PerformanceError, match="benchmark_levels"):
        _line(ref, table, LineSpec("K", "no_such_indicator", "cement_clinker"))
    inv = compute_inventory(table, ref, AccountingOptions())
    b = site_balances(inv)[("K", 2023)]
    with pytest.raises(PerformanceError, match="equal value"):
        line_performance(ref, LineSpec("K", CLINKER, "cement_clinker"), b, basis="equal")
    with pytest.raises(PerformanceError, match="basis"):
        line_performance(ref, LineSpec("K", CLINKER, "cement_clinker"), b, basis="primary")


def test_provenance(ref: ReferenceData) -> None:
    d = _clinker(ref, 110, 13_300).as_dict()
    assert d["inputs"] == {
        "numerator": pytest.approx(1463.0),
        "numerator_unit": "tce",
        "output": 13_300,
        "output_unit": "t",
        "energy_basis": "equivalent",
    }
    docs = [s["document"] for s in d["sources"]]
    assert any("1609" in doc for doc in docs) and any("GB 16780" in doc for doc in docs)
    assert "GB/T 2589" in d["formula"]


def test_energy_intensity() -> None:
    """2 000 tce / 5 000 x 10^4 CNY = 0.4 tce/10^4 CNY."""
    ei = energy_intensity(2000.0, 5000.0, 2023)
    assert ei.value == pytest.approx(0.4) and ei.unit == "tce/10^4 CNY"
    with pytest.raises(PerformanceError):
        energy_intensity(2000.0, 0.0, 2023)

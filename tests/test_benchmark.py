"""Benchmark (标杆) / base (基准) classification and limit grades, derived by hand.

Levels cited:
- 水泥熟料 unit-product comprehensive energy consumption: benchmark 100, base 117 kgce/t
  (发改产业〔2021〕1609号, 附件, 水泥熟料); GB 16780-2021 grades 1/2/3 = 100 / 107 / 117 kgce/t.
- 电解铝 铝液交流电耗: benchmark 13 000, base 13 350 kWh/t (same catalogue, 电解铝);
  GB 21346-2022 grades 1/2/3 = 12 950 / 13 000 / 13 350 kWh/t.
- GB/T 2589-2008 Annex A: electricity 0.1229 kgce/kWh (equivalent value).
Thresholds are inclusive (a value equal to a level meets it).
"""

from __future__ import annotations

import pytest

from greenmfg.energy.benchmark import BenchmarkError, Position, classify, position_of
from greenmfg.reference.model import BenchmarkLevel, LimitGrades, Source

SRC = Source(document="test", edition="", clause="", confidence="secondary", notes="")


def level(
    benchmark: float | None, base: float | None, unit: str = "kgce/t", ind: str = "x"
) -> BenchmarkLevel:
    status = "sourced" if benchmark is not None and base is not None else "partial"
    return BenchmarkLevel(
        2021,
        "a",
        "区",
        "area",
        ind,
        "指标",
        "indicator",
        unit,
        "",
        benchmark,
        base,
        "2025-12-31",
        status,
        SRC,
    )


def grades(g1: float, g2: float, g3: float, unit: str = "kgce/t") -> LimitGrades:
    return LimitGrades("GB x", "a", "x", "指标", "indicator", unit, "", (g1, g2, g3), SRC)


CLINKER = level(100, 117)
CLINKER_GRADES = grades(100, 107, 117)
ALUMINIUM = level(13000, 13350, "kWh/t")
ALUMINIUM_GRADES = grades(12950, 13000, 13350, "kWh/t")


@pytest.mark.parametrize(
    ("value", "position", "grade", "exceeds"),
    [
        (95.0, Position.at_benchmark, 1, False),  # better than the benchmark
        (100.0, Position.at_benchmark, 1, False),  # exactly at the benchmark (= grade 1)
        (104.0, Position.between, 2, False),  # 100 < 104 <= 107
        (110.0, Position.between, 3, False),  # 107 < 110 <= 117
        (117.0, Position.between, 3, False),  # exactly at the base (= grade 3): meets both
        (117.5, Position.below_base, None, True),  # below base and above the mandatory limit
    ],
)
def test_cement_clinker_each_side_of_every_threshold(value, position, grade, exceeds) -> None:
    c = classify(value, "kgce/t", CLINKER, CLINKER_GRADES)
    assert (c.position, c.limit_grade, c.exceeds_limit) == (position, grade, exceeds)
    assert c.gap_to_base == pytest.approx(value - 117)
    assert c.gap_to_benchmark == pytest.approx(value - 100)


@pytest.mark.parametrize(
    ("value", "position", "grade", "exceeds"),
    [
        (12900.0, Position.at_benchmark, 1, False),
        (12950.0, Position.at_benchmark, 1, False),  # exactly grade 1
        (13000.0, Position.at_benchmark, 2, False),  # exactly the benchmark (= grade 2)
        (13200.0, Position.between, 3, False),
        (13350.0, Position.between, 3, False),  # exactly the base (= grade 3)
        (13351.0, Position.below_base, None, True),
    ],
)
def test_electrolytic_aluminium_each_side_of_every_threshold(
    value, position, grade, exceeds
) -> None:
    c = classify(value, "kWh/t", ALUMINIUM, ALUMINIUM_GRADES)
    assert (c.position, c.limit_grade, c.exceeds_limit) == (position, grade, exceeds)


def test_effort_to_reach_base_and_benchmark_in_tce_per_year() -> None:
    # clinker line at 120 kgce/t, 1 000 000 t/a:
    #   to base:      (120 - 117) kgce/t x 1e6 t = 3.0e6 kgce = 3 000 tce/a
    #   to benchmark: (120 - 100) kgce/t x 1e6 t = 2.0e7 kgce = 20 000 tce/a
    c = classify(120, "kgce/t", CLINKER, CLINKER_GRADES, output=1_000_000, output_unit="t")
    assert c.effort_to_base_tce == pytest.approx(3_000)
    assert c.effort_to_benchmark_tce == pytest.approx(20_000)


def test_effort_for_an_electricity_indicator_uses_the_gbt2589_coefficient(ref) -> None:
    # smelter at 13 400 kWh/t, 500 000 t/a: (13 400 - 13 350) kWh/t x 5e5 t = 2.5e7 kWh
    #   x 0.1229 kgce/kWh (GB/T 2589-2008 Annex A) = 3 072 500 kgce = 3 072.5 tce/a
    coef = ref.energy[("grid_electricity", "equivalent", None)]
    assert coef.value == pytest.approx(0.1229) and coef.unit == "kgce/kWh"
    c = classify(
        13400,
        "kWh/t",
        ALUMINIUM,
        ALUMINIUM_GRADES,
        output=500_000,
        output_unit="t",
        kgce_per_kwh=coef,
    )
    assert c.effort_to_base_tce == pytest.approx(3072.5)
    assert coef in c.factors


def test_a_line_already_better_needs_no_effort() -> None:
    c = classify(98, "kgce/t", CLINKER, output=1_000_000, output_unit="t")
    assert c.effort_to_base_tce == 0 and c.effort_to_benchmark_tce == 0


def test_units_are_converted_and_checked() -> None:
    # 0.120 tce/t = 120 kgce/t: below the base of 117
    assert classify(0.120, "tce/t", CLINKER).position is Position.below_base
    # electricity per tonne is an energy per tonne too, but not comparable with a standard-coal
    # level: pint's 3.6 MJ/kWh would silently stand in for a GB/T 2589 coefficient
    with pytest.raises(BenchmarkError, match="not comparable"):
        classify(50, "kWh/t", CLINKER)
    with pytest.raises(BenchmarkError):
        classify(50, "kgce/m3", CLINKER)


def test_unsourced_levels_give_unknown_never_a_guess() -> None:
    assert classify(100, "kgce/t", level(None, None)).position is Position.unknown
    # only the base sourced: meeting it says nothing about the benchmark
    assert position_of(110, None, 117) is Position.unknown
    assert position_of(120, None, 117) is Position.below_base


def test_negative_process_levels_bof() -> None:
    # BOF process (转炉工序) levels are negative (recovered energy exceeds use); lower is better
    bof = level(-30, -10)
    assert classify(-35, "kgce/t", bof).position is Position.at_benchmark
    assert classify(-30, "kgce/t", bof).position is Position.at_benchmark
    assert classify(-20, "kgce/t", bof).position is Position.between
    assert classify(-10, "kgce/t", bof).position is Position.between
    assert classify(-5, "kgce/t", bof).position is Position.below_base


# The areas of the two NDRC catalogues, written out from their texts (发改产业〔2021〕1609号:
# 25 areas; 发改产业〔2023〕723号: 11 more).
AREAS_2021 = (
    "炼油", "煤制焦炭", "煤制甲醇", "煤制烯烃", "煤制乙二醇", "烧碱", "纯碱", "电石", "乙烯",
    "对二甲苯", "黄磷", "合成氨", "磷酸一铵", "磷酸二铵", "水泥熟料", "平板玻璃", "建筑陶瓷",
    "卫生陶瓷", "炼铁", "炼钢", "铁合金冶炼", "铜冶炼", "铅冶炼", "锌冶炼", "电解铝",
)  # fmt: skip
AREAS_2023 = (
    "乙二醇", "尿素", "钛白粉", "聚氯乙烯", "精对苯二甲酸", "子午线轮胎", "工业硅",
    "卫生纸原纸、纸巾原纸", "棉、化纤及混纺机织物", "针织物、纱线", "粘胶短纤维",
)  # fmt: skip


def test_every_area_of_both_catalogues_is_in_the_reference_data(ref) -> None:
    assert len(AREAS_2021) == 25 and len(AREAS_2023) == 11
    held = {(b.catalogue, b.area_zh) for b in ref.benchmark_levels}
    missing = [a for a in AREAS_2021 if (2021, a) not in held] + [
        a for a in AREAS_2023 if (2023, a) not in held
    ]
    assert not missing, f"areas absent from benchmark_levels.csv: {missing}"
    for b in ref.benchmark_levels:
        # a value that could not be sourced is explicit, with the reason
        if b.benchmark is None or b.base is None:
            assert b.status in ("missing", "partial") and b.source.notes, b.indicator_id
        assert b.deadline in ("2025-12-31", "2026-12-31"), b.indicator_id
        assert b.deadline == ("2025-12-31" if b.catalogue == 2021 else "2026-12-31")


def test_reference_values_used_above_are_the_ones_held(ref) -> None:
    clinker = ref.benchmark_level("clinker_unit_comprehensive")
    assert (clinker.area_zh, clinker.benchmark, clinker.base, clinker.unit) == (
        "水泥熟料",
        100,
        117,
        "kgce/t",
    )
    al = ref.benchmark_level("al_liquid_ac_power")
    assert (al.area_zh, al.benchmark, al.base, al.unit) == ("电解铝", 13000, 13350, "kWh/t")
    g = ref.limit_grades_of("clinker_unit_comprehensive")
    assert g is not None and g.standard.startswith("GB 16780") and g.grades == (100, 107, 117)
    g = ref.limit_grades_of("al_liquid_ac_power")
    assert g is not None and g.standard.startswith("GB 21346") and g.grades == (12950, 13000, 13350)
    # and the classification from the held rows agrees with the hand-built ones
    for v, pos in (
        (100, Position.at_benchmark),
        (117, Position.between),
        (118, Position.below_base),
    ):
        assert (
            classify(v, "kgce/t", clinker, ref.limit_grades_of(clinker.indicator_id)).position
            is pos
        )

"""Green-factory scoring (GB/T 36132) and zero-carbon readiness: derivations by hand.

Rules under test (greenmfg.evaluation.green_factory module docstring): basic requirements veto;
a quantitative row earns full points at or beyond its leading value (引领值), nothing beyond its
base value (基准值), and in between linearly from ``base_fraction`` at base to 1 at leading.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from greenmfg.evaluation.green_factory import (
    ALTERNATIVE_NOT_APPLIED,
    BASE_LEADING_GIVEN,
    SCORING_RULE_ASSUMED,
    UNSOURCED_POINTS,
    EvaluationError,
    Indicator,
    Level,
    MetricValue,
    Scheme,
    evaluate,
    quantitative_fraction,
)
from greenmfg.evaluation.zero_carbon import assess
from greenmfg.reference import load_reference
from greenmfg.reference.green_factory import (
    GRADIENT_SYSTEM,
    green_factory_reference,
    load_green_factory,
)
from greenmfg.reference.loader import ReferenceDataError
from greenmfg.reference.model import Source

REF_DIR = Path(__file__).resolve().parents[1] / "src" / "greenmfg" / "reference"
SRC = Source("test", "", "", "official")
UPE = "energy_lowcarbon.energy_intensity.unit_product_energy"
OVE = "energy_lowcarbon.energy_intensity.output_value_energy"


# ---- the interpolation rule ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "base_fraction", "expected"),
    [
        (99.0, 0.0, 1.0),  # better than leading
        (100.0, 0.0, 1.0),  # exactly at leading: full points
        (110.0, 0.0, 0.5),  # (120 - 110) / (120 - 100) = 0.5
        (120.0, 0.0, 0.0),  # exactly at base, base_fraction 0
        (120.0, 0.6, 0.6),  # exactly at base: base_fraction
        (110.0, 0.6, 0.8),  # 0.6 + 0.4 * 0.5
        (120.01, 0.6, 0.0),  # beyond base: nothing
    ],
)
def test_lower_better_fraction(value: float, base_fraction: float, expected: float) -> None:
    assert quantitative_fraction(value, 120.0, 100.0, "lower_better", base_fraction) == (
        pytest.approx(expected)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(95.0, 1.0), (90.0, 1.0), (85.0, 0.5), (80.0, 0.0), (79.9, 0.0)],
)
def test_higher_better_fraction(value: float, expected: float) -> None:
    # e.g. water reuse rate: base 80 %, leading 90 %: (85 - 80) / (90 - 80) = 0.5
    assert quantitative_fraction(value, 80.0, 90.0, "higher_better", 0.0) == pytest.approx(expected)


def test_leading_worse_than_base_is_refused() -> None:
    with pytest.raises(EvaluationError, match="must be better"):
        quantitative_fraction(100.0, 90.0, 95.0, "lower_better", 0.0)


# ---- the shipped GB/T 36132-2025 tree ------------------------------------------------------------
def _clinker_metric(value: float) -> MetricValue:
    """A clinker line with GB 16780-2021 grades 1/2/3 = 100/107/117 kgce/t (reference data)."""
    grades = load_reference().limit_grades_of("clinker_unit_comprehensive")
    assert grades is not None and grades.grades == (100.0, 107.0, 117.0)
    g1, g2, g3 = grades.grades
    assert g1 is not None and g2 is not None and g3 is not None
    return MetricValue(
        value,
        "kgce/t",
        "line S1",
        levels={"limit_grade:1": g1, "limit_grade:2": g2, "limit_grade:3": g3},
    )


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (95.0, 11.0),  # better than grade 1 (leading)
        (100.0, 11.0),  # exactly grade 1
        (103.5, 5.5),  # 11 * (107 - 103.5) / (107 - 100) = 11 * 0.5
        (107.0, 0.0),  # exactly grade 2 (base), no base_fraction sourced -> 0
        (117.0, 0.0),  # at limit grade 3
        (120.0, 0.0),  # beyond the limit
    ],
)
def test_unit_product_energy_scored_between_limit_grades(value: float, points: float) -> None:
    """GB/T 36132-2025 能源消耗强度 row, 11 points (green_factory_indicators.csv, Jiangsu form);
    base = limit grade 2, leading = grade 1 (same row's notes); GB 16780-2021 clinker grades."""
    scheme = green_factory_reference().scheme("gbt36132_2025")
    ev = evaluate(scheme, {}, {"unit_product_energy": _clinker_metric(value)})
    s = ev.score_of(UPE)
    assert s.score == pytest.approx(points)
    assert (s.base, s.leading) == (107.0, 100.0)
    assert SCORING_RULE_ASSUMED in s.flags  # no base_fraction is sourced for this row
    # the alternative (energy per output value) does not count twice
    other = ev.score_of(OVE)
    assert other.score is None and ALTERNATIVE_NOT_APPLIED in other.flags


def test_2025_tree_totals_100_and_group_totals() -> None:
    scheme = green_factory_reference().scheme("gbt36132_2025")
    firsts = [i for i in scheme.children("") if i.kind == "group"]
    assert {i.id: i.points for i in firsts} == {
        "energy_lowcarbon": 34.0,
        "resource_efficiency": 22.0,
        "clean_production": 22.0,
        "green_product": 14.0,
        "land_intensive": 8.0,
    }
    ev = evaluate(scheme, {})
    # alternatives count once: 100 points in all
    assert ev.max_sourced == pytest.approx(100.0)
    assert ev.total == 0.0
    assert not ev.basic_passed


def _all_basic_yes(scheme: Scheme) -> dict[str, object]:
    return {i.id: "yes" for i in scheme.indicators if i.kind == "basic"}


def test_questionnaire_answers_with_sector_base_and_leading() -> None:
    """A quantitative row whose base/leading the generic standard leaves to the sector: the
    enterprise states them. Water reuse 4 points, base 80, leading 90, value 87:
    4 * (87 - 80) / (90 - 80) = 2.8. A qualitative yes:1 row of 4 points answered yes: 4."""
    scheme = green_factory_reference().scheme("gbt36132_2025")
    answers = _all_basic_yes(scheme)
    answers["resource_efficiency.water_reuse"] = {"value": "87", "base": "80", "leading": "90"}
    answers["green_product.green_design"] = "yes"
    ev = evaluate(scheme, answers)
    s = ev.score_of("resource_efficiency.water_reuse")
    assert s.score == pytest.approx(2.8)
    assert BASE_LEADING_GIVEN in s.flags
    assert ev.score_of("green_product.green_design").score == 4.0
    assert ev.total == pytest.approx(6.8)
    assert ev.basic_passed


def test_bad_answers_name_the_indicator() -> None:
    scheme = green_factory_reference().scheme("gbt36132_2025")
    with pytest.raises(EvaluationError, match=r"green_product\.green_design"):
        evaluate(scheme, {"green_product.green_design": "maybe"})
    with pytest.raises(EvaluationError, match=r"resource_efficiency\.water_reuse.*number"):
        evaluate(scheme, {"resource_efficiency.water_reuse": {"value": "lots"}})
    with pytest.raises(EvaluationError, match="unknown indicator"):
        evaluate(scheme, {"no.such.row": "yes"})


# ---- veto, levels, gaps (a small scheme written here) ---------------------------------------------
def _scheme(levels: tuple[Level, ...]) -> Scheme:
    inds = (
        Indicator("t", "basic.law", "", "依法设立", "Lawful", "basic", None, source=SRC),
        Indicator("t", "g", "", "组", "Group", "group", 100.0, source=SRC),
        Indicator(
            "t",
            "g.energy",
            "g",
            "能耗",
            "Energy",
            "quantitative",
            60.0,
            "lower_better",
            "kgce/t",
            base_value=120.0,
            leading_value=100.0,
            base_fraction=0.5,
            source=SRC,
        ),
        Indicator(
            "t",
            "g.plan",
            "g",
            "计划",
            "Plan",
            "qualitative",
            40.0,
            choices=(("full", 1.0), ("partial", 0.5), ("none", 0.0)),
            source=SRC,
        ),
    )
    return Scheme("t", "测试", "test", inds, levels)


def _level(level: str, min_score: float | None) -> Level:
    return Level("sys", level, level, level, min_score, "", "sourced", SRC)


def test_basic_requirement_vetoes_any_level() -> None:
    scheme = _scheme((_level("municipal", 60.0),))
    ev = evaluate(scheme, {"basic.law": "no", "g.plan": "full"}, {"": MetricValue(0, "", "")})
    assert ev.total == 40.0
    assert not ev.basic_passed and ev.basic_failed == ("basic.law",)
    assert ev.level is None and ev.level_note == "basic_requirement_failed"
    assert ev.gaps[0].indicator_id == "basic.law"  # listed first, whatever its points


@pytest.mark.parametrize(
    ("energy", "plan", "total", "note"),
    [
        # 60 * (0.5 + 0.5 * (120 - 110) / 20) = 45; + 40 * 0.5 = 65 >= 60
        ("110", "partial", 65.0, "reached"),
        # exactly at base: 60 * 0.5 = 30; + 20 = 50 < 60
        ("120", "partial", 50.0, "below_minimum"),
        # exactly 60: base fraction 30 + full plan 40 = 70; at leading 60 + 0 = 60 (inclusive)
        ("100", "none", 60.0, "reached"),
    ],
)
def test_level_threshold_inclusive(energy: str, plan: str, total: float, note: str) -> None:
    scheme = _scheme((_level("municipal", 60.0), _level("provincial", 80.0)))
    ev = evaluate(scheme, {"basic.law": "yes", "g.energy": energy, "g.plan": plan})
    assert ev.total == pytest.approx(total)
    assert ev.level is not None and ev.level.level == "municipal"
    assert ev.level_note == note


def test_level_follows_the_gradient_sequence() -> None:
    """《绿色工厂梯度培育及管理暂行办法》: national factories are chosen from provincial ones; the
    shipped levels have no sourced minimum score, so the level is named and the note says so."""
    scheme = green_factory_reference().scheme("gbt36132_2025")
    levels = green_factory_reference().level_systems[GRADIENT_SYSTEM]
    scheme = Scheme(scheme.id, scheme.title_zh, scheme.title_en, scheme.indicators, levels)
    answers = _all_basic_yes(scheme)
    for current, expected in [
        (None, "municipal"),
        ("municipal", "provincial"),
        ("provincial", "national"),
    ]:
        ev = evaluate(scheme, answers, current_level=current)
        assert ev.level is not None and ev.level.level == expected
        assert ev.level_note == "threshold_not_sourced"
    ev = evaluate(scheme, answers, current_level="national")
    assert ev.level is None and ev.level_note == "top_level"


def test_gaps_ordered_by_points_per_effort() -> None:
    """energy 112 kgce/t: score 60 * (0.5 + 0.5 * 8/20) = 42, gap 18 points; relative improvement
    to 100 is 12/112 = 10.7 % -> effort 2 with bands (5 %, 15 %): 9 points per effort.
    plan 'none': gap 40 points at the enterprise's effort 3: 13.3 per effort -> first."""
    scheme = _scheme(())
    ev = evaluate(
        scheme,
        {"basic.law": "yes", "g.energy": "112", "g.plan": "none"},
        efforts={"g.plan": 3},
        improvement_bands=(0.05, 0.15),
    )
    assert [(g.indicator_id, g.points_gained, g.effort) for g in ev.gaps] == [
        ("g.plan", 40.0, 3),
        ("g.energy", pytest.approx(18.0), 2),
    ]


def test_unsourced_points_score_nothing_and_are_reported() -> None:
    scheme = green_factory_reference().scheme("gbt36132_2018")
    ev = evaluate(scheme, {})
    assert ev.max_sourced == 0.0
    assert ev.unsourced_points  # every 2018 weight is unsourced: reported, not guessed
    assert all(UNSOURCED_POINTS in ev.score_of(i).flags for i in ev.unsourced_points)


# ---- zero-carbon readiness ----------------------------------------------------------------------
def test_zero_carbon_thresholds_and_origins() -> None:
    criteria = green_factory_reference().zero_carbon
    by_id = {c.id: c for c in criteria}
    offset = by_id["jiangsu.offset_categories_1_2"]
    assert offset.origin == "provincial_precedent" and offset.threshold == 100.0
    assert by_id["national.carbon_accounting"].origin == "official"
    metrics = {
        "accounting_in_place": MetricValue(1.0, "yes/no", "2023 verified"),
        "residual_emissions_offset_share": MetricValue(99.9, "percent", "answers"),
        "unit_product_energy": MetricValue(
            100.0, "kgce/t", "S1", levels={"benchmark_level:benchmark": 100.0}
        ),
        "renewable_electricity_share": MetricValue(35.0, "percent", "records"),
    }
    r = assess(criteria, metrics, {"national.disclosure": "no"})
    state = {f.criterion.id: f.state for f in r.findings}
    assert state["national.carbon_accounting"] == "met"
    assert state["jiangsu.offset_categories_1_2"] == "not_met"  # 99.9 < 100
    assert state["zhejiang.energy_efficiency"] == "met"  # exactly at 标杆 100 kgce/t
    assert state["national.green_energy_structure"] == "no_threshold"  # no national number
    assert state["national.disclosure"] == "not_met"
    assert state["national.digital_carbon_management"] == "no_data"
    assert not r.official_met
    r2 = assess(
        criteria,
        {
            **metrics,
            "residual_emissions_offset_share": MetricValue(100.0, "percent", "answers"),
            "unit_product_energy": MetricValue(
                100.5, "kgce/t", "S1", levels={"benchmark_level:benchmark": 100.0}
            ),
        },
        {},
    )
    state = {f.criterion.id: f.state for f in r2.findings}
    assert state["jiangsu.offset_categories_1_2"] == "met"
    assert state["zhejiang.energy_efficiency"] == "not_met"


# ---- the loader refuses malformed tables --------------------------------------------------------
def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "reference"
    shutil.copytree(REF_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dst


def test_loader_reports_file_line_and_column(tmp_path: Path) -> None:
    from importlib.resources.readers import MultiplexedPath

    root = _copy(tmp_path)
    path = root / "green_factory_indicators.csv"
    text = path.read_text(encoding="utf-8")
    bad = text.replace(
        "gbt36132_2025,land_intensive,,用地集约化,Intensive land use,group,8,",
        "gbt36132_2025,land_intensive,,用地集约化,Intensive land use,group,9,",
        1,
    )
    assert bad != text
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(
        ReferenceDataError, match=r"green_factory_indicators.csv, line \d+, column 'points'"
    ):
        load_green_factory(MultiplexedPath(str(root)))
    path.write_text(text.replace(",yes:1|no:0,", ",yes:1|no:2,", 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="column 'choices'"):
        load_green_factory(MultiplexedPath(str(root)))

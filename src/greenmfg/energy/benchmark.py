"""Where a production line stands against the energy-efficiency benchmark (标杆) and base (基准)
levels and the grades of the mandatory energy-consumption-limit standards.

The NDRC catalogues (发改产业〔2021〕1609号, 〔2023〕723号) set, per indicator, a benchmark level
(new and expanded capacity must reach it) and a base level (existing capacity below it must be
upgraded or exit by the catalogue's deadline); the limit standards (e.g. GB 16780-2021 for cement,
GB 21346-2022 for aluminium) set grades 1/2/3, grade 3 being the limit every existing plant must
meet. Lower values are better for every indicator (a BOF process may be negative: energy
recovered exceeds energy used).

Thresholds are inclusive: a value equal to the benchmark is at the benchmark, a value equal to
the base meets the base, a value equal to a grade meets that grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from greenmfg.reference.model import BenchmarkLevel, Factor, LimitGrades, Source
from greenmfg.units import conversion_factor, parse_unit


class Position(StrEnum):
    """A line's class against the catalogue levels."""

    at_benchmark = "at_benchmark"  # value <= benchmark (标杆水平及以上)
    between = "between"  # benchmark < value <= base (基准与标杆之间)
    below_base = "below_base"  # value > base (低于基准水平): upgrade or exit by the deadline
    unknown = "unknown"  # the level is not sourced; shown as such, never guessed


class BenchmarkError(ValueError):
    """A value that cannot be compared (wrong dimension, no level)."""


@dataclass(frozen=True)
class Classification:
    """The result of :func:`classify`, with everything needed to audit it.

    Values are in the level's unit (``unit``). ``limit_grade`` is 1, 2 or 3 (the best grade the
    value meets), or ``None`` when it exceeds grade 3 or no grades are held (``exceeds_limit``
    tells which). Gaps are ``value - level`` (positive: improvement needed) per unit of product;
    efforts are the same gaps times the output, in tce per year.
    """

    indicator_id: str
    value: float
    unit: str
    position: Position
    benchmark: float | None
    base: float | None
    deadline: str
    limit_grade: int | None
    exceeds_limit: bool
    grades: tuple[float | None, float | None, float | None] | None
    gap_to_base: float | None
    gap_to_benchmark: float | None
    effort_to_base_tce: float | None
    effort_to_benchmark_tce: float | None
    sources: tuple[Source, ...] = field(default_factory=tuple)
    factors: tuple[Factor, ...] = field(default_factory=tuple)
    inputs: dict[str, object] = field(default_factory=dict)


def position_of(value: float, benchmark: float | None, base: float | None) -> Position:
    """The class of ``value`` (lower is better; thresholds inclusive)."""
    if base is None:
        if benchmark is not None and value <= benchmark:
            return Position.at_benchmark
        return Position.unknown
    if value > base:
        return Position.below_base
    if benchmark is None:
        return Position.unknown  # meets base, benchmark not sourced: between or better, unknown
    return Position.at_benchmark if value <= benchmark else Position.between


def limit_grade_of(
    value: float, grades: tuple[float | None, float | None, float | None]
) -> tuple[int | None, bool]:
    """(best grade met, whether grade 3, the mandatory limit, is exceeded)."""
    best: int | None = None
    for n, g in ((3, grades[2]), (2, grades[1]), (1, grades[0])):
        if g is not None and value <= g:
            best = n
    exceeds = grades[2] is not None and value > grades[2]
    return best, exceeds


def _electrical(unit: str) -> bool:
    return "kWh" in unit or "kW·h" in unit


def energy_tce(
    per_unit: float, unit: str, output: float, output_unit: str, kgce_per_kwh: Factor | None
) -> float:
    """``per_unit`` [``unit``, energy per product] x ``output`` [``output_unit``] in tce.

    Electricity indicators (kWh per product) are converted with the GB/T 2589 coefficient
    ``kgce_per_kwh`` (equivalent value, Annex A); standard coal and oil equivalents through
    their definitions in ``units.txt``.
    """
    q = per_unit * parse_unit(unit) * output * parse_unit(output_unit)
    if q.dimensionality != parse_unit("1 J").dimensionality:
        raise BenchmarkError(f"{unit} x {output_unit} is not an energy")
    if _electrical(unit):
        if kgce_per_kwh is None:
            raise BenchmarkError("an electricity indicator needs the kgce/kWh coefficient")
        kwh = q.to("kWh").magnitude
        return float(kwh * kgce_per_kwh.value * conversion_factor(kgce_per_kwh.unit, "tce/kWh"))
    return float(q.to("tce").magnitude)


def classify(
    value: float,
    unit: str,
    level: BenchmarkLevel,
    grades: LimitGrades | None = None,
    output: float | None = None,
    output_unit: str | None = None,
    kgce_per_kwh: Factor | None = None,
) -> Classification:
    """Classify a line's indicator ``value`` [``unit``] against ``level`` and ``grades``.

    Parameters
    ----------
    value : the line's indicator, e.g. clinker unit-product comprehensive energy consumption.
    unit : its unit; converted to the level's unit with pint (dimension-checked).
    level : the catalogue's benchmark and base levels.
    grades : the limit standard's grades for the same indicator, if held.
    output : the line's annual output [``output_unit``], for the effort in tce/year.
    kgce_per_kwh : GB/T 2589 coefficient for electricity indicators (kWh per product).
    """
    if _electrical(unit) != _electrical(level.unit):
        # pint would convert kWh to kgce by calorific value (3.6 MJ), which is neither GB/T 2589
        # coefficient; an electricity indicator is only comparable with an electricity level
        raise BenchmarkError(
            f"{unit!r} and {level.unit!r} ({level.indicator_id}): electricity and standard-coal "
            "indicators are not comparable"
        )
    try:
        v = value * conversion_factor(unit, level.unit)
    except Exception as exc:
        raise BenchmarkError(
            f"{unit!r} cannot be compared with {level.indicator_id} in {level.unit!r}: {exc}"
        ) from exc
    pos = position_of(v, level.benchmark, level.base)
    g: tuple[float | None, float | None, float | None] | None = None
    grade: int | None = None
    exceeds = False
    sources = [level.source]
    if grades is not None:
        factor = conversion_factor(grades.unit, level.unit)
        g = tuple(x * factor if x is not None else None for x in grades.grades)  # type: ignore[assignment]
        assert g is not None
        grade, exceeds = limit_grade_of(v, g)
        sources.append(grades.source)
    gap_base = v - level.base if level.base is not None else None
    gap_bench = v - level.benchmark if level.benchmark is not None else None

    def effort(gap: float | None) -> float | None:
        if gap is None or output is None or output_unit is None:
            return None
        return energy_tce(max(gap, 0.0), level.unit, output, output_unit, kgce_per_kwh)

    return Classification(
        indicator_id=level.indicator_id,
        value=v,
        unit=level.unit,
        position=pos,
        benchmark=level.benchmark,
        base=level.base,
        deadline=level.deadline,
        limit_grade=grade,
        exceeds_limit=exceeds,
        grades=g,
        gap_to_base=gap_base,
        gap_to_benchmark=gap_bench,
        effort_to_base_tce=effort(gap_base),
        effort_to_benchmark_tce=effort(gap_bench),
        sources=tuple(sources),
        factors=(kgce_per_kwh,) if kgce_per_kwh is not None and _electrical(level.unit) else (),
        inputs={
            "value": value,
            "unit": unit,
            "output": output,
            "output_unit": output_unit,
            "catalogue": level.catalogue,
            "grades_standard": grades.standard if grades else None,
        },
    )


__all__ = [
    "BenchmarkError",
    "Classification",
    "Position",
    "classify",
    "energy_tce",
    "limit_grade_of",
    "position_of",
]

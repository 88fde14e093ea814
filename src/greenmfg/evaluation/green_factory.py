"""Green-factory evaluation (GB/T 36132 绿色工厂评价通则) from an indicator tree held as data.

The scheme (indicator tree, points, base and leading values, answer options, levels) comes from
``reference/green_factory_indicators.csv`` and ``green_factory_levels.csv`` through
:func:`greenmfg.reference.green_factory.load_green_factory`; this module only scores. Nothing about
a particular edition is written here, so GB/T 36132-2025 and the 2018 edition for older
applications run through the same code.

Rules, and where they come from:

* Basic requirements (基本要求) are pass/fail with a one-vote veto: one failed or unanswered
  requirement means the factory may not apply at any level, whatever its score
  (GB/T 36132-2018 clause 4; GB/T 36132-2025 keeps the veto, see the data rows' clauses).
* A quantitative indicator scores between its base value (基准值) and leading value (引领值): 0
  points beyond the base value, full points at or better than the leading value, and in between
  linearly from ``base_fraction`` × points at the base value to full points at the leading value.
  Where the data give no ``base_fraction`` the reading is 0 at base and the row is flagged
  ``SCORING_RULE_ASSUMED`` (the standard's exact interpolation is not sourced).
* A qualitative indicator scores the fraction of its points given to the chosen answer.
* A row whose points are not sourced scores nothing and is reported (``UNSOURCED_POINTS``); the
  total is then out of the sourced points only, and the result says so.
* The level a factory may apply for is the highest level of the gradient-cultivation system whose
  minimum score it reaches, when every basic requirement is met; a level without a sourced minimum
  score cannot be decided and is reported as such, never guessed.

Units: points are out of 100 for the scheme; quantitative values are in the row's ``unit``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from greenmfg.reference.model import Source

KINDS = ("group", "basic", "quantitative", "qualitative")
# Levels of a production line that a base or leading value (or a threshold) may refer to: the
# national catalogue's 基准 / 标杆 and the grades 1-3 of the mandatory limit standard.
LEVEL_REFS = (
    "benchmark_level:base",
    "benchmark_level:benchmark",
    "limit_grade:1",
    "limit_grade:2",
    "limit_grade:3",
)
DIRECTIONS = ("lower_better", "higher_better")
LEVEL_ORDER = ("municipal", "provincial", "national")
BASIC_ANSWERS = ("yes", "no")
SCORING_RULE_ASSUMED = "SCORING_RULE_ASSUMED"
UNSOURCED_POINTS = "UNSOURCED_POINTS"
UNSOURCED_VALUES = "UNSOURCED_VALUES"
NOT_ANSWERED = "NOT_ANSWERED"
BASE_LEADING_GIVEN = "BASE_LEADING_GIVEN"  # base/leading values stated by the enterprise
ALTERNATIVE_NOT_APPLIED = "ALTERNATIVE_NOT_APPLIED"


class EvaluationError(ValueError):
    """An answer that does not fit the indicator it answers (names the indicator and what fits)."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of the indicator tree (see the module docstring for the scoring of each kind).

    ``points`` is the row's maximum out of 100 (``None``: not sourced); ``base_value`` and
    ``leading_value`` are in ``unit`` (``None`` when set per industry, or when ``base_ref`` /
    ``leading_ref`` name a level of the line instead: :data:`LEVEL_REFS`, e.g. ``limit_grade:2``);
    ``choices`` maps an answer to the fraction of points it earns.
    """

    scheme: str
    id: str
    parent: str
    name_zh: str
    name_en: str
    kind: str
    points: float | None
    direction: str = ""
    unit: str = ""
    metric: str = ""
    base_value: float | None = None
    leading_value: float | None = None
    base_ref: str = ""
    leading_ref: str = ""
    base_fraction: float | None = None
    choices: tuple[tuple[str, float], ...] = ()
    status: str = "sourced"
    source: Source = field(default_factory=lambda: Source("", "", "", "unverified"))

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True, slots=True)
class Level:
    """A level of the gradient cultivation system (梯度培育) with its minimum total score."""

    scheme: str
    level: str
    name_zh: str
    name_en: str
    min_score: float | None
    other_requirements: str
    status: str
    source: Source

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class Scheme:
    """An edition's indicator tree and levels, e.g. ``gbt36132_2025``."""

    id: str
    title_zh: str
    title_en: str
    indicators: tuple[Indicator, ...]
    levels: tuple[Level, ...] = ()

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(f"{self.id}: no indicator {indicator_id!r}")

    def children(self, parent: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.parent == parent)

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A quantitative value computed from the enterprise's data, with where it came from.

    ``levels`` carries the line's own levels (keys of :data:`LEVEL_REFS`) for values compared with
    them (``Indicator.base_ref`` / ``leading_ref``). Yes/no metrics use ``unit="yes/no"`` and
    1.0 / 0.0."""

    value: float
    unit: str
    origin: str  # e.g. "inventory 2023 v2 (gbt32150)" or "line S1 水泥熟料"
    levels: Mapping[str, float] = field(default_factory=dict)
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """Points an indicator could still gain, and the effort class to gain them (1 low … 3 high)."""

    indicator_id: str
    name_zh: str
    name_en: str
    points_gained: float
    effort: int
    target: str  # what to reach, e.g. "≥ 30 percent" or "answer: yes"

    @property
    def points_per_effort(self) -> float:
        return self.points_gained / self.effort


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    score: float | None  # None: not scored (unanswered, unsourced points or values)
    max_points: float | None
    answer: Any = None
    value: float | None = None
    value_origin: str = ""
    base: float | None = None
    leading: float | None = None
    flags: tuple[str, ...] = ()
    passed: bool | None = None  # basic requirements only


@dataclass(frozen=True)
class Evaluation:
    """The result: per-indicator scores, the total, the veto, the level and the gap list."""

    scheme: Scheme
    scores: tuple[IndicatorScore, ...]
    total: float
    max_sourced: float  # sum of the sourced points of scored rows (100 when all are sourced)
    unsourced_points: tuple[str, ...]  # ids of scored rows whose points are not sourced
    basic_passed: bool
    basic_failed: tuple[str, ...]
    level: Level | None  # the level it may apply for next (see ``level_note``)
    level_note: str  # reached | below_minimum | threshold_not_sourced | basic_requirement_failed
    # | top_level | level_not_in_reference
    undecided_levels: tuple[str, ...]  # levels whose minimum score is not sourced
    gaps: tuple[Gap, ...]

    def score_of(self, indicator_id: str) -> IndicatorScore:
        for s in self.scores:
            if s.indicator.id == indicator_id:
                return s
        raise KeyError(indicator_id)

    def group_totals(self) -> list[dict[str, Any]]:
        """Score and maximum of each first-level group (sum over its descendants)."""
        out = []
        for g in self.scheme.children(""):
            if g.kind != "group":
                continue
            ids = _descendants(self.scheme, g.id)
            rows = [s for s in self.scores if s.indicator.id in ids]
            out.append(
                {
                    "id": g.id,
                    "name_zh": g.name_zh,
                    "name_en": g.name_en,
                    "score": sum(s.score or 0.0 for s in rows),
                    "max_points": g.points,
                    "max_sourced": sum(s.max_points or 0.0 for s in rows),
                }
            )
        return out


def _descendants(scheme: Scheme, root: str) -> set[str]:
    out: set[str] = set()
    todo = [root]
    while todo:
        parent = todo.pop()
        for c in scheme.children(parent):
            out.add(c.id)
            todo.append(c.id)
    return out


def quantitative_fraction(
    value: float, base: float, leading: float, direction: str, base_fraction: float
) -> float:
    """Fraction of the points earned by ``value`` between ``base`` and ``leading`` (see module).

    ``lower_better``: fraction 1 at ``value <= leading``, 0 at ``value > base``; between,
    ``base_fraction + (1 - base_fraction) * (base - value) / (base - leading)``. ``higher_better``
    mirrors it. Thresholds are inclusive (reaching a value counts as meeting it).
    """
    if direction not in DIRECTIONS:
        raise EvaluationError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    sign = 1.0 if direction == "lower_better" else -1.0
    v, b, lead = sign * value, sign * base, sign * leading
    if b < lead:
        raise EvaluationError(
            f"the leading value ({leading}) must be better than the base value ({base}) "
            f"for a {direction} indicator"
        )
    if v <= lead:
        return 1.0
    if v > b:
        return 0.0
    if b == lead:
        return 1.0
    return base_fraction + (1.0 - base_fraction) * (b - v) / (b - lead)


def _answer_number(ind: Indicator, answer: Any) -> float | None:
    if answer is None or answer == "":
        return None
    try:
        x = float(answer)
    except (TypeError, ValueError):
        raise EvaluationError(
            f"{ind.id} ({ind.name_en or ind.name_zh}): expected a number in {ind.unit or '-'}, "
            f"got {answer!r}"
        ) from None
    if not math.isfinite(x):
        raise EvaluationError(f"{ind.id}: expected a finite number, got {answer!r}")
    return x


def _effort_of_improvement(value: float, target: float, bands: Sequence[float]) -> int:
    """Effort class 1..len(bands)+1 from the relative improvement ``|target - value| / |value|``.

    ``bands`` are the upper bounds (fractions) of the lower classes, from the effort table of the
    reference data (greenmfg's defaults, editable)."""
    rel = abs(target - value) / abs(value) if value else math.inf
    for k, bound in enumerate(bands, start=1):
        if rel <= bound:
            return k
    return len(bands) + 1


def evaluate(
    scheme: Scheme,
    answers: Mapping[str, Any],
    metrics: Mapping[str, MetricValue] | None = None,
    efforts: Mapping[str, int] | None = None,
    improvement_bands: Sequence[float] = (),
    current_level: str | None = None,
) -> Evaluation:
    """Score ``scheme`` from questionnaire ``answers`` and computed ``metrics``.

    Parameters
    ----------
    answers : indicator id -> ``"yes"``/``"no"`` (basic), a choice key (qualitative) or a number
        in the row's unit (quantitative rows without a computed metric, or to fill a gap in one).
    metrics : metric id -> :class:`MetricValue` computed from the enterprise's data; a computed
        value takes precedence over a typed one (it can be traced to records).
    efforts : indicator id -> the enterprise's own effort class (1 low, 2 medium, 3 high) for
        closing that gap; qualitative rows default to 2, quantitative rows to the class of the
        relative improvement needed (``improvement_bands``), else 2.
    improvement_bands : upper bounds of the relative improvement (fractions) for effort classes
        1, 2, …; from ``green_factory_effort.csv``.
    current_level : the green-factory title the factory holds now (``municipal``, ``provincial``,
        ``national`` or ``None``), which decides the level it may apply for next.
    """
    metrics = metrics or {}
    efforts = efforts or {}
    for key, eff in efforts.items():
        if eff not in (1, 2, 3):
            raise EvaluationError(f"effort of {key}: expected 1, 2 or 3, got {eff!r}")
    known = {i.id for i in scheme.indicators}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise EvaluationError(f"{scheme.id}: unknown indicator(s) {', '.join(unknown)}")

    scores: list[IndicatorScore] = []
    gaps: list[Gap] = []
    basic_failed: list[str] = []
    for ind in scheme.indicators:
        if ind.kind == "group":
            continue
        answer = answers.get(ind.id)
        if ind.kind in ("basic", "qualitative") and not isinstance(answer, str | None):
            raise EvaluationError(f"{ind.id}: expected one answer (text), got {answer!r}")
        if ind.kind == "basic":
            if answer not in (None, "", *BASIC_ANSWERS):
                raise EvaluationError(f"{ind.id}: expected yes or no, got {answer!r}")
            passed = answer == "yes"
            if not passed:
                basic_failed.append(ind.id)
                gaps.append(
                    Gap(ind.id, ind.name_zh, ind.name_en, 0.0, efforts.get(ind.id, 2), "yes")
                )
            flags = () if answer else (NOT_ANSWERED,)
            scores.append(IndicatorScore(ind, None, None, answer, passed=passed, flags=flags))
            continue
        if ind.kind == "qualitative":
            scores.append(_qualitative(ind, answer, efforts, gaps))
            continue
        scores.append(
            _quantitative(
                ind,
                answer,
                metrics.get(ind.metric) if ind.metric else None,  # no metric: typed in
                efforts,
                bands=improvement_bands,
                gaps=gaps,
            )
        )

    scores, gaps = _apply_alternatives(scheme, scores, gaps)
    total = sum(s.score or 0.0 for s in scores)
    max_sourced = sum(s.max_points or 0.0 for s in scores if s.indicator.kind != "basic")
    unsourced = tuple(
        s.indicator.id
        for s in scores
        if s.indicator.kind != "basic"
        and s.indicator.points is None
        and ALTERNATIVE_NOT_APPLIED not in s.flags
    )
    level, note, undecided = _level(scheme, total, not basic_failed, current_level)
    gaps.sort(key=lambda g: (-g.points_per_effort, g.effort, g.indicator_id))
    # a failed basic requirement blocks everything: list those first, whatever their points
    gaps.sort(key=lambda g: g.indicator_id not in basic_failed)
    return Evaluation(
        scheme=scheme,
        scores=tuple(scores),
        total=total,
        max_sourced=max_sourced,
        unsourced_points=unsourced,
        basic_passed=not basic_failed,
        basic_failed=tuple(basic_failed),
        level=level,
        level_note=note,
        undecided_levels=undecided,
        gaps=tuple(gaps),
    )


def are_alternatives(group_points: float | None, child_points: list[float | None]) -> bool:
    """Whether a group's children are alternatives: more than one, each carrying the group's
    points (only the one that applies counts, e.g. unit-product energy where a limit standard
    exists, else energy per output value)."""
    if group_points is None or len(child_points) < 2:
        return False
    return all(p is not None and abs(p - group_points) < 1e-9 for p in child_points)


def alternatives(scheme: Scheme) -> dict[str, tuple[str, ...]]:
    """Groups whose children are alternatives, mapped to their children's ids."""
    out = {}
    for g in scheme.indicators:
        kids = scheme.children(g.id)
        if g.kind == "group" and are_alternatives(g.points, [k.points for k in kids]):
            out[g.id] = tuple(k.id for k in kids)
    return out


def _apply_alternatives(
    scheme: Scheme, scores: list[IndicatorScore], gaps: list[Gap]
) -> tuple[list[IndicatorScore], list[Gap]]:
    """Keep, in each group of alternatives, the child that applies: the best-scoring one with a
    value or answer (the first in the tree when none has one); the others count nothing."""
    index = {s.indicator.id: n for n, s in enumerate(scores)}
    dropped: set[str] = set()
    for kids in alternatives(scheme).values():
        rows = [scores[index[k]] for k in kids if k in index]
        answered = [r for r in rows if r.value is not None or r.answer not in (None, "")]
        pool = answered or rows[:1]
        keep = max(pool, key=lambda r: (r.score or 0.0, -kids.index(r.indicator.id)))
        for r in rows:
            if r is not keep:
                dropped.add(r.indicator.id)
                scores[index[r.indicator.id]] = IndicatorScore(
                    r.indicator,
                    None,
                    None,
                    r.answer,
                    r.value,
                    r.value_origin,
                    r.base,
                    r.leading,
                    (*r.flags, ALTERNATIVE_NOT_APPLIED),
                )
    return scores, [g for g in gaps if g.indicator_id not in dropped]


def _qualitative(
    ind: Indicator, answer: Any, efforts: Mapping[str, int], gaps: list[Gap]
) -> IndicatorScore:
    choices = dict(ind.choices)
    if answer not in (None, "") and answer not in choices:
        raise EvaluationError(f"{ind.id}: expected one of {', '.join(choices)}, got {answer!r}")
    if ind.points is None:
        return IndicatorScore(ind, None, None, answer, flags=(UNSOURCED_POINTS,))
    fraction = choices.get(answer, 0.0) if answer else 0.0
    score = ind.points * fraction
    flags = () if answer else (NOT_ANSWERED,)
    if score < ind.points:
        best = max(choices.items(), key=lambda kv: kv[1])[0] if choices else ""
        gaps.append(
            Gap(
                ind.id,
                ind.name_zh,
                ind.name_en,
                ind.points - score,
                efforts.get(ind.id, 2),
                f"answer: {best}",
            )
        )
    return IndicatorScore(ind, score, ind.points, answer, flags=flags)


def _quantitative(
    ind: Indicator,
    answer: Any,
    metric: MetricValue | None,
    efforts: Mapping[str, int],
    bands: Sequence[float],
    gaps: list[Gap],
) -> IndicatorScore:
    flags: list[str] = []
    given = answer if isinstance(answer, Mapping) else {"value": answer}
    if metric is not None:
        value: float | None = metric.value
        origin = metric.origin
    else:
        value, origin = _answer_number(ind, given.get("value")), "questionnaire"
    base, leading = ind.base_value, ind.leading_value
    if ind.base_ref or ind.leading_ref:
        levels = metric.levels if metric is not None else {}
        base, leading = levels.get(ind.base_ref), levels.get(ind.leading_ref)
    if base is None and leading is None and not (ind.base_ref or ind.leading_ref):
        # the generic standard leaves them to the sector's standard: the enterprise states them
        base = _answer_number(ind, given.get("base"))
        leading = _answer_number(ind, given.get("leading"))
        if base is not None and leading is not None:
            flags.append(BASE_LEADING_GIVEN)
    if ind.points is None:
        flags.append(UNSOURCED_POINTS)
    if base is None or leading is None:
        flags.append(UNSOURCED_VALUES)
    if value is None:
        flags.append(NOT_ANSWERED)
    if ind.points is None or base is None or leading is None:
        return IndicatorScore(
            ind, None, ind.points, answer, value, origin, base, leading, tuple(flags)
        )
    if value is None:
        gaps.append(
            Gap(ind.id, ind.name_zh, ind.name_en, ind.points, efforts.get(ind.id, 2), "value")
        )
        return IndicatorScore(
            ind, 0.0, ind.points, answer, None, origin, base, leading, tuple(flags)
        )
    base_fraction = ind.base_fraction
    if base_fraction is None:
        base_fraction = 0.0
        flags.append(SCORING_RULE_ASSUMED)
    try:
        fraction = quantitative_fraction(value, base, leading, ind.direction, base_fraction)
    except EvaluationError as exc:
        raise EvaluationError(f"{ind.id}: {exc}") from None
    score = ind.points * fraction
    if score < ind.points:
        effort = efforts.get(ind.id) or (
            _effort_of_improvement(value, leading, bands) if bands else 2
        )
        op = "≤" if ind.direction == "lower_better" else "≥"
        gaps.append(
            Gap(
                ind.id,
                ind.name_zh,
                ind.name_en,
                ind.points - score,
                effort,
                f"{op} {leading:g} {ind.unit}".strip(),
            )
        )
    return IndicatorScore(
        ind, score, ind.points, answer, value, origin, base, leading, tuple(flags)
    )


def _level(
    scheme: Scheme, total: float, basic_ok: bool, current_level: str | None
) -> tuple[Level | None, str, tuple[str, ...]]:
    """The level the factory may apply for next, with a note code.

    Levels are climbed in :data:`LEVEL_ORDER` (a national green factory is chosen from the
    provincial ones, 《绿色工厂梯度培育及管理暂行办法》): the candidate is the level above
    ``current_level`` (municipal when it holds none). When the candidate's minimum score is sourced
    the total must reach it (``reached`` / ``below_minimum``); when it is not, the note is
    ``threshold_not_sourced`` and the level is still named, since the basic requirements and the
    sequence are what the measures fix.
    """
    levels = {lv.level: lv for lv in scheme.levels if lv.level in LEVEL_ORDER}
    undecided = tuple(k for k in LEVEL_ORDER if k in levels and levels[k].min_score is None)
    if not basic_ok:
        return None, "basic_requirement_failed", undecided
    if current_level is not None and current_level not in LEVEL_ORDER:
        raise EvaluationError(f"current level must be one of {LEVEL_ORDER}, got {current_level!r}")
    start = 0 if current_level is None else LEVEL_ORDER.index(current_level) + 1
    if start >= len(LEVEL_ORDER):
        return None, "top_level", undecided
    candidate = levels.get(LEVEL_ORDER[start])
    if candidate is None:
        return None, "level_not_in_reference", undecided
    if candidate.min_score is None:
        return candidate, "threshold_not_sourced", undecided
    if total + 1e-9 >= candidate.min_score:
        return candidate, "reached", undecided
    return candidate, "below_minimum", undecided

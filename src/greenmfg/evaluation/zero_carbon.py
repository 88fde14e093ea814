"""Zero-carbon-factory readiness (零碳工厂): which criteria a factory meets, from data as far as
greenmfg holds it and from the enterprise's answers otherwise.

The criteria are reference data (``zero_carbon_criteria.csv``), each marked ``official`` (the 2026
national guidance or an MIIT text) or ``provincial_precedent`` (e.g. Zhejiang's 2023 evaluation
guide), so the result can say which finding rests on which. A criterion whose threshold is not
sourced is reported as ``no_threshold`` with the computed value, never judged against a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from greenmfg.evaluation.green_factory import MetricValue
from greenmfg.reference.model import Source

COMPARATORS = (">=", "<=")
STATES = ("met", "not_met", "no_threshold", "no_data")


@dataclass(frozen=True, slots=True)
class Criterion:
    """One readiness criterion; ``check`` is ``metric`` (computed) or ``questionnaire`` (yes/no)."""

    id: str
    name_zh: str
    name_en: str
    origin: str  # official | provincial_precedent
    check: str
    metric: str
    comparator: str
    threshold: float | None
    threshold_ref: str  # a level of the line instead of a number (green_factory.LEVEL_REFS)
    unit: str
    status: str
    source: Source

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True, slots=True)
class Finding:
    criterion: Criterion
    state: str  # one of STATES
    value: float | bool | None
    origin: str  # where the value came from


@dataclass(frozen=True)
class Readiness:
    findings: tuple[Finding, ...]

    def count(self, state: str, origin: str | None = None) -> int:
        return sum(
            1
            for f in self.findings
            if f.state == state and (origin is None or f.criterion.origin == origin)
        )

    @property
    def official_met(self) -> bool:
        """Every official criterion that can be judged is met (none not met)."""
        return self.count("not_met", "official") == 0


def _compare(value: float, comparator: str, threshold: float) -> bool:
    return value >= threshold if comparator == ">=" else value <= threshold


def assess(
    criteria: tuple[Criterion, ...],
    metrics: Mapping[str, MetricValue],
    answers: Mapping[str, str],
) -> Readiness:
    """Judge each criterion.

    ``metrics`` maps a metric id to a :class:`MetricValue` in the criterion's unit (yes/no metrics
    such as ``accounting_in_place`` have unit ``yes/no`` and value 1 or 0; a value compared with a
    level of the line carries that level in ``levels``). ``answers`` maps a questionnaire
    criterion's id to ``"yes"`` or ``"no"``.
    """
    findings = []
    for c in criteria:
        if c.check == "questionnaire":
            ans = answers.get(c.id)
            if ans not in ("yes", "no"):
                findings.append(Finding(c, "no_data", None, "questionnaire"))
            else:
                state = "met" if ans == "yes" else "not_met"
                findings.append(Finding(c, state, ans == "yes", "questionnaire"))
            continue
        m = metrics.get(c.metric)
        if m is None or not math.isfinite(m.value):
            findings.append(Finding(c, "no_data", None, m.origin if m else ""))
            continue
        if m.unit == "yes/no":
            findings.append(Finding(c, "met" if m.value else "not_met", bool(m.value), m.origin))
            continue
        threshold = m.levels.get(c.threshold_ref) if c.threshold_ref else c.threshold
        if threshold is None or not c.comparator:
            findings.append(Finding(c, "no_threshold", m.value, m.origin))
        else:
            ok = _compare(m.value, c.comparator, threshold)
            findings.append(Finding(c, "met" if ok else "not_met", m.value, m.origin))
    return Readiness(tuple(findings))

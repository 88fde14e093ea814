"""Loader of the green-factory and zero-carbon-factory reference tables.

* ``green_factory_indicators.csv``: the indicator trees of GB/T 36132-2025 and GB/T 36132-2018
  (one ``scheme`` each), with points, base and leading values, answer options and provenance;
* ``green_factory_levels.csv``: the levels of the gradient cultivation system (梯度培育) and other
  level systems (企业绿码, provincial star ratings), with the minimum score where one is sourced;
* ``green_factory_effort.csv``: greenmfg's default effort classes for the gap list (not policy);
* ``zero_carbon_criteria.csv``: the zero-carbon-factory criteria, official or provincial precedent.

Validation at load time, with the file, line and column in every error: kinds, directions, numbers,
a parent that exists in the same scheme, points of a group equal to the sum of its children (or,
for a group of alternatives, to each child's points), no points on a ``missing`` row, choices
``key:fraction`` with fractions in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from greenmfg.evaluation.green_factory import (
    DIRECTIONS,
    KINDS,
    LEVEL_REFS,
    Indicator,
    Level,
    Scheme,
    are_alternatives,
)
from greenmfg.evaluation.zero_carbon import COMPARATORS, Criterion
from greenmfg.reference.loader import ReferenceDataError, Row, _rows

STATUSES = ("sourced", "partial", "missing")
INDICATOR_COLUMNS = (
    "scheme",
    "id",
    "parent",
    "name_zh",
    "name_en",
    "kind",
    "points",
    "direction",
    "unit",
    "metric",
    "base_value",
    "leading_value",
    "base_fraction",
    "choices",
    "status",
)
LEVEL_COLUMNS = (
    "scheme",
    "level",
    "name_zh",
    "name_en",
    "min_score",
    "other_requirements",
    "status",
)
EFFORT_COLUMNS = ("effort", "max_relative_improvement")
CRITERION_COLUMNS = (
    "id",
    "name_zh",
    "name_en",
    "origin",
    "check",
    "metric",
    "comparator",
    "threshold",
    "unit",
    "status",
)
ORIGINS = ("official", "provincial_precedent")
CHECKS = ("metric", "questionnaire")
SCHEME_TITLES = {
    "gbt36132_2025": (
        "GB/T 36132-2025 绿色工厂评价通则",
        "GB/T 36132-2025 General principles for assessment of green factory",
    ),
    "gbt36132_2018": (
        "GB/T 36132-2018 绿色工厂评价通则",
        "GB/T 36132-2018 General principles for assessment of green factory",
    ),
}
GRADIENT_SYSTEM = "miit_gradient_2024"


@dataclass(frozen=True)
class GreenFactoryReference:
    """The indicator schemes, the level systems, the effort bands and the zero-carbon criteria."""

    schemes: dict[str, Scheme]
    level_systems: dict[str, tuple[Level, ...]]
    improvement_bands: tuple[float, ...]
    zero_carbon: tuple[Criterion, ...]

    def scheme(self, scheme_id: str) -> Scheme:
        try:
            return self.schemes[scheme_id]
        except KeyError:
            raise KeyError(
                f"unknown green-factory scheme {scheme_id!r}; one of {', '.join(self.schemes)}"
            ) from None


def _optional(row: Row, column: str) -> float | None:
    text = row[column].strip()
    return None if text == "" else row.number(column)


def _value_or_ref(row: Row, column: str) -> tuple[str, float | None]:
    """A number, or a reference to a level of the line (:data:`LEVEL_REFS`), or empty."""
    text = row[column].strip()
    if text in LEVEL_REFS:
        return text, None
    if ":" in text:
        raise row.fail(column, "a number or one of " + ", ".join(LEVEL_REFS))
    return "", _optional(row, column)


def _choices(row: Row) -> tuple[tuple[str, float], ...]:
    text = row["choices"].strip()
    if not text:
        return ()
    out = []
    for part in text.split("|"):
        key, sep, frac = part.partition(":")
        try:
            value = float(frac)
        except ValueError:
            value = math.nan
        if not sep or not key.strip() or not (0.0 <= value <= 1.0):
            raise row.fail("choices", "options key:fraction separated by |, fractions in [0, 1]")
        out.append((key.strip(), value))
    return tuple(out)


def _indicator(row: Row) -> Indicator:
    kind = row["kind"].strip()
    if kind not in KINDS:
        raise row.fail("kind", "one of " + ", ".join(KINDS))
    status = row["status"].strip()
    if status not in STATUSES:
        raise row.fail("status", "one of " + ", ".join(STATUSES))
    points = _optional(row, "points")
    if points is not None and (points < 0 or points > 100):
        raise row.fail("points", "points between 0 and 100")
    if status == "missing" and points is not None:
        raise row.fail("points", "no points on a missing row")
    if kind == "basic" and points is not None:
        raise row.fail("points", "no points on a basic requirement (pass/fail)")
    direction = row["direction"].strip()
    if kind == "quantitative" and direction not in DIRECTIONS:
        raise row.fail("direction", "lower_better or higher_better for a quantitative row")
    if kind != "quantitative" and direction:
        raise row.fail("direction", "empty (only quantitative rows have a direction)")
    unit = row["unit"].strip()
    if unit:
        row.unit("unit")
    base_ref, base = _value_or_ref(row, "base_value")
    leading_ref, leading = _value_or_ref(row, "leading_value")
    if bool(base_ref) != bool(leading_ref):
        raise row.fail("leading_value", "a level reference in both base and leading value")
    base_fraction = _optional(row, "base_fraction")
    if base_fraction is not None and not 0.0 <= base_fraction <= 1.0:
        raise row.fail("base_fraction", "a fraction in [0, 1]")
    choices = _choices(row)
    if kind == "qualitative" and not choices:
        raise row.fail("choices", "the answer options of a qualitative row")
    return Indicator(
        scheme=row["scheme"].strip(),
        id=row["id"].strip(),
        parent=row["parent"].strip(),
        name_zh=row["name_zh"].strip(),
        name_en=row["name_en"].strip(),
        kind=kind,
        points=points,
        direction=direction,
        unit=unit,
        metric=row["metric"].strip(),
        base_value=base,
        leading_value=leading,
        base_ref=base_ref,
        leading_ref=leading_ref,
        base_fraction=base_fraction,
        choices=choices,
        status=status,
        source=row.source(),
    )


def _check_tree(indicators: list[Indicator], lines: dict[str, int]) -> None:
    by_id = {i.id: i for i in indicators}
    path = "reference/green_factory_indicators.csv"
    for i in indicators:
        if i.parent and i.parent not in by_id:
            raise ReferenceDataError(
                f"{path}, line {lines[i.id]}, column 'parent': no row {i.parent!r} in {i.scheme}"
            )
        if i.parent and by_id[i.parent].kind != "group":
            raise ReferenceDataError(
                f"{path}, line {lines[i.id]}, column 'parent': {i.parent!r} is not a group"
            )
    for g in indicators:
        if g.kind != "group" or g.points is None:
            continue
        kids = [i for i in indicators if i.parent == g.id]
        pts = [k.points for k in kids]
        if not kids or any(p is None for p in pts):
            continue
        total = sum(p for p in pts if p is not None)
        if abs(total - g.points) > 1e-6 and not are_alternatives(g.points, pts):
            raise ReferenceDataError(
                f"{path}, line {lines[g.id]}, column 'points': {g.points:g} is neither the sum "
                f"of its children's points ({total:g}) nor each child's (alternatives)"
            )


def _load_indicators(root: Traversable) -> dict[str, Scheme]:
    by_scheme: dict[str, list[Indicator]] = {}
    lines: dict[str, dict[str, int]] = {}
    for row in _rows(root, "green_factory_indicators", INDICATOR_COLUMNS):
        ind = _indicator(row)
        if ind.scheme not in SCHEME_TITLES:
            raise row.fail("scheme", "one of " + ", ".join(SCHEME_TITLES))
        seen = lines.setdefault(ind.scheme, {})
        if ind.id in seen:
            raise ReferenceDataError(f"{row.path}, line {row.line}: duplicate id {ind.id!r}")
        seen[ind.id] = row.line
        by_scheme.setdefault(ind.scheme, []).append(ind)
    schemes = {}
    for sid, inds in by_scheme.items():
        _check_tree(inds, lines[sid])
        zh, en = SCHEME_TITLES[sid]
        schemes[sid] = Scheme(sid, zh, en, tuple(inds))
    return schemes


def _load_levels(root: Traversable) -> dict[str, tuple[Level, ...]]:
    out: dict[str, list[Level]] = {}
    for row in _rows(root, "green_factory_levels", LEVEL_COLUMNS):
        status = row["status"].strip()
        if status not in STATUSES:
            raise row.fail("status", "one of " + ", ".join(STATUSES))
        min_score = _optional(row, "min_score")
        if min_score is not None and not 0 <= min_score <= 100:
            raise row.fail("min_score", "a score between 0 and 100")
        system = row["scheme"].strip()
        out.setdefault(system, []).append(
            Level(
                scheme=system,
                level=row["level"].strip(),
                name_zh=row["name_zh"].strip(),
                name_en=row["name_en"].strip(),
                min_score=min_score,
                other_requirements=row["other_requirements"].strip(),
                status=status,
                source=row.source(),
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def _load_bands(root: Traversable) -> tuple[float, ...]:
    bands: list[tuple[int, float]] = []
    for row in _rows(root, "green_factory_effort", EFFORT_COLUMNS):
        effort = row.number("effort")
        bound = _optional(row, "max_relative_improvement")
        if effort not in (1, 2, 3):
            raise row.fail("effort", "1, 2 or 3")
        if bound is not None:
            bands.append((int(effort), bound))
    bands.sort()
    return tuple(b for _, b in bands)


def _load_criteria(root: Traversable) -> tuple[Criterion, ...]:
    out = []
    seen: set[str] = set()
    for row in _rows(root, "zero_carbon_criteria", CRITERION_COLUMNS):
        cid = row["id"].strip()
        if cid in seen:
            raise ReferenceDataError(f"{row.path}, line {row.line}: duplicate id {cid!r}")
        seen.add(cid)
        origin, check = row["origin"].strip(), row["check"].strip()
        if origin not in ORIGINS:
            raise row.fail("origin", "one of " + ", ".join(ORIGINS))
        if check not in CHECKS:
            raise row.fail("check", "one of " + ", ".join(CHECKS))
        comparator = row["comparator"].strip()
        if comparator and comparator not in COMPARATORS:
            raise row.fail("comparator", "one of " + ", ".join(COMPARATORS))
        threshold_ref, threshold = _value_or_ref(row, "threshold")
        if (threshold is not None or threshold_ref) and not comparator:
            raise row.fail("comparator", "a comparator for the threshold")
        if check == "metric" and not row["metric"].strip():
            raise row.fail("metric", "the metric a 'metric' check reads")
        status = row["status"].strip()
        if status not in STATUSES:
            raise row.fail("status", "one of " + ", ".join(STATUSES))
        out.append(
            Criterion(
                id=cid,
                name_zh=row["name_zh"].strip(),
                name_en=row["name_en"].strip(),
                origin=origin,
                check=check,
                metric=row["metric"].strip(),
                comparator=comparator,
                threshold=threshold,
                threshold_ref=threshold_ref,
                unit=row["unit"].strip(),
                status=status,
                source=row.source(),
            )
        )
    return tuple(out)


def load_green_factory(root: Traversable | None = None) -> GreenFactoryReference:
    """Read and validate the green-factory tables (the package's own folder by default)."""
    root = root or files("greenmfg") / "reference"
    return GreenFactoryReference(
        schemes=_load_indicators(root),
        level_systems=_load_levels(root),
        improvement_bands=_load_bands(root),
        zero_carbon=_load_criteria(root),
    )


@lru_cache(maxsize=1)
def green_factory_reference() -> GreenFactoryReference:
    """The package's green-factory reference data, loaded once."""
    return load_green_factory()

"""Check activity records against the reference catalogue before anything is computed.

Checks run on distinct values (items, units, regions) and on whole columns, so validating a million
records costs about as much as computing them. Every problem names the record's row and column and
says what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenmfg.accounting.activities import KINDS, MEASURED_COLUMNS, ActivityTable
from greenmfg.reference.model import ReferenceData
from greenmfg.units import UnitError, describe_dimension, parse_unit, same_dimension

_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
MAX_ROWS_PER_PROBLEM = 50  # a million rows with one bad unit give one message, not a million


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one record: where (row, column), what was found, what was expected."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message}"


class ActivityError(ValueError):
    """Activity records that cannot be accounted; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        lines = [f"{where}{p}" for p in problems[:20]]
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"{len(problems)} problem(s) in the activity records:\n" + "\n".join(lines) + more
        )


def _by_value(
    values: npt.NDArray[np.object_], rows: npt.NDArray[np.int64]
) -> list[tuple[str, npt.NDArray[np.int64]]]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return [(str(u), rows[order[bounds[i] : bounds[i + 1]]]) for i, u in enumerate(uniques)]


def validate_activities(table: ActivityTable, ref: ReferenceData) -> list[Problem]:
    """All problems of ``table`` against ``ref``; an empty list means the records can be accounted."""
    problems: list[Problem] = []
    rows = table.row

    def report(row_ids: npt.NDArray[np.int64], column: str, message: str) -> None:
        for r in row_ids[:MAX_ROWS_PER_PROBLEM]:
            problems.append(Problem(int(r), column, message))

    # kinds, items and their pairing
    kind_item = (
        np.char.add(np.char.add(table.kind.astype(str), "\x1f"), table.item.astype(str))
        if len(table)
        else np.empty(0, dtype=str)
    )
    for key, rws in _by_value(kind_item.astype(object), rows):
        kind, item = key.split("\x1f")
        if kind not in KINDS:
            report(rws, "kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
            continue
        spec = ref.items.get(item)
        if spec is None:
            if kind == "production" and _SNAKE.fullmatch(item):
                continue  # a custom product id
            report(
                rws,
                "item",
                f"unknown item {item!r} for kind {kind!r}; "
                f"expected one of {', '.join(_items_of(ref, kind))}",
            )
        elif spec.kind != kind:
            report(rws, "kind", f"item {item!r} is of kind {spec.kind!r}, not {kind!r}")

    # amounts
    bad = ~np.isfinite(table.amount)
    if bad.any():
        report(rows[bad], "amount", "expected a number")
    neg = table.amount < 0
    if neg.any():
        report(
            rows[neg],
            "amount",
            "expected an amount >= 0 (record exports with kind "
            "electricity_export / heat_export, not negative amounts)",
        )

    # units: parseable and of the item's dimension
    unit_item = (
        np.char.add(np.char.add(table.unit.astype(str), "\x1f"), table.item.astype(str))
        if len(table)
        else np.empty(0, dtype=str)
    )
    for key, rws in _by_value(unit_item.astype(object), rows):
        unit, item = key.split("\x1f")
        try:
            parse_unit(unit)
        except UnitError:
            report(
                rws,
                "unit",
                f"unknown unit {unit!r}; expected a unit such as t, kg, 10^4 Nm3, "
                "m3, MWh, kWh, 万kWh, GJ",
            )
            continue
        spec = ref.items.get(item)
        if spec is not None and not same_dimension(unit, spec.default_unit):
            report(
                rws,
                "unit",
                f"{item} is measured as {describe_dimension(spec.default_unit)} "
                f"(e.g. {spec.default_unit}); {unit!r} is {describe_dimension(unit)}",
            )

    # regions
    for region, rws in _by_value(table.region, rows):
        if region:
            try:
                ref.resolve_region(region)
            except KeyError:
                report(
                    rws,
                    "region",
                    f"unknown region {region!r}; expected a province name, a GB/T "
                    "2260 code or a grid region (e.g. 江苏, 320000, grid_east)",
                )

    # years
    bad_year = (table.year < 1990) | (table.year > 2100)
    if bad_year.any():
        report(rows[bad_year], "year", "expected a four-digit year")

    # measured columns: hard bounds and their unit columns
    for col in MEASURED_COLUMNS:
        values = table.measured.get(col.name)
        if values is None:
            continue
        given = ~np.isnan(values)
        out = given & ((values < col.hard_low) | (values > col.hard_high))
        if out.any():
            unit = f" {col.unit}" if col.unit else ""
            report(
                rows[out],
                col.name,
                f"expected a value between {col.hard_low:g} and {col.hard_high:g}{unit}",
            )
        if col.unit_column:
            units = table.unit_column(col.unit_column)
            missing = given & (units == "")
            if missing.any():
                report(rows[missing], col.unit_column, f"give the unit of {col.name}")
            for u, rws in _by_value(units[given & (units != "")], rows[given & (units != "")]):
                try:
                    parse_unit(u)
                except UnitError:
                    report(rws, col.unit_column, f"unknown unit {u!r}")

    # required measured values
    clinker = table.item == "clinker"
    if clinker.any():
        for name in ("cao_content", "mgo_content"):
            need = clinker & np.isnan(table.column(name))
            if need.any():
                report(
                    rows[need],
                    name,
                    "clinker process emissions need the clinker's "
                    f"{name.split('_')[0].upper()} content in % (measured)",
                )
    return problems


def _items_of(ref: ReferenceData, kind: str) -> list[str]:
    return sorted(i for i, s in ref.items.items() if s.kind == kind)

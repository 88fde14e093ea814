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

from greenmfg.accounting.activities import KINDS, MEASURED_COLUMNS, ActivityTable
from greenmfg.accounting.encode import Encoded, rows_of
from greenmfg.reference.model import ItemSpec, ReferenceData
from greenmfg.units import UnitError, describe_dimension, parse_unit, same_dimension

_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
# No plant reports 10^15 of anything in a sensible unit; beyond it the totals lose meaning (and
# 1e308 would overflow to infinity).
MAX_AMOUNT = 1e15
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


def validate_activities(
    table: ActivityTable, ref: ReferenceData, encoded: Encoded | None = None
) -> list[Problem]:
    """All problems of ``table`` against ``ref``; an empty list means the records can be accounted.

    ``encoded`` (factorised columns) is shared with the engine when given, so validation adds only
    per-distinct-value work.
    """
    problems: list[Problem] = []
    rows = table.row
    enc = encoded or Encoded(table)

    def report(row_ids: npt.NDArray[np.int64], column: str, message: str) -> None:
        for r in row_ids[:MAX_ROWS_PER_PROBLEM]:
            problems.append(Problem(int(r), column, message))

    # kinds, items and their pairing
    codes, keys = enc.combine("kind", "item")
    for k, (kind, item) in enumerate(keys):
        kind, item = str(kind), str(item)
        if kind not in KINDS:
            msg = f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}"
            report(rows_of(codes, k, rows, MAX_ROWS_PER_PROBLEM), "kind", msg)
            continue
        spec = ref.items.get(item)
        if spec is None:
            if kind == "production" and _SNAKE.fullmatch(item):
                continue  # a custom product id
            msg = (
                f"unknown item {item!r} for kind {kind!r}; "
                f"expected one of {', '.join(_items_of(ref, kind))}"
            )
            report(rows_of(codes, k, rows, MAX_ROWS_PER_PROBLEM), "item", msg)
        elif spec.kind != kind:
            msg = f"item {item!r} is of kind {spec.kind!r}, not {kind!r}"
            report(rows_of(codes, k, rows, MAX_ROWS_PER_PROBLEM), "kind", msg)

    # amounts
    bad = ~np.isfinite(table.amount)
    if bad.any():
        report(rows[bad], "amount", "expected a number")
    huge = np.isfinite(table.amount) & (np.abs(table.amount) > MAX_AMOUNT)
    if huge.any():
        report(
            rows[huge],
            "amount",
            f"expected an amount below {MAX_AMOUNT:.0e} in its unit (check the unit column)",
        )
    neg = table.amount < 0
    if neg.any():
        report(
            rows[neg],
            "amount",
            "expected an amount >= 0 (record exports with kind "
            "electricity_export / heat_export, not negative amounts)",
        )

    # units: parseable and of the item's dimension
    codes, keys = enc.combine("unit", "item")
    for k, (unit, item) in enumerate(keys):
        unit, item = str(unit), str(item)
        msg = _unit_problem(unit, ref.items.get(item))
        if msg:
            report(rows_of(codes, k, rows, MAX_ROWS_PER_PROBLEM), "unit", msg)

    # regions
    codes, uniques = enc.column("region")
    for k, region in enumerate(uniques):
        if region:
            try:
                ref.resolve_region(str(region))
            except KeyError:
                msg = (
                    f"unknown region {region!r}; expected a province name, a GB/T 2260 code "
                    "or a grid region (e.g. 江苏, 320000, grid_east)"
                )
                report(rows_of(codes, k, rows, MAX_ROWS_PER_PROBLEM), "region", msg)

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
        huge = given & ~out & ~(np.abs(values) <= MAX_AMOUNT)  # unbounded columns, e.g. ncv
        if huge.any():
            report(rows[huge], col.name, f"expected a finite value below {MAX_AMOUNT:.0e}")
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
            codes, uniques = enc.column(col.unit_column)
            for k, u in enumerate(uniques):
                if u:
                    try:
                        parse_unit(str(u))
                    except UnitError:
                        report(
                            rows_of(codes, k, rows, MAX_ROWS_PER_PROBLEM),
                            col.unit_column,
                            f"unknown unit {u!r}",
                        )

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


def _unit_problem(unit: str, spec: ItemSpec | None) -> str:
    try:
        parse_unit(unit)
    except UnitError:
        return f"unknown unit {unit!r}; expected a unit such as t, kg, 10^4 Nm3, m3, MWh, kWh, 万kWh, GJ"
    if spec is not None and not same_dimension(unit, spec.default_unit):
        return (
            f"{spec.item} is measured as {describe_dimension(spec.default_unit)} "
            f"(e.g. {spec.default_unit}); {unit!r} is {describe_dimension(unit)}"
        )
    return ""


def _items_of(ref: ReferenceData, kind: str) -> list[str]:
    return sorted(i for i, s in ref.items.items() if s.kind == kind)

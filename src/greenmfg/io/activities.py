"""Read activity files (CSV or an Excel workbook with a sheet ``activities``).

Every problem is reported with the file, sheet, row (as the spreadsheet numbers it), column and what
was expected; if there is any problem nothing is returned, so nothing is computed from a bad file.
Header cells may carry a Chinese label before the English key (``站点 site``): the key is the last
whitespace-separated token of the cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from greenmfg.accounting.activities import MEASURED_COLUMNS, UNIT_COLUMNS, ActivityTable
from greenmfg.accounting.validate import ActivityError, Problem, validate_activities
from greenmfg.reference.model import ReferenceData

REQUIRED_COLUMNS: tuple[str, ...] = ("site", "year", "kind", "item", "amount", "unit")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "region",
    *(c.name for c in MEASURED_COLUMNS),
    *UNIT_COLUMNS,
)
IGNORED_PREFIXES: tuple[str, ...] = ("note", "notes", "comment", "备注", "说明")
SHEET = "activities"


class ActivityFileError(ActivityError):
    """Problems in an activity file, each located by file, sheet, row and column."""

    def __init__(
        self,
        path: str,
        problems: list[Problem],
        sheet: str | None = None,
        letters: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.sheet = sheet
        self.letters = letters or {}
        super().__init__(problems, source=path)
        where = f"{Path(path).name}" + (f", sheet {sheet!r}" if sheet else "")
        lines = [self.locate(p) for p in problems[:50]]
        more = f"\n… and {len(problems) - 50} more" if len(problems) > 50 else ""
        self.args = (
            f"{len(problems)} problem(s) in {where}; nothing was computed:\n"
            + "\n".join(lines)
            + more,
        )

    def locate(self, p: Problem) -> str:
        where = f"{Path(self.path).name}" + (f", sheet {self.sheet!r}" if self.sheet else "")
        letter = self.letters.get(p.column)
        col = f"column {p.column!r}" + (f" ({letter})" if letter else "")
        return f"{where}, row {p.row}, {col}: {p.message}"


def _header_key(cell: object) -> str | None:
    """English key of a header cell, ``''`` for an ignored column, ``None`` for an empty cell."""
    text = str(cell).strip() if cell is not None else ""
    if not text:
        return None
    token = text.split()[-1].lower()
    if any(text.lower().startswith(p) or token.startswith(p) for p in IGNORED_PREFIXES):
        return ""
    return token


def _read_grid(path: Path) -> tuple[list[object], list[list[object]], int, str | None]:
    """Header cells, data rows, the spreadsheet row number of the header, and the sheet name."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            if SHEET not in wb.sheetnames:
                raise ActivityFileError(
                    str(path),
                    [
                        Problem(
                            0,
                            "sheet",
                            (f"expected a sheet named {SHEET!r}; found {', '.join(wb.sheetnames)}"),
                        )
                    ],
                )
            rows = [list(r) for r in wb[SHEET].iter_rows(values_only=True)]
        finally:
            wb.close()
        sheet: str | None = SHEET
    elif suffix in (".csv", ".txt"):
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            header=None,
            encoding="utf-8-sig",
            skip_blank_lines=False,
        )
        rows = frame.to_numpy(dtype=object).tolist()
        sheet = None
    else:
        raise ActivityFileError(
            str(path),
            [Problem(0, "file", (f"unsupported file type {suffix!r}; expected .csv or .xlsx"))],
        )
    for i, r in enumerate(rows):
        if any(c not in (None, "") for c in r):
            return r, rows[i + 1 :], i + 1, sheet
    raise ActivityFileError(str(path), [Problem(0, "header", "the file is empty")], sheet)


def read_activities(path: str | Path, ref: ReferenceData) -> ActivityTable:
    """Read and validate an activity file.

    Parameters
    ----------
    path : ``.csv`` (UTF-8, header row first) or ``.xlsx`` with a sheet ``activities``.
    ref : reference data used to check items, units (dimension) and regions.

    Returns
    -------
    ActivityTable whose ``row`` numbers are the spreadsheet's row numbers.

    Raises
    ------
    ActivityFileError listing every problem (file, sheet, row, column, what was expected).
    """
    p = Path(path)
    header, data, header_row, sheet = _read_grid(p)
    problems: list[Problem] = []
    keys: dict[int, str] = {}
    letters: dict[str, str] = {}
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for j, cell in enumerate(header):
        key = _header_key(cell)
        if not key:
            continue
        if key not in known:
            problems.append(
                Problem(
                    header_row,
                    str(cell),
                    (
                        f"unknown column {str(cell)!r}; expected one of {', '.join(REQUIRED_COLUMNS)}, "
                        f"{', '.join(OPTIONAL_COLUMNS)} (or a note column)"
                    ),
                )
            )
            continue
        if key in letters:
            problems.append(Problem(header_row, key, "column appears twice"))
            continue
        keys[j] = key
        letters[key] = get_column_letter(j + 1)
    missing = [c for c in REQUIRED_COLUMNS if c not in letters]
    if missing:
        problems.append(
            Problem(
                header_row,
                ", ".join(missing),
                (
                    f"missing required column(s) {', '.join(missing)}; the header must have "
                    f"{', '.join(REQUIRED_COLUMNS)}"
                ),
            )
        )
    if problems:
        raise ActivityFileError(str(p), problems, sheet, letters)

    # Keep non-empty rows, numbered as the spreadsheet numbers them.
    width = max(keys) + 1
    kept = [
        (header_row + 1 + i, (list(r) + [None] * width)[:width])
        for i, r in enumerate(data)
        if any(r[j] not in (None, "") for j in keys if j < len(r))
    ]
    rownums = np.array([n for n, _ in kept], dtype=np.int64)
    cols = {key: [r[j] for _, r in kept] for j, key in keys.items()}

    def text(key: str) -> np.ndarray:
        values = cols.get(key, [None] * len(kept))
        out = np.empty(len(values), dtype=object)
        out[:] = [_text(v) for v in values]
        return out

    def number(key: str, required: bool, percent: bool = False) -> np.ndarray:
        values = cols.get(key)
        if values is None:
            return np.full(len(kept), np.nan)
        out = np.full(len(values), np.nan)
        for i, v in enumerate(values):
            if v is None or (isinstance(v, str) and not v.strip()):
                if required:
                    problems.append(
                        Problem(int(rownums[i]), key, "expected a number, the cell is empty")
                    )
                continue
            parsed = _number(v, percent)
            if parsed is None:
                expected = "a number (percent values as 98 or 98%)" if percent else "a number"
                problems.append(Problem(int(rownums[i]), key, f"expected {expected}, got {v!r}"))
            else:
                out[i] = parsed
        return out

    site, kind, item, unit, region = (text(k) for k in ("site", "kind", "item", "unit", "region"))
    for key, arr in (("site", site), ("kind", kind), ("item", item), ("unit", unit)):
        for i in np.flatnonzero(arr == ""):
            problems.append(Problem(int(rownums[i]), key, f"expected a {key}, the cell is empty"))
    year_f = number("year", required=True)
    bad_year = ~np.isnan(year_f) & (year_f != np.round(year_f))
    for i in np.flatnonzero(bad_year):
        problems.append(
            Problem(int(rownums[i]), "year", f"expected a whole year, got {year_f[i]:g}")
        )
    amount = number("amount", required=True)
    measured = {}
    for c in MEASURED_COLUMNS:
        if c.name in cols:
            measured[c.name] = number(c.name, required=False, percent=c.unit == "percent")
    units = {u: text(u) for u in UNIT_COLUMNS if u in cols}

    table = ActivityTable(
        site=site,
        year=np.nan_to_num(year_f).astype(np.int64),
        kind=kind,
        item=item,
        amount=amount,
        unit=unit,
        region=region,
        row=rownums,
        measured=measured,
        measured_units=units,
        source=p.name,
    )
    # Every row is also checked against the reference data, so one pass reports everything; a cell
    # that did not parse is reported once.
    seen = {(q.row, q.column) for q in problems}
    problems += [q for q in validate_activities(table, ref) if (q.row, q.column) not in seen]
    if problems:
        raise ActivityFileError(str(p), _sorted(problems), sheet, letters)
    return table


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda q: (q.row, q.column))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # GB/T 2260 codes typed as numbers in Excel
    return str(value).strip()


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _number(value: object, percent: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if percent and text.endswith(("%", "％")):
        text = text[:-1].strip()
    return float(text) if _NUMBER.match(text) else None

"""Reports made of titled tables, written as an Excel workbook (one sheet per table).

The benchmark and green-factory reports are tables of rows (plain values) with bilingual headers;
this module writes them without knowing what they hold. Confidence cells (``official``,
``secondary``, ``unverified``) are coloured as in the inventory report so an unverified reference
value stands out.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["Table", "write_tables_xlsx"]

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FILLS = {
    "unverified": PatternFill("solid", fgColor="F8CBAD"),
    "secondary": PatternFill("solid", fgColor="FFF2CC"),
    "missing": PatternFill("solid", fgColor="D9D9D9"),
}
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Table:
    """One sheet: ``sheet`` (≤ 31 characters), a title, notes under it, headers and rows."""

    sheet: str
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[str] = field(default_factory=tuple)


def _safe(value: Any) -> Any:
    """Cells as values only: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_tables_xlsx(tables: Sequence[Table]) -> bytes:
    """The workbook of ``tables`` as ``.xlsx`` bytes."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for t in tables:
        ws = wb.create_sheet(t.sheet[:31])
        ws.append([t.title])
        ws.cell(row=1, column=1).font = _TITLE
        for note in t.notes:
            ws.append([note])
        ws.append([])
        ws.append(list(t.headers))
        header_row = ws.max_row
        for col in range(1, len(t.headers) + 1):
            cell = ws.cell(row=header_row, column=col)
            cell.font, cell.fill = _BOLD, _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in t.rows:
            ws.append([_safe(v) for v in row])
            for col, v in enumerate(row, start=1):
                if isinstance(v, str) and v in _FILLS:
                    ws.cell(row=ws.max_row, column=col).fill = _FILLS[v]
        for col, header in enumerate(t.headers, start=1):
            width = max(
                [len(str(header))] + [len(str(r[col - 1])) for r in t.rows if len(r) >= col]
            )
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(10, width + 2))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""Write the example EU CBAM installation workbook of greenmfg.

Run from the repository root::

    python examples/make_cbam_example.py
    greenmfg cbam report examples/cbam_steel_installation.xlsx --year 2026 --out cbam.xlsx

``cbam_steel_installation.xlsx`` is the blank workbook of ``greenmfg cbam template``
(:func:`greenmfg.io.cbam_input.cbam_template_xlsx`) filled in for a small electric-arc-furnace steel
plant: EAF steelmaking (slabs, CN 7207 12 10) and a hot strip mill (hot-rolled coil, CN 7208 25 00
and 7208 39 00). The EAF charges purchased pig iron, valued with the CBAM default value for China
that greenmfg holds (``reference/cbam_default_values.csv``, looked up by CN code at run time); the
mill also rolls slabs bought from another steelworks, with that supplier's actual values. Both
processes use greenmfg's MEE/NBS 2023 national average electricity factor (template code D.4(b),
``reference_year`` in sheet ElectricityFactors), again read at run time.

Every installation amount (production, attributed emissions, electricity, precursor masses) and
the supplier's actual values are ILLUSTRATIVE inputs of plausible magnitude, not data of a real
plant or supplier; no reference value is written into the workbook. ``tests/test_cbam_input.py``
recomputes the SEE by hand from the figures below, so a change here must be mirrored there. The
file is byte-for-byte reproducible (fixed timestamps, as ``make_examples.py``).
"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
NAME = "cbam_steel_installation.xlsx"
ILLUSTRATIVE = "示意数据 illustrative"

# sheet Installation: field -> value (column B)
INSTALLATION: dict[str, Any] = {
    "name": "示例电炉钢厂（示意数据）",
    "country": "CN",
    "name_en": "Example EAF steel plant (illustrative data)",
    "unlocode": "CNNKG",
    "address": "示例路1号（示意） 1 Example Road (illustrative)",
    "post_code": "210000",
    "city": "Nanjing",
    "economic_activity": "C3120 炼钢 Steelmaking (GB/T 4754-2017)",
    "period_start": date(2026, 1, 1),
    "period_end": date(2026, 12, 31),
    "representative": "张三（示意） Zhang San (illustrative)",
    "email": "cbam@example.com",
}
# one dict per row, keys as the English header keys
SHEETS: dict[str, list[dict[str, Any]]] = {
    "Identifiers": [{"scheme": "USCC", "value": f"913201000000000000 ({ILLUSTRATIVE})"}],
    "Processes": [
        {
            "id": "P1",
            "name": "电炉炼钢 EAF steelmaking",
            "category": "Crude steel",
            "cn_codes": "72071210",
            "activity_level_t": 100_000,
            "direct_emissions_t": 8_000,
            "electricity_mwh": 45_000,
            "electricity_factor": "EF1",
            "route": "EAF",
        },
        {
            "id": "P2",
            "name": "热轧 Hot rolling",
            "category": "Iron or steel products",
            "cn_codes": "72082500, 72083900",
            "activity_level_t": 95_000,
            "direct_emissions_t": 5_700,
            "electricity_mwh": 11_400,
            "electricity_factor": "EF1",
            "route": "hot strip mill",
        },
    ],
    "Precursors": [
        {"process": "P1", "precursor": "PP1", "amount_t": 20_000},
        {"process": "P2", "precursor": "P1", "amount_t": 90_000},
        {"process": "P2", "precursor": "PP2", "amount_t": 9_000},
    ],
    "ElectricityFactors": [
        # greenmfg's MEE/NBS factor, looked up when the report runs; no value typed here
        {
            "id": "EF1",
            "reference_year": 2023,
            "reference_region": "CN",
            "reference_series": "average",
        },
    ],
    "PurchasedPrecursors": [
        {
            "id": "PP1",
            "name": "生铁 Pig iron",
            "cn_code": "72011011",
            "country": "CN",
            "determination": "default",
            "supplier": f"某生铁供应商（{ILLUSTRATIVE}）",
            "route": "BF",
            "justification": f"供应商未提供核查报告 no verification report from the supplier "
            f"({ILLUSTRATIVE})",
        },
        {
            "id": "PP2",
            "name": "外购板坯 Purchased slabs",
            "cn_code": "72071210",
            "country": "CN",
            "determination": "actual",
            # the supplier's verified actual values: illustrative figures, not a real report
            "see_direct": 2.0,
            "see_indirect": 0.3,
            "electricity_mwh_per_t": 0.5,
            "supplier": f"示例钢铁公司（{ILLUSTRATIVE}）",
            "supplier_installation": f"示例高炉-转炉厂（{ILLUSTRATIVE}）",
            "route": "BF-BOF",
        },
    ],
}
ABOUT = (
    "示例：电炉钢厂 EU CBAM 设施数据（全部为示意数据） / Example: EU CBAM data of an EAF steel plant "
    "(all installation figures are illustrative)",
    "EAF steelmaking P1 (100 000 t slabs) charges 20 000 t of purchased pig iron PP1 at the CBAM "
    "default value for China; hot rolling P2 (95 000 t coil) rolls 90 000 t of P1 slabs and "
    "9 000 t of slabs PP2 bought with the supplier's actual values (illustrative).",
    "Default values and the electricity factor (MEE/NBS 2023, D.4(b)) are NOT in this file: greenmfg "
    "reads them from its reference data when the report runs.",
    "Run: greenmfg cbam report examples/cbam_steel_installation.xlsx --year 2026 --out cbam.xlsx",
    "Written by examples/make_cbam_example.py; sheets and columns as `greenmfg cbam template` "
    "(see sheet Read-me).",
)


def _fill(ws: Any, rows: list[dict[str, Any]]) -> None:
    keys = [str(c.value).split()[-1] for c in ws[1]]
    for k, row in enumerate(rows, start=2):
        unknown = set(row) - set(keys)
        if unknown:
            raise KeyError(f"sheet {ws.title}: no column {sorted(unknown)}")
        for j, key in enumerate(keys, start=1):
            if key in row:
                ws.cell(row=k, column=j).value = row[key]


def build() -> Workbook:
    """The template, filled in with the example."""
    from greenmfg.io.cbam_input import cbam_template_xlsx

    wb = load_workbook(io.BytesIO(cbam_template_xlsx("zh")))
    ws = wb["Installation"]
    for r in range(2, ws.max_row + 1):
        key = str(ws.cell(row=r, column=1).value).split()[-1]
        if key in INSTALLATION:
            ws.cell(row=r, column=2).value = INSTALLATION[key]
    for sheet, rows in SHEETS.items():
        _fill(wb[sheet], rows)
    about = wb.create_sheet("示例说明 About", 0)
    for line in ABOUT:
        about.append([line])
    about.cell(row=1, column=1).font = Font(bold=True, size=13)
    about.column_dimensions["A"].width = 120
    for row in about.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    wb.active = 0
    wb.properties.creator = "greenmfg examples/make_cbam_example.py"
    return wb


def main() -> None:
    sys.path.insert(0, str(HERE))
    from make_examples import save_reproducible  # fixed timestamps, shared with the others

    path = HERE / NAME
    save_reproducible(build(), path)
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()

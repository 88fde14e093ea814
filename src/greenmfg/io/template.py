"""A blank, bilingual activity workbook for a plant's energy manager to fill in.

The first sheet, ``activities``, has one header cell per column written ``"<中文标签> <english_key>"``
(e.g. ``站点 site``); a reader takes the English key as the last whitespace-separated token of the
cell, so the format must stay exactly like that. Drop-down lists (kinds, catalogue items, common
units, regions) reference ranges on the hidden sheet ``lists``; ``说明 instructions`` explains every
column and kind in Chinese and English, and ``项目 items`` lists the reference catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from greenmfg.accounting.activities import KINDS, MEASURED_COLUMNS
from greenmfg.reference.model import ReferenceData

__all__ = [
    "ACTIVITIES_SHEET",
    "COMMON_UNITS",
    "INSTRUCTIONS_SHEET",
    "ITEMS_SHEET",
    "LISTS_SHEET",
    "TEMPLATE_ROWS",
    "TemplateColumn",
    "template_columns",
    "write_template",
]

ACTIVITIES_SHEET = "activities"
LISTS_SHEET = "lists"
INSTRUCTIONS_SHEET = "说明 instructions"
ITEMS_SHEET = "项目 items"
TEMPLATE_ROWS = 5000  # data validations cover rows 2..TEMPLATE_ROWS

COMMON_UNITS: tuple[str, ...] = (
    "t",
    "kg",
    "万t",
    "10^4 Nm3",
    "万Nm3",
    "Nm3",
    "m3",
    "kWh",
    "MWh",
    "万kWh",
    "GJ",
    "MJ",
    "tce",
    "重量箱",
    "piece",
)

# kind -> (中文, English explanation)
KIND_TEXT: dict[str, tuple[str, str]] = {
    "fuel": (
        "燃料燃烧（化石燃料及生物质燃料消耗量）",
        "fuel burned on site (fossil fuels and biomass), as consumed",
    ),
    "electricity": ("外购电力（电网电力）", "electricity bought from the grid"),
    "heat": ("外购热力（蒸汽、热水）", "heat bought (steam, hot water)"),
    "process": (
        "工业生产过程（碳酸盐分解、熟料、阳极、还原剂等）",
        "industrial process inputs (carbonates, clinker, anodes, reducing agents …)",
    ),
    "green_electricity": (
        "绿色电力：绿证或绿电交易合同，抵扣同一站点同一年份的外购电网电力（市场法）",
        "green-electricity certificates or contracts, claimed against the same site-year's grid "
        "electricity (market-based scope 2)",
    ),
    "production": (
        "产品产量（用于计算单位产品能耗与排放强度）",
        "production output (for energy and emission intensities per unit of product)",
    ),
    "electricity_export": (
        "输出电力（填正数）",
        "electricity supplied to others (positive amount)",
    ),
    "heat_export": ("输出热力（填正数）", "heat supplied to others (positive amount)"),
    "co2_recovery": ("CO2回收利用量（外供）", "CO2 recovered and supplied for use outside"),
}


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    """One column of the ``activities`` sheet."""

    key: str
    label_zh: str
    label_en: str
    unit: str
    required: bool = False

    @property
    def header(self) -> str:
        """The header cell: Chinese label, a space, the English key (the key is the last token)."""
        return f"{self.label_zh} {self.key}"


_BASE_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("site", "站点", "site, plant or facility name", "", True),
    TemplateColumn("year", "年份", "data year (e.g. 2022)", "", True),
    TemplateColumn("kind", "类别", "kind of activity (drop-down, see the kinds below)", "", True),
    TemplateColumn("item", "项目", "item id from the catalogue (sheet 项目 items)", "", True),
    TemplateColumn(
        "amount",
        "数量",
        "amount consumed, bought, produced or exported; never negative",
        "in the unit column",
        True,
    ),
    TemplateColumn("unit", "单位", "unit of the amount (e.g. t, 10^4 Nm3, MWh, GJ)", "", True),
    TemplateColumn(
        "region",
        "地区",
        "province or grid region of purchased electricity or heat (e.g. 江苏 / 江苏省 / "
        "320000 / grid_east); empty: national average",
        "",
    ),
)
_NOTE_COLUMN = TemplateColumn("note", "备注", "free text, not used in the calculation", "")


_UNIT_EXAMPLES = {"ncv": "GJ/t, GJ/(10^4 Nm3)", "emission_factor": "tCO2/MWh, tCO2/GJ, tCO2/t"}


def _unit_label_zh(label_zh: str) -> str:
    return label_zh.split("(")[0].split("（")[0].strip() + "单位"


def template_columns() -> tuple[TemplateColumn, ...]:
    """The columns of the ``activities`` sheet in order: base columns, measured columns each
    followed by its unit column where it has one, then ``note``."""
    cols = list(_BASE_COLUMNS)
    for mc in MEASURED_COLUMNS:
        unit = "%" if mc.unit == "percent" else mc.unit or f"in {mc.unit_column}"
        cols.append(TemplateColumn(mc.name, mc.label_zh, mc.label_en, unit))
        if mc.unit_column:
            cols.append(
                TemplateColumn(
                    mc.unit_column,
                    _unit_label_zh(mc.label_zh),
                    f"unit of {mc.name} (e.g. {_UNIT_EXAMPLES.get(mc.name, '')})",
                    "",
                )
            )
    cols.append(_NOTE_COLUMN)
    return tuple(cols)


# ---- styles -----------------------------------------------------------------------------------
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FFD966")
_REQUIRED_FONT = Font(bold=True, color="9C0006")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _text_width(text: object) -> int:
    """Display width of ``text``: CJK and full-width characters count double."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text or ""))


def _set_widths(
    ws: Worksheet, rows: Sequence[Sequence[object]], cap: int = 60, floor: int = 8
) -> None:
    widths: dict[int, int] = {}
    for row in rows:
        for j, value in enumerate(row, 1):
            widths[j] = max(widths.get(j, 0), _text_width(value))
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = max(floor, min(cap, w + 2))


def _header(ws: Worksheet, row: int, values: Sequence[str]) -> None:
    for j, value in enumerate(values, 1):
        cell = ws.cell(row=row, column=j, value=value)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _BORDER


# ---- sheets -----------------------------------------------------------------------------------
def _region_choices(ref: ReferenceData) -> list[str]:
    provinces = [r.name_zh for r in ref.regions.values() if r.level == "province"]
    grids = [r.code for r in ref.regions.values() if r.level == "grid"]
    nation = [r.code for r in ref.regions.values() if r.level == "nation"]
    return provinces + grids + nation


def _write_lists(ws: Worksheet, lists: dict[str, list[str]]) -> dict[str, str]:
    """Write each list in its own column (header in row 1) and return key -> absolute range."""
    ranges: dict[str, str] = {}
    for j, (key, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=key).font = _BOLD
        for i, value in enumerate(values, 2):
            ws.cell(row=i, column=j, value=value)
        ranges[key] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _write_activities(
    ws: Worksheet, columns: Sequence[TemplateColumn], ranges: dict[str, str]
) -> None:
    for j, col in enumerate(columns, 1):
        cell = ws.cell(row=1, column=j, value=col.header)
        cell.border = _BORDER
        if col.required:
            cell.font = _REQUIRED_FONT
            cell.fill = _REQUIRED_FILL
            note = f"必填 required\n{col.label_en}"
        else:
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            note = f"选填 optional\n{col.label_en}"
        if col.unit:
            note += f"\n单位 unit: {col.unit}"
        cell.comment = Comment(note, "greenmfg", width=260, height=110)
        width = max(_text_width(col.header) + 3, 10)
        if col.key in ("item", "region", "note", "site"):
            width = max(width, 18)
        ws.column_dimensions[get_column_letter(j)].width = min(width, 40)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 20

    letter = {col.key: get_column_letter(j) for j, col in enumerate(columns, 1)}

    def span(key: str) -> str:
        return f"{letter[key]}2:{letter[key]}{TEMPLATE_ROWS}"

    def add(dv: DataValidation, key: str) -> None:
        dv.add(span(key))
        ws.add_data_validation(dv)

    add(
        DataValidation(
            type="list",
            formula1=ranges["kind"],
            allow_blank=True,
            showDropDown=False,
            errorStyle="stop",
            errorTitle="类别 kind",
            error="请从下拉列表选择 / choose a kind from the list",
            promptTitle="类别 kind",
            prompt="fuel, electricity, heat, process …",
            showErrorMessage=True,
            showInputMessage=True,
        ),
        "kind",
    )
    # custom product ids are accepted for kind 'production', so items only warn
    add(
        DataValidation(
            type="list",
            formula1=ranges["item"],
            allow_blank=True,
            errorStyle="warning",
            errorTitle="项目 item",
            error="不在项目目录中（产品可用自定义编号）/ not in the catalogue "
            "(custom product ids are allowed)",
            showErrorMessage=True,
        ),
        "item",
    )
    # any unit pint understands is accepted; the list offers the common ones
    add(
        DataValidation(
            type="list",
            formula1=ranges["unit"],
            allow_blank=True,
            errorStyle="warning",
            errorTitle="单位 unit",
            error="不是常用单位，请确认 / not a common unit, please check",
            showErrorMessage=True,
        ),
        "unit",
    )
    # short names (江苏), codes (320000) and English names are accepted too
    add(
        DataValidation(
            type="list",
            formula1=ranges["region"],
            allow_blank=True,
            errorStyle="information",
            errorTitle="地区 region",
            error="也可填写简称、行政区划代码或区域电网 / short names, GB/T 2260 codes and grid "
            "regions are accepted too",
            showErrorMessage=True,
        ),
        "region",
    )
    add(
        DataValidation(
            type="whole",
            operator="between",
            formula1="1990",
            formula2="2100",
            allow_blank=True,
            errorStyle="stop",
            errorTitle="年份 year",
            error="请填写四位年份 / enter a four-digit year",
            showErrorMessage=True,
        ),
        "year",
    )
    add(
        DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            errorStyle="stop",
            errorTitle="数量 amount",
            error="数量不能为负；输出请用 electricity_export / heat_export 类别 / amounts are "
            "never negative; use the export kinds",
            showErrorMessage=True,
        ),
        "amount",
    )
    for mc in MEASURED_COLUMNS:
        if mc.unit == "percent":
            add(
                DataValidation(
                    type="decimal",
                    operator="between",
                    formula1="0",
                    formula2="100",
                    allow_blank=True,
                    errorStyle="stop",
                    errorTitle=mc.name,
                    error="以百分数填写（98 而非 0.98）/ in percent (98, not 0.98)",
                    showErrorMessage=True,
                ),
                mc.name,
            )


def _write_instructions(ws: Worksheet, columns: Sequence[TemplateColumn]) -> None:
    ws.cell(
        row=1, column=1, value="活动数据填报说明 Activity data template – instructions"
    ).font = _TITLE
    general = [
        (
            "每一行为一条记录：一个站点、一个年份、一个项目的一个数量。",
            "One row is one record: one site, one year, one item, one amount.",
        ),
        (
            "请在 activities 工作表第2行起填写；不要修改第1行表头（程序按表头最后一个词识别列）。",
            "Fill in the sheet 'activities' from row 2; do not change row 1 (columns are recognised by "
            "the last word of the header).",
        ),
        (
            "黄色表头为必填列：site, year, kind, item, amount, unit。",
            "Yellow headers are required: site, year, kind, item, amount, unit.",
        ),
        (
            "数量永远不为负：输出电力、输出热力、CO2回收使用各自的类别（electricity_export, heat_export, "
            "co2_recovery），程序自动扣减。",
            "Amounts are never negative: exports and recovery use their own kinds (electricity_export, "
            "heat_export, co2_recovery) and are deducted automatically.",
        ),
        (
            "填写实测值时，实测值替代该行的缺省因子；未填写则使用参考数据中的缺省值。",
            "A measured value on a row overrides the default factor for that row; empty cells use the "
            "defaults of the reference data.",
        ),
        (
            "百分数列以 % 填写：98 表示 98%，不要填 0.98。",
            "Percent columns are in %: write 98 for 98 %, not 0.98.",
        ),
        (
            "地区可填省份全称或简称（江苏省 / 江苏）、行政区划代码（320000）或区域电网（grid_east）；"
            "外购电力不填地区时采用全国平均因子。",
            "Region accepts the province name, full or short (江苏省 / 江苏), its GB/T 2260 code "
            "(320000) or a grid region (grid_east); purchased electricity without a region uses the "
            "national average.",
        ),
        (
            "绿证/绿电（green_electricity）按同一站点同一年份的外购电网电力抵扣（市场法），超出外购电量时报错。",
            "Green certificates/contracts (green_electricity) are claimed against the same site-year's "
            "grid electricity (market-based); claiming more than was bought is an error.",
        ),
        (
            "项目编号见“项目 items”工作表；产品产量（production）可使用自定义编号（小写字母、数字、下划线）。",
            "Item ids are listed on the sheet '项目 items'; production may use a custom id (lower-case "
            "letters, digits, underscores).",
        ),
    ]
    r = 3
    ws.cell(row=r, column=1, value="总则 General").font = _BOLD
    r += 1
    for zh, en in general:
        ws.cell(row=r, column=1, value=zh).alignment = _WRAP
        ws.cell(row=r, column=2, value=en).alignment = _WRAP
        r += 1

    r += 1
    ws.cell(row=r, column=1, value="列说明 Columns").font = _BOLD
    r += 1
    _header(ws, r, ["列（表头）column header", "说明 meaning", "单位 unit", "必填 required"])
    r += 1
    for col in columns:
        row = [col.header, col.label_en, col.unit, "是 yes" if col.required else "否 no"]
        for j, value in enumerate(row, 1):
            ws.cell(row=r, column=j, value=value).alignment = _WRAP
        if col.required:
            ws.cell(row=r, column=1).fill = _REQUIRED_FILL
        r += 1

    r += 1
    ws.cell(row=r, column=1, value="类别 Kinds").font = _BOLD
    r += 1
    _header(ws, r, ["类别 kind", "中文说明", "English"])
    r += 1
    for kind in KINDS:
        zh, en = KIND_TEXT.get(kind, ("", ""))
        for j, value in enumerate((kind, zh, en), 1):
            ws.cell(row=r, column=j, value=value).alignment = _WRAP
        r += 1

    r += 1
    ws.cell(row=r, column=1, value="示例 Example rows").font = _BOLD
    r += 1
    example_cols = ["site", "year", "kind", "item", "amount", "unit", "region", "ncv", "ncv_unit"]
    _header(ws, r, example_cols)
    r += 1
    examples: list[list[object]] = [
        ["A厂", 2022, "fuel", "natural_gas", 120.5, "10^4 Nm3", "", "", ""],
        ["A厂", 2022, "fuel", "raw_coal", 3000, "t", "", 21.5, "GJ/t"],
        ["A厂", 2022, "electricity", "grid_electricity", 15000, "MWh", "江苏", "", ""],
        ["A厂", 2022, "green_electricity", "green_certificate", 2000, "MWh", "", "", ""],
        ["A厂", 2022, "process", "limestone", 800, "t", "", "", ""],
        ["A厂", 2022, "production", "cement", 500000, "t", "", "", ""],
    ]
    for ex in examples:
        for j, value in enumerate(ex, 1):
            ws.cell(row=r, column=j, value=value)
        r += 1

    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 28
    ws.column_dimensions["D"].width = 14
    for extra in range(5, len(example_cols) + 1):
        ws.column_dimensions[get_column_letter(extra)].width = 12


def _write_items(ws: Worksheet, ref: ReferenceData) -> None:
    header = [
        "项目编号 item",
        "类别 kind",
        "中文名 name_zh",
        "English name",
        "缺省单位 default_unit",
        "计算方法 method",
    ]
    _header(ws, 1, header)
    rows: list[list[str]] = [header]
    for i, spec in enumerate(ref.items.values(), 2):
        row = [spec.item, spec.kind, spec.name_zh, spec.name_en, spec.default_unit, spec.method]
        rows.append(row)
        for j, value in enumerate(row, 1):
            ws.cell(row=i, column=j, value=value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows)}"
    _set_widths(ws, rows)


def write_template(path: str | Path, ref: ReferenceData) -> None:
    """Write a blank activity workbook to ``path`` (``.xlsx``).

    Sheets: ``activities`` (header row, drop-downs for kind, item, unit and region on rows
    2..5000), ``说明 instructions``, ``项目 items`` (the catalogue of ``ref``) and the hidden
    ``lists`` holding the drop-down values.
    """
    columns = template_columns()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = ACTIVITIES_SHEET
    instructions = wb.create_sheet(INSTRUCTIONS_SHEET)
    items = wb.create_sheet(ITEMS_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)

    ranges = _write_lists(
        lists,
        {
            "kind": list(KINDS),
            "item": list(ref.items),
            "unit": list(COMMON_UNITS),
            "region": _region_choices(ref),
        },
    )
    lists.sheet_state = "hidden"

    _write_activities(ws, columns, ranges)
    _write_instructions(instructions, columns)
    _write_items(items, ref)
    wb.active = 0
    wb.save(Path(path))

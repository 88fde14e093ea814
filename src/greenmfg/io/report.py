"""An inventory as a readable Excel workbook: summary, sources, sites, factors and per-record lines.

Labels are bilingual: Chinese first with the English after it (``lang="zh"``), or English first
(``lang="en"``). The workbook is written in openpyxl's write-only (streaming) mode so that the lines
sheet of a large inventory costs little memory; at most :data:`MAX_LINES` lines are written, and the
summary says when the rest were left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from greenmfg.accounting.activities import MEASURED_COLUMNS
from greenmfg.accounting.flags import FLAG_TEXT, Flag, describe
from greenmfg.accounting.inventory import Inventory
from greenmfg.reference.model import Factor

__all__ = [
    "FACTORS_SHEET",
    "LINES_SHEET",
    "MAX_LINES",
    "SITES_SHEET",
    "SOURCES_SHEET",
    "SUMMARY_SHEET",
    "write_inventory_xlsx",
]

SUMMARY_SHEET = "汇总 summary"
SOURCES_SHEET = "按排放源 by source"
SITES_SHEET = "按站点 by site"
FACTORS_SHEET = "因子来源 factors"
LINES_SHEET = "明细 lines"
MAX_LINES = 100_000

FMT_T = "#,##0.000"  # tCO2e, tce, t
FMT_INT = "0"
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WARN_FONT = Font(bold=True, color="9C0006")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNVERIFIED_FILL = PatternFill("solid", fgColor="F8CBAD")  # orange
_SECONDARY_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow
_WARN_FILL = PatternFill("solid", fgColor="FCE4D6")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

# headline totals: key -> (中文, English, unit)
TOTALS_LABELS: dict[str, tuple[str, str, str]] = {
    "total_tco2e": ("排放总量（基于位置）", "Total emissions (location-based)", "tCO2e"),
    "total_market_tco2e": ("排放总量（基于市场）", "Total emissions (market-based)", "tCO2e"),
    "scope1_tco2e": ("直接排放（范围一）", "Scope 1 (direct)", "tCO2e"),
    "scope2_location_tco2e": (
        "外购能源间接排放（范围二，基于位置）",
        "Scope 2 (location-based)",
        "tCO2e",
    ),
    "scope2_market_tco2e": (
        "外购能源间接排放（范围二，基于市场）",
        "Scope 2 (market-based)",
        "tCO2e",
    ),
    "exported_tco2e": (
        "输出电力、热力对应排放",
        "Emissions of exported electricity and heat",
        "tCO2e",
    ),
    "recovered_tco2e": ("CO2回收利用量", "CO2 recovered and supplied", "tCO2e"),
    "biogenic_co2_t": ("生物质燃烧CO2（单独报告）", "Biogenic CO2 (reported separately)", "tCO2"),
    "energy_tce": ("综合能源消费量", "Comprehensive energy consumption", "tce"),
}


class _Sheet:
    """Rows of one sheet prepared in memory, then streamed with widths and frozen panes set."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rows: list[list[Any]] = []
        self.widths: dict[int, int] = {}

    def label(self, zh: str, en: str) -> str:
        if not zh:
            return en
        if not en:
            return zh
        return f"{zh} {en}" if self.lang == "zh" else f"{en} {zh}"

    def add(
        self,
        values: Sequence[Any],
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        formats: dict[int, str] | None = None,
        measure: bool = True,
    ) -> None:
        row: list[Any] = []
        for j, value in enumerate(values):
            v = _value(value)
            fmt = formats.get(j) if formats else None
            if font is not None or fill is not None or fmt is not None or _is_formula_like(v):
                row.append(_cell(v, font=font, fill=fill, fmt=fmt))
            else:
                row.append(v)
            if measure:
                w = _text_width(v if not isinstance(v, float) else f"{v:,.3f}")
                self.widths[j + 1] = max(self.widths.get(j + 1, 0), w)
        self.rows.append(row)

    def header(self, values: Sequence[str]) -> None:
        self.add(values, font=_BOLD, fill=_HEADER_FILL)

    def blank(self) -> None:
        self.rows.append([])

    def write(
        self,
        ws: WriteOnlyWorksheet,
        *,
        freeze: str | None = None,
        cap: int = 60,
        fixed: dict[int, int] | None = None,
    ) -> None:
        for j, w in self.widths.items():
            width = (fixed or {}).get(j, max(8, min(cap, w + 2)))
            ws.column_dimensions[get_column_letter(j)].width = width
        if freeze:
            ws.freeze_panes = freeze
        for row in self.rows:
            ws.append([_bind(ws, v) for v in row])


# ---- values and cells -------------------------------------------------------------------------
def _value(value: Any) -> Any:
    """A value openpyxl can store: Python scalars, NaN/inf as empty, control characters removed."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return _ILLEGAL.sub("", str(value))


def _is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


class _PendingCell:
    """Style and value of a cell not yet bound to a worksheet (write-only cells need the sheet)."""

    __slots__ = ("fill", "fmt", "font", "value")

    def __init__(
        self, value: Any, font: Font | None, fill: PatternFill | None, fmt: str | None
    ) -> None:
        self.value = value
        self.font = font
        self.fill = fill
        self.fmt = fmt


def _cell(
    value: Any, *, font: Font | None = None, fill: PatternFill | None = None, fmt: str | None = None
) -> _PendingCell:
    return _PendingCell(value, font, fill, fmt)


def _bind(ws: WriteOnlyWorksheet, v: Any) -> Any:
    if not isinstance(v, _PendingCell):
        return v
    c = WriteOnlyCell(ws, value=v.value)
    if _is_formula_like(v.value):
        c.data_type = "s"  # text from the data, never a formula
    if v.font is not None:
        c.font = v.font
    if v.fill is not None:
        c.fill = v.fill
    if v.fmt is not None:
        c.number_format = v.fmt
    return c


def _text_width(text: object) -> int:
    """Display width: CJK and full-width characters count double."""
    if text is None:
        return 0
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text))


def confidence_fill(confidence: str) -> PatternFill | None:
    if confidence == "unverified":
        return _UNVERIFIED_FILL
    if confidence == "secondary":
        return _SECONDARY_FILL
    return None


# ---- sheets -----------------------------------------------------------------------------------
def _summary(inv: Inventory, s: _Sheet, lines_written: int) -> None:
    L = s.label
    s.add(
        [L("温室气体排放与能源消费核算报告", "Greenhouse-gas and energy inventory")],
        font=_TITLE,
        measure=False,
    )
    s.blank()
    s.header([L("项目", "Item"), L("内容", "Value"), "", L("键", "key")])
    meta: list[tuple[str, str, Any, str]] = [
        ("核算方法", "Method", f"{inv.method.title} ({inv.method.name})", "method"),
        ("全球变暖潜势", "GWP set", inv.gwp_set, "gwp_set"),
        ("能源折算基准", "Energy basis", inv.energy_basis, "energy_basis"),
        ("电网排放因子序列", "Grid-factor series", inv.grid_series, "grid_series"),
        ("参考数据版本", "Reference edition", inv.reference_edition, "reference_edition"),
        ("程序版本", "Engine version", inv.engine_version, "engine_version"),
        ("记录数", "Records", len(inv), "records"),
        ("明细行数", "Lines written", lines_written, "lines_written"),
    ]
    for zh, en, value, key in meta:
        s.add([L(zh, en), value, "", key], formats={1: FMT_INT} if isinstance(value, int) else None)
    if lines_written < len(inv):
        s.add(
            [
                L(
                    f"注意：明细表只写入前 {lines_written:,} 行（共 {len(inv):,} 行）",
                    f"Note: the lines sheet holds only the first {lines_written:,} of {len(inv):,} "
                    "lines",
                )
            ],
            font=_WARN_FONT,
            fill=_WARN_FILL,
            measure=False,
        )

    s.blank()
    s.add([L("主要结果", "Headline figures")], font=_BOLD, measure=False)
    s.header([L("指标", "Indicator"), L("数值", "Value"), L("单位", "Unit"), L("键", "key")])
    for key, value in inv.totals().items():
        zh, en, unit = TOTALS_LABELS.get(key, ("", key, ""))
        s.add([L(zh, en), value, unit, key], formats={1: FMT_T})

    s.blank()
    s.add([L("按温室气体", "By gas")], font=_BOLD, measure=False)
    s.header([L("气体", "Gas"), L("排放量 (t)", "Mass (t)"), "GWP", L("二氧化碳当量", "tCO2e")])
    for gas, rec in inv.by_gas().items():
        s.add([gas, rec["t"], rec["gwp"], rec["tco2e"]], formats={1: FMT_T, 3: FMT_T})

    factors = inv.factors_used()
    unverified = [f for f in factors if f.source.confidence == "unverified"]
    if unverified:
        s.blank()
        s.add(
            [
                L(
                    f"警告：使用了 {len(unverified)} 个未经核实的因子（见“因子来源”表）",
                    f"Warning: {len(unverified)} unverified factor(s) used (see the factors sheet)",
                )
            ],
            font=_WARN_FONT,
            fill=_WARN_FILL,
            measure=False,
        )
        s.header(
            [L("因子编号", "Factor id"), L("数值", "Value"), L("单位", "Unit"), L("来源", "Source")]
        )
        for f in unverified:
            s.add([f.id, f.value, f.unit, f.source.label()], fill=_UNVERIFIED_FILL)

    quality = inv.quality_summary()
    s.blank()
    s.add([L("数据质量标记", "Data-quality flags")], font=_BOLD, measure=False)
    s.header([L("标记", "Flag"), L("行数", "Lines"), L("说明", "Meaning"), ""])
    if not quality:
        s.add([L("无", "none"), 0])
    for name, count in quality.items():
        text = FLAG_TEXT.get(Flag[name], ("", "")) if name in Flag.__members__ else ("", "")
        s.add([name, count, L(*text)])


def _by_source(inv: Inventory, s: _Sheet) -> None:
    L = s.label
    s.header(
        [
            "code",
            "类别名称 label_zh",
            "category label_en",
            L("范围", "Scope"),
            L("计入方式", "Sign"),
            L("排放量（基于位置）", "tCO2e location"),
            L("排放量（基于市场）", "tCO2e market"),
            L("计入总量", "tCO2e counted"),
        ]
    )
    fmts = {5: FMT_T, 6: FMT_T, 7: FMT_T}
    total = [0.0, 0.0]
    for rec in inv.by_category():
        scope = rec["scope"] if rec["scope"] is not None else L("备忘项", "memo")
        s.add(
            [
                rec["category"],
                rec["label_zh"],
                rec["label_en"],
                scope,
                rec["sign"],
                rec["tco2e"],
                rec["tco2e_market"],
                rec["counted_tco2e"],
            ],
            formats=fmts,
        )
        total[0] += rec["counted_tco2e"]
        total[1] += rec["sign"] * rec["tco2e_market"]
    s.add(["", L("合计", "Total"), "", "", "", None, total[1], total[0]], font=_BOLD, formats=fmts)


def _by_site(inv: Inventory, s: _Sheet) -> None:
    L = s.label
    s.header(
        [
            L("站点", "Site"),
            L("年份", "Year"),
            L("排放总量", "Total tCO2e"),
            L("排放总量（市场法）", "Total market tCO2e"),
            L("范围一", "Scope 1 tCO2e"),
            L("范围二（位置）", "Scope 2 location tCO2e"),
            L("范围二（市场）", "Scope 2 market tCO2e"),
            L("生物质CO2 (t)", "Biogenic CO2 t"),
            L("综合能耗 (tce)", "Energy tce"),
        ]
    )
    fmts = {j: FMT_T for j in range(2, 9)}
    for r in inv.by_site():
        s.add(
            [
                r["site"],
                r["year"],
                r["total_tco2e"],
                r["total_market_tco2e"],
                r["scope1_tco2e"],
                r["scope2_location_tco2e"],
                r["scope2_market_tco2e"],
                r["biogenic_co2_t"],
                r["energy_tce"],
            ],
            formats=fmts,
        )

    s.blank()
    s.add([L("按能源品种", "Energy by carrier")], font=_BOLD, measure=False)
    s.header(
        [
            L("站点", "Site"),
            L("年份", "Year"),
            L("类别", "Kind"),
            L("项目", "Item"),
            L("单位", "Unit"),
            L("实物量", "Amount"),
            L("折标准煤 (tce)", "Energy tce"),
        ]
    )
    for r in inv.energy_by_carrier():
        s.add(
            [r["site"], r["year"], r["kind"], r["item"], r["unit"], r["amount"], r["energy_tce"]],
            formats={5: FMT_T, 6: FMT_T},
        )

    intensities = inv.intensities()
    s.blank()
    s.add(
        [L("单位产品能耗与排放强度", "Intensities per unit of product")], font=_BOLD, measure=False
    )
    s.header(
        [
            L("站点", "Site"),
            L("年份", "Year"),
            L("产品", "Product"),
            L("产量", "Output"),
            L("单位", "Unit"),
            L("单位产品能耗 (tce)", "tce per unit"),
            L("单位产品能耗 (kgce)", "kgce per unit"),
            L("单位产品排放 (tCO2e)", "tCO2e per unit"),
        ]
    )
    if not intensities:
        s.add([L("无产品产量记录", "no production records")], measure=False)
    for r in intensities:
        s.add(
            [
                r["site"],
                r["year"],
                r["product"],
                r["output"],
                r["unit"],
                r["energy_tce_per_unit"],
                r["kgce_per_unit"],
                r["tco2e_per_unit"],
            ],
            formats={3: FMT_T, 5: "#,##0.000000", 6: FMT_T, 7: "#,##0.000000"},
        )


def _factors(inv: Inventory, s: _Sheet) -> None:
    L = s.label
    s.header(
        [
            L("因子编号", "id"),
            L("参数", "parameter"),
            L("数值", "value"),
            L("单位", "unit"),
            L("来源文件", "source document"),
            L("版本", "edition"),
            L("条款/表", "clause"),
            L("可信度", "confidence"),
            L("备注", "notes"),
        ]
    )
    for f in inv.factors_used():
        _factor_row(s, f)
    s.blank()
    s.add([L("核算公式", "Formulas")], font=_BOLD, measure=False)
    s.header(
        [
            L("公式编号", "formula id"),
            L("表达式", "expression"),
            L("来源", "source"),
            L("可信度", "confidence"),
            L("备注", "notes"),
        ]
    )
    for fid, f in sorted(inv.formulas.items()):
        s.add(
            [fid, f.parameter, f.source.label(), f.source.confidence, f.source.notes],
            fill=confidence_fill(f.source.confidence),
        )
    s.blank()
    s.add(
        [
            L(
                "橙色：可信度 unverified（未核实）；浅黄色：secondary（二手来源）",
                "Orange: confidence 'unverified'; light yellow: 'secondary'",
            )
        ],
        measure=False,
    )


def _factor_row(s: _Sheet, f: Factor) -> None:
    src = f.source
    s.add(
        [
            f.id,
            f.parameter,
            f.value,
            f.unit,
            src.document,
            src.edition,
            src.clause,
            src.confidence,
            src.notes,
        ],
        fill=confidence_fill(src.confidence),
    )


def _lines(inv: Inventory, ws: WriteOnlyWorksheet, lang: str, limit: int) -> None:
    def L(zh: str, en: str) -> str:
        return f"{zh} {en}" if lang == "zh" else f"{en} {zh}"

    df = inv.frame()
    t = inv.activities
    n = min(len(inv), limit)
    gas_cols = [c for c in df.columns if c.endswith("_t") and c != "biogenic_co2_t"]
    measured = [c for c in MEASURED_COLUMNS if c.name in t.measured]
    unit_cols = {c.name: c.unit_column for c in measured if c.unit_column in t.measured_units}

    header: list[str] = [
        L("行号", "row"),
        L("站点", "site"),
        L("年份", "year"),
        L("类别", "kind"),
        L("项目", "item"),
        L("数量", "amount"),
        L("单位", "unit"),
        L("地区", "region"),
        L("排放类别", "category"),
        L("排放量（位置）", "tCO2e"),
        L("排放量（市场）", "tCO2e market"),
        L("计入总量", "counted tCO2e"),
    ]
    header += [f"{c[:-2]} (t)" for c in gas_cols]
    header += [L("生物质CO2 (t)", "biogenic CO2 t"), L("综合能耗 (tce)", "energy tce")]
    for c in measured:
        header.append(f"{c.label_zh} {c.name}" if lang == "zh" else f"{c.label_en} {c.name}")
        if c.name in unit_cols:
            header.append(unit_cols[c.name])
    header += [L("因子", "factors"), L("数据质量标记", "flags")]

    widths = [8, 14, 8, 14, 18, 14, 10, 10, 22, 14, 14, 14] + [12] * len(gas_cols) + [14, 14]
    for c in measured:
        widths.append(14)
        if c.name in unit_cols:
            widths.append(12)
    widths += [60, 40]
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = max(
            w, min(40, _text_width(header[j - 1]) + 2)
        )
    ws.freeze_panes = "A2"
    ws.append([_bind(ws, _cell(h, font=_BOLD, fill=_HEADER_FILL)) for h in header])
    if n == 0:
        return
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n + 1}"

    # provenance texts computed once per group and per flag mask, then looked up per line
    group_text = ["; ".join(f.id for f in g.factors) for g in inv.groups]
    flag_text: dict[int, str] = {}
    flags = inv.flags[:n]
    for m in np.unique(flags):
        flag_text[int(m)] = "; ".join(describe(int(m), lang))

    def col(name: str) -> list[Any]:
        return df[name].to_numpy()[:n].tolist()

    text_cols = [col(c) for c in ("row", "site", "year", "kind", "item")]
    amount = col("amount")
    text2 = [col(c) for c in ("unit", "region", "category")]
    num_cols = [
        col(c)
        for c in (
            "tco2e",
            "tco2e_market",
            "counted_tco2e",
            *gas_cols,
            "biogenic_co2_t",
            "energy_tce",
        )
    ]
    meas_cols: list[list[Any]] = []
    for c in measured:
        meas_cols.append(t.measured[c.name][:n].tolist())
        if c.name in unit_cols:
            meas_cols.append(t.measured_units[unit_cols[c.name]][:n].tolist())
    groups = inv.group[:n].tolist()
    flag_list = flags.tolist()

    # one styled cell per numeric column, re-used row after row: write-only rows are serialised
    # as soon as they are appended
    t_cells = [WriteOnlyCell(ws) for _ in range(len(num_cols) + 1)]
    for c in t_cells:
        c.number_format = FMT_T

    def num(cell: WriteOnlyCell, v: float) -> WriteOnlyCell | None:
        if not math.isfinite(v):
            return None
        cell.value = v
        return cell

    def text(v: Any) -> Any:
        if isinstance(v, str):
            if v.startswith("=") or _ILLEGAL.search(v):
                return _bind(ws, _cell(_value(v)))
            return v or None
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    for i in range(n):
        row: list[Any] = [text(c[i]) for c in text_cols]
        row.append(num(t_cells[0], amount[i]))
        row.extend(text(c[i]) for c in text2)
        row.extend(num(t_cells[k + 1], c[i]) for k, c in enumerate(num_cols))
        row.extend(text(c[i]) for c in meas_cols)
        row.append(group_text[groups[i]])
        row.append(flag_text[flag_list[i]] or None)
        ws.append(row)


def write_inventory_xlsx(inv: Inventory, path: str | Path, lang: str = "zh") -> None:
    """Write ``inv`` as a report workbook to ``path`` (``.xlsx``).

    Sheets: ``汇总 summary`` (method, settings, headline totals, gases, unverified factors, quality
    flags), ``按排放源 by source``, ``按站点 by site`` (with energy by carrier and intensities),
    ``因子来源 factors`` (every factor and formula with its source; unverified in orange, secondary
    in light yellow) and ``明细 lines`` (one row per record, the first :data:`MAX_LINES` only).
    ``lang`` ``"zh"`` puts Chinese labels first, ``"en"`` English.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}; expected 'zh' or 'en'")
    lines_written = min(len(inv), MAX_LINES)
    wb = Workbook(write_only=True)

    summary = _Sheet(lang)
    _summary(inv, summary, lines_written)
    summary.write(wb.create_sheet(SUMMARY_SHEET), fixed={1: 44, 2: 40, 3: 12, 4: 24})

    sources = _Sheet(lang)
    _by_source(inv, sources)
    sources.write(wb.create_sheet(SOURCES_SHEET), freeze="A2")

    sites = _Sheet(lang)
    _by_site(inv, sites)
    sites.write(wb.create_sheet(SITES_SHEET), freeze="A2", cap=30)

    factors = _Sheet(lang)
    _factors(inv, factors)
    factors.write(wb.create_sheet(FACTORS_SHEET), freeze="A2", cap=50)

    _lines(inv, wb.create_sheet(LINES_SHEET), lang, MAX_LINES)
    wb.save(Path(path))

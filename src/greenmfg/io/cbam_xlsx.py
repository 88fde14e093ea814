"""A CBAM result as an Excel workbook in the structure of the EU communication template.

The European Commission publishes an Excel "Communication template for installations" with which
operators give embedded-emissions data to EU importers. This module writes a
:class:`greenmfg.footprint.cbam.CbamResult` with the same sheet names and sections, so an importer
or a verifier finds every figure where the template puts it. It is a report in that structure, not
the Commission's file: no formulas, drop-down lists or hidden sheets.

What was sourced. The sheet names and their order, the section numbering and the field labels
come from an analysis of ``CBAM Communication template for installations_en_20241213.xlsx`` (19
sheets) published in the public repository GordanVasilic/CBAMCalc (``CBAM_Template_Analysis.md``
and ``ExcelAnalysis/<sheet>/raw_data.csv``): ``A_InstData`` (1 reporting period, 2 about the
installation i.-xiv., 4 aggregated goods categories and production processes, 5 purchased
precursors), ``D_Processes`` ((a) total production levels, (c) consumed in other production
processes, (g) directly attributable emissions DirEm*, (j) electricity consumption, its emission
factor and the source of the factor), ``E_PurchPrec`` ((a) total purchased levels, (b) consumed in
production processes, (e) i.-v. SEE direct, specific electricity consumption, electricity factor,
SEE indirect, justification for default values), ``Summary_Processes`` (GHG balance; SE/SEE
direct and indirect, electricity consumed, embedded electricity; detailed overview with mass share,
(share of) default value, SEE and EmbEm direct/indirect/total, source of electricity EF, country
code), ``Summary_Products`` and ``Summary_Communication`` (whose tables the template always writes
in English "to avoid translation problems with reporting declarants"; so does this module).

What is greenmfg's own. ``B_EmInst`` and ``C_Emissions&Energy`` hold only a note and the totals of
the production processes (greenmfg's CBAM core takes attributed emissions, not source streams);
the columns "Annex II", "SEE (indirect, CBAM-relevant)" and "SEE (CBAM-relevant)"; the bilingual
labels (Chinese first with ``lang="zh"``, English first with ``lang="en"``; units in brackets in
every header); and the ``Sources`` sheet: every default value used with its document, edition,
clause and confidence (secondary and unverified values coloured), every electricity factor with
its source, the formulas with their clauses and the result's flags. The template's documentation,
code-list, tool, parameter and translation sheets (0_Versions, a_Contents,
b_Guidelines&Conditions, c_CodeLists, F_Tools, G_FurtherGuidance, InputOutput, Parameters_*,
Translations, VersionDocumentation) are not reproduced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from greenmfg.footprint.cbam import (
    ELECTRICITY_EF_SOURCES,
    CbamResult,
    ElectricityFactor,
    GoodResult,
)

__all__ = ["SHEETS", "SOURCES_SHEET", "TEMPLATE_SHEETS", "write_cbam_workbook"]

TEMPLATE_SHEETS = (
    "A_InstData",
    "B_EmInst",
    "C_Emissions&Energy",
    "D_Processes",
    "E_PurchPrec",
    "Summary_Processes",
    "Summary_Products",
    "Summary_Communication",
)
SOURCES_SHEET = "Sources"
SHEETS = (*TEMPLATE_SHEETS, SOURCES_SHEET)

T_PER_T = "tCO2e/t"
FMT_SPEC = "0.0000"  # tCO2e/t, MWh/t, t/t
FMT_T = "#,##0.000"  # t, tCO2e, MWh
FMT_PCT = "0.0%"

_TITLE = Font(bold=True, size=14)
_SECTION = Font(bold=True, size=12)
_BOLD = Font(bold=True)
_WARN = Font(bold=True, color="9C0006")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FILLS = {
    "unverified": PatternFill("solid", fgColor="F8CBAD"),
    "secondary": PatternFill("solid", fgColor="FFF2CC"),
}
_FORMULA_START = ("=", "+", "-", "@")

_CATEGORY_ZH = {
    "cement": "水泥",
    "iron_and_steel": "钢铁",
    "aluminium": "铝",
    "fertilisers": "化肥",
    "hydrogen": "氢",
    "electricity": "电力",
}
_DETERMINATION = {
    "actual": ("实测值（供应商核查数据）", "Actual (supplier's verified data)"),
    "default": ("默认值", "Default value"),
    "exempt": ("欧盟或豁免国家原产，计为零", "Union or exempted origin, counted as zero"),
}


def _safe(value: Any) -> Any:
    """Cells hold values only: NaN as empty, text that looks like a formula quoted."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and len(value) > 1 and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    return value


class _Sheet:
    """Rows appended top to bottom, with bilingual labels and column widths measured."""

    def __init__(self, ws: Worksheet, lang: str) -> None:
        self.ws = ws
        self.lang = lang
        self.widths: dict[int, int] = {}

    def label(self, zh: str, en: str) -> str:
        """``'中文 English'`` (zh) or ``'English 中文'`` (en), as the inventory report."""
        if not zh:
            return en
        return f"{zh} {en}" if self.lang == "zh" else f"{en} {zh}"

    def add(
        self,
        values: Sequence[Any],
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        formats: dict[int, str] | None = None,
        measure: bool = True,
    ) -> int:
        self.ws.append([_safe(v) for v in values])
        r = int(self.ws.max_row)
        for j, v in enumerate(values, start=1):
            cell = self.ws.cell(row=r, column=j)
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if formats and (j - 1) in formats and isinstance(v, int | float):
                cell.number_format = formats[j - 1]
            if isinstance(v, str) and v in _FILLS:
                cell.fill = _FILLS[v]
            if measure and v is not None:
                text = f"{v:,.4f}" if isinstance(v, float) else str(v)
                w = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
                self.widths[j] = max(self.widths.get(j, 0), w)
        return r

    def title(self, text: str, *notes: str) -> None:
        self.add([text], font=_TITLE, measure=False)
        for n in notes:
            self.add([n], measure=False)
        self.blank()

    def section(self, text: str) -> None:
        self.add([text], font=_SECTION, measure=False)

    def header(self, values: Sequence[str]) -> int:
        r = self.add(values, font=_BOLD, fill=_HEADER_FILL)
        for j in range(1, len(values) + 1):
            self.ws.cell(row=r, column=j).alignment = Alignment(wrap_text=True, vertical="top")
        return r

    def blank(self) -> None:
        self.ws.append([])

    def finish(self, cap: int = 60) -> None:
        for j, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(j)].width = max(10, min(cap, w + 2))


def _ef_text(f: ElectricityFactor | None) -> str:
    return f.source_code if f is not None else ""


def _category(s: _Sheet, sector: str) -> str:
    return s.label(_CATEGORY_ZH.get(sector, ""), sector)


# ---- sheets ------------------------------------------------------------------------------------
def _a_instdata(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    inst = r.installation
    s.title(
        L(
            "A_InstData — 基本信息、生产工艺与外购前体",
            "Sheet A_InstData - General information, production processes and purchased precursors",
        ),
        L(
            "由 greenmfg 生成；结构参照欧盟“设施通报模板”。",
            "Written by greenmfg in the structure "
            "of the EU communication template for installations.",
        ),
    )
    s.section(L("1 报告期", "1 Reporting period"))
    s.header([L("项目", "Item"), L("数值", "Value")])
    s.add([L("开始", "Start"), inst.period_start.isoformat() if inst.period_start else None])
    s.add([L("结束", "End"), inst.period_end.isoformat() if inst.period_end else None])
    s.add([L("生产年份（计算用）", "Production year (for the calculation)"), r.year])
    s.blank()
    s.section(L("2 设施信息", "2 About the installation"))
    s.header([L("项目", "Item"), L("数值", "Value")])
    rows: list[tuple[str, str, str, Any]] = [
        ("i.", "设施名称", "Name of the installation (optional)", inst.name),
        ("ii.", "设施名称（英文）", "Name of the installation (English name)", inst.name_en),
        ("iii.", "街道、门牌号", "Street, Number", inst.address),
        ("iv.", "经济活动", "Economic activity", inst.economic_activity),
        ("v.", "邮政编码", "Post code", inst.post_code),
        ("vii.", "城市", "City", inst.city),
        ("viii.", "国家", "Country", inst.country),
        ("ix.", "联合国贸易地点代码", "UNLOCODE", inst.unlocode),
        (
            "x.",
            "主要排放源坐标（纬度）",
            "Coordinates of the main emission source (latitude)",
            inst.latitude,
        ),
        (
            "xi.",
            "主要排放源坐标（经度）",
            "Coordinates of the main emission source (longitude)",
            inst.longitude,
        ),
        ("xii.", "授权代表", "Name of authorized representative", inst.representative),
        ("xiii.", "电子邮件", "Email", inst.email),
        ("xiv.", "电话", "Telephone", inst.telephone),
    ]
    for no, zh, en, value in rows:
        s.add([f"{no} {L(zh, en)}", value])
    for key, value in inst.identifiers:
        s.add([L("标识", "Identifier") + f" ({key})", value])
    s.blank()
    s.section(
        L("4 产品类别与生产工艺", "4 Aggregated goods categories and relevant production processes")
    )
    s.header(
        [
            "ID",
            L("生产工艺", "Production process"),
            L("产品类别", "Aggregated goods category"),
            L("行业", "Sector"),
            L("CN编码", "CN codes"),
            L("生产路线", "Route"),
            L("仅计直接排放（附件II）", "Direct emissions only (Annex II)"),
        ]
    )
    for g in r.goods:
        p = g.process
        s.add(
            [
                p.id,
                p.name,
                p.category,
                _category(s, g.sector),
                ", ".join(p.cn_codes),
                p.route,
                L("是", "yes") if g.annex_ii else L("否", "no"),
            ]
        )
    s.blank()
    s.section(L("5 外购前体", "5 Purchased precursors"))
    s.header(
        [
            "ID",
            L("名称", "Name"),
            L("CN编码", "CN code"),
            L("生产国代码", "Country code"),
            L("生产路线", "Route"),
            L("供应商", "Supplier"),
            L("供应商设施", "Supplier installation"),
            L("数据类型", "Determination"),
        ]
    )
    for pr in r.purchased:
        pp = pr.precursor
        s.add(
            [
                pp.id,
                pp.name,
                pp.cn_code,
                pp.country,
                pp.route,
                pp.supplier,
                pp.supplier_installation,
                L(*_DETERMINATION[pp.determination]),
            ]
        )


def _b_eminst(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    s.title(
        L("B_EmInst — 排放源与源流", "Sheet B_EmInst - Emission sources and source streams"),
        L(
            "本导出不含源流数据：greenmfg 的 CBAM 计算以各生产工艺的归属排放为输入；燃料、物料"
            "的核算见 greenmfg account。",
            "Source streams are not part of this export: greenmfg's CBAM calculation takes the "
            "emissions attributed to each production process; fuels and materials are accounted "
            "with 'greenmfg account'.",
        ),
    )


def _c_emissions(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    s.title(
        L("C_Emissions&Energy — 排放与能源", "Sheet C_Emissions&Energy - Emissions and energy"),
        L(
            "合计为各生产工艺之和；未归属于CBAM生产工艺的设施排放不在此计算内。",
            "Totals are sums over the production processes; installation emissions not "
            "attributed to CBAM production processes are not known to this calculation.",
        ),
    )
    s.header([L("项目", "Item"), L("单位", "Unit"), L("数值", "Value")])
    elec = sum(g.process.electricity_mwh for g in r.goods)
    s.add(
        [L("直接排放合计", "Total direct emissions"), "tCO2e", r.total_direct_t], formats={2: FMT_T}
    )
    s.add(
        [L("间接排放合计", "Total indirect emissions"), "tCO2e", r.total_indirect_t],
        formats={2: FMT_T},
    )
    s.add(
        [L("排放合计", "Total emissions"), "tCO2e", r.total_direct_t + r.total_indirect_t],
        formats={2: FMT_T},
    )
    s.add([L("耗电量合计", "Total electricity consumed"), "MWh", elec], formats={2: FMT_T})


def _d_processes(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    s.title(
        L(
            "D_Processes — 生产水平与归属排放（用于SEE计算）",
            "Sheet D_Processes - Production level and attributed emissions for SEE calculation",
        )
    )
    names = {g.id: g.process.name for g in r.goods}
    for k, g in enumerate(r.goods, start=1):
        p = g.process
        s.section(f"{k} {L('生产工艺', 'Production process')} {k}: {p.name} ({p.id})")
        s.header([L("项目", "Item"), L("单位", "Unit"), L("数值", "Value"), L("说明", "Note")])
        s.add(
            [
                "(a) "
                + L(
                    "总产量（SEE计算的分母）",
                    "Total production levels (= denominator for SEE calculation)",
                ),
                "t",
                p.activity_level_t,
                p.route,
            ],
            formats={2: FMT_T},
        )
        s.add(["    " + L("CN编码", "CN codes"), "-", ", ".join(p.cn_codes), p.category])
        s.add(
            [
                "(c) "
                + L(
                    "被设施内其他生产工艺消耗",
                    "Consumed in other 'production processes' within the installation",
                ),
                "t",
                sum(a for _, a in g.consumed_by),
            ],
            formats={2: FMT_T},
        )
        for pid, amount in g.consumed_by:
            s.add([f"    {pid} {names.get(pid, '')}", "t", amount], formats={2: FMT_T})
        s.add(
            [
                "(g) " + L("直接归属排放", "Directly attributable emissions (DirEm*)"),
                "tCO2e",
                g.attributed_direct_t,
            ],
            formats={2: FMT_T},
        )
        f = p.electricity_factor
        s.add(
            [
                "(j) " + L("用电间接排放", "Indirect emissions from electricity consumption"),
                "tCO2e",
                g.attributed_indirect_t,
            ],
            formats={2: FMT_T},
        )
        s.add(
            ["    i. " + L("耗电量", "Electricity consumption"), "MWh", p.electricity_mwh],
            formats={2: FMT_T},
        )
        s.add(
            [
                "    ii. " + L("电力排放因子", "Emission factor of the electricity"),
                "tCO2/MWh",
                f.value if f else None,
                f.note if f else "",
            ],
            formats={2: FMT_SPEC},
        )
        s.add(
            [
                "    iii. " + L("排放因子来源", "Source of the emission factor"),
                "-",
                _ef_text(f),
                f.source if f else "",
            ]
        )
        s.add(
            [
                "(greenmfg) " + L("消耗的前体", "Precursors consumed"),
                "t",
                sum(x.amount_t for x in g.precursors),
            ],
            formats={2: FMT_T},
        )
        for x in g.precursors:
            s.add([f"    {x.precursor} {x.name}", "t", x.amount_t, x.kind], formats={2: FMT_T})
        s.blank()


def _e_purchprec(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    s.title(
        L(
            "E_PurchPrec — 外购前体（用于SEE计算）",
            "Sheet E_PurchPrec - Purchased precursors for SEE calculation",
        )
    )
    if not r.purchased:
        s.add([L("无外购前体", "No purchased precursors")])
    names = {g.id: g.process.name for g in r.goods}
    for k, pr in enumerate(r.purchased, start=1):
        pp = pr.precursor
        s.section(f"{k} {L('外购前体', 'Purchased precursor')} {k}: {pp.name} ({pp.id})")
        s.header([L("项目", "Item"), L("单位", "Unit"), L("数值", "Value"), L("来源", "Source")])
        s.add(
            [
                "(a) "
                + L(
                    "外购总量（设施内消耗）",
                    "Total purchased levels (consumed within the installation)",
                ),
                "t",
                sum(a for _, a in pr.consumed_by),
                f"CN {pp.cn_code}, {pp.country}",
            ],
            formats={2: FMT_T},
        )
        s.add(
            [
                "(b) "
                + L(
                    "被设施内生产工艺消耗",
                    "Consumed in 'production processes' within the installation",
                ),
                "",
                None,
            ]
        )
        for pid, amount in pr.consumed_by:
            s.add([f"    {pid} {names.get(pid, '')}", "t", amount], formats={2: FMT_T})
        source = L(*_DETERMINATION[pp.determination])
        if pr.default is not None:
            d = pr.default
            source += (
                f"; CN {d.row.cn_code} {d.country}, "
                + L("加成", "mark-up")
                + (f" {d.markup_percent:g} %")
            )
        s.add(
            [
                "(e) i. " + L("直接隐含排放", "Specific embedded direct emissions (SEE (direct))"),
                T_PER_T,
                pr.see_direct,
                source,
            ],
            formats={2: FMT_SPEC},
        )
        s.add(
            [
                "    ii. "
                + L("单位耗电量", "Specific electricity consumption (for SEE (indirect))"),
                "MWh/t",
                pp.electricity_mwh_per_t,
            ],
            formats={2: FMT_SPEC},
        )
        s.add(
            [
                "    iv. "
                + L("间接隐含排放", "Specific embedded indirect emissions (SEE (indirect))"),
                T_PER_T,
                pr.see_indirect,
                source,
            ],
            formats={2: FMT_SPEC},
        )
        s.add(
            [
                "    v. "
                + L("使用默认值的理由", "Justification for use of default values (if relevant)"),
                "-",
                pp.justification,
            ]
        )
        s.blank()


def _detail_header(s: _Sheet) -> None:
    L = s.label
    s.header(
        [
            L("项目", "Item"),
            L("产品类别", "Aggregated goods category"),
            L("质量份额", "Mass share") + " [t/t]",
            L("默认值占比", "(Share of) Default value") + " [-]",
            f"SEE {L('直接', 'direct')} [{T_PER_T}]",
            f"SEE {L('间接', 'indirect')} [{T_PER_T}]",
            f"SEE {L('合计', 'total')} [{T_PER_T}]",
            f"EmbEm {L('直接', 'direct')} [tCO2e]",
            f"EmbEm {L('间接', 'indirect')} [tCO2e]",
            f"EmbEm {L('合计', 'total')} [tCO2e]",
            L("电力排放因子来源", "Source of electricity EF"),
            L("隐含电量", "Embedded electricity") + " [MWh/t]",
            L("国家代码", "Country code"),
        ]
    )


def _summary_processes(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    inst = r.installation
    s.title(L("Summary_Processes — 生产工艺汇总", "Summary of production processes"))
    s.section(
        L(
            "1 设施、工艺与生产路线汇总",
            "1 Summary of the installation, processes and production routes",
        )
    )
    s.header([L("项目", "Item"), L("数值", "Value")])
    for zh, en, v in (
        ("设施名称（英文）", "Name of the installation (English name)", inst.name_en or inst.name),
        ("街道、门牌号", "Street, Number", inst.address),
        ("城市", "City", inst.city),
        ("国家", "Country", inst.country),
        ("联合国贸易地点代码", "UNLOCODE", inst.unlocode),
        (
            "报告期开始",
            "Reporting period start",
            inst.period_start.isoformat() if inst.period_start else None,
        ),
        (
            "报告期结束",
            "Reporting period end",
            inst.period_end.isoformat() if inst.period_end else None,
        ),
    ):
        s.add([L(zh, en), v])
    s.blank()
    s.section(
        L(
            "2.1 设施与各生产工艺温室气体平衡",
            "2.1 GHG emissions balance of the installation and all production processes",
        )
    )
    s.header(
        [
            L("生产工艺", "Production process"),
            L("产品类别", "Aggregated goods category"),
            "DirEm* [tCO2e]",
            L("直接排放合计", "Total direct emissions") + " [tCO2e]",
            L("间接排放（如相关）", "Indirect, if relevant") + " [tCO2e]",
            L("活动水平", "Activity level") + " [t]",
        ]
    )
    fm = {2: FMT_T, 3: FMT_T, 4: FMT_T, 5: FMT_T}
    for g in r.goods:
        s.add(
            [
                f"{g.id} {g.process.name}",
                g.process.category,
                g.attributed_direct_t,
                g.attributed_direct_t,
                g.attributed_indirect_t,
                g.activity_level_t,
            ],
            formats=fm,
        )
    s.add(
        [L("合计", "Total"), "", r.total_direct_t, r.total_direct_t, r.total_indirect_t],
        font=_BOLD,
        formats=fm,
    )
    s.blank()
    s.section(
        L("2.2 单位直接与间接（隐含）排放", "2.2 Specific direct and indirect (embedded) emissions")
    )
    s.header(
        [
            L("生产工艺", "Production process"),
            L("产品类别", "Aggregated goods category"),
            f"SE {L('直接', 'direct')} [{T_PER_T}]",
            f"SEE {L('直接', 'direct')} [{T_PER_T}]",
            f"SE {L('间接', 'indirect')} [{T_PER_T}]",
            f"SEE {L('间接', 'indirect')} [{T_PER_T}]",
            L("耗电量", "Electricity consumed") + " [MWh/t]",
            L("隐含电量", "Embedded electricity") + " [MWh/t]",
        ]
    )
    fm = {j: FMT_SPEC for j in range(2, 8)}
    for g in r.goods:
        s.add(
            [
                f"{g.id} {g.process.name}",
                g.process.category,
                g.se_direct,
                g.see_direct,
                g.se_indirect,
                g.see_indirect,
                g.electricity_mwh_per_t,
                g.embedded_electricity_mwh_per_t,
            ],
            formats=fm,
        )
    s.blank()
    s.add([L("(b) 外购前体", "(b) Purchased precursors")], font=_BOLD, measure=False)
    s.header(
        [
            L("外购前体", "Purchased precursor"),
            L("前体类型", "Type of precursor"),
            f"SEE {L('直接', 'direct')} [{T_PER_T}]",
            f"SEE {L('间接', 'indirect')} [{T_PER_T}]",
            L("耗电量", "Electricity consumed") + " [MWh/t]",
        ]
    )
    for pr in r.purchased:
        s.add(
            [
                f"{pr.precursor.id} {pr.precursor.name}",
                _category(s, pr.sector),
                pr.see_direct,
                pr.see_indirect,
                pr.precursor.electricity_mwh_per_t,
            ],
            formats={2: FMT_SPEC, 3: FMT_SPEC, 4: FMT_SPEC},
        )
    s.blank()
    s.section(L("3 各生产工艺详细概览", "3 Detailed overview of each production process"))
    fm = {
        2: FMT_SPEC,
        3: FMT_PCT,
        4: FMT_SPEC,
        5: FMT_SPEC,
        6: FMT_SPEC,
        7: FMT_T,
        8: FMT_T,
        9: FMT_T,
        11: FMT_SPEC,
    }
    for k, g in enumerate(r.goods, start=1):
        s.add([f"{k} {g.id} {g.process.name}"], font=_BOLD, measure=False)
        _detail_header(s)
        al = g.activity_level_t
        s.add(
            [
                L("生产工艺合计", "Total production process"),
                g.process.category,
                "-",
                g.default_share,
                g.see_direct,
                g.see_indirect,
                g.see_total,
                g.see_direct * al,
                g.see_indirect * al,
                g.see_total * al,
                _ef_text(g.process.electricity_factor),
                g.embedded_electricity_mwh_per_t,
                r.installation.country,
            ],
            font=_BOLD,
            formats=fm,
        )
        s.add(
            [
                L("本工艺直接生产", "Direct production (this process)"),
                g.process.category,
                1.0,
                0.0,
                g.se_direct,
                g.se_indirect,
                g.se_direct + g.se_indirect,
                g.attributed_direct_t,
                g.attributed_indirect_t,
                g.attributed_direct_t + g.attributed_indirect_t,
                _ef_text(g.process.electricity_factor),
                g.electricity_mwh_per_t,
                r.installation.country,
            ],
            formats=fm,
        )
        for x in g.precursors:
            s.add(
                [
                    f"{x.precursor} {x.name} (CN {', '.join(x.cn_codes)})",
                    x.category if x.kind == "process" else _category(s, x.category),
                    x.mass_share,
                    x.default_share,
                    x.see_direct * x.mass_share,
                    x.see_indirect * x.mass_share,
                    x.see_total * x.mass_share,
                    x.embedded_direct_t,
                    x.embedded_indirect_t,
                    x.embedded_direct_t + x.embedded_indirect_t,
                    "",
                    None,
                    x.country,
                ],
                formats=fm,
            )
        s.blank()


def _product_rows(r: CbamResult) -> list[tuple[GoodResult, str, str]]:
    """(good, CN code, Annex I entry) for every CN code of every process."""
    return [
        (g, cn, name)
        for g in r.goods
        for cn, name in zip(g.process.cn_codes, g.cn_names, strict=True)
    ]


def _summary_products(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    s.title(
        L("Summary_Products — 产品汇总", "Summary of products"),
        L(
            "SEE 按《CBAM条例》附件IV第2、3点及（EU）2025/2547号实施条例附件III B点计算；"
            "“CBAM相关”一栏按第7(1)条与附件II（仅计直接排放的商品）计。",
            "SEE per Regulation (EU) 2023/956 Annex IV points 2-3 and IR (EU) 2025/2547 Annex III "
            "point B; 'CBAM-relevant' per Article 7(1) and Annex II (goods counted with direct "
            "emissions only) and IR 2025/2547 Annex I point 3.1.",
        ),
    )
    s.header(
        [
            L("产品所属生产工艺", "Production process from which the products arise"),
            L("产品类别或前体类型", "Type of aggregated good or precursor"),
            L("CN编码", "CN Codes"),
            L("CN名称（附件I条目）", "CN Name (Annex I entry)"),
            L("产品名称", "Product name"),
            f"SEE {L('直接', 'direct')} [{T_PER_T}]",
            f"SEE {L('间接', 'indirect')} [{T_PER_T}]",
            f"SEE {L('合计', 'total')} [{T_PER_T}]",
            L("单位", "Unit"),
            L("默认值排放占比", "Share of emissions by default value") + " [-]",
            L("电力排放因子来源", "Source for electricity EF"),
            L("隐含电量", "Embedded electricity") + " [MWh/t]",
            L("仅计直接排放（附件II）", "Direct emissions only (Annex II)"),
            f"SEE {L('间接，CBAM相关', 'indirect, CBAM-relevant')} [{T_PER_T}]",
            f"SEE {L('CBAM相关合计', 'CBAM-relevant total')} [{T_PER_T}]",
        ]
    )
    fm = {
        5: FMT_SPEC,
        6: FMT_SPEC,
        7: FMT_SPEC,
        9: FMT_PCT,
        11: FMT_SPEC,
        13: FMT_SPEC,
        14: FMT_SPEC,
    }
    for g, cn, name in _product_rows(r):
        s.add(
            [
                f"{g.id} {g.process.name}",
                g.process.category,
                cn,
                name,
                g.process.name,
                g.see_direct,
                g.see_indirect,
                g.see_total,
                T_PER_T,
                g.default_share,
                _ef_text(g.process.electricity_factor),
                g.embedded_electricity_mwh_per_t,
                L("是", "yes") if g.annex_ii else L("否", "no"),
                g.see_indirect_relevant,
                g.see_relevant,
            ],
            formats=fm,
        )


def _summary_communication(r: CbamResult, s: _Sheet) -> None:
    """English only, as the template's Summary_Communication."""
    inst = r.installation
    s.title(
        "Communication with reporting declarants",
        "This sheet summarises the main information from sheets Summary_Processes and "
        "Summary_Products for the reporting declarants importing the goods into the European "
        "Union; as in the template, its headers and content are always in English.",
    )
    s.section("1 Summary of the installation and production processes")
    s.add(["Installation details"], font=_BOLD, measure=False)
    s.header(["Parameter", "Value"])
    for label, value in (
        ("Name of the installation (English name):", inst.name_en or inst.name),
        ("Street, Number:", inst.address),
        ("Economic activity:", inst.economic_activity),
        ("Country:", inst.country),
        ("UNLOCODE:", inst.unlocode),
        ("Coordinates of the main emission source (latitude):", inst.latitude),
        ("Coordinates of the main emission source (longitude):", inst.longitude),
        ("Reporting period start:", inst.period_start.isoformat() if inst.period_start else None),
        ("Reporting period end:", inst.period_end.isoformat() if inst.period_end else None),
    ):
        s.add([label, value])
    s.blank()
    s.add(
        ["Summary of the production processes and production routes, where relevant"],
        font=_BOLD,
        measure=False,
    )
    s.header(["Production process", "Aggregated goods category", "Route", "CN codes"])
    for g in r.goods:
        s.add(
            [
                f"{g.id} {g.process.name}",
                g.process.category,
                g.process.route,
                ", ".join(g.process.cn_codes),
            ]
        )
    s.blank()
    s.add(["Summary of emissions"], font=_BOLD, measure=False)
    s.header(["Parameter", "Unit", "Value"])
    s.add(
        ["Total direct emissions during reporting period:", "tCO2e", r.total_direct_t],
        formats={2: FMT_T},
    )
    s.add(
        ["Total indirect emissions during reporting period:", "tCO2e", r.total_indirect_t],
        formats={2: FMT_T},
    )
    s.add(
        [
            "Total emissions during reporting period:",
            "tCO2e",
            r.total_direct_t + r.total_indirect_t,
        ],
        formats={2: FMT_T},
    )
    just = "; ".join(
        f"{pr.precursor.id}: {pr.precursor.justification or 'default value used'}"
        for pr in r.purchased
        if pr.default is not None
    )
    s.add(["Justification for use of default values (if relevant):", "", just])
    s.blank()
    s.section("2 Summary of products")
    s.header(
        [
            "Production process from which the products arise",
            "Type of aggregated good or precursor",
            "CN Codes",
            "CN Name",
            "Product name (used for communication with reporting declarant, e.g. on invoices)",
            f"SEE (direct) [{T_PER_T}]",
            f"SEE (indirect) [{T_PER_T}]",
            f"SEE (total) [{T_PER_T}]",
            "Unit",
            "Share of emissions by default value [-]",
            "Source for electricity EF",
            "Embedded electricity (MWh/t)",
            "Electricity EF (tCO2/MWh)",
        ]
    )
    fm = {5: FMT_SPEC, 6: FMT_SPEC, 7: FMT_SPEC, 9: FMT_PCT, 11: FMT_SPEC, 12: FMT_SPEC}
    for g, cn, name in _product_rows(r):
        f = g.process.electricity_factor
        s.add(
            [
                f"{g.id} {g.process.name}",
                g.process.category,
                cn,
                name,
                g.process.name,
                g.see_direct,
                g.see_indirect,
                g.see_total,
                T_PER_T,
                g.default_share,
                _ef_text(f),
                g.embedded_electricity_mwh_per_t,
                f.value if f else None,
            ],
            formats=fm,
        )


def _sources(r: CbamResult, s: _Sheet) -> None:
    L = s.label
    s.title(
        L(
            "来源 — 默认值、电力排放因子、公式与提示",
            "Sources - default values, electricity factors, formulas and flags",
        ),
        L(
            f"生产年份 {r.year}；默认值加成：{'是' if r.apply_markup else '否'}；求解器：{r.solver}",
            f"Production year {r.year}; mark-up on default values: "
            f"{'yes' if r.apply_markup else 'no'}; solver: {r.solver}",
        ),
    )
    s.section(L("1 使用的默认值", "1 Default values used"))
    s.header(
        [
            L("外购前体", "Purchased precursor"),
            L("申报CN编码", "CN code requested"),
            L("默认值行CN编码", "CN code of the row"),
            L("国家", "Country"),
            L("直接", "Direct") + f" [{T_PER_T}]",
            L("间接", "Indirect") + f" [{T_PER_T}]",
            L("合计", "Total") + f" [{T_PER_T}]",
            L("加成", "Mark-up") + " [%]",
            L("采用直接", "Direct used") + f" [{T_PER_T}]",
            L("采用间接", "Indirect used") + f" [{T_PER_T}]",
            L("采用合计", "Total used") + f" [{T_PER_T}]",
            L("来源文件", "Source document"),
            L("版本", "Edition"),
            L("条款", "Clause"),
            L("可信度", "Confidence"),
            L("数据文件行", "Data file line"),
            L("说明", "Notes"),
        ]
    )
    if not r.defaults_used:
        s.add([L("未使用默认值", "No default value used")])
    fm = {4: FMT_SPEC, 5: FMT_SPEC, 6: FMT_SPEC, 8: FMT_SPEC, 9: FMT_SPEC, 10: FMT_SPEC}
    for d in r.defaults_used:
        row = d.row
        s.add(
            [
                d.precursor,
                d.cn_code,
                row.cn_code,
                row.country,
                row.direct,
                row.indirect,
                row.total,
                d.markup_percent,
                d.direct_t_per_t,
                d.indirect_t_per_t,
                d.total_t_per_t,
                row.source.document,
                row.source.edition,
                row.source.clause,
                row.source.confidence,
                f"reference/cbam_default_values.csv:{row.line}",
                row.source.notes,
            ],
            formats=fm,
        )
    s.blank()
    s.section(L("2 电力排放因子", "2 Electricity emission factors"))
    s.header(
        [
            L("生产工艺", "Production process"),
            "EF [tCO2/MWh]",
            L("来源代码", "Source code"),
            L("代码含义", "Meaning of the code"),
            L("来源", "Source"),
            L("可信度", "Confidence"),
            L("说明", "Note"),
        ]
    )
    for pid, f in r.electricity_factors:
        meaning = ELECTRICITY_EF_SOURCES.get(f.source_code, ("", ""))
        s.add(
            [pid, f.value, f.source_code, L(*meaning), f.source, f.confidence, f.note],
            formats={1: FMT_SPEC},
        )
    s.blank()
    s.section(L("3 公式", "3 Formulas"))
    s.header([L("键", "Key"), L("公式", "Formula"), L("条款", "Clause")])
    for fr in r.formulas:
        s.add([fr.key, fr.formula, fr.clause])
    s.blank()
    s.section(L("4 提示", "4 Flags"))
    if not r.flags:
        s.add([L("无", "none")])
    for flag in r.flags:
        s.add([flag], font=_WARN, measure=False)
    s.blank()
    s.section(L("5 工作簿结构", "5 Structure of this workbook"))
    s.add(
        [
            L(
                "工作表名称与栏目参照欧盟“设施通报模板”（CBAM Communication template for "
                "installations_en_20241213.xlsx）的公开分析（GordanVasilic/CBAMCalc）；"
                "“CBAM相关”栏与本表为 greenmfg 自有内容。",
                "Sheet names and fields follow a public analysis (GordanVasilic/CBAMCalc) of the "
                "EU 'CBAM Communication template for installations_en_20241213.xlsx'; the "
                "'CBAM-relevant' columns and this sheet are greenmfg's own.",
            )
        ],
        measure=False,
    )


_WRITERS = {
    "A_InstData": _a_instdata,
    "B_EmInst": _b_eminst,
    "C_Emissions&Energy": _c_emissions,
    "D_Processes": _d_processes,
    "E_PurchPrec": _e_purchprec,
    "Summary_Processes": _summary_processes,
    "Summary_Products": _summary_products,
    "Summary_Communication": _summary_communication,
    SOURCES_SHEET: _sources,
}


def write_cbam_workbook(
    result: CbamResult, path_or_buffer: str | Path | IO[bytes], lang: str = "zh"
) -> None:
    """Write ``result`` as an ``.xlsx`` workbook in the structure of the EU communication
    template (sheets :data:`SHEETS`), to a path or a binary file object.

    ``lang`` ``'zh'`` writes Chinese labels first with the English after them, ``'en'`` English
    first; Summary_Communication is English only, as in the template.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang: expected 'zh' or 'en', got {lang!r}")
    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    for name in SHEETS:
        ws = wb.create_sheet(name)
        sheet = _Sheet(ws, "en" if name == "Summary_Communication" else lang)
        _WRITERS[name](result, sheet)
        sheet.finish()
    if isinstance(path_or_buffer, str | Path):
        wb.save(str(path_or_buffer))
    else:
        wb.save(path_or_buffer)

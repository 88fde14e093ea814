"""The ISO 14067 product carbon footprint (CFP) study report as an Excel workbook and a PDF.

Everything shown comes from one :class:`greenmfg.footprint.report.FootprintReport` (a pure result
object); this module only lays it out, in Chinese (``lang="zh"``, the default) or English
(``lang="en"``), so that the workbook, the PDF and the web page show the same figures.

The sections follow what ISO 14067:2018, 7.3 asks a CFP study report to contain, as far as the
result object holds it (the sub-clause wording was not available to the authors, so only "7.3" is
cited):

1. Summary: organisation, product, declared unit (with its mass where known), reference year, the
   CFP [kg CO2e per declared unit], GWP set, system boundary (cradle-to-gate), allocation method,
   cut-off share, primary data share, data-quality ratings (DQR), Monte Carlo uncertainty range,
   solver and backward error, the count of unverified reference values, the biogenic-carbon
   limitation and the date;
2. Stages (own production, upstream), 3. Processes (every contributing column), 4. Gases,
5. Supply-chain paths, 6. Data quality (columns assessed and above the threshold but unrated),
7. Cut-off exclusions, 8. Replaced database values (superseded purchased footprints),
9. Sources & flags (every supplier and database value with its source and confidence),
10. Formulas (:data:`greenmfg.footprint.report.FORMULAS`, what and clause).

Units: footprints and contributions in kg CO2e per declared unit of the studied product; shares in
percent (the report object holds fractions; they are multiplied by 100 here and the headers say
``[%]``). Excel cells hold full-precision numbers; the PDF prints footprints to four significant
figures and shares to one decimal.

Labels come from the small zh/en dictionary below, not from the web gettext catalogue, so that
this adapter does not depend on the web layer; the PDF template (``web/templates/
footprint_report.html``) receives every text ready-made and uses no gettext, so it renders with
this module's Jinja2 environment or the web one alike.

Traceability: every contribution carries its source and confidence; confidence cells are coloured
as in the inventory workbook (:func:`greenmfg.io.report.confidence_fill`: orange for
``unverified``, light yellow for ``secondary``), and contributing rows with such values are
coloured whole; the PDF marks unverified rows with a red dot. Text from user data that a
spreadsheet would run as a formula (``= + - @``) is neutralised by
:func:`greenmfg.io.tables.write_tables_xlsx`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

from greenmfg.footprint.quality import (
    DQR_INDICATORS,
    DQR_MAX,
    DQR_MIN,
    PACT_INDICATORS,
    DataQuality,
)
from greenmfg.footprint.report import FORMULAS, PURCHASED_FLOW, ColumnLine, FootprintReport
from greenmfg.io.pdf import write_pdf
from greenmfg.io.report import confidence_fill
from greenmfg.io.tables import Table, write_tables_xlsx

__all__ = [
    "LANGS",
    "SECTIONS",
    "footprint_report_html",
    "footprint_report_pdf",
    "footprint_report_tables",
    "sheet_names",
    "write_footprint_report_xlsx",
]

LANGS = ("zh", "en")
#: section keys, in the order of the sheets
SECTIONS = (
    "summary",
    "stages",
    "processes",
    "gases",
    "paths",
    "quality",
    "cutoff",
    "replaced",
    "sources",
    "formulas",
)
TEMPLATE = "footprint_report.html"
_TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"

_WARN_FONT = Font(bold=True, color="9C0006")
_WARN_FILL = PatternFill("solid", fgColor="FCE4D6")
_PERCENT_FORMAT = "0.00"
_SCALE = f"{DQR_MIN:g}–{DQR_MAX:g}"  # rating scale of the DQRs (1 best)

# ---- labels: key -> (中文, English) -------------------------------------------------------------
_L: dict[str, tuple[str, str]] = {
    "title": ("产品碳足迹报告", "Product carbon footprint report"),
    "basis": (
        "依据 ISO 14067:2018（碳足迹研究报告内容见 7.3）",
        "per ISO 14067:2018 (contents of a CFP study report: 7.3)",
    ),
    # sheet names (<= 31 characters) and section titles
    "sheet.summary": ("汇总", "Summary"),
    "sheet.stages": ("生命周期阶段", "Stages"),
    "sheet.processes": ("过程贡献", "Processes"),
    "sheet.gases": ("温室气体", "Gases"),
    "sheet.paths": ("供应链路径", "Paths"),
    "sheet.quality": ("数据质量", "Data quality"),
    "sheet.cutoff": ("取舍排除", "Cut-off"),
    "sheet.replaced": ("被替换的数据库值", "Replaced values"),
    "sheet.sources": ("来源与标记", "Sources & flags"),
    "sheet.formulas": ("公式", "Formulas"),
    "title.summary": ("产品碳足迹报告 — 汇总", "Product carbon footprint report — summary"),
    "title.stages": ("按生命周期阶段的贡献", "Contribution by life-cycle stage"),
    "title.processes": ("按过程的贡献", "Contribution by process"),
    "title.gases": ("按温室气体的贡献", "Contribution by greenhouse gas"),
    "title.paths": ("供应链路径", "Supply-chain paths"),
    "title.quality": ("数据质量评估", "Data-quality assessment"),
    "title.cutoff": ("取舍规则排除的输入", "Inputs excluded under the cut-off rule"),
    "title.replaced": ("被替换的数据库值与外购碳足迹", "Replaced database and purchased values"),
    "title.sources": ("数据来源与标记", "Data sources and flags"),
    "title.formulas": ("公式与依据条款", "Formulas and clauses"),
    # generic headers
    "item": ("项目", "Item"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "note": ("说明/依据", "Note / basis"),
    "no": ("序号", "#"),
    "label": ("过程/输入", "Process / input"),
    "product": ("产品", "Product"),
    "origin": ("数据类型", "Origin"),
    "stage": ("阶段", "Stage"),
    "supplier": ("供应商", "Supplier"),
    "amount": ("数量（每声明单位）", "Amount per declared unit"),
    "contribution": ("贡献", "Contribution"),
    "share": ("占比 [%]", "Share [%]"),
    "source": ("来源", "Source"),
    "confidence": ("可信度", "Confidence"),
    "flag": ("标记", "Flag"),
    "gas": ("温室气体", "Gas"),
    "path": ("路径（由所研究产品向上游）", "Path (from the studied product upstream)"),
    "path_amount": ("末端产品数量（其自身单位）", "Amount of the last product (its own unit)"),
    "direct": ("直接排放", "Direct"),
    "total": ("合计（含上游）", "Total (with upstream)"),
    "status": ("状态", "Status"),
    "process_id": ("过程编号", "Process id"),
    "input_product": ("被排除的输入", "Input left out"),
    "mass_share": ("占该过程输入质量 [%]", "Share of the process's input mass [%]"),
    "replaced_value": ("被替换的值", "Replaced value"),
    "per_unit": ("单位（每）", "Per unit"),
    "replaced_by": ("替换为", "Replaced by"),
    "what": ("内容", "What"),
    "clause": ("依据条款", "Where defined"),
    # summary rows
    "organisation": ("组织", "Organisation"),
    "system_name": ("产品系统", "Product system"),
    "declared_unit": ("声明单位", "Declared unit"),
    "mass": ("每声明单位质量", "Mass per declared unit"),
    "year": ("基准年", "Reference year"),
    "cfp": ("产品碳足迹 (CFP)", "Carbon footprint of the product (CFP)"),
    "gwp": ("全球变暖潜势 (GWP)", "Global warming potentials (GWP)"),
    "boundary": ("系统边界", "System boundary"),
    "cradle_to_gate": ("从摇篮到大门", "cradle-to-gate"),
    "allocation": ("分配方法（默认）", "Allocation method (default)"),
    "cutoff": ("取舍准则（输入质量占比）", "Cut-off (share of input mass)"),
    "primary": ("初级数据占比", "Primary data share"),
    "share.process": ("其中：自有过程", "of which own processes"),
    "share.supplier": ("其中：供应商数据", "of which supplier data"),
    "share.database": ("数据库值占比", "Database values share"),
    "dqr_coverage": ("数据质量评估覆盖率", "Data-quality coverage"),
    "dqr": ("数据质量评级", "Data-quality rating"),
    "not_assessed": ("未评估", "not assessed"),
    "uncertainty": ("不确定性范围", "Uncertainty range"),
    "not_computed": ("未计算", "not computed"),
    "p2_5": ("不确定性：2.5 百分位", "Uncertainty: 2.5th percentile"),
    "p97_5": ("不确定性：97.5 百分位", "Uncertainty: 97.5th percentile"),
    "median": ("不确定性：中位数", "Uncertainty: median"),
    "mean": ("不确定性：平均值", "Uncertainty: mean"),
    "solver": ("求解方法", "Solver"),
    "backward_error": ("后向误差", "Backward error"),
    "unverified_count": ("未经核实的参考值", "Unverified reference values"),
    "biogenic": ("生物源碳", "Biogenic carbon"),
    "not_separated": ("未单独区分", "not separated"),
    "generated": ("生成日期", "Generated"),
    "edition": ("参考数据版本", "Reference data edition"),
    "engine": ("greenmfg 版本", "greenmfg version"),
    "report_basis": ("报告内容依据", "Report contents per"),
    "none": ("无", "none"),
    "not_known": ("未知", "not known"),
    "sum_cfp": ("合计（产品碳足迹）", "Total (CFP)"),
    # values
    "origin.process": ("自有过程", "own process"),
    "origin.supplier_process": ("供应商过程", "supplier's process"),
    "origin.supplier": ("供应商数据", "supplier data"),
    "origin.database": ("数据库", "database"),
    "stage.production": ("生产阶段（自有过程）", "production (own processes)"),
    "stage.upstream": ("上游（供应商与外购）", "upstream (suppliers and purchases)"),
    "alloc.mass": ("质量分配", "mass"),
    "alloc.economic": ("经济价值分配", "economic value"),
    "alloc.physical": ("物理因果关系分配", "physical causality"),
    "dqr.technological": ("技术代表性", "technological representativeness"),
    "dqr.temporal": ("时间代表性", "temporal representativeness"),
    "dqr.geographical": ("地理代表性", "geographical representativeness"),
    "dqr.completeness": ("完整性", "completeness"),
    "dqr.reliability": ("可靠性", "reliability"),
    "assessed": ("已评估", "assessed"),
    "unrated": ("未评级（不计入覆盖率）", "not rated (not in the coverage)"),
    "flag.unverified": ("未经核实的参考值", "unverified reference value"),
    "flag.secondary": ("二手来源", "secondary source"),
    "gas.purchased": ("CO2e（外购产品碳足迹）", "CO2e (purchased footprints)"),
    "by.own": ("自有生产", "own production"),
    "by.supplier_process": ("供应商过程", "supplier's process"),
    "by.supplier": ("供应商数据", "supplier data"),
    "by.database": ("另一数据库值", "another database value"),
    "by.unused": ("（不在本产品的供应链中）", "(not in this product's supply chain)"),
    "legend": (
        "橙色：可信度 unverified（未经核实的参考值，须对照官方文本核实）；"
        "浅黄色：secondary（二手来源）",
        "Orange: confidence 'unverified' (reference value not checked against the official "
        "text); light yellow: 'secondary' (second-hand source)",
    ),
}

#: Chinese wording of :data:`greenmfg.footprint.report.FORMULAS` (by the English text; a formula
#: added there without a translation is shown in English)
_FORMULA_ZH: dict[str, str] = {
    "footprint of every product q = c^T B T^-1 (one adjoint solve)": (
        "各产品碳足迹 q = c^T B T^-1（一次伴随求解）"
    ),
    "GWP100 characterisation of each greenhouse gas": "各温室气体按 GWP100 特征化",
    "allocation of multi-output processes": "多产出过程的分配",
    "cut-off of inputs below the mass share": "低于质量占比阈值的输入按取舍规则排除",
    "primary (own and supplier) data preferred": "优先使用初级数据（自有与供应商数据）",
    "data-quality ratings: contribution-weighted average over all rated inputs (1-5)": (
        "数据质量评级：对所有已评级输入按贡献加权平均（1–5）"
    ),
    "uncertainty: lognormal Monte Carlo, 2.5-97.5 percentile": (
        "不确定性：对数正态蒙特卡洛模拟，2.5–97.5 百分位"
    ),
}


def _check_lang(lang: str) -> str:
    """``zh`` or ``en``; locale tags such as ``zh-CN`` or ``en_GB`` are taken by their language."""
    base = str(lang).replace("_", "-").split("-", 1)[0].lower()
    if base not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected 'zh' or 'en'")
    return base


def _tr(key: str, lang: str) -> str:
    zh, en = _L[key]
    return zh if lang == "zh" else en


def _labels(lang: str) -> Callable[[str], str]:
    """The label lookup of one language."""

    def label(key: str) -> str:
        return _tr(key, lang)

    return label


def sheet_names(lang: str = "zh") -> tuple[str, ...]:
    """The sheet names of the workbook in ``lang``, in :data:`SECTIONS` order."""
    lang = _check_lang(lang)
    return tuple(_tr(f"sheet.{k}", lang) for k in SECTIONS)


def _clean(text: object) -> str:
    """User text as a cell value: characters XML (and so ``.xlsx``) cannot hold removed."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    return cleaned


def _pct(share: float) -> float:
    """A fraction [-] as percent [%]."""
    return 100.0 * share


# ---- sections -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Section:
    """One table with what the writers need to style it: which columns (or, in the summary, which
    rows) hold percentages, which column holds a confidence code, which notes are warnings."""

    key: str
    table: Table
    percent_cols: frozenset[int] = frozenset()
    rating_rows: frozenset[int] = frozenset()  # summary rows holding a DQR (two decimals)
    percent_rows: frozenset[int] = frozenset()
    confidence_col: int | None = None
    warning_notes: frozenset[int] = frozenset()
    flag_cells: frozenset[tuple[int, int]] = frozenset()  # (row, column) marked red
    highlight: bool = False  # colour whole rows by confidence (contributing values only)
    extra: dict[str, Any] = field(default_factory=dict)


def _origin(c: ColumnLine, lang: str) -> str:
    if c.origin == "process":
        return _tr("origin.supplier_process" if c.supplier else "origin.process", lang)
    key = f"origin.{c.origin}"
    return _tr(key, lang) if key in _L else _clean(c.origin)


def _stage(stage: str, lang: str) -> str:
    key = f"stage.{stage}"
    return _tr(key, lang) if key in _L else _clean(stage)


def _gas(gas: str, lang: str) -> str:
    return _tr("gas.purchased", lang) if gas == PURCHASED_FLOW else _clean(gas)


def _kg(report: FootprintReport) -> str:
    """Unit of footprints and contributions: kg CO2e per declared unit."""
    return f"kg CO2e/{_clean(report.unit)}"


def _unverified_note(n: int, lang: str) -> str:
    if lang == "zh":
        return (
            f"警告：使用了 {n} 个未经核实的参考值（见“{_tr('sheet.sources', lang)}”表，"
            "橙色标出），对外提供前须对照官方文本核实"
        )
    return (
        f"Warning: {n} unverified reference value(s) used (orange in the "
        f"'{_tr('sheet.sources', lang)}' sheet); check them against the official text before "
        "the report is given to others"
    )


def _biogenic_text(lang: str) -> str:
    if lang == "zh":
        return (
            "局限：本模型未将生物源温室气体排放与清除（含生物源 CO2 吸收）与化石源分开核算，"
            "也不计算产品的生物源碳含量；ISO 14067:2018 要求存在时单独报告。"
            "作为独立流录入的气体（如 CH4_biogenic）见“温室气体”表。"
        )
    return (
        "Limitation: this model does not separate biogenic GHG emissions and removals (including "
        "biogenic CO2 uptake) from fossil ones, and computes no biogenic carbon content; "
        "ISO 14067:2018 requires them to be reported separately where present. Gases entered as "
        "their own flows (e.g. CH4_biogenic) appear in the gases table."
    )


def _threshold_text(q: DataQuality, lang: str) -> str:
    """Which inputs the ratings are averaged over (PACT v3: all; v2: those above 5 %)."""
    if q.threshold <= 0:
        return "所有贡献为正的输入" if lang == "zh" else "all inputs with a positive contribution"
    share = f"{_pct(q.threshold):g} %"
    return (
        f"贡献超过碳足迹 {share} 的输入" if lang == "zh" else f"the inputs above {share} of the CFP"
    )


def _summary(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    kg = _kg(r)
    n_unverified = len(r.unverified)
    rows: list[list[Any]] = []
    percent_rows: set[int] = set()
    rating_rows: set[int] = set()

    def add(
        key: str,
        value: Any,
        unit: str = "",
        note: str = "",
        *,
        pct: bool = False,
        rating: bool = False,
    ) -> None:
        if pct:
            percent_rows.add(len(rows))
        if rating:
            rating_rows.add(len(rows))
        rows.append([t(key) if key in _L else key, value, unit, note])

    add("organisation", _clean(r.organisation) or None)
    if r.system_name:
        add("system_name", _clean(r.system_name))
    add("product", _clean(r.product_name), "", _clean(r.product_id))
    add("declared_unit", f"1 {_clean(r.unit)}")
    if r.mass_kg is not None:
        add("mass", r.mass_kg, f"kg/{_clean(r.unit)}")
    else:
        add("mass", t("not_known"))
    add("year", r.year)
    add("cfp", r.value, kg, "ISO 14067:2018 6.4, 6.5")
    add("gwp", f"IPCC {_clean(r.gwp_set).upper()} GWP100", "", "ISO 14067:2018 6.4.9.2")
    add("boundary", t("cradle_to_gate"))
    alloc_key = f"alloc.{r.allocation}"
    add(
        "allocation",
        t(alloc_key) if alloc_key in _L else _clean(r.allocation),
        "",
        "ISO 14044:2006 4.3.4.2; ISO 14067:2018 6.4.6",
    )
    add("cutoff", _pct(r.cutoff), "%", "ISO 14067:2018 6.3.4.3", pct=True)
    add(
        "primary",
        r.primary_share_percent,
        "%",
        "ISO 14067:2018 6.3.5; PACT primaryDataShare",
        pct=True,
    )
    for origin in ("process", "supplier", "database"):
        add(f"share.{origin}", _pct(r.origin_shares.get(origin, 0.0)), "%", pct=True)
    q = r.quality
    pact = "PACT DataQualityIndicators"
    if q.ratings:
        add("dqr_coverage", q.coverage, "%", f"{pact}; {_threshold_text(q, lang)}", pct=True)
        sep = "：" if lang == "zh" else ": "
        for k in DQR_INDICATORS:
            label = f"{t('dqr')}{sep}{t('dqr.' + k)}"
            if k in q.ratings:
                add(label, q.ratings[k], _SCALE, f"{k}DQR", rating=True)
            elif k in PACT_INDICATORS:  # required by PACT, yet not every assessed input rates it
                add(label, t("not_assessed"), _SCALE, f"{k}DQR")
    else:
        add("dqr", t("not_assessed"), "", pact)
    u = r.uncertainty
    if u is not None:
        how = (
            f"蒙特卡洛 {u.iterations} 次，随机种子 {u.seed}；ISO 14067:2018 6.4.10"
            if lang == "zh"
            else f"Monte Carlo, {u.iterations} iterations, seed {u.seed}; ISO 14067:2018 6.4.10"
        )
        add("p2_5", u.p2_5, kg, how)
        add("p97_5", u.p97_5, kg, how)
        add("median", u.median, kg)
        add("mean", u.mean, kg)
        if u.uncertain_entries == 0:
            add(
                "uncertainty",
                "—",
                "",
                "没有输入带有大于 1 的几何标准差：范围为一个点"
                if lang == "zh"
                else "no input carries a geometric standard deviation above 1: the range is a point",
            )
    else:
        add("uncertainty", t("not_computed"))
    add("solver", _clean(r.solver))
    add(
        "backward_error",
        r.backward_error,
        "[-]",
        "逐分量后向误差 ω" if lang == "zh" else "componentwise backward error ω",
    )
    flag_cells: set[tuple[int, int]] = set()
    if n_unverified:
        flag_cells.add((len(rows), 1))
    add("unverified_count", n_unverified, "", t("sheet.sources") if n_unverified else "")
    add("biogenic", t("not_separated"), "", _biogenic_text(lang))
    add("generated", r.generated.isoformat())
    if r.reference_edition:
        add("edition", _clean(r.reference_edition))
    if r.engine_version:
        add("engine", _clean(r.engine_version))
    add("report_basis", "ISO 14067:2018 7.3")
    notes = [t("basis")]
    warnings: set[int] = set()
    if n_unverified:
        warnings.add(len(notes))
        notes.append(_unverified_note(n_unverified, lang))
    notes.append(
        f"{n_unverified} 个未经核实的参考值"
        if lang == "zh"
        else f"{n_unverified} unverified reference values"
    )
    return _Section(
        "summary",
        Table(
            t("sheet.summary"),
            f"{t('title.summary')}",
            [t("item"), t("value"), t("unit"), t("note")],
            rows,
            notes,
        ),
        percent_rows=frozenset(percent_rows),
        rating_rows=frozenset(rating_rows),
        flag_cells=frozenset(flag_cells),
        warning_notes=frozenset(warnings),
        extra={"unverified": n_unverified},
    )


def _stages(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    rows: list[list[Any]] = [
        [_stage(stage, lang), value, _pct(value / r.value) if r.value else 0.0]
        for stage, value in r.stages.items()
    ]
    rows.append([t("sum_cfp"), r.value, 100.0 if r.value else 0.0])
    return _Section(
        "stages",
        Table(
            t("sheet.stages"),
            t("title.stages"),
            [t("stage"), f"{t('contribution')} [{_kg(r)}]", t("share")],
            rows,
            [
                "生产阶段：组织自有过程的直接排放；上游：供应商过程与外购产品碳足迹（从摇篮到大门）"
                if lang == "zh"
                else "Production: direct emissions of the organisation's own processes; upstream: "
                "suppliers' processes and purchased footprints (cradle-to-gate)"
            ],
        ),
        percent_cols=frozenset({2}),
    )


def _process_rows(columns: Sequence[ColumnLine], lang: str) -> list[list[Any]]:
    return [
        [
            c.index,
            _clean(c.label),
            _clean(c.product),
            _origin(c, lang),
            _stage(c.stage, lang),
            _clean(c.supplier) or None,
            c.amount,
            _clean(c.unit),
            c.value,
            _pct(c.share),
            _clean(c.source) or None,
            _clean(c.confidence) or None,
        ]
        for c in columns
    ]


def _processes(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    return _Section(
        "processes",
        Table(
            t("sheet.processes"),
            t("title.processes"),
            [
                t("no"),
                t("label"),
                t("product"),
                t("origin"),
                t("stage"),
                t("supplier"),
                t("amount"),
                t("unit"),
                f"{t('contribution')} [{_kg(r)}]",
                t("share"),
                t("source"),
                t("confidence"),
            ],
            _process_rows(r.columns, lang),
            [
                "每行为一个单元过程（或其共同产品分配部分）或一项外购碳足迹；贡献之和等于产品碳足迹；"
                "序号为矩阵列号"
                if lang == "zh"
                else "One row per unit process (or co-product partition) or purchased footprint; "
                "the contributions add up to the CFP; # is the column of the matrices",
                t("legend"),
            ],
        ),
        percent_cols=frozenset({9}),
        confidence_col=11,
        highlight=True,
    )


def _gases(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    return _Section(
        "gases",
        Table(
            t("sheet.gases"),
            t("title.gases"),
            [t("gas"), f"{t('contribution')} [{_kg(r)}]", t("share")],
            [[_gas(g.gas, lang), g.value, _pct(g.share)] for g in r.gases],
            [
                f"IPCC {_clean(r.gwp_set).upper()} GWP100；外购产品碳足迹已为 CO2e，作为一项流计入"
                if lang == "zh"
                else f"IPCC {_clean(r.gwp_set).upper()} GWP100; purchased footprints are already "
                "CO2e and enter as one flow"
            ],
        ),
        percent_cols=frozenset({2}),
    )


def _paths(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    kg = _kg(r)
    return _Section(
        "paths",
        Table(
            t("sheet.paths"),
            t("title.paths"),
            [
                t("no"),
                t("path"),
                t("path_amount"),
                f"{t('direct')} [{kg}]",
                f"{t('total')} [{kg}]",
                t("share"),
            ],
            [
                [
                    k,
                    " → ".join(_clean(x) for x in p.labels),
                    p.amount,
                    p.direct,
                    p.total,
                    _pct(p.share),
                ]
                for k, p in enumerate(r.paths, start=1)
            ],
            [
                "直接排放：路径末端过程自身的排放；合计：末端过程及其全部上游（均按所研究产品的"
                "每声明单位计）；仅列出最大的路径"
                if lang == "zh"
                else "Direct: emissions of the last process of the path itself; total: it and "
                "everything upstream of it (both per declared unit of the studied product); the "
                "largest paths only"
            ],
        ),
        percent_cols=frozenset({5}),
    )


def _quality(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    q = r.quality
    by_index = {c.index: c for c in r.columns}
    rows: list[list[Any]] = []
    for status, indices in (("assessed", q.assessed), ("unrated", q.unrated)):
        for i in indices:
            c = by_index.get(i)
            if c is None:  # cannot happen for columns above the threshold; say so if it does
                rows.append([i, None, None, None, None, None, t(status)])
                continue
            rows.append(
                [
                    i,
                    _clean(c.label),
                    _clean(c.product),
                    _origin(c, lang),
                    c.value,
                    _pct(c.share),
                    t(status),
                ]
            )
    if q.ratings:
        ratings = ", ".join(
            f"{t('dqr.' + k)} {q.ratings[k]:.2f}" for k in DQR_INDICATORS if k in q.ratings
        )
        state = (
            f"覆盖率 {q.coverage:.2f} %；评级（{_SCALE}，1 最好）：{ratings}"
            if lang == "zh"
            else f"coverage {q.coverage:.2f} %; ratings ({_SCALE}, 1 best): {ratings}"
        )
    else:
        state = t("not_assessed")
    notes = [
        f"PACT DataQualityIndicators：按贡献加权（{_threshold_text(q, lang)}）；{state}"
        if lang == "zh"
        else f"PACT DataQualityIndicators: contribution-weighted ({_threshold_text(q, lang)}); "
        f"{state}",
        "列出参与评估的输入：已评级的计入覆盖率，未评级的不计入"
        if lang == "zh"
        else "The inputs in the assessment: rated ones make up the coverage, unrated ones do not",
    ]
    return _Section(
        "quality",
        Table(
            t("sheet.quality"),
            t("title.quality"),
            [
                t("no"),
                t("label"),
                t("product"),
                t("origin"),
                f"{t('contribution')} [{_kg(r)}]",
                t("share"),
                t("status"),
            ],
            rows,
            notes,
        ),
        percent_cols=frozenset({5}),
    )


def _cutoff(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    rule = f"{_pct(r.cutoff):g} %"
    return _Section(
        "cutoff",
        Table(
            t("sheet.cutoff"),
            t("title.cutoff"),
            [t("process_id"), t("input_product"), t("mass_share")],
            [[_clean(e.process), _clean(e.product), _pct(e.mass_share)] for e in r.excluded],
            [
                f"无数据且质量低于该过程输入质量 {rule} 的输入被排除（ISO 14067:2018 6.3.4.3）"
                + ("" if r.excluded else "；无")
                if lang == "zh"
                else f"Inputs without data and below {rule} of the process's input mass are left "
                "out (ISO 14067:2018 6.3.4.3)" + ("" if r.excluded else "; none")
            ],
        ),
        percent_cols=frozenset({2}),
    )


def _replaced_by(r: FootprintReport, product: str, lang: str) -> str:
    """What is used for ``product`` instead of a superseded value (the column contributing it)."""
    used = [c for c in r.columns if c.product == product]
    if not used:
        return _tr("by.unused", lang)
    c = used[0]
    if c.origin == "process":
        if c.supplier:
            return f"{_tr('by.supplier_process', lang)}: {_clean(c.supplier)} ({_clean(c.label)})"
        return f"{_tr('by.own', lang)} ({_clean(c.label)})"
    if c.origin == "supplier":
        who = _clean(c.supplier)
        return f"{_tr('by.supplier', lang)}: {who + ', ' if who else ''}{_clean(c.source)}"
    return f"{_tr('by.database', lang)}: {_clean(c.source)}"


def _replaced(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    rows = [
        [
            _clean(pf.product),
            pf.value,
            f"kg CO2e/{_clean(pf.unit)}",
            _tr(f"origin.{pf.origin}", lang) if f"origin.{pf.origin}" in _L else pf.origin,
            _clean(pf.source) or None,
            _clean(pf.supplier) or None,
            _clean(pf.confidence) or None,
            _replaced_by(r, pf.product, lang),
        ]
        for pf in r.superseded
    ]
    return _Section(
        "replaced",
        Table(
            t("sheet.replaced"),
            t("title.replaced"),
            [
                t("product"),
                t("replaced_value"),
                t("unit"),
                t("origin"),
                t("source"),
                t("supplier"),
                t("confidence"),
                t("replaced_by"),
            ],
            rows,
            [
                "自有生产优先，供应商数据替换数据库值（ISO 14067:2018 6.3.5）；被替换的值不计入"
                "碳足迹，列出以供核查" + ("" if rows else "；无")
                if lang == "zh"
                else "Own production wins and supplier data replace database values (ISO "
                "14067:2018 6.3.5); replaced values are not in the CFP and are listed for the "
                "verifier" + ("" if rows else "; none")
            ],
        ),
        confidence_col=6,
    )


def _sources(r: FootprintReport, lang: str) -> _Section:
    t = _labels(lang)
    cols = [c for c in r.columns if c.origin != "process" or c.supplier]
    n = len(r.unverified)
    rows = []
    for c in cols:
        flag_key = f"flag.{c.confidence}"
        rows.append(
            [
                c.index,
                _clean(c.label),
                _clean(c.product),
                _origin(c, lang),
                _clean(c.supplier) or None,
                _clean(c.source) or None,
                _clean(c.confidence) or None,
                c.value,
                _pct(c.share),
                t(flag_key) if flag_key in _L else None,
            ]
        )
    notes = [
        "每一项供应商数据和数据库值及其来源与可信度"
        if lang == "zh"
        else "Every supplier and database value with its source and confidence",
        f"{n} 个未经核实的参考值" if lang == "zh" else f"{n} unverified reference values",
        t("legend"),
    ]
    return _Section(
        "sources",
        Table(
            t("sheet.sources"),
            t("title.sources"),
            [
                t("no"),
                t("label"),
                t("product"),
                t("origin"),
                t("supplier"),
                t("source"),
                t("confidence"),
                f"{t('contribution')} [{_kg(r)}]",
                t("share"),
                t("flag"),
            ],
            rows,
            notes,
        ),
        percent_cols=frozenset({8}),
        confidence_col=6,
        warning_notes=frozenset({1}) if n else frozenset(),
        flag_cells=frozenset((i, 9) for i, row in enumerate(rows) if row[6] == "unverified"),
        highlight=True,
    )


def _formulas(lang: str) -> _Section:
    t = _labels(lang)
    rows = [
        [k, _FORMULA_ZH.get(what, what) if lang == "zh" else what, clause]
        for k, (what, clause) in enumerate(FORMULAS, start=1)
    ]
    return _Section(
        "formulas",
        Table(t("sheet.formulas"), t("title.formulas"), [t("no"), t("what"), t("clause")], rows),
    )


def _sections(report: FootprintReport, lang: str) -> list[_Section]:
    lang = _check_lang(lang)
    builders: tuple[Callable[[FootprintReport, str], _Section], ...] = (
        _summary,
        _stages,
        _processes,
        _gases,
        _paths,
        _quality,
        _cutoff,
        _replaced,
        _sources,
    )
    return [b(report, lang) for b in builders] + [_formulas(lang)]


def footprint_report_tables(report: FootprintReport, lang: str = "zh") -> list[Table]:
    """The report as titled tables, one per sheet (:data:`SECTIONS` order, sheet names
    :func:`sheet_names`), labels in ``lang`` (``"zh"`` or ``"en"``).

    Numbers are full-precision floats: footprints and contributions [kg CO2e per declared unit],
    shares [%] (columns headed ``[%]``, or summary rows with unit ``%``).
    """
    return [s.table for s in _sections(report, lang)]


def write_footprint_report_xlsx(report: FootprintReport, lang: str = "zh") -> bytes:
    """The report as ``.xlsx`` bytes: :func:`footprint_report_tables` written by
    :func:`greenmfg.io.tables.write_tables_xlsx`, then styled: rows of contributing unverified
    (orange) and secondary (light yellow) values coloured whole, warnings in bold red, shares
    shown with two decimals (the cells keep full precision)."""
    sections = _sections(report, lang)
    wb = load_workbook(io.BytesIO(write_tables_xlsx([s.table for s in sections])))
    for s, ws in zip(sections, wb.worksheets, strict=True):
        t = s.table
        for k in s.warning_notes:
            cell = ws.cell(row=2 + k, column=1)
            cell.font, cell.fill = _WARN_FONT, _WARN_FILL
        header_row = 3 + len(t.notes)  # title, notes, a blank row, then the headers
        width = len(t.headers)
        for i, row in enumerate(t.rows):
            excel_row = header_row + 1 + i
            for j in s.percent_cols:
                ws.cell(row=excel_row, column=j + 1).number_format = _PERCENT_FORMAT
            if i in s.percent_rows or i in s.rating_rows:
                ws.cell(row=excel_row, column=2).number_format = _PERCENT_FORMAT
            for k, j in s.flag_cells:
                if k == i:
                    ws.cell(row=excel_row, column=j + 1).font = _WARN_FONT
            if s.highlight and s.confidence_col is not None:
                fill = confidence_fill(str(row[s.confidence_col] or ""))
                if fill is not None:
                    for j in range(1, width + 1):
                        ws.cell(row=excel_row, column=j).fill = fill
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- HTML and PDF -------------------------------------------------------------------------------
def _sig(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant figures with thousands separators (``686.8``,
    ``12,350``); very small or large magnitudes in scientific notation."""
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if abs(value) < 1e-4 or exponent >= 15:
        return f"{value:.{digits - 1}e}"
    decimals = digits - 1 - exponent
    rounded = round(value, decimals)
    return f"{rounded:,.{max(0, decimals)}f}"


def _cell_text(value: Any, percent: bool) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        return f"{value:,.1f}" if percent else _sig(value)
    return str(value)


def _html_section(s: _Section, lang: str) -> dict[str, Any]:
    t = s.table
    rows = []
    for i, row in enumerate(t.rows):
        confidence = str(row[s.confidence_col] or "") if s.confidence_col is not None else ""
        cells = []
        for j, v in enumerate(row):
            percent = j in s.percent_cols or (i in s.percent_rows and j == 1)
            if i in s.rating_rows and j == 1 and isinstance(v, float):
                text = f"{v:.2f}"
            else:
                text = _cell_text(v, percent)
            cells.append(
                {
                    "text": text,
                    "num": isinstance(v, int | float) and not isinstance(v, bool),
                    "flag": (i, j) in s.flag_cells
                    or (j == s.confidence_col and confidence == "unverified"),
                    "tone": confidence if j == s.confidence_col else "",
                }
            )
        rows.append({"cells": cells, "tone": confidence if s.highlight else ""})
    return {
        "key": s.key,
        "title": t.title,
        "notes": list(t.notes),
        "warnings": sorted(s.warning_notes),
        "headers": list(t.headers),
        "rows": rows,
        "empty": _tr("none", lang),
    }


@cache
def _environment() -> Environment:
    # the web templates folder, read as files: the io layer does not import the web package
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def footprint_report_html(report: FootprintReport, lang: str = "zh") -> str:
    """The report as a printable HTML document (``web/templates/footprint_report.html``): the
    same sections as the workbook, footprints to four significant figures, shares to one decimal,
    unverified reference values marked red."""
    lang = _check_lang(lang)
    sections = _sections(report, lang)
    summary = sections[0]
    n_unverified = int(summary.extra["unverified"])
    meta = [
        _clean(x)
        for x in (report.organisation, f"{report.product_name} ({report.product_id})")
        if x
    ]
    if report.year is not None:
        meta.append(str(report.year))
    doc = {
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "title": _tr("title", lang),
        "basis": _tr("basis", lang),
        "meta": " · ".join(meta),
        "cfp_label": _tr("cfp", lang),
        "cfp_value": _sig(report.value),
        "cfp_unit": f"kg CO2e / 1 {_clean(report.unit)}",
        "unverified": n_unverified,
        "unverified_note": _unverified_note(n_unverified, lang) if n_unverified else "",
        "biogenic": _biogenic_text(lang),
        "legend": _tr("legend", lang),
        "generated": f"{_tr('generated', lang)} {report.generated.isoformat()}",
        # the summary's own notes (basis, warning, count) are shown in the header instead
        "sections": [
            {**_html_section(s, lang), **({"notes": [], "warnings": []} if i == 0 else {})}
            for i, s in enumerate(sections)
        ],
    }
    return _environment().get_template(TEMPLATE).render(doc=doc)


def footprint_report_pdf(report: FootprintReport, lang: str = "zh") -> bytes:
    """The report as PDF bytes (:func:`greenmfg.io.pdf.write_pdf`; raises
    :class:`greenmfg.io.pdf.PdfUnavailable` where WeasyPrint or Pango is missing)."""
    return write_pdf(footprint_report_html(report, lang))

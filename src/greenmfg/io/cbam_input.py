"""An installation for the EU CBAM calculation, read from a workbook or JSON; the blank workbook.

An exporter describes the installation once (:class:`greenmfg.footprint.cbam.Installation` and
the dataclasses it holds) and ``greenmfg cbam report`` computes the specific embedded emissions
of its goods with the shipped reference data. Two formats:

* an ``.xlsx`` workbook, the one :func:`cbam_template_xlsx` writes. Its sheets mirror the
  dataclasses field by field: ``Installation`` (one row per field of ``Installation``, field in
  column A, value in column B, column C a note the reader ignores), ``Identifiers`` (the pairs of
  ``Installation.identifiers``), ``Processes`` (one row per ``ProductionProcess``),
  ``Precursors`` (one row per ``PrecursorInput``, with the id of the consuming process),
  ``ElectricityFactors`` (one row per ``ElectricityFactor``, with an id that the process's
  ``electricity_factor`` column names, so one factor serves several processes) and
  ``PurchasedPrecursors`` (one row per ``PurchasedPrecursor``); ``Read-me`` explains every column
  with its unit and the clause or template field it stands for. Header cells are bilingual,
  ``"<中文> <key>"`` (e.g. ``活动水平（t） activity_level_t``): the reader takes the English key as
  the last whitespace-separated token, case-insensitively. Other sheets are ignored;
* JSON (:func:`installation_to_dict` / :func:`installation_from_dict`): the dataclasses as
  objects, strict (an unknown key is an error).

An electricity factor is given with its value, source code and source, or, as a convenience
written out in full, by ``reference_year`` (and ``reference_region``, ``reference_series``):
greenmfg's MEE/NBS factor of that year, as "other publicly available data" (template code
``D.4(b)``, :func:`greenmfg.footprint.cbam.electricity_factor_from_reference`; flagged by the
calculation from 2026). No value is filled in without being asked for.

Every problem of a file is reported at once, located by file, sheet, 1-based row and field (JSON:
the path of the item), with what was expected: :class:`CbamInputError`. Problems the domain finds
(a CN code outside CBAM, a default value not held, a precursor loop) are raised as
:class:`greenmfg.footprint.cbam.CbamError`; :meth:`CbamInput.compute` turns them into a
:class:`CbamInputError` located at the row of the process or precursor concerned.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from greenmfg.footprint.cbam import (
    ELECTRICITY_EF_SOURCES,
    CbamError,
    CbamResult,
    ElectricityFactor,
    Installation,
    PrecursorInput,
    ProductionProcess,
    PurchasedPrecursor,
    electricity_factor_from_reference,
    embedded_emissions,
)
from greenmfg.reference.footprints import CbamDefaultValue, CbamGood
from greenmfg.reference.model import CONFIDENCE_LEVELS, ReferenceData

__all__ = [
    "DETERMINATIONS",
    "FACTOR_CONFIDENCE",
    "INPUT_SHEETS",
    "README_SHEET",
    "SHEET_FIELDS",
    "CbamInput",
    "CbamInputError",
    "Column",
    "Location",
    "Problem",
    "cbam_template_xlsx",
    "installation_from_dict",
    "installation_to_dict",
    "read_cbam_input",
    "read_cbam_input_bytes",
    "read_cbam_installation",
    "read_cbam_installation_bytes",
]

INSTALLATION = "Installation"
IDENTIFIERS = "Identifiers"
PROCESSES = "Processes"
PRECURSORS = "Precursors"
FACTORS = "ElectricityFactors"
PURCHASED = "PurchasedPrecursors"
README_SHEET = "Read-me"
INPUT_SHEETS = (INSTALLATION, IDENTIFIERS, PROCESSES, PRECURSORS, FACTORS, PURCHASED)
REQUIRED_SHEETS = (INSTALLATION, PROCESSES)

DETERMINATIONS = ("actual", "default", "exempt")
# 'caller': a value the operator vouches for (PPA, own generation); else the reference levels
FACTOR_CONFIDENCE = ("caller", *CONFIDENCE_LEVELS)
REFERENCE_SERIES = ("average", "fossil")
TEMPLATE_ROWS = 200  # data validations cover rows 2..TEMPLATE_ROWS

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CN = re.compile(r"\d{4,10}")
_SPLIT = re.compile(r"[,;，；、\n]+")
_COUNTRY = re.compile(r"[A-Z]{2}")


# ---- column specifications: one source for the reader, the template and the Read-me ------------
@dataclass(frozen=True)
class Column:
    """One field of an input sheet.

    ``kind``: ``text``, ``id``, ``ref`` (the id of another row), ``country`` (ISO 3166 alpha-2),
    ``codes`` (CN codes, comma-separated), ``code`` (one CN code), ``number`` (>= 0), ``positive``
    (> 0), ``year``, ``latitude``, ``longitude``, ``date`` (YYYY-MM-DD) or ``choice`` (one of
    ``choices``). ``clause``: the article, annex point or communication-template field the column
    corresponds to ("greenmfg" where it is greenmfg's own).
    """

    key: str
    zh: str
    en: str
    unit: str
    kind: str
    required: bool
    clause: str
    explain_zh: str = ""
    explain_en: str = ""
    choices: tuple[str, ...] = ()

    def header(self) -> str:
        """Header cell ``"<中文（单位）> <key>"``; the reader keeps only the last token."""
        unit = f"（{self.unit}）" if self.unit not in ("", "-") else ""
        return f"{self.zh}{unit} {self.key}"


_T = "t"
_TCO2E = "tCO2e"
_T_PER_T = "tCO2e/t"
_IR_2547_B = "IR (EU) 2025/2547 Annex III point B, eq. 59-60"

INSTALLATION_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "设施名称",
        "Name of the installation",
        "-",
        "text",
        True,
        "template A_InstData 2 i.",
    ),
    Column(
        "country",
        "国家代码",
        "Country of the installation",
        "-",
        "country",
        True,
        "template A_InstData 2 viii.",
        "ISO 3166 两位字母代码，如 CN",
        "ISO 3166 alpha-2 code, e.g. CN",
    ),
    Column(
        "name_en",
        "设施英文名称",
        "Name of the installation (English name)",
        "-",
        "text",
        False,
        "template A_InstData 2 ii.",
    ),
    Column(
        "unlocode",
        "联合国贸易地点代码",
        "UN/LOCODE",
        "-",
        "text",
        False,
        "template A_InstData 2 ix.",
        "前两位字母须为设施所在国家，如 CNSHA",
        "its first two letters are the installation's country, e.g. CNSHA",
    ),
    Column(
        "address",
        "街道、门牌号",
        "Street, number",
        "-",
        "text",
        False,
        "template A_InstData 2 iii.",
    ),
    Column("post_code", "邮政编码", "Post code", "-", "text", False, "template A_InstData 2 v."),
    Column("city", "城市", "City", "-", "text", False, "template A_InstData 2 vii."),
    Column(
        "economic_activity",
        "经济活动",
        "Economic activity",
        "-",
        "text",
        False,
        "template A_InstData 2 iv.",
    ),
    Column(
        "latitude",
        "主要排放源纬度",
        "Coordinates of the main emission source (latitude)",
        "°",
        "latitude",
        False,
        "template A_InstData 2 x.",
        "十进制度，-90 至 90",
        "decimal degrees, -90 to 90",
    ),
    Column(
        "longitude",
        "主要排放源经度",
        "Coordinates of the main emission source (longitude)",
        "°",
        "longitude",
        False,
        "template A_InstData 2 xi.",
        "十进制度，-180 至 180",
        "decimal degrees, -180 to 180",
    ),
    Column(
        "period_start",
        "报告期开始",
        "Start of the reporting period",
        "YYYY-MM-DD",
        "date",
        False,
        "template A_InstData 1",
    ),
    Column(
        "period_end",
        "报告期结束",
        "End of the reporting period",
        "YYYY-MM-DD",
        "date",
        False,
        "template A_InstData 1",
        "须晚于报告期开始",
        "after the start",
    ),
    Column(
        "representative",
        "授权代表",
        "Name of the authorised representative",
        "-",
        "text",
        False,
        "template A_InstData 2 xii.",
    ),
    Column("email", "电子邮件", "Email", "-", "text", False, "template A_InstData 2 xiii."),
    Column("telephone", "电话", "Telephone", "-", "text", False, "template A_InstData 2 xiv."),
)

IDENTIFIER_COLUMNS: tuple[Column, ...] = (
    Column(
        "scheme",
        "标识类型",
        "Kind of identifier",
        "-",
        "text",
        True,
        "greenmfg (written under template A_InstData 2 as 'Identifier (scheme)')",
        "如 USCC（统一社会信用代码）、CBAM 登记系统中的经营者编号",
        "e.g. USCC (unified social credit code), the operator's id in the CBAM registry",
    ),
    Column("value", "标识", "Identifier", "-", "text", True, "greenmfg"),
)

PROCESS_COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "工艺编号",
        "Short unique id of the production process",
        "-",
        "id",
        True,
        "greenmfg",
        "唯一，供 Precursors 表引用，如 P1",
        "unique; named by sheet Precursors, e.g. P1",
    ),
    Column(
        "name", "生产工艺名称", "Production process", "-", "text", True, "template A_InstData 4"
    ),
    Column(
        "category",
        "产品类别",
        "Aggregated goods category",
        "-",
        "text",
        True,
        "template A_InstData 4",
        "如 Crude steel、Iron or steel products、Cement clinker",
        "e.g. Crude steel, Iron or steel products, Cement clinker",
    ),
    Column(
        "cn_codes",
        "CN编码",
        "CN codes of the goods",
        "-",
        "codes",
        True,
        "Regulation (EU) 2023/956 Annex I and Annex II; reference/cbam_goods.csv",
        "8 位 CN 编码，多个用逗号分隔；须全部属于或全部不属于附件II",
        "8-digit CN codes separated by commas; all in Annex II or all outside it",
    ),
    Column(
        "activity_level_t",
        "活动水平",
        "Activity level AL_g: total production of the process in the reporting period",
        _T,
        "positive",
        True,
        f"template D_Processes (a); denominator of SEE, {_IR_2547_B}",
        "> 0",
        "> 0",
    ),
    Column(
        "direct_emissions_t",
        "直接归属排放",
        "Directly attributable emissions AttrEm_g,dir (DirEm*), with the heat and waste-gas "
        "corrections",
        _TCO2E,
        "number",
        True,
        "template D_Processes (g)-(i)",
        ">= 0",
        ">= 0",
    ),
    Column(
        "electricity_mwh",
        "耗电量",
        "Electricity consumed by the process E_el",
        "MWh",
        "number",
        False,
        "template D_Processes (j) i.",
        "空白为 0",
        "empty = 0",
    ),
    Column(
        "electricity_factor",
        "电力排放因子编号",
        "Id of a row of sheet ElectricityFactors; AttrEm_g,indir = E_el × EF_el",
        "-",
        "ref",
        False,
        "template D_Processes (j) ii.-iii.",
        "耗电量 > 0 时必填",
        "required when electricity_mwh > 0",
    ),
    Column("route", "生产路线", "Production route", "-", "text", False, "template A_InstData 4(a)"),
)

PRECURSOR_COLUMNS: tuple[Column, ...] = (
    Column(
        "process",
        "消耗工艺编号",
        "Id of the production process (sheet Processes) that consumes the precursor",
        "-",
        "ref",
        True,
        "greenmfg",
    ),
    Column(
        "precursor",
        "前体编号",
        "Id of a production process or of a purchased precursor (sheet PurchasedPrecursors)",
        "-",
        "ref",
        True,
        "template D_Processes (c), E_PurchPrec (b)",
    ),
    Column(
        "amount_t",
        "消耗量",
        "Mass M_i consumed in the reporting period, including what is cut off, spilt or lost",
        _T,
        "positive",
        True,
        f"EE_InpMat = Σ M_i × SEE_i, {_IR_2547_B}",
        "> 0",
        "> 0",
    ),
)

FACTOR_COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "因子编号",
        "Short unique id, named in column electricity_factor of sheet Processes",
        "-",
        "id",
        True,
        "greenmfg",
        "如 EF1",
        "e.g. EF1",
    ),
    Column(
        "value",
        "排放因子",
        "Emission factor of the electricity EF_el",
        "tCO2/MWh",
        "number",
        False,
        "template D_Processes (j) ii.",
        "与 source_code、source 一起填写，或改填 reference_year",
        "with source_code and source, or give reference_year instead",
    ),
    Column(
        "source_code",
        "来源代码",
        "Source of the emission factor (codes of the template legend)",
        "-",
        "choice",
        False,
        "template Summary_Processes 'Source of electricity EF'; IR (EU) 2023/1773 Annex III "
        "section D.4",
        "实际因子仅限自发电、直接技术连接或购电协议（D.4.1–D.4.3.2）；否则适用欧盟委员会的国家"
        "默认值（IR 2025/2621 附件II，greenmfg 未收录）",
        "an actual factor only with own generation, a direct technical link or a PPA (D.4.1 to "
        "D.4.3.2); otherwise the Commission's default for the country (IR 2025/2621 Annex II, "
        "not held by greenmfg)",
        tuple(ELECTRICITY_EF_SOURCES),
    ),
    Column(
        "source",
        "来源",
        "Document, contract or dataset the factor comes from",
        "-",
        "text",
        False,
        "greenmfg (required by greenmfg.footprint.cbam: no factor without a source)",
    ),
    Column(
        "confidence",
        "可信度",
        "Confidence: caller (a value the operator vouches for), official, secondary, unverified",
        "-",
        "choice",
        False,
        "greenmfg",
        "空白为 caller",
        "empty = caller",
        FACTOR_CONFIDENCE,
    ),
    Column(
        "note", "备注", "Note on the factor", "-", "text", False, "template D_Processes (j) ii."
    ),
    Column(
        "reference_year",
        "参考年份",
        "Instead of value/source: greenmfg's MEE/NBS electricity CO2 factor of this year, as "
        "'other publicly available data' (D.4(b))",
        "-",
        "year",
        False,
        "template code D.4(b); greenmfg.footprint.cbam.electricity_factor_from_reference",
        "此时 value、source_code、source、confidence、note 留空；2026 年起计算结果会提示",
        "leave value, source_code, source, confidence and note empty; flagged from 2026",
    ),
    Column(
        "reference_region",
        "参考地区",
        "Region of the reference factor: CN (default), a province or a grid region",
        "-",
        "text",
        False,
        "greenmfg reference/electricity_factors.csv",
    ),
    Column(
        "reference_series",
        "参考因子类型",
        "average (default): average factor; fossil: factor of fossil-fuel electricity",
        "-",
        "choice",
        False,
        "Regulation (EU) 2023/956 Annex IV point 1(d) ('CO2 emission factor') for fossil",
        "",
        "",
        REFERENCE_SERIES,
    ),
)

PURCHASED_COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "前体编号",
        "Short unique id of the purchased precursor (not used by a process)",
        "-",
        "id",
        True,
        "greenmfg",
        "如 PP1",
        "e.g. PP1",
    ),
    Column("name", "名称", "Name of the precursor", "-", "text", True, "template A_InstData 5"),
    Column(
        "cn_code",
        "CN编码",
        "CN code of the precursor",
        "-",
        "code",
        True,
        "template A_InstData 5; default values looked up by the code, then its 8-, 6-, 4-digit "
        "prefixes",
    ),
    Column(
        "country",
        "生产国代码",
        "Country of production (ISO 3166 alpha-2); selects the default-value table",
        "-",
        "country",
        True,
        "template A_InstData 5; IR (EU) 2025/2621 Annex I",
    ),
    Column(
        "determination",
        "数据类型",
        "actual: the supplier's verified SEE; default: the default value of IR (EU) 2025/2621 "
        "Annex I (as replaced by 2026/1740) held by greenmfg; exempt: Union or exempted origin, "
        "counted as zero",
        "-",
        "choice",
        True,
        "IR (EU) 2025/2547 Article 15 and Annex III point B",
        "",
        "",
        DETERMINATIONS,
    ),
    Column(
        "see_direct",
        "直接隐含排放",
        "Supplier's actual SEE (direct); only with determination actual",
        _T_PER_T,
        "number",
        False,
        "template E_PurchPrec (e) i.",
    ),
    Column(
        "see_indirect",
        "间接隐含排放",
        "Supplier's actual SEE (indirect); only with determination actual (may be left out for "
        "an Annex II good)",
        _T_PER_T,
        "number",
        False,
        "template E_PurchPrec (e) iv.",
    ),
    Column(
        "electricity_mwh_per_t",
        "单位耗电量",
        "Specific electricity consumption, for the embedded electricity (optional)",
        "MWh/t",
        "number",
        False,
        "template E_PurchPrec (e) ii.",
    ),
    Column("supplier", "供应商", "Supplier", "-", "text", False, "template A_InstData 5"),
    Column(
        "supplier_installation",
        "供应商设施",
        "Supplier's installation",
        "-",
        "text",
        False,
        "template A_InstData 5",
    ),
    Column("route", "生产路线", "Production route", "-", "text", False, "template A_InstData 5"),
    Column(
        "justification",
        "使用默认值的理由",
        "Justification for the use of default values",
        "-",
        "text",
        False,
        "template E_PurchPrec (e) v.",
    ),
)

SHEET_FIELDS: dict[str, tuple[Column, ...]] = {
    INSTALLATION: INSTALLATION_COLUMNS,
    IDENTIFIERS: IDENTIFIER_COLUMNS,
    PROCESSES: PROCESS_COLUMNS,
    PRECURSORS: PRECURSOR_COLUMNS,
    FACTORS: FACTOR_COLUMNS,
    PURCHASED: PURCHASED_COLUMNS,
}
_SHEET_TEXT: dict[str, tuple[str, str]] = {
    INSTALLATION: ("设施基本信息（每行一个字段）", "The installation (one field per row)"),
    IDENTIFIERS: ("设施的其他标识（每行一个）", "Other identifiers of the installation"),
    PROCESSES: ("生产工艺（每行一个）", "Production processes (one per row)"),
    PRECURSORS: (
        "各生产工艺消耗的前体（每行一种前体）",
        "Precursors consumed by each process (one per row)",
    ),
    FACTORS: ("电力排放因子（每行一个，可被多个工艺引用）", "Electricity emission factors"),
    PURCHASED: ("外购前体（每行一个）", "Purchased precursors (one per row)"),
}


# ---- errors ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One problem of an input file: where (``sheet`` and 1-based ``row`` of a workbook, or
    ``path`` of a JSON item), which ``field`` and what was expected."""

    message: str
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
    path: str | None = None

    def located(self, file: str) -> str:
        parts = [file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.path:
            parts.append(self.path)
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts) + f": {self.message}"


class CbamInputError(ValueError):
    """Problems in a CBAM input file, each located by file, sheet, row and field; nothing was
    computed. ``problems`` holds them, ``str()`` lists them one per line."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        lines = [p.located(file) for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"… and {len(self.problems) - 50} more")
        if not lines:
            text = f"{file}: invalid CBAM input"
        elif len(lines) == 1:
            text = lines[0]
        else:
            text = f"{len(self.problems)} problems in {file}; nothing was computed:\n" + "\n".join(
                lines
            )
        super().__init__(text)


def _got(value: object) -> str:
    if value is None:
        return "''"
    if isinstance(value, datetime | date):
        return repr(value.isoformat())
    return repr(value)


# ---- cell and JSON value conversion ---------------------------------------------------------------
class _Bad(Exception):
    """A value that does not fit its column; the message says what was expected."""


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_of(value: object, strict: bool) -> str:
    if isinstance(value, str):
        return value.strip()
    if strict:
        raise _Bad("expected a text")
    if isinstance(value, bool):
        raise _Bad("expected a text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # codes typed as numbers in Excel
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise _Bad("expected a text")


def _number_of(value: object, strict: bool) -> float:
    if isinstance(value, bool):
        raise _Bad("")
    if isinstance(value, int | float):
        x = float(value)
    elif isinstance(value, str) and not strict:
        text = value.strip().replace(",", "").replace("，", "")
        if not _NUMBER.match(text):
            raise _Bad("")
        x = float(text)
    else:
        raise _Bad("")
    if not math.isfinite(x):
        raise _Bad("")
    return x


def _convert(col: Column, value: object, strict: bool) -> object:
    """The value of ``col`` as the dataclass holds it; ``_Bad`` with what was expected."""
    kind = col.kind
    if kind in ("number", "positive", "latitude", "longitude", "year"):
        expected = {
            "number": "a number >= 0",
            "positive": "a number > 0",
            "latitude": "a number from -90 to 90",
            "longitude": "a number from -180 to 180",
            "year": "a year such as 2023",
        }[kind]
        try:
            x = _number_of(value, strict)
        except _Bad:
            raise _Bad(f"expected {expected}") from None
        if (
            (kind == "number" and x < 0)
            or (kind == "positive" and x <= 0)
            or (kind == "latitude" and not -90 <= x <= 90)
            or (kind == "longitude" and not -180 <= x <= 180)
        ):
            raise _Bad(f"expected {expected}")
        if kind == "year":
            if not x.is_integer() or not 1990 <= x <= 2100:
                raise _Bad(f"expected {expected}")
            return int(x)
        return x
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _Bad("expected a date YYYY-MM-DD")
    text = _text_of(value, strict)
    if kind == "country":
        code = text.upper()
        if not _COUNTRY.fullmatch(code):
            raise _Bad("expected an ISO 3166 alpha-2 country code such as CN")
        return code
    if kind == "code":
        if not _CN.fullmatch(re.sub(r"[\s.]", "", text)):
            raise _Bad("expected a CN code of 4 to 10 digits such as 72011011")
        return text
    if kind == "choice":
        for c in col.choices:
            if text.lower() == c.lower():
                return c
        raise _Bad(f"expected one of {', '.join(col.choices)}")
    return text


def _codes(value: object, strict: bool) -> tuple[str, ...]:
    """CN codes from a cell (comma-separated) or a JSON list of strings."""
    if strict:
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise _Bad('expected a list of CN codes (strings) such as ["72082500"]')
        items = [c.strip() for c in value]
    else:
        items = [c.strip() for c in _SPLIT.split(_text_of(value, False))]
    codes = tuple(c for c in items if c)
    if not codes:
        raise _Bad("expected at least one CN code such as 72082500")
    for c in codes:
        if not _CN.fullmatch(re.sub(r"[\s.]", "", c)):
            raise _Bad(f"expected CN codes of 4 to 10 digits separated by commas ({c!r} is not)")
    return codes


# ---- locations kept for the domain's errors ----------------------------------------------------------
@dataclass(frozen=True)
class Location:
    """Where an item was read: ``sheet`` and 1-based ``row`` of a workbook, or the ``path`` of a
    JSON item (``processes[1]``); all empty for the file as a whole."""

    sheet: str | None = None
    row: int | None = None
    path: str | None = None

    def problem(self, message: str, field: str | None = None) -> Problem:
        return Problem(message, self.sheet, self.row, field, self.path)


@dataclass(frozen=True)
class CbamInput:
    """An installation read from a file, with where each process, precursor input, purchased
    precursor, electricity factor and installation field came from."""

    installation: Installation
    file: str
    processes: tuple[Location, ...] = ()
    precursors: tuple[tuple[Location, ...], ...] = ()
    purchased: tuple[Location, ...] = ()
    factors: tuple[Location | None, ...] = ()  # per process: the row of its factor
    field_rows: Mapping[str, Location] | None = None  # Installation field -> its row
    whole: Location = Location()

    def compute(
        self,
        *,
        year: int,
        apply_markup: bool = True,
        defaults: Sequence[CbamDefaultValue] | None = None,
        goods: Sequence[CbamGood] | None = None,
    ) -> CbamResult:
        """:func:`greenmfg.footprint.cbam.embedded_emissions` with the shipped default values and
        CBAM goods list (``reference/cbam_default_values.csv``, ``cbam_goods.csv``) unless
        given; a :class:`CbamError` comes back as a :class:`CbamInputError` located in the file.
        """
        from greenmfg.reference.footprints import cbam_defaults, cbam_goods

        try:
            return embedded_emissions(
                self.installation,
                cbam_defaults() if defaults is None else defaults,
                goods=cbam_goods() if goods is None else goods,
                year=year,
                apply_markup=apply_markup,
            )
        except CbamError as exc:
            raise self.locate(exc) from exc

    def locate(self, exc: CbamError) -> CbamInputError:
        """The domain's error at the row (JSON: the item) of the process or precursor it names.

        The domain names items by index (``process 'P1' (processes[0]), precursors[1]``,
        ``purchased precursor 'PP1' (purchased[0])``, ``field 'country'`` of the installation);
        the index is replaced by the location it was read from.
        """
        msg = str(exc)
        for prefix in (f"installation {self.installation.name!r}, ", "installation: "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
                break
        where: Location | None = None
        m = re.search(r" \(processes\[(\d+)\]\)(, precursors\[(\d+)\])?", msg)
        p = re.search(r" \(purchased\[(\d+)\]\)", msg)
        f = re.search(r"field '([^']+)'", msg)
        field = f.group(1) if f else None
        if m:
            k = int(m.group(1))
            if m.group(3) is not None and k < len(self.precursors):
                inputs = self.precursors[k]
                j = int(m.group(3))
                where = inputs[j] if j < len(inputs) else None
            elif field and field.startswith("electricity_factor.") and k < len(self.factors):
                where = self.factors[k] or (self.processes[k] if k < len(self.processes) else None)
            elif k < len(self.processes):
                where = self.processes[k]
            msg = msg[: m.start()] + msg[m.end() :]
        elif p:
            k = int(p.group(1))
            where = self.purchased[k] if k < len(self.purchased) else None
            msg = msg[: p.start()] + msg[p.end() :]
        elif field and self.field_rows and field in self.field_rows:
            where = self.field_rows[field]
        if where is None:
            where = self.whole
        return CbamInputError(self.file, [where.problem(msg)])


# ---- rows ----------------------------------------------------------------------------------------
def _key(cell: object) -> str | None:
    """English key of a header cell (last whitespace token, lower case); None when empty."""
    if cell is None:
        return None
    text = str(cell).strip()
    return text.split()[-1].lower() if text else None


@dataclass
class _Item:
    """One row (or JSON object) converted: ``values`` is None when it had a problem; ``raw_id``
    is its id as written (so that references to a bad row are not reported twice); ``inline``
    is a JSON process's own electricity factor."""

    where: Location
    values: dict[str, object] | None
    raw_id: str = ""
    inline: tuple[Location, dict[str, object] | None] | None = None


class _Collector:
    """Converts values and collects every problem instead of stopping at the first."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict  # JSON: types as written, no text-to-number conversion
        self.problems: list[Problem] = []

    def add(self, where: Location, field: str | None, message: str) -> None:
        self.problems.append(where.problem(message, field))

    def record(
        self,
        columns: Sequence[Column],
        raw: Mapping[str, object],
        where: Location,
        where_of: Mapping[str, Location] | None = None,
    ) -> dict[str, object] | None:
        """Converted values of one row/object (empty optional fields left out); None on error.
        ``where_of`` locates single fields (the Installation sheet has one row per field)."""
        out: dict[str, object] = {}
        ok = True
        for col in columns:
            value = raw.get(col.key)
            at = where_of.get(col.key, where) if where_of else where
            if _is_empty(value):
                if col.required:
                    self.add(at, col.key, f"{_expected(col)}, got {_got(value)}")
                    ok = False
                continue
            try:
                out[col.key] = (
                    _codes(value, self.strict)
                    if col.kind == "codes"
                    else _convert(col, value, self.strict)
                )
            except _Bad as exc:
                self.add(at, col.key, f"{exc}, got {_got(value)}")
                ok = False
        return out if ok else None

    def item(self, columns: Sequence[Column], raw: Mapping[str, object], where: Location) -> _Item:
        rid = raw.get("id")
        return _Item(
            where,
            self.record(columns, raw, where),
            rid.strip() if isinstance(rid, str) else "" if rid is None else str(rid),
        )


def _expected(col: Column) -> str:
    kinds = {
        "number": "expected a number >= 0",
        "positive": "expected a number > 0",
        "country": "expected an ISO 3166 alpha-2 country code such as CN",
        "codes": "expected at least one CN code such as 72082500",
        "code": "expected a CN code such as 72011011",
        "id": "expected a short id such as P1",
        "date": "expected a date YYYY-MM-DD",
        "year": "expected a year such as 2023",
    }
    if col.kind == "choice":
        return f"expected one of {', '.join(col.choices)}"
    if col.kind == "ref":
        return f"expected the {col.en[0].lower() + col.en[1:]}"
    return kinds.get(col.kind, f"expected the {col.en[0].lower() + col.en[1:]}")


def _sheet_rows(
    ws: Any, sheet: str, columns: Sequence[Column], c: _Collector
) -> list[tuple[Location, dict[str, object]]] | None:
    """Data rows of a tabular sheet as ``{key: cell}`` with their location; None when the header
    is unusable (the problem is recorded)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    known = [col.key for col in columns]
    header_at = next((i for i, r in enumerate(rows) if any(not _is_empty(v) for v in r)), None)
    if header_at is None:
        return []
    head = Location(sheet, header_at + 1)
    index: dict[int, str] = {}
    bad = False
    for j, cell in enumerate(rows[header_at]):
        key = _key(cell)
        if key is None:
            continue
        letter = get_column_letter(j + 1)
        if key not in known:
            c.add(
                head,
                None,
                f"unknown column {str(cell).strip()!r} ({letter}); expected headers ending in "
                f"one of {', '.join(known)}",
            )
            bad = True
        elif key in index.values():
            c.add(head, key, f"column given twice ({letter})")
            bad = True
        else:
            index[j] = key
    for col in columns:
        if col.required and col.key not in index.values():
            c.add(head, col.key, f"expected a column with header {col.header()!r}")
            bad = True
    if bad:
        return None
    out: list[tuple[Location, dict[str, object]]] = []
    for i in range(header_at + 1, len(rows)):
        r = rows[i]
        if all(_is_empty(v) for v in r):
            continue
        where = Location(sheet, i + 1)
        stray = [
            get_column_letter(j + 1) for j, v in enumerate(r) if j not in index and not _is_empty(v)
        ]
        if stray:
            c.add(where, None, f"value in a column without a header ({', '.join(stray)})")
        out.append((where, {k: r[j] for j, k in index.items() if j < len(r)}))
    return out


def _installation_fields(ws: Any, c: _Collector) -> tuple[dict[str, object], dict[str, Location]]:
    """The Installation sheet: field (header ``<中文> <key>``) in column A, value in column B."""
    known = [col.key for col in INSTALLATION_COLUMNS]
    raw: dict[str, object] = {}
    where: dict[str, Location] = {}
    for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
        if not r or _is_empty(r[0]):
            if r and any(not _is_empty(v) for v in r[1:2]):
                c.add(Location(INSTALLATION, i), None, "value without a field name in column A")
            continue
        key = _key(r[0])
        if key == "field":
            continue  # the header row of the template
        w = Location(INSTALLATION, i)
        if key not in known:
            c.add(
                w,
                None,
                f"unknown field {str(r[0]).strip()!r} in column A; expected one ending in "
                f"{', '.join(known)}",
            )
            continue
        assert key is not None
        if key in raw:
            c.add(w, key, f"field given twice (first in row {where[key].row})")
            continue
        raw[key] = r[1] if len(r) > 1 else None
        where[key] = w
    return raw, where


# ---- assembling the installation ----------------------------------------------------------------
@dataclass
class _Parsed:
    """Rows converted, before they are tied together by their ids."""

    inst: dict[str, object]
    inst_where: dict[str, Location]
    identifiers: list[_Item]
    processes: list[_Item]
    precursors: list[_Item]  # values carry 'process', the id of the consuming process
    factors: list[_Item]  # workbook only; JSON factors are inline on the process
    purchased: list[_Item]
    whole: Location  # the installation as a whole
    json: bool
    processes_readable: bool = True  # False: the Processes header was refused already


def _factor(
    values: dict[str, object], where: Location, c: _Collector, ref: Callable[[], ReferenceData]
) -> ElectricityFactor | None:
    """An electricity factor as given, or greenmfg's reference factor when ``reference_year``
    asks for it (never filled in otherwise)."""
    if "reference_year" in values:
        given = [k for k in ("value", "source_code", "source", "confidence", "note") if k in values]
        if given:
            c.add(
                where,
                given[0],
                "expected it empty when reference_year asks for greenmfg's reference factor",
            )
            return None
        year = cast(int, values["reference_year"])
        region = cast(str, values.get("reference_region", "CN"))
        series = cast(str, values.get("reference_series", "average"))
        try:
            ref().resolve_region(region)
        except KeyError:
            c.add(
                where,
                "reference_region",
                f"expected CN, a province or a grid region, got {region!r}",
            )
            return None
        try:
            return electricity_factor_from_reference(ref(), year, region, series)
        except KeyError as exc:
            c.add(where, "reference_year", str(exc.args[0]))
            return None
    for k in ("reference_region", "reference_series"):
        if k in values:
            c.add(where, "reference_year", f"expected a year when {k} is given, got ''")
            return None
    ok = True
    for k, what in (
        ("value", "expected the factor in tCO2/MWh (a number >= 0), or reference_year"),
        ("source_code", f"expected one of {', '.join(ELECTRICITY_EF_SOURCES)}"),
        ("source", "expected the document, contract or dataset the factor comes from"),
    ):
        if k not in values:
            c.add(where, k, f"{what}, got ''")
            ok = False
    if not ok:
        return None
    return ElectricityFactor(
        value=cast(float, values["value"]),
        source_code=cast(str, values["source_code"]),
        source=cast(str, values["source"]),
        confidence=cast(str, values.get("confidence", "caller")),
        note=cast(str, values.get("note", "")),
    )


def _assemble(p: _Parsed, file: str, c: _Collector, ref: ReferenceData | None) -> CbamInput:
    cache: list[ReferenceData] = []

    def get_ref() -> ReferenceData:
        if not cache:
            from greenmfg.reference import get_reference

            cache.append(ref if ref is not None else get_reference())
        return cache[0]

    iv = c.record(INSTALLATION_COLUMNS, p.inst, p.whole, p.inst_where)
    if iv is not None:
        start, end = iv.get("period_start"), iv.get("period_end")
        if isinstance(start, date) and isinstance(end, date) and end <= start:
            c.add(
                p.inst_where.get("period_end", p.whole),
                "period_end",
                f"expected a date after period_start, got {_got(end)}",
            )
    identifiers = [
        (cast(str, it.values["scheme"]), cast(str, it.values["value"]))
        for it in p.identifiers
        if it.values is not None
    ]

    factors: dict[str, tuple[Location, ElectricityFactor | None]] = {}
    bad_factor_ids = {it.raw_id for it in p.factors if it.values is None}
    for it in p.factors:
        if it.values is None:
            continue
        fid = cast(str, it.values["id"])
        if fid in factors:
            c.add(it.where, "id", f"id {fid!r} already used in row {factors[fid][0].row}")
            continue
        factors[fid] = (it.where, _factor(it.values, it.where, c, get_ref))

    # processes and purchased precursors share one name space (a precursor names either)
    ids: dict[str, Location] = {}
    for it in (*p.processes, *p.purchased):
        if it.values is None:
            continue
        id_ = cast(str, it.values["id"])
        if id_ in ids:
            first = ids[id_]
            at = f"sheet {first.sheet}, row {first.row}" if first.sheet else first.path
            c.add(it.where, "id", f"id {id_!r} already used ({at}); ids must be unique")
        else:
            ids[id_] = it.where
    bad_ids = {it.raw_id for it in (*p.processes, *p.purchased) if it.values is None}
    process_ids = [cast(str, it.values["id"]) for it in p.processes if it.values is not None]

    inputs: dict[str, list[tuple[Location, PrecursorInput]]] = {pid: [] for pid in process_ids}
    for it in p.precursors:
        if it.values is None:
            continue
        consumer = cast(str, it.values["process"])
        precursor = cast(str, it.values["precursor"])
        good = consumer in inputs and precursor in ids
        if consumer not in inputs and consumer not in bad_ids:
            c.add(
                it.where,
                "process",
                f"expected the id of a process of sheet {PROCESSES} "
                f"({', '.join(process_ids) or 'none'}), got {consumer!r}",
            )
        if precursor not in ids and precursor not in bad_ids:
            c.add(
                it.where,
                "precursor",
                "expected the id of a process or purchased precursor "
                f"({', '.join(ids) or 'none'}), got {precursor!r}",
            )
        if good:
            inputs[consumer].append(
                (it.where, PrecursorInput(precursor, cast(float, it.values["amount_t"])))
            )

    processes: list[ProductionProcess] = []
    process_where: list[Location] = []
    factor_where: list[Location | None] = []
    for it in p.processes:
        vals = it.values
        if vals is None:
            continue
        factor: ElectricityFactor | None = None
        f_where: Location | None = None
        if it.inline is not None:
            f_where, f_vals = it.inline
            factor = _factor(f_vals, f_where, c, get_ref) if f_vals is not None else None
        elif "electricity_factor" in vals:
            fid = cast(str, vals["electricity_factor"])
            if fid in factors:
                f_where, factor = factors[fid]
            elif fid not in bad_factor_ids:
                c.add(
                    it.where,
                    "electricity_factor",
                    f"expected the id of a row of sheet {FACTORS} "
                    f"({', '.join(factors) or 'none'}), got {fid!r}",
                )
        elif cast(float, vals.get("electricity_mwh", 0.0)) > 0:
            what = (
                "an electricity factor object" if p.json else f"the id of a row of sheet {FACTORS}"
            )
            c.add(
                it.where,
                "electricity_factor",
                f"expected {what} (required when electricity_mwh > 0), got ''",
            )
        pid = cast(str, vals["id"])
        processes.append(
            ProductionProcess(
                id=pid,
                name=cast(str, vals["name"]),
                category=cast(str, vals["category"]),
                cn_codes=cast(tuple[str, ...], vals["cn_codes"]),
                activity_level_t=cast(float, vals["activity_level_t"]),
                direct_emissions_t=cast(float, vals["direct_emissions_t"]),
                electricity_mwh=cast(float, vals.get("electricity_mwh", 0.0)),
                electricity_factor=factor,
                precursors=tuple(pi for _, pi in inputs[pid]),
                route=cast(str, vals.get("route", "")),
            )
        )
        process_where.append(it.where)
        factor_where.append(f_where)
    if not p.processes and p.processes_readable:
        c.add(
            Location(path="processes") if p.json else Location(PROCESSES),
            None,
            "expected at least one production process",
        )

    purchased: list[PurchasedPrecursor] = []
    purchased_where: list[Location] = []
    for it in p.purchased:
        vals = it.values
        if vals is None:
            continue
        purchased.append(
            PurchasedPrecursor(
                id=cast(str, vals["id"]),
                name=cast(str, vals["name"]),
                cn_code=cast(str, vals["cn_code"]),
                country=cast(str, vals["country"]),
                determination=cast(Any, vals["determination"]),
                see_direct=cast("float | None", vals.get("see_direct")),
                see_indirect=cast("float | None", vals.get("see_indirect")),
                electricity_mwh_per_t=cast("float | None", vals.get("electricity_mwh_per_t")),
                supplier=cast(str, vals.get("supplier", "")),
                supplier_installation=cast(str, vals.get("supplier_installation", "")),
                route=cast(str, vals.get("route", "")),
                justification=cast(str, vals.get("justification", "")),
            )
        )
        purchased_where.append(it.where)

    if c.problems or iv is None:
        raise CbamInputError(file, _ordered(c.problems))
    installation = Installation(
        name=cast(str, iv["name"]),
        country=cast(str, iv["country"]),
        processes=tuple(processes),
        purchased=tuple(purchased),
        name_en=cast(str, iv.get("name_en", "")),
        unlocode=cast(str, iv.get("unlocode", "")),
        identifiers=tuple(identifiers),
        address=cast(str, iv.get("address", "")),
        post_code=cast(str, iv.get("post_code", "")),
        city=cast(str, iv.get("city", "")),
        economic_activity=cast(str, iv.get("economic_activity", "")),
        latitude=cast("float | None", iv.get("latitude")),
        longitude=cast("float | None", iv.get("longitude")),
        period_start=cast("date | None", iv.get("period_start")),
        period_end=cast("date | None", iv.get("period_end")),
        representative=cast(str, iv.get("representative", "")),
        email=cast(str, iv.get("email", "")),
        telephone=cast(str, iv.get("telephone", "")),
    )
    return CbamInput(
        installation=installation,
        file=file,
        processes=tuple(process_where),
        precursors=tuple(tuple(w for w, _ in inputs[pr.id]) for pr in processes),
        purchased=tuple(purchased_where),
        factors=tuple(factor_where),
        field_rows=dict(p.inst_where),
        whole=p.whole,
    )


_SHEET_ORDER = {s: i for i, s in enumerate(INPUT_SHEETS)}


def _ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in reading order: by sheet as in the template, then row (stable otherwise)."""
    return sorted(problems, key=lambda q: (_SHEET_ORDER.get(q.sheet or "", -1), q.row or 0))


# ---- workbook reader ----------------------------------------------------------------------------
def _find_sheet(names: Sequence[str], wanted: str) -> str | None:
    """A sheet named ``wanted``, or whose last token is (``工艺 Processes``), case-insensitive."""
    for n in names:
        tokens = n.split()
        if tokens and tokens[-1].lower() == wanted.lower():
            return n
    return None


def _read_xlsx(data: bytes, file: str, ref: ReferenceData | None) -> CbamInput:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise CbamInputError(
            file, [Problem(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})")]
        ) from None
    c = _Collector(strict=False)
    try:
        names = list(wb.sheetnames)
        found = {s: _find_sheet(names, s) for s in INPUT_SHEETS}
        missing = [s for s in REQUIRED_SHEETS if found[s] is None]
        if missing:
            raise CbamInputError(
                file,
                [
                    Problem(
                        f"expected a sheet named {s!r} (the layout of `greenmfg cbam template`); "
                        f"found {', '.join(names)}"
                    )
                    for s in missing
                ],
            )
        inst_raw, inst_where = _installation_fields(wb[cast(str, found[INSTALLATION])], c)
        tables: dict[str, list[_Item]] = {}
        readable: dict[str, bool] = {}
        for sheet in INPUT_SHEETS[1:]:
            name = found[sheet]
            rows = _sheet_rows(wb[name], sheet, SHEET_FIELDS[sheet], c) if name else []
            readable[sheet] = rows is not None
            tables[sheet] = [c.item(SHEET_FIELDS[sheet], raw, w) for w, raw in rows or []]
    finally:
        wb.close()
    parsed = _Parsed(
        inst=inst_raw,
        inst_where=inst_where,
        identifiers=tables[IDENTIFIERS],
        processes=tables[PROCESSES],
        precursors=tables[PRECURSORS],
        factors=tables[FACTORS],
        purchased=tables[PURCHASED],
        whole=Location(INSTALLATION),
        json=False,
        processes_readable=readable[PROCESSES],
    )
    return _assemble(parsed, file, c, ref)


# ---- JSON ---------------------------------------------------------------------------------------
_INST_KEYS = tuple(f.name for f in fields(Installation))
_PROCESS_KEYS = tuple(f.name for f in fields(ProductionProcess))
_PURCHASED_KEYS = tuple(f.name for f in fields(PurchasedPrecursor))
_FACTOR_KEYS = tuple(f.name for f in fields(ElectricityFactor))
_INPUT_KEYS = tuple(f.name for f in fields(PrecursorInput))
_FACTOR_REF_KEYS = ("reference_year", "reference_region", "reference_series")


def installation_to_dict(installation: Installation) -> dict[str, Any]:
    """The installation as plain JSON data: every field of the dataclasses in their order, dates
    as ``YYYY-MM-DD``, tuples as lists, ``identifiers`` as ``[scheme, value]`` pairs."""

    def process(p: ProductionProcess) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k in _PROCESS_KEYS:
            v = getattr(p, k)
            if k == "cn_codes":
                v = list(v)
            elif k == "electricity_factor" and v is not None:
                v = {f: getattr(v, f) for f in _FACTOR_KEYS}
            elif k == "precursors":
                v = [{f: getattr(pi, f) for f in _INPUT_KEYS} for pi in v]
            d[k] = v
        return d

    out: dict[str, Any] = {}
    for k in _INST_KEYS:
        v = getattr(installation, k)
        if k == "processes":
            v = [process(p) for p in v]
        elif k == "purchased":
            v = [{f: getattr(pp, f) for f in _PURCHASED_KEYS} for pp in v]
        elif k == "identifiers":
            v = [[a, b] for a, b in v]
        elif isinstance(v, date):
            v = v.isoformat()
        out[k] = v
    return out


def _obj(
    value: object, where: Location, keys: Sequence[str], c: _Collector, what: str
) -> dict[str, object] | None:
    """A JSON object with known keys only, nulls dropped; None (after a problem) otherwise."""
    if not isinstance(value, dict):
        c.add(where, None, f"expected {what} (a JSON object), got {_got(value)}")
        return None
    unknown = [str(k) for k in value if k not in keys]
    for k in unknown:
        c.add(where, k, f"unknown key; expected one of {', '.join(keys)}")
    if unknown:
        return None
    return {k: v for k, v in value.items() if v is not None}


def _list(value: object, where: Location, c: _Collector) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(where, None, f"expected a JSON list, got {_got(value)}")
        return []
    return value


def installation_from_dict(
    data: Mapping[str, Any], *, source: str = "<dict>", ref: ReferenceData | None = None
) -> Installation:
    """The installation from :func:`installation_to_dict`'s form. Strict: unknown keys, wrong
    types (a number written as text) and missing required fields are :class:`CbamInputError`
    problems located by ``source`` (the file name) and the path of the item (``processes[1]``).

    A process's ``electricity_factor`` may also be ``{"reference_year": 2023,
    "reference_region": "CN", "reference_series": "average"}``: greenmfg's MEE/NBS factor
    (template code D.4(b)) from ``ref`` (the package's reference data by default).
    """
    return _from_dict(data, source, ref).installation


def _from_dict(data: object, file: str, ref: ReferenceData | None) -> CbamInput:
    c = _Collector(strict=True)
    top = _obj(data, Location(), _INST_KEYS, c, "the installation")
    if top is None:
        raise CbamInputError(file, c.problems)
    inst_raw = {k: v for k, v in top.items() if k not in ("processes", "purchased", "identifiers")}

    identifiers: list[_Item] = []
    for i, pair in enumerate(_list(top.get("identifiers"), Location(path="identifiers"), c)):
        w = Location(path=f"identifiers[{i}]")
        if (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(x, str) and x.strip() for x in pair)
        ):
            identifiers.append(_Item(w, {"scheme": pair[0].strip(), "value": pair[1].strip()}))
        else:
            c.add(w, None, f"expected a pair [scheme, value] of texts, got {_got(pair)}")

    processes: list[_Item] = []
    precursors: list[_Item] = []
    process_cols = [col for col in PROCESS_COLUMNS if col.key != "electricity_factor"]
    factor_cols = [col for col in FACTOR_COLUMNS if col.key != "id"]
    for k, raw in enumerate(_list(top.get("processes"), Location(path="processes"), c)):
        w = Location(path=f"processes[{k}]")
        obj = _obj(raw, w, _PROCESS_KEYS, c, "a production process")
        if obj is None:
            processes.append(_Item(w, None))
            continue
        it = c.item(process_cols, obj, w)
        for m, pi in enumerate(_list(obj.get("precursors"), w, c)):
            pw = Location(path=f"{w.path}.precursors[{m}]")
            pobj = _obj(pi, pw, _INPUT_KEYS, c, "a precursor input")
            pvals = c.record(PRECURSOR_COLUMNS[1:], pobj, pw) if pobj is not None else None
            if pvals is not None and it.values is not None:
                precursors.append(_Item(pw, {**pvals, "process": it.values["id"]}))
        if "electricity_factor" in obj:
            fw = Location(path=f"{w.path}.electricity_factor")
            fobj = _obj(
                obj["electricity_factor"],
                fw,
                (*_FACTOR_KEYS, *_FACTOR_REF_KEYS),
                c,
                "an electricity factor",
            )
            it.inline = (fw, c.record(factor_cols, fobj, fw) if fobj is not None else None)
        processes.append(it)

    purchased: list[_Item] = []
    for k, raw in enumerate(_list(top.get("purchased"), Location(path="purchased"), c)):
        w = Location(path=f"purchased[{k}]")
        obj = _obj(raw, w, _PURCHASED_KEYS, c, "a purchased precursor")
        purchased.append(c.item(PURCHASED_COLUMNS, obj, w) if obj is not None else _Item(w, None))

    parsed = _Parsed(
        inst=inst_raw,
        inst_where={},
        identifiers=identifiers,
        processes=processes,
        precursors=precursors,
        factors=[],
        purchased=purchased,
        whole=Location(),
        json=True,
    )
    return _assemble(parsed, file, c, ref)


# ---- entry points -------------------------------------------------------------------------------
def read_cbam_input_bytes(
    data: bytes, filename: str, *, ref: ReferenceData | None = None
) -> CbamInput:
    """Read an installation from the bytes of an ``.xlsx`` or ``.json`` file named ``filename``
    (the name selects the format and locates the errors)."""
    name = Path(filename).name or filename
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, name, ref)
    if suffix == ".json":
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise CbamInputError(name, [Problem(f"expected UTF-8 text ({exc.reason})")]) from None
        except json.JSONDecodeError as exc:
            raise CbamInputError(
                name,
                [Problem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")],
            ) from None
        return _from_dict(doc, name, ref)
    raise CbamInputError(
        name, [Problem(f"unsupported file type {suffix or '(none)'!r}; expected .xlsx or .json")]
    )


def read_cbam_input(path: str | Path, *, ref: ReferenceData | None = None) -> CbamInput:
    """Read an installation from an ``.xlsx`` workbook or a ``.json`` file, keeping where every
    item came from (for the located errors of :meth:`CbamInput.compute`)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CbamInputError(p.name, [Problem(f"cannot read the file ({exc.strerror})")]) from None
    return read_cbam_input_bytes(data, p.name, ref=ref)


def read_cbam_installation(path: str | Path, *, ref: ReferenceData | None = None) -> Installation:
    """The :class:`Installation` of an ``.xlsx`` or ``.json`` file; :class:`CbamInputError`
    lists every problem (file, sheet, row, field, what was expected)."""
    return read_cbam_input(path, ref=ref).installation


def read_cbam_installation_bytes(
    data: bytes, filename: str, *, ref: ReferenceData | None = None
) -> Installation:
    """As :func:`read_cbam_installation`, from bytes (an upload); ``filename`` gives the format."""
    return read_cbam_input_bytes(data, filename, ref=ref).installation


# ---- the blank workbook -------------------------------------------------------------------------
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _label(lang: str, zh: str, en: str) -> str:
    if not zh:
        return en
    if not en:
        return zh
    return f"{zh} {en}" if lang == "zh" else f"{en} {zh}"


def _note(col: Column, lang: str) -> str:
    """Unit, required or not, meaning, allowed values and clause of a column, for the header
    comment and the Installation sheet."""
    unit = f"[{col.unit}] " if col.unit not in ("", "-") else ""
    if lang == "zh":
        text = f"{'必填' if col.required else '选填'} {unit}{col.zh} — {col.en}"
        text += f"；{col.explain_zh}" if col.explain_zh else ""
    else:
        text = f"{'required' if col.required else 'optional'} {unit}{col.en}"
        text += f"; {col.explain_en}" if col.explain_en else ""
    if col.choices:
        text += f" [{' | '.join(col.choices)}]"
    return f"{text} — {col.clause}"


def _width(text: str) -> int:
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _table_sheet(ws: Worksheet, sheet: str, lang: str) -> None:
    columns = SHEET_FIELDS[sheet]
    ws.append([col.header() for col in columns])
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = _BOLD
        cell.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        cell.alignment = _WRAP
        cell.comment = Comment(_note(col, lang), "greenmfg")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(12, min(40, _width(col.header()) + 2))
        if col.kind in ("codes", "code"):  # CN codes stay text (no 7.2E+07)
            for r in range(2, TEMPLATE_ROWS + 1):
                ws.cell(row=r, column=j).number_format = "@"
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1=f'"{",".join(col.choices)}"',
                allow_blank=True,
                showErrorMessage=True,
            )
            dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _installation_sheet(ws: Worksheet, lang: str) -> None:
    # column A of the header row ends in 'field': the reader skips that row
    ws.append(["字段 field", "值 value", _label(lang, "单位与说明（不读取）", "notes (not read)")])
    for cell in ws[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for col in INSTALLATION_COLUMNS:
        ws.append([col.header(), None, _note(col, lang)])
        r = ws.max_row
        ws.cell(row=r, column=1).font = _BOLD
        ws.cell(row=r, column=1).fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        if col.kind == "date":
            ws.cell(row=r, column=2).number_format = "yyyy-mm-dd"
        elif col.kind not in ("latitude", "longitude"):
            ws.cell(row=r, column=2).number_format = "@"  # post codes, phone numbers: text
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 110
    ws.freeze_panes = "B2"


def _readme(ws: Worksheet, lang: str) -> None:
    def L(zh: str, en: str) -> str:
        return _label(lang, zh, en)

    lines = [
        (
            L("EU CBAM 设施数据模板（greenmfg）", "EU CBAM installation data (greenmfg)"),
            _TITLE,
        ),
        (
            L(
                "填写本工作簿后运行：greenmfg cbam report 本文件.xlsx --year 2026 --out cbam.xlsx",
                "Fill in this workbook, then run: greenmfg cbam report THIS.xlsx --year 2026 "
                "--out cbam.xlsx",
            ),
            None,
        ),
        (
            L(
                "计算：SEE_g = (AttrEm_g + EE_InpMat) / AL_g，EE_InpMat = Σ M_i × SEE_i，直接与间接"
                "分别计算（条例(EU) 2023/956 附件IV 第2-3点；实施条例(EU) 2025/2547 附件III B点，"
                "式59-60）；输出为欧盟“设施通报模板”结构的工作簿。",
                "Computed: SEE_g = (AttrEm_g + EE_InpMat) / AL_g, EE_InpMat = Σ M_i × SEE_i, "
                "direct and indirect separately (Regulation (EU) 2023/956 Annex IV points 2-3; "
                "Implementing Regulation (EU) 2025/2547 Annex III point B, eq. 59-60); the "
                "output follows the EU communication template for installations.",
            ),
            None,
        ),
        (
            L(
                "表头为“中文（单位） 英文键”，程序只读取最后一个词（英文键，不区分大小写）；"
                "橙色表头为必填列。每张表第1行为表头，空行忽略。",
                "Header cells read '<Chinese (unit)> <key>'; only the last word (the English key, "
                "case-insensitive) is read. Orange headers are required. Row 1 of every sheet is "
                "the header; empty rows are ignored.",
            ),
            None,
        ),
        (
            L(
                "本表中的排放量、产量、电量与供应商实测值均为经营者的输入；默认值由 greenmfg 从"
                "其参考数据（实施条例(EU) 2025/2621 附件I，经 2026/1740 替换）读取；电力排放因子"
                "须注明来源：欧盟委员会对中国的默认因子（2025/2621 附件II）greenmfg 未收录。",
                "Emissions, production, electricity and suppliers' actual values are the "
                "operator's inputs; default values come from greenmfg's reference data (IR (EU) "
                "2025/2621 Annex I as replaced by 2026/1740); every electricity factor needs its "
                "source: the Commission's default for China (2025/2621 Annex II) is not held by "
                "greenmfg.",
            ),
            None,
        ),
    ]
    for text, font in lines:
        ws.append([text])
        if font is not None:
            ws.cell(row=ws.max_row, column=1).font = font
    ws.append([])
    head = [
        L("工作表", "Sheet"),
        L("列（表头）", "Column (header)"),
        L("键", "Key"),
        L("必填", "Required"),
        L("单位", "Unit"),
        L("含义", "Meaning"),
        L("说明", "Notes"),
        L("条款 / 模板栏目", "Clause / template field"),
    ]
    ws.append(head)
    for cell in ws[ws.max_row]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for sheet in INPUT_SHEETS:
        zh, en = _SHEET_TEXT[sheet]
        ws.append([sheet, L(zh, en)])
        ws.cell(row=ws.max_row, column=1).font = _BOLD
        for col in SHEET_FIELDS[sheet]:
            ws.append(
                [
                    sheet,
                    col.header(),
                    col.key,
                    L("是", "yes") if col.required else L("否", "no"),
                    col.unit,
                    col.en,
                    _label(lang, col.explain_zh, col.explain_en)
                    + (f" [{' | '.join(col.choices)}]" if col.choices else ""),
                    col.clause,
                ]
            )
    ws.append([])
    ws.append([L("电力排放因子来源代码", "Source codes of the electricity emission factor")])
    ws.cell(row=ws.max_row, column=1).font = _BOLD
    for code, (zh, en) in ELECTRICITY_EF_SOURCES.items():
        ws.append(["source_code", code, "", "", "", L(zh, en)])
    ws.append([])
    ws.append([L("外购前体数据类型", "Determination of a purchased precursor")])
    ws.cell(row=ws.max_row, column=1).font = _BOLD
    for code, zh, en in (
        ("actual", "供应商经核查的实际 SEE（需核查报告）", "the supplier's verified actual SEE"),
        (
            "default",
            "默认值：按 CN 编码和生产国查 greenmfg 参考数据，2026 年起默认加成",
            "default value by CN code and country of production from greenmfg's reference "
            "data, marked up from 2026 (--no-markup for the printed values)",
        ),
        ("exempt", "欧盟或豁免国家原产，计为零", "Union or exempted origin, counted as zero"),
    ):
        ws.append(["determination", code, "", "", "", L(zh, en)])
    for letter, width in zip("ABCDEFGH", (20, 36, 22, 10, 12, 60, 60, 60), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=7):
        for cell in row:
            cell.alignment = _WRAP


def cbam_template_xlsx(lang: str = "zh") -> bytes:
    """A blank installation workbook (``.xlsx`` bytes) to fill in for ``greenmfg cbam report``.

    Sheets :data:`INPUT_SHEETS` and ``Read-me``; header cells ``"<中文（单位）> <key>"`` with a
    comment giving the unit, the meaning and the clause; drop-down lists for the coded columns.
    ``lang`` ``'zh'`` puts Chinese first in the notes and the Read-me, ``'en'`` English first.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang: expected 'zh' or 'en', got {lang!r}")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = README_SHEET
    _readme(ws, lang)
    _installation_sheet(wb.create_sheet(INSTALLATION), lang)
    for sheet in INPUT_SHEETS[1:]:
        _table_sheet(wb.create_sheet(sheet), sheet, lang)
    wb.active = 1
    wb.properties.creator = "greenmfg cbam template"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

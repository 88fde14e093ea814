"""The ISO 14067 product carbon footprint report as a workbook, HTML and PDF
(:mod:`greenmfg.io.footprint_report`).

The product system is an illustrative cement plant with made-up amounts (as in
tests/test_footprint_system.py); only the GWPs come from the shipped reference data (IPCC AR6
WG I, Table 7.15, via ``gwp_table``). Expected figures are derived by hand below:

    electricity: the supplier's 0.4 kg CO2e/kWh replaces the database's 0.5 (ISO 14067, 6.3.5)
    q_clinker = 850 (CO2) + 0.01 * GWP_N2O (N2O) + 1.5 t * 10 (limestone) + 60 kWh * 0.4
              = 850 + 2.73 + 15 + 24 = 891.73 kg CO2e/t          (GWP_N2O = 273, AR6)
    q_cement  = 0.75 * 891.73 + 0.2 t * 20 (slag, 0.02 kg/kg) + 35 kWh * 0.4
              = 668.7975 + 4 + 14 = 686.7975 kg CO2e/t
    gypsum (0.05 t of 1.0 t of the mill's input mass = 5 %) is cut off at 6 %.

Contributions to one t of cement, by column: clinker line (direct) 0.75 * 852.73 = 639.5475;
electricity (supplier) (0.75 * 60 + 35) * 0.4 = 32; limestone (database, unverified)
0.75 * 1.5 * 10 = 11.25; slag (database, secondary) 4; grinding (no direct emissions) 0.
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from typing import Any

import openpyxl
import pytest

from greenmfg.footprint.report import FORMULAS, FootprintReport, footprint_report
from greenmfg.footprint.system import (
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    PurchasedFootprint,
    compute,
    gwp_table,
)
from greenmfg.io.footprint_report import (
    _sig,
    footprint_report_html,
    footprint_report_pdf,
    footprint_report_tables,
    sheet_names,
    write_footprint_report_xlsx,
)
from greenmfg.io.pdf import cjk_font_available
from greenmfg.reference import get_reference

AR6 = gwp_table(get_reference().gwp, "ar6")
#: PACT v3 ratings (1 best .. 5) of the clinker line, made up for the test
DQR = {"technological": 1, "temporal": 2, "geographical": 1, "completeness": 2, "reliability": 1}
CFP = 0.75 * (850 + 0.01 * AR6["N2O"] + 1.5 * 10 + 60 * 0.4) + 0.2 * 20 + 35 * 0.4
CLINKER_DIRECT = 0.75 * (850 + 0.01 * AR6["N2O"])
UNVERIFIED_FILL = "F8CBAD"  # io/report.py _confidence_fill: unverified
SECONDARY_FILL = "FFF2CC"  # io/report.py _confidence_fill: secondary


def _system(
    *,
    kiln: str = "clinker line",
    supplier: str = "华东电厂",
    product_name: str = "水泥 P·O 42.5",
    dqr: bool = True,
    own_clinker_value: bool = False,
) -> ProductSystem:
    products = (
        Product("clinker", "熟料", "t", 1000.0),
        Product("cement", product_name, "t", 1000.0),
        Product("electricity", "电力", "kWh"),
        Product("limestone", "石灰石", "t", 1000.0),
        Product("gypsum", "石膏", "t", 1000.0),
        Product("slag", "矿渣", "t", 1000.0),
    )
    processes = (
        Process(
            "kiln",
            kiln,
            outputs=(Output("clinker", 1, "t"),),
            inputs=(Input("limestone", 1.5, "t", gsd=1.1), Input("electricity", 60, "kWh")),
            emissions=(Emission("CO2", 850, "kg", gsd=1.05), Emission("N2O", 0.01, "kg")),
            source="inventory 2024, 熟料线",
            dqr=DQR if dqr else {},
        ),
        Process(
            "mill",
            "grinding",
            outputs=(Output("cement", 1, "t"),),
            inputs=(
                Input("clinker", 750, "kg"),
                Input("gypsum", 0.05, "t"),
                Input("slag", 0.2, "t"),
                Input("electricity", 0.035, "MWh"),
            ),
        ),
    )
    purchased = [
        PurchasedFootprint("electricity", 0.5, "kWh", "database", "db:grid", confidence="official"),
        PurchasedFootprint(
            "limestone", 10, "t", "database", "db:limestone", confidence="unverified", gsd=1.3
        ),
        PurchasedFootprint("slag", 0.02, "kg", "database", "db:slag", confidence="secondary"),
        PurchasedFootprint("electricity", 0.4, "kWh", "supplier", "pact:1", supplier=supplier),
    ]
    if own_clinker_value:
        purchased.append(
            PurchasedFootprint("clinker", 900, "t", "database", "db:clinker", confidence="official")
        )
    return ProductSystem(products, processes, tuple(purchased), cutoff=0.06)


def _report(iterations: int = 200, **kw: Any) -> FootprintReport:
    system = _system(**kw)
    return footprint_report(
        system,
        compute(system, AR6, "ar6"),
        "cement",
        organisation="华东水泥有限公司",
        year=2024,
        iterations=iterations,
        seed=7,
        generated=date(2025, 3, 1),
    )


@pytest.fixture(scope="module")
def report() -> FootprintReport:
    return _report()


def _book(report: FootprintReport, lang: str = "zh") -> Any:
    return openpyxl.load_workbook(io.BytesIO(write_footprint_report_xlsx(report, lang)))


def _table(ws: Any, first_header: str) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The header row (the one starting with ``first_header``) as values and the rows under it,
    as cells."""
    rows = list(ws.iter_rows())
    for k, row in enumerate(rows):
        if row[0].value == first_header:
            return [c.value for c in row], [tuple(r) for r in rows[k + 1 :]]
    raise AssertionError(f"no header {first_header!r} in sheet {ws.title}")


def _summary_value(ws: Any, label: str) -> Any:
    for row in ws.iter_rows():
        if row[0].value == label:
            return row[1]
    raise AssertionError(f"no summary row {label!r}")


def test_report_figures_are_the_hand_derived_ones(report: FootprintReport) -> None:
    # guards the fixture itself: 686.7975 kg CO2e/t with AR6 N2O = 273
    assert report.value == pytest.approx(686.7975)
    assert pytest.approx(686.7975) == CFP


def test_sheets_in_both_languages(report: FootprintReport) -> None:
    zh = ["汇总", "生命周期阶段", "过程贡献", "温室气体", "供应链路径", "数据质量"]
    zh += ["取舍排除", "被替换的数据库值", "来源与标记", "公式"]
    en = ["Summary", "Stages", "Processes", "Gases", "Paths", "Data quality", "Cut-off"]
    en += ["Replaced values", "Sources & flags", "Formulas"]
    assert _book(report, "zh").sheetnames == zh == list(sheet_names("zh"))
    assert _book(report, "en").sheetnames == en == list(sheet_names("en"))
    assert [t.sheet for t in footprint_report_tables(report)] == zh


def test_summary_cfp_cell_is_the_footprint_as_a_number(report: FootprintReport) -> None:
    for lang, label in (
        ("zh", "产品碳足迹 (CFP)"),
        ("en", "Carbon footprint of the product (CFP)"),
    ):
        ws = _book(report, lang).worksheets[0]
        cell = _summary_value(ws, label)
        assert cell.data_type == "n"
        assert cell.value == report.value
        assert cell.value == pytest.approx(CFP)
        assert ws.cell(row=cell.row, column=3).value == "kg CO2e/t"
    en = _book(report, "en").worksheets[0]
    assert _summary_value(en, "Declared unit").value == "1 t"
    assert _summary_value(en, "Mass per declared unit").value == 1000
    assert _summary_value(en, "System boundary").value == "cradle-to-gate"
    assert _summary_value(en, "Allocation method (default)").value == "mass"
    assert _summary_value(en, "Cut-off (share of input mass)").value == pytest.approx(6.0)
    # primary data = own processes + supplier data: (639.5475 + 32) / 686.7975
    primary = _summary_value(en, "Primary data share")
    assert primary.value == pytest.approx(100 * (CLINKER_DIRECT + 32) / CFP)
    assert primary.value == pytest.approx(report.primary_share_percent)
    assert _summary_value(en, "Reference year").value == 2024
    assert _summary_value(en, "Generated").value == "2025-03-01"
    assert _summary_value(en, "Solver").value == report.solver
    assert _summary_value(en, "Backward error").value == report.backward_error


def test_process_rows_sum_to_the_footprint(report: FootprintReport) -> None:
    ws = _book(report, "en")["Processes"]
    header, rows = _table(ws, "#")
    col = header.index("Contribution [kg CO2e/t]")
    by_label = {r[1].value: r for r in rows}
    assert all(r[col].data_type == "n" for r in rows)
    assert sum(r[col].value for r in rows) == pytest.approx(CFP)
    assert by_label["clinker line"][col].value == pytest.approx(CLINKER_DIRECT)
    assert by_label["电力"][col].value == pytest.approx((0.75 * 60 + 35) * 0.4)
    assert by_label["石灰石"][col].value == pytest.approx(0.75 * 1.5 * 10)
    assert by_label["矿渣"][col].value == pytest.approx(0.2 * 20)
    # amounts per t of cement with their units; origin translated; shares in percent
    assert by_label["电力"][header.index("Amount per declared unit")].value == 80
    assert by_label["电力"][header.index("Unit")].value == "kWh"
    assert by_label["电力"][header.index("Origin")].value == "supplier data"
    assert by_label["电力"][header.index("Supplier")].value == "华东电厂"
    assert by_label["clinker line"][header.index("Origin")].value == "own process"
    assert by_label["石灰石"][header.index("Origin")].value == "database"
    assert by_label["石灰石"][header.index("Source")].value == "db:limestone"
    share = header.index("Share [%]")
    assert by_label["矿渣"][share].value == pytest.approx(100 * 4 / CFP)
    zh = _book(report, "zh")["过程贡献"]
    _, zh_rows = _table(zh, "序号")
    assert {r[3].value for r in zh_rows} == {"自有过程", "供应商数据", "数据库"}


def test_stages_and_gases(report: FootprintReport) -> None:
    book = _book(report, "en")
    _, stages = _table(book["Stages"], "Stage")
    values = {r[0].value: (r[1].value, r[2].value) for r in stages}
    assert values["production (own processes)"][0] == pytest.approx(CLINKER_DIRECT)
    assert values["upstream (suppliers and purchases)"][0] == pytest.approx(32 + 11.25 + 4)
    assert values["production (own processes)"][1] == pytest.approx(100 * CLINKER_DIRECT / CFP)
    assert values["Total (CFP)"] == (report.value, 100)
    _, gases = _table(book["Gases"], "Gas")
    g = {r[0].value: r[1].value for r in gases}
    assert g["CO2"] == pytest.approx(0.75 * 850)
    assert g["N2O"] == pytest.approx(0.75 * 0.01 * AR6["N2O"])
    assert g["CO2e (purchased footprints)"] == pytest.approx(32 + 11.25 + 4)
    _, zh_gases = _table(_book(report, "zh")["温室气体"], "温室气体")
    assert "CO2e（外购产品碳足迹）" in {r[0].value for r in zh_gases}


def test_paths_are_joined_with_arrows(report: FootprintReport) -> None:
    _, rows = _table(_book(report, "en")["Paths"], "#")
    paths = {r[1].value: r for r in rows}
    limestone = paths["grinding → clinker line → 石灰石"]
    assert limestone[2].value == pytest.approx(0.75 * 1.5)  # t of limestone per t of cement
    assert limestone[4].value == pytest.approx(11.25)


def test_unverified_value_is_flagged_and_coloured(report: FootprintReport) -> None:
    assert [c.label for c in report.unverified] == ["石灰石"]  # purchased: product name
    book = _book(report, "en")
    summary = book["Summary"]
    texts = [c.value for c in summary["A"]]
    assert "1 unverified reference values" in texts
    warning = next(c for c in summary["A"] if str(c.value).startswith("Warning: 1 unverified"))
    assert warning.font.b and warning.font.color.rgb.endswith("9C0006")
    assert _summary_value(summary, "Unverified reference values").value == 1
    for sheet, first in (("Sources & flags", "#"), ("Processes", "#")):
        _, rows = _table(book[sheet], first)
        for r in rows:
            kind = {"石灰石": UNVERIFIED_FILL, "矿渣": SECONDARY_FILL}.get(r[1].value)
            fills = {c.fill.fgColor.rgb[-6:] if c.fill.fill_type else None for c in r}
            assert fills == {kind}, (sheet, r[1].value, fills)
    _, sources = _table(book["Sources & flags"], "#")
    flagged = {r[1].value: r[-1].value for r in sources}
    assert flagged == {
        "电力": None,
        "石灰石": "unverified reference value",
        "矿渣": "secondary source",
    }
    zh = _book(report, "zh")["汇总"]
    assert "1 个未经核实的参考值" in [c.value for c in zh["A"]]


def test_no_unverified_value_says_zero() -> None:
    system = _system()
    system = ProductSystem(
        system.products,
        system.processes,
        tuple(
            PurchasedFootprint(p.product, p.value, p.unit, p.origin, p.source, p.supplier, "")
            if p.confidence == "unverified"
            else p
            for p in system.purchased
        ),
        cutoff=system.cutoff,
    )
    rep = footprint_report(system, compute(system, AR6, "ar6"), "cement")
    summary = _book(rep, "en")["Summary"]
    texts = [str(c.value) for c in summary["A"]]
    assert "0 unverified reference values" in texts
    assert not any(t.startswith("Warning") for t in texts)


def test_formula_like_user_text_is_neutralised() -> None:
    rep = _report(
        iterations=0,
        kiln='=HYPERLINK("http://x","y")\x01',
        supplier="+cmd|' /C calc'!A0",
        product_name="@SUM(A1:A9) <b>x</b>",
    )
    book = _book(rep, "en")
    formulas = [
        (ws.title, c.coordinate, c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    _, rows = _table(book["Processes"], "#")
    labels = [r[1].value for r in rows]
    assert '\'=HYPERLINK("http://x","y")' in labels  # quoted, control character removed
    assert "'+cmd|' /C calc'!A0" in [r[5].value for r in rows]
    assert _summary_value(book["Summary"], "Product").value == "'@SUM(A1:A9) <b>x</b>"
    html = footprint_report_html(rep, "en")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_data_quality_maps_column_indices(report: FootprintReport) -> None:
    q = report.quality
    by_index = {c.index: c.label for c in report.columns}
    assert [by_index[i] for i in q.assessed] == ["clinker line"]
    assert sorted(by_index[i] for i in q.unrated) == sorted(["电力", "石灰石", "矿渣"])
    book = _book(report, "en")
    _, rows = _table(book["Data quality"], "#")
    status = {r[1].value: r[-1].value for r in rows}
    assert status == {
        "clinker line": "assessed",
        "电力": "not rated (not in the coverage)",
        "石灰石": "not rated (not in the coverage)",
        "矿渣": "not rated (not in the coverage)",
    }
    assert {r[0].value for r in rows} == set(q.assessed) | set(q.unrated)
    summary = book["Summary"]
    # only the clinker line is rated: coverage 639.5475 / 686.7975
    assert _summary_value(summary, "Data-quality coverage").value == pytest.approx(
        100 * CLINKER_DIRECT / CFP
    )
    assert _summary_value(summary, "Data-quality rating: temporal representativeness").value == 2


def test_not_assessed_and_not_computed() -> None:
    rep = _report(iterations=0, dqr=False)
    summary = _book(rep, "en")["Summary"]
    assert _summary_value(summary, "Data-quality rating").value == "not assessed"
    assert _summary_value(summary, "Uncertainty range").value == "not computed"
    zh = _book(rep, "zh")["汇总"]
    assert _summary_value(zh, "数据质量评级").value == "未评估"
    assert _summary_value(zh, "不确定性范围").value == "未计算"


def test_uncertainty_range_with_iterations_and_seed(report: FootprintReport) -> None:
    u = report.uncertainty
    assert u is not None and u.iterations == 200
    summary = _book(report, "en")["Summary"]
    low = _summary_value(summary, "Uncertainty: 2.5th percentile")
    high = _summary_value(summary, "Uncertainty: 97.5th percentile")
    assert (low.value, high.value) == (u.p2_5, u.p97_5)
    assert low.value < report.value < high.value
    assert summary.cell(row=low.row, column=4).value.startswith(
        "Monte Carlo, 200 iterations, seed 7"
    )


def test_cut_off_and_replaced_values() -> None:
    rep = _report(iterations=0, own_clinker_value=True)
    book = _book(rep, "en")
    _, cut = _table(book["Cut-off"], "Process id")
    assert [(r[0].value, r[1].value) for r in cut] == [("mill", "gypsum")]
    assert cut[0][2].value == pytest.approx(5.0)  # 0.05 t of 1.0 t of input mass
    _, replaced = _table(book["Replaced values"], "Product")
    by = {r[4].value: (r[1].value, r[2].value, r[-1].value) for r in replaced}
    assert by == {
        "db:grid": (0.5, "kg CO2e/kWh", "supplier data: 华东电厂, pact:1"),
        "db:clinker": (900, "kg CO2e/t", "own production (clinker line)"),
    }
    zh = _book(rep, "zh")["被替换的数据库值"]
    _, zh_rows = _table(zh, "产品")
    assert {r[-1].value for r in zh_rows} == {
        "供应商数据: 华东电厂, pact:1",
        "自有生产 (clinker line)",
    }


def test_formulas_with_clauses_in_both_languages(report: FootprintReport) -> None:
    for lang, sheet in (("en", "Formulas"), ("zh", "公式")):
        ws = _book(report, lang)[sheet]
        _, rows = _table(ws, "#" if lang == "en" else "序号")
        assert [r[2].value for r in rows] == [clause for _, clause in FORMULAS]
        whats = [r[1].value for r in rows]
        if lang == "en":
            assert whats == [what for what, _ in FORMULAS]
        else:  # every formula has its Chinese wording
            assert all(re.search(r"[\u4e00-\u9fff]", w) for w in whats), whats


def test_biogenic_limitation_is_stated(report: FootprintReport) -> None:
    summary = _book(report, "en")["Summary"]
    cell = _summary_value(summary, "Biogenic carbon")
    assert cell.value == "not separated"
    note = summary.cell(row=cell.row, column=4).value
    assert note.startswith("Limitation:") and "separately" in note


def test_unknown_language_is_refused(report: FootprintReport) -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        footprint_report_tables(report, "fr")
    # locale tags are taken by their language
    assert footprint_report_tables(report, "en-GB")[0].sheet == "Summary"
    assert 'lang="zh-CN"' in footprint_report_html(report, "zh_CN")


def test_significant_figures() -> None:
    assert _sig(686.7975) == "686.8"
    assert _sig(12346.0) == "12,350"
    assert _sig(0.00123456) == "0.001235"
    assert _sig(-47.25) == "-47.25"
    assert _sig(0.0) == "0"


def test_html_holds_the_value_and_chinese_labels(report: FootprintReport) -> None:
    html = footprint_report_html(report)
    assert html.startswith("<!doctype html>") and 'lang="zh-CN"' in html
    assert "686.8" in html  # 686.7975 to four significant figures
    for label in ("产品碳足迹报告", "声明单位", "从摇篮到大门", "按过程的贡献", "未经核实的参考值"):
        assert label in html, label
    assert "水泥 P·O 42.5" in html and "华东水泥有限公司" in html
    assert "grinding → clinker line → 石灰石" in html
    # the unverified limestone row is marked red; the warning is shown at the top
    row = next(r for r in html.split("<tr") if "db:limestone" in r)
    assert 'class="unverified"' in row and 'class="flag"' in row
    assert 'data-testid="unverified-warning"' in html
    en = footprint_report_html(report, "en")
    assert "Product carbon footprint report" in en and "cradle-to-gate" in en
    assert "产品碳足迹报告" not in en


def _pdf_ready() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return cjk_font_available()


def test_pdf_report(report: FootprintReport) -> None:
    if not _pdf_ready() and not os.environ.get("GREENMFG_TEST_PDF"):
        pytest.skip("no WeasyPrint or CJK font (set GREENMFG_TEST_PDF=1 to fail instead)")
    data = footprint_report_pdf(report)
    assert data.startswith(b"%PDF")
    try:
        from pypdf import PdfReader
    except ImportError:
        return  # text extraction needs pypdf; the bytes were checked
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", "", text)  # table cells wrap lines
    assert "水泥P·O42.5" in text
    assert "产品碳足迹报告" in text and "686.8" in text
    en = "".join(
        p.extract_text() or ""
        for p in PdfReader(io.BytesIO(footprint_report_pdf(report, "en"))).pages
    )
    assert "Productcarbonfootprintreport" in re.sub(r"\s+", "", en)

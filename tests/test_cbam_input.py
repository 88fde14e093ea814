"""The CBAM installation input (greenmfg.io.cbam_input) and the ``greenmfg cbam`` commands.

Expected SEE values are derived by hand in the tests from the equations of
``greenmfg.footprint.cbam`` (Regulation (EU) 2023/956 Annex IV points 2-3; Implementing Regulation
(EU) 2025/2547 Annex III point B, equations 59-60), separately for direct and indirect emissions:

    SEE_g = (AttrEm_g + EE_InpMat) / AL_g,   EE_InpMat = sum_i M_i x SEE_i,
    AttrEm_g,indir = E_el x EF_el;

a default precursor value is the reference row's total x (1 + mark-up of the year) (IR 2025/2621
Annex I opening paragraph as replaced by 2026/1740), split as its direct/indirect columns. The
reference rows are read here with ``cbam_default`` and ``electricity_factor_from_reference``;
the installation amounts are the illustrative inputs of examples/make_cbam_example.py.
"""

from __future__ import annotations

import importlib.util
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from greenmfg.cli_cbam import cbam_app
from greenmfg.footprint.cbam import (
    ElectricityFactor,
    Installation,
    PrecursorInput,
    ProductionProcess,
    PurchasedPrecursor,
    electricity_factor_from_reference,
)
from greenmfg.io.cbam_input import (
    INPUT_SHEETS,
    README_SHEET,
    SHEET_FIELDS,
    CbamInputError,
    cbam_template_xlsx,
    installation_from_dict,
    installation_to_dict,
    read_cbam_input_bytes,
    read_cbam_installation,
    read_cbam_installation_bytes,
)
from greenmfg.io.cbam_xlsx import SHEETS, TEMPLATE_SHEETS
from greenmfg.reference import get_reference
from greenmfg.reference.footprints import cbam_default

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "cbam_steel_installation.xlsx"
runner = CliRunner()

# A hypothetical power purchase agreement of the test plant (template code D.4.3.2): an input of
# the test, not a reference value.
PPA = ElectricityFactor(0.3, "D.4.3.2", "PPA of the test plant (hypothetical)", "caller", "wind")


# ---- a filled workbook -----------------------------------------------------------------------------
def _keys(ws: Any) -> list[str]:
    return [str(c.value).split()[-1] if c.value is not None else "" for c in ws[1]]


def _put(wb: Workbook, sheet: str, row: int, key: str, value: object) -> None:
    """Set field ``key`` of spreadsheet row ``row`` (the Installation sheet: the field's row)."""
    ws = wb[sheet]
    if sheet == "Installation":
        for r in range(2, ws.max_row + 1):
            if str(ws.cell(row=r, column=1).value).split()[-1] == key:
                ws.cell(row=r, column=2).value = value
                return
        raise KeyError(key)
    ws.cell(row=row, column=_keys(ws).index(key) + 1).value = value


INSTALLATION_ROWS: dict[str, object] = {
    "name": "测试水泥厂",
    "country": "CN",
    "name_en": "Test cement plant",
    "unlocode": "CNNKG",
    "city": "Nanjing",
    "post_code": "210000",  # text, leading digits kept
    "latitude": 32.05,
    "longitude": 118.78,
    "period_start": date(2026, 1, 1),  # a date cell
    "period_end": "2026-12-31",  # a text cell
    "email": "x@example.com",
}
ROWS: dict[str, list[dict[str, object]]] = {
    "Identifiers": [{"scheme": "USCC", "value": "913200000000000000"}],
    "Processes": [
        {
            "id": "K",
            "name": "Clinker kiln",
            "category": "Cement clinker",
            "cn_codes": 25231000,  # a number cell
            "activity_level_t": 1000,
            "direct_emissions_t": 860.5,
            "electricity_mwh": 100,
            "electricity_factor": "EF1",
            "route": "dry kiln",
        },
        {
            "id": "G",
            "name": "Cement grinding",
            "category": "Cement",
            "cn_codes": "2523 29 00；25239000",  # spaces in a code, a full-width separator
            "activity_level_t": "1,250",  # a number typed as text
            "direct_emissions_t": 12,
            "electricity_mwh": 50,
            "electricity_factor": "EF2",
        },
    ],
    "Precursors": [
        {"process": "G", "precursor": "K", "amount_t": 760},
        {"process": "G", "precursor": "PP1", "amount_t": 190},
        {"process": "K", "precursor": "PP2", "amount_t": 5},
    ],
    "ElectricityFactors": [
        {
            "id": "EF1",
            "value": 0.3,
            "source_code": "D.4.3.2",
            "source": "PPA of the test plant (hypothetical)",
            "note": "wind",
        },
        {"id": "EF2", "reference_year": 2022},
    ],
    "PurchasedPrecursors": [
        {
            "id": "PP1",
            "name": "Grey clinker",
            "cn_code": "2523100090",
            "country": "cn",
            "determination": "Default",
            "justification": "no verification report",
        },
        {
            "id": "PP2",
            "name": "Clinker from the Union",
            "cn_code": "25231000",
            "country": "DE",
            "determination": "exempt",
            "electricity_mwh_per_t": 0.07,
        },
    ],
}


def expected_installation() -> Installation:
    """What the reader must make of INSTALLATION_ROWS and ROWS."""
    ef2 = electricity_factor_from_reference(get_reference(), 2022)
    return Installation(
        name="测试水泥厂",
        country="CN",
        name_en="Test cement plant",
        unlocode="CNNKG",
        city="Nanjing",
        post_code="210000",
        latitude=32.05,
        longitude=118.78,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        email="x@example.com",
        identifiers=(("USCC", "913200000000000000"),),
        processes=(
            ProductionProcess(
                "K",
                "Clinker kiln",
                "Cement clinker",
                ("25231000",),
                1000.0,
                860.5,
                100.0,
                PPA,
                (PrecursorInput("PP2", 5.0),),
                "dry kiln",
            ),
            ProductionProcess(
                "G",
                "Cement grinding",
                "Cement",
                ("2523 29 00", "25239000"),
                1250.0,
                12.0,
                50.0,
                ef2,
                (PrecursorInput("K", 760.0), PrecursorInput("PP1", 190.0)),
            ),
        ),
        purchased=(
            PurchasedPrecursor(
                "PP1",
                "Grey clinker",
                "2523100090",
                "CN",
                "default",
                justification="no verification report",
            ),
            PurchasedPrecursor(
                "PP2", "Clinker from the Union", "25231000", "DE", "exempt", None, None, 0.07
            ),
        ),
    )


def filled(**changes: object) -> Workbook:
    """The blank template filled with INSTALLATION_ROWS and ROWS via openpyxl."""
    wb = load_workbook(io.BytesIO(cbam_template_xlsx()))
    for key, value in INSTALLATION_ROWS.items():
        _put(wb, "Installation", 0, key, value)
    for sheet, rows in ROWS.items():
        for k, row in enumerate(rows, start=2):
            for key, value in row.items():
                _put(wb, sheet, k, key, value)
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(wb: Workbook, name: str = "plant.xlsx") -> Installation:
    return read_cbam_installation_bytes(to_bytes(wb), name)


# ---- template --------------------------------------------------------------------------------------
def test_template_sheets_headers_and_readme():
    for lang in ("zh", "en"):
        wb = load_workbook(io.BytesIO(cbam_template_xlsx(lang)))
        assert wb.sheetnames == [README_SHEET, *INPUT_SHEETS]
        for sheet in INPUT_SHEETS[1:]:
            header = [c.value for c in wb[sheet][1]]
            assert [h.split()[-1] for h in header] == [c.key for c in SHEET_FIELDS[sheet]]
            # bilingual: a Chinese label before the key; the unit in the label
            assert all(any(ord(ch) > 0x2E80 for ch in h.rsplit(" ", 1)[0]) for h in header)
        assert "活动水平（t） activity_level_t" in [c.value for c in wb["Processes"][1]]
        fields_a = [r[0] for r in wb["Installation"].iter_rows(min_row=2, values_only=True)]
        assert [f.split()[-1] for f in fields_a] == [c.key for c in SHEET_FIELDS["Installation"]]
        # Read-me: every column of every sheet, with unit and clause
        rows = [r for r in wb[README_SHEET].iter_rows(values_only=True)]
        for sheet in INPUT_SHEETS:
            for col in SHEET_FIELDS[sheet]:
                line = next(r for r in rows if r[0] == sheet and r[2] == col.key)
                assert line[4] == col.unit and line[7] == col.clause and col.clause
        al = next(r for r in rows if r[2] == "activity_level_t")
        assert "D_Processes (a)" in al[7] and "2025/2547 Annex III point B" in al[7]
        m = next(r for r in rows if r[0] == "Precursors" and r[2] == "amount_t")
        assert "cut off, spilt or lost" in m[5]
        assert any(r[1] == "D.4(b)" for r in rows)  # the source codes of the template legend
    zh = load_workbook(io.BytesIO(cbam_template_xlsx("zh")))[README_SHEET]["A1"].value
    en = load_workbook(io.BytesIO(cbam_template_xlsx("en")))[README_SHEET]["A1"].value
    assert zh.startswith("EU CBAM 设施数据模板") and en.startswith("EU CBAM installation data")
    with pytest.raises(ValueError, match="lang"):
        cbam_template_xlsx("fr")


def test_blank_template_names_the_missing_required_fields():
    with pytest.raises(CbamInputError) as e:
        read_cbam_installation_bytes(cbam_template_xlsx(), "blank.xlsx")
    text = str(e.value)
    assert "blank.xlsx, sheet Installation, row 2, field name: expected the name" in text
    assert "blank.xlsx, sheet Installation, row 3, field country: expected an ISO 3166" in text
    assert "blank.xlsx, sheet Processes: expected at least one production process" in text


# ---- round trips ------------------------------------------------------------------------------------
def test_template_round_trip():
    wb = filled()
    # the reader matches the English key case-insensitively, whatever the label before it
    ws = wb["Processes"]
    col = _keys(ws).index("activity_level_t") + 1
    ws.cell(row=1, column=col).value = "年产量 Activity_Level_T"
    got = read(wb)
    assert got == expected_installation()
    ef2 = got.processes[1].electricity_factor
    assert ef2 is not None and ef2.source_code == "D.4(b)"
    # the MEE/NBS 2022 national average of the reference data, nothing typed in the workbook
    row = get_reference().electricity[("average", 2022, "CN")]
    assert row.unit == "tCO2/MWh" and ef2.value == pytest.approx(row.value)


def test_json_round_trip(tmp_path):
    inst = expected_installation()
    doc = installation_to_dict(inst)
    # the dataclasses field by field
    assert list(doc) == [f for f in Installation.__dataclass_fields__]
    assert list(doc["processes"][0]) == list(ProductionProcess.__dataclass_fields__)
    assert list(doc["purchased"][0]) == list(PurchasedPrecursor.__dataclass_fields__)
    assert doc["period_start"] == "2026-01-01" and doc["identifiers"] == [
        ["USCC", inst.identifiers[0][1]]
    ]
    text = json.dumps(doc, ensure_ascii=False)
    assert read_cbam_installation_bytes(text.encode(), "plant.json") == inst
    path = tmp_path / "plant.json"
    path.write_text(text, encoding="utf-8")
    assert read_cbam_installation(path) == inst
    assert installation_from_dict(json.loads(text)) == inst
    # the example workbook, through JSON and back
    example = read_cbam_installation(EXAMPLE)
    assert installation_from_dict(json.loads(json.dumps(installation_to_dict(example)))) == example


def test_json_reference_factor_and_strictness():
    doc = installation_to_dict(expected_installation())
    doc["processes"][1]["electricity_factor"] = {"reference_year": 2022}
    assert installation_from_dict(doc) == expected_installation()
    cases = [
        ({"colour": "red"}, "plant.json, field colour: unknown key; expected one of name,"),
        (
            {"processes": [{**doc["processes"][0], "activity_level_t": "1000"}]},
            "plant.json, processes[0], field activity_level_t: expected a number > 0, got '1000'",
        ),
        (
            {"processes": [{**doc["processes"][0], "cn_codes": "25231000"}]},
            "plant.json, processes[0], field cn_codes: expected a list of CN codes",
        ),
        (
            {"processes": [{**doc["processes"][0], "precursors": [{"precursor": "PP2"}]}]},
            "plant.json, processes[0].precursors[0], field amount_t: expected a number > 0, got ''",
        ),
        (
            {"processes": [{**doc["processes"][0], "electricity_factor": {"value": 0.3}}]},
            "plant.json, processes[0].electricity_factor, field source_code: expected one of D.4(a)",
        ),
        (
            {"purchased": [{**doc["purchased"][0], "supplier_id": "x"}]},
            "plant.json, purchased[0], field supplier_id: unknown key",
        ),
        (
            {"identifiers": [["USCC"]]},
            "plant.json, identifiers[0]: expected a pair [scheme, value]",
        ),
    ]
    for change, message in cases:
        bad = {**doc, **change}
        with pytest.raises(CbamInputError) as e:
            read_cbam_installation_bytes(json.dumps(bad).encode(), "plant.json")
        assert message in str(e.value), (change, str(e.value))
    with pytest.raises(CbamInputError, match=r"plant.json: invalid JSON at line 1, column 2"):
        read_cbam_installation_bytes(b"{x", "plant.json")
    with pytest.raises(CbamInputError, match=r"plant.json: expected the installation \(a JSON"):
        read_cbam_installation_bytes(b"[]", "plant.json")


# ---- bad input ---------------------------------------------------------------------------------------
BAD = [
    # (sheet, row, field, value, message)
    (
        "Processes",
        3,
        "activity_level_t",
        None,
        "plant.xlsx, sheet Processes, row 3, field activity_level_t: expected a number > 0, got ''",
    ),
    (
        "Processes",
        2,
        "activity_level_t",
        "abc",
        "sheet Processes, row 2, field activity_level_t: expected a number > 0, got 'abc'",
    ),
    (
        "Processes",
        2,
        "direct_emissions_t",
        -5,
        "sheet Processes, row 2, field direct_emissions_t: expected a number >= 0, got -5",
    ),
    (
        "Processes",
        3,
        "cn_codes",
        "2523x",
        "sheet Processes, row 3, field cn_codes: expected CN codes of 4 to 10 digits",
    ),
    (
        "Processes",
        2,
        "electricity_factor",
        "EF9",
        "sheet Processes, row 2, field electricity_factor: expected the id of a row of sheet "
        "ElectricityFactors (EF1, EF2), got 'EF9'",
    ),
    (
        "Processes",
        2,
        "electricity_factor",
        None,
        "sheet Processes, row 2, field electricity_factor: expected the id of a row of sheet "
        "ElectricityFactors (required when electricity_mwh > 0)",
    ),
    (
        "Processes",
        3,
        "id",
        "PP1",
        "sheet PurchasedPrecursors, row 2, field id: id 'PP1' already used (sheet Processes, row 3)",
    ),
    (
        "Precursors",
        3,
        "precursor",
        "PP9",
        "sheet Precursors, row 3, field precursor: expected the id of a process or purchased "
        "precursor (K, G, PP1, PP2), got 'PP9'",
    ),
    (
        "Precursors",
        2,
        "process",
        "X",
        "sheet Precursors, row 2, field process: expected the id of a process of sheet Processes "
        "(K, G), got 'X'",
    ),
    (
        "Precursors",
        4,
        "amount_t",
        0,
        "sheet Precursors, row 4, field amount_t: expected a number > 0, got 0",
    ),
    (
        "ElectricityFactors",
        2,
        "source_code",
        "D.9",
        "sheet ElectricityFactors, row 2, field source_code: expected one of D.4(a), D.4(b), D.4.1",
    ),
    (
        "ElectricityFactors",
        2,
        "source",
        None,
        "sheet ElectricityFactors, row 2, field source: expected the document, contract or dataset",
    ),
    (
        "ElectricityFactors",
        2,
        "confidence",
        "high",
        "sheet ElectricityFactors, row 2, field confidence: expected one of caller, official, "
        "secondary, unverified, got 'high'",
    ),
    (
        "ElectricityFactors",
        3,
        "reference_year",
        1999,
        "sheet ElectricityFactors, row 3, field reference_year: no 'average' electricity factor for "
        "CN in 1999; years held: 2021, 2022, 2023",
    ),
    (
        "ElectricityFactors",
        3,
        "value",
        0.5,
        "sheet ElectricityFactors, row 3, field value: expected it empty when reference_year asks",
    ),
    (
        "ElectricityFactors",
        3,
        "reference_region",
        "火星",
        "sheet ElectricityFactors, row 3, field reference_region: expected CN, a province or a grid "
        "region, got '火星'",
    ),
    (
        "PurchasedPrecursors",
        2,
        "determination",
        "estimated",
        "sheet PurchasedPrecursors, row 2, field determination: expected one of actual, default, "
        "exempt, got 'estimated'",
    ),
    (
        "PurchasedPrecursors",
        3,
        "country",
        "Germany",
        "sheet PurchasedPrecursors, row 3, field country: expected an ISO 3166 alpha-2 country code "
        "such as CN, got 'Germany'",
    ),
    (
        "PurchasedPrecursors",
        2,
        "see_direct",
        "n/a",
        "sheet PurchasedPrecursors, row 2, field see_direct: expected a number >= 0, got 'n/a'",
    ),
    (
        "Installation",
        3,
        "country",
        "China",
        "sheet Installation, row 3, field country: expected an ISO 3166 alpha-2 country code such as "
        "CN, got 'China'",
    ),
    (
        "Installation",
        10,
        "latitude",
        100,
        "sheet Installation, row 10, field latitude: expected a number from -90 to 90, got 100",
    ),
    (
        "Installation",
        13,
        "period_end",
        date(2025, 12, 31),
        "sheet Installation, row 13, field period_end: expected a date after period_start, got "
        "'2025-12-31'",
    ),
    (
        "Installation",
        12,
        "period_start",
        "1.1.2026",
        "sheet Installation, row 12, field period_start: expected a date YYYY-MM-DD, got '1.1.2026'",
    ),
]


@pytest.mark.parametrize(("sheet", "row", "field", "value", "message"), BAD)
def test_bad_input_names_sheet_row_and_field(sheet, row, field, value, message):
    wb = filled()
    _put(wb, sheet, row, field, value)
    with pytest.raises(CbamInputError) as e:
        read(wb)
    assert message in str(e.value)
    assert e.value.file == "plant.xlsx"
    assert any(p.sheet is not None and p.field is not None for p in e.value.problems)


def test_structure_problems_and_every_problem_at_once():
    wb = filled()
    wb["Processes"].cell(row=1, column=3).value = "类别 kategorie"
    with pytest.raises(CbamInputError) as e:
        read(wb)
    text = str(e.value)
    assert "sheet Processes, row 1: unknown column '类别 kategorie' (C)" in text
    assert "sheet Processes, row 1, field category: expected a column with header" in text
    assert "expected at least one production process" not in text  # the header says it all

    wb = filled()
    wb["Installation"].cell(row=17, column=1).value = "传真 fax"
    wb["Installation"].cell(row=17, column=2).value = "123"
    _put(wb, "Processes", 2, "activity_level_t", 0)
    _put(wb, "PurchasedPrecursors", 3, "determination", None)
    with pytest.raises(CbamInputError) as e:
        read(wb)
    lines = str(e.value).splitlines()
    assert lines[0] == "3 problems in plant.xlsx; nothing was computed:"
    assert lines[1].startswith("plant.xlsx, sheet Installation, row 17: unknown field '传真 fax'")
    assert lines[2].startswith("plant.xlsx, sheet Processes, row 2, field activity_level_t")
    assert lines[3].startswith("plant.xlsx, sheet PurchasedPrecursors, row 3, field determination")

    wb = filled()
    del wb["Processes"]
    with pytest.raises(CbamInputError, match=r"plant.xlsx: expected a sheet named 'Processes'"):
        read(wb)
    wb = filled()
    wb["Precursors"].cell(row=3, column=5).value = "stray"
    with pytest.raises(CbamInputError, match=r"sheet Precursors, row 3: value in a column without"):
        read(wb)
    with pytest.raises(CbamInputError, match=r"plant.csv: unsupported file type '.csv'"):
        read_cbam_installation_bytes(b"a,b", "plant.csv")
    with pytest.raises(CbamInputError, match=r"plant.xlsx: not a readable .xlsx workbook"):
        read_cbam_installation_bytes(b"not a zip", "plant.xlsx")
    with pytest.raises(CbamInputError, match=r"nope.xlsx: cannot read the file"):
        read_cbam_installation(Path("/nonexistent/nope.xlsx"))


def test_sheet_names_may_carry_a_chinese_label():
    wb = filled()
    wb["Processes"].title = "生产工艺 Processes"
    assert read(wb) == expected_installation()


@pytest.mark.parametrize(
    ("sheet", "row", "field", "value", "message"),
    [
        (
            "Processes",
            3,
            "cn_codes",
            "84713000",
            "plant.xlsx, sheet Processes, row 3: process 'G', field 'cn_codes[0]': CN 84713000 is "
            "not a CBAM good",
        ),
        (
            "PurchasedPrecursors",
            2,
            "country",
            "BR",
            "plant.xlsx, sheet PurchasedPrecursors, row 2: purchased precursor 'PP1', field "
            "'cn_code': no CBAM default value held for CN 2523100090 from BR",
        ),
        (
            "Precursors",
            3,
            "precursor",
            "G",
            "plant.xlsx, sheet Precursors, row 3: process 'G', field 'precursor': a process cannot "
            "be its own precursor",
        ),
        (
            "Installation",
            5,
            "unlocode",
            "DEHAM",
            "plant.xlsx, sheet Installation, row 5: field 'unlocode': 'DEHAM' is in DE",
        ),
    ],
)
def test_domain_errors_are_located(sheet, row, field, value, message):
    """CbamError of greenmfg.footprint.cbam, located at the row the item was read from."""
    wb = filled()
    _put(wb, sheet, row, field, value)
    data = read_cbam_input_bytes(to_bytes(wb), "plant.xlsx")
    with pytest.raises(CbamInputError) as e:
        data.compute(year=2026)
    assert message in str(e.value)
    assert "processes[" not in str(e.value) and "purchased[" not in str(e.value)


def test_domain_error_located_in_json():
    doc = installation_to_dict(expected_installation())
    doc["purchased"][0]["country"] = "BR"
    data = read_cbam_input_bytes(json.dumps(doc).encode(), "plant.json")
    with pytest.raises(CbamInputError, match=r"plant.json, purchased\[0\]: purchased precursor"):
        data.compute(year=2026)


# ---- the example workbook ---------------------------------------------------------------------------
def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_cbam_example", EXAMPLES / "make_cbam_example.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_matches_its_generator_and_is_labelled_illustrative():
    committed = read_cbam_installation(EXAMPLE)
    assert read(_generator().build(), "cbam_steel_installation.xlsx") == committed
    assert "illustrative" in committed.name_en
    assert all("illustrative" in pp.supplier for pp in committed.purchased)
    # no reference value typed into the file: the factor row asks for the reference data
    wb = load_workbook(EXAMPLE, read_only=True)
    factor_rows = list(wb["ElectricityFactors"].iter_rows(min_row=2, values_only=True))
    assert factor_rows[0][:4] == ("EF1", None, None, None) and factor_rows[0][6] == 2023


# ---- the command line --------------------------------------------------------------------------------
def _hand_calculation(markup: bool) -> dict[str, float]:
    """examples/make_cbam_example.py, production year 2026, equations (1)-(2):

    pig iron PP1 (default for CN 7201 from reference/cbam_default_values.csv; Annex II good, no
    indirect column): d = total x 1.10 (2026 mark-up 10 %) or total (--no-markup)
      SEE_P1,dir = (8 000 + 20 000 d) / 100 000
      SEE_P1,ind = 45 000 MWh x EF / 100 000 t = 0.45 EF   (EF: MEE/NBS 2023 CN average, D.4(b))
      SEE_P2,dir = (5 700 + 90 000 SEE_P1,dir + 9 000 x 2.0) / 95 000
      SEE_P2,ind = (11 400 EF + 90 000 x 0.45 EF + 9 000 x 0.3) / 95 000
    Chapter 72 is in Annex II of 2023/956: CBAM-relevant SEE = direct. Default share of P1 =
    20 000 d / 100 000 / SEE_P1,total.
    """
    row = cbam_default("72011011", "CN")
    assert row.cn_code == "7201" and row.indirect is None and row.markup_percent(2026) == 10.0
    d = row.total * (1.10 if markup else 1.0)
    ef = electricity_factor_from_reference(get_reference(), 2023).value
    p1_dir = (8_000 + 20_000 * d) / 100_000
    p1_ind = 0.45 * ef
    return {
        "p1_dir": p1_dir,
        "p1_ind": p1_ind,
        "p1_share": 20_000 * d / 100_000 / (p1_dir + p1_ind),
        "p2_dir": (5_700 + 90_000 * p1_dir + 9_000 * 2.0) / 95_000,
        "p2_ind": (11_400 * ef + 90_000 * p1_ind + 9_000 * 0.3) / 95_000,
        "pig": d,
    }


def test_report_json_on_the_example_by_hand():
    result = runner.invoke(cbam_app, ["report", str(EXAMPLE), "--year", "2026", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # JSON alone on stdout
    want = _hand_calculation(markup=True)
    p1, p2 = doc["goods"]
    assert p1["process"] == "P1" and p1["cn_codes"] == ["72071210"]
    assert p1["see_direct"] == pytest.approx(want["p1_dir"], rel=1e-12)
    assert p1["see_indirect"] == pytest.approx(want["p1_ind"], rel=1e-12)
    assert p1["annex_ii"] and p1["see_relevant"] == pytest.approx(want["p1_dir"], rel=1e-12)
    assert p1["default_share"] == pytest.approx(want["p1_share"], rel=1e-12)
    assert p2["cn_codes"] == ["72082500", "72083900"]
    assert p2["see_direct"] == pytest.approx(want["p2_dir"], rel=1e-12)
    assert p2["see_indirect"] == pytest.approx(want["p2_ind"], rel=1e-12)
    pig = next(p for p in doc["purchased"] if p["id"] == "PP1")
    assert (
        pig["see_direct"] == pytest.approx(want["pig"]) and pig["default"]["markup_percent"] == 10
    )
    assert pig["default"]["source"]["file"] == "reference/cbam_default_values.csv"
    assert any("D.4(b)" in f for f in doc["flags"]) and doc["year"] == 2026
    assert doc["input"] == EXAMPLE.name and doc["unit"] == "tCO2e/t"

    plain = runner.invoke(
        cbam_app, ["report", str(EXAMPLE), "--year", "2026", "-f", "json", "--no-markup"]
    )
    p1 = json.loads(plain.stdout)["goods"][0]
    assert p1["see_direct"] == pytest.approx(_hand_calculation(markup=False)["p1_dir"], rel=1e-12)


def test_report_table_and_workbook(tmp_path):
    out = tmp_path / "cbam.xlsx"
    result = runner.invoke(
        cbam_app,
        ["report", str(EXAMPLE), "--year", "2026", "--out", str(out), "--lang", "en"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    want = _hand_calculation(markup=True)
    text = result.stdout
    for cn in ("72071210", "72082500", "72083900"):
        assert cn in text
    assert f"{want['p1_dir']:.4f}" in text and f"{want['p2_dir']:.4f}" in text
    assert f"{want['p1_ind']:.4f}" in text and f"{want['p1_share']:.1%}" in text
    assert "Annex II: direct only" in text and "defaults PP1 +10 %" in text
    assert "Flags" in text and "D.4(b)" in text
    assert f"wrote {out}" in result.stderr.replace("\n", "")
    wb = load_workbook(out)
    assert wb.sheetnames == list(SHEETS) and wb.sheetnames[: len(TEMPLATE_SHEETS)] == list(
        TEMPLATE_SHEETS
    )


def test_template_command(tmp_path):
    path = tmp_path / "plant.xlsx"
    result = runner.invoke(cbam_app, ["template", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert load_workbook(path).sheetnames == [README_SHEET, *INPUT_SHEETS]
    result = runner.invoke(cbam_app, ["template", str(tmp_path / "plant.csv")])
    assert result.exit_code == 2 and "expected a file name ending in .xlsx" in result.stderr


def test_report_bad_input_exits_2_without_traceback(tmp_path):
    wb = filled()
    _put(wb, "Processes", 3, "activity_level_t", None)
    bad = tmp_path / "steel.xlsx"
    wb.save(bad)
    result = runner.invoke(cbam_app, ["report", str(bad), "--year", "2026", "-f", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr.replace("\n", " ")
    assert (
        "steel.xlsx, sheet Processes, row 3, field activity_level_t: expected a number > 0, got ''"
        in err
    )
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    # a problem found by the domain: located too
    wb = filled()
    _put(wb, "Processes", 3, "cn_codes", "84713000")
    wb.save(bad)
    result = runner.invoke(cbam_app, ["report", str(bad), "--year", "2026"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "steel.xlsx, sheet Processes, row 3: process 'G'" in result.stderr.replace("\n", " ")
    # options
    for args in (
        ["--year", "1800"],
        ["--year", "2026", "-f", "xml"],
        ["--year", "2026", "-o", "x.csv"],
    ):
        result = runner.invoke(cbam_app, ["report", str(EXAMPLE), *args])
        assert result.exit_code == 2, args
    result = runner.invoke(cbam_app, ["report", str(tmp_path / "none.xlsx"), "--year", "2026"])
    assert result.exit_code == 2

"""Reading activity files: every problem located by file, sheet, row and column; nothing half-read."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from greenmfg.io import ActivityFileError, read_activities

HEADER = "site,year,kind,item,amount,unit,region\n"


def write(tmp_path: Path, text: str, name: str = "act.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def problems(path: Path, ref) -> list[str]:
    with pytest.raises(ActivityFileError) as exc:
        read_activities(path, ref)
    return [exc.value.locate(p) for p in exc.value.problems]


def test_reads_a_valid_csv(tmp_path, ref):
    p = write(
        tmp_path,
        HEADER + 'A,2022,fuel,natural_gas,100,10^4 Nm3,江苏\n\nA,2022,fuel,diesel,"1,200",t,\n',
    )
    t = read_activities(p, ref)
    assert list(t.row) == [2, 4]  # spreadsheet row numbers; blank rows skipped
    assert list(t.amount) == [100.0, 1200.0]
    assert t.source == "act.csv"


def test_unknown_item(tmp_path, ref):
    p = write(tmp_path, HEADER + "A,2022,fuel,natural_gass,100,10^4 Nm3,\n")
    (msg,) = problems(p, ref)
    assert msg.startswith(
        "act.csv, row 2, column 'item' (D): unknown item 'natural_gass' for kind 'fuel'; "
        "expected one of anthracite, biomass_wood,"
    )


def test_wrong_dimension(tmp_path, ref):
    p = write(tmp_path, HEADER + "A,2022,fuel,natural_gas,100,t,\n")
    assert problems(p, ref) == [
        "act.csv, row 2, column 'unit' (F): natural_gas is measured as volume (e.g. 10^4 Nm3); 't' is mass"
    ]


def test_negative_amount(tmp_path, ref):
    p = write(tmp_path, HEADER + "A,2022,electricity,grid_electricity,-5,MWh,\n")
    assert problems(p, ref) == [
        "act.csv, row 2, column 'amount' (E): expected an amount >= 0 (record exports with kind "
        "electricity_export / heat_export, not negative amounts)"
    ]


def test_missing_column(tmp_path, ref):
    p = write(tmp_path, "site,year,kind,item,unit\nA,2022,fuel,diesel,t\n")
    assert problems(p, ref) == [
        "act.csv, row 1, column 'amount': missing required column(s) amount; the header must have "
        "site, year, kind, item, amount, unit"
    ]


def test_unknown_column_and_unknown_unit_and_region(tmp_path, ref):
    p = write(tmp_path, "site,year,kind,item,amount,unit,region,amout\nA,2022,fuel,diesel,1,t,,\n")
    assert problems(p, ref)[0].startswith("act.csv, row 1, column 'amout': unknown column 'amout'")
    p = write(tmp_path, HEADER + "A,2022,fuel,diesel,1,tonz,火星\n")
    assert problems(p, ref) == [
        "act.csv, row 2, column 'region' (G): unknown region '火星'; expected a province name, a GB/T 2260 "
        "code or a grid region (e.g. 江苏, 320000, grid_east)",
        "act.csv, row 2, column 'unit' (F): unknown unit 'tonz'; expected a unit such as t, kg, 10^4 Nm3, "
        "m3, MWh, kWh, 万kWh, GJ",
    ]


def test_every_problem_reported_at_once(tmp_path, ref):
    p = write(tmp_path, HEADER + "A,20x2,fuel,diesel,-1,m3,\n,2022,fuel,diesel,abc,t,\n")
    msgs = problems(p, ref)
    assert "act.csv, row 2, column 'year' (B): expected a number, got '20x2'" in msgs
    assert any(
        m.startswith("act.csv, row 2, column 'amount' (E): expected an amount >= 0") for m in msgs
    )
    assert (
        "act.csv, row 2, column 'unit' (F): diesel is measured as mass (e.g. t); 'm3' is volume"
        in msgs
    )
    assert "act.csv, row 3, column 'site' (A): expected a site, the cell is empty" in msgs
    assert "act.csv, row 3, column 'amount' (E): expected a number, got 'abc'" in msgs


def test_percent_columns_accept_percent_sign_and_reject_text(tmp_path, ref):
    head = "site,year,kind,item,amount,unit,oxidation_rate\n"
    t = read_activities(write(tmp_path, head + "A,2022,fuel,diesel,1,t,98%\n"), ref)
    assert t.measured["oxidation_rate"][0] == 98.0
    msgs = problems(write(tmp_path, head + "A,2022,fuel,diesel,1,t,high\n"), ref)
    assert msgs == [
        "act.csv, row 2, column 'oxidation_rate' (G): expected a number (percent values as 98 or "
        "98%), got 'high'"
    ]


def test_excel_sheet_with_bilingual_headers(tmp_path, ref):
    wb = Workbook()
    ws = wb.active
    ws.title = "activities"
    ws.append(
        [
            "站点 site",
            "年份 year",
            "类别 kind",
            "项目 item",
            "数量 amount",
            "单位 unit",
            "地区 region",
            "备注 note",
        ]
    )
    ws.append(["A", 2022, "electricity", "grid_electricity", 1000, "万kWh", 320000, "main meter"])
    ws.append(["A", 2022, "fuel", "diesel", 5, "kg", None, None])
    ws.append(["A", 2022, "fuel", "natural_gas", 5, "kg", None, None])
    path = tmp_path / "act.xlsx"
    wb.save(path)
    with pytest.raises(ActivityFileError) as exc:
        read_activities(path, ref)
    assert str(exc.value).splitlines()[1] == (
        "act.xlsx, sheet 'activities', row 4, column 'unit' (F): natural_gas is measured as volume "
        "(e.g. 10^4 Nm3); 'kg' is mass"
    )
    ws.delete_rows(4)
    wb.save(path)
    t = read_activities(path, ref)
    assert list(t.region) == ["320000", ""]  # a code typed as a number is read as text


def test_excel_without_activities_sheet(tmp_path, ref):
    wb = Workbook()
    wb.active.title = "data"
    path = tmp_path / "x.xlsx"
    wb.save(path)
    assert problems(path, ref) == [
        "x.xlsx, row 0, column 'sheet': expected a sheet named 'activities'; found data"
    ]


def test_unsupported_file_type(tmp_path, ref):
    assert problems(write(tmp_path, "x", "act.json"), ref) == [
        "act.json, row 0, column 'file': unsupported file type '.json'; expected .csv or .xlsx"
    ]


def test_absurd_magnitudes_are_refused_before_they_overflow(tmp_path, ref):
    # regression (found by fuzzing the API): 1e308 t of coal made the totals infinite
    from greenmfg.accounting.activities import ActivityTable
    from greenmfg.accounting.validate import validate_activities

    table = ActivityTable.from_records(
        [
            {
                "site": "a",
                "year": 2023,
                "kind": "fuel",
                "item": "diesel",
                "amount": 1e308,
                "unit": "t",
            },
            {
                "site": "a",
                "year": 2023,
                "kind": "fuel",
                "item": "diesel",
                "amount": 5,
                "unit": "t",
                "ncv": 1e300,
                "ncv_unit": "GJ/t",
            },
        ]
    )
    problems = {(p.row, p.column) for p in validate_activities(table, ref)}
    assert problems == {(1, "amount"), (2, "ncv")}

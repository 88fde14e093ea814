"""The Excel writers: the blank activity template and the inventory report workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from greenmfg.accounting import KINDS, AccountingOptions, ActivityTable, compute_inventory
from greenmfg.accounting.inventory import Inventory
from greenmfg.io.report import (
    FACTORS_SHEET,
    LINES_SHEET,
    SITES_SHEET,
    SOURCES_SHEET,
    SUMMARY_SHEET,
    write_inventory_xlsx,
)
from greenmfg.io.template import write_template
from greenmfg.reference import get_reference
from greenmfg.reference.model import ReferenceData

REQUIRED = {"site", "year", "kind", "item", "amount", "unit"}


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return get_reference()


@pytest.fixture(scope="module")
def inv(ref: ReferenceData) -> Inventory:
    t = ActivityTable.from_records(
        [
            dict(site="A", year=2022, kind="fuel", item="natural_gas", amount=100, unit="10^4 Nm3"),
            dict(
                site="A",
                year=2022,
                kind="electricity",
                item="grid_electricity",
                amount=1000,
                unit="MWh",
                region="江苏",
            ),
            dict(
                site="A",
                year=2022,
                kind="fuel",
                item="diesel",
                amount=10,
                unit="t",
                ncv=43.0,
                ncv_unit="GJ/t",
            ),
            dict(site="A", year=2022, kind="process", item="limestone", amount=50, unit="t"),
        ],
        "x.csv",
    )
    return compute_inventory(t, ref, AccountingOptions(method="gbt32150"))


def _resolve_list(wb: openpyxl.Workbook, formula: str) -> list[str]:
    """Values of a list validation: an inline "a,b,c" list or a sheet range."""
    formula = formula.strip()
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, _, rng = formula.partition("!")
    ws = wb[sheet.strip("'")]
    return [str(c.value) for row in ws[rng.replace("$", "")] for c in row if c.value is not None]


def test_template(tmp_path: Path, ref: ReferenceData) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path, ref)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "activities"
    assert {"activities", "lists", "说明 instructions", "项目 items"} <= set(wb.sheetnames)
    assert wb["lists"].sheet_state == "hidden"

    ws = wb["activities"]
    headers = [c.value for c in ws[1] if c.value]
    keys = [str(h).split()[-1] for h in headers]
    assert keys[:7] == ["site", "year", "kind", "item", "amount", "unit", "region"]
    assert REQUIRED.issubset(keys)
    assert {"ncv", "ncv_unit", "emission_factor_unit", "biogenic_fraction"} <= set(keys)
    assert keys[-1] == "note"
    assert headers[0] == "站点 site"
    assert ws.freeze_panes == "A2"

    col = {k: openpyxl.utils.get_column_letter(j) for j, k in enumerate(keys, 1)}
    lists = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            for rng in dv.sqref.ranges:
                lists[rng.coord] = _resolve_list(wb, dv.formula1)
    kind_range = f"{col['kind']}2:{col['kind']}5000"
    assert kind_range in lists
    assert set(KINDS) <= set(lists[kind_range])
    assert "natural_gas" in lists[f"{col['item']}2:{col['item']}5000"]
    assert "江苏省" in lists[f"{col['region']}2:{col['region']}5000"]
    assert "10^4 Nm3" in lists[f"{col['unit']}2:{col['unit']}5000"]

    items = wb["项目 items"]
    ids = [row[0] for row in items.iter_rows(min_row=2, values_only=True)]
    assert "natural_gas" in ids
    assert len(ids) == len(ref.items)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report(tmp_path: Path, inv: Inventory, lang: str) -> None:
    path = tmp_path / f"report_{lang}.xlsx"
    write_inventory_xlsx(inv, path, lang=lang)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SUMMARY_SHEET, SOURCES_SHEET, SITES_SHEET, FACTORS_SHEET, LINES_SHEET]

    # headline totals: key in column D, value in column B
    summary = {
        row[3]: row[1]
        for row in wb[SUMMARY_SHEET].iter_rows(values_only=True)
        if len(row) >= 4 and row[3]
    }
    totals = inv.totals()
    assert summary["total_tco2e"] == pytest.approx(totals["total_tco2e"], rel=1e-12)
    assert summary["energy_tce"] == pytest.approx(totals["energy_tce"], rel=1e-12)
    assert summary["records"] == len(inv)

    factors = list(wb[FACTORS_SHEET].iter_rows(values_only=True))
    row = next(r for r in factors if r[0] == "electricity_factors/average/2022/320000")
    assert "关于发布2022年电力二氧化碳排放因子的公告" in row[4]
    assert row[2] == pytest.approx(0.5978)
    unverified = next(r for r in factors if r[7] == "unverified")
    cell = next(c for r in wb[FACTORS_SHEET].iter_rows() for c in r if c.value == unverified[0])
    assert cell.fill.fgColor.rgb.endswith("F8CBAD")

    lines = list(wb[LINES_SHEET].iter_rows(values_only=True))
    assert len(lines) == 1 + len(inv)
    header = lines[0]
    assert sum(r[header.index(next(h for h in header if "counted" in h))] for r in lines[1:]) == (
        pytest.approx(totals["total_tco2e"])
    )
    factors_col = next(j for j, h in enumerate(header) if "factors" in h)
    elec = next(r for r in lines[1:] if r[4] == "grid_electricity")
    assert "electricity_factors/average/2022/320000" in elec[factors_col]
    diesel = next(r for r in lines[1:] if r[4] == "diesel")
    flags_col = next(j for j, h in enumerate(header) if "flags" in h)
    assert diesel[flags_col]  # measured NCV flag text

"""The command line: JSON alone on stdout, clear errors, the xlsx report, factors and template."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from greenmfg.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def test_account_json_is_alone_on_stdout():
    result = runner.invoke(
        app, ["account", str(EXAMPLES / "cement_plant.xlsx"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    for key in (
        "total_tco2e",
        "scope1_tco2e",
        "scope2_location_tco2e",
        "scope2_market_tco2e",
        "energy_tce",
        "lines",
    ):
        assert key in doc
    line = doc["lines"][0]
    assert {"site", "kind", "item", "tco2e", "factors"} <= set(line)
    assert {"value", "unit", "source", "confidence"} <= set(line["factors"][0])
    assert (
        sum(ln["counted_tco2e"] for ln in doc["lines"]) == doc["total_tco2e"]
        or abs(sum(ln["counted_tco2e"] for ln in doc["lines"]) - doc["total_tco2e"])
        < 1e-6 * doc["total_tco2e"]
    )


def test_account_methods_and_gwp(tmp_path):
    base = ["account", str(EXAMPLES / "aluminium_smelter.xlsx"), "-f", "json", "--no-lines"]
    gb = json.loads(runner.invoke(app, base).stdout)
    ar6 = json.loads(runner.invoke(app, [*base, "--gwp", "ar6"]).stdout)
    ghgp = json.loads(runner.invoke(app, [*base, "--method", "ghgp"]).stdout)
    assert gb["gwp_set"] == "sar" and ar6["gwp_set"] == "ar6" and ghgp["method"] == "ghgp"
    assert ar6["total_tco2e"] > gb["total_tco2e"]  # PFC GWPs are higher in AR6 than SAR
    assert "lines" not in gb


def test_account_table_and_xlsx(tmp_path):
    result = runner.invoke(app, ["account", str(EXAMPLES / "electronics_assembly.xlsx")])
    assert result.exit_code == 0, result.output
    assert "因子来源 factors used" in result.stdout
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        app, ["account", str(EXAMPLES / "electronics_assembly.xlsx"), "-f", "xlsx", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(out, read_only=True)
    assert len(wb.sheetnames) >= 4


def test_account_bad_file_exits_2_with_located_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "site,year,kind,item,amount,unit\nA,2022,fuel,natural_gas,100,t\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["account", str(bad), "-f", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        "bad.csv, row 2, column 'unit' (F): natural_gas is measured as volume"
        in result.stderr.replace("\n", " ")
    )


def test_factors_and_template(tmp_path):
    result = runner.invoke(
        app, ["factors", "show", "grid_electricity", "--year", "2022", "--region", "江苏"]
    )
    assert result.exit_code == 0, result.output
    assert "electricity_factors/average/2022/320000" in result.stdout.replace("\n", "")
    result = runner.invoke(app, ["factors", "list", "--table", "gwp"])
    assert result.exit_code == 0 and "gwp/ar6/CH4" in result.stdout.replace("\n", "").replace(
        " ", ""
    )
    path = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", str(path)])
    assert result.exit_code == 0 and path.exists()


def test_benchmark_classify_reports_position_grade_effort_and_sources():
    from typer.testing import CliRunner

    from greenmfg.cli import app

    # 水泥熟料 (发改产业〔2021〕1609号: 标杆 100, 基准 117 kgce/t; GB 16780-2021 grade 3 = 117):
    # 120 kgce/t x 1e6 t -> 3 000 tce/a to base, 20 000 tce/a to benchmark
    r = CliRunner().invoke(
        app, ["benchmark", "classify", "clinker_unit_comprehensive", "120", "--output", "1000000"]
    )
    assert r.exit_code == 0, r.output
    assert "below_base" in r.output and "exceeds grade 3" in r.output
    assert "3,000.0 tce/a" in r.output and "20,000.0 tce/a" in r.output
    assert "GB 16780-2021" in r.output
    r = CliRunner().invoke(
        app, ["benchmark", "classify", "clinker_unit_comprehensive", "50", "--unit", "kWh/t"]
    )
    assert r.exit_code == 2 and "not comparable" in r.output

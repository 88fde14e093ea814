"""Write the example activity workbooks of greenmfg.

Run from the repository root::

    python examples/make_examples.py

Three workbooks are written next to this script, each with a sheet ``activities`` (one row per
activity record; header cells ``<中文标签> <english_key>``, the reader takes the last token as the
key) and a sheet ``说明 readme`` describing the example:

* ``cement_plant.xlsx``: a 5000 t/d clinker line in 安徽 (Anhui), 2022 and 2023, with its quarry;
* ``aluminium_smelter.xlsx``: a 400 kt/year primary aluminium smelter in 内蒙古 (Inner Mongolia);
* ``electronics_assembly.xlsx``: an electronics assembly plant in 苏州 (江苏) and a second plant in
  东莞 (广东).

The figures are synthetic but of plausible magnitude. ``tests/test_examples.py`` recomputes each
inventory by hand from the reference data, so a change here must be mirrored there. The files are
byte-for-byte reproducible (fixed document timestamps), so rerunning the script changes nothing
unless the data below change.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HERE = Path(__file__).resolve().parent
SHEET = "activities"

# Header cells: Chinese label, then the English key the reader uses (last whitespace token).
BASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("站点", "site"),
    ("年份", "year"),
    ("类别", "kind"),
    ("项目", "item"),
    ("数量", "amount"),
    ("单位", "unit"),
    ("地区", "region"),
)
MEASURED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("实测低位发热量", "ncv"),
    ("低位发热量单位", "ncv_unit"),
    ("实测单位热值含碳量(tC/GJ)", "carbon_content"),
    ("实测碳氧化率(%)", "oxidation_rate"),
    ("实测排放因子", "emission_factor"),
    ("排放因子单位", "emission_factor_unit"),
    ("纯度(%)", "purity"),
    ("熟料CaO含量(%)", "cao_content"),
    ("熟料MgO含量(%)", "mgo_content"),
    ("含碳量(%)", "carbon_fraction"),
    ("生物质碳比例(%)", "biogenic_fraction"),
)
NOTE_COLUMN = ("备注", "note")

# A fixed document timestamp keeps the generated files reproducible.
FIXED_TIME = "2024-01-01T00:00:00Z"
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def rec(
    site: str,
    year: int,
    kind: str,
    item: str,
    amount: float,
    unit: str,
    region: str | int,
    note: str,
    **measured: Any,
) -> dict[str, Any]:
    """One activity record (one spreadsheet row)."""
    return {
        "site": site,
        "year": year,
        "kind": kind,
        "item": item,
        "amount": amount,
        "unit": unit,
        "region": region,
        "note": note,
        **measured,
    }


# --------------------------------------------------------------------------------------------
# 1. Cement plant, 安徽芜湖 (synthetic): one 5000 t/d clinker line (~1.5 Mt clinker a year, ~300
#    operating days) with cement grinding (~1.9 Mt cement), and its limestone quarry.
#    Waste-heat power generation is self-generated, not grid, and is not recorded. No purchased heat.
#    2023 is given for the plant: the MEE/NBS announcement for 2023 publishes grid-region and
#    national factors only, so the location-based factor falls back to 安徽's 2022 factor (flagged)
#    and the market-based residual factor is the 2023 national one.
# --------------------------------------------------------------------------------------------
PLANT, QUARRY = "wuhu_cement", "wuhu_quarry"
CEMENT: list[dict[str, Any]] = [
    rec(
        PLANT,
        2022,
        "fuel",
        "bituminous_coal",
        96_000,
        "t",
        "安徽",
        "分解炉用烟煤，入炉煤实测低位发热量 (calciner coal, NCV measured as fired)",
        ncv=22.5,
        ncv_unit="GJ/t",
    ),
    rec(
        PLANT,
        2022,
        "fuel",
        "bituminous_coal",
        64_000,
        "t",
        "安徽",
        "窑头用烟煤，缺省参数 (kiln burner coal, default NCV)",
    ),
    rec(
        PLANT,
        2022,
        "fuel",
        "diesel",
        420,
        "t",
        "安徽",
        "厂内装载机、叉车 (mobile plant: loaders, forklifts)",
    ),
    rec(
        PLANT,
        2022,
        "electricity",
        "grid_electricity",
        82_500,
        "MWh",
        "安徽",
        "熟料线用电，约55 kWh/t熟料 (clinker line, ~55 kWh/t clinker)",
    ),
    rec(
        PLANT,
        2022,
        "electricity",
        "grid_electricity",
        6_650,
        "万kWh",
        "安徽",
        "水泥粉磨用电，约35 kWh/t水泥 (cement grinding, ~35 kWh/t cement)",
    ),
    rec(
        PLANT,
        2022,
        "process",
        "clinker",
        1_500_000,
        "t",
        "安徽",
        "熟料生产过程排放，化验室年均值 (clinker calcination; lab annual mean CaO, MgO)",
        cao_content=65.2,
        mgo_content=2.1,
    ),
    rec(
        PLANT,
        2022,
        "production",
        "cement_clinker",
        1_500_000,
        "t",
        "安徽",
        "熟料产量 (clinker output)",
    ),
    rec(PLANT, 2022, "production", "cement", 1_900_000, "t", "安徽", "水泥产量 (cement output)"),
    rec(
        QUARRY,
        2022,
        "fuel",
        "diesel",
        1_150,
        "t",
        340000,
        "矿山挖掘机、自卸车 (quarry excavators and haul trucks)",
    ),
    rec(
        QUARRY,
        2022,
        "electricity",
        "grid_electricity",
        3_200_000,
        "kWh",
        340000,
        "破碎机、长皮带 (crusher and belt conveyor)",
    ),
    rec(
        PLANT,
        2023,
        "fuel",
        "bituminous_coal",
        99_000,
        "t",
        "安徽省",
        "分解炉用烟煤，入炉煤实测低位发热量 (calciner coal, NCV measured as fired)",
        ncv=22.3,
        ncv_unit="GJ/t",
    ),
    rec(
        PLANT,
        2023,
        "fuel",
        "bituminous_coal",
        62_000,
        "t",
        "安徽省",
        "窑头用烟煤，缺省参数 (kiln burner coal, default NCV)",
    ),
    rec(
        PLANT,
        2023,
        "fuel",
        "diesel",
        405,
        "t",
        "安徽省",
        "厂内装载机、叉车 (mobile plant: loaders, forklifts)",
    ),
    rec(
        PLANT,
        2023,
        "electricity",
        "grid_electricity",
        81_400,
        "MWh",
        "安徽省",
        "熟料线用电 (clinker line)",
    ),
    rec(
        PLANT,
        2023,
        "electricity",
        "grid_electricity",
        6_720,
        "万kWh",
        "安徽省",
        "水泥粉磨用电 (cement grinding)",
    ),
    rec(
        PLANT,
        2023,
        "process",
        "clinker",
        1_480_000,
        "t",
        "安徽省",
        "熟料生产过程排放 (clinker calcination)",
        cao_content=65.0,
        mgo_content=2.0,
    ),
    rec(
        PLANT,
        2023,
        "production",
        "cement_clinker",
        1_480_000,
        "t",
        "安徽省",
        "熟料产量 (clinker output)",
    ),
    rec(PLANT, 2023, "production", "cement", 1_920_000, "t", "安徽省", "水泥产量 (cement output)"),
]

# --------------------------------------------------------------------------------------------
# 2. Primary aluminium smelter, 内蒙古包头 (synthetic): 400 kt/year, two potlines; ~13 300 kWh/t Al
#    of grid electricity (potlines metered in 万kWh), net anode consumption 0.41 t/t Al (potline 1
#    with the anode carbon content measured, potline 2 on the default 1 - S - Ash), PFCs from anode
#    effects per t of aluminium, natural gas for holding and casting furnaces, diesel for vehicles,
#    and green certificates for 10 % of the electricity.
# --------------------------------------------------------------------------------------------
SMELTER = "baotou_smelter"
ALUMINIUM: list[dict[str, Any]] = [
    rec(
        SMELTER,
        2022,
        "electricity",
        "grid_electricity",
        262_000,
        "万kWh",
        "内蒙古",
        "一期电解系列 (potline 1)",
    ),
    rec(
        SMELTER,
        2022,
        "electricity",
        "grid_electricity",
        262_000,
        "万kWh",
        "内蒙古",
        "二期电解系列 (potline 2)",
    ),
    rec(
        SMELTER,
        2022,
        "electricity",
        "grid_electricity",
        80_000,
        "MWh",
        "内蒙古",
        "铸造、阳极组装、公辅 (casthouse, rodding shop, utilities)",
    ),
    rec(
        SMELTER,
        2022,
        "green_electricity",
        "green_certificate",
        532_000,
        "MWh",
        "内蒙古",
        "绿证，覆盖约10%用电 (GECs for ~10 % of the electricity)",
    ),
    rec(
        SMELTER,
        2022,
        "process",
        "anode",
        82_000,
        "t",
        "内蒙古",
        "一期炭阳极净耗，含碳量实测 (potline 1 net anode consumption, carbon measured)",
        carbon_fraction=98.0,
    ),
    rec(
        SMELTER,
        2022,
        "process",
        "anode",
        82_000,
        "t",
        "内蒙古",
        "二期炭阳极净耗，缺省含硫、灰分 (potline 2, default sulfur and ash contents)",
    ),
    rec(
        SMELTER,
        2022,
        "process",
        "aluminium_pfc",
        400_000,
        "t",
        "内蒙古",
        "阳极效应PFC，按原铝产量 (anode-effect PFCs, amount = t primary aluminium)",
    ),
    rec(
        SMELTER,
        2022,
        "fuel",
        "natural_gas",
        1_850,
        "10^4 Nm3",
        "内蒙古",
        "保温炉、铸造炉 (holding and casting furnaces)",
    ),
    rec(
        SMELTER,
        2022,
        "fuel",
        "diesel",
        680,
        "t",
        "内蒙古",
        "厂内运输车辆、抬包车 (site vehicles, metal tapping trucks)",
    ),
    rec(
        SMELTER,
        2022,
        "production",
        "primary_aluminium",
        400_000,
        "t",
        "内蒙古",
        "原铝液产量 (primary aluminium, liquid)",
    ),
]

# --------------------------------------------------------------------------------------------
# 3. Electronics assembly (synthetic): 苏州 plant (江苏) and a second plant in 东莞 (广东).
#    ~60 GWh of grid electricity metered in kWh, MWh and 万kWh on purpose; the region is written as
#    a province name, a GB/T 2260 code and, for one building, the grid id. Natural gas boilers (10^4
#    Nm3 and m3), diesel backup generators, LPG in the canteen, purchased steam, a small export of
#    compressor waste heat, a green-power contract and green certificates (苏州 only), and
#    12 000 000 assemblies.
# --------------------------------------------------------------------------------------------
SUZHOU, DONGGUAN = "suzhou_plant", "dongguan_plant"
ELECTRONICS: list[dict[str, Any]] = [
    rec(
        SUZHOU,
        2022,
        "electricity",
        "grid_electricity",
        2_150,
        "万kWh",
        "江苏",
        "A栋SMT贴片线 (building A, SMT lines)",
    ),
    rec(
        SUZHOU,
        2022,
        "electricity",
        "grid_electricity",
        14_800,
        "MWh",
        320000,
        "A栋组装、测试 (building A, assembly and test)",
    ),
    rec(
        SUZHOU,
        2022,
        "electricity",
        "grid_electricity",
        3_650_000,
        "kWh",
        "江苏省",
        "办公楼、食堂 (offices and canteen)",
    ),
    rec(
        SUZHOU,
        2022,
        "electricity",
        "grid_electricity",
        2_050,
        "MWh",
        "grid_east",
        "B栋仓储，按华东电网因子报告 (building B warehouse, reported at the East China grid factor)",
    ),
    rec(
        SUZHOU,
        2022,
        "green_electricity",
        "green_power",
        8_000,
        "MWh",
        "江苏",
        "江苏绿电交易合同 (green power purchase contract)",
    ),
    rec(
        SUZHOU,
        2022,
        "green_electricity",
        "green_certificate",
        4_000,
        "MWh",
        "江苏",
        "绿证 (green electricity certificates)",
    ),
    rec(
        SUZHOU,
        2022,
        "fuel",
        "natural_gas",
        68.5,
        "10^4 Nm3",
        "江苏",
        "燃气热水锅炉 (gas-fired hot-water boilers)",
    ),
    rec(
        SUZHOU,
        2022,
        "fuel",
        "natural_gas",
        125_000,
        "m3",
        "江苏",
        "回流焊加热、实验室，燃气表读数已折标况 (reflow heaters, laboratory; meter corrected to Nm3)",
    ),
    rec(
        SUZHOU,
        2022,
        "fuel",
        "diesel",
        12.6,
        "t",
        "江苏",
        "备用柴油发电机，含月度试机 (backup generators incl. monthly test runs)",
    ),
    rec(SUZHOU, 2022, "fuel", "lpg", 38, "t", "江苏", "食堂液化石油气 (canteen LPG)"),
    rec(
        SUZHOU,
        2022,
        "heat",
        "purchased_heat",
        26_500,
        "GJ",
        "江苏",
        "园区集中供热蒸汽 (steam from the industrial-park heat network)",
    ),
    rec(
        SUZHOU,
        2022,
        "heat_export",
        "exported_heat",
        1_200,
        "GJ",
        "江苏",
        "空压机余热热水供邻厂 (compressor waste-heat hot water supplied to the neighbour)",
    ),
    rec(
        SUZHOU,
        2022,
        "production",
        "electronic_assemblies",
        8_000_000,
        "piece",
        "江苏",
        "电子组件产量 (assemblies shipped)",
    ),
    rec(
        DONGGUAN,
        2022,
        "electricity",
        "grid_electricity",
        1_050,
        "万kWh",
        "广东",
        "生产车间 (production halls)",
    ),
    rec(
        DONGGUAN,
        2022,
        "electricity",
        "grid_electricity",
        7_500,
        "MWh",
        440000,
        "空调、空压、公辅 (HVAC, compressed air, utilities)",
    ),
    rec(DONGGUAN, 2022, "fuel", "diesel", 6.4, "t", "广东", "备用柴油发电机 (backup generators)"),
    rec(
        DONGGUAN,
        2022,
        "production",
        "electronic_assemblies",
        4_000_000,
        "piece",
        "广东",
        "电子组件产量 (assemblies shipped)",
    ),
]

README: dict[str, Sequence[str]] = {
    "cement_plant": (
        "示例：安徽芜湖 5000 t/d 熟料线（合成数据）/ Example: 5000 t/d clinker line in Anhui (synthetic)",
        "2022 and 2023 for the plant, 2022 for the quarry. Waste-heat power is self-generated "
        "and not recorded; no purchased heat.",
        "Clinker process CO2 from the measured CaO and MgO contents; one coal row per year with "
        "the NCV measured as fired (GJ/t).",
    ),
    "aluminium_smelter": (
        "示例：内蒙古 40 万吨/年电解铝厂（合成数据）/ Example: 400 kt/year aluminium smelter "
        "in Inner Mongolia (synthetic)",
        "Grid electricity ~13 300 kWh/t Al; net anode 0.41 t/t Al; PFCs per t Al; green "
        "certificates for 10 % of the electricity.",
    ),
    "electronics_assembly": (
        "示例：苏州、东莞电子组装厂（合成数据）/ Example: electronics assembly in Suzhou and "
        "Dongguan (synthetic)",
        "Electricity in kWh, MWh and 万kWh on purpose; region as a name, a GB/T 2260 code or a grid "
        "id; a green-power contract and certificates claimed against Suzhou's grid electricity.",
    ),
}


def columns_for(records: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The base columns, the measured columns some record uses, and the note column."""
    used = {k for r in records for k, v in r.items() if v not in (None, "")}
    return [*BASE_COLUMNS, *(c for c in MEASURED_COLUMNS if c[1] in used), NOTE_COLUMN]


def build(records: Sequence[dict[str, Any]], readme: Sequence[str]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    cols = columns_for(records)
    ws.append([f"{zh} {key}" for zh, key in cols])
    for r in records:
        ws.append([r.get(key) for _, key in cols])
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = head_font
        cell.fill = head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for j, (zh, key) in enumerate(cols, start=1):
        letter = ws.cell(row=1, column=j).column_letter
        width = 60 if key == "note" else max(10, len(key) + len(zh) * 2 + 2)
        ws.column_dimensions[letter].width = width
        if key == "amount":
            for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                row[0].number_format = "#,##0.###"
    ws.freeze_panes = "A2"
    info = wb.create_sheet("说明 readme")
    for line in readme:
        info.append([line])
    info.append([])
    info.append(
        [
            "Sheet 'activities': one row per record; header cells '<中文标签> <english_key>', "
            "the reader takes the last token as the key. Columns 备注 note are free text."
        ]
    )
    info.column_dimensions["A"].width = 120
    wb.properties.creator = "greenmfg examples/make_examples.py"
    return wb


def save_reproducible(wb: Workbook, path: Path) -> None:
    """Save with fixed document and zip-entry timestamps so that reruns give identical bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{FIXED_TIME}\g<3>",
                    text,
                )
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    path.write_bytes(out.getvalue())


EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "cement_plant": CEMENT,
    "aluminium_smelter": ALUMINIUM,
    "electronics_assembly": ELECTRONICS,
}


def main() -> None:
    for name, records in EXAMPLES.items():
        path = HERE / f"{name}.xlsx"
        save_reproducible(build(records, README[name]), path)
        print(
            f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path} "
            f"({len(records)} records)"
        )


if __name__ == "__main__":
    main()

"""Write the example product-system workbook of greenmfg.

Run from the repository root::

    python examples/make_product_system_example.py

writes ``product_system_battery_pack.xlsx`` next to this script: the product system of an LFP
traction battery pack in the workbook layout of :mod:`greenmfg.io.product_system` (sheets
``Settings``, ``Products``, ``Outputs``, ``Inputs``, ``Emissions``, ``Purchased`` and a read-me),
as ``greenmfg.io.product_system.write_product_system_xlsx`` writes it, with a description of the
example put at the top of the read-me sheet.

* Own processes (cell production, module assembly, housing forming, pack assembly): the amounts are
  ILLUSTRATIVE, made up for the example and labelled so in each process's ``source``.
* Purchased footprints: only values of ``src/greenmfg/reference/product_footprints.csv``, copied
  with their row id (``product_footprints/<dataset>/<product_id>/<geography>/<year>``) and
  confidence: the 2023 national electricity carbon-footprint factor (MEE/NBS/NEA) and the IAI 2022
  global primary-aluminium intensity.
* Not modelled, because the reference data hold no footprint for them: the cell materials (cathode,
  anode, electrolyte, separator, foils), so the cell process carries only its electricity and the
  pack's footprint is far from complete. A real study adds them as supplier footprints (sheet
  ``Purchased``, origin ``supplier``). The thermal pad has no footprint either; it is left out by
  the cut-off rule (1.5 kg of 218.5 kg of pack-assembly inputs, below the 1 % cut-off).

``tests/test_io_product_system.py`` recomputes the pack's footprint by hand from these amounts, so a
change here must be mirrored there. The file is byte-for-byte reproducible (fixed document and zip
timestamps), so rerunning the script changes nothing unless the data below change.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from greenmfg.footprint.system import (
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    PurchasedFootprint,
)
from greenmfg.io.product_system import README_SHEET, write_product_system_xlsx
from greenmfg.reference.footprints import ProductFootprintFactor, product_footprint

HERE = Path(__file__).resolve().parent
NAME = "product_system_battery_pack"
FIXED_TIME = "2024-01-01T00:00:00Z"
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
ILLUSTRATIVE = "示例数值 illustrative amounts"

# Reference rows used (product_footprints.csv): (product_id, geography, year)
ELECTRICITY_ROW = ("electricity_grid_footprint", "CN", 2023)
ALUMINIUM_ROW = ("aluminium_primary", "GLO", 2022)


def _row_id(f: ProductFootprintFactor) -> str:
    return f"product_footprints/{f.dataset}/{f.product_id}/{f.geography}/{f.reference_year}"


def _purchased(product: str, row: tuple[str, str, int], unit: str) -> PurchasedFootprint:
    """A database footprint copied from its reference row: value [kg CO2e per ``unit``]."""
    f = product_footprint(*row, fallback_global=row[1] == "GLO")
    if (f.geography, f.reference_year) != row[1:]:  # the example cites exactly this row
        raise RuntimeError(f"{row}: got the row {_row_id(f)}")
    return PurchasedFootprint(
        product,
        f.value_in(f"kgCO2e/{unit}"),
        unit,
        "database",
        _row_id(f),
        confidence=f.source.confidence,
    )


def system() -> ProductSystem:
    """The example battery pack (amounts per the outputs stated on each process)."""
    products = (
        Product("battery_pack", "磷酸铁锂电池包 LFP battery pack (96 cells)", "piece", 218.5),
        Product("battery_module", "电池模组 battery module (12 cells)", "piece", 24.0),
        Product("battery_cell", "电芯 LFP prismatic cell", "piece", 2.0),
        Product("aluminium_housing", "铝合金下箱体 aluminium pack housing", "piece", 25.0),
        Product("aluminium_scrap", "铝边角料 aluminium process scrap", "kg", 1.0),
        Product("aluminium_primary", "原铝 primary aluminium", "kg", 1.0),
        Product("thermal_pad", "导热垫 thermal pad", "kg", 1.0),
        Product("electricity", "电网电力 grid electricity", "kWh"),
    )
    processes = (
        Process(
            "cell_production",
            "电芯制造（仅计电耗）cell production (electricity only)",
            outputs=(Output("battery_cell", 1000, "piece"),),
            inputs=(Input("electricity", 12, "MWh"),),
            source=f"{ILLUSTRATIVE}; cell materials not modelled",
        ),
        Process(
            "module_assembly",
            "模组装配 module assembly",
            outputs=(Output("battery_module", 1, "piece"),),
            inputs=(Input("battery_cell", 12, "piece"), Input("electricity", 1.5, "kWh")),
            source=ILLUSTRATIVE,
        ),
        Process(
            "housing_forming",
            "箱体成型 housing forming",
            outputs=(
                Output("aluminium_housing", 1, "piece", {"mass": 25.0}),
                Output("aluminium_scrap", 2, "kg", {"mass": 2.0}),
            ),
            inputs=(Input("aluminium_primary", 27, "kg"), Input("electricity", 30, "kWh")),
            emissions=(Emission("CO2", 4.0, "kg"),),
            allocation="mass",
            source=f"{ILLUSTRATIVE}; CO2 of a gas furnace",
        ),
        Process(
            "pack_assembly",
            "电池包装配 pack assembly",
            outputs=(Output("battery_pack", 1, "piece"),),
            inputs=(
                Input("battery_module", 8, "piece"),
                Input("aluminium_housing", 1, "piece"),
                Input("thermal_pad", 1.5, "kg"),
                Input("electricity", 20, "kWh"),
            ),
            source=ILLUSTRATIVE,
        ),
    )
    purchased = (
        _purchased("electricity", ELECTRICITY_ROW, "kWh"),
        _purchased("aluminium_primary", ALUMINIUM_ROW, "kg"),
    )
    return ProductSystem(products, processes, purchased, allocation="mass", cutoff=0.01)


DESCRIPTION = (
    "示例：磷酸铁锂动力电池包（96 个电芯，8 个模组，铝合金箱体）的产品系统。"
    "Example: product system of an LFP traction battery pack (96 cells in 8 modules, aluminium "
    "housing).",
    "自有过程的数量均为示例数值（见各过程 source 列），不是实测数据。"
    "Own-process amounts are ILLUSTRATIVE (see each process's source), not measured data.",
    "外购碳足迹仅取自 greenmfg 参考数据 product_footprints.csv（来源编号即该行编号）："
    "2023 年全国电力平均碳足迹因子（生态环境部 国家统计局 国家能源局，2025年第3号）和国际铝业协会 "
    "2022 年全球原铝平均温室气体排放强度。Purchased footprints are rows of the greenmfg reference "
    "data product_footprints.csv only (source = the row id): the 2023 national electricity carbon "
    "footprint (MEE/NBS/NEA) and the IAI 2022 global primary-aluminium intensity.",
    "未建模：电芯材料（正负极、电解液、隔膜、箔材）在参考数据中没有碳足迹，故电芯过程只计电耗，"
    "电池包碳足迹远不完整；实际核算请在 Purchased 表以 supplier 来源补充供应商数据。导热垫无数据，"
    "按 1 % 截断规则略去。Not modelled: the cell materials (no footprint in the reference data), "
    "so the pack's footprint is far from complete; add them as supplier footprints. The thermal "
    "pad is left out by the 1 % cut-off.",
)


def reproducible(data: bytes) -> bytes:
    """The workbook with fixed document and zip-entry timestamps, so reruns give identical bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = part.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{FIXED_TIME}\g<3>",
                    text,
                )
                part = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, part)
    return out.getvalue()


def workbook_bytes() -> bytes:
    buf = io.BytesIO()
    write_product_system_xlsx(system(), buf, lang="zh")
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb[README_SHEET]
    ws.insert_rows(1, len(DESCRIPTION) + 1)
    for i, line in enumerate(DESCRIPTION, start=1):
        ws.cell(row=i, column=1, value=line)
    wb.properties.creator = "greenmfg examples/make_product_system_example.py"
    out = io.BytesIO()
    wb.save(out)
    return reproducible(out.getvalue())


def main() -> None:
    path = HERE / f"{NAME}.xlsx"
    path.write_bytes(workbook_bytes())
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()

"""The example workbooks (examples/*.xlsx), accounted by the engine and checked against inventories
derived BY HAND here from the formulas and the reference rows.

Every reference value below is typed from its row in ``src/greenmfg/reference/*.csv`` (the id in the
comment is the one the loader gives the row) and never loaded from the reference package, so that a
change to the data or to the engine shows up here. Formulas (engine.py docstring,
reference/formulas.csv):

* combustion CO2, GB/T 32150-2015: ``E = AD x NCV x CC x OF x 44/12`` (measured NCV replaces the default);
* combustion CH4 and N2O (ISO 14064-1 and GHG Protocol only): IPCC 2006 Vol. 2 Ch. 2 eq. 2.1,
  ``E = AD x NCV x EF`` with the Table 2.3 factors (kg/TJ = 1e-6 t/GJ), at AR6 GWPs;
* clinker (中国水泥生产企业温室气体排放核算方法与报告指南（试行）, 2013):
  ``E = Q x (CaO x 44/56 + MgO x 44/40)``;
* anodes (中国电解铝生产企业温室气体排放核算方法与报告指南（试行）, 2013):
  ``E = AD x C x 44/12``, C measured or ``1 - S - Ash`` by default; PFCs ``E = P_Al x EF``;
* electricity ``E = MWh x EF``: location-based at the MEE/NBS average factor (same year first,
  province > grid region > nation); market-based with green instruments at zero and the rest at the
  national factor excluding market-traded non-fossil power; heat ``E = GJ x EF``;
* comprehensive energy, GB/T 2589: ``E = sum(e_i x p_i)``, exports deducted; fuels without a
  coefficient (bituminous coal) converted from their NCV at 1 tce = 29.3076 GJ.

Totals: gbt32150 deducts exported heat from the total; iso14064 and ghgp report it as a memo item.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory
from greenmfg.accounting.flags import Flag
from greenmfg.reference import get_reference

try:  # the reader is written concurrently; the tests read the workbooks themselves without it
    from greenmfg.io import read_activities
except ImportError:  # pragma: no cover
    read_activities = None

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
METHODS = ("gbt32150", "iso14064", "ghgp")
TOTAL_KEYS = (
    "total_tco2e",
    "scope1_tco2e",
    "scope2_location_tco2e",
    "scope2_market_tco2e",
    "energy_tce",
)
REL = 1e-9

# =================================================================================================
# Reference values, typed from the CSV rows
# =================================================================================================
# constants/co2_per_carbon = 44/12 (GB/T 32150-2015, fossil fuel combustion formula)
C_TO_CO2 = 44 / 12
# units.txt, GB/T 2589-2020 3 and Annex A: 1 kgce = 29 307.6 kJ -> 1 tce = 29.3076 GJ
GJ_PER_TCE = 29.3076
# IPCC 2006 Table 2.3 factors are in kg/TJ: 1 kg/TJ = 1e-3 t / 1e3 GJ = 1e-6 t/GJ
KG_PER_TJ = 1e-6

# --- fuel defaults (NCV, carbon content, oxidation rate) -----------------------------------------
# Bituminous coal is not in gbt32150_2015, so the NDRC 2013 guideline table is used:
# fuel_parameters/ndrc_2013/bituminous_coal/{ncv,carbon_content,oxidation_rate},
# 中国钢铁生产企业温室气体排放核算方法与报告指南（试行）(2013), 附录二 常用化石燃料相关参数缺省值
BIT_NCV = 19.570  # GJ/t
BIT_CC = 0.02618  # tC/GJ
BIT_OF = 93 / 100  # 93 percent
# fuel_parameters/gbt32150_2015/diesel/*, GB/T 32150-2015 Annex B, Table B.1
DIESEL_NCV = 42.652  # GJ/t
DIESEL_CC = 0.02020  # tC/GJ
DIESEL_OF = 98 / 100
# fuel_parameters/gbt32150_2015/natural_gas/*, GB/T 32150-2015 Annex B, Table B.1
NG_NCV = 389.31  # GJ/(10^4 Nm3)
NG_CC = 0.01530  # tC/GJ
NG_OF = 99 / 100
# fuel_parameters/gbt32150_2015/lpg/*, GB/T 32150-2015 Annex B, Table B.1
LPG_NCV = 50.179  # GJ/t
LPG_CC = 0.01720  # tC/GJ
LPG_OF = 98 / 100

# --- combustion CH4 / N2O, IPCC 2006 Vol. 2 Ch. 2 Table 2.3 (manufacturing industries) ----------
# fuel_parameters/ipcc_2006/bituminous_coal/ch4_ef = 10 kgCH4/TJ, /n2o_ef = 1.5 kgN2O/TJ
BIT_CH4, BIT_N2O = 10 * KG_PER_TJ, 1.5 * KG_PER_TJ
# fuel_parameters/ipcc_2006/diesel/ch4_ef = 3 kgCH4/TJ, /n2o_ef = 0.6 kgN2O/TJ
DIESEL_CH4, DIESEL_N2O = 3 * KG_PER_TJ, 0.6 * KG_PER_TJ
# fuel_parameters/ipcc_2006/natural_gas/ch4_ef = 1 kgCH4/TJ, /n2o_ef = 0.1 kgN2O/TJ
NG_CH4, NG_N2O = 1 * KG_PER_TJ, 0.1 * KG_PER_TJ
# LPG: NOT in fuel_parameters.csv (no ipcc_2006/lpg/ch4_ef or n2o_ef row). IPCC 2006 Vol. 2 Ch. 2
# Table 2.3 gives 1 kgCH4/TJ and 0.1 kgN2O/TJ for liquefied petroleum gases; the expected values of
# the electronics example under iso14064/ghgp assume these until the rows are added.
LPG_CH4, LPG_N2O = 1 * KG_PER_TJ, 0.1 * KG_PER_TJ

# --- GWPs (gwp.csv) ------------------------------------------------------------------------------
# gbt32150 default set SAR (methods.toml): gwp/sar/CF4 = 6500, gwp/sar/C2F6 = 9200,
# IPCC SAR WG I Table 2.9
SAR_CF4, SAR_C2F6 = 6500, 9200
# iso14064 and ghgp default set AR6 (methods.toml), IPCC AR6 WG I Ch. 7 Table 7.15 / 7.SM.7:
# gwp/ar6/CH4_fossil = 29.8 (the engine uses the fossil value for CH4 where the set has one),
# gwp/ar6/N2O = 273, gwp/ar6/CF4 = 7380, gwp/ar6/C2F6 = 12400
AR6_CH4, AR6_N2O, AR6_CF4, AR6_C2F6 = 29.8, 273, 7380, 12400

# --- process factors (process_factors.csv) -------------------------------------------------------
# process_factors/clinker_cao/CO2 = 44/56, process_factors/clinker_mgo/CO2 = 44/40 tCO2/t,
# 中国水泥生产企业温室气体排放核算方法与报告指南（试行）(2013)
CAO_TO_CO2, MGO_TO_CO2 = 44 / 56, 44 / 40
# process_factors/anode_sulfur_content/CO2 = 2 percent, process_factors/anode_ash_content/CO2 =
# 0.4 percent, 中国电解铝生产企业温室气体排放核算方法与报告指南（试行）(2013): default carbon 1 - S - Ash
ANODE_S, ANODE_ASH = 2 / 100, 0.4 / 100
# process_factors/aluminium_pfc/CF4 = 0.034 kg/t Al, process_factors/aluminium_pfc/C2F6 =
# 0.0034 kg/t Al (same guideline); kg/t -> t/t is 1e-3
PFC_CF4, PFC_C2F6 = 0.034e-3, 0.0034e-3

# --- electricity (electricity_factors.csv), 生态环境部 国家统计局 电力二氧化碳排放因子公告, 附件1 --
EF_2022_ANHUI = 0.6782  # electricity_factors/average/2022/340000 (2022 announcement, 2024-12-20)
EF_2022_INNER_MONGOLIA = 0.6849  # electricity_factors/average/2022/150000
EF_2022_JIANGSU = 0.5978  # electricity_factors/average/2022/320000
EF_2022_GRID_EAST = 0.5617  # electricity_factors/average/2022/grid_east
EF_2022_GUANGDONG = 0.4403  # electricity_factors/average/2022/440000
# 2023 announcement: grid regions and nation only. Same year first, so 安徽 2023 takes the 华东
# grid-region factor of 2023 (flagged as a regional fallback), not 安徽's 2022 factor.
EF_2023_GRID_EAST = 0.5500  # electricity_factors/average/2023/grid_east
# market-based residual: national factor excluding market-traded non-fossil power
EF_2022_RESIDUAL = 0.5856  # electricity_factors/excl_market_nonfossil/2022/CN
EF_2023_RESIDUAL = 0.6096  # electricity_factors/excl_market_nonfossil/2023/CN

# --- heat (heat_factors.csv) ---------------------------------------------------------------------
# heat_factors/purchased_heat = 0.11 tCO2/GJ, NDRC 企业温室气体排放核算方法与报告指南（试行）(2013),
# 净购入热力排放因子缺省值; exported heat uses the same factor (items.csv factor_item)
EF_HEAT = 0.11

# --- standard coal coefficients (energy_coefficients.csv, basis equivalent 当量值), GB/T 2589-2008
# Appendix A 各种能源折标准煤参考系数 -----------------------------------------------------------
TCE_DIESEL = 1.4571  # energy_coefficients/diesel/equivalent, kgce/kg = tce/t
TCE_LPG = 1.7143  # energy_coefficients/lpg/equivalent, kgce/kg = tce/t
TCE_NG = (
    1.3300 * 10
)  # energy_coefficients/natural_gas/equivalent, 1.33 kgce/Nm3 = 13.3 tce/10^4 Nm3
TCE_ELEC = 0.1229  # energy_coefficients/grid_electricity/equivalent, kgce/kWh = tce/MWh
TCE_HEAT = 0.03412  # energy_coefficients/purchased_heat/equivalent, kgce/MJ = tce/GJ
# (no bituminous_coal row: the engine converts the coal's GJ at 1 tce = 29.3076 GJ, flagged)


# =================================================================================================
# Hand arithmetic
# =================================================================================================
def fuel_co2(gj: float, cc: float, of: float) -> float:
    """GB/T 32150-2015: AD x NCV (= gj) x CC x OF x 44/12 [tCO2]."""
    return gj * cc * of * C_TO_CO2


def ch4_n2o_co2e(gj: float, ch4: float, n2o: float) -> float:
    """IPCC 2006 Vol. 2 eq. 2.1, AD x NCV (= gj) x EF, at AR6 GWPs [tCO2e]."""
    return gj * ch4 * AR6_CH4 + gj * n2o * AR6_N2O


def totals(
    scope1: float, s2_loc: float, s2_mkt: float, energy: float, exported: float = 0.0
) -> dict[str, float]:
    return {
        "total_tco2e": scope1 + s2_loc - exported,
        "scope1_tco2e": scope1,
        "scope2_location_tco2e": s2_loc,
        "scope2_market_tco2e": s2_mkt,
        "energy_tce": energy,
    }


# ----- cement_plant.xlsx: 安徽, wuhu_cement 2022 and 2023, wuhu_quarry 2022 ----------------------
# coal energy [GJ]: measured NCV rows (ncv_unit GJ/t) replace the default NCV, CC and OF stay default
COAL_22_CALCINER_GJ = 96_000 * 22.5  # t x measured 22.5 GJ/t = 2 160 000 GJ
COAL_22_KILN_GJ = 64_000 * BIT_NCV  # t x 19.570 GJ/t = 1 252 480 GJ
COAL_23_CALCINER_GJ = 99_000 * 22.3  # t x measured 22.3 GJ/t = 2 207 700 GJ
COAL_23_KILN_GJ = 62_000 * BIT_NCV  # t x 19.570 GJ/t = 1 213 340 GJ
COAL_GJ = COAL_22_CALCINER_GJ + COAL_22_KILN_GJ + COAL_23_CALCINER_GJ + COAL_23_KILN_GJ
# diesel: plant 2022 420 t + quarry 2022 1 150 t + plant 2023 405 t = 1 975 t
CEMENT_DIESEL_GJ = (420 + 1_150 + 405) * DIESEL_NCV
# combustion CO2 = GJ x 0.02618 x 0.93 x 44/12 (coal) + GJ x 0.02020 x 0.98 x 44/12 (diesel)
CEMENT_COMBUSTION_CO2 = fuel_co2(COAL_GJ, BIT_CC, BIT_OF) + fuel_co2(
    CEMENT_DIESEL_GJ, DIESEL_CC, DIESEL_OF
)
# clinker: Q x (CaO x 44/56 + MgO x 44/40), contents measured on the record (%)
CLINKER_22 = 1_500_000 * (65.2 / 100 * CAO_TO_CO2 + 2.1 / 100 * MGO_TO_CO2)
CLINKER_23 = 1_480_000 * (65.0 / 100 * CAO_TO_CO2 + 2.0 / 100 * MGO_TO_CO2)
CEMENT_PROCESS_CO2 = CLINKER_22 + CLINKER_23
# electricity [MWh]: 2022 plant 82 500 MWh + 6 650 万kWh (= 66 500 MWh) and quarry 3 200 000 kWh
# (= 3 200 MWh), all 安徽 (written 安徽 and 340000); 2023 plant 81 400 MWh + 6 720 万kWh (67 200 MWh)
CEMENT_MWH_22 = 82_500 + 6_650 * 10 + 3_200_000 / 1000  # = 152 200 MWh
CEMENT_MWH_23 = 81_400 + 6_720 * 10  # = 148 600 MWh
CEMENT_S2_LOC = CEMENT_MWH_22 * EF_2022_ANHUI + CEMENT_MWH_23 * EF_2023_GRID_EAST
CEMENT_S2_MKT = CEMENT_MWH_22 * EF_2022_RESIDUAL + CEMENT_MWH_23 * EF_2023_RESIDUAL  # no green
# energy: coal by NCV, diesel and electricity by GB/T 2589 coefficients
CEMENT_TCE = (
    COAL_GJ / GJ_PER_TCE
    + (420 + 1_150 + 405) * TCE_DIESEL
    + (CEMENT_MWH_22 + CEMENT_MWH_23) * TCE_ELEC
)
# CH4 and N2O from combustion (iso14064, ghgp)
CEMENT_CH4_N2O = ch4_n2o_co2e(COAL_GJ, BIT_CH4, BIT_N2O) + ch4_n2o_co2e(
    CEMENT_DIESEL_GJ, DIESEL_CH4, DIESEL_N2O
)
CEMENT_GBT = totals(
    CEMENT_COMBUSTION_CO2 + CEMENT_PROCESS_CO2, CEMENT_S2_LOC, CEMENT_S2_MKT, CEMENT_TCE
)
CEMENT_ISO = totals(
    CEMENT_COMBUSTION_CO2 + CEMENT_CH4_N2O + CEMENT_PROCESS_CO2,
    CEMENT_S2_LOC,
    CEMENT_S2_MKT,
    CEMENT_TCE,
)

# ----- aluminium_smelter.xlsx: 内蒙古, baotou_smelter 2022, 400 000 t primary aluminium ----------
# electricity: 2 x 262 000 万kWh (= 2 x 2 620 000 MWh) + 80 000 MWh = 5 320 000 MWh (13 300 kWh/t)
AL_MWH = 2 * 262_000 * 10 + 80_000
AL_GREEN_MWH = 532_000  # green certificates, 10 % of the site-year's grid electricity
AL_S2_LOC = AL_MWH * EF_2022_INNER_MONGOLIA  # = 3 643 668 tCO2
AL_S2_MKT = (AL_MWH - AL_GREEN_MWH) * EF_2022_RESIDUAL  # certificates at zero, rest residual
# anodes: potline 1 82 000 t at measured 98.0 % C; potline 2 82 000 t at 1 - 2 % S - 0.4 % ash
AL_ANODE_CO2 = 82_000 * 98.0 / 100 * C_TO_CO2 + 82_000 * (1 - ANODE_S - ANODE_ASH) * C_TO_CO2
# PFCs: 400 000 t Al x 0.034 kg/t = 13.6 t CF4; x 0.0034 kg/t = 1.36 t C2F6
AL_CF4_T = 400_000 * PFC_CF4
AL_C2F6_T = 400_000 * PFC_C2F6
AL_PFC_SAR = AL_CF4_T * SAR_CF4 + AL_C2F6_T * SAR_C2F6  # 88 400 + 12 512 = 100 912 tCO2e
AL_PFC_AR6 = AL_CF4_T * AR6_CF4 + AL_C2F6_T * AR6_C2F6  # 100 368 + 16 864 = 117 232 tCO2e
# fuels: natural gas 1 850 x 10^4 Nm3 x 389.31 GJ/(10^4 Nm3); diesel 680 t x 42.652 GJ/t
AL_NG_GJ = 1_850 * NG_NCV
AL_DIESEL_GJ = 680 * DIESEL_NCV
AL_COMBUSTION_CO2 = fuel_co2(AL_NG_GJ, NG_CC, NG_OF) + fuel_co2(AL_DIESEL_GJ, DIESEL_CC, DIESEL_OF)
AL_CH4_N2O = ch4_n2o_co2e(AL_NG_GJ, NG_CH4, NG_N2O) + ch4_n2o_co2e(
    AL_DIESEL_GJ, DIESEL_CH4, DIESEL_N2O
)
# energy: 5 320 000 MWh x 0.1229 + 1 850 x 13.3 + 680 x 1.4571 = 653 828 + 24 605 + 990.828
AL_TCE = AL_MWH * TCE_ELEC + 1_850 * TCE_NG + 680 * TCE_DIESEL  # green certificates carry no tce
AL_GBT = totals(AL_COMBUSTION_CO2 + AL_ANODE_CO2 + AL_PFC_SAR, AL_S2_LOC, AL_S2_MKT, AL_TCE)
AL_ISO = totals(
    AL_COMBUSTION_CO2 + AL_CH4_N2O + AL_ANODE_CO2 + AL_PFC_AR6, AL_S2_LOC, AL_S2_MKT, AL_TCE
)

# ----- electronics_assembly.xlsx: suzhou_plant (江苏) and dongguan_plant (广东), 2022 -----------
# Suzhou electricity: 2 150 万kWh (江苏) + 14 800 MWh (320000) + 3 650 000 kWh (江苏省) at the 江苏
# factor; 2 050 MWh written with the grid id grid_east at the 华东 factor
SZ_MWH_JIANGSU = 2_150 * 10 + 14_800 + 3_650_000 / 1000  # = 39 950 MWh
SZ_MWH_GRID_EAST = 2_050
SZ_MWH = SZ_MWH_JIANGSU + SZ_MWH_GRID_EAST  # = 42 000 MWh
SZ_GREEN_MWH = 8_000 + 4_000  # green-power contract + certificates = 12 000 MWh (2/7 of 42 000)
# Dongguan electricity: 1 050 万kWh (广东) + 7 500 MWh (440000) = 18 000 MWh, no green instruments
DG_MWH = 1_050 * 10 + 7_500
EL_ELEC_LOC = (
    SZ_MWH_JIANGSU * EF_2022_JIANGSU
    + SZ_MWH_GRID_EAST * EF_2022_GRID_EAST
    + DG_MWH * EF_2022_GUANGDONG
)
# market-based: each site-year's instruments cover their share of that site-year's consumption;
# Suzhou (42 000 - 12 000) = 30 000 MWh at the residual factor, Dongguan 18 000 MWh likewise
EL_ELEC_MKT = (SZ_MWH - SZ_GREEN_MWH) * EF_2022_RESIDUAL + DG_MWH * EF_2022_RESIDUAL
# heat: 26 500 GJ purchased steam x 0.11 = 2 915 tCO2 (scope 2, both bases); exported 1 200 GJ x
# 0.11 = 132 tCO2 (deducted by gbt32150, memo for iso14064/ghgp)
EL_HEAT = 26_500 * EF_HEAT
EL_EXPORT = 1_200 * EF_HEAT
# fuels: natural gas 68.5 x 10^4 Nm3 + 125 000 m3 (= 12.5 x 10^4 Nm3) = 81 x 10^4 Nm3;
# diesel 12.6 t (Suzhou) + 6.4 t (Dongguan) = 19 t; LPG 38 t
EL_NG_GJ = (68.5 + 125_000 / 10_000) * NG_NCV
EL_DIESEL_GJ = (12.6 + 6.4) * DIESEL_NCV
EL_LPG_GJ = 38 * LPG_NCV
EL_COMBUSTION_CO2 = (
    fuel_co2(EL_NG_GJ, NG_CC, NG_OF)
    + fuel_co2(EL_DIESEL_GJ, DIESEL_CC, DIESEL_OF)
    + fuel_co2(EL_LPG_GJ, LPG_CC, LPG_OF)
)
EL_CH4_N2O = (
    ch4_n2o_co2e(EL_NG_GJ, NG_CH4, NG_N2O)
    + ch4_n2o_co2e(EL_DIESEL_GJ, DIESEL_CH4, DIESEL_N2O)
    + ch4_n2o_co2e(EL_LPG_GJ, LPG_CH4, LPG_N2O)
)
# energy: 60 000 MWh x 0.1229 + 81 x 13.3 + 19 x 1.4571 + 38 x 1.7143 + 26 500 x 0.03412
# - 1 200 x 0.03412 (exported heat deducted, GB/T 2589) = 9 407.3643 tce
EL_TCE = (
    (SZ_MWH + DG_MWH) * TCE_ELEC
    + (68.5 + 125_000 / 10_000) * TCE_NG
    + (12.6 + 6.4) * TCE_DIESEL
    + 38 * TCE_LPG
    + 26_500 * TCE_HEAT
    - 1_200 * TCE_HEAT
)
EL_GBT = totals(
    EL_COMBUSTION_CO2, EL_ELEC_LOC + EL_HEAT, EL_ELEC_MKT + EL_HEAT, EL_TCE, exported=EL_EXPORT
)
EL_ISO = totals(
    EL_COMBUSTION_CO2 + EL_CH4_N2O, EL_ELEC_LOC + EL_HEAT, EL_ELEC_MKT + EL_HEAT, EL_TCE
)

EXPECTED: dict[str, dict[str, dict[str, float]]] = {
    "cement_plant": {"gbt32150": CEMENT_GBT, "iso14064": CEMENT_ISO, "ghgp": CEMENT_ISO},
    "aluminium_smelter": {"gbt32150": AL_GBT, "iso14064": AL_ISO, "ghgp": AL_ISO},
    "electronics_assembly": {"gbt32150": EL_GBT, "iso14064": EL_ISO, "ghgp": EL_ISO},
}


# =================================================================================================
# Reading the workbooks
# =================================================================================================
def workbook_records(path: Path) -> list[dict[str, Any]]:
    """Records of the sheet ``activities``: header cells ``<label> <key>``, the key is the last
    whitespace token; note columns are kept as ``note``; empty cells are left out."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(wb["activities"].iter_rows(values_only=True))
    finally:
        wb.close()
    keys = [str(c).split()[-1] if c is not None else None for c in rows[0]]
    records = []
    for n, values in enumerate(rows[1:], start=2):
        rec = {k: v for k, v in zip(keys, values, strict=False) if k and v not in (None, "")}
        if rec:
            rec["row"] = n
            records.append(rec)
    return records


def helper_table(path: Path) -> ActivityTable:
    records = [
        {k: (str(v) if k == "region" else v) for k, v in r.items() if k != "note"}
        for r in workbook_records(path)
    ]
    return ActivityTable.from_records(records, path.name)


def load(name: str) -> ActivityTable:
    path = EXAMPLES_DIR / f"{name}.xlsx"
    if read_activities is not None:
        return read_activities(path, get_reference())
    return helper_table(path)  # pragma: no cover


def account(name: str, method: str, **options: Any) -> Any:
    return compute_inventory(
        load(name), get_reference(), AccountingOptions(method=method, **options)
    )


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_examples", EXAMPLES_DIR / "make_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# =================================================================================================
# Tests
# =================================================================================================
@pytest.mark.parametrize("name", list(EXPECTED))
def test_workbook_matches_generator(name: str) -> None:
    """The committed .xlsx holds exactly the records of examples/make_examples.py."""
    generated = _generator().EXAMPLES[name]
    read = [
        {k: v for k, v in r.items() if k != "row"}
        for r in workbook_records(EXAMPLES_DIR / f"{name}.xlsx")
    ]
    expected = [{k: v for k, v in r.items() if v not in (None, "")} for r in generated]
    assert read == expected


@pytest.mark.parametrize(
    ("name", "method"),
    [pytest.param(n, m) for n in EXPECTED for m in METHODS],
)
def test_totals_match_hand_calculation(name: str, method: str) -> None:
    got = account(name, method).totals()
    want = EXPECTED[name][method]
    for key in TOTAL_KEYS:
        assert got[key] == pytest.approx(want[key], rel=REL), key


@pytest.mark.parametrize("name", list(EXPECTED))
def test_reader_and_openpyxl_helper_agree(name: str) -> None:
    if read_activities is None:  # pragma: no cover
        pytest.skip("greenmfg.io.read_activities not available")
    ref = get_reference()
    path = EXAMPLES_DIR / f"{name}.xlsx"
    a = compute_inventory(read_activities(path, ref), ref).totals()
    b = compute_inventory(helper_table(path), ref).totals()
    assert a == pytest.approx(b, rel=REL)


def test_cement_ch4_n2o_only_outside_gbt32150() -> None:
    """iso14064/ghgp add combustion CH4 and N2O (IPCC 2006 Table 2.3, AR6); gbt32150 counts CO2."""
    gbt, iso, ghgp = (account("cement_plant", m) for m in METHODS)
    assert "CH4" not in gbt.by_gas() and "N2O" not in gbt.by_gas()
    # CH4 [t] = coal GJ x 10e-6 + diesel GJ x 3e-6
    assert iso.by_gas()["CH4"]["t"] == pytest.approx(
        COAL_GJ * BIT_CH4 + CEMENT_DIESEL_GJ * DIESEL_CH4, rel=REL
    )
    assert iso.by_gas()["N2O"]["t"] == pytest.approx(
        COAL_GJ * BIT_N2O + CEMENT_DIESEL_GJ * DIESEL_N2O, rel=REL
    )
    diff = iso.totals()["scope1_tco2e"] - gbt.totals()["scope1_tco2e"]
    assert diff == pytest.approx(CEMENT_CH4_N2O, rel=1e-6)  # a difference of two large numbers
    assert iso.totals() == ghgp.totals()
    for key in ("scope2_location_tco2e", "scope2_market_tco2e", "energy_tce"):
        assert gbt.totals()[key] == iso.totals()[key]


def test_cement_flags() -> None:
    inv = account("cement_plant", "gbt32150")
    t = inv.activities
    coal = t.item == "bituminous_coal"
    measured = coal & ~_isnan(t.column("ncv"))
    assert measured.sum() == 2
    assert all(f & Flag.MEASURED_NCV for f in inv.flags[measured])
    assert not any(f & Flag.MEASURED_NCV for f in inv.flags[coal & ~measured])
    assert all(f & Flag.TCE_FROM_NCV for f in inv.flags[coal])  # no GB/T 2589 coefficient
    elec_23 = (t.kind == "electricity") & (t.year == 2023)
    for f in inv.flags[elec_23]:  # 2023: 华东 grid factor of the same year, not 安徽 2022
        assert f & Flag.REGION_FALLBACK_GRID
        assert not f & Flag.FACTOR_YEAR_FALLBACK


def test_aluminium_pfc_gwp_per_method() -> None:
    """PFCs at SAR GWPs under gbt32150 by default, AR6 under iso14064/ghgp or when chosen."""
    gbt = account("aluminium_smelter", "gbt32150")
    iso = account("aluminium_smelter", "iso14064")
    gbt_ar6 = account("aluminium_smelter", "gbt32150", gwp="ar6")
    assert gbt.gwp_set == "sar" and iso.gwp_set == "ar6"
    assert gbt.by_gas()["CF4"] == pytest.approx({"t": 13.6, "gwp": 6500, "tco2e": 88_400}, rel=REL)
    assert gbt.by_gas()["C2F6"] == pytest.approx({"t": 1.36, "gwp": 9200, "tco2e": 12_512}, rel=REL)
    assert iso.by_gas()["CF4"]["tco2e"] == pytest.approx(100_368, rel=REL)
    assert iso.by_gas()["C2F6"]["tco2e"] == pytest.approx(16_864, rel=REL)
    # same gases under gbt32150 with AR6 chosen: scope 1 rises by the PFC difference only
    assert gbt_ar6.totals()["scope1_tco2e"] - gbt.totals()["scope1_tco2e"] == pytest.approx(
        AL_PFC_AR6 - AL_PFC_SAR, rel=1e-6
    )
    # the certificates lower the market-based scope 2 by 10 % of the residual-factor emissions
    assert gbt.totals()["scope2_market_tco2e"] == pytest.approx(
        0.9 * AL_MWH * EF_2022_RESIDUAL, rel=REL
    )


def test_electronics_exported_heat_deducted_by_gbt32150() -> None:
    inv = account("electronics_assembly", "gbt32150")
    tot = inv.totals()
    assert tot["exported_tco2e"] == pytest.approx(132.0, rel=REL)
    assert tot["total_tco2e"] == pytest.approx(
        tot["scope1_tco2e"] + tot["scope2_location_tco2e"] - 132.0, rel=REL
    )
    # green instruments: Suzhou's 12 000 MWh cover 2/7 of its 42 000 MWh; Dongguan has none
    sites = {r["site"]: r for r in inv.by_site()}
    assert sites["suzhou_plant"]["scope2_market_tco2e"] == pytest.approx(
        30_000 * EF_2022_RESIDUAL + EL_HEAT, rel=REL
    )
    assert sites["dongguan_plant"]["scope2_market_tco2e"] == pytest.approx(
        18_000 * EF_2022_RESIDUAL, rel=REL
    )


def test_electronics_exported_heat_is_memo_outside_gbt32150() -> None:
    tot = account("electronics_assembly", "iso14064").totals()
    assert tot["total_tco2e"] == pytest.approx(
        tot["scope1_tco2e"] + tot["scope2_location_tco2e"], rel=REL
    )


def _isnan(values: Any) -> Any:
    import numpy as np

    return np.isnan(values)


def test_expected_magnitudes_are_plausible() -> None:
    """Sanity of the synthetic data, not of the engine: intensities in the usual ranges."""
    # cement 2022: ~0.74 tCO2/t clinker in scope 1 (0.53 process + 0.21 fuel; ~2.3 GJ/t clinker
    # of coal, the efficient end of a 5000 t/d line), 55 kWh/t clinker on the clinker line
    s1_22 = fuel_co2(COAL_22_CALCINER_GJ + COAL_22_KILN_GJ, BIT_CC, BIT_OF) + CLINKER_22
    assert 0.70 < s1_22 / 1_500_000 < 0.95
    assert 0.52 < CLINKER_22 / 1_500_000 < 0.54
    assert math.isclose(82_500 * 1000 / 1_500_000, 55)
    # aluminium: ~13 300 kWh/t, 0.41 t anode/t
    assert math.isclose(AL_MWH * 1000 / 400_000, 13_300)
    assert math.isclose(164_000 / 400_000, 0.41)
    # electronics: ~60 GWh
    assert math.isclose(SZ_MWH + DG_MWH, 60_000)

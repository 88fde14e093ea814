"""Data-quality flags carried by every result line (a bit mask per line)."""

from __future__ import annotations

from enum import IntFlag


class Flag(IntFlag):
    """Why a line deserves a second look. Combined per line with ``|``."""

    MEASURED_NCV = 1 << 0
    MEASURED_CARBON_CONTENT = 1 << 1
    MEASURED_OXIDATION_RATE = 1 << 2
    MEASURED_EMISSION_FACTOR = 1 << 3
    MEASURED_COMPOSITION = 1 << 4  # purity, CaO/MgO, carbon fraction
    DEFAULT_PURITY = 1 << 5
    FACTOR_YEAR_FALLBACK = 1 << 6
    REGION_FALLBACK_GRID = 1 << 7
    REGION_FALLBACK_NATIONAL = 1 << 8
    NO_REGION_NATIONAL = 1 << 9
    UNVERIFIED_FACTOR = 1 << 10
    SECONDARY_FACTOR = 1 << 11
    IMPLAUSIBLE_VALUE = 1 << 12
    TCE_FROM_NCV = 1 << 13
    NO_CH4_N2O_FACTOR = 1 << 14


FLAG_TEXT: dict[Flag, tuple[str, str]] = {
    Flag.MEASURED_NCV: ("实测低位发热量", "measured NCV overrides the default"),
    Flag.MEASURED_CARBON_CONTENT: (
        "实测单位热值含碳量",
        "measured carbon content overrides the default",
    ),
    Flag.MEASURED_OXIDATION_RATE: ("实测碳氧化率", "measured oxidation rate overrides the default"),
    Flag.MEASURED_EMISSION_FACTOR: (
        "实测/供应商排放因子",
        "measured or supplier-specific emission factor",
    ),
    Flag.MEASURED_COMPOSITION: ("实测成分", "measured composition (purity, CaO/MgO, carbon)"),
    Flag.DEFAULT_PURITY: ("纯度按100%计", "purity not given: 100 % assumed (conservative)"),
    Flag.FACTOR_YEAR_FALLBACK: (
        "因子年份替代",
        "no factor for the data year: latest earlier year used",
    ),
    Flag.REGION_FALLBACK_GRID: (
        "采用区域电网因子",
        "no provincial factor: regional grid factor used",
    ),
    Flag.REGION_FALLBACK_NATIONAL: ("采用全国因子", "no regional factor: national average used"),
    Flag.NO_REGION_NATIONAL: ("未填地区，采用全国因子", "no region given: national average used"),
    Flag.UNVERIFIED_FACTOR: ("因子未经核实", "uses a factor of confidence 'unverified'"),
    Flag.SECONDARY_FACTOR: ("因子来自二手来源", "uses a factor of confidence 'secondary'"),
    Flag.IMPLAUSIBLE_VALUE: (
        "数值超出合理范围",
        "a measured value lies outside its plausible range",
    ),
    Flag.NO_CH4_N2O_FACTOR: (
        "缺CH4/N2O因子，仅计CO2",
        "no CH4/N2O factor in the reference data: CO2 only",
    ),
    Flag.TCE_FROM_NCV: (
        "按低位发热量折标",
        "standard coal from the NCV (no GB/T 2589 coefficient used)",
    ),
}


def describe(mask: int, lang: str = "en") -> list[str]:
    """Texts of the flags set in ``mask`` (``lang`` ``'zh'`` or ``'en'``)."""
    idx = 0 if lang == "zh" else 1
    return [text[idx] for flag, text in FLAG_TEXT.items() if mask & flag]

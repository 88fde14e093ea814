"""Product-footprint and EU CBAM reference tables: loading, provenance, look-ups, errors.

Expected values are read off the rows of the data files, whose sources are:
- MEE/NBS 2022 and 2023 electricity CO2 factors (公告, 2024-12-20 and January 2026), as quoted by
  新京报 (daydaynews.cc/zh-hant/finance/3899452.html) and 光明日报 (163.com/dy/article/KIQVBKCG05567I2C);
- MEE/NBS/NEA 2023 and 2024 electricity carbon-footprint factors (2025年第3号; 2025-09-28);
- Implementing Regulation (EU) 2025/2621 Annex I (as replaced by 2026/1740), table 'China';
- Regulation (EU) 2023/956 Annexes I and II.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from greenmfg.reference import get_reference
from greenmfg.reference.footprints import (
    GLOBAL,
    cbam_default,
    cbam_defaults,
    cbam_good,
    cbam_goods,
    check_geographies,
    load_cbam_defaults,
    load_cbam_goods,
    load_product_footprints,
    product_footprint,
    product_footprint_factors,
    region_chain,
)
from greenmfg.reference.loader import ReferenceDataError
from greenmfg.reference.model import CONFIDENCE_LEVELS

REF_DIR = Path(__file__).resolve().parents[1] / "src" / "greenmfg" / "reference"
TABLES = ("product_footprints", "cbam_default_values", "cbam_goods")


def _copy(tmp_path: Path) -> Path:
    for name in TABLES:
        shutil.copy(REF_DIR / f"{name}.csv", tmp_path / f"{name}.csv")
    return tmp_path


def _edit(path: Path, line: int, column: str, value: str) -> None:
    """Set ``column`` of the data row on file line ``line`` (header is line 1)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys())
    rows[line - 2][column] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# ---- loading and provenance ----------------------------------------------------------------------
def test_tables_load() -> None:
    assert len(product_footprint_factors()) >= 20
    assert len(cbam_defaults()) >= 100
    assert len(cbam_goods()) >= 30


def test_every_row_has_provenance() -> None:
    sources = [f.source for f in product_footprint_factors()]
    sources += [v.source for v in cbam_defaults()]
    sources += [g.source for g in cbam_goods()]
    for s in sources:
        assert s.document, s
        assert s.confidence in CONFIDENCE_LEVELS
        assert s.notes, f"{s.document}: notes must say where the value was seen"


def test_unverified_rows_are_flagged() -> None:
    flagged = [f for f in product_footprint_factors() if f.unverified]
    # The battery meta-analysis is a preprint (arXiv:2506.05531): one weak source.
    assert flagged and all(f.source.confidence == "unverified" for f in flagged)
    assert "clemente_2025_battery" in {f.dataset for f in flagged}
    official = product_footprint("electricity_grid_footprint", "CN", 2023)
    assert not official.unverified


def test_units_convert() -> None:
    # Hao et al. 2017 (Sustainability 9(4) 504): 3061 kgCO2e for a 28 kWh LFP pack.
    pack = product_footprint("battery_pack_lfp", "CN")
    assert pack.value == 3061
    assert pack.value_in("kgCO2e/kWh") == pytest.approx(3061 / 28)
    # MEE/NBS/NEA 2023: 0.6205 kgCO2e/kWh = 0.6205 tCO2e/MWh.
    grid = product_footprint("electricity_grid_footprint", "CN", 2023)
    assert grid.value_in("tCO2e/MWh") == pytest.approx(0.6205)


# ---- product footprint look-up with region fallback ----------------------------------------------
def test_province_value_when_held() -> None:
    # 2022 provincial factor of Hebei, 0.7252 kgCO2/kWh (新京报: top five provinces).
    f = product_footprint("electricity_grid_co2", "130000", 2022)
    assert (f.geography, f.value) == ("130000", 0.7252)
    # A city code and the Chinese short name resolve to the province.
    assert product_footprint("electricity_grid_co2", "130100", 2022).value == 0.7252
    assert product_footprint("electricity_grid_co2", "河北", 2022).value == 0.7252


def test_province_falls_back_to_grid() -> None:
    # Guangdong has no quoted provincial value: South grid 2022 = 0.3869 (新京报).
    f = product_footprint("electricity_grid_co2", "440000", 2022)
    assert (f.geography, f.value) == ("grid_south", 0.3869)
    # Hebei in 2023 (no provincial row for 2023): North grid 2023 = 0.6361 (光明日报).
    f = product_footprint("electricity_grid_co2", "130000", 2023)
    assert (f.geography, f.value) == ("grid_north", 0.6361)


def test_grid_falls_back_to_national() -> None:
    # The carbon-footprint factor is national only: 2023 = 0.6205 kgCO2e/kWh (2025年第3号).
    f = product_footprint("electricity_grid_footprint", "440300", 2023)
    assert (f.geography, f.value) == ("CN", 0.6205)
    # Without a year, the newest: 2024 = 0.5777 kgCO2e/kWh.
    assert product_footprint("electricity_grid_footprint", "grid_south").value == 0.5777


def test_national_falls_back_to_global_only_when_allowed() -> None:
    # IAI global average primary aluminium 2022: 15.1 tCO2e/t (no China value held).
    f = product_footprint("aluminium_primary", "CN")
    assert (f.geography, f.value, f.reference_year) == (GLOBAL, 15.1, 2022)
    with pytest.raises(KeyError, match="tried 130000 -> grid_north -> CN"):
        product_footprint("aluminium_primary", "130000", fallback_global=False)


def test_region_chain() -> None:
    ref = get_reference()
    assert region_chain("130000", ref) == ["130000", "grid_north", "CN", GLOBAL]
    assert region_chain("DE", ref) == ["DE", GLOBAL]
    with pytest.raises(KeyError, match="unknown geography"):
        region_chain("Atlantis", ref)


def test_unknown_product_and_year() -> None:
    with pytest.raises(KeyError, match="no footprint factor for product 'unobtainium'"):
        product_footprint("unobtainium", "CN")
    with pytest.raises(KeyError, match="for 1999"):
        product_footprint("electricity_grid_co2", "CN", 1999)


# ---- CBAM default values -------------------------------------------------------------------------
def test_cbam_exact_code() -> None:
    # China, 2523 10 00 90 (other clinker incl. grey): 1.35 direct + 0.04 indirect = 1.39.
    v = cbam_default("2523100090")
    assert (v.direct, v.indirect, v.total, v.route) == (1.35, 0.04, 1.39, "A")
    # Anhydrous ammonia 2814 10 00: 4.17 + 0.19 = 4.36; hydrogen 2804 10 00: 26.64, no indirect.
    assert cbam_default("28141000").total == 4.36
    h2 = cbam_default("2804 10 00")
    assert (h2.total, h2.indirect) == (26.64, None)


def test_cbam_prefix_fallback() -> None:
    # 7208 25 00 has no own row: the annex gives hot-rolled flat products at heading 7208, 3.187.
    assert cbam_default("72082500").cn_code == "7208"
    assert cbam_default("72082500").total == 3.187
    # Unwrought aluminium 7601 10 00 -> 7601 (3.0); aluminium sheet 7606 12 20 -> 7606 (4.12).
    assert cbam_default("76011000").total == 3.0
    assert cbam_default("7606.12.20").total == 4.12
    # 7218 99 11 (8 digits) is held as it is, 7219 12 10 falls back to the 6-digit 721912.
    assert cbam_default("72189911").cn_code == "72189911"
    assert cbam_default("72191210").cn_code == "721912"


def test_cbam_split_and_missing_codes() -> None:
    with pytest.raises(KeyError, match=r"2523100010.*2523100090"):
        cbam_default("25231000")
    with pytest.raises(KeyError, match="Other countries and territories"):
        cbam_default("72082500", country="DE")


def test_cbam_markup() -> None:
    # Mark-up of Annex I (IR 2026/1740): steel 10/20/30 %, 30 % from 2028 on; fertilisers 1 %.
    hrc = cbam_default("7208")
    assert hrc.total_with_markup(2026) == pytest.approx(3.187 * 1.10)
    assert hrc.total_with_markup(2031) == pytest.approx(3.187 * 1.30)
    urea = cbam_default("31021019")  # 2.85 total
    assert urea.total_with_markup(2027) == pytest.approx(2.85 * 1.01)
    with pytest.raises(ValueError, match="before 2026"):
        hrc.total_with_markup(2025)


def test_cbam_goods_categories() -> None:
    # Annex II: iron and steel, aluminium, hydrogen count direct emissions only.
    assert cbam_good("72082500").indirect_counted is False
    assert cbam_good("76011000").category == "aluminium"
    assert cbam_good("28041000").indirect_counted is False
    # Cement, fertilisers and sintered ore are not in Annex II: indirect emissions count.
    assert cbam_good("25232900").indirect_counted is True
    assert cbam_good("31021019").category == "fertilisers"
    assert cbam_good("26011200").indirect_counted is True
    # Ferro-silicon (7202 2) is excepted from Annex I: outside CBAM.
    fesi = cbam_good("72022100")
    assert (fesi.in_scope, fesi.indirect_counted) == (False, None)
    with pytest.raises(KeyError, match="not in Annex I"):
        cbam_good("84713000")


def test_defaults_and_goods_agree_on_indirect() -> None:
    """A default value has an indirect part exactly when its good counts indirect emissions."""
    for v in cbam_defaults():
        good = cbam_good(v.cn_code)
        assert good.in_scope, v.cn_code
        assert (v.indirect is not None) == good.indirect_counted, v.cn_code


# ---- loader errors name file, line and column ----------------------------------------------------
def test_bad_unit_names_file_line_column(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "product_footprints.csv", 3, "unit", "kgCO2e/furlong_of_joy")
    with pytest.raises(
        ReferenceDataError,
        match=r"reference/product_footprints.csv, line 3, column 'unit': expected a unit",
    ):
        load_product_footprints(root)


def test_declared_unit_must_make_a_mass(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "product_footprints.csv", 2, "declared_unit", "1 t")  # kgCO2e/kWh x t
    with pytest.raises(ReferenceDataError, match=r"line 2, column 'declared_unit'"):
        load_product_footprints(root)


def test_negative_value_and_bad_confidence(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "product_footprints.csv", 4, "value", "-0.5")
    with pytest.raises(ReferenceDataError, match=r"line 4, column 'value': expected a positive"):
        load_product_footprints(root)
    root = _copy(tmp_path)
    _edit(root / "product_footprints.csv", 5, "confidence", "probably")
    with pytest.raises(ReferenceDataError, match=r"line 5, column 'confidence'"):
        load_product_footprints(root)


def test_duplicate_footprint_key(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "product_footprints.csv"
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=rf"line {len(lines) + 1}: duplicate key"):
        load_product_footprints(root)


def test_bad_uncertainty(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "product_footprints.csv", 2, "uncertainty", "range:22..4.5")
    with pytest.raises(ReferenceDataError, match=r"line 2, column 'uncertainty'"):
        load_product_footprints(root)


def test_unknown_region_code_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "product_footprints.csv", 2, "geography", "grid_atlantis")
    factors = load_product_footprints(root)
    with pytest.raises(ReferenceDataError, match=r"line 2, column 'geography'"):
        check_geographies(factors, get_reference())


def test_cbam_total_must_add_up(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "cbam_default_values.csv", 3, "total", "2.5")
    with pytest.raises(
        ReferenceDataError,
        match=r"reference/cbam_default_values.csv, line 3, column 'total': expected direct \+",
    ):
        load_cbam_defaults(root)


def test_cbam_bad_code_and_markup(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "cbam_default_values.csv", 4, "cn_code", "72O8")
    with pytest.raises(ReferenceDataError, match=r"line 4, column 'cn_code'"):
        load_cbam_defaults(root)
    root = _copy(tmp_path)
    _edit(root / "cbam_default_values.csv", 4, "markup_2027", "")
    with pytest.raises(ReferenceDataError, match=r"line 4, column 'markup_2027'"):
        load_cbam_defaults(root)


def test_goods_indirect_only_in_scope(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "cbam_goods.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    line = next(i for i, r in enumerate(rows, start=2) if r["in_scope"] == "false")
    _edit(path, line, "indirect_counted", "true")
    with pytest.raises(ReferenceDataError, match=rf"line {line}, column 'indirect_counted'"):
        load_cbam_goods(root)

"""The reference data: provenance on every row, validation at load time, the ids the issue requires."""

from __future__ import annotations

import csv
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from greenmfg.reference import ReferenceDataError, load_reference
from greenmfg.reference.loader import PROVENANCE, TABLES

REF_DIR = Path(str(files("greenmfg").joinpath("reference")))


def test_every_table_carries_provenance_and_a_known_confidence():
    for name in TABLES:
        with open(REF_DIR / f"{name}.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows, name
        for row in rows:
            assert all(col in row for col in PROVENANCE), name
            assert row["confidence"] in ("official", "secondary", "unverified"), (name, row)
            assert row["source_document"].strip(), (name, row)


def test_required_items_exist(ref):
    for item in (
        "natural_gas",
        "raw_coal",
        "diesel",
        "gasoline",
        "coke",
        "fuel_oil",
        "lpg",
        "grid_electricity",
        "purchased_heat",
        "limestone",
        "dolomite",
    ):
        assert item in ref.items, item


def test_required_factor_sets(ref):
    assert {"sar", "ar4", "ar5", "ar6"} <= set(ref.gwp_sets())
    for year in (2021, 2022, 2023):
        for series in ("average", "excl_market_nonfossil", "fossil"):
            assert (series, year, "CN") in ref.electricity, (series, year)
    grids = [c for c, r in ref.regions.items() if r.level == "grid"]
    assert len(grids) == 7
    assert sum(r.level == "province" for r in ref.regions.values()) == 31
    assert ref.energy[("grid_electricity", "equivalent", None)].value == 0.1229  # GB/T 2589 Annex A


def test_region_aliases(ref):
    assert ref.resolve_region("江苏").code == "320000"
    assert ref.resolve_region("江苏省").code == "320000"
    assert ref.resolve_region("Inner Mongolia").code == "150000"
    assert ref.resolve_region("320583").code == "320000"  # a county-level code -> its province
    assert ref.resolve_region("华东").code == "grid_east"
    assert ref.resolve_region("") is None
    with pytest.raises(KeyError):
        ref.resolve_region("Atlantis")


def _broken_copy(tmp_path: Path, table: str, old: str, new: str) -> Path:
    root = tmp_path / "reference"
    shutil.copytree(REF_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = root / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def test_loader_rejects_a_bad_unit(tmp_path):
    root = _broken_copy(tmp_path, "heat_factors", "tCO2/GJ", "tCO2/t")
    with pytest.raises(
        ReferenceDataError,
        match=r"reference/heat_factors.csv, line 2, column 'unit': "
        r"expected a unit of mass per energy, not dimensionless",
    ):
        load_reference(root)


def test_loader_rejects_a_bad_confidence_and_a_bad_number(tmp_path):
    root = _broken_copy(tmp_path, "gwp", "ar6,N2O,273", "ar6,N2O,27three")
    with pytest.raises(ReferenceDataError, match="column 'value': expected a number"):
        load_reference(root)
    root2 = _broken_copy(tmp_path / "b", "constants", ",secondary,", ",sure,")
    with pytest.raises(
        ReferenceDataError,
        match="column 'confidence': expected one of official, secondary, unverified",
    ):
        load_reference(root2)


def test_loader_rejects_duplicates(tmp_path):
    root = _broken_copy(
        tmp_path, "heat_factors", "\n", "\npurchased_heat,0.2,tCO2/GJ,X,2015,,secondary,\n"
    )
    with pytest.raises(ReferenceDataError, match="duplicate key"):
        load_reference(root)


def test_edition_changes_with_the_data(tmp_path, ref):
    root = _broken_copy(tmp_path, "heat_factors", "0.11,", "0.12,")
    assert load_reference(root).edition != ref.edition


def test_industry_and_place_names_cover_the_demo(ref):
    from greenmfg.demo.dataset import demo_dataset

    ds = demo_dataset()
    for org in ds.orgs:
        if org.industry_code:
            # a class label exists for every demo class (not only its division's)
            assert org.industry_code in ref.industries, org.industry_code
            assert ref.industries[org.industry_code].level == "class"
        assert ref.place_name(org.region_code) != org.region_code, org.region_code
    # GB/T 4754-2017 division 30 and class 3011; a class without its own row names its division
    assert ref.industry_name("C30") == "非金属矿物制品业"
    assert ref.industry_name("C3011", "en") == "Cement"
    assert ref.industry_name("C3099") == "非金属矿物制品业"
    # a county without a row is named by its prefecture, a prefecture without one by its province
    assert ref.place_name("320507") == "苏州市"
    assert ref.place_name("330300") == "浙江省"  # 温州市 has no row
    assert all(
        label.source.confidence in ("official", "secondary") for label in ref.industries.values()
    )

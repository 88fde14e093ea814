"""The demo park (greenmfg.demo.dataset): structure, reference coverage and that every reporting
year accounts under all three methods."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pytest

from greenmfg.accounting import AccountingOptions, ActivityTable, Inventory, compute_inventory
from greenmfg.demo.dataset import (
    DEMO_PASSWORD,
    PARK,
    ROLES,
    SECTORS,
    STATES,
    VERIFIER,
    YEARS,
    DemoDataset,
    demo_dataset,
)
from greenmfg.reference import ReferenceData
from greenmfg.units import conversion_factor

METHODS = ("gbt32150", "iso14064", "ghgp")


@pytest.fixture(scope="module")
def ds() -> DemoDataset:
    return demo_dataset()


@pytest.fixture(scope="module")
def inventories(ref: ReferenceData) -> dict[tuple[str, int, str], Inventory]:
    """Generate the dataset and account every enterprise-year under every method (timed)."""
    data = demo_dataset()
    out = {
        (key, year, method): compute_inventory(
            ActivityTable.from_records(records, source=f"{key}/{year}"),
            ref,
            AccountingOptions(method=method),
        )
        for (key, year), records in data.activities.items()
        for method in METHODS
    }
    return out


def test_enterprises_and_industries(ds: DemoDataset) -> None:
    ents = ds.enterprises
    assert 28 <= len(ents) <= 32
    assert {e.sector for e in ents} == set(SECTORS)
    sectors = Counter(e.sector for e in ents)
    assert sectors["steel_eaf"] == 1 and sectors["steel_bof"] == 1
    for e in ents:
        assert e.industry_code is not None and re.fullmatch(r"C\d{4}", e.industry_code)
    codes = {e.sector: set() for e in ents}
    for e in ents:
        codes[e.sector].add(e.industry_code)
    assert codes["cement"] == {"C3011"}
    assert codes["aluminium"] == {"C3216"}
    assert codes["flat_glass"] == {"C3041"}
    assert codes["steel_eaf"] == {"C3120"} and codes["steel_bof"] == {"C3110"}
    prefixes = {"chemicals": "C26", "textiles": "C17", "electronics": "C39", "machinery": "C34"}
    for sector, prefix in prefixes.items():
        assert all(c.startswith(prefix) for c in codes[sector]), sector


def test_organisations(ds: DemoDataset) -> None:
    keys = [o.key for o in ds.orgs]
    assert len(keys) == len(set(keys))
    kinds = Counter(o.kind for o in ds.orgs)
    assert kinds["park"] == 1 and kinds["verifier"] == 1
    levels = {o.region_code: o.level for o in ds.orgs if o.kind == "authority"}
    assert levels == {
        "000000": "national",
        "320000": "provincial",
        "320500": "municipal",
        "320200": "municipal",
    }
    park = ds.org(PARK)
    in_park = [e for e in ds.enterprises if e.park_key == PARK]
    assert 18 <= len(in_park) <= 22
    assert all(e.region_code.startswith("3205") for e in in_park)
    assert park.region_code.startswith("3205")
    outside = [e for e in ds.enterprises if e.park_key is None]
    assert {e.region_code[:4] for e in outside} >= {"3202", "3402", "1302"}
    for e in ds.enterprises:
        assert e.park_key in (None, PARK)
    # parents come first (the store creates them in this order)
    assert keys.index(PARK) < min(keys.index(e.key) for e in in_park)


def test_region_codes_resolve(ds: DemoDataset, ref: ReferenceData) -> None:
    codes = {o.region_code for o in ds.orgs if o.level != "national"}
    codes |= {s.region_code for s in ds.sites}
    codes |= {r["region"] for recs in ds.activities.values() for r in recs}
    for code in codes:
        assert re.fullmatch(r"\d{6}", code), code
        region = ref.resolve_region(code)  # county and prefecture codes roll up to the province
        assert region is not None and region.code == code[:2] + "0000", code
    national = [o for o in ds.orgs if o.level == "national"]
    assert [o.region_code for o in national] == ["000000"]  # the store's national convention


def test_sites_and_records(ds: DemoDataset) -> None:
    sites = defaultdict(dict)
    for s in ds.sites:
        sites[s.org_key][s.code] = s.region_code
    ents = {e.key: e for e in ds.enterprises}
    assert set(sites) == set(ents)
    for key, by_code in sites.items():
        assert 1 <= len(by_code) <= 3
        assert "S1" in by_code
        assert ents[key].region_code == by_code["S1"]
    assert set(ds.activities) == {(k, y) for k in ents for y in YEARS}
    for (key, year), records in ds.activities.items():
        assert records
        produced = set()
        for r in records:
            assert r["year"] == year
            assert r["site"] in sites[key]
            assert r["region"] == sites[key][r["site"]]  # every record carries its site's region
            assert r["amount"] > 0
            if r["kind"] == "production":
                produced.add(r["site"])
        assert "S1" in produced, (key, year)


def test_users(ds: DemoDataset) -> None:
    names = [u.username for u in ds.users]
    assert len(names) == len(set(names))
    orgs = {o.key for o in ds.orgs}
    for u in ds.users:
        assert u.password == DEMO_PASSWORD
        for org, role in u.memberships:
            assert org in orgs and role in ROLES
    by_name = {u.username: u for u in ds.users}
    assert by_name["admin"].memberships == ()
    for name in ("park", "suzhou", "jiangsu", "national", "wuxi", "verifier"):
        assert name in by_name
    assert by_name["park"].memberships == ((PARK, "park_admin"),)
    assert by_name["verifier"].memberships == ((VERIFIER, "verifier"),)
    managers = {m[0] for u in ds.users for m in u.memberships if m[1] == "manager"}
    assert managers == {e.key for e in ds.enterprises}
    viewers = [m[0] for u in ds.users for m in u.memberships if m[1] == "viewer"]
    assert viewers == [ds.enterprises[0].key]


def test_assignments_and_states(ds: DemoDataset) -> None:
    ents = {e.key for e in ds.enterprises}
    assigned = {e for v, e in ds.assignments}
    assert {v for v, _ in ds.assignments} == {VERIFIER}
    assert assigned <= ents and 2 <= len(ents - assigned) <= 3
    assert set(ds.submission_states) == set(ds.activities)
    assert set(ds.submission_states.values()) <= set(STATES)
    for (key, _), state in ds.submission_states.items():
        if state in ("verified", "returned"):
            assert key in assigned
    by_year = {
        y: Counter(s for (_, yy), s in ds.submission_states.items() if yy == y) for y in YEARS
    }
    n = len(ents)
    assert by_year[2021]["verified"] > n / 2
    assert {"verified", "submitted", "returned"} <= set(by_year[2022])
    assert by_year[2023]["draft"] + by_year[2023]["submitted"] > n / 2
    assert by_year[2023]["verified"] == 0
    assert set(ds.output_value) == set(ds.activities)
    assert all(v > 0 for v in ds.output_value.values())


def test_deterministic() -> None:
    a, b = demo_dataset(), demo_dataset()
    assert a == b
    assert demo_dataset(7) == demo_dataset(7)
    assert demo_dataset(7).activities != a.activities  # the seed matters


def test_every_year_accounts_under_every_method(
    ds: DemoDataset, inventories: dict[tuple[str, int, str], Inventory]
) -> None:
    assert len(inventories) == len(ds.activities) * len(METHODS)
    for (key, year, method), inv in inventories.items():
        totals = inv.totals()
        assert totals["total_tco2e"] > 0, (key, year, method)
        assert totals["energy_tce"] > 0, (key, year, method)
        assert inv.intensities(), (key, year)


def test_green_instruments_within_grid_electricity(ds: DemoDataset) -> None:
    green_seen = 0
    for (key, year), records in ds.activities.items():
        grid: dict[str, float] = defaultdict(float)
        green: dict[str, float] = defaultdict(float)
        for r in records:
            if r["item"] == "grid_electricity":
                grid[r["site"]] += r["amount"] * conversion_factor(r["unit"], "MWh")
            elif r["kind"] == "green_electricity":
                green[r["site"]] += r["amount"] * conversion_factor(r["unit"], "MWh")
        for site, mwh in green.items():
            green_seen += 1
            assert 0 < mwh <= grid[site], (key, year, site)
    assert green_seen >= 10


def _process_by_hand(records: list[dict[str, Any]]) -> float:
    """Clinker process CO2, 中国水泥生产企业温室气体排放核算方法与报告指南（试行）(2013):
    E = Q x (CaO x 44/56 + MgO x 44/40), contents in percent."""
    return sum(
        r["amount"] * (r["cao_content"] / 100 * 44 / 56 + r["mgo_content"] / 100 * 44 / 40)
        for r in records
        if r["item"] == "clinker"
    )


def test_cement_plants_by_hand(
    ds: DemoDataset, inventories: dict[tuple[str, int, str], Inventory]
) -> None:
    cement = [e.key for e in ds.enterprises if e.sector == "cement"]
    assert len(cement) >= 2
    for key in cement:
        for year in YEARS:
            records = ds.activities[(key, year)]
            expected = _process_by_hand(records)
            clinker = sum(r["amount"] for r in records if r["item"] == "cement_clinker")
            # about 0.53 tCO2 per t clinker from calcination (CaO ~65 %, MgO ~2 %)
            assert 0.50 < expected / clinker < 0.56
            for method in METHODS:
                inv = inventories[(key, year, method)]
                process = float(inv.tco2e[inv.source_type == "process"].sum())
                assert process == pytest.approx(expected, rel=1e-9)
                total = inv.totals()["total_tco2e"]
                assert total > process > 0
                # fuel and electricity add roughly 0.25-0.35 t per t clinker
                assert 0.7 < total / clinker < 0.97


def test_year_on_year_improvement(inventories: dict[tuple[str, int, str], Inventory]) -> None:
    """Most enterprises lower their energy intensity from 2021 to 2023 (location-based, S1)."""

    def kgce(key: str, year: int) -> float:
        rows = [r for r in inventories[(key, year, "gbt32150")].intensities() if r["site"] == "S1"]
        return float(rows[0]["kgce_per_unit"])

    keys = sorted({k for k, _, _ in inventories})
    better = sum(kgce(k, 2023) < kgce(k, 2021) for k in keys)
    assert better >= 0.8 * len(keys)


# Intended class of each demo line (benchmark_levels.csv, 发改产业〔2021〕1609号; grades from
# energy_limit_grades.csv): clinker 100/117 kgce/t (GB 16780-2021 grades 100/107/117), aluminium
# liquid AC power 13 000/13 350 kWh/t (GB 21346-2022 12 950/13 000/13 350), flat glass
# 500-800 t/d 9.5/13.5 and > 800 t/d 8.0/12.0 kgce/重量箱 (GB 21340-2019 grade 3 = base), EAF
# >= 50 t 61/72 kgce/t (no grades held for this scope row).
INTENDED = {
    ("ent19", "S1"): "between",  # 苏州 float glass, ~12 kgce/重量箱
    ("ent20", "S1"): "between",  # 苏州 clinker, ~107 kgce/t
    ("ent21", "S1"): "below_base",  # 苏州 (张家港) EAF, ~76 kgce/t
    ("ent23", "S1"): "at_benchmark",  # 无锡 clinker, ~93 kgce/t
    ("ent27", "S1"): "below_base",  # 芜湖 clinker, ~123 kgce/t, beyond grade 3
    ("ent28", "S1"): "between",  # 芜湖 400 kA potlines, ~13 150 kWh/t
    ("ent28", "S2"): "at_benchmark",  # 芜湖 500 kA potlines, ~12 750 kWh/t
    ("ent30", "S1"): "below_base",  # 唐山 float glass, ~12.8 kgce/重量箱, beyond grade 3
}


def test_lines_come_out_in_their_intended_classes(
    ds: DemoDataset, ref: ReferenceData, inventories: dict[tuple[str, int, str], Inventory]
) -> None:
    """The classes are computed from the records (site energy / site output), every year."""
    from greenmfg.energy.performance import LineSpec, line_performance, site_balances

    assert {(line.org_key, line.site) for line in ds.lines} == set(INTENDED)
    orgs = {o.key: o for o in ds.enterprises}
    sites = {(s.org_key, s.code) for s in ds.sites}
    beyond_grade_3 = set()
    for line in ds.lines:
        assert (line.org_key, line.site) in sites
        level = ref.benchmark_level(line.indicator_id)
        assert level.status == "sourced", line.indicator_id
        for year in YEARS:
            b = site_balances(inventories[(line.org_key, year, "gbt32150")])[(line.site, year)]
            # the line's site holds only that line's product
            assert set(b.outputs) == {line.product}, (line, year)
            lp = line_performance(
                ref,
                LineSpec(
                    line.site, line.indicator_id, line.product, commissioned=line.commissioned
                ),
                b,
            )
            assert lp.position.value == INTENDED[(line.org_key, line.site)], (line, year, lp.value)
            if lp.classification.exceeds_limit:
                beyond_grade_3.add(line.org_key)
    below = {k for (k, _), c in INTENDED.items() if c == "below_base"}
    assert any(orgs[k].region_code.startswith("3205") for k in below)
    assert any(not orgs[k].region_code.startswith("32") for k in below)
    assert beyond_grade_3 >= {"ent27", "ent30"}


def test_green_factory_titles(ds: DemoDataset) -> None:
    keys = {e.key for e in ds.enterprises}
    assert {t.level for t in ds.titles} == {"municipal", "provincial", "national"}
    assert len({t.year for t in ds.titles}) >= 3
    for t in ds.titles:
        assert t.org_key in keys and t.year <= max(YEARS)
    assert len({(t.org_key, t.level, t.year) for t in ds.titles}) == len(ds.titles)

"""The synthetic dataset generator (greenmfg.analytics.synthetic): schema conformance, determinism,
chunk-size independence, internal consistency, reference codes, meter reconciliation and the
injected faults that a validation must find."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from greenmfg.analytics import synthetic as syn
from greenmfg.analytics.schema import TABLES
from greenmfg.analytics.synthetic_cli import synthetic_app
from greenmfg.reference.loader import get_reference

# 20,000 enterprises nationwide: enough for a few smelters and steel mills; 80 meters, 2 days
NATIONAL = syn.Scale(enterprises=20_000, parks=30, meters_per_enterprise=0.004, meter_days=2)
SMALL = syn.Scale(enterprises=2_000, parks=4, meters_per_enterprise=0.02, meter_days=2)
TYPES = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return syn.generate(tmp_path_factory.mktemp("national"), NATIONAL, seed=7)


@pytest.fixture(scope="module")
def db(data: dict[str, Path]) -> Any:
    con = duckdb.connect()
    for name, path in data.items():
        src = f"{path}/*.parquet" if path.is_dir() else str(path)
        con.execute(f"create view {name} as select * from read_parquet('{src}')")
    yield con
    con.close()


def _read(path: Path) -> pa.Table:
    if path.is_dir():
        return pa.concat_tables(pq.read_table(p) for p in sorted(path.glob("part-*.parquet")))
    return pq.read_table(path)


def _one(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchone()[0]


# -------------------------------------------------------------------------------------------------
# schema, determinism, chunking
# -------------------------------------------------------------------------------------------------
def test_every_table_has_the_schema_of_schema_py(data: dict[str, Path]) -> None:
    """Names, order and Arrow types of schema.py: "int64?" a nullable int64, "timestamp" a
    timestamp[us] without time zone; columns without "?" hold no null."""
    assert set(TABLES) <= set(data)
    for name, columns in TABLES.items():
        table = _read(data[name])
        assert table.schema.names == list(columns), name
        for col, kind in columns.items():
            assert table.schema.field(col).type == TYPES[kind.rstrip("?")], (name, col)
            if not kind.endswith("?"):
                assert table.column(col).null_count == 0, (name, col)
        assert table.num_rows > 0, name
    faults = _read(data["faults"])
    assert faults.schema.names == ["meter_id", "ts", "kind"]
    assert faults.schema.field("ts").type == pa.timestamp("us")


def test_arrow_schema_nullability() -> None:
    s = syn.arrow_schema("enterprises")
    assert s.field("park_id").nullable and s.field("green_since").type == pa.int32()
    assert not s.field("enterprise_id").nullable
    assert syn.arrow_schema("readings").field("ts").type == pa.timestamp("us")


def _bytes(paths: dict[str, Path]) -> dict[str, bytes]:
    out = {}
    for name, p in paths.items():
        for f in sorted(p.glob("*.parquet")) if p.is_dir() else [p]:
            out[f"{name}/{f.name}"] = f.read_bytes()
    return out


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = _bytes(syn.generate(tmp_path / "a", SMALL, seed=3))
    b = _bytes(syn.generate(tmp_path / "b", SMALL, seed=3))
    c = _bytes(syn.generate(tmp_path / "c", SMALL, seed=4))
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[k] != c[k] for k in a if not k.startswith("parks") or SMALL.parks)


def test_content_does_not_depend_on_chunk_size(tmp_path: Path) -> None:
    ref = syn.generate(tmp_path / "ref", SMALL, seed=5)
    tiny = syn.generate(tmp_path / "tiny", SMALL, seed=5, chunk_meters=1, part_rows=1000)
    assert len(list(tiny["readings"].glob("*.parquet"))) > 1  # several parts and row groups
    assert _read(ref["readings"]).equals(_read(tiny["readings"]))
    assert _read(ref["faults"]).equals(_read(tiny["faults"]))
    for name in ("enterprises", "annual", "lines", "meters"):
        assert ref[name].read_bytes() == tiny[name].read_bytes()


@pytest.mark.parametrize("scale", [NATIONAL, SMALL, "demo"])
def test_readings_rows_is_what_is_written(
    scale: syn.Scale | str, data: dict[str, Path], tmp_path: Path
) -> None:
    """meters x intervals + duplicates - missing: e.g. 80 meters x 2 days x 96 = 15,360, with
    max(1, round(0.004 x 80)) = 1 event per kind: + 1 duplicate - 4 gap readings = 15,357."""
    if scale is NATIONAL:
        assert syn.readings_rows(NATIONAL) == 80 * 2 * 96 + 1 - 4 == 15_357
        paths = data
    else:
        paths = syn.generate(tmp_path, scale)
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in paths["readings"].glob("*.parquet"))
    assert rows == syn.readings_rows(scale)
    assert pq.ParquetFile(paths["meters"]).metadata.num_rows == syn._scale(scale).meters


def test_presets_and_readings_rows_of_the_national_preset() -> None:
    """National: round(400,000 x 0.0868) = 34,720 meters x 30 days x 96 = 99,993,600 readings,
    139 events per kind (round(0.004 x 34,720) = round(138.9)): + 139 - 4 x 139 = 99,993,183."""
    nat = syn.SCALES["national"]
    assert nat.enterprises == 400_000 and nat.meters == 34_720
    assert syn.readings_rows("national") == 99_993_600 + 139 - 4 * 139 == 99_993_183
    assert [syn.SCALES[k].enterprises for k in ("demo", "city", "province", "national")] == sorted(
        s.enterprises for s in syn.SCALES.values()
    )


def test_no_readings_writes_the_tables_only(tmp_path: Path) -> None:
    syn.generate(tmp_path, SMALL)
    paths = syn.generate(tmp_path, SMALL, readings=False)
    assert set(paths) == {"enterprises", "parks", "annual", "lines", "meters"}
    assert not (tmp_path / "faults.parquet").exists()
    assert not list((tmp_path / "readings").glob("*.parquet"))


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scale 'galactic'"):
        syn.generate(tmp_path, "galactic")
    with pytest.raises(ValueError, match=r"Scale.region: '999900'"):
        syn.generate(tmp_path, dataclasses.replace(SMALL, region="999900"))
    with pytest.raises(ValueError, match="seed"):
        syn.generate(tmp_path, SMALL, seed=-1)
    with pytest.raises(ValueError, match="meters_per_enterprise"):
        syn.Scale(enterprises=10, parks=0, meters_per_enterprise=20, meter_days=1)
    with pytest.raises(ValueError, match="interval_minutes"):
        syn.Scale(
            enterprises=10, parks=0, meters_per_enterprise=1, meter_days=1, interval_minutes=7
        )
    with pytest.raises(ValueError, match="years"):
        syn.Scale(
            enterprises=10, parks=0, meters_per_enterprise=1, meter_days=1, years=(2022, 2021)
        )


# -------------------------------------------------------------------------------------------------
# reference codes
# -------------------------------------------------------------------------------------------------
def test_codes_exist_in_the_reference_data(db: Any) -> None:
    """Region codes: a province of regions.csv, or a prefecture/county of places.csv whose first
    two digits name a province of regions.csv; industries: codes of industries.csv; parks'
    enterprises carry the park's code."""
    ref = get_reference()
    provinces = {c for c, r in ref.regions.items() if r.level == "province"}
    codes = {
        r[0]
        for r in db.execute(
            "select region_code from enterprises union select region_code from parks"
        ).fetchall()
    }
    for code in codes:
        assert code in provinces or (code in ref.places and code[:2] + "0000" in provinces), code
    assert len({c[:2] for c in codes}) >= 25  # spread over the mainland
    industries = {
        r[0] for r in db.execute("select distinct industry_code from enterprises").fetchall()
    }
    assert industries <= set(ref.industries)
    assert {"C3011", "C3120", "C3216"} <= industries
    mismatched = "select count(*) from enterprises e join parks p using (park_id) "
    assert _one(db, mismatched + "where e.region_code <> p.region_code") == 0
    assert _one(db, "select count(*) from enterprises where park_id is not null") > 0
    assert (
        _one(
            db, "select count(*) from enterprises where park_id not in (select park_id from parks)"
        )
        == 0
    )


def test_region_restriction(tmp_path: Path) -> None:
    """The city preset stays in 苏州 (320500): its counties of places.csv."""
    ref = get_reference()
    s = dataclasses.replace(syn.SCALES["city"], enterprises=300)
    codes = set(
        pq.read_table(syn.generate(tmp_path, s, readings=False)["enterprises"])[
            "region_code"
        ].to_pylist()
    )
    assert codes and all(c.startswith("3205") and c in ref.places for c in codes)


# -------------------------------------------------------------------------------------------------
# consistency of the annual data
# -------------------------------------------------------------------------------------------------
def test_parts_never_exceed_their_wholes(db: Any) -> None:
    for part, whole in [
        ("eaf_steel_t", "steel_t"),
        ("solid_waste_utilised_t", "solid_waste_generated_t"),
        ("renewable_electricity_kwh", "electricity_kwh"),
        ("value_added_10k_cny", "output_value_10k_cny"),
    ]:
        assert _one(db, f"select count(*) from annual where {part} > {whole} * (1 + 1e-12)") == 0
    negative = " or ".join(
        f"{c} < 0 or isnan({c})" for c, t in TABLES["annual"].items() if t == "float64"
    )
    assert _one(db, f"select count(*) from annual where {negative}") == 0


def test_products_only_in_their_classes(db: Any) -> None:
    """Aluminium only for C3216 (铝冶炼), crude steel only for C3120 (炼钢), recycled resources only
    for division C42; every enterprise of those classes produces them."""
    q = "select count(*) from annual join enterprises using (enterprise_id) where "
    assert _one(db, q + "aluminium_t > 0 and industry_code <> 'C3216'") == 0
    assert _one(db, q + "aluminium_t = 0 and industry_code = 'C3216'") == 0
    assert _one(db, q + "steel_t > 0 and industry_code <> 'C3120'") == 0
    assert _one(db, q + "steel_t = 0 and industry_code = 'C3120'") == 0
    assert _one(db, q + "recycled_resources_t > 0 and industry_code[:3] <> 'C42'") == 0
    assert _one(db, q + "recycled_resources_t = 0 and industry_code[:3] = 'C42'") == 0


def test_energy_and_emissions_are_consistent(db: Any) -> None:
    """Electricity is part of comprehensive energy at the equivalent value 0.1229 kgce/kWh
    (GB/T 2589, energy_coefficients.csv): energy >= kWh x 0.0001229 tce. Location-based scope 2 is
    part of the emissions: Jiangsu 2022 at the MEE/NBS 2022 provincial factor 0.5978 tCO2/MWh
    (electricity_factors.csv) gives emissions >= kWh x 0.5978e-3 t."""
    q = "select count(*) from annual join enterprises using (enterprise_id) where "
    assert _one(db, q + "energy_tce < electricity_kwh * 0.0001229 * (1 - 1e-12)") == 0
    js = "region_code[:2] = '32' and year = 2022"
    assert _one(db, q + js) > 0
    assert (
        _one(db, q + js + " and emissions_tco2e < electricity_kwh * 0.5978e-3 * (1 - 1e-12)") == 0
    )
    # smelters: potline AC consumption around the benchmark/base 13,000/13,350 kWh/t, + 4 %
    lo, hi = db.execute(
        "select min(electricity_kwh / aluminium_t), max(electricity_kwh / aluminium_t) "
        "from annual where aluminium_t > 0"
    ).fetchone()
    assert 12_000 < lo < hi < 15_000


def test_trends_and_shares_are_plausible(db: Any) -> None:
    """Intensity falls every year; the green-factory share of manufacturing output follows the
    synthetic 10 % (2020) + 6.25 points a year to 35 % (2024); utilisation, the smelters' renewable
    share and the EAF share stay in the documented ranges."""
    rows = db.execute(
        """select year, sum(energy_tce) / sum(output_value_10k_cny),
             sum(output_value_10k_cny) filter (where green_since <= year)
               / sum(output_value_10k_cny),
             sum(solid_waste_utilised_t) / sum(solid_waste_generated_t),
             sum(renewable_electricity_kwh) filter (where aluminium_t > 0)
               / sum(electricity_kwh) filter (where aluminium_t > 0),
             sum(eaf_steel_t) / sum(steel_t)
           from annual join enterprises using (enterprise_id)
           where industry_code like 'C%' group by year order by year"""
    ).fetchall()
    assert [r[0] for r in rows] == [2020, 2021, 2022, 2023, 2024]
    intensity = [r[1] for r in rows]
    assert all(b < a for a, b in itertools.pairwise(intensity))
    for year, _, green, util, al_ren, eaf in rows:
        assert green == pytest.approx(0.10 + 0.0625 * (year - 2020), abs=0.05)
        assert 0.40 < util < 0.75
        assert 0.05 < al_ren < 0.35
        assert 0.02 < eaf < 0.30
    titled = "select count(*) from enterprises where "
    assert _one(db, titled + "(green_level is null) <> (green_since is null)") == 0
    assert _one(db, titled + "green_level is not null and industry_code not like 'C%'") == 0
    levels = {r[0] for r in db.execute("select distinct green_level from enterprises").fetchall()}
    assert levels == {None, "municipal", "provincial", "national"}


def test_lines_belong_to_benchmarked_classes(db: Any) -> None:
    """Each line's indicator is a sourced row of benchmark_levels.csv whose area is made by the
    enterprise's class (GB/T 4754-2017: 水泥制造 C3011 makes clinker, 炼钢 C3120 steel, ...);
    positions mostly ``between``."""
    area_class = {
        "cement_clinker": "C3011",
        "flat_glass": "C3041",
        "ironmaking": "C3110",
        "steelmaking": "C3120",
        "electrolytic_aluminium": "C3216",
        "caustic_soda": "C2612",
        "soda_ash": "C2612",
    }
    ref = get_reference()
    rows = db.execute(
        "select distinct indicator_id, industry_code from lines join enterprises using (enterprise_id)"
    ).fetchall()
    for indicator, industry in rows:
        level = ref.benchmark_level(indicator)
        assert level.benchmark is not None and level.base is not None
        assert area_class.get(level.area_id, "C2614") == industry, (indicator, industry)
    counts = dict(db.execute("select position, count(*) from lines group by 1").fetchall())
    assert set(counts) <= {"at_benchmark", "between", "below_base", "unknown"}
    assert counts["between"] > counts["at_benchmark"] > 0 and counts["below_base"] > 0
    assert _one(db, "select count(*) from lines where output <= 0") == 0
    per_year = "select count(*) from (select enterprise_id, year, count(*) n from lines group by all) where n > 2"
    assert _one(db, per_year) == 0


# -------------------------------------------------------------------------------------------------
# meters and readings
# -------------------------------------------------------------------------------------------------
def _fault_free(db: Any) -> str:
    """Readings whose interval (the grid time the reading belongs to) has no fault on any meter of
    the site."""
    return """
      with r as (select m.enterprise_id, m.site, r.meter_id, m.workshop,
                    time_bucket(interval 15 minute, r.ts) as slot, r.value
                 from readings r join meters m using (meter_id)),
      bad as (select distinct m.enterprise_id, m.site,
                    time_bucket(interval 15 minute, f.ts) as slot
              from faults f join meters m using (meter_id))
      select r.* from r anti join bad using (enterprise_id, site, slot)"""


def test_meters_have_a_main_per_site_and_sub_meters_under_it(db: Any) -> None:
    assert _one(db, "select count(*) from meters") == NATIONAL.meters == 80
    assert (
        _one(
            db, "select count(*) from meters where meter_id not in (select meter_id from readings)"
        )
        == 0
    )
    orphan = """select count(*) from meters s left join meters m on s.parent_meter_id = m.meter_id
                where s.workshop is not null and (m.meter_id is null or m.workshop is not null
                  or m.site <> s.site or m.enterprise_id <> s.enterprise_id)"""
    assert _one(db, orphan) == 0
    assert (
        _one(
            db, "select count(*) from meters where (workshop is null) <> (parent_meter_id is null)"
        )
        == 0
    )
    assert (
        _one(
            db,
            "select count(*) from meters where enterprise_id not in (select enterprise_id from enterprises)",
        )
        == 0
    )


def test_sub_meters_sum_to_the_main_meter_minus_the_loss(db: Any) -> None:
    """On fault-free intervals: sum(sub-meters) = main x (1 - loss), loss within 1-3 %."""
    lo, hi, n = db.execute(
        f"""with ok as ({_fault_free(db)}),
            s as (select enterprise_id, site, slot,
                         sum(value) filter (where workshop is null) as main,
                         sum(value) filter (where workshop is not null) as subs,
                         count(*) filter (where workshop is not null) as k
                  from ok group by all)
            select min(1 - subs / main), max(1 - subs / main), count(*) from s where k > 0"""
    ).fetchone()
    assert n > 1000
    assert syn.LOSS_BAND == (0.01, 0.03)
    assert 0.01 <= lo < hi <= 0.03


def test_readings_follow_the_annual_electricity_and_a_load_shape(db: Any) -> None:
    """The main meters of an enterprise average its 2024 electricity per 15 minutes
    (kWh / (366 - 1) / 96: the generator spreads a 365-day year) within 10 %, except at most
    the one enterprise whose last site was cut short; weekday day shifts read more than nights."""
    rows = db.execute(
        f"""with ok as ({_fault_free(db)}),
            mains as (select enterprise_id, meter_id, avg(value) v from ok
                      where workshop is null group by all)
            select sum(v) / any_value(a.electricity_kwh / 365 / 96)
            from mains join annual a using (enterprise_id) where a.year = 2024 group by enterprise_id"""
    ).fetchall()
    off = [r[0] for r in rows if not 0.9 < r[0] < 1.1]
    assert len(rows) >= 5 and len(off) <= 1
    day, night = db.execute(
        """select avg(value) filter (where hour(ts) between 9 and 16),
                  avg(value) filter (where hour(ts) < 5)
           from readings where value > 0 and dayofweek(ts) between 1 and 5"""
    ).fetchone()
    assert day > 1.1 * night
    start = dt.datetime(2024, 1, 1, 0, 15)
    assert _one(db, "select min(ts) from readings") == start
    assert _one(db, "select max(ts) from readings where minute(ts) % 15 = 0") == dt.datetime(
        2024, 1, 3
    )


def test_injected_faults_are_listed_and_found(db: Any) -> None:
    """One event per kind here (80 meters): a validation finds exactly the listed rows:
    duplicated (meter, ts), negative values, values > 10x the meter's median, off-grid
    timestamps (a clock 7 min late for a day: 96 rows) and missing grid intervals (4 rows)."""
    faults = {
        k: sorted(map(tuple, v))
        for k, v in _group(db.execute("select kind, meter_id, ts from faults").fetchall()).items()
    }
    assert {k: len(v) for k, v in faults.items()} == {
        "duplicate": 1,
        "negative": 1,
        "spike": 1,
        "gap": syn.GAP_INTERVALS,
        "clock_shift": 96,
    }
    assert len({m for v in faults.values() for m, _ in v}) == len(
        syn.FAULT_KINDS
    )  # distinct meters
    found = {
        "duplicate": "select meter_id, ts from readings group by all having count(*) > 1",
        "negative": "select meter_id, ts from readings where value < 0",
        "spike": """select meter_id, ts from readings r join
                      (select meter_id, median(value) med from readings group by 1) using (meter_id)
                    where value > 10 * med""",
        "clock_shift": "select meter_id, ts from readings where minute(ts) % 15 <> 0",
        "gap": """select m.meter_id, g.ts from meters m,
                    generate_series(timestamp '2024-01-01 00:15', timestamp '2024-01-03 00:00',
                                    interval 15 minute) g(ts)
                  anti join readings r on r.meter_id = m.meter_id and r.ts = g.ts
                  where not exists (select 1 from faults f where f.kind = 'clock_shift'
                                    and f.meter_id = m.meter_id
                                    and f.ts = g.ts + interval 7 minute)""",
    }
    for kind, sql in found.items():
        assert sorted(db.execute(sql).fetchall()) == faults[kind], kind


def _group(rows: list[tuple[Any, ...]]) -> dict[Any, list[tuple[Any, ...]]]:
    out: dict[Any, list[tuple[Any, ...]]] = {}
    for k, *rest in rows:
        out.setdefault(k, []).append(tuple(rest))
    return out


def test_fault_counts_scale_with_meters() -> None:
    assert syn.fault_count(9) == 0
    assert syn.fault_count(10) == 1
    assert syn.fault_count(34_720) == 139
    assert np.isclose(syn.fault_count(100_000) / 100_000, syn.FAULT_RATE)


# -------------------------------------------------------------------------------------------------
# command line
# -------------------------------------------------------------------------------------------------
def test_cli_generates_a_dataset(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        synthetic_app,
        ["generate", str(tmp_path), "--scale", "city", "--enterprises", "200", "--seed", "2"],
    )
    assert r.exit_code == 0, r.output
    assert "readings" in r.output and "200 enterprises" in r.output
    assert pq.ParquetFile(tmp_path / "enterprises.parquet").metadata.num_rows == 200
    r = CliRunner().invoke(synthetic_app, ["generate", str(tmp_path / "n"), "--no-readings"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "n" / "readings").exists()

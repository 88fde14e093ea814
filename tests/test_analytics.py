"""Oversight aggregations (greenmfg.analytics.oversight) on DuckDB, derived by hand, and the same
functions on PySpark (local mode) compared with DuckDB on the same data."""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from greenmfg.analytics import oversight as o
from greenmfg.analytics.engine import Engine, EngineError, duckdb_engine, get_engine, spark_engine
from greenmfg.analytics.schema import ANNUAL

# Three enterprises: Suzhou cement (C3011, national green factory since 2021, park 1), Wuxi
# aluminium smelter (C3216), Beijing steel (C3120, municipal green factory since 2023) and a
# non-manufacturing Beijing mine (B0610, green title ignored: not section C).
ENTERPRISES = pa.table(
    {
        "enterprise_id": pa.array([1, 2, 3, 4], pa.int64()),
        "name": ["cement", "smelter", "steel", "mine"],
        "region_code": ["320506", "320214", "110101", "110105"],
        "industry_code": ["C3011", "C3216", "C3120", "B0610"],
        "park_id": pa.array([1, None, None, None], pa.int64()),
        "green_level": ["national", None, "municipal", "municipal"],
        "green_since": pa.array([2021, None, 2023, 2020], pa.int32()),
    }
)


def _annual() -> pa.Table:
    zero = {c: 0.0 for c in ANNUAL if c not in ("enterprise_id", "year")}
    rows = [
        # enterprise, year, output, value added, tce, tCO2e, kWh, renewable kWh, waste gen/used
        (1, 2022, 100.0, 30.0, 900.0, 2000.0, 5e6, 0.0, 50.0, 30.0, {}),
        (1, 2023, 110.0, 33.0, 880.0, 1900.0, 5e6, 1e6, 60.0, 40.0, {}),
        (2, 2022, 200.0, 40.0, 3000.0, 9000.0, 8e7, 1e7, 10.0, 5.0, {"aluminium_t": 5000.0}),
        (2, 2023, 220.0, 44.0, 3100.0, 8500.0, 8e7, 2e7, 10.0, 6.0, {"aluminium_t": 5200.0}),
        (3, 2022, 300.0, 50.0, 5000.0, 12000.0, 2e7, 0.0, 100.0, 60.0, {"steel_t": 1e5}),
        (3, 2023, 330.0, 55.0, 5200.0, 12500.0, 2e7, 0.0, 100.0, 70.0, {"steel_t": 1e5}),
        (4, 2022, 50.0, 20.0, 100.0, 300.0, 1e6, 0.0, 500.0, 100.0, {}),
        (4, 2023, 60.0, 22.0, 90.0, 280.0, 1e6, 0.0, 500.0, 150.0, {}),
    ]
    cols: dict[str, list[Any]] = {c: [] for c in ANNUAL}
    for eid, y, out, va, tce, co2, kwh, ren, gen, used, extra in rows:
        values = {
            **zero,
            "output_value_10k_cny": out,
            "value_added_10k_cny": va,
            "energy_tce": tce,
            "emissions_tco2e": co2,
            "electricity_kwh": kwh,
            "renewable_electricity_kwh": ren,
            "solid_waste_generated_t": gen,
            "solid_waste_utilised_t": used,
            **extra,
        }
        if eid == 3:
            values["eaf_steel_t"] = 12_000.0 if y == 2022 else 15_000.0
        if eid == 4:
            values["recycled_resources_t"] = 2e5 if y == 2022 else 3e5
        cols["enterprise_id"].append(eid)
        cols["year"].append(y)
        for c in ANNUAL:
            if c not in ("enterprise_id", "year"):
                cols[c].append(values[c])
    types = {"enterprise_id": pa.int64(), "year": pa.int32()}
    return pa.table({c: pa.array(v, types.get(c, pa.float64())) for c, v in cols.items()})


ANNUAL_TABLE = _annual()
LINES = pa.table(
    {
        "enterprise_id": pa.array([1, 3, 3, 2], pa.int64()),
        "year": pa.array([2023, 2023, 2023, 2023], pa.int32()),
        "indicator_id": ["clinker", "steel", "steel", "aluminium"],
        "position": ["between", "below_base", "at_benchmark", "between"],
        "output": [1.0e6, 3.0e4, 7.0e4, 5200.0],
    }
)


@pytest.fixture(scope="module")
def duck() -> Iterator[Engine]:
    e = duckdb_engine()
    yield e
    e.close()


def _rows(e: Engine, frame: Any) -> list[dict[str, Any]]:
    return e.collect(frame).to_pylist()


def _frames(e: Engine) -> tuple[Any, Any, Any]:
    return e.from_arrow(ANNUAL_TABLE), e.from_arrow(ENTERPRISES), e.from_arrow(LINES)


def test_inventory_by_province_by_hand(duck: Engine) -> None:
    """Jiangsu (32) = enterprises 1 + 2; Beijing (11) = 3 + 4. 2023 Jiangsu: tCO2e 1900 + 8500 =
    10,400; value added 33 + 44 = 77; intensity 10,400/77 = 135.06 tCO2e/10^4 CNY."""
    a, en, _ = _frames(duck)
    rows = _rows(duck, o.inventory_by(a, en, ["province_code", "year"]))
    js23 = next(r for r in rows if r["province_code"] == "320000" and r["year"] == 2023)
    assert js23["enterprises"] == 2
    assert js23["emissions_tco2e"] == pytest.approx(10_400.0)
    assert js23["energy_tce"] == pytest.approx(880.0 + 3100.0)
    assert js23["emissions_per_value_added"] == pytest.approx(10_400 / 77)
    assert [(r["province_code"], r["year"]) for r in rows] == [
        ("110000", 2022),
        ("110000", 2023),
        ("320000", 2022),
        ("320000", 2023),
    ]
    parks = _rows(duck, o.inventory_by(a, en, ["park_id", "year"]))
    park1 = [r for r in parks if r["park_id"] == 1]
    assert [r["emissions_tco2e"] for r in park1] == [2000.0, 1900.0]
    cities = {r["city_code"] for r in _rows(duck, o.inventory_by(a, en, ["city_code"]))}
    assert cities == {"320500", "320200", "110100"}
    divisions = _rows(duck, o.inventory_by(a, en, ["industry_division"]))
    assert [r["industry_division"] for r in divisions] == ["B06", "C30", "C31", "C32"]
    with pytest.raises(ValueError, match="unknown grouping"):
        o.inventory_by(a, en, ["county"])


def test_target_indicators_by_hand(duck: Engine) -> None:
    """2030 targets (Guiding Opinions 2024, policy_targets.csv), nation, 2022 and 2023:
    green-factory output share: manufacturing output 2022 = 100 + 200 + 300 = 600, green (titles
    awarded by the year, section C only) = 100 (cement) -> 16.667 %; 2023: 110 + 220 + 330 = 660,
    green 110 + 330 = 440 -> 66.667 % (the mine's title does not count: not manufacturing).
    Solid waste 2023: (40 + 6 + 70 + 150)/(60 + 10 + 100 + 500) = 266/670 = 39.70 %.
    Aluminium renewable share 2023: 2e7/8e7 = 25 %. Short-process steel 2023: 15,000/1e5 = 15 %.
    Recycled resources 2023: 3e5 t = 0.3 Mt."""
    a, en, _ = _frames(duck)
    rows = {r["year"]: r for r in _rows(duck, o.target_indicators(a, en, ["year"]))}
    assert rows[2022]["green_factory_output_share"] == pytest.approx(100 / 6)
    assert rows[2023]["green_factory_output_share"] == pytest.approx(440 / 6.6)
    assert rows[2023]["bulk_solid_waste_utilisation"] == pytest.approx(100 * 266 / 670)
    assert rows[2023]["aluminium_renewable_share"] == pytest.approx(25.0)
    assert rows[2022]["aluminium_renewable_share"] == pytest.approx(12.5)
    assert rows[2023]["short_process_steel_share"] == pytest.approx(15.0)
    assert rows[2023]["recycled_resources"] == pytest.approx(0.3)
    # Beijing has no aluminium: the share is null (no data), not 0
    bj = [
        r
        for r in _rows(duck, o.target_indicators(a, en, ["province_code", "year"]))
        if r["province_code"] == "110000"
    ]
    assert all(r["aluminium_renewable_share"] is None for r in bj)
    with pytest.raises(ValueError, match="include 'year'"):
        o.target_indicators(a, en, ["province_code"])


def test_benchmark_distribution_by_hand(duck: Engine) -> None:
    """Steel lines 2023: 30,000 t below base and 70,000 t at benchmark -> output shares 30 % and
    70 %; one line each."""
    _, en, lines = _frames(duck)
    rows = _rows(duck, o.benchmark_distribution(lines, en, ["year"]))
    steel = {r["position"]: r for r in rows if r["indicator_id"] == "steel"}
    assert steel["below_base"]["output_share"] == pytest.approx(30.0)
    assert steel["at_benchmark"]["output_share"] == pytest.approx(70.0)
    assert steel["at_benchmark"]["lines"] == 1
    assert {r["indicator_id"] for r in rows} == {"aluminium", "clinker", "steel"}


def test_trends_and_peak_by_hand(duck: Engine) -> None:
    """Nation: 2022 emissions 2000 + 9000 + 12000 + 300 = 23,300; 2023 1900 + 8500 + 12500 + 280
    = 23,180 -> yoy (23,180 - 23,300)/23,300 = -0.515 %; peak 23,300 in 2022, 2023 below it.
    Beijing rises (12,300 -> 12,780): its peak is 2023 and it is not past it."""
    a, en, _ = _frames(duck)
    nation = _rows(duck, o.trends(o.inventory_by(a, en, ["year"])))
    assert nation[0]["emissions_yoy"] is None
    assert nation[1]["emissions_yoy"] == pytest.approx(100 * (23_180 - 23_300) / 23_300)
    assert [r["peak_year"] for r in nation] == [2022, 2022]
    assert [r["below_peak"] for r in nation] == [False, True]
    by_province = _rows(
        duck, o.trends(o.inventory_by(a, en, ["province_code", "year"]), ["province_code"])
    )
    bj = [r for r in by_province if r["province_code"] == "110000"]
    assert [r["emissions_tco2e"] for r in bj] == [12_300.0, 12_780.0]
    assert [r["peak_year"] for r in bj] == [2023, 2023] and not bj[1]["below_peak"]
    # intensity 2023 vs 2022 for Beijing: (12,780/77) / (12,300/70) - 1
    assert bj[1]["intensity_yoy"] == pytest.approx(100 * ((12_780 / 77) / (12_300 / 70) - 1))


def test_scan_parquet(duck: Engine, tmp_path: Any) -> None:
    pq.write_table(ANNUAL_TABLE, tmp_path / "annual.parquet")
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(ANNUAL_TABLE.slice(0, 4), parts / "part-0.parquet")
    pq.write_table(ANNUAL_TABLE.slice(4), parts / "part-1.parquet")
    en = duck.from_arrow(ENTERPRISES)
    one = _rows(duck, o.inventory_by(duck.scan_parquet(tmp_path / "annual.parquet"), en))
    many = _rows(duck, o.inventory_by(duck.scan_parquet(parts), en))
    assert one == many and len(one) == 2


def test_unknown_engine() -> None:
    with pytest.raises(EngineError, match="expected duckdb or spark"):
        get_engine("polars")


# ---- the same on Spark --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spark() -> Iterator[Engine]:
    required = bool(os.environ.get("GREENMFG_REQUIRE_SLOW_SUITES"))
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if required:
            raise
        pytest.skip("PySpark not installed (pip install 'greenmfg[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if required:
            pytest.fail("PySpark needs Java (apt-get install default-jre-headless)")
        pytest.skip("no Java runtime for PySpark")
    e = spark_engine("local[2]", conf={"spark.sql.shuffle.partitions": "2"})
    yield e
    e.close()


def _same(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys()
        for k in a:
            x, y = a[k], b[k]
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12), (k, x, y)
            else:
                assert x == y, (k, x, y)


@pytest.mark.slow
@pytest.mark.requires_spark
def test_spark_parity(duck: Engine, spark: Engine) -> None:
    results = []
    for e in (duck, spark):
        a, en, lines = _frames(e)
        results.append(
            [
                _rows(e, o.inventory_by(a, en, ["province_code", "industry_division", "year"])),
                _rows(e, o.target_indicators(a, en, ["province_code", "year"])),
                _rows(e, o.benchmark_distribution(lines, en, ["year"])),
                _rows(
                    e,
                    o.trends(o.inventory_by(a, en, ["city_code", "year"]), ["city_code"]),
                ),
                _rows(e, o.trends(o.inventory_by(a, en, ["year"]))),
            ]
        )
    for left, right in zip(*results, strict=True):
        _same(left, right)


def test_unreported_columns_read_no_data(duck: Engine) -> None:
    """A column no enterprise reported (all null) gives a null indicator, not 0 %: here EAF steel
    and recycled resources are removed from the data."""
    nulls = pa.nulls(ANNUAL_TABLE.num_rows, pa.float64())
    table = ANNUAL_TABLE.set_column(
        ANNUAL_TABLE.schema.get_field_index("eaf_steel_t"), "eaf_steel_t", nulls
    ).set_column(
        ANNUAL_TABLE.schema.get_field_index("recycled_resources_t"), "recycled_resources_t", nulls
    )
    rows = _rows(
        duck, o.target_indicators(duck.from_arrow(table), duck.from_arrow(ENTERPRISES), ["year"])
    )
    assert all(r["short_process_steel_share"] is None for r in rows)
    assert all(r["recycled_resources"] is None for r in rows)
    assert rows[1]["aluminium_renewable_share"] == pytest.approx(25.0)  # the rest is unchanged


def test_cli_over_a_parquet_dataset(tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from greenmfg.cli import app

    pq.write_table(ANNUAL_TABLE, tmp_path / "annual.parquet")
    pq.write_table(ENTERPRISES, tmp_path / "enterprises.parquet")
    pq.write_table(LINES, tmp_path / "lines.parquet")
    r = CliRunner().invoke(app, ["analytics", "targets", str(tmp_path), "-f", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout[r.stdout.index("[") :])
    assert rows[1]["short_process_steel_share"] == pytest.approx(15.0)  # as derived above
    bad = CliRunner().invoke(app, ["analytics", "inventory", str(tmp_path), "--by", "county"])
    assert bad.exit_code == 2 and "unknown grouping" in bad.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small synthetic national dataset (every province, several industries, parks, lines)."""
    from greenmfg.analytics.synthetic import Scale, generate

    out = tmp_path_factory.mktemp("national")
    scale = Scale(enterprises=3000, parks=20, meters_per_enterprise=0.0, meter_days=1)
    generate(out, scale, seed=11, readings=False)
    return out


def _all_aggregations(e: Engine, data: Any) -> list[list[dict[str, Any]]]:
    a = e.scan_parquet(data / "annual.parquet")
    en = e.scan_parquet(data / "enterprises.parquet")
    lines = e.scan_parquet(data / "lines.parquet")
    return [
        _rows(e, o.inventory_by(a, en, ["province_code", "year"])),
        _rows(e, o.inventory_by(a, en, ["industry_division", "park_id", "year"])),
        _rows(e, o.target_indicators(a, en, ["province_code", "year"])),
        _rows(e, o.target_indicators(a, en, ["industry_section", "year"])),
        _rows(e, o.benchmark_distribution(lines, en, ["province_code", "year"])),
        _rows(e, o.trends(o.inventory_by(a, en, ["city_code", "year"]), ["city_code"])),
    ]


@pytest.mark.slow
@pytest.mark.requires_spark
def test_spark_parity_on_generated_data(duck: Engine, spark: Engine, generated: Any) -> None:
    """The same aggregations over the same generated Parquet give the same rows on both."""
    left = _all_aggregations(duck, generated)
    right = _all_aggregations(spark, generated)
    assert sum(len(x) for x in left) > 500  # a real workload, not a handful of rows
    for a, b in zip(left, right, strict=True):
        _same(a, b)

"""Meter aggregation and national oversight aggregations: greenmfg (Narwhals) on DuckDB against
hand-written DuckDB SQL on the same Parquet, and DuckDB against Spark (local mode).

Run: ``python benchmarks/bench_analytics.py [--data DIR] [--skip-spark]``. Without ``--data`` it
generates the national synthetic dataset (``greenmfg.analytics.synthetic``, preset ``national``:
400,000 enterprises, 5 years, about 100 million 15-minute readings of 34,720 meters over 30
days) in a temporary folder (about 10 s, 0.9 GB). It prints, in one run and one process:

- meter aggregation (monthly energy, tce and tCO2e per enterprise, site, workshop and carrier):
  rows/s through ``greenmfg.analytics.meters.aggregate_energy`` on DuckDB, and rows/s of the same
  aggregation written by hand in DuckDB SQL (the baseline: what DuckDB does at best), best of 3
  each after a warm-up, and their ratio (aim: within 1.5x);
- the process's peak resident memory after the meter stage (aim: under 4 GB);
- the national inventory and target aggregations (by province x industry division x year, and
  the 2030 indicators by province x year) on DuckDB and on Spark ``local[*]``, and their ratio.

The two meter paths are checked to give the same totals, so both did the same work.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def _best(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    fn()  # warm-up: file metadata and caches
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB


def _data(path: str | None) -> Path:
    if path:
        return Path(path)
    from greenmfg.analytics.synthetic import SCALES, generate, readings_rows

    out = Path(tempfile.mkdtemp(prefix="greenmfg-bench-"))
    scale = SCALES["national"]
    t0 = time.perf_counter()
    generate(out, scale, seed=0)
    print(
        f"generated national dataset: {readings_rows(scale):,} readings in "
        f"{time.perf_counter() - t0:.1f} s -> {out}"
    )
    return out


def meter_stage(data: Path) -> None:
    from greenmfg.analytics.engine import duckdb_engine
    from greenmfg.analytics.meters import aggregate_energy, factors_from_reference
    from greenmfg.reference import get_reference
    from greenmfg.units import conversion_factor

    readings_dir = data / "readings"
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in readings_dir.glob("*.parquet"))
    meters_tbl = pq.read_table(data / "meters.parquet")
    year = int(
        pq.read_table(data / "annual.parquet", columns=["year"]).column("year").to_numpy().max()
    )
    carriers = sorted(set(meters_tbl.column("carrier").to_pylist()))
    factors = factors_from_reference(get_reference(), year=year, region=None, carriers=carriers)
    e = duckdb_engine()

    def greenmfg_path() -> Any:
        frame = aggregate_energy(
            e.scan_parquet(readings_dir), e.from_arrow(meters_tbl), freq="month", factors=factors
        )
        return e.collect(frame)

    # the same by hand: unit factors from pint (as greenmfg does), then one SQL statement
    units = sorted(
        set(
            zip(
                meters_tbl.column("carrier").to_pylist(),
                meters_tbl.column("unit").to_pylist(),
                strict=True,
            )
        )
    )
    k = {(c, u): conversion_factor(u, factors[c].unit) for c, u in units}
    rows_sql = ", ".join(
        f"('{c}', '{u}', {k[(c, u)]!r}, {factors[c].kgce_per_unit / 1000!r}, "
        f"{factors[c].kgco2e_per_unit / 1000!r})"
        for c, u in units
    )
    con = e.native
    con.register("meters_tbl", meters_tbl)
    sql = f"""
        WITH f(carrier, unit, k, tce, tco2e) AS (VALUES {rows_sql}),
        per_meter AS (
            SELECT meter_id, date_trunc('month', ts) AS period, sum(value) AS v, count(*) AS n
            FROM read_parquet('{readings_dir}/*.parquet') GROUP BY ALL
        )
        SELECT m.enterprise_id, m.site, m.workshop, m.carrier, p.period,
               sum(p.v * f.k) AS energy, sum(p.v * f.k) * any_value(f.tce) AS tce,
               sum(p.v * f.k) * any_value(f.tco2e) AS tco2e, sum(p.n) AS readings
        FROM per_meter p JOIN meters_tbl m USING (meter_id) JOIN f USING (carrier, unit)
        GROUP BY ALL
    """

    def sql_path() -> Any:
        return con.sql(sql).to_arrow_table()

    t_g, res_g = _best(greenmfg_path)
    peak = _peak_gb()
    t_s, res_s = _best(sql_path)
    total_g = sum(res_g.column("energy").to_pylist())
    total_s = sum(res_s.column("energy").to_pylist())
    assert res_g.num_rows == res_s.num_rows, (res_g.num_rows, res_s.num_rows)
    assert abs(total_g - total_s) <= 1e-9 * abs(total_s), (total_g, total_s)
    print(f"\nmeter aggregation, {rows:,} readings -> {res_g.num_rows:,} monthly rows")
    print(f"  greenmfg (Narwhals on DuckDB)   {t_g:7.2f} s  {rows / t_g / 1e6:7.1f} M rows/s")
    print(f"  hand-written DuckDB SQL (base)  {t_s:7.2f} s  {rows / t_s / 1e6:7.1f} M rows/s")
    print(f"  ratio greenmfg / SQL            {t_g / t_s:7.2f}x   (aim <= 1.5x)")
    print(f"  peak resident memory            {peak:7.2f} GB  (aim < 4 GB)")
    e.close()


def oversight_stage(data: Path, skip_spark: bool) -> None:
    from greenmfg.analytics import oversight as ov
    from greenmfg.analytics.engine import EngineError, duckdb_engine, spark_engine

    n = pq.ParquetFile(data / "annual.parquet").metadata.num_rows

    def run(e: Any) -> Callable[[], Any]:
        def go() -> Any:
            a = e.scan_parquet(data / "annual.parquet")
            en = e.scan_parquet(data / "enterprises.parquet")
            inv = e.collect(ov.inventory_by(a, en, ["province_code", "industry_division", "year"]))
            tgt = e.collect(ov.target_indicators(a, en, ["province_code", "year"]))
            return inv.num_rows + tgt.num_rows

        return go

    duck = duckdb_engine()
    t_d, rows_d = _best(run(duck))
    duck.close()
    print(f"\nnational inventory + target aggregations over {n:,} enterprise-years")
    print(f"  DuckDB                          {t_d:7.2f} s  ({rows_d:,} result rows)")
    if skip_spark:
        return
    try:
        spark = spark_engine("local[*]", conf={"spark.sql.shuffle.partitions": "8"})
    except EngineError as exc:
        print(f"  Spark: not run ({exc})")
        return
    t_p, rows_p = _best(run(spark), repeat=2)
    spark.close()
    assert rows_p == rows_d
    print(f"  Spark local[*]                  {t_p:7.2f} s")
    print(
        f"  ratio Spark / DuckDB            {t_p / t_d:7.2f}x   (one machine; Spark pays off on a cluster)"
    )


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="a dataset folder (default: generate the national preset)")
    p.add_argument("--skip-spark", action="store_true")
    args = p.parse_args(argv)
    data = _data(args.data)
    meter_stage(data)
    oversight_stage(data, args.skip_spark)


if __name__ == "__main__":
    main(sys.argv[1:])

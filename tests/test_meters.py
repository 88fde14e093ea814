"""Energy-meter data: reading files, the validation rules, cleaning, aggregation to energy, tce
and emissions, main/sub-meter balance, and DuckDB-vs-Spark parity.

Readings are the consumption of the interval *ending* at ``ts`` (``analytics/schema.py``,
READINGS), so the 15-minute readings at 00:15, 00:30, 00:45 and 01:00 make up the hour 00:00.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import narwhals as nw
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from greenmfg.analytics.meters import (
    PROBLEM_COLUMNS,
    MeterFactorError,
    aggregate_energy,
    clean_readings,
    factors_from_reference,
    reconcile,
    validate_readings,
)
from greenmfg.io.meters import (
    MeterFileError,
    check_readings_parquet,
    prepare_readings,
    read_meters,
    read_readings,
    readings_csv_to_parquet,
)
from greenmfg.reference import ReferenceData

D = dt.datetime

METERS_CSV = """meter_id,enterprise_id,site,workshop,carrier,unit,parent_meter_id,interval_minutes
M,1,Plant A,,electricity,kWh,,15
S1,1,Plant A,Press,electricity,kWh,M,15
S2,1,Plant A,Paint,electricity,MWh,M,60
H,1,Plant A,Boiler,electricity,kWh,,60
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def csv_rows(rows: list[tuple[str, str, Any]]) -> str:
    return "meter_id,ts,value\n" + "".join(f"{m},{t},{v}\n" for m, t, v in rows)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


@pytest.fixture
def meters_file(tmp_path: Path) -> Path:
    return write(tmp_path, "meters.csv", METERS_CSV)


def lazy(con: duckdb.DuckDBPyConnection, table: pa.Table) -> nw.LazyFrame[Any]:
    return nw.from_native(con.from_arrow(table))


def check(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    meters_file: Path,
    rows: list[tuple[str, str, Any]],
    **options: Any,
) -> list[dict[str, Any]]:
    """Read ``rows`` as a CSV through the io layer and validate them; problems sorted."""
    readings = read_readings(write(tmp_path, "readings.csv", csv_rows(rows)))
    problems = validate_readings(
        lazy(con, readings), lazy(con, read_meters(meters_file)), **options
    )
    assert problems.collect_schema().names() == list(PROBLEM_COLUMNS)
    out = problems.collect("pyarrow").to_arrow().to_pylist()
    return sorted(out, key=lambda r: (r["rule"], r["meter_id"], r["ts"]))


def of_rule(problems: list[dict[str, Any]], rule: str) -> list[tuple[str, dt.datetime, Any]]:
    return [(p["meter_id"], p["ts"], p["value"]) for p in problems if p["rule"] == rule]


GOOD = [
    ("M", "2024-01-01 00:15", 10),
    ("M", "2024-01-01 00:30", 10),
    ("M", "2024-01-01 00:45", 10),
    ("M", "2024-01-01 01:00", 10),
]


# ------------------------------------------------------------------------------ rules


def test_clean_file_has_no_problems(con, tmp_path, meters_file):
    assert check(con, tmp_path, meters_file, GOOD) == []


def test_unknown_meter_reports_every_reading_of_it(con, tmp_path, meters_file):
    rows = [*GOOD, ("X9", "2024-01-01 00:15", 1), ("X9", "2024-01-01 00:30", 2)]
    problems = check(con, tmp_path, meters_file, rows)
    assert of_rule(problems, "unknown_meter") == [
        ("X9", D(2024, 1, 1, 0, 15), 1.0),
        ("X9", D(2024, 1, 1, 0, 30), 2.0),
    ]
    assert {p["rule"] for p in problems} == {"unknown_meter"}


def test_duplicate_reports_each_extra_reading_in_arrival_order(con, tmp_path, meters_file):
    # lines 3, 4, 5 of the file are M at 00:30 (the header is line 1); the first (line 3) is kept
    rows = [*GOOD[:2], ("M", "2024-01-01 00:30", 11), ("M", "2024-01-01 00:30", 10), *GOOD[2:]]
    problems = check(con, tmp_path, meters_file, rows)
    dups = sorted((p["detail"], p["ts"], p["value"]) for p in problems if p["rule"] == "duplicate")
    assert dups == [
        ("reading 2 of 3 at this time (seq 4)", D(2024, 1, 1, 0, 30), 11.0),
        ("reading 3 of 3 at this time (seq 5)", D(2024, 1, 1, 0, 30), 10.0),
    ]
    assert {p["rule"] for p in problems} == {"duplicate"}


def test_duplicate_without_arrival_order_keeps_the_lowest_value(con, meters_file):
    readings = pa.table(
        {
            "meter_id": ["M", "M", "M"],
            "ts": [D(2024, 1, 1, 0, 15)] * 3,
            "value": [12.0, 10.0, 11.0],
        }
    )
    problems = validate_readings(lazy(con, readings), lazy(con, read_meters(meters_file)))
    rows = problems.collect("pyarrow").to_arrow().to_pylist()
    assert sorted((r["rule"], r["value"]) for r in rows) == [
        ("duplicate", 11.0),
        ("duplicate", 12.0),
    ]


def test_negative_value(con, tmp_path, meters_file):
    rows = [*GOOD, ("M", "2024-01-01 01:15", -3.5)]
    problems = check(con, tmp_path, meters_file, rows)
    assert of_rule(problems, "negative") == [("M", D(2024, 1, 1, 1, 15), -3.5)]
    assert {p["rule"] for p in problems} == {"negative"}


def test_implausible_above_ten_times_the_meters_median(con, tmp_path, meters_file):
    # M's positive readings: 10, 10, 10, 10, 12, 99, 150, 0 excluded -> sorted
    # 10 10 10 10 12 99 150, median 10; threshold max(10 x 10, 0) = 100: 150 is flagged, 99 not
    rows = [
        *GOOD,
        ("M", "2024-01-01 01:15", 12),
        ("M", "2024-01-01 01:30", 99),
        ("M", "2024-01-01 01:45", 150),
        ("M", "2024-01-01 02:00", 0),
    ]
    problems = check(con, tmp_path, meters_file, rows)
    assert of_rule(problems, "implausible") == [("M", D(2024, 1, 1, 1, 45), 150.0)]
    assert [p["detail"] for p in problems if p["rule"] == "implausible"] == [
        "above max(10 x median 10.0, 0) = 100.0"
    ]
    # a floor of 200 (in the meter's unit) lifts the threshold above 150
    assert of_rule(check(con, tmp_path, meters_file, rows, floor=200.0), "implausible") == []
    # a spike factor of 5: threshold 50, so 99 and 150
    assert of_rule(check(con, tmp_path, meters_file, rows, spike_factor=5.0), "implausible") == [
        ("M", D(2024, 1, 1, 1, 30), 99.0),
        ("M", D(2024, 1, 1, 1, 45), 150.0),
    ]


def test_misaligned_timestamps(con, tmp_path, meters_file):
    rows = [
        *GOOD,
        ("M", "2024-01-01 01:22", 10),  # off the 15-minute grid: floors to 01:15
        ("M", "2024-01-01 01:30:30", 10),  # seconds: floors to 01:30
        ("H", "2024-01-01 01:00", 5),  # on the hourly grid
        ("H", "2024-01-01 02:15", 5),  # on a 15-minute grid, but H is hourly: floors to 02:00
    ]
    problems = check(con, tmp_path, meters_file, rows)
    mis = [(p["meter_id"], p["ts"], p["grid_ts"]) for p in problems if p["rule"] == "misaligned"]
    assert mis == [
        ("H", D(2024, 1, 1, 2, 15), D(2024, 1, 1, 2, 0)),
        ("M", D(2024, 1, 1, 1, 22), D(2024, 1, 1, 1, 15)),
        ("M", D(2024, 1, 1, 1, 30, 30), D(2024, 1, 1, 1, 30)),
    ]
    assert {p["rule"] for p in problems} == {"misaligned"}


def test_gap_reports_start_and_number_of_missing_intervals(con, tmp_path, meters_file):
    # M: 00:15, 00:30, then 01:15 -> 00:45 and 01:00 missing (2 intervals of 15 min)
    # H (hourly): 01:00 then 05:00 -> 02:00, 03:00, 04:00 missing
    rows = [
        ("M", "2024-01-01 00:15", 10),
        ("M", "2024-01-01 00:30", 10),
        ("M", "2024-01-01 01:15", 10),
        ("M", "2024-01-01 01:30", 10),
        ("H", "2024-01-01 01:00", 5),
        ("H", "2024-01-01 05:00", 5),
    ]
    problems = check(con, tmp_path, meters_file, rows)
    gaps = [(p["meter_id"], p["ts"], p["value"], p["detail"]) for p in problems]
    assert gaps == [
        (
            "H",
            D(2024, 1, 1, 2, 0),
            None,
            "3 missing 60-minute interval(s) from 2024-01-01 02:00 to 2024-01-01 04:00",
        ),
        (
            "M",
            D(2024, 1, 1, 0, 45),
            None,
            "2 missing 15-minute interval(s) from 2024-01-01 00:45 to 2024-01-01 01:00",
        ),
    ]
    assert {p["rule"] for p in problems} == {"gap"}


@pytest.mark.parametrize(
    ("before", "after", "start", "missing"),
    [
        # 2023-12-31 24:00 (= 2024-01-01 00:00) is missing
        ("2023-12-31 23:00", "2024-01-01 01:00", D(2024, 1, 1, 0, 0), 1),
        # leap year: Feb 29 00:00 ... 23:00 (24 hours) and Mar 1 00:00 are missing
        ("2024-02-28 23:00", "2024-03-01 01:00", D(2024, 2, 29, 0, 0), 25),
        # not a leap year: Mar 1 00:00 only
        ("2023-02-28 23:00", "2023-03-01 01:00", D(2023, 3, 1, 0, 0), 1),
    ],
)
def test_gap_across_calendar_boundaries(con, tmp_path, meters_file, before, after, start, missing):
    rows = [("H", before, 1), ("H", after, 1)]
    problems = check(con, tmp_path, meters_file, rows)
    assert [(p["rule"], p["ts"]) for p in problems] == [("gap", start)]
    assert problems[0]["detail"].startswith(f"{missing} missing 60-minute")


def test_clock_backwards_in_arrival_order(con, tmp_path, meters_file):
    # file order (seq = line): 00:15 (2), 01:00 (3), 00:30 (4), 00:45 (5): the reading of line 4
    # is earlier than the one before it; line 5 is later than line 4. In time order there is no
    # gap and no duplicate.
    rows = [
        ("M", "2024-01-01 00:15", 10),
        ("M", "2024-01-01 01:00", 10),
        ("M", "2024-01-01 00:30", 10),
        ("M", "2024-01-01 00:45", 10),
    ]
    problems = check(con, tmp_path, meters_file, rows)
    assert [(p["rule"], p["ts"], p["detail"]) for p in problems] == [
        (
            "clock_backwards",
            D(2024, 1, 1, 0, 30),
            "earlier than the previous reading (seq 3, 2024-01-01 01:00)",
        )
    ]


def test_clock_backwards_is_skipped_without_arrival_order(con, meters_file):
    readings = pa.table(
        {
            "meter_id": ["M"] * 3,
            "ts": [D(2024, 1, 1, 0, 15), D(2024, 1, 1, 0, 45), D(2024, 1, 1, 0, 30)],
            "value": [1.0, 1.0, 1.0],
        }
    )
    problems = validate_readings(lazy(con, readings), lazy(con, read_meters(meters_file)))
    assert problems.collect("pyarrow").to_arrow().num_rows == 0


def test_clean_readings(con, tmp_path, meters_file):
    rows = [
        ("M", "2024-01-01 00:15", 10),  # line 2
        ("M", "2024-01-01 00:30", 10),  # line 3
        ("M", "2024-01-01 00:30", 10),  # line 4: duplicate, dropped
        ("M", "2024-01-01 00:45", -1),  # line 5: negative, dropped
        ("M", "2024-01-01 01:07", 10),  # line 6: misaligned, floored to 01:00
        ("M", "2024-01-01 01:15", 500),  # line 7: implausible (median 10), dropped
        ("X9", "2024-01-01 01:15", 1),  # line 8: unknown meter, dropped
        ("M", "2024-01-01 01:30", 10),  # line 9
    ]
    readings = lazy(con, read_readings(write(tmp_path, "r.csv", csv_rows(rows))))
    meters = lazy(con, read_meters(meters_file))
    problems = validate_readings(readings, meters)
    cleaned = clean_readings(readings, problems).sort("seq").collect("pyarrow").to_arrow()
    assert cleaned.to_pylist() == [
        {"meter_id": "M", "ts": D(2024, 1, 1, 0, 15), "value": 10.0, "seq": 2},
        {"meter_id": "M", "ts": D(2024, 1, 1, 0, 30), "value": 10.0, "seq": 3},
        {"meter_id": "M", "ts": D(2024, 1, 1, 1, 0), "value": 10.0, "seq": 6},
        {"meter_id": "M", "ts": D(2024, 1, 1, 1, 30), "value": 10.0, "seq": 9},
    ]


# ------------------------------------------------------------------------------ aggregation


def grid_jiangsu_2022(ref: ReferenceData) -> tuple[str, float]:
    """MEE/NBS average grid factor of Jiangsu (320000) for 2022 [tCO2/MWh], from the reference
    data (生态环境部 国家统计局, 2022 electricity CO2 emission factors, annex 1)."""
    f = ref.electricity[("average", 2022, "320000")]
    assert f.unit == "tCO2/MWh"
    return f.id, f.value


def electricity_kgce(ref: ReferenceData) -> tuple[str, float]:
    """GB/T 2589 Annex A equivalent-value coefficient of electricity [kgce/kWh]."""
    f = ref.energy[("grid_electricity", "equivalent", None)]
    assert f.unit == "kgce/kWh"
    return f.id, f.value


def test_factors_from_reference_electricity(ref):
    factors = factors_from_reference(ref, year=2022, region="江苏")
    e = factors["electricity"]
    grid_id, grid = grid_jiangsu_2022(ref)
    coal_id, kgce = electricity_kgce(ref)
    assert e.unit == "kWh"
    assert e.kgce_per_unit == pytest.approx(kgce, rel=1e-12)
    # tCO2/MWh -> kgCO2/kWh: x 1000 kg/t / 1000 kWh/MWh
    assert e.kgco2e_per_unit == pytest.approx(grid * 1000 / 1000, rel=1e-12)
    assert grid_id in e.source and coal_id in e.source
    assert not any("excl_market" in s for s in e.source)  # market-based series not used


def test_factors_from_reference_natural_gas_by_hand(ref):
    # GB/T 32150-2015 combustion: E = AD x NCV x CC x OF x 44/12 (Annex B defaults)
    ncv = ref.fuel[("gbt32150_2015", "natural_gas", "ncv")]  # 389.31 GJ/(10^4 Nm3)
    cc = ref.fuel[("gbt32150_2015", "natural_gas", "carbon_content")]  # 0.01530 tC/GJ
    of = ref.fuel[("gbt32150_2015", "natural_gas", "oxidation_rate")]  # 99 %
    ncv_per_m3 = ncv.value / 10_000  # GJ per m3
    kg = ncv_per_m3 * cc.value * (of.value / 100) * 44 / 12 * 1000
    gas = factors_from_reference(ref, year=2022, region="江苏")["natural_gas"]
    assert gas.kgco2e_per_unit == pytest.approx(kg, rel=1e-12)
    coal = ref.energy[("natural_gas", "equivalent", None)]  # GB/T 2589 Annex A, kgce/Nm3
    assert gas.kgce_per_unit == pytest.approx(coal.value, rel=1e-12)
    assert ncv.id in gas.source and coal.id in gas.source


def test_factors_for_unknown_carrier_name_it(ref):
    with pytest.raises(MeterFactorError, match="'water'"):
        factors_from_reference(ref, year=2022, region="江苏", carriers=["electricity", "water"])


def test_four_quarter_hours_make_one_hour(con, tmp_path, meters_file, ref):
    rows = [*GOOD, ("M", "2024-01-01 01:15", 10)]  # the fifth belongs to the hour 01:00
    readings = lazy(con, read_readings(write(tmp_path, "r.csv", csv_rows(rows))))
    factors = factors_from_reference(ref, year=2022, region="江苏")
    out = aggregate_energy(
        readings, lazy(con, read_meters(meters_file)), freq="hour", factors=factors
    )
    got = out.sort("period").collect("pyarrow").to_arrow().to_pylist()
    _, kgce = electricity_kgce(ref)  # 0.1229 kgce/kWh
    _, grid = grid_jiangsu_2022(ref)  # 0.5978 tCO2/MWh
    first = got[0]
    assert (first["enterprise_id"], first["site"], first["workshop"], first["carrier"]) == (
        1,
        "Plant A",
        None,
        "electricity",
    )
    assert first["period"] == D(2024, 1, 1, 0, 0)
    assert first["energy"] == pytest.approx(40.0, abs=1e-12)  # 4 x 10 kWh
    assert first["readings"] == 4
    assert first["tce"] == pytest.approx(40 * kgce / 1000, rel=1e-12)  # 40 kWh x kgce/kWh -> t
    assert first["tco2e"] == pytest.approx(40 / 1000 * grid, rel=1e-12)  # 0.040 MWh x tCO2/MWh
    assert (got[1]["period"], got[1]["energy"], got[1]["readings"]) == (
        D(2024, 1, 1, 1, 0),
        10.0,
        1,
    )


def test_month_of_the_reading_at_midnight_is_the_month_before(con, tmp_path, meters_file, ref):
    rows = [
        ("H", "2024-01-31 23:00", 1),
        ("H", "2024-02-01 00:00", 2),
        ("H", "2024-02-01 01:00", 4),
    ]
    readings = lazy(con, read_readings(write(tmp_path, "r.csv", csv_rows(rows))))
    out = aggregate_energy(
        readings,
        lazy(con, read_meters(meters_file)),
        freq="month",
        factors=factors_from_reference(ref, year=2024, region="江苏"),
    )
    got = out.sort("period").collect("pyarrow").to_arrow().to_pylist()
    assert [(r["period"], r["energy"], r["readings"]) for r in got] == [
        (D(2024, 1, 1), 3.0, 2),  # 23:00-24:00 of Jan 31 ends at Feb 1 00:00
        (D(2024, 2, 1), 4.0, 1),
    ]


def test_meter_in_mwh_is_converted_to_kwh(con, tmp_path, meters_file, ref):
    # S2 reads in MWh (meter list): 0.0125 MWh = 12.5 kWh (pint: 1 MWh = 1000 kWh)
    rows = [("S2", "2024-01-01 01:00", 0.0125)]
    readings = lazy(con, read_readings(write(tmp_path, "r.csv", csv_rows(rows))))
    factors = factors_from_reference(ref, year=2022, region="江苏")
    got = (
        aggregate_energy(
            readings, lazy(con, read_meters(meters_file)), freq="hour", factors=factors
        )
        .collect("pyarrow")
        .to_arrow()
        .to_pylist()
    )
    assert len(got) == 1 and got[0]["workshop"] == "Paint"
    assert got[0]["energy"] == pytest.approx(12.5, rel=1e-12)
    _, kgce = electricity_kgce(ref)
    assert got[0]["tce"] == pytest.approx(12.5 * kgce / 1000, rel=1e-12)


def test_carrier_without_factors_is_named(con, tmp_path, ref):
    meters = write(
        tmp_path,
        "m.csv",
        "meter_id,enterprise_id,site,carrier,unit,interval_minutes\n"
        "E,1,A,electricity,kWh,60\nW,1,A,water,m3,60\n",
    )
    readings = lazy(
        con, read_readings(write(tmp_path, "r.csv", csv_rows([("W", "2024-01-01 01:00", 3)])))
    )
    with pytest.raises(MeterFactorError, match=r"'water' \(e\.g\. meter 'W'\)"):
        aggregate_energy(
            readings,
            lazy(con, read_meters(meters)),
            freq="month",
            factors=factors_from_reference(ref, year=2022, region="江苏"),
        )


def test_steam_meter_in_tonnes_is_refused_by_unit(con, tmp_path, ref):
    # steam is bought heat in GJ; a mass cannot become energy without the steam's enthalpy
    meters = pa.table(
        {
            "meter_id": ["ST"],
            "enterprise_id": [1],
            "site": ["A"],
            "workshop": [None],
            "carrier": ["steam"],
            "unit": ["t"],
            "parent_meter_id": [None],
            "interval_minutes": pa.array([60], pa.int32()),
        },
    )
    readings = pa.table({"meter_id": ["ST"], "ts": [D(2024, 1, 1, 1)], "value": [1.0]})
    with pytest.raises(MeterFactorError, match=r"meter 'ST'.*'t' does not convert to 'GJ'"):
        aggregate_energy(
            lazy(con, readings),
            lazy(con, meters),
            freq="month",
            factors=factors_from_reference(ref, year=2022, region="江苏"),
        )


def test_reconcile_two_percent_loss(con, tmp_path, meters_file):
    # January: main M 4 x 25 = 100 kWh; S1 (kWh) 2 x 30 = 60 kWh; S2 (MWh) 0.038 MWh = 38 kWh.
    # sub_sum = 98 kWh, residual = 2 kWh, share = 2 / 100 = 0.02
    rows = [
        ("M", "2024-01-10 00:15", 25),
        ("M", "2024-01-10 00:30", 25),
        ("M", "2024-01-10 00:45", 25),
        ("M", "2024-01-10 01:00", 25),
        ("S1", "2024-01-10 00:30", 30),
        ("S1", "2024-01-10 01:00", 30),
        ("S2", "2024-01-10 01:00", 0.038),
        ("H", "2024-01-10 01:00", 7),  # no parent, no children: not in the balance
    ]
    readings = lazy(con, read_readings(write(tmp_path, "r.csv", csv_rows(rows))))
    got = reconcile(readings, lazy(con, read_meters(meters_file))).collect("pyarrow").to_arrow()
    assert got.column_names == [
        "meter_id",
        "carrier",
        "unit",
        "period",
        "main",
        "sub_sum",
        "residual",
        "residual_share",
    ]
    (row,) = got.to_pylist()
    assert (row["meter_id"], row["carrier"], row["unit"], row["period"]) == (
        "M",
        "electricity",
        "kWh",
        D(2024, 1, 1),
    )
    assert row["main"] == pytest.approx(100.0, abs=1e-12)
    assert row["sub_sum"] == pytest.approx(98.0, abs=1e-9)
    assert row["residual"] == pytest.approx(2.0, abs=1e-9)
    assert row["residual_share"] == pytest.approx(0.02, abs=1e-12)


# ------------------------------------------------------------------------------ files


@pytest.mark.parametrize(
    ("text", "row", "column", "expected"),
    [
        (
            "meter_id,ts,value\nM,2024-01-01 00:15,1\nM,2024-13-01 00:30,1\n",
            3,
            "ts",
            "expected a local time",
        ),
        ("meter_id,ts,value\nM,2024-01-01 00:15,1\n\nM,2024-01-01 00:30,1,5\n", 4, "", "fields"),
        (
            "meter_id,ts,value\nM,2024-01-01 00:15,1\nM,2024-01-01 00:30,1.2.3\n",
            3,
            "value",
            "got '1.2.3'",
        ),
        ('meter_id,ts,value\nM,2024-01-01 00:15,"1,200"\n', 2, "value", "no thousands separator"),
        ("meter_id,ts,value\n,2024-01-01 00:15,1\n", 2, "meter_id", "expected a meter id"),
        ("meter_id,time,value\nM,2024-01-01 00:15,1\n", 1, "ts", "missing column"),
    ],
)
def test_csv_errors_name_file_row_and_field(tmp_path, text, row, column, expected):
    path = write(tmp_path, "bad-readings.csv", text)
    with pytest.raises(MeterFileError) as info:
        read_readings(path)
    message = str(info.value)
    col = f", column {column!r}" if column else ""
    assert f"bad-readings.csv, row {row}{col}: " in message
    assert expected in message


def test_csv_reports_every_problem_with_its_line(tmp_path):
    text = (
        "meter_id,ts,value\n"
        "M,2024-01-01 00:15,1\n"
        "M,yesterday,1\n"  # line 3
        "M,2024-01-01 00:45,abc\n"  # line 4
        "M,2024-01-01 01:00,1,9\n"  # line 5: dropped by the parser
        "M,2024-01-01 01:15,x\n"  # line 6: numbered after the dropped line
    )
    with pytest.raises(MeterFileError) as info:
        readings_csv_to_parquet(write(tmp_path, "r.csv", text), tmp_path / "r.parquet")
    assert [(p.row, p.column) for p in info.value.problems] == [
        (3, "ts"),
        (4, "value"),
        (5, ""),
        (6, "value"),
    ]
    assert not (tmp_path / "r.parquet").exists()  # nothing written


def test_unit_column_is_checked_against_the_meter_list(tmp_path):
    text = "meter_id,ts,value,unit\nM,2024-01-01 00:15,1,kWh\nM,2024-01-01 00:30,1,MWh\n"
    path = write(tmp_path, "r.csv", text)
    with pytest.raises(
        MeterFileError, match=r"r.csv, row 3, column 'unit': meter 'M' reads in 'kWh'"
    ):
        read_readings(path, meter_units={"M": "kWh"})
    ok = "meter_id,ts,value,unit\nM,2024-01-01 00:15,1,千瓦时\n"  # a pint alias of kWh
    assert read_readings(write(tmp_path, "ok.csv", ok), meter_units={"M": "kWh"}).num_rows == 1


def test_header_may_carry_a_chinese_label_and_own_seq(tmp_path):
    text = "表号 meter_id,时间 ts,读数 value,seq\nM,2024-01-01T00:15:00,1.5,17\n"
    table = read_readings(write(tmp_path, "r.csv", text))
    assert table.to_pylist() == [
        {"meter_id": "M", "ts": D(2024, 1, 1, 0, 15), "value": 1.5, "seq": 17}
    ]


def test_meter_list_errors(tmp_path):
    text = (
        "meter_id,enterprise_id,site,workshop,carrier,unit,parent_meter_id,interval_minutes\n"
        "M,1,A,,electricity,kWh,,15\n"
        "S,one,A,w,electricity,m3,M,7\n"  # line 3: id, unit, interval
        "M,1,A,,electricity,kWh,,15\n"  # line 4: duplicate
        "G,1,A,,natural_gas,m3,M,60\n"  # line 5: parent of another carrier
    )
    with pytest.raises(MeterFileError) as info:
        read_meters(write(tmp_path, "meters.csv", text))
    assert [(p.row, p.column) for p in info.value.problems] == [
        (3, "enterprise_id"),
        (3, "interval_minutes"),
        (3, "unit"),
        (4, "meter_id"),
        (5, "parent_meter_id"),
    ]
    assert "meters.csv, row 3, column 'unit': electricity is measured as energy" in str(info.value)
    missing = write(
        tmp_path, "m2.csv", "meter_id,site,carrier,unit,interval_minutes\nM,A,x,kWh,15\n"
    )
    with pytest.raises(MeterFileError, match=r"m2.csv, row 1, column 'enterprise_id': missing"):
        read_meters(missing)


def test_parquet_readings_are_checked_from_their_schema(tmp_path):
    zoned = pa.table(
        {
            "meter_id": ["M"],
            "ts": pa.array([D(2024, 1, 1, 0, 15)], pa.timestamp("us", tz="UTC")),
            "value": [1.0],
        }
    )
    pq.write_table(zoned, tmp_path / "zoned.parquet")
    with pytest.raises(
        MeterFileError, match=r"zoned.parquet, file, column 'ts': expected a timestamp without zone"
    ):
        check_readings_parquet(tmp_path / "zoned.parquet")
    pq.write_table(pa.table({"meter_id": ["M"], "value": [1.0]}), tmp_path / "no_ts.parquet")
    with pytest.raises(MeterFileError, match="column 'ts': missing column"):
        read_readings(tmp_path / "no_ts.parquet")
    nulls = pa.table({"meter_id": ["M", None], "ts": [D(2024, 1, 1)] * 2, "value": [1.0, 2.0]})
    pq.write_table(nulls, tmp_path / "nulls.parquet")
    with pytest.raises(MeterFileError, match="column 'meter_id': 1 empty value"):
        prepare_readings(tmp_path / "nulls.parquet", tmp_path)


def test_large_csv_streams_to_parquet_in_blocks(tmp_path):
    n = 6000
    start = D(2024, 1, 1)
    lines = ["meter_id,ts,value"]
    for i in range(n):
        t = start + dt.timedelta(minutes=15 * (i // 3 + 1))
        lines.append(f"M{i % 3},{t:%Y-%m-%d %H:%M},{i * 0.5}")
    src = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    size = src.stat().st_size
    block = 16 * 1024
    assert size > 5 * block  # several blocks
    calls: list[tuple[int, int, int]] = []
    written = readings_csv_to_parquet(
        src, tmp_path / "big.parquet", block_size=block, progress=lambda *a: calls.append(a)
    )
    assert written == n
    meta = pq.ParquetFile(tmp_path / "big.parquet").metadata
    assert meta.num_rows == n
    assert len(calls) > 2  # called after every block, then once at the end
    assert calls[-1] == (n, size, size)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)  # rows only grow
    table = pq.read_table(tmp_path / "big.parquet")
    assert table.column("seq").to_pylist() == list(range(2, n + 2))  # line numbers
    assert math.isclose(sum(table.column("value").to_pylist()), 0.5 * n * (n - 1) / 2)


def test_cli_check_prints_rules_and_writes_workbook(tmp_path, meters_file):
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from greenmfg.meters_cli import meters_app

    rows = [*GOOD, ("M", "2024-01-01 01:15", -1), ("X9", "2024-01-01 00:15", 1)]
    readings = write(tmp_path, "readings.csv", csv_rows(rows))
    report = tmp_path / "report.xlsx"
    result = CliRunner().invoke(
        meters_app,
        ["check", str(readings), str(meters_file), "--region", "江苏", "--out", str(report)],
    )
    assert result.exit_code == 0, result.output
    for text in ("negative", "unknown_meter", "Monthly energy", "2024-01", "Plant", "40.000"):
        assert text in result.output
    assert load_workbook(report).sheetnames == ["Problems", "Monthly", "Balance", "Factors"]
    strict = CliRunner().invoke(meters_app, ["check", str(readings), str(meters_file), "--strict"])
    assert strict.exit_code == 1
    bad = write(tmp_path, "bad.csv", "meter_id,ts,value\nM,2024-01-01 00:15,abc\n")
    failed = CliRunner().invoke(meters_app, ["check", str(bad), str(meters_file)])
    assert failed.exit_code == 2
    assert "bad.csv, row 2, column 'value'" in failed.output


# ------------------------------------------------------------------------------ parity


def _unavailable(reason: str) -> None:
    if os.environ.get("GREENMFG_REQUIRE_SLOW_SUITES", "") not in ("", "0"):
        pytest.fail(f"{reason} (GREENMFG_REQUIRE_SLOW_SUITES is set, so this is an error)")
    pytest.skip(reason)


SPARK_TZ = "Asia/Shanghai"  # as greenmfg.analytics.engine.spark_engine sets it


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _unavailable("PySpark is not installed (pip install 'greenmfg[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("no Java runtime for Spark (java not on PATH, JAVA_HOME unset)")
    existing = SparkSession.getActiveSession()
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", SPARK_TZ)
        .getOrCreate()
    )
    yield session
    if existing is None:  # never stop a session another test module started
        session.stop()


def _normalise(table: pa.Table, keys: list[str]) -> list[dict[str, Any]]:
    """Rows sorted by ``keys``; zoned timestamps (Spark's TIMESTAMP) back to local wall time."""
    rows = []
    for r in table.to_pylist():
        rows.append(
            {
                k: (
                    v.astimezone(ZoneInfo(SPARK_TZ)).replace(tzinfo=None)
                    if isinstance(v, dt.datetime) and v.tzinfo is not None
                    else v
                )
                for k, v in r.items()
            }
        )
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] or 0) for k in keys))


def _assert_same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for k in x:
            if isinstance(x[k], float) and isinstance(y[k], float):
                assert math.isclose(x[k], y[k], rel_tol=1e-9, abs_tol=1e-9), (k, x, y)
            else:
                assert x[k] == y[k], (k, x, y)


@pytest.mark.requires_spark
@pytest.mark.slow
def test_duckdb_and_spark_agree(spark, tmp_path, meters_file, ref):
    rows = [
        *GOOD,
        ("M", "2024-01-01 00:30", 11),  # duplicate
        ("M", "2024-01-01 01:15", -2),  # negative
        ("M", "2024-01-01 01:37", 10),  # misaligned
        ("M", "2024-01-01 03:00", 250),  # gap before it, implausible
        ("M", "2024-01-01 02:00", 10),  # clock backwards (after 03:00 in the file)
        ("S1", "2024-01-01 00:30", 6),
        ("S1", "2024-01-01 01:00", 6),
        ("S2", "2024-01-01 01:00", 0.0255),
        ("S2", "2024-02-01 00:00", 0.5),  # January's last hour
        ("H", "2024-01-31 23:00", 3.25),
        ("X9", "2024-01-01 00:15", 1),  # unknown meter
    ]
    readings = read_readings(write(tmp_path, "r.csv", csv_rows(rows)))
    meters = read_meters(meters_file)
    factors = factors_from_reference(ref, year=2024, region="江苏")
    con = duckdb.connect()

    def run(frame: Any) -> dict[str, pa.Table]:
        r, m = frame(readings), frame(meters)
        problems = validate_readings(r, m)
        clean = clean_readings(r, problems)
        return {
            "problems": problems.collect("pyarrow").to_arrow(),
            "clean": clean.collect("pyarrow").to_arrow(),
            "hour": aggregate_energy(clean, m, freq="hour", factors=factors)
            .collect("pyarrow")
            .to_arrow(),
            "month": aggregate_energy(clean, m, freq="month", factors=factors)
            .collect("pyarrow")
            .to_arrow(),
            "balance": reconcile(clean, m, freq="hour").collect("pyarrow").to_arrow(),
        }

    on_duckdb = run(lambda t: nw.from_native(con.from_arrow(t)))
    on_spark = run(lambda t: nw.from_native(spark.createDataFrame(t)))
    keys = {
        "problems": ["rule", "meter_id", "ts", "value"],
        "clean": ["meter_id", "ts", "seq"],
        "hour": ["site", "workshop", "carrier", "period"],
        "month": ["site", "workshop", "carrier", "period"],
        "balance": ["meter_id", "period"],
    }
    for name, k in keys.items():
        a, b = _normalise(on_duckdb[name], k), _normalise(on_spark[name], k)
        _assert_same(a, b)
    rules = {r["rule"] for r in on_duckdb["problems"].to_pylist()}
    assert rules == {
        "duplicate",
        "negative",
        "misaligned",
        "gap",
        "implausible",
        "clock_backwards",
        "unknown_meter",
    }
    con.close()

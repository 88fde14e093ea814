"""The energy-meter check on two files, and its Excel workbook: one pipeline for
``greenmfg meters check`` (:mod:`greenmfg.meters_cli`) and the web page's background jobs
(:mod:`greenmfg.store.meter_jobs`), so both show the same figures.

An adapter: it reads files and runs DuckDB around the lazy-frame core of
:mod:`greenmfg.analytics.meters`.

1. :func:`greenmfg.io.meters.read_meters` (the meter list, every problem located);
2. :func:`greenmfg.io.meters.prepare_readings` (a CSV streamed block by block to Parquet with a
   progress callback; a Parquet file checked from its metadata);
3. on a fresh DuckDB engine (:func:`greenmfg.analytics.engine.duckdb_engine`, spilling into the
   working directory): :func:`~greenmfg.analytics.meters.validate_readings` (problems by rule),
   :func:`~greenmfg.analytics.meters.clean_readings`, monthly
   :func:`~greenmfg.analytics.meters.aggregate_energy` per data year with the standard-coal
   coefficients and emission factors of :func:`~greenmfg.analytics.meters.factors_from_reference`
   (year, region), and :func:`~greenmfg.analytics.meters.reconcile` (main meters against their
   sub-meters);
4. :func:`meter_check_workbook`: the tables as an ``.xlsx`` workbook (sheets Problems, Monthly,
   Balance, Factors).

Readings are the consumption of the interval *ending* at ``ts`` (``analytics/schema.py``,
READINGS), so a reading belongs to the data year of ``ts - 1 µs``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from greenmfg.analytics.meters import CarrierFactors
from greenmfg.io.meters import DEFAULT_BLOCK_SIZE
from greenmfg.reference.model import ReferenceData

__all__ = [
    "XLSX_MAX_ROWS",
    "MeterCheck",
    "check_meter_files",
    "meter_check_workbook",
]

#: rows written per sheet of the workbook by default (an Excel sheet holds 1,048,576 rows)
XLSX_MAX_ROWS = 1_000_000

#: ``progress(stage, fraction, percent)``: stage ``meters``, ``converting`` (with the CSV's
#: percentage), ``parquet``, ``validating``, ``aggregating`` or ``balancing``; fraction in [0, 1]
StageProgress = Callable[[str, float, int | None], None]
#: ``read_progress(rows, bytes_done, bytes_total)`` after each CSV block (as
#: :func:`greenmfg.io.meters.prepare_readings`)
ReadProgress = Callable[[int, int, int], None]

_PROBLEM_COLUMNS = ["meter_id", "ts", "rule", "value", "detail", "grid_ts"]
_ENERGY_COLUMNS = [
    "enterprise_id",
    "site",
    "workshop",
    "carrier",
    "period",
    "energy",
    "tce",
    "tco2e",
    "readings",
]
_BALANCE_COLUMNS = [
    "meter_id",
    "carrier",
    "unit",
    "period",
    "main",
    "sub_sum",
    "residual",
    "residual_share",
]
_FACTOR_HEADERS = [
    "year",
    "carrier",
    "unit",
    "kgce_per_unit",
    "kgco2e_per_unit",
    "reference rows",
    "notes",
]


@dataclass
class MeterCheck:
    """Everything ``greenmfg meters check`` computes, as Arrow tables (full, not capped).

    Attributes
    ----------
    meters : meters in the meter list.
    readings : readings in the file; ``readings_in_year``: those of data year ``year`` (all of
        them when ``year`` is ``None``).
    year : the data year checked [a] (``None``: every year).
    years : data years with clean readings [a].
    region : province, grid region or ``CN`` of the grid factor (``""``: national).
    problems : :data:`~greenmfg.analytics.meters.PROBLEM_COLUMNS`, sorted by rule, meter, time.
    energy : monthly :func:`~greenmfg.analytics.meters.aggregate_energy` of every data year,
        energy in the carrier's canonical unit [kWh, m3, GJ …], ``tce`` [tce] and ``tco2e``
        [tCO2e] (``None`` without clean readings).
    balance : monthly :func:`~greenmfg.analytics.meters.reconcile`.
    factors : ``(data year, coefficients)`` of each carrier with coefficients
        (:func:`~greenmfg.analytics.meters.factors_from_reference`).
    unknown_carriers : carriers of the meter list without a standard-coal coefficient or
        emission factor (left out of the energy totals).
    """

    meters: int
    readings: int
    year: int | None
    years: list[int]
    region: str
    problems: pa.Table
    energy: pa.Table | None
    balance: pa.Table
    factors: list[tuple[int, CarrierFactors]]
    unknown_carriers: list[str]
    readings_in_year: int = 0

    @property
    def factor_rows(self) -> list[list[Any]]:
        """The Factors sheet's rows: year, carrier, unit, kgce_per_unit [kgce/unit],
        kgco2e_per_unit [kgCO2e/unit], reference rows and notes (each joined by ``; ``)."""
        return [
            [
                y,
                f.carrier,
                f.unit,
                f.kgce_per_unit,
                f.kgco2e_per_unit,
                "; ".join(f.source),
                "; ".join(f.notes),
            ]
            for y, f in self.factors
        ]


def check_meter_files(
    meters_path: Path,
    readings_path: Path,
    workdir: Path,
    *,
    ref: ReferenceData,
    year: int | Literal["all"] | None,
    region: str | None,
    spike_factor: float = 10.0,
    progress: StageProgress | None = None,
    read_progress: ReadProgress | None = None,
    memory_limit: str | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> MeterCheck:
    """Check a meter list and its readings and total the readings by month (module docstring).

    Parameters
    ----------
    meters_path, readings_path : the meter list and the readings (CSV or Parquet).
    workdir : where the CSV's Parquet copy and DuckDB's spill files go.
    ref : reference data (standard-coal coefficients and emission factors).
    year : data year [a]; readings are kept whose interval ends in it (``ts - 1 µs`` in the
        year); ``"all"``: every year (the CLI without ``--year``); ``None``: the last year of
        the readings (the web page).
    region : province, grid region or ``CN`` for the grid factor; ``None``: national.
    spike_factor : a reading above this multiple of its meter's median is ``implausible`` [-].
    progress : ``progress(stage, fraction, percent)`` as the check goes (:data:`StageProgress`).
    read_progress : ``read_progress(rows, bytes_done, bytes_total)`` after each CSV block.
    memory_limit : DuckDB's memory limit (e.g. ``"2GB"``; beyond it DuckDB spills into
        ``workdir``); ``None``: DuckDB's default.
    block_size : bytes of CSV converted per block [B] (progress is reported after each).

    Raises :class:`~greenmfg.io.meters.MeterFileError` (file, row, column) for a bad file and
    :class:`~greenmfg.analytics.meters.MeterFactorError` for a carrier without coefficients.
    """
    import narwhals as nw

    from greenmfg.analytics.engine import duckdb_engine
    from greenmfg.analytics.meters import (
        CARRIER_ITEMS,
        aggregate_energy,
        clean_readings,
        factors_from_reference,
        reconcile,
        validate_readings,
    )
    from greenmfg.io.meters import prepare_readings, read_meters

    def step(stage: str, fraction: float, percent: int | None = None) -> None:
        if progress is not None:
            progress(stage, fraction, percent)

    step("meters", 0.02)
    meter_table = read_meters(meters_path)
    meter_units = dict(
        zip(
            meter_table.column("meter_id").to_pylist(),
            meter_table.column("unit").to_pylist(),
            strict=True,
        )
    )

    def converted(rows: int, done: int, total: int) -> None:
        if read_progress is not None:
            read_progress(rows, done, total)
        share = done / total if total else 1.0
        step("converting", 0.05 + 0.55 * share, int(100 * share))

    is_csv = readings_path.suffix.lower() in (".csv", ".txt")
    step("converting" if is_csv else "parquet", 0.05, 0 if is_csv else None)
    parquet = prepare_readings(
        readings_path, workdir, meter_units=meter_units, progress=converted, block_size=block_size
    )
    spill = workdir / "duckdb-spill"
    spill.mkdir(exist_ok=True)
    engine = duckdb_engine(memory_limit=memory_limit)
    try:
        engine.native.execute("SET temp_directory = ?", [str(spill)])
        lf = engine.scan_parquet(parquet)
        meters_lf = engine.from_arrow(meter_table)
        # a reading is the consumption of the interval ending at ts: its year is that of ts - 1 µs
        before = nw.col("ts") - nw.lit(dt.timedelta(microseconds=1))
        stats = engine.collect(
            lf.select(before.dt.year().max().alias("last"), nw.len().alias("n"))
        ).to_pylist()[0]
        readings_total = int(stats["n"] or 0)
        chosen: int | None
        if year == "all":
            chosen = None
        elif year is None:
            chosen = int(stats["last"]) if stats["last"] is not None else None
        else:
            chosen = year
        in_year = readings_total
        if chosen is not None:
            lf = lf.filter(before.dt.year() == chosen)
            in_year = int(engine.collect(lf.select(nw.len().alias("n"))).column("n")[0].as_py())
        step("validating", 0.62)
        problems = engine.collect(
            validate_readings(lf, meters_lf, spike_factor=spike_factor).sort(
                "rule", "meter_id", "ts"
            )
        )
        clean = clean_readings(lf, engine.from_arrow(problems))
        step("aggregating", 0.75)
        years = sorted(
            int(y)
            for y in engine.collect(clean.select(before.dt.year().alias("y")).unique())
            .column("y")
            .to_pylist()
            if y is not None
        )
        carriers = sorted(set(meter_table.column("carrier").to_pylist()))
        known = [c for c in carriers if c in CARRIER_ITEMS]
        unknown = [c for c in carriers if c not in CARRIER_ITEMS]
        energy_meters = meters_lf.filter(nw.col("carrier").is_in(known))
        monthly: list[pa.Table] = []
        used: list[tuple[int, CarrierFactors]] = []
        for y in years:
            factors = factors_from_reference(ref, year=y, region=region, carriers=known)
            used.extend((y, f) for f in factors.values())
            part = aggregate_energy(
                clean.filter(before.dt.year() == y), energy_meters, freq="month", factors=factors
            )
            monthly.append(engine.collect(part))
        step("balancing", 0.88)
        balance = engine.collect(
            reconcile(clean, meters_lf, freq="month").sort("meter_id", "period")
        )
    finally:
        engine.close()
    energy = (
        pa.concat_tables(monthly).sort_by(
            [
                ("period", "ascending"),
                ("enterprise_id", "ascending"),
                ("site", "ascending"),
                ("workshop", "ascending"),
                ("carrier", "ascending"),
            ]
        )
        if monthly
        else None
    )
    return MeterCheck(
        meters=meter_table.num_rows,
        readings=readings_total,
        year=chosen,
        years=years,
        region=region or "",
        problems=problems,
        energy=energy,
        balance=balance,
        factors=used,
        unknown_carriers=unknown,
        readings_in_year=in_year,
    )


def _rows(table: pa.Table | None, columns: list[str], limit: int) -> list[list[Any]]:
    """The first ``limit`` rows of ``table``'s ``columns`` as lists of plain values."""
    if table is None:
        return []
    data = table.slice(0, limit).select(columns).to_pylist()
    return [[r[c] for c in columns] for r in data]


def meter_check_workbook(
    check: MeterCheck, *, max_problems: int = XLSX_MAX_ROWS, limit_note: str = ""
) -> bytes:
    """The ``.xlsx`` report of ``check`` (``greenmfg meters check --out``), as bytes.

    Sheets Problems, Monthly (energy [kWh, m3, GJ], tce [tce] and tCO2e [tCO2e] per month, site,
    workshop and carrier), Balance (main meters against their sub-meters) and Factors (the
    coefficients and their reference rows). At most ``max_problems`` problems and
    :data:`XLSX_MAX_ROWS` monthly and balance rows are written; when problems are left out a note
    under the Problems title says how many (followed by ``limit_note`` in brackets, if given).
    """
    from greenmfg.io.tables import Table as Sheet
    from greenmfg.io.tables import write_tables_xlsx

    problems = check.problems
    notes = []
    if problems.num_rows > max_problems:
        note = f"first {max_problems:,} of {problems.num_rows:,} problems"
        notes.append(f"{note} ({limit_note})" if limit_note else note)
    sheets = [
        Sheet(
            "Problems",
            "Problems in the readings",
            _PROBLEM_COLUMNS,
            _rows(problems, _PROBLEM_COLUMNS, max_problems),
            notes,
        ),
        Sheet(
            "Monthly",
            "Monthly energy [kWh, m3, GJ], tce and tCO2e",
            _ENERGY_COLUMNS,
            _rows(check.energy, _ENERGY_COLUMNS, XLSX_MAX_ROWS),
            ["workshop blank: the site's main meter"],
        ),
        Sheet(
            "Balance",
            "Main meters against their sub-meters",
            _BALANCE_COLUMNS,
            _rows(check.balance, _BALANCE_COLUMNS, XLSX_MAX_ROWS),
        ),
        Sheet(
            "Factors",
            f"Coefficients used (region: {check.region or 'national'})",
            _FACTOR_HEADERS,
            check.factor_rows,
        ),
    ]
    return write_tables_xlsx(sheets)

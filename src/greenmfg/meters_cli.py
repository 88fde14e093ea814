"""``greenmfg meters check READINGS METERS``: check energy-meter readings and total them by month.

Reads the meter list (:func:`greenmfg.io.meters.read_meters`) and the readings (CSV streamed to a
temporary Parquet file with a progress bar, or Parquet scanned in place), runs on DuckDB:
:func:`~greenmfg.analytics.meters.validate_readings` (problems by rule),
:func:`~greenmfg.analytics.meters.clean_readings`, monthly
:func:`~greenmfg.analytics.meters.aggregate_energy` with the standard-coal coefficients and
emission factors of each data year and ``--region`` from the reference data, and
:func:`~greenmfg.analytics.meters.reconcile` (main meters against their sub-meters). Prints Rich
tables; ``--out report.xlsx`` writes them as a workbook. Messages go to stderr; a file with
mistakes exits with code 2, every problem located by file, row and column; ``--strict`` exits with
code 1 when the readings have any problem.

Mounted by ``greenmfg.cli`` as ``app.add_typer(meters_app, name="meters")``; this module does not
import ``greenmfg.cli``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["meters_app"]

meters_app = typer.Typer(
    help="Energy-meter data: check readings, monthly energy, tce and emissions, meter balance.",
    no_args_is_help=True,
)


@meters_app.callback()
def _meters() -> None:
    """Energy-meter data (a group even with one command, so ``meters check`` keeps its name)."""


err = Console(stderr=True)
out = Console()

EXAMPLES_PER_RULE = 3
XLSX_MAX_ROWS = 1_000_000  # an Excel sheet holds 1,048,576 rows


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    if isinstance(x, dt.datetime):
        return x.strftime("%Y-%m-%d %H:%M")
    return str(x)


@meters_app.command("check")
def check(
    readings: Annotated[
        Path, typer.Argument(help="Readings: CSV or Parquet (meter_id, ts, value).")
    ],
    meters: Annotated[Path, typer.Argument(help="Meter list: CSV or Parquet (schema.METERS).")],
    year: Annotated[
        int | None, typer.Option(help="Only readings of this data year (default: every year).")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="Province or grid region for the grid factor (default: national)."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the report as an Excel workbook (.xlsx).")
    ] = None,
    spike_factor: Annotated[
        float,
        typer.Option(help="A reading above this multiple of its meter's median is implausible."),
    ] = 10.0,
    strict: Annotated[
        bool, typer.Option(help="Exit with code 1 when there is any problem.")
    ] = False,
) -> None:
    """Check meter readings (duplicates, negative or implausible values, gaps, clock changes) and
    print monthly energy, tce and emissions per site and workshop and the meter balance."""
    import duckdb
    import narwhals as nw
    import pyarrow as pa
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from greenmfg.analytics.meters import (
        CARRIER_ITEMS,
        MeterFactorError,
        aggregate_energy,
        clean_readings,
        factors_from_reference,
        reconcile,
        validate_readings,
    )
    from greenmfg.io.meters import MeterFileError, prepare_readings, read_meters
    from greenmfg.reference import get_reference

    if out_path is not None and out_path.suffix.lower() != ".xlsx":
        raise _fail(f"{out_path}: expected a file name ending in .xlsx")
    try:
        meter_table = read_meters(meters)
    except MeterFileError as exc:
        raise _fail(str(exc)) from None
    meter_units = dict(
        zip(
            meter_table.column("meter_id").to_pylist(),
            meter_table.column("unit").to_pylist(),
            strict=True,
        )
    )
    with tempfile.TemporaryDirectory(prefix="greenmfg-meters-") as work:
        with Progress(
            TextColumn("reading {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]:,} readings"),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(readings.name, total=None, rows=0)

            def progress(rows: int, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)

            try:
                parquet = prepare_readings(
                    readings, work, meter_units=meter_units, progress=progress
                )
            except MeterFileError as exc:
                raise _fail(str(exc)) from None
        con = duckdb.connect()
        try:
            lf = nw.from_native(con.read_parquet(str(parquet)))
            meters_lf = nw.from_native(con.from_arrow(meter_table))
            before = nw.col("ts") - nw.lit(dt.timedelta(microseconds=1))
            if year is not None:
                lf = lf.filter(before.dt.year() == year)
            problems_tbl = (
                validate_readings(lf, meters_lf, spike_factor=spike_factor)
                .sort("rule", "meter_id", "ts")
                .collect("pyarrow")
                .to_arrow()
            )
            problems_lf = nw.from_native(con.from_arrow(problems_tbl))
            clean = clean_readings(lf, problems_lf)
            years = sorted(
                int(y)
                for y in clean.select(before.dt.year().alias("y")).unique().collect()["y"].to_list()
                if y is not None
            )
            carriers = sorted(set(meter_table.column("carrier").to_pylist()))
            known = [c for c in carriers if c in CARRIER_ITEMS]
            unknown = [c for c in carriers if c not in CARRIER_ITEMS]
            if unknown:
                err.print(
                    f"[yellow]note:[/yellow] meters of {', '.join(unknown)} have no standard-coal "
                    "coefficient or emission factor and are left out of the energy totals",
                    highlight=False,
                )
            energy_meters = meters_lf.filter(nw.col("carrier").is_in(known))
            ref = get_reference()
            monthly: list[pa.Table] = []
            factor_rows: list[list[Any]] = []
            for y in years:
                factors = factors_from_reference(ref, year=y, region=region, carriers=known)
                for f in factors.values():
                    factor_rows.append(
                        [
                            y,
                            f.carrier,
                            f.unit,
                            f.kgce_per_unit,
                            f.kgco2e_per_unit,
                            "; ".join(f.source),
                            "; ".join(f.notes),
                        ]
                    )
                part = aggregate_energy(
                    clean.filter(before.dt.year() == y),
                    energy_meters,
                    freq="month",
                    factors=factors,
                )
                monthly.append(part.collect("pyarrow").to_arrow())
            balance = (
                reconcile(clean, meters_lf, freq="month")
                .sort("meter_id", "period")
                .collect("pyarrow")
                .to_arrow()
            )
        except MeterFactorError as exc:
            raise _fail(str(exc), code=1) from None
        finally:
            con.close()
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
    _print_problems(problems_tbl)
    _print_energy(energy)
    _print_balance(balance)
    _print_factors(factor_rows, region)
    if out_path is not None:
        _write_xlsx(out_path, problems_tbl, energy, balance, factor_rows, region)
    if strict and problems_tbl.num_rows:
        raise typer.Exit(code=1)


def _print_problems(problems: Any) -> None:
    from greenmfg.analytics.meters import RULES

    rows = problems.to_pylist()
    t = Table(title=f"Problems in the readings: {len(rows):,}", title_justify="left")
    for h in ("rule", "count", "examples (meter, time: detail)"):
        t.add_column(h, justify="right" if h == "count" else "left", overflow="fold")
    for rule in RULES:
        hits = [r for r in rows if r["rule"] == rule]
        examples = "\n".join(
            f"{r['meter_id']}, {_fmt(r['ts'])}: {r['detail']}" for r in hits[:EXAMPLES_PER_RULE]
        )
        t.add_row(rule, f"{len(hits):,}", escape(examples) or "-")
    out.print(t)


def _print_energy(energy: Any) -> None:
    from greenmfg.analytics.meters import CANONICAL_UNITS

    rows = energy.to_pylist() if energy is not None else []
    several = len({r["enterprise_id"] for r in rows}) > 1
    t = Table(title="Monthly energy (workshop blank: the site's main meter)", title_justify="left")
    headers = [
        "month",
        *(["enterprise"] if several else []),
        "site",
        "workshop",
        "carrier",
        "energy",
        "tce",
        "tCO2e",
        "readings",
    ]
    for h in headers:
        right = h in ("energy", "tce", "tCO2e", "readings")
        t.add_column(h, justify="right" if right else "left", overflow="fold")
    for r in rows:
        t.add_row(
            r["period"].strftime("%Y-%m"),
            *([str(r["enterprise_id"])] if several else []),
            escape(r["site"]),
            escape(r["workshop"] or ""),
            r["carrier"],
            f"{_fmt(r['energy'])} {CANONICAL_UNITS.get(r['carrier'], '')}",
            _fmt(r["tce"], 4),
            _fmt(r["tco2e"], 4),
            f"{r['readings']:,}",
        )
    out.print(t)


def _print_balance(balance: Any) -> None:
    t = Table(title="Main meters against their sub-meters", title_justify="left")
    for h in ("main meter", "month", "unit", "main", "sub-meters", "residual", "share"):
        t.add_column(
            h, justify="left" if h in ("main meter", "month", "unit") else "right", overflow="fold"
        )
    for r in balance.to_pylist():
        share = r["residual_share"]
        t.add_row(
            escape(r["meter_id"]),
            r["period"].strftime("%Y-%m"),
            r["unit"] or "",
            _fmt(r["main"]),
            _fmt(r["sub_sum"]),
            _fmt(r["residual"]),
            f"{share:.2%}" if share is not None else "",
        )
    out.print(t)


def _print_factors(rows: list[list[Any]], region: str | None) -> None:
    t = Table(title=f"Coefficients used (region: {region or 'national'})", title_justify="left")
    for h in ("year", "carrier", "unit", "kgce/unit", "kgCO2e/unit", "reference rows", "notes"):
        t.add_column(h, overflow="fold")
    for y, carrier, unit, kgce, kgco2e, source, notes in rows:
        t.add_row(
            str(y), carrier, unit, f"{kgce:.6g}", f"{kgco2e:.6g}", escape(source), escape(notes)
        )
    out.print(t)


def _write_xlsx(
    path: Path,
    problems: Any,
    energy: Any,
    balance: Any,
    factor_rows: list[list[Any]],
    region: str | None,
) -> None:
    from greenmfg.io.tables import Table as Sheet
    from greenmfg.io.tables import write_tables_xlsx

    def rows(table: Any, columns: list[str]) -> list[list[Any]]:
        if table is None:
            return []
        data = table.slice(0, XLSX_MAX_ROWS).select(columns).to_pylist()
        return [[r[c] for c in columns] for r in data]

    problem_cols = ["meter_id", "ts", "rule", "value", "detail", "grid_ts"]
    energy_cols = [
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
    balance_cols = [
        "meter_id",
        "carrier",
        "unit",
        "period",
        "main",
        "sub_sum",
        "residual",
        "residual_share",
    ]
    notes = (
        []
        if problems.num_rows <= XLSX_MAX_ROWS
        else [f"first {XLSX_MAX_ROWS:,} of {problems.num_rows:,} problems"]
    )
    sheets = [
        Sheet(
            "Problems",
            "Problems in the readings",
            problem_cols,
            rows(problems, problem_cols),
            notes,
        ),
        Sheet(
            "Monthly",
            "Monthly energy [kWh, m3, GJ], tce and tCO2e",
            energy_cols,
            rows(energy, energy_cols),
            ["workshop blank: the site's main meter"],
        ),
        Sheet(
            "Balance",
            "Main meters against their sub-meters",
            balance_cols,
            rows(balance, balance_cols),
        ),
        Sheet(
            "Factors",
            f"Coefficients used (region: {region or 'national'})",
            [
                "year",
                "carrier",
                "unit",
                "kgce_per_unit",
                "kgco2e_per_unit",
                "reference rows",
                "notes",
            ],
            factor_rows,
        ),
    ]
    try:
        path.write_bytes(write_tables_xlsx(sheets))
    except OSError as exc:
        raise _fail(f"{path}: cannot write ({exc.strerror})", code=1) from None
    err.print(f"wrote {path}", highlight=False)

"""``greenmfg meters check READINGS METERS``: check energy-meter readings and total them by month.

Runs :func:`greenmfg.io.meter_check.check_meter_files` (the pipeline the web page's background
jobs run too): the meter list (:func:`greenmfg.io.meters.read_meters`) and the readings (CSV
streamed to a temporary Parquet file with a progress bar, or Parquet scanned in place), then on
DuckDB :func:`~greenmfg.analytics.meters.validate_readings` (problems by rule),
:func:`~greenmfg.analytics.meters.clean_readings`, monthly
:func:`~greenmfg.analytics.meters.aggregate_energy` with the standard-coal coefficients and
emission factors of each data year (``--year``; default every year) and ``--region`` (default
national) from the reference data, and :func:`~greenmfg.analytics.meters.reconcile` (main meters
against their sub-meters). Prints Rich tables; ``--out report.xlsx`` writes them as a workbook
(:func:`greenmfg.io.meter_check.meter_check_workbook`). Messages go to stderr; a file with
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
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from greenmfg.analytics.meters import MeterFactorError
    from greenmfg.io.meter_check import check_meter_files, meter_check_workbook
    from greenmfg.io.meters import MeterFileError
    from greenmfg.reference import get_reference

    if out_path is not None and out_path.suffix.lower() != ".xlsx":
        raise _fail(f"{out_path}: expected a file name ending in .xlsx")
    ref = get_reference()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="greenmfg-meters-") as work,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[rows]:,} readings"),
                console=err,
                transient=True,
            ) as bar,
        ):
            task = bar.add_task(f"reading {readings.name}", total=None, rows=0)

            def read_progress(rows: int, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)

            def stage(name: str, fraction: float, percent: int | None) -> None:
                if name in ("validating", "aggregating", "balancing"):
                    bar.update(task, description=name)

            check = check_meter_files(
                meters,
                readings,
                Path(work),
                ref=ref,
                year="all" if year is None else year,
                region=region,
                spike_factor=spike_factor,
                progress=stage,
                read_progress=read_progress,
            )
    except MeterFileError as exc:
        raise _fail(str(exc)) from None
    except MeterFactorError as exc:
        raise _fail(str(exc), code=1) from None
    if check.unknown_carriers:
        err.print(
            f"[yellow]note:[/yellow] meters of {', '.join(check.unknown_carriers)} have no "
            "standard-coal coefficient or emission factor and are left out of the energy totals",
            highlight=False,
        )
    _print_problems(check.problems)
    _print_energy(check.energy)
    _print_balance(check.balance)
    _print_factors(check.factor_rows, region)
    if out_path is not None:
        try:
            out_path.write_bytes(meter_check_workbook(check))
        except OSError as exc:
            raise _fail(f"{out_path}: cannot write ({exc.strerror})", code=1) from None
        err.print(f"wrote {out_path}", highlight=False)
    if strict and check.problems.num_rows:
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

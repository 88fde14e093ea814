"""``greenmfg analytics``: the oversight aggregations over a Parquet dataset, on DuckDB or Spark.

A dataset is a folder with ``enterprises.parquet``, ``annual.parquet`` and ``lines.parquet`` (or
folders of parts with those names), the tables of :mod:`greenmfg.analytics.schema`; ``greenmfg
synthetic generate`` writes one. ``--engine spark`` runs the same functions on Spark (local mode,
``GREENMFG_SPARK_MASTER`` or ``SPARK_REMOTE``; the folder must then be readable by the cluster).
"""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

analytics_app = typer.Typer(
    help="Oversight aggregations over a Parquet dataset (DuckDB or Spark).", no_args_is_help=True
)
err = Console(stderr=True)
out = Console()


class EngineOpt(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class OutFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


Data = Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Dataset folder.")]
By = Annotated[
    str,
    typer.Option(help="Comma-separated groupings, e.g. province_code,year (see GROUPINGS)."),
]
EngineArg = Annotated[EngineOpt, typer.Option("--engine", "-e", help="Where to run.")]
FormatArg = Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")]
OutArg = Annotated[Path | None, typer.Option("--out", "-o", help="Output file (json/csv).")]


def _table_path(data: Path, name: str) -> Path:
    for candidate in (data / f"{name}.parquet", data / name):
        if candidate.exists():
            return candidate
    raise typer.BadParameter(f"{data} has no {name}.parquet")


def _run(
    kind: str, data: Path, by: str, engine: EngineOpt, fmt: OutFormat, out_path: Path | None
) -> None:
    import pyarrow.csv as pacsv

    from greenmfg.analytics import oversight as ov
    from greenmfg.analytics.engine import EngineError, get_engine

    keys = [b.strip() for b in by.split(",") if b.strip()]
    try:
        with err.status(f"starting {engine.value}…"):
            e = get_engine(engine.value)
    except EngineError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(code=2) from None
    started = time.perf_counter()
    try:
        ents = e.scan_parquet(_table_path(data, "enterprises"))
        if kind == "benchmark":
            frame = ov.benchmark_distribution(
                e.scan_parquet(_table_path(data, "lines")), ents, keys
            )
        else:
            annual = e.scan_parquet(_table_path(data, "annual"))
            if kind == "targets":
                frame = ov.target_indicators(annual, ents, keys)
            elif kind == "trends":
                group = [k for k in keys if k != "year"]
                frame = ov.trends(ov.inventory_by(annual, ents, [*group, "year"]), group)
            else:
                frame = ov.inventory_by(annual, ents, keys)
        with err.status(f"aggregating on {engine.value}…"):
            result = e.collect(frame)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(code=2) from None
    finally:
        e.close()
    err.print(f"{result.num_rows} rows in {time.perf_counter() - started:.2f} s on {engine.value}")
    if fmt is OutFormat.csv:
        pacsv.write_csv(result, str(out_path) if out_path else sys.stdout.buffer)
        return
    if fmt is OutFormat.json:
        text = json.dumps(result.to_pylist(), ensure_ascii=False, indent=2, default=str)
        if out_path:
            out_path.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
        return
    # the table shows the headline columns; json/csv carry every column
    if kind == "targets":
        result = result.select([*keys, *ov.INDICATORS])
    elif kind == "trends":
        group = [k for k in keys if k != "year"]
        result = result.select(
            [*group, "year", "emissions_tco2e", "emissions_yoy", "intensity_yoy", "peak_year"]
        )
    t = Table(title=f"{kind} by {', '.join(keys) or 'all'}")
    for name in result.column_names:
        t.add_column(name, justify="right" if name not in keys else "left")
    for row in result.to_pylist()[:200]:
        t.add_row(*[_cell(v) for v in row.values()])
    out.print(t)
    if result.num_rows > 200:
        err.print(f"… {result.num_rows - 200} more rows (use --format csv)")


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def _command(kind: str, default_by: str, doc: str) -> None:
    """Register ``greenmfg analytics KIND`` (the four commands share their options)."""

    def command(
        data: Data,
        by: By = default_by,
        engine: EngineArg = EngineOpt.duckdb,
        format: FormatArg = OutFormat.table,
        out_path: OutArg = None,
    ) -> None:
        _run(kind, data, by, engine, format, out_path)

    command.__doc__ = doc
    analytics_app.command(kind)(command)


_command("inventory", "province_code,year", "Energy, emissions and intensities per group.")
_command("targets", "year", "The 2030 target indicators per group ('year' required).")
_command("trends", "province_code", "Year-on-year change and peak year of emissions per group.")
_command("benchmark", "year", "Production lines per benchmark class, per group and indicator.")

"""``greenmfg synthetic``: write a synthetic dataset (:mod:`greenmfg.analytics.synthetic`) as
Parquet for the analytics layer, its tests and benchmarks. The figures are synthetic, not
statistics."""

from __future__ import annotations

import dataclasses
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

synthetic_app = typer.Typer(
    help="Synthetic national datasets (Parquet) for the analytics: enterprises to meter readings.",
    no_args_is_help=True,
)
err = Console(stderr=True)
out = Console()


@synthetic_app.callback()
def _group() -> None:
    """Synthetic datasets for the analytics (the figures are synthetic, not statistics)."""


class ScaleName(StrEnum):
    demo = "demo"
    city = "city"
    province = "province"
    national = "national"


@synthetic_app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the Parquet files into")],
    scale: Annotated[ScaleName, typer.Option("--scale", help="Preset size")] = ScaleName.demo,
    enterprises: Annotated[
        int | None,
        typer.Option("--enterprises", min=1, help="Number of enterprises (meters scale with it)"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed")] = 0,
    readings: Annotated[
        bool, typer.Option("--readings/--no-readings", help="Write meter readings (the slow part)")
    ] = True,
) -> None:
    """Write enterprises, parks, annual, lines, meters, readings/ and faults as Parquet: the same
    seed gives the same bytes."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from greenmfg.analytics import synthetic

    s = synthetic.SCALES[scale.value]
    if enterprises is not None:
        s = dataclasses.replace(s, enterprises=enterprises)
    start = time.perf_counter()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("enterprises", total=1)

            def step(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            paths = synthetic.generate(out_dir, s, seed=seed, readings=readings, progress=step)
    except ValueError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(code=2) from None
    elapsed = time.perf_counter() - start

    import pyarrow.parquet as pq

    tbl = Table(title=f"synthetic {scale.value} dataset, seed {seed}")
    for c in ("table", "rows", "MB"):
        tbl.add_column(c, justify="left" if c == "table" else "right")
    for name, path in paths.items():
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        size = sum(f.stat().st_size for f in files) / 1e6
        tbl.add_row(name, f"{rows:,}", f"{size:,.1f}")
    out.print(tbl)
    out.print(
        f"{s.enterprises:,} enterprises, {len(s.years)} years, in {elapsed:.1f} s: "
        f"{Path(out_dir).resolve()}",
        highlight=False,
    )

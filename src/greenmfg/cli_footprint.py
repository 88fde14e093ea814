"""``greenmfg footprint``: product carbon footprints from a product-system file, without a database.

A file is a greenmfg product-system workbook (``.xlsx``) or JSON (``.json``), or an openLCA JSON-LD
export (``.zip`` or a folder). ``compute`` prints the footprint of every product, or one product's
ISO 14067 report (contributions, data quality, uncertainty) and writes it as Excel or PDF;
``template`` writes the empty workbook; ``convert`` turns an openLCA export (or JSON) into the
workbook to upload on the platform.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

footprint_app = typer.Typer(
    help="Product carbon footprints (ISO 14067) of a product-system workbook or openLCA export.",
    no_args_is_help=True,
)
err = Console(stderr=True)
out = Console()


class Output(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


class GwpSet(StrEnum):
    ar4 = "ar4"
    ar5 = "ar5"
    ar6 = "ar6"


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code=2)


def _read(path: Path) -> tuple[Any, list[str]]:
    """The product system in ``path`` and the import's warnings."""
    from greenmfg.io.olca import OlcaImportError, read_olca
    from greenmfg.io.product_system import ProductSystemFileError, read_product_system

    try:
        if path.is_dir() or path.suffix.lower() == ".zip":
            imported = read_olca(path)
            return imported.system, list(imported.warnings)
        return read_product_system(path), []
    except (ProductSystemFileError, OlcaImportError) as e:
        raise _fail(str(e)) from None
    except OSError as e:
        raise _fail(f"{path}: {e}") from None


@footprint_app.command()
def compute(
    file: Annotated[
        Path, typer.Argument(exists=True, help=".xlsx/.json product system or openLCA .zip")
    ],
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="Report this product (id).")
    ] = None,
    gwp: Annotated[GwpSet, typer.Option(help="GWP100 set.")] = GwpSet.ar6,
    iterations: Annotated[
        int, typer.Option(min=0, max=100_000, help="Monte Carlo draws for the range.")
    ] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the draws.")] = 0,
    year: Annotated[int | None, typer.Option(help="Reference year shown in the report.")] = None,
    format: Annotated[Output, typer.Option("--format", "-f", help="Output format.")] = Output.table,
    out_path: Annotated[Path | None, typer.Option("--out", "-o", help="Output file.")] = None,
    lang: Annotated[str, typer.Option(help="Report language: zh or en.")] = "zh",
) -> None:
    """Footprints of every product of FILE (kg CO2e per unit), or the report of one product."""
    from greenmfg import __version__
    from greenmfg.footprint.report import footprint_report
    from greenmfg.footprint.system import ProductSystemError, gwp_table
    from greenmfg.footprint.system import compute as compute_system
    from greenmfg.reference import get_reference

    system, warnings = _read(file)
    for w in warnings[:20]:
        err.print(f"[yellow]warning:[/yellow] {w}", markup=True, highlight=False)
    ref = get_reference()
    try:
        result = compute_system(system, gwp_table(ref.gwp, gwp.value), gwp.value)
        report = (
            footprint_report(
                system,
                result,
                product,
                system_name=file.stem,
                year=year,
                iterations=iterations,
                seed=seed,
                reference_edition=ref.edition,
                engine_version=__version__,
            )
            if product
            else None
        )
    except ProductSystemError as e:
        raise _fail(f"{file.name}: {e}") from None
    if report is None and format in (Output.xlsx, Output.pdf):
        raise _fail("--format xlsx/pdf writes one product's report: give --product")
    if format is Output.json:
        if report is not None:
            from greenmfg.api.routes.footprints import report_json

            doc: Any = report_json(report)
        else:
            doc = {
                "gwp_set": gwp.value,
                "solver": result.solution.method,
                "backward_error": result.solution.backward_error,
                "footprints": {
                    k: {"value": r.value, "unit": r.unit, "origin": r.origin, "source": r.source}
                    for k, r in result.results.items()
                },
            }
        text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
        if out_path:
            out_path.write_text(text, encoding="utf-8")
            err.print(f"wrote {out_path}")
        else:
            sys.stdout.write(text + "\n")
        return
    if format in (Output.xlsx, Output.pdf):
        assert report is not None
        from greenmfg.io.footprint_report import footprint_report_pdf, write_footprint_report_xlsx
        from greenmfg.io.pdf import PdfUnavailable

        target = out_path or file.with_name(f"{file.stem}-{product}.{format.value}")
        try:
            data = (
                write_footprint_report_xlsx(report, lang)
                if format is Output.xlsx
                else footprint_report_pdf(report, lang)
            )
        except PdfUnavailable as e:
            raise _fail(str(e)) from None
        target.write_bytes(data)
        err.print(f"wrote {target}")
        return
    if report is None:
        names = {p.id: p.name for p in system.products}
        t = Table(title=f"{file.name} · {gwp.value.upper()} · {result.solution.method}")
        for col, just in (
            ("product", "left"),
            ("name", "left"),
            ("kgCO2e/unit", "right"),
            ("unit", "left"),
            ("origin", "left"),
            ("source", "left"),
        ):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        for k, r in sorted(
            result.results.items(), key=lambda kv: (kv[1].origin != "process", kv[0])
        ):
            t.add_row(k, names.get(k, ""), f"{r.value:,.4f}", r.unit, r.origin, r.source)
        out.print(t)
        return
    out.print(
        f"[bold]{report.product_name}[/bold]: {report.value:,.4f} kgCO2e/{report.unit} "
        f"({report.gwp_set.upper()}); primary data {report.primary_share_percent:.1f} %",
        highlight=False,
    )
    if report.uncertainty is not None and report.uncertainty.uncertain_entries:
        u = report.uncertainty
        out.print(
            f"95 % range {u.p2_5:,.4f} – {u.p97_5:,.4f} ({u.iterations} draws, seed {u.seed})",
            highlight=False,
        )
    if report.quality.ratings:
        q = report.quality
        out.print(
            "DQR "
            + ", ".join(f"{k} {v:.2f}" for k, v in q.ratings.items())
            + f"; coverage {q.coverage:.0f} %",
            highlight=False,
        )
    t = Table(title="contributions")
    for col in ("process or input", "origin", "amount", "kgCO2e", "share", "source"):
        t.add_column(col)
    for c in report.columns[:15]:
        flag = " [red](unverified)[/red]" if c.confidence == "unverified" else ""
        t.add_row(
            c.label,
            c.origin,
            f"{c.amount:,.4g} {c.unit}",
            f"{c.value:,.4f}",
            f"{100 * c.share:.1f} %",
            c.source + flag,
        )
    out.print(t)


@footprint_app.command()
def template(
    target: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
    lang: Annotated[str, typer.Option(help="Header language: zh or en.")] = "zh",
) -> None:
    """Write the product-system workbook template."""
    from greenmfg.io.product_system import product_system_template_xlsx

    target.write_bytes(product_system_template_xlsx(lang))
    err.print(f"wrote {target}")


@footprint_app.command()
def convert(
    file: Annotated[Path, typer.Argument(exists=True, help="openLCA .zip/folder, .json or .xlsx")],
    target: Annotated[Path, typer.Argument(help="Output: .xlsx workbook or .json")],
    lang: Annotated[str, typer.Option(help="Header language: zh or en.")] = "zh",
) -> None:
    """Convert a product system (e.g. an openLCA export) into the greenmfg workbook or JSON."""
    from greenmfg.io.product_system import product_system_to_dict, write_product_system_xlsx

    system, warnings = _read(file)
    for w in warnings[:20]:
        err.print(f"[yellow]warning:[/yellow] {w}", markup=True, highlight=False)
    if target.suffix.lower() == ".json":
        target.write_text(
            json.dumps(product_system_to_dict(system), ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    elif target.suffix.lower() == ".xlsx":
        write_product_system_xlsx(system, target, lang)
    else:
        raise _fail(f"{target.name}: expected a .xlsx or .json target")
    err.print(f"wrote {target}")

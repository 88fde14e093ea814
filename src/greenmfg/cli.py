"""The ``greenmfg`` command line: thin wrappers that parse options, call the core, print results."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from greenmfg import __version__

app = typer.Typer(
    name="greenmfg",
    help="Carbon and energy accounting for green manufacturing (GB/T 32150, GB/T 2589, ISO 14064-1, GHG Protocol).",
    no_args_is_help=True,
    add_completion=False,
)
factors_app = typer.Typer(
    help="Browse the reference factors and their sources.", no_args_is_help=True
)
app.add_typer(factors_app, name="factors")

err = Console(stderr=True)
out = Console()


class Method(StrEnum):
    gbt32150 = "gbt32150"
    iso14064 = "iso14064"
    ghgp = "ghgp"


class Gwp(StrEnum):
    sar = "sar"
    ar4 = "ar4"
    ar5 = "ar5"
    ar6 = "ar6"


class Format(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


class Basis(StrEnum):
    equivalent = "equivalent"
    equal = "equal"


class GridSeries(StrEnum):
    average = "average"
    ets_grid = "ets_grid"


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:,.{digits}f}"


@app.command()
def version() -> None:
    """Print the version and the reference-data edition."""
    from greenmfg.reference import get_reference

    out.print(f"greenmfg {__version__}  reference data {get_reference().edition}")


@app.command()
def account(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Activity file (.csv or .xlsx with sheet 'activities').",
        ),
    ],
    method: Annotated[Method, typer.Option(help="Accounting method.")] = Method.gbt32150,
    gwp: Annotated[Gwp | None, typer.Option(help="GWP-100 set (default: the method's).")] = None,
    energy_basis: Annotated[
        Basis,
        typer.Option(help="Electricity and heat in tce: equivalent (当量值) or equal (等价值)."),
    ] = Basis.equivalent,
    grid_series: Annotated[
        GridSeries, typer.Option(help="Grid factor: MEE/NBS average, or the ETS reporting factor.")
    ] = GridSeries.average,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (json/xlsx); stdout for json if omitted."),
    ] = None,
    lang: Annotated[str, typer.Option(help="Report language: zh or en.")] = "zh",
    lines: Annotated[bool, typer.Option(help="Include per-record lines in JSON.")] = True,
) -> None:
    """Account the greenhouse-gas inventory and comprehensive energy consumption of FILE."""
    from greenmfg.accounting import AccountingOptions, ActivityError, compute_inventory
    from greenmfg.io import read_activities
    from greenmfg.reference import get_reference

    with err.status(f"reading {file.name}…"):
        ref = get_reference()
        try:
            table = read_activities(file, ref)
            opts = AccountingOptions(
                method=method.value,
                gwp=gwp.value if gwp else None,
                energy_basis=energy_basis.value,
                grid_series=grid_series.value,
            )
            inv = compute_inventory(table, ref, opts)
        except ActivityError as exc:
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
            raise typer.Exit(code=2) from None
    if format is Format.json:
        doc = json.dumps(inv.to_dict(lines=lines), ensure_ascii=False, indent=2)
        if out_path:
            out_path.write_text(doc, encoding="utf-8")
            err.print(f"wrote {out_path}")
        else:
            sys.stdout.write(doc + "\n")
        return
    if format is Format.xlsx:
        from greenmfg.io.report import write_inventory_xlsx

        target = out_path or file.with_name(f"{file.stem}-inventory-{method.value}.xlsx")
        with err.status(f"writing {target.name}…"):
            write_inventory_xlsx(inv, target, lang=lang)
        err.print(f"wrote {target}")
        return
    _print_inventory(inv, lang)


def _print_inventory(inv: Any, lang: str) -> None:
    zh = lang == "zh"
    t = inv.totals()
    head = Table(
        title=f"{inv.method.title} · GWP {inv.gwp_set.upper()} · {len(inv)} records",
        show_header=False,
    )
    rows = [
        ("总排放 total", t["total_tco2e"], "tCO2e"),
        ("总排放(市场法) total, market-based", t["total_market_tco2e"], "tCO2e"),
        ("范围一 scope 1", t["scope1_tco2e"], "tCO2e"),
        ("范围二(位置法) scope 2 location", t["scope2_location_tco2e"], "tCO2e"),
        ("范围二(市场法) scope 2 market", t["scope2_market_tco2e"], "tCO2e"),
        ("输出电热 exported", t["exported_tco2e"], "tCO2e"),
        ("CO2回收 recovered", t["recovered_tco2e"], "tCO2e"),
        ("生物质CO2 biogenic", t["biogenic_co2_t"], "tCO2"),
        ("综合能耗 energy", t["energy_tce"], f"tce ({inv.energy_basis})"),
    ]
    for label, value, unit in rows:
        head.add_row(label, _fmt(value), unit)
    out.print(head)

    cats = Table(title="按排放源 by source")
    for c in ("category", "scope", "tCO2e", "tCO2e market", "counted"):
        cats.add_column(c, justify="right" if c != "category" else "left")
    for c in inv.by_category():
        cats.add_row(
            c["label_zh"] if zh else c["label_en"],
            str(c["scope"] or "-"),
            _fmt(c["tco2e"]),
            _fmt(c["tco2e_market"]),
            _fmt(c["counted_tco2e"]),
        )
    out.print(cats)

    sites = Table(title="按站点 by site")
    for c in (
        "site",
        "year",
        "total tCO2e",
        "scope 1",
        "scope 2 loc.",
        "scope 2 mkt.",
        "energy tce",
    ):
        sites.add_column(c, justify="left" if c == "site" else "right")
    for s in inv.by_site():
        sites.add_row(
            str(s["site"]),
            str(s["year"]),
            _fmt(s["total_tco2e"]),
            _fmt(s["scope1_tco2e"]),
            _fmt(s["scope2_location_tco2e"]),
            _fmt(s["scope2_market_tco2e"]),
            _fmt(s["energy_tce"]),
        )
    out.print(sites)

    intensities = inv.intensities()
    if intensities:
        it = Table(title="单位产品 per unit of product (site totals)")
        for c in ("site", "year", "product", "output", "kgce/unit", "tCO2e/unit"):
            it.add_column(c)
        for r in intensities:
            it.add_row(
                str(r["site"]),
                str(r["year"]),
                r["product"],
                f"{_fmt(r['output'], 0)} {r['unit']}",
                _fmt(r["kgce_per_unit"] or 0, 4),
                _fmt(r["tco2e_per_unit"] or 0, 6),
            )
        out.print(it)

    ft = Table(title="因子来源 factors used")
    for c in ("id", "value", "unit", "source", "confidence"):
        ft.add_column(c, overflow="fold")
    for f in inv.factors_used():
        style = {"unverified": "bold red", "secondary": "yellow"}.get(f.source.confidence, "green")
        ft.add_row(
            f.id,
            f"{f.value:g}",
            f.unit,
            f.source.label(),
            f"[{style}]{f.source.confidence}[/{style}]",
        )
    out.print(ft)
    q = inv.quality_summary()
    if q:
        out.print("数据质量 quality flags: " + ", ".join(f"{k} x{v}" for k, v in q.items()))
    unverified = [f.id for f in inv.factors_used() if f.source.confidence == "unverified"]
    if unverified:
        out.print(
            f"[bold red]未经核实的因子 unverified factors used:[/bold red] {', '.join(unverified)}"
        )


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="Workbook to write.")] = Path(
        "greenmfg-activities.xlsx"
    ),
) -> None:
    """Write a blank bilingual activity workbook with instructions and drop-down lists."""
    from greenmfg.io.template import write_template
    from greenmfg.reference import get_reference

    write_template(path, get_reference())
    err.print(f"wrote {path}")


@factors_app.command("list")
def factors_list(
    table: Annotated[
        str | None, typer.Option(help="fuel, electricity, heat, process, energy, gwp, items")
    ] = None,
) -> None:
    """List reference factors with their source and confidence."""
    from greenmfg.reference import get_reference

    ref = get_reference()
    groups: dict[str, Any] = {
        "items": None,
        "fuel": ref.fuel,
        "electricity": ref.electricity,
        "heat": ref.heat,
        "process": ref.process,
        "energy": ref.energy,
        "gwp": ref.gwp,
    }
    chosen = [table] if table else list(groups)
    for name in chosen:
        if name not in groups:
            err.print(f"[red]unknown table {name!r}[/red]; expected one of {', '.join(groups)}")
            raise typer.Exit(2)
        tbl = Table(title=name)
        if name == "items":
            for c in ("item", "kind", "中文", "English", "unit", "method"):
                tbl.add_column(c)
            for s in ref.items.values():
                tbl.add_row(s.item, s.kind, s.name_zh, s.name_en, s.default_unit, s.method)
        else:
            for c in ("id", "value", "unit", "source", "confidence"):
                tbl.add_column(c, overflow="fold")
            for f in groups[name].values():
                tbl.add_row(f.id, f"{f.value:g}", f.unit, f.source.label(), f.source.confidence)
        out.print(tbl)


@factors_app.command("show")
def factors_show(
    item: Annotated[str, typer.Argument(help="Item id, e.g. natural_gas or grid_electricity.")],
    year: Annotated[
        int | None, typer.Option(help="Data year (electricity, equal-value coefficients).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Province name, GB/T 2260 code or grid id.")
    ] = None,
) -> None:
    """Every factor the engine could use for ITEM, and which one it picks for YEAR and REGION."""
    from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory
    from greenmfg.reference import get_reference

    ref = get_reference()
    spec = ref.items.get(item)
    if spec is None:
        err.print(f"[red]unknown item {item!r}[/red]; see `greenmfg factors list --table items`")
        raise typer.Exit(2)
    out.print(
        f"[bold]{spec.item}[/bold] {spec.name_zh} / {spec.name_en} · kind {spec.kind} · "
        f"unit {spec.default_unit} · method {spec.method}"
    )
    key = spec.factor_item
    found = [f for (d, i, p), f in ref.fuel.items() if i == key]
    found += [
        f
        for (s, y, r), f in ref.electricity.items()
        if key == "grid_electricity"
        and (year is None or y == year)
        and (region is None or _region_match(ref, r, region))
    ]
    found += [f for i, f in ref.heat.items() if i == key]
    found += [f for (i, g), f in ref.process.items() if i == key]
    found += [f for (i, b, y), f in ref.energy.items() if i == key]
    tbl = Table()
    for c in ("id", "value", "unit", "source", "confidence"):
        tbl.add_column(c, overflow="fold")
    for f in found:
        tbl.add_row(f.id, f"{f.value:g}", f.unit, f.source.label(), f.source.confidence)
    out.print(tbl)
    if year is not None and spec.kind not in ("production",):
        # Resolve exactly as the engine does, through a one-record inventory.
        rec = {
            "site": "-",
            "year": year,
            "kind": spec.kind,
            "item": item,
            "amount": 1.0,
            "unit": spec.default_unit,
            "region": region or "",
        }
        if spec.method == "clinker_oxides":
            rec.update(cao_content=65.0, mgo_content=2.0)
        try:
            inv = compute_inventory(ActivityTable.from_records([rec]), ref, AccountingOptions())
        except Exception as exc:  # show why the engine would refuse
            err.print(f"[yellow]{exc}[/yellow]")
            return
        line = inv.line(0)
        out.print(f"engine picks for {year}" + (f", {region}" if region else "") + ":")
        for f in line["factors"]:
            out.print(f"  {f['id']} = {f['value']:g} {f['unit']} ({f['confidence']})")
        for flag in line["flags"]:
            out.print(f"  [yellow]{flag}[/yellow]")


def _region_match(ref: Any, code: str, text: str) -> bool:
    try:
        r = ref.resolve_region(text)
    except KeyError:
        return False
    return bool(r and (code == r.code or code == r.parent or code == "CN"))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

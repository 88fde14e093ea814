"""The ``greenmfg`` command line: thin wrappers that parse options, call the core, print results."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
admin_app = typer.Typer(
    help="Create organisations, users, roles and API tokens.", no_args_is_help=True
)
app.add_typer(admin_app, name="admin")
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
benchmark_app = typer.Typer(
    help="Energy-efficiency benchmark (标杆) and base (基准) levels and limit grades.",
    no_args_is_help=True,
)
app.add_typer(benchmark_app, name="benchmark")
pact_client_app = typer.Typer(
    help="Credentials for data recipients of the PACT API (OAuth2 client credentials).",
    no_args_is_help=True,
)
app.add_typer(pact_client_app, name="pact-client")
pact_app = typer.Typer(
    help="Partners' PACT servers: connect, pull their footprints, answer requests.",
    no_args_is_help=True,
)
app.add_typer(pact_app, name="pact")

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLAlchemy URL or SQLite file (default: $GREENMFG_DATABASE_URL, else ./greenmfg.db).",
    ),
]

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
    from greenmfg.reference import get_reference
    from greenmfg.reference.lookup import lookup_factors

    ref = get_reference()
    try:
        found = lookup_factors(ref, item, year, region)
    except KeyError:
        err.print(f"[red]unknown item {item!r}[/red]; see `greenmfg factors list --table items`")
        raise typer.Exit(2) from None
    spec = found.spec
    out.print(
        f"[bold]{spec.item}[/bold] {spec.name_zh} / {spec.name_en} · kind {spec.kind} · "
        f"unit {spec.default_unit} · method {spec.method}"
    )
    tbl = Table()
    for c in ("id", "value", "unit", "source", "confidence"):
        tbl.add_column(c, overflow="fold")
    for f in found.candidates:
        tbl.add_row(f.id, f"{f.value:g}", f.unit, f.source.label(), f.source.confidence)
    out.print(tbl)
    if found.refused:
        err.print(f"[yellow]{found.refused}[/yellow]")
        return
    if found.picked:
        out.print(f"engine picks for {year}" + (f", {region}" if region else "") + ":")
        for f in found.picked:
            out.print(f"  {f['id']} = {f['value']:g} {f['unit']} ({f['confidence']})")
        for flag in found.flags:
            out.print(f"  [yellow]{flag}[/yellow]")


@benchmark_app.command("levels")
def benchmark_levels(
    area: Annotated[
        str | None, typer.Option(help="Area id or Chinese name, e.g. cement_clinker or 水泥熟料")
    ] = None,
) -> None:
    """The catalogue levels held, with sources; unsourced values are shown as missing."""
    from greenmfg.reference import get_reference

    ref = get_reference()
    tbl = Table()
    for c in (
        "catalogue",
        "area",
        "indicator",
        "scope",
        "unit",
        "标杆",
        "基准",
        "limit grades 1/2/3",
        "deadline",
        "confidence",
    ):
        tbl.add_column(c, overflow="fold")
    for b in ref.benchmark_levels:
        if area and area not in (b.area_id, b.area_zh):
            continue
        g = ref.limit_grades_of(b.indicator_id)
        grades = (
            "/".join("—" if x is None else f"{x:g}" for x in g.grades) + f" ({g.standard})"
            if g
            else ""
        )
        conf = b.source.confidence
        tbl.add_row(
            str(b.catalogue),
            f"{b.area_zh} {b.area_id}",
            f"{b.indicator_zh} {b.indicator_id}",
            b.scope,
            b.unit,
            "[red]missing[/red]" if b.benchmark is None else f"{b.benchmark:g}",
            "[red]missing[/red]" if b.base is None else f"{b.base:g}",
            grades,
            b.deadline,
            f"[red]{conf}[/red]" if conf == "unverified" else conf,
        )
    out.print(tbl)


@benchmark_app.command("classify")
def benchmark_classify(
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. clinker_unit_comprehensive")],
    value: Annotated[float, typer.Argument(help="The line's value of the indicator")],
    unit: Annotated[
        str | None, typer.Option(help="Unit of VALUE (default: the level's unit)")
    ] = None,
    output: Annotated[
        float | None, typer.Option(help="Annual output, for the effort in tce/year")
    ] = None,
    output_unit: Annotated[str, typer.Option(help="Unit of --output")] = "t",
) -> None:
    """Where VALUE stands against the benchmark, base and limit grades, and the effort to reach them."""
    from greenmfg.energy.benchmark import BenchmarkError, classify
    from greenmfg.reference import get_reference

    ref = get_reference()
    try:
        level = ref.benchmark_level(indicator)
    except KeyError:
        err.print(f"[red]unknown indicator {indicator!r}[/red]; see `greenmfg benchmark levels`")
        raise typer.Exit(2) from None
    coef = ref.energy.get(("grid_electricity", "equivalent", None))
    try:
        c = classify(
            value,
            unit or level.unit,
            level,
            ref.limit_grades_of(indicator),
            output,
            output_unit if output is not None else None,
            coef,
        )
    except BenchmarkError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    out.print(
        f"[bold]{level.area_zh} · {level.indicator_zh}[/bold] ({level.indicator_id}): {c.value:g} {c.unit}"
    )
    out.print(
        f"position: [bold]{c.position.value}[/bold] (标杆 {level.benchmark}, 基准 {level.base}, deadline {c.deadline})"
    )
    if c.grades is not None:
        out.print(
            f"limit grade: {c.limit_grade or '—'}"
            + (" [red]exceeds grade 3, the mandatory limit[/red]" if c.exceeds_limit else "")
        )
    if c.effort_to_base_tce is not None:
        out.print(
            f"effort to base: {c.effort_to_base_tce:,.1f} tce/a; to benchmark: {c.effort_to_benchmark_tce:,.1f} tce/a"
        )
    for src in c.sources:
        out.print(f"source: {src.label()} [{src.confidence}]")


def _open_db(database: str | None, migrate: bool = True) -> Any:
    from greenmfg.store.db import Database, database_url
    from greenmfg.store.migrate import upgrade

    db = Database(database_url(database))
    if migrate:
        upgrade(db.engine)
    return db


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from greenmfg.store.migrate import current_revision

    db = _open_db(database)
    out.print(
        f"{db.engine.url.render_as_string(hide_password=True)} at revision {current_revision(db.engine)}"
    )


@audit_app.command("verify")
def audit_verify(database: DatabaseOpt = None) -> None:
    """Recompute the audit hash chain; exit 1 and name the first tampered entry if it is broken."""
    from greenmfg.store.audit import verify_chain

    db = _open_db(database, migrate=False)
    with db.reading() as s:
        report = verify_chain(s)
    if report.ok:
        out.print(
            f"[green]audit chain intact[/green]: {report.entries} entries, head {report.head_hash[:16]}…"
        )
        return
    err.print(f"[red]audit chain broken at entry {report.first_bad}[/red]: {report.problem}")
    raise typer.Exit(1)


@contextmanager
def _admin_errors() -> Iterator[None]:
    """Refusals of an admin command (bad code, taken name, short password): message, exit 2."""
    from greenmfg.store.activities import Conflict
    from greenmfg.store.admin import AdminError
    from greenmfg.store.auth import AuthError

    try:
        yield
    except (AdminError, AuthError, Conflict) as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None


def _system() -> Any:
    from greenmfg.store.admin import SYSTEM

    return SYSTEM


@admin_app.command("create-org")
def admin_create_org(
    kind: Annotated[str, typer.Option(help="enterprise, park, authority or verifier")],
    name: Annotated[str, typer.Option(help="Official (Chinese) name")],
    region: Annotated[str, typer.Option(help="GB/T 2260 code, six digits (000000: national)")],
    name_en: Annotated[str, typer.Option(help="English name")] = "",
    level: Annotated[
        str | None, typer.Option(help="authority: national, provincial, municipal, county")
    ] = None,
    industry: Annotated[str | None, typer.Option(help="GB/T 4754-2017 code, e.g. C3011")] = None,
    park_id: Annotated[
        int | None, typer.Option(help="id of the park an enterprise belongs to")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Create an organisation."""
    from greenmfg.store import admin

    db = _open_db(database)
    with _admin_errors(), db.writing() as s:
        org = admin.create_organisation(
            s,
            _system(),
            kind=kind,
            name=name,
            region_code=region,
            name_en=name_en,
            level=level,
            industry_code=industry,
            park_id=park_id,
        )
        out.print(f"organisation {org.id}: {org.kind} {org.name} ({org.region_code})")


@admin_app.command("create-user")
def admin_create_user(
    username: Annotated[str, typer.Argument()],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters"
        ),
    ],
    org_id: Annotated[int | None, typer.Option(help="Organisation to join")] = None,
    role: Annotated[
        str | None, typer.Option(help="manager, viewer, park_admin, authority or verifier")
    ] = None,
    is_admin: Annotated[bool, typer.Option("--admin", help="Platform administrator")] = False,
    display_name: Annotated[str, typer.Option()] = "",
    database: DatabaseOpt = None,
) -> None:
    """Create a user, optionally with a role in an organisation."""
    from greenmfg.store import admin
    from greenmfg.store.models import Organisation

    db = _open_db(database)
    with _admin_errors(), db.writing() as s:
        user = admin.create_user(
            s,
            _system(),
            username=username,
            password=password,
            display_name=display_name,
            is_admin=is_admin,
        )
        if org_id is not None or role is not None:
            org = s.get(Organisation, org_id) if org_id is not None else None
            if org is None or role is None:
                raise admin.AdminError(
                    "--org-id and --role go together, and the organisation must exist"
                )
            admin.grant(s, _system(), user, org, role)
        out.print(
            f"user {user.id}: {user.username}"
            + (f" ({role} of organisation {org_id})" if role else "")
        )


@admin_app.command("assign-verifier")
def admin_assign_verifier(
    verifier_id: Annotated[int, typer.Argument(help="Verification body's organisation id")],
    enterprise_id: Annotated[int, typer.Argument(help="Enterprise id")],
    database: DatabaseOpt = None,
) -> None:
    """Assign a verification body to an enterprise."""
    from greenmfg.store import admin
    from greenmfg.store.models import Organisation

    db = _open_db(database)
    with _admin_errors(), db.writing() as s:
        v, e = s.get(Organisation, verifier_id), s.get(Organisation, enterprise_id)
        if v is None or e is None:
            raise admin.AdminError("no such organisation")
        admin.assign_verifier(s, _system(), v, e)
    out.print(f"verifier {verifier_id} assigned to enterprise {enterprise_id}")


@admin_app.command("create-token")
def admin_create_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    days: Annotated[int, typer.Option(help="Valid for this many days")] = 90,
    database: DatabaseOpt = None,
) -> None:
    """Create a bearer token for USERNAME (printed once; only its hash is stored)."""
    from sqlalchemy import select

    from greenmfg.store import audit
    from greenmfg.store.auth import create_token
    from greenmfg.store.models import User

    db = _open_db(database)
    with db.writing() as s:
        user = s.scalars(select(User).where(User.username == username)).first()
        if user is None:
            err.print(f"[red]no user {username!r}[/red]")
            raise typer.Exit(2)
        row, secret = create_token(s, user, name, days)
        audit.append(
            s,
            actor_id=None,
            actor="system",
            action="token.create",
            entity="api_token",
            entity_id=row.id,
            payload={
                "user": username,
                "name": name,
                "prefix": row.prefix,
                "expires_at": row.expires_at,
            },
        )
    typer.echo(secret)


def _resolve_org(session: Any, ref: str) -> Any:
    """An organisation by id or by exact (Chinese or English) name; AdminError otherwise."""
    from sqlalchemy import or_, select

    from greenmfg.store.admin import AdminError
    from greenmfg.store.models import Organisation

    if ref.strip().isdigit():
        org = session.get(Organisation, int(ref))
        if org is None:
            raise AdminError(f"no organisation with id {ref}")
        return org
    found = session.scalars(
        select(Organisation).where(or_(Organisation.name == ref, Organisation.name_en == ref))
    ).all()
    if not found:
        raise AdminError(f"no organisation named {ref!r}")
    if len(found) > 1:
        ids = ", ".join(str(o.id) for o in found)
        raise AdminError(f"{len(found)} organisations are named {ref!r} (ids {ids}); give the id")
    return found[0]


@contextmanager
def _pact_errors() -> Iterator[None]:
    """Refusals of a PACT command (bad organisation, URL, connection; a partner's error):
    message, exit 2."""
    from greenmfg.io.pact_client import PactClientError
    from greenmfg.store.pact import PactStoreError

    with _admin_errors():
        try:
            yield
        except (PactStoreError, PactClientError) as e:
            err.print(f"[red]{e}[/red]", highlight=False)
            raise typer.Exit(2) from None


@pact_client_app.command("create")
def pact_client_create(
    org: Annotated[str, typer.Argument(help="Enterprise or park (id or exact name)")],
    name: Annotated[str, typer.Option(help="Who the credentials are for")] = "",
    database: DatabaseOpt = None,
) -> None:
    """Create PACT client credentials reading ORG's published footprints (a park: its
    enterprises'). The secret is printed once; only its hash is stored."""
    from greenmfg.store.pact import create_client

    db = _open_db(database)
    with _pact_errors(), db.writing() as s:
        target = _resolve_org(s, org)
        client_id, secret = create_client(s, target.id, name)
    typer.echo(f"client id: {client_id}")
    typer.echo(f"client secret: {secret}")


@pact_client_app.command("list")
def pact_client_list(database: DatabaseOpt = None) -> None:
    """List PACT clients (ids, data owner, revoked or not)."""
    from greenmfg.store.models import Organisation
    from greenmfg.store.pact import list_clients

    db = _open_db(database)
    tbl = Table()
    tbl.add_column("client id", no_wrap=True, min_width=29)  # whole, to be copied
    for c in ("name", "data owner", "created", "revoked"):
        tbl.add_column(c, overflow="fold")
    with db.reading() as s:
        for c in list_clients(s):
            org = s.get(Organisation, c.org_id)
            tbl.add_row(
                c.client_id,
                c.name,
                f"{org.name if org else '?'} ({c.org_id})",
                c.created_at,
                c.revoked_at or "",
            )
    out.print(tbl)


@pact_client_app.command("revoke")
def pact_client_revoke(
    client_id: Annotated[str, typer.Argument(help="The client id to revoke")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a PACT client; its access tokens stop working at once."""
    from greenmfg.store.pact import revoke_client

    db = _open_db(database)
    with _pact_errors(), db.writing() as s:
        revoke_client(s, client_id)
    out.print(f"revoked {client_id}")


@pact_app.command("connect")
def pact_connect(
    name: Annotated[str, typer.Argument(help="A name for the partner's server")],
    url: Annotated[str, typer.Option("--url", help="The partner's PACT API base URL")],
    client_id: Annotated[str, typer.Option("--client-id", help="Client id the partner issued")],
    client_secret: Annotated[
        str,
        typer.Option(
            "--client-secret",
            prompt=True,
            hide_input=True,
            help="Client secret the partner issued (asked for when omitted)",
        ),
    ],
    auth_url: Annotated[
        str | None,
        typer.Option("--auth-url", help="Base URL of its token endpoint, if not --url"),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option("--ca-bundle", exists=True, dir_okay=False, help="CA bundle (PEM) to trust"),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Store (or replace) the connection NAME to a partner's PACT server. The secret is kept
    encrypted (AES-256-GCM, key from GREENMFG_SECRET_KEY)."""
    from greenmfg.store.pact import save_connection

    db = _open_db(database)
    with _pact_errors(), db.writing() as s:
        conn = save_connection(
            s,
            name,
            url,
            client_id,
            client_secret,
            auth_base_url=auth_url,
            ca_bundle=str(ca_bundle.resolve()) if ca_bundle else None,
        )
        out.print(f"connection {conn.name}: {conn.base_url} (client {conn.client_id})")


class PactVersionOpt(StrEnum):
    v2 = "2"
    v3 = "3"


@pact_app.command("pull")
def pact_pull(
    connection: Annotated[str, typer.Argument(help="Connection name (see pact connect)")],
    into: Annotated[str, typer.Option("--into", help="Enterprise receiving them (id or name)")],
    version: Annotated[
        PactVersionOpt, typer.Option("--version", help="PACT API version to use")
    ] = PactVersionOpt.v3,
    database: DatabaseOpt = None,
) -> None:
    """Pull every footprint the partner shares into an enterprise (idempotent: footprints
    already held are left as they are)."""
    from rich.progress import BarColumn, Progress, TextColumn

    from greenmfg.io.pact_client import pull
    from greenmfg.store.pact import connection_secret, get_connection

    db = _open_db(database)
    with _pact_errors():
        with db.reading() as s:
            conn = get_connection(s, connection)
            secret = connection_secret(s, conn)
            enterprise = _resolve_org(s, into)
        with (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                console=err,
                transient=True,
            ) as progress,
            db.writing() as s,
        ):
            task = progress.add_task(f"pulling from {conn.name}", total=None)

            def step(stage: str, done: int, total: int | None) -> None:
                progress.update(
                    task, description=f"{stage} ({conn.name})", completed=done, total=total
                )

            result = pull(s, conn, enterprise.id, version.value, secret=secret, progress=step)
    out.print(
        f"{conn.name} (v{result.version}): {result.fetched} fetched, {result.new} new, "
        f"{result.unchanged} unchanged, {result.updated} status updated, "
        f"{len(result.skipped)} skipped, {len(result.invalid)} invalid"
    )
    for line in result.skipped + result.invalid:
        err.print(f"[yellow]{line}[/yellow]", highlight=False)


@pact_app.command("deliver")
def pact_deliver(database: DatabaseOpt = None) -> None:
    """Send again the answers to footprint requests that could not be delivered (last 72 h)."""
    from greenmfg.io.pact_client import retry_failed_answers

    db = _open_db(database)
    outcomes = retry_failed_answers(db.engine)
    for request_id, outcome in outcomes.items():
        out.print(f"request {request_id}: {outcome}")
    if not outcomes:
        out.print("nothing to deliver")


DEMO_FILE = "greenmfg-demo.db"


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to serve on")] = "127.0.0.1",
    database: Annotated[
        str, typer.Option("--database", help="SQLite file to (re)create in the current directory")
    ] = DEMO_FILE,
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after seeding")] = True,
) -> None:
    """Create a fresh demo database (an industrial park, ~30 enterprises, authorities, a verifier,
    three years of data) in the current directory and serve it."""
    from rich.progress import Progress

    from greenmfg.store.db import Database
    from greenmfg.store.migrate import upgrade
    from greenmfg.store.seed import seed_demo

    path = Path(database)
    if "://" in database:
        err.print("[red]--database takes a SQLite file name for the demo[/red]")
        raise typer.Exit(2)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    db = Database(url)
    upgrade(db.engine)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("seeding the demo park", total=None)

        def step(stage: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=f"seeding {stage}")

        ds = seed_demo(db, progress=step)
    tbl = Table(title=f"greenmfg demo: {path.resolve()}")
    for c in ("login", "password", "role"):
        tbl.add_column(c)
    shown = [
        u for u in ds.users if not u.username.startswith("ent") or u.username in ("ent01", "ent02")
    ]
    for u in shown:
        roles = (
            ", ".join(f"{r} of {ds.org(k).name}" for k, r in u.memberships)
            or "platform administrator"
        )
        tbl.add_row(u.username, u.password, roles)
    out.print(tbl)
    out.print(
        f"… and ent03 to ent{len(ds.enterprises):02d}, one manager per enterprise, same password."
    )
    if ds.pact_client is not None:
        # plain lines, so that scripts (and the PACT conformance tool's operator) can read them
        out.print(f"PACT client id: {ds.pact_client[0]}", markup=False, highlight=False)
        out.print(f"PACT client secret: {ds.pact_client[1]}", markup=False, highlight=False)
        out.print(f"PACT API: http://{host}:{port}/3/footprints (and /2/…)", markup=False)
    out.print(f"[bold]Open http://{host}:{port}/[/bold]  (API docs at http://{host}:{port}/docs)")
    if serve_:
        import uvicorn

        from greenmfg.api.app import create_app

        uvicorn.run(create_app(db=db), host=host, port=port, log_level="warning")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    database: DatabaseOpt = None,
    migrate: Annotated[bool, typer.Option(help="Migrate the schema before starting")] = True,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option("--ssl-certfile", help="TLS certificate chain (PEM); with --ssl-keyfile"),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None,
        typer.Option("--ssl-keyfile", help="TLS private key (PEM); with --ssl-certfile"),
    ] = None,
) -> None:
    """Run the production server (uvicorn) on the configured database."""
    import os

    import uvicorn

    from greenmfg.store.db import database_url

    if (ssl_certfile is None) != (ssl_keyfile is None):
        err.print("[red]--ssl-certfile and --ssl-keyfile go together: give both or neither[/red]")
        raise typer.Exit(2)
    for option, tls_file in (("--ssl-certfile", ssl_certfile), ("--ssl-keyfile", ssl_keyfile)):
        if tls_file is not None and not tls_file.is_file():
            err.print(f"[red]{option} {tls_file}: no such file[/red]")
            raise typer.Exit(2)
    url = database_url(database)
    if migrate:
        _open_db(url).dispose()
    os.environ["GREENMFG_DATABASE_URL"] = url  # the workers build their app from the environment
    uvicorn.run(
        "greenmfg.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
    )


def main() -> None:  # pragma: no cover
    app()


def _register_subcommands() -> None:
    """Command groups kept in their own modules (imported lazily by their commands)."""
    from greenmfg.analytics.synthetic_cli import synthetic_app
    from greenmfg.cli_analytics import analytics_app
    from greenmfg.cli_cbam import cbam_app
    from greenmfg.cli_footprint import footprint_app
    from greenmfg.meters_cli import meters_app

    app.add_typer(footprint_app, name="footprint")
    app.add_typer(cbam_app, name="cbam")
    app.add_typer(analytics_app, name="analytics")
    app.add_typer(synthetic_app, name="synthetic")
    app.add_typer(meters_app, name="meters")


_register_subcommands()


if __name__ == "__main__":  # pragma: no cover
    main()

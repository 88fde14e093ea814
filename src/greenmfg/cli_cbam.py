"""``greenmfg cbam``: EU CBAM embedded emissions of an installation's goods from the command line.

``greenmfg cbam template OUT.xlsx`` writes the blank installation workbook
(:func:`greenmfg.io.cbam_input.cbam_template_xlsx`); ``greenmfg cbam report FILE --year 2026``
reads it (or the JSON form), computes the specific embedded emissions of every good with the
shipped reference data (:func:`greenmfg.footprint.cbam.embedded_emissions` with
``reference/cbam_default_values.csv`` and ``cbam_goods.csv``; electricity factors from
``reference/electricity_factors.csv`` where the file asks for them), prints them (a table, or
JSON alone on stdout) and writes the workbook in the structure of the EU communication template
with ``--out``. Messages go to stderr; a file with mistakes exits with code 2 and every problem
located by file, sheet, row and field.

The app is mounted by ``greenmfg.cli`` as ``app.add_typer(cbam_app, name="cbam")``; this module
does not import ``greenmfg.cli`` (no import cycle).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from greenmfg.footprint.cbam import CbamResult, ElectricityFactor, GoodResult

__all__ = ["cbam_app", "cbam_result_to_dict"]

cbam_app = typer.Typer(
    help="EU CBAM: specific embedded emissions of an installation's goods and the communication "
    "template.",
    no_args_is_help=True,
)

err = Console(stderr=True)
out = Console()

T_PER_T = "tCO2e/t"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


@cbam_app.command("template")
def template(
    path: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
    lang: Annotated[Lang, typer.Option(help="Notes and Read-me: Chinese or English first.")] = (
        Lang.zh
    ),
) -> None:
    """Write a blank installation workbook to fill in for `greenmfg cbam report`."""
    from greenmfg.io.cbam_input import cbam_template_xlsx

    if path.suffix.lower() != ".xlsx":
        raise _fail(f"{path}: expected a file name ending in .xlsx")
    try:
        path.write_bytes(cbam_template_xlsx(lang.value))
    except OSError as exc:
        raise _fail(f"{path}: cannot write ({exc.strerror})", code=1) from None
    err.print(f"wrote {path}", highlight=False)


@cbam_app.command("report")
def report(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Installation workbook (.xlsx, from `greenmfg cbam template`) or JSON file.",
        ),
    ],
    year: Annotated[
        int,
        typer.Option(
            min=2000,
            max=2100,
            help="Production (reporting) year; selects the mark-up of default values.",
        ),
    ],
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the EU communication-template workbook (.xlsx)."),
    ] = None,
    lang: Annotated[Lang, typer.Option(help="Labels: Chinese or English first.")] = Lang.zh,
    markup: Annotated[
        bool,
        typer.Option(
            "--markup/--no-markup",
            help="Mark up default precursor values (IR 2025/2621 Annex I; greenmfg's "
            "conservative reading) or use them as printed.",
        ),
    ] = True,
    format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="table (Rich) or json (alone on stdout)."),
    ] = ReportFormat.table,
) -> None:
    """Compute the specific embedded emissions (SEE) of the goods of the installation in FILE."""
    from greenmfg.io.cbam_input import CbamInputError, read_cbam_input

    if out_path is not None and out_path.suffix.lower() != ".xlsx":
        raise _fail(f"--out {out_path}: expected a file name ending in .xlsx")
    try:
        with err.status(f"reading {file.name}…"):
            data = read_cbam_input(file)
            result = data.compute(year=year, apply_markup=markup)
    except CbamInputError as exc:
        raise _fail(str(exc)) from None
    if out_path is not None:
        from greenmfg.io.cbam_xlsx import write_cbam_workbook

        try:
            write_cbam_workbook(result, out_path, lang=lang.value)
        except OSError as exc:
            raise _fail(f"--out {out_path}: cannot write ({exc.strerror})", code=1) from None
        err.print(f"wrote {out_path}", highlight=False)
    if format is ReportFormat.json:
        doc = cbam_result_to_dict(result)
        doc["input"] = file.name
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    _print_result(result, lang.value)


# ---- output -------------------------------------------------------------------------------------
def _factor_dict(f: ElectricityFactor | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "value": f.value,
        "unit": "tCO2/MWh",
        "source_code": f.source_code,
        "source": f.source,
        "confidence": f.confidence,
        "note": f.note,
    }


def _good_dict(g: GoodResult) -> dict[str, Any]:
    p = g.process
    return {
        "process": p.id,
        "name": p.name,
        "category": p.category,
        "cn_codes": list(p.cn_codes),
        "cn_names": list(g.cn_names),
        "sector": g.sector,
        "annex_ii": g.annex_ii,
        "activity_level_t": p.activity_level_t,
        "attributed_direct_t": g.attributed_direct_t,
        "attributed_indirect_t": g.attributed_indirect_t,
        "precursor_direct_t": g.precursor_direct_t,
        "precursor_indirect_t": g.precursor_indirect_t,
        "se_direct": g.se_direct,
        "se_indirect": g.se_indirect,
        "see_direct": g.see_direct,
        "see_indirect": g.see_indirect,
        "see_total": g.see_total,
        "see_indirect_relevant": g.see_indirect_relevant,
        "see_relevant": g.see_relevant,
        "default_share": g.default_share,
        "embedded_electricity_mwh_per_t": g.embedded_electricity_mwh_per_t,
        "embedded_electricity_complete": g.embedded_electricity_complete,
        "electricity_mwh": p.electricity_mwh,
        "electricity_factor": _factor_dict(p.electricity_factor),
        "precursors": [
            {
                "precursor": x.precursor,
                "name": x.name,
                "kind": x.kind,
                "cn_codes": list(x.cn_codes),
                "country": x.country,
                "amount_t": x.amount_t,
                "mass_share": x.mass_share,
                "see_direct": x.see_direct,
                "see_indirect": x.see_indirect,
                "default_share": x.default_share,
            }
            for x in g.precursors
        ],
        "defaults_used": [d.precursor for d in g.defaults_used],
        "consumed_by": [{"process": pid, "amount_t": a} for pid, a in g.consumed_by],
    }


def cbam_result_to_dict(result: CbamResult) -> dict[str, Any]:
    """A :class:`CbamResult` as plain JSON data: every good (SEE in tCO2e/t, direct, indirect,
    total and CBAM-relevant, share of default values), every purchased precursor with the default
    value used and its source, the flags and the formulas with their clauses."""
    inst = result.installation
    purchased = []
    for pr in result.purchased:
        pp = pr.precursor
        d = pr.default
        purchased.append(
            {
                "id": pp.id,
                "name": pp.name,
                "cn_code": pp.cn_code,
                "country": pp.country,
                "determination": pp.determination,
                "sector": pr.sector,
                "annex_ii": pr.annex_ii,
                "see_direct": pr.see_direct,
                "see_indirect": pr.see_indirect,
                "see_total": pr.see_total,
                "consumed_by": [{"process": pid, "amount_t": a} for pid, a in pr.consumed_by],
                "default": None
                if d is None
                else {
                    "cn_code": d.row.cn_code,
                    "country": d.row.country,
                    "direct": d.row.direct,
                    "indirect": d.row.indirect,
                    "total": d.row.total,
                    "markup_percent": d.markup_percent,
                    "direct_used": d.direct_t_per_t,
                    "indirect_used": d.indirect_t_per_t,
                    "total_used": d.total_t_per_t,
                    "source": {
                        "document": d.row.source.document,
                        "edition": d.row.source.edition,
                        "clause": d.row.source.clause,
                        "confidence": d.row.source.confidence,
                        "file": "reference/cbam_default_values.csv",
                        "line": d.row.line,
                    },
                },
            }
        )
    return {
        "installation": inst.name,
        "name_en": inst.name_en,
        "country": inst.country,
        "year": result.year,
        "apply_markup": result.apply_markup,
        "unit": T_PER_T,
        "goods": [_good_dict(g) for g in result.goods],
        "purchased": purchased,
        "flags": list(result.flags),
        "formulas": [
            {"key": f.key, "formula": f.formula, "clause": f.clause} for f in result.formulas
        ],
        "solver": result.solver,
    }


def _label(lang: str, zh: str, en: str) -> str:
    return f"{zh} {en}" if lang == "zh" else f"{en} {zh}"


def _num(x: float, digits: int = 4) -> str:
    return f"{x:,.{digits}f}"


def _good_notes(g: GoodResult, flags: tuple[str, ...], lang: str) -> str:
    """Short notes of one good (in ``lang`` only, to keep the column narrow): Annex II, the
    default values it contains, incomplete embedded electricity, the flags naming it."""
    zh = lang == "zh"
    notes: list[str] = []
    if g.annex_ii:
        notes.append("附件II：仅计直接排放" if zh else "Annex II: direct only")
    if g.defaults_used:
        used = ", ".join(
            f"{d.precursor} +{d.markup_percent:g} %" if d.markup_percent else d.precursor
            for d in g.defaults_used
        )
        notes.append(("默认值 " if zh else "defaults ") + used)
    if not g.embedded_electricity_complete:
        notes.append("隐含电量不完整" if zh else "embedded electricity incomplete")
    named = [str(k) for k, f in enumerate(flags, start=1) if f"process {g.id!r}" in f]
    if named:
        notes.append(("提示 " if zh else "flag ") + ", ".join(named))
    return "; ".join(notes)


def _print_result(result: CbamResult, lang: str) -> None:
    def L(zh: str, en: str) -> str:
        return _label(lang, zh, en)

    inst = result.installation
    title = escape(
        f"{inst.name}{f' ({inst.name_en})' if inst.name_en else ''}, {inst.country}, "
        f"{result.year}: SEE [{T_PER_T}]"
        + ("" if result.apply_markup else ", " + L("默认值不加成", "no mark-up"))
    )
    t = Table(title=title)
    t.add_column(L("工艺", "process"), ratio=2, overflow="fold")
    t.add_column("CN", no_wrap=True, min_width=8)
    # two-line headers keep the number columns narrow; numbers never wrap
    for zh, en in (
        ("直接", "direct"),
        ("间接", "indirect"),
        ("CBAM相关", "relevant"),
        ("默认值占比", "defaults"),
    ):
        t.add_column(L(zh, en).replace(" ", "\n"), justify="right", no_wrap=True, min_width=6)
    t.add_column(L("说明", "notes"), ratio=3, overflow="fold")
    for g in result.goods:
        notes = _good_notes(g, result.flags, lang)
        for j, cn in enumerate(g.process.cn_codes):
            first = j == 0
            t.add_row(
                f"{g.id} {g.process.name}" if first else "",
                cn,
                _num(g.see_direct),
                _num(g.see_indirect),
                _num(g.see_relevant),
                f"{g.default_share:.1%}",
                notes if first else "",
            )
    out.print(t)
    if result.purchased:
        pt = Table(title=escape(L("外购前体", "Purchased precursors") + f" [{T_PER_T}]"))
        pt.add_column(L("前体", "precursor"), ratio=2, overflow="fold")
        pt.add_column("CN", no_wrap=True, min_width=8)
        pt.add_column(L("数据类型", "determination"), ratio=2, overflow="fold")
        for zh, en in (("直接", "direct"), ("间接", "indirect"), ("加成", "mark-up")):
            pt.add_column(L(zh, en).replace(" ", "\n"), justify="right", no_wrap=True, min_width=6)
        for pr in result.purchased:
            pp = pr.precursor
            d = pr.default
            how: str = pp.determination
            if d is not None:  # where the default value comes from, as the Sources sheet
                how += (
                    f" (CN {d.row.cn_code}, {d.row.source.confidence}, "
                    f"cbam_default_values.csv:{d.row.line})"
                )
            elif pp.supplier:
                how += f" ({pp.supplier})"
            pt.add_row(
                f"{pp.id} {pp.name}",
                pp.cn_code,
                how,
                _num(pr.see_direct),
                _num(pr.see_indirect),
                f"{d.markup_percent:g} %" if d is not None else "",
            )
        out.print(pt)
    out.print(f"[bold]{L('提示', 'Flags')}[/bold]" + (":" if result.flags else ": -"))
    for k, flag in enumerate(result.flags, start=1):
        out.print(f"[yellow]{k}.[/yellow] {escape(flag)}", highlight=False)

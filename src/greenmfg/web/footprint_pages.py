"""Product footprint pages: an enterprise's product systems, each product's footprint with its
hotspots, uncertainty range, data-quality ratings and supplier data share, the ISO 14067 report
(Excel and PDF), upload of a product system workbook and publication as a PACT footprint.

Figures come from :func:`greenmfg.store.footprints.product_report` (one
:class:`~greenmfg.footprint.report.FootprintReport`), so the page, the workbook and the PDF agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from greenmfg.api.deps import DbDep, OptionalPrincipal, OrgId, check_csrf
from greenmfg.footprint.inventory import SiteProcess
from greenmfg.footprint.report import PURCHASED_FLOW, FootprintReport
from greenmfg.footprint.system import Product
from greenmfg.io.product_system import (
    ProductSystemFileError,
    product_system_template_xlsx,
    read_product_system_bytes,
    write_product_system_xlsx,
)
from greenmfg.reference.loader import get_reference
from greenmfg.store import footprints as fp
from greenmfg.store.pact import PactStoreError
from greenmfg.store.queries import enterprise_years
from greenmfg.store.reports import XLSX
from greenmfg.store.scope import Access, Forbidden, require
from greenmfg.units import UnitError, conversion_factor
from greenmfg.web.charts import PALETTE
from greenmfg.web.i18n import N_, gettext, normalise
from greenmfg.web.labels import item_name
from greenmfg.web.routes import (
    download,
    flash,
    page,
    render,
    request_lang,
    see_other,
)

router = APIRouter(include_in_schema=False)
Gettext = Callable[[str], str]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ITERATIONS = 1000  # Monte Carlo draws on the product page and in its reports

ORIGIN_NAMES = {
    "process": N_("Own process"),
    "supplier": N_("Supplier data"),
    "database": N_("Database value"),
}
STAGE_NAMES = {"production": N_("Production (own)"), "upstream": N_("Upstream supply chain")}
DQR_NAMES = {
    "technological": N_("Technological"),
    "temporal": N_("Temporal"),
    "geographical": N_("Geographical"),
    "completeness": N_("Completeness"),
    "reliability": N_("Reliability"),
}
GWP_SETS = ("ar6", "ar5", "ar4")


# ------------------------------------------------------------------------------ charts


def hotspot_chart(report: FootprintReport, _: Gettext, top: int = 10) -> dict[str, Any]:
    """The ``top`` contributions by process or purchased input [kg CO2e per unit] as horizontal
    bars, coloured by data origin; the rest summed as one bar."""
    cols = list(report.columns)
    shown, rest = cols[:top], cols[top:]
    names = [f"{c.label}" for c in shown]
    data = [
        {
            "value": round(c.value, 6),
            "itemStyle": {"color": PALETTE[list(ORIGIN_NAMES).index(c.origin) % len(PALETTE)]},
        }
        for c in shown
    ]
    if rest:
        names.append(_("Others (%(n)s)") % {"n": len(rest)})
        data.append({"value": round(sum(c.value for c in rest), 6), "itemStyle": {"color": "#999"}})
    unit = f"kgCO2e/{report.unit}"
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 24, "top": 16, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "_unit": unit,
        "xAxis": {"type": "value", "name": unit},
        "yAxis": {
            "type": "category",
            "data": names[::-1],
            "axisLabel": {"width": 160, "overflow": "truncate"},
        },
        "series": [{"type": "bar", "name": unit, "data": data[::-1], "barMaxWidth": 28}],
    }


def gas_chart(report: FootprintReport, _: Gettext) -> dict[str, Any]:
    """Contribution by greenhouse gas (purchased footprints as one pre-characterised flow)."""
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "tooltip": {"trigger": "item", "confine": True},
        "_unit": f"kgCO2e/{report.unit}",
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "data": [
                    {
                        "name": _("Purchased footprints (CO2e)")
                        if g.gas == PURCHASED_FLOW
                        else g.gas,
                        "value": round(g.value, 6),
                    }
                    for g in report.gases
                    if g.value > 0
                ],
            }
        ],
    }


def origin_chart(report: FootprintReport, _: Gettext) -> dict[str, Any]:
    """Share of the footprint from own processes, supplier data and database values [%]."""
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "tooltip": {"trigger": "item", "confine": True},
        "_unit": "%",
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "data": [
                    {"name": _(ORIGIN_NAMES[k]), "value": round(100 * v, 2)}
                    for k, v in report.origin_shares.items()
                    if k in ORIGIN_NAMES and v > 0
                ],
            }
        ],
    }


# ------------------------------------------------------------------------------ pages


def _inventory_sites(s: Any, principal: Any, org_id: int) -> list[dict[str, Any]]:
    """Per year with a stored inventory (newest first): its sites, the products recorded that
    year (``(item, unit)``) and the product each site records itself, if any (the choices of the
    "build from inventory" form). A site without production, such as a quarry, may be assigned to
    the product it serves."""
    out = []
    for y in enterprise_years(s, principal, org_id)["years"]:
        summary = y.get("summary") or {}
        year = y["year"]
        made: dict[str, str] = {}
        products: dict[str, str] = {}
        for r in summary.get("intensities") or ():
            if int(r["year"]) == year:
                products.setdefault(str(r["product"]), str(r["unit"]))
                made.setdefault(str(r["site"]), str(r["product"]))
        sites = sorted(
            {str(r["site"]) for r in summary.get("by_site") or () if int(r["year"]) == year}
        )
        if products:
            out.append(
                {"year": year, "sites": sites, "products": list(products.items()), "made": made}
            )
    return out


def _mass_kg(unit: str) -> float | None:
    """Mass of one ``unit`` [kg] where it is a mass unit (t, kg …), else unknown."""
    try:
        return conversion_factor(unit, "kg")
    except UnitError:  # pieces, m2, 重量箱 …: no mass
        return None


def _systems_context(s: Any, principal: Any, org_id: int) -> dict[str, Any]:
    ref = get_reference()
    org = require(s, principal, org_id, Access.read)
    systems = []
    for row in fp.list_product_systems(s, principal, org_id):
        products: list[dict[str, Any]] = []
        problem = ""
        try:
            system = fp.load_system(row)
            result = fp.compute_record(ref, row, system)
        except ValueError as e:  # stored before the reference data changed under it
            problem = str(e)
        else:
            own = {o.product for p in system.processes for o in p.outputs}
            names = {p.id: p.name for p in system.products}
            for pid, r in result.results.items():
                if pid in own:
                    products.append(
                        {"id": pid, "name": names[pid], "value": r.value, "unit": r.unit}
                    )
        systems.append({"row": row, "products": products, "problem": problem})
    return {"org": org, "systems": systems}


@router.get("/enterprises/{org_id}/products")
@page()
def products_page(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId
) -> Response:
    assert principal is not None
    with db.reading() as s:
        ctx = _systems_context(s, principal, org_id)
        try:
            require(s, principal, org_id, Access.write)
            may_write = True
        except Forbidden:  # readers see no upload form
            may_write = False
        inventory = _inventory_sites(s, principal, org_id) if may_write else []
    return render(
        request,
        "footprint_products.html",
        principal=principal,
        may_write=may_write,
        gwp_sets=GWP_SETS,
        inventory=inventory,
        item_name=lambda code: item_name(code, request_lang(request)),
        **ctx,
    )


@router.post("/enterprises/{org_id}/products/from-inventory")
@page()
async def from_inventory(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId
) -> Response:
    """Build and store a product system whose own processes are the sites of the stored
    inventory of a year: form fields ``year``, ``name``, ``region`` and, per site, ``site.<code>``
    = the product it makes (blank: leave the site out). Grid electricity gets the reference
    footprint of ``region``."""
    assert principal is not None
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    return await run_in_threadpool(_from_inventory, request, principal, db, org_id, form)


def _from_inventory(request: Request, principal: Any, db: Any, org_id: int, form: Any) -> Response:
    back = f"/enterprises/{org_id}/products"
    year_text = str(form.get("year") or "")
    if not year_text.isdigit():
        flash(request, "error", N_("Choose a year."))
        return see_other(back)
    year = int(year_text)
    chosen = {  # site -> "product|unit"
        str(k)[5:]: str(v) for k, v in form.multi_items() if str(k).startswith("site.") and v
    }
    if not chosen:
        flash(request, "error", N_("Choose the product of at least one site."))
        return see_other(back)
    lang = request_lang(request)
    by_product: dict[tuple[str, str], list[str]] = {}
    for site, choice in chosen.items():
        product, _, unit = choice.partition("|")
        by_product.setdefault((product, unit or "t"), []).append(site)
    processes = [
        SiteProcess(f"{product}@{'+'.join(sites)}", "+".join(sites), product, tuple(sites))
        for (product, _unit), sites in by_product.items()
    ]
    products = [Product(p, item_name(p, lang) or p, unit, _mass_kg(unit)) for p, unit in by_product]
    name = str(form.get("name") or "").strip() or f"inventory {year}"
    try:
        with db.writing() as s:
            ref = get_reference()
            system = fp.system_from_inventory(
                s,
                ref,
                principal,
                org_id,
                year,
                processes,
                products=products,
                region=str(form.get("region") or "CN"),
            )
            row = fp.save_product_system(s, ref, principal, org_id, name, system, year=year)
            target = f"{back}/{row.id}"
    except (fp.FootprintStoreError, ValueError) as e:
        flash(request, "error", str(e), translate=False)
        return see_other(back)
    flash(request, "success", N_("Product system saved."))
    return see_other(target)


@router.get("/enterprises/{org_id}/products/template.xlsx")
@page()
def template_xlsx(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId
) -> Response:
    assert principal is not None
    with db.reading() as s:
        require(s, principal, org_id, Access.read)
    lang = request_lang(request)
    return download(product_system_template_xlsx(lang), "product-system-template.xlsx", XLSX)


@router.post("/enterprises/{org_id}/products")
@page()
def upload_system(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    file: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    year: Annotated[str, Form(max_length=8)] = "",
    gwp_set: Annotated[str, Form(max_length=8)] = "ar6",
    description: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Store an uploaded product-system workbook (or JSON); a new version under an existing
    name. Errors (file, sheet, row, field) are shown on the page and nothing is stored."""
    assert principal is not None
    check_csrf(request, csrf_token)
    _ = gettext(request_lang(request))
    back = f"/enterprises/{org_id}/products"
    filename = (file.filename or "") if file is not None else ""
    if file is None or not filename:
        flash(request, "error", N_("Choose a file to upload."))
        return see_other(back)
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        flash(request, "error", N_("The file is larger than 10 MB."))
        return see_other(back)
    if gwp_set not in GWP_SETS:
        flash(request, "error", N_("Unknown GWP set."))
        return see_other(back)
    try:
        system = read_product_system_bytes(data, filename)
        with db.writing() as s:
            row = fp.save_product_system(
                s,
                get_reference(),
                principal,
                org_id,
                name.strip() or filename.rsplit(".", 1)[0],
                system,
                year=int(year) if year.strip().isdigit() else None,
                gwp_set=gwp_set,
                description=description,
            )
            target = f"{back}/{row.id}"
    except (ProductSystemFileError, fp.FootprintStoreError) as e:
        flash(request, "error", str(e), translate=False)
        return see_other(back)
    flash(request, "success", N_("Product system saved."))
    return see_other(target)


@router.get("/enterprises/{org_id}/products/{system_id}/system.xlsx")
@page()
def system_xlsx(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId, system_id: int
) -> Response:
    """The stored definition as the upload workbook (to edit and upload again)."""
    assert principal is not None
    import io

    with db.reading() as s:
        row = fp.get_product_system(s, principal, org_id, system_id)
        system = fp.load_system(row)
        name = row.name
    buf = io.BytesIO()
    write_product_system_xlsx(system, buf, request_lang(request))
    return download(buf.getvalue(), f"{name}.xlsx", XLSX)


@router.get("/enterprises/{org_id}/products/{system_id}")
@page()
def system_page(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId, system_id: int
) -> Response:
    assert principal is not None
    ref = get_reference()
    with db.reading() as s:
        row = fp.get_product_system(s, principal, org_id, system_id)
        org = require(s, principal, org_id, Access.read)
        system = fp.load_system(row)
        result = fp.compute_record(ref, row, system)
    names = {p.id: p.name for p in system.products}
    products = [
        {
            "id": pid,
            "name": names[pid],
            "value": r.value,
            "unit": r.unit,
            "origin": r.origin,
            "source": r.source,
        }
        for pid, r in result.results.items()
    ]
    products.sort(key=lambda p: (p["origin"] != "process", p["name"]))
    return render(
        request,
        "footprint_system.html",
        principal=principal,
        org=org,
        row=row,
        system=system,
        products=products,
        origin_names=ORIGIN_NAMES,
        solution=result.solution,
        superseded=result.matrices.superseded,
        excluded=result.matrices.excluded,
    )


def _report(
    db: Any, principal: Any, org_id: int, system_id: int, product: str
) -> tuple[FootprintReport, Any]:
    with db.reading() as s:
        report = fp.product_report(
            s, get_reference(), principal, org_id, system_id, product, iterations=ITERATIONS
        )
        org = require(s, principal, org_id, Access.read)
    return report, org


@router.get("/enterprises/{org_id}/products/{system_id}/{product}")
@page()
def product_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    system_id: int,
    product: str,
) -> Response:
    assert principal is not None
    _ = gettext(request_lang(request))
    report, org = _report(db, principal, org_id, system_id, product)
    with db.reading() as s:
        published = fp.published_footprints(s, principal, org_id, system_id, product)
        try:
            require(s, principal, org_id, Access.write)
            may_write = True
        except Forbidden:  # readers see no publish form
            may_write = False
    return render(
        request,
        "footprint_product.html",
        principal=principal,
        org=org,
        r=report,
        system_id=system_id,
        chart_hotspots=hotspot_chart(report, _),
        chart_gases=gas_chart(report, _),
        chart_origin=origin_chart(report, _),
        origin_names=ORIGIN_NAMES,
        stage_names=STAGE_NAMES,
        dqr_names=DQR_NAMES,
        published=published,
        may_write=may_write,
    )


@router.get("/enterprises/{org_id}/products/{system_id}/{product}/report.{fmt}")
@page()
def product_report_file(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    system_id: int,
    product: str,
    fmt: Literal["xlsx", "pdf"],
) -> Response:
    """The ISO 14067 report of the product as Excel or PDF (``?lang=zh|en``; 503 for a PDF
    without WeasyPrint)."""
    from greenmfg.io.footprint_report import footprint_report_pdf, write_footprint_report_xlsx
    from greenmfg.io.pdf import PdfUnavailable

    assert principal is not None
    report, _org = _report(db, principal, org_id, system_id, product)
    lang = normalise(request.query_params.get("lang") or request_lang(request))
    if fmt == "xlsx":
        return download(
            write_footprint_report_xlsx(report, lang), f"footprint-{product}.xlsx", XLSX
        )
    try:
        data = footprint_report_pdf(report, lang)
    except PdfUnavailable as exc:
        return Response(str(exc), status_code=503, media_type="text/plain")
    return download(data, f"footprint-{product}.pdf", "application/pdf")


@router.post("/enterprises/{org_id}/products/{system_id}/{product}/publish")
@page()
def publish(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    system_id: int,
    product: str,
    product_id: Annotated[str, Form(max_length=500)] = "",
    classification: Annotated[str, Form(max_length=500)] = "",
    subdivision: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Publish the product's footprint as a PACT v3 footprint (readable by the enterprise's PACT
    clients at ``/3/footprints``)."""
    assert principal is not None
    check_csrf(request, csrf_token)
    back = f"/enterprises/{org_id}/products/{system_id}/{product}"
    try:
        with db.writing() as s:
            pf = fp.publish_product_footprint(
                s,
                get_reference(),
                principal,
                org_id,
                system_id,
                product,
                product_ids=[p.strip() for p in product_id.split(",") if p.strip()],
                classifications=[c.strip() for c in classification.split(",") if c.strip()],
                subdivision=subdivision.strip() or None,
            )
            pf_id = pf.id
    except (fp.FootprintStoreError, PactStoreError, ValueError) as e:
        flash(request, "error", str(e), translate=False)
        return see_other(back)
    _ = gettext(request_lang(request))
    flash(
        request,
        "success",
        _("Published as PACT footprint %(id)s.") % {"id": pf_id},
        translate=False,
    )
    return see_other(back)

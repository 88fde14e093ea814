"""``/orgs/{org_id}/product-systems``: an enterprise's product systems (ISO 14067 product models),
the footprints of all their products, one product's report (contributions, data quality,
uncertainty), systems fed from the stored inventory, and publication as PACT footprints.

Bodies carry product systems in the JSON format of :mod:`greenmfg.io.product_system`
(``"format": "greenmfg.product-system/1"``); a system that does not compute is refused (422) and
nothing is stored.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from greenmfg.api.deps import DbDep, OrgId, PrincipalDep, RefDep
from greenmfg.footprint.inventory import SiteProcess
from greenmfg.footprint.report import FootprintReport
from greenmfg.footprint.system import Input, ProductSystemError
from greenmfg.io.product_system import (
    ProductSystemFileError,
    product_system_from_dict,
    product_system_to_dict,
)
from greenmfg.store import footprints as fp
from greenmfg.store.models import ProductSystemRecord
from greenmfg.store.pact import PactStoreError

router = APIRouter(tags=["footprints"])


class SystemSave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    year: int | None = Field(None, ge=1900, le=2100, description="reference year of the data")
    gwp_set: Literal["ar6", "ar5", "ar4"] = "ar6"
    description: str = Field("", max_length=2000)
    system: dict[str, Any] = Field(description="greenmfg.product-system/1 JSON")


class SiteProcessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    process_id: str = Field(min_length=1, max_length=100)
    name: str = Field("", max_length=200)
    product: str = Field(min_length=1, max_length=100, description="production item of the sites")
    sites: list[str] = Field(min_length=1, description="site codes of the inventory")
    inputs: list[dict[str, Any]] = Field(
        default_factory=list, description="extra inputs: {product, amount, unit, gsd}"
    )
    dqr: dict[str, float] = Field(default_factory=dict)


class FromInventory(BaseModel):
    """Own processes from the stored inventory of ``year``; ``products`` and ``purchased`` as in
    the product-system JSON (the grid electricity footprint is added when not given)."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1900, le=2100)
    processes: list[SiteProcessIn] = Field(min_length=1)
    products: list[dict[str, Any]] = Field(min_length=1)
    purchased: list[dict[str, Any]] = Field(default_factory=list)
    region: str = Field("CN", max_length=32, description="grid region or province code")
    method: Literal["iso14064", "gbt32150", "ghgp"] = "iso14064"
    allocation: Literal["mass", "economic", "physical"] = "mass"
    cutoff: float = Field(0.0, ge=0, lt=1)
    save_as: str | None = Field(None, max_length=200, description="store under this name")
    gwp_set: Literal["ar6", "ar5", "ar4"] = "ar6"


class Publish(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] = Field(min_length=1, description="product URNs")
    company_ids: list[str] = Field(default_factory=list)
    classifications: list[str] = Field(min_length=1, description="classification URNs")
    subdivision: str | None = Field(None, max_length=16, description="ISO 3166-2, e.g. CN-JS")
    description: str = Field("", max_length=2000)


def _summary(row: ProductSystemRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "org_id": row.org_id,
        "name": row.name,
        "description": row.description,
        "year": row.year,
        "gwp_set": row.gwp_set,
        "version": row.version,
        "digest": row.digest,
        "updated_at": row.updated_at,
    }


def report_json(r: FootprintReport) -> dict[str, Any]:
    """A footprint report as JSON (every figure of the Excel and PDF reports)."""
    out = asdict(r)
    out["generated"] = r.generated.isoformat()
    out["primary_share_percent"] = r.primary_share_percent
    out["quality"]["pact"] = r.quality.pact()
    return out


def _unprocessable(e: Exception) -> HTTPException:
    return HTTPException(422, str(e))


@router.get("/orgs/{org_id}/product-systems")
def list_systems(org_id: OrgId, principal: PrincipalDep, db: DbDep) -> list[dict[str, Any]]:
    with db.reading() as s:
        return [_summary(r) for r in fp.list_product_systems(s, principal, org_id)]


@router.post("/orgs/{org_id}/product-systems", status_code=201)
def save_system(
    org_id: OrgId, body: SystemSave, principal: PrincipalDep, db: DbDep, ref: RefDep
) -> dict[str, Any]:
    try:
        system = product_system_from_dict(body.system, file="request body, system")
        with db.writing() as s:
            row = fp.save_product_system(
                s,
                ref,
                principal,
                org_id,
                body.name,
                system,
                year=body.year,
                gwp_set=body.gwp_set,
                description=body.description,
            )
            return _summary(row)
    except (ProductSystemFileError, fp.FootprintStoreError) as e:
        raise _unprocessable(e) from e


@router.post("/orgs/{org_id}/product-systems/from-inventory")
def from_inventory(
    org_id: OrgId, body: FromInventory, principal: PrincipalDep, db: DbDep, ref: RefDep
) -> dict[str, Any]:
    """Build (and with ``save_as`` store) a system whose own processes come from the inventory;
    returns the system JSON and the footprints of its products."""
    try:
        head = product_system_from_dict(
            {
                "format": "greenmfg.product-system/1",
                "allocation": body.allocation,
                "cutoff": body.cutoff,
                "products": body.products,
                "processes": [],
                "purchased": body.purchased,
            },
            file="request body",
        )
        procs = [
            SiteProcess(
                p.process_id,
                p.name or p.process_id,
                p.product,
                tuple(p.sites),
                tuple(
                    Input(
                        str(i["product"]),
                        float(i["amount"]),
                        str(i["unit"]),
                        float(i.get("gsd", 1)),
                    )
                    for i in p.inputs
                ),
                p.dqr or None,
            )
            for p in body.processes
        ]
        with db.writing() as s:
            system = fp.system_from_inventory(
                s,
                ref,
                principal,
                org_id,
                body.year,
                procs,
                products=head.products,
                purchased=head.purchased,
                region=body.region,
                method=body.method,
                allocation=body.allocation,
                cutoff=body.cutoff,
            )
            saved = None
            if body.save_as:
                saved = _summary(
                    fp.save_product_system(
                        s,
                        ref,
                        principal,
                        org_id,
                        body.save_as,
                        system,
                        year=body.year,
                        gwp_set=body.gwp_set,
                    )
                )
        from greenmfg.footprint.system import compute, gwp_table

        result = compute(system, gwp_table(ref.gwp, body.gwp_set), body.gwp_set)
    except (ProductSystemFileError, fp.FootprintStoreError, ProductSystemError) as e:
        raise _unprocessable(e) from e
    except (KeyError, TypeError, ValueError) as e:
        raise HTTPException(422, f"processes[].inputs: {e}") from e
    return {
        "system": product_system_to_dict(system),
        "footprints": {k: {"value": r.value, "unit": r.unit} for k, r in result.results.items()},
        "saved": saved,
    }


@router.get("/orgs/{org_id}/product-systems/{system_id}")
def get_system(
    org_id: OrgId, system_id: int, principal: PrincipalDep, db: DbDep, ref: RefDep
) -> dict[str, Any]:
    """The stored definition and the footprint of every product [kg CO2e per unit]."""
    with db.reading() as s:
        row = fp.get_product_system(s, principal, org_id, system_id)
        out = _summary(row)
        out["system"] = row.definition
        try:
            result = fp.compute_record(ref, row)
        except fp.FootprintStoreError as e:
            raise _unprocessable(e) from e
    out["footprints"] = {
        k: {"value": r.value, "unit": r.unit, "origin": r.origin, "source": r.source}
        for k, r in result.results.items()
    }
    out["solver"] = {
        "method": result.solution.method,
        "backward_error": result.solution.backward_error,
    }
    return out


@router.delete("/orgs/{org_id}/product-systems/{system_id}", status_code=204)
def delete_system(org_id: OrgId, system_id: int, principal: PrincipalDep, db: DbDep) -> None:
    with db.writing() as s:
        fp.delete_product_system(s, principal, org_id, system_id)


@router.get("/orgs/{org_id}/product-systems/{system_id}/products/{product}")
def product_report(
    org_id: OrgId,
    system_id: int,
    product: str,
    principal: PrincipalDep,
    db: DbDep,
    ref: RefDep,
    iterations: int = Query(1000, ge=0, le=100_000, description="Monte Carlo draws"),
    seed: int = Query(0, ge=0, le=2**31 - 1),
) -> dict[str, Any]:
    """One product's report: contributions by process, stage, gas and path, origin shares, data
    quality, uncertainty range, exclusions and replaced values."""
    with db.reading() as s:
        try:
            r = fp.product_report(
                s, ref, principal, org_id, system_id, product, iterations=iterations, seed=seed
            )
        except fp.FootprintStoreError as e:
            raise _unprocessable(e) from e
    return report_json(r)


@router.post(
    "/orgs/{org_id}/product-systems/{system_id}/products/{product}/publish", status_code=201
)
def publish(
    org_id: OrgId,
    system_id: int,
    product: str,
    body: Publish,
    principal: PrincipalDep,
    db: DbDep,
    ref: RefDep,
) -> dict[str, Any]:
    """Publish the product's footprint as a PACT v3 footprint of the enterprise; returns it."""
    try:
        with db.writing() as s:
            pf = fp.publish_product_footprint(
                s,
                ref,
                principal,
                org_id,
                system_id,
                product,
                product_ids=body.product_ids,
                company_ids=body.company_ids,
                classifications=body.classifications,
                subdivision=body.subdivision,
                description=body.description,
            )
            return dict(pf.document)
    except fp.FootprintStoreError as e:
        raise HTTPException(409 if "already published" in str(e) else 422, str(e)) from e
    except (PactStoreError, ValueError) as e:
        raise _unprocessable(e) from e

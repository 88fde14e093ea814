"""Product systems on the platform: stored per enterprise, fed from its inventory, computed into
footprint reports and published as PACT footprints.

Reads go through :func:`greenmfg.store.scope.require` (readers of the enterprise, and the
authorities whose scope includes it, may read); saving, deleting and publishing need write access
and are audited. A product system is stored as the JSON of
:func:`greenmfg.io.product_system.product_system_to_dict` and checked by computing it before it is
saved, so a stored system always computes.

Results are not stored: computing all products of a system is one sparse solve (milliseconds), so
every page and report recomputes from the stored definition and the reference data of the running
release, and the report echoes both.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg import __version__
from greenmfg.footprint.declaration import DeclarationError
from greenmfg.footprint.declare import DeclarationInput, declaration_from_report
from greenmfg.footprint.inventory import ELECTRICITY, HEAT, SiteProcess, processes_from_inventory
from greenmfg.footprint.report import FootprintReport, footprint_report
from greenmfg.footprint.system import (
    Allocation,
    Product,
    ProductSystem,
    ProductSystemError,
    PurchasedFootprint,
    SystemResult,
    compute,
    gwp_table,
)
from greenmfg.io.pact import declaration_to_pact
from greenmfg.io.product_system import product_system_from_dict, product_system_to_dict
from greenmfg.reference.footprints import product_footprint
from greenmfg.reference.model import ReferenceData
from greenmfg.store import audit
from greenmfg.store.models import Organisation, ProductFootprint, ProductSystemRecord, utcnow
from greenmfg.store.pact import publish_footprint
from greenmfg.store.queries import stored_inventory
from greenmfg.store.scope import Access, NotFound, Principal, require

__all__ = [
    "FootprintStoreError",
    "compute_record",
    "delete_product_system",
    "get_product_system",
    "list_product_systems",
    "load_system",
    "product_report",
    "publish_product_footprint",
    "published_footprints",
    "save_product_system",
    "system_from_inventory",
]

GRID_FOOTPRINT = "electricity_grid_footprint"
NAMESPACE = uuid.UUID("0b6c2f3e-43a8-4b9e-9f1d-5c8e7a2d9b41")  # footprint ids per system version


class FootprintStoreError(ValueError):
    """A product system or publication that cannot be stored as given (HTTP 422)."""


def _digest(definition: dict[str, Any]) -> str:
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _check(ref: ReferenceData, system: ProductSystem, gwp_set: str) -> SystemResult:
    try:
        return compute(system, gwp_table(ref.gwp, gwp_set), gwp_set)
    except ProductSystemError as e:
        raise FootprintStoreError(str(e)) from None


# ------------------------------------------------------------------------------ writes


def save_product_system(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    name: str,
    system: ProductSystem,
    *,
    year: int | None = None,
    gwp_set: str = "ar6",
    description: str = "",
) -> ProductSystemRecord:
    """Store ``system`` under ``name`` (a new version when the name exists) after computing it;
    audited with the definition's SHA-256."""
    org = require(session, principal, org_id, Access.write)
    name = name.strip()
    if not name or len(name) > 200:
        raise FootprintStoreError("name: 1 to 200 characters")
    if year is not None and not 1900 <= year <= 2100:
        raise FootprintStoreError("year: a four-digit year")
    _check(ref, system, gwp_set)
    definition = product_system_to_dict(system)
    try:  # what is stored must load again
        product_system_from_dict(definition, file=name)
    except ValueError as e:
        raise FootprintStoreError(str(e)) from None
    digest = _digest(definition)
    row = session.scalars(
        select(ProductSystemRecord).where(
            ProductSystemRecord.org_id == org.id, ProductSystemRecord.name == name
        )
    ).first()
    old = None
    user = principal.user_id or None
    if row is None:
        row = ProductSystemRecord(
            org_id=org.id,
            name=name,
            description=description,
            year=year,
            gwp_set=gwp_set,
            definition=definition,
            digest=digest,
            version=1,
            created_by=user,
            updated_by=user,
        )
        session.add(row)
    else:
        old = row.digest
        row.description = description or row.description
        row.year = year
        row.gwp_set = gwp_set
        row.definition = definition
        row.digest = digest
        row.version += 1
        row.updated_at = utcnow()
        row.updated_by = user
    session.flush()
    audit.append(
        session,
        actor_id=user,
        actor=principal.username,
        action="product_system.save",
        entity="product_system",
        entity_id=row.id,
        org_id=org.id,
        payload={"name": name, "version": row.version, "digest": digest, "previous": old},
    )
    return row


def delete_product_system(
    session: Session, principal: Principal, org_id: int, system_id: int
) -> None:
    """Delete a stored product system (its published footprints stay published)."""
    row = get_product_system(session, principal, org_id, system_id, Access.write)
    audit.append(
        session,
        actor_id=principal.user_id or None,
        actor=principal.username,
        action="product_system.delete",
        entity="product_system",
        entity_id=row.id,
        org_id=row.org_id,
        payload={"name": row.name, "version": row.version, "digest": row.digest},
    )
    session.delete(row)
    session.flush()


# ------------------------------------------------------------------------------ reads


def list_product_systems(
    session: Session, principal: Principal, org_id: int
) -> list[ProductSystemRecord]:
    org = require(session, principal, org_id, Access.read)
    return list(
        session.scalars(
            select(ProductSystemRecord)
            .where(ProductSystemRecord.org_id == org.id)
            .order_by(ProductSystemRecord.name)
        )
    )


def get_product_system(
    session: Session,
    principal: Principal,
    org_id: int,
    system_id: int,
    access: Access = Access.read,
) -> ProductSystemRecord:
    org = require(session, principal, org_id, access)
    row = session.get(ProductSystemRecord, system_id)
    if row is None or row.org_id != org.id:
        raise NotFound(f"product system {system_id} not found")
    return row


def load_system(row: ProductSystemRecord) -> ProductSystem:
    """The stored definition as a :class:`ProductSystem`."""
    return product_system_from_dict(row.definition, file=f"product system {row.id}")


def compute_record(
    ref: ReferenceData, row: ProductSystemRecord, system: ProductSystem | None = None
) -> SystemResult:
    """Footprints of every product of a stored system (``system``: its definition, if the
    caller has loaded it already)."""
    return _check(ref, system or load_system(row), row.gwp_set)


def product_report(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    system_id: int,
    product: str,
    *,
    iterations: int = 1000,
    seed: int = 0,
) -> FootprintReport:
    """The ISO 14067 report of one product of a stored system (with ``iterations`` Monte Carlo
    draws for its uncertainty range)."""
    row = get_product_system(session, principal, org_id, system_id)
    org = session.get(Organisation, row.org_id)
    system = load_system(row)
    result = _check(ref, system, row.gwp_set)
    if product not in result.matrices.products:
        raise NotFound(f"product {product!r} is not in product system {row.name!r}")
    return footprint_report(
        system,
        result,
        product,
        organisation=org.name if org else "",
        system_name=f"{row.name} (v{row.version})",
        year=row.year,
        iterations=iterations,
        seed=seed,
        reference_edition=ref.edition,
        engine_version=__version__,
    )


# ------------------------------------------------------------------------------ inventory feed


def system_from_inventory(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    year: int,
    processes: Sequence[SiteProcess],
    *,
    products: Sequence[Product],
    purchased: Sequence[PurchasedFootprint] = (),
    region: str = "CN",
    method: str = "iso14064",
    allocation: Allocation = "mass",
    cutoff: float = 0.0,
) -> ProductSystem:
    """A product system whose own processes come from the enterprise's stored inventory of
    ``year`` (:func:`greenmfg.footprint.inventory.processes_from_inventory`).

    Bought electricity gets the grid's carbon-footprint factor of the reference data for
    ``region`` and ``year`` (falling back as :func:`product_footprint` does) unless ``purchased``
    gives one; bought heat needs a footprint in ``purchased`` (the reference data holds none).
    """
    inv, _ = stored_inventory(session, principal, org_id, year, method=method)
    try:
        own = processes_from_inventory(
            inv.summary, processes, year=year, source=f"inventory {year}"
        )
    except ProductSystemError as e:
        raise FootprintStoreError(str(e)) from None
    ids = {p.id for p in products}
    extra: list[Product] = list(products)
    given = {pf.product for pf in purchased}
    bought: list[PurchasedFootprint] = list(purchased)
    uses = {i.product for p in own for i in p.inputs}
    if ELECTRICITY in uses:
        if ELECTRICITY not in ids:
            extra.append(Product(ELECTRICITY, "电网电力 grid electricity", "kWh"))
        if ELECTRICITY not in given:
            grid = product_footprint(GRID_FOOTPRINT, region, year, ref=ref)
            bought.append(
                PurchasedFootprint(
                    ELECTRICITY,
                    grid.value_in("kgCO2e/kWh"),
                    "kWh",
                    "database",
                    f"product_footprints/{grid.dataset}/{grid.product_id}/{grid.geography}/"
                    f"{grid.reference_year}",
                    confidence=grid.source.confidence,
                )
            )
    if HEAT in uses:
        if HEAT not in ids:
            extra.append(Product(HEAT, "外购热力 purchased heat", "GJ"))
        if HEAT not in given:
            raise FootprintStoreError(
                "the inventory records bought heat, and the reference data holds no footprint "
                "for heat: give the heat supplier's footprint (kg CO2e per GJ) as a purchased "
                "footprint"
            )
    return ProductSystem(
        products=tuple(extra),
        processes=own,
        purchased=tuple(bought),
        allocation=allocation,
        cutoff=cutoff,
    )


# ------------------------------------------------------------------------------ publication


def _footprint_id(row: ProductSystemRecord, version: int, product: str) -> str:
    """The PACT id of ``product`` published from version ``version`` of a stored system."""
    return str(uuid.uuid5(NAMESPACE, f"{row.org_id}/{row.id}/{version}/{product}"))


def published_footprints(
    session: Session, principal: Principal, org_id: int, system_id: int, product: str
) -> list[ProductFootprint]:
    """The footprints of ``product`` published from any version of the system, newest first."""
    row = get_product_system(session, principal, org_id, system_id)
    found = (
        session.get(ProductFootprint, _footprint_id(row, v, product))
        for v in range(row.version, 0, -1)
    )
    return [pf for pf in found if pf is not None]


def publish_product_footprint(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    system_id: int,
    product: str,
    *,
    product_ids: Sequence[str],
    company_ids: Sequence[str] = (),
    classifications: Sequence[str] = (),
    subdivision: str | None = None,
    country: str | None = "CN",
    description: str = "",
) -> ProductFootprint:
    """Publish one product's footprint as a PACT v3 ProductFootprint of the enterprise.

    The footprint id is derived from the system, its version and the product, so publishing the
    same version twice is refused rather than duplicated; a later version lists the footprints of
    the earlier ones in ``precedingPfIds``.
    """
    row = get_product_system(session, principal, org_id, system_id, Access.write)
    org = session.get(Organisation, row.org_id)
    assert org is not None
    report = product_report(session, ref, principal, org_id, system_id, product, iterations=0)
    if not product_ids:
        raise FootprintStoreError("product_ids: at least one product URN (e.g. urn:gtin:...)")
    pf_id = _footprint_id(row, row.version, product)
    if session.get(ProductFootprint, pf_id) is not None:
        raise FootprintStoreError(
            f"{product} of {row.name!r} version {row.version} is already published ({pf_id})"
        )
    # earlier versions' footprints, oldest first (this version's is not published yet)
    preceding = tuple(
        pf.id
        for pf in reversed(published_footprints(session, principal, org_id, system_id, product))
    )
    info = DeclarationInput(
        pf_id=pf_id,
        company_name=org.name,
        company_ids=tuple(company_ids) or (f"urn:greenmfg:company:{org.id}",),
        product_ids=tuple(product_ids),
        classifications=tuple(classifications),
        description=description,
        country=None if subdivision else country,
        subdivision=subdivision,
        created=datetime.now(UTC),
        preceding_pf_ids=preceding,
    )
    try:
        decl = declaration_from_report(report, info)
    except DeclarationError as e:
        raise FootprintStoreError("; ".join(e.problems)) from None
    return publish_footprint(
        session,
        row.org_id,
        declaration_to_pact(decl, "3"),
        origin="computed",
        origin_detail=f"product system {row.name} v{row.version}",
        actor=principal,
    )

"""Activity data in the store: imports, corrections as new versions, and stored inventories.

A period's activity records are never edited in place. An import or a correction writes a new
:class:`ActivityVersion` (with its reason), recomputes the inventories from it, and appends to
the audit chain, all in the caller's transaction: a file with any problem writes nothing.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg import __version__
from greenmfg.accounting.activities import ActivityTable
from greenmfg.accounting.engine import AccountingOptions, compute_inventory
from greenmfg.accounting.inventory import Inventory
from greenmfg.accounting.validate import ActivityError, Problem, validate_activities
from greenmfg.io.activities import ActivityFileError, read_activities
from greenmfg.reference.model import ReferenceData
from greenmfg.store import audit
from greenmfg.store.models import (
    ActivityRecord,
    ActivityVersion,
    InventoryResult,
    Organisation,
    ReportingPeriod,
    Site,
)
from greenmfg.store.scope import Access, Principal, require

METHODS = ("gbt32150", "iso14064", "ghgp")  # every version is accounted under all three
DEFAULT_METHOD = "gbt32150"
EDITABLE = ("draft", "returned", "verified")  # submitted data waits for the verifier's decision
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class Conflict(Exception):
    """The request contradicts the workflow state (HTTP 409)."""


class ImportProblems(ActivityError):
    """An upload that cannot be stored; ``messages`` locate each problem (file, sheet, row, column)."""

    def __init__(self, problems: list[Problem], messages: list[str], source: str) -> None:
        super().__init__(problems, source)
        self.messages = messages


@dataclass
class ImportResult:
    org_id: int
    source_name: str
    versions: list[dict[str, Any]] = field(default_factory=list)


def table_to_records(table: ActivityTable) -> list[dict[str, Any]]:
    """Rows of ``table`` as plain dicts (the form stored in :class:`ActivityRecord`)."""
    out: list[dict[str, Any]] = []
    for i in range(len(table)):
        measured: dict[str, Any] = {}
        for name, col in table.measured.items():
            v = float(col[i])
            if not math.isnan(v):
                measured[name] = v
        for name, col in table.measured_units.items():
            if col[i]:
                measured[name] = str(col[i])
        out.append(
            {
                "row": int(table.row[i]),
                "site": str(table.site[i]),
                "year": int(table.year[i]),
                "kind": str(table.kind[i]),
                "item": str(table.item[i]),
                "amount": float(table.amount[i]),
                "unit": str(table.unit[i]),
                "region": str(table.region[i]),
                "measured": measured,
            }
        )
    return out


def records_to_table(
    records: Iterable[ActivityRecord | Mapping[str, Any]], source: str = ""
) -> ActivityTable:
    """The inverse of :func:`table_to_records`, from stored rows or dicts."""
    flat: list[dict[str, Any]] = []
    for r in records:
        d = (
            r
            if isinstance(r, Mapping)
            else {
                "row": r.row,
                "site": r.site,
                "year": r.year,
                "kind": r.kind,
                "item": r.item,
                "amount": r.amount,
                "unit": r.unit,
                "region": r.region,
                "measured": r.measured,
            }
        )
        flat.append(
            {**{k: v for k, v in d.items() if k != "measured"}, **(d.get("measured") or {})}
        )
    return ActivityTable.from_records(flat, source=source)


def _read_upload(data: bytes, filename: str, ref: ReferenceData) -> ActivityTable:
    name = Path(filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ImportProblems(
            [Problem(0, "file", "expected a .csv or .xlsx file")],
            [f"{name}: expected a .csv or .xlsx file (got {suffix or 'no extension'!r})"],
            name,
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportProblems(
            [Problem(0, "file", "file too large")],
            [f"{name}: {len(data)} bytes; the limit is {MAX_UPLOAD_BYTES}"],
            name,
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return read_activities(path, ref)
        except ActivityFileError as e:
            raise ImportProblems(e.problems, [e.locate(p) for p in e.problems], name) from e
        except ActivityError as e:
            raise ImportProblems(e.problems, [f"{name}, {p}" for p in e.problems], name) from e
        except Exception as e:  # a damaged workbook, wrong encoding, not a spreadsheet at all
            msg = f"{name}: cannot be read as {suffix[1:].upper()} ({type(e).__name__}: {e})"
            raise ImportProblems([Problem(0, "file", msg)], [msg], name) from e


def get_period(
    session: Session, org_id: int, year: int, create: bool = False
) -> ReportingPeriod | None:
    period = session.scalars(
        select(ReportingPeriod).where(
            ReportingPeriod.org_id == org_id, ReportingPeriod.year == year
        )
    ).first()
    if period is None and create:
        period = ReportingPeriod(org_id=org_id, year=year, status="draft")
        session.add(period)
        session.flush()
    return period


def _ensure_sites(
    session: Session, principal: Principal, org: Organisation, table: ActivityTable
) -> None:
    known = {s.code for s in session.scalars(select(Site).where(Site.org_id == org.id))}
    for code in sorted(set(table.site.tolist()) - known):
        site = Site(org_id=org.id, code=code, name=code, region_code=org.region_code)
        session.add(site)
        session.flush()
        audit.append(
            session,
            actor_id=principal.user_id,
            actor=principal.username,
            action="site.create",
            entity="site",
            entity_id=site.id,
            org_id=org.id,
            payload={"code": code, "from": "activity import"},
        )


def account(table: ActivityTable, ref: ReferenceData, method: str) -> Inventory:
    return compute_inventory(table, ref, AccountingOptions(method=method))


def store_inventory(session: Session, version: ActivityVersion, inv: Inventory) -> InventoryResult:
    """Persist ``inv`` (totals as columns for fast dashboards, the rest as JSON)."""
    doc = inv.to_dict(lines=False)
    t = inv.totals()
    row = InventoryResult(
        version_id=version.id,
        method=inv.method.name,
        gwp_set=inv.gwp_set,
        energy_basis=inv.energy_basis,
        grid_series=inv.grid_series,
        reference_edition=inv.reference_edition,
        engine_version=inv.engine_version or __version__,
        total_tco2e=float(t.get("total_tco2e", 0.0)),
        scope1_tco2e=float(t.get("scope1_tco2e", 0.0)),
        scope2_location_tco2e=float(t.get("scope2_location_tco2e", 0.0)),
        scope2_market_tco2e=float(t.get("scope2_market_tco2e", 0.0)),
        energy_tce=float(t.get("energy_tce", 0.0)),
        summary=doc,
        lines=[inv.line(i) for i in range(len(inv))],
    )
    session.add(row)
    session.flush()
    return row


def new_version(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org: Organisation,
    year: int,
    table: ActivityTable,
    *,
    reason: str,
    source_name: str,
    source_sha256: str = "",
    action: str = "activities.import",
) -> ActivityVersion:
    """Store ``table`` (records of one year) as the period's next version and account it."""
    period = get_period(session, org.id, year, create=True)
    assert period is not None
    if period.status not in EDITABLE:
        raise Conflict(f"{year} is {period.status}: it cannot change until the verifier returns it")
    previous = session.scalar(
        select(func.max(ActivityVersion.version)).where(ActivityVersion.period_id == period.id)
    )
    if previous and period.status in ("returned", "verified") and not reason.strip():
        raise Conflict(
            f"{year} has been {period.status}; a correction needs a reason (it becomes version {previous + 1})"
        )
    inventories = [account(table, ref, m) for m in METHODS]  # raises before anything is written
    _ensure_sites(session, principal, org, table)
    version = ActivityVersion(
        period_id=period.id,
        version=(previous or 0) + 1,
        reason=reason,
        source_name=source_name,
        source_sha256=source_sha256,
        record_count=len(table),
        created_by=principal.user_id,
    )
    session.add(version)
    session.flush()
    session.bulk_insert_mappings(  # type: ignore[arg-type]
        ActivityRecord, [{**r, "version_id": version.id} for r in table_to_records(table)]
    )
    stored = [store_inventory(session, version, inv) for inv in inventories]
    was = period.status
    period.current_version_id = version.id
    period.status = "draft"
    main = next(s for s in stored if s.method == DEFAULT_METHOD)
    audit.append(
        session,
        actor_id=principal.user_id,
        actor=principal.username,
        action=action,
        entity="activity_version",
        entity_id=version.id,
        org_id=org.id,
        payload={
            "year": year,
            "version": version.version,
            "reason": reason,
            "source": source_name,
            "sha256": source_sha256,
            "records": len(table),
            "status_before": was,
            "total_tco2e": main.total_tco2e,
            "energy_tce": main.energy_tce,
            "reference_edition": main.reference_edition,
            "engine_version": main.engine_version,
        },
    )
    return version


def import_activities(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    data: bytes,
    filename: str,
    reason: str = "",
    year: int | None = None,
) -> ImportResult:
    """Validate an uploaded CSV/xlsx with the CLI's reader and store one version per year in it.

    ``year`` restricts the upload to that year (rows of other years are reported as problems).
    Raises :class:`ImportProblems` (nothing written), :class:`Conflict`, or the scope errors.
    """
    org = require(session, principal, org_id, Access.write)
    table = _read_upload(data, filename, ref)
    name = Path(filename).name
    if year is not None:
        bad = table.row[table.year != year]
        if bad.size:
            probs = [
                Problem(int(r), "year", f"expected {year} (this upload is for {year})")
                for r in bad[:50]
            ]
            raise ImportProblems(probs, [f"{name}, {p}" for p in probs], name)
    if len(table) == 0:
        msg = f"{name}: no activity rows"
        raise ImportProblems([Problem(0, "file", msg)], [msg], name)
    digest = hashlib.sha256(data).hexdigest()
    result = ImportResult(org_id=org.id, source_name=name)
    for y in sorted(set(table.year.tolist())):
        part = table.take(np.flatnonzero(table.year == y))
        v = new_version(
            session,
            ref,
            principal,
            org,
            int(y),
            part,
            reason=reason,
            source_name=name,
            source_sha256=digest,
        )
        result.versions.append(
            {"year": int(y), "version": v.version, "version_id": v.id, "records": len(part)}
        )
    return result


def correct_records(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    year: int,
    records: Sequence[Mapping[str, Any]],
    reason: str,
) -> ActivityVersion:
    """Replace the period's records by ``records`` as a new version (an edit or a correction)."""
    org = require(session, principal, org_id, Access.write)
    for r in records:
        if int(r.get("year", year)) != year:
            raise ImportProblems(
                [Problem(int(r.get("row", 0)), "year", f"expected {year}")],
                [f"row {r.get('row')}: year must be {year}"],
                "edit",
            )
    table = records_to_table([{**r, "year": year} for r in records], source="edit")
    problems = validate_activities(table, ref)
    if problems:
        raise ImportProblems(problems, [str(p) for p in problems], "edit")
    return new_version(
        session,
        ref,
        principal,
        org,
        year,
        table,
        reason=reason,
        source_name="edit",
        action="activities.correct",
    )


def version_records(session: Session, version_id: int) -> list[ActivityRecord]:
    return list(
        session.scalars(
            select(ActivityRecord)
            .where(ActivityRecord.version_id == version_id)
            .order_by(ActivityRecord.row, ActivityRecord.id)
        )
    )


def recompute(
    session: Session, ref: ReferenceData, version: ActivityVersion, method: str
) -> Inventory:
    """The inventory of a stored version recomputed with the current reference data (for
    exports and for checking that a stored result still reproduces)."""
    table = records_to_table(version_records(session, version.id), source=version.source_name)
    return account(table, ref, method)

"""Reports of stored inventories (Excel), shared by the API and the web pages."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from greenmfg.io.report import write_inventory_xlsx
from greenmfg.reference.model import ReferenceData
from greenmfg.store.activities import DEFAULT_METHOD, recompute
from greenmfg.store.models import Organisation
from greenmfg.store.queries import stored_inventory
from greenmfg.store.scope import Principal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Workbook:
    content: bytes
    filename: str
    reproduced: bool  # the recomputation matched the stored totals (same edition and engine)
    stored_edition: str
    current_edition: str


def inventory_workbook(
    session: Session,
    ref: ReferenceData,
    principal: Principal,
    org_id: int,
    year: int,
    method: str = DEFAULT_METHOD,
    lang: str = "zh",
    version: int | None = None,
) -> Workbook:
    """The Excel report of a period's inventory (current version unless ``version``).

    The workbook is rebuilt from the stored activity records; ``reproduced`` says whether its
    total equals the stored one (it does unless the reference data changed since)."""
    stored, v = stored_inventory(session, principal, org_id, year, method, version)  # checks access
    org = session.get(Organisation, org_id)
    assert org is not None
    inv = recompute(session, ref, v, method)
    total = inv.totals().get("total_tco2e", 0.0)
    reproduced = abs(total - stored.total_tco2e) <= 1e-9 * max(1.0, abs(stored.total_tco2e))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.xlsx"
        write_inventory_xlsx(inv, path, lang=lang)
        content = path.read_bytes()
    safe = (
        "".join(ch for ch in org.name_en or f"enterprise-{org.id}" if ch.isalnum() or ch in "-_ ")
        .strip()
        .replace(" ", "_")
    )
    return Workbook(
        content=content,
        filename=f"{safe or 'enterprise'}_{year}_v{v.version}_{method}.xlsx",
        reproduced=reproduced,
        stored_edition=stored.reference_edition,
        current_edition=inv.reference_edition,
    )

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from greenmfg.api.deps import MAX_ID, OptId, PrincipalDep, ReadSession
from greenmfg.api.schemas import AuditEntryPublic, AuditVerifyPublic
from greenmfg.store.audit import verify_chain
from greenmfg.store.models import AuditEntry, Organisation
from greenmfg.store.scope import Access, enterprise_scope

router = APIRouter(tags=["audit"])


@router.get(
    "/audit/verify", response_model=AuditVerifyPublic, summary="Recompute the audit hash chain"
)
def verify(principal: PrincipalDep, s: ReadSession) -> AuditVerifyPublic:
    r = verify_chain(s)
    return AuditVerifyPublic(
        ok=r.ok, entries=r.entries, first_bad=r.first_bad, problem=r.problem, head_hash=r.head_hash
    )


@router.get(
    "/audit",
    response_model=list[AuditEntryPublic],
    summary="Audit entries of the enterprises in scope (admins: all)",
)
def entries(
    principal: PrincipalDep,
    s: ReadSession,
    org_id: OptId = None,
    after: int = Query(0, ge=0, le=MAX_ID),
    limit: int = Query(200, ge=1, le=2000),
) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(limit)
    if not principal.is_admin:
        visible = select(Organisation.id).where(
            Organisation.kind == "enterprise", enterprise_scope(principal, Access.read)
        )
        stmt = stmt.where(AuditEntry.org_id.in_(visible))
    if org_id is not None:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    return list(s.scalars(stmt))

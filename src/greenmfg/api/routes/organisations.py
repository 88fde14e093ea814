from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from greenmfg.api.deps import MAX_ID, DbDep, OrgId, PrincipalDep, ReadSession
from greenmfg.api.schemas import OrganisationCreate, OrganisationPublic, SiteCreate, SitePublic
from greenmfg.store import admin
from greenmfg.store.models import Organisation, Site
from greenmfg.store.scope import Access, NotFound, require, require_admin, visible_organisations

router = APIRouter(tags=["organisations"])


@router.get(
    "/organisations",
    response_model=list[OrganisationPublic],
    summary="Organisations visible to the caller",
)
def list_organisations(
    principal: PrincipalDep,
    s: ReadSession,
    kind: str | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[Organisation]:
    stmt = visible_organisations(principal)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return list(s.scalars(stmt.offset(max(offset, 0)).limit(min(max(limit, 1), 5000))))


@router.get(
    "/organisations/{org_id}",
    response_model=OrganisationPublic,
    responses={404: {"description": "not found"}},
)
def get_organisation(org_id: OrgId, principal: PrincipalDep, s: ReadSession) -> Organisation:
    org = s.scalars(visible_organisations(principal).where(Organisation.id == org_id)).first()
    if org is None:
        raise NotFound(f"organisation {org_id} not found")
    return org


@router.post(
    "/organisations",
    response_model=OrganisationPublic,
    status_code=201,
    summary="Create an organisation (admin)",
)
def create_organisation(
    body: OrganisationCreate, principal: PrincipalDep, db: DbDep
) -> Organisation:
    require_admin(principal)
    with db.writing() as s:
        return admin.create_organisation(s, principal, **body.model_dump())


@router.get(
    "/organisations/{org_id}/sites",
    response_model=list[SitePublic],
    responses={404: {"description": "not found"}},
)
def list_sites(org_id: OrgId, principal: PrincipalDep, s: ReadSession) -> list[Site]:
    require(s, principal, org_id, Access.read)
    return list(s.scalars(select(Site).where(Site.org_id == org_id).order_by(Site.code)))


@router.post("/organisations/{org_id}/sites", response_model=SitePublic, status_code=201)
def create_site(org_id: OrgId, body: SiteCreate, principal: PrincipalDep, db: DbDep) -> Site:
    with db.writing() as s:
        org = require(s, principal, org_id, Access.write)
        return admin.create_site(s, principal, org, body.code, body.name, body.region_code)

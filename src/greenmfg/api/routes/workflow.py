from __future__ import annotations

from fastapi import APIRouter

from greenmfg.api.deps import DbDep, OrgId, PrincipalDep, ReadSession, YearPath
from greenmfg.api.schemas import CommentIn, CommentPublic, Note, SubmissionPublic, WorkflowPublic
from greenmfg.store import workflow
from greenmfg.store.models import Submission
from greenmfg.store.queries import period_detail
from greenmfg.store.scope import NotFound

router = APIRouter(tags=["workflow"])
R = {
    404: {"description": "not found"},
    403: {"description": "not allowed"},
    409: {"description": "wrong state"},
}


@router.get(
    "/enterprises/{org_id}/years/{year}/workflow", response_model=WorkflowPublic, responses=R
)
def detail(
    org_id: OrgId, year: YearPath, principal: PrincipalDep, s: ReadSession
) -> WorkflowPublic:
    d = period_detail(s, principal, org_id, year)
    if d["period"] is None:
        raise NotFound(f"no {year} data for enterprise {org_id}")
    return WorkflowPublic(
        year=year,
        status=d["period"].status,
        versions=[
            {
                "version": x["version"].version,
                "version_id": x["version"].id,
                "reason": x["version"].reason,
                "source": x["version"].source_name,
                "records": x["version"].record_count,
                "created_at": x["version"].created_at,
                "by": x["by"],
            }
            for x in d["versions"]
        ],
        submissions=[
            {
                **SubmissionPublic.model_validate(x["submission"]).model_dump(),
                "by": x["by"],
                "decided_by": x["decided_by"],
            }
            for x in d["submissions"]
        ],
        comments=[
            CommentPublic(
                id=c["comment"].id,
                by=c["by"],
                body=c["comment"].body,
                created_at=c["comment"].created_at,
            )
            for c in d["comments"]
        ],
    )


@router.post(
    "/enterprises/{org_id}/years/{year}/submit",
    response_model=SubmissionPublic,
    status_code=201,
    responses=R,
    summary="Submit the year's current version for verification",
)
def submit(
    org_id: OrgId, year: YearPath, body: Note, principal: PrincipalDep, db: DbDep
) -> Submission:
    with db.writing() as s:
        return workflow.submit(s, principal, org_id, year, body.note)


@router.post(
    "/enterprises/{org_id}/years/{year}/verify",
    response_model=SubmissionPublic,
    responses=R,
    summary="Verifier: mark verified",
)
def verify(
    org_id: OrgId, year: YearPath, body: Note, principal: PrincipalDep, db: DbDep
) -> Submission:
    with db.writing() as s:
        return workflow.decide(s, principal, org_id, year, "verify", body.note)


@router.post(
    "/enterprises/{org_id}/years/{year}/return",
    response_model=SubmissionPublic,
    responses=R,
    summary="Verifier: return with a note",
)
def return_(
    org_id: OrgId, year: YearPath, body: Note, principal: PrincipalDep, db: DbDep
) -> Submission:
    with db.writing() as s:
        return workflow.decide(s, principal, org_id, year, "return", body.note)


@router.post(
    "/enterprises/{org_id}/years/{year}/comments",
    response_model=CommentPublic,
    status_code=201,
    responses=R,
)
def comment(
    org_id: OrgId, year: YearPath, body: CommentIn, principal: PrincipalDep, db: DbDep
) -> CommentPublic:
    with db.writing() as s:
        c = workflow.add_comment(s, principal, org_id, year, body.body)
        return CommentPublic(id=c.id, by=principal.username, body=c.body, created_at=c.created_at)

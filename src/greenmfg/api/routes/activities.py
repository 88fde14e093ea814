from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from greenmfg.api.deps import DbDep, OptVersion, OrgId, PrincipalDep, ReadSession, RefDep, YearPath
from greenmfg.api.schemas import (
    Correction,
    ImportPublic,
    ProblemsPublic,
    RecordPublic,
    VersionPublic,
)
from greenmfg.store.activities import (
    correct_records,
    import_activities,
    version_records,
)
from greenmfg.store.queries import period_version

router = APIRouter(tags=["activities"])
PROBLEMS = {422: {"model": ProblemsPublic, "description": "every problem, located; nothing stored"}}


@router.post(
    "/enterprises/{org_id}/activities",
    response_model=ImportPublic,
    status_code=201,
    responses={**PROBLEMS, 409: {"description": "the year is submitted"}},
    summary="Import an activity file (CSV or xlsx), one new version per year it contains",
)
async def upload_activities(
    org_id: OrgId,
    principal: PrincipalDep,
    db: DbDep,
    ref: RefDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or xlsx with a sheet `activities`")],
    reason: Annotated[str, Form(max_length=2000)] = "",
    year: Annotated[int | None, Form(ge=1900, le=2100)] = None,
) -> ImportPublic:
    data = await file.read()
    from starlette.concurrency import run_in_threadpool

    def work() -> ImportPublic:
        with db.writing() as s:
            r = import_activities(
                s, ref, principal, org_id, data, file.filename or "upload.csv", reason, year
            )
            return ImportPublic(org_id=r.org_id, source_name=r.source_name, versions=r.versions)  # type: ignore[arg-type]

    return await run_in_threadpool(work)


@router.get(
    "/enterprises/{org_id}/years/{year}/records",
    response_model=list[RecordPublic],
    responses={404: {"description": "not found"}},
    summary="Activity records of the current (or a given) version",
)
def list_records(
    org_id: OrgId,
    year: YearPath,
    principal: PrincipalDep,
    s: ReadSession,
    version: OptVersion = None,
) -> list[RecordPublic]:
    v = period_version(s, principal, org_id, year, version)
    return [
        RecordPublic(
            id=r.id,
            row=r.row,
            site=r.site,
            year=r.year,
            kind=r.kind,
            item=r.item,
            amount=r.amount,
            unit=r.unit,
            region=r.region,
            measured=r.measured or {},
        )
        for r in version_records(s, v.id)
    ]


@router.put(
    "/enterprises/{org_id}/years/{year}/records",
    response_model=VersionPublic,
    status_code=201,
    responses={**PROBLEMS, 409: {"description": "workflow state forbids it"}},
    summary="Correct the year's records: stored as a new version with its reason",
)
def correct(
    org_id: OrgId, year: YearPath, body: Correction, principal: PrincipalDep, db: DbDep, ref: RefDep
) -> VersionPublic:
    with db.writing() as s:
        v = correct_records(
            s, ref, principal, org_id, year, [r.model_dump() for r in body.records], body.reason
        )
        return VersionPublic(version=v.version, version_id=v.id, records=v.record_count)

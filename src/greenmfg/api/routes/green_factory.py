"""Green-factory self-evaluation (GB/T 36132) and zero-carbon readiness over the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from greenmfg.api.deps import DbDep, OrgId, PrincipalDep, ReadSession, RefDep, YearPath
from greenmfg.evaluation.green_factory import EvaluationError
from greenmfg.reference.green_factory import green_factory_reference
from greenmfg.store import green_factory as gfs
from greenmfg.store.activities import Conflict
from greenmfg.store.scope import NotFound

router = APIRouter(tags=["green factory"])
R = {404: {"description": "not found"}, 403: {"description": "not allowed"}}

Answer = str | dict[str, str | float]


class EvaluationIn(BaseModel):
    """Questionnaire answers: indicator id -> ``yes``/``no`` (basic), a choice key (qualitative),
    or ``{"value": …, "base": …, "leading": …}`` (quantitative, base/leading only where the
    reference data leave them to the sector's standard)."""

    scheme: str = Field(default=gfs.DEFAULT_SCHEME, max_length=32)
    answers: dict[str, Answer] = Field(default_factory=dict, max_length=500)
    efforts: dict[str, int] = Field(default_factory=dict, max_length=500)
    zero_carbon: dict[str, str] = Field(default_factory=dict, max_length=100)


class EvaluationOut(BaseModel):
    id: int
    year: int
    scheme: str
    total_score: float | None
    basic_passed: bool
    level: str | None
    reference_edition: str
    created_at: str
    result: dict[str, Any]


def _out(row: Any) -> EvaluationOut:
    return EvaluationOut(
        id=row.id,
        year=row.year,
        scheme=row.scheme,
        total_score=row.total_score,
        basic_passed=row.basic_passed,
        level=row.level,
        reference_edition=row.reference_edition,
        created_at=row.created_at,
        result=row.result,
    )


@router.get(
    "/enterprises/{org_id}/years/{year}/green-factory/metrics",
    responses=R,
    summary="Indicators computed from the stored data (with their origin)",
)
def metrics(
    org_id: OrgId, year: YearPath, principal: PrincipalDep, s: ReadSession, ref: RefDep
) -> dict[str, Any]:
    ctx = gfs.context(s, ref, principal, org_id, year)
    return {
        "year": year,
        "current_level": ctx.current_level,
        "metrics": {
            k: {"value": m.value, "unit": m.unit, "origin": m.origin, "levels": dict(m.levels)}
            for k, m in ctx.metrics.items()
        },
        "line_problems": [{"line": n, "problem": p} for n, p in ctx.line_problems],
    }


@router.post(
    "/enterprises/{org_id}/years/{year}/green-factory/evaluations",
    response_model=EvaluationOut,
    status_code=201,
    responses={**R, 409: {"description": "answers that do not fit the scheme"}},
    summary="Score and store a self-evaluation",
)
def create(
    org_id: OrgId,
    year: YearPath,
    body: EvaluationIn,
    principal: PrincipalDep,
    db: DbDep,
    ref: RefDep,
) -> EvaluationOut:
    gf = green_factory_reference()
    try:
        with db.writing() as s:
            row, _ev, _ctx = gfs.save_evaluation(
                s,
                ref,
                gf,
                principal,
                org_id,
                year,
                body.scheme,
                dict(body.answers),
                dict(body.efforts),
                dict(body.zero_carbon),
            )
            return _out(row)
    except EvaluationError as exc:
        raise Conflict(str(exc)) from None


@router.get(
    "/enterprises/{org_id}/green-factory/evaluations/latest",
    response_model=EvaluationOut,
    responses=R,
    summary="The newest stored self-evaluation",
)
def latest(org_id: OrgId, principal: PrincipalDep, s: ReadSession) -> EvaluationOut:
    row = gfs.latest_evaluation(s, principal, org_id)
    if row is None:
        raise NotFound(f"no self-evaluation of enterprise {org_id}")
    return _out(row)

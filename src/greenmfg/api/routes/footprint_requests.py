"""``/orgs/{org_id}/footprint-requests``: the PACT footprint requests of an enterprise
(received from its customers' systems on ``/2/events`` and ``/3/events``, and its own sent to
suppliers), and the answers to the received ones.

Whoever reads the enterprise (:mod:`greenmfg.store.scope`) lists them; only its managers fulfil
or reject a request (403 otherwise; another tenant's enterprise is a 404). An answer is stored
with the user as the decision's author in the audit chain, and sent to the requester's events
endpoint once the transaction has committed (``callback_status`` ``pending``, then ``sent`` or
``failed``; PACT Tech Specs v3.0.3, Action Events). A request answered already is a 409; an
empty list, a footprint the requester may not read or a bad body a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from greenmfg.api.deps import MAX_ID, DbDep, OrgId, PrincipalDep, ReadSession
from greenmfg.store import requests_view as rv
from greenmfg.store.db import Database
from greenmfg.store.models import REQUEST_STATUSES, FootprintRequest
from greenmfg.store.pact import REJECT_CODES, PactStoreError

router = APIRouter(tags=["footprint requests"])

RequestId = Annotated[int, Path(ge=1, le=MAX_ID, description="Footprint request id")]
# the stored statuses and the PACT error codes, as enums of the OpenAPI schema
Status = Literal[REQUEST_STATUSES]  # type: ignore[valid-type]
RejectCode = Literal[REJECT_CODES]  # type: ignore[valid-type]
R: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such enterprise or request in the caller's scope"},
    403: {"description": "the caller reads the enterprise but may not answer its requests"},
    409: {"description": "the request is answered already, or is not a received request"},
    422: {"description": "bad body, or a footprint the requester may not read"},
}


class FootprintRequestPublic(BaseModel):
    """A PACT event of the enterprise: a footprint request received (``direction`` ``in``,
    ``kind`` ``request``) or sent (``out``), an answer received, or a ``published``
    notification. ``criteria`` are the v3 ListFootprints criteria (``productId``...);
    ``footprint_ids`` the footprints sent (received request) or received (sent request)."""

    id: int
    direction: Literal["in", "out"]
    kind: str
    spec_version: str = Field(description="PACT major version: 2 or 3")
    event_id: str = Field(description="CloudEvents id of the request")
    source: str = Field(description="CloudEvents source: the requester's events endpoint")
    requester: str = Field(description="the PACT client (received) or connection (sent)")
    criteria: dict[str, Any]
    comment: str
    status: str
    footprint_ids: list[str]
    reason: str = Field(description="rejection message, or problems storing received footprints")
    created_at: str
    decided_at: str | None
    decided_by: str = Field(description="who answered (user, or pact:auto-fulfil)")
    callback_status: str = Field(
        description="sending the answer (or request): pending, sent, failed"
    )
    callback_attempts: int
    callback_at: str | None
    callback_result: str


class MatchingFootprint(BaseModel):
    id: str
    product_name: str
    product_ids: list[str]
    status: str
    sendable: bool = Field(description="false: PACT v2 cannot express it (v2 request)")


class FootprintRequestDetail(FootprintRequestPublic):
    """One request with the events themselves and, while it is pending, the enterprise's
    published footprints that match its criteria."""

    event: dict[str, Any]
    response_event: dict[str, Any] | None
    matching_footprints: list[MatchingFootprint]


class FulfilBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    footprint_ids: list[UUID] = Field(
        min_length=1,
        max_length=1000,
        description="ids of published footprints of the enterprise (v3.0.3 ProductFootprint/id, "
        "a UUID)",
    )


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # no NUL: PostgreSQL text cannot hold it
    reason: str = Field(
        "", max_length=10_000, pattern=r"^[^\x00]*$", description="the message sent"
    )
    code: RejectCode = Field("NotFound", description="PACT Error.code sent with the rejection")


def _public(v: rv.RequestView) -> dict[str, Any]:
    r: FootprintRequest = v.row
    return {
        "id": r.id,
        "direction": r.direction,
        "kind": r.kind,
        "spec_version": r.spec_version,
        "event_id": r.event_id,
        "source": r.source,
        "requester": v.requester,
        "criteria": r.criteria or {},
        "comment": r.comment,
        "status": r.status,
        "footprint_ids": [str(i) for i in r.footprint_ids or []],
        "reason": r.reason,
        "created_at": r.created_at,
        "decided_at": r.decided_at,
        "decided_by": v.decided_by,
        "callback_status": r.callback_status,
        "callback_attempts": r.callback_attempts or 0,
        "callback_at": r.callback_at,
        "callback_result": r.callback_result,
    }


def _detail(v: rv.RequestView) -> FootprintRequestDetail:
    return FootprintRequestDetail(
        **_public(v),
        event=v.row.event or {},
        response_event=v.row.response_event,
        matching_footprints=[
            MatchingFootprint(
                id=c.footprint.id,
                product_name=c.footprint.product_name,
                product_ids=[str(p) for p in c.footprint.product_ids],
                status=c.footprint.status,
                sendable=c.sendable,
            )
            for c in v.matching
        ],
    )


@router.get(
    "/orgs/{org_id}/footprint-requests",
    response_model=list[FootprintRequestPublic],
    responses=R,
    summary="The enterprise's PACT footprint requests (received and sent), oldest first",
)
def list_requests(
    org_id: OrgId,
    principal: PrincipalDep,
    s: ReadSession,
    status: Status | None = None,
    direction: Literal["in", "out"] | None = None,
    kind: Literal["request", "published", "fulfilled", "rejected"] | None = None,
) -> list[dict[str, Any]]:
    rows = rv.requests_of(s, principal, org_id, status=status, direction=direction, kind=kind)
    return [_public(v) for v in rv.request_views(s, rows)]


@router.get(
    "/orgs/{org_id}/footprint-requests/{request_id}",
    response_model=FootprintRequestDetail,
    responses=R,
    summary="One footprint request, its events and the footprints matching its criteria",
)
def get_request(
    org_id: OrgId, request_id: RequestId, principal: PrincipalDep, s: ReadSession
) -> FootprintRequestDetail:
    row = rv.get_request(s, principal, org_id, request_id)
    return _detail(rv.request_views(s, [row], with_candidates=True)[0])


def _answer(db: Database, act: Callable[[Session], FootprintRequest]) -> FootprintRequestDetail:
    """Run one answer in its own transaction; the store's refusals of its content are 422s."""
    try:
        with db.writing() as s:
            row = act(s)
            out = _detail(rv.request_views(s, [row])[0])
    except PactStoreError as exc:
        raise HTTPException(422, str(exc)) from exc
    return out


@router.post(
    "/orgs/{org_id}/footprint-requests/{request_id}/fulfil",
    response_model=FootprintRequestDetail,
    responses=R,
    summary="Fulfil a received request with published footprints (the enterprise's manager)",
)
def fulfil(
    org_id: OrgId, request_id: RequestId, body: FulfilBody, principal: PrincipalDep, db: DbDep
) -> FootprintRequestDetail:
    return _answer(
        db,
        lambda s: rv.fulfil(s, principal, org_id, request_id, [str(i) for i in body.footprint_ids]),
    )


@router.post(
    "/orgs/{org_id}/footprint-requests/{request_id}/reject",
    response_model=FootprintRequestDetail,
    responses=R,
    summary="Reject a received request with a PACT error code (the enterprise's manager)",
)
def reject(
    org_id: OrgId, request_id: RequestId, body: RejectBody, principal: PrincipalDep, db: DbDep
) -> FootprintRequestDetail:
    return _answer(
        db,
        lambda s: rv.reject(s, principal, org_id, request_id, body.reason, body.code),
    )


__all__ = ["router"]

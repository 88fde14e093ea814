"""An enterprise's PACT footprint requests as people see and answer them (web inbox, REST API).

:mod:`greenmfg.store.pact` stores the requests (``FootprintRequest``) and answers them
(:func:`~greenmfg.store.pact.fulfil_request`, :func:`~greenmfg.store.pact.reject_request`); this
module adds what a person needs around that: the permission check (:mod:`greenmfg.store.scope`:
whoever reads the enterprise sees its requests, only its managers answer them), the requester's
name, the decision's author, and for a pending request the enterprise's published footprints
that match its criteria (v3.0.3 ``RequestCreatedEvent``: the criteria are those of
``ListFootprints``) ahead of the others.

Requests addressed to a park's PACT client (``org_id`` the park) are not in any enterprise's
inbox; nothing here answers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from greenmfg.store.activities import Conflict
from greenmfg.store.models import (
    AuditEntry,
    FootprintRequest,
    Organisation,
    PactClient,
    PactConnection,
    ProductFootprint,
    User,
)
from greenmfg.store.pact import (
    FILTER_PARAMS,
    REJECT_CODES,
    FilterError,
    connection_for_source,
    data_owner_ids,
    filter_query,
    filters_from_criteria,
    fulfil_request,
    reject_request,
    v2_rendition,
)
from greenmfg.store.scope import Access, NotFound, Principal, require

__all__ = [
    "CRITERIA_ORDER",
    "DIRECTIONS",
    "MAX_CANDIDATES",
    "REJECT_CODES",
    "AlreadyAnswered",
    "Candidate",
    "Inbox",
    "NotAnswerable",
    "RequestView",
    "candidates",
    "fulfil",
    "get_request",
    "inbox",
    "reject",
    "request_views",
    "requests_of",
]

DIRECTIONS = ("in", "out")
# The v3.0.3 ListFootprints criteria in the order the inbox shows them (names as stored by
# ``Filters.criteria()``).
CRITERIA_ORDER = tuple(dict.fromkeys(FILTER_PARAMS.values()))
# Footprints listed per pending request and group (matching / others); a longer list is cut and
# its length given, since an answer rarely needs more and a page of thousands helps nobody.
MAX_CANDIDATES = 100


class AlreadyAnswered(Conflict):
    """The request was fulfilled or rejected already (HTTP 409)."""


class NotAnswerable(Conflict):
    """Not an inbound footprint request (an outbound one, an answer, a notification): there is
    nothing for the enterprise to answer (HTTP 409)."""


@dataclass(frozen=True)
class Candidate:
    """A published footprint offered as an answer: whether it matches the request's criteria,
    and whether it can be sent in the request's PACT version (``why`` not, for v2)."""

    footprint: ProductFootprint
    matches: bool
    sendable: bool = True
    why: str = ""

    @property
    def pcf(self) -> str:
        """``pcfExcludingBiogenicUptake`` per declared unit as in the document [kgCO2e per
        declared unit] (v3.0.3 ``CarbonFootprint``), e.g. ``0.5 kgCO2e / 1 kilogram``."""
        pcf = self.footprint.document.get("pcf")
        if not isinstance(pcf, dict):
            return ""
        value = pcf.get("pcfExcludingBiogenicUptake")
        if value in (None, ""):
            return ""
        amount = pcf.get("declaredUnitAmount", "")
        unit = pcf.get("declaredUnitOfMeasurement") or pcf.get("declaredUnit") or ""
        return f"{value} kgCO2e / {amount} {unit}".replace("/  ", "/ ").strip()


@dataclass
class RequestView:
    """One ``FootprintRequest`` with the names a person needs to read it."""

    row: FootprintRequest
    requester: str = ""  # the PACT client's name (inbound) or the partner connection (outbound)
    requester_id: str = ""  # the client id, or the connection's base URL
    connected: bool = True  # inbound: a connection to the requester's host exists to answer it
    decided_by: str = ""
    criteria: list[tuple[str, list[str]]] = field(default_factory=list)
    matching: list[Candidate] = field(default_factory=list)
    others: list[Candidate] = field(default_factory=list)
    more_matching: int = 0
    more_others: int = 0
    footprints: list[tuple[str, str]] = field(default_factory=list)  # (id, product name or "")

    @property
    def data(self) -> dict[str, Any]:
        """The ``data`` of the event as received (or as sent, outbound)."""
        d = (self.row.event or {}).get("data")
        return d if isinstance(d, dict) else {}


@dataclass
class Inbox:
    """An enterprise's footprint requests: the inbound ones awaiting an answer (oldest first),
    the answered ones and our outbound ones (newest first)."""

    org: Organisation
    can_answer: bool
    pending: list[RequestView]
    answered: list[RequestView]
    outbound: list[RequestView]
    reject_codes: tuple[str, ...] = REJECT_CODES


# ---------------------------------------------------------------------------------- reading


def _query(
    org_id: int, status: str | None, direction: str | None, kind: str | None
) -> Select[FootprintRequest]:
    q = select(FootprintRequest).where(FootprintRequest.org_id == org_id)
    if status is not None:
        q = q.where(FootprintRequest.status == status)
    if direction is not None:
        q = q.where(FootprintRequest.direction == direction)
    if kind is not None:
        q = q.where(FootprintRequest.kind == kind)
    return q.order_by(FootprintRequest.id)


def requests_of(
    session: Session,
    principal: Principal,
    org_id: int,
    *,
    status: str | None = None,
    direction: str | None = None,
    kind: str | None = None,
) -> list[FootprintRequest]:
    """The footprint requests and events of enterprise ``org_id`` (oldest first), if
    ``principal`` may read the enterprise (:class:`~greenmfg.store.scope.NotFound` otherwise)."""
    require(session, principal, org_id, Access.read)
    return list(session.scalars(_query(org_id, status, direction, kind)))


def get_request(
    session: Session, principal: Principal, org_id: int, request_id: int
) -> FootprintRequest:
    """Request ``request_id`` of enterprise ``org_id``; :class:`NotFound` when the principal may
    not read the enterprise or the request is another organisation's."""
    require(session, principal, org_id, Access.read)
    row = session.get(FootprintRequest, request_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"enterprise {org_id} has no footprint request {request_id}")
    return row


def _footprint_query(owner_ids: Sequence[int]) -> Select[ProductFootprint]:
    return select(ProductFootprint).where(
        ProductFootprint.org_id.in_(owner_ids), ProductFootprint.published.is_(True)
    )


def candidates(
    session: Session, row: FootprintRequest, limit: int = MAX_CANDIDATES
) -> tuple[list[Candidate], list[Candidate], int, int]:
    """The published footprints that may answer ``row``: those matching its criteria (v3.0.3
    ListFootprints filtering, :func:`greenmfg.store.pact.filter_query`), then the others; each
    ``Active`` first, then newest. Returns ``(matching, others, more_matching, more_others)``,
    each list cut at ``limit`` and ``more_*`` the number cut. A request without criteria matches
    every footprint. Footprints that PACT v2 cannot express are marked not ``sendable`` for a v2
    request (``fulfil_request`` would refuse them)."""
    if row.org_id is None:
        return [], [], 0, 0
    base = _footprint_query(data_owner_ids(session, row.org_id))
    try:
        filters = filters_from_criteria(row.criteria or {})
    except FilterError:  # stored criteria were parsed on receipt; this is belt and braces
        filters = None
    # not correlated: the subquery selects from the same table as the query it filters
    matching = (
        filter_query(base, filters).with_only_columns(ProductFootprint.id).correlate(None)
        if filters is not None
        else None
    )
    # "Active" sorts before "Deprecated" (the only two statuses, v3.0.3 ProductFootprint/status)
    order = (ProductFootprint.status, ProductFootprint.pf_created.desc(), ProductFootprint.id)
    groups: list[list[Candidate]] = []
    more: list[int] = []
    for matches in (True, False):
        if matching is None:
            q = base.where(false()) if matches else base
        else:
            q = base.where(
                ProductFootprint.id.in_(matching)
                if matches
                else ProductFootprint.id.not_in(matching)
            )
        rows = list(session.scalars(q.order_by(*order).limit(limit + 1)))
        total = len(rows)
        if total > limit:
            total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        group = []
        for pf in rows[:limit]:
            why = v2_rendition(pf)[1] if row.spec_version == "2" else ""
            group.append(Candidate(pf, matches, sendable=not why, why=why))
        groups.append(group)
        more.append(total - len(group))
    return groups[0], groups[1], more[0], more[1]


def _criteria_items(criteria: dict[str, Any]) -> list[tuple[str, list[str]]]:
    items = []
    for name in CRITERIA_ORDER:
        if name in criteria:
            v = criteria[name]
            items.append((name, [str(x) for x in v] if isinstance(v, list) else [str(v)]))
    return items


def _deciders(session: Session, rows: Sequence[FootprintRequest]) -> dict[int, str]:
    """Who answered each request: the user (display name, else username), or the actor of the
    decision's audit entry (``pact:auto-fulfil``, ``system``) when no user decided."""
    out: dict[int, str] = {}
    user_ids = {r.decided_by for r in rows if r.decided_by}
    users = (
        {
            u.id: u.display_name or u.username
            for u in session.scalars(select(User).where(User.id.in_(user_ids)))
        }
        if user_ids
        else {}
    )
    missing = []
    for r in rows:
        if r.decided_by and r.decided_by in users:
            out[r.id] = users[r.decided_by]
        elif r.decided_at and r.direction == "in":
            missing.append(str(r.id))
    if missing:
        for entity_id, actor in session.execute(
            select(AuditEntry.entity_id, AuditEntry.actor).where(
                AuditEntry.entity == "footprint_request",
                AuditEntry.action.in_(("pact.request.fulfil", "pact.request.reject")),
                AuditEntry.entity_id.in_(missing),
            )
        ):
            out[int(entity_id)] = actor
    return out


def request_views(
    session: Session, rows: Sequence[FootprintRequest], *, with_candidates: bool = False
) -> list[RequestView]:
    """Views of ``rows`` (requester names, decider, criteria; candidate footprints of the
    pending inbound requests when ``with_candidates``)."""
    client_pks = {r.client_pk for r in rows if r.client_pk}
    clients = (
        {c.id: c for c in session.scalars(select(PactClient).where(PactClient.id.in_(client_pks)))}
        if client_pks
        else {}
    )
    conn_ids = {r.connection_id for r in rows if r.connection_id}
    conns = (
        {
            c.id: c
            for c in session.scalars(select(PactConnection).where(PactConnection.id.in_(conn_ids)))
        }
        if conn_ids
        else {}
    )
    deciders = _deciders(session, rows)
    fp_ids = {str(i) for r in rows for i in (r.footprint_ids or [])}
    names: dict[str, str] = {}
    if fp_ids:
        q = select(ProductFootprint.id, ProductFootprint.product_name).where(
            ProductFootprint.id.in_(sorted({i.lower() for i in fp_ids}))
        )
        names = {pf_id: name for pf_id, name in session.execute(q)}
    views = []
    for r in rows:
        v = RequestView(row=r, decided_by=deciders.get(r.id, ""))
        v.criteria = _criteria_items(r.criteria or {})
        v.footprints = [(str(i), names.get(str(i).lower(), "")) for i in (r.footprint_ids or [])]
        if r.direction == "in":
            client = clients.get(r.client_pk) if r.client_pk else None
            if client is not None:
                v.requester, v.requester_id = client.name or client.client_id, client.client_id
            if r.status == "pending":  # the answer goes through a connection to the source's host
                conn = conns.get(r.connection_id) if r.connection_id else None
                v.connected = (conn or connection_for_source(session, r.source)) is not None
        else:
            conn = conns.get(r.connection_id) if r.connection_id else None
            if conn is not None:
                v.requester, v.requester_id = conn.name, conn.base_url
        if (
            with_candidates
            and r.direction == "in"
            and r.kind == "request"
            and r.status == "pending"
        ):
            v.matching, v.others, v.more_matching, v.more_others = candidates(session, r)
        views.append(v)
    return views


def inbox(session: Session, principal: Principal, org_id: int) -> Inbox:
    """The footprint-requests inbox of enterprise ``org_id`` for ``principal`` (who must read
    it; ``can_answer`` when it may also write it)."""
    org = require(session, principal, org_id, Access.read)
    try:
        require(session, principal, org_id, Access.write)
        can_answer = True
    except PermissionError:
        can_answer = False
    rows = list(session.scalars(_query(org_id, None, None, "request")))
    pending = [r for r in rows if r.direction == "in" and r.status == "pending"]
    answered = [r for r in rows if r.direction == "in" and r.status != "pending"]
    outbound = [r for r in rows if r.direction == "out"]
    answered.sort(key=lambda r: (r.decided_at or r.created_at, r.id), reverse=True)
    outbound.sort(key=lambda r: r.id, reverse=True)
    return Inbox(
        org=org,
        can_answer=can_answer,
        pending=request_views(session, pending, with_candidates=True),
        answered=request_views(session, answered),
        outbound=request_views(session, outbound),
    )


# ---------------------------------------------------------------------------------- answering


def _answerable(
    session: Session, principal: Principal, org_id: int, request_id: int
) -> FootprintRequest:
    """The pending inbound request ``request_id`` of ``org_id``, locked for the answer, if
    ``principal`` may write the enterprise. Raises ``NotFound`` (404), ``Forbidden`` (403),
    :class:`NotAnswerable` or :class:`AlreadyAnswered` (409)."""
    require(session, principal, org_id, Access.write)
    # FOR UPDATE: of two people answering at once on PostgreSQL, the second waits and then
    # finds the request answered (SQLite serialises writers anyway).
    row = session.get(FootprintRequest, request_id, with_for_update=True)
    if row is None or row.org_id != org_id:
        raise NotFound(f"enterprise {org_id} has no footprint request {request_id}")
    if row.direction != "in" or row.kind != "request":
        raise NotAnswerable(
            f"footprint request {request_id} is not a request received from a partner "
            f"(direction {row.direction}, kind {row.kind}); there is nothing to answer"
        )
    if row.status != "pending":
        raise AlreadyAnswered(f"footprint request {request_id} is already {row.status}")
    return row


def fulfil(
    session: Session,
    principal: Principal,
    org_id: int,
    request_id: int,
    footprint_ids: Sequence[str],
    *,
    deliver: bool = True,
) -> FootprintRequest:
    """Fulfil request ``request_id`` of enterprise ``org_id`` with published footprints, as
    ``principal`` (a manager of the enterprise): :func:`greenmfg.store.pact.fulfil_request`,
    which logs the decision and, when ``deliver``, sends the answer after the commit. Raises as
    :func:`_answerable`, and ``PactStoreError`` for an empty list or a footprint the requester
    may not read (HTTP 422)."""
    _answerable(session, principal, org_id, request_id)
    return fulfil_request(session, request_id, footprint_ids, actor=principal, deliver=deliver)


def reject(
    session: Session,
    principal: Principal,
    org_id: int,
    request_id: int,
    reason: str,
    code: str = "NotFound",
    *,
    deliver: bool = True,
) -> FootprintRequest:
    """Reject request ``request_id`` with the error ``code`` (one of :data:`REJECT_CODES`, the
    v2.3.3/v3.0.3 ``Error.code`` enum) and ``reason`` as its message, as ``principal``:
    :func:`greenmfg.store.pact.reject_request`. Raises as :func:`fulfil`."""
    _answerable(session, principal, org_id, request_id)
    return reject_request(session, request_id, reason, code=code, actor=principal, deliver=deliver)

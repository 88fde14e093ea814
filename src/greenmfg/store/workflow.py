"""The reporting workflow: draft -> submitted -> verified | returned, with comments.

A submission freezes the period's current version and its inventory; the verifier's decision
is recorded on the submission. A returned or verified period can be corrected only by a new
version with a reason (see :mod:`greenmfg.store.activities`), which puts it back to draft.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.store import audit
from greenmfg.store.activities import DEFAULT_METHOD, Conflict, get_period
from greenmfg.store.models import Comment, InventoryResult, ReportingPeriod, Submission, utcnow
from greenmfg.store.scope import Access, NotFound, Principal, require

TRANSITIONS = {
    "submit": ({"draft", "returned"}, "submitted"),
    "verify": ({"submitted"}, "verified"),
    "return": ({"submitted"}, "returned"),
}


def _period(
    session: Session, principal: Principal, org_id: int, year: int, access: Access
) -> ReportingPeriod:
    require(session, principal, org_id, access)
    period = get_period(session, org_id, year)
    if period is None:
        raise NotFound(f"no {year} data for enterprise {org_id}")
    return period


def _check(period: ReportingPeriod, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if period.status not in allowed:
        raise Conflict(
            f"{period.year} is {period.status}; {action} needs {' or '.join(sorted(allowed))}"
        )
    return target


def submit(
    session: Session, principal: Principal, org_id: int, year: int, note: str = ""
) -> Submission:
    """Submit the period's current version for verification."""
    period = _period(session, principal, org_id, year, Access.write)
    target = _check(period, "submit")
    if period.current_version_id is None:
        raise Conflict(f"{year} has no activity data to submit")
    inv = session.scalars(
        select(InventoryResult).where(
            InventoryResult.version_id == period.current_version_id,
            InventoryResult.method == DEFAULT_METHOD,
        )
    ).first()
    if inv is None:
        raise Conflict(f"{year} has no computed inventory")
    sub = Submission(
        period_id=period.id,
        version_id=period.current_version_id,
        inventory_id=inv.id,
        status=target,
        submitted_by=principal.user_id,
        decision_note=note,
    )
    session.add(sub)
    period.status = target
    session.flush()
    audit.append(
        session,
        actor_id=principal.user_id,
        actor=principal.username,
        action="submission.submit",
        entity="submission",
        entity_id=sub.id,
        org_id=org_id,
        payload={
            "year": year,
            "version_id": sub.version_id,
            "inventory_id": inv.id,
            "total_tco2e": inv.total_tco2e,
            "note": note,
        },
    )
    return sub


def decide(
    session: Session, principal: Principal, org_id: int, year: int, action: str, note: str
) -> Submission:
    """A verifier's decision, ``action`` = ``verify`` or ``return`` (a return needs a note)."""
    if action not in ("verify", "return"):
        raise ValueError(f"unknown decision {action!r}; expected verify or return")
    period = _period(session, principal, org_id, year, Access.verify)
    target = _check(period, action)
    if action == "return" and not note.strip():
        raise Conflict("returning a submission needs a note saying what to fix")
    sub = session.scalars(
        select(Submission).where(Submission.period_id == period.id).order_by(Submission.id.desc())
    ).first()
    if sub is None or sub.status != "submitted":
        raise Conflict(f"{year} has no pending submission")
    sub.status = target
    sub.decided_by = principal.user_id
    sub.decided_at = utcnow()
    sub.decision_note = note
    period.status = target
    session.flush()
    audit.append(
        session,
        actor_id=principal.user_id,
        actor=principal.username,
        action=f"submission.{action}",
        entity="submission",
        entity_id=sub.id,
        org_id=org_id,
        payload={"year": year, "version_id": sub.version_id, "note": note},
    )
    return sub


def add_comment(
    session: Session, principal: Principal, org_id: int, year: int, body: str
) -> Comment:
    if not body.strip():
        raise Conflict("an empty comment")
    period = _period(session, principal, org_id, year, Access.comment)
    c = Comment(period_id=period.id, user_id=principal.user_id, body=body.strip())
    session.add(c)
    session.flush()
    audit.append(
        session,
        actor_id=principal.user_id,
        actor=principal.username,
        action="comment.add",
        entity="comment",
        entity_id=c.id,
        org_id=org_id,
        payload={"year": year, "body": c.body},
    )
    return c

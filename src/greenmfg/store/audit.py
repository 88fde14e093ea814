"""The hash-chained audit log.

Each entry's ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of its
fields including ``prev_hash``, the hash of the entry before it (64 zeros for the first). Editing,
deleting or reordering any entry breaks the chain from that entry on; :func:`verify_chain` names
the first entry that does not match. The head row records the last id and hash, so truncating the
end of the log is detected too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.store.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "org_id",
    "payload",
    "prev_hash",
)


def canonical(value: Any) -> str:
    """Canonical JSON text: sorted keys, compact separators, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: fields[k] for k in HASHED_FIELDS}).encode()).hexdigest()


def _head(session: Session) -> AuditHead:
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def append(
    session: Session,
    *,
    actor_id: int | None,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    org_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (it commits or rolls back with the write)."""
    head = _head(session)
    fields: dict[str, Any] = {
        "id": head.last_id + 1,
        "at": utcnow(),
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "org_id": org_id,
        "payload": canonical(payload or {}),
        "prev_hash": head.last_hash,
    }
    fields["hash"] = entry_hash(fields)
    entry = AuditEntry(**fields)
    session.add(entry)
    head.last_id = entry.id
    head.last_hash = entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`. ``first_bad`` is ``None`` when the chain is intact."""

    entries: int
    first_bad: int | None
    problem: str
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.first_bad is None and not self.problem


def _rows(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        chunk = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in id order; report the first entry that is wrong and why."""
    prev = GENESIS
    expected_id = 1
    n = 0
    for e in _rows(session):
        n += 1
        fields = {k: getattr(e, k) for k in HASHED_FIELDS}
        if e.id != expected_id:
            return ChainReport(n, e.id, f"entry {expected_id} is missing (next is {e.id})", prev)
        if e.prev_hash != prev:
            return ChainReport(
                n, e.id, f"entry {e.id}: prev_hash does not match entry {e.id - 1}", prev
            )
        if entry_hash(fields) != e.hash:
            return ChainReport(n, e.id, f"entry {e.id}: content does not match its hash", prev)
        prev = e.hash
        expected_id += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != prev):
        return ChainReport(
            n,
            expected_id,
            f"the log ends at entry {expected_id - 1} but the head records entry {head.last_id}",
            prev,
        )
    return ChainReport(n, None, "", prev)

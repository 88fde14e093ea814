"""The one place that decides who may see and change what.

Every query for tenant data goes through :func:`enterprise_scope` (a SQL condition on
:class:`Organisation`) or :func:`require`. Rules:

- ``manager`` reads and writes its own enterprise; ``viewer`` reads it.
- ``park_admin`` reads the enterprises whose ``park_id`` is the park.
- ``authority`` reads by jurisdiction (GB/T 2260): national everywhere, provincial where the
  first two digits match, municipal the first four, county all six.
- ``verifier`` reads, comments on and decides the enterprises its body is assigned to.
- a platform admin reads everything and manages organisations and users; it does not edit an
  enterprise's data (that stays the enterprise's own act).

An enterprise the principal may not read is reported as not found, never as forbidden, so
that ids do not leak which tenants exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from greenmfg.store.models import Membership, Organisation, User, VerifierAssignment

JURISDICTION_DIGITS = {"national": 0, "provincial": 2, "municipal": 4, "county": 6}


class Access(StrEnum):
    read = "read"
    write = "write"  # import, edit, submit
    verify = "verify"  # decide a submission
    comment = "comment"


class NotFound(LookupError):
    """The thing does not exist or the principal may not know it exists (HTTP 404)."""


class Forbidden(PermissionError):
    """The principal sees the thing but may not do this to it (HTTP 403)."""


@dataclass(frozen=True)
class Grant:
    org_id: int
    role: str
    org_kind: str
    level: str | None
    region_code: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and every role they hold."""

    user_id: int
    username: str
    is_admin: bool
    grants: tuple[Grant, ...]

    def roles(self) -> set[str]:
        return {g.role for g in self.grants} | ({"admin"} if self.is_admin else set())

    def home(self) -> Grant | None:
        """The first grant, which decides the landing dashboard."""
        return self.grants[0] if self.grants else None


def load_principal(session: Session, user: User) -> Principal:
    rows = session.execute(
        select(
            Membership.org_id,
            Membership.role,
            Organisation.kind,
            Organisation.level,
            Organisation.region_code,
        )
        .join(Organisation, Organisation.id == Membership.org_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    ).all()
    return Principal(
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        grants=tuple(Grant(*r) for r in rows),
    )


def jurisdiction(level: str | None, region_code: str) -> ColumnElement[bool]:
    """Enterprises within an authority's region (GB/T 2260 prefix of its level)."""
    digits = JURISDICTION_DIGITS.get(level or "", 6)
    if digits == 0:
        return true()
    return Organisation.region_code.startswith(region_code[:digits], autoescape=True)


def enterprise_scope(principal: Principal, access: Access = Access.read) -> ColumnElement[bool]:
    """SQL condition on :class:`Organisation` selecting the enterprises the principal may
    ``access``. Combine with ``Organisation.kind == 'enterprise'`` (done by :func:`enterprises`)."""
    terms: list[ColumnElement[bool]] = []
    if principal.is_admin and access is Access.read:
        return true()
    for g in principal.grants:
        if (g.role == "manager" and access in (Access.read, Access.write, Access.comment)) or (
            g.role == "viewer" and access is Access.read
        ):
            terms.append(Organisation.id == g.org_id)
        elif g.role == "park_admin" and access is Access.read:
            terms.append(Organisation.park_id == g.org_id)
        elif g.role == "authority" and access is Access.read:
            terms.append(jurisdiction(g.level, g.region_code))
        elif g.role == "verifier" and access in (Access.read, Access.verify, Access.comment):
            assigned = select(VerifierAssignment.enterprise_id).where(
                VerifierAssignment.verifier_org_id == g.org_id
            )
            terms.append(Organisation.id.in_(assigned))
    return or_(*terms) if terms else false()


def enterprises(principal: Principal, access: Access = Access.read):  # type: ignore[no-untyped-def]
    """``select(Organisation)`` of the enterprises in scope, ordered by name."""
    return (
        select(Organisation)
        .where(Organisation.kind == "enterprise", enterprise_scope(principal, access))
        .order_by(Organisation.name)
    )


def require(session: Session, principal: Principal, org_id: int, access: Access) -> Organisation:
    """The enterprise ``org_id`` if the principal may ``access`` it.

    Raises :class:`NotFound` if the principal cannot read it (or it does not exist),
    :class:`Forbidden` if it can read it but not ``access`` it.
    """
    org = session.scalars(
        select(Organisation).where(
            Organisation.id == org_id,
            Organisation.kind == "enterprise",
            enterprise_scope(principal, Access.read),
        )
    ).first()
    if org is None:
        raise NotFound(f"enterprise {org_id} not found")
    if access is not Access.read:
        allowed = session.scalar(
            select(Organisation.id).where(
                Organisation.id == org_id, enterprise_scope(principal, access)
            )
        )
        if allowed is None:
            raise Forbidden(f"{principal.username} may not {access.value} enterprise {org_id}")
    return org


def visible_organisations(principal: Principal):  # type: ignore[no-untyped-def]
    """Organisations listed to the principal: enterprises in scope plus its own organisations
    (and, for an admin, all)."""
    if principal.is_admin:
        return select(Organisation).order_by(Organisation.kind, Organisation.name)
    own = [g.org_id for g in principal.grants]
    return (
        select(Organisation)
        .where(
            or_(
                Organisation.id.in_(own),
                (Organisation.kind == "enterprise") & enterprise_scope(principal, Access.read),
            )
        )
        .order_by(Organisation.kind, Organisation.name)
    )


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("administrators only")

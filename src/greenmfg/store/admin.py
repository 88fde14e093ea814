"""Administration: organisations, sites, users, memberships and verifier assignments."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.store import audit
from greenmfg.store.activities import Conflict
from greenmfg.store.auth import hash_password
from greenmfg.store.models import (
    AUTHORITY_LEVELS,
    ORG_KINDS,
    ROLES,
    Membership,
    Organisation,
    Site,
    User,
    VerifierAssignment,
)
from greenmfg.store.scope import Principal

REGION = re.compile(r"\d{6}")
INDUSTRY = re.compile(r"[A-T]\d{2,4}")  # GB/T 4754-2017: section letter + division/group/class
ROLE_KINDS = {
    "manager": {"enterprise"},
    "viewer": {"enterprise"},
    "park_admin": {"park"},
    "authority": {"authority"},
    "verifier": {"verifier"},
}

SYSTEM = Principal(user_id=0, username="system", is_admin=True, grants=())


class AdminError(ValueError):
    pass


def _log(
    session: Session,
    actor: Principal,
    action: str,
    entity: str,
    eid: object,
    org_id: int | None,
    payload: dict,
) -> None:  # type: ignore[type-arg]
    audit.append(
        session,
        actor_id=actor.user_id or None,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=eid,
        org_id=org_id,
        payload=payload,
    )


def create_organisation(
    session: Session,
    actor: Principal,
    *,
    kind: str,
    name: str,
    region_code: str,
    name_en: str = "",
    level: str | None = None,
    industry_code: str | None = None,
    park_id: int | None = None,
) -> Organisation:
    """A new organisation; checks the kind, GB/T 2260 region code, level and GB/T 4754 code."""
    if kind not in ORG_KINDS:
        raise AdminError(f"kind {kind!r}: expected one of {', '.join(ORG_KINDS)}")
    if not REGION.fullmatch(region_code):
        raise AdminError(f"region_code {region_code!r}: expected a six-digit GB/T 2260 code")
    if kind == "authority" and level not in AUTHORITY_LEVELS:
        raise AdminError(
            f"level {level!r}: an authority needs one of {', '.join(AUTHORITY_LEVELS)}"
        )
    if kind != "authority" and level:
        raise AdminError("only an authority has a level")
    if industry_code and not INDUSTRY.fullmatch(industry_code):
        raise AdminError(
            f"industry_code {industry_code!r}: expected a GB/T 4754-2017 code such as C3011"
        )
    if park_id is not None:
        park = session.get(Organisation, park_id)
        if park is None or park.kind != "park" or kind != "enterprise":
            raise AdminError(
                f"park_id {park_id}: only an enterprise belongs to a park, and it must exist"
            )
    if not name.strip():
        raise AdminError("name: required")
    org = Organisation(
        kind=kind,
        name=name.strip(),
        name_en=name_en.strip(),
        level=level,
        region_code=region_code,
        industry_code=industry_code,
        park_id=park_id,
    )
    session.add(org)
    session.flush()
    _log(
        session,
        actor,
        "organisation.create",
        "organisation",
        org.id,
        org.id,
        {
            "kind": kind,
            "name": org.name,
            "region_code": region_code,
            "level": level,
            "industry_code": industry_code,
            "park_id": park_id,
        },
    )
    return org


def create_site(
    session: Session,
    actor: Principal,
    org: Organisation,
    code: str,
    name: str,
    region_code: str | None = None,
) -> Site:
    region = region_code or org.region_code
    if session.scalars(select(Site.id).where(Site.org_id == org.id, Site.code == code)).first():
        raise Conflict(f"site {code!r} already exists for organisation {org.id}")
    if not REGION.fullmatch(region):
        raise AdminError(f"region_code {region!r}: expected a six-digit GB/T 2260 code")
    site = Site(org_id=org.id, code=code, name=name, region_code=region)
    session.add(site)
    session.flush()
    _log(
        session,
        actor,
        "site.create",
        "site",
        site.id,
        org.id,
        {"code": code, "name": name, "region_code": region},
    )
    return site


def create_user(
    session: Session,
    actor: Principal,
    *,
    username: str,
    password: str,
    display_name: str = "",
    is_admin: bool = False,
    locale: str = "zh",
    password_hash: str | None = None,
) -> User:
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,64}", username):
        raise AdminError(f"username {username!r}: 2-64 letters, digits or _.@-")
    if session.scalars(select(User).where(User.username == username)).first():
        raise AdminError(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash or hash_password(password),
        is_admin=is_admin,
        locale=locale,
    )
    session.add(user)
    session.flush()
    _log(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        None,
        {"username": username, "is_admin": is_admin},
    )
    return user


def grant(
    session: Session, actor: Principal, user: User, org: Organisation, role: str
) -> Membership:
    if role not in ROLES:
        raise AdminError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if org.kind not in ROLE_KINDS[role]:
        raise AdminError(f"role {role} belongs to a {'/'.join(ROLE_KINDS[role])}, not a {org.kind}")
    m = Membership(user_id=user.id, org_id=org.id, role=role)
    session.add(m)
    session.flush()
    _log(
        session,
        actor,
        "membership.create",
        "membership",
        m.id,
        org.id,
        {"user": user.username, "role": role},
    )
    return m


def assign_verifier(
    session: Session, actor: Principal, verifier: Organisation, enterprise: Organisation
) -> VerifierAssignment:
    if verifier.kind != "verifier" or enterprise.kind != "enterprise":
        raise AdminError("an assignment links a verification body to an enterprise")
    a = VerifierAssignment(verifier_org_id=verifier.id, enterprise_id=enterprise.id)
    session.add(a)
    session.flush()
    _log(
        session,
        actor,
        "assignment.create",
        "verifier_assignment",
        a.id,
        enterprise.id,
        {"verifier_org_id": verifier.id, "enterprise_id": enterprise.id},
    )
    return a

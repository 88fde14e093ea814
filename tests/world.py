"""A small multi-tenant world for the platform tests (two parks, four enterprises in three
prefectures of two provinces, four authorities, two verification bodies, one user per role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenmfg.io.activities import read_activities
from greenmfg.reference.loader import get_reference
from greenmfg.store import admin
from greenmfg.store.activities import new_version
from greenmfg.store.auth import create_token
from greenmfg.store.db import Database
from greenmfg.store.migrate import upgrade
from greenmfg.store.models import User
from greenmfg.store.scope import load_principal

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PASSWORD = "correct horse 1"

# name: (kind, region, level, industry, park)
ORGS: dict[str, tuple[str, str, str | None, str | None, str | None]] = {
    "P1": ("park", "320506", None, None, None),  # Suzhou (苏州市吴中区)
    "P2": ("park", "320211", None, None, None),  # Wuxi (无锡市滨湖区)
    "E1": ("enterprise", "320506", None, "C3011", "P1"),  # Suzhou, park P1
    "E2": ("enterprise", "320505", None, "C3041", "P1"),  # Suzhou, park P1
    "E3": ("enterprise", "320211", None, "C3216", "P2"),  # Wuxi, park P2
    "E4": ("enterprise", "340202", None, "C3120", None),  # Wuhu, Anhui, no park
    "NAT": ("authority", "000000", "national", None, None),
    "JS": ("authority", "320000", "provincial", None, None),
    "SZ": ("authority", "320500", "municipal", None, None),
    "AH": ("authority", "340000", "provincial", None, None),
    "V1": ("verifier", "320500", None, None, None),
    "V2": ("verifier", "340200", None, None, None),
}
# username: (org, role); "admin" is a platform administrator without membership
USERS: dict[str, tuple[str | None, str | None]] = {
    "m1": ("E1", "manager"),
    "v1": ("E1", "viewer"),
    "m2": ("E2", "manager"),
    "m3": ("E3", "manager"),
    "m4": ("E4", "manager"),
    "park1": ("P1", "park_admin"),
    "park2": ("P2", "park_admin"),
    "nat": ("NAT", "authority"),
    "js": ("JS", "authority"),
    "sz": ("SZ", "authority"),
    "ah": ("AH", "authority"),
    "ver1": ("V1", "verifier"),
    "ver2": ("V2", "verifier"),
    "admin": (None, None),
}
ASSIGNMENTS = [("V1", "E1"), ("V1", "E3"), ("V2", "E4")]
ENTERPRISES = ("E1", "E2", "E3", "E4")


@dataclass
class World:
    db: Database
    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def principal(self, username: str) -> Any:
        with self.db.reading() as s:
            user = s.get(User, self.users[username])
            assert user is not None
            return load_principal(s, user)


_CEMENT = None


def cement_table() -> Any:
    global _CEMENT
    if _CEMENT is None:
        _CEMENT = read_activities(EXAMPLES / "cement_plant.xlsx", get_reference())
    return _CEMENT


def build_world(url: str, data: bool = True) -> World:
    """Create the world in an empty database at ``url`` (migrated to head)."""
    import numpy as np

    from greenmfg.store.auth import hash_password

    db = Database(url)
    upgrade(db.engine)
    w = World(db=db)
    pw_hash = hash_password(PASSWORD)  # one argon2 hash for all users keeps the fixture fast
    with db.writing() as s:
        for name, (kind, region, level, industry, park) in ORGS.items():
            org = admin.create_organisation(
                s,
                admin.SYSTEM,
                kind=kind,
                name=f"{name} 测试",
                name_en=f"{name} test",
                region_code=region,
                level=level,
                industry_code=industry,
                park_id=w.orgs[park] if park else None,
            )
            w.orgs[name] = org.id
        orgs = {k: s.get(type(org), v) for k, v in w.orgs.items()}
        for username, (org_key, role) in USERS.items():
            u = admin.create_user(
                s,
                admin.SYSTEM,
                username=username,
                password="",
                password_hash=pw_hash,
                is_admin=username == "admin",
            )
            w.users[username] = u.id
            if org_key and role:
                admin.grant(s, admin.SYSTEM, u, orgs[org_key], role)
            _row, secret = create_token(s, u, "test")
            w.tokens[username] = secret
        for v, e in ASSIGNMENTS:
            admin.assign_verifier(s, admin.SYSTEM, orgs[v], orgs[e])
    if data:
        ref = get_reference()
        table = cement_table()
        part = table.take(np.flatnonzero(table.year == 2023))
        for e in ENTERPRISES:
            manager = {"E1": "m1", "E2": "m2", "E3": "m3", "E4": "m4"}[e]
            p = w.principal(manager)
            with db.writing() as s:
                org = s.get(type(orgs["E1"]), w.orgs[e])
                new_version(s, ref, p, org, 2023, part, reason="", source_name="cement_plant.xlsx")
    return w

"""Load the demo industrial park (:mod:`greenmfg.demo.dataset`) into a store.

Everything goes through the same services as real use (admin, imports, workflow), so the demo's
audit chain, versions and stored inventories are what a real deployment would hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import select

from greenmfg.accounting.activities import ActivityTable
from greenmfg.demo.dataset import DemoDataset, demo_dataset
from greenmfg.demo.footprints import cement_system, declarations
from greenmfg.footprint.system import compute, gwp_table
from greenmfg.io.pact import declaration_to_pact
from greenmfg.reference.loader import get_reference
from greenmfg.store import admin, benchmarking, workflow
from greenmfg.store.activities import get_period, new_version
from greenmfg.store.auth import hash_password
from greenmfg.store.db import Database
from greenmfg.store.footprints import save_product_system
from greenmfg.store.models import Organisation, User
from greenmfg.store.pact import create_client, publish_footprint
from greenmfg.store.queries import stored_inventory
from greenmfg.store.scope import Principal, load_principal

RETURN_NOTE = "请补充外购电力的结算单，并核对熟料/产品产量与生产台账是否一致。"
VERIFY_NOTE = "数据与台账、发票一致，核查通过。"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def seed_demo(
    db: Database, dataset: DemoDataset | None = None, progress: Progress | None = None
) -> DemoDataset:
    """Create the demo's organisations, users and three years of data in an empty, migrated store."""
    ds = dataset or demo_dataset()
    ref = get_reference()
    say = progress or (lambda stage, done, total: None)
    ids: dict[str, int] = {}
    with db.writing() as s:
        if s.scalars(select(Organisation.id).limit(1)).first() is not None:
            raise RuntimeError(
                "the database already holds organisations; the demo needs an empty one"
            )
        for o in ds.orgs:
            org = admin.create_organisation(
                s,
                admin.SYSTEM,
                kind=o.kind,
                name=o.name,
                name_en=o.name_en,
                region_code=o.region_code,
                level=o.level,
                industry_code=o.industry_code,
                park_id=ids[o.park_key] if o.park_key else None,
            )
            ids[o.key] = org.id
        orgs = {k: s.get(Organisation, v) for k, v in ids.items()}
        for site in ds.sites:
            org = orgs[site.org_key]
            assert org is not None
            admin.create_site(s, admin.SYSTEM, org, site.code, site.name, site.region_code)
        hashes: dict[str, str] = {}
        for u in ds.users:
            h = hashes.setdefault(u.password, hash_password(u.password))
            user = admin.create_user(
                s,
                admin.SYSTEM,
                username=u.username,
                password=u.password,
                display_name=u.display_name,
                is_admin=not u.memberships and u.username == "admin",
                password_hash=h,
            )
            for org_key, role in u.memberships:
                org = orgs[org_key]
                assert org is not None
                admin.grant(s, admin.SYSTEM, user, org, role)
        for v, e in ds.assignments:
            vo, eo = orgs[v], orgs[e]
            assert vo is not None and eo is not None
            admin.assign_verifier(s, admin.SYSTEM, vo, eo)
    principals = _principals(db, ds, ids)
    keys = sorted(ds.activities)
    for n, (org_key, year) in enumerate(keys, 1):
        manager = principals[("manager", org_key)]
        with db.writing() as s:
            org = s.get(Organisation, ids[org_key])
            assert org is not None
            table = ActivityTable.from_records(
                ds.activities[(org_key, year)], source=f"demo {org_key} {year}"
            )
            new_version(
                s, ref, manager, org, year, table, reason="", source_name=f"{org_key}_{year}.xlsx"
            )
            period = get_period(s, org.id, year)
            assert period is not None
            period.output_value = ds.output_value.get((org_key, year))
            state = ds.submission_states.get((org_key, year), "draft")
            if state != "draft":
                workflow.submit(s, manager, org.id, year)
            if state in ("verified", "returned"):
                verifier = principals[("verifier", org_key)]
                action = "verify" if state == "verified" else "return"
                workflow.decide(
                    s,
                    verifier,
                    org.id,
                    year,
                    action,
                    VERIFY_NOTE if action == "verify" else RETURN_NOTE,
                )
        say("data", n, len(keys))
    with db.writing() as s:
        for line in ds.lines:
            benchmarking.create_line(
                s,
                ref,
                principals[("manager", line.org_key)],
                ids[line.org_key],
                site=line.site,
                name=line.name,
                indicator_id=line.indicator_id,
                product=line.product,
                capacity=line.capacity,
                capacity_unit=line.capacity_unit,
                commissioned=line.commissioned,
            )
        for t in ds.titles:
            benchmarking.award_title(
                s, admin.SYSTEM, ids[t.org_key], level=t.level, year=t.year, list_name=t.list_name
            )
    return dataclasses.replace(ds, pact_client=seed_footprints(db, ds, ids, principals))


#: name of the demo's PACT client (a customer of the cement plant)
DEMO_PACT_CLIENT = "demo customer (PACT)"
DEMO_SYSTEM_NAME = "水泥 cement"


def seed_footprints(
    db: Database,
    ds: DemoDataset,
    ids: dict[str, int],
    principals: dict[tuple[str, str], Principal],
) -> tuple[str, str]:
    """Compute the cement plant's product footprints from its stored inventory, publish them as
    PACT v3 footprints and create a PACT client for them. Returns ``(client_id, secret)``."""
    ref = get_reference()
    key = "ent20"
    year = max(y for k, y in ds.activities if k == key)
    org = ds.org(key)
    with db.writing() as s:
        # ISO 14064-1 inventory: AR6 GWPs, the family of ISO 14067
        inv, _ = stored_inventory(
            s, principals[("manager", key)], ids[key], year, method="iso14064"
        )
        system = cement_system(inv.summary, year, ref)
        result = compute(system, gwp_table(ref.gwp, inv.gwp_set), inv.gwp_set)
        save_product_system(
            s,
            ref,
            principals[("manager", key)],
            ids[key],
            DEMO_SYSTEM_NAME,
            system,
            year=year,
            gwp_set=inv.gwp_set,
            description="熟料线、矿山与粉磨站，由 ISO 14064-1 清单生成 (demo)",
        )
        for org_key, decl in declarations(result, org.name, year, "CN-JS"):
            publish_footprint(
                s,
                ids[org_key],
                declaration_to_pact(decl, "3"),
                origin="computed",
                origin_detail=f"greenmfg demo product system, inventory {year}",
            )
        return create_client(s, ids[key], DEMO_PACT_CLIENT)


def _principals(
    db: Database, ds: DemoDataset, ids: dict[str, int]
) -> dict[tuple[str, str], Principal]:
    """The manager of each enterprise, and the verifier user of its assigned body."""
    out: dict[tuple[str, str], Principal] = {}
    verifier_of = {e: v for v, e in ds.assignments}
    with db.reading() as s:
        by_name = {u.username: u for u in s.scalars(select(User))}
        for u in ds.users:
            p = load_principal(s, by_name[u.username])
            for org_key, role in u.memberships:
                if role == "manager":
                    out[("manager", org_key)] = p
                if role == "verifier":
                    for e, v in verifier_of.items():
                        if v == org_key:
                            out.setdefault(("verifier", e), p)
    return out

"""The store on SQLite and on a real PostgreSQL: migrations, versions, workflow, audit chain."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from openpyxl import Workbook
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from greenmfg.cli import app as cli
from greenmfg.reference.loader import get_reference
from greenmfg.store import workflow
from greenmfg.store.activities import (
    Conflict,
    ImportProblems,
    correct_records,
    import_activities,
    recompute,
    table_to_records,
    version_records,
)
from greenmfg.store.audit import verify_chain
from greenmfg.store.migrate import current_revision, head_revision
from greenmfg.store.models import (
    ActivityRecord,
    ActivityVersion,
    AuditEntry,
    Base,
    InventoryResult,
    ReportingPeriod,
    Site,
    Submission,
)
from world import World, build_world, cement_table


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def world(url: str) -> World:
    w = build_world(url)
    yield w  # type: ignore[misc]
    w.db.dispose()


def counts(w: World) -> dict[str, int]:
    with w.db.reading() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (
                ActivityRecord,
                ActivityVersion,
                InventoryResult,
                ReportingPeriod,
                Site,
                AuditEntry,
                Submission,
            )
        }


def test_migrations_reach_head_and_match_the_models(world: World) -> None:
    assert current_revision(world.db.engine) == head_revision() == "0004"
    with world.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_stored_inventory_names_edition_and_engine_and_reproduces(world: World) -> None:
    ref = get_reference()
    with world.db.reading() as s:
        inv = s.scalars(select(InventoryResult).where(InventoryResult.method == "gbt32150")).first()
        assert inv is not None
        assert inv.reference_edition.startswith("greenmfg-") and "+ref." in inv.reference_edition
        assert inv.engine_version
        version = s.get(ActivityVersion, inv.version_id)
        assert version is not None
        again = recompute(s, ref, version, "gbt32150")
        assert again.totals()["total_tco2e"] == pytest.approx(inv.total_tco2e, rel=1e-12)
        # the stored records round-trip exactly (units, measured values, rows)
        stored = [
            {k: v for k, v in r.items()}
            for r in table_to_records(
                __import__("greenmfg.store.activities", fromlist=["x"]).records_to_table(
                    version_records(s, version.id)
                )
            )
        ]
    t = cement_table()
    original = [r for r in table_to_records(t) if r["year"] == 2023]
    assert stored == original


def _bad_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "activities"
    ws.append(["site", "year", "kind", "item", "amount", "unit"])
    ws.append(["kiln", 2023, "fuel", "bituminous_coal", 1000, "t"])  # row 2 fine
    ws.append(["kiln", 2023, "fuel", "unobtainium", 5, "t"])  # row 3: unknown item
    ws.append(["kiln", 2023, "electricity", "grid_electricity", "lots", "MWh"])  # row 4: amount
    ws.append(["kiln", 2023, "fuel", "natural_gas", 10, "kWh"])  # row 5: wrong dimension
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_malformed_workbook_writes_nothing_and_locates_every_problem(world: World) -> None:
    before = counts(world)
    p = world.principal("m1")
    with pytest.raises(ImportProblems) as exc, world.db.writing() as s:
        import_activities(s, get_reference(), p, world.orgs["E1"], _bad_workbook(), "bad.xlsx")
    where = "\n".join(exc.value.messages)
    assert {(pr.row, pr.column) for pr in exc.value.problems} >= {
        (3, "item"),
        (4, "amount"),
        (5, "unit"),
    }
    assert "bad.xlsx, sheet 'activities', row 3, column 'item' (D)" in where
    assert "row 4, column 'amount' (E)" in where and "row 5, column 'unit' (F)" in where
    assert counts(world) == before
    # a file that is not a workbook at all
    with pytest.raises(ImportProblems, match="cannot be read as XLSX"), world.db.writing() as s:
        import_activities(
            s, get_reference(), p, world.orgs["E1"], b"PK\x03\x04garbage", "broken.xlsx"
        )
    assert counts(world) == before


def test_versions_and_workflow(world: World) -> None:
    ref = get_reference()
    e1 = world.orgs["E1"]
    m1, ver1 = world.principal("m1"), world.principal("ver1")
    with world.db.writing() as s:
        workflow.submit(s, m1, e1, 2023)
    # submitted data cannot change until the verifier decides
    with pytest.raises(Conflict, match="submitted"), world.db.writing() as s:
        import_activities(s, ref, m1, e1, _good_csv(), "fix.csv")
    with world.db.writing() as s:
        workflow.decide(s, ver1, e1, 2023, "verify", "核查无误")
    # a correction of verified data needs a reason ...
    recs = [
        {**r, "amount": r["amount"] * (1.1 if r["item"] == "bituminous_coal" else 1)}
        for r in _records(world, e1)
    ]
    with pytest.raises(Conflict, match="needs a reason"), world.db.writing() as s:
        correct_records(s, ref, m1, e1, 2023, recs, reason="  ")
    # ... and becomes version 2, back to draft; version 1 and its submission stay as they were
    with world.db.writing() as s:
        v2 = correct_records(s, ref, m1, e1, 2023, recs, reason="煤耗台账更正")
        assert v2.version == 2
    with world.db.reading() as s:
        period = s.scalars(select(ReportingPeriod).where(ReportingPeriod.org_id == e1)).one()
        assert period.status == "draft" and period.current_version_id == v2.id
        sub = s.scalars(select(Submission)).one()
        assert sub.status == "verified" and sub.version_id != v2.id
        totals = dict(
            s.execute(
                select(ActivityVersion.version, InventoryResult.total_tco2e)
                .join(InventoryResult, InventoryResult.version_id == ActivityVersion.id)
                .where(ActivityVersion.period_id == period.id, InventoryResult.method == "gbt32150")
            ).all()
        )
    assert totals[2] > totals[1]
    assert verify_chain_ok(world)


def _records(world: World, org_id: int) -> list[dict[str, Any]]:
    with world.db.reading() as s:
        period = s.scalars(select(ReportingPeriod).where(ReportingPeriod.org_id == org_id)).one()
        return [
            {
                "row": r.row,
                "site": r.site,
                "kind": r.kind,
                "item": r.item,
                "amount": r.amount,
                "unit": r.unit,
                "region": r.region,
                "measured": r.measured,
            }
            for r in version_records(s, period.current_version_id)  # type: ignore[arg-type]
        ]


def _good_csv() -> bytes:
    return b"site,year,kind,item,amount,unit\nkiln,2023,fuel,bituminous_coal,1000,t\n"


def verify_chain_ok(world: World) -> bool:
    with world.db.reading() as s:
        return verify_chain(s).ok


def _tamper(world: World, sql: str, **params: Any) -> None:
    """Change the database behind the application's back."""
    with world.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_audit_chain_detects_an_edited_row(world: World, url: str) -> None:
    with world.db.reading() as s:
        report = verify_chain(s)
        n = report.entries
    assert report.ok and n > 20
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", "--database", url])
    assert ok.exit_code == 0, ok.output
    assert f"{n} entries" in ok.output
    _tamper(world, "UPDATE audit_log SET actor = 'mallory' WHERE id = 7")
    with world.db.reading() as s:
        bad = verify_chain(s)
    assert bad.first_bad == 7 and "does not match its hash" in bad.problem
    res = runner.invoke(cli, ["audit", "verify", "--database", url])
    assert res.exit_code == 1
    assert "entry 7" in res.output


def test_audit_chain_detects_deletion_and_truncation(world: World) -> None:
    _tamper(world, "DELETE FROM audit_log WHERE id = 3")
    with world.db.reading() as s:
        r = verify_chain(s)
    assert r.first_bad == 4 and "entry 3 is missing" in r.problem


def test_audit_chain_detects_a_removed_tail(world: World) -> None:
    with world.db.reading() as s:
        last = s.scalar(select(func.max(AuditEntry.id)))
    _tamper(world, f"DELETE FROM audit_log WHERE id = {last}")
    with world.db.reading() as s:
        r = verify_chain(s)
    assert not r.ok and f"head records entry {last}" in r.problem


def test_rehashing_a_tampered_row_still_breaks_the_next_link(world: World) -> None:
    # an attacker who recomputes the edited row's own hash breaks the link to the next entry
    from greenmfg.store.audit import HASHED_FIELDS, entry_hash

    with world.db.reading() as s:
        e = s.get(AuditEntry, 5)
        assert e is not None
        fields = {k: getattr(e, k) for k in HASHED_FIELDS}
    fields["payload"] = fields["payload"].replace("测试", "篡改")
    assert "篡改" in fields["payload"]
    new_hash = entry_hash(fields)
    _tamper(
        world,
        "UPDATE audit_log SET payload = :p, hash = :h WHERE id = 5",
        p=fields["payload"],
        h=new_hash,
    )
    with world.db.reading() as s:
        r = verify_chain(s)
    assert r.first_bad == 6 and "prev_hash" in r.problem


def test_concurrent_writers_keep_one_chain(world: World) -> None:
    e1 = world.orgs["E1"]
    m1, ver1 = world.principal("m1"), world.principal("ver1")
    errors: list[BaseException] = []

    def worker(p: Any, k: int) -> None:
        try:
            for i in range(8):
                with world.db.writing() as s:
                    workflow.add_comment(s, p, e1, 2023, f"{p.username} {k}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(p, k)) for k, p in enumerate([m1, ver1, m1, ver1])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with world.db.reading() as s:
        r = verify_chain(s)
        comments = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "comment.add")
        )
    assert r.ok and comments == 32


def test_migrations_downgrade_to_empty_and_back(url: str) -> None:
    from sqlalchemy import inspect

    from greenmfg.store.db import Database
    from greenmfg.store.migrate import alembic_config, upgrade

    db = Database(url)
    upgrade(db.engine)
    tables = set(inspect(db.engine).get_table_names())
    assert {"organisations", "audit_log", "inventories", "activity_records"} <= tables
    from alembic import command

    cfg = alembic_config(url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    db.dispose()

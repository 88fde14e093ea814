"""SQLAlchemy 2 models of the platform: tenants, people, activity data, results and the audit chain.

Timestamps are stored as UTC ISO-8601 strings so that the audit hash of a row is identical on
SQLite and PostgreSQL. Amounts keep the unit they were reported in; the accounting core converts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

# Named constraints so that Alembic migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ORG_KINDS = ("enterprise", "park", "authority", "verifier")
AUTHORITY_LEVELS = ("national", "provincial", "municipal", "county")
ROLES = ("manager", "viewer", "park_admin", "authority", "verifier")
STATUSES = ("draft", "submitted", "verified", "returned")


def utcnow() -> str:
    """Now, UTC, ISO-8601 with seconds (the stored form of every timestamp)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Organisation(Base):
    """An enterprise, an industrial park, an authority (with its level) or a verification body.

    ``region_code`` is a GB/T 2260 code (six digits, ``000000`` for the national level);
    ``industry_code`` a GB/T 4754-2017 class (e.g. ``C3011``) for enterprises.
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str | None] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(8), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)

    sites: Mapped[list[Site]] = relationship(back_populates="org", order_by="Site.code")


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("org_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))

    org: Mapped[Organisation] = relationship(back_populates="sites")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(Base):
    """A user's role in an organisation (see :data:`ROLES`)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="memberships")
    org: Mapped[Organisation] = relationship()


class VerifierAssignment(Base):
    """A verification body assigned to an enterprise."""

    __tablename__ = "verifier_assignments"
    __table_args__ = (UniqueConstraint("verifier_org_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verifier_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)


class ReportingPeriod(Base):
    """An enterprise's reporting year: its current activity version and workflow status."""

    __tablename__ = "reporting_periods"
    __table_args__ = (UniqueConstraint("org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity_versions.id", use_alter=True)
    )
    output_value: Mapped[float | None] = mapped_column(Float)  # industrial output [10^4 CNY]

    org: Mapped[Organisation] = relationship()


class ActivityVersion(Base):
    """One immutable version of a period's activity records (an import or a correction)."""

    __tablename__ = "activity_versions"
    __table_args__ = (UniqueConstraint("period_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)


class ActivityRecord(Base):
    """An activity row as reported (amount in its own unit, measured parameters in ``measured``)."""

    __tablename__ = "activity_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("activity_versions.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    site: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(32), default="")
    measured: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class InventoryResult(Base):
    """A computed inventory, with the reference edition and engine version that produced it."""

    __tablename__ = "inventories"
    __table_args__ = (Index("ix_inventories_version_method", "version_id", "method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("activity_versions.id"))
    method: Mapped[str] = mapped_column(String(16))
    gwp_set: Mapped[str] = mapped_column(String(8))
    energy_basis: Mapped[str] = mapped_column(String(16))
    grid_series: Mapped[str] = mapped_column(String(32))
    reference_edition: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    total_tco2e: Mapped[float] = mapped_column(Float)
    scope1_tco2e: Mapped[float] = mapped_column(Float)
    scope2_location_tco2e: Mapped[float] = mapped_column(Float)
    scope2_market_tco2e: Mapped[float] = mapped_column(Float)
    energy_tce: Mapped[float] = mapped_column(Float)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    lines: Mapped[list[Any]] = deferred(mapped_column(JSON))


class ProductionLine(Base):
    """A production line (or process, 工序) benchmarked against the national levels.

    Its energy boundary is the accounting site ``site`` of the enterprise's activity records: the
    line's unit-product energy is that site's energy divided by its output of ``product``
    (GB/T 2589-2020 clause 4). ``indicator_id`` names a row of ``benchmark_levels.csv``;
    ``capacity`` (in ``capacity_unit``, e.g. ``t/d``) and ``commissioned`` (year) decide which
    scope row and which rule apply (new lines must reach the benchmark level).
    """

    __tablename__ = "production_lines"
    __table_args__ = (UniqueConstraint("org_id", "site", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    indicator_id: Mapped[str] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[float | None] = mapped_column(Float)
    capacity_unit: Mapped[str] = mapped_column(String(32), default="")
    commissioned: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)


class GreenFactoryTitle(Base):
    """A green-factory title awarded to an enterprise (municipal, provincial or national list)."""

    __tablename__ = "green_factory_titles"
    __table_args__ = (UniqueConstraint("org_id", "level", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    list_name: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)


class GreenFactoryEvaluation(Base):
    """A green-factory self-evaluation: the questionnaire answers and the computed result."""

    __tablename__ = "green_factory_evaluations"
    __table_args__ = (Index("ix_green_factory_evaluations_org_year", "org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    total_score: Mapped[float | None] = mapped_column(Float)
    basic_passed: Mapped[bool] = mapped_column(Boolean)
    level: Mapped[str | None] = mapped_column(String(16))
    reference_edition: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)


class Submission(Base):
    """A period submitted for verification, and the verifier's decision."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("activity_versions.id"))
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id"))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[str | None] = mapped_column(String(32))
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    expires_at: Mapped[str | None] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32))


class LoginAttempt(Base):
    """Failed logins, shared by all workers, for rate limiting."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32), default=utcnow)


class AuditEntry(Base):
    """One link of the hash chain: ``hash = SHA-256(canonical JSON of the row with prev_hash)``."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON text, hashed byte for byte
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's head (one row), locked by every append so that the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class Setting(Base):
    """Installation settings kept in the database (e.g. the generated session secret)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ------------------------------------------------------------------ PACT data exchange (issue 5)

PACT_ORIGINS = ("computed", "imported", "pulled")
PACT_STATUSES = ("Active", "Deprecated")
PACT_KEY_KINDS = ("product", "company", "classification", "geography")
REQUEST_STATUSES = ("pending", "fulfilled", "rejected", "received", "unmatched", "sent", "failed")


class ProductFootprint(Base):
    """A product carbon footprint as a PACT v3 ``ProductFootprint`` document (the canonical form;
    ``/2`` renders it with ``greenmfg.io.pact.to_v2``).

    ``id`` is the document's own UUID (PACT Tech Specs v3, ``ProductFootprint/id``). Documents are
    immutable: a new version gets a new id and lists the old one in ``precedingPfIds``; the only
    change ever made to a stored document is its lifecycle ``status`` (``Active`` -> ``Deprecated``).
    ``org_id`` is the enterprise whose footprint it is (``computed``/``imported``), or the
    enterprise that received a supplier's footprint (``pulled``, never ``published``). Dates are
    normalised UTC strings (``YYYY-MM-DDTHH:MM:SS.ffffffZ``) so that they compare as text on
    SQLite and PostgreSQL alike; ``validity_start``/``validity_end`` are the effective validity
    period (v3 ``validityPeriodStart``/``End``, else ``referencePeriodEnd`` and three years after).
    """

    __tablename__ = "product_footprints"
    __table_args__ = (
        Index("ix_product_footprints_org_published", "org_id", "published"),
        Index("ix_product_footprints_validity", "validity_start", "validity_end"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    origin: Mapped[str] = mapped_column(String(16))
    origin_detail: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16))
    spec_version: Mapped[str] = mapped_column(String(32))
    product_name: Mapped[str] = mapped_column(String(500), default="")
    product_ids: Mapped[list[Any]] = mapped_column(JSON)
    company_ids: Mapped[list[Any]] = mapped_column(JSON)
    classifications: Mapped[list[Any]] = mapped_column(JSON)
    geography: Mapped[str | None] = mapped_column(String(64))
    pf_created: Mapped[str] = mapped_column(String(32))
    pf_updated: Mapped[str | None] = mapped_column(String(32))
    reference_period_start: Mapped[str | None] = mapped_column(String(32))
    reference_period_end: Mapped[str | None] = mapped_column(String(32))
    validity_start: Mapped[str | None] = mapped_column(String(32))
    validity_end: Mapped[str | None] = mapped_column(String(32))
    preceding_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ProductFootprintKey(Base):
    """One lower-cased identifier of a footprint (product id, company id, classification or
    geography), so that the PACT list filters, which match any of a footprint's ids
    case-insensitively, run as indexed SQL on every database."""

    __tablename__ = "product_footprint_keys"
    __table_args__ = (Index("ix_product_footprint_keys_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    footprint_id: Mapped[str] = mapped_column(
        ForeignKey("product_footprints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(1000))


class PactClient(Base):
    """A data recipient's OAuth2 client credentials (RFC 6749 4.4) for the PACT API of one data
    owner: an enterprise, or a park (then its enterprises). Only the argon2id hash of the secret
    is stored; the secret is shown once."""

    __tablename__ = "pact_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[str | None] = mapped_column(String(32))


class PactAccessToken(Base):
    """An access token issued by ``POST /auth/token`` (only its SHA-256 is stored). Kept a day
    past its expiry so that a late caller is told ``TokenExpired`` rather than ``BadRequest``."""

    __tablename__ = "pact_access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("pact_clients.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    expires_at: Mapped[str] = mapped_column(String(32), index=True)


class PactConnection(Base):
    """A partner's PACT host system that greenmfg calls: to pull its footprints and to send it
    events (request answers). ``secret_enc`` is the client secret encrypted with AES-256-GCM
    under a key derived from ``GREENMFG_SECRET_KEY`` (see ``greenmfg.store.pact``)."""

    __tablename__ = "pact_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    auth_base_url: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    secret_enc: Mapped[str] = mapped_column(Text)
    ca_bundle: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    last_pull_at: Mapped[str | None] = mapped_column(String(32))


class FootprintRequest(Base):
    """A PACT event received (``direction='in'``) or sent (``'out'``): footprint requests
    (``RequestCreated``) with their answer, and ``Published`` notifications.

    An inbound request is addressed to ``org_id`` (the data owner of the client that sent it) and
    waits (``pending``) until it is fulfilled or rejected; the answer event is kept in
    ``response_event`` and sent to the requester's events endpoint after the transaction commits
    (``callback_*`` record the outcome). An outbound request is one of ours, ``org_id`` being the
    enterprise that asked; the partner's answer fills in its status and footprints."""

    __tablename__ = "footprint_requests"
    __table_args__ = (
        UniqueConstraint("direction", "source", "event_id"),
        Index("ix_footprint_requests_org_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))  # request, published, fulfilled, rejected
    spec_version: Mapped[str] = mapped_column(String(1))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    client_pk: Mapped[int | None] = mapped_column(ForeignKey("pact_clients.id"))
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("pact_connections.id"))
    reply_source: Mapped[str] = mapped_column(String(500), default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    response_event: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    footprint_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    decided_at: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    callback_status: Mapped[str] = mapped_column(String(16), default="")
    callback_attempts: Mapped[int] = mapped_column(Integer, default=0)
    callback_at: Mapped[str | None] = mapped_column(String(32))
    callback_result: Mapped[str] = mapped_column(Text, default="")


class ProductSystemRecord(Base):
    """An enterprise's product system (ISO 14067 product model), stored as the JSON of
    ``greenmfg.io.product_system.product_system_to_dict``.

    Saving under an existing ``name`` replaces the definition and increments ``version``; every
    save is in the audit log with the old and new digest. ``year`` is the reference year of the
    data (the inventory year the own processes were fed from); ``gwp_set`` the GWP100 set the
    footprints are characterised with.
    """

    __tablename__ = "product_systems"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer)
    gwp_set: Mapped[str] = mapped_column(String(8))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

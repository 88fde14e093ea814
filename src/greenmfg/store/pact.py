"""The PACT data exchange in the store: footprints, clients and tokens, connections, requests.

Specifications: PACT Technical Specifications v2.3.3 and v3.0.3 (WBCSD, ``openapi.yaml`` of
``wbcsd/data-exchange-protocol``; copies in ``shared/pact``). Footprints are kept as v3
``ProductFootprint`` documents; ``/2`` renders them with :func:`greenmfg.io.pact.to_v2`.

Who reads what: a :class:`~greenmfg.store.models.PactClient` belongs to one data owner, an
enterprise (its own published footprints) or a park (the footprints its enterprises published).
Only ``published`` footprints are served; footprints pulled from a supplier are never republished.

Every write appends to the audit chain in the caller's transaction. Network calls (answering a
request, pulling) never run inside a database transaction: :func:`fulfil_request` and
:func:`reject_request` store the answer and hand it to a background thread once the caller's
transaction has committed (:mod:`greenmfg.io.pact_client` sends it and records the outcome).

Access tokens are opaque random strings of which only the SHA-256 is stored
(``pact_access_tokens``), not signed tokens: revoking a client ends its tokens at once, an
expired token can be told from a forged one (``TokenExpired`` 401 vs ``BadRequest`` 400, as the
specs' error rules want), and there is no signing key to manage or rotate; the price is one
indexed lookup per request. Partners' client secrets (``pact_connections``) must be usable, so
they are sealed with AES-256-GCM (:func:`seal_secret`) under a key derived from
``GREENMFG_SECRET_KEY``.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import dataclasses
import hashlib
import os
import re
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, delete, event, false, select
from sqlalchemy.orm import Session

from greenmfg.io.pact import PactValidationError, PactVersion, check, to_v2, to_v3, validate
from greenmfg.store import audit
from greenmfg.store.auth import hash_password
from greenmfg.store.models import (
    PACT_ORIGINS,
    FootprintRequest,
    Organisation,
    PactAccessToken,
    PactClient,
    PactConnection,
    ProductFootprint,
    ProductFootprintKey,
    Setting,
    utcnow,
)
from greenmfg.store.scope import Principal

__all__ = [
    "EVENT_TYPES",
    "ClientPrincipal",
    "Filters",
    "PactStoreError",
    "authenticate_client",
    "create_client",
    "fulfil_request",
    "get_footprint",
    "issue_token",
    "list_footprints",
    "pending_requests",
    "principal_for_token",
    "publish_footprint",
    "record_event",
    "reject_request",
]

SYSTEM = Principal(user_id=0, username="system", is_admin=True, grants=())

TOKEN_PREFIX = "gpt_"  # greenmfg PACT token
CLIENT_PREFIX = "pact_"
# Lifetime of an access token (RFC 6749 5.1 ``expires_in``; the PACT specs: tokens SHOULD expire).
TOKEN_TTL = timedelta(hours=1)
TOKEN_KEEP = timedelta(days=1)  # expired tokens kept this long to answer TokenExpired
SCOPES = ("footprint:list", "footprint:read")  # v2/v3 securitySchemes.BearerAuth scopes
VALIDITY_YEARS = 3  # v3 ProductFootprint/validityPeriodStart: 3 years after referencePeriodEnd
MAX_ID_LENGTH = 1000  # longest product/company id or classification stored as a filter key

# CloudEvents ``type`` of each PACT event, per version (v2.3.3 and v3.0.3 openapi.yaml).
EVENT_TYPES: dict[str, dict[str, str]] = {
    "2": {
        "published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        "request": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        "fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        "rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
    },
    "3": {
        "published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "request": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
    },
}
# Schema component of each event kind (the same names in both openapi files).
EVENT_COMPONENTS = {
    "published": "PublishedEvent",
    "request": "RequestCreatedEvent",
    "fulfilled": "RequestFulfilledEvent",
    "rejected": "RequestRejectedEvent",
}
# Error codes a RequestRejected event may carry (v2.3.3 and v3.0.3 ``Error.code`` enum).
REJECT_CODES = (
    "BadRequest",
    "AccessDenied",
    "TokenExpired",
    "NotFound",
    "InternalError",
    "NotImplemented",
)

# Should a request be answered at once when published footprints match it exactly? See
# :func:`auto_fulfil`. The data recipient can already list every footprint its client may read,
# so answering automatically discloses nothing more; it only saves the data owner a step.
AUTO_FULFIL_ENV = "GREENMFG_PACT_AUTO_FULFIL"

_hasher = PasswordHasher()  # verifies hashes made by store.auth.hash_password (argon2id)


class PactStoreError(ValueError):
    """Bad input to a PACT store function (unknown organisation, wrong state, bad URL...)."""


class FootprintConflict(PactStoreError):
    """A footprint id already stored with other content (documents are immutable)."""


class FootprintNotFound(LookupError):
    """No published footprint with this id (HTTP 404)."""


class FootprintForbidden(PermissionError):
    """The footprint exists but the client's data owner is another one (HTTP 403)."""


class TokenError(Exception):
    """A bearer token that is not accepted."""


class InvalidToken(TokenError):
    """Unknown, malformed or revoked token (PACT error code ``BadRequest``)."""


class TokenExpired(TokenError):
    """A token that was valid and has expired (PACT error code ``TokenExpired``)."""


class FilterError(ValueError):
    """A malformed list filter; ``param`` names the query parameter or criterion."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param


# ---------------------------------------------------------------------------------- dates


_OFFSET_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_datetime(text: str, what: str = "date-time") -> datetime:
    """An RFC 3339 date-time (or a bare date, taken as midnight UTC) as an aware UTC datetime.

    A time without offset is taken as UTC. A space before the offset is read as ``+`` (the form a
    ``+08:00`` takes when a query string is not percent-encoded). Raises :class:`FilterError`.
    """
    s = str(text).strip()
    s = _OFFSET_SPACE.sub(r"\1+\2", s)
    if s[-1:] in ("z", "Z"):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise FilterError(what, f"{text!r} is not an RFC 3339 date-time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:
        raise FilterError(what, f"{text!r} is out of range") from None


def norm_dt(dt: datetime) -> str:
    """The stored form of a date-time: UTC, fixed width, so that text order is time order."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _norm_opt(value: Any, what: str) -> str | None:
    if value in (None, ""):
        return None
    return norm_dt(parse_datetime(str(value), what))


def _plus_years(dt: datetime, years: int) -> datetime:
    try:
        return dt.replace(year=dt.year + years)
    except ValueError:  # 29 February, or past year 9999
        if dt.year + years > 9999:
            return datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
        return dt.replace(year=dt.year + years, day=28)


# --------------------------------------------------------------------------------- filters


# v3.0.3 ListFootprints query parameters (components/parameters); names match case-insensitively,
# as in the spec's own example (``?productId=x&productid=y``).
FILTER_PARAMS = {
    "productid": "productId",
    "companyid": "companyId",
    "geography": "geography",
    "classification": "classification",
    "validon": "validOn",
    "validafter": "validAfter",
    "validbefore": "validBefore",
    "status": "status",
}
_MULTI = {"productId", "companyId", "geography", "classification", "status"}


@dataclass(frozen=True)
class Filters:
    """The v3 list criteria (v3.0.3 ``GET /3/footprints`` parameters, the same as the data of a
    ``RequestCreatedEvent``). Values within a criterion are ORed, criteria ANDed. Identifiers are
    lower-cased (the spec's matches are case-insensitive); dates are normalised UTC strings;
    ``statuses`` is ``None`` for any status and an empty tuple when only unknown values were
    given (they match nothing)."""

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geographies: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    valid_on: str | None = None
    valid_after: str | None = None
    valid_before: str | None = None
    statuses: tuple[str, ...] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def criteria(self) -> dict[str, Any]:
        """The criteria as given (canonical names), for storage and display."""
        return dict(self.raw)


def parse_filters(items: Iterable[tuple[str, str]], ignore: Sequence[str] = ()) -> Filters:
    """Filters from query parameters (name, value) pairs; names in ``ignore`` (``limit``,
    ``offset``) are skipped. Empty values are ignored (the conformance tool sends
    ``classification=`` for a footprint without classifications and expects every footprint).

    Raises :class:`FilterError` for an unknown parameter (extensions would be named
    ``x-<implementor>-...``; greenmfg offers none), a repeated single-valued one (``validOn``...)
    or a malformed date-time.
    """
    values: dict[str, list[str]] = {}
    skip = {n.lower() for n in ignore}
    for name, value in items:
        key = name.strip().lower()
        if key in skip:
            continue
        canonical = FILTER_PARAMS.get(key)
        if canonical is None:
            raise FilterError(name, "unknown filter parameter")
        if value is None or not str(value).strip():
            continue
        values.setdefault(canonical, []).append(str(value).strip())
    return _filters(values)


def filters_from_criteria(data: Mapping[str, Any]) -> Filters:
    """Filters from the ``data`` of a request event: v3 criteria (``productId`` ... ``status``,
    each a list or a single value) or a v2 ``pf`` ProductFootprintFragment (its ``productIds``,
    ``companyIds``, ``productCategoryCpc`` is not mapped, ``pcf.geographyCountry``). Other
    properties are ignored (v3.0.3: a host "can ignore 1 or more properties")."""
    values: dict[str, list[str]] = {}

    def add(name: str, v: Any) -> None:
        items = v if isinstance(v, list) else [v]
        for x in items:
            if isinstance(x, str | int | float) and str(x).strip():
                values.setdefault(name, []).append(str(x).strip())

    for key, v in data.items():
        canonical = FILTER_PARAMS.get(str(key).lower())
        if canonical is not None:
            add(canonical, v)
    pf = data.get("pf")
    if isinstance(pf, Mapping):
        add("productId", pf.get("productIds", []))
        add("companyId", pf.get("companyIds", []))
        pcf = pf.get("pcf")
        if isinstance(pcf, Mapping) and pcf.get("geographyCountry"):
            add("geography", pcf["geographyCountry"])
    return _filters(values)


def _filters(values: dict[str, list[str]]) -> Filters:
    for name, vs in values.items():
        if name not in _MULTI and len(vs) > 1:
            raise FilterError(name, "given more than once; it takes a single date-time")
    dates = {
        n: norm_dt(parse_datetime(values[n][0], n))
        for n in ("validOn", "validAfter", "validBefore")
        if n in values
    }
    statuses: tuple[str, ...] | None = None
    if "status" in values:
        known = {"active": "Active", "deprecated": "Deprecated"}
        statuses = tuple(
            dict.fromkeys(known[s.lower()] for s in values["status"] if s.lower() in known)
        )

    def low(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.lower() for v in values.get(name, [])))

    raw: dict[str, Any] = {k: (v if k in _MULTI else v[0]) for k, v in values.items()}
    return Filters(
        product_ids=low("productId"),
        company_ids=low("companyId"),
        geographies=low("geography"),
        classifications=low("classification"),
        valid_on=dates.get("validOn"),
        valid_after=dates.get("validAfter"),
        valid_before=dates.get("validBefore"),
        statuses=statuses,
        raw=raw,
    )


# ----------------------------------------------------------------------------- data owners


def data_owner_ids(session: Session, org_id: int) -> list[int]:
    """Organisations whose published footprints a client of ``org_id`` reads: the enterprise
    itself, or a park and its enterprises (``Organisation.park_id``, as in ``store.scope``)."""
    org = session.get(Organisation, org_id)
    if org is None:
        return []
    if org.kind == "park":
        members = session.scalars(
            select(Organisation.id).where(
                Organisation.park_id == org.id, Organisation.kind == "enterprise"
            )
        ).all()
        return [org.id, *members]
    return [org.id]


def require_enterprise(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None or org.kind != "enterprise":
        raise PactStoreError(f"organisation {org_id}: no such enterprise")
    return org


def _log(
    session: Session,
    actor: Principal | str,
    action: str,
    entity: str,
    entity_id: object,
    org_id: int | None,
    payload: dict[str, Any],
) -> None:
    if isinstance(actor, Principal):
        actor_id, name = actor.user_id or None, actor.username
    else:
        actor_id, name = None, actor
    audit.append(
        session,
        actor_id=actor_id,
        actor=name[:64],
        action=action,
        entity=entity,
        entity_id=entity_id,
        org_id=org_id,
        payload=payload,
    )


# ------------------------------------------------------------------------------ footprints


@dataclass(frozen=True)
class StoreOutcome:
    """What :func:`store_footprint` did: ``new``, ``unchanged`` or ``status`` (lifecycle status
    taken from the newer copy of a pulled footprint)."""

    row: ProductFootprint
    outcome: str


def _ids(doc: Mapping[str, Any], key: str) -> list[str]:
    v = doc.get(key) or []
    return [str(x) for x in v] if isinstance(v, list) else []


def _keys(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    pcf = doc.get("pcf") if isinstance(doc.get("pcf"), Mapping) else {}
    assert isinstance(pcf, Mapping)
    geos = [
        str(pcf[k])
        for k in ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")
        if pcf.get(k)
    ]
    out: list[tuple[str, str]] = []
    for kind, values in (
        ("product", _ids(doc, "productIds")),
        ("company", _ids(doc, "companyIds")),
        ("classification", _ids(doc, "productClassifications")),
        ("geography", geos),
    ):
        for v in dict.fromkeys(x.lower() for x in values):
            if len(v) > MAX_ID_LENGTH:
                raise PactStoreError(
                    f"footprint {doc.get('id')}: a {kind} identifier is longer than "
                    f"{MAX_ID_LENGTH} characters"
                )
            out.append((kind, v))
    return out


def _columns(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of a v3 document (see :class:`ProductFootprint`)."""
    pcf = doc.get("pcf") if isinstance(doc.get("pcf"), Mapping) else {}
    assert isinstance(pcf, Mapping)
    pid = str(doc.get("id", ""))
    ref_start = _norm_opt(pcf.get("referencePeriodStart"), f"{pid}: pcf.referencePeriodStart")
    ref_end_dt = (
        parse_datetime(str(pcf["referencePeriodEnd"]), f"{pid}: pcf.referencePeriodEnd")
        if pcf.get("referencePeriodEnd")
        else None
    )
    start = _norm_opt(doc.get("validityPeriodStart"), f"{pid}: validityPeriodStart")
    end = _norm_opt(doc.get("validityPeriodEnd"), f"{pid}: validityPeriodEnd")
    # v3.0.3 ProductFootprint/validityPeriodStart: "If no validity period is specified, the
    # ProductFootprint is valid for 3 years after the referencePeriodEnd".
    if start is None and ref_end_dt is not None:
        start = norm_dt(ref_end_dt)
    if end is None and ref_end_dt is not None:
        end = norm_dt(_plus_years(ref_end_dt, VALIDITY_YEARS))
    geography = next(
        (
            str(pcf[k])
            for k in (
                "geographyCountrySubdivision",
                "geographyCountry",
                "geographyRegionOrSubregion",
            )
            if pcf.get(k)
        ),
        None,
    )
    return {
        "status": str(doc.get("status", "Active")),
        "spec_version": str(doc.get("specVersion", ""))[:32],
        "product_name": str(doc.get("productNameCompany", ""))[:500],
        "product_ids": _ids(doc, "productIds"),
        "company_ids": _ids(doc, "companyIds"),
        "classifications": _ids(doc, "productClassifications"),
        "geography": geography[:64] if geography else None,
        "pf_created": norm_dt(parse_datetime(str(doc.get("created", "")), f"{pid}: created")),
        "pf_updated": _norm_opt(doc.get("updated"), f"{pid}: updated"),
        "reference_period_start": ref_start,
        "reference_period_end": norm_dt(ref_end_dt) if ref_end_dt else None,
        "validity_start": start,
        "validity_end": end,
        "preceding_ids": _ids(doc, "precedingPfIds"),
    }


def _without_status(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "status"}


def store_footprint(
    session: Session,
    org_id: int,
    document_v3: dict[str, Any],
    origin: str,
    origin_detail: str = "",
    published: bool = True,
    *,
    actor: Principal | str = SYSTEM,
) -> StoreOutcome:
    """:func:`publish_footprint`, also saying whether the footprint was new, unchanged, or an
    already stored (pulled) footprint whose lifecycle status changed."""
    if origin not in PACT_ORIGINS:
        raise PactStoreError(f"origin {origin!r}: expected one of {', '.join(PACT_ORIGINS)}")
    if origin == "pulled" and published:
        raise PactStoreError("a pulled footprint is another company's; it is never published")
    check(document_v3, "3", "ProductFootprint", source=origin_detail or origin)
    require_enterprise(session, org_id)
    pf_id = str(document_v3["id"]).lower()
    existing = session.get(ProductFootprint, pf_id)
    if existing is not None:
        same = _without_status(existing.document) == _without_status(document_v3)
        if origin == "pulled" and existing.origin == "pulled" and existing.org_id == org_id:
            # The partner's footprint under the same id is the same footprint (ids are immutable
            # per version); it may arrive through v2 and v3, which do not convert losslessly, so
            # the first copy is kept and only its lifecycle status follows the partner's.
            same = True
        if existing.org_id != org_id or not same:
            whose = "another organisation's" if existing.org_id != org_id else "a different"
            raise FootprintConflict(
                f"footprint {pf_id} is already stored as {whose} document; footprints are "
                "immutable: publish a new version with a new id and precedingPfIds"
            )
        new_status = str(document_v3.get("status", existing.status))
        if existing.origin == "pulled" and new_status != existing.status:
            _set_status(session, existing, new_status, actor, "pulled copy changed status")
            return StoreOutcome(existing, "status")
        if published and not existing.published:
            existing.published = True
            _log(session, actor, "pact.footprint.publish", "product_footprint", pf_id, org_id, {})
        return StoreOutcome(existing, "unchanged")
    cols = _columns(document_v3)
    keys = _keys(document_v3)
    row = ProductFootprint(
        id=pf_id,
        org_id=org_id,
        origin=origin,
        origin_detail=origin_detail[:500],
        document=dict(document_v3),
        published=published,
        created_at=utcnow(),
        created_by=actor.user_id or None if isinstance(actor, Principal) else None,
        **cols,
    )
    session.add(row)
    session.flush()
    session.add_all(ProductFootprintKey(footprint_id=pf_id, kind=k, value=v) for k, v in keys)
    # v3.0.3 ProductFootprint/status: the preceding versions are no longer the most recent.
    for old_id in cols["preceding_ids"]:
        old = session.get(ProductFootprint, old_id.lower())
        if old is not None and old.org_id == org_id and old.status != "Deprecated":
            _set_status(session, old, "Deprecated", actor, f"superseded by {pf_id}")
    _log(
        session,
        actor,
        "pact.footprint.store",
        "product_footprint",
        pf_id,
        org_id,
        {
            "origin": origin,
            "origin_detail": origin_detail,
            "published": published,
            "product_ids": cols["product_ids"],
            "preceding_ids": cols["preceding_ids"],
        },
    )
    return StoreOutcome(row, "new")


def _set_status(
    session: Session, row: ProductFootprint, status: str, actor: Principal | str, why: str
) -> None:
    row.status = status
    row.document = {**row.document, "status": status}  # a new dict, so the JSON column is saved
    _log(
        session,
        actor,
        "pact.footprint.status",
        "product_footprint",
        row.id,
        row.org_id,
        {"status": status, "why": why},
    )


def publish_footprint(
    session: Session,
    org_id: int,
    document_v3: dict[str, Any],
    origin: str,
    origin_detail: str = "",
    published: bool = True,
    *,
    actor: Principal | str = SYSTEM,
) -> ProductFootprint:
    """Store a v3 ``ProductFootprint`` of enterprise ``org_id`` (validated with
    ``greenmfg.io.pact.check(..., "3")``; raises its ``PactValidationError``).

    ``origin``: ``computed`` (by greenmfg), ``imported`` (from a file, ``origin_detail`` its name)
    or ``pulled`` (from a PACT server, ``origin_detail`` its URL; never ``published``). Storing the
    same document again is a no-op; another document under a stored id raises
    :class:`FootprintConflict`. The footprints listed in ``precedingPfIds`` that belong to the
    same enterprise become ``Deprecated`` (v3.0.3 ``ProductFootprint/status``).
    """
    return store_footprint(
        session, org_id, document_v3, origin, origin_detail, published, actor=actor
    ).row


def _scope_query(owner_ids: Sequence[int]) -> Select[ProductFootprint]:
    return select(ProductFootprint).where(
        ProductFootprint.org_id.in_(owner_ids), ProductFootprint.published.is_(True)
    )


def filter_query(query: Select[ProductFootprint], filters: Filters) -> Select[ProductFootprint]:
    """``query`` narrowed by ``filters`` (v3.0.3 ListFootprints, "Filtering")."""
    pf = ProductFootprint
    for kind, values in (
        ("product", filters.product_ids),
        ("company", filters.company_ids),
        ("classification", filters.classifications),
        ("geography", filters.geographies),
    ):
        if values:
            keyed = select(ProductFootprintKey.footprint_id).where(
                ProductFootprintKey.kind == kind, ProductFootprintKey.value.in_(values)
            )
            query = query.where(pf.id.in_(keyed))
    if filters.statuses is not None:
        query = query.where(pf.status.in_(filters.statuses) if filters.statuses else false())
    # validOn: start <= validOn <= end; validAfter: start > validAfter; validBefore: end <
    # validBefore (v3.0.3 components/parameters), on the effective validity period.
    if filters.valid_on is not None:
        query = query.where(
            pf.validity_start <= filters.valid_on, pf.validity_end >= filters.valid_on
        )
    if filters.valid_after is not None:
        query = query.where(pf.validity_start > filters.valid_after)
    if filters.valid_before is not None:
        query = query.where(pf.validity_end < filters.valid_before)
    return query


def list_footprints(
    session: Session,
    client: ClientPrincipal,
    filters: Filters | None,
    limit: int,
    offset: int = 0,
    *,
    predicate: Callable[[ProductFootprint], bool] | None = None,
) -> tuple[list[ProductFootprint], bool]:
    """One page of the published footprints ``client`` may read, oldest first (then by id, so
    that a pagination link returns the same set on every call), and whether more follow.

    ``predicate`` (used for the v2 ``$filter``) is evaluated in Python on each candidate; the
    v3 ``filters`` run in SQL."""
    query = _scope_query(data_owner_ids(session, client.org_id))
    if filters is not None:
        query = filter_query(query, filters)
    # storage order (seconds), then the documents' own creation time, then id: a total order,
    # so that a pagination link returns the same set on every call
    query = query.order_by(
        ProductFootprint.created_at, ProductFootprint.pf_created, ProductFootprint.id
    )
    if predicate is None:
        rows = list(session.scalars(query.offset(offset).limit(limit + 1)))
    else:
        rows = []
        skipped = 0
        for row in session.scalars(query.execution_options(yield_per=200)):
            if not predicate(row):
                continue
            if skipped < offset:
                skipped += 1
                continue
            rows.append(row)
            if len(rows) > limit:
                break
    return rows[:limit], len(rows) > limit


def get_footprint(session: Session, client: ClientPrincipal, pf_id: str) -> ProductFootprint:
    """The published footprint ``pf_id`` if ``client`` may read it. Raises
    :class:`FootprintNotFound` (unknown or unpublished id) or :class:`FootprintForbidden` (v3.0.3
    GetFootprint: a recipient not allowed to read it MUST get 403)."""
    row = session.get(ProductFootprint, pf_id.strip().lower()) if len(pf_id) <= 36 else None
    if row is None or not row.published:
        raise FootprintNotFound(f"footprint {pf_id!r} does not exist")
    if row.org_id not in data_owner_ids(session, client.org_id):
        raise FootprintForbidden(f"footprint {pf_id} is not shared with this client")
    return row


class NotInVersion(PactStoreError):
    """A footprint that PACT v2 cannot express (``to_v2`` names what is missing)."""


_V2_CACHE: OrderedDict[tuple[str, str], tuple[dict[str, Any] | None, str]] = OrderedDict()
_V2_CACHE_SIZE = 4096
_v2_lock = threading.Lock()


def v2_rendition(row: ProductFootprint) -> tuple[dict[str, Any] | None, str]:
    """``(to_v2(document), "")``, or ``(None, why)`` when v2 cannot express it. Cached per id and
    status: documents are immutable but for their status, and a conversion validates twice."""
    key = (row.id, row.status)
    with _v2_lock:
        hit = _V2_CACHE.get(key)
        if hit is not None:
            _V2_CACHE.move_to_end(key)
            return hit
    try:
        value: tuple[dict[str, Any] | None, str] = (to_v2(row.document), "")
    except PactValidationError as exc:
        value = (None, "; ".join(exc.errors[:5]) if getattr(exc, "errors", None) else str(exc))
    with _v2_lock:
        _V2_CACHE[key] = value
        while len(_V2_CACHE) > _V2_CACHE_SIZE:
            _V2_CACHE.popitem(last=False)
    return value


def rendered(row: ProductFootprint, version: str) -> dict[str, Any]:
    """The footprint as served by ``/{version}``: the v3 document, or its v2 rendition (raises
    :class:`NotInVersion` when v2 cannot express it)."""
    if version == "3":
        return dict(row.document)
    doc, why = v2_rendition(row)
    if doc is None:
        raise NotInVersion(f"footprint {row.id} cannot be expressed in PACT v2: {why}")
    return copy.deepcopy(doc)


# --------------------------------------------------------------------- clients and tokens


@dataclass(frozen=True)
class ClientPrincipal:
    """An authenticated PACT client: which data owner's footprints it reads."""

    pk: int
    client_id: str
    org_id: int
    name: str

    @property
    def actor(self) -> str:
        return f"pact:{self.client_id}"


def create_client(
    session: Session, org_id: int, name: str = "", *, actor: Principal = SYSTEM
) -> tuple[str, str]:
    """New client credentials for data owner ``org_id`` (an enterprise or a park). Returns
    ``(client_id, client_secret)``; the secret is shown once and only its argon2id hash kept."""
    org = session.get(Organisation, org_id)
    if org is None or org.kind not in ("enterprise", "park"):
        raise PactStoreError(
            f"organisation {org_id}: a PACT client reads the footprints of an enterprise or of "
            "a park's enterprises"
        )
    client_id = CLIENT_PREFIX + secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    row = PactClient(
        client_id=client_id,
        secret_hash=hash_password(secret),
        org_id=org.id,
        name=name.strip()[:200],
        created_by=actor.user_id or None,
    )
    session.add(row)
    session.flush()
    _log(
        session,
        actor,
        "pact.client.create",
        "pact_client",
        row.id,
        org.id,
        {"client_id": client_id, "name": row.name},
    )
    return client_id, secret


def revoke_client(session: Session, client_id: str, *, actor: Principal = SYSTEM) -> PactClient:
    """Revoke a client: its tokens stop working at once."""
    row = session.scalars(select(PactClient).where(PactClient.client_id == client_id)).first()
    if row is None:
        raise PactStoreError(f"no PACT client {client_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.execute(delete(PactAccessToken).where(PactAccessToken.client_pk == row.id))
        _log(
            session,
            actor,
            "pact.client.revoke",
            "pact_client",
            row.id,
            row.org_id,
            {"client_id": client_id},
        )
    return row


def list_clients(session: Session, org_id: int | None = None) -> list[PactClient]:
    q = select(PactClient).order_by(PactClient.id)
    if org_id is not None:
        q = q.where(PactClient.org_id == org_id)
    return list(session.scalars(q))


_DUMMY_HASH = None


def authenticate_client(session: Session, client_id: str, secret: str) -> PactClient | None:
    """The active client with these credentials, or ``None`` (RFC 6749 2.3.1)."""
    global _DUMMY_HASH
    row = session.scalars(select(PactClient).where(PactClient.client_id == client_id[:64])).first()
    if row is None or row.revoked_at is not None:
        # spend an argon2 verification anyway, so that timing does not reveal client ids
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not a client secret")
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, secret or "x")
        return None
    try:
        return row if _hasher.verify(row.secret_hash, secret) else None
    except (VerificationError, InvalidHashError):
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat()


def issue_token(session: Session, client: PactClient, scope: str = "") -> tuple[str, int]:
    """A new access token for ``client``: ``(token, expires_in seconds)``. Only its SHA-256 is
    stored; tokens expired more than :data:`TOKEN_KEEP` ago are purged."""
    now = datetime.now(UTC)
    session.execute(
        delete(PactAccessToken).where(PactAccessToken.expires_at < _iso(now - TOKEN_KEEP))
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    granted = " ".join(SCOPES)
    row = PactAccessToken(
        client_pk=client.id,
        token_hash=_digest(token),
        scope=granted,
        created_at=_iso(now),
        expires_at=_iso(now + TOKEN_TTL),
    )
    session.add(row)
    session.flush()
    _log(
        session,
        f"pact:{client.client_id}",
        "pact.token.issue",
        "pact_client",
        client.id,
        client.org_id,
        {"expires_at": row.expires_at, "scope_requested": scope[:200]},
    )
    return token, int(TOKEN_TTL.total_seconds())


def principal_for_token(session: Session, token: str) -> ClientPrincipal:
    """The client a bearer token stands for. Raises :class:`InvalidToken` (unknown, malformed,
    revoked) or :class:`TokenExpired`."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise InvalidToken("invalid access token")
    row = session.scalars(
        select(PactAccessToken).where(PactAccessToken.token_hash == _digest(token))
    ).first()
    if row is None:
        raise InvalidToken("invalid access token")
    client = session.get(PactClient, row.client_pk)
    if client is None or client.revoked_at is not None:
        raise InvalidToken("invalid access token")
    if row.expires_at <= utcnow():
        raise TokenExpired("the access token has expired; request a new one from /auth/token")
    return ClientPrincipal(
        pk=client.id, client_id=client.client_id, org_id=client.org_id, name=client.name
    )


# ----------------------------------------------------------------------------- connections


_KEY_SETTING = "pact_secret_key"
SECRET_KEY_ENV = "GREENMFG_SECRET_KEY"


def _secret_key(session: Session) -> bytes:
    """The AES-256 key sealing connection secrets: HKDF-SHA256 of ``GREENMFG_SECRET_KEY``; when
    that is not set, of a random key generated once and kept in the ``settings`` table (which then
    protects the secrets from casual reading of the connections table only, not from a copy of
    the whole database: set ``GREENMFG_SECRET_KEY`` in production)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    master = os.environ.get(SECRET_KEY_ENV, "")
    if not master:
        row = session.get(Setting, _KEY_SETTING)
        if row is None:
            row = Setting(key=_KEY_SETTING, value=secrets.token_urlsafe(48))
            session.add(row)
            session.flush()
        master = row.value
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"greenmfg pact connection secret v1"
    ).derive(master.encode())


def seal_secret(session: Session, plaintext: str, context: str) -> str:
    """``plaintext`` encrypted with AES-256-GCM, bound to ``context`` (the connection name) as
    associated data: ``v1:<key id>:<base64 nonce+ciphertext>``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = _secret_key(session)
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    kid = hashlib.sha256(key).hexdigest()[:8]
    return f"v1:{kid}:{base64.b64encode(nonce + ct).decode()}"


def open_secret(session: Session, sealed: str, context: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = _secret_key(session)
    try:
        version, kid, data = sealed.split(":", 2)
        raw = base64.b64decode(data)
    except ValueError:
        raise PactStoreError(f"connection {context!r}: the stored secret is unreadable") from None
    if version != "v1" or kid != hashlib.sha256(key).hexdigest()[:8]:
        raise PactStoreError(
            f"connection {context!r}: its secret was sealed with another key (was "
            f"{SECRET_KEY_ENV} changed?); store it again with `greenmfg pact connect`"
        )
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except InvalidTag:
        raise PactStoreError(f"connection {context!r}: the stored secret is corrupt") from None


def _check_url(url: str, what: str) -> str:
    u = url.strip().rstrip("/")
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PactStoreError(
            f"{what} {url!r}: expected an http(s) URL such as https://pact.example.com"
        )
    if parts.query or parts.fragment:
        raise PactStoreError(f"{what} {url!r}: no query or fragment, please")
    return u


def save_connection(
    session: Session,
    name: str,
    base_url: str,
    client_id: str,
    client_secret: str,
    *,
    auth_base_url: str | None = None,
    ca_bundle: str | None = None,
    actor: Principal = SYSTEM,
) -> PactConnection:
    """Create the connection ``name``, or replace its settings and credentials."""
    name = name.strip()
    if not re.fullmatch(r"[\w.@-]{1,100}", name):
        raise PactStoreError(f"connection name {name!r}: 1-100 letters, digits or _.@-")
    if not client_id.strip() or not client_secret:
        raise PactStoreError("a connection needs the client id and secret the partner issued")
    base = _check_url(base_url, "--url")
    auth = _check_url(auth_base_url, "--auth-url") if auth_base_url else None
    sealed = seal_secret(session, client_secret, name)  # before a new row can be autoflushed
    row = session.scalars(select(PactConnection).where(PactConnection.name == name)).first()
    created = row is None
    if row is None:
        row = PactConnection(name=name)
        session.add(row)
    row.base_url = base
    row.auth_base_url = auth
    row.client_id = client_id.strip()
    row.secret_enc = sealed
    row.ca_bundle = ca_bundle or None
    row.updated_at = utcnow()
    session.flush()
    _log(
        session,
        actor,
        "pact.connection.create" if created else "pact.connection.update",
        "pact_connection",
        row.id,
        None,
        {"name": name, "base_url": base, "auth_base_url": auth, "client_id": row.client_id},
    )
    return row


def get_connection(session: Session, ref: str | int) -> PactConnection:
    """A connection by name or id."""
    row = None
    if isinstance(ref, int) or str(ref).isdigit():
        row = session.get(PactConnection, int(ref))
    if row is None:
        row = session.scalars(select(PactConnection).where(PactConnection.name == str(ref))).first()
    if row is None:
        raise PactStoreError(f"no PACT connection {ref!r}; add one with `greenmfg pact connect`")
    return row


def list_connections(session: Session) -> list[PactConnection]:
    return list(session.scalars(select(PactConnection).order_by(PactConnection.name)))


def delete_connection(session: Session, ref: str | int, *, actor: Principal = SYSTEM) -> None:
    row = get_connection(session, ref)
    session.delete(row)
    _log(
        session,
        actor,
        "pact.connection.delete",
        "pact_connection",
        row.id,
        None,
        {"name": row.name},
    )


def connection_secret(session: Session, conn: PactConnection) -> str:
    return open_secret(session, conn.secret_enc, conn.name)


def host_of(url: str) -> str:
    """``host[:port]`` of a URL or a CloudEvents ``//host/path`` source, lower-cased, without the
    scheme's default port; ``""`` when there is none."""
    u = url.strip()
    if u.startswith("//"):
        u = "https:" + u
    try:
        parts = urlsplit(u)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if port in (None, default) else f"{host}:{port}"


def connection_for_source(session: Session, source: str) -> PactConnection | None:
    """The connection whose API or auth host is the host of an event ``source`` (how the
    requester is validated before an answer is sent: v3.0.3 Action Events)."""
    host = host_of(source)
    if not host:
        return None
    for conn in list_connections(session):
        if host in (host_of(conn.base_url), host_of(conn.auth_base_url or "")):
            return conn
    return None


def events_url(source: str, version: str, conn: PactConnection | None = None) -> str:
    """The events endpoint to answer an event from ``source``: the source itself when it names
    an ``.../events`` endpoint, else ``{source}/{version}/events``. A scheme-relative source
    (``//host/path``, as in the specs' examples) takes the connection's scheme (else https)."""
    u = source.strip().rstrip("/")
    if u.startswith("//"):
        scheme = urlsplit(conn.base_url).scheme if conn is not None else "https"
        u = f"{scheme}:{u}"
    if urlsplit(u).path.endswith("/events"):
        return u
    return f"{u}/{version}/events"


# ---------------------------------------------------------------------------------- events


def new_event(kind: str, version: str, source: str, data: dict[str, Any]) -> dict[str, Any]:
    """A CloudEvents 1.0 structured event of PACT ``kind`` (EVENT_TYPES) with a fresh id."""
    return {
        "type": EVENT_TYPES[version][kind],
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def as_version(version: str) -> PactVersion:
    """``"2"`` or ``"3"`` (raises :class:`PactStoreError` otherwise)."""
    if version == "2":
        return "2"
    if version == "3":
        return "3"
    raise PactStoreError(f"PACT version {version!r}: expected 2 or 3")


def event_kind(event_type: str, version: str) -> str | None:
    for kind, t in EVENT_TYPES[version].items():
        if t == event_type:
            return kind
    return None


def record_event(
    session: Session,
    client: ClientPrincipal,
    event_body: dict[str, Any],
    version: str,
    *,
    reply_source: str = "",
) -> tuple[FootprintRequest, bool]:
    """Store an event received on ``/{version}/events`` (already validated against its schema
    component by the caller). Returns the row and whether it is new (an event is identified by
    its ``source`` and ``id``, CloudEvents 1.0; a repeat changes nothing).

    - ``RequestCreated``: a footprint request addressed to the client's data owner, ``pending``.
      Its criteria must parse (:class:`FilterError` otherwise) and its ``source`` must name a
      host (:class:`PactStoreError` otherwise). The answer is sent with the credentials of the
      connection to that host (v3.0.3: the data owner "MUST validate the value of source before
      sending the response"); without one it waits, recorded as not delivered, until a
      connection is added and ``greenmfg pact deliver`` sends it (within 72 hours).
    - ``RequestFulfilled``/``RequestRejected``: the answer to one of our requests (matched by
      ``requestEventId`` and the partner's host); the footprints of a fulfilled one are stored as
      ``pulled`` footprints of the enterprise that asked. An answer to no request of ours is
      kept as ``unmatched``.
    - ``Published``: kept as ``received``.

    ``reply_source`` is the ``source`` our answer will carry (our events endpoint as the
    requester reached it).
    """
    kind = event_kind(str(event_body.get("type", "")), version)
    if kind is None:
        raise PactStoreError(f"unknown event type {event_body.get('type')!r}")
    source = str(event_body.get("source", ""))[:500]
    event_id = str(event_body.get("id", ""))[:200]
    data = event_body.get("data") if isinstance(event_body.get("data"), dict) else {}
    assert isinstance(data, dict)
    existing = session.scalars(
        select(FootprintRequest).where(
            FootprintRequest.direction == "in",
            FootprintRequest.source == source,
            FootprintRequest.event_id == event_id,
        )
    ).first()
    if existing is not None:
        return existing, False
    row = FootprintRequest(
        direction="in",
        kind=kind,
        spec_version=version,
        event_id=event_id,
        event_type=str(event_body["type"]),
        source=source,
        org_id=client.org_id,
        client_pk=client.pk,
        reply_source=reply_source[:500],
        event=event_body,
        comment=str(data.get("comment", ""))[:10_000] if kind == "request" else "",
        status="received",
    )
    if kind == "request":
        filters = filters_from_criteria(data)
        if not host_of(source):
            raise PactStoreError(
                f"source {source!r}: the answer goes to the requester's events endpoint, so the "
                "source must name its host (e.g. https://pact.example.com/3/events)"
            )
        conn = connection_for_source(session, source)
        row.criteria = filters.criteria()
        row.connection_id = conn.id if conn is not None else None
        row.status = "pending"
    elif kind == "published":
        ids = data.get("pfIds")
        row.footprint_ids = [str(x) for x in ids] if isinstance(ids, list) else []
    else:
        _answer_received(session, row, kind, version, data, client)
    session.add(row)
    session.flush()
    _log(
        session,
        client.actor,
        f"pact.event.{kind}",
        "footprint_request",
        row.id,
        row.org_id,
        {"event_id": event_id, "source": source, "status": row.status, "criteria": row.criteria},
    )
    return row, True


def _answer_received(
    session: Session,
    row: FootprintRequest,
    kind: str,
    version: str,
    data: dict[str, Any],
    client: ClientPrincipal,
) -> None:
    """Apply a RequestFulfilled/RequestRejected event to the outbound request it answers."""
    ours = session.scalars(
        select(FootprintRequest).where(
            FootprintRequest.direction == "out",
            FootprintRequest.event_id == str(data.get("requestEventId", "")),
        )
    ).first()
    conn = session.get(PactConnection, ours.connection_id) if ours and ours.connection_id else None
    partner_hosts = {host_of(conn.base_url), host_of(conn.auth_base_url or "")} if conn else set()
    if (
        ours is None
        or host_of(row.source) not in partner_hosts
        or ours.status in ("fulfilled", "rejected")
    ):
        row.status = "unmatched"
        row.org_id = None
        return
    row.org_id = ours.org_id
    row.status = kind
    ours.response_event = row.event
    ours.decided_at = utcnow()
    if kind == "rejected":
        err = data.get("error") if isinstance(data.get("error"), dict) else {}
        assert isinstance(err, dict)
        ours.status = "rejected"
        ours.reason = f"{err.get('code', '')}: {err.get('message', '')}"[:10_000]
        return
    stored: list[str] = []
    problems: list[str] = []
    pfs = data.get("pfs") if isinstance(data.get("pfs"), list) else []
    assert isinstance(pfs, list) and ours.org_id is not None
    for i, pf in enumerate(pfs):
        try:
            doc = to_v3(pf) if version == "2" else pf
            with session.begin_nested():
                out = store_footprint(
                    session,
                    ours.org_id,
                    doc,
                    "pulled",
                    conn.base_url if conn else row.source,
                    published=False,
                    actor=client.actor,
                )
            stored.append(out.row.id)
        except (PactValidationError, PactStoreError, FilterError, ValueError) as exc:
            problems.append(f"pfs[{i}] ({pf.get('id') if isinstance(pf, dict) else '?'}): {exc}")
    ours.status = "fulfilled"
    ours.footprint_ids = stored
    ours.reason = "; ".join(problems)[:10_000]
    row.footprint_ids = stored


def pending_requests(session: Session, org_id: int) -> list[FootprintRequest]:
    """Footprint requests addressed to ``org_id`` that await an answer, oldest first."""
    return list(
        session.scalars(
            select(FootprintRequest)
            .where(
                FootprintRequest.direction == "in",
                FootprintRequest.kind == "request",
                FootprintRequest.status == "pending",
                FootprintRequest.org_id == org_id,
            )
            .order_by(FootprintRequest.id)
        )
    )


def list_requests(
    session: Session, org_id: int | None = None, direction: str | None = None
) -> list[FootprintRequest]:
    q = select(FootprintRequest).order_by(FootprintRequest.id)
    if org_id is not None:
        q = q.where(FootprintRequest.org_id == org_id)
    if direction is not None:
        q = q.where(FootprintRequest.direction == direction)
    return list(session.scalars(q))


class RequestNotFound(PactStoreError, LookupError):
    """No inbound footprint request with that id (HTTP 404)."""


class RequestAnswered(PactStoreError):
    """The request was fulfilled or rejected already (HTTP 409)."""


def _pending(session: Session, request_id: int) -> FootprintRequest:
    row = session.get(FootprintRequest, request_id)
    if row is None or row.direction != "in" or row.kind != "request":
        raise RequestNotFound(f"no footprint request {request_id}")
    if row.status != "pending":
        raise RequestAnswered(f"footprint request {request_id} is already {row.status}")
    return row


def _no_nul(text: str, what: str) -> str:
    """``text`` without NUL characters, which PostgreSQL text cannot hold (refused, not cut)."""
    if "\x00" in text:
        raise PactStoreError(f"{what} contains a NUL character")
    return text


def fulfil_request(
    session: Session,
    request_id: int,
    footprint_ids: Sequence[str],
    *,
    actor: Principal | str = SYSTEM,
    deliver: bool = True,
) -> FootprintRequest:
    """Answer request ``request_id`` with published footprints (ids) its client may read.

    Builds the ``RequestFulfilled`` event (v2 or v3, as the request; v2 footprints rendered with
    ``to_v2``), validates it, stores it and marks the request ``fulfilled``. When ``deliver``,
    the event is sent to the requester's events endpoint by a background thread after the
    caller's transaction commits (:func:`greenmfg.io.pact_client.deliver_answer`), which records
    the outcome in ``callback_*``. The list must not be empty (v3.0.3 RequestFulfilledEvent: "If
    there are no product footprints to return, the data owner MUST send a RequestRejected").
    """
    row = _pending(session, request_id)
    if not footprint_ids:
        raise PactStoreError(
            "a fulfilled request carries at least one footprint; reject it instead"
        )
    owners = data_owner_ids(session, row.org_id) if row.org_id is not None else []
    docs: list[dict[str, Any]] = []
    for pf_id in dict.fromkeys(_no_nul(str(i), "a footprint id").lower() for i in footprint_ids):
        pf = session.get(ProductFootprint, pf_id)
        if pf is None or not pf.published or pf.org_id not in owners:
            raise PactStoreError(
                f"footprint {pf_id} is not a published footprint the requester may read"
            )
        docs.append(rendered(pf, row.spec_version))
    answer = new_event(
        "fulfilled",
        row.spec_version,
        row.reply_source,
        {"requestEventId": row.event_id, "pfs": docs},
    )
    problems = validate(answer, as_version(row.spec_version), EVENT_COMPONENTS["fulfilled"])
    if problems:
        raise PactStoreError("the answer would not be a valid event: " + "; ".join(problems[:5]))
    _decide(session, row, "fulfilled", answer, actor)
    row.footprint_ids = [d["id"] for d in docs]
    if deliver:
        schedule_delivery(session, row.id)
    return row


def reject_request(
    session: Session,
    request_id: int,
    reason: str,
    *,
    code: str = "NotFound",
    actor: Principal | str = SYSTEM,
    deliver: bool = True,
) -> FootprintRequest:
    """Answer request ``request_id`` with a ``RequestRejected`` event carrying the error
    ``{code, message: reason}`` (``code`` from the specs' Error enum); sent as in
    :func:`fulfil_request`."""
    row = _pending(session, request_id)
    if code not in REJECT_CODES:
        raise PactStoreError(f"code {code!r}: expected one of {', '.join(REJECT_CODES)}")
    message = _no_nul(reason, "the reason").strip() or "The request cannot be fulfilled."
    answer = new_event(
        "rejected",
        row.spec_version,
        row.reply_source,
        {"requestEventId": row.event_id, "error": {"code": code, "message": message}},
    )
    _decide(session, row, "rejected", answer, actor)
    row.reason = message[:10_000]
    if deliver:
        schedule_delivery(session, row.id)
    return row


def _decide(
    session: Session,
    row: FootprintRequest,
    status: str,
    answer: dict[str, Any],
    actor: Principal | str,
) -> None:
    row.status = status
    row.response_event = answer
    row.decided_at = utcnow()
    row.decided_by = actor.user_id or None if isinstance(actor, Principal) else None
    row.callback_status = "pending"
    _log(
        session,
        actor,
        f"pact.request.{'fulfil' if status == 'fulfilled' else 'reject'}",
        "footprint_request",
        row.id,
        row.org_id,
        {"event_id": row.event_id, "answer_id": answer["id"], "status": status},
    )


def auto_fulfil_enabled(default: bool = True) -> bool:
    value = os.environ.get(AUTO_FULFIL_ENV, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def auto_fulfil(session: Session, row: FootprintRequest, *, deliver: bool = True) -> bool:
    """Fulfil a pending request at once when published footprints answer it exactly: it names
    product ids, every one is among the ``Active`` footprints that match all its criteria, and
    none of those footprints carries a product id that was not asked for. Anything else waits
    for a person (:func:`pending_requests`). Returns whether it was fulfilled."""
    if row.status != "pending" or row.org_id is None:
        return False
    filters = filters_from_criteria(row.criteria)
    if not filters.product_ids:
        return False
    if filters.statuses is None:
        filters = dataclasses.replace(filters, statuses=("Active",))
    query = filter_query(_scope_query(data_owner_ids(session, row.org_id)), filters)
    matches = list(
        session.scalars(query.order_by(ProductFootprint.created_at, ProductFootprint.id))
    )
    asked = set(filters.product_ids)
    covered = {p.lower() for m in matches for p in m.product_ids}
    if not matches or not asked <= covered or not covered <= asked:
        return False
    try:
        with session.begin_nested():
            fulfil_request(
                session, row.id, [m.id for m in matches], actor="pact:auto-fulfil", deliver=deliver
            )
    except PactStoreError:  # e.g. a v2 request for footprints v2 cannot express: a person decides
        return False
    return True


# ------------------------------------------------------------------------------- delivery


_deliveries: list[threading.Thread] = []
_deliveries_lock = threading.Lock()


def schedule_delivery(session: Session, request_id: int) -> None:
    """Send the stored answer of ``request_id`` in a background thread once ``session``'s
    transaction has committed (nothing is sent if it rolls back)."""
    bind = session.get_bind()

    def after_commit(_session: Session) -> None:
        start_delivery(bind, request_id)

    event.listen(session, "after_commit", after_commit, once=True)


def start_delivery(bind: Any, request_id: int) -> threading.Thread:
    from greenmfg.io.pact_client import deliver_answer

    t = threading.Thread(
        target=deliver_answer,
        args=(bind, request_id),
        name=f"pact-answer-{request_id}",
        daemon=True,
    )
    with _deliveries_lock:
        _deliveries[:] = [d for d in _deliveries if d.is_alive()]
        _deliveries.append(t)
    t.start()
    return t


def wait_for_deliveries(timeout: float = 30.0) -> bool:
    """Wait until the answers being sent are sent (or failed); ``False`` on timeout."""
    import time

    end = time.monotonic() + timeout
    while True:
        with _deliveries_lock:
            alive = [d for d in _deliveries if d.is_alive()]
        if not alive:
            return True
        left = end - time.monotonic()
        if left <= 0:
            return False
        alive[0].join(left)

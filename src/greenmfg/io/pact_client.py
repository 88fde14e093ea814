"""A client of the PACT Data Exchange API (PACT Technical Specifications v2.3.3 and v3.0.3).

:class:`PactClient` performs the specs' authentication flow (the token endpoint from the host's
OpenID Provider Configuration Document, else ``{auth base}/auth/token``; OAuth2 client
credentials with HTTP Basic, RFC 6749 4.4), lists footprints following the ``Link: <...>;
rel="next"`` pagination links (RFC 8288), gets one, and sends events (CloudEvents, structured
mode). :func:`pull` stores a partner's footprints as ``pulled`` footprints of an enterprise;
:func:`deliver_answer` sends the answer to a footprint request (run in a background thread by
:func:`greenmfg.store.pact.fulfil_request`); :func:`request_footprints` asks a partner for
footprints. No function here holds a database transaction open across a network call.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from greenmfg.io.pact import PactValidationError, to_v3, validate
from greenmfg.store import audit
from greenmfg.store.models import FootprintRequest, PactConnection, utcnow
from greenmfg.store.pact import (
    EVENT_COMPONENTS,
    SYSTEM,
    FilterError,
    PactStoreError,
    as_version,
    connection_for_source,
    connection_secret,
    events_url,
    filters_from_criteria,
    get_connection,
    new_event,
    require_enterprise,
    store_footprint,
)
from greenmfg.store.scope import Principal

DEFAULT_TIMEOUT = 30.0  # [s] per HTTP request
RETRY_DELAYS = (2.0, 10.0, 30.0)  # [s] before the 2nd, 3rd, 4th attempt to send an answer
RETRY_WINDOW = timedelta(hours=72)  # v3.0.3 events: abandon sending after 72 hours
MAX_PAGES = 100_000
CLOUDEVENTS_JSON = "application/cloudevents+json; charset=UTF-8"

Progress = Callable[[str, int, int | None], None]


class PactClientError(RuntimeError):
    """A PACT host answered with an error (``status``, PACT ``code`` or OAuth ``error``), or
    could not be reached (``status`` None)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "", url: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.url = url


def _error(response: httpx.Response, what: str) -> PactClientError:
    code, detail = "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or body.get("error") or "")
        detail = str(body.get("message") or body.get("error_description") or "")
    text = f"{what}: {response.request.url} answered {response.status_code}"
    if code or detail:
        text += f" {code}{': ' if code and detail else ''}{detail}"
    return PactClientError(
        text, status=response.status_code, code=code, url=str(response.request.url)
    )


class PactClient:
    """A session with one PACT host system.

    ``base_url`` is the host's API base (``{base}/3/footprints``...); ``auth_base_url`` where
    its ``/.well-known/openid-configuration`` and ``/auth/token`` live (default: ``base_url``).
    ``verify``: ``True`` (system CAs), ``False``, the path of a CA bundle (PEM) or an
    :class:`ssl.SSLContext`.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        auth_base_url: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth_base_url = (auth_base_url or base_url).rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        if isinstance(verify, str):  # a CA bundle: httpx wants an SSL context for it
            verify = ssl.create_default_context(cafile=verify)
        self._http = httpx.Client(
            verify=verify,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "greenmfg-pact-client"},
        )
        self._token: str | None = None
        self._token_until = 0.0
        self._token_endpoint: str | None = None

    @classmethod
    def for_connection(cls, conn: PactConnection, secret: str, **kwargs: Any) -> PactClient:
        kwargs.setdefault("verify", conn.ca_bundle or True)
        return cls(
            conn.base_url, conn.client_id, secret, auth_base_url=conn.auth_base_url, **kwargs
        )

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise PactClientError(f"{method} {url}: {exc}", url=url) from exc

    # ------------------------------------------------------------------ authentication

    def token_endpoint(self) -> str:
        """The ``token_endpoint`` of the host's OpenID Provider Configuration Document, or
        ``{auth base}/auth/token`` when the host offers none (v3.0.3 authentication flow)."""
        if self._token_endpoint is None:
            endpoint = f"{self.auth_base_url}/auth/token"
            try:
                r = self._http.get(f"{self.auth_base_url}/.well-known/openid-configuration")
                doc = r.json() if r.status_code == 200 else None
                if isinstance(doc, dict) and isinstance(doc.get("token_endpoint"), str):
                    endpoint = doc["token_endpoint"]
            except (httpx.HTTPError, ValueError):
                pass  # no discovery document: the fallback is the spec's
            self._token_endpoint = endpoint
        return self._token_endpoint

    def access_token(self, *, refresh: bool = False) -> str:
        """A bearer token (cached until shortly before it expires)."""
        if self._token and not refresh and time.monotonic() < self._token_until:
            return self._token
        url = self.token_endpoint()
        r = self._send(
            "POST",
            url,
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self._secret),
        )
        if r.status_code != 200:
            raise _error(r, "authentication failed")
        try:
            body = r.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise PactClientError(
                f"authentication: {url} answered without an access_token", url=url
            )
        if str(body.get("token_type", "bearer")).lower() != "bearer":
            raise PactClientError(
                f"authentication: {url} issued a {body.get('token_type')} token", url=url
            )
        expires_in = body.get("expires_in")
        ttl = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 300.0
        self._token = body["access_token"]
        self._token_until = time.monotonic() + max(ttl - 30.0, ttl / 2)
        return self._token

    def _authed(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request with the bearer token; on 401 (expired) a new token and one retry."""
        headers = dict(kwargs.pop("headers", {}) or {})
        for attempt in range(2):
            headers["Authorization"] = f"Bearer {self.access_token(refresh=attempt > 0)}"
            r = self._send(method, url, headers=headers, **kwargs)
            if r.status_code != 401:
                return r
        return r

    # -------------------------------------------------------------------------- actions

    def list_footprints(
        self,
        version: str = "3",
        params: dict[str, Any] | list[tuple[str, str]] | None = None,
        limit: int | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every footprint of ``GET /{version}/footprints`` (filters in ``params``), following
        the ``rel="next"`` links; ``limit`` is the page size asked for."""
        query: list[tuple[str, str]] = list(
            params.items() if isinstance(params, dict) else params or []
        )
        if limit is not None:
            query.append(("limit", str(limit)))
        url: str | None = f"{self.base_url}/{version}/footprints"
        kwargs: dict[str, Any] = {"params": query} if query else {}
        seen: set[str] = set()
        pages = 0
        while url is not None and pages < MAX_PAGES:
            r = self._authed("GET", url, **kwargs)
            if r.status_code not in (200, 202):
                raise _error(r, "ListFootprints")
            try:
                data = r.json()["data"]
            except (ValueError, KeyError, TypeError):
                raise PactClientError(
                    f"ListFootprints: {r.request.url} answered without data", url=url
                ) from None
            if not isinstance(data, list):
                raise PactClientError(
                    f"ListFootprints: {r.request.url}: data is not a list", url=url
                )
            pages += 1
            yield from data
            if on_page is not None:
                on_page(len(data))
            seen.add(str(r.request.url))
            nxt = r.links.get("next", {}).get("url")
            url = urljoin(str(r.request.url), nxt) if nxt else None
            if url in seen:  # a host repeating its own link would loop for ever
                url = None
            kwargs = {}

    def get_footprint(self, pf_id: str, version: str = "3") -> dict[str, Any]:
        r = self._authed("GET", f"{self.base_url}/{version}/footprints/{pf_id}")
        if r.status_code != 200:
            raise _error(r, "GetFootprint")
        try:
            doc = r.json()["data"]
        except (ValueError, KeyError, TypeError):
            raise PactClientError(f"GetFootprint: {r.request.url} answered without data") from None
        if not isinstance(doc, dict):
            raise PactClientError(f"GetFootprint: {r.request.url}: data is not an object")
        return doc

    def send_event(self, event: dict[str, Any], version: str = "3", url: str | None = None) -> None:
        """POST an event to ``url`` (default: the host's ``/{version}/events``); any 2xx is
        success."""
        target = url or f"{self.base_url}/{version}/events"
        r = self._authed(
            "POST",
            target,
            content=json.dumps(event, ensure_ascii=False).encode(),
            headers={"Content-Type": CLOUDEVENTS_JSON},
        )
        if not 200 <= r.status_code < 300:
            raise _error(r, "Events")


# ----------------------------------------------------------------------------------- pull


@dataclass
class PullResult:
    """What :func:`pull` did: footprints fetched; stored ``new``; ``unchanged`` (already held);
    ``updated`` (lifecycle status changed); ``skipped`` (held by another organisation) and
    ``invalid`` (failed the schema), each with a message naming the footprint."""

    connection: str
    version: str
    fetched: int = 0
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def fetch_footprints(
    conn: PactConnection,
    secret: str,
    version: str = "3",
    *,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
    page_size: int | None = 100,
) -> list[dict[str, Any]]:
    """All footprints the connection's client may read from the partner."""
    docs: list[dict[str, Any]] = []
    done = 0

    def on_page(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress("fetching", done, None)

    with PactClient.for_connection(conn, secret, transport=transport) as client:
        docs.extend(client.list_footprints(version, limit=page_size, on_page=on_page))
    return docs


def pull(
    session: Session,
    connection: PactConnection | str,
    into_org_id: int,
    version: str = "3",
    *,
    secret: str | None = None,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
    actor: Principal = SYSTEM,
) -> PullResult:
    """Fetch every footprint the partner ``connection`` shares and store it as a ``pulled``
    footprint of enterprise ``into_org_id`` (never published; v2 documents are converted with
    ``to_v3``). Idempotent: a footprint already held is left as it is, except that its
    lifecycle status follows the partner's.

    The footprints are fetched before ``session`` is used for writing, so pass a session that
    holds no write lock yet (e.g. a fresh ``Database.writing()``); ``secret`` saves reading the
    sealed secret through it.
    """
    conn = (
        connection
        if isinstance(connection, PactConnection)
        else get_connection(session, connection)
    )
    if version not in ("2", "3"):
        raise PactStoreError(f"version {version!r}: expected 2 or 3")
    if secret is None:
        secret = connection_secret(session, conn)
    docs = fetch_footprints(conn, secret, version, progress=progress, transport=transport)
    result = PullResult(connection=conn.name, version=version, fetched=len(docs))
    require_enterprise(session, into_org_id)
    for i, doc in enumerate(docs):
        label = f"{conn.base_url}/{version}/footprints, footprint {i + 1} (id {doc.get('id') if isinstance(doc, dict) else '?'})"
        try:
            doc3 = to_v3(doc) if version == "2" else doc
            with session.begin_nested():
                out = store_footprint(
                    session,
                    into_org_id,
                    doc3,
                    "pulled",
                    conn.base_url,
                    published=False,
                    actor=actor,
                )
        except PactValidationError as exc:
            result.invalid.append(f"{label}: {exc}")
            continue
        except (PactStoreError, FilterError) as exc:
            result.skipped.append(f"{label}: {exc}")
            continue
        if out.outcome == "new":
            result.new += 1
        elif out.outcome == "status":
            result.updated += 1
        else:
            result.unchanged += 1
        if progress is not None:
            progress("storing", i + 1, len(docs))
    row = session.get(PactConnection, conn.id)
    if row is not None:
        row.last_pull_at = utcnow()
    audit.append(
        session,
        actor_id=actor.user_id or None,
        actor=actor.username,
        action="pact.pull",
        entity="pact_connection",
        entity_id=conn.id,
        org_id=into_org_id,
        payload={
            "version": version,
            "fetched": result.fetched,
            "new": result.new,
            "unchanged": result.unchanged,
            "updated": result.updated,
            "skipped": len(result.skipped),
            "invalid": len(result.invalid),
        },
    )
    return result


# ------------------------------------------------------------------------ events we send


def deliver_answer(
    bind: Any,
    request_id: int,
    *,
    transport: httpx.BaseTransport | None = None,
    delays: tuple[float, ...] | None = None,
) -> str:
    """Send the stored answer (RequestFulfilled/RequestRejected) of request ``request_id`` to the
    requester's events endpoint, with a token from the requester's auth endpoint obtained with
    the stored connection's credentials; retry network errors, 5xx, 401 and 429 after each of
    ``delays`` seconds (default :data:`RETRY_DELAYS`); record the outcome (``callback_status`` ``sent`` or ``failed``,
    ``callback_result``). Returns the outcome. ``bind`` is an engine (or ``Database``)."""
    engine = getattr(bind, "engine", bind)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        row = s.get(FootprintRequest, request_id)
        if row is None or row.response_event is None or row.callback_status == "sent":
            return "nothing to send"
        answer, version, source = row.response_event, row.spec_version, row.source
        conn = s.get(PactConnection, row.connection_id) if row.connection_id else None
        conn = conn or connection_for_source(s, source)
        secret = ""
        problem = ""
        if conn is None:
            problem = f"no PACT connection to {source!r}; add one with `greenmfg pact connect`"
        else:
            try:
                secret = connection_secret(s, conn)
            except PactStoreError as exc:
                problem = str(exc)
    attempts = 0
    outcome = "failed"
    if not problem:
        assert conn is not None
        url = events_url(source, version, conn)
        with PactClient.for_connection(conn, secret, transport=transport) as client:
            for delay in (0.0, *(RETRY_DELAYS if delays is None else delays)):
                if delay:
                    time.sleep(delay)
                attempts += 1
                try:
                    client.send_event(answer, version, url=url)
                except PactClientError as exc:
                    problem = str(exc)
                    if (
                        exc.status is not None
                        and exc.status < 500
                        and exc.status not in (401, 408, 429)
                    ):
                        break  # the requester refuses it: sending it again will not help
                    continue
                outcome, problem = "sent", f"POST {url}: accepted"
                break
    with factory() as s, s.begin():
        row = s.get(FootprintRequest, request_id)
        if row is None:
            return outcome
        row.callback_status = outcome
        row.callback_attempts = (row.callback_attempts or 0) + attempts
        row.callback_at = utcnow()
        row.callback_result = problem[:10_000]
        audit.append(
            s,
            actor_id=None,
            actor="pact:delivery",
            action=f"pact.answer.{outcome}",
            entity="footprint_request",
            entity_id=row.id,
            org_id=row.org_id,
            payload={"attempts": attempts, "result": problem[:500]},
        )
    return outcome


def retry_failed_answers(
    bind: Any, *, transport: httpx.BaseTransport | None = None
) -> dict[int, str]:
    """Send again the answers that failed or were never sent, decided in the last 72 hours (v3.0.3:
    "It SHOULD abandon sending the event after 72 hours"). Returns each request's outcome."""
    engine = getattr(bind, "engine", bind)
    since = (datetime.now(UTC) - RETRY_WINDOW).replace(microsecond=0).isoformat()
    with sessionmaker(engine)() as s:
        ids = s.scalars(
            select(FootprintRequest.id).where(
                FootprintRequest.direction == "in",
                FootprintRequest.callback_status.in_(("pending", "failed")),
                FootprintRequest.response_event.is_not(None),
                FootprintRequest.decided_at >= since,
            )
        ).all()
    return {i: deliver_answer(engine, i, transport=transport, delays=()) for i in ids}


def request_footprints(
    db: Any,
    connection: str | int,
    org_id: int,
    criteria: dict[str, Any],
    *,
    source: str,
    version: str = "3",
    comment: str = "",
    transport: httpx.BaseTransport | None = None,
    actor: Principal = SYSTEM,
) -> int:
    """Ask the partner ``connection`` for footprints on behalf of enterprise ``org_id``: send a
    ``RequestCreated`` event with v3 ``criteria`` (``productId``... lists; in v2 a ``pf``
    fragment with ``productIds``/``companyIds``) and ``source`` our own events endpoint, where the
    answer will arrive. Records the request (``direction='out'``) before sending, so that an
    answer arriving at once finds it; the send's outcome lands in ``callback_*``. Returns the
    request's row id. ``db`` is a :class:`~greenmfg.store.db.Database`."""
    filters = filters_from_criteria(criteria)
    if version == "3":
        data: dict[str, Any] = dict(filters.criteria())
    else:
        pf: dict[str, Any] = {}
        if "productId" in filters.raw:
            pf["productIds"] = filters.raw["productId"]
        if "companyId" in filters.raw:
            pf["companyIds"] = filters.raw["companyId"]
        data = {"pf": pf}
    if comment:
        data["comment"] = comment
    event_body = new_event("request", version, source, data)
    problems = validate(event_body, as_version(version), EVENT_COMPONENTS["request"])
    if problems:
        raise PactStoreError("the request would not be a valid event: " + "; ".join(problems[:5]))
    with db.writing() as s:
        conn = get_connection(s, connection)
        require_enterprise(s, org_id)
        secret = connection_secret(s, conn)
        row = FootprintRequest(
            direction="out",
            kind="request",
            spec_version=version,
            event_id=event_body["id"],
            event_type=event_body["type"],
            source=source[:500],
            org_id=org_id,
            connection_id=conn.id,
            criteria=filters.criteria(),
            comment=comment,
            status="pending",
            event=event_body,
            callback_status="pending",
        )
        s.add(row)
        s.flush()
        audit.append(
            s,
            actor_id=actor.user_id or None,
            actor=actor.username,
            action="pact.request.send",
            entity="footprint_request",
            entity_id=row.id,
            org_id=org_id,
            payload={"connection": conn.name, "event_id": row.event_id, "criteria": row.criteria},
        )
        request_id = row.id
    problem, outcome = "", "sent"
    try:
        with PactClient.for_connection(conn, secret, transport=transport) as client:
            client.send_event(event_body, version)
    except PactClientError as exc:
        problem, outcome = str(exc), "failed"
    with db.writing() as s:
        row = s.get(FootprintRequest, request_id)
        assert row is not None
        row.callback_status = outcome
        row.callback_attempts = 1
        row.callback_at = utcnow()
        row.callback_result = problem[:10_000]
    if outcome == "failed":
        raise PactClientError(
            f"the request was recorded (id {request_id}) but not delivered: {problem}"
        )
    return request_id

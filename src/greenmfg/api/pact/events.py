"""``POST /{2,3}/events`` (Action Events): CloudEvents in structured content mode.

The body must be a JSON object whose ``type`` is one of the version's four PACT events and which
validates against that event's schema component (``greenmfg.io.pact.validate``); otherwise 400
``BadRequest`` naming the problems ("A host system MUST validate the event and return an HTTP
4xx status code if the event is invalid", v3.0.3). Accepted events answer 200 with an empty body
and are stored (:func:`greenmfg.store.pact.record_event`):

- ``RequestCreated``: a footprint request to the client's data owner. It is refused (400) when
  its criteria are malformed or its ``source`` names no host to answer ("If the data owner can
  immediately determine that it will not be able to handle this request it MUST respond with an
  appropriate 4xx error response"). Otherwise it waits for the data owner, or is answered at
  once by
  :func:`greenmfg.store.pact.auto_fulfil` when published footprints match it exactly and
  auto-fulfilment is on (``GREENMFG_PACT_AUTO_FULFIL``, default on; ``app.state.pact_auto_fulfil``
  overrides). The answer is sent after the response, by a background thread.
- ``RequestFulfilled``/``RequestRejected``: answers to greenmfg's own requests.
- ``Published``: recorded.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from greenmfg.api.pact.deps import ClientDep, require_https
from greenmfg.api.pact.errors import PactRoute, bad_request
from greenmfg.api.pact.schemas import error_responses
from greenmfg.io.pact import validate
from greenmfg.store.db import Database
from greenmfg.store.pact import (
    EVENT_COMPONENTS,
    ClientPrincipal,
    FilterError,
    PactStoreError,
    as_version,
    auto_fulfil,
    auto_fulfil_enabled,
    event_kind,
    record_event,
)

router = APIRouter(route_class=PactRoute, tags=["PACT"], dependencies=[Depends(require_https)])

MAX_EVENT = 8 * 1024 * 1024  # [bytes] a RequestFulfilled event carries whole footprints
OTHER = {"2": "3", "3": "2"}


def _parse(body: bytes, version: str) -> tuple[dict[str, Any], str]:
    if len(body) > MAX_EVENT:
        raise bad_request(f"the event is larger than {MAX_EVENT // 1024 // 1024} MiB")
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("the body is not a JSON CloudEvent (structured content mode)") from None
    if not isinstance(event, dict):
        raise bad_request("the body is not a JSON object")
    kind = event_kind(str(event.get("type", "")), version)
    if kind is None:
        hint = ""
        if event_kind(str(event.get("type", "")), OTHER[version]) is not None:
            hint = f"; it is a v{OTHER[version]} event, post it to /{OTHER[version]}/events"
        raise bad_request(f"type {event.get('type')!r} is not a PACT v{version} event{hint}")
    problems = validate(event, as_version(version), EVENT_COMPONENTS[kind])
    if problems:
        shown = "; ".join(problems[:10]) + (
            f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        )
        raise bad_request(f"invalid {EVENT_COMPONENTS[kind]}: {shown}")
    return event, kind


def _store(
    db: Database,
    client: ClientPrincipal,
    event: dict[str, Any],
    version: str,
    reply: str,
    auto: bool,
) -> None:
    with db.writing() as s:
        row, new = record_event(s, client, event, version, reply_source=reply)
        if new and auto and row.kind == "request":
            auto_fulfil(s, row)


async def _handle(request: Request, client: ClientPrincipal, version: str) -> Response:
    event, _kind = _parse(await request.body(), version)
    configured = getattr(request.app.state, "pact_auto_fulfil", None)
    auto = auto_fulfil_enabled() if configured is None else bool(configured)
    reply = f"{str(request.base_url).rstrip('/')}/{version}/events"
    db: Database = request.app.state.db
    try:
        await run_in_threadpool(_store, db, client, event, version, reply, auto)
    except (PactStoreError, FilterError) as exc:
        raise bad_request(str(exc)) from None
    return Response(status_code=200)


@router.post(
    "/3/events",
    summary="Action Events (v3)",
    responses={200: {"description": "Accepted (empty body)"}, **error_responses(400, 401, 500)},
)
async def events_v3(request: Request, client: ClientDep) -> Response:
    return await _handle(request, client, "3")


@router.post(
    "/2/events",
    summary="Action Events (v2)",
    responses={200: {"description": "Accepted (empty body)"}, **error_responses(400, 401, 500)},
)
async def events_v2(request: Request, client: ClientDep) -> Response:
    return await _handle(request, client, "2")

"""The enterprise's PACT footprint-requests inbox: requests received from customers' systems
(``RequestCreated`` events on ``/2/events`` and ``/3/events``) waiting for an answer, with the
published footprints that match each one; the answered ones with the delivery of the answer; and
the enterprise's own requests to its suppliers.

``GET /enterprises/{id}/footprint-requests`` shows it to whoever reads the enterprise;
``POST .../{request}/fulfil`` (form field ``footprint_id``, repeated) and ``POST .../reject``
(``code``, ``reason``) answer a request (managers only) and come back to the page with a message
(a refused answer is a message too, not an error page). Forms carry the CSRF token; with htmx
they replace the inbox in place, without it they redirect (303).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from greenmfg.api.deps import MAX_ID, DbDep, OptionalPrincipal, OrgId, check_csrf
from greenmfg.store import requests_view as rv
from greenmfg.store.activities import Conflict
from greenmfg.store.db import Database
from greenmfg.store.pact import PactStoreError
from greenmfg.store.scope import Access, Principal, require
from greenmfg.web.i18n import N_, gettext
from greenmfg.web.routes import flash, is_htmx, page, render, request_lang, see_other

router = APIRouter(include_in_schema=False)

RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
MAX_SELECTED = 1000  # footprints in one answer (the API's bound too)

REQUEST_STATUS_NAMES = {
    "pending": N_("Awaiting answer"),
    "fulfilled": N_("Fulfilled"),
    "rejected": N_("Rejected"),
    "received": N_("Notification received"),
    "unmatched": N_("Unmatched"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
}
# badge colours of app.css (the workflow's): waiting blue, done green, refused or failed red
STATUS_CLASSES = {
    "pending": "status-submitted",
    "fulfilled": "status-verified",
    "sent": "status-verified",
    "rejected": "status-returned",
    "failed": "status-returned",
}
# callback_status: the answer (received requests) or the request itself (sent ones) on its way
DELIVERY_NAMES = {
    "": N_("Not sent"),
    "pending": N_("Sending"),
    "sent": N_("Delivered"),
    "failed": N_("Not delivered"),
}
# v3.0.3 ListFootprints criteria (the data of a RequestCreatedEvent)
CRITERIA_NAMES = {
    "productId": N_("Product IDs"),
    "companyId": N_("Company IDs"),
    "classification": N_("Product classifications"),
    "geography": N_("Geography"),
    "validOn": N_("Valid on"),
    "validAfter": N_("Valid after"),
    "validBefore": N_("Valid before"),
    "status": N_("Footprint status"),
}
# v2.3.3/v3.0.3 Error.code values a rejection may carry
REJECT_CODE_NAMES = {
    "BadRequest": N_("The request is malformed"),
    "AccessDenied": N_("The requester may not have these footprints"),
    "TokenExpired": N_("The requester's access has expired"),
    "NotFound": N_("No footprint for these criteria"),
    "InternalError": N_("We cannot answer because of an error on our side"),
    "NotImplemented": N_("We do not offer this"),
}


def inbox_url(org_id: int) -> str:
    return f"/enterprises/{org_id}/footprint-requests"


def _show(request: Request, principal: Principal, db: Database, org_id: int) -> Response:
    """The inbox page, or only the inbox (``_footprint_requests.html``) for htmx."""
    with db.reading() as s:
        box = rv.inbox(s, principal, org_id)
        # rendered inside the session: the views hold ORM rows
        return render(
            request,
            "_footprint_requests.html" if is_htmx(request) else "footprint_requests.html",
            principal=principal,
            org=box.org,
            box=box,
            base=inbox_url(org_id),
            request_status_names=REQUEST_STATUS_NAMES,
            status_classes=STATUS_CLASSES,
            delivery_names=DELIVERY_NAMES,
            criteria_names=CRITERIA_NAMES,
            reject_code_names=REJECT_CODE_NAMES,
        )


@router.get("/enterprises/{org_id}/footprint-requests")
@page()
def footprint_requests_page(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId
) -> Response:
    assert principal is not None
    return _show(request, principal, db, org_id)


def _after(
    request: Request, principal: Principal, db: Database, org_id: int, request_id: int
) -> Response:
    if is_htmx(request):
        return _show(request, principal, db, org_id)
    return see_other(f"{inbox_url(org_id)}#request-{request_id}")


def _refused(request: Request, exc: Exception) -> None:
    _ = gettext(request_lang(request))
    prefix = _("The request was not answered:")
    flash(request, "error", f"{prefix} {exc}", translate=False)


@router.post("/enterprises/{org_id}/footprint-requests/{request_id}/fulfil")
@page()
def fulfil_request_form(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    request_id: RequestId,
    footprint_id: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Fulfil the request with the selected footprints (managers only)."""
    assert principal is not None
    check_csrf(request, csrf_token)
    try:  # v3.0.3 ProductFootprint/id is a UUID (stored in its canonical lower-case form)
        chosen = [str(uuid.UUID(i.strip())) for i in footprint_id if i.strip()]
    except ValueError:
        chosen = []
    if not chosen or len(chosen) > MAX_SELECTED:
        # the store refuses an empty answer too; checked here to say it in the page's language
        with db.reading() as s:
            require(s, principal, org_id, Access.write)  # 404 / 403 before any message
        flash(request, "error", N_("Choose at least one footprint to send, or reject the request."))
        return _after(request, principal, db, org_id, request_id)
    try:
        with db.writing() as s:
            rv.fulfil(s, principal, org_id, request_id, chosen)
    except (Conflict, PactStoreError) as exc:
        _refused(request, exc)
    else:
        flash(
            request, "ok", N_("Request fulfilled. The footprints are being sent to the requester.")
        )
    return _after(request, principal, db, org_id, request_id)


@router.post("/enterprises/{org_id}/footprint-requests/{request_id}/reject")
@page()
def reject_request_form(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    request_id: RequestId,
    code: Annotated[str, Form(max_length=32)] = "NotFound",
    reason: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Reject the request with a PACT error code and a message (managers only)."""
    assert principal is not None
    check_csrf(request, csrf_token)
    try:
        with db.writing() as s:
            rv.reject(s, principal, org_id, request_id, reason.replace("\x00", ""), code)
    except (Conflict, PactStoreError) as exc:
        _refused(request, exc)
    else:
        flash(request, "ok", N_("Request rejected. The rejection is being sent to the requester."))
    return _after(request, principal, db, org_id, request_id)


__all__ = ["router"]

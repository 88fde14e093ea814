"""The enterprise's meter-data page: upload a meter list and readings, check them in the
background, and see the problems by rule, monthly energy, tce and emissions per site and workshop,
the main- against sub-meter balance, the coefficients used, and the Excel workbook.

``GET /enterprises/{id}/meters`` shows the upload form (managers only) and, with ``?job=ID``, the
state of a check: its progress while it runs (the ``_meter_job.html`` partial polls
``GET /enterprises/{id}/meters/jobs/{job}`` every second with htmx, and stops when the check ended:
the partial then comes back without ``hx-trigger``), then its results. Without JavaScript the page
shows the same state on every reload (and reloads itself while the check runs).

``POST /enterprises/{id}/meters`` (multipart: ``meters``, ``readings``, ``year``, ``region``,
``csrf_token``) streams the files straight into the job's temporary directory, refusing the upload
as soon as it exceeds :data:`MAX_UPLOAD_BYTES`, queues the check
(:func:`greenmfg.store.meter_jobs.start_job`) and answers ``303`` to the page at once.

The figures are those of ``greenmfg meters check --year Y --region R --out report.xlsx`` on the
same files (:mod:`greenmfg.store.meter_jobs` runs the CLI's steps and writes its workbook).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from anyio import from_thread
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from greenmfg.api.deps import DbDep, OptionalPrincipal, OrgId, check_csrf
from greenmfg.reference.loader import get_reference
from greenmfg.store import meter_jobs
from greenmfg.store.reports import XLSX
from greenmfg.store.scope import Access, NotFound, require
from greenmfg.web.charts import PALETTE
from greenmfg.web.i18n import N_, gettext
from greenmfg.web.routes import (
    download,
    flash,
    is_htmx,
    may,
    page,
    render,
    request_lang,
    see_other,
)

try:  # python-multipart >= 0.0.13 (the project asks for >= 0.0.9, which is named multipart)
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header
except ModuleNotFoundError:  # pragma: no cover
    from multipart.exceptions import FormParserError  # type: ignore[no-redef]
    from multipart.multipart import (  # type: ignore[no-redef]
        MultipartParser,
        parse_options_header,
    )

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(include_in_schema=False)
Gettext = Callable[[str], str]

#: largest upload, both files and the form together [bytes]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_FIELD_BYTES = 4096  # a plain form field (year, region, token)
FILE_FIELDS = ("meters", "readings")
SUFFIXES = (".csv", ".txt", ".parquet", ".pq")
JobId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{8,64}$")]

RULE_NAMES = {
    "unknown_meter": N_("Unknown meter"),
    "duplicate": N_("Duplicate reading"),
    "negative": N_("Negative value"),
    "implausible": N_("Implausible value"),
    "misaligned": N_("Off the meter's time grid"),
    "gap": N_("Gap in the readings"),
    "clock_backwards": N_("Clock ran backwards"),
}
RULE_HELP = {
    "unknown_meter": N_("The meter is not in the meter list; its readings are left out."),
    "duplicate": N_("Several readings of a meter at one time; the first in the file is kept."),
    "negative": N_("Consumption below zero; the reading is left out."),
    "implausible": N_("More than ten times the meter's median reading; the reading is left out."),
    "misaligned": N_("The time is not on the meter's interval grid; it is moved back onto it."),
    "gap": N_("Intervals without a reading; nothing is invented for them."),
    "clock_backwards": N_("Earlier than the reading before it in the file; it is still counted."),
}
STAGE_NAMES = {
    "queued": N_("Waiting for the previous check to finish"),
    "meters": N_("Reading the meter list"),
    "converting": N_("Converting CSV %(percent)s %%"),
    "parquet": N_("Checking the Parquet file"),
    "validating": N_("Validating the readings"),
    "aggregating": N_("Aggregating by month"),
    "balancing": N_("Balancing main and sub-meters"),
    "workbook": N_("Writing the workbook"),
    "done": N_("Done"),
    "failed": N_("Failed"),
}
STATUS_TEXT = {
    "queued": N_("Queued"),
    "running": N_("Running"),
    "done": N_("Done"),
    "failed": N_("Failed"),
}
FLAG_NAMES = {
    "high": N_("residual above the band"),
    "negative": N_("sub-meters read more than the main meter"),
    "no_main": N_("the main meter read nothing"),
}


class UploadRefused(Exception):
    """An upload that is not checked; ``message`` is a message id (see :func:`_refuse_text`)."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


# ------------------------------------------------------------------------------ upload


def _safe_name(filename: str, fallback: str) -> str:
    """The base name of an uploaded file as the user's computer called it, without folders or
    control characters (it names the file in every error message)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if len(name) > 120:
        stem, dot, suffix = name.rpartition(".")
        name = stem[:110] + dot + suffix[:9] if dot else name[:120]
    return name or fallback


class _MultipartToDisk:
    """Callbacks of python-multipart's streaming parser: file parts are written straight into
    ``workdir/<field>/<name>``, plain fields kept (each at most :data:`MAX_FIELD_BYTES`)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.fields: dict[str, str] = {}
        self.files: dict[str, Path] = {}
        self._headers: list[tuple[bytes, bytes]] = []
        self._name = b""
        self._value = b""
        self._field = ""
        self._data = bytearray()
        self._out: Any = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self._headers, self._field, self._data, self._out = [], "", bytearray(), None

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        self._headers.append((self._name.lower(), self._value))
        self._name, self._value = b"", b""

    def headers_finished(self) -> None:
        disposition = next((v for k, v in self._headers if k == b"content-disposition"), b"")
        _kind, options = parse_options_header(disposition)
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.fields) >= 10:
                raise UploadRefused(N_("The form has too many fields."))
            return
        if self._field not in FILE_FIELDS or self._field in self.files:
            raise UploadRefused(N_("Unexpected file in the form."))
        name = _safe_name(options[b"filename"].decode("utf-8", "replace"), self._field)
        folder = self.workdir / self._field
        folder.mkdir()
        path = folder / name
        self.files[self._field] = path
        self._out = path.open("wb")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
        else:
            self._data += data[start:end]
            if len(self._data) > MAX_FIELD_BYTES:
                raise UploadRefused(N_("A form field is too long."))

    def part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._field:
            self.fields[self._field] = self._data.decode("utf-8", "replace")

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


async def _next_chunk(stream: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return None


def receive_upload(
    request: Request, workdir: Path, limit: int
) -> tuple[dict[str, str], dict[str, Path]]:
    """Stream a ``multipart/form-data`` request body into ``workdir`` (call from a worker
    thread: each chunk is awaited on the event loop, the parsing and the writes happen here).

    Returns the plain fields and the paths of the file fields. Raises :class:`UploadRefused` when
    the body exceeds ``limit`` bytes (as soon as it does) or is not a well-formed form.
    """
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadRefused(N_("Send the files with the upload form."))
    sink = _MultipartToDisk(workdir)
    parser = MultipartParser(boundary, sink.callbacks())
    stream = request.stream().__aiter__()
    received = 0
    try:
        while (chunk := from_thread.run(_next_chunk, stream)) is not None:
            received += len(chunk)
            if received > limit:
                raise UploadRefused(
                    N_("The upload is larger than %(mb)s MB; nothing was checked."),
                    mb=limit // (1024 * 1024),
                )
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise UploadRefused(N_("The upload is not a well-formed form; try again.")) from None
    finally:
        sink.close()
    return sink.fields, sink.files


def _refuse_text(request: Request, exc: UploadRefused) -> str:
    _ = gettext(request_lang(request))
    return _(exc.message) % exc.params if exc.params else _(exc.message)


# ------------------------------------------------------------------------------ helpers


def region_options(lang: str) -> list[tuple[str, str]]:
    """(code, label) of the regions a grid factor can be chosen for: the nation, the grid
    regions and the provinces (reference data ``regions.csv``)."""
    regions = get_reference().regions
    order = {"nation": 0, "grid": 1, "province": 2}
    chosen = sorted(
        (r for r in regions.values() if r.level in order), key=lambda r: (order[r.level], r.code)
    )
    return [(r.code, f"{r.name_zh if lang == 'zh' else r.name_en} ({r.code})") for r in chosen]


def default_region(region_code: str | None) -> str:
    """The enterprise's province (GB/T 2260: the first two digits, then ``0000``), else ``CN``."""
    if region_code and len(region_code) == 6 and region_code.isdigit():
        province = region_code[:2] + "0000"
        if province in get_reference().regions:
            return province
    return "CN"


def monthly_chart(
    rows: list[dict[str, Any]], key: str, unit: str, _: Gettext, several: bool = False
) -> dict[str, Any]:
    """Monthly ``key`` (``tce`` or ``tco2e``: additive across carriers) per site and workshop as
    stacked bars: the workshops of a site stack on one bar and the site's main meters (rows
    without a workshop) stand on the bar beside it, since they measure the same energy again."""
    months = sorted({r["month"] for r in rows})
    groups: dict[tuple[Any, str, str | None], dict[str, float]] = {}
    for r in rows:
        g = (r["enterprise_id"] if several else None, r["site"], r["workshop"])
        by_month = groups.setdefault(g, {})
        by_month[r["month"]] = by_month.get(r["month"], 0.0) + float(r[key] or 0.0)
    main_meters = _("main meters")
    series = []
    for (ent, site, workshop), by_month in sorted(
        groups.items(),
        key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2] is not None, kv[0][2] or ""),
    ):
        where = f"{ent} · {site}" if several else site
        series.append(
            {
                "type": "bar",
                "name": f"{where} · {workshop}" if workshop else f"{where} · {main_meters}",
                "stack": where if workshop else f"{where} · main",
                "data": [float(f"{by_month.get(m, 0.0):.6g}") for m in months],
                "barMaxWidth": 48,
                "emphasis": {"focus": "series"},
            }
        )
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 48, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "_unit": unit,
        "legend": {"top": 0, "type": "scroll"},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "name": unit},
        "series": series,
    }


def _job_context(job: meter_jobs.MeterJob | None, lang: str) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "job": job,
        "rule_names": RULE_NAMES,
        "rule_help": RULE_HELP,
        "stage_names": STAGE_NAMES,
        "status_text": STATUS_TEXT,
        "flag_names": FLAG_NAMES,
        "band": meter_jobs.RESIDUAL_BAND,
        "ttl_minutes": int(meter_jobs.JOB_TTL_SECONDS // 60),
        "region_names": dict(region_options(lang)),
    }
    if job is not None and job.result is not None:
        _ = gettext(lang)
        r = job.result
        several = len(r["enterprises"]) > 1
        ctx["several"] = several
        if r["monthly"]:
            ctx["chart_tce"] = monthly_chart(r["monthly"], "tce", "tce", _, several)
            ctx["chart_tco2e"] = monthly_chart(r["monthly"], "tco2e", "tCO2e", _, several)
    return ctx


def _job_or_404(principal: Any, org_id: int, job_id: str) -> meter_jobs.MeterJob:
    job = meter_jobs.get_job(job_id, user_id=principal.user_id, org_id=org_id)
    if job is None:
        raise NotFound(f"no meter check {job_id} for this user and enterprise")
    return job


# ------------------------------------------------------------------------------ pages


@router.get("/enterprises/{org_id}/meters")
@page()
def meters_page(
    request: Request,
    principal: OptionalPrincipal,
    db: DbDep,
    org_id: OrgId,
    job: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    assert principal is not None
    lang = request_lang(request)
    with db.reading() as s:
        org = require(s, principal, org_id, Access.read)
        may_write = may(s, principal, org_id, Access.write)
    current = None
    if job:
        current = meter_jobs.get_job(job, user_id=principal.user_id, org_id=org_id)
    ctx = _job_context(current, lang)
    return render(
        request,
        "meters.html",
        principal=principal,
        org=org,
        may_write=may_write,
        missing_job=bool(job) and current is None,
        jobs=meter_jobs.list_jobs(user_id=principal.user_id, org_id=org_id),
        regions=region_options(lang),
        region=default_region(org.region_code),
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        **ctx,
    )


@router.post("/enterprises/{org_id}/meters")
@page()
def upload_meters(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId
) -> Response:
    """Receive the meter list and the readings and queue their check (303 to the page)."""
    assert principal is not None
    with db.reading() as s:  # 404 / 403 before a byte of the body is read
        org = require(s, principal, org_id, Access.write)
    back = f"/enterprises/{org_id}/meters"
    limit = MAX_UPLOAD_BYTES
    header_token = request.headers.get("x-csrf-token")
    if header_token is not None:
        check_csrf(request, header_token)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        exc = UploadRefused(
            N_("The upload is larger than %(mb)s MB; nothing was checked."),
            mb=limit // (1024 * 1024),
        )
        flash(request, "error", _refuse_text(request, exc), translate=False)
        return see_other(back)
    workdir = meter_jobs.new_workdir()
    started = False
    try:
        try:
            fields, files = receive_upload(request, workdir, limit)
        except UploadRefused as exc:
            flash(request, "error", _refuse_text(request, exc), translate=False)
            return see_other(back)
        check_csrf(request, fields.get("csrf_token", ""))
        meters_path, readings_path = files.get("meters"), files.get("readings")
        if meters_path is None or readings_path is None:
            flash(request, "error", N_("Choose a meter list and a readings file."))
            return see_other(back)
        for p in (meters_path, readings_path):
            if p.suffix.lower() not in SUFFIXES or p.stat().st_size == 0:
                _ = gettext(request_lang(request))
                flash(
                    request,
                    "error",
                    _("%(file)s: expected a non-empty .csv or .parquet file.") % {"file": p.name},
                    translate=False,
                )
                return see_other(back)
        year_text = fields.get("year", "").strip()
        if year_text and not (year_text.isdigit() and 1900 <= int(year_text) <= 2100):
            flash(request, "error", N_("The year is a four-digit number, or empty."))
            return see_other(back)
        region = fields.get("region", "").strip() or default_region(org.region_code)
        try:
            resolved = get_reference().resolve_region(region)
        except KeyError:
            resolved = None
        if resolved is None:
            flash(request, "error", N_("Choose a region from the list."))
            return see_other(back)
        job = meter_jobs.start_job(
            user_id=principal.user_id,
            org_id=org_id,
            workdir=workdir,
            meters_path=meters_path,
            readings_path=readings_path,
            year=int(year_text) if year_text else None,
            region=resolved.code,
        )
        started = True
    finally:
        if not started:
            shutil.rmtree(workdir, ignore_errors=True)
    return see_other(f"{back}?job={job.id}")


@router.get("/enterprises/{org_id}/meters/jobs/{job_id}")
@page()
def job_state(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId, job_id: JobId
) -> Response:
    """The ``_meter_job.html`` partial (htmx polls it); a plain request goes to the page."""
    assert principal is not None
    with db.reading() as s:
        org = require(s, principal, org_id, Access.read)
    job = _job_or_404(principal, org_id, job_id)
    if not is_htmx(request):
        return see_other(f"/enterprises/{org_id}/meters?job={job.id}")
    return render(
        request,
        "_meter_job.html",
        principal=principal,
        org=org,
        **_job_context(job, request_lang(request)),
    )


@router.get("/enterprises/{org_id}/meters/jobs/{job_id}/report.xlsx")
@page()
def job_workbook(
    request: Request, principal: OptionalPrincipal, db: DbDep, org_id: OrgId, job_id: JobId
) -> Response:
    """The check's workbook (the CLI's ``--out``: Problems, Monthly, Balance, Factors)."""
    assert principal is not None
    with db.reading() as s:
        require(s, principal, org_id, Access.read)
    job = _job_or_404(principal, org_id, job_id)
    if job.workbook is None:
        raise NotFound(f"meter check {job_id} has no workbook (yet)")
    stem = Path(job.readings_name).stem or "readings"
    return download(job.workbook, f"meters-{stem}-{job.result and job.result['year']}.xlsx", XLSX)

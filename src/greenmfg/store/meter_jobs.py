"""Background checks of uploaded energy-meter data for the web pages (``/enterprises/{id}/meters``).

An enterprise manager uploads a meter list and readings (CSV or Parquet, possibly tens of MB); the
page answers at once and the check runs here, in a process-wide worker thread
(:class:`concurrent.futures.ThreadPoolExecutor` with one worker, created on first use, so checks
queue one after the other and never compete for memory). The check itself is
:func:`greenmfg.io.meter_check.check_meter_files`, the pipeline of ``greenmfg meters check``
(:mod:`greenmfg.meters_cli`), run here for the last data year when none is asked for, on a DuckDB
engine limited to :data:`DUCKDB_MEMORY_LIMIT` (spilling into the job's directory), converting CSV
in blocks of :data:`BLOCK_SIZE` so progress shows often; its workbook is
:func:`greenmfg.io.meter_check.meter_check_workbook` (the CLI's ``--out``), kept as bytes for the
download. So the page, its workbook and the CLI show the same figures.

Jobs are **not stored in the database** (no migration): they live in a process-local registry (a
dict guarded by a lock) keyed by a random id and bound to the user and the enterprise that
started them; anyone else asking for the id is told it does not exist. Uploaded files go to a
temporary directory (``tempfile.mkdtemp(prefix="greenmfg-meters-")``) that is removed when the job
ends, whatever the outcome. A finished job (its result and workbook) is kept for
:data:`JOB_TTL_SECONDS` (one hour) after it ended, then forgotten; a restart of the server forgets
every job. With several server processes a job is only known to the process that received the
upload, so such deployments need sticky sessions for this page.

What is kept for display is capped (:data:`ROWS_PER_RULE` problems per rule, :data:`MAX_TABLE_ROWS`
monthly and balance rows); the counts are always complete, and the workbook holds up to
:data:`WORKBOOK_PROBLEM_ROWS` problems (the CLI's cap is 1,000,000, too heavy for a web server).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pyarrow.compute as pc

from greenmfg.io.meter_check import (
    XLSX_MAX_ROWS,
    MeterCheck,
    check_meter_files,
    meter_check_workbook,
)
from greenmfg.reference.model import ReferenceData

__all__ = [
    "BLOCK_SIZE",
    "DUCKDB_MEMORY_LIMIT",
    "JOB_TTL_SECONDS",
    "MAX_TABLE_ROWS",
    "RESIDUAL_BAND",
    "ROWS_PER_RULE",
    "WORKBOOK_PROBLEM_ROWS",
    "MeterJob",
    "balance_flag",
    "executor",
    "get_job",
    "list_jobs",
    "new_workdir",
    "start_job",
    "summarise",
]

log = logging.getLogger(__name__)

Status = Literal["queued", "running", "done", "failed"]
#: a finished job is forgotten this long after it ended [s]
JOB_TTL_SECONDS = 3600.0
#: most jobs kept at once (the oldest finished ones are dropped first)
MAX_JOBS = 200
#: problems kept per rule for the page (the counts are complete)
ROWS_PER_RULE = 50
#: monthly-energy and balance rows kept for the page
MAX_TABLE_ROWS = 5000
#: problems written to the downloadable workbook
WORKBOOK_PROBLEM_ROWS = 100_000
#: bytes of CSV converted per block: progress is reported after each (a few times this in memory)
BLOCK_SIZE = 4 << 20
#: DuckDB's memory limit per job (it spills to the job's directory beyond it)
DUCKDB_MEMORY_LIMIT = "2GB"
#: Band of the main-meter residual share ``(main - sub_sum) / main`` that is not flagged:
#: ``0 <= share <= 5 %``. A review threshold chosen for this page, not a figure from a standard:
#: a positive residual is expected (line and transformer losses, unmetered loads); above 5 % it is
#: worth a look; a negative residual means the sub-meters read more than their main meter, which
#: only a faulty or misassigned meter explains.
RESIDUAL_BAND: tuple[float, float] = (0.0, 0.05)
#: where job directories are made (``None``: the system's temporary directory); tests set it
WORK_ROOT: str | None = None

_lock = threading.Lock()
_jobs: dict[str, MeterJob] = {}
_pool: ThreadPoolExecutor | None = None

# English text of each stage (the web pages translate their own copy of these)
STAGE_TEXT = {
    "queued": "waiting for the previous check to finish",
    "meters": "reading the meter list",
    "converting": "converting CSV {percent} %",
    "parquet": "checking the Parquet file",
    "validating": "validating",
    "aggregating": "aggregating",
    "balancing": "balancing main and sub-meters",
    "workbook": "writing the workbook",
    "done": "done",
    "failed": "failed",
}


# ------------------------------------------------------------------------------ the registry


@dataclass
class MeterJob:
    """One check of uploaded meter data (a snapshot when returned by :func:`get_job`).

    Attributes
    ----------
    id : random, URL-safe.
    user_id, org_id : who started it, for which enterprise; nobody else sees it.
    meters_name, readings_name : the uploaded files' names (as the user's computer named them).
    year : data year asked for (``None``: the readings' last year, decided by the job).
    region : GB/T 2260 province code, grid region id or ``CN`` (the grid factor's region).
    status : ``queued``, ``running``, ``done`` or ``failed``.
    fraction : progress in [0, 1].
    stage, percent : what runs now (:data:`STAGE_TEXT`) and, while converting, its percentage.
    result : :func:`summarise` of the check once done (plain, small dicts and lists).
    error : why it failed (file, row and column for bad input).
    workbook : the ``.xlsx`` report once done.
    """

    id: str
    user_id: int
    org_id: int
    meters_name: str
    readings_name: str
    year: int | None
    region: str
    started_at: dt.datetime
    status: Status = "queued"
    fraction: float = 0.0
    stage: str = "queued"
    percent: int | None = None
    result: dict[str, Any] | None = None
    error: str = ""
    workbook: bytes | None = field(default=None, repr=False)
    ended: float | None = None  # time.monotonic() when it ended

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def progress_text(self) -> str:
        """``converting CSV 40 %``, ``validating`` …"""
        return STAGE_TEXT.get(self.stage, self.stage).format(percent=self.percent or 0)


def executor() -> ThreadPoolExecutor:
    """The process-wide worker (one thread: checks run one at a time, in order)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="greenmfg-meters")
        return _pool


def _expire(now: float) -> None:
    """Forget jobs that ended more than :data:`JOB_TTL_SECONDS` ago (and the oldest finished
    ones beyond :data:`MAX_JOBS`). Call with the lock held."""
    for job_id in [
        j.id for j in _jobs.values() if j.ended is not None and now - j.ended > JOB_TTL_SECONDS
    ]:
        del _jobs[job_id]
    if len(_jobs) > MAX_JOBS:
        ended = sorted(
            (j for j in _jobs.values() if j.ended is not None), key=lambda j: j.ended or 0.0
        )
        for j in ended[: len(_jobs) - MAX_JOBS]:
            del _jobs[j.id]


def _update(job_id: str, **changes: Any) -> None:
    with _lock:
        job = _jobs.get(job_id)
        if job is not None:
            for k, v in changes.items():
                setattr(job, k, v)


def get_job(job_id: str, *, user_id: int, org_id: int) -> MeterJob | None:
    """A snapshot of job ``job_id`` if ``user_id`` started it for ``org_id``, else ``None`` (also
    once it expired)."""
    with _lock:
        _expire(time.monotonic())
        job = _jobs.get(job_id)
        if job is None or job.user_id != user_id or job.org_id != org_id:
            return None
        return replace(job)


def list_jobs(*, user_id: int, org_id: int) -> list[MeterJob]:
    """Snapshots of the user's jobs for the enterprise, newest first."""
    with _lock:
        _expire(time.monotonic())
        mine = [replace(j) for j in _jobs.values() if j.user_id == user_id and j.org_id == org_id]
    return sorted(mine, key=lambda j: j.started_at, reverse=True)


def new_workdir() -> Path:
    """A fresh temporary directory for one job's files (removed when the job ends)."""
    return Path(tempfile.mkdtemp(prefix="greenmfg-meters-", dir=WORK_ROOT))


def start_job(
    *,
    user_id: int,
    org_id: int,
    workdir: Path,
    meters_path: Path,
    readings_path: Path,
    year: int | None,
    region: str,
    ref: ReferenceData | None = None,
    spike_factor: float = 10.0,
) -> MeterJob:
    """Queue the check of ``meters_path`` and ``readings_path`` (files inside ``workdir``, which
    the job removes when it ends) and return the job at once (status ``queued``)."""
    job = MeterJob(
        id=secrets.token_urlsafe(16),
        user_id=user_id,
        org_id=org_id,
        meters_name=meters_path.name,
        readings_name=readings_path.name,
        year=year,
        region=region,
        started_at=dt.datetime.now(dt.UTC),
    )
    with _lock:
        _expire(time.monotonic())
        _jobs[job.id] = job
        snapshot = replace(job)
    try:
        executor().submit(
            _run, job.id, workdir, meters_path, readings_path, year, region, ref, spike_factor
        )
    except RuntimeError:  # the executor was shut down (the server is stopping)
        shutil.rmtree(workdir, ignore_errors=True)
        with _lock:
            _jobs.pop(job.id, None)
        raise
    return snapshot


def _run(
    job_id: str,
    workdir: Path,
    meters_path: Path,
    readings_path: Path,
    year: int | None,
    region: str,
    ref: ReferenceData | None,
    spike_factor: float,
) -> None:
    from greenmfg.analytics.meters import MeterFactorError
    from greenmfg.io.meters import MeterFileError

    def progress(stage: str, fraction: float, percent: int | None = None) -> None:
        _update(job_id, stage=stage, fraction=fraction, percent=percent)

    _update(job_id, status="running", stage="meters", fraction=0.01)
    try:
        if ref is None:
            from greenmfg.reference import get_reference

            ref = get_reference()
        check = check_meter_files(
            meters_path,
            readings_path,
            workdir,
            ref=ref,
            year=year,
            region=region,
            spike_factor=spike_factor,
            progress=progress,
            memory_limit=DUCKDB_MEMORY_LIMIT,
            block_size=BLOCK_SIZE,
        )
        progress("workbook", 0.95)
        workbook = meter_check_workbook(
            check,
            max_problems=WORKBOOK_PROBLEM_ROWS,
            limit_note="the web page's limit; `greenmfg meters check --out` writes up to "
            f"{XLSX_MAX_ROWS:,}",
        )
        result = summarise(check)
    except (MeterFileError, MeterFactorError) as exc:
        _update(job_id, status="failed", stage="failed", error=str(exc), ended=time.monotonic())
    except Exception as exc:  # a bug or an exhausted resource: say so, keep the server up
        log.exception("meter check %s failed", job_id)
        _update(
            job_id,
            status="failed",
            stage="failed",
            error=f"the check stopped unexpectedly: {type(exc).__name__}: {exc}",
            ended=time.monotonic(),
        )
    else:
        _update(
            job_id,
            status="done",
            stage="done",
            fraction=1.0,
            percent=None,
            result=result,
            workbook=workbook,
            ended=time.monotonic(),
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------------------ for the page


def balance_flag(share: float | None, main: float, sub_sum: float) -> str:
    """``""`` when the residual share is inside :data:`RESIDUAL_BAND`; ``"high"`` above it,
    ``"negative"`` below it (sub-meters read more than the main meter), ``"no_main"`` when the
    main meter read nothing while its sub-meters did."""
    low, high = RESIDUAL_BAND
    if share is None:
        return "no_main" if main == 0 and sub_sum > 0 else ""
    if share < low:
        return "negative"
    if share > high:
        return "high"
    return ""


def _ts(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else ""


def summarise(check: MeterCheck) -> dict[str, Any]:
    """What the page shows, as plain data (capped: module docstring).

    ``problems``: one entry per rule of :data:`~greenmfg.analytics.meters.RULES` (in that order)
    with its ``count`` and its first :data:`ROWS_PER_RULE` ``rows``; ``monthly``: rows of
    ``month, enterprise_id, site, workshop, carrier, unit, energy, tce, tco2e, readings``;
    ``balance``: rows of ``meter_id, carrier, unit, month, main, sub_sum, residual,
    residual_share, flag``; ``factors``: rows of ``year, carrier, unit, kgce_per_unit,
    kgco2e_per_unit, source (list of reference ids), notes (list)``.
    """
    from greenmfg.analytics.meters import CANONICAL_UNITS, RULES

    rules = check.problems.column("rule")
    problems = []
    for rule in RULES:
        mask = pc.equal(rules, rule)
        count = int(pc.sum(mask).as_py() or 0)
        rows = check.problems.filter(mask).slice(0, ROWS_PER_RULE).to_pylist() if count else []
        problems.append(
            {
                "rule": rule,
                "count": count,
                "rows": [
                    {
                        "meter_id": r["meter_id"],
                        "ts": _ts(r["ts"]),
                        "value": r["value"],
                        "detail": r["detail"] or "",
                    }
                    for r in rows
                ],
            }
        )
    energy_rows = check.energy.to_pylist() if check.energy is not None else []
    monthly = [
        {
            "month": r["period"].strftime("%Y-%m"),
            "enterprise_id": r["enterprise_id"],
            "site": r["site"],
            "workshop": r["workshop"],
            "carrier": r["carrier"],
            "unit": CANONICAL_UNITS.get(r["carrier"], ""),
            "energy": r["energy"],
            "tce": r["tce"],
            "tco2e": r["tco2e"],
            "readings": r["readings"],
        }
        for r in energy_rows[:MAX_TABLE_ROWS]
    ]
    balance_rows = check.balance.to_pylist()
    balance = [
        {
            "meter_id": r["meter_id"],
            "carrier": r["carrier"],
            "unit": r["unit"] or "",
            "month": r["period"].strftime("%Y-%m"),
            "main": r["main"],
            "sub_sum": r["sub_sum"],
            "residual": r["residual"],
            "residual_share": r["residual_share"],
            "flag": balance_flag(r["residual_share"], r["main"], r["sub_sum"]),
        }
        for r in balance_rows[:MAX_TABLE_ROWS]
    ]
    factors = [
        {
            "year": y,
            "carrier": f.carrier,
            "unit": f.unit,
            "kgce_per_unit": f.kgce_per_unit,
            "kgco2e_per_unit": f.kgco2e_per_unit,
            "source": list(f.source),
            "notes": list(f.notes),
        }
        for y, f in check.factors
    ]
    return {
        "meters": check.meters,
        "readings": check.readings,
        "readings_in_year": check.readings_in_year,
        "year": check.year,
        "years": check.years,
        "region": check.region,
        "problems": problems,
        "problems_total": check.problems.num_rows,
        "monthly": monthly,
        "monthly_total": len(energy_rows),
        "enterprises": sorted({r["enterprise_id"] for r in energy_rows}),
        "balance": balance,
        "balance_total": len(balance_rows),
        "flagged": sum(1 for b in balance if b["flag"]),
        "factors": factors,
        "unknown_carriers": check.unknown_carriers,
    }

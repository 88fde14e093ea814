"""Read energy-meter lists and readings (CSV or Parquet) for :mod:`greenmfg.analytics.meters`.

* **Meter lists** (``schema.METERS``) are small and read whole; every problem is located by file,
  row (as a spreadsheet numbers it: the header is row 1) and column.
* **Readings** (``schema.READINGS``: ``meter_id, ts, value``; optional ``seq`` and ``unit``) can be
  billions of rows. A CSV is streamed with pyarrow's CSV reader block by block
  (:func:`readings_csv_to_parquet`), each block checked with vectorised Arrow kernels and appended
  to a Parquet file, so memory holds one block at a time; the analytics then scan the Parquet
  lazily (DuckDB ``read_parquet`` or Spark). A Parquet file is checked from its schema and
  metadata only (:func:`check_readings_parquet`). A progress callback is told the rows and bytes
  read after each block.

CSV readings: UTF-8, header row with the keys (a Chinese label may precede the key: ``表号
meter_id``), ``ts`` local time (UTC+8) without zone as ``2024-01-01 00:15[:00]`` (``T`` or ``/``
accepted), ``value`` a plain decimal number in the meter's unit. Unless the file has its own
``seq`` column, the line number becomes ``seq``: the file's order is taken as arrival order (what
:func:`greenmfg.analytics.meters.validate_readings` checks for clocks running backwards). Blank
lines are skipped; a value spanning lines is not supported (row numbers count lines).

A file with mistakes is refused as a whole (nothing is written), listing every problem up to
:data:`MAX_PROBLEMS`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from greenmfg.analytics.meters import CANONICAL_UNITS
from greenmfg.units import UnitError, conversion_factor, describe_dimension, parse_unit

__all__ = [
    "MAX_PROBLEMS",
    "METER_COLUMNS",
    "READINGS_SCHEMA",
    "READING_COLUMNS",
    "MeterFileError",
    "MeterProblem",
    "Progress",
    "check_readings_parquet",
    "prepare_readings",
    "read_meters",
    "read_readings",
    "readings_csv_to_parquet",
]

#: ``progress(rows_read, bytes_read, bytes_total)`` after each block
Progress = Callable[[int, int, int], None]

READING_COLUMNS: tuple[str, ...] = ("meter_id", "ts", "value")
OPTIONAL_READING_COLUMNS: tuple[str, ...] = ("seq", "unit")
METER_COLUMNS: tuple[str, ...] = (
    "meter_id",
    "enterprise_id",
    "site",
    "carrier",
    "unit",
    "interval_minutes",
)
OPTIONAL_METER_COLUMNS: tuple[str, ...] = ("workshop", "parent_meter_id")
#: the Parquet schema readings are converted to
READINGS_SCHEMA = pa.schema(
    [
        ("meter_id", pa.string()),
        ("ts", pa.timestamp("us")),
        ("value", pa.float64()),
        ("seq", pa.int64()),
    ]
)
MAX_PROBLEMS = 1000
DEFAULT_BLOCK_SIZE = 16 << 20  # bytes of CSV parsed per block

_TS_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)
_TS_EXPECTED = "a local time (UTC+8, no zone) such as 2024-01-01 00:15 or 2024-01-01T00:15:00"
_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_INTEGER = r"^\s*\d+\s*$"
_CARRIER = re.compile(r"[a-z][a-z0-9_]*")
_MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class MeterProblem:
    """One thing wrong in a meter file: the row (header = 1), the column and what was expected."""

    row: int
    column: str
    message: str


class MeterFileError(ValueError):
    """Problems in a meter list or readings file, each located by file, row and column."""

    def __init__(self, path: str | Path, problems: Sequence[MeterProblem], note: str = "") -> None:
        self.path = str(path)
        self.problems = list(problems)
        name = Path(path).name
        lines = [self.locate(p) for p in self.problems[:50]]
        more = f"\n… and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        tail = f"\n{note}" if note else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in {name}; nothing was read:\n"
            + "\n".join(lines)
            + more
            + tail
        )

    def locate(self, p: MeterProblem) -> str:
        where = Path(self.path).name
        row = f"row {p.row}" if p.row > 0 else "file"
        col = f", column {p.column!r}" if p.column else ""
        return f"{where}, {row}{col}: {p.message}"


def _key(cell: object) -> str:
    """English key of a header cell: its last whitespace-separated token, lower case."""
    text = str(cell or "").strip()
    return text.split()[-1].lower() if text else ""


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".parquet", ".pq"):
        raise MeterFileError(
            path,
            [MeterProblem(0, "", f"unsupported file type {suffix!r}; expected .csv or .parquet")],
        )
    return "csv" if suffix in (".csv", ".txt") else "parquet"


def _exists(path: Path) -> None:
    if not path.is_file():
        raise MeterFileError(path, [MeterProblem(0, "", "file not found")])


# ------------------------------------------------------------------------------ meter lists


def read_meters(path: str | Path) -> pa.Table:
    """Read and check a meter list (``schema.METERS``) from CSV or Parquet.

    Checks: required columns; ``meter_id`` present and unique; ``enterprise_id`` an integer;
    ``site`` present; ``carrier`` a snake_case id; ``unit`` a unit greenmfg's pint registry knows
    and, for a known carrier, of its dimension (electricity and heat: energy; natural gas: volume);
    ``interval_minutes`` a whole number of minutes dividing the day (15, 30, 60 ...: the grid
    starts at midnight); ``parent_meter_id`` empty or another meter of the same carrier, without
    cycles. Empty ``workshop`` and ``parent_meter_id`` become null.

    Returns an Arrow table with the columns and types of ``schema.METERS``.
    """
    p = Path(path)
    _exists(p)
    kind = _suffix(p)
    if kind == "csv":
        with p.open(encoding="utf-8-sig", newline="") as f:
            grid = [row for row in csv.reader(f)]
        header = grid[0] if grid else []
        data = [(n, r) for n, r in enumerate(grid[1:], start=2) if any(c.strip() for c in r)]
    else:
        table = pq.read_table(p)
        header = list(table.column_names)
        data = [
            (n, ["" if v is None else str(v) for v in rec.values()])
            for n, rec in enumerate(table.to_pylist(), start=2)
        ]
    keys = [_key(c) for c in header]
    missing = [c for c in METER_COLUMNS if c not in keys]
    if missing:
        raise MeterFileError(
            p,
            [
                MeterProblem(
                    1,
                    c,
                    f"missing column; expected {', '.join(METER_COLUMNS)} (found "
                    f"{', '.join(k for k in keys if k) or 'none'})",
                )
                for c in missing
            ],
        )
    index = {k: i for i, k in enumerate(keys) if k}
    problems: list[MeterProblem] = []
    out: dict[str, list[Any]] = {c: [] for c in (*METER_COLUMNS, *OPTIONAL_METER_COLUMNS)}
    rows_of: dict[str, int] = {}

    def cell(r: list[str], key: str) -> str:
        i = index.get(key)
        return r[i].strip() if i is not None and i < len(r) else ""

    for n, r in data:
        mid = cell(r, "meter_id")
        if not mid:
            problems.append(MeterProblem(n, "meter_id", "expected a meter id, got ''"))
        elif mid in rows_of:
            problems.append(
                MeterProblem(n, "meter_id", f"duplicate meter {mid!r} (also row {rows_of[mid]})")
            )
        else:
            rows_of[mid] = n
        ent = cell(r, "enterprise_id")
        if not re.fullmatch(r"-?\d+", ent):
            problems.append(
                MeterProblem(n, "enterprise_id", f"expected an integer id, got {ent!r}")
            )
        site = cell(r, "site")
        if not site:
            problems.append(MeterProblem(n, "site", "expected the site's name, got ''"))
        carrier = cell(r, "carrier")
        if not _CARRIER.fullmatch(carrier):
            problems.append(
                MeterProblem(
                    n,
                    "carrier",
                    f"expected a carrier id such as {', '.join(CANONICAL_UNITS)}, got {carrier!r}",
                )
            )
        unit = cell(r, "unit")
        unit_problem = _unit_problem(carrier, unit)
        if unit_problem:
            problems.append(MeterProblem(n, "unit", unit_problem))
        iv = cell(r, "interval_minutes")
        if not re.fullmatch(r"\d+", iv) or int(iv) == 0 or _MINUTES_PER_DAY % int(iv) != 0:
            problems.append(
                MeterProblem(
                    n,
                    "interval_minutes",
                    "expected whole minutes dividing the day (e.g. 15 or 60), got " + repr(iv),
                )
            )
        out["meter_id"].append(mid)
        out["enterprise_id"].append(int(ent) if re.fullmatch(r"-?\d+", ent) else None)
        out["site"].append(site)
        out["carrier"].append(carrier)
        out["unit"].append(unit)
        out["interval_minutes"].append(int(iv) if iv.isdigit() else None)
        out["workshop"].append(cell(r, "workshop") or None)
        out["parent_meter_id"].append(cell(r, "parent_meter_id") or None)
    carrier_of = dict(zip(out["meter_id"], out["carrier"], strict=True))
    parent_of = {
        m: par for m, par in zip(out["meter_id"], out["parent_meter_id"], strict=True) if par
    }
    rows = zip(data, out["meter_id"], out["carrier"], out["parent_meter_id"], strict=True)
    for (n, _r), mid, carrier, par in rows:
        if not par:
            continue
        if par == mid:
            problems.append(MeterProblem(n, "parent_meter_id", "a meter cannot be its own parent"))
        elif par not in carrier_of:
            problems.append(
                MeterProblem(n, "parent_meter_id", f"unknown meter {par!r} (not in this list)")
            )
        elif carrier_of[par] != carrier:
            problems.append(
                MeterProblem(
                    n,
                    "parent_meter_id",
                    f"parent {par!r} measures {carrier_of[par]!r}, this meter "
                    f"{carrier!r}: a balance needs one carrier",
                )
            )
        else:
            seen = {mid}
            cur: str | None = par
            while cur is not None and cur not in seen:
                seen.add(cur)
                cur = parent_of.get(cur)
            if cur is not None:
                problems.append(
                    MeterProblem(n, "parent_meter_id", f"parent chain of {mid!r} is a cycle")
                )
    if problems:
        raise MeterFileError(p, sorted(problems, key=lambda q: (q.row, q.column)))
    return pa.table(
        {
            "meter_id": pa.array(out["meter_id"], pa.string()),
            "enterprise_id": pa.array(out["enterprise_id"], pa.int64()),
            "site": pa.array(out["site"], pa.string()),
            "workshop": pa.array(out["workshop"], pa.string()),
            "carrier": pa.array(out["carrier"], pa.string()),
            "unit": pa.array(out["unit"], pa.string()),
            "parent_meter_id": pa.array(out["parent_meter_id"], pa.string()),
            "interval_minutes": pa.array(out["interval_minutes"], pa.int32()),
        }
    )


def _unit_problem(carrier: str, unit: str) -> str:
    if not unit:
        return "expected the readings' unit (e.g. kWh, MWh, m3, GJ), got ''"
    try:
        parse_unit(unit)
    except UnitError:
        return f"unknown unit {unit!r}; expected e.g. kWh, MWh, m3, GJ (see units.txt)"
    canon = CANONICAL_UNITS.get(carrier)
    if canon is not None:
        try:
            conversion_factor(unit, canon)
        except UnitError:
            return (
                f"{carrier} is measured as {describe_dimension(canon)} (e.g. {canon}); "
                f"{unit!r} is {describe_dimension(unit)}"
            )
    return ""


# ------------------------------------------------------------------------------ readings


class _ReadingsCsv:
    """Streams a readings CSV block by block, checking each and yielding typed Arrow tables."""

    def __init__(
        self,
        path: Path,
        *,
        block_size: int,
        meter_units: Mapping[str, str] | None,
        progress: Progress | None,
    ) -> None:
        self.path = path
        self.block_size = block_size
        self.meter_units = meter_units
        self.progress = progress
        self._raw: list[tuple[int | None, int, str, str]] = []
        self.n_problems = 0
        self.skipped_lines: list[int] = []  # lines the parser dropped (wrong number of fields)
        self.stopped = False
        self._unit_ok: dict[tuple[str, str], bool] = {}

    def _problem(self, index: int | None, column: str, message: str, line: int = 0) -> None:
        """Record a problem of data row ``index`` (0-based; turned into a file line at the end,
        when every dropped line is known) or of file line ``line``."""
        self.n_problems += 1
        if len(self._raw) < MAX_PROBLEMS:
            self._raw.append((index, line, column, message))
        else:
            self.stopped = True

    def _lines(self) -> list[MeterProblem]:
        """The problems located by file line (the header is line 1; dropped lines counted)."""
        skipped = sorted(self.skipped_lines)
        out = []
        for index, line, column, message in self._raw:
            if index is not None:
                line = index + 2
                for s in skipped:
                    if s <= line:
                        line += 1
                    else:
                        break
            out.append(MeterProblem(line, column, message))
        return sorted(out, key=lambda q: (q.row, q.column))

    def header(self) -> list[str]:
        with self.path.open(encoding="utf-8-sig", newline="") as f:
            first = next(csv.reader(f), [])
        return [_key(c) for c in first]

    def batches(self) -> Any:
        keys = self.header()
        missing = [c for c in READING_COLUMNS if c not in keys]
        if missing:
            raise MeterFileError(
                self.path,
                [
                    MeterProblem(
                        1,
                        c,
                        f"missing column; expected {', '.join(READING_COLUMNS)} "
                        f"(found {', '.join(k for k in keys if k) or 'none'})",
                    )
                    for c in missing
                ],
            )
        if "unit" in keys and self.meter_units is None:
            raise ValueError(
                f"{self.path.name} has a 'unit' column: pass meter_units to check it against "
                "the meter list"
            )
        names = [k or f"_ignored_{i}" for i, k in enumerate(keys)]
        wanted = [c for c in (*READING_COLUMNS, *OPTIONAL_READING_COLUMNS) if c in keys]

        def invalid(row: Any) -> str:
            self.skipped_lines.append(int(row.number))
            self._problem(
                None,
                "",
                f"expected {row.expected_columns} fields, found {row.actual_columns}",
                line=int(row.number),
            )
            return "skip"

        total = self.path.stat().st_size
        source = pa.OSFile(str(self.path))
        try:
            reader = pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(
                    skip_rows=1,
                    column_names=names,
                    block_size=self.block_size,
                    use_threads=False,  # row numbers of malformed lines are known only so
                ),
                parse_options=pa_csv.ParseOptions(
                    ignore_empty_lines=False, invalid_row_handler=invalid
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={c: pa.string() for c in names},
                    include_columns=wanted,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            source.close()
            raise MeterFileError(
                self.path, [MeterProblem(0, "", f"not a CSV file: {exc}")]
            ) from None
        start = 0  # data-row index of the block's first row
        rows_read = 0
        try:
            while not self.stopped:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as exc:  # e.g. invalid UTF-8
                    self._problem(start, "", f"cannot parse the file from here on: {exc}")
                    break
                table = self._check(pa.Table.from_batches([batch]), start, "seq" in keys)
                start += batch.num_rows
                rows_read += table.num_rows
                if self.progress is not None:
                    self.progress(rows_read, min(source.tell(), total), total)
                yield table
        finally:
            source.close()
        if self.progress is not None:
            self.progress(rows_read, total, total)

    def _check(self, t: pa.Table, start: int, has_seq: bool) -> pa.Table:
        """Typed readings of one block; problems recorded with their data-row index."""
        n = t.num_rows
        mid = pc.utf8_trim_whitespace(t.column("meter_id"))
        ts_text = pc.utf8_trim_whitespace(t.column("ts"))
        value_text = t.column("value")
        blank = pc.and_(
            pc.and_(pc.equal(mid, ""), pc.equal(ts_text, "")),
            pc.equal(pc.utf8_trim_whitespace(value_text), ""),
        )
        keep = pc.invert(blank)

        def report(
            mask: pa.ChunkedArray | pa.Array, column: str, message: Callable[[int], str]
        ) -> None:
            bad = pc.and_(mask, keep)
            idx = pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist()
            for i in idx:
                self._problem(start + i, column, message(i))

        report(pc.equal(mid, ""), "meter_id", lambda i: "expected a meter id, got ''")
        parsed = [
            pc.strptime(ts_text, format=f, unit="us", error_is_null=True) for f in _TS_FORMATS
        ]
        ts = pc.coalesce(*parsed)
        ts_texts = ts_text.to_pylist() if pc.any(pc.is_null(ts)).as_py() else []
        report(
            pc.is_null(ts),
            "ts",
            lambda i: f"expected {_TS_EXPECTED}, got {ts_texts[i]!r}",
        )
        numeric = pc.match_substring_regex(value_text, _NUMBER)
        values_py = value_text.to_pylist() if not pc.all(numeric).as_py() else []
        report(
            pc.invert(numeric),
            "value",
            lambda i: (
                f"expected a number (decimal point '.', no thousands separator), "
                f"got {values_py[i]!r}"
            ),
        )
        value = pc.cast(
            pc.if_else(numeric, pc.utf8_trim_whitespace(value_text), pa.scalar(None, pa.string())),
            pa.float64(),
        )
        if has_seq:
            seq_text = t.column("seq")
            seq_ok = pc.match_substring_regex(seq_text, _INTEGER)
            seq_py = seq_text.to_pylist() if not pc.all(seq_ok).as_py() else []
            report(
                pc.invert(seq_ok),
                "seq",
                lambda i: f"expected a whole number (arrival order), got {seq_py[i]!r}",
            )
            seq = pc.cast(
                pc.if_else(seq_ok, pc.utf8_trim_whitespace(seq_text), pa.scalar(None, pa.string())),
                pa.int64(),
            )
        else:
            # the line of the file (header = 1): valid whenever no line was dropped, and a file
            # with a dropped (malformed) line is refused anyway
            seq = pa.array(range(start + 2, start + 2 + n), pa.int64())
        if "unit" in t.column_names and self.meter_units is not None:
            self._check_units(t.column("unit"), mid, keep, start)
        out = pa.table(
            {"meter_id": mid, "ts": ts, "value": value, "seq": seq}, schema=READINGS_SCHEMA
        )
        return out.filter(keep)

    def _check_units(
        self, unit: pa.ChunkedArray, mid: pa.ChunkedArray, keep: pa.ChunkedArray, start: int
    ) -> None:
        assert self.meter_units is not None
        unit = pc.utf8_trim_whitespace(unit)
        pairs = pc.binary_join_element_wise(mid, unit, "\x1f")
        bad: list[str] = []
        for key in pc.unique(pairs).to_pylist():
            if key is None:
                continue
            m, u = key.split("\x1f", 1)
            expected = self.meter_units.get(m)
            if expected is None:
                continue  # an unknown meter is a validation rule, not a file error
            ok = self._unit_ok.get((u, expected))
            if ok is None:
                try:
                    ok = u == expected or abs(conversion_factor(u, expected) - 1.0) < 1e-12
                except UnitError:
                    ok = False
                self._unit_ok[(u, expected)] = ok
            if not ok:
                bad.append(key)
        if not bad:
            return
        mask = pc.and_(pc.is_in(pairs, pa.array(bad, pa.string())), keep)
        units_py = unit.to_pylist()
        mids_py = mid.to_pylist()
        for i in pc.indices_nonzero(mask).to_pylist():
            self._problem(
                start + i,
                "unit",
                f"meter {mids_py[i]!r} reads in {self.meter_units[mids_py[i]]!r} (meter list), "
                f"not {units_py[i]!r}",
            )

    def fail(self) -> None:
        if self.n_problems:
            note = f"(stopped after the first {MAX_PROBLEMS} problems)" if self.stopped else ""
            raise MeterFileError(self.path, self._lines(), note)


def readings_csv_to_parquet(
    src: str | Path,
    dest: str | Path,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    meter_units: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> int:
    """Convert a readings CSV to Parquet (:data:`READINGS_SCHEMA`), streaming block by block.

    Parameters
    ----------
    src, dest : the CSV and the Parquet file to write (replaced).
    block_size : bytes of CSV parsed at a time; memory use is a few times this.
    meter_units : meter id -> unit of the meter list; required when the CSV has a ``unit`` column,
        whose every row must then be the meter's unit (or a pint alias of it).
    progress : called as ``progress(rows_read, bytes_read, bytes_total)`` after each block.

    Returns the number of readings written. Raises :class:`MeterFileError` (and leaves no
    ``dest``) when any row is wrong: a bad timestamp, a value that is not a number, a missing
    column or meter id, a line with the wrong number of fields.
    """
    src_p, dest_p = Path(src), Path(dest)
    _exists(src_p)
    reader = _ReadingsCsv(src_p, block_size=block_size, meter_units=meter_units, progress=progress)
    written = 0
    tmp = dest_p.with_name(dest_p.name + ".partial")
    try:
        with pq.ParquetWriter(tmp, READINGS_SCHEMA) as writer:
            for table in reader.batches():
                if reader.n_problems:
                    continue  # keep reading to locate every problem, write nothing more
                writer.write_table(table)
                written += table.num_rows
        reader.fail()
        tmp.replace(dest_p)
    finally:
        tmp.unlink(missing_ok=True)
    return written


def check_readings_parquet(path: str | Path) -> pa.Schema:
    """Check a readings Parquet file from its schema and metadata (no data is read).

    ``meter_id`` a string, ``ts`` a timestamp without zone (local time), ``value`` a number,
    optional ``seq`` an integer; no nulls where the row-group statistics record them.
    Returns the file's schema; raises :class:`MeterFileError` naming the column.
    """
    p = Path(path)
    _exists(p)
    try:
        pf = pq.ParquetFile(p)
    except (pa.ArrowInvalid, OSError) as exc:
        raise MeterFileError(p, [MeterProblem(0, "", f"not a Parquet file: {exc}")]) from None
    schema = pf.schema_arrow
    problems: list[MeterProblem] = []
    expect = {
        "meter_id": (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "a string"),
        "ts": (
            lambda t: pa.types.is_timestamp(t) and t.tz is None,
            "a timestamp without zone (local time, UTC+8)",
        ),
        "value": (lambda t: pa.types.is_floating(t) or pa.types.is_integer(t), "a number"),
        "seq": (pa.types.is_integer, "an integer (arrival order)"),
    }
    for name, (ok, what) in expect.items():
        if name not in schema.names:
            if name in READING_COLUMNS:
                problems.append(
                    MeterProblem(
                        0,
                        name,
                        f"missing column; expected {', '.join(READING_COLUMNS)} "
                        f"(found {', '.join(schema.names)})",
                    )
                )
            continue
        t = schema.field(name).type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if not ok(t):
            problems.append(MeterProblem(0, name, f"expected {what}, the file has {t}"))
    meta = pf.metadata
    first = 0
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        for c in range(rg.num_columns):
            col = rg.column(c)
            name = col.path_in_schema
            stats = col.statistics
            if (
                name in READING_COLUMNS
                and stats is not None
                and stats.has_null_count
                and stats.null_count
            ):
                problems.append(
                    MeterProblem(
                        0,
                        name,
                        f"{stats.null_count} empty value(s) in rows {first + 1}-"
                        f"{first + rg.num_rows} (row group {g})",
                    )
                )
        first += rg.num_rows
    if problems:
        raise MeterFileError(p, problems)
    return schema


def read_readings(
    path: str | Path,
    *,
    meter_units: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> pa.Table:
    """Read a (small) readings file, CSV or Parquet, into an Arrow table (:data:`READINGS_SCHEMA`
    for CSV; Parquet keeps its own types). Large files: :func:`prepare_readings`."""
    p = Path(path)
    _exists(p)
    if _suffix(p) == "parquet":
        schema = check_readings_parquet(p)
        cols = [c for c in (*READING_COLUMNS, "seq") if c in schema.names]
        return pq.read_table(p, columns=cols)
    reader = _ReadingsCsv(p, block_size=block_size, meter_units=meter_units, progress=progress)
    tables = [t for t in reader.batches()]
    reader.fail()
    return pa.concat_tables(tables) if tables else READINGS_SCHEMA.empty_table()


def prepare_readings(
    path: str | Path,
    workdir: str | Path,
    *,
    meter_units: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Path:
    """A checked Parquet file of the readings at ``path``, ready to scan lazily.

    A CSV is converted into ``workdir`` (:func:`readings_csv_to_parquet`); a Parquet file is
    checked (:func:`check_readings_parquet`) and returned as it is.
    """
    p = Path(path)
    _exists(p)
    if _suffix(p) == "parquet":
        check_readings_parquet(p)
        return p
    dest = Path(workdir) / (p.stem + ".parquet")
    readings_csv_to_parquet(
        p, dest, block_size=block_size, meter_units=meter_units, progress=progress
    )
    return dest

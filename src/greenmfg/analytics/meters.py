"""Energy-meter readings: validation, cleaning, aggregation to energy, tce and emissions, and the
balance of main meters against their sub-meters.

Every function takes Narwhals lazy frames and returns a Narwhals lazy frame, so the same code runs
on DuckDB (default) and on PySpark (:mod:`greenmfg.analytics.engine`). Tables are those of
:mod:`greenmfg.analytics.schema`: ``READINGS`` (``meter_id, ts, value`` and, optionally, ``seq``,
the arrival order of the readings, e.g. the line of the logger's file) and ``METERS``.

Time convention (``schema.READINGS``): a reading is the consumption of the interval *ending* at
``ts`` (local time, UTC+8, no zone). So the reading at 01:00 of a 15-minute meter is the energy of
00:45-01:00 and belongs to the hour 00:00 and, at 2024-02-01 00:00, to January. Periods are
therefore ``truncate(ts - 1 microsecond)``: exact for readings on the meter's grid (the interval
never straddles a period boundary when the interval divides the hour, or the day), and a
close attribution for misaligned readings (which :func:`clean_readings` floors to the grid first).

Units are converted *before* data enters the engine: the meter list is small, so its distinct
``(carrier, unit)`` pairs are read once, the factor to the carrier's canonical unit is computed with
greenmfg's pint registry (:func:`greenmfg.units.conversion_factor`) and enters the query as a
constant per pair. Standard-coal coefficients and emission factors come from the reference data
through the accounting engine (:func:`factors_from_reference`), never from this module.

Narwhals features that do not run on both backends (narwhals 2.28, DuckDB 2.0, PySpark 4), and
what is used instead:

* ``Expr.dt.total_minutes()`` on durations and ``Expr.dt.timestamp()`` are not implemented for
  PySpark (``dt.timestamp`` not for DuckDB either): minutes since the epoch are computed from date
  parts (``year``, ``ordinal_day``, ``hour``, ``minute``) with integer arithmetic.
* ``Expr.dt.truncate`` takes only a multiple of 1 (``"1h"``, ``"1mo"``, not ``"15m"``) on both:
  flooring to a meter's grid subtracts the remainder in minutes, built as a sum of constant
  durations (binary decomposition, :func:`_plus_minutes`), since neither backend adds a duration
  made from an integer column.
* ``Expr.dt.truncate`` on Spark returns a zoned ``TIMESTAMP`` even for ``TIMESTAMP_NTZ`` input:
  truncated values are cast back to the input's type.
* ``LazyFrame.unpivot`` fails on DuckDB (``_rel ... not suitable for replacement scan``): the
  problem table is a ``concat`` of one filtered frame per rule instead.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import narwhals as nw

from greenmfg.reference.model import ReferenceData
from greenmfg.units import UnitError, conversion_factor

__all__ = [
    "CANONICAL_UNITS",
    "CARRIER_ITEMS",
    "PROBLEM_COLUMNS",
    "RULES",
    "CarrierFactors",
    "MeterFactorError",
    "aggregate_energy",
    "canonical_unit",
    "clean_readings",
    "factors_from_reference",
    "reconcile",
    "validate_readings",
]

Freq = Literal["hour", "month"]

#: the columns of :func:`validate_readings`' result, in order
PROBLEM_COLUMNS: tuple[str, ...] = ("meter_id", "ts", "rule", "value", "detail", "grid_ts")
#: the validation rules, in the order they are reported
RULES: tuple[str, ...] = (
    "unknown_meter",
    "duplicate",
    "negative",
    "implausible",
    "misaligned",
    "gap",
    "clock_backwards",
)

#: Energy carrier of a meter -> (activity kind, reference item, canonical unit). The item is the
#: row of the reference data (``items.csv``) whose coefficients apply; steam is bought heat
#: (``purchased_heat``: "steam, hot water") measured in GJ. A steam meter in t cannot be converted
#: without the steam's enthalpy, which the meter list does not carry: it is refused by unit.
CARRIER_ITEMS: Mapping[str, tuple[str, str, str]] = {
    "electricity": ("electricity", "grid_electricity", "kWh"),
    "natural_gas": ("fuel", "natural_gas", "m3"),
    "heat": ("heat", "purchased_heat", "GJ"),
    "steam": ("heat", "purchased_heat", "GJ"),
}
#: canonical unit of each known carrier's ``energy`` column
CANONICAL_UNITS: Mapping[str, str] = {c: u for c, (_k, _i, u) in CARRIER_ITEMS.items()}

_TS_TEXT = "%Y-%m-%d %H:%M"
_MINUTE_BITS = 11  # remainders and intervals up to 2**11 - 1 = 2047 minutes (a day is 1440)


class MeterFactorError(ValueError):
    """A carrier without coefficients, or a meter unit that does not convert to its carrier's
    canonical unit (the message names the carrier, the unit and a meter)."""


# ------------------------------------------------------------------------------ factors


@dataclass(frozen=True, slots=True)
class CarrierFactors:
    """Coefficients of one energy carrier per unit of its canonical unit.

    Attributes
    ----------
    carrier : ``electricity``, ``natural_gas``, ``heat`` or ``steam``.
    unit : the canonical unit the coefficients are per (``kWh``, ``m3``, ``GJ``).
    kgce_per_unit : GB/T 2589 standard-coal coefficient [kgce per unit] on the chosen basis
        (equivalent value, 当量值, by default).
    kgco2e_per_unit : emission factor [kgCO2e per unit]: the grid's average factor of the year and
        region for electricity (location-based), GB/T 32150 combustion ``NCV x CC x OF x 44/12``
        for natural gas, the purchased-heat factor for heat and steam.
    source : ids of the reference factors used (``electricity_factors/average/2022/320000``,
        ``energy_coefficients/grid_electricity/equivalent`` ...), each a row of a reference file.
    notes : the accounting engine's quality flags and fallbacks (an earlier year's factor, a grid
        region's factor for a province without one, secondary or unverified sources).
    """

    carrier: str
    unit: str
    kgce_per_unit: float
    kgco2e_per_unit: float
    source: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def factors_from_reference(
    ref: ReferenceData,
    *,
    year: int,
    region: str | None,
    carriers: Iterable[str] | None = None,
    options: Any = None,
) -> dict[str, CarrierFactors]:
    """The coefficients of each carrier for data year ``year`` and ``region``.

    The numbers are those the accounting engine applies to one canonical unit of the carrier's
    reference item (:data:`CARRIER_ITEMS`), so factor resolution (data year, else the latest
    earlier year; province, else its grid region, else the nation), the energy basis and the
    method are the inventory's own (:func:`greenmfg.accounting.compute_inventory`).

    Parameters
    ----------
    ref : reference data (:func:`greenmfg.reference.get_reference`).
    year : data year [a] (the grid factor and any equal-value coefficient are per year).
    region : province (``江苏``, ``320000``), grid region or ``None`` for the national factor.
    carriers : carriers wanted (default: all of :data:`CARRIER_ITEMS`).
    options : :class:`greenmfg.accounting.AccountingOptions` (method, ``energy_basis``,
        ``grid_series``); the defaults when ``None`` (GB/T 32150, equivalent value, average grid).

    Raises
    ------
    MeterFactorError naming the carrier when it has no reference item or the reference data holds
    no coefficient for it (an equal-value coefficient not published for the year, for instance).
    """
    from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory

    opts = options if options is not None else AccountingOptions()
    wanted = list(CARRIER_ITEMS) if carriers is None else list(dict.fromkeys(carriers))
    kg_per_t = conversion_factor("tCO2e", "kgCO2e")
    kgce_per_tce = conversion_factor("tce", "kgce")
    out: dict[str, CarrierFactors] = {}
    for carrier in wanted:
        if carrier not in CARRIER_ITEMS:
            raise MeterFactorError(
                f"carrier {carrier!r} has no standard-coal coefficient or emission factor in the "
                f"reference data; known carriers: {', '.join(CARRIER_ITEMS)}"
            )
        kind, item, unit = CARRIER_ITEMS[carrier]
        record = {
            "site": "-",
            "year": year,
            "kind": kind,
            "item": item,
            "amount": 1.0,
            "unit": unit,
            "region": region or "",
        }
        try:
            inv = compute_inventory(ActivityTable.from_records([record], "meters"), ref, opts)
        except Exception as exc:  # the engine's refusal, with the carrier named
            raise MeterFactorError(f"carrier {carrier!r} ({item}, {year}): {exc}") from exc
        line = inv.line(0)
        used = [
            str(f["id"])
            for f in line["factors"]
            # the market-based series is reported by the inventory but not used here
            if not (
                str(f["id"]).startswith("electricity_factors/")
                and not str(f["id"]).startswith(f"electricity_factors/{opts.grid_series}/")
            )
        ]
        if not any(s.startswith("energy_coefficients/") for s in used):
            raise MeterFactorError(
                f"carrier {carrier!r} ({item}): no standard-coal coefficient in the reference data"
            )
        out[carrier] = CarrierFactors(
            carrier=carrier,
            unit=unit,
            kgce_per_unit=float(line["energy_tce"]) * kgce_per_tce,
            kgco2e_per_unit=float(line["tco2e"]) * kg_per_t,
            source=tuple(used),
            notes=tuple([*line["flags"], *line["notes"]]),
        )
    return out


def canonical_unit(carrier: str, units: Sequence[str]) -> str:
    """The unit a carrier's energy is reported in: :data:`CANONICAL_UNITS`, else (a carrier such as
    water) the first of its meters' units in sorted order."""
    return CANONICAL_UNITS.get(carrier) or sorted(units)[0]


def _meter_units(meters: nw.LazyFrame[Any]) -> list[dict[str, Any]]:
    """Distinct ``(carrier, unit)`` of the meter list with one meter of each (for messages).

    The meter list is small (one row per meter); this is the only place data is read before the
    readings' query runs.
    """
    rows = (
        meters.group_by("carrier", "unit")
        .agg(nw.col("meter_id").min().alias("example"), nw.len().alias("meters"))
        .sort("carrier", "unit")
        .collect()
        .rows(named=True)
    )
    return list(rows)


def _unit_factor_expr(pairs: list[dict[str, Any]]) -> tuple[nw.Expr, dict[str, str]]:
    """Per-meter factor to the carrier's canonical unit, computed here with pint, as a constant
    per ``(carrier, unit)`` pair; and the canonical unit of each carrier."""
    by_carrier: dict[str, list[str]] = {}
    for p in pairs:
        by_carrier.setdefault(str(p["carrier"]), []).append(str(p["unit"]))
    canon = {c: canonical_unit(c, us) for c, us in by_carrier.items()}
    cases: list[tuple[nw.Expr, Any]] = []
    for p in pairs:
        carrier, unit = str(p["carrier"]), str(p["unit"])
        try:
            k = conversion_factor(unit, canon[carrier])
        except UnitError as exc:
            raise MeterFactorError(
                f"meter {p['example']!r} (carrier {carrier!r}): unit {unit!r} does not convert "
                f"to {canon[carrier]!r}: {exc}"
            ) from None
        cases.append(((nw.col("carrier") == carrier) & (nw.col("unit") == unit), k))
    return _case(cases, nw.Float64), canon


def _case(cases: Sequence[tuple[nw.Expr, Any]], dtype: Any) -> nw.Expr:
    """``CASE WHEN cond THEN constant ... ELSE null END`` of constants computed in Python (pint
    factors, reference coefficients): how they enter the query without a join."""
    out: nw.Expr = nw.lit(None, dtype=dtype)
    for cond, value in reversed(cases):
        out = nw.when(cond).then(nw.lit(value, dtype=dtype)).otherwise(out)
    return out


def _per_carrier(values: Mapping[str, Any], dtype: Any = nw.Float64) -> nw.Expr:
    return _case([(nw.col("carrier") == c, v) for c, v in values.items()], dtype)


# ------------------------------------------------------------------------------ time helpers


def _plus_minutes(ts: nw.Expr, minutes: nw.Expr, sign: int = 1) -> nw.Expr:
    """``ts + sign * minutes`` for an integer column ``minutes`` in [0, 2047].

    Neither backend adds a duration built from a column through Narwhals, so the minutes are
    decomposed in powers of two, each a constant duration added when its bit is set.
    """
    zero = nw.lit(_dt.timedelta(0))
    out = ts
    for i in range(_MINUTE_BITS):
        step = (
            nw.when((minutes // (1 << i)) % 2 == 1)
            .then(nw.lit(_dt.timedelta(minutes=1 << i)))
            .otherwise(zero)
        )
        out = out + step if sign > 0 else out - step
    return out


def _epoch_minutes(ts: nw.Expr) -> nw.Expr:
    """Whole minutes since 1970-01-01 00:00 of the wall-clock time ``ts`` (seconds dropped).

    Days from the proleptic Gregorian calendar: 365 per year plus the leap days before the year.
    """
    y = ts.dt.year().cast(nw.Int64)
    days = (
        365 * (y - 1970)
        + (y - 1969) // 4
        - (y - 1901) // 100
        + (y - 1601) // 400
        + ts.dt.ordinal_day().cast(nw.Int64)
        - 1
    )
    return days * 1440 + ts.dt.hour().cast(nw.Int64) * 60 + ts.dt.minute().cast(nw.Int64)


def _minute_of_day(ts: nw.Expr) -> nw.Expr:
    return ts.dt.hour().cast(nw.Int64) * 60 + ts.dt.minute().cast(nw.Int64)


def _period(ts: nw.Expr, freq: str, dtype: Any) -> nw.Expr:
    """Start of the hour or month the interval ending at ``ts`` belongs to."""
    every = {"hour": "1h", "month": "1mo"}.get(freq)
    if every is None:
        raise ValueError(f"freq {freq!r}: expected 'hour' or 'month'")
    before = ts - nw.lit(_dt.timedelta(microseconds=1))
    return before.dt.truncate(every).cast(dtype)


def _require(frame: nw.LazyFrame[Any], columns: Iterable[str], what: str) -> list[str]:
    names = frame.collect_schema().names()
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {', '.join(missing)} (schema.{what.upper()}); "
            f"found {', '.join(names)}"
        )
    return names


def _fmt_ts(e: nw.Expr) -> nw.Expr:
    return e.dt.to_string(_TS_TEXT)


def _text(*parts: nw.Expr | str) -> nw.Expr:
    return nw.concat_str([p if isinstance(p, nw.Expr) else nw.lit(p) for p in parts], separator="")


# ------------------------------------------------------------------------------ validation


def validate_readings(
    readings: nw.LazyFrame[Any],
    meters: nw.LazyFrame[Any],
    *,
    spike_factor: float = 10.0,
    floor: float = 0.0,
) -> nw.LazyFrame[Any]:
    """One row per problem found in the readings.

    Columns :data:`PROBLEM_COLUMNS`: ``meter_id``, ``ts`` (the reading's time; for ``gap`` the
    first missing interval), ``rule``, ``value`` (the reading's value in the meter's unit, null for
    ``gap``), ``detail`` (text) and ``grid_ts`` (``misaligned``: the grid time the reading floors
    to, used by :func:`clean_readings`; ``gap``: the last missing interval; else null). Rows come
    in no particular order. Rules:

    ``unknown_meter``
        ``meter_id`` is not in ``meters``; every such reading is reported.
    ``duplicate``
        more than one reading of a meter at the same ``ts``: every reading after the first is
        reported. "First" is the lowest ``seq`` (arrival order) when the readings have a ``seq``
        column, else the lowest value (deterministic on every engine; which copy of identical
        readings is reported does not matter).
    ``negative``
        ``value < 0`` (readings are consumption in the interval).
    ``implausible``
        ``value > max(spike_factor x median, floor)``, the median over the meter's own positive
        readings (zeros of idle periods and negatives excluded, so they do not pull the threshold
        down; a median is barely moved by the spikes it should find). ``floor`` is in the meter's
        unit and keeps a meter of tiny readings from flagging ordinary ones. A meter without
        positive readings has no threshold.
    ``misaligned``
        ``ts`` is not on the meter's grid: seconds (or less) not zero, or the minute of the day
        not a multiple of ``interval_minutes`` (the grid starts at midnight; intervals must divide
        the day, which :func:`greenmfg.io.meters.read_meters` checks) -- the mark of a clock
        change or a logger restart.
    ``gap``
        missing intervals between consecutive readings of a meter (in time order, on the floored
        grid): reported once per gap at its first missing ``ts`` with the number of missing
        intervals in ``detail``. Gaps before a meter's first or after its last reading are not
        seen (the expected span is not part of the data).
    ``clock_backwards``
        ``ts`` earlier than the meter's previous reading in arrival order (``seq``). Readings
        without a ``seq`` column have no arrival order and this rule is skipped.

    Parameters
    ----------
    readings : ``schema.READINGS`` (+ optional ``seq``); ``value`` in the meter's unit.
    meters : ``schema.METERS`` (``meter_id`` unique; ``interval_minutes`` used).
    spike_factor : multiple of the meter's median above which a reading is implausible [-].
    floor : lowest threshold of ``implausible`` [the meter's unit].

    Windows are Narwhals ``over`` with ``order_by`` (``shift``) and ``rank``/``len`` over
    partitions, lazily on both DuckDB and Spark; time arithmetic avoids the ``dt`` methods Spark
    lacks (module docstring).
    """
    names = _require(readings, ("meter_id", "ts", "value"), "readings")
    _require(meters, ("meter_id", "interval_minutes"), "meters")
    has_seq = "seq" in names
    ts_dtype = readings.collect_schema()["ts"]
    ts = nw.col("ts")
    value = nw.col("value")
    base = readings.select(
        nw.col("meter_id").cast(nw.String),
        ts,
        value.cast(nw.Float64),
        *([nw.col("seq").cast(nw.Int64)] if has_seq else []),
    ).join(
        meters.select(
            nw.col("meter_id").cast(nw.String),
            nw.col("interval_minutes").cast(nw.Int64).alias("_iv"),
        ),
        on="meter_id",
        how="left",
    )
    iv = nw.col("_iv")
    null_ts = nw.lit(None, dtype=ts_dtype)
    null_value = nw.lit(None, dtype=nw.Float64)

    def problems(
        frame: nw.LazyFrame[Any],
        rule: str,
        detail: nw.Expr,
        *,
        at: nw.Expr = ts,
        val: nw.Expr = value,
        grid: nw.Expr = null_ts,
    ) -> nw.LazyFrame[Any]:
        return frame.select(
            nw.col("meter_id"),
            at.cast(ts_dtype).alias("ts"),
            nw.lit(rule).alias("rule"),
            val.cast(nw.Float64).alias("value"),
            detail.cast(nw.String).alias("detail"),
            grid.cast(ts_dtype).alias("grid_ts"),
        )

    parts: list[nw.LazyFrame[Any]] = []

    # unknown_meter: the left join found no interval
    parts.append(
        problems(base.filter(iv.is_null()), "unknown_meter", nw.lit("meter not in the meter list"))
    )

    # duplicate: rank within (meter, ts) by arrival order (or value), keep the first
    order_col = "seq" if has_seq else "value"
    dup = base.with_columns(
        nw.col(order_col).rank("ordinal").over("meter_id", "ts").alias("_rank"),
        nw.len().over("meter_id", "ts").alias("_n"),
    ).filter(nw.col("_rank") > 1)
    parts.append(
        problems(
            dup,
            "duplicate",
            _text(
                "reading ",
                nw.col("_rank").cast(nw.Int64).cast(nw.String),
                " of ",
                nw.col("_n").cast(nw.Int64).cast(nw.String),
                " at this time",
                *((" (seq ", nw.col("seq").cast(nw.String), ")") if has_seq else ()),
            ),
        )
    )

    # negative
    parts.append(problems(base.filter(value < 0), "negative", nw.lit("negative consumption")))

    # implausible: above spike_factor x the median of the meter's positive readings (or floor)
    med = (
        base.filter(value > 0)
        .group_by("meter_id")
        .agg(value.median().alias("_median"))
        .with_columns(
            nw.max_horizontal(nw.col("_median") * float(spike_factor), nw.lit(float(floor))).alias(
                "_limit"
            )
        )
    )
    spikes = base.join(med, on="meter_id", how="inner").filter(value > nw.col("_limit"))
    parts.append(
        problems(
            spikes,
            "implausible",
            _text(
                f"above max({spike_factor:g} x median ",
                nw.col("_median").round(6).cast(nw.String),
                f", {floor:g}) = ",
                nw.col("_limit").round(6).cast(nw.String),
            ),
        )
    )

    # misaligned: off the meter's grid; floors to ts - (minute of day mod interval)
    truncated = ts.dt.truncate("1m").cast(ts_dtype)
    remainder = _minute_of_day(ts) % iv
    grid = base.filter(~iv.is_null()).with_columns(
        _plus_minutes(truncated, remainder, sign=-1).alias("_floor"),
        ((ts != truncated) | (remainder != 0)).alias("_off"),
        (_epoch_minutes(ts) - remainder).alias("_em"),
    )
    parts.append(
        problems(
            grid.filter(nw.col("_off")),
            "misaligned",
            _text(
                "not on the ",
                iv.cast(nw.String),
                "-minute grid; floors to ",
                _fmt_ts(nw.col("_floor")),
            ),
            grid=nw.col("_floor"),
        )
    )

    # gap: consecutive readings (time order, floored grid) more than one interval apart
    gaps = (
        grid.with_columns(
            nw.col("_em").shift(1).over("meter_id", order_by="_floor").alias("_prev_em"),
            nw.col("_floor").shift(1).over("meter_id", order_by="_floor").alias("_prev_floor"),
        )
        .with_columns(((nw.col("_em") - nw.col("_prev_em")) // iv - 1).alias("_missing"))
        .filter(nw.col("_missing") > 0)
        .with_columns(
            _plus_minutes(nw.col("_prev_floor"), iv).cast(ts_dtype).alias("_start"),
            _plus_minutes(nw.col("_floor"), iv, sign=-1).cast(ts_dtype).alias("_end"),
        )
    )
    parts.append(
        problems(
            gaps,
            "gap",
            _text(
                nw.col("_missing").cast(nw.String),
                " missing ",
                iv.cast(nw.String),
                "-minute interval(s) from ",
                _fmt_ts(nw.col("_start")),
                " to ",
                _fmt_ts(nw.col("_end")),
            ),
            at=nw.col("_start"),
            val=null_value,
            grid=nw.col("_end"),
        )
    )

    # clock_backwards: earlier than the previous reading in arrival order
    if has_seq:
        back = base.with_columns(
            ts.shift(1).over("meter_id", order_by="seq").alias("_prev_ts"),
            nw.col("seq").shift(1).over("meter_id", order_by="seq").alias("_prev_seq"),
        ).filter(ts < nw.col("_prev_ts"))
        parts.append(
            problems(
                back,
                "clock_backwards",
                _text(
                    "earlier than the previous reading (seq ",
                    nw.col("_prev_seq").cast(nw.String),
                    ", ",
                    _fmt_ts(nw.col("_prev_ts")),
                    ")",
                ),
            )
        )
    return nw.concat(parts, how="vertical")


def clean_readings(readings: nw.LazyFrame[Any], problems: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """The readings fit for aggregation, given :func:`validate_readings`' problems.

    * readings of ``unknown_meter`` meters, ``negative`` and ``implausible`` values are dropped
      (matched on ``meter_id, ts, value``);
    * of several readings of a meter at one ``ts`` the first is kept, "first" as in the
      ``duplicate`` rule (lowest ``seq``, else lowest value) among the readings still there, so a
      negative first copy does not hide a good second one;
    * ``misaligned`` readings are kept with ``ts`` floored to the meter's grid (``grid_ts``):
      their energy is real and only their time stamp is off. A floored reading that lands on a
      time the meter already has is kept too, and both add up in :func:`aggregate_energy`, so no
      energy is lost;
    * ``gap`` and ``clock_backwards`` only inform: nothing is invented for a gap, and a reading
      that arrived out of order is still a reading.

    Returns the readings' columns (``meter_id, ts, value`` and ``seq`` when present).
    """
    names = _require(readings, ("meter_id", "ts", "value"), "readings")
    has_seq = "seq" in names
    ts_dtype = readings.collect_schema()["ts"]
    cols = ["meter_id", "ts", "value", *(["seq"] if has_seq else [])]
    rule = nw.col("rule")
    base = readings.select(
        nw.col("meter_id").cast(nw.String),
        nw.col("ts"),
        nw.col("value").cast(nw.Float64),
        *([nw.col("seq").cast(nw.Int64)] if has_seq else []),
    )
    unknown = problems.filter(rule == "unknown_meter").select("meter_id").unique()
    bad = problems.filter(rule.is_in(["negative", "implausible"])).select(
        "meter_id", nw.col("ts").cast(ts_dtype), "value"
    )
    kept = base.join(unknown, on="meter_id", how="anti").join(
        bad, on=["meter_id", "ts", "value"], how="anti"
    )
    order_col = "seq" if has_seq else "value"
    kept = kept.with_columns(
        nw.col(order_col).rank("ordinal").over("meter_id", "ts").alias("_rank")
    ).filter(nw.col("_rank") == 1)
    floors = (
        problems.filter(rule == "misaligned")
        .select("meter_id", nw.col("ts").cast(ts_dtype), nw.col("grid_ts").cast(ts_dtype))
        .unique()
    )
    return (
        kept.join(floors, on=["meter_id", "ts"], how="left")
        .with_columns(nw.coalesce(nw.col("grid_ts"), nw.col("ts")).cast(ts_dtype).alias("ts"))
        .select(cols)
    )


# ------------------------------------------------------------------------------ aggregation


def _meter_sums(readings: nw.LazyFrame[Any], freq: str) -> nw.LazyFrame[Any]:
    """Sum and count of each meter's readings per period (in the meter's unit)."""
    ts_dtype = readings.collect_schema()["ts"]
    return (
        readings.select(
            nw.col("meter_id").cast(nw.String),
            _period(nw.col("ts"), freq, ts_dtype).alias("period"),
            nw.col("value").cast(nw.Float64),
        )
        .group_by("meter_id", "period")
        .agg(nw.col("value").sum().alias("_value"), nw.len().alias("_n"))
    )


def aggregate_energy(
    readings: nw.LazyFrame[Any],
    meters: nw.LazyFrame[Any],
    *,
    freq: Freq,
    factors: Mapping[str, CarrierFactors],
) -> nw.LazyFrame[Any]:
    """Energy, standard coal and emissions per enterprise, site, workshop, carrier and period.

    Columns: ``enterprise_id, site, workshop, carrier, period`` (start of the hour or month,
    module docstring), ``energy`` [the carrier's canonical unit: kWh, m3, GJ], ``tce`` [t of
    standard coal], ``tco2e`` [t CO2e] and ``readings`` (how many readings were summed).

    ``energy = sum(value) x k_unit`` per meter, ``k_unit`` the pint factor from the meter's unit to
    the canonical unit (computed here, before the engine); ``tce = energy x kgce_per_unit / 1000``
    (GB/T 2589-2020, formula (1), ``E = sum(e_i x p_i)``) and ``tco2e = energy x kgco2e_per_unit /
    1000`` with ``factors`` (:func:`factors_from_reference`; they hold one data year and region,
    so aggregate one year at a time). ``workshop`` is null for a site's main meters: the rows of a
    main meter and of its sub-meters measure the same energy twice and must not be added together
    (:func:`reconcile` compares them). Readings of meters not in ``meters`` are left out (they are
    ``unknown_meter`` problems); run :func:`clean_readings` first to drop bad values.

    Raises
    ------
    MeterFactorError naming the carrier when ``factors`` has none for a carrier of the meter list,
    or naming a meter whose unit does not convert to its carrier's unit.
    """
    _require(readings, ("meter_id", "ts", "value"), "readings")
    _require(meters, ("meter_id", "enterprise_id", "site", "workshop", "carrier", "unit"), "meters")
    pairs = _meter_units(meters)
    missing = sorted({str(p["carrier"]) for p in pairs} - set(factors))
    if missing:
        examples = ", ".join(
            f"{c!r} (e.g. meter {next(str(p['example']) for p in pairs if p['carrier'] == c)!r})"
            for c in missing
        )
        raise MeterFactorError(
            f"no standard-coal coefficient or emission factor for carrier(s) {examples}; "
            f"factors hold {', '.join(sorted(factors)) or 'none'} (leave those meters out, or "
            "add the carrier's factors)"
        )
    k_unit, canon = _unit_factor_expr(pairs)
    for carrier, unit in canon.items():
        if factors[carrier].unit != unit:
            raise MeterFactorError(
                f"carrier {carrier!r}: factors are per {factors[carrier].unit!r}, energy is in "
                f"{unit!r}"
            )
    kg_to_t = conversion_factor("kg", "t")
    tce_per_unit = {c: factors[c].kgce_per_unit * kg_to_t for c in canon}
    tco2e_per_unit = {c: factors[c].kgco2e_per_unit * kg_to_t for c in canon}
    keys = ["enterprise_id", "site", "workshop", "carrier", "period"]
    per_meter = meters.select(
        nw.col("meter_id").cast(nw.String),
        nw.col("enterprise_id").cast(nw.Int64),
        nw.col("site").cast(nw.String),
        nw.col("workshop").cast(nw.String),
        nw.col("carrier").cast(nw.String),
        k_unit.alias("_k"),
    )
    return (
        _meter_sums(readings, freq)
        .join(per_meter, on="meter_id", how="inner")
        .with_columns((nw.col("_value") * nw.col("_k")).alias("energy"))
        .group_by(keys)
        .agg(nw.col("energy").sum(), nw.col("_n").sum().cast(nw.Int64).alias("readings"))
        .with_columns(
            (nw.col("energy") * _per_carrier(tce_per_unit)).alias("tce"),
            (nw.col("energy") * _per_carrier(tco2e_per_unit)).alias("tco2e"),
        )
        .select(*keys, "energy", "tce", "tco2e", "readings")
    )


def reconcile(
    readings: nw.LazyFrame[Any], meters: nw.LazyFrame[Any], *, freq: Freq = "month"
) -> nw.LazyFrame[Any]:
    """Main meter against the sum of its sub-meters, per period.

    Columns: ``meter_id`` (the main meter), ``carrier``, ``unit`` (canonical, as in
    :func:`aggregate_energy`), ``period``, ``main`` (the main meter's energy), ``sub_sum`` (the sum
    over the meters whose ``parent_meter_id`` is this meter), ``residual = main - sub_sum`` (line
    and transformer losses, unmetered loads, or a faulty meter) and ``residual_share = residual /
    main`` (null when ``main`` is 0). A main meter is any meter some other meter names as parent;
    a meter can be the sub-meter of one balance and the main meter of the next level down. Periods
    where only one side has readings appear with 0 on the other side.
    """
    _require(readings, ("meter_id", "ts", "value"), "readings")
    _require(meters, ("meter_id", "parent_meter_id", "carrier", "unit"), "meters")
    pairs = _meter_units(meters)
    k_unit, canon = _unit_factor_expr(pairs)
    per_meter = meters.select(
        nw.col("meter_id").cast(nw.String),
        nw.col("parent_meter_id").cast(nw.String),
        k_unit.alias("_k"),
    )
    energy = (
        _meter_sums(readings, freq)
        .join(per_meter, on="meter_id", how="inner")
        .with_columns((nw.col("_value") * nw.col("_k")).alias("_energy"))
    )
    parents = (
        meters.filter(~nw.col("parent_meter_id").is_null())
        .select(nw.col("parent_meter_id").cast(nw.String).alias("meter_id"))
        .unique()
    )
    zero = nw.lit(0.0)
    main_side = energy.join(parents, on="meter_id", how="semi").select(
        "meter_id", "period", nw.col("_energy").alias("_main"), zero.alias("_sub")
    )
    sub_side = energy.filter(~nw.col("parent_meter_id").is_null()).select(
        nw.col("parent_meter_id").alias("meter_id"),
        "period",
        zero.alias("_main"),
        nw.col("_energy").alias("_sub"),
    )
    carriers = meters.select(nw.col("meter_id").cast(nw.String), nw.col("carrier").cast(nw.String))
    unit_col = _per_carrier(canon, nw.String)
    return (
        nw.concat([main_side, sub_side], how="vertical")
        .group_by("meter_id", "period")
        .agg(nw.col("_main").sum().alias("main"), nw.col("_sub").sum().alias("sub_sum"))
        .join(carriers, on="meter_id", how="left")
        .with_columns(
            unit_col.alias("unit"),
            (nw.col("main") - nw.col("sub_sum")).alias("residual"),
        )
        .with_columns(
            nw.when(nw.col("main") != 0)
            .then(nw.col("residual") / nw.col("main"))
            .otherwise(nw.lit(None, dtype=nw.Float64))
            .alias("residual_share")
        )
        .select(
            "meter_id", "carrier", "unit", "period", "main", "sub_sum", "residual", "residual_share"
        )
    )

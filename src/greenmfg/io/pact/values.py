"""Decimal, date-time and identifier syntax shared by the PACT schema checks and converters.

PACT v3.0 exchanges every non-integer number as a JSON string (``string<decimal>``, PACT Technical
Specifications v3.0 "Basic Types"; ADR-39), v2.3 mixes decimal strings and JSON numbers. Values are
handled as :class:`decimal.Decimal` throughout so that what is written is exactly what was declared.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Context, Decimal, InvalidOperation

#: ``string<decimal>``: the published v3.0.3 schema's ``Decimal`` pattern ``^[+-]?\d+(\.\d+)?$``,
#: extended by an optional exponent because the v3.0 data model's "Basic Types" table lists
#: ``"1.2345e+6"`` as a decimal. No thousands separators, no decimal comma, no surrounding blanks.
DECIMAL_RE = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")

#: RFC 3339 section 5.6 ``date-time`` (the JSON Schema ``date-time`` format): full date, ``T``,
#: time with seconds, optional fraction, and ``Z`` or a numeric offset.
DATE_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)

#: RFC 4122 / RFC 9562 string form of a UUID (case-insensitive on input).
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

#: RFC 8141 URN: ``urn:`` NID ``:`` NSS, with optional r-/q-/f-components.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
URN_RE = re.compile(
    r"^[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:"
    rf"{_PCHAR}(?:{_PCHAR}|/)*"
    rf"(?:\?\+(?:{_PCHAR}|[/?])*)?(?:\?=(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$"
)

# RFC 3986 characters allowed in a URI reference (unreserved, reserved, percent escapes).
_URI_CHARS_RE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

# Precision used when a per-unit value has to be divided (v3.0 -> v2.3 declared units): 20
# significant digits, far beyond any footprint's precision; see ``rescale``.
_DIVIDE = Context(prec=20)
# After multiplying back, results are rounded to 15 significant digits, which removes the last-digit
# residue of a 20-digit quotient (5.14 / 12 * 12 -> 5.14) and never touches real data.
_MULTIPLY_ROUND = Context(prec=15)
_EXACT = Context(prec=60)


def is_decimal_string(value: object) -> bool:
    """True for a PACT ``string<decimal>`` such as ``"12.5"`` or ``"-0.3"``."""
    return isinstance(value, str) and DECIMAL_RE.match(value) is not None


def parse_decimal(value: object) -> Decimal:
    """A decimal from a PACT decimal string or a JSON number (v2.3 numbers).

    JSON floats go through their shortest ``repr`` so 12.9 becomes ``Decimal('12.9')``, not the
    binary expansion. Raises ``ValueError`` naming what was expected.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a decimal, got boolean {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if not is_decimal_string(value):
        raise ValueError(f"expected a decimal string such as '12.5', got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - DECIMAL_RE only admits valid literals
        raise ValueError(f"expected a decimal string, got {value!r}") from exc


def format_decimal(value: Decimal) -> str:
    """Canonical PACT decimal string: plain notation, no trailing zeros, ``"0"`` for zero.

    ``Decimal("2500.00") -> "2500"``, ``Decimal("0.30") -> "0.3"``, ``Decimal("1E+3") -> "1000"``.
    """
    if not value.is_finite():
        raise ValueError(f"expected a finite decimal, got {value}")
    if value.is_zero():
        return "0"
    return format(value.normalize(_EXACT), "f")


def json_number(value: Decimal) -> int | float:
    """A JSON number for v2.3 number fields: an ``int`` when integral, else the nearest float.

    The float's ``repr`` is the shortest string that reads back to it, so ``Decimal('16.8')``
    is written as ``16.8``.
    """
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def scale(value: Decimal, factor: Decimal) -> Decimal:
    """``value * factor`` (a per-unit value times a number of units), see ``_MULTIPLY_ROUND``."""
    product = _EXACT.multiply(value, factor)
    digits = len(product.as_tuple().digits)
    return _MULTIPLY_ROUND.plus(product) if digits > 15 else product


def divide(value: Decimal, divisor: Decimal) -> Decimal:
    """``value / divisor`` to 20 significant digits (exact when the quotient terminates sooner)."""
    return _DIVIDE.divide(value, divisor)


def is_date_time(value: str) -> bool:
    """RFC 3339 ``date-time`` with a valid calendar date and time (leap second 60 allowed)."""
    m = DATE_TIME_RE.match(value)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    try:
        date(year, month, day)
    except ValueError:
        return False
    offset = m.group(8)
    if offset not in ("Z", "z") and (int(offset[1:3]) > 23 or int(offset[4:6]) > 59):
        return False
    return hour <= 23 and minute <= 59 and second <= 60


def parse_date_time(value: str) -> datetime:
    """A timezone-aware datetime from an RFC 3339 string (``ValueError`` naming the value)."""
    if not is_date_time(value):
        raise ValueError(
            f"expected an RFC 3339 date-time such as '2024-01-01T00:00:00Z', got {value!r}"
        )
    text = value.replace("z", "Z").replace("t", "T")
    if text[17:19] == "60":  # a leap second: the instant is the end of that minute
        text = text[:17] + "59" + text[19:]
    return datetime.fromisoformat(text)


def format_date_time(value: datetime) -> str:
    """RFC 3339 text of an aware datetime, ``Z`` for UTC (``2024-01-01T00:00:00Z``)."""
    if value.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def format_date(value: date) -> str:
    """A date as the RFC 3339 date-time of its 00:00 UTC, as PACT periods are exchanged."""
    return format_date_time(datetime(value.year, value.month, value.day, tzinfo=UTC))


def is_uuid(value: str) -> bool:
    """RFC 4122 string form (``8-4-4-4-12`` hexadecimal digits, any case)."""
    return UUID_RE.match(value) is not None


def is_urn(value: str) -> bool:
    """RFC 8141 URN syntax (``urn:<NID>:<NSS>``)."""
    return URN_RE.match(value) is not None


def is_uri(value: str) -> bool:
    """An absolute URI (RFC 3986: scheme, then only URI characters)."""
    return _SCHEME_RE.match(value) is not None and _URI_CHARS_RE.match(value) is not None


def is_uri_reference(value: str) -> bool:
    """A URI reference (RFC 3986 section 4.1: absolute or relative, only URI characters)."""
    return _URI_CHARS_RE.match(value) is not None

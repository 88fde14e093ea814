"""The ``$filter`` subset of ``GET /2/footprints`` (PACT Tech Specs v2.3, ListFootprints, Filter).

The statement "MUST only include the following operators and properties":

- comparison operators ``eq``, ``lt``, ``le``, ``gt``, ``ge`` on ``created``, ``updated``,
  ``productCategoryCpc``, ``pcf/geographyCountry``, ``pcf/referencePeriodStart``,
  ``pcf/referencePeriodEnd``;
- the logical operator ``and`` (and parentheses);
- the lambda operator ``any`` on ``companyIds`` and ``productIds``, whose expression uses ``eq``
  only: ``productIds/any(productId:(productId eq 'urn:...'))``.

A statement that is not OData is a ``BadRequest``; one that is OData but outside this subset
(``or``, ``not``, ``ne``, functions, other properties) is refused with ``NotImplemented``, as the
spec allows a host to do ("it CAN refuse to process the specific filter statement if it does not
support the filter statement or parts of it. In this case, it MUST return an error response with
code NotImplemented"). Literals are single-quoted strings (``''`` escapes a quote); date-times may
also be bare (OData v4 ``DateTimeOffset`` literals). Date properties compare as instants; the
others as strings, case-sensitively (OData ``eq``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from greenmfg.store.pact import FilterError, parse_datetime

Predicate = Callable[[dict[str, Any]], bool]

DATE_PROPERTIES = ("created", "updated", "pcf/referencePeriodStart", "pcf/referencePeriodEnd")
TEXT_PROPERTIES = ("productCategoryCpc", "pcf/geographyCountry")
COLLECTIONS = ("productIds", "companyIds")
OPERATORS = ("eq", "lt", "le", "gt", "ge")
OTHER_ODATA = {"or", "not", "ne", "has", "in", "all", "add", "sub", "mul", "div", "mod"}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<bare>\d[\w:.+\-]*)
      | (?P<word>[A-Za-z_$][\w$]*)
      | (?P<punct>[()/:,])
    )""",
    re.VERBOSE,
)


class ODataError(ValueError):
    """``code`` is ``BadRequest`` (not OData) or ``NotImplemented`` (outside the subset)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _bad(message: str) -> ODataError:
    return ODataError("BadRequest", f"$filter: {message}")


def _unsupported(message: str) -> ODataError:
    return ODataError("NotImplemented", f"$filter: {message} is not supported")


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _bad(f"cannot read {text[pos : pos + 20]!r} (at character {pos + 1})")
        kind = m.lastgroup or ""
        out.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def _value(doc: dict[str, Any], path: str) -> Any:
    cur: Any = doc
    for part in path.split("/"):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "eq":
        return bool(a == b)
    if op == "lt":
        return bool(a < b)
    if op == "le":
        return bool(a <= b)
    if op == "gt":
        return bool(a > b)
    return bool(a >= b)


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self, text: str | None = None, kind: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise _bad(f"unexpected end, expected {text or kind}")
        if (text is not None and tok.text != text) or (kind is not None and tok.kind != kind):
            raise _bad(f"expected {text or kind} at character {tok.pos + 1}, found {tok.text!r}")
        self.i += 1
        return tok

    def parse(self) -> Predicate:
        if not self.toks:
            raise _bad("empty statement")
        pred = self.conjunction()
        tok = self.peek()
        if tok is not None:
            if tok.text.lower() in OTHER_ODATA:
                raise _unsupported(f"operator {tok.text!r}")
            raise _bad(f"unexpected {tok.text!r} at character {tok.pos + 1}")
        return pred

    def conjunction(self) -> Predicate:
        parts = [self.primary()]
        while (tok := self.peek()) is not None and tok.text == "and":
            self.i += 1
            parts.append(self.primary())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: all(p(doc) for p in parts)

    def primary(self) -> Predicate:
        tok = self.peek()
        if tok is None:
            raise _bad("unexpected end of statement")
        if tok.text == "(":
            self.i += 1
            inner = self.conjunction()
            self.take(")")
            return inner
        if tok.kind != "word":
            raise _unsupported(
                f"{tok.text!r} at character {tok.pos + 1} (a property must come first)"
            )
        if tok.text.lower() in OTHER_ODATA:
            raise _unsupported(f"operator {tok.text!r}")
        path = self.path()
        if path.endswith("/any") or path.endswith("/all"):
            return self.lambda_any(path)
        nxt = self.peek()
        if nxt is not None and nxt.text == "(":
            raise _unsupported(f"function {path!r}")
        return self.comparison(path)

    def path(self) -> str:
        parts = [self.take(kind="word").text]
        while (tok := self.peek()) is not None and tok.text == "/":
            self.i += 1
            parts.append(self.take(kind="word").text)
        return "/".join(parts)

    def literal(self, prop: str) -> Any:
        tok = self.peek()
        if tok is None:
            raise _bad(f"a value is missing after {prop}")
        self.i += 1
        if tok.kind == "string":
            text = tok.text[1:-1].replace("''", "'")
        elif tok.kind == "bare":
            text = tok.text
        else:
            raise _bad(f"expected a quoted value after {prop}, found {tok.text!r}")
        if prop in DATE_PROPERTIES:
            try:
                return parse_datetime(text, prop)
            except FilterError:
                raise _bad(f"{text!r} is not a date-time for {prop}") from None
        return text

    def comparison(self, prop: str) -> Predicate:
        if prop not in DATE_PROPERTIES and prop not in TEXT_PROPERTIES:
            raise _unsupported(f"filtering on {prop!r}")
        tok = self.peek()
        if tok is None or tok.kind != "word":
            raise _bad(f"an operator is missing after {prop}")
        op = tok.text
        if op not in OPERATORS:
            if op.lower() in OTHER_ODATA or op.lower() in OPERATORS:
                raise _unsupported(f"operator {op!r}")
            raise _bad(f"{op!r} is not an operator")
        self.i += 1
        value = self.literal(prop)
        if prop in DATE_PROPERTIES:
            assert isinstance(value, datetime)

            def dated(doc: dict[str, Any]) -> bool:
                raw = _value(doc, prop)
                if not isinstance(raw, str):
                    return False
                try:
                    return _compare(op, parse_datetime(raw, prop), value)
                except FilterError:
                    return False

            return dated

        def texted(doc: dict[str, Any]) -> bool:
            raw = _value(doc, prop)
            return isinstance(raw, str) and _compare(op, raw, value)

        return texted

    def lambda_any(self, path: str) -> Predicate:
        collection, _, op = path.rpartition("/")
        if op != "any":
            raise _unsupported("the lambda operator 'all'")
        if collection not in COLLECTIONS:
            raise _unsupported(f"'any' on {collection!r}")
        self.take("(")
        var = self.take(kind="word").text
        self.take(":")
        depth = 0
        while (tok := self.peek()) is not None and tok.text == "(":
            self.i += 1
            depth += 1
        left = self.take(kind="word").text
        if left != var:
            raise _unsupported(f"a lambda expression on {left!r} (only {var!r} eq '...')")
        tok = self.peek()
        if tok is None or tok.text != "eq":
            raise _unsupported(f"operator {tok.text if tok else ''!r} in 'any' (only eq)")
        self.i += 1
        value = self.literal(collection)
        for _ in range(depth):
            self.take(")")
        self.take(")")

        def any_of(doc: dict[str, Any]) -> bool:
            items = _value(doc, collection)
            return isinstance(items, list) and any(x == value for x in items)

        return any_of


def parse_filter(text: str) -> Predicate:
    """A predicate on a v2 ``ProductFootprint`` for a ``$filter`` statement (raises
    :class:`ODataError`)."""
    return _Parser(text).parse()

"""Validation against the official PACT OpenAPI schemas (Technical Specifications v2.3 and v3.0).

The schemas are the ones the official PACT conformance tool validates against, vendored unmodified
in ``schemas/`` (see its README for provenance). Both are OpenAPI 3.1 documents, whose schema
objects are JSON Schema Draft 2020-12, so they are used as they are: the document is registered
with :mod:`referencing` and a component is validated as ``{"$ref": "<doc>#/components/schemas/X"}``,
resolving its ``#/components/...`` references inside the document. An OpenAPI 3.0 document would be
translated first (:func:`openapi30_to_jsonschema`).

What is checked, beyond plain JSON Schema:

* formats, asserted with a :class:`jsonschema.FormatChecker` of our own (no optional packages):
  ``date-time`` (RFC 3339), ``uuid`` (RFC 4122), ``urn`` (RFC 8141), ``uri``, ``uri-reference``
  (RFC 3986) and ``decimal`` (PACT ``string<decimal>``, see ``values.DECIMAL_RE``);
* the sign of decimals: the schemas mark them ``x-comment: '>= 0'`` (``'> 0'``, ``'<= 0'``,
  ``'< 0'``), which the published v3.0.3 file states as the patterns ``PositiveOrZeroDecimal`` etc.;
* with ``rules=True`` (the default), normative statements of the specifications that the schemas
  do not encode, added to the in-memory copy of the schema (the vendored files stay unmodified):

  - v2.3 and v3.0 ``CarbonFootprint/packagingGhgEmissions``: MUST be undefined if
    ``packagingEmissionsIncluded`` is false;
  - v3.0 ``DataQualityIndicators``: each DQR MUST be between 1 and 5 inclusive;
  - v3.0 ``ProductFootprint``: the deprecated v2 properties ``version`` and ``updated``, which a
    v3.0 host MAY still carry (v3.0 "Product Footprint Lifecycle", implementation guidelines), keep
    their types (integer >= 0; RFC 3339 date-time or null, "the updated property always null"),
    as the commented-out definitions in the published v3.0.3 ``openapi.yaml`` give them.

  The validity-period window (v3.0 "Validity Period") is *not* enforced on input: several of the
  specification's own valid examples violate it. greenmfg enforces it on what it declares
  (``PcfDeclaration``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, Literal, cast
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from greenmfg.io.pact import values

PactVersion = Literal["2", "3"]
VERSIONS: tuple[PactVersion, ...] = ("2", "3")

#: The vendored schema file of each major version.
SCHEMA_FILES: dict[PactVersion, str] = {"2": "openapi_v2_3.yaml", "3": "openapi_v3_0.yaml"}

#: ``specVersion`` written into the ProductFootprints greenmfg produces.
SPEC_VERSIONS: dict[PactVersion, str] = {"2": "2.3.0", "3": "3.0.0"}

#: Response bodies of ``GET /<v>/footprints`` and ``GET /<v>/footprints/{id}`` (HTTP 200), defined
#: inline in the OpenAPI paths; addressed by these names.
RESPONSE_COMPONENTS: tuple[str, ...] = ("ListFootprintsResponse", "GetFootprintResponse")

#: Event bodies of ``POST /<v>/events`` (CloudEvents, ``components/schemas``).
EVENT_COMPONENTS: tuple[str, ...] = (
    "RequestCreatedEvent",
    "RequestFulfilledEvent",
    "RequestRejectedEvent",
    "PublishedEvent",
)

#: The whole ``POST /<v>/events`` request body (``oneOf`` the four events); validated against the
#: event its ``type`` names, so that errors point into that event.
EVENT_BODY_COMPONENT = "Event"

#: CloudEvents ``type`` of each event, per version (the ``const`` in each schema).
EVENT_TYPES: dict[PactVersion, dict[str, str]] = {
    "2": {
        "RequestCreatedEvent": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        "RequestFulfilledEvent": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        "RequestRejectedEvent": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
        "PublishedEvent": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
    },
    "3": {
        "RequestCreatedEvent": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "RequestFulfilledEvent": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "RequestRejectedEvent": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
        "PublishedEvent": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    },
}

_PATH_COMPONENTS: dict[str, str] = {
    "ListFootprintsResponse": "/footprints|get|200|application/json",
    "GetFootprintResponse": "/footprints/{id}|get|200|application/json",
    "Event": "/events|post|requestBody|application/cloudevents+json",
}

_SIGN_COMMENTS: dict[str, tuple[str, str]] = {
    "> 0": ("gt", "> 0"),
    ">= 0": ("ge", ">= 0"),
    "<= 0": ("le", "<= 0"),
    "< 0": ("lt", "< 0"),
}

_FORMAT_TEXT: dict[str, str] = {
    "date-time": "an RFC 3339 date-time such as '2024-01-01T00:00:00Z'",
    "uuid": "a UUID such as '3fa85f64-5717-4562-b3fc-2c963f66afa6'",
    "urn": "a URN such as 'urn:gtin:4712345060507' (RFC 8141)",
    "uri": "an absolute URI such as 'https://example.com/schema.json'",
    "uri-reference": "a URI reference such as '//api.example.com/events' (RFC 3986)",
    "decimal": "a decimal string such as '12.5' (PACT string<decimal>)",
}


class PactValidationError(ValueError):
    """A PACT document that does not conform.

    ``errors`` lists each problem as ``'<JSON pointer>: <what was expected, got what>'`` (or with
    the footprint index first when read from a file); ``source`` names the file or origin and is
    repeated on every line of ``str()``.
    """

    def __init__(self, errors: Sequence[str], source: str = "") -> None:
        self.errors: list[str] = list(errors)
        self.source = source
        where = f" in {source}" if source else ""
        prefix = f"{source}: " if source else ""
        lines = [prefix + e for e in self.errors[:50]]
        more = f"\n... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"{len(self.errors)} PACT problem(s){where}:\n" + "\n".join(lines) + more)


# --- loading ---------------------------------------------------------------------------------------


def load_openapi(version: PactVersion) -> dict[str, Any]:
    """A fresh parsed copy of the vendored OpenAPI document of ``version``."""
    return copy.deepcopy(_load_openapi(_check_version(version)))


@cache
def _load_openapi(version: PactVersion) -> dict[str, Any]:
    text = files("greenmfg.io.pact").joinpath("schemas", SCHEMA_FILES[version]).read_text("utf-8")
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or "components" not in doc:
        raise RuntimeError(
            f"vendored PACT schema {SCHEMA_FILES[version]} is not an OpenAPI document"
        )
    return cast(dict[str, Any], doc)


def openapi30_to_jsonschema(node: Any) -> Any:
    """Translate OpenAPI 3.0 schema objects into JSON Schema Draft 2020-12, recursively.

    OpenAPI 3.0 (section 4.7.24) differs from JSON Schema in ways that change validation:
    ``nullable: true`` admits ``null`` (here: ``"null"`` added to ``type``, and ``None`` to an
    ``enum``); ``exclusiveMinimum``/``exclusiveMaximum`` are booleans modifying
    ``minimum``/``maximum`` (here: the numeric 2020-12 form); properties next to a ``$ref`` are
    ignored (here: dropped). Other keywords (``example``, ``discriminator``, ``x-*``) are
    annotations and kept. OpenAPI 3.1 documents need none of this.
    """
    if isinstance(node, list):
        return [openapi30_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    out = {key: openapi30_to_jsonschema(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        exclusive = out.get(flag)
        if isinstance(exclusive, bool):
            del out[flag]
            if exclusive and bound in out:
                out[flag] = out.pop(bound)
    return out


def _as_jsonschema(doc: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with schema objects usable as Draft 2020-12."""
    if str(doc.get("openapi", "")).startswith("3.0"):
        return cast(dict[str, Any], openapi30_to_jsonschema(doc))
    return doc


def _with_rules(version: PactVersion, doc: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``doc`` with the normative rules of the module docstring added as keywords."""
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    schemas["CarbonFootprint"]["x-greenmfg-rule"] = "packaging"
    if version == "3":
        for name in ("technologicalDQR", "geographicalDQR", "temporalDQR"):
            schemas["DataQualityIndicators"]["properties"][name]["x-greenmfg-range"] = [1, 5]
        props = schemas["ProductFootprint"]["properties"]
        props.setdefault(
            "version", {"type": "integer", "minimum": 0, "x-greenmfg-deprecated": True}
        )
        props.setdefault(
            "updated",
            {"type": ["string", "null"], "format": "date-time", "x-greenmfg-deprecated": True},
        )
    return doc


# --- formats and extra keywords --------------------------------------------------------------------

FORMAT_CHECKER = FormatChecker(formats=())


def _string_format(name: str, test: Any) -> None:
    def check(instance: object) -> bool:
        return not isinstance(instance, str) or bool(test(instance))

    FORMAT_CHECKER.checks(name)(check)


_string_format("date-time", values.is_date_time)
_string_format("uuid", values.is_uuid)
_string_format("urn", values.is_urn)
_string_format("uri", values.is_uri)
_string_format("uri-reference", values.is_uri_reference)
_string_format("decimal", values.is_decimal_string)


def _sign(
    validator: Validator, comment: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """``x-comment: '>= 0'`` etc. on ``format: decimal`` strings: the decimal's sign."""
    if not isinstance(comment, str) or comment.strip() not in _SIGN_COMMENTS:
        return
    if schema.get("format") != "decimal" or not values.is_decimal_string(instance):
        return
    op, text = _SIGN_COMMENTS[comment.strip()]
    value = Decimal(instance)
    ok = {"gt": value > 0, "ge": value >= 0, "le": value <= 0, "lt": value < 0}[op]
    if not ok:
        yield ValidationError(f"expected a decimal {text}, got {instance!r}")


def _range(
    validator: Validator, bounds: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    low, high = (Decimal(str(b)) for b in bounds)
    if values.is_decimal_string(instance) and not low <= Decimal(instance) <= high:
        yield ValidationError(
            f"expected a decimal between {low} and {high} inclusive, got {instance!r}"
        )


def _rule(
    validator: Validator, rule: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if (
        rule == "packaging"
        and isinstance(instance, dict)
        and instance.get("packagingEmissionsIncluded") is False
        and "packagingGhgEmissions" in instance
    ):
        yield ValidationError(
            "expected no packagingGhgEmissions when packagingEmissionsIncluded is false "
            "(CarbonFootprint/packagingGhgEmissions: MUST be undefined then)",
            path=["packagingGhgEmissions"],
        )


PactValidator = validators.extend(
    Draft202012Validator,
    {
        "x-comment": _sign,
        "x-greenmfg-range": _range,
        "x-greenmfg-rule": _rule,
    },
)


# --- validators --------------------------------------------------------------------------------


def build_validator(
    openapi: Mapping[str, Any], pointer: str, *, uri: str = "urn:pact"
) -> Validator:
    """A validator for the schema at JSON ``pointer`` inside an OpenAPI 3.x document.

    ``#/...`` references inside the document resolve against it. Used for the vendored schemas and,
    in tests, for the published specification files.
    """
    doc = _as_jsonschema(dict(openapi))
    registry: Registry[Any] = Registry().with_resource(
        uri, Resource.from_contents(doc, DRAFT202012)
    )
    ref = f"{uri}#{quote(pointer, safe='/~')}"
    return cast(
        Validator, PactValidator({"$ref": ref}, registry=registry, format_checker=FORMAT_CHECKER)
    )


def component_pointer(version: PactVersion, component: str) -> str:
    """JSON pointer of ``component`` in the OpenAPI document of ``version``."""
    if component in _PATH_COMPONENTS:
        path, method, status, media = _PATH_COMPONENTS[component].split("|")
        path_key = f"/{version}{path}".replace("~", "~0").replace("/", "~1")
        media_key = media.replace("~", "~0").replace("/", "~1")
        if status == "requestBody":
            return f"/paths/{path_key}/{method}/requestBody/content/{media_key}/schema"
        return f"/paths/{path_key}/{method}/responses/{status}/content/{media_key}/schema"
    if component in _load_openapi(_check_version(version))["components"]["schemas"]:
        return f"/components/schemas/{component}"
    raise ValueError(
        f"unknown PACT v{version} component {component!r}; expected one of "
        + ", ".join(component_names(version))
    )


@cache
def component_names(version: PactVersion) -> tuple[str, ...]:
    """Every component :func:`validate` accepts for ``version``.

    The schemas under ``components/schemas`` (``ProductFootprint``, ``CarbonFootprint``, the four
    events, ``Error`` ...), plus :data:`RESPONSE_COMPONENTS` and :data:`EVENT_BODY_COMPONENT`.
    """
    schemas = tuple(_load_openapi(_check_version(version))["components"]["schemas"])
    return (*schemas, *RESPONSE_COMPONENTS, EVENT_BODY_COMPONENT)


@cache
def _document(version: PactVersion, rules: bool) -> dict[str, Any]:
    doc = _as_jsonschema(_load_openapi(version))
    return _with_rules(version, doc) if rules else doc


@cache
def _validator(version: PactVersion, component: str, rules: bool) -> Validator:
    pointer = component_pointer(version, component)
    return build_validator(_document(version, rules), pointer, uri=f"urn:greenmfg:pact:v{version}")


@cache
def property_order(version: PactVersion, component: str) -> tuple[str, ...]:
    """The properties of ``components/schemas/<component>`` in the order the schema lists them."""
    schema = _load_openapi(_check_version(version))["components"]["schemas"][component]
    return tuple(schema.get("properties", {}))


def ordered(document: Mapping[str, Any], version: PactVersion) -> dict[str, Any]:
    """A ProductFootprint with its members (and its ``pcf``'s) in schema order, others after."""

    def sort(obj: Mapping[str, Any], component: str) -> dict[str, Any]:
        order = {name: i for i, name in enumerate(property_order(version, component))}
        return dict(sorted(obj.items(), key=lambda kv: order.get(kv[0], len(order))))

    out = sort(document, "ProductFootprint")
    if isinstance(out.get("pcf"), Mapping):
        out["pcf"] = sort(out["pcf"], "CarbonFootprint")
    return out


def _check_version(version: object) -> PactVersion:
    if version == "2" or version == "3":
        return version
    raise ValueError(f"unknown PACT version {version!r}; expected '2' or '3'")


# --- validation -------------------------------------------------------------------------------


def validate(
    document: Any, version: PactVersion, component: str = "ProductFootprint", *, rules: bool = True
) -> list[str]:
    """Problems of ``document`` against the PACT ``version`` schema ``component``; ``[]`` if valid.

    Each problem reads ``'<JSON pointer>: <expected ..., got ...>'``, the pointer relative to
    ``document`` (``/data/0/pcf/declaredUnit``), the missing property included for a missing
    required one. ``rules=False`` checks the schema alone (formats and decimal signs included), as
    the conformance tool does; see the module docstring for what ``rules`` adds.
    Components: :func:`component_names`.
    """
    version = _check_version(version)
    if component == EVENT_BODY_COMPONENT:
        return _validate_event_body(document, version, rules)
    return problems_of(_validator(version, component, rules), document)


def check(
    document: Any,
    version: PactVersion,
    component: str = "ProductFootprint",
    *,
    source: str = "",
    rules: bool = True,
) -> None:
    """Raise :class:`PactValidationError` (naming ``source``) unless ``document`` is valid."""
    errors = validate(document, version, component, rules=rules)
    if errors:
        raise PactValidationError(errors, source=source)


def _validate_event_body(document: Any, version: PactVersion, rules: bool) -> list[str]:
    types = EVENT_TYPES[version]
    kind = document.get("type") if isinstance(document, dict) else None
    for component, event_type in types.items():
        if kind == event_type:
            return problems_of(_validator(version, component, rules), document)
    if not isinstance(document, dict):
        return problems_of(_validator(version, EVENT_BODY_COMPONENT, rules), document)
    expected = ", ".join(repr(t) for t in types.values())
    if "type" not in document:
        return [f"/type: required property is missing; expected one of {expected}"]
    return [f"/type: expected one of the PACT v{version} event types {expected}, got {kind!r}"]


def problems_of(validator: Validator, document: Any) -> list[str]:
    """Readable, de-duplicated, pointer-sorted problems of ``document`` under ``validator``."""
    found: dict[str, None] = {}
    for error in validator.iter_errors(document):
        for line in _describe(error):
            found.setdefault(line, None)
    return sorted(found, key=_pointer_sort_key)


def _pointer_sort_key(line: str) -> tuple[list[tuple[int, int | str]], str]:
    pointer = line.split(": ", 1)[0]
    parts: list[tuple[int, int | str]] = [
        (0, int(p)) if p.isdigit() else (1, p) for p in pointer.split("/")[1:]
    ]
    return parts, line


def pointer_of(path: Sequence[Any]) -> str:
    """RFC 6901 JSON pointer of a path (``['data', 0, 'pcf']`` -> ``/data/0/pcf``)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _show(instance: Any) -> str:
    text = json.dumps(instance, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _json_type(instance: Any) -> str:
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int | float | Decimal):
        return "number"
    return _JSON_TYPE.get(type(instance), type(instance).__name__)


def _describe(error: ValidationError) -> list[str]:
    """One line per problem: pointer, then what was expected and what was found."""
    ptr = pointer_of(list(error.absolute_path))
    kind, expected, instance = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    got = "got null" if instance is None else f"got {_json_type(instance)} {_show(instance)}"
    if kind == "required" and isinstance(instance, dict):
        return [
            f"{ptr}/{name}: required property is missing"
            for name in expected
            if name not in instance
        ]
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        if schema.get("format") == "decimal" and isinstance(instance, int | float):
            return [
                f'{ptr}: expected a decimal string such as "{instance}" (PACT string<decimal>), {got}'
            ]
        return [f"{ptr}: expected {wanted}, {got}"]
    if kind == "format":
        return [f"{ptr}: expected {_FORMAT_TEXT.get(expected, expected)}, got {_show(instance)}"]
    if kind == "enum":
        options = ", ".join(_show(v) for v in expected)
        return [f"{ptr}: expected one of {options}, got {_show(instance)}"]
    if kind == "const":
        return [f"{ptr}: expected {_show(expected)}, got {_show(instance)}"]
    if kind == "pattern":
        return [f"{ptr}: expected a string matching {expected}, got {_show(instance)}"]
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return [f"{ptr}: expected {bound} {expected} item(s), got {len(instance)}"]
    if kind == "uniqueItems":
        return [f"{ptr}: expected unique items, got duplicates in {_show(instance)}"]
    if kind == "minLength" and expected == 1:
        return [f"{ptr}: expected a non-empty string, got {_show(instance)}"]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        return [f"{ptr}: expected a number {op[kind]} {expected}, got {_show(instance)}"]
    if kind == "oneOf" and isinstance(instance, dict) and _is_geography_choice(expected):
        present = [k for k in _GEOGRAPHY if k in instance]
        return [
            f"{ptr}: expected at most one of {', '.join(_GEOGRAPHY)} (none for global), "
            f"got {', '.join(present)}"
        ]
    if kind in ("oneOf", "anyOf") and error.context:
        closest = _describe(best_match(error.context))[0]
        if closest.startswith(f"{ptr}: "):
            closest = closest[len(ptr) + 2 :]
        return [f"{ptr}: expected one of the alternatives of {kind}; closest: {closest}"]
    return [f"{ptr}: {error.message}"]


_GEOGRAPHY = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")


def _is_geography_choice(alternatives: Any) -> bool:
    return "geographyCountry" in json.dumps(alternatives)

"""PACT ProductFootprint format: schema validation, v2.3 <-> v3.0 conversion, files, declarations.

The official examples come from ``shared/pact`` beside the repository (see its README: the
``wbcsd/data-exchange-protocol`` and ``wbcsd/pact-conformance-service`` snapshots). Expected values
are derived by hand in each test, citing the rule used: ADR-0036 of the PACT specification
repository for declared units (v2 values are per one declared unit, v3 values per
``declaredUnitAmount`` units), the v3.0 changelog for renamed properties.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from greenmfg.footprint.declaration import (
    DECLARED_UNITS,
    DataQualityRatings,
    DeclarationError,
    EmissionFactorSource,
    PcfDeclaration,
    ProductCategoryRule,
)
from greenmfg.io.pact import (
    EVENT_BODY_COMPONENT,
    EVENT_COMPONENTS,
    EVENT_TYPES,
    RESPONSE_COMPONENTS,
    PactConversionError,
    PactValidationError,
    build_validator,
    check,
    component_names,
    declaration_to_pact,
    declared_unit_to_pact,
    detect_version,
    pact_to_declaration,
    read_pact,
    to_v2,
    to_v3,
    validate,
    write_pact,
)
from greenmfg.io.pact.schema import component_pointer, load_openapi, openapi30_to_jsonschema
from greenmfg.io.pact.schema import problems_of as schema_problems

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "pact"
requires_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"PACT reference files not found at {SHARED} (CI clones shared/ beside the repository)",
)
V2_EXAMPLES = SHARED / "spec-v2.3.3" / "examples"
V3_EXAMPLES = SHARED / "spec-v3.0.3" / "examples"
PUBLISHED = {
    "2": SHARED / "spec-v2.3.3" / "openapi.yaml",
    "3": SHARED / "spec-v3.0.3" / "openapi.yaml",
}

# (version, example file, component it is a body of)
VALID_EXAMPLES = [
    ("2", "get-footprint-response.json", "GetFootprintResponse"),
    ("2", "list-footprints-response.json", "ListFootprintsResponse"),
    ("2", "pf-response-event.json", "RequestFulfilledEvent"),
    ("2", "error-response-access-denied.json", "Error"),
    ("3", "example-1.json", "ProductFootprint"),
    ("3", "example-2.json", "ProductFootprint"),
    ("3", "example-3.json", "ProductFootprint"),
    ("3", "example-4.json", "ProductFootprint"),
    ("3", "get-footprint-response.json", "GetFootprintResponse"),
    ("3", "list-footprints-response.json", "ListFootprintsResponse"),
    ("3", "pf-response-event.json", "RequestFulfilledEvent"),
    ("3", "error-response-access-denied.json", "Error"),
]


def example(version: str, name: str) -> Any:
    folder = V2_EXAMPLES if version == "2" else V3_EXAMPLES
    return json.loads((folder / name).read_text("utf-8"))


def footprints_in(document: Any) -> list[dict[str, Any]]:
    if "pcf" in document:
        return [document]
    data = document["data"]
    if isinstance(data, list):
        return data
    return data.get("pfs", [data])


def pointers(errors: list[str]) -> set[str]:
    return {e.split(": ", 1)[0] for e in errors}


def v2_footprint() -> dict[str, Any]:
    """The v2.3.3 example footprint, with the mass v3 needs (0.789 kg per litre, ADR-0036's value)."""
    fp = copy.deepcopy(example("2", "get-footprint-response.json")["data"])
    fp["pcf"]["productMassPerDeclaredUnit"] = "0.789"
    return fp


# --- the vendored schemas ----------------------------------------------------------------------


def test_vendored_schemas_are_packaged_and_readable() -> None:
    folder = files("greenmfg.io.pact").joinpath("schemas")
    v2 = yaml.safe_load(folder.joinpath("openapi_v2_3.yaml").read_text("utf-8"))
    v3 = yaml.safe_load(folder.joinpath("openapi_v3_0.yaml").read_text("utf-8"))
    assert (v2["openapi"], v2["info"]["version"]) == ("3.1.0", "2.3.3")
    assert (v3["openapi"], v3["info"]["version"]) == ("3.1.0", "3.0.4")
    assert "World Business Council for Sustainable Development" in folder.joinpath(
        "WBCSD-SPEC-LICENSE.md"
    ).read_text("utf-8")
    readme = folder.joinpath("README.md").read_text("utf-8")
    for provenance in ("wbcsd/pact-conformance-service", "839bfe8cd27f", "cf4ebedb18d4"):
        assert provenance in readme


@requires_shared
@pytest.mark.parametrize(
    ("vendored", "original"),
    [
        ("openapi_v2_3.yaml", "conformance-service-schemas/openapi_v2_3.yaml"),
        ("openapi_v3_0.yaml", "conformance-service-schemas/openapi_v3_0.yaml"),
        ("WBCSD-SPEC-LICENSE.md", "WBCSD-SPEC-LICENSE.md"),
    ],
)
def test_vendored_files_are_unmodified_copies(vendored: str, original: str) -> None:
    ours = files("greenmfg.io.pact").joinpath("schemas", vendored).read_bytes()
    theirs = (SHARED / original).read_bytes()
    assert hashlib.sha256(ours).hexdigest() == hashlib.sha256(theirs).hexdigest()
    readme = files("greenmfg.io.pact").joinpath("schemas", "README.md").read_text("utf-8")
    assert hashlib.sha256(ours).hexdigest() in readme


def test_component_names_cover_footprints_responses_and_events() -> None:
    for version in ("2", "3"):
        names = component_names(version)  # type: ignore[arg-type]
        for needed in ("ProductFootprint", *RESPONSE_COMPONENTS, *EVENT_COMPONENTS, "Error"):
            assert needed in names
        assert EVENT_BODY_COMPONENT in names
    with pytest.raises(ValueError, match="unknown PACT v3 component 'Footprint'"):
        validate({}, "3", "Footprint")
    with pytest.raises(ValueError, match="unknown PACT version '4'"):
        validate({}, "4", "ProductFootprint")  # type: ignore[arg-type]


def test_event_types_are_the_schema_constants() -> None:
    for version in ("2", "3"):
        doc = load_openapi(version)  # type: ignore[arg-type]
        for component, event_type in EVENT_TYPES[version].items():  # type: ignore[index]
            schema = doc["components"]["schemas"][component]
            parts = [schema, *schema.get("allOf", [])]
            consts = [
                p["properties"]["type"]["const"] for p in parts if "type" in p.get("properties", {})
            ]
            assert consts == [event_type]


# --- official examples -----------------------------------------------------------------------


@requires_shared
@pytest.mark.parametrize(("version", "name", "component"), VALID_EXAMPLES)
def test_valid_examples_pass_the_conformance_schema(
    version: str, name: str, component: str
) -> None:
    document = example(version, name)
    assert validate(document, version, component) == []  # type: ignore[arg-type]
    assert validate(document, version, component, rules=False) == []  # type: ignore[arg-type]
    if component == "RequestFulfilledEvent":  # the events body dispatches on "type"
        assert validate(document, version, EVENT_BODY_COMPONENT) == []  # type: ignore[arg-type]


@requires_shared
@pytest.mark.parametrize(("version", "name", "component"), VALID_EXAMPLES)
def test_valid_examples_pass_the_published_spec_schema(
    version: str, name: str, component: str
) -> None:
    published = yaml.safe_load(PUBLISHED[version].read_text("utf-8"))
    # All refs on these components resolve in the published files (the broken ones are the 4xx
    # responses, checked below), so the published schema is usable here.
    validator = build_validator(published, component_pointer(version, component))  # type: ignore[arg-type]
    assert schema_problems(validator, example(version, name)) == []


@requires_shared
def test_published_v3_error_responses_point_at_response_objects() -> None:
    """Why the conformance copy is vendored: 3.0.3's 403 ``$ref`` is a response, not a schema."""
    published = yaml.safe_load(PUBLISHED["3"].read_text("utf-8"))
    ref = published["paths"]["/3/footprints"]["get"]["responses"]["403"]["$ref"]
    assert ref == "#/components/schemas/ForbiddenResponse"
    as_schema = build_validator(published, "/components/schemas/ForbiddenResponse")
    assert schema_problems(as_schema, {"code": 42}) == []  # validates nothing
    conformance = load_openapi("3")
    assert conformance["paths"]["/3/footprints"]["get"]["responses"]["403"] == {
        "$ref": "#/components/responses/ForbiddenResponse"
    }
    assert pointers(validate({"code": 42}, "3", "Error")) == {"/code", "/message"}


@requires_shared
def test_invalid_v2_example_is_rejected_at_its_bad_date() -> None:
    errors = validate(
        example("2", "invalid-response-all-properties.json"), "2", "ListFootprintsResponse"
    )
    assert pointers(errors) == {"/data/0/updated"}
    assert "RFC 3339 date-time" in errors[0] and "2023-1-08T14:47:32Z" in errors[0]


@requires_shared
def test_invalid_v3_example_is_rejected_by_the_deprecated_property_rule() -> None:
    document = example("3", "invalid-response-all-properties.json")
    errors = validate(document, "3", "ListFootprintsResponse")
    assert pointers(errors) == {"/data/0/updated"}
    assert "2025-1-08T14:47:32Z" in errors[0]
    # The conformance schema alone (and the published 3.0.3 one) accept it: v3.0 dropped
    # ``updated`` from the schema, so its bad date is only caught by greenmfg's added rule.
    assert validate(document, "3", "ListFootprintsResponse", rules=False) == []
    published = yaml.safe_load(PUBLISHED["3"].read_text("utf-8"))
    assert (
        schema_problems(
            build_validator(published, component_pointer("3", "ListFootprintsResponse")), document
        )
        == []
    )


# --- validation details ------------------------------------------------------------------------


@requires_shared
def test_validation_errors_name_pointer_expectation_and_value() -> None:
    fp = example("3", "example-2.json")
    fp["pcf"]["declaredUnitAmount"] = "12,5"  # decimal comma
    fp["pcf"]["fossilCarbonContent"] = 0.16  # a JSON number where v3 wants a decimal string
    fp["pcf"]["fossilGhgEmissions"] = "-1"  # x-comment '>= 0'
    fp["pcf"]["biogenicCO2Uptake"] = "19.36"  # x-comment '<= 0'
    fp["pcf"]["geographyRegionOrSubregion"] = "Northern America"  # besides geographyCountry
    fp["pcf"]["dqi"]["temporalDQR"] = "6"  # v3.0: between 1 and 5
    del fp["pcf"]["declaredUnitOfMeasurement"]
    fp["id"] = "not-a-uuid"
    fp["created"] = "2025-02-30T00:00:00Z"  # no 30 February
    fp["productIds"] = ["gtin:4712345060507"]
    errors = validate(fp, "3")
    by_pointer: dict[str, str] = {}
    for e in errors:
        pointer = e.split(": ", 1)[0]
        by_pointer[pointer] = by_pointer.get(pointer, "") + e
    assert set(by_pointer) == {
        "/id",
        "/created",
        "/productIds/0",
        "/pcf",
        "/pcf/declaredUnitOfMeasurement",
        "/pcf/declaredUnitAmount",
        "/pcf/fossilCarbonContent",
        "/pcf/fossilGhgEmissions",
        "/pcf/biogenicCO2Uptake",
        "/pcf/dqi/temporalDQR",
    }
    assert "expected a decimal string such as '12.5'" in by_pointer["/pcf/declaredUnitAmount"]
    assert '"12,5"' in by_pointer["/pcf/declaredUnitAmount"]
    assert 'decimal string such as "0.16"' in by_pointer["/pcf/fossilCarbonContent"]
    assert "expected a decimal >= 0" in by_pointer["/pcf/fossilGhgEmissions"]
    assert "expected a decimal <= 0" in by_pointer["/pcf/biogenicCO2Uptake"]
    assert "at most one of" in by_pointer["/pcf"]
    assert "between 1 and 5" in by_pointer["/pcf/dqi/temporalDQR"]
    assert by_pointer["/pcf/declaredUnitOfMeasurement"].endswith("required property is missing")
    assert "UUID" in by_pointer["/id"] and "RFC 3339" in by_pointer["/created"]
    assert "URN" in by_pointer["/productIds/0"]
    # without the added rules the DQR range is not checked (the schema has plain decimal strings)
    assert "/pcf/dqi/temporalDQR" not in pointers(validate(fp, "3", rules=False))


@requires_shared
def test_decimal_syntax_and_signs() -> None:
    fp = example("3", "example-2.json")
    for good in ("12", "+12.5", "1.2345e+6", "0.5"):
        fp["pcf"]["declaredUnitAmount"] = good
        assert validate(fp, "3") == [], good
    for bad in ("0", "-1", "1.", ".5", " 1", "1,5", "NaN", "1e"):
        fp["pcf"]["declaredUnitAmount"] = bad
        assert pointers(validate(fp, "3")) == {"/pcf/declaredUnitAmount"}, bad
    fp["pcf"]["declaredUnitAmount"] = "12"
    fp["pcf"]["fossilGhgEmissions"] = "0.0"  # '>= 0' admits zero, '> 0' does not
    assert validate(fp, "3") == []


@requires_shared
def test_packaging_emissions_must_be_undefined_when_not_included() -> None:
    fp = example("3", "example-4.json")
    assert fp["pcf"]["packagingEmissionsIncluded"] is False
    fp["pcf"]["packagingGhgEmissions"] = "0.1"
    errors = validate(fp, "3")
    assert pointers(errors) == {"/pcf/packagingGhgEmissions"}
    assert "packagingEmissionsIncluded is false" in errors[0]
    assert validate(fp, "3", rules=False) == []


@requires_shared
def test_check_raises_with_source_on_every_line() -> None:
    fp = example("3", "example-1.json")
    del fp["companyName"], fp["pcf"]["fossilGhgEmissions"]
    with pytest.raises(PactValidationError) as info:
        check(fp, "3", source="supplier.json")
    assert info.value.errors == [
        "/companyName: required property is missing",
        "/pcf/fossilGhgEmissions: required property is missing",
    ]
    lines = str(info.value).splitlines()
    assert lines[0] == "2 PACT problem(s) in supplier.json:"
    assert all(line.startswith("supplier.json: /") for line in lines[1:])


def test_openapi_30_documents_are_translated() -> None:
    doc = {
        "openapi": "3.0.3",
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "note": {"type": "string", "nullable": True},
                        "level": {"type": "string", "enum": ["a"], "nullable": True},
                        "share": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                        "other": {"$ref": "#/components/schemas/Other", "description": "ignored"},
                    },
                },
                "Other": {"type": "integer"},
            }
        },
    }
    translated = openapi30_to_jsonschema(doc)["components"]["schemas"]["Thing"]["properties"]
    assert translated["note"] == {"type": ["string", "null"]}
    assert translated["level"] == {"type": ["string", "null"], "enum": ["a", None]}
    assert translated["share"] == {"type": "number", "exclusiveMinimum": 0}
    assert translated["other"] == {"$ref": "#/components/schemas/Other"}
    validator = build_validator(doc, "/components/schemas/Thing")
    assert schema_problems(validator, {"note": None, "level": None, "share": 1, "other": 3}) == []
    assert pointers(schema_problems(validator, {"share": 0, "other": "x"})) == {"/share", "/other"}


# --- events ---------------------------------------------------------------------------------------

V3_TYPES = EVENT_TYPES["3"]
V2_TYPES = EVENT_TYPES["2"]


def v3_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": V3_TYPES[kind],
        "specversion": "1.0",
        "id": "c4a4b5f2-6c0e-4a4f-9d0b-2f1c3e5a7b90",
        "source": "//api.example.com/3/events",
        "time": "2025-06-01T12:00:00Z",
        "data": data,
    }


def v2_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {**v3_event(kind, data), "type": V2_TYPES[kind], "source": "//api.example.com/2/events"}


PF_ID = "91715e5e-fd0b-4d1c-8fab-76290c46e6ed"


def test_v3_events_valid_and_invalid() -> None:
    created = v3_event(
        "RequestCreatedEvent", {"productId": ["urn:gtin:5695872369587"], "comment": "please"}
    )
    published = v3_event("PublishedEvent", {"pfIds": [PF_ID]})
    rejected = v3_event(
        "RequestRejectedEvent",
        {"requestEventId": "e1", "error": {"code": "NotFound", "message": "no such product"}},
    )
    for event, component in (
        (created, "RequestCreatedEvent"),
        (published, "PublishedEvent"),
        (rejected, "RequestRejectedEvent"),
    ):
        assert validate(event, "3", component) == []
        assert validate(event, "3", EVENT_BODY_COMPONENT) == []

    bad_created = {**created, "time": "yesterday"}
    del bad_created["source"]
    assert pointers(validate(bad_created, "3", "RequestCreatedEvent")) == {"/source", "/time"}
    bad_published = v3_event("PublishedEvent", {"pfIds": ["pf-1"]})
    errors = validate(bad_published, "3", "PublishedEvent")
    assert pointers(errors) == {"/data/pfIds/0"} and "UUID" in errors[0]
    bad_rejected = v3_event(
        "RequestRejectedEvent", {"requestEventId": "e1", "error": {"code": "Oops"}}
    )
    assert pointers(validate(bad_rejected, "3", "RequestRejectedEvent")) == {
        "/data/error/code",
        "/data/error/message",
    }
    wrong_type = {**published, "type": V2_TYPES["PublishedEvent"]}
    assert pointers(validate(wrong_type, "3", "PublishedEvent")) == {"/type"}
    assert (
        "expected one of the PACT v3 event types"
        in validate(wrong_type, "3", EVENT_BODY_COMPONENT)[0]
    )


@requires_shared
def test_v3_fulfilled_event_needs_valid_footprints() -> None:
    event = example("3", "pf-response-event.json")
    assert validate(event, "3", "RequestFulfilledEvent") == []
    event["data"]["pfs"][0]["pcf"]["declaredUnitOfMeasurement"] = "ton"
    errors = validate(event, "3", EVENT_BODY_COMPONENT)
    assert pointers(errors) == {"/data/pfs/0/pcf/declaredUnitOfMeasurement"}
    event["data"]["pfs"] = []  # v3.0: "This list MUST be non-empty"
    assert pointers(validate(event, "3", "RequestFulfilledEvent")) == {"/data/pfs"}


def test_v2_events_valid_and_invalid() -> None:
    created = v2_event("RequestCreatedEvent", {"pf": {"productIds": ["urn:gtin:5695872369587"]}})
    published = v2_event("PublishedEvent", {"pfIds": [PF_ID]})
    rejected = v2_event(
        "RequestRejectedEvent",
        {"requestEventId": "e1", "error": {"code": "BadRequest", "message": "bad"}},
    )
    for event, component in (
        (created, "RequestCreatedEvent"),
        (published, "PublishedEvent"),
        (rejected, "RequestRejectedEvent"),
    ):
        assert validate(event, "2", component) == []
        assert validate(event, "2", EVENT_BODY_COMPONENT) == []
    no_pf = v2_event("RequestCreatedEvent", {"comment": "where is pf"})
    assert validate(no_pf, "2", "RequestCreatedEvent") == ["/data/pf: required property is missing"]
    bad_rejected = v2_event("RequestRejectedEvent", {"requestEventId": "e1"})
    assert validate(bad_rejected, "2", "RequestRejectedEvent") == [
        "/data/error: required property is missing"
    ]
    v3_type = {**published, "type": V3_TYPES["PublishedEvent"]}
    assert pointers(validate(v3_type, "2", "PublishedEvent")) == {"/type"}
    missing_type = {k: v for k, v in published.items() if k != "type"}
    assert validate(missing_type, "2", EVENT_BODY_COMPONENT)[0].startswith(
        "/type: required property is missing"
    )


# --- versions and conversion -------------------------------------------------------------------


def test_detect_version() -> None:
    assert detect_version({"specVersion": "2.3.0"}) == "2"
    assert detect_version({"specVersion": "2.0.1-20230314"}) == "2"
    assert detect_version({"specVersion": "3.0.3"}) == "3"
    for bad in ("1.0.0", "3", "v3.0.0", 3):
        with pytest.raises(
            PactValidationError,
            match="/specVersion: expected a PACT Technical Specifications version",
        ):
            detect_version({"specVersion": bad})
    with pytest.raises(PactValidationError, match="/specVersion: required property is missing"):
        detect_version({})


@requires_shared
def test_to_v3_of_v2_example_maps_renamed_fields() -> None:
    fp2 = example("2", "get-footprint-response.json")["data"]
    # v2.3 productMassPerDeclaredUnit is optional, v3.0 requires it; for 'liter' it cannot be derived
    with pytest.raises(PactConversionError) as info:
        to_v3(fp2)
    assert pointers(info.value.errors) == {"/pcf/productMassPerDeclaredUnit"}

    fp3 = to_v3(fp2, product_mass_per_declared_unit=Decimal("0.789"))
    assert validate(fp3, "3") == []
    pcf = fp3["pcf"]
    # unitaryProductAmount is 1, so values are unchanged (ADR-0036: v3 = v2 per unit x amount)
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == ("liter", "1")
    assert (pcf["pcfExcludingBiogenicUptake"], pcf["pcfIncludingBiogenicUptake"]) == (
        "1.63",
        "1.85",
    )
    assert pcf["landUseChangeGhgEmissions"] == "0.8"  # v3.0 x-note: replaces dLucGhgEmissions
    assert pcf["biogenicCO2Uptake"] == "-1.5"  # v3.0 x-note: replaces biogenicCarbonWithdrawal
    assert pcf["crossSectoralStandards"] == ["GHGP-Product", "ISO14067"]  # from ...Used
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pcf["primaryDataShare"] == "12.9" and pcf["exemptedEmissionsPercent"] == "0"
    assert fp3["productClassifications"] == ["urn:pact:productclassification:un-cpc:6398"]
    assert fp3["specVersion"] == "3.0.0"
    # not carried: removed in v3.0, or not convertible (dqi: 1-3 scale vs 1-5), or assurance false
    for gone in ("version", "productCategoryCpc", "updated"):
        assert gone not in fp3
    for gone in (
        "dqi",
        "iLucGhgEmissions",
        "otherBiogenicGhgEmissions",
        "uncertaintyAssessmentDescription",
        "assurance",
        "verification",
        "characterizationFactors",
    ):
        assert gone not in pcf


def test_to_v3_scales_per_unit_values_by_the_amount() -> None:
    fp2 = v2_footprint_fixture(amount="12")
    fp3 = to_v3(fp2)
    pcf = fp3["pcf"]
    # ADR-0036: 12 l of a product at 1.63 kgCO2e/l is 1.63 x 12 = 19.56 kgCO2e per declared unit
    assert pcf["declaredUnitAmount"] == "12"
    assert pcf["pcfExcludingBiogenicUptake"] == "19.56"
    assert pcf["pcfIncludingBiogenicUptake"] == "22.2"  # 1.85 x 12
    assert pcf["productMassPerDeclaredUnit"] == "9.468"  # 0.789 kg/l x 12 l, ADR-0036's number
    assert pcf["biogenicCO2Uptake"] == "-18"  # -1.5 x 12
    back = to_v2(fp3)
    assert (
        back["pcf"]["pCfExcludingBiogenic"] == "1.63"
        and back["pcf"]["unitaryProductAmount"] == "12"
    )


def v2_footprint_fixture(amount: str = "1") -> dict[str, Any]:
    """A valid v2.3 footprint (the v2.3.3 example's content, mass added), independent of shared/."""
    fp = {
        "id": PF_ID,
        "specVersion": "2.3.0",
        "version": 1,
        "created": "2022-03-01T09:32:20Z",
        "status": "Active",
        "statusComment": "first version",
        "companyName": "My Corp",
        "companyIds": ["urn:epc:id:sgln:562958.00000.4"],
        "productDescription": "Bio-Ethanol 98%, corn feedstock (bulk - no packaging)",
        "productIds": ["urn:gtin:5695872369587"],
        "productCategoryCpc": "6398",
        "productNameCompany": "Green Ethanol",
        "comment": "",
        "pcf": {
            "declaredUnit": "liter",
            "unitaryProductAmount": amount,
            "productMassPerDeclaredUnit": "0.789",
            "pCfExcludingBiogenic": "1.63",
            "pCfIncludingBiogenic": "1.85",
            "fossilGhgEmissions": "1.5",
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0.41",
            "dLucGhgEmissions": "0.8",
            "biogenicCarbonWithdrawal": "-1.5",
            "characterizationFactors": "AR6",
            "ipccCharacterizationFactorsSources": ["AR6"],
            "crossSectoralStandardsUsed": ["GHG Protocol Product standard", "ISO Standard 14067"],
            "boundaryProcessesDescription": "cradle to gate",
            "referencePeriodStart": "2021-01-01T00:00:00Z",
            "referencePeriodEnd": "2022-01-01T00:00:00Z",
            "geographyRegionOrSubregion": "Western Europe",
            "exemptedEmissionsPercent": 0,
            "exemptedEmissionsDescription": "",
            "packagingEmissionsIncluded": False,
            "primaryDataShare": 12.9,
            "assurance": {
                "assurance": True,
                "coverage": "product level",
                "providerName": "My Auditor",
            },
        },
    }
    assert validate(fp, "2") == []
    return fp


def test_to_v3_carries_status_comment_and_assurance() -> None:
    fp3 = to_v3(v2_footprint_fixture())
    assert fp3["comment"] == "first version"  # v3.0 comment holds the status information
    assert fp3["pcf"]["verification"] == {"coverage": "product level", "providerName": "My Auditor"}


@requires_shared
@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("get-footprint-response.json", 0),
        ("list-footprints-response.json", 0),
        ("pf-response-event.json", 0),
    ],
)
def test_every_v2_example_footprint_converts_once_mass_is_known(name: str, index: int) -> None:
    fp2 = footprints_in(example("2", name))[index]
    fp3 = to_v3(fp2, product_mass_per_declared_unit=Decimal("0.789"))
    assert validate(fp3, "3") == []
    again = to_v2(fp3)
    assert validate(again, "2") == []
    for key in (
        "pCfExcludingBiogenic",
        "pCfIncludingBiogenic",
        "fossilGhgEmissions",
        "biogenicCarbonContent",
        "dLucGhgEmissions",
        "biogenicCarbonWithdrawal",
    ):
        assert Decimal(again["pcf"][key]) == Decimal(fp2["pcf"][key]), key


@requires_shared
def test_to_v2_of_v3_examples_divides_by_the_amount() -> None:
    fp3 = example("3", "example-2.json")  # 12 liter
    fp2 = to_v2(fp3)
    assert validate(fp2, "2") == []
    pcf = fp2["pcf"]
    assert (pcf["declaredUnit"], pcf["unitaryProductAmount"]) == ("liter", "12")
    # ADR-0036: per declared unit of 12 l -> per litre: 9.468 kg / 12 = 0.789 kg/l
    assert pcf["productMassPerDeclaredUnit"] == "0.789"
    # 5.14 / 12 and 0.58 / 12 do not terminate: 20 significant digits
    assert pcf["pCfExcludingBiogenic"] == "0.42833333333333333333"
    assert pcf["packagingGhgEmissions"] == "0.048333333333333333333"
    assert fp2["productCategoryCpc"] == "1234"
    assert pcf["characterizationFactors"] == "AR6"
    assert pcf["crossSectoralStandardsUsed"] == [
        "GHG Protocol Product standard",
        "ISO Standard 14067",
    ]
    assert pcf["exemptedEmissionsPercent"] == 0 and pcf["primaryDataShare"] == 16.8
    assert fp2["version"] == 1 and "dqi" not in pcf and "landCarbonLeakage" not in pcf

    piece = to_v2(example("3", "example-3.json"))  # 1 piece of 25 kg, 77.0 kgCO2e
    assert validate(piece, "2") == []
    # ADR-0036 car example: a piece of mass m is m x kilogram; 77.0 / 25 = 3.08 kgCO2e/kg
    assert (piece["pcf"]["declaredUnit"], piece["pcf"]["unitaryProductAmount"]) == (
        "kilogram",
        "25",
    )
    assert piece["pcf"]["pCfExcludingBiogenic"] == "3.08"
    assert piece["pcf"]["productMassPerDeclaredUnit"] == "1"
    assert piece["pcf"]["characterizationFactors"] == "AR5"  # earliest of AR5, AR6
    assert piece["pcf"]["assurance"]["assurance"] is True


@requires_shared
@pytest.mark.parametrize(
    ("name", "pointer", "why"),
    [
        ("example-1.json", "/productClassifications", "UN CPC"),  # only a CAS classification
        ("example-4.json", "/pcf/crossSectoralStandards", "GHGP-Product"),  # only PEF
        ("get-footprint-response.json", "/pcf/packagingEmissionsIncluded", "required in v2.3"),
        ("list-footprints-response.json", "/pcf/packagingEmissionsIncluded", "required in v2.3"),
        ("pf-response-event.json", "/pcf/packagingEmissionsIncluded", "required in v2.3"),
    ],
)
def test_to_v2_names_what_v2_requires_and_v3_cannot_give(name: str, pointer: str, why: str) -> None:
    fp3 = footprints_in(example("3", name))[0]
    with pytest.raises(PactConversionError) as info:
        to_v2(fp3)
    assert pointers(info.value.errors) == {pointer}
    assert why in info.value.errors[0]
    # supplying the missing fact makes the rest of the mapping valid v2.3
    fixed = copy.deepcopy(fp3)
    if pointer == "/productClassifications":
        fixed["productClassifications"].append("urn:pact:productclassification:un-cpc:1234")
    elif pointer == "/pcf/crossSectoralStandards":
        fixed["pcf"]["crossSectoralStandards"].append("ISO14067")
    else:
        fixed["pcf"]["packagingEmissionsIncluded"] = False
    assert validate(to_v2(fixed), "2") == []


@requires_shared
@pytest.mark.parametrize("name", ["example-2.json", "example-3.json"])
def test_v3_to_v2_to_v3_keeps_values(name: str) -> None:
    original = example("3", name)
    back = to_v3(to_v2(original))
    assert validate(back, "3") == []
    amount = Decimal(original["pcf"]["declaredUnitAmount"])
    unit = original["pcf"]["declaredUnitOfMeasurement"]
    if unit == "piece":  # documented: comes back as its mass in kilogram (same declared unit)
        assert back["pcf"]["declaredUnitOfMeasurement"] == "kilogram"
        assert Decimal(back["pcf"]["declaredUnitAmount"]) == Decimal(
            original["pcf"]["productMassPerDeclaredUnit"]
        )
    else:
        assert back["pcf"]["declaredUnitOfMeasurement"] == unit
        assert Decimal(back["pcf"]["declaredUnitAmount"]) == amount
    carried = (
        "productMassPerDeclaredUnit",
        "pcfExcludingBiogenicUptake",
        "pcfIncludingBiogenicUptake",
        "fossilGhgEmissions",
        "fossilCarbonContent",
        "biogenicCarbonContent",
        "landUseChangeGhgEmissions",
        "biogenicCO2Uptake",
        "aircraftGhgEmissions",
        "packagingGhgEmissions",
        "exemptedEmissionsPercent",
        "primaryDataShare",
    )
    for key in carried:
        if key in original["pcf"]:
            assert Decimal(back["pcf"][key]) == Decimal(original["pcf"][key]), key
    for key in (
        "id",
        "created",
        "status",
        "companyIds",
        "productIds",
        "productClassifications",
        "validityPeriodStart",
        "validityPeriodEnd",
        "precedingPfIds",
    ):
        assert back.get(key) == original.get(key), key
    for key in (
        "ipccCharacterizationFactors",
        "crossSectoralStandards",
        "referencePeriodStart",
        "referencePeriodEnd",
        "geographyCountry",
        "geographyCountrySubdivision",
        "packagingEmissionsIncluded",
        "secondaryEmissionFactorSources",
        "productOrSectorSpecificRules",
    ):
        assert back["pcf"].get(key) == original["pcf"].get(key), key
    assert back.get("comment", "") == original.get("comment", "")


def test_to_v2_refuses_what_v2_cannot_express() -> None:
    fp3 = to_v3(v2_footprint_fixture())
    hours = copy.deepcopy(fp3)
    hours["pcf"]["declaredUnitOfMeasurement"] = "hour"
    hours["pcf"]["productMassPerDeclaredUnit"] = "0"
    negative = copy.deepcopy(fp3)
    negative["pcf"]["pcfExcludingBiogenicUptake"] = "-0.5"  # net removals, allowed in v3.0
    old_gwp = copy.deepcopy(fp3)
    old_gwp["pcf"]["ipccCharacterizationFactors"] = ["AR4", "AR6"]
    for document, pointer in (
        (hours, "/pcf/declaredUnitOfMeasurement"),
        (negative, "/pcf/pcfExcludingBiogenicUptake"),
        (old_gwp, "/pcf/ipccCharacterizationFactors"),
    ):
        assert validate(document, "3") == []
        with pytest.raises(PactConversionError) as info:
            to_v2(document)
        assert pointers(info.value.errors) == {pointer}


# --- declarations ----------------------------------------------------------------------------------


def declaration(**changes: Any) -> PcfDeclaration:
    """A hand-built declaration (illustrative values, not reference data)."""
    fields: dict[str, Any] = {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "created": datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
        "validity_period_start": datetime(2025, 1, 1, tzinfo=UTC),
        "validity_period_end": datetime(2027, 12, 31, tzinfo=UTC),
        "comment": "Declared with greenmfg",
        "company_name": "Example Steel Co.",
        "company_ids": ("urn:pact:example.com:company-id:1",),
        "product_ids": ("urn:pact:example.com:product-id:hrc-1",),
        "product_name": "Hot-rolled coil",
        "product_description": "Hot-rolled steel coil, unpackaged",
        "product_classifications": ("urn:pact:productclassification:un-cpc:1234",),
        "declared_unit": "kg",
        "declared_unit_amount": Decimal("1000"),
        "product_mass_per_declared_unit": Decimal("1000"),
        "reference_period_start": date(2024, 1, 1),
        "reference_period_end": date(2025, 1, 1),
        "geography_country_subdivision": "CN-JS",
        "pcf_excluding_biogenic_uptake": Decimal("1850.5"),
        "pcf_including_biogenic_uptake": Decimal("1850.5"),
        "fossil_ghg_emissions": Decimal("1840"),
        "fossil_carbon_content": Decimal("2"),
        "biogenic_carbon_content": Decimal("0"),
        "land_use_change_ghg_emissions": Decimal("0"),
        "aircraft_ghg_emissions": Decimal("0.1") + Decimal("0.2"),
        "packaging_emissions_included": True,
        "packaging_ghg_emissions": Decimal("10.5"),
        "ipcc_characterization_factors": ("AR6",),
        "cross_sectoral_standards": ("ISO14067", "GHGP-Product"),
        "product_category_rules": (
            ProductCategoryRule(
                operator="Other", rule_names=("Example PCR 1.0",), other_operator_name="Example"
            ),
        ),
        "boundary_processes_description": "Iron making, steel making, hot rolling",
        "exempted_emissions_percent": Decimal("0.5"),
        "exempted_emissions_description": "Office energy",
        "allocation_rules_description": "Mass allocation of by-products",
        "secondary_emission_factor_sources": (
            EmissionFactorSource(name="ecoinvent", version="3.10"),
        ),
        "primary_data_share": Decimal("80"),
        "dqr": DataQualityRatings(
            technological=Decimal("1.5"), temporal=Decimal("1"), geographical=Decimal("2")
        ),
    }
    fields.update(changes)
    return PcfDeclaration(**fields)


def test_declaration_to_pact_v3() -> None:
    fp = declaration_to_pact(declaration(), "3")
    assert validate(fp, "3") == []
    pcf = fp["pcf"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == ("kilogram", "1000")
    assert pcf["pcfExcludingBiogenicUptake"] == "1850.5"
    assert pcf["aircraftGhgEmissions"] == "0.3"  # Decimal arithmetic: no 0.30000000000000004
    assert pcf["referencePeriodEnd"] == "2025-01-01T00:00:00Z"
    assert pcf["geographyCountrySubdivision"] == "CN-JS"
    assert pcf["dqi"] == {"technologicalDQR": "1.5", "geographicalDQR": "2", "temporalDQR": "1"}
    assert fp["created"] == "2025-03-01T08:30:00Z" and fp["specVersion"] == "3.0.0"


def test_declaration_to_pact_v2() -> None:
    fp = declaration_to_pact(declaration(version=3, updated=datetime(2025, 3, 2, tzinfo=UTC)), "2")
    assert validate(fp, "2") == []
    pcf = fp["pcf"]
    # v2.3 is per one kilogram (ADR-0036): 1850.5 kgCO2e per 1000 kg = 1.8505 kgCO2e/kg
    assert (pcf["declaredUnit"], pcf["unitaryProductAmount"]) == ("kilogram", "1000")
    assert pcf["pCfExcludingBiogenic"] == "1.8505"
    assert pcf["packagingGhgEmissions"] == "0.0105"  # 10.5 / 1000
    assert pcf["productMassPerDeclaredUnit"] == "1"  # 1000 kg / 1000 kg
    assert fp["productCategoryCpc"] == "1234"
    assert pcf["crossSectoralStandardsUsed"] == [
        "GHG Protocol Product standard",
        "ISO Standard 14067",
    ]
    assert (fp["version"], fp["updated"]) == (3, "2025-03-02T00:00:00Z")
    assert "dqi" not in pcf  # 1-5 ratings have no v2.3 form


def test_declaration_round_trips() -> None:
    decl = declaration()
    assert pact_to_declaration(declaration_to_pact(decl, "3")) == decl
    decl2 = declaration(version=2, updated=datetime(2025, 3, 2, tzinfo=UTC))
    back = pact_to_declaration(declaration_to_pact(decl2, "2"))
    # documented losses of v2.3: DQR (scale) and the v3-only packaging biogenic carbon content
    assert back == dataclasses.replace(decl2, dqr=None)
    with_packaging_carbon = declaration(packaging_biogenic_carbon_content=Decimal("0.2"))
    assert (
        pact_to_declaration(
            declaration_to_pact(with_packaging_carbon, "2")
        ).packaging_biogenic_carbon_content
        is None
    )


def test_declared_units_map_to_pact_units() -> None:
    for unit in DECLARED_UNITS:
        pact_unit, amount = declared_unit_to_pact(unit, Decimal(1))
        # SI prefixes: t = 1000 kg, MWh = 1000 kWh, GJ = 1000 MJ; the others are PACT units themselves
        assert amount == (1000 if unit in ("t", "MWh", "GJ") else 1), unit
        assert (
            pact_unit
            in load_openapi("3")["components"]["schemas"]["CarbonFootprint"]["properties"][
                "declaredUnitOfMeasurement"
            ]["enum"]
        )
    # SI: 1 t = 1000 kg, 1 GJ = 1000 MJ, 1 MWh = 1000 kWh
    assert declared_unit_to_pact("t", Decimal("2.5")) == ("kilogram", Decimal(2500))
    assert declared_unit_to_pact("GJ", Decimal(1)) == ("megajoule", Decimal(1000))
    assert declared_unit_to_pact("MWh", Decimal("0.25")) == ("kilowatt hour", Decimal(250))
    fp = declaration_to_pact(declaration(declared_unit="t", declared_unit_amount=Decimal(1)), "3")
    assert (fp["pcf"]["declaredUnitOfMeasurement"], fp["pcf"]["declaredUnitAmount"]) == (
        "kilogram",
        "1000",
    )
    piece = declaration(
        declared_unit="piece",
        declared_unit_amount=Decimal(1),
        product_mass_per_declared_unit=Decimal("25"),
    )
    assert validate(declaration_to_pact(piece, "2"), "2") == []  # 25 x kilogram in v2.3


def test_declaration_rejects_bad_values_naming_fields() -> None:
    with pytest.raises(DeclarationError) as info:
        declaration(
            id="HRC-1",
            fossil_ghg_emissions=1840.0,
            biogenic_co2_uptake=Decimal("3"),
            geography_country="CN",
            product_ids=("4712345060507",),
            reference_period_end=date(2023, 1, 1),
        )
    text = str(info.value)
    for field in (
        "id:",
        "fossil_ghg_emissions:",
        "biogenic_co2_uptake:",
        "geography_country, geography_country_subdivision:",
        "product_ids[0]:",
        "reference_period_end:",
    ):
        assert field in text, field
    assert "not float" in text


def test_declaration_to_pact_refuses_validity_outside_the_pact_window() -> None:
    early = declaration(validity_period_start=datetime(2024, 6, 1, tzinfo=UTC))
    with pytest.raises(PactValidationError, match="validity_period_start: expected on or after"):
        declaration_to_pact(early, "3")
    late = declaration(validity_period_end=datetime(2028, 1, 2, tzinfo=UTC))  # > 2025-01-01 + 3 y
    with pytest.raises(PactValidationError, match="at most 3 years"):
        declaration_to_pact(late, "3")


def test_declaration_without_cpc_cannot_go_to_v2() -> None:
    decl = declaration(product_classifications=("urn:pact:example.com:cn-code:00000000",))
    assert validate(declaration_to_pact(decl, "3"), "3") == []
    with pytest.raises(PactConversionError, match="productCategoryCpc"):
        declaration_to_pact(decl, "2")


@requires_shared
def test_pact_to_declaration_reads_examples() -> None:
    decl = pact_to_declaration(example("3", "example-2.json"))
    assert (decl.declared_unit, decl.declared_unit_amount) == ("l", Decimal(12))
    assert decl.pcf_including_biogenic_uptake == Decimal("-14.22")
    assert decl.reference_period_end == date(2024, 12, 31)
    assert decl.dqr == DataQualityRatings(
        technological=Decimal("2.5"), temporal=Decimal("1.3"), geographical=Decimal("4.1")
    )
    from_v2 = pact_to_declaration(v2_footprint_fixture())
    assert from_v2.version == 1 and from_v2.biogenic_co2_uptake == Decimal("-1.5")


# --- files -------------------------------------------------------------------------------------


@requires_shared
def test_read_pact_accepts_every_shape(tmp_path: Path) -> None:
    listed = read_pact(V3_EXAMPLES / "list-footprints-response.json")
    assert [fp["id"] for fp in listed] == [
        example("3", "list-footprints-response.json")["data"][0]["id"]
    ]
    assert len(read_pact(V3_EXAMPLES / "get-footprint-response.json")) == 1
    single = read_pact(str(V3_EXAMPLES / "example-2.json"))
    assert single == [example("3", "example-2.json")]
    as_list = [example("3", "example-1.json"), v2_footprint_fixture()]
    mixed = read_pact(as_list)
    assert [fp["specVersion"] for fp in mixed] == ["3.0.0", "3.0.0"]
    assert mixed[1]["pcf"]["pcfExcludingBiogenicUptake"] == "1.63"
    as_bytes = read_pact(json.dumps({"data": as_list}).encode(), name="upload.json")
    assert as_bytes == mixed
    with_null = example("3", "example-2.json")
    with_null["validityPeriodStart"] = None  # v3.0 "Undefined Properties": null is undefined
    assert "validityPeriodStart" not in read_pact(with_null)[0]


@requires_shared
def test_read_pact_rejects_the_invalid_examples_naming_file_and_pointer() -> None:
    for folder in (V2_EXAMPLES, V3_EXAMPLES):
        path = folder / "invalid-response-all-properties.json"
        with pytest.raises(PactValidationError) as info:
            read_pact(path)
        assert info.value.source == str(path)
        assert len(info.value.errors) == 1
        assert info.value.errors[0].startswith("footprint 0 (PACT v")
        assert "/data/0/updated: expected an RFC 3339 date-time" in info.value.errors[0]
        assert str(info.value).splitlines()[1].startswith(str(path))


def test_read_pact_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"data": [\n  {"id": "x",}\n]}', encoding="utf-8")
    with pytest.raises(PactValidationError) as info:
        read_pact(path)
    assert str(path) in str(info.value)
    assert info.value.errors[0].startswith("line 2, column")
    assert "invalid JSON" in info.value.errors[0]
    with pytest.raises(PactValidationError, match="cannot read the file"):
        read_pact(tmp_path / "missing.json")


def test_read_pact_wrong_version_missing_field_bad_decimal(tmp_path: Path) -> None:
    good = to_v3(v2_footprint_fixture())
    wrong_version = {**copy.deepcopy(good), "specVersion": "1.0.0"}
    missing = copy.deepcopy(good)
    del missing["pcf"]["pcfExcludingBiogenicUptake"]
    bad_decimal = copy.deepcopy(good)
    bad_decimal["pcf"]["declaredUnitAmount"] = "1,5"
    path = tmp_path / "supplier.json"
    path.write_text(
        json.dumps({"data": [good, wrong_version, missing, bad_decimal]}), encoding="utf-8"
    )
    with pytest.raises(PactValidationError) as info:
        read_pact(path)
    assert info.value.errors == [
        "footprint 1: /data/1/specVersion: expected a PACT Technical Specifications version 2.x.y "
        "or 3.x.y such as '2.3.0' or '3.0.0', got '1.0.0'",
        "footprint 2 (PACT v3): /data/2/pcf/pcfExcludingBiogenicUptake: required property is missing",
        "footprint 3 (PACT v3): /data/3/pcf/declaredUnitAmount: expected a decimal string such as "
        "'12.5' (PACT string<decimal>), got \"1,5\"",
    ]
    assert all(line.startswith(f"{path}: footprint ") for line in str(info.value).splitlines()[1:])


def test_read_pact_reports_unconvertible_v2() -> None:
    fp2 = v2_footprint_fixture()
    del fp2["pcf"]["pCfIncludingBiogenic"]
    with pytest.raises(PactValidationError) as info:
        read_pact([fp2], name="old.json")
    assert info.value.errors == [
        "footprint 0 (PACT v2 -> v3): /0/pcf/pCfIncludingBiogenic: required in v3.0 "
        "(pcfIncludingBiogenicUptake) but missing in this v2 footprint; it cannot be derived from "
        "the v2 data"
    ]


def test_write_pact_both_versions(tmp_path: Path) -> None:
    fp3 = declaration_to_pact(declaration(), "3")
    other = to_v3(v2_footprint_fixture())
    for version in ("2", "3"):
        path = tmp_path / f"out-v{version}.json"
        write_pact([fp3, other], path, version)  # type: ignore[arg-type]
        written = json.loads(path.read_text("utf-8"))
        assert validate(written, version, "ListFootprintsResponse") == []  # type: ignore[arg-type]
        assert [detect_version(fp) for fp in written["data"]] == [version, version]
        back = read_pact(path)
        assert Decimal(back[0]["pcf"]["pcfExcludingBiogenicUptake"]) == Decimal("1850.5")
        assert Decimal(back[1]["pcf"]["pcfIncludingBiogenicUptake"]) == Decimal("1.85")


def test_write_pact_refuses_invalid_footprints_and_writes_nothing(tmp_path: Path) -> None:
    bad = declaration_to_pact(declaration(), "3")
    bad["pcf"]["fossilGhgEmissions"] = "-3"
    no_cpc = declaration_to_pact(
        declaration(product_classifications=("urn:pact:example.com:cn:1",)), "3"
    )
    path = tmp_path / "out.json"
    with pytest.raises(PactValidationError) as info:
        write_pact([declaration_to_pact(declaration(), "3"), bad, no_cpc], path, "2")
    assert pointers([e.split(": ", 1)[1] for e in info.value.errors]) == {
        "/data/1/pcf/fossilGhgEmissions",
        "/data/2/productClassifications",
    }
    assert not path.exists()
    with pytest.raises(
        PactValidationError,
        match=r"footprint 0: /data/0/pcf/fossilGhgEmissions: expected a decimal >= 0",
    ):
        write_pact([bad], path, "3")
    assert not path.exists()

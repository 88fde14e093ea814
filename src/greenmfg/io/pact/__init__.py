"""PACT ProductFootprint data format: validation, v2.3 <-> v3.0 conversion, import and export.

PACT is the WBCSD Partnership for Carbon Transparency; its Technical Specifications (v2.3 and
v3.0) define the ProductFootprint data model and the exchange API. Validation uses the official
OpenAPI schemas, vendored unmodified in ``schemas/`` (provenance, licence and the notice for this
derived code in ``schemas/README.md``).

* :func:`validate` / :func:`check`: a document against a schema component of either version;
* :func:`detect_version`, :func:`to_v3`, :func:`to_v2`: version handling;
* :func:`read_pact` / :func:`write_pact`: files;
* :func:`declaration_to_pact` / :func:`pact_to_declaration`: greenmfg's
  :class:`~greenmfg.footprint.declaration.PcfDeclaration` <-> ProductFootprints.
"""

from greenmfg.io.pact.build import declaration_to_pact, declared_unit_to_pact, pact_to_declaration
from greenmfg.io.pact.convert import (
    CPC_URN_PREFIX,
    PactConversionError,
    convert,
    detect_version,
    to_v2,
    to_v3,
)
from greenmfg.io.pact.files import read_pact, write_pact
from greenmfg.io.pact.schema import (
    EVENT_BODY_COMPONENT,
    EVENT_COMPONENTS,
    EVENT_TYPES,
    RESPONSE_COMPONENTS,
    SPEC_VERSIONS,
    VERSIONS,
    PactValidationError,
    PactVersion,
    build_validator,
    check,
    component_names,
    validate,
)

__all__ = [
    "CPC_URN_PREFIX",
    "EVENT_BODY_COMPONENT",
    "EVENT_COMPONENTS",
    "EVENT_TYPES",
    "RESPONSE_COMPONENTS",
    "SPEC_VERSIONS",
    "VERSIONS",
    "PactConversionError",
    "PactValidationError",
    "PactVersion",
    "build_validator",
    "check",
    "component_names",
    "convert",
    "declaration_to_pact",
    "declared_unit_to_pact",
    "detect_version",
    "pact_to_declaration",
    "read_pact",
    "to_v2",
    "to_v3",
    "validate",
    "write_pact",
]

"""Import and export of PACT ProductFootprint files (JSON), v2.3 or v3.0.

Import accepts what partners send: one ProductFootprint, a JSON array of them, or a
``ListFootprints``/``GetFootprint`` response body (``{"data": [...]}`` / ``{"data": {...}}``), in
either version; every footprint is validated against its version's schema and returned as v3.0.
Export writes a ``ListFootprints`` body (``{"data": [...]}``) in the requested version, every
footprint validated first. Nothing is returned or written if any footprint has a problem; every
problem names the file, the footprint's index, the JSON pointer inside the file and what was
expected.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from greenmfg.io.pact.convert import convert, detect_version, to_v3
from greenmfg.io.pact.schema import PactValidationError, PactVersion, validate


def read_pact(
    source: str | Path | bytes | dict[str, Any] | list[Any], *, name: str = ""
) -> list[dict[str, Any]]:
    """ProductFootprints from a PACT JSON file or parsed JSON, as v3.0 documents.

    ``source``: a path (``str`` or ``Path``), the bytes of a JSON document, or parsed JSON (a
    ProductFootprint, a list of them, or a ``{"data": ...}`` response body). ``name`` names the
    source in messages (default: the path, or ``<bytes>``/``<document>``).

    Per the v3.0 data model ("Undefined Properties"), a property explicitly ``null`` is undefined:
    such members are dropped before validation. v2 footprints are converted with
    :func:`~greenmfg.io.pact.convert.to_v3`. Raises :class:`PactValidationError` listing every
    problem (``PactConversionError`` problems included) as
    ``'footprint <i>: <pointer>: <expected ..., got ...>'``.
    """
    label, document = _load(source, name)
    problems: list[str] = []
    converted: list[dict[str, Any]] = []
    for index, (item, prefix) in enumerate(_footprints_of(document, label)):
        where = f"footprint {index}"
        if not isinstance(item, dict):
            problems.append(
                f"{where}: {prefix}: expected a ProductFootprint JSON object, "
                f"got {type(item).__name__}"
            )
            continue
        item = _drop_nulls(item)
        try:
            version = detect_version(item)
        except PactValidationError as exc:
            problems.extend(f"{where}: {prefix}{e}" for e in exc.errors)
            continue
        errors = validate(item, version)
        if errors:
            problems.extend(f"{where} (PACT v{version}): {prefix}{e}" for e in errors)
            continue
        try:
            converted.append(to_v3(item) if version == "2" else item)
        except PactValidationError as exc:
            problems.extend(f"{where} (PACT v{version} -> v3): {prefix}{e}" for e in exc.errors)
    if problems:
        raise PactValidationError(problems, source=label)
    return converted


def write_pact(
    footprints: Sequence[dict[str, Any]], path: str | Path, version: PactVersion
) -> None:
    """Write ``{"data": [...]}`` (a ``ListFootprints`` response body) in PACT ``version``.

    Footprints of the other version are converted first. Every footprint is validated against the
    ``version`` schema; if any fails nothing is written and :class:`PactValidationError` names the
    file, the index and the pointer. The file is UTF-8 JSON, replaced atomically.
    """
    if version not in ("2", "3"):
        raise ValueError(f"unknown PACT version {version!r}; expected '2' or '3'")
    label = str(path)
    problems: list[str] = []
    out: list[dict[str, Any]] = []
    for index, footprint in enumerate(footprints):
        where = f"footprint {index}"
        try:
            document = convert(footprint, version)
        except PactValidationError as exc:
            problems.extend(f"{where}: /data/{index}{e}" for e in exc.errors)
            continue
        errors = validate(document, version)
        if errors:
            problems.extend(f"{where}: /data/{index}{e}" for e in errors)
            continue
        out.append(document)
    if problems:
        raise PactValidationError(problems, source=label)
    text = json.dumps({"data": out}, ensure_ascii=False, indent=2) + "\n"
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(source: str | Path | bytes | dict[str, Any] | list[Any], name: str) -> tuple[str, Any]:
    """The label for messages and the parsed JSON of ``source``."""
    if isinstance(source, dict | list):
        return name or "<document>", source
    if isinstance(source, bytes):
        label, raw = name or "<bytes>", source
    elif isinstance(source, str | Path):
        path = Path(source)
        label = name or str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PactValidationError(
                [f"cannot read the file: {exc.strerror or exc}"], source=label
            ) from exc
    else:
        raise TypeError(
            f"read_pact: expected a path, bytes or parsed JSON, got {type(source).__name__}"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PactValidationError(
            [f"byte {exc.start}: expected UTF-8 encoded JSON ({exc.reason})"], source=label
        ) from exc
    try:
        return label, json.loads(text)
    except json.JSONDecodeError as exc:
        raise PactValidationError(
            [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"], source=label
        ) from exc


def _footprints_of(document: Any, label: str) -> list[tuple[Any, str]]:
    """The footprints in ``document``, each with its JSON pointer in the document."""
    if isinstance(document, list):
        return [(item, f"/{i}") for i, item in enumerate(document)]
    if isinstance(document, dict) and "data" in document and "pcf" not in document:
        data = document["data"]
        if isinstance(data, list):
            return [(item, f"/data/{i}") for i, item in enumerate(data)]
        if isinstance(data, dict):
            return [(data, "/data")]
        raise PactValidationError(
            [
                "/data: expected an array of ProductFootprints or one ProductFootprint, "
                f"got {type(data).__name__}"
            ],
            source=label,
        )
    if isinstance(document, dict):
        return [(document, "")]
    raise PactValidationError(
        [
            ": expected a ProductFootprint, a JSON array of them, or a response body "
            f'{{"data": [...]}}, got {type(document).__name__}'
        ],
        source=label,
    )


def _drop_nulls(value: Any) -> Any:
    """``value`` without object members that are ``null`` (undefined, PACT v3.0 data model)."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value

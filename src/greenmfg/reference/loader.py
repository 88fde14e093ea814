"""Load and validate the reference data files shipped in this folder.

Every table is a CSV with provenance columns (``source_document, edition, clause, confidence,
notes``). Validation happens at load time: a missing column, a value that is not a number, a unit
pint cannot parse or of the wrong dimension, an unknown confidence level or a duplicate key stops the
load with an error naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from greenmfg import __version__
from greenmfg.reference.model import (
    CONFIDENCE_LEVELS,
    BenchmarkLevel,
    Category,
    Factor,
    ItemSpec,
    Label,
    LimitGrades,
    MethodSpec,
    PolicyTarget,
    ReferenceData,
    Region,
    Source,
)
from greenmfg.units import UnitError, describe_dimension, parse_unit

PROVENANCE = ("source_document", "edition", "clause", "confidence", "notes")

TABLES: dict[str, tuple[str, ...]] = {
    "items": (
        "item",
        "kind",
        "name_zh",
        "name_en",
        "default_unit",
        "method",
        "factor_item",
        "biogenic",
    ),
    "fuel_parameters": ("dataset", "item", "parameter", "value", "unit"),
    "gwp": ("gwp_set", "gas", "value"),
    "regions": ("region_code", "level", "parent", "name_zh", "name_en"),
    "electricity_factors": ("series", "data_year", "region_code", "value", "unit", "published"),
    "heat_factors": ("item", "value", "unit"),
    "process_factors": ("item", "gas", "value", "unit", "basis"),
    "energy_coefficients": ("item", "basis", "data_year", "value", "unit"),
    "constants": ("name", "value", "unit"),
    "formulas": ("formula_id", "expression"),
    "industries": ("industry_code", "level", "name_zh", "name_en"),
    "places": ("region_code", "level", "name_zh", "name_en"),
    "benchmark_levels": (
        "catalogue",
        "area_id",
        "area_zh",
        "area_en",
        "indicator_id",
        "indicator_zh",
        "indicator_en",
        "unit",
        "scope",
        "benchmark",
        "base",
        "deadline",
        "status",
    ),
    "energy_limit_grades": (
        "standard",
        "area_id",
        "indicator_id",
        "indicator_zh",
        "indicator_en",
        "unit",
        "scope",
        "grade_1",
        "grade_2",
        "grade_3",
    ),
    "policy_targets": (
        "target_id",
        "indicator_zh",
        "indicator_en",
        "comparator",
        "value",
        "unit",
        "target_year",
    ),
}
BENCHMARK_STATUSES = ("sourced", "partial", "missing")

# Dimension each parameter's unit must have, checked with pint at load time.
_ENERGY = "[mass] * [length] ** 2 / [time] ** 2"
FUEL_PARAMETER_DIMENSIONS = {
    "ncv": ("energy per mass", "energy per volume"),
    "carbon_content": ("mass per energy",),
    "oxidation_rate": ("dimensionless",),
    "co2_ef": ("mass per energy",),
    "ch4_ef": ("mass per energy",),
    "n2o_ef": ("mass per energy",),
}
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


class ReferenceDataError(ValueError):
    """A reference data file that does not meet its schema."""


@dataclass(frozen=True, slots=True)
class Row:
    """One data line of a CSV table with its location for error messages."""

    path: str
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def fail(self, column: str, expected: str) -> ReferenceDataError:
        return ReferenceDataError(
            f"{self.path}, line {self.line}, column {column!r}: expected {expected}, "
            f"got {self.values.get(column, '')!r}"
        )

    def number(self, column: str) -> float:
        text = self.values[column].strip()
        try:
            return float(Fraction(text)) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError):
            raise self.fail(column, "a number (decimal or ratio such as 44/12)") from None

    def unit(self, column: str, *dimensions: str) -> str:
        text = self.values[column].strip()
        try:
            dim = _dimension_class(text)
        except UnitError:
            raise self.fail(column, "a unit pint can parse (see units.txt)") from None
        if dimensions and dim not in dimensions:
            raise self.fail(column, f"a unit of {' or '.join(dimensions)}, not {dim}")
        return text

    def source(self) -> Source:
        conf = self.values["confidence"].strip()
        if conf not in CONFIDENCE_LEVELS:
            raise self.fail("confidence", "one of " + ", ".join(CONFIDENCE_LEVELS))
        if not self.values["source_document"].strip():
            raise self.fail("source_document", "the source document's title")
        return Source(
            document=self.values["source_document"].strip(),
            edition=self.values["edition"].strip(),
            clause=self.values["clause"].strip(),
            confidence=conf,
            notes=self.values["notes"].strip(),
        )


def _dimension_class(unit: str) -> str:
    """Classify a unit as 'energy per mass', 'mass per energy', 'dimensionless' … for schema checks."""
    q = parse_unit(unit)
    dims = q.dimensionality
    if not dims:
        return "dimensionless"
    names = {"[mass]": "mass", "[length] ** 3": "volume", _ENERGY: "energy"}
    text = str(dims)
    if text in names:
        return names[text]
    # Try X per Y with X, Y in mass / volume / energy.
    for num_name, num in (("energy", _ENERGY), ("mass", "[mass]"), ("volume", "[length] ** 3")):
        for den_name, den in (("mass", "[mass]"), ("volume", "[length] ** 3"), ("energy", _ENERGY)):
            if num == den:
                continue
            if (
                parse_unit("1 " + _unit_for(num)) / parse_unit("1 " + _unit_for(den))
            ).dimensionality == dims:
                return f"{num_name} per {den_name}"
    return describe_dimension(unit)


def _unit_for(dim: str) -> str:
    return {"[mass]": "kg", "[length] ** 3": "m3", _ENERGY: "J"}[dim]


def _rows(root: Traversable, name: str, columns: tuple[str, ...] | None = None) -> Iterator[Row]:
    """The rows of ``name.csv``, checked to have ``columns`` (default ``TABLES[name]``) and the
    provenance columns."""
    path = f"reference/{name}.csv"
    resource = root.joinpath(f"{name}.csv")
    text = resource.read_text(encoding="utf-8")
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    expected = (TABLES[name] if columns is None else columns) + PROVENANCE
    missing = [c for c in expected if c not in header]
    if missing:
        raise ReferenceDataError(f"{path}: header lacks column(s) {', '.join(missing)}")
    for n, raw in enumerate(reader, start=2):
        if None in raw:
            raise ReferenceDataError(f"{path}, line {n}: more fields than the header has")
        yield Row(path, n, {k: (v or "") for k, v in raw.items()})


def _unique(
    target: dict[object, object], key: object, row: Row, column: str, value: object
) -> None:
    if key in target:
        raise ReferenceDataError(f"{row.path}, line {row.line}: duplicate key {key!r} ({column})")
    target[key] = value


def _factor(row: Row, fid: str, parameter: str, value: float, unit: str) -> Factor:
    return Factor(id=fid, parameter=parameter, value=value, unit=unit, source=row.source())


def _load_items(root: Traversable) -> dict[str, ItemSpec]:
    out: dict[object, object] = {}
    for row in _rows(root, "items"):
        item = row["item"].strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", item):
            raise row.fail("item", "a snake_case id")
        row.unit("default_unit")
        biogenic = row["biogenic"].strip().lower()
        if biogenic not in ("true", "false"):
            raise row.fail("biogenic", "true or false")
        spec = ItemSpec(
            item=item,
            kind=row["kind"].strip(),
            name_zh=row["name_zh"].strip(),
            name_en=row["name_en"].strip(),
            default_unit=row["default_unit"].strip(),
            method=row["method"].strip(),
            factor_item=row["factor_item"].strip() or item,
            biogenic=biogenic == "true",
            source=row.source(),
        )
        _unique(out, item, row, "item", spec)
    return out  # type: ignore[return-value]


def _keyed(
    root: Traversable,
    name: str,
    key: Callable[[Row], tuple[object, ...]],
    parameter: Callable[[Row], str],
    dims: Callable[[Row], tuple[str, ...]],
    unit_column: str | None = "unit",
) -> dict[object, Factor]:
    out: dict[object, object] = {}
    for row in _rows(root, name):
        k = key(row)
        unit = row.unit(unit_column, *dims(row)) if unit_column else ""
        fid = "/".join([name, *[str(p) for p in k if p not in (None, "")]])
        factor = _factor(row, fid, parameter(row), row.number("value"), unit)
        _unique(out, k[0] if len(k) == 1 else k, row, ",".join(TABLES[name][: len(k)]), factor)
    return out  # type: ignore[return-value]


def _year(row: Row, column: str) -> int | None:
    text = row[column].strip()
    if not text:
        return None
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise row.fail(column, "a four-digit year or nothing")
    return int(text)


def _load_regions(root: Traversable) -> tuple[dict[str, Region], dict[str, str]]:
    regions: dict[object, object] = {}
    aliases: dict[str, str] = {}
    for row in _rows(root, "regions"):
        row.source()
        code = row["region_code"].strip()
        level = row["level"].strip()
        if level not in ("nation", "grid", "province"):
            raise row.fail("level", "nation, grid or province")
        if level == "province" and not re.fullmatch(r"\d{2}0000", code):
            raise row.fail("region_code", "a GB/T 2260 province code such as 130000")
        region = Region(
            code, level, row["parent"].strip(), row["name_zh"].strip(), row["name_en"].strip()
        )
        _unique(regions, code, row, "region_code", region)
        names = {code, region.name_zh, region.name_en, _short_zh(region.name_zh)}
        if level == "province":
            names.add(code[:2])
        if level == "grid":
            names.add(region.name_zh.removesuffix("电网"))
            names.add(code.removeprefix("grid_"))
        for alias in names:
            if alias:
                aliases[alias.lower()] = code
    return regions, aliases  # type: ignore[return-value]


def _short_zh(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _load_methods(root: Traversable) -> dict[str, MethodSpec]:
    data = tomllib.loads(root.joinpath("methods.toml").read_text(encoding="utf-8"))
    out: dict[str, MethodSpec] = {}
    for name, spec in data.items():
        try:
            cats = {
                key: Category(
                    code=c["code"],
                    label_zh=c["label_zh"],
                    label_en=c["label_en"],
                    scope=c.get("scope"),
                    sign=int(c["sign"]),
                )
                for key, c in spec["categories"].items()
            }
            out[name] = MethodSpec(
                name=name,
                title=spec["title"],
                default_gwp=spec["default_gwp"],
                combustion_gases=tuple(spec["combustion_gases"]),
                ch4_n2o_dataset=spec.get("ch4_n2o_dataset", ""),
                categories=cats,
                formula=spec["formula"],
                notes=spec.get("notes", ""),
            )
        except KeyError as exc:
            raise ReferenceDataError(
                f"reference/methods.toml, [{name}]: missing key {exc}"
            ) from None
    return out


def _edition(root: Traversable) -> str:
    digest = hashlib.sha256()
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".csv", ".toml")):
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return f"greenmfg-{__version__}+ref.{digest.hexdigest()[:12]}"


def load_reference(root: Traversable | None = None) -> ReferenceData:
    """Read and validate every reference table.

    Parameters
    ----------
    root : folder holding the tables; the package's own ``greenmfg/reference`` by default.

    Returns
    -------
    ReferenceData with an ``edition`` string (package version + hash of the data files) that every
    result carries, so a figure can be recomputed with exactly the data that produced it.
    """
    root = root or files("greenmfg").joinpath("reference")
    items = _load_items(root)
    fuel = _keyed(
        root,
        "fuel_parameters",
        lambda r: (r["dataset"].strip(), r["item"].strip(), r["parameter"].strip()),
        lambda r: r["parameter"].strip(),
        lambda r: _fuel_dims(r),
    )
    gwp = _keyed(
        root,
        "gwp",
        lambda r: (r["gwp_set"].strip(), r["gas"].strip()),
        lambda r: "gwp",
        lambda r: (),
        unit_column=None,
    )
    electricity = _keyed(
        root,
        "electricity_factors",
        lambda r: (r["series"].strip(), _year(r, "data_year"), r["region_code"].strip()),
        lambda r: "emission_factor",
        lambda r: ("mass per energy",),
    )
    heat = _keyed(
        root,
        "heat_factors",
        lambda r: (r["item"].strip(),),
        lambda r: "emission_factor",
        lambda r: ("mass per energy",),
    )
    process = _keyed(
        root,
        "process_factors",
        lambda r: (r["item"].strip(), r["gas"].strip()),
        lambda r: r["gas"].strip(),
        lambda r: (),
    )
    energy = _keyed(
        root,
        "energy_coefficients",
        lambda r: (r["item"].strip(), r["basis"].strip(), _year(r, "data_year")),
        lambda r: f"standard_coal_{r['basis'].strip()}",
        lambda r: ("dimensionless", "energy per mass", "energy per volume"),
    )
    constants = _keyed(
        root, "constants", lambda r: (r["name"].strip(),), lambda r: r["name"].strip(), lambda r: ()
    )
    formulas: dict[str, Factor] = {}
    for row in _rows(root, "formulas"):
        fid = row["formula_id"].strip()
        f = Factor(
            id=f"formulas/{fid}",
            parameter=row["expression"].strip(),
            value=float("nan"),
            unit="",
            source=row.source(),
        )
        if fid in formulas:
            raise ReferenceDataError(f"{row.path}, line {row.line}: duplicate formula_id {fid!r}")
        formulas[fid] = f
    regions, aliases = _load_regions(root)
    data = ReferenceData(
        items=items,
        fuel=fuel,  # type: ignore[arg-type]
        gwp=gwp,  # type: ignore[arg-type]
        electricity=electricity,  # type: ignore[arg-type]
        heat=heat,  # type: ignore[arg-type]
        process=process,  # type: ignore[arg-type]
        energy=energy,  # type: ignore[arg-type]
        constants=constants,  # type: ignore[arg-type]
        formulas=formulas,
        regions=regions,
        methods=_load_methods(root),
        edition=_edition(root),
        region_aliases=aliases,
        industries=_load_labels(root, "industries", "industry_code"),
        places=_load_labels(root, "places", "region_code"),
        benchmark_levels=_load_benchmark_levels(root),
        limit_grades=_load_limit_grades(root),
        policy_targets=_load_policy_targets(root),
    )
    _cross_check(data)
    return data


def _load_labels(root: Traversable, name: str, key: str) -> dict[str, Label]:
    out: dict[object, object] = {}
    for row in _rows(root, name):
        code = row[key].strip()
        if not code:
            raise row.fail(key, "a code")
        label = Label(
            code, row["level"].strip(), row["name_zh"].strip(), row["name_en"].strip(), row.source()
        )
        _unique(out, code, row, key, label)
    return out  # type: ignore[return-value]


def _optional_number(row: Row, column: str) -> float | None:
    return row.number(column) if row[column].strip() else None


def _energy_intensity(row: Row, column: str) -> str:
    """An energy per unit of product (per t, m2, piece, 重量箱 …): checked with pint."""
    text = row.unit(column)
    q = parse_unit(text)
    energy = parse_unit("1 J").dimensionality
    if not any(
        (q * parse_unit(f"1 {den}")).dimensionality == energy for den in ("t", "m**2", "piece")
    ):
        raise row.fail(column, "energy per unit of product, e.g. kgce/t, kWh/t, kgce/重量箱")
    return text


def _load_benchmark_levels(root: Traversable) -> tuple[BenchmarkLevel, ...]:
    out: list[BenchmarkLevel] = []
    seen: dict[object, object] = {}
    for row in _rows(root, "benchmark_levels"):
        catalogue = int(row.number("catalogue"))
        if catalogue not in (2021, 2023):
            raise row.fail("catalogue", "2021 or 2023 (the NDRC catalogue edition)")
        benchmark, base = _optional_number(row, "benchmark"), _optional_number(row, "base")
        status = row["status"].strip()
        expected = (
            "sourced"
            if benchmark is not None and base is not None
            else ("missing" if benchmark is None and base is None else "partial")
        )
        if status != expected:
            raise row.fail("status", f"{expected!r} for these values (sourced, partial or missing)")
        if status != "sourced" and not row["notes"].strip():
            raise row.fail("notes", "the reason the value is missing")
        if benchmark is not None and base is not None and benchmark > base:
            raise row.fail(
                "benchmark", f"a benchmark no higher than the base {base:g} (lower is better)"
            )
        deadline = row["deadline"].strip()
        if deadline and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline):
            raise row.fail("deadline", "an ISO date such as 2025-12-31")
        level = BenchmarkLevel(
            catalogue=catalogue,
            area_id=row["area_id"].strip(),
            area_zh=row["area_zh"].strip(),
            area_en=row["area_en"].strip(),
            indicator_id=row["indicator_id"].strip(),
            indicator_zh=row["indicator_zh"].strip(),
            indicator_en=row["indicator_en"].strip(),
            unit=_energy_intensity(row, "unit"),
            scope=row["scope"].strip(),
            benchmark=benchmark,
            base=base,
            deadline=deadline,
            status=status,
            source=row.source(),
        )
        _unique(seen, (catalogue, level.area_id, level.indicator_id), row, "indicator_id", level)
        out.append(level)
    return tuple(out)


def _load_limit_grades(root: Traversable) -> tuple[LimitGrades, ...]:
    out: list[LimitGrades] = []
    seen: dict[object, object] = {}
    for row in _rows(root, "energy_limit_grades"):
        grades = tuple(_optional_number(row, f"grade_{i}") for i in (1, 2, 3))
        present = [g for g in grades if g is not None]
        if present != sorted(present):
            raise row.fail("grade_1", "grade 1 <= grade 2 <= grade 3 (lower is better)")
        if len(present) < 3 and not row["notes"].strip():
            raise row.fail("notes", "the reason a grade is missing")
        g = LimitGrades(
            standard=row["standard"].strip(),
            area_id=row["area_id"].strip(),
            indicator_id=row["indicator_id"].strip(),
            indicator_zh=row["indicator_zh"].strip(),
            indicator_en=row["indicator_en"].strip(),
            unit=_energy_intensity(row, "unit"),
            scope=row["scope"].strip(),
            grades=grades,  # type: ignore[arg-type]
            source=row.source(),
        )
        _unique(seen, (g.standard, g.indicator_id, g.scope), row, "indicator_id", g)
        out.append(g)
    return tuple(out)


def _load_policy_targets(root: Traversable) -> tuple[PolicyTarget, ...]:
    out: list[PolicyTarget] = []
    seen: dict[object, object] = {}
    for row in _rows(root, "policy_targets"):
        tid = row["target_id"].strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", tid):
            raise row.fail("target_id", "a snake_case id")
        comparator = row["comparator"].strip()
        if comparator not in (">", ">="):
            raise row.fail("comparator", "'>' (exceed) or '>=' (reach)")
        year = _year(row, "target_year")
        if year is None:
            raise row.fail("target_year", "a four-digit year")
        t = PolicyTarget(
            target_id=tid,
            indicator_zh=row["indicator_zh"].strip(),
            indicator_en=row["indicator_en"].strip(),
            comparator=comparator,
            value=row.number("value"),
            unit=row.unit("unit"),
            target_year=year,
            source=row.source(),
        )
        _unique(seen, tid, row, "target_id", t)
        out.append(t)
    return tuple(out)


def _fuel_dims(row: Row) -> tuple[str, ...]:
    parameter = row["parameter"].strip()
    if parameter not in FUEL_PARAMETER_DIMENSIONS:
        raise row.fail("parameter", "one of " + ", ".join(FUEL_PARAMETER_DIMENSIONS))
    return FUEL_PARAMETER_DIMENSIONS[parameter]


def _cross_check(data: ReferenceData) -> None:
    """Relations between tables: regions' parents exist, factors refer to known regions, etc."""
    for region in data.regions.values():
        if region.parent and region.parent not in data.regions:
            raise ReferenceDataError(
                f"reference/regions.csv: region {region.code} has unknown parent {region.parent!r}"
            )
    for series, year, code in data.electricity:
        if code not in data.regions:
            raise ReferenceDataError(
                f"reference/electricity_factors.csv: {series} {year} names unknown region {code!r}"
            )
    for spec in data.items.values():
        if spec.factor_item not in data.items:
            raise ReferenceDataError(
                f"reference/items.csv: item {spec.item} has unknown factor_item {spec.factor_item!r}"
            )
    if "co2_per_carbon" not in data.constants:
        raise ReferenceDataError("reference/constants.csv: the constant co2_per_carbon is missing")


@lru_cache(maxsize=1)
def get_reference() -> ReferenceData:
    """The package's reference data, loaded once per process."""
    return load_reference()

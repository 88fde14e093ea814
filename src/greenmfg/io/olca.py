"""Read an openLCA JSON-LD export (olca-schema) into a greenmfg product system.

The export is a zip file or a folder with one JSON file per entity in ``processes/``, ``flows/``,
``flow_properties/``, ``unit_groups/`` and optionally ``product_systems/``, ``categories/`` …
(olca-schema, GreenDelta: ``Process``, ``Exchange``, ``Flow``, ``FlowPropertyFactor``,
``UnitGroup``, ``AllocationFactor``, ``Uncertainty``). Both schema generations are read: v2 field
names (``isInput``, ``isQuantitativeReference``, ``isAvoidedProduct``, ``isRefFlowProperty``,
``isRefUnit``) and v1 (``input``, ``quantitativeReference``, ``avoidedProduct``,
``referenceFlowProperty``, ``referenceUnit``).

Mapping (what :func:`read_olca` does):

- **Product flows** -> :class:`Product`, declared per the reference unit of the flow's reference
  flow property, translated to the project's pint units by :data:`OLCA_UNITS` (an unknown unit
  is refused: openLCA's ``a`` is a year and pint's an are, so names are not guessed). Every
  exchange amount is converted to that reference unit with the export's own unit-group and
  flow-property factors (``amount * unit factor / flow-property factor``, olca-schema
  ``FlowPropertyFactor``); where both units are known to pint the two conversions are checked
  against each other. ``mass_kg`` comes from a mass flow property of the flow, if any.
- **Processes** -> :class:`Process`: product outputs (the quantitative reference included) are
  outputs, product inputs are inputs. Amounts are per the process's stated outputs, as in
  openLCA.
- **Waste flows** follow openLCA's linking logic: a waste *output* is a demand for treatment, so
  it becomes an :class:`Input` of a product named after the waste, and the treatment process
  (waste *input*, its quantitative reference) becomes the process that makes that product. A
  waste output that no imported process treats is left out with a warning (no treatment data).
- **Elementary flows**: an output to air whose flow is a greenhouse gas of ``gwp.csv`` becomes an
  :class:`Emission` (matched by CAS number first, then by name, table
  ``reference/olca_gas_flows.csv``; fossil/biogenic methane share a CAS and are told apart by
  name). Biogenic CO2 (name says biogenic, non-fossil or "in air") is not added: it is reported
  as ignored, like every other elementary flow (resources, emissions to water and soil,
  non-GHG air emissions), which carry no GWP100 in the sets held.
- **Avoided products** (system-expansion credits) are not supported: left out with a warning.
- **Allocation**: a multi-output process's ``allocationFactors`` of type physical or economic
  become the ``physical`` / ``economic`` property of each output, and the process's
  ``defaultAllocationMethod`` picks the method. greenmfg's share is ``p_k / sum(p)``
  (ISO 14044, 4.3.4.2), so with ``p_k`` = the openLCA factor the shares are exactly openLCA's
  when the factors sum to 1 (a warning says so when they do not). Causal (per-exchange) factors
  cannot be expressed: physical factors are used instead, with a warning, or the import stops.
  Each output also carries its ``mass`` [kg] where known, for mass allocation.
- **Uncertainty** -> ``gsd`` of inputs and emissions: a lognormal ``geomSd`` as it is (openLCA
  stores there the total GSD, pedigree included); otherwise a ``dqEntry`` such as
  ``(1;2;3;4;5)`` read as the ecoinvent v3 pedigree matrix with the exchange's
  ``baseUncertainty`` (a GSD) as basic uncertainty, through
  :func:`greenmfg.footprint.pedigree.gsd_from_pedigree`. Other distributions are ignored with a
  warning.

Errors (:class:`OlcaImportError`) name the export, the file inside it, the process and exchange
and what was expected; nothing is returned half-imported.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from greenmfg.footprint.pedigree import (
    PedigreeError,
    PedigreeFactors,
    gsd_from_pedigree,
    parse_dq_entry,
    variance_from_gsd,
)
from greenmfg.footprint.system import (
    Allocation,
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    PurchasedFootprint,
    SystemResult,
)
from greenmfg.reference.loader import ReferenceDataError, _rows, get_reference
from greenmfg.reference.model import Source
from greenmfg.reference.pedigree import pedigree_factors
from greenmfg.units import UnitError, conversion_factor, parse_unit

#: openLCA unit names (reference-data unit groups) -> greenmfg pint units. Only these are accepted.
OLCA_UNITS: dict[str, str] = {
    # mass
    "kg": "kg",
    "g": "g",
    "mg": "mg",
    "t": "t",
    # energy
    "J": "J",
    "kJ": "kJ",
    "MJ": "MJ",
    "GJ": "GJ",
    "TJ": "TJ",
    "Wh": "Wh",
    "kWh": "kWh",
    "MWh": "MWh",
    "GWh": "GWh",
    # area, volume, length
    "m2": "m**2",
    "km2": "km**2",
    "ha": "ha",
    "m3": "m**3",
    "dm3": "dm**3",
    "cm3": "cm**3",
    "l": "L",
    "L": "L",
    "Nm3": "Nm3",
    "m": "m",
    "km": "km",
    # counts
    "Item(s)": "piece",
    "Items": "piece",
    "Item": "piece",
    "p": "piece",
    "pcs": "piece",
    # transport services
    "t*km": "t*km",
    "tkm": "t*km",
    "kg*km": "kg*km",
    # time
    "h": "h",
    "d": "day",
}
FOLDERS = (
    "processes",
    "flows",
    "flow_properties",
    "unit_groups",
    "product_systems",
    "categories",
    "locations",
)
GAS_COLUMNS = ("gas", "cas", "names")
_BIOGENIC_CO2 = re.compile(r"biogenic|non-fossil|in air", re.IGNORECASE)
_CAS = re.compile(r"(\d{2,7})-(\d{2})-(\d)")
#: relative tolerance when the export's unit factors are checked against pint and when the
#: allocation factors of a process are checked to sum to 1
REL_TOL = 1e-6


class OlcaImportError(ValueError):
    """An export that cannot be imported; the message names the file, object and expectation."""


@dataclass(frozen=True)
class GasFlow:
    """A row of ``olca_gas_flows.csv``: elementary flows with this CAS number or one of these
    (lower-case) names, emitted to air, are the greenhouse gas ``gas`` of ``gwp.csv``."""

    gas: str
    cas: str
    names: tuple[str, ...]
    source: Source
    line: int


@dataclass(frozen=True)
class OlcaImport:
    """The imported product system and how it maps back to the export.

    ``products`` / ``processes`` map olca ``@id`` -> greenmfg id; ``warnings`` list everything
    left out or converted; ``ignored`` counts the elementary-flow exchanges not mapped to a
    greenhouse gas, by flow name.
    """

    system: ProductSystem
    products: Mapping[str, str]
    processes: Mapping[str, str]
    warnings: tuple[str, ...]
    ignored: Mapping[str, int]
    source: str


# ---- the gas-flow table --------------------------------------------------------------------------
def _cas_ok(cas: str) -> bool:
    """CAS RN check digit: sum of digits times their position from the right, mod 10."""
    m = _CAS.fullmatch(cas)
    if not m:
        return False
    body = m.group(1) + m.group(2)
    total = sum((i + 1) * int(c) for i, c in enumerate(reversed(body)))
    return total % 10 == int(m.group(3))


def load_gas_flows(root: Traversable | None = None) -> tuple[GasFlow, ...]:
    """Read and validate ``olca_gas_flows.csv``: gases known to ``gwp.csv``, valid CAS numbers
    (check digit), names unique across rows."""
    root = root or files("greenmfg") / "reference"
    known = {gas for (_set, gas) in get_reference().gwp}
    out: list[GasFlow] = []
    seen: dict[str, int] = {}
    for row in _rows(root, "olca_gas_flows", GAS_COLUMNS):
        gas = row["gas"].strip()
        if gas not in known:
            raise row.fail("gas", "a gas of gwp.csv (" + ", ".join(sorted(known)) + ")")
        cas = row["cas"].strip()
        if cas and not _cas_ok(cas):
            raise row.fail("cas", "a CAS number with a valid check digit, e.g. 124-38-9")
        names = tuple(n.strip().lower() for n in row["names"].split(";") if n.strip())
        if not names:
            raise row.fail("names", "one or more flow names separated by ';'")
        for n in names:
            if n in seen:
                raise ReferenceDataError(
                    f"{row.path}, line {row.line}: name {n!r} already on line {seen[n]}"
                )
            seen[n] = row.line
        out.append(GasFlow(gas, cas, names, row.source(), row.line))
    return tuple(out)


@lru_cache(maxsize=1)
def gas_flows() -> tuple[GasFlow, ...]:
    """The package's gas-flow table, loaded once."""
    return load_gas_flows()


def match_gas(name: str, cas: str, table: Iterable[GasFlow]) -> str | None:
    """The ``gwp.csv`` gas of an elementary flow, or ``None``.

    CAS number first: the rows with that CAS; among several (methane: unspecified, fossil,
    biogenic) the one listing the flow's name, else the first row of that CAS in the file. A flow
    without a known CAS is matched by name alone. Biogenic CO2 (name says biogenic, non-fossil or
    'in air') is ``None``: it is not added to the footprint.
    """
    rows = list(table)
    key = name.strip().lower()
    cas = (cas or "").strip().lstrip("0")  # ecoinvent pads CAS numbers: 000124-38-9
    by_cas = [r for r in rows if cas and r.cas == cas]
    gas: str | None = None
    if by_cas:
        named = [r for r in by_cas if key in r.names]
        gas = (named or by_cas)[0].gas
    else:
        named = [r for r in rows if key in r.names]
        gas = named[0].gas if named else None
    if gas == "CO2" and _BIOGENIC_CO2.search(name):
        return None
    return gas


# ---- reading the archive -------------------------------------------------------------------------
@dataclass
class _Archive:
    label: str
    entities: dict[str, dict[str, tuple[str, dict[str, Any]]]] = field(default_factory=dict)

    def get(self, folder: str, id_: str) -> tuple[str, dict[str, Any]] | None:
        return self.entities.get(folder, {}).get(id_)

    def all(self, folder: str) -> dict[str, tuple[str, dict[str, Any]]]:
        return self.entities.get(folder, {})


def _load_archive(path: Path) -> _Archive:
    label = path.name
    arch = _Archive(label)
    items: list[tuple[str, bytes]] = []
    if path.is_dir():
        for p in sorted(path.rglob("*.json")):
            items.append((p.relative_to(path).as_posix(), p.read_bytes()))
    elif path.is_file():
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if not info.is_dir() and info.filename.endswith(".json"):
                        items.append((info.filename, zf.read(info)))
        except (zipfile.BadZipFile, OSError) as exc:
            raise OlcaImportError(
                f"{label}: not an openLCA JSON-LD export (expected a zip file or a folder with "
                f"processes/, flows/ ...): {exc}"
            ) from exc
    else:
        raise OlcaImportError(f"{label}: no such file or folder")
    for name, raw in items:
        parts = name.split("/")
        if len(parts) < 2 or parts[-2] not in FOLDERS:
            continue  # context.json, olca-schema.json, meta.info …
        folder = parts[-2]
        inner = f"{folder}/{parts[-1]}"
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OlcaImportError(f"{label}: {inner}: not valid UTF-8 JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise OlcaImportError(f"{label}: {inner}: expected a JSON object")
        id_ = str(data.get("@id") or parts[-1].removesuffix(".json"))
        arch.entities.setdefault(folder, {})[id_] = (inner, data)
    if not arch.all("processes"):
        raise OlcaImportError(f"{label}: no processes/ in the export (expected processes/*.json)")
    return arch


# ---- flows and units -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Property:
    """A flow property of a flow: ``factor`` = units of its reference unit per reference unit of
    the flow; ``units`` = unit id or name -> (name, factor to the group's reference unit)."""

    id: str
    name: str
    factor: float
    ref_unit: str
    units: Mapping[str, tuple[str, float]]


@dataclass(frozen=True)
class _Flow:
    id: str
    name: str
    type: str
    cas: str
    category: str
    file: str
    ref: _Property
    properties: Mapping[str, _Property]
    unit: str  # pint unit of the reference unit
    mass_kg: float | None


def _pint(olca_unit: str) -> str | None:
    return OLCA_UNITS.get(olca_unit.strip())


def _flag(obj: Mapping[str, Any], v2: str, v1: str) -> bool:
    return bool(obj.get(v2, obj.get(v1, False)))


def _ref_id(obj: Mapping[str, Any], key: str, where: str) -> str:
    ref = obj.get(key)
    if not isinstance(ref, dict) or not ref.get("@id"):
        raise OlcaImportError(f"{where}: expected a reference {key!r} with an '@id'")
    return str(ref["@id"])


class _Reader:
    def __init__(
        self, arch: _Archive, table: tuple[GasFlow, ...], factors: PedigreeFactors
    ) -> None:
        self.arch = arch
        self.table = table
        self.factors = factors
        self.flows: dict[str, _Flow] = {}
        self.groups: dict[str, tuple[str, Mapping[str, tuple[str, float]]]] = {}
        self.warnings: list[str] = []

    def where(self, inner: str) -> str:
        return f"{self.arch.label}: {inner}"

    def _group(self, fp_id: str, where: str) -> tuple[str, str, Mapping[str, tuple[str, float]]]:
        got = self.arch.get("flow_properties", fp_id)
        if got is None:
            raise OlcaImportError(
                f"{where}: flow property {fp_id!r} not found (expected flow_properties/{fp_id}.json)"
            )
        fp_file, fp = got
        fp_where = self.where(fp_file)
        ug_id = _ref_id(fp, "unitGroup", fp_where)
        if ug_id not in self.groups:
            ug_got = self.arch.get("unit_groups", ug_id)
            if ug_got is None:
                raise OlcaImportError(
                    f"{fp_where}: unit group {ug_id!r} not found "
                    f"(expected unit_groups/{ug_id}.json)"
                )
            ug_file, ug = ug_got
            ug_where = self.where(ug_file)
            units: dict[str, tuple[str, float]] = {}
            ref_name = ""
            for k, u in enumerate(ug.get("units") or [], start=1):
                name = str(u.get("name", "")).strip()
                factor = u.get("conversionFactor")
                if not name or not isinstance(factor, int | float) or not factor > 0:
                    raise OlcaImportError(
                        f"{ug_where}, unit {k}: expected a name and a positive conversionFactor"
                    )
                units[name] = (name, float(factor))
                if u.get("@id"):
                    units[str(u["@id"])] = (name, float(factor))
                if _flag(u, "isRefUnit", "referenceUnit"):
                    ref_name = name
            if not ref_name:
                ones = {n for n, f in units.values() if f == 1.0}
                if len(ones) != 1:
                    raise OlcaImportError(f"{ug_where}: no reference unit (isRefUnit) in the group")
                ref_name = ones.pop()
            self.groups[ug_id] = (ref_name, units)
        group_ref, group_units = self.groups[ug_id]
        return str(fp.get("name", fp_id)), group_ref, group_units

    def flow(self, flow_id: str, where: str) -> _Flow:
        if flow_id in self.flows:
            return self.flows[flow_id]
        got = self.arch.get("flows", flow_id)
        if got is None:
            raise OlcaImportError(
                f"{where}: flow {flow_id!r} not found (expected flows/{flow_id}.json in the export)"
            )
        file, data = got
        fwhere = self.where(file) + f", flow {data.get('name', flow_id)!r}"
        props: dict[str, _Property] = {}
        ref: _Property | None = None
        factors = data.get("flowProperties") or []
        for k, fpf in enumerate(factors, start=1):
            fp_id = _ref_id(fpf, "flowProperty", f"{fwhere}, flow property {k}")
            value = fpf.get("conversionFactor", 1.0 if len(factors) == 1 else None)
            if not isinstance(value, int | float) or not value > 0:
                raise OlcaImportError(
                    f"{fwhere}, flow property {k}: expected a positive conversionFactor"
                )
            name, ref_unit, units = self._group(fp_id, f"{fwhere}, flow property {k}")
            prop = _Property(fp_id, name, float(value), ref_unit, units)
            props[fp_id] = prop
            if _flag(fpf, "isRefFlowProperty", "referenceFlowProperty") or len(factors) == 1:
                ref = prop
        if ref is None:
            raise OlcaImportError(
                f"{fwhere}: no reference flow property (expected one flowProperties entry with "
                "isRefFlowProperty true)"
            )
        unit = _pint(ref.ref_unit)
        if unit is None:
            raise OlcaImportError(
                f"{fwhere}: unknown unit {ref.ref_unit!r} (reference unit of {ref.name!r}); "
                f"expected one of {', '.join(OLCA_UNITS)}"
            )
        mass_kg: float | None = None
        for prop in props.values():
            pu = _pint(prop.ref_unit)
            if pu is not None and parse_unit(pu).check("[mass]"):
                # 1 reference unit of the flow = prop.factor [prop.ref_unit]
                mass_kg = prop.factor / ref.factor * conversion_factor(pu, "kg")
                break
        category = data.get("category")
        if isinstance(category, dict):
            category = self._category_path(category)
        flow = _Flow(
            flow_id,
            str(data.get("name", flow_id)),
            str(data.get("flowType", "")),
            str(data.get("cas") or "").strip(),
            str(category or ""),
            file,
            ref,
            props,
            unit,
            mass_kg,
        )
        self.flows[flow_id] = flow
        return flow

    def _category_path(self, ref: Mapping[str, Any]) -> str:
        """olca-schema v1 categories are references; walk ``categories/`` for the full path."""
        names: list[str] = []
        current: Mapping[str, Any] | None = ref
        for _ in range(20):
            if current is None:
                break
            got = self.arch.get("categories", str(current.get("@id", "")))
            names.append(str((got[1] if got else current).get("name", "")))
            parent = (got[1] if got else {}).get("category")
            current = parent if isinstance(parent, dict) else None
        return "/".join(reversed(names))

    def amount(self, flow: _Flow, ex: Mapping[str, Any], where: str) -> tuple[float, str]:
        """The exchange amount in the flow's reference unit, and a note when it was converted."""
        value = ex.get("amount")
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise OlcaImportError(f"{where}: expected a numeric 'amount', got {value!r}")
        if ex.get("amountFormula"):
            self.warnings.append(
                f"{where}: formula {ex['amountFormula']!r} not evaluated; its value {value:g} used"
            )
        fp_ref = ex.get("flowProperty")
        fp_id = str(fp_ref["@id"]) if isinstance(fp_ref, dict) and fp_ref.get("@id") else None
        prop = flow.properties.get(fp_id) if fp_id else flow.ref
        if prop is None:
            raise OlcaImportError(
                f"{where}: flow property {fp_id!r} is not a property of flow {flow.name!r} "
                f"({flow.file})"
            )
        unit_ref = ex.get("unit")
        if not isinstance(unit_ref, dict) or not (unit_ref.get("@id") or unit_ref.get("name")):
            raise OlcaImportError(f"{where}: expected a 'unit' reference")
        key = str(unit_ref.get("@id") or unit_ref.get("name"))
        found = prop.units.get(key) or prop.units.get(str(unit_ref.get("name", "")))
        if found is None:
            raise OlcaImportError(
                f"{where}: unit {unit_ref.get('name', key)!r} is not in the unit group of "
                f"{prop.name!r} (units: {', '.join(sorted({n for n, _ in prop.units.values()}))})"
            )
        name, factor = found
        converted = float(value) * factor / prop.factor
        mapped = _pint(name)
        if mapped is not None and prop is flow.ref:
            try:
                expected = conversion_factor(mapped, flow.unit)
            except UnitError:
                expected = None
            if expected is not None and not math.isclose(expected, factor, rel_tol=REL_TOL):
                raise OlcaImportError(
                    f"{where}: the export's unit group says 1 {name} = {factor:g} {prop.ref_unit}, "
                    f"but 1 {name} = {expected:g} {prop.ref_unit}"
                )
        note = ""
        if name != prop.ref_unit or prop is not flow.ref:
            note = f"{value:g} {name} converted to {converted:g} {flow.ref.ref_unit}"
        return converted, note

    def gsd(self, ex: Mapping[str, Any], where: str) -> float:
        """GSD of an exchange: lognormal geomSd, else pedigree dqEntry + baseUncertainty, else 1."""
        unc = ex.get("uncertainty")
        if isinstance(unc, dict):
            kind = unc.get("distributionType")
            if kind == "LOG_NORMAL_DISTRIBUTION":
                g = unc.get("geomSd")
                if not isinstance(g, int | float) or not g >= 1:
                    raise OlcaImportError(
                        f"{where}: lognormal uncertainty needs geomSd >= 1, got {g!r}"
                    )
                return float(g)
            if kind not in (None, "NO_DISTRIBUTION"):
                self.warnings.append(f"{where}: {kind} uncertainty not used (lognormal only)")
        entry = ex.get("dqEntry")
        if entry:
            base = ex.get("baseUncertainty")
            if base is None:
                self.warnings.append(
                    f"{where}: pedigree {entry} without baseUncertainty; basic variance 0 taken"
                )
            try:
                scores = parse_dq_entry(str(entry))
                variance = variance_from_gsd(float(base)) if base is not None else 0.0
                return gsd_from_pedigree(scores, variance, self.factors)
            except (PedigreeError, TypeError, ValueError) as exc:
                raise OlcaImportError(f"{where}: {exc}") from exc
        return 1.0


# ---- processes -----------------------------------------------------------------------------------
def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9a-zA-Z\u4e00-\u9fff]+", "_", text.strip().lower()).strip("_") or "item"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    taken.add(out)
    return out


def _select(arch: _Archive, product_system: str | None) -> list[str]:
    procs = arch.all("processes")
    if product_system is None:
        return sorted(procs, key=lambda pid: procs[pid][0])
    systems = arch.all("product_systems")
    match = [
        (pid, d)
        for pid, (_f, d) in systems.items()
        if product_system in (pid, str(d.get("name", "")))
    ]
    if len(match) != 1:
        names = ", ".join(repr(str(d.get("name", p))) for p, (_f, d) in systems.items())
        raise OlcaImportError(
            f"{arch.label}: product system {product_system!r} "
            + ("is ambiguous" if match else "not found")
            + f" in product_systems/ (held: {names or 'none'})"
        )
    ps_id, ps = match[0]
    where = f"{arch.label}: {systems[ps_id][0]}"
    out: list[str] = []
    for k, ref in enumerate(ps.get("processes") or [], start=1):
        pid = _ref_id({"p": ref}, "p", f"{where}, process {k}")
        if pid not in procs:
            raise OlcaImportError(
                f"{where}, process {k}: process {pid!r} not found (expected processes/{pid}.json)"
            )
        out.append(pid)
    return out


def read_olca(
    path: str | Path,
    *,
    product_system: str | None = None,
    allocation: Allocation = "mass",
    cutoff: float = 0.0,
    gases: tuple[GasFlow, ...] | None = None,
    factors: PedigreeFactors | None = None,
) -> OlcaImport:
    """Import an openLCA JSON-LD export (zip or folder) as a greenmfg :class:`ProductSystem`.

    Parameters
    ----------
    path : the zip file or the folder of the export
    product_system : ``@id`` or name of a ``product_systems/`` entry whose processes to import
        (all processes of the export by default)
    allocation : default allocation of processes without openLCA allocation factors
    cutoff : the system's cut-off share of input mass [-] (ISO 14067, 6.3.4.3)
    gases, factors : the gas-flow and pedigree tables (the package's by default)

    The mapping is described in the module docstring. Raises :class:`OlcaImportError`.
    """
    path = Path(path)
    arch = _load_archive(path)
    reader = _Reader(
        arch, gases if gases is not None else gas_flows(), factors or pedigree_factors()
    )
    selected = _select(arch, product_system)
    procs = arch.all("processes")

    # pass 1: who makes what (product outputs, waste inputs = treatment services)
    made_by: dict[str, str] = {}
    for pid in selected:
        file, data = procs[pid]
        for k, ex in enumerate(data.get("exchanges") or [], start=1):
            where = f"{reader.where(file)}, process {data.get('name', pid)!r}, exchange {k}"
            flow = reader.flow(_ref_id(ex, "flow", where), where)
            is_input = _flag(ex, "isInput", "input")
            if _flag(ex, "isAvoidedProduct", "avoidedProduct"):
                continue
            makes = (flow.type == "PRODUCT_FLOW" and not is_input) or (
                flow.type == "WASTE_FLOW" and is_input
            )
            if not makes:
                continue
            other = made_by.get(flow.id)
            if other is not None and other != pid:
                raise OlcaImportError(
                    f"{where}: {flow.name!r} is also made by process "
                    f"{procs[other][1].get('name', other)!r} ({procs[other][0]}); greenmfg keeps "
                    "one process per product: import a product system (product_system=...) or "
                    "an export with one provider per product"
                )
            if other == pid:
                raise OlcaImportError(f"{where}: {flow.name!r} is an output twice; merge them")
            made_by[flow.id] = pid

    product_ids: dict[str, str] = {}
    process_ids: dict[str, str] = {}
    taken_products: set[str] = set()
    taken_processes: set[str] = set()
    products: dict[str, Product] = {}
    ignored: Counter[str] = Counter()

    def product_of(flow: _Flow) -> str:
        if flow.id not in product_ids:
            gid = _slug(flow.name, taken_products)
            product_ids[flow.id] = gid
            name = flow.name if flow.type != "WASTE_FLOW" else f"treatment of {flow.name}"
            products[gid] = Product(gid, name, flow.unit, flow.mass_kg)
        return product_ids[flow.id]

    processes: list[Process] = []
    for pid in selected:
        file, data = procs[pid]
        pname = str(data.get("name", pid))
        pwhere = f"{reader.where(file)}, process {pname!r} ({pid})"
        outputs: list[Output] = []
        out_flows: list[_Flow] = []
        inputs: list[Input] = []
        emissions: list[Emission] = []
        for k, ex in enumerate(data.get("exchanges") or [], start=1):
            flow = reader.flow(_ref_id(ex, "flow", f"{pwhere}, exchange {k}"), pwhere)
            where = f"{pwhere}, exchange {ex.get('internalId', k)} (flow {flow.name!r})"
            is_input = _flag(ex, "isInput", "input")
            if _flag(ex, "isAvoidedProduct", "avoidedProduct"):
                reader.warnings.append(
                    f"{where}: avoided product left out (system-expansion credits not supported)"
                )
                continue
            if flow.type in ("PRODUCT_FLOW", "WASTE_FLOW"):
                amount, note = reader.amount(flow, ex, where)
                if note:
                    reader.warnings.append(f"{where}: {note}")
                if amount < 0:
                    raise OlcaImportError(
                        f"{where}: negative amount {amount:g} (expected >= 0; model a negative "
                        "input as an output or a separate product)"
                    )
                makes = (flow.type == "PRODUCT_FLOW") != is_input
                if makes:
                    outputs.append(Output(product_of(flow), amount, flow.unit))
                    out_flows.append(flow)
                    continue
                if flow.type == "WASTE_FLOW" and flow.id not in made_by:
                    reader.warnings.append(
                        f"{where}: waste output left out: no imported process treats it"
                    )
                    continue
                gsd = reader.gsd(ex, where)
                inputs.append(Input(product_of(flow), amount, flow.unit, gsd))
                provider = ex.get("defaultProvider")
                prov_id = str(provider.get("@id", "")) if isinstance(provider, dict) else ""
                if flow.id not in made_by:
                    reader.warnings.append(
                        f"{where}: no provider in the import"
                        + (f" (default provider {prov_id} not imported)" if prov_id else "")
                        + f"; give a purchased footprint of {product_of(flow)!r}"
                    )
                elif prov_id and prov_id != made_by[flow.id]:
                    reader.warnings.append(
                        f"{where}: default provider {prov_id} differs from the imported producer "
                        f"{made_by[flow.id]}; the imported producer is used"
                    )
            elif flow.type == "ELEMENTARY_FLOW":
                gas = match_gas(flow.name, flow.cas, reader.table)
                to_air = not flow.category or "air" in flow.category.lower()
                if gas is None or is_input or not to_air:
                    ignored[flow.name] += 1
                    continue
                if not parse_unit(flow.unit).check("[mass]"):
                    raise OlcaImportError(
                        f"{where}: greenhouse gas {gas} must be measured as a mass, "
                        f"not {flow.ref.ref_unit!r}"
                    )
                if not flow.category:
                    reader.warnings.append(f"{where}: no compartment; taken as an emission to air")
                amount, note = reader.amount(flow, ex, where)
                if note:
                    reader.warnings.append(f"{where}: {note}")
                emissions.append(Emission(gas, amount, flow.unit, reader.gsd(ex, where)))
            else:
                raise OlcaImportError(
                    f"{where}: flow type {flow.type!r} of {flow.file}; expected PRODUCT_FLOW, "
                    "WASTE_FLOW or ELEMENTARY_FLOW"
                )
        if not outputs:
            raise OlcaImportError(
                f"{pwhere}: no product output (or waste input) to be the quantitative reference"
            )
        method = _allocate(data, outputs, out_flows, pwhere, reader.warnings)
        gid = _slug(pname, taken_processes)
        process_ids[pid] = gid
        processes.append(
            Process(
                gid,
                pname,
                tuple(outputs),
                tuple(inputs),
                tuple(emissions),
                allocation=method,
                source=f"openLCA {arch.label}: {file}",
            )
        )
    if ignored:
        total = sum(ignored.values())
        reader.warnings.append(
            f"{arch.label}: {total} elementary-flow exchange(s) of {len(ignored)} flow(s) ignored "
            "(not a greenhouse gas emitted to air, or biogenic CO2)"
        )
    system = ProductSystem(
        tuple(products.values()), tuple(processes), allocation=allocation, cutoff=cutoff
    )
    return OlcaImport(
        system, product_ids, process_ids, tuple(reader.warnings), dict(ignored), arch.label
    )


_ALLOCATION: dict[str, Literal["physical", "economic"]] = {
    "PHYSICAL_ALLOCATION": "physical",
    "ECONOMIC_ALLOCATION": "economic",
}


def _allocate(
    data: Mapping[str, Any],
    outputs: list[Output],
    flows: list[_Flow],
    where: str,
    warnings: list[str],
) -> Allocation | None:
    """Put openLCA allocation factors on the outputs (in place) and return the process's method.

    ``properties[method] = factor`` and ``mass = amount x mass per unit [kg]`` where known.
    """
    factors: dict[str, dict[str, float]] = {"physical": {}, "economic": {}}
    for k, af in enumerate(data.get("allocationFactors") or [], start=1):
        kind = _ALLOCATION.get(str(af.get("allocationType")))
        if kind is None:
            continue  # causal factors are per exchange: not expressible
        fid = _ref_id(af, "product", f"{where}, allocation factor {k}")
        value = af.get("value")
        if not isinstance(value, int | float) or value < 0:
            raise OlcaImportError(
                f"{where}, allocation factor {k}: expected a value >= 0, got {value!r}"
            )
        factors[kind][fid] = float(value)
    for i, (out, flow) in enumerate(zip(outputs, flows, strict=True)):
        props: dict[str, float] = {}
        for key, by_flow in factors.items():
            if flow.id in by_flow:
                props[key] = by_flow[flow.id]
        if flow.mass_kg is not None:
            props["mass"] = out.amount * flow.mass_kg
        outputs[i] = Output(out.product, out.amount, out.unit, props)
    if len(outputs) < 2:
        return None
    default = str(data.get("defaultAllocationMethod") or "")
    method: Allocation | None = _ALLOCATION.get(default)
    if default == "CAUSAL_ALLOCATION":
        if not factors["physical"]:
            raise OlcaImportError(
                f"{where}: causal allocation cannot be expressed in greenmfg and there are no "
                "physical allocation factors to fall back on"
            )
        warnings.append(f"{where}: causal allocation not supported; physical factors used")
        method = "physical"
    if method is None and (factors["physical"] or factors["economic"]):
        fallback: Allocation = "physical" if factors["physical"] else "economic"
        method = fallback
        warnings.append(f"{where}: no default allocation method; {method} factors used")
    if method is not None:
        missing = [f.name for f in flows if f.id not in factors[method]]
        if missing:
            raise OlcaImportError(
                f"{where}: {method} allocation factor missing for output(s) "
                + ", ".join(repr(m) for m in missing)
            )
        total = sum(factors[method][f.id] for f in flows)
        if not math.isclose(total, 1.0, rel_tol=REL_TOL):
            warnings.append(
                f"{where}: {method} allocation factors sum to {total:g}, not 1; greenmfg "
                "normalises them (openLCA would not)"
            )
    return method


def footprints_as_purchased(
    result: SystemResult,
    imported: OlcaImport,
    products: Iterable[str] | None = None,
    origin: Literal["supplier", "database"] = "database",
) -> tuple[PurchasedFootprint, ...]:
    """Footprints of computed imported products as :class:`PurchasedFootprint` values, so that an
    openLCA process (or LCI result) can serve as a database or supplier value in another system.

    ``products`` are olca flow ``@id``s (all imported products by default); ``source`` of each is
    ``"openLCA <export>:<flow @id>"``.
    """
    wanted = list(products) if products is not None else list(imported.products)
    out: list[PurchasedFootprint] = []
    for fid in wanted:
        gid = imported.products.get(fid)
        if gid is None:
            raise OlcaImportError(f"{imported.source}: flow {fid!r} was not imported as a product")
        r = result.results.get(gid)
        if r is None:
            raise OlcaImportError(f"{imported.source}: product {gid!r} has no computed footprint")
        out.append(
            PurchasedFootprint(gid, r.value, r.unit, origin, f"openLCA {imported.source}:{fid}")
        )
    return tuple(out)


__all__ = [
    "OLCA_UNITS",
    "GasFlow",
    "OlcaImport",
    "OlcaImportError",
    "footprints_as_purchased",
    "gas_flows",
    "load_gas_flows",
    "match_gas",
    "read_olca",
]

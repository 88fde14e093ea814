"""Product systems (:mod:`greenmfg.footprint.system`) as files: JSON (:data:`FORMAT`) for programs,
an Excel workbook for people who keep their bill of materials in Excel.

Reading is strict: the first problem raises :class:`ProductSystemFileError` naming the file, the
sheet and 1-based row (or the JSON path), the field and what was expected; unknown keys, columns and
sheets are errors, so a typo is never silently ignored. The footprint rules (allocation, cut-off,
supplier data first) are the model's; this module only checks values, ids and units.

Workbook: one sheet per table (``Settings``, ``Products``, ``Outputs``, ``Inputs``, ``Emissions``,
``Purchased``), first row the header ``<中文标签> <english_key>`` matched by its last token, so
columns may be reordered; blank rows, ``note`` columns and the read-me sheet are ignored. ``Outputs``
has one row per output; a process's own fields go on its first output row.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from greenmfg.footprint.quality import (
    DQR_INDICATORS,
    DQR_MAX,
    DQR_MIN,
    PACT_INDICATORS,
    DataQualityError,
    check_dqr,
)
from greenmfg.footprint.system import (
    INVENTORY_CO2E,
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    PurchasedFootprint,
)
from greenmfg.reference import get_reference
from greenmfg.reference.model import CONFIDENCE_LEVELS
from greenmfg.units import ureg

__all__ = [
    "FORMAT",
    "ProductSystemFileError",
    "product_system_from_dict",
    "product_system_template_xlsx",
    "product_system_to_dict",
    "read_product_system",
    "read_product_system_bytes",
    "write_product_system_xlsx",
]

FORMAT = "greenmfg.product-system/1"
ALLOCATIONS: tuple[str, ...] = ("mass", "economic", "physical")
ORIGINS: tuple[str, ...] = ("supplier", "database")
README_SHEET = "说明 readme"
LANGS = ("zh", "en")

_UNIT_HINT = "a unit the project's unit registry knows (e.g. kg, t, kWh, MWh, piece)"
_GSD = "a number >= 1 (geometric standard deviation; 1 = certain)"
_DQR = f"a rating from {DQR_MIN:g} (best) to {DQR_MAX:g} (PACT data-quality rating)"


class ProductSystemFileError(ValueError):
    """A product-system file that cannot be read.

    Attributes
    ----------
    file : str
        File name as given (``''`` for a dict without one).
    location : str
        ``sheet Inputs, row 7`` in a workbook, the JSON path (``processes[2].inputs[0].amount``)
        in JSON, ``''`` for the file as a whole.
    field : str
        Column key or JSON key.
    expected : str
        What the field should hold.
    """

    def __init__(
        self, file: str, location: str, field: str, expected: str, got: str | None = None
    ) -> None:
        self.file = file
        self.location = location
        self.field = field
        self.expected = expected
        self.got = got
        head = ", ".join(p for p in (file, location, f"field {field}") if p)
        super().__init__(f"{head}: expected {expected}" + (f", got {got}" if got else ""))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.location, self.field, self.expected, self.got))


# =================================================================================================
# Locations and value checks shared by the JSON and the workbook readers
# =================================================================================================
_ABSENT = object()  # a JSON key that is missing (distinct from null)
_UNKNOWN = object()  # a key that should not be there: nothing to show as "got"


@dataclass(frozen=True)
class _At:
    """Where a record is: a JSON path (``json``) or ``sheet X, row N``."""

    file: str
    where: str
    json: bool = False

    def path(self, field: str) -> str:
        if not self.json:
            return self.where
        return f"{self.where}.{field}" if self.where else field

    def fail(self, field: str, expected: str, value: object = _ABSENT) -> ProductSystemFileError:
        return ProductSystemFileError(
            self.file, self.path(field), field, expected, self._got(value)
        )

    def _got(self, value: object) -> str:
        if value is _UNKNOWN:
            return ""
        if value is _ABSENT:
            return "nothing (the key is missing)" if self.json else ""
        if value is None:
            return "null" if self.json else "an empty cell"
        if isinstance(value, str) and not value.strip() and not self.json:
            return "an empty cell"
        return repr(value)

    def item(self, key: str, index: int) -> _At:
        return _At(self.file, f"{self.path(key)}[{index}]", True)

    def sub(self, key: str) -> _At:
        return _At(self.file, self.path(key), True)


def _blank(value: object) -> bool:
    return value is None or value is _ABSENT or (isinstance(value, str) and not value.strip())


def _text(at: _At, field: str, value: object, expected: str = "", required: bool = False) -> str:
    """A text field; in a workbook, cells are stripped and numeric ids taken as text."""
    if value is None or value is _ABSENT:
        if required:
            raise at.fail(field, expected or "a text", value)
        return ""
    if at.json:
        if not isinstance(value, str):
            raise at.fail(field, f"{expected or 'a text'} (a JSON string)", value)
        text = value
    elif isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else repr(value)
    else:
        raise at.fail(field, expected or "a text", value)
    if required and not text.strip():
        raise at.fail(field, expected or "a non-empty text", value)
    return text


def _number(
    at: _At,
    field: str,
    value: object,
    expected: str,
    ok: Callable[[float], bool] = lambda x: True,
    required: bool = True,
) -> float | None:
    """A finite number meeting ``ok``; in a workbook a numeric text cell is accepted too."""
    if _blank(value) and not (at.json and isinstance(value, str)):
        if required:
            raise at.fail(field, expected, value)
        return None
    x: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            x = float(value)
        except OverflowError:
            x = None
    elif isinstance(value, str) and not at.json:
        try:
            x = float(value.strip())
        except ValueError:
            x = None
    if x is None or not math.isfinite(x) or not ok(x):
        raise at.fail(field, expected, value)
    return x


def _required_number(
    at: _At, field: str, value: object, expected: str, ok: Callable[[float], bool] = lambda x: True
) -> float:
    x = _number(at, field, value, expected, ok)
    assert x is not None  # required=True never returns None
    return x


def _gsd(at: _At, field: str, value: object) -> float:
    if value is _ABSENT or (not at.json and _blank(value)):
        return 1.0  # the model's default: certain
    return _required_number(at, field, value, _GSD, lambda v: v >= 1.0)


def _unit(
    at: _At,
    field: str,
    value: object,
    *,
    like: str | None = None,
    mass: bool = False,
) -> str:
    """A unit that parses with the project's pint registry (as the model converts it), and,
    with ``like``, converts to the product's declared unit."""
    text = _text(at, field, value, _UNIT_HINT)
    if not text.strip():
        raise at.fail(field, _UNIT_HINT, value)
    try:
        q = ureg.Quantity(1.0, text)
    except Exception:  # pint raises assorted error types on bad expressions
        raise at.fail(field, _UNIT_HINT, value) from None
    if mass and not q.check("[mass]"):
        raise at.fail(field, "a mass unit (e.g. kg, t)", value)
    if like is not None:
        try:
            q.to(like)
        except Exception:
            raise at.fail(
                field, f"a unit convertible to the product's declared unit {like!r}", value
            ) from None
    return text


def _choice(at: _At, field: str, value: object, choices: Sequence[str], blank_ok: bool) -> str:
    text = _text(at, field, value, "one of " + ", ".join(choices))
    if not text and blank_ok:
        return ""
    if text not in choices:
        raise at.fail(
            field, "one of " + ", ".join(choices) + (" (or empty)" if blank_ok else ""), value
        )
    return text


def _dqr(at: _At, raw: Mapping[str, object]) -> dict[str, float]:
    """Data-quality ratings: none, or the PACT indicators (others optional), each a number in the
    PACT range; :func:`greenmfg.footprint.quality.check_dqr` has the last word."""
    values: dict[str, float] = {}
    for key, value in raw.items():
        if key not in DQR_INDICATORS:
            raise at.fail(key, "one of the indicators " + ", ".join(DQR_INDICATORS), _UNKNOWN)
        x = _number(at, key, value, _DQR, lambda v: DQR_MIN <= v <= DQR_MAX, required=at.json)
        if x is not None:
            values[key] = x
    if not values:
        return {}
    for key in PACT_INDICATORS:
        if key not in values:
            raise at.fail(
                key,
                f"{_DQR}; once any rating is given, {', '.join(PACT_INDICATORS)} are required",
                raw.get(key, _ABSENT),
            )
    try:
        return check_dqr(values, "ratings")
    except DataQualityError as e:  # a rule of check_dqr not mirrored above
        raise at.fail("dqr", str(e).removeprefix("ratings: ")) from None


def _gases() -> frozenset[str]:
    return frozenset({gas for _, gas in get_reference().gwp} | {INVENTORY_CO2E})


class _Builder:
    """Checks records one by one and cross-checks ids and units; raises at the first problem."""

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.made_by: dict[str, tuple[str, str]] = {}  # product -> (process id, where)
        self.gases = _gases()

    def product(self, at: _At, pid_key: str, row: Mapping[str, object]) -> Product:
        pid = _text(at, pid_key, row.get(pid_key, _ABSENT), "a product id", True)
        if pid in self.products:
            raise at.fail(pid_key, "a product id not used by an earlier product", pid)
        name = _text(at, "name", row.get("name", _ABSENT), "the product's name")
        unit = _unit(at, "unit", row.get("unit", _ABSENT))
        mass_raw = row.get("mass_kg", _ABSENT)
        mass = _number(
            at,
            "mass_kg",
            mass_raw,
            "a mass per declared unit [kg] > 0" + (" or null" if at.json else " or an empty cell"),
            lambda v: v > 0,
            required=False,
        )
        p = Product(pid, name, unit, mass)
        self.products[pid] = p
        return p

    def declared(self, at: _At, field: str, value: object) -> Product:
        pid = _text(at, field, value, "a product id", True)
        p = self.products.get(pid)
        if p is None:
            where = "of 'products'" if at.json else f"of the sheet {PRODUCTS}"
            raise at.fail(field, f"a product id {where}", pid)
        return p

    def output(
        self,
        at: _At,
        pid_key: str,
        row: Mapping[str, object],
        process: str,
        properties: Mapping[str, float],
    ) -> Output:
        p = self.declared(at, pid_key, row.get(pid_key, _ABSENT))
        if p.id in self.made_by:
            other, where = self.made_by[p.id]
            raise at.fail(
                pid_key,
                f"a product made by one process only; {p.id!r} is already an output of "
                f"process {other!r} ({where}); buy the other as a purchased footprint",
                p.id,
            )
        self.made_by[p.id] = (process, at.where)
        amount = _required_number(at, "amount", row.get("amount", _ABSENT), "a number > 0", _pos)
        unit = _unit(at, "unit", row.get("unit", _ABSENT), like=p.unit)
        return Output(p.id, amount, unit, dict(properties))

    def input(self, at: _At, pid_key: str, row: Mapping[str, object]) -> Input:
        # an input's product need not be declared: the model may cut it off (ISO 14067, 6.3.4.3)
        pid = _text(at, pid_key, row.get(pid_key, _ABSENT), "a product id", True)
        amount = _required_number(
            at, "amount", row.get("amount", _ABSENT), "a number >= 0", _nonneg
        )
        declared = self.products.get(pid)
        unit = _unit(at, "unit", row.get("unit", _ABSENT), like=declared.unit if declared else None)
        return Input(pid, amount, unit, _gsd(at, "gsd", row.get("gsd")))

    def emission(self, at: _At, row: Mapping[str, object]) -> Emission:
        gas = _text(at, "gas", row.get("gas", _ABSENT), "a greenhouse gas", True)
        if gas not in self.gases:
            raise at.fail(
                "gas", "a gas of the reference GWP table: " + ", ".join(sorted(self.gases)), gas
            )
        amount = _required_number(at, "amount", row.get("amount", _ABSENT), "a finite number")
        unit_raw = row.get("unit", _ABSENT)
        if unit_raw is _ABSENT or (not at.json and _blank(unit_raw)):
            unit_raw = "kg"  # the model's default
        unit = _unit(at, "unit", unit_raw, mass=True)
        return Emission(gas, amount, unit, _gsd(at, "gsd", row.get("gsd")))

    def purchased(
        self, at: _At, pid_key: str, row: Mapping[str, object], dqr: Mapping[str, float]
    ) -> PurchasedFootprint:
        p = self.declared(at, pid_key, row.get(pid_key, _ABSENT))
        value = _required_number(
            at, "value", row.get("value", _ABSENT), "a footprint [kg CO2e per unit] >= 0", _nonneg
        )
        unit = _unit(at, "unit", row.get("unit", _ABSENT), like=p.unit)
        origin = _choice(at, "origin", row.get("origin", _ABSENT), ORIGINS, blank_ok=False)
        source = _text(
            at,
            "source",
            row.get("source", _ABSENT),
            "the source: the reference row or the supplier's footprint id",
            True,
        )
        supplier = _text(at, "supplier", row.get("supplier"))
        confidence = _choice(
            at, "confidence", row.get("confidence"), CONFIDENCE_LEVELS, blank_ok=True
        )
        return PurchasedFootprint(
            p.id,
            value,
            unit,
            cast(Literal["supplier", "database"], origin),
            source,
            supplier,
            confidence,
            _gsd(at, "gsd", row.get("gsd")),
            dict(dqr),
        )


def _pos(x: float) -> bool:
    return x > 0


def _nonneg(x: float) -> bool:
    return x >= 0


def _properties(at: _At, raw: Mapping[str, object]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in raw.items():
        if key not in ALLOCATIONS:
            raise at.fail(key, "an allocation property: " + ", ".join(ALLOCATIONS), _UNKNOWN)
        x = _number(
            at,
            key,
            value,
            f"the output's {key} [{_PROPERTY_UNITS[key]}], a number >= 0",
            _nonneg,
            required=at.json,
        )
        if x is not None:
            out[key] = x
    return out


_PROPERTY_UNITS = {
    "mass": "kg",
    "economic": "CNY",
    "physical": "any unit, the same for all outputs",
}
_SETTING_CUTOFF = "a share of the process's input mass from 0 to 1 (0.01 = 1 %)"


# =================================================================================================
# JSON
# =================================================================================================
def product_system_to_dict(system: ProductSystem) -> dict[str, Any]:
    """The product system as a JSON-safe dict (format :data:`FORMAT`), every field written."""
    return {
        "format": FORMAT,
        "allocation": system.allocation,
        "cutoff": float(system.cutoff),
        "products": [
            {
                "id": p.id,
                "name": p.name,
                "unit": p.unit,
                "mass_kg": None if p.mass_kg is None else float(p.mass_kg),
            }
            for p in system.products
        ],
        "processes": [
            {
                "id": proc.id,
                "name": proc.name,
                "allocation": proc.allocation,
                "supplier": proc.supplier,
                "source": proc.source,
                "dqr": {k: float(v) for k, v in proc.dqr.items()},
                "outputs": [
                    {
                        "product": o.product,
                        "amount": float(o.amount),
                        "unit": o.unit,
                        "properties": {k: float(v) for k, v in o.properties.items()},
                    }
                    for o in proc.outputs
                ],
                "inputs": [
                    {
                        "product": i.product,
                        "amount": float(i.amount),
                        "unit": i.unit,
                        "gsd": float(i.gsd),
                    }
                    for i in proc.inputs
                ],
                "emissions": [
                    {"gas": e.gas, "amount": float(e.amount), "unit": e.unit, "gsd": float(e.gsd)}
                    for e in proc.emissions
                ],
            }
            for proc in system.processes
        ],
        "purchased": [
            {
                "product": pf.product,
                "value": float(pf.value),
                "unit": pf.unit,
                "origin": pf.origin,
                "source": pf.source,
                "supplier": pf.supplier,
                "confidence": pf.confidence,
                "gsd": float(pf.gsd),
                "dqr": {k: float(v) for k, v in pf.dqr.items()},
            }
            for pf in system.purchased
        ],
    }


_TOP = (("format", "products", "processes"), ("allocation", "cutoff", "purchased"))
_PRODUCT = (("id", "name", "unit"), ("mass_kg",))
_PROCESS = (
    ("id", "name", "outputs"),
    ("allocation", "supplier", "source", "dqr", "inputs", "emissions"),
)
_OUTPUT = (("product", "amount", "unit"), ("properties",))
_INPUT = (("product", "amount", "unit"), ("gsd",))
_EMISSION = (("gas", "amount"), ("unit", "gsd"))
_PURCHASED = (
    ("product", "value", "unit", "origin", "source"),
    ("supplier", "confidence", "gsd", "dqr"),
)


def _keys(at: _At, obj: Mapping[str, Any], spec: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
    required, optional = spec
    allowed = (*required, *optional)
    for key in obj:
        if key not in allowed:
            raise at.fail(str(key), "one of the keys " + ", ".join(allowed), _UNKNOWN)
    for key in required:
        if key not in obj:
            raise at.fail(key, f"the key {key!r} (required)", _UNKNOWN)


def _object(at: _At, key: str, value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise at.fail(key, f"an object ({what})", value)
    return value


def _list(at: _At, key: str, value: object, what: str) -> list[tuple[_At, Mapping[str, Any]]]:
    if value is _ABSENT:
        return []
    if not isinstance(value, list | tuple):
        raise at.fail(key, f"a list of {what}", value)
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ProductSystemFileError(
                at.file, at.item(key, i).where, f"{key}[{i}]", f"an object ({what})", repr(item)
            )
        out.append((at.item(key, i), item))
    return out


def product_system_from_dict(data: Mapping[str, Any], *, file: str = "") -> ProductSystem:
    """A product system from its dict (as :func:`product_system_to_dict` writes it).

    Required keys are those the model requires; the others take the model's defaults. Unknown
    keys, a ``format`` other than :data:`FORMAT`, non-finite numbers, unknown units, gases,
    allocation methods or origins, ``gsd`` < 1 and ratings outside 1..3 are errors
    (:class:`ProductSystemFileError` naming ``file``, the JSON path and the field).
    """
    top = _At(file, "", True)
    if not isinstance(data, Mapping):
        raise ProductSystemFileError(
            file, "", "(document)", "a JSON object with 'format': " + repr(FORMAT), repr(data)
        )
    if data.get("format", _ABSENT) != FORMAT:
        raise top.fail("format", repr(FORMAT), data.get("format", _ABSENT))
    _keys(top, data, _TOP)
    b = _Builder()
    allocation = _choice(top, "allocation", data.get("allocation", "mass"), ALLOCATIONS, False)
    cutoff = _required_number(
        top, "cutoff", data.get("cutoff", 0.0), _SETTING_CUTOFF, lambda v: 0.0 <= v < 1.0
    )
    products = []
    for at, obj in _list(top, "products", data["products"], "products"):
        _keys(at, obj, _PRODUCT)
        products.append(b.product(at, "id", obj))
    processes: list[Process] = []
    seen: dict[str, str] = {}
    for at, obj in _list(top, "processes", data["processes"], "processes"):
        _keys(at, obj, _PROCESS)
        pid = _text(at, "id", obj["id"], "a process id", True)
        if pid in seen:
            raise at.fail("id", f"a process id not used before (also at {seen[pid]})", pid)
        seen[pid] = at.where
        name = _text(at, "name", obj["name"], "the process's name")
        proc_alloc = obj.get("allocation")
        alloc = (
            None
            if proc_alloc is None
            else _choice(at, "allocation", proc_alloc, ALLOCATIONS, False)
        )
        dqr_raw = obj.get("dqr", {})
        dqr = _dqr(at.sub("dqr"), _object(at, "dqr", dqr_raw, "indicator -> rating"))
        outputs = []
        out_items = _list(at, "outputs", obj["outputs"], "outputs")
        if not out_items:
            raise at.fail("outputs", "at least one output", obj["outputs"])
        for oat, o in out_items:
            _keys(oat, o, _OUTPUT)
            props = _properties(
                oat.sub("properties"),
                _object(oat, "properties", o.get("properties", {}), "allocation properties"),
            )
            outputs.append(b.output(oat, "product", o, pid, props))
        inputs = []
        for iat, i in _list(at, "inputs", obj.get("inputs", _ABSENT), "inputs"):
            _keys(iat, i, _INPUT)
            inputs.append(b.input(iat, "product", i))
        emissions = []
        for eat, e in _list(at, "emissions", obj.get("emissions", _ABSENT), "emissions"):
            _keys(eat, e, _EMISSION)
            emissions.append(b.emission(eat, e))
        processes.append(
            Process(
                pid,
                name,
                tuple(outputs),
                tuple(inputs),
                tuple(emissions),
                allocation=cast(Any, alloc),
                supplier=_text(at, "supplier", obj.get("supplier", "")),
                source=_text(at, "source", obj.get("source", "")),
                dqr=dqr,
            )
        )
    purchased = []
    for at, obj in _list(top, "purchased", data.get("purchased", _ABSENT), "purchased footprints"):
        _keys(at, obj, _PURCHASED)
        dqr = _dqr(at.sub("dqr"), _object(at, "dqr", obj.get("dqr", {}), "indicator -> rating"))
        purchased.append(b.purchased(at, "product", obj, dqr))
    return ProductSystem(
        tuple(products),
        tuple(processes),
        tuple(purchased),
        cast(Any, allocation),
        cutoff,
    )


# =================================================================================================
# Workbook
# =================================================================================================
@dataclass(frozen=True)
class _Col:
    key: str
    zh: str
    required: bool
    help_zh: str
    help_en: str


_DQR_RANGE = f"{DQR_MIN:g}（最好）至 {DQR_MAX:g}"
_DQR_REQUIRED = ", ".join(PACT_INDICATORS)
_DQR_COLS = tuple(
    _Col(
        key,
        zh,
        False,
        f"{zh}数据质量评级（PACT），{_DQR_RANGE}；填写任一评级时 {_DQR_REQUIRED} 必填",
        f"PACT {en} rating from {DQR_MIN:g} (best) to {DQR_MAX:g}; once any rating is given, "
        f"{_DQR_REQUIRED} are required",
    )
    for key, zh, en in (
        ("technological", "技术代表性", "technological representativeness"),
        ("temporal", "时间代表性", "temporal representativeness"),
        ("geographical", "地理代表性", "geographical representativeness"),
        ("completeness", "完整性", "completeness"),
        ("reliability", "可靠性", "reliability"),
    )
)

SETTINGS, PRODUCTS, OUTPUTS, INPUTS, EMISSIONS, PURCHASED = (
    "Settings",
    "Products",
    "Outputs",
    "Inputs",
    "Emissions",
    "Purchased",
)
COLUMNS: dict[str, tuple[_Col, ...]] = {
    SETTINGS: (
        _Col("key", "设置项", True, "allocation 或 cutoff", "allocation or cutoff"),
        _Col("value", "值", True, "见下", "see below"),
    ),
    PRODUCTS: (
        _Col("product_id", "产品编号", True, "产品的唯一编号（文本）", "unique product id (text)"),
        _Col("name", "产品名称", False, "名称", "name"),
        _Col(
            "unit",
            "声明单位",
            True,
            "产品的声明单位，如 kg、t、kWh、piece（件）",
            "declared unit of the product, e.g. kg, t, kWh, piece",
        ),
        _Col(
            "mass_kg",
            "单位质量(kg)",
            False,
            "每声明单位的质量 [kg]，截断规则和 PACT 申报需要",
            "mass per declared unit [kg]; needed for the cut-off rule and PACT declarations",
        ),
    ),
    OUTPUTS: (
        _Col("process_id", "过程编号", True, "单元过程编号", "unit process id"),
        _Col("process_name", "过程名称", False, "过程名称*", "process name*"),
        _Col(
            "product_id",
            "产品编号",
            True,
            "产出的产品（须在 Products 中）",
            "product made (declared in Products)",
        ),
        _Col(
            "amount",
            "产出数量",
            True,
            "产出量 > 0；本过程所有投入和排放均对应这些产出量",
            "amount made > 0; all inputs and emissions of the process are for these amounts",
        ),
        _Col(
            "unit",
            "单位",
            True,
            "产出量的单位（可换算为产品声明单位）",
            "unit of the amount (convertible to the product's unit)",
        ),
        _Col(
            "mass",
            "质量(kg)",
            False,
            "分配属性：该产出的质量 [kg]",
            "allocation property: mass of this output [kg]",
        ),
        _Col(
            "economic",
            "经济价值(元)",
            False,
            "分配属性：该产出的经济价值 [元]",
            "allocation property: economic value of this output [CNY]",
        ),
        _Col(
            "physical",
            "物理量",
            False,
            "分配属性：物理因果关系量（同一过程的各产出单位一致）",
            "allocation property: physical-causality quantity (same unit for all outputs of a process)",
        ),
        _Col(
            "allocation",
            "分配方法",
            False,
            "多产出过程的分配方法 mass/economic/physical，空则用 Settings 中的方法*",
            "allocation method of a multi-output process (mass, economic, physical); empty: the Settings one*",
        ),
        _Col(
            "supplier",
            "供应商",
            False,
            "运营该过程的单位，空为本企业*",
            "who runs the process; empty: the organisation itself*",
        ),
        _Col("source", "数据来源", False, "数据来源说明*", "where the process data come from*"),
        *(_Col(c.key, c.zh, False, c.help_zh + "*", c.help_en + "*") for c in _DQR_COLS),
    ),
    INPUTS: (
        _Col(
            "process_id",
            "过程编号",
            True,
            "消耗该投入的过程（须在 Outputs 中）",
            "process consuming it (listed in Outputs)",
        ),
        _Col("product_id", "投入产品编号", True, "投入的产品", "product consumed"),
        _Col(
            "amount",
            "投入数量",
            True,
            "投入量 >= 0（对应该过程的产出量）",
            "amount >= 0 (for the process's stated outputs)",
        ),
        _Col("unit", "单位", True, "投入量的单位", "unit of the amount"),
        _Col(
            "gsd",
            "几何标准差",
            False,
            "数量的几何标准差 >= 1，空为 1（确定）",
            "geometric standard deviation of the amount >= 1; empty: 1 (certain)",
        ),
    ),
    EMISSIONS: (
        _Col(
            "process_id",
            "过程编号",
            True,
            "排放的过程（须在 Outputs 中）",
            "emitting process (listed in Outputs)",
        ),
        _Col(
            "gas",
            "温室气体",
            True,
            "气体名称，同 gwp.csv，如 CO2、CH4_fossil、N2O、SF6；CO2e 为已折算当量",
            "gas as in gwp.csv, e.g. CO2, CH4_fossil, N2O, SF6; CO2e for amounts already in CO2e",
        ),
        _Col(
            "amount",
            "排放量",
            True,
            "排放量（对应该过程的产出量）",
            "amount emitted (for the process's stated outputs)",
        ),
        _Col("unit", "单位", False, "质量单位，空为 kg", "mass unit; empty: kg"),
        _Col(
            "gsd",
            "几何标准差",
            False,
            "几何标准差 >= 1，空为 1",
            "geometric standard deviation >= 1; empty: 1",
        ),
    ),
    PURCHASED: (
        _Col(
            "product_id",
            "产品编号",
            True,
            "外购产品（须在 Products 中）",
            "purchased product (declared in Products)",
        ),
        _Col(
            "value",
            "碳足迹(kgCO2e/单位)",
            True,
            "从摇篮到大门碳足迹 [kg CO2e / 每 1 个 unit]",
            "cradle-to-gate footprint [kg CO2e per 1 unit]",
        ),
        _Col("unit", "单位", True, "碳足迹所对应的单位", "the unit the footprint is per"),
        _Col(
            "origin",
            "数据类型",
            True,
            "supplier（供应商声明）或 database（数据库值）",
            "supplier (the supplier's declaration) or database (a reference-data value)",
        ),
        _Col(
            "source",
            "来源编号",
            True,
            "数据库行编号或供应商碳足迹编号",
            "reference row id or the supplier's footprint id",
        ),
        _Col("supplier", "供应商", False, "供应商名称", "supplier's name"),
        _Col(
            "confidence",
            "可信度",
            False,
            "数据库值的可信度 official/secondary/unverified",
            "confidence of a database value: official, secondary, unverified",
        ),
        _Col(
            "gsd",
            "几何标准差",
            False,
            "几何标准差 >= 1，空为 1",
            "geometric standard deviation >= 1; empty: 1",
        ),
        *_DQR_COLS,
    ),
}
SHEETS: tuple[str, ...] = tuple(COLUMNS)
_REQUIRED_SHEETS = (PRODUCTS, OUTPUTS)
_PROCESS_FIELDS = ("process_name", "allocation", "supplier", "source", *DQR_INDICATORS)
_IGNORED = ("note", "notes", "备注", "说明")
_SETTINGS_HELP = {
    "allocation": (
        "mass",
        "多产出过程的默认分配方法：mass（质量）、economic（经济价值）、physical（物理因果）",
        "default allocation of multi-output processes: mass, economic or physical "
        "(ISO 14044:2006, 4.3.4.2)",
    ),
    "cutoff": (
        "0",
        "截断比例：无数据的投入若质量占该过程投入质量的比例低于此值则略去并报告（0.01 = 1 %）",
        "cut-off share: an input without data is left out (and reported) when its mass is below "
        "this share of the process's input mass (0.01 = 1 %; ISO 14067:2018, 6.3.4.3)",
    ),
}
_SETTING_ZH = {"allocation": "分配方法", "cutoff": "截断比例"}


def _key(cell: object) -> str:
    """English key of a header cell: the last whitespace token, lower-cased (``''`` if empty)."""
    text = str(cell).strip() if cell is not None else ""
    return text.split()[-1].lower() if text else ""


def _is_readme(sheet: str) -> bool:
    low = sheet.lower()
    return "readme" in low or "read me" in low or "说明" in sheet


_Row = dict[str, object]


def _table(file: str, sheet: str, rows: list[list[object]]) -> list[tuple[_At, _Row]]:
    """The data rows of a sheet as ``(location, {column key: cell})``, blank rows skipped."""
    cols = COLUMNS[_sheet_kind(sheet)]
    known = {c.key for c in cols}
    header = rows[0] if rows else []
    at = _At(file, f"sheet {sheet}, row 1")
    index: dict[str, int] = {}
    for j, cell in enumerate(header):
        key = _key(cell)
        if not key or key in _IGNORED:
            continue
        if key not in known:
            raise at.fail(
                str(cell).strip(),
                "a column of " + ", ".join(c.key for c in cols) + " (or a note column)",
            )
        if key in index:
            raise at.fail(
                key, f"each column once (also in column {get_column_letter(index[key] + 1)})"
            )
        index[key] = j
    for c in cols:
        if c.required and c.key not in index:
            raise at.fail(c.key, f"a column headed '{c.zh} {c.key}' (required)")
    out: list[tuple[_At, _Row]] = []
    for n, raw in enumerate(rows[1:], start=2):
        row: _Row = {k: (raw[j] if j < len(raw) else None) for k, j in index.items()}
        if not all(_blank(v) for v in row.values()):  # a row with only a note is blank too
            out.append((_At(file, f"sheet {sheet}, row {n}"), row))
    return out


def _sheet_kind(sheet: str) -> str:
    key = _key(sheet)
    for s in SHEETS:
        if s.lower() == key:
            return s
    raise KeyError(sheet)


def _read_xlsx(data: bytes, file: str) -> ProductSystem:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a zip, not a workbook, a damaged part: all mean the same to the user
        raise ProductSystemFileError(
            file, "", "file", "an Excel workbook (.xlsx) with the sheets " + ", ".join(SHEETS)
        ) from None
    sheets: dict[str, tuple[str, list[list[object]]]] = {}
    try:
        for name in wb.sheetnames:
            if _is_readme(name):
                continue
            try:
                kind = _sheet_kind(name)
            except KeyError:
                raise ProductSystemFileError(
                    file,
                    f"sheet {name}",
                    "sheet name",
                    "one of the sheets " + ", ".join(SHEETS) + " (or a read-me sheet)",
                    repr(name),
                ) from None
            if kind in sheets:
                raise ProductSystemFileError(
                    file,
                    f"sheet {name}",
                    "sheet name",
                    f"one sheet {kind} (also {sheets[kind][0]!r})",
                )
            ws = wb[name]
            ws.reset_dimensions()  # some writers store a wrong dimension; read every row
            sheets[kind] = (name, [list(r) for r in ws.iter_rows(values_only=True)])
    finally:
        wb.close()
    for kind in _REQUIRED_SHEETS:
        if kind not in sheets:
            raise ProductSystemFileError(
                file, "", "sheet name", f"a sheet {kind} (sheets found: {', '.join(wb.sheetnames)})"
            )

    def table(kind: str) -> list[tuple[_At, _Row]]:
        if kind not in sheets:
            return []
        name, rows = sheets[kind]
        return _table(file, name, rows)

    allocation, cutoff = "mass", 0.0
    seen: dict[str, str] = {}
    for at, row in table(SETTINGS):
        key = _key(row["key"])
        if key not in _SETTINGS_HELP:
            raise at.fail("key", "allocation or cutoff", row["key"])
        if key in seen:
            raise at.fail("key", f"each setting once (also on {seen[key]})", row["key"])
        seen[key] = at.where.split(", ")[-1]
        if key == "allocation":
            allocation = _choice(at, "value", row["value"], ALLOCATIONS, blank_ok=False)
        else:
            cutoff = _required_number(
                at, "value", row["value"], _SETTING_CUTOFF, lambda v: 0 <= v < 1
            )

    b = _Builder()
    products = [b.product(at, "product_id", row) for at, row in table(PRODUCTS)]

    procs: dict[str, dict[str, Any]] = {}
    for at, row in table(OUTPUTS):
        pid = _text(at, "process_id", row["process_id"], "a process id", True)
        fields = _process_fields(at, row)
        props = _properties(at, {k: row.get(k) for k in ALLOCATIONS})
        out = b.output(at, "product_id", row, pid, props)
        proc = procs.get(pid)
        if proc is None:
            fields["dqr"] = _dqr(at, {k: fields[k] for k in DQR_INDICATORS})
            procs[pid] = {
                "at": at,
                "fields": fields,
                "outputs": [out],
                "inputs": [],
                "emissions": [],
            }
            continue
        first: dict[str, Any] = proc["fields"]
        for key in _PROCESS_FIELDS:
            if _blank(row.get(key)):
                continue
            if fields[key] != first[key]:
                where = proc["at"].where.split(", ")[-1]
                shown = "an empty cell" if first[key] in ("", None) else repr(first[key])
                raise at.fail(
                    key,
                    f"an empty cell or {shown} as on {where}, the first output row of process "
                    f"{pid!r}, which gives the process's {key}",
                    row[key],
                )
        proc["outputs"].append(out)
    for kind, attr in ((INPUTS, "inputs"), (EMISSIONS, "emissions")):
        for at, row in table(kind):
            pid = _text(at, "process_id", row["process_id"], "a process id", True)
            if pid not in procs:
                raise at.fail("process_id", f"a process_id of the sheet {OUTPUTS}", pid)
            rec = b.input(at, "product_id", row) if kind == INPUTS else b.emission(at, row)
            procs[pid][attr].append(rec)
    purchased = [
        b.purchased(at, "product_id", row, _dqr(at, {k: row.get(k) for k in DQR_INDICATORS}))
        for at, row in table(PURCHASED)
    ]
    processes = tuple(
        Process(
            pid,
            p["fields"]["process_name"],
            tuple(p["outputs"]),
            tuple(p["inputs"]),
            tuple(p["emissions"]),
            p["fields"]["allocation"],
            p["fields"]["supplier"],
            p["fields"]["source"],
            p["fields"]["dqr"],
        )
        for pid, p in procs.items()
    )
    return ProductSystem(
        tuple(products), processes, tuple(purchased), cast(Any, allocation), cutoff
    )


def _process_fields(at: _At, row: _Row) -> dict[str, Any]:
    """The process-level fields of an Outputs row (the dqr both whole and per indicator)."""
    dqr_raw = {k: row.get(k) for k in DQR_INDICATORS}
    out: dict[str, Any] = {
        "process_name": _text(at, "process_name", row.get("process_name")),
        "allocation": _choice(at, "allocation", row.get("allocation"), ALLOCATIONS, True) or None,
        "supplier": _text(at, "supplier", row.get("supplier")),
        "source": _text(at, "source", row.get("source")),
    }
    for k in DQR_INDICATORS:
        out[k] = _number(at, k, dqr_raw[k], _DQR, lambda v: DQR_MIN <= v <= DQR_MAX, required=False)
    return out


# ---- writing -------------------------------------------------------------------------------------
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQ_FILL = PatternFill("solid", fgColor="FCE4D6")


def _header(col: _Col, lang: str) -> str:
    return f"{col.zh} {col.key}" if lang == "zh" else col.key


def _set(ws: Any, row: int, col: int, value: object) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: a cell starting with '=' is never a formula


def _sheet(wb: Workbook, name: str, lang: str, rows: Sequence[Sequence[object]]) -> Any:
    ws = wb.create_sheet(name)
    cols = COLUMNS[name]
    for j, col in enumerate(cols, start=1):
        _set(ws, 1, j, _header(col, lang))
        cell = ws.cell(row=1, column=j)
        cell.font = _HEAD_FONT
        cell.fill = _REQ_FILL if col.required else _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = len(col.key) + (2 * len(col.zh) if lang == "zh" else 0) + 3
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, width))
    for i, values in enumerate(rows, start=2):
        for j, v in enumerate(values, start=1):
            if v is not None and v != "":
                _set(ws, i, j, v)
    ws.freeze_panes = "A2"
    return ws


def _gsd_cell(gsd: float) -> float | None:
    return None if gsd == 1.0 else gsd  # an empty cell reads as 1 (certain)


def _choices(ws: Any, column: str, choices: Sequence[str], name: str) -> None:
    j = [c.key for c in COLUMNS[name]].index(column) + 1
    letter = get_column_letter(j)
    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    dv.add(f"{letter}2:{letter}2000")
    ws.add_data_validation(dv)


def _workbook(system: ProductSystem, lang: str) -> Workbook:
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r}: expected one of {', '.join(LANGS)}")
    wb = Workbook()
    wb.remove(wb.active)
    settings = [
        (
            f"{_SETTING_ZH[k]} {k}" if lang == "zh" else k,
            system.allocation if k == "allocation" else float(system.cutoff),
            f"{help_zh} / {help_en}" if lang == "zh" else help_en,
        )
        for k, (_default, help_zh, help_en) in _SETTINGS_HELP.items()
    ]
    ws = _sheet(wb, SETTINGS, lang, [s[:2] for s in settings])
    _set(ws, 1, 3, "说明 note" if lang == "zh" else "note")
    ws.cell(row=1, column=3).font = _HEAD_FONT
    for i, s in enumerate(settings, start=2):
        _set(ws, i, 3, s[2])
    ws.column_dimensions["C"].width = 100
    _sheet(
        wb,
        PRODUCTS,
        lang,
        [(p.id, p.name, p.unit, p.mass_kg) for p in system.products],
    )
    rows: list[list[object]] = []
    for proc in system.processes:
        for k, out in enumerate(proc.outputs):
            props = [out.properties.get(a) for a in ALLOCATIONS]
            if k == 0:
                head = [proc.name, proc.allocation or "", proc.supplier, proc.source]
                dqr = [proc.dqr.get(d) for d in DQR_INDICATORS]
            else:
                head, dqr = ["", "", "", ""], [None] * len(DQR_INDICATORS)
            rows.append(
                [proc.id, head[0], out.product, out.amount, out.unit, *props, *head[1:], *dqr]
            )
    ws = _sheet(wb, OUTPUTS, lang, rows)
    _choices(ws, "allocation", ALLOCATIONS, OUTPUTS)
    _sheet(
        wb,
        INPUTS,
        lang,
        [
            (proc.id, i.product, i.amount, i.unit, _gsd_cell(i.gsd))
            for proc in system.processes
            for i in proc.inputs
        ],
    )
    _sheet(
        wb,
        EMISSIONS,
        lang,
        [
            (proc.id, e.gas, e.amount, e.unit, _gsd_cell(e.gsd))
            for proc in system.processes
            for e in proc.emissions
        ],
    )
    ws = _sheet(
        wb,
        PURCHASED,
        lang,
        [
            (
                pf.product,
                pf.value,
                pf.unit,
                pf.origin,
                pf.source,
                pf.supplier,
                pf.confidence,
                _gsd_cell(pf.gsd),
                *(pf.dqr.get(d) for d in DQR_INDICATORS),
            )
            for pf in system.purchased
        ],
    )
    _choices(ws, "origin", ORIGINS, PURCHASED)
    _choices(ws, "confidence", CONFIDENCE_LEVELS, PURCHASED)
    _readme(wb, lang)
    wb.properties.creator = "greenmfg"
    return wb


def _readme(wb: Workbook, lang: str) -> None:
    ws = wb.create_sheet(README_SHEET)
    zh = lang == "zh"
    lines: list[list[str]] = []
    if zh:
        lines += [
            ["产品碳足迹模型（产品系统）工作簿 greenmfg product system workbook"],
            [
                "每张表第一行为表头，格式为“中文标签 english_key”，程序按最后一个英文词识别列，"
                "列的顺序可以调整；空行忽略；可加一列“备注 note”写说明。带*的列为过程级字段：只在该"
                "过程的第一行产出上填写，后续行留空或填相同值。"
            ],
            [
                "The first row of each sheet is the header '<中文标签> <english_key>'; columns are "
                "found by the English key and may be reordered; blank rows are ignored; a 'note' "
                "column is free text. Columns marked * are process-level: give them on the "
                "process's first output row; later rows leave them empty or repeat them."
            ],
            [],
            ["工作表 sheet", "列 column", "必填 required", "说明", "meaning"],
        ]
    else:
        lines += [
            ["greenmfg product system workbook"],
            [
                "The first row of each sheet is the header; columns are found by their key and may "
                "be reordered; blank rows are ignored; a 'note' column is free text. Columns "
                "marked * are process-level: give them on the process's first output row; later "
                "rows leave them empty or repeat them."
            ],
            [],
            ["sheet", "column", "required", "meaning"],
        ]
    for sheet, cols in COLUMNS.items():
        for c in cols:
            req = ("是 yes" if zh else "yes") if c.required else ""
            if zh:
                lines.append([sheet, _header(c, lang), req, c.help_zh, c.help_en])
            else:
                lines.append([sheet, c.key, req, c.help_en])
    lines.append([])
    for k, (_default, help_zh, help_en) in _SETTINGS_HELP.items():
        lines.append([SETTINGS, k, "", help_zh, help_en] if zh else [SETTINGS, k, "", help_en])
    for i, line in enumerate(lines, start=1):
        for j, v in enumerate(line, start=1):
            _set(ws, i, j, v)
    for letter, width in zip("ABCDE", (12, 26, 10, 60, 80), strict=True):
        ws.column_dimensions[letter].width = width


def write_product_system_xlsx(
    system: ProductSystem, path: str | Path | BinaryIO, lang: str = "zh"
) -> None:
    """Write ``system`` as the workbook :func:`read_product_system` reads (``lang``: ``zh`` for
    bilingual headers and read-me, ``en`` for English only).

    Numbers are stored with 16 significant digits (openpyxl; Excel itself keeps 15), so a value
    carrying 17 comes back one ulp away; JSON (:func:`product_system_to_dict`) is exact."""
    wb = _workbook(system, lang)
    wb.save(str(path) if isinstance(path, str | Path) else path)


# obviously illustrative amounts only (no factor): the template's one row per sheet
_TEMPLATE = ProductSystem(
    products=(Product("example_product", "示例产品 example product (replace)", "piece", 1.0),),
    processes=(
        Process(
            "example_process",
            "示例工序 example process (replace)",
            outputs=(Output("example_product", 1.0, "piece"),),
            inputs=(Input("example_material", 1.0, "kg"),),
            emissions=(Emission("CO2", 1.0, "kg"),),
            source="示例数值，请替换 illustrative amounts, replace",
        ),
    ),
)


def product_system_template_xlsx(lang: str = "zh") -> bytes:
    """A workbook to fill in: headers, one obviously illustrative row on the own-process sheets
    (no emission factor, no purchased footprint) and the read-me sheet explaining every column."""
    buf = io.BytesIO()
    write_product_system_xlsx(_TEMPLATE, buf, lang)
    return buf.getvalue()


# ---- reading -------------------------------------------------------------------------------------
def read_product_system_bytes(data: bytes, filename: str) -> ProductSystem:
    """A product system from uploaded bytes; ``filename``'s suffix picks the format
    (``.json``: UTF-8 JSON; ``.xlsx``: the workbook). Errors name the file's base name."""
    file = filename.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(file).suffix.lower()
    if suffix == ".json":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ProductSystemFileError(
                file, f"byte {e.start}", "encoding", "UTF-8 text"
            ) from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProductSystemFileError(
                file, f"line {e.lineno}, column {e.colno}", "(JSON syntax)", f"valid JSON ({e.msg})"
            ) from None
        return product_system_from_dict(doc, file=file)
    if suffix == ".xlsx":
        return _read_xlsx(data, file)
    raise ProductSystemFileError(file, "", "file type", ".json or .xlsx", repr(suffix or file))


def read_product_system(path: str | Path) -> ProductSystem:
    """A product system from a ``.json`` (UTF-8, :data:`FORMAT`) or ``.xlsx`` file."""
    p = Path(path)
    return read_product_system_bytes(p.read_bytes(), p.name)

"""Energy performance of production lines and enterprises (GB/T 2589-2020), classified against
the NDRC benchmark (标杆) and base (基准) levels and the limit standards' grades.

**A line's boundary is one accounting site.** An enterprise that wants a production line (or a
process, 工序) benchmarked reports it as its own site in the activity records: the clinker line
apart from the grinding station, the potlines apart from the casthouse, the EAF melt shop apart
from the rolling mill. Everything recorded on that site is the line's energy; nothing is
allocated between products here (GB/T 2589-2020 defines the unit-product consumption of a
boundary, and drawing the boundary is the enterprise's statement).

Unit-product comprehensive energy consumption (单位产品综合能耗, GB/T 2589-2020, definition
and formula of the unit-product consumption; ``formulas.csv`` ``comprehensive_energy`` for the
numerator)::

    e_j = E_j / P_j

``E_j`` the site's comprehensive energy consumption [tce, equivalent value (当量值), energy
supplied outside deducted] and ``P_j`` its qualified output of the product [t, 重量箱 …], converted
with pint into the indicator's unit (kgce/t, kgce/重量箱, kgoe/t). For electricity indicators
(unit kWh per product, e.g. 电解铝 铝液交流电耗, GB 21346-2022) the numerator is the site's
electricity consumption in kWh: every record of kind ``electricity`` (grid electricity and any
other electricity the site records as consumed), not its standard-coal equivalent.

The equal value (等价值) of electricity and heat needs the year's published coefficient; until
``energy_coefficients.csv`` holds one, asking for it raises :class:`PerformanceError` (never a
silent fall-back to the equivalent value).

The core is pure: it reads plain site balances (built from an :class:`Inventory` or from a
stored inventory summary) and reference data, and opens nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from greenmfg.energy.benchmark import BenchmarkError, Classification, Position, classify
from greenmfg.energy.standard_coal import StandardCoalError, standard_coal_factor
from greenmfg.reference.model import BenchmarkLevel, Factor, ReferenceData
from greenmfg.units import conversion_factor, parse_unit

if TYPE_CHECKING:  # the core reads an Inventory's arrays; no runtime import cycle
    from greenmfg.accounting.inventory import Inventory

ELECTRICITY_KIND = "electricity"
UNIT_PRODUCT_CLAUSE = (
    "GB/T 2589-2020 综合能耗计算通则: 单位产品综合能耗 = 统计期内综合能耗 / 合格产品产量 "
    "(definition and formula of the unit-product consumption; clause numbers not checked)"
)
INTENSITY_CLAUSE = (
    "GB/T 2589-2020 综合能耗计算通则: 单位产值综合能耗 = 综合能耗 / 工业总产值 "
    "(definition of the energy consumption per output value; clause numbers not checked)"
)
INTENSITY_UNIT = "tce/10^4 CNY"


class PerformanceError(ValueError):
    """A value that cannot be computed as asked (no output, unknown basis, no coefficient)."""


@dataclass(frozen=True)
class SiteBalance:
    """What one site consumed and produced in one year.

    Attributes
    ----------
    site, year : the accounting site and the data year.
    energy_tce : comprehensive energy consumption [tce] on ``energy_basis``, exports deducted.
    electricity_kwh : electricity consumed [kWh], records of kind ``electricity``.
    outputs : product -> (amount, unit) of the site's production records.
    energy_basis : ``equivalent`` (当量值) or ``equal`` (等价值).
    """

    site: str
    year: int
    energy_tce: float
    electricity_kwh: float
    outputs: Mapping[str, tuple[float, str]]
    energy_basis: str = "equivalent"


@dataclass(frozen=True)
class LineSpec:
    """A production line as the enterprise declares it (``ProductionLine`` in the store)."""

    site: str
    indicator_id: str
    product: str
    name: str = ""
    capacity: float | None = None
    capacity_unit: str = ""
    commissioned: int | None = None


@dataclass(frozen=True)
class LinePerformance:
    """A line's unit-product value for one year, its classification and the rule that applies.

    ``rule`` is ``existing`` (the base level applies, by the catalogue's ``deadline``) or ``new``
    (commissioned after the catalogue year: the benchmark level applies from commissioning, so
    ``deadline`` is ``None``). ``meets_requirement`` is ``None`` when the required level is not
    sourced. ``numerator`` and ``numerator_unit`` echo ``E_j`` (tce or kWh), ``output`` and
    ``output_unit`` echo ``P_j``.
    """

    line: LineSpec
    year: int
    level: BenchmarkLevel
    value: float
    unit: str
    numerator: float
    numerator_unit: str
    output: float
    output_unit: str
    classification: Classification
    rule: str
    required_level: str
    required_value: float | None
    deadline: str | None
    meets_requirement: bool | None
    energy_basis: str
    formula: str = UNIT_PRODUCT_CLAUSE
    factors: tuple[Factor, ...] = field(default_factory=tuple)

    @property
    def position(self) -> Position:
        return self.classification.position

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with every input and source echoed."""
        c = self.classification
        lv = self.level
        return {
            "site": self.line.site,
            "name": self.line.name,
            "indicator_id": lv.indicator_id,
            "indicator_zh": lv.indicator_zh,
            "indicator_en": lv.indicator_en,
            "area_id": lv.area_id,
            "area_zh": lv.area_zh,
            "area_en": lv.area_en,
            "scope": lv.scope,
            "catalogue": lv.catalogue,
            "level_status": lv.status,
            "product": self.line.product,
            "capacity": self.line.capacity,
            "capacity_unit": self.line.capacity_unit,
            "commissioned": self.line.commissioned,
            "year": self.year,
            "value": self.value,
            "unit": self.unit,
            "position": c.position.value,
            "benchmark": c.benchmark,
            "base": c.base,
            "grades": list(c.grades) if c.grades else None,
            "limit_grade": c.limit_grade,
            "exceeds_limit": c.exceeds_limit,
            "gap_to_base": c.gap_to_base,
            "gap_to_benchmark": c.gap_to_benchmark,
            "effort_to_base_tce": c.effort_to_base_tce,
            "effort_to_benchmark_tce": c.effort_to_benchmark_tce,
            "rule": self.rule,
            "required_level": self.required_level,
            "required_value": self.required_value,
            "deadline": self.deadline,
            "meets_requirement": self.meets_requirement,
            "inputs": {
                "numerator": self.numerator,
                "numerator_unit": self.numerator_unit,
                "output": self.output,
                "output_unit": self.output_unit,
                "energy_basis": self.energy_basis,
            },
            "formula": self.formula,
            "sources": [
                {
                    "source": s.label(),
                    "document": s.document,
                    "edition": s.edition,
                    "clause": s.clause,
                    "confidence": s.confidence,
                }
                for s in c.sources
            ],
            "factors": [f.as_dict() for f in self.factors],
        }


@dataclass(frozen=True)
class EnergyIntensity:
    """Energy consumption per 10^4 CNY of output value of an enterprise-year."""

    year: int
    energy_tce: float
    output_value: float  # [10^4 CNY]
    value: float  # [tce/10^4 CNY]
    unit: str = INTENSITY_UNIT
    energy_basis: str = "equivalent"
    formula: str = INTENSITY_CLAUSE


# ------------------------------------------------------------------------------ site balances


def _add_output(
    outputs: dict[str, tuple[float, str]], product: str, amount: float, unit: str
) -> None:
    if product in outputs:
        total, first = outputs[product]
        outputs[product] = (total + amount * conversion_factor(unit, first), first)
    else:
        outputs[product] = (amount, unit)


def site_balances(inv: Inventory) -> dict[tuple[str, int], SiteBalance]:
    """Site-year balances of an inventory (its ``energy_tce`` lines and records)."""
    t = inv.activities
    energy: dict[tuple[str, int], float] = defaultdict(float)
    kwh: dict[tuple[str, int], float] = defaultdict(float)
    outputs: dict[tuple[str, int], dict[str, tuple[float, str]]] = defaultdict(dict)
    factors: dict[str, float] = {}
    for i in range(len(t)):
        key = (str(t.site[i]), int(t.year[i]))
        energy[key] += float(inv.energy_tce[i])
        kind, unit = str(t.kind[i]), str(t.unit[i])
        if kind == ELECTRICITY_KIND:
            f = factors.get(unit)
            if f is None:
                f = factors[unit] = conversion_factor(unit, "kWh")
            kwh[key] += float(t.amount[i]) * f
        elif kind == "production":
            _add_output(outputs[key], str(t.item[i]), float(t.amount[i]), unit)
    keys = set(energy) | set(outputs)
    return {
        k: SiteBalance(k[0], k[1], energy[k], kwh[k], outputs[k], inv.energy_basis)
        for k in sorted(keys)
    }


def balances_from_summary(summary: Mapping[str, Any]) -> dict[tuple[str, int], SiteBalance]:
    """Site-year balances from a stored inventory summary (``Inventory.to_dict(lines=False)``:
    ``by_site``, ``energy_by_carrier`` and ``intensities``), so that a page needs no recompute."""
    energy: dict[tuple[str, int], float] = defaultdict(float)
    kwh: dict[tuple[str, int], float] = defaultdict(float)
    outputs: dict[tuple[str, int], dict[str, tuple[float, str]]] = defaultdict(dict)
    for r in summary.get("by_site") or ():
        energy[(str(r["site"]), int(r["year"]))] += float(r.get("energy_tce") or 0.0)
    for r in summary.get("energy_by_carrier") or ():
        if r.get("kind") == ELECTRICITY_KIND:
            key = (str(r["site"]), int(r["year"]))
            kwh[key] += float(r["amount"]) * conversion_factor(str(r["unit"]), "kWh")
    for r in summary.get("intensities") or ():
        key = (str(r["site"]), int(r["year"]))
        _add_output(outputs[key], str(r["product"]), float(r["output"]), str(r["unit"]))
    basis = str(summary.get("energy_basis") or "equivalent")
    keys = set(energy) | set(outputs)
    return {k: SiteBalance(k[0], k[1], energy[k], kwh[k], outputs[k], basis) for k in sorted(keys)}


# ------------------------------------------------------------------------------ computations


def _electrical(unit: str) -> bool:
    return "kWh" in unit or "kW·h" in unit


def check_basis(ref: ReferenceData, basis: str, year: int) -> None:
    """Refuse a basis the reference data cannot support (the equal value without a published
    coefficient of the year); :class:`PerformanceError` names what is missing."""
    if basis == "equivalent":
        return
    if basis != "equal":
        raise PerformanceError(f"energy basis {basis!r}: expected 'equivalent' or 'equal'")
    for item in ("grid_electricity", "purchased_heat"):
        try:
            standard_coal_factor(ref, item, "equal", year, secondary=True)
        except StandardCoalError as exc:
            raise PerformanceError(
                f"the equal value (等价值) is refused: {exc}. GB/T 2589-2020 needs the year's "
                "published coefficient; none is in the reference data"
            ) from exc


def kgce_per_kwh(ref: ReferenceData) -> Factor:
    """GB/T 2589 equivalent-value coefficient of electricity (``energy_coefficients.csv``)."""
    factor, _ = standard_coal_factor(ref, "grid_electricity", "equivalent", 0, secondary=True)
    if factor is None:
        raise PerformanceError("energy_coefficients.csv holds no grid_electricity coefficient")
    return factor


def unit_product_value(
    balance: SiteBalance, product: str, unit: str
) -> tuple[float, float, str, float, str]:
    """``E_j / P_j`` of ``product`` on the site, in ``unit``.

    Returns (value [unit], numerator, numerator unit, output, output unit). Raises
    :class:`PerformanceError` without output of the product.
    """
    out = balance.outputs.get(product)
    if out is None or out[0] <= 0:
        raise PerformanceError(
            f"site {balance.site!r} has no {balance.year} output of {product!r}; a line's site "
            "must record its product"
        )
    amount, out_unit = out
    if _electrical(unit):
        numerator, num_unit = balance.electricity_kwh, "kWh"
    else:
        numerator, num_unit = balance.energy_tce, "tce"
    q = (numerator * parse_unit(num_unit)) / (amount * parse_unit(out_unit))
    try:
        value = float(q.to(parse_unit(unit).units).magnitude)
    except Exception as exc:
        raise PerformanceError(
            f"{num_unit}/{out_unit} cannot be expressed in {unit!r}: {exc}"
        ) from exc
    return value, numerator, num_unit, amount, out_unit


def rule_for(level: BenchmarkLevel, commissioned: int | None) -> tuple[str, str, str | None]:
    """(rule, required level, deadline): capacity commissioned after the catalogue's year is new
    and must reach the benchmark level; existing capacity (or an unknown commissioning year) must
    reach the base level by the catalogue's deadline (发改产业〔2021〕1609号, 〔2023〕723号)."""
    if commissioned is not None and commissioned > level.catalogue:
        return "new", "benchmark", None
    return "existing", "base", level.deadline or None


def line_performance(
    ref: ReferenceData,
    line: LineSpec,
    balance: SiteBalance,
    basis: str = "equivalent",
) -> LinePerformance:
    """The line's unit-product value in ``balance.year`` and its classification.

    Parameters
    ----------
    ref : reference data (benchmark levels, limit grades, the kgce/kWh coefficient).
    line : the declared line; ``line.indicator_id`` must be a row of ``benchmark_levels.csv``.
    balance : the line's site in the year.
    basis : ``equivalent`` (当量值); ``equal`` (等价值) is refused while no coefficient exists.
    """
    check_basis(ref, basis, balance.year)
    if balance.energy_basis != basis:
        raise PerformanceError(
            f"the site balance is on the {balance.energy_basis} basis, not {basis}"
        )
    try:
        level = ref.benchmark_level(line.indicator_id)
    except KeyError:
        raise PerformanceError(
            f"indicator {line.indicator_id!r} is not in benchmark_levels.csv"
        ) from None
    value, numerator, num_unit, amount, out_unit = unit_product_value(
        balance, line.product, level.unit
    )
    coeff = kgce_per_kwh(ref)
    try:
        c = classify(
            value,
            level.unit,
            level,
            ref.limit_grades_of(line.indicator_id),
            output=amount,
            output_unit=out_unit,
            kgce_per_kwh=coeff,
        )
    except BenchmarkError as exc:
        raise PerformanceError(str(exc)) from exc
    rule, required, deadline = rule_for(level, line.commissioned)
    required_value = level.benchmark if required == "benchmark" else level.base
    meets = None if required_value is None else c.value <= required_value
    factors = [coeff] if _electrical(level.unit) else []
    formula = ref.formula("comprehensive_energy")
    if formula is not None:
        factors.append(formula)
    return LinePerformance(
        line=line,
        year=balance.year,
        level=level,
        value=c.value,
        unit=level.unit,
        numerator=numerator,
        numerator_unit=num_unit,
        output=amount,
        output_unit=out_unit,
        classification=c,
        rule=rule,
        required_level=required,
        required_value=required_value,
        deadline=deadline,
        meets_requirement=meets,
        energy_basis=balance.energy_basis,
        factors=tuple(factors),
    )


def lines_performance(
    ref: ReferenceData,
    lines: Iterable[LineSpec],
    balances: Mapping[tuple[str, int], SiteBalance],
    year: int,
    basis: str = "equivalent",
) -> tuple[list[LinePerformance], list[tuple[LineSpec, str]]]:
    """Every line of an enterprise-year: (results, [(line, why it has no result)])."""
    done: list[LinePerformance] = []
    missing: list[tuple[LineSpec, str]] = []
    check_basis(ref, basis, year)
    for line in lines:
        b = balances.get((line.site, year))
        if b is None:
            missing.append((line, f"no {year} records for site {line.site!r}"))
            continue
        try:
            done.append(line_performance(ref, line, b, basis))
        except PerformanceError as exc:
            missing.append((line, str(exc)))
    return done, missing


def energy_intensity(
    energy_tce: float, output_value: float, year: int, basis: str = "equivalent"
) -> EnergyIntensity:
    """Comprehensive energy per output value [tce/10^4 CNY] of an enterprise-year.

    Parameters
    ----------
    energy_tce : the enterprise's comprehensive energy consumption [tce].
    output_value : its industrial output value [10^4 CNY] (must be positive).
    """
    if not output_value or output_value <= 0:
        raise PerformanceError(f"{year}: an energy intensity needs a positive output value")
    return EnergyIntensity(
        year=year,
        energy_tce=energy_tce,
        output_value=output_value,
        value=energy_tce / output_value,
        energy_basis=basis,
    )


__all__ = [
    "INTENSITY_UNIT",
    "EnergyIntensity",
    "LinePerformance",
    "LineSpec",
    "PerformanceError",
    "SiteBalance",
    "balances_from_summary",
    "check_basis",
    "energy_intensity",
    "kgce_per_kwh",
    "line_performance",
    "lines_performance",
    "rule_for",
    "site_balances",
    "unit_product_value",
]

"""Product systems: products, unit processes, supplier footprints and database values, built into the
matrices of :mod:`greenmfg.footprint.engine` and solved for every product at once.

Rules (ISO 14067:2018 and ISO 14044:2006 clauses as cited):

- **Own processes win.** A product made by a process of the system is computed from that process.
- **Supplier data replaces database values** (ISO 14067, 6.3.5 "data and data quality": site-specific
  data shall be used for processes under the organisation's control, and primary data are
  preferred elsewhere): a supplier's footprint of a purchased product is used instead of the
  database value for it, which is kept in the result as *superseded*.
- **Multi-output processes** are partitioned (ISO 14044, 4.3.4.2 step 2): each co-product carries
  the share ``p_k / sum(p)`` of the inputs and emissions, where ``p`` is the output's mass, economic
  value or a physical-causality property (the property is data on each output; the method is
  chosen per process or for the system).
- **Cut-off** (ISO 14067, 6.3.4.3): an input with neither a process nor a footprint is left out
  only when its mass is below ``cutoff`` of the process's input mass; it is then reported.
  Otherwise the system is refused with the product and process named.
- **Characterisation**: elementary flows are greenhouse gases named as in ``gwp.csv`` and weighted
  with the GWP100 set given (ISO 14067, 6.4.9.2, with the IPCC values of the reference data).
  Footprints of purchased products are already CO2e; they enter as one pre-characterised flow.

Amounts of a process are per its stated output amounts (not necessarily one unit); units are
converted with the project's pint registry, so an input in kg of a product declared per t is
fine and an input in m2 of a product declared per kg is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from greenmfg.footprint.contribution import Contributions, contributions
from greenmfg.footprint.engine import FloatArray, Solution, solve_footprints
from greenmfg.footprint.quality import DataQualityError, check_dqr
from greenmfg.reference.model import Factor
from greenmfg.units import ureg

Allocation = Literal["mass", "economic", "physical"]
Origin = Literal["process", "supplier", "database"]
PRECHARACTERISED = "CO2e (purchased footprints)"
#: Emissions already in CO2e, e.g. a site's direct emissions from its accounted inventory (whose
#: GWP set the inventory states); characterised with 1.
INVENTORY_CO2E = "CO2e"


class ProductSystemError(ValueError):
    """A product system that cannot be computed; the message names the process and the product."""


@dataclass(frozen=True)
class Product:
    """A product of the system, declared per ``unit`` (e.g. ``t``, ``kg``, ``kWh``, ``m2``,
    ``piece``); ``mass_kg`` is its mass per unit [kg] where known (needed for the cut-off rule
    and for PACT declarations)."""

    id: str
    name: str
    unit: str
    mass_kg: float | None = None


@dataclass(frozen=True)
class Output:
    """A product a process makes: ``amount`` in ``unit``; ``properties`` are allocation keys for
    the whole amount (``mass`` [kg], ``economic`` [CNY], ``physical`` [any consistent unit])."""

    product: str
    amount: float
    unit: str
    properties: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Input:
    """A product a process consumes for its stated outputs; ``gsd`` is the geometric standard
    deviation of the amount (1: certain), e.g. from :func:`greenmfg.footprint.pedigree`."""

    product: str
    amount: float
    unit: str
    gsd: float = 1.0


@dataclass(frozen=True)
class Emission:
    """A greenhouse gas emitted for the stated outputs: ``gas`` as in ``gwp.csv`` (``CO2``,
    ``CH4_fossil``, ``N2O``, ``SF6`` …), ``amount`` in ``unit`` (a mass: kg, t)."""

    gas: str
    amount: float
    unit: str = "kg"
    gsd: float = 1.0


@dataclass(frozen=True)
class Process:
    """A unit process. ``supplier`` names who runs it (the organisation itself by default);
    ``source`` says where its data come from (e.g. "inventory 2024, site 熟料线"); ``dqr`` holds
    its data-quality ratings 1 (best) to 5 by indicator (:data:`greenmfg.footprint.quality.DQR_INDICATORS`;
    PACT v3.0 scale), empty when not assessed."""

    id: str
    name: str
    outputs: tuple[Output, ...]
    inputs: tuple[Input, ...] = ()
    emissions: tuple[Emission, ...] = ()
    allocation: Allocation | None = None
    supplier: str = ""
    source: str = ""
    dqr: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PurchasedFootprint:
    """A cradle-to-gate footprint of a purchased product: ``value`` [kg CO2e per ``unit``].

    ``origin`` is ``supplier`` (a supplier's own declaration, e.g. a PACT footprint whose id is
    ``source``) or ``database`` (a reference-data row, ``source`` its id); ``confidence`` is the
    reference data's confidence for database rows; ``dqr`` its data-quality ratings as for
    :class:`Process`.
    """

    product: str
    value: float
    unit: str
    origin: Literal["supplier", "database"]
    source: str
    supplier: str = ""
    confidence: str = ""
    gsd: float = 1.0
    dqr: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductSystem:
    """Everything needed to compute the footprints: products, processes, purchased footprints,
    the default allocation method and the cut-off share of input mass [-]."""

    products: tuple[Product, ...]
    processes: tuple[Process, ...]
    purchased: tuple[PurchasedFootprint, ...] = ()
    allocation: Allocation = "mass"
    cutoff: float = 0.0


@dataclass(frozen=True)
class Column:
    """One column of the matrices: a process (or one co-product partition of it) or a purchased
    footprint, labelled for contribution analysis."""

    product: str
    origin: Origin
    label: str
    supplier: str
    source: str
    allocation_factor: float = 1.0
    dqr: Mapping[str, float] = field(default_factory=dict)
    confidence: str = ""


@dataclass(frozen=True)
class Excluded:
    """An input left out under the cut-off rule."""

    process: str
    product: str
    mass_share: float


@dataclass(frozen=True)
class Matrices:
    """The built system: ``T``, ``B``, ``c``, GSD matrices, and the labels of rows and columns."""

    technosphere: sp.csc_matrix
    biosphere: sp.csc_matrix
    characterization: FloatArray
    technosphere_gsd: sp.csc_matrix
    biosphere_gsd: sp.csc_matrix
    columns: tuple[Column, ...]
    products: tuple[str, ...]
    flows: tuple[str, ...]
    gwp_set: str
    excluded: tuple[Excluded, ...]
    superseded: tuple[PurchasedFootprint, ...]


@dataclass(frozen=True)
class ProductResult:
    """Footprint of one product [kg CO2e per declared unit] with its provenance."""

    product: str
    unit: str
    value: float
    origin: Origin
    source: str


@dataclass(frozen=True)
class SystemResult:
    matrices: Matrices
    solution: Solution
    results: Mapping[str, ProductResult]

    def explain(self, product: str, **kw: object) -> Contributions:
        """Contribution analysis of one unit of ``product`` (see :func:`contributions`)."""
        m = self.matrices
        j = m.products.index(product)
        return contributions(
            m.technosphere,
            m.biosphere,
            m.characterization,
            j,
            scores=self.solution.scores,
            **kw,  # type: ignore[arg-type]
        )

    def share_by_origin(self, product: str) -> dict[str, float]:
        """Share of the footprint from own processes, supplier data and database values [-]
        (the basis of PACT's ``primaryDataShare``: own and supplier-specific data are primary)."""
        r = self.explain(product, max_paths=0)
        total = r.total
        shares = r.grouped([c.origin for c in self.matrices.columns])
        return {k: (v / total if total else 0.0) for k, v in shares.items() if isinstance(k, str)}


def _factor(unit_from: str, unit_to: str, where: str) -> float:
    try:
        return float(ureg.Quantity(1.0, unit_from).to(unit_to).magnitude)
    except Exception as exc:  # pint raises several error types; name the place either way
        raise ProductSystemError(
            f"{where}: cannot convert {unit_from!r} to {unit_to!r} ({exc})"
        ) from exc


def _mass_kg(product: Product | None, amount: float, unit: str, where: str) -> float | None:
    """Mass of an amount [kg], from its unit when it is a mass, else from the product's mass."""
    try:
        q = ureg.Quantity(amount, unit)
    except Exception as exc:
        raise ProductSystemError(f"{where}: unknown unit {unit!r} ({exc})") from exc
    if q.check("[mass]"):
        return float(q.to("kg").magnitude)
    if product is not None and product.mass_kg is not None:
        return _factor(unit, product.unit, where) * amount * product.mass_kg
    return None


def build(system: ProductSystem, gwp: Mapping[str, float], gwp_set: str) -> Matrices:
    """Build ``T``, ``B`` and ``c`` of a product system (rules in the module docstring).

    Parameters
    ----------
    system : ProductSystem
    gwp : mapping gas -> GWP100 [kg CO2e / kg gas] of the set ``gwp_set``
    gwp_set : str
        Name of the GWP set (``ar5``, ``ar6`` …), echoed in the result.
    """
    products = {p.id: p for p in system.products}
    if len(products) != len(system.products):
        raise ProductSystemError("two products share an id")
    made: dict[str, str] = {}
    for proc in system.processes:
        if not proc.outputs:
            raise ProductSystemError(f"process {proc.id}: has no output")
        for out in proc.outputs:
            if out.product not in products:
                raise ProductSystemError(
                    f"process {proc.id}: output {out.product!r} is not a product"
                )
            if out.product in made:
                raise ProductSystemError(
                    f"product {out.product!r} is made by two processes ({made[out.product]}, "
                    f"{proc.id}); keep one per product and buy the other as a purchased footprint"
                )
            if out.amount <= 0:
                raise ProductSystemError(
                    f"process {proc.id}: output {out.product!r} must be positive"
                )
            made[out.product] = proc.id
    purchased: dict[str, PurchasedFootprint] = {}
    superseded: list[PurchasedFootprint] = []
    for pf in system.purchased:
        if pf.product not in products:
            raise ProductSystemError(
                f"purchased footprint {pf.source!r}: unknown product {pf.product!r}"
            )
        if pf.product in made:
            superseded.append(pf)  # own production wins
            continue
        old = purchased.get(pf.product)
        if old is None or (old.origin == "database" and pf.origin == "supplier"):
            if old is not None:
                superseded.append(old)
            purchased[pf.product] = pf
        else:
            superseded.append(pf)

    # columns: one per (process output) and one per purchased product; products index rows
    columns: list[Column] = []
    row_of: dict[str, int] = {}
    for proc in system.processes:
        method = proc.allocation or system.allocation
        shares = _allocation(proc, method) if len(proc.outputs) > 1 else [1.0]
        for out, share in zip(proc.outputs, shares, strict=True):
            row_of[out.product] = len(columns)
            columns.append(
                Column(
                    out.product,
                    "process",
                    proc.name or proc.id,
                    proc.supplier,
                    proc.source,
                    share,
                    _dqr(proc.dqr, f"process {proc.id}"),
                )
            )
    for pid, pf in purchased.items():
        row_of[pid] = len(columns)
        columns.append(
            Column(
                pid,
                pf.origin,
                pid,
                pf.supplier,
                pf.source,
                1.0,
                _dqr(pf.dqr, f"purchased footprint of {pid!r}"),
                pf.confidence,
            )
        )
    n = len(columns)

    gases = sorted({e.gas for p in system.processes for e in p.emissions})
    unknown = [g for g in gases if g not in gwp and g != INVENTORY_CO2E]
    if unknown:
        raise ProductSystemError(f"no {gwp_set} GWP for gas(es) {', '.join(unknown)}")
    flows = (*gases, PRECHARACTERISED)
    flow_of = {g: i for i, g in enumerate(flows)}

    t_rows: list[int] = []
    t_cols: list[int] = []
    t_vals: list[float] = []
    t_gsd: list[float] = []
    b_rows: list[int] = []
    b_cols: list[int] = []
    b_vals: list[float] = []
    b_gsd: list[float] = []
    excluded: list[Excluded] = []
    for proc in system.processes:
        input_mass = [
            _mass_kg(
                products.get(i.product), i.amount, i.unit, f"process {proc.id}, input {i.product!r}"
            )
            for i in proc.inputs
        ]
        known_mass = sum(m for m in input_mass if m is not None)
        for out in proc.outputs:
            col = row_of[out.product]
            share = columns[col].allocation_factor
            prod = products[out.product]
            t_rows.append(col)
            t_cols.append(col)
            t_vals.append(out.amount * _factor(out.unit, prod.unit, f"process {proc.id}, output"))
            t_gsd.append(1.0)
            for inp, mass in zip(proc.inputs, input_mass, strict=True):
                where = f"process {proc.id}, input {inp.product!r}"
                if inp.amount < 0 or inp.gsd < 1:
                    raise ProductSystemError(f"{where}: amount must be >= 0 and gsd >= 1")
                if inp.product not in row_of:
                    mass_share = (mass / known_mass) if (mass is not None and known_mass) else None
                    if mass_share is not None and mass_share < system.cutoff:
                        if out is proc.outputs[0]:
                            excluded.append(Excluded(proc.id, inp.product, mass_share))
                        continue
                    raise ProductSystemError(
                        f"{where}: no process makes it and no footprint is given"
                        + (
                            f" (mass share {mass_share:.2%} is not below the cut-off "
                            f"{system.cutoff:.2%})"
                            if mass_share is not None
                            else " (its mass is unknown, so the cut-off rule cannot apply)"
                        )
                    )
                unit = products[inp.product].unit if inp.product in products else inp.unit
                t_rows.append(row_of[inp.product])
                t_cols.append(col)
                t_vals.append(-inp.amount * share * _factor(inp.unit, unit, where))
                t_gsd.append(inp.gsd)
            for em in proc.emissions:
                where = f"process {proc.id}, emission {em.gas}"
                if em.gsd < 1:
                    raise ProductSystemError(f"{where}: gsd must be >= 1")
                b_rows.append(flow_of[em.gas])
                b_cols.append(col)
                b_vals.append(em.amount * share * _factor(em.unit, "kg", where))
                b_gsd.append(em.gsd)
    for pid, pf in purchased.items():
        col = row_of[pid]
        where = f"purchased footprint of {pid!r} ({pf.source})"
        t_rows.append(col)
        t_cols.append(col)
        # a value per pf.unit is a value per (1 pf.unit expressed in the product's unit)
        t_vals.append(_factor(pf.unit, products[pid].unit, where))
        t_gsd.append(1.0)
        if pf.gsd < 1:
            raise ProductSystemError(f"{where}: gsd must be >= 1")
        b_rows.append(flow_of[PRECHARACTERISED])
        b_cols.append(col)
        b_vals.append(pf.value)
        b_gsd.append(pf.gsd)

    shape_t = (n, n)
    shape_b = (len(flows), n)
    t = sp.csc_matrix((t_vals, (t_rows, t_cols)), shape=shape_t)
    b = sp.csc_matrix((b_vals, (b_rows, b_cols)), shape=shape_b)
    tg = sp.csc_matrix((t_gsd, (t_rows, t_cols)), shape=shape_t)
    bg = sp.csc_matrix((b_gsd, (b_rows, b_cols)), shape=shape_b)
    c = np.array([1.0 if g == INVENTORY_CO2E else float(gwp[g]) for g in gases] + [1.0])
    return Matrices(
        t,
        b,
        c,
        tg,
        bg,
        tuple(columns),
        tuple(col.product for col in columns),
        flows,
        gwp_set,
        tuple(excluded),
        tuple(superseded),
    )


def _dqr(dqr: Mapping[str, float], where: str) -> dict[str, float]:
    try:
        return check_dqr(dqr, where)
    except DataQualityError as e:
        raise ProductSystemError(str(e)) from None


def _allocation(proc: Process, method: Allocation) -> list[float]:
    """Partition shares of a multi-output process (ISO 14044, 4.3.4.2)."""
    values: list[float] = []
    for out in proc.outputs:
        v = out.properties.get(method)
        if v is None or v < 0:
            raise ProductSystemError(
                f"process {proc.id}: output {out.product!r} needs a non-negative {method!r} "
                f"property for {method} allocation"
            )
        values.append(float(v))
    total = sum(values)
    if total <= 0:
        raise ProductSystemError(
            f"process {proc.id}: {method} properties of the outputs sum to zero"
        )
    return [v / total for v in values]


def compute(system: ProductSystem, gwp: Mapping[str, float], gwp_set: str) -> SystemResult:
    """Footprints of every product of ``system`` [kg CO2e per declared unit], in one solve."""
    m = build(system, gwp, gwp_set)
    sol = solve_footprints(m.technosphere, m.biosphere, m.characterization)
    units = {p.id: p.unit for p in system.products}
    results = {
        col.product: ProductResult(
            col.product, units[col.product], float(sol.scores[j]), col.origin, col.source
        )
        for j, col in enumerate(m.columns)
    }
    return SystemResult(m, sol, results)


def gwp_table(factors: Mapping[tuple[str, str], Factor], gwp_set: str) -> dict[str, float]:
    """``{gas: GWP}`` of one set from ``ReferenceData.gwp`` (``(set, gas) -> Factor``)."""
    out: dict[str, float] = {}
    for (s, gas), f in factors.items():
        if s == gwp_set:
            out[gas] = float(f.value)
    if not out:
        raise ProductSystemError(f"unknown GWP set {gwp_set!r}")
    return out


__all__: Sequence[str] = (
    "Allocation",
    "Emission",
    "Input",
    "Matrices",
    "Output",
    "Process",
    "Product",
    "ProductSystem",
    "ProductSystemError",
    "PurchasedFootprint",
    "SystemResult",
    "build",
    "compute",
    "gwp_table",
)

"""Everything an ISO 14067 footprint report of one product shows, computed from a product system.

:func:`footprint_report` is a pure function: it takes the product system and its computed result
(:func:`greenmfg.footprint.system.compute`) and returns a :class:`FootprintReport` with the
footprint, its contributions by process, life-cycle stage, gas and supply-chain path, the share
of own, supplier and database data, the PACT data-quality ratings, the Monte Carlo uncertainty
range, the cut-off exclusions and replaced database values, and the formulas used. The writers
(:mod:`greenmfg.io.footprint_report`, the web product page) only lay it out, so that the page,
the workbook and the PDF show the same figures.

Units: footprints in kg CO2e per declared unit of the product; shares as fractions [-] unless
named ``*_percent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from greenmfg.footprint.montecarlo import monte_carlo
from greenmfg.footprint.quality import DataQuality, data_quality
from greenmfg.footprint.system import (
    PRECHARACTERISED,
    ProductSystem,
    ProductSystemError,
    PurchasedFootprint,
    SystemResult,
)

#: the flow of purchased (already characterised) footprints in ``FootprintReport.gases``
PURCHASED_FLOW = PRECHARACTERISED

__all__ = [
    "FORMULAS",
    "PURCHASED_FLOW",
    "ColumnLine",
    "ExcludedLine",
    "FootprintReport",
    "GasLine",
    "PathLine",
    "Uncertainty",
    "footprint_report",
]

#: (what, where it is defined): the clauses the figures follow
FORMULAS: tuple[tuple[str, str], ...] = (
    (
        "footprint of every product q = c^T B T^-1 (one adjoint solve)",
        "ISO 14067:2018 6.4 (life cycle inventory) and 6.5 (impact assessment); "
        "matrix method as in Heijungs & Suh (2002)",
    ),
    ("GWP100 characterisation of each greenhouse gas", "ISO 14067:2018 6.4.9.2; IPCC AR set named"),
    ("allocation of multi-output processes", "ISO 14044:2006 4.3.4.2; ISO 14067:2018 6.4.6"),
    ("cut-off of inputs below the mass share", "ISO 14067:2018 6.3.4.3"),
    ("primary (own and supplier) data preferred", "ISO 14067:2018 6.3.5"),
    (
        "data-quality ratings: contribution-weighted average over all rated inputs (1-5)",
        "PACT Technical Specifications v3.0, DataQualityIndicators (Methodology 4.2.3)",
    ),
    ("uncertainty: lognormal Monte Carlo, 2.5-97.5 percentile", "ISO 14067:2018 6.4.10 and 7.3 m)"),
)


@dataclass(frozen=True)
class ColumnLine:
    """One process or purchased footprint in the footprint of the studied product.

    ``amount`` is how much of the column's product one unit of the studied product needs (in
    ``unit``, the column product's unit); ``value`` its contribution [kg CO2e per unit of the
    studied product] and ``share`` that value over the footprint [-]. ``stage`` is
    ``production`` (the organisation's own processes) or ``upstream`` (suppliers' processes and
    purchased footprints).
    """

    index: int
    label: str
    product: str
    origin: str
    stage: str
    supplier: str
    source: str
    confidence: str
    amount: float
    unit: str
    value: float
    share: float


@dataclass(frozen=True)
class GasLine:
    """Contribution of one elementary flow [kg CO2e per unit] (``CO2e (purchased footprints)``
    for footprints that are already characterised)."""

    gas: str
    value: float
    share: float


@dataclass(frozen=True)
class PathLine:
    """One supply-chain path: product labels from the studied product upstream; ``amount`` of the
    last product per unit, its own ``direct`` emissions and everything upstream of it
    (``total``) [kg CO2e per unit of the studied product]."""

    labels: tuple[str, ...]
    amount: float
    direct: float
    total: float
    share: float


@dataclass(frozen=True)
class ExcludedLine:
    """An input left out under the cut-off rule: its mass share of the process's inputs [-]."""

    process: str
    product: str
    mass_share: float


@dataclass(frozen=True)
class Uncertainty:
    """Monte Carlo range of the footprint [kg CO2e per unit]: ``iterations`` lognormal draws with
    ``seed``; ``uncertain_entries`` counts the exchanges that carry a GSD above 1 (0: the range
    is a point)."""

    iterations: int
    seed: int
    mean: float
    median: float
    p2_5: float
    p97_5: float
    uncertain_entries: int
    fallbacks: int


@dataclass(frozen=True)
class FootprintReport:
    """The footprint of one product with everything needed to audit it (see module docstring)."""

    organisation: str
    system_name: str
    year: int | None
    product_id: str
    product_name: str
    unit: str
    mass_kg: float | None
    value: float
    gwp_set: str
    allocation: str
    cutoff: float
    columns: tuple[ColumnLine, ...]
    stages: Mapping[str, float]
    gases: tuple[GasLine, ...]
    paths: tuple[PathLine, ...]
    origin_shares: Mapping[str, float]
    quality: DataQuality
    uncertainty: Uncertainty | None
    excluded: tuple[ExcludedLine, ...]
    superseded: tuple[PurchasedFootprint, ...]
    solver: str
    backward_error: float
    generated: date
    reference_edition: str = ""
    engine_version: str = ""

    @property
    def primary_share_percent(self) -> float:
        """Share of the footprint from own processes and supplier data [%] (PACT
        ``primaryDataShare``)."""
        s = self.origin_shares
        return 100.0 * (s.get("process", 0.0) + s.get("supplier", 0.0))

    @property
    def unverified(self) -> tuple[ColumnLine, ...]:
        """Contributing database values whose reference data is not verified."""
        return tuple(c for c in self.columns if c.confidence == "unverified")


def footprint_report(
    system: ProductSystem,
    result: SystemResult,
    product: str,
    *,
    organisation: str = "",
    system_name: str = "",
    year: int | None = None,
    iterations: int = 0,
    seed: int = 0,
    max_paths: int = 20,
    generated: date | None = None,
    reference_edition: str = "",
    engine_version: str = "",
) -> FootprintReport:
    """The report of ``product`` from ``system`` and its ``result``.

    Parameters
    ----------
    system, result
        The product system and ``compute(system, ...)``.
    product : str
        Product id.
    iterations : int
        Monte Carlo draws for the uncertainty range (0: none).
    seed : int
        Seed of the draws.
    max_paths : int
        Supply-chain paths listed.
    reference_edition, engine_version : str
        Edition of the reference data and greenmfg version the figures come from (echoed).
    """
    m = result.matrices
    if product not in m.products:
        raise ProductSystemError(f"unknown product {product!r}")
    j = m.products.index(product)
    products = {p.id: p for p in system.products}
    prod = products[product]
    ex = result.explain(product, max_paths=max_paths)
    total = ex.total

    def share(v: float) -> float:
        return v / total if total else 0.0

    # purchased footprints are labelled by their product's name, processes by their own
    label = [
        col.label if col.origin == "process" else products[col.product].name for col in m.columns
    ]
    diagonal = m.technosphere.diagonal()
    columns: list[ColumnLine] = []
    for i, col in enumerate(m.columns):
        v = float(ex.by_process[i])
        amount = float(ex.supply[i] * diagonal[i])  # activity x output per activity
        if v == 0.0 and amount == 0.0:
            continue
        stage = "production" if col.origin == "process" and not col.supplier else "upstream"
        columns.append(
            ColumnLine(
                i,
                label[i],
                col.product,
                col.origin,
                stage,
                col.supplier,
                col.source,
                col.confidence,
                amount,
                products[col.product].unit,
                v,
                share(v),
            )
        )
    columns.sort(key=lambda c: -abs(c.value))
    stages: dict[str, float] = {}
    for c in columns:
        stages[c.stage] = stages.get(c.stage, 0.0) + c.value
    gases = tuple(
        GasLine(g, float(v), share(float(v)))
        for g, v in sorted(zip(m.flows, ex.by_flow, strict=True), key=lambda gv: -abs(gv[1]))
        if v != 0.0
    )
    paths = tuple(
        PathLine(tuple(label[k] for k in p.nodes), p.amount, p.direct, p.total, share(p.total))
        for p in ex.paths
    )
    origins = ex.grouped([c.origin for c in m.columns])
    origin_shares = {str(k): share(v) for k, v in origins.items()}
    quality = data_quality(list(ex.by_process), [c.dqr for c in m.columns])
    uncertainty = None
    if iterations > 0:
        mc = monte_carlo(
            m.technosphere,
            m.biosphere,
            m.characterization,
            technosphere_gsd=m.technosphere_gsd,
            biosphere_gsd=m.biosphere_gsd,
            iterations=iterations,
            seed=seed,
            products=[j],
        )
        s = mc.samples[0]
        p = np.percentile(s, [2.5, 50.0, 97.5])
        uncertain = int((m.technosphere_gsd.data > 1).sum() + (m.biosphere_gsd.data > 1).sum())
        uncertainty = Uncertainty(
            iterations,
            seed,
            float(s.mean()),
            float(p[1]),
            float(p[0]),
            float(p[2]),
            uncertain,
            mc.fallbacks,
        )
    return FootprintReport(
        organisation=organisation,
        system_name=system_name,
        year=year,
        product_id=product,
        product_name=prod.name,
        unit=prod.unit,
        mass_kg=prod.mass_kg,
        value=float(result.solution.scores[j]),
        gwp_set=m.gwp_set,
        allocation=system.allocation,
        cutoff=system.cutoff,
        columns=tuple(columns),
        stages=stages,
        gases=gases,
        paths=paths,
        origin_shares=origin_shares,
        quality=quality,
        uncertainty=uncertainty,
        excluded=tuple(ExcludedLine(e.process, e.product, e.mass_share) for e in m.excluded),
        superseded=m.superseded,
        solver=result.solution.method,
        backward_error=result.solution.backward_error,
        generated=generated or date.today(),
        reference_edition=reference_edition,
        engine_version=engine_version,
    )

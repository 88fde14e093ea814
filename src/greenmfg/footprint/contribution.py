"""Where one product's footprint comes from: by process, by elementary flow (gas), by any grouping
of processes (supplier, site, life-cycle stage), and the largest supply-chain paths.

For one unit of product ``j`` the supply vector is ``s = T^{-1} e_j`` and the footprint splits
exactly into process contributions ``s_i g_i`` with ``g = c^T B`` (Heijungs & Suh 2002, 5.3,
"contribution analysis"); by flow it splits into ``c_f (B s)_f``. Both sum to ``q_j``.

Paths are expanded best first from the product (a structural path analysis, Defourny & Thorbecke
1984; Peters & Hertwich 2006): a node reached with ``x`` units of product ``i`` carries the total
``x q_i`` of everything upstream of it, which bounds what expanding it can reveal; nodes below
``cutoff * |q_j|`` are not expanded. A path never visits a product twice: what flows round a loop
stays inside the total of the node where the loop closes.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from greenmfg.footprint.engine import (
    FloatArray,
    Method,
    characterized_biosphere,
    footprints,
    supply,
)


@dataclass(frozen=True)
class PathStep:
    """One supply-chain path from the product to a process upstream.

    Attributes
    ----------
    nodes : tuple of int
        Product indices from the studied product (first) to the last supplier.
    amount : float
        Units of the last product needed per unit of the studied product.
    direct : float
        Direct (characterised) emissions of the last process for that amount [kg CO2e].
    total : float
        Everything upstream of the last node, its own emissions included [kg CO2e].
    """

    nodes: tuple[int, ...]
    amount: float
    direct: float
    total: float


@dataclass(frozen=True)
class Contributions:
    """Contribution analysis of one unit of product ``product``.

    ``by_process`` (n,) and ``by_flow`` (m,) are in kg CO2e per unit of the product and each sum to
    ``total``; ``supply`` is the activity of every process; ``paths`` are ordered by ``total``.
    """

    product: int
    total: float
    supply: FloatArray
    by_process: FloatArray
    by_flow: FloatArray
    paths: tuple[PathStep, ...]
    method: str

    def grouped(self, labels: Sequence[Hashable]) -> dict[Hashable, float]:
        """Process contributions summed by a label per process (e.g. supplier or stage)."""
        if len(labels) != self.by_process.size:
            raise ValueError(f"{len(labels)} labels for {self.by_process.size} processes")
        out: dict[Hashable, float] = {}
        for label, value in zip(labels, self.by_process, strict=True):
            out[label] = out.get(label, 0.0) + float(value)
        return dict(sorted(out.items(), key=lambda kv: -abs(kv[1])))

    def top_processes(self, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` largest process contributions (by absolute value) as ``(index, value)``."""
        order = np.argsort(-np.abs(self.by_process))[:k]
        return [(int(i), float(self.by_process[i])) for i in order]


def contributions(
    technosphere: sp.spmatrix | sp.sparray,
    biosphere: sp.spmatrix | sp.sparray,
    characterization: FloatArray,
    product: int,
    *,
    scores: FloatArray | None = None,
    max_paths: int = 50,
    cutoff: float = 1e-3,
    max_depth: int = 12,
    method: Method = "auto",
) -> Contributions:
    """Contribution analysis of one unit of ``product`` (a column index of ``T``).

    Parameters
    ----------
    technosphere, biosphere, characterization
        ``T``, ``B``, ``c`` as for :func:`greenmfg.footprint.footprints`.
    product : int
        Index of the studied product.
    scores : array (n,), optional
        Footprints of all products (``footprints(T, B, c)``) if already known; used to rank and
        prune paths. Computed when not given.
    max_paths : int
        Number of paths expanded (the largest first).
    cutoff : float
        Nodes whose total is below ``cutoff * |q_product|`` are not expanded [-].
    max_depth : int
        Longest path, in supply-chain tiers.
    """
    t = sp.csc_matrix(technosphere, dtype=np.float64)
    n = t.shape[1]
    if not 0 <= product < n:
        raise ValueError(f"product index {product} is outside 0..{n - 1}")
    b = sp.csr_matrix(biosphere, dtype=np.float64)
    c = np.asarray(characterization, dtype=np.float64)
    g = characterized_biosphere(b, c)
    demand = np.zeros(n)
    demand[product] = 1.0
    sol = supply(t, demand, method=method)
    s = sol.scores
    by_process = s * g
    by_flow = c * np.asarray(b @ s).ravel()
    total = float(by_process.sum())
    if scores is None:
        scores = footprints(t, b, c, method=method)
    paths = _paths(t, g, np.asarray(scores), product, max_paths, cutoff, max_depth)
    return Contributions(product, total, s, by_process, by_flow, paths, sol.method)


def _paths(
    t: sp.csc_matrix,
    g: FloatArray,
    q: FloatArray,
    product: int,
    max_paths: int,
    cutoff: float,
    max_depth: int,
) -> tuple[PathStep, ...]:
    diag = t.diagonal()
    floor = cutoff * abs(q[product])
    heap: list[tuple[float, int, tuple[int, ...], float]] = [(-abs(q[product]), 0, (product,), 1.0)]
    counter = 1  # tie-breaker keeps heap order deterministic
    out: list[PathStep] = []
    while heap and len(out) < max_paths:
        _, _, nodes, amount = heapq.heappop(heap)
        i = nodes[-1]
        activity = amount / diag[i]
        out.append(PathStep(nodes, amount, float(activity * g[i]), float(amount * q[i])))
        if len(nodes) > max_depth:
            continue
        start, end = t.indptr[i], t.indptr[i + 1]
        for k, v in zip(t.indices[start:end], t.data[start:end], strict=True):
            if k == i or k in nodes:
                continue
            child = activity * -v  # inputs are negative in T
            total = child * q[k]
            if abs(total) < floor:
                continue
            heapq.heappush(heap, (-abs(total), counter, (*nodes, int(k)), float(child)))
            counter += 1
    return tuple(sorted(out, key=lambda p: -abs(p.total)))

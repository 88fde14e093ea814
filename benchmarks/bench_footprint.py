"""Footprints of every product of an ecoinvent-like supply chain: greenmfg against bw2calc.

Run: ``python benchmarks/bench_footprint.py [n ...]`` (default: 5000 20000 processes).

For each size it generates a system (``greenmfg.footprint.synthetic``: near-triangular supplier
graph, markets linking sectors, an energy sector in one big loop, local loops, Zipf-distributed
common inputs, ~12 inputs per process, amounts over six orders of magnitude) and prints, in one
run and one process:

- greenmfg: time for the footprints of all n products (one adjoint solve), best of 5;
- bw2calc: one ``LCA`` with the technosphere factorised once (pypardiso when installed, else
  SuperLU/UMFPACK through scipy), then ``lcia(demand=...)`` per product, reusing the
  factorisation. Timed on a sample of products and extrapolated to n; the sample's scores are
  checked against greenmfg's so both did the same work;
- the ratio bw2calc / greenmfg;
- Monte Carlo: draws per second for all n products with greenmfg (every entry of T and B
  lognormal), and for one product with bw2calc's ``MonteCarloLCA``-style iteration
  (``next(lca)`` re-samples and re-solves one product).

Single-threaded: the BLAS/MKL thread pools are limited to one thread, as the aim is per core.
Needs the ``test`` extra (bw2calc); ``pip install pypardiso`` gives bw2calc its fastest solver.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from greenmfg.footprint import footprints, monte_carlo
from greenmfg.footprint.synthetic import generate_system


def _best(fn, repeat: int = 5) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _brightway_mc_rate(s, iterations: int = 10) -> float:
    """Draws per second of bw2calc's own Monte Carlo for one product, same distributions."""
    import bw2calc
    import bw_processing as bwp

    from greenmfg.io.brightway import FLOW_ID_OFFSET, indices_array

    dp = bwp.create_datapackage()
    for name, m, gsd, row_offset in (
        ("technosphere", s.technosphere.tocoo(), s.technosphere_gsd.tocoo(), 1),
        ("biosphere", s.biosphere.tocoo(), s.biosphere_gsd.tocoo(), FLOW_ID_OFFSET),
    ):
        dist = np.zeros(m.nnz, dtype=bwp.UNCERTAINTY_DTYPE)
        sigma = np.log(gsd.data)
        dist["uncertainty_type"] = np.where(sigma > 0, 2, 0)  # 2: lognormal in stats_arrays
        dist["loc"] = np.where(sigma > 0, np.log(np.abs(m.data)), m.data)
        dist["scale"] = np.where(sigma > 0, sigma, np.nan)
        dist["negative"] = m.data < 0
        dist["minimum"] = dist["maximum"] = dist["shape"] = np.nan
        dp.add_persistent_vector(
            matrix=f"{name}_matrix",
            data_array=m.data.astype(np.float64),
            name=name,
            indices_array=indices_array(m.row + row_offset, m.col + 1),
            distributions_array=dist,
            flip_array=np.zeros(m.nnz, dtype=bool),
        )
    c = s.characterization
    dp.add_persistent_vector(
        matrix="characterization_matrix",
        data_array=c,
        name="characterization",
        indices_array=indices_array(
            np.arange(c.size) + FLOW_ID_OFFSET, np.zeros(c.size, dtype=int)
        ),
        global_index=0,
    )
    lca = bw2calc.LCA({1: 1.0}, data_objs=[dp], use_distributions=True, seed_override=1)
    lca.lci()
    lca.lcia()
    t0 = time.perf_counter()
    for _ in range(iterations):
        next(lca)
    return iterations / (time.perf_counter() - t0)


def run(n: int) -> None:
    import bw2calc

    from greenmfg.io.brightway import brightway_lca, brightway_score

    s = generate_system(n, seed=1)
    t, b, c = s.technosphere, s.biosphere, s.characterization
    q = footprints(t, b, c)
    ours = _best(lambda: footprints(t, b, c))

    t0 = time.perf_counter()
    lca = brightway_lca(t, b, c)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    sample = rng.choice(n, size=min(n, 200), replace=False)
    t0 = time.perf_counter()
    bw = np.array([brightway_score(lca, int(j)) for j in sample])
    per_product = (time.perf_counter() - t0) / sample.size
    err = float(np.max(np.abs(bw - q[sample]) / np.abs(q[sample])))
    theirs = setup + per_product * n
    solver = "pypardiso" if bw2calc.PYPARDISO else ("umfpack" if bw2calc.UMFPACK else "superlu")

    iters = 200
    t0 = time.perf_counter()
    r = monte_carlo(
        t,
        b,
        c,
        technosphere_gsd=s.technosphere_gsd,
        biosphere_gsd=s.biosphere_gsd,
        iterations=iters,
        seed=1,
    )
    mc_ours = iters / (time.perf_counter() - t0)
    mc_theirs = _brightway_mc_rate(s)

    print(f"n = {n:,} processes, {t.nnz:,} technosphere entries, {b.nnz:,} biosphere entries")
    print(f"  greenmfg, all {n:,} footprints:          {ours * 1e3:10.1f} ms")
    print(
        f"  bw2calc ({solver}), all {n:,} (extrapolated): {theirs:10.1f} s  "
        f"(factorise {setup:.2f} s + {per_product * 1e3:.2f} ms x {n:,}; "
        f"max rel. difference on {sample.size} products {err:.1e})"
    )
    print(f"  ratio bw2calc / greenmfg:                 {theirs / ours:10.0f} x")
    print(
        f"  Monte Carlo, greenmfg, all {n:,} products: {mc_ours:10.1f} draws/s "
        f"({r.sweeps / iters:.1f} Jacobi sweeps per draw, {r.fallbacks} fall-backs)"
    )
    print(f"  Monte Carlo, bw2calc, one product:        {mc_theirs:10.1f} draws/s")
    print(f"  ratio (all products vs one):              {mc_ours / mc_theirs:10.1f} x")


def main(argv: list[str]) -> None:
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore")
    sizes = [int(a) for a in argv] or [5000, 20000]
    with threadpool_limits(1):
        for n in sizes:
            run(n)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Deterministic synthetic supply-chain systems shaped like ecoinvent, for tests and benchmarks.

The generator draws what makes real LCA databases hard for a solver:

- a near-triangular supplier graph (process ``j`` buys mostly from processes with a smaller index,
  i.e. further upstream), with a small share of inputs pointing downstream, which closes loops;
- heavy-tailed use of common inputs: a few processes (think electricity, transport, heat) are
  bought by most others (supplier popularity follows a Zipf law);
- self-consumption on the diagonal for a few processes (own use of electricity);
- badly scaled physical amounts: inputs are drawn as *value* shares of the output (their sum per
  process is below one, as in a Leontief economy that produces more than it consumes) and converted
  into physical amounts through random unit prices spanning six orders of magnitude. That is a
  similarity transform, so the spectrum, and the convergence of iterative solvers, is that of the
  value system while the matrix entries look like real data (kWh next to tonnes next to pieces).

Nothing here is a coefficient of any real product; the systems are test data only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

GHG_FLOWS = ("CO2", "CH4", "N2O")


@dataclass(frozen=True)
class SyntheticSystem:
    """A generated system in Brightway's sign convention.

    Attributes
    ----------
    technosphere : scipy.sparse.csc_matrix
        ``T`` (n x n): reference output on the diagonal (positive), inputs negative [unit of the
        input product per unit of the column's reference product].
    biosphere : scipy.sparse.csc_matrix
        ``B`` (m x n): emissions per unit of reference product [kg of the flow].
    characterization : numpy.ndarray
        ``c`` (m,): characterisation factors [kg CO2e / kg of flow]. The first three flows are CO2,
        CH4 and N2O with made-up factors 1, 30 and 300; the rest are other made-up flows.
    technosphere_gsd, biosphere_gsd : scipy.sparse.csc_matrix
        Geometric standard deviation (>= 1) of every stored entry of ``T`` and ``B`` (same
        sparsity; 1 on the diagonal: reference outputs are certain).
    """

    technosphere: sp.csc_matrix
    biosphere: sp.csc_matrix
    characterization: np.ndarray
    technosphere_gsd: sp.csc_matrix
    biosphere_gsd: sp.csc_matrix


def generate_system(
    n: int,
    *,
    inputs_per_process: int = 12,
    flows: int = 20,
    emissions_per_process: int = 3,
    loop_share: float = 0.01,
    common_inputs: int = 20,
    common_share: float = 0.35,
    energy_share: float = 0.02,
    sector_size: int = 100,
    markets_per_sector: int = 3,
    value_share: tuple[float, float] = (0.2, 0.7),
    seed: int = 0,
) -> SyntheticSystem:
    """Generate an ecoinvent-like system of ``n`` processes (one reference product each).

    Parameters
    ----------
    n : int
        Number of processes (and products).
    inputs_per_process : int
        Mean number of technosphere inputs per process (Poisson).
    flows : int
        Number of elementary flows ``m`` (at least 3: CO2, CH4, N2O come first).
    emissions_per_process : int
        Elementary flows per process.
    loop_share : float
        Share of inputs bought from a process further downstream (closing loops).
    common_inputs : int
        Number of widely used processes (indices ``0 .. common_inputs-1``).
    common_share : float
        Share of all inputs that go to those common processes (Zipf-distributed among them).
    energy_share : float
        Share of processes forming the energy sector (the first ones), which buy from each other
        in both directions: the large loop every real database has.
    sector_size, markets_per_sector : int
        Processes per sector, and how many of the first ones of each sector act as its markets
        (what other sectors buy from).
    value_share : (float, float)
        Range of the total value of a process's inputs as a fraction of its output value [-].
    seed : int
        Seed of the generator; the same arguments give the same system.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2 processes, got {n}")
    if flows < len(GHG_FLOWS):
        raise ValueError(f"flows must be at least {len(GHG_FLOWS)}, got {flows}")
    rng = np.random.default_rng(seed)
    k = rng.poisson(inputs_per_process, size=n).clip(1, n - 1)
    cols = np.repeat(np.arange(n), k)
    total = cols.size
    rows = np.empty(total, dtype=np.int64)

    n_common = min(common_inputs, n // 2)
    n_energy = max(n_common, int(energy_share * n))
    zipf = 1.0 / np.arange(1, n_common + 1)
    zipf /= zipf.sum()
    kind = rng.random(total)
    is_common = kind < common_share
    is_loop = (~is_common) & (kind < common_share + loop_share)
    is_up = ~(is_common | is_loop)
    rows[is_common] = rng.choice(n_common, size=int(is_common.sum()), p=zipf)
    # upstream: mostly from the buyer's own sector, a few places before it; otherwise from the
    # market process of an upstream sector (ecoinvent links sectors through markets, which is what
    # keeps its factorisation sparse: sectors only meet at the hubs)
    up_cols = cols[is_up]
    sector_start = (up_cols // sector_size) * sector_size
    within = up_cols - 1 - np.floor(rng.exponential(sector_size / 8, size=up_cols.size))
    sector = np.floor(rng.random(up_cols.size) * (up_cols // sector_size + 1))
    market = sector * sector_size + np.floor(rng.random(up_cols.size) * markets_per_sector)
    cross = rng.random(up_cols.size) < 0.4
    pick = np.where(cross | (within < sector_start), market, within)
    pick = np.where(pick >= up_cols, rng.choice(n_common, size=up_cols.size), pick)
    rows[is_up] = np.clip(pick, 0, None).astype(np.int64)
    # the energy sector (the first n_energy processes, common ones included) buys from itself in
    # both directions, which puts the common inputs into one large loop, as in ecoinvent
    energy = is_up & (cols < n_energy)
    rows[energy] = np.floor(rng.random(int(energy.sum())) * n_energy).astype(np.int64)
    # local loops elsewhere: a process buys from one a few places downstream
    lp_cols = cols[is_loop]
    rows[is_loop] = np.minimum(lp_cols + 1 + rng.geometric(0.3, size=lp_cols.size), n - 1)
    # own use belongs on the diagonal: move it to another common input
    same = rows == cols
    rows[same] = (cols[same] + 1) % n_common

    # value shares per input, scaled so that each column's inputs are worth value_share of output
    share = rng.lognormal(0.0, 1.0, size=total)
    col_sum = np.bincount(cols, weights=share, minlength=n)
    target = rng.uniform(*value_share, size=n)
    share *= target[cols] / col_sum[cols]
    price = 10.0 ** rng.uniform(-3, 3, size=n)  # [CNY per unit of product i]
    amount = share * price[cols] / price[rows]  # physical units of input per unit of output

    # own use on the diagonal of the common processes (e.g. electricity used in power plants)
    diag = np.ones(n)
    own = rng.uniform(0.01, 0.08, size=n_common)
    diag[:n_common] -= own
    t = sp.coo_matrix(
        (
            np.concatenate([diag, -amount]),
            (np.concatenate([np.arange(n), rows]), np.concatenate([np.arange(n), cols])),
        ),
        shape=(n, n),
    ).tocsc()
    t.sum_duplicates()
    t.sort_indices()

    e_cols = np.repeat(np.arange(n), emissions_per_process)
    e_rows = np.concatenate(
        [rng.choice(flows, size=emissions_per_process, replace=False) for _ in range(n)]
    )
    e_val = rng.lognormal(0.0, 1.5, size=e_cols.size) / price[e_cols] * 1e-3
    b = sp.coo_matrix((e_val, (e_rows, e_cols)), shape=(flows, n)).tocsc()
    b.sum_duplicates()
    b.sort_indices()
    c = np.concatenate([[1.0, 30.0, 300.0], rng.uniform(0.0, 50.0, size=flows - 3)])

    t_gsd = t.copy()
    t_gsd.data = np.where(_is_diagonal(t), 1.0, np.exp(np.abs(rng.normal(0.0, 0.2, size=t.nnz))))
    b_gsd = b.copy()
    b_gsd.data = np.exp(np.abs(rng.normal(0.0, 0.3, size=b.nnz)))
    return SyntheticSystem(t, b, c, t_gsd, b_gsd)


def _is_diagonal(m: sp.csc_matrix) -> np.ndarray:
    """Boolean mask over ``m.data``: True where the entry is on the diagonal."""
    cols = np.repeat(np.arange(m.shape[1]), np.diff(m.indptr))
    return np.asarray(m.indices == cols)

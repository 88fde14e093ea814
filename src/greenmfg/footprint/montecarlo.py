"""Monte Carlo uncertainty of every footprint at once, with lognormal exchanges.

Each stored entry ``x`` of ``T`` and ``B`` with a geometric standard deviation ``GSD >= 1`` is
drawn as ``x * exp(ln(GSD) * z)``, ``z ~ N(0, 1)``: a lognormal whose median is the stored value
(the parametrisation of ecoinvent and Brightway, where ``GSD^2`` is the 95 % range factor; see
:mod:`greenmfg.footprint.pedigree` for GSDs from a pedigree matrix). Signs are kept, so inputs stay
inputs.

Work reused across draws (why an iteration costs a few sparse products, not a factorisation):

- the sparsity pattern, the transposition and the diagonal/off-diagonal split are built once;
  a draw only replaces the ``data`` arrays;
- every draw's adjoint solve ``T_k^T q_k = B_k^T c`` starts from the deterministic footprints
  ``q``, which are within the sampled spread of the answer, so Jacobi needs few sweeps;
- the tolerance of a draw is that of the sampling, not of the deterministic result
  (``rtol=1e-6`` by default: each draw is then the exact footprint of a system within a
  millionth of the sampled one, where the sampling itself moves entries by tens of percent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from greenmfg.footprint.engine import (
    FloatArray,
    SolveError,
    SplitSystem,
    characterized_biosphere,
    jacobi,
    solve,
    split,
)


@dataclass(frozen=True)
class MonteCarloResult:
    """Sampled footprints.

    Attributes
    ----------
    products : numpy.ndarray of int
        The product (column) indices kept.
    deterministic : numpy.ndarray
        Footprints of the stored values [kg CO2e / unit], for ``products``.
    samples : numpy.ndarray
        ``(len(products), iterations)`` sampled footprints [kg CO2e / unit].
    seed : int
        Seed of the draws (the same seed gives the same samples).
    sweeps : int
        Jacobi sweeps summed over all draws (a measure of the work done).
    fallbacks : int
        Draws for which Jacobi did not converge and the full solver chain was used.
    """

    products: np.ndarray
    deterministic: FloatArray
    samples: FloatArray
    seed: int
    sweeps: int
    fallbacks: int

    def percentiles(self, q: Sequence[float] = (2.5, 50.0, 97.5)) -> FloatArray:
        """Percentiles of each product's samples, shape ``(len(products), len(q))``."""
        return np.asarray(np.percentile(self.samples, list(q), axis=1).T, dtype=np.float64)


def _aligned_sigma(
    pattern: sp.csc_matrix, gsd: sp.spmatrix | sp.sparray | None, name: str
) -> FloatArray:
    """``ln(GSD)`` for each stored entry of ``pattern`` (0 where no GSD is given)."""
    if gsd is None:
        return np.zeros(pattern.nnz)
    g = sp.csr_matrix(gsd, dtype=np.float64)
    if g.shape != pattern.shape:
        raise ValueError(f"{name}: GSD matrix has shape {g.shape}, expected {pattern.shape}")
    if g.nnz and (g.data < 1).any():
        raise ValueError(f"{name}: a geometric standard deviation must be >= 1")
    cols = np.repeat(np.arange(pattern.shape[1]), np.diff(pattern.indptr))
    values = np.asarray(g[pattern.indices, cols], dtype=np.float64).ravel()
    if int((values > 1).sum()) != int((g.data > 1).sum()):
        raise ValueError(f"{name}: GSD given for entries that are zero in the matrix")
    values[values == 0] = 1.0  # entries without a GSD are certain
    return np.asarray(np.log(values), dtype=np.float64)


class _Transposed:
    """``M^T`` of a CSC matrix as CSR sharing its index arrays; a draw only swaps the data."""

    def __init__(self, m: sp.csc_matrix) -> None:
        m = sp.csc_matrix(m, dtype=np.float64)
        m.sum_duplicates()
        m.sort_indices()
        self.csc = m
        self.shape = (m.shape[1], m.shape[0])
        self.indices = m.indices
        self.indptr = m.indptr

    def with_data(self, data: FloatArray) -> sp.csr_matrix:
        return sp.csr_matrix((data, self.indices, self.indptr), shape=self.shape, copy=False)


class _SquareTransposed(_Transposed):
    """As :class:`_Transposed`, also splitting diagonal and off-diagonal for Jacobi."""

    def __init__(self, m: sp.csc_matrix) -> None:
        super().__init__(m)
        n = self.shape[0]
        cols = np.repeat(np.arange(n), np.diff(self.indptr))  # rows of M^T
        on_diag = self.indices == cols
        if np.bincount(cols[on_diag], minlength=n).min() == 0:
            self.diag_pos = None  # a zero diagonal entry: no Jacobi, the full chain each draw
        else:
            self.diag_pos = np.flatnonzero(on_diag)
        self.off = ~on_diag
        counts = np.bincount(cols[self.off], minlength=n)
        self.off_indptr = np.concatenate([[0], np.cumsum(counts)])
        self.off_indices = self.indices[self.off]

    def split(self, data: FloatArray) -> SplitSystem:
        matrix = self.with_data(data)
        if self.diag_pos is None:
            return split(matrix)
        off = sp.csr_matrix(
            (-data[self.off], self.off_indices, self.off_indptr), shape=self.shape, copy=False
        )
        return SplitSystem(matrix, off, data[self.diag_pos], bool((off.data >= 0).all()))


def _draw(
    rng: np.random.Generator,
    values: FloatArray,
    sigma: FloatArray,
    out: FloatArray,
    where: np.ndarray | None,
) -> None:
    """``out[where] = values * exp(sigma * z)``, in place (``where=None``: every entry)."""
    z = rng.standard_normal(values.size)
    z *= sigma
    np.exp(z, out=z)
    z *= values
    if where is None:
        out[:] = z
    else:
        out[where] = z


def monte_carlo(
    technosphere: sp.spmatrix | sp.sparray,
    biosphere: sp.spmatrix | sp.sparray,
    characterization: FloatArray,
    *,
    technosphere_gsd: sp.spmatrix | sp.sparray | None = None,
    biosphere_gsd: sp.spmatrix | sp.sparray | None = None,
    iterations: int = 1000,
    seed: int = 0,
    products: Sequence[int] | np.ndarray | None = None,
    rtol: float = 1e-6,
) -> MonteCarloResult:
    """Sample the footprints of ``products`` (default: all) ``iterations`` times.

    Parameters
    ----------
    technosphere, biosphere, characterization
        ``T`` (n x n), ``B`` (m x n), ``c`` (m,) as for :func:`greenmfg.footprint.footprints`.
    technosphere_gsd, biosphere_gsd : scipy sparse matrix, optional
        Geometric standard deviation [-] of entries of ``T`` / ``B`` (same shape; an entry absent
        or equal to 1 is certain). Reference outputs are usually given no GSD.
    iterations : int
        Number of draws.
    seed : int
        Seed of numpy's default generator (PCG64).
    products : sequence of int, optional
        Column indices whose samples are kept (all by default; ``n * iterations`` floats).
    rtol : float
        Componentwise backward error each draw is solved to [-].
    """
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    tt = _SquareTransposed(sp.csc_matrix(technosphere))
    bt = _Transposed(sp.csc_matrix(biosphere))
    c = np.asarray(characterization, dtype=np.float64)
    n = tt.shape[0]
    keep = np.arange(n) if products is None else np.asarray(products, dtype=np.int64)
    if keep.size and (keep.min() < 0 or keep.max() >= n):
        raise ValueError(f"product indices must be within 0..{n - 1}")
    t_sigma = _aligned_sigma(tt.csc, technosphere_gsd, "technosphere")
    b_sigma = _aligned_sigma(bt.csc, biosphere_gsd, "biosphere")
    t_unc = np.flatnonzero(t_sigma)
    b_unc = np.flatnonzero(b_sigma)

    g0 = characterized_biosphere(biosphere, c)
    base = solve(tt.split(tt.csc.data), g0)
    # SFC64 draws normals a fifth faster than PCG64 here, and the normals are most of the cost
    rng = np.random.Generator(np.random.SFC64(seed))
    samples = np.empty((keep.size, iterations))
    sweeps = fallbacks = 0
    t_data = tt.csc.data.copy()
    b_data = bt.csc.data.copy()
    t_sig, t_val = t_sigma[t_unc], tt.csc.data[t_unc]
    b_sig, b_val = b_sigma[b_unc], bt.csc.data[b_unc]
    t_all, b_all = t_unc.size == t_data.size, b_unc.size == b_data.size
    last = 1  # sweeps the previous draw needed
    for k in range(iterations):
        _draw(rng, t_val, t_sig, t_data, None if t_all else t_unc)
        _draw(rng, b_val, b_sig, b_data, None if b_all else b_unc)
        system = tt.split(t_data)
        rhs = np.asarray(bt.with_data(b_data) @ c, dtype=np.float64)
        x, it, _, ok = jacobi(
            system, rhs, x0=base.scores, rtol=rtol, exact_error=False, check_from=last - 2
        )
        last = it if ok else 1
        sweeps += it
        if not ok:
            fallbacks += 1
            try:
                x = solve(system, rhs, x0=base.scores, rtol=rtol).scores
            except SolveError as exc:
                raise SolveError(f"Monte Carlo draw {k} (seed {seed}): {exc}") from exc
        samples[:, k] = x[keep]
    return MonteCarloResult(keep, base.scores[keep], samples, seed, sweeps, fallbacks)

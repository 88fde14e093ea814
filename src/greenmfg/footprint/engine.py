"""The footprint of every product of a supply chain in one solve.

With the technosphere matrix ``T`` (n x n, Brightway's sign convention: reference outputs positive
on the diagonal, inputs negative), the biosphere matrix ``B`` (m x n) and the characterisation
factors ``c`` (m), the footprint per unit of every reference product is the row vector

    q = c^T B T^{-1}                                   (ISO 14044, 4.4 / ISO 14067, 6.4: LCI x CF)

(Heijungs & Suh, *The Computational Structure of Life Cycle Assessment*, 2002, eq. 5.4 and 6.4).
LCA tools solve ``T s = f`` once per product; here the transposed ("adjoint") system
``T^T q = B^T c`` gives all ``n`` footprints at once.

Solvers. ``T = D - A`` with ``D`` its diagonal and ``A`` the (mostly positive) inputs. Supply chains
are productive (a process consumes less, in value, than it makes), so the Jacobi fixed point
``q <- D^{-1}(B^T c + A^T q)`` (the Neumann series of the Leontief inverse) converges
geometrically, in tens of sparse matrix-vector products, without the fill-in of a factorisation.
Convergence is judged by the componentwise backward error (Oettli & Prager, 1964)

    omega = max_i |T^T q - b|_i / (|T^T| |q| + |b|)_i

i.e. the relative change of the matrix entries for which ``q`` would be exact. When Jacobi stalls
(a spectral radius near or above one, e.g. systems with negative production or substitution
credits) BiCGSTAB takes over from where it stopped, and a direct sparse LU is the last resort.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl

Method = Literal["auto", "jacobi", "bicgstab", "direct"]
FloatArray = np.ndarray


class SolveError(ArithmeticError):
    """No solver reached the requested accuracy (singular or ill-posed system)."""


@dataclass(frozen=True)
class Solution:
    """Footprints and how they were obtained.

    Attributes
    ----------
    scores : numpy.ndarray
        ``q`` (n,): footprint per unit of each process's reference product [kg CO2e / unit].
    method : str
        The solver that produced ``scores``: ``jacobi``, ``bicgstab`` or ``direct``.
    iterations : int
        Sparse matrix-vector products (Jacobi, BiCGSTAB), 0 for the direct solver.
    backward_error : float
        Componentwise backward error ``omega`` of ``scores`` [-].
    tried : tuple of str
        Solvers tried, in order, with the reason each one stopped.
    """

    scores: FloatArray
    method: str
    iterations: int
    backward_error: float
    tried: tuple[str, ...]


@dataclass(frozen=True)
class SplitSystem:
    """``M = D - A`` split once, reused by every solve with the same sparsity (and Monte Carlo).

    ``offdiag`` is ``A`` in CSR (positive entries are inputs); ``diag`` is ``D``. ``matrix`` is
    ``M`` itself (CSR). ``nonneg`` tells whether ``A >= 0`` elementwise, which makes the backward
    error free to evaluate during Jacobi sweeps.
    """

    matrix: sp.csr_matrix
    offdiag: sp.csr_matrix
    diag: FloatArray
    nonneg: bool


def split(matrix: sp.spmatrix | sp.sparray) -> SplitSystem:
    """Split a square sparse matrix into diagonal and (negated) off-diagonal parts."""
    m = sp.csr_matrix(matrix, dtype=np.float64)
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"the technosphere matrix must be square, got shape {m.shape}")
    m.sum_duplicates()
    d = m.diagonal().astype(np.float64)
    off = (sp.diags_array(d, format="csr") - m).tocsr()
    off.eliminate_zeros()
    return SplitSystem(m, sp.csr_matrix(off), d, bool((off.data >= 0).all()))


def _omega(s: SplitSystem, x: FloatArray, rhs: FloatArray) -> float:
    """Componentwise backward error of ``x`` for ``M x = rhs`` [-]."""
    r = np.abs(s.matrix @ x - rhs)
    scale = np.abs(s.diag * x) + abs(s.offdiag) @ np.abs(x) + np.abs(rhs)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(scale > 0, r / scale, np.where(r > 0, np.inf, 0.0))
    return float(w.max()) if w.size else 0.0


def jacobi(
    s: SplitSystem,
    rhs: FloatArray,
    *,
    x0: FloatArray | None = None,
    rtol: float = 1e-13,
    maxiter: int = 2000,
    exact_error: bool = True,
    check_from: int = 1,
) -> tuple[FloatArray, int, float, bool]:
    """Jacobi fixed point ``x <- D^{-1}(rhs + A x)`` for ``(D - A) x = rhs``.

    Returns ``(x, iterations, omega, converged)``. The backward error of each iterate comes free
    with the next sweep (the residual of ``x`` is ``D (x - x_new)``), so the returned ``x`` is one
    sweep better than the ``omega`` that stopped the loop; with ``exact_error`` the backward error
    of the returned ``x`` itself is measured (one more product with ``|A|``).

    Stops early (not converged) when the backward error stops falling by at least a third over 20
    sweeps, i.e. the spectral radius of ``D^{-1} A`` is too close to or above one for this method.
    ``check_from`` skips the convergence test of the first sweeps (Monte Carlo knows from the
    previous draw about how many it will need).
    """
    d = s.diag
    if not np.all(d != 0):
        return (np.zeros_like(rhs), 0, np.inf, False)
    x = rhs / d if x0 is None else np.array(x0, dtype=np.float64)
    abs_rhs = np.abs(rhs)
    abs_d = np.abs(d)
    abs_off = None if s.nonneg else abs(s.offdiag)
    history: list[float] = []
    omega = np.inf
    r = np.empty_like(x)
    scale = np.empty_like(x)
    for it in range(1, maxiter + 1):
        ax = s.offdiag @ x
        x_new = rhs + ax
        x_new /= d
        if it < check_from:
            x = x_new
            continue
        # residual of x: d (x - x_new); scale: |d x| + |A||x| + |rhs| (= A x for A, x >= 0)
        np.subtract(x, x_new, out=r)
        np.abs(r, out=r)
        r *= abs_d
        np.abs(x, out=scale)
        scale *= abs_d
        if abs_off is None and ax.min(initial=0.0) >= 0:
            scale += ax
        else:
            scale += (abs_off if abs_off is not None else s.offdiag) @ np.abs(x)
        scale += abs_rhs
        bad = r > rtol * scale
        x = x_new
        if not bad.any():
            omega = _omega(s, x, rhs) if exact_error else rtol
            return (x, it, omega, True)
        with np.errstate(invalid="ignore", divide="ignore"):
            omega = float(np.max(r[bad] / scale[bad]))
        if not np.isfinite(omega):
            return (x, it, omega, False)
        history.append(omega)
        if len(history) > 20 and omega > history[-21] / 1.5:
            return (x, it, omega, False)
    return (x, maxiter, omega, False)


def _bicgstab(
    s: SplitSystem, rhs: FloatArray, x0: FloatArray | None, rtol: float, maxiter: int
) -> tuple[FloatArray, int, float, bool]:
    count = [0]

    def cb(_: FloatArray) -> None:
        count[0] += 1

    d = np.where(s.diag != 0, s.diag, 1.0)
    precond = sp.diags_array(1.0 / d, format="csr")
    x, _ = spl.bicgstab(
        s.matrix, rhs, x0=x0, rtol=rtol * 1e-2, atol=0.0, maxiter=maxiter, M=precond, callback=cb
    )
    omega = _omega(s, x, rhs)
    return (x, count[0], omega, bool(omega <= rtol))


def _direct(s: SplitSystem, rhs: FloatArray) -> tuple[FloatArray, float]:
    try:
        lu = spl.splu(s.matrix.tocsc())
    except RuntimeError as exc:  # "Factor is exactly singular"
        raise SolveError(f"the technosphere matrix is singular: {exc}") from exc
    x = np.asarray(lu.solve(rhs), dtype=np.float64)
    # one step of iterative refinement: the LU of a badly scaled matrix loses a few digits
    x += lu.solve(rhs - s.matrix @ x)
    return (x, _omega(s, x, rhs))


def solve(
    s: SplitSystem,
    rhs: FloatArray,
    *,
    method: Method = "auto",
    x0: FloatArray | None = None,
    rtol: float = 1e-13,
    maxiter: int = 2000,
) -> Solution:
    """Solve ``M x = rhs`` for a split matrix, with the solver chain described in the module."""
    rhs = np.asarray(rhs, dtype=np.float64)
    tried: list[str] = []
    if method in ("auto", "jacobi"):
        x, it, omega, ok = jacobi(s, rhs, x0=x0, rtol=rtol, maxiter=maxiter)
        if ok:
            return Solution(x, "jacobi", it, omega, (*tried, f"jacobi: converged in {it}"))
        tried.append(f"jacobi: stopped after {it} sweeps at omega={omega:.2e}")
        if method == "jacobi":
            raise SolveError("; ".join(tried))
        if np.isfinite(x).all() and np.isfinite(omega):
            x0 = x
    if method in ("auto", "bicgstab"):
        x, it, omega, ok = _bicgstab(s, rhs, x0, rtol, maxiter)
        if ok:
            return Solution(x, "bicgstab", it, omega, (*tried, f"bicgstab: converged in {it}"))
        tried.append(f"bicgstab: stopped after {it} iterations at omega={omega:.2e}")
        if method == "bicgstab":
            raise SolveError("; ".join(tried))
    x, omega = _direct(s, rhs)
    if not np.isfinite(x).all():
        raise SolveError("; ".join([*tried, "direct: non-finite result (singular matrix)"]))
    return Solution(x, "direct", 0, omega, (*tried, "direct"))


def characterized_biosphere(
    biosphere: sp.spmatrix | sp.sparray, characterization: FloatArray
) -> FloatArray:
    """``g = c^T B`` (n,): characterised direct emissions per unit of each process's activity."""
    b = sp.csr_matrix(biosphere, dtype=np.float64)
    c = np.asarray(characterization, dtype=np.float64).ravel()
    if b.shape[0] != c.size:
        raise ValueError(
            f"the biosphere matrix has {b.shape[0]} flows but {c.size} characterisation factors"
        )
    return np.asarray(b.T @ c, dtype=np.float64)


def solve_footprints(
    technosphere: sp.spmatrix | sp.sparray,
    biosphere: sp.spmatrix | sp.sparray,
    characterization: FloatArray,
    *,
    method: Method = "auto",
    x0: FloatArray | None = None,
    rtol: float = 1e-13,
) -> Solution:
    """All footprints ``q = c^T B T^{-1}`` with the solver's report (see :func:`footprints`)."""
    t = sp.csr_matrix(technosphere)
    g = characterized_biosphere(biosphere, characterization)
    if g.size != t.shape[1]:
        raise ValueError(
            f"the biosphere matrix has {g.size} columns, the technosphere {t.shape[1]}"
        )
    return solve(split(t.T), g, method=method, x0=x0, rtol=rtol)


def footprints(
    technosphere: sp.spmatrix | sp.sparray,
    biosphere: sp.spmatrix | sp.sparray,
    characterization: FloatArray,
    *,
    method: Method = "auto",
    rtol: float = 1e-13,
) -> FloatArray:
    """Footprint per unit of every process's reference product, ``q = c^T B T^{-1}``.

    Parameters
    ----------
    technosphere : scipy sparse matrix
        ``T`` (n x n) in Brightway's sign convention: reference outputs positive on the diagonal,
        inputs negative [unit of product i per unit of process j's reference product].
    biosphere : scipy sparse matrix
        ``B`` (m x n) [unit of elementary flow per unit of process j's reference product].
    characterization : array (m,)
        ``c`` [kg CO2e per unit of elementary flow], e.g. GWP100 of an IPCC assessment report.
    method : {"auto", "jacobi", "bicgstab", "direct"}
        ``auto`` tries Jacobi, then BiCGSTAB, then a direct LU (see the module docstring).
    rtol : float
        Required componentwise backward error [-].

    Returns
    -------
    numpy.ndarray (n,)
        ``q`` [kg CO2e per unit of each reference product].
    """
    return solve_footprints(
        technosphere, biosphere, characterization, method=method, rtol=rtol
    ).scores


def supply(
    technosphere: sp.spmatrix | sp.sparray,
    demand: FloatArray,
    *,
    method: Method = "auto",
    rtol: float = 1e-13,
) -> Solution:
    """Supply (scaling) vector ``s = T^{-1} f``: activity of every process for a final demand."""
    return solve(
        split(technosphere), np.asarray(demand, dtype=np.float64), method=method, rtol=rtol
    )

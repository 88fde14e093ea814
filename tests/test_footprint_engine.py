"""The supply-chain footprint engine: hand-derived systems, Brightway's own fixtures and generated
systems with loops, against bw2calc; solver fall-backs; contributions; Monte Carlo.

The formula throughout is q = c^T B T^{-1} (Heijungs & Suh 2002, eq. 6.4; ISO 14067:2018, 6.4
"calculation of the CFP": the life-cycle inventory characterised with GWP100 factors).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from greenmfg.footprint import SolveError, contributions, footprints, monte_carlo, solve_footprints
from greenmfg.footprint.synthetic import generate_system
from greenmfg.io.brightway import brightway_lca, brightway_score

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    bw2calc = pytest.importorskip("bw2calc")


def _csc(rows: list[list[float]]) -> sp.csc_matrix:
    return sp.csc_matrix(np.array(rows, dtype=float))


def _brightway_all(t, b, c) -> np.ndarray:
    lca = brightway_lca(t, b, c)
    return np.array([brightway_score(lca, j) for j in range(t.shape[1])])


# --- Brightway's own example systems -------------------------------------------------------------


def test_brightway_basic_fixture():
    """bw2calc tests/fixtures/create_fixtures.py, ``_create_basic_fixture``: activity 101 makes 1 of
    product 1 and uses 0.5 of product 2 (flipped, i.e. an input); activity 102 makes product 2;
    biosphere flow 1 is emitted by 101 only, characterised with 1.

    By hand: q_2 = 0 (102 emits nothing, buys nothing); q_1 = 1 (own) + 0.5 * q_2 = 1.
    """
    t = _csc([[1, 0], [-0.5, 1]])
    b = _csc([[1, 0]])
    c = np.array([1.0])
    q = footprints(t, b, c)
    np.testing.assert_allclose(q, [1.0, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(_brightway_all(t, b, c), q, rtol=1e-12, atol=1e-15)


def test_brightway_mc_basic_fixture_values():
    """bw2calc ``create_mc_basic`` with its stored (median) values: products 3, 4 made by
    activities 1, 2; activity 1 uses 0.5 of product 4; flow 1 = 1 from activity 1, flow 2 = 0.1
    from activity 2; characterisation 1 and 2.

    By hand: q_act2 = 0.1 * 2 = 0.2; q_act1 = 1 * 1 + 0.5 * 0.2 = 1.1.
    """
    t = _csc([[1, 0], [-0.5, 1]])
    b = _csc([[1, 0], [0, 0.1]])
    c = np.array([1.0, 2.0])
    q = footprints(t, b, c)
    np.testing.assert_allclose(q, [1.1, 0.2], rtol=1e-15)
    np.testing.assert_allclose(_brightway_all(t, b, c), q, rtol=1e-12)


def _loop_system():
    """Two processes that buy from each other (a loop), made-up numbers.

    Process 1 makes 1 unit of product 1, uses 0.5 of product 2 and emits 2 kg CO2.
    Process 2 makes 2 units of product 2 from 0.4 of product 1 and emits 2 kg CH4 (1 kg per unit).
    With c = (1, 30):  per unit of product 2: inputs 0.2 of product 1, 30 kg CO2e direct.
        q1 = 2 + 0.5 q2,  q2 = 30 + 0.2 q1
        q1 = 2 + 0.5 (30 + 0.2 q1) = 17 + 0.1 q1  =>  q1 = 17 / 0.9 = 18.888...
        q2 = 30 + 0.2 * 170/9 = 30 + 34/9 = 304/9 = 33.777...
    """
    t = _csc([[1, -0.4], [-0.5, 2]])
    b = _csc([[2, 0], [0, 2]])
    c = np.array([1.0, 30.0])
    return t, b, c, np.array([170 / 9, 304 / 9])


@pytest.mark.parametrize("method", ["auto", "jacobi", "bicgstab", "direct"])
def test_loop_by_hand_every_solver(method):
    t, b, c, expected = _loop_system()
    sol = solve_footprints(t, b, c, method=method)
    np.testing.assert_allclose(sol.scores, expected, rtol=1e-13)
    assert sol.backward_error <= 1e-13
    assert sol.method == ("jacobi" if method == "auto" else method)
    np.testing.assert_allclose(_brightway_all(t, b, c), expected, rtol=1e-12)


@pytest.mark.parametrize(("n", "seed"), [(60, 1), (400, 2), (1500, 3)])
def test_generated_systems_with_loops_agree_with_brightway(n, seed):
    s = generate_system(n, seed=seed, loop_share=0.03)
    # the generated systems do have loops: a strongly connected component larger than one
    _, labels = sp.csgraph.connected_components(s.technosphere, connection="strong")
    assert np.bincount(labels).max() > 1
    q = footprints(s.technosphere, s.biosphere, s.characterization)
    bw = _brightway_all(s.technosphere, s.biosphere, s.characterization)
    np.testing.assert_allclose(q, bw, rtol=1e-9)


def test_jacobi_divergence_falls_back():
    """Process 1 needs 2 units of product 2 and process 2 needs 0.6 of product 1: more than one
    unit goes round the loop (spectral radius of D^-1 A = sqrt(1.2) > 1), Jacobi diverges and
    the chain moves on. By hand with g = (1, 1): q1 = 1 + 2 q2, q2 = 1 + 0.6 q1
    => q1 = 3 + 1.2 q1 => q1 = -15, q2 = 1 - 9 = -8 (a non-productive system, solvable all the
    same)."""
    t = _csc([[1, -0.6], [-2, 1]])
    b = _csc([[1, 1]])
    sol = solve_footprints(t, b, np.array([1.0]))
    np.testing.assert_allclose(sol.scores, [-15.0, -8.0], rtol=1e-12)
    assert sol.method in ("bicgstab", "direct")
    assert sol.tried[0].startswith("jacobi: stopped")
    with pytest.raises(SolveError, match="jacobi"):
        solve_footprints(t, b, np.array([1.0]), method="jacobi")


def test_singular_and_mismatched_inputs_are_refused():
    t = _csc([[1, -1], [-1, 1]])  # each process uses all the other makes: no net output
    with pytest.raises(SolveError, match="singular"):
        footprints(t, _csc([[1, 1]]), np.array([1.0]))
    with pytest.raises(ValueError, match="2 flows but 1 characterisation"):
        footprints(_csc([[1]]), _csc([[1], [1]]), np.array([1.0]))
    with pytest.raises(ValueError, match="square"):
        footprints(sp.csc_matrix(np.ones((2, 3))), _csc([[1, 1, 1]]), np.array([1.0]))


# --- contributions -------------------------------------------------------------------------------


def test_contributions_of_the_loop_by_hand():
    """One unit of product 1 of ``_loop_system``: supply s = T^{-1} e1.
    s1 = 1 + 0.4 s2,  2 s2 = 0.5 s1  =>  s2 = 0.25 s1, s1 = 1 / (1 - 0.1) = 10/9, s2 = 5/18.
    By process: s1 * 2 = 20/9 (CO2), s2 * 2 * 30 = 50/3 (CH4); sum 170/9 = q1.
    Paths: (1,) total q1; (1, 2) amount 0.5 of product 2, direct 0.5 * 30 = 15, total 0.5 q2."""
    t, b, c, q = _loop_system()
    r = contributions(t, b, c, 0)
    np.testing.assert_allclose(r.supply, [10 / 9, 5 / 18], rtol=1e-12)
    np.testing.assert_allclose(r.by_process, [20 / 9, 50 / 3], rtol=1e-12)
    np.testing.assert_allclose(r.by_flow, [20 / 9, 50 / 3], rtol=1e-12)
    assert r.total == pytest.approx(170 / 9, rel=1e-12)
    assert r.paths[0].nodes == (0,) and r.paths[0].total == pytest.approx(q[0], rel=1e-13)
    second = r.paths[1]
    assert second.nodes == (0, 1)
    assert second.amount == pytest.approx(0.5)
    assert second.direct == pytest.approx(15.0)
    assert second.total == pytest.approx(0.5 * q[1])
    assert r.grouped(["supplier A", "supplier B"]) == pytest.approx(
        {"supplier B": 50 / 3, "supplier A": 20 / 9}
    )


def test_contributions_add_up_on_a_generated_system():
    s = generate_system(800, seed=5)
    q = footprints(s.technosphere, s.biosphere, s.characterization)
    j = int(np.argmax(q))
    r = contributions(
        s.technosphere, s.biosphere, s.characterization, j, scores=q, max_paths=30, cutoff=1e-6
    )
    assert r.by_process.sum() == pytest.approx(q[j], rel=1e-10)
    assert r.by_flow.sum() == pytest.approx(q[j], rel=1e-10)
    assert len(r.paths) == 30
    totals = [abs(p.total) for p in r.paths]
    assert totals == sorted(totals, reverse=True)
    for p in r.paths:  # each path's total is its amount times that product's footprint
        assert p.total == pytest.approx(p.amount * q[p.nodes[-1]], rel=1e-12)
        assert len(set(p.nodes)) == len(p.nodes)


# --- Monte Carlo ---------------------------------------------------------------------------------


def test_monte_carlo_single_lognormal_exchange():
    """One process emitting 2 kg CO2 with GSD 1.5: the samples are 2 * exp(ln(1.5) z), so their
    median is 2 and the standard deviation of their logarithm is ln 1.5 = 0.405."""
    r = monte_carlo(
        _csc([[1]]),
        _csc([[2]]),
        np.array([1.0]),
        biosphere_gsd=_csc([[1.5]]),
        iterations=4000,
        seed=7,
    )
    logs = np.log(r.samples[0])
    assert np.median(r.samples[0]) == pytest.approx(2.0, rel=0.03)
    assert logs.std() == pytest.approx(np.log(1.5), rel=0.04)
    assert r.deterministic[0] == pytest.approx(2.0)


def test_monte_carlo_without_uncertainty_reproduces_the_footprints():
    t, b, c, q = _loop_system()
    r = monte_carlo(t, b, c, iterations=5, seed=1)
    np.testing.assert_allclose(r.samples, np.repeat(q[:, None], 5, axis=1), rtol=1e-6)


def test_monte_carlo_is_reproducible_and_each_draw_is_a_solution():
    s = generate_system(300, seed=4)
    kw = dict(
        technosphere_gsd=s.technosphere_gsd,
        biosphere_gsd=s.biosphere_gsd,
        iterations=20,
        products=[0, 150, 299],
    )
    a = monte_carlo(s.technosphere, s.biosphere, s.characterization, seed=3, **kw)
    b = monte_carlo(s.technosphere, s.biosphere, s.characterization, seed=3, **kw)
    c = monte_carlo(s.technosphere, s.biosphere, s.characterization, seed=4, **kw)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert not np.allclose(a.samples, c.samples)
    assert a.samples.shape == (3, 20)
    assert a.fallbacks == 0
    # the sampled footprints spread around the deterministic ones (GSDs are 1.0-1.8 here)
    lo, _median, hi = a.percentiles().T
    assert (lo < a.deterministic).all() and (a.deterministic < hi).all()


def test_monte_carlo_rejects_gsd_below_one_and_bad_products():
    t, b, c, _ = _loop_system()
    with pytest.raises(ValueError, match=">= 1"):
        monte_carlo(t, b, c, biosphere_gsd=_csc([[0.5, 0], [0, 1]]), iterations=2)
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        monte_carlo(t, b, c, iterations=2, products=[2])
    with pytest.raises(ValueError, match="zero in the matrix"):
        monte_carlo(t, b, c, biosphere_gsd=_csc([[1.2, 1.2], [0, 1]]), iterations=2)

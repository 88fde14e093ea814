"""Hand greenmfg's matrices to Brightway (bw2calc) as an in-memory datapackage.

Used to cross-check the footprint engine against Brightway and to time it in
``benchmarks/bench_footprint.py``. Needs the optional packages ``bw2calc`` and ``bw_processing``
(the ``test`` extra installs them); nothing in greenmfg's own calculations imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

#: Brightway ids of products/activities are ``index + 1``; biosphere flows start here so that the
#: two id spaces never meet.
FLOW_ID_OFFSET = 10_000_000


def to_datapackage(
    technosphere: sp.spmatrix | sp.sparray,
    biosphere: sp.spmatrix | sp.sparray,
    characterization: np.ndarray,
) -> Any:
    """A ``bw_processing`` datapackage holding ``T``, ``B`` and ``c``.

    Product ``i`` and its producing activity both get the id ``i + 1`` (Brightway 2.5's
    convention for single-output activities); flow ``f`` gets ``FLOW_ID_OFFSET + f``. Values go
    in as they are (no ``flip``): the matrices already carry Brightway's signs.
    """
    import bw_processing as bwp

    t = sp.coo_matrix(technosphere)
    b = sp.coo_matrix(biosphere)
    c = np.asarray(characterization, dtype=np.float64)
    dp = bwp.create_datapackage()
    dp.add_persistent_vector(
        matrix="technosphere_matrix",
        data_array=t.data.astype(np.float64),
        name="technosphere",
        indices_array=indices_array(t.row + 1, t.col + 1),
        flip_array=np.zeros(t.nnz, dtype=bool),
    )
    dp.add_persistent_vector(
        matrix="biosphere_matrix",
        data_array=b.data.astype(np.float64),
        name="biosphere",
        indices_array=indices_array(b.row + FLOW_ID_OFFSET, b.col + 1),
    )
    flows = np.arange(c.size)
    dp.add_persistent_vector(
        matrix="characterization_matrix",
        data_array=c,
        name="characterization",
        indices_array=indices_array(flows + FLOW_ID_OFFSET, np.zeros(c.size, dtype=np.int64)),
        global_index=0,
    )
    return dp


def indices_array(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Brightway's (row, col) id pairs for a datapackage vector."""
    import bw_processing as bwp

    out = np.empty(len(rows), dtype=bwp.INDICES_DTYPE)
    out["row"] = rows
    out["col"] = cols
    return out


def brightway_lca(
    technosphere: sp.spmatrix | sp.sparray,
    biosphere: sp.spmatrix | sp.sparray,
    characterization: np.ndarray,
    product: int = 0,
) -> Any:
    """A ``bw2calc.LCA`` for one unit of product ``product`` (0-based), LCI and LCIA done, with
    the technosphere factorised so that :func:`brightway_score` can reuse it."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "install pypardiso" hint on import
        import bw2calc

    lca = bw2calc.LCA(
        {product + 1: 1.0},
        data_objs=[to_datapackage(technosphere, biosphere, characterization)],
    )
    lca.lci(factorize=True)
    lca.lcia()
    return lca


def brightway_score(lca: Any, product: int) -> float:
    """Brightway's footprint of one unit of ``product`` (0-based), reusing the factorisation."""
    lca.lcia(demand={product + 1: 1.0})
    return float(lca.score)

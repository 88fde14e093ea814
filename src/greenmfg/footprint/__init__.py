"""Product carbon footprints (ISO 14067): the supply-chain engine and what is built on it.

``footprints(T, B, c)`` returns the footprint per unit of every product of a supply chain in one
solve; ``contributions`` explains one product; ``monte_carlo`` samples them all. The product-system
model (:mod:`greenmfg.footprint.system`) builds ``T``, ``B`` and ``c`` from products, processes,
supplier footprints and database values.
"""

from greenmfg.footprint.contribution import Contributions, PathStep, contributions
from greenmfg.footprint.engine import (
    Solution,
    SolveError,
    footprints,
    solve_footprints,
    supply,
)
from greenmfg.footprint.montecarlo import MonteCarloResult, monte_carlo

__all__ = [
    "Contributions",
    "MonteCarloResult",
    "PathStep",
    "Solution",
    "SolveError",
    "contributions",
    "footprints",
    "monte_carlo",
    "solve_footprints",
    "supply",
]

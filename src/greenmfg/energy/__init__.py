"""Energy accounting by GB/T 2589-2020 (comprehensive energy consumption in standard coal) and
benchmarking against the NDRC benchmark/base levels and the limit standards' grades."""

from greenmfg.energy.benchmark import BenchmarkError, Classification, Position, classify
from greenmfg.energy.standard_coal import StandardCoalError, standard_coal_factor

__all__ = [
    "BenchmarkError",
    "Classification",
    "Position",
    "StandardCoalError",
    "classify",
    "standard_coal_factor",
]

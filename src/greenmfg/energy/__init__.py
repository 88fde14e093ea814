"""Energy accounting by GB/T 2589-2020 (comprehensive energy consumption in standard coal)."""

from greenmfg.energy.standard_coal import StandardCoalError, standard_coal_factor

__all__ = ["StandardCoalError", "standard_coal_factor"]

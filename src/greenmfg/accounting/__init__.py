"""Greenhouse-gas and energy accounting (pure domain core: no files, no database, no network)."""

from greenmfg.accounting.activities import KINDS, MEASURED_COLUMNS, ActivityTable
from greenmfg.accounting.engine import METHODS, AccountingOptions, compute_inventory
from greenmfg.accounting.inventory import Inventory
from greenmfg.accounting.validate import ActivityError, Problem, validate_activities

__all__ = [
    "KINDS",
    "MEASURED_COLUMNS",
    "METHODS",
    "AccountingOptions",
    "ActivityError",
    "ActivityTable",
    "Inventory",
    "Problem",
    "compute_inventory",
    "validate_activities",
]

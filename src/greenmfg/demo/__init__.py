"""Demonstration data of greenmfg: a fictional green-manufacturing park in Suzhou and its neighbours.

:func:`greenmfg.demo.dataset.demo_dataset` builds the organisations, sites, users and three years of
activity records that ``greenmfg demo`` loads; it is pure and deterministic (no database, no files).
"""

from greenmfg.demo.dataset import (
    YEARS,
    DemoDataset,
    DemoOrg,
    DemoSite,
    DemoUser,
    demo_dataset,
)

__all__ = ["YEARS", "DemoDataset", "DemoOrg", "DemoSite", "DemoUser", "demo_dataset"]

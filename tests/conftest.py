"""Shared fixtures: the package's reference data and a helper that accounts a few records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from greenmfg.accounting import AccountingOptions, ActivityTable, Inventory, compute_inventory
from greenmfg.reference import ReferenceData, get_reference


@pytest.fixture(scope="session")
def ref() -> ReferenceData:
    return get_reference()


@pytest.fixture
def account(ref: ReferenceData) -> Callable[..., Inventory]:
    """``account(records, method=..., gwp=..., ...)`` -> Inventory. Records default to site A, 2022."""

    def run(records: list[dict[str, Any]], **options: Any) -> Inventory:
        recs = [{"site": "A", "year": 2022, **r} for r in records]
        return compute_inventory(
            ActivityTable.from_records(recs, "test"), ref, AccountingOptions(**options)
        )

    return run


from infra import *  # noqa: E402, F403  (PostgreSQL, Chromium and live-server fixtures)

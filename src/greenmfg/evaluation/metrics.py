"""Indicators computed from activity records for the evaluations (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable

from greenmfg.units import conversion_factor

GREEN_KIND = "green_electricity"
ELECTRICITY_KIND = "electricity"


def renewable_electricity_share(
    records: Iterable[tuple[str, str, float, str]],
) -> float | None:
    """Share of the purchased grid electricity covered by green instruments [percent].

    ``records`` are ``(kind, item, amount, unit)``. Green-power contracts and green certificates
    (kind ``green_electricity``, claimed against the same site-year's grid electricity, GHG
    Protocol Scope 2 Guidance ch. 7) over electricity consumed (kind ``electricity``), both in
    MWh; ``None`` when no electricity is recorded. On-site renewable generation is not a record
    kind yet, so it is not counted.
    """
    green = grid = 0.0
    factors: dict[str, float] = {}
    for kind, _item, amount, unit in records:
        if kind not in (GREEN_KIND, ELECTRICITY_KIND):
            continue
        f = factors.get(unit)
        if f is None:
            f = factors[unit] = conversion_factor(unit, "MWh")
        if kind == GREEN_KIND:
            green += amount * f
        else:
            grid += amount * f
    if grid <= 0:
        return None
    return 100.0 * green / grid

"""Factor look-up for people: every factor an item could use, and the one the engine picks.

Shared by ``greenmfg factors show`` and ``GET /api/v1/factors/{item}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from greenmfg.reference.model import Factor, ItemSpec, ReferenceData

# The clinker formula needs CaO/MgO contents; the look-up shows the factors for a typical
# measured composition only to name them (the values come from the record in real use).
_PLACEHOLDER_INPUTS: dict[str, dict[str, float]] = {
    "clinker_oxides": {"cao_content": 65.0, "mgo_content": 2.0}
}


@dataclass
class Lookup:
    spec: ItemSpec
    candidates: list[Factor]
    picked: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    refused: str = ""


def region_matches(ref: ReferenceData, code: str, text: str) -> bool:
    """Whether a factor's region ``code`` applies to the region written ``text``."""
    try:
        r = ref.resolve_region(text)
    except KeyError:
        return False
    return bool(r and (code == r.code or code == r.parent or code == "CN"))


def lookup_factors(
    ref: ReferenceData, item: str, year: int | None = None, region: str | None = None
) -> Lookup:
    """Candidates for ``item`` (filtered by ``year`` and ``region`` where they apply) and, when a
    ``year`` is given, the factors the engine resolves for one record of it.

    Raises ``KeyError`` for an unknown item.
    """
    from greenmfg.accounting import AccountingOptions, ActivityTable, compute_inventory

    spec = ref.items[item]
    key = spec.factor_item
    found = [f for (_d, i, _p), f in ref.fuel.items() if i == key]
    found += [
        f
        for (_s, y, r), f in ref.electricity.items()
        if key == "grid_electricity"
        and (year is None or y == year)
        and (region is None or region_matches(ref, r, region))
    ]
    found += [f for i, f in ref.heat.items() if i == key]
    found += [f for (i, _g), f in ref.process.items() if i == key]
    found += [f for (i, _b, _y), f in ref.energy.items() if i == key]
    result = Lookup(spec=spec, candidates=found)
    if year is None or spec.kind == "production":
        return result
    rec: dict[str, Any] = {
        "site": "-",
        "year": year,
        "kind": spec.kind,
        "item": item,
        "amount": 1.0,
        "unit": spec.default_unit,
        "region": region or "",
        **_PLACEHOLDER_INPUTS.get(spec.method, {}),
    }
    try:
        inv = compute_inventory(ActivityTable.from_records([rec]), ref, AccountingOptions())
    except Exception as exc:  # the engine's own refusal, shown as is
        result.refused = str(exc)
        return result
    line = inv.line(0)
    result.picked = list(line["factors"])
    result.flags = list(line["flags"])
    return result

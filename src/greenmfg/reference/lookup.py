"""Factor look-up for people: every factor an item could use, and the one the engine picks.

Shared by ``greenmfg factors show`` and ``GET /api/v1/factors/{item}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from greenmfg.reference.model import Factor, ItemSpec, ReferenceData

# The clinker formula refuses a record without its measured CaO/MgO contents; zeros let the
# look-up name the factors it would apply (the contents come from the record in real use).
_MEASURED_INPUTS: dict[str, dict[str, float]] = {
    "clinker_oxides": {"cao_content": 0.0, "mgo_content": 0.0}
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
    from greenmfg.accounting.flags import Flag, describe

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
        **_MEASURED_INPUTS.get(spec.method, {}),
    }
    try:
        inv = compute_inventory(ActivityTable.from_records([rec]), ref, AccountingOptions())
    except Exception as exc:  # the engine's own refusal, shown as is
        result.refused = str(exc)
        return result
    line = inv.line(0)
    # flags about the factors only: those about measured inputs would describe the zeros above
    mask = int(inv.flags[0]) & ~int(Flag.MEASURED_COMPOSITION | Flag.IMPLAUSIBLE_VALUE)
    # reference factors only: the measured entries would echo the look-up's own zero inputs
    result.picked = [f for f in line["factors"] if not str(f["id"]).startswith("measured/")]
    result.flags = describe(mask)
    return result

"""Unit processes fed from the enterprise's accounted inventory.

An organisation's inventory (GB/T 32150 or ISO 14064-1, :mod:`greenmfg.accounting`) already holds,
per site and year, the direct emissions, the energy bought by carrier and the production by
product. A product system's own processes are those sites grouped by the product they make:

- **emissions**: the sites' scope 1 (direct) emissions [t CO2e], as one pre-characterised flow
  (``INVENTORY_CO2E``); they were characterised by the inventory with its own GWP set, which
  the result echoes. Biogenic CO2 stays out, as in the inventory (ISO 14064-1 5.2.4 reports it
  separately).
- **inputs**: the electricity [kWh] and heat [GJ] the sites bought (their footprints come from
  purchased footprints: the grid's by default), plus the inputs the caller adds (intermediate
  products made elsewhere in the system, raw materials with supplier or database footprints).
  Fuels burnt on site are in the direct emissions; their upstream supply chain is an input only
  when the caller adds it.
- **output**: the sites' production of the product (production records of the inventory).

ISO 14067:2018 6.3.5 asks for site-specific data for the processes under the organisation's
control; this is where they come from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from greenmfg.footprint.system import (
    INVENTORY_CO2E,
    Emission,
    Input,
    Output,
    Process,
    ProductSystemError,
)
from greenmfg.units import conversion_factor

__all__ = ["ELECTRICITY", "HEAT", "SiteProcess", "processes_from_inventory"]

#: product ids given to purchased energy
ELECTRICITY = "electricity"
HEAT = "heat"


@dataclass(frozen=True)
class SiteProcess:
    """Sites of the inventory that together make ``product`` (one unit process).

    ``inputs`` are added to the energy the sites bought (e.g. the clinker a grinding station
    takes from the kiln line); ``dqr`` are the process's data-quality ratings.
    """

    process_id: str
    name: str
    product: str
    sites: tuple[str, ...]
    inputs: tuple[Input, ...] = ()
    dqr: Mapping[str, float] | None = None


def _rows(summary: Mapping[str, Any], key: str) -> Iterable[Mapping[str, Any]]:
    rows = summary.get(key)
    if not isinstance(rows, list):
        raise ProductSystemError(f"inventory summary has no {key!r} table")
    return rows


def processes_from_inventory(
    summary: Mapping[str, Any],
    processes: Sequence[SiteProcess],
    *,
    year: int,
    source: str = "",
) -> tuple[Process, ...]:
    """Unit processes of ``year`` from an inventory summary (``Inventory.to_dict``'s
    ``by_site``, ``energy_by_carrier`` and ``intensities`` tables).

    Parameters
    ----------
    summary : mapping
        The stored inventory summary.
    processes : sequence of SiteProcess
        Which sites make which product.
    year : int
        Reporting year whose rows are used.
    source : str
        Text naming the inventory (echoed in each process's ``source``).

    Returns
    -------
    tuple of Process
        Output in the product's unit of the production records; emissions [t CO2e]; electricity
        [kWh] and heat [GJ] inputs.
    """
    scope1: dict[str, float] = defaultdict(float)
    energy: dict[tuple[str, str], float] = defaultdict(float)
    output: dict[tuple[str, str], tuple[float, str]] = {}
    for r in _rows(summary, "by_site"):
        if int(r["year"]) == year:
            scope1[str(r["site"])] += float(r["scope1_tco2e"])
    for r in _rows(summary, "energy_by_carrier"):
        if int(r["year"]) != year:
            continue
        kind = str(r["kind"])
        if kind == "electricity":
            energy[(str(r["site"]), ELECTRICITY)] += float(r["amount"]) * conversion_factor(
                str(r["unit"]), "kWh"
            )
        elif kind == "heat":
            energy[(str(r["site"]), HEAT)] += float(r["amount"]) * conversion_factor(
                str(r["unit"]), "GJ"
            )
    for r in _rows(summary, "intensities"):
        if int(r["year"]) != year:
            continue
        key = (str(r["site"]), str(r["product"]))
        amount, unit = float(r["output"]), str(r["unit"])
        if key in output:  # the same product in another unit: convert to the first
            first, first_unit = output[key]
            amount = first + amount * conversion_factor(unit, first_unit)
            unit = first_unit
        output[key] = (amount, unit)

    known_sites = set(scope1) | {s for s, _ in energy} | {s for s, _ in output}
    result: list[Process] = []
    for sp in processes:
        where = f"process {sp.process_id}"
        if not sp.sites:
            raise ProductSystemError(f"{where}: names no site")
        missing = [s for s in sp.sites if s not in known_sites]
        if missing:
            raise ProductSystemError(
                f"{where}: site(s) {', '.join(missing)} have no inventory data for {year}"
            )
        made = [output[(s, sp.product)] for s in sp.sites if (s, sp.product) in output]
        if not made:
            raise ProductSystemError(
                f"{where}: the inventory of {year} records no production of {sp.product!r} at "
                f"site(s) {', '.join(sp.sites)}"
            )
        unit = made[0][1]
        amount = sum(a * conversion_factor(u, unit) for a, u in made)
        inputs = list(sp.inputs)
        for carrier, carrier_unit in ((ELECTRICITY, "kWh"), (HEAT, "GJ")):
            e = sum(energy.get((s, carrier), 0.0) for s in sp.sites)
            if e > 0:
                inputs.append(Input(carrier, e, carrier_unit))
        emissions = sum(scope1.get(s, 0.0) for s in sp.sites)
        result.append(
            Process(
                sp.process_id,
                sp.name,
                outputs=(Output(sp.product, amount, unit),),
                inputs=tuple(inputs),
                emissions=(Emission(INVENTORY_CO2E, emissions, "t"),) if emissions else (),
                source=f"{source}, site(s) {', '.join(sp.sites)}".lstrip(", "),
                dqr=dict(sp.dqr or {}),
            )
        )
    return tuple(result)

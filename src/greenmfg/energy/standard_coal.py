"""Standard-coal coefficients (折标准煤系数) of GB/T 2589-2020.

Comprehensive energy consumption ``E = sum(e_i x p_i)`` (GB/T 2589-2020, formula (1)) converts each
energy carrier ``e_i`` with its coefficient ``p_i`` [kgce per unit]. For primary energy the
coefficient is the equivalent value (当量值, Annex A); for secondary energy (electricity, heat) the
standard also defines the equal value (等价值): the energy consumed to produce it, e.g. the year's
thermal power standard-coal consumption rate. Coefficients live in
``reference/energy_coefficients.csv``; a fuel without one is converted through its net calorific
value (1 kgce = 29 307.6 kJ, ``units.txt``).
"""

from __future__ import annotations

from greenmfg.reference.model import Factor, ReferenceData


class StandardCoalError(ValueError):
    """No coefficient on the requested basis (the message says which years exist)."""


def standard_coal_factor(
    ref: ReferenceData, item: str, basis: str, year: int, secondary: bool
) -> tuple[Factor | None, int | None]:
    """The GB/T 2589 coefficient of ``item``.

    Parameters
    ----------
    ref : reference data.
    item : energy item id (``grid_electricity``, ``natural_gas`` …).
    basis : ``'equivalent'`` (当量值) or ``'equal'`` (等价值).
    year : data year [a]; equal values are published per year.
    secondary : True for secondary energy (electricity, heat), the only carriers whose equal value
        differs from the equivalent value.

    Returns
    -------
    (factor or None when the standard lists no coefficient, the year of an equal-value factor when
    it is an earlier year than ``year``, else None).

    Raises
    ------
    StandardCoalError when the equal value is asked for and none is published for the year or
    earlier: it is never silently replaced by the equivalent value.
    """
    if basis == "equal" and secondary:
        years = sorted(
            (y for i, b, y in ref.energy if i == item and b == "equal" and y is not None),
            reverse=True,
        )
        for y in years:
            if y <= year:
                return ref.energy[(item, "equal", y)], (y if y != year else None)
        published = ", ".join(map(str, sorted(years))) or "none in the reference data"
        raise StandardCoalError(
            f"no equal-value (等价值) standard-coal coefficient for {item} in or before {year} "
            f"(published years: {published}); use the equivalent value (当量值)"
        )
    return ref.energy.get((item, "equivalent", None)), None

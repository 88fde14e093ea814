"""The project's one pint registry and dimension-checked conversions.

Definitions live in ``units.txt`` (data, not code). Conversion factors are cached per pair of unit
strings, so that a column of a million amounts is converted with one multiplication per distinct
unit rather than one pint call per row.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import pint

ureg: pint.UnitRegistry = pint.UnitRegistry(  # type: ignore[type-arg]
    autoconvert_offset_to_baseunit=True, cache_folder=None
)
ureg.load_definitions(str(files("greenmfg").joinpath("units.txt")))

_DIMENSION_NAMES = {
    "[mass]": "mass",
    "[length] ** 3": "volume",
    "[mass] * [length] ** 2 / [time] ** 2": "energy",
    "[mass] * [length] ** 2 / [time] ** 3": "power",
    "[length] ** 2": "area",
    "": "dimensionless",
    "[currency]": "currency",
}


class UnitError(ValueError):
    """A unit string that cannot be parsed, or a conversion between incompatible dimensions."""


def describe_dimension(unit: str) -> str:
    """Plain-language name of a unit's dimension (``'mass'``, ``'volume'``, ``'energy'`` …)."""
    dim = str(parse_unit(unit).dimensionality)
    return _DIMENSION_NAMES.get(dim, dim)


@lru_cache(maxsize=4096)
def parse_unit(unit: str) -> pint.Quantity:  # type: ignore[type-arg]
    """Parse a unit expression such as ``'t'``, ``'10^4 Nm3'``, ``'万kWh'`` or ``'GJ/(10^4 Nm3)'``.

    Returns a pint quantity (magnitude absorbs numeric prefixes such as ``10^4``).
    Raises :class:`UnitError` for an empty or unknown unit.
    """
    text = unit.strip()
    if not text:
        raise UnitError("empty unit")
    try:
        q = ureg.parse_expression(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, SyntaxError) as exc:
        raise UnitError(f"unknown unit {unit!r}") from exc
    except Exception as exc:  # pint raises assorted errors on malformed expressions
        raise UnitError(f"cannot parse unit {unit!r}: {exc}") from exc
    if not isinstance(q, pint.Quantity):
        raise UnitError(f"{unit!r} is a number, not a unit")
    return q


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Factor ``k`` such that ``x [from_unit] == k * x [to_unit]``.

    ``from_unit`` may be a product of units (``'t * GJ/t'``). Raises :class:`UnitError` naming both
    dimensions when they differ (mass vs volume, energy vs mass …).
    """
    src = parse_unit(from_unit)
    dst = parse_unit(to_unit)
    if src.dimensionality != dst.dimensionality:
        raise UnitError(
            f"cannot convert {from_unit!r} ({_dim_name(src)}) to {to_unit!r} ({_dim_name(dst)})"
        )
    return float((src / dst).to("dimensionless").magnitude)


def product_factor(unit_a: str, unit_b: str, to_unit: str) -> float:
    """Factor converting ``x [unit_a] * y [unit_b]`` to ``to_unit`` (e.g. ``'10^4 Nm3'`` x ``'GJ/(10^4 Nm3)'`` -> ``'GJ'``)."""
    return conversion_factor(f"({unit_a}) * ({unit_b})", to_unit)


def same_dimension(unit_a: str, unit_b: str) -> bool:
    """True when two unit strings share a dimension."""
    return bool(parse_unit(unit_a).dimensionality == parse_unit(unit_b).dimensionality)


def _dim_name(q: pint.Quantity) -> str:  # type: ignore[type-arg]
    dim = str(q.dimensionality)
    return _DIMENSION_NAMES.get(dim, dim)

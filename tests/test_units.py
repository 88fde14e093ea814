"""The pint registry and the project's unit definitions (units.txt)."""

from __future__ import annotations

import pytest

from greenmfg.units import (
    UnitError,
    conversion_factor,
    describe_dimension,
    parse_unit,
    product_factor,
)


@pytest.mark.parametrize(
    ("src", "dst", "factor"),
    [
        ("万kWh", "MWh", 10.0),
        ("10^4 Nm3", "Nm3", 1e4),
        ("万Nm3", "m3", 1e4),
        ("tce", "GJ", 29.3076),  # GB/T 2589-2020: 1 kgce = 29 307.6 kJ
        ("kgce", "kJ", 29307.6),
        ("tCO2e", "kgCO2e", 1000.0),
        ("吨", "kg", 1000.0),
        ("重量箱", "kg", 50.0),
        ("percent", "dimensionless", 0.01),
    ],
)
def test_project_units(src, dst, factor):
    assert conversion_factor(src, dst) == pytest.approx(factor, rel=1e-12)


def test_products_of_units():
    assert product_factor("10^4 Nm3", "GJ/(10^4 Nm3)", "GJ") == pytest.approx(1.0)
    assert product_factor("m3", "GJ/(10^4 Nm3)", "GJ") == pytest.approx(1e-4)
    assert product_factor("t", "kgce/kg", "tce") == pytest.approx(1.0)


def test_dimension_errors_are_clear():
    with pytest.raises(UnitError, match=r"cannot convert 't' \(mass\) to 'MWh' \(energy\)"):
        conversion_factor("t", "MWh")
    with pytest.raises(UnitError, match="unknown unit 'tonz'"):
        parse_unit("tonz")
    assert describe_dimension("万Nm3") == "volume"

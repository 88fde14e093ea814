"""Product systems built into matrices: own processes, supplier data replacing database values,
allocation, cut-off, units, errors. Numbers are made up for the tests (labelled so) except the
GWPs, which come from the shipped reference data (IPCC AR6 WG I, Table 7.15)."""

from __future__ import annotations

import pytest

from greenmfg.footprint.system import (
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    ProductSystemError,
    PurchasedFootprint,
    compute,
    gwp_table,
)
from greenmfg.reference import get_reference

AR6 = gwp_table(get_reference().gwp, "ar6")


def _cement(cutoff: float = 0.06, supplier_electricity: bool = True) -> ProductSystem:
    """Illustrative cement plant (made-up amounts).

    clinker line: 1 t clinker from 1.5 t limestone, 60 kWh electricity, emitting 850 kg CO2;
    grinding: 1 t cement from 750 kg clinker, 0.05 t gypsum (no data), 0.2 t slag, 35 kWh.
    Purchased: electricity 0.5 kg CO2e/kWh (database) and 0.4 (supplier), limestone 10 kg/t,
    slag 20 kg/t (database).
    """
    products = (
        Product("clinker", "熟料", "t"),
        Product("cement", "水泥", "t"),
        Product("electricity", "电力", "kWh"),
        Product("limestone", "石灰石", "t"),
        Product("gypsum", "石膏", "t"),
        Product("slag", "矿渣", "t"),
    )
    processes = (
        Process(
            "kiln",
            "clinker line",
            outputs=(Output("clinker", 1, "t"),),
            inputs=(Input("limestone", 1.5, "t"), Input("electricity", 60, "kWh")),
            emissions=(Emission("CO2", 850, "kg"),),
        ),
        Process(
            "mill",
            "grinding",
            outputs=(Output("cement", 1, "t"),),
            inputs=(
                Input("clinker", 750, "kg"),
                Input("gypsum", 0.05, "t"),
                Input("slag", 0.2, "t"),
                Input("electricity", 0.035, "MWh"),
            ),
        ),
    )
    purchased = [
        PurchasedFootprint("electricity", 0.5, "kWh", "database", "db:grid"),
        PurchasedFootprint("limestone", 10, "t", "database", "db:limestone"),
        PurchasedFootprint("slag", 0.02, "kg", "database", "db:slag"),
    ]
    if supplier_electricity:
        purchased.append(
            PurchasedFootprint("electricity", 0.4, "kWh", "supplier", "pact:1", supplier="电厂")
        )
    return ProductSystem(products, processes, tuple(purchased), cutoff=cutoff)


def test_cement_by_hand_with_supplier_data_replacing_the_database():
    """q_electricity = 0.4 (the supplier's value replaces the database's 0.5)
    q_clinker = 850 + 1.5 * 10 + 60 * 0.4 = 889 kg CO2e/t
    q_cement  = 0.75 * 889 + 0.2 * 20 (0.02 kg/kg = 20 kg/t) + 35 * 0.4 = 666.75 + 4 + 14
              = 684.75 kg CO2e/t; gypsum is cut off (0.05 t of 1.0 t of inputs = 5 % < 6 %)."""
    r = compute(_cement(), AR6, "ar6")
    assert r.results["electricity"].value == pytest.approx(0.4)
    assert r.results["electricity"].origin == "supplier"
    assert r.results["clinker"].value == pytest.approx(889.0)
    assert r.results["cement"].value == pytest.approx(684.75)
    assert [(e.process, e.product) for e in r.matrices.excluded] == [("mill", "gypsum")]
    assert r.matrices.excluded[0].mass_share == pytest.approx(0.05)
    assert [p.source for p in r.matrices.superseded] == ["db:grid"]
    shares = r.share_by_origin("cement")
    # own processes: 0.75 * 850 = 637.5; supplier: (0.75 * 60 + 35) * 0.4 = 32; database:
    # 0.75 * 15 + 4 = 15.25; total 684.75
    assert shares["process"] == pytest.approx(637.5 / 684.75)
    assert shares["supplier"] == pytest.approx(32 / 684.75)
    assert shares["database"] == pytest.approx(15.25 / 684.75)


def test_database_value_used_without_supplier_data():
    """q_clinker = 850 + 15 + 60 * 0.5 = 895; q_cement = 0.75 * 895 + 4 + 35 * 0.5 = 692.75."""
    r = compute(_cement(supplier_electricity=False), AR6, "ar6")
    assert r.results["cement"].value == pytest.approx(692.75)
    assert r.results["electricity"].origin == "database"


def test_cut_off_refuses_a_large_missing_input():
    with pytest.raises(
        ProductSystemError, match=r"process mill, input 'gypsum'.*5\.00% is not below"
    ):
        compute(_cement(cutoff=0.04), AR6, "ar6")


@pytest.mark.parametrize(
    ("method", "share_a"),
    [("mass", 800 / 1000), ("economic", 100 / 400), ("physical", 3 / 4)],
)
def test_multi_output_allocation(method, share_a):
    """A process makes 2 t of A (800 kg... as stated by its mass property) and 1 t of B, emitting
    100 kg CH4_fossil (AR6 GWP 29.8): 2980 kg CO2e in all. Share of A: mass 800/(800+200),
    economic 100/(100+300), physical 3/(3+1). Per t of A: share * 2980 / 2; of B: (1-share) * 2980."""
    system = ProductSystem(
        (Product("A", "A", "t"), Product("B", "B", "t")),
        (
            Process(
                "p",
                "joint",
                outputs=(
                    Output("A", 2, "t", {"mass": 800, "economic": 100, "physical": 3}),
                    Output("B", 1, "t", {"mass": 200, "economic": 300, "physical": 1}),
                ),
                emissions=(Emission("CH4_fossil", 100),),
                allocation=method,
            ),
        ),
    )
    r = compute(system, AR6, "ar6")
    assert AR6["CH4_fossil"] == pytest.approx(29.8)
    assert r.results["A"].value == pytest.approx(share_a * 2980 / 2)
    assert r.results["B"].value == pytest.approx((1 - share_a) * 2980)


def test_errors_name_the_process_and_product():
    base = _cement()
    bad_unit = ProductSystem(
        base.products,
        (
            base.processes[0],
            Process("mill", "grinding", (Output("cement", 1, "t"),), (Input("clinker", 3, "m2"),)),
        ),
        base.purchased,
    )
    with pytest.raises(
        ProductSystemError, match=r"process mill, input 'clinker': unknown unit 'm2'"
    ):
        compute(bad_unit, AR6, "ar6")
    twice = ProductSystem(base.products, (*base.processes, base.processes[0]), base.purchased)
    with pytest.raises(ProductSystemError, match="made by two processes"):
        compute(twice, AR6, "ar6")
    no_gwp = ProductSystem(
        (Product("x", "x", "kg"),),
        (Process("p", "p", (Output("x", 1, "kg"),), emissions=(Emission("CFC-x", 1),)),),
    )
    with pytest.raises(ProductSystemError, match="no ar6 GWP for gas"):
        compute(no_gwp, AR6, "ar6")
    alloc = ProductSystem(
        (Product("a", "a", "kg"), Product("b", "b", "kg")),
        (Process("p", "p", (Output("a", 1, "kg"), Output("b", 1, "kg"))),),
    )
    with pytest.raises(ProductSystemError, match="output 'a' needs a non-negative 'mass'"):
        compute(alloc, AR6, "ar6")

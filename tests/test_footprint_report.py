"""Footprint reports (greenmfg.footprint.report), data-quality ratings (footprint.quality), PACT
declarations of a report (footprint.declare) and own processes fed from an inventory summary
(footprint.inventory). Expected values are derived by hand below."""

from __future__ import annotations

import math

import pytest

from greenmfg.footprint.declaration import DeclarationError
from greenmfg.footprint.declare import DeclarationInput, declaration_from_report
from greenmfg.footprint.inventory import SiteProcess, processes_from_inventory
from greenmfg.footprint.quality import DataQualityError, check_dqr, data_quality
from greenmfg.footprint.report import footprint_report
from greenmfg.footprint.system import (
    INVENTORY_CO2E,
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    ProductSystemError,
    PurchasedFootprint,
    compute,
)
from greenmfg.io.pact import check, declaration_to_pact

GWP = {"CO2": 1.0, "CH4_fossil": 29.8}  # AR6 CH4 fossil, gwp.csv (IPCC AR6 WG1 Table 7.15)
OWN = {"technological": 1, "temporal": 1, "geographical": 2}
DB = {"technological": 3, "temporal": 2, "geographical": 4}


def pack_system(gsd: float = 1.0) -> ProductSystem:
    """Module assembly makes 10 modules from 20 kg of cells (supplier, 60 kgCO2e/kg), 50 kWh of
    grid electricity (database, 0.6 kgCO2e/kWh) and emits 2 kg CO2 and 0.1 kg fossil CH4."""
    return ProductSystem(
        products=(
            Product("module", "Battery module", "piece", 2.5),
            Product("cell", "Cells", "kg", 1.0),
            Product("el", "Grid electricity", "kWh"),
        ),
        processes=(
            Process(
                "assembly",
                "Module assembly",
                outputs=(Output("module", 10, "piece"),),
                inputs=(Input("cell", 20, "kg", gsd=gsd), Input("el", 50, "kWh")),
                emissions=(Emission("CO2", 2, "kg"), Emission("CH4_fossil", 0.1, "kg")),
                source="metered 2024",
                dqr=OWN,
            ),
        ),
        purchased=(
            PurchasedFootprint("cell", 60.0, "kg", "supplier", "pf-cells", supplier="CellCo"),
            PurchasedFootprint(
                "el", 0.6, "kWh", "database", "grid", confidence="unverified", dqr=DB
            ),
        ),
    )


# ---- data quality ------------------------------------------------------------------------------
def test_data_quality_weighted_average_by_hand() -> None:
    """PACT v3.0 DataQualityIndicators: DQR_k = sum w_i r_ik / sum w_i over the rated inputs.
    Contributions 60, 30, 10 (PCF 100); the third is unrated:
    technological (60 x 1 + 30 x 3) / 90 = 150/90 = 1.6667; coverage 90 %."""
    q = data_quality([60.0, 30.0, 10.0], [OWN, DB, {}])
    assert q.ratings["technological"] == pytest.approx(150 / 90)
    assert q.ratings["geographical"] == pytest.approx((60 * 2 + 30 * 4) / 90)
    assert q.coverage == pytest.approx(90.0)
    assert q.assessed == (0, 1) and q.unrated == (2,)
    assert q.pact() == {
        "technologicalDQR": 1.67,
        "temporalDQR": pytest.approx(round(120 / 90, 2)),
        "geographicalDQR": 2.67,
    }
    # PACT v2's 5 % rule: an input of 4 % is not assessed even when rated
    q2 = data_quality([96.0, 4.0], [OWN, DB], threshold=0.05)
    assert q2.assessed == (0,) and q2.ratings["technological"] == 1.0
    assert q2.coverage == pytest.approx(96.0)
    # credits are never in the assessment
    assert data_quality([110.0, -10.0], [OWN, DB]).assessed == (0,)


@pytest.mark.parametrize(
    ("dqr", "match"),
    [
        ({"technological": 1, "temporal": 1}, "missing geographical"),
        ({**OWN, "precision": 1}, "unknown data-quality indicator"),
        ({**OWN, "temporal": 6}, "temporal rating 6: expected a number from 1 to 5"),
        ({**OWN, "temporal": True}, "expected a number"),
    ],
)
def test_bad_ratings_are_refused(dqr: dict[str, float], match: str) -> None:
    with pytest.raises(DataQualityError, match=match):
        check_dqr(dqr, "process P")


def test_bad_ratings_in_a_system_name_the_process() -> None:
    ps = pack_system()
    bad = ProductSystem(
        ps.products,
        (ps.processes[0].__class__(**{**ps.processes[0].__dict__, "dqr": {"technological": 9}}),),
        ps.purchased,
    )
    with pytest.raises(ProductSystemError, match="process assembly"):
        compute(bad, GWP, "ar6")


# ---- the report --------------------------------------------------------------------------------
def test_report_by_hand() -> None:
    """Per module (ISO 14067 6.4; q = c^T B T^-1, one module = 1/10 of the process):
    own emissions (2 x 1 + 0.1 x 29.8) / 10 = 4.98 / 10 = 0.498 kgCO2e;
    cells 20/10 = 2 kg x 60 = 120; electricity 50/10 = 5 kWh x 0.6 = 3.
    Footprint 123.498 kgCO2e/piece."""
    ps = pack_system()
    r = footprint_report(ps, compute(ps, GWP, "ar6"), "module", organisation="X", year=2024)
    assert r.value == pytest.approx(123.498)
    by = {c.product: c for c in r.columns}
    assert by["module"].value == pytest.approx(0.498) and by["module"].stage == "production"
    assert by["module"].amount == pytest.approx(1.0)  # one module per module
    assert by["cell"].amount == pytest.approx(2.0) and by["cell"].unit == "kg"
    assert by["cell"].value == pytest.approx(120.0) and by["cell"].origin == "supplier"
    assert by["el"].value == pytest.approx(3.0) and by["el"].stage == "upstream"
    assert [c.product for c in r.columns] == ["cell", "el", "module"]  # largest first
    assert r.stages == pytest.approx({"upstream": 123.0, "production": 0.498})
    gases = {g.gas: g.value for g in r.gases}
    assert gases["CO2"] == pytest.approx(0.2)
    assert gases["CH4_fossil"] == pytest.approx(0.298)
    # shares by origin: own 0.498, supplier 120, database 3 of 123.498
    assert r.origin_shares["supplier"] == pytest.approx(120 / 123.498)
    assert r.primary_share_percent == pytest.approx(100 * 120.498 / 123.498)
    # DQR: own (w 0.498) and grid (w 3) rated, cells (120) unrated:
    # technological (0.498 x 1 + 3 x 3) / 3.498; coverage 3.498 / 123.498
    assert r.quality.ratings["technological"] == pytest.approx((0.498 + 9) / 3.498)
    assert r.quality.coverage == pytest.approx(100 * 3.498 / 123.498)
    assert len(r.quality.unrated) == 1
    assert [c.product for c in r.unverified] == ["el"]
    assert r.paths[0].labels == ("Module assembly",)
    assert r.paths[0].total == pytest.approx(123.498)
    assert r.uncertainty is None and r.solver and r.backward_error < 1e-12


def test_uncertainty_range() -> None:
    """Lognormal cell amount with GSD 1.2: the range brackets the footprint; with no GSD the
    range is the point itself."""
    ps = pack_system(gsd=1.2)
    r = footprint_report(ps, compute(ps, GWP, "ar6"), "module", iterations=2000, seed=7)
    u = r.uncertainty
    assert u is not None and u.iterations == 2000 and u.uncertain_entries == 1
    assert u.p2_5 < r.value < u.p97_5
    # the cells' 120 varies by GSD 1.2: ln-sd 0.182, so the 95 % range of the cells' part is
    # 120 x 1.2^(+-1.96) = 84.6 .. 170.3, i.e. the footprint 88.1 .. 173.8 (within sampling error)
    assert u.p2_5 == pytest.approx(3.498 + 120 * 1.2**-1.96, rel=0.03)
    assert u.p97_5 == pytest.approx(3.498 + 120 * 1.2**1.96, rel=0.03)
    fixed = pack_system()
    r0 = footprint_report(fixed, compute(fixed, GWP, "ar6"), "module", iterations=50)
    assert r0.uncertainty is not None and r0.uncertainty.uncertain_entries == 0
    assert r0.uncertainty.p2_5 == pytest.approx(r0.value)
    assert r0.uncertainty.p97_5 == pytest.approx(r0.value)


def test_unknown_product() -> None:
    ps = pack_system()
    with pytest.raises(ProductSystemError, match="unknown product"):
        footprint_report(ps, compute(ps, GWP, "ar6"), "nope")


# ---- declaration -------------------------------------------------------------------------------
def test_declaration_is_valid_pact_v3() -> None:
    ps = pack_system()
    r = footprint_report(ps, compute(ps, GWP, "ar6"), "module", organisation="X", year=2024)
    info = DeclarationInput(
        pf_id="3fa85f64-5717-4562-b3fc-2c963f66afa6",
        company_name="X Ltd",
        company_ids=("urn:pact:x.example:company-id:1",),
        product_ids=("urn:gtin:4712345060507",),
        classifications=("urn:pact:productclassification:un-cpc:46410",),
        subdivision="CN-JS",
    )
    decl = declaration_from_report(r, info)
    assert decl.pcf_excluding_biogenic_uptake == decl.pcf_including_biogenic_uptake
    assert str(decl.pcf_excluding_biogenic_uptake) == "123.498"
    assert decl.declared_unit == "piece" and str(decl.product_mass_per_declared_unit) == "2.5"
    assert float(decl.primary_data_share) == pytest.approx(97.6, abs=0.05)  # 120.498/123.498
    assert decl.dqr is not None and float(decl.dqr.technological) == pytest.approx(2.72, abs=0.005)
    doc = declaration_to_pact(decl, "3")
    check(doc, "3")  # raises on a schema violation
    assert doc["pcf"]["pcfExcludingBiogenicUptake"] == "123.498"
    no_year = footprint_report(ps, compute(ps, GWP, "ar6"), "module")
    with pytest.raises(DeclarationError, match="reference year"):
        declaration_from_report(no_year, info)


# ---- own processes from the inventory ----------------------------------------------------------
SUMMARY = {
    "by_site": [
        {"site": "K", "year": 2024, "scope1_tco2e": 800.0},
        {"site": "G", "year": 2024, "scope1_tco2e": 5.0},
        {"site": "K", "year": 2023, "scope1_tco2e": 999.0},
    ],
    "energy_by_carrier": [
        {
            "site": "K",
            "year": 2024,
            "kind": "electricity",
            "item": "grid",
            "amount": 60.0,
            "unit": "MWh",
        },
        {
            "site": "K",
            "year": 2024,
            "kind": "electricity",
            "item": "grid",
            "amount": 1.0,
            "unit": "万kWh",
        },
        {
            "site": "G",
            "year": 2024,
            "kind": "electricity",
            "item": "grid",
            "amount": 40000.0,
            "unit": "kWh",
        },
        {"site": "K", "year": 2024, "kind": "fuel", "item": "coal", "amount": 100.0, "unit": "t"},
    ],
    "intensities": [
        {"site": "K", "year": 2024, "product": "clinker", "output": 1000.0, "unit": "t"},
        {"site": "G", "year": 2024, "product": "cement", "output": 1250.0, "unit": "t"},
    ],
}


def test_processes_from_inventory_by_hand() -> None:
    """Kiln K: 800 t CO2e direct, 60 MWh + 1 万kWh = 60,000 + 10,000 = 70,000 kWh, 1000 t
    clinker (2023 rows and fuels are left out: fuels are in the direct emissions). Grinding G:
    5 t, 40,000 kWh, 1250 t cement from 950 t clinker (the caller's input)."""
    procs = processes_from_inventory(
        SUMMARY,
        (
            SiteProcess("kiln", "Kiln", "clinker", ("K",), dqr=OWN),
            SiteProcess("grind", "Grinding", "cement", ("G",), (Input("clinker", 950, "t"),)),
        ),
        year=2024,
        source="inventory 2024",
    )
    kiln, grind = procs
    assert kiln.outputs == (Output("clinker", 1000.0, "t"),)
    assert kiln.emissions == (Emission(INVENTORY_CO2E, 800.0, "t"),)
    assert [(i.product, i.unit) for i in kiln.inputs] == [("electricity", "kWh")]
    assert kiln.inputs[0].amount == pytest.approx(70_000.0)
    assert kiln.dqr == OWN and kiln.source == "inventory 2024, site(s) K"
    assert grind.inputs[0] == Input("clinker", 950, "t")
    assert grind.inputs[1].amount == pytest.approx(40_000.0)
    # the system: clinker (800,000 + 70,000 x 0.6)/1000 = 842 kg/t; cement
    # (5,000 + 40,000 x 0.6 + 950 x 842)/1250 = (5,000 + 24,000 + 799,900)/1250 = 663.12 kg/t
    ps = ProductSystem(
        (
            Product("clinker", "Clinker", "t"),
            Product("cement", "Cement", "t"),
            Product("electricity", "Grid", "kWh"),
        ),
        procs,
        (PurchasedFootprint("electricity", 0.6, "kWh", "database", "grid"),),
    )
    res = compute(ps, GWP, "ar6").results
    assert res["clinker"].value == pytest.approx(842.0)
    assert res["cement"].value == pytest.approx(663.12)
    assert math.isclose(res["cement"].value, (5_000 + 24_000 + 950 * 842) / 1250)


@pytest.mark.parametrize(
    ("proc", "match"),
    [
        (SiteProcess("x", "X", "clinker", ("Z",)), "site\\(s\\) Z have no inventory data for 2024"),
        (SiteProcess("x", "X", "cement", ("K",)), "records no production of 'cement'"),
        (SiteProcess("x", "X", "cement", ()), "names no site"),
    ],
)
def test_inventory_feed_errors(proc: SiteProcess, match: str) -> None:
    with pytest.raises(ProductSystemError, match=match):
        processes_from_inventory(SUMMARY, (proc,), year=2024)

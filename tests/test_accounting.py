"""Hand-derived checks of the accounting engine.

Every expected value below is computed by hand from the standard's formula with the reference
value typed from its data row (row id cited), not read from the loader: a change to the data or to
the engine makes these tests fail.
"""

from __future__ import annotations

import pytest

from greenmfg.accounting import ActivityError

REL = 1e-12
C_TO_CO2 = 44 / 12  # GB/T 32150-2015 combustion formula; constants/co2_per_carbon


# --- fuel combustion: E = AD x NCV x CC x OF x 44/12 (GB/T 32150-2015, fossil fuel combustion) ----


def test_natural_gas_combustion_and_energy(account):
    inv = account([{"kind": "fuel", "item": "natural_gas", "amount": 100, "unit": "10^4 Nm3"}])
    # fuel_parameters/gbt32150_2015/natural_gas: NCV 389.31 GJ/10^4 Nm3, CC 0.01530 tC/GJ, OF 99 %
    expected_co2 = 100 * 389.31 * 0.01530 * 0.99 * C_TO_CO2  # = 2162.2617... t
    assert inv.totals()["scope1_tco2e"] == pytest.approx(expected_co2, rel=REL)
    assert inv.totals()["total_tco2e"] == pytest.approx(expected_co2, rel=REL)
    # GB/T 2589 Annex A, natural gas (oil-field) 1.3300 kgce/m3 (energy_coefficients/natural_gas):
    # 100 x 10^4 m3 x 1.33 kgce/m3 = 1 330 000 kgce = 1 330 tce
    assert inv.totals()["energy_tce"] == pytest.approx(1330.0, rel=REL)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (100, "10^4 Nm3"),
        (1_000_000, "Nm3"),
        (1_000_000, "m3"),
        (100, "万Nm3"),
        (100, "万m3"),
        (1e6, "立方米"),
    ],
)
def test_gas_volume_units_give_identical_results(account, amount, unit):
    inv = account([{"kind": "fuel", "item": "natural_gas", "amount": amount, "unit": unit}])
    assert inv.totals()["total_tco2e"] == pytest.approx(
        100 * 389.31 * 0.01530 * 0.99 * C_TO_CO2, rel=REL
    )


@pytest.mark.parametrize(
    ("amount", "unit"), [(50, "t"), (50_000, "kg"), (50, "吨"), (0.005, "万t")]
)
def test_diesel_mass_units_give_identical_results(account, amount, unit):
    inv = account([{"kind": "fuel", "item": "diesel", "amount": amount, "unit": unit}])
    # fuel_parameters/gbt32150_2015/diesel: NCV 42.652 GJ/t, CC 0.02020 tC/GJ, OF 98 %
    assert inv.totals()["total_tco2e"] == pytest.approx(
        50 * 42.652 * 0.02020 * 0.98 * C_TO_CO2, rel=REL
    )
    # GB/T 2589 Annex A diesel 1.4571 kgce/kg: 50 t -> 72.855 tce
    assert inv.totals()["energy_tce"] == pytest.approx(50 * 1.4571, rel=REL)


def test_fuel_from_the_ndrc_guideline_table_when_gbt32150_has_none(account):
    inv = account([{"kind": "fuel", "item": "bituminous_coal", "amount": 1000, "unit": "t"}])
    # fuel_parameters/ndrc_2013/bituminous_coal: NCV 19.570 GJ/t, CC 0.02618 tC/GJ, OF 93 %
    assert inv.totals()["total_tco2e"] == pytest.approx(
        1000 * 19.570 * 0.02618 * 0.93 * C_TO_CO2, rel=REL
    )
    # no GB/T 2589 coefficient for bituminous coal: tce from the NCV, 1 kgce = 29 307.6 kJ (units.txt)
    assert inv.totals()["energy_tce"] == pytest.approx(1000 * 19.570 / 29.3076, rel=REL)
    ids = {f["id"] for f in inv.line(0)["factors"]}
    assert "fuel_parameters/ndrc_2013/bituminous_coal/ncv" in ids
    assert "standard coal from the NCV (no GB/T 2589 coefficient used)" in inv.line(0)["flags"]


def test_measured_values_override_defaults(account):
    rec = {
        "kind": "fuel",
        "item": "diesel",
        "amount": 50,
        "unit": "t",
        "ncv": 43.0,
        "ncv_unit": "GJ/t",
        "carbon_content": 0.0200,
        "oxidation_rate": 99,
    }
    inv = account([rec])
    assert inv.totals()["total_tco2e"] == pytest.approx(
        50 * 43.0 * 0.0200 * 0.99 * C_TO_CO2, rel=REL
    )
    # GB/T 2589: with a measured NCV, tce = energy / 29.3076 GJ/tce
    assert inv.totals()["energy_tce"] == pytest.approx(50 * 43.0 / 29.3076, rel=REL)
    line = inv.line(0)
    params = {f["parameter"]: f for f in line["factors"]}
    assert params["ncv"]["confidence"] == "measured" and params["ncv"]["value"] == 43.0
    assert params["carbon_content"]["source"] == "measured, test row 1"
    assert "measured NCV overrides the default" in line["flags"]
    # the same NCV in kJ/kg gives the same result (pint converts the measured unit)
    inv2 = account([{**rec, "ncv": 43_000, "ncv_unit": "kJ/kg"}])
    assert inv2.totals()["total_tco2e"] == pytest.approx(inv.totals()["total_tco2e"], rel=REL)


def test_only_some_parameters_measured(account):
    inv = account(
        [{"kind": "fuel", "item": "diesel", "amount": 50, "unit": "t", "oxidation_rate": 100}]
    )
    assert inv.totals()["total_tco2e"] == pytest.approx(
        50 * 42.652 * 0.02020 * 1.00 * C_TO_CO2, rel=REL
    )


def test_raw_coal_without_defaults_needs_measured_values(account):
    with pytest.raises(ActivityError) as exc:
        account([{"kind": "fuel", "item": "raw_coal", "amount": 10, "unit": "t"}])
    assert "row 1, column 'ncv': expected a measured ncv" in str(exc.value)
    inv = account(
        [
            {
                "kind": "fuel",
                "item": "raw_coal",
                "amount": 10,
                "unit": "t",
                "ncv": 20.9,
                "ncv_unit": "GJ/t",
                "carbon_content": 0.0264,
                "oxidation_rate": 94,
            }
        ]
    )
    assert inv.totals()["total_tco2e"] == pytest.approx(
        10 * 20.9 * 0.0264 * 0.94 * C_TO_CO2, rel=REL
    )


def test_biogenic_share_is_reported_separately(account):
    inv = account(
        [
            {
                "kind": "fuel",
                "item": "natural_gas",
                "amount": 100,
                "unit": "10^4 Nm3",
                "biogenic_fraction": 20,
            }
        ]
    )
    co2 = 100 * 389.31 * 0.01530 * 0.99 * C_TO_CO2
    assert inv.totals()["total_tco2e"] == pytest.approx(0.8 * co2, rel=REL)
    assert inv.totals()["biogenic_co2_t"] == pytest.approx(0.2 * co2, rel=REL)


# --- purchased electricity: E = AD x EF (MEE/NBS factors), scope 2 location and market ----------


def test_electricity_provincial_factor_and_units(account):
    for amount, unit in [(10_000, "MWh"), (10_000_000, "kWh"), (1000, "万kWh"), (10, "GWh")]:
        inv = account(
            [
                {
                    "kind": "electricity",
                    "item": "grid_electricity",
                    "amount": amount,
                    "unit": unit,
                    "region": "江苏",
                }
            ]
        )
        t = inv.totals()
        # electricity_factors/average/2022/320000 = 0.5978 tCO2/MWh (Jiangsu 2022)
        assert t["scope2_location_tco2e"] == pytest.approx(10_000 * 0.5978, rel=REL)
        # market-based, no instruments: residual factor excl_market_nonfossil/2022/CN = 0.5856
        assert t["scope2_market_tco2e"] == pytest.approx(10_000 * 0.5856, rel=REL)
        # GB/T 2589 equivalent value 0.1229 kgce/kWh: 10^7 kWh -> 1229 tce
        assert t["energy_tce"] == pytest.approx(1229.0, rel=REL)


@pytest.mark.parametrize(
    ("region", "year", "factor", "flag"),
    [
        ("320000", 2022, 0.5978, None),  # province by GB/T 2260 code
        ("江苏省", 2021, 0.6451, None),  # average/2021/320000
        (
            "Jiangsu",
            2023,
            0.5500,
            "no provincial factor: regional grid factor used",
        ),  # 2023 east grid
        ("grid_east", 2022, 0.5617, None),  # average/2022/grid_east
        ("", 2022, 0.5366, "no region given: national average used"),  # average/2022/CN
        (
            "江苏",
            2025,
            0.5500,
            "no factor for the data year: latest earlier year used",
        ),  # 2023 east
        ("320500", 2022, 0.5978, None),  # a city code (Suzhou) resolves to its province
    ],
)
def test_electricity_factor_resolution(account, region, year, factor, flag):
    inv = account(
        [
            {
                "year": year,
                "kind": "electricity",
                "item": "grid_electricity",
                "amount": 1000,
                "unit": "MWh",
                "region": region,
            }
        ]
    )
    assert inv.totals()["scope2_location_tco2e"] == pytest.approx(1000 * factor, rel=REL)
    if flag:
        assert flag in inv.line(0)["flags"]


def test_ets_grid_series(account):
    inv = account(
        [
            {
                "kind": "electricity",
                "item": "grid_electricity",
                "amount": 1000,
                "unit": "MWh",
                "region": "江苏",
            }
        ],
        grid_series="ets_grid",
    )
    # electricity_factors/ets_grid/2022/CN = 0.5703 (MEE reporting notice, national only)
    assert inv.totals()["scope2_location_tco2e"] == pytest.approx(570.3, rel=REL)


def test_green_electricity_market_based(account):
    inv = account(
        [
            {
                "kind": "electricity",
                "item": "grid_electricity",
                "amount": 8000,
                "unit": "MWh",
                "region": "江苏",
            },
            {
                "kind": "electricity",
                "item": "grid_electricity",
                "amount": 2000,
                "unit": "MWh",
                "region": "江苏",
            },
            {
                "kind": "green_electricity",
                "item": "green_certificate",
                "amount": 2500,
                "unit": "MWh",
            },
            {"kind": "green_electricity", "item": "green_power", "amount": 1500, "unit": "MWh"},
        ]
    )
    t = inv.totals()
    # location-based: all 10 000 MWh at the Jiangsu 2022 average 0.5978
    assert t["scope2_location_tco2e"] == pytest.approx(10_000 * 0.5978, rel=REL)
    # market-based (GHG Protocol Scope 2 Guidance): 4 000 MWh covered at zero,
    # 6 000 MWh at the residual factor 0.5856 (excl_market_nonfossil/2022/CN)
    assert t["scope2_market_tco2e"] == pytest.approx(6000 * 0.5856, rel=REL)
    # instruments are not extra consumption: energy counts the 10 000 MWh once
    assert t["energy_tce"] == pytest.approx(1229.0, rel=REL)


def test_green_electricity_cannot_exceed_consumption(account):
    with pytest.raises(ActivityError) as exc:
        account(
            [
                {"kind": "electricity", "item": "grid_electricity", "amount": 100, "unit": "MWh"},
                {
                    "kind": "green_electricity",
                    "item": "green_certificate",
                    "amount": 150,
                    "unit": "MWh",
                },
            ]
        )
    assert (
        "row 2, column 'amount': green electricity 150 MWh exceeds the grid electricity 100 MWh "
        "recorded for site 'A' in 2022"
    ) in str(exc.value)


def test_supplier_specific_factor_is_market_based_only(account):
    inv = account(
        [
            {
                "kind": "electricity",
                "item": "grid_electricity",
                "amount": 1000,
                "unit": "MWh",
                "region": "江苏",
                "emission_factor": 0.3,
                "emission_factor_unit": "kgCO2/kWh",
            }
        ]
    )
    assert inv.totals()["scope2_location_tco2e"] == pytest.approx(597.8, rel=REL)
    assert inv.totals()["scope2_market_tco2e"] == pytest.approx(300.0, rel=REL)


# --- heat and exports ------------------------------------------------------------------------------


def test_purchased_heat(account):
    inv = account([{"kind": "heat", "item": "purchased_heat", "amount": 5000, "unit": "GJ"}])
    # heat_factors/purchased_heat = 0.11 tCO2/GJ
    assert inv.totals()["scope2_location_tco2e"] == pytest.approx(550.0, rel=REL)
    # GB/T 2589 heat 0.03412 kgce/MJ: 5 000 000 MJ x 0.03412 = 170 600 kgce
    assert inv.totals()["energy_tce"] == pytest.approx(170.6, rel=REL)


def test_exports_are_deducted_under_gbt32150_and_memo_elsewhere(account):
    records = [
        {
            "kind": "electricity",
            "item": "grid_electricity",
            "amount": 5000,
            "unit": "MWh",
            "region": "江苏",
        },
        {
            "kind": "electricity_export",
            "item": "exported_electricity",
            "amount": 1000,
            "unit": "MWh",
            "region": "江苏",
        },
        {"kind": "heat_export", "item": "exported_heat", "amount": 1000, "unit": "GJ"},
    ]
    gb = account(records, method="gbt32150").totals()
    # GB/T 32150: E = ... + purchased - exported = 5000 x 0.5978 - 1000 x 0.5978 - 1000 x 0.11
    assert gb["total_tco2e"] == pytest.approx(5000 * 0.5978 - 1000 * 0.5978 - 110, rel=REL)
    assert gb["exported_tco2e"] == pytest.approx(597.8 + 110, rel=REL)
    ghgp = account(records, method="ghgp").totals()
    assert ghgp["total_tco2e"] == pytest.approx(5000 * 0.5978, rel=REL)
    # GB/T 2589: exported energy is deducted: (5000 - 1000) MWh x 122.9 kgce/MWh - 1000 GJ x 34.12 kgce/GJ
    assert gb["energy_tce"] == pytest.approx(4000 * 0.1229 - 34.12, rel=REL)


# --- process emissions ---------------------------------------------------------------------------


def test_carbonates_with_and_without_purity(account):
    inv = account(
        [
            {"kind": "process", "item": "limestone", "amount": 1000, "unit": "t", "purity": 95},
            {"kind": "process", "item": "dolomite", "amount": 200, "unit": "t"},
        ]
    )
    # process_factors/limestone/CO2 0.43971, process_factors/dolomite/CO2 0.47732 tCO2/t (IPCC 2006 Vol. 3 Table 2.1)
    assert inv.totals()["scope1_tco2e"] == pytest.approx(
        1000 * 0.43971 * 0.95 + 200 * 0.47732, rel=REL
    )
    assert "purity not given: 100 % assumed (conservative)" in inv.line(1)["flags"]
    assert inv.totals()["energy_tce"] == 0.0


def test_clinker_from_cao_and_mgo(account):
    inv = account(
        [
            {
                "kind": "process",
                "item": "clinker",
                "amount": 1000,
                "unit": "t",
                "cao_content": 65,
                "mgo_content": 2,
            }
        ]
    )
    # cement guideline: EF = CaO x 44/56 + MgO x 44/40 (process_factors/clinker_cao, clinker_mgo)
    assert inv.totals()["total_tco2e"] == pytest.approx(
        1000 * (0.65 * 44 / 56 + 0.02 * 44 / 40), rel=REL
    )


def test_clinker_needs_measured_oxides(account):
    with pytest.raises(ActivityError) as exc:
        account([{"kind": "process", "item": "clinker", "amount": 1000, "unit": "t"}])
    assert (
        "row 1, column 'cao_content': clinker process emissions need the clinker's CAO content"
        in str(exc.value)
    )


def test_aluminium_pfc_with_gwp_sets(account):
    rec = [{"kind": "process", "item": "aluminium_pfc", "amount": 1000, "unit": "t"}]
    # process_factors/aluminium_pfc: CF4 0.034 kg/t, C2F6 0.0034 kg/t -> 0.034 t CF4, 0.0034 t C2F6
    sar = account(rec).totals()["total_tco2e"]  # gbt32150 default GWP set SAR: CF4 6500, C2F6 9200
    assert sar == pytest.approx(0.034 * 6500 + 0.0034 * 9200, rel=REL)
    ar6 = account(rec, gwp="ar6").totals()["total_tco2e"]  # AR6: CF4 7380, C2F6 12400
    assert ar6 == pytest.approx(0.034 * 7380 + 0.0034 * 12400, rel=REL)
    assert account(rec).by_gas()["CF4"]["t"] == pytest.approx(0.034, rel=REL)


def test_anode_carbon(account):
    default = account([{"kind": "process", "item": "anode", "amount": 1000, "unit": "t"}])
    # E = anode x (1 - S - ash) x 44/12 with S 2 %, ash 0.4 % (process_factors/anode_sulfur_content, anode_ash_content)
    assert default.totals()["total_tco2e"] == pytest.approx(
        1000 * (1 - 0.02 - 0.004) * C_TO_CO2, rel=REL
    )
    measured = account(
        [{"kind": "process", "item": "anode", "amount": 1000, "unit": "t", "carbon_fraction": 98}]
    )
    assert measured.totals()["total_tco2e"] == pytest.approx(1000 * 0.98 * C_TO_CO2, rel=REL)


def test_steel_electrode_and_carbon_inputs(account):
    inv = account(
        [
            {"kind": "process", "item": "electrode", "amount": 10, "unit": "t"},
            {"kind": "process", "item": "pig_iron_purchased", "amount": 1000, "unit": "t"},
        ]
    )
    # NDRC steel guideline: electrode 3.663, purchased pig iron 0.172 tCO2/t (process_factors)
    assert inv.totals()["total_tco2e"] == pytest.approx(10 * 3.663 + 1000 * 0.172, rel=REL)


def test_co2_recovery(account):
    records = [
        {"kind": "fuel", "item": "natural_gas", "amount": 100, "unit": "10^4 Nm3"},
        {"kind": "co2_recovery", "item": "recovered_co2", "amount": 100, "unit": "t", "purity": 99},
    ]
    gas = 100 * 389.31 * 0.01530 * 0.99 * C_TO_CO2
    # GB/T 32150: the recovered CO2 (x purity) is deducted from the total
    assert account(records).totals()["total_tco2e"] == pytest.approx(gas - 99.0, rel=REL)
    assert account(records, method="ghgp").totals()["recovered_tco2e"] == pytest.approx(
        99.0, rel=REL
    )
    assert account(records, method="ghgp").totals()["total_tco2e"] == pytest.approx(
        gas + 38.931 * (1 * 29.8 + 0.1 * 273) / 1000, rel=REL
    )


# --- methods on the same records ------------------------------------------------------------------


def test_three_methods_on_the_same_records(account):
    records = [
        {"kind": "fuel", "item": "natural_gas", "amount": 100, "unit": "10^4 Nm3"},
        {"kind": "fuel", "item": "diesel", "amount": 50, "unit": "t"},
        {
            "kind": "electricity",
            "item": "grid_electricity",
            "amount": 1000,
            "unit": "MWh",
            "region": "广东",
        },
    ]
    gas_co2 = 100 * 389.31 * 0.01530 * 0.99 * C_TO_CO2
    diesel_co2 = 50 * 42.652 * 0.02020 * 0.98 * C_TO_CO2
    elec = 1000 * 0.4403  # average/2022/440000 (Guangdong)
    gb = account(records, method="gbt32150")
    assert gb.totals()["total_tco2e"] == pytest.approx(gas_co2 + diesel_co2 + elec, rel=REL)
    assert gb.gwp_set == "sar"
    # ISO 14064-1 and GHG Protocol add combustion CH4 and N2O: IPCC 2006 Vol. 2 Table 2.3 (kg/TJ):
    # natural gas CH4 1, N2O 0.1; diesel CH4 3, N2O 0.6; energy: gas 38.931 TJ, diesel 2.1326 TJ;
    # AR6 GWP: fossil CH4 29.8, N2O 273
    gas_tj, diesel_tj = 100 * 389.31 / 1000, 50 * 42.652 / 1000
    ch4_t = (gas_tj * 1 + diesel_tj * 3) / 1000
    n2o_t = (gas_tj * 0.1 + diesel_tj * 0.6) / 1000
    for method in ("iso14064", "ghgp"):
        inv = account(records, method=method)
        assert inv.gwp_set == "ar6"
        expected = gas_co2 + diesel_co2 + ch4_t * 29.8 + n2o_t * 273
        assert inv.totals()["scope1_tco2e"] == pytest.approx(expected, rel=REL)
        assert inv.totals()["total_tco2e"] == pytest.approx(expected + elec, rel=REL)
    cats = {c["category"] for c in account(records, method="iso14064").by_category()}
    assert cats == {"cat1_stationary_combustion", "cat2_imported_electricity"}
    cats = {c["category"] for c in account(records, method="ghgp").by_category()}
    assert cats == {"scope1_stationary_combustion", "scope2_electricity"}


def test_production_intensity(account):
    inv = account(
        [
            {"kind": "fuel", "item": "natural_gas", "amount": 100, "unit": "10^4 Nm3"},
            {"kind": "production", "item": "cement_clinker", "amount": 10_000, "unit": "t"},
            {"kind": "production", "item": "my_custom_part", "amount": 5000, "unit": "piece"},
        ]
    )
    rows = {r["product"]: r for r in inv.intensities()}
    # 1 330 tce / 10 000 t = 133 kgce/t
    assert rows["cement_clinker"]["kgce_per_unit"] == pytest.approx(133.0, rel=REL)
    assert rows["my_custom_part"]["energy_tce_per_unit"] == pytest.approx(1330 / 5000, rel=REL)


def test_energy_equal_value_refuses_without_a_published_coefficient(account):
    with pytest.raises(ActivityError) as exc:
        account(
            [{"kind": "electricity", "item": "grid_electricity", "amount": 1, "unit": "MWh"}],
            energy_basis="equal",
        )
    assert "no equal-value (等价值) standard-coal coefficient for grid_electricity" in str(
        exc.value
    )


def test_unknown_options_are_rejected(account):
    rec = [{"kind": "fuel", "item": "diesel", "amount": 1, "unit": "t"}]
    with pytest.raises(ValueError, match="unknown method 'iso'"):
        account(rec, method="iso")
    with pytest.raises(ValueError, match="unknown GWP set 'ar7'"):
        account(rec, gwp="ar7")


def test_line_provenance(account):
    inv = account([{"kind": "fuel", "item": "natural_gas", "amount": 100, "unit": "10^4 Nm3"}])
    line = inv.line(0)
    assert line["row"] == 1 and line["item"] == "natural_gas" and line["amount"] == 100
    factor = next(f for f in line["factors"] if f["parameter"] == "ncv")
    assert factor["id"] == "fuel_parameters/gbt32150_2015/natural_gas/ncv"
    assert factor["value"] == 389.31 and factor["unit"] == "GJ/(10^4 Nm3)"
    assert factor["source"].startswith("GB/T 32150-2015")
    assert factor["confidence"] in ("official", "secondary", "unverified")
    assert line["formulas"][0]["id"] == "combustion_co2"
    assert "44/12" in line["formulas"][0]["expression"]
    d = inv.to_dict()
    assert d["reference_edition"].startswith("greenmfg-") and d["gwp_set"] == "sar"
    assert "fuel_parameters/gbt32150_2015/natural_gas/ncv" in d["unverified_factors"]


def test_missing_ch4_n2o_factor_flags_the_line(account):
    # fuel_parameters.csv has no ipcc_2006 CH4/N2O row for coke: CO2 is counted, the line is flagged
    inv = account([{"kind": "fuel", "item": "coke", "amount": 10, "unit": "t"}], method="ghgp")
    assert "no CH4/N2O factor in the reference data: CO2 only" in inv.line(0)["flags"]
    assert set(inv.line(0)["gases_t"]) == {"CO2"}


def test_carbon_fixed_in_steel_is_deducted_from_a_measured_carbon_fraction(account):
    # no default for carbon fixed in crude steel (gap in process_factors.csv): the record gives it
    with pytest.raises(ActivityError) as exc:
        account([{"kind": "process", "item": "crude_steel_carbon", "amount": 1000, "unit": "t"}])
    assert (
        "row 1, column 'emission_factor': no default process factor for 'crude_steel_carbon'"
        in str(exc.value)
    )
    inv = account(
        [
            {"kind": "process", "item": "electrode", "amount": 10, "unit": "t"},
            {
                "kind": "process",
                "item": "crude_steel_carbon",
                "amount": 1000,
                "unit": "t",
                "carbon_fraction": 0.2,
            },
        ]
    )
    # steel guideline carbon balance: + electrodes 10 t x 3.663 - steel 1000 t x 0.2 % C x 44/12
    assert inv.totals()["scope1_tco2e"] == pytest.approx(
        10 * 3.663 - 1000 * 0.002 * C_TO_CO2, rel=REL
    )


def test_carbon_fixed_alone_uses_its_measured_carbon_fraction(account):
    # regression: with no other process item carrying a default CO2 factor in the table, the
    # measured carbon fraction of crude steel was skipped and the deduction silently became 0.
    # Steel guideline carbon balance: - 2000 t crude steel x 0.15 % C x 44/12 = -11.0 tCO2
    inv = account(
        [
            {
                "kind": "process",
                "item": "crude_steel_carbon",
                "amount": 2000,
                "unit": "t",
                "carbon_fraction": 0.15,
            },
        ]
    )
    assert inv.totals()["scope1_tco2e"] == pytest.approx(-2000 * 0.0015 * 44 / 12, rel=REL)
    assert inv.totals()["scope1_tco2e"] == pytest.approx(-11.0, rel=REL)

"""openLCA JSON-LD (olca-schema v2) import: a small export written in the test, zipped, imported,
computed, and checked against footprints worked by hand. The inventory amounts are made up for
the test; the GWPs are the shipped AR6 values (IPCC AR6 WG I, Table 7.15: CH4 fossil 29.8,
CH4 biogenic 27.0); the pedigree variances are the shipped ecoinvent v3 table (Weidema et al.
2013, p. 77)."""

from __future__ import annotations

import copy
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest

from greenmfg.footprint.system import ProductSystem, compute, gwp_table
from greenmfg.io.olca import (
    OlcaImportError,
    footprints_as_purchased,
    gas_flows,
    match_gas,
    read_olca,
)
from greenmfg.reference import get_reference

AR6 = gwp_table(get_reference().gwp, "ar6")


def _ref(kind: str, id_: str, name: str = "") -> dict[str, Any]:
    return {"@type": kind, "@id": id_, "name": name or id_}


def _unit_group(id_: str, name: str, units: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "@type": "UnitGroup",
        "@id": id_,
        "name": name,
        "units": [
            {
                "@type": "Unit",
                "@id": f"u-{u}",
                "name": u,
                "conversionFactor": f,
                "isRefUnit": i == 0,
            }
            for i, (u, f) in enumerate(units)
        ],
    }


def _flow(id_: str, name: str, kind: str, prop: str, cas: str = "", category: str = ""):
    return {
        "@type": "Flow",
        "@id": id_,
        "name": name,
        "flowType": kind,
        "cas": cas,
        "category": category,
        "flowProperties": [
            {
                "@type": "FlowPropertyFactor",
                "flowProperty": _ref("FlowProperty", prop),
                "conversionFactor": 1.0,
                "isRefFlowProperty": True,
            }
        ],
    }


def _ex(
    n: int,
    flow: str,
    amount: float,
    unit: str,
    prop: str,
    *,
    is_input: bool = False,
    ref: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "@type": "Exchange",
        "internalId": n,
        "flow": _ref("Flow", flow),
        "flowProperty": _ref("FlowProperty", prop),
        "unit": _ref("Unit", f"u-{unit}", unit),
        "amount": amount,
        "isInput": is_input,
        "isQuantitativeReference": ref,
        **extra,
    }


AIR = "Elementary flows/Emission to air/unspecified"


def export() -> dict[str, dict[str, dict[str, Any]]]:
    """The export as {folder: {id: entity}}.

    electricity: 1 kWh (= 3.6 MJ, the flow's reference unit) emits 0.8 kg fossil CO2 (lognormal,
        geomSd 1.2).
    quarry: 1 t limestone (= 1000 kg) and 500 kg sand from 10 kWh electricity, emitting 0.1 kg
        'Methane, fossil' (CAS 74-82-8); also takes 2 m3 water (resource) and emits 0.3 kg
        particulates (ignored). Physical allocation 0.8 / 0.2, economic 0.6 / 0.4.
        The electricity input carries the pedigree (2;3;1;1;4) with basic GSD 1.05.
    kiln: 1 t clinker from 1.2 t limestone and 20 kWh, emitting 500 kg CO2 (CAS 124-38-9),
        100 kg 'Carbon dioxide, biogenic' (not added) and 0.01 kg 'Methane, biogenic' (no CAS:
        matched by name); 5 kg kiln dust (waste, no treatment: left out).
    mill: 1 kg cement from 0.9 kg clinker, 0.1 kg sand and 0.05 kWh.
    """
    ug = {
        "ug-mass": _unit_group("ug-mass", "Units of mass", [("kg", 1), ("t", 1000), ("g", 0.001)]),
        "ug-energy": _unit_group("ug-energy", "Units of energy", [("MJ", 1), ("kWh", 3.6)]),
        "ug-volume": _unit_group("ug-volume", "Units of volume", [("m3", 1), ("l", 0.001)]),
    }
    fp = {
        pid: {"@type": "FlowProperty", "@id": pid, "name": pid, "unitGroup": _ref("UnitGroup", g)}
        for pid, g in (("Mass", "ug-mass"), ("Energy", "ug-energy"), ("Volume", "ug-volume"))
    }
    flows = {
        f["@id"]: f
        for f in (
            _flow("f-el", "electricity, medium voltage", "PRODUCT_FLOW", "Energy"),
            _flow("f-lime", "limestone", "PRODUCT_FLOW", "Mass"),
            _flow("f-sand", "sand", "PRODUCT_FLOW", "Mass"),
            _flow("f-clinker", "clinker", "PRODUCT_FLOW", "Mass"),
            _flow("f-cement", "cement", "PRODUCT_FLOW", "Mass"),
            _flow("f-dust", "kiln dust", "WASTE_FLOW", "Mass"),
            _flow("f-co2", "Carbon dioxide, fossil", "ELEMENTARY_FLOW", "Mass", "124-38-9", AIR),
            _flow("f-co2b", "Carbon dioxide, biogenic", "ELEMENTARY_FLOW", "Mass", "124-38-9", AIR),
            _flow("f-ch4", "Methane, fossil", "ELEMENTARY_FLOW", "Mass", "74-82-8", AIR),
            _flow("f-ch4b", "Methane, biogenic", "ELEMENTARY_FLOW", "Mass", "", AIR),
            _flow("f-pm", "Particulates, < 2.5 um", "ELEMENTARY_FLOW", "Mass", "", AIR),
            _flow(
                "f-water",
                "Water, well",
                "ELEMENTARY_FLOW",
                "Volume",
                "7732-18-5",
                "Elementary flows/Resource/in water",
            ),
        )
    }
    lognormal = {"distributionType": "LOG_NORMAL_DISTRIBUTION", "geomMean": 0.8, "geomSd": 1.2}
    processes = {
        "p-el": {
            "@type": "Process",
            "@id": "p-el",
            "name": "electricity production",
            "exchanges": [
                _ex(1, "f-el", 1, "kWh", "Energy", ref=True),
                _ex(2, "f-co2", 0.8, "kg", "Mass", uncertainty=lognormal),
            ],
        },
        "p-quarry": {
            "@type": "Process",
            "@id": "p-quarry",
            "name": "quarry",
            "defaultAllocationMethod": "PHYSICAL_ALLOCATION",
            "allocationFactors": [
                {
                    "allocationType": "PHYSICAL_ALLOCATION",
                    "product": _ref("Flow", "f-lime"),
                    "value": 0.8,
                },
                {
                    "allocationType": "PHYSICAL_ALLOCATION",
                    "product": _ref("Flow", "f-sand"),
                    "value": 0.2,
                },
                {
                    "allocationType": "ECONOMIC_ALLOCATION",
                    "product": _ref("Flow", "f-lime"),
                    "value": 0.6,
                },
                {
                    "allocationType": "ECONOMIC_ALLOCATION",
                    "product": _ref("Flow", "f-sand"),
                    "value": 0.4,
                },
            ],
            "exchanges": [
                _ex(1, "f-lime", 1, "t", "Mass", ref=True),
                _ex(2, "f-sand", 500, "kg", "Mass"),
                _ex(
                    3,
                    "f-el",
                    10,
                    "kWh",
                    "Energy",
                    is_input=True,
                    dqEntry="(2;3;1;1;4)",
                    baseUncertainty=1.05,
                    defaultProvider=_ref("Process", "p-el"),
                ),
                _ex(4, "f-ch4", 0.1, "kg", "Mass"),
                _ex(5, "f-water", 2, "m3", "Volume", is_input=True),
                _ex(6, "f-pm", 0.3, "kg", "Mass"),
            ],
        },
        "p-kiln": {
            "@type": "Process",
            "@id": "p-kiln",
            "name": "clinker kiln",
            "exchanges": [
                _ex(1, "f-clinker", 1, "t", "Mass", ref=True),
                _ex(2, "f-lime", 1.2, "t", "Mass", is_input=True),
                _ex(3, "f-el", 20, "kWh", "Energy", is_input=True),
                _ex(4, "f-co2", 500, "kg", "Mass"),
                _ex(5, "f-co2b", 100, "kg", "Mass"),
                _ex(6, "f-ch4b", 10, "g", "Mass"),
                _ex(7, "f-dust", 5, "kg", "Mass"),
            ],
        },
        "p-mill": {
            "@type": "Process",
            "@id": "p-mill",
            "name": "cement mill",
            "exchanges": [
                _ex(1, "f-cement", 1, "kg", "Mass", ref=True),
                _ex(2, "f-clinker", 0.9, "kg", "Mass", is_input=True),
                _ex(3, "f-sand", 0.1, "kg", "Mass", is_input=True),
                _ex(4, "f-el", 0.05, "kWh", "Energy", is_input=True),
            ],
        },
    }
    systems = {
        "ps-lime": {
            "@type": "ProductSystem",
            "@id": "ps-lime",
            "name": "limestone only",
            "processes": [_ref("Process", "p-el"), _ref("Process", "p-quarry")],
        }
    }
    return {
        "unit_groups": ug,
        "flow_properties": fp,
        "flows": flows,
        "processes": processes,
        "product_systems": systems,
    }


def write(tmp_path: Path, data: dict[str, dict[str, dict[str, Any]]], name="export.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("olca-schema.json", json.dumps({"version": 2}))
        for folder, entities in data.items():
            for id_, entity in entities.items():
                zf.writestr(f"{folder}/{id_}.json", json.dumps(entity))
    return path


# Hand calculation (kg CO2e per kg, per MJ):
Q_EL = 0.8 / 3.6  # 0.8 kg CO2 per kWh = 3.6 MJ
QUARRY = 36 * Q_EL + 0.1 * 29.8  # 10 kWh = 36 MJ -> 8 kg; CH4 fossil 2.98 kg CO2e; = 10.98
Q_LIME = 0.8 * QUARRY / 1000  # physical share 0.8 of 10.98 over 1000 kg = 0.008784
Q_SAND = 0.2 * QUARRY / 500  # 0.2 of 10.98 over 500 kg = 0.004392
# kiln, per 1000 kg clinker: 500 CO2 + 1200 kg limestone + 72 MJ + 0.01 kg biogenic CH4 x 27.0
Q_CLINKER = (500 + 1200 * Q_LIME + 72 * Q_EL + 0.01 * 27.0) / 1000  # = 0.5268108
Q_CEMENT = 0.9 * Q_CLINKER + 0.1 * Q_SAND + 0.18 * Q_EL  # 0.05 kWh = 0.18 MJ; = 0.51456892


def test_import_and_compute_by_hand(tmp_path):
    imp = read_olca(write(tmp_path, export()))
    assert pytest.approx(0.008784) == Q_LIME
    assert pytest.approx(0.5268108) == Q_CLINKER
    assert pytest.approx(0.51456892) == Q_CEMENT
    r = compute(imp.system, AR6, "ar6")
    value = {fid: r.results[gid].value for fid, gid in imp.products.items()}
    assert value["f-el"] == pytest.approx(Q_EL)
    assert value["f-lime"] == pytest.approx(Q_LIME)
    assert value["f-sand"] == pytest.approx(Q_SAND)
    assert value["f-clinker"] == pytest.approx(Q_CLINKER)
    assert value["f-cement"] == pytest.approx(Q_CEMENT)
    units = {p.id: p.unit for p in imp.system.products}
    assert units[imp.products["f-el"]] == "MJ"
    assert units[imp.products["f-cement"]] == "kg"
    assert "f-dust" not in imp.products  # untreated waste left out
    assert set(imp.processes) == {"p-el", "p-quarry", "p-kiln", "p-mill"}


def test_mapping_details(tmp_path):
    imp = read_olca(write(tmp_path, export()))
    procs = {p.id: p for p in imp.system.processes}
    kiln = procs[imp.processes["p-kiln"]]
    assert sorted((e.gas, e.amount, e.unit) for e in kiln.emissions) == [
        ("CH4_biogenic", pytest.approx(0.01), "kg"),  # 10 g
        ("CO2", 500.0, "kg"),
    ]
    lime_in = next(i for i in kiln.inputs if i.product == imp.products["f-lime"])
    assert (lime_in.amount, lime_in.unit) == (pytest.approx(1200.0), "kg")  # 1.2 t
    quarry = procs[imp.processes["p-quarry"]]
    assert quarry.allocation == "physical"
    props = {o.product: dict(o.properties) for o in quarry.outputs}
    assert props[imp.products["f-lime"]] == {"physical": 0.8, "economic": 0.6, "mass": 1000.0}
    # uncertainty: lognormal geomSd as it is; pedigree (2;3;1;1;4) with basic GSD 1.05:
    # sigma^2 = ln(1.05)^2 + 0.0006 + 0.0006 + 0 + 0 + 0.04 = 0.0435805 -> GSD = exp(0.208759) = 1.232148
    el = procs[imp.processes["p-el"]]
    assert el.emissions[0].gsd == 1.2
    expected = math.exp(math.sqrt(math.log(1.05) ** 2 + 0.0006 + 0.0006 + 0.04))
    assert quarry.inputs[0].gsd == pytest.approx(expected)
    assert expected == pytest.approx(1.232148, rel=1e-6)
    # the GSDs reach the Monte Carlo matrices
    r = compute(imp.system, AR6, "ar6")
    assert sorted(set(r.matrices.technosphere_gsd.data.round(6))) == [1.0, round(expected, 6)]
    # ignored elementary flows counted, conversions and left-out flows reported
    assert imp.ignored == {
        "Carbon dioxide, biogenic": 1,
        "Particulates, < 2.5 um": 1,
        "Water, well": 1,
    }
    text = "\n".join(imp.warnings)
    assert "1 t converted to 1000 kg" in text
    assert "10 kWh converted to 36 MJ" in text
    assert "kiln dust" in text and "no imported process treats it" in text
    assert "3 elementary-flow exchange(s) of 3 flow(s) ignored" in text


def test_economic_allocation(tmp_path):
    """Economic factors 0.6 / 0.4: limestone 0.6 x 10.98 / 1000 = 0.006588 per kg."""
    data = export()
    data["processes"]["p-quarry"]["defaultAllocationMethod"] = "ECONOMIC_ALLOCATION"
    imp = read_olca(write(tmp_path, data))
    r = compute(imp.system, AR6, "ar6")
    assert r.results[imp.products["f-lime"]].value == pytest.approx(0.6 * QUARRY / 1000)
    assert r.results[imp.products["f-sand"]].value == pytest.approx(0.4 * QUARRY / 500)
    assert pytest.approx(0.006588) == 0.6 * QUARRY / 1000


def test_folder_and_product_system_selection(tmp_path):
    folder = tmp_path / "export"
    for sub, entities in export().items():
        (folder / sub).mkdir(parents=True)
        for id_, entity in entities.items():
            (folder / sub / f"{id_}.json").write_text(json.dumps(entity), encoding="utf-8")
    imp = read_olca(folder, product_system="limestone only")
    assert set(imp.processes) == {"p-el", "p-quarry"}
    r = compute(imp.system, AR6, "ar6")
    assert r.results[imp.products["f-lime"]].value == pytest.approx(Q_LIME)
    # the imported footprints as database values of another system
    purchased = footprints_as_purchased(r, imp, ["f-lime"])
    assert purchased[0].value == pytest.approx(Q_LIME)
    assert purchased[0].unit == "kg" and purchased[0].origin == "database"
    assert purchased[0].source == "openLCA export:f-lime"
    with pytest.raises(OlcaImportError, match="product system 'nope' not found"):
        read_olca(folder, product_system="nope")


def test_gas_matching_by_cas_then_name():
    table = gas_flows()
    assert match_gas("Methane, fossil", "74-82-8", table) == "CH4_fossil"
    assert match_gas("Methane", "000074-82-8", table) == "CH4"
    assert match_gas("methane, non-fossil", "", table) == "CH4_biogenic"
    assert match_gas("R-134a (whatever the name)", "811-97-2", table) == "HFC-134a"
    assert match_gas("Carbon dioxide, in air", "124-38-9", table) is None
    assert match_gas("Sulfur dioxide", "7446-09-5", table) is None
    gases = {g.gas for g in table}
    assert gases == {gas for (s, gas) in get_reference().gwp if s == "ar6"}


# ---- errors ----------------------------------------------------------------------------------
def test_bad_zip_is_named(tmp_path):
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(OlcaImportError, match=r"broken.zip: not an openLCA JSON-LD export"):
        read_olca(bad)


def test_missing_flow_names_file_process_and_exchange(tmp_path):
    data = export()
    del data["flows"]["f-clinker"]
    with pytest.raises(
        OlcaImportError,
        match=r"export.zip: processes/p-kiln.json, process 'clinker kiln'.*"
        r"flow 'f-clinker' not found \(expected flows/f-clinker.json",
    ):
        read_olca(write(tmp_path, data))


def test_unknown_unit_names_the_flow(tmp_path):
    data = export()
    data["unit_groups"]["ug-mass"]["units"][0]["name"] = "slug"
    with pytest.raises(
        OlcaImportError,
        match=r"flows/f-\w+.json, flow '[^']+': unknown unit 'slug' \(reference unit of 'Mass'\)",
    ):
        read_olca(write(tmp_path, data))


def test_inconsistent_unit_group_and_bad_pedigree(tmp_path):
    data = export()
    data["unit_groups"]["ug-mass"]["units"][1]["conversionFactor"] = 100  # '1 t = 100 kg'
    with pytest.raises(OlcaImportError, match=r"1 t = 100 kg, but 1 t = 1000 kg"):
        read_olca(write(tmp_path, data))
    data = export()
    data["processes"]["p-quarry"]["exchanges"][2]["dqEntry"] = "(2;3;1;1)"
    with pytest.raises(
        OlcaImportError,
        match=r"processes/p-quarry.json, process 'quarry' \(p-quarry\), exchange 3 "
        r"\(flow 'electricity, medium voltage'\): data-quality entry",
    ):
        read_olca(write(tmp_path, data, "pedigree.zip"))


def test_two_providers_and_missing_allocation_factor(tmp_path):
    data = export()
    twin = copy.deepcopy(data["processes"]["p-el"])
    twin["@id"], twin["name"] = "p-el2", "other power plant"
    data["processes"]["p-el2"] = twin
    with pytest.raises(OlcaImportError, match="is also made by process"):
        read_olca(write(tmp_path, data))
    data = export()
    data["processes"]["p-quarry"]["allocationFactors"].pop(1)
    with pytest.raises(OlcaImportError, match=r"physical allocation factor missing.*'sand'"):
        read_olca(write(tmp_path, data, "alloc.zip"))


def test_result_is_a_product_system(tmp_path):
    imp = read_olca(write(tmp_path, export()))
    assert isinstance(imp.system, ProductSystem)
    assert imp.system.allocation == "mass"

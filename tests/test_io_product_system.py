"""Product systems as files (greenmfg.io.product_system): JSON and workbook round trips, column
order, located errors, the template and the battery-pack example.

The systems below are made up for the tests (labelled so) except the example workbook's purchased
footprints, whose values are typed here from their rows of src/greenmfg/reference/product_footprints.csv.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from greenmfg.footprint.system import (
    INVENTORY_CO2E,
    Emission,
    Input,
    Output,
    Process,
    Product,
    ProductSystem,
    PurchasedFootprint,
    compute,
    gwp_table,
)
from greenmfg.io.product_system import (
    COLUMNS,
    FORMAT,
    README_SHEET,
    SHEETS,
    ProductSystemFileError,
    product_system_from_dict,
    product_system_template_xlsx,
    product_system_to_dict,
    read_product_system,
    read_product_system_bytes,
    write_product_system_xlsx,
)
from greenmfg.reference import get_reference
from greenmfg.reference.model import CONFIDENCE_LEVELS

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES_DIR / "product_system_battery_pack.xlsx"
DQR_A = {
    "technological": 1,
    "temporal": 2,
    "geographical": 1.5,
    "completeness": 3,
    "reliability": 2,
}
# PACT v3: the three representativeness ratings alone (completeness and reliability optional), 1-5
DQR_B = {"technological": 4, "temporal": 2, "geographical": 5}


def _system() -> ProductSystem:
    """Made-up system touching every field: a multi-output process with allocation properties and
    its own allocation, data-quality ratings, GSDs, an undeclared (cut-off) input, a pre-characterised
    emission in t, purchased footprints of both origins."""
    return ProductSystem(
        products=(
            Product("ingot", "铝锭 ingot", "t", 1000.0),
            Product("dross", "铝灰 dross", "kg", 1.0),
            Product("part", "零件", "piece", 0.35),
            Product("electricity", "电", "kWh"),
            Product("alloy", "合金", "kg", 1.0),
        ),
        processes=(
            Process(
                "cast",
                "熔铸 casting",
                outputs=(
                    Output("ingot", 2, "t", {"mass": 2000.0, "economic": 38000.0}),
                    Output("dross", 150, "kg", {"mass": 150.0, "economic": 300.0, "physical": 1}),
                ),
                inputs=(
                    Input("alloy", 2.2, "t", 1.05),
                    Input("electricity", 1.3, "MWh", 1.2),
                    Input("flux", 4, "kg"),
                ),
                emissions=(Emission("CO2", 250, "kg", 1.1), Emission("SF6", 0.002, "kg")),
                allocation="economic",
                supplier="某铝业",
                source="=inventory 2024",  # a leading '=' must stay text, not become a formula
                dqr=DQR_A,
            ),
            Process(
                "machine",
                "",
                outputs=(Output("part", 1000, "piece"),),
                inputs=(Input("ingot", 360, "kg"), Input("electricity", 800, "kWh")),
                emissions=(Emission(INVENTORY_CO2E, 0.12, "t"),),
            ),
        ),
        purchased=(
            PurchasedFootprint(
                "electricity", 0.5, "kWh", "database", "db:grid", confidence="official"
            ),
            PurchasedFootprint(
                "electricity", 0.4, "kWh", "supplier", "pact:abc", "电厂", "", 1.3, DQR_B
            ),
            PurchasedFootprint("alloy", 9.5, "kg", "database", "db:alloy", gsd=1.5),
        ),
        allocation="physical",
        cutoff=0.05,
    )


def _xlsx(system: ProductSystem, lang: str = "zh") -> bytes:
    buf = io.BytesIO()
    write_product_system_xlsx(system, buf, lang)
    return buf.getvalue()


def _edit(data: bytes, change: Callable[[Workbook], None]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _column(wb: Workbook, sheet: str, key: str) -> int:
    for cell in wb[sheet][1]:
        if cell.value is not None and str(cell.value).split()[-1] == key:
            return int(cell.column)
    raise KeyError(key)


def _set_cell(sheet: str, row: int, key: str, value: object) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        # (ws.cell(..., value=None) would leave the cell as it is)
        wb[sheet].cell(row=row, column=_column(wb, sheet, key)).value = value

    return change


# =================================================================================================
# Round trips
# =================================================================================================
def test_dict_round_trip_is_json_safe_and_equal() -> None:
    ps = _system()
    d = product_system_to_dict(ps)
    assert d["format"] == FORMAT
    text = json.dumps(d, allow_nan=False)  # JSON-safe: no NaN, no tuples-only types
    assert product_system_from_dict(json.loads(text)) == ps
    assert product_system_from_dict(d) == ps
    # every field is written (nothing omitted), so another program sees the defaults
    assert d["processes"][1]["allocation"] is None
    assert d["processes"][1]["dqr"] == {}
    assert d["processes"][0]["inputs"][2] == {
        "product": "flux",
        "amount": 4.0,
        "unit": "kg",
        "gsd": 1.0,
    }
    assert d["products"][3]["mass_kg"] is None
    assert set(d["purchased"][0]) == {
        "product", "value", "unit", "origin", "source", "supplier", "confidence", "gsd", "dqr"
    }  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_round_trip(lang: str, tmp_path: Path) -> None:
    ps = _system()
    path = tmp_path / "system.xlsx"
    write_product_system_xlsx(ps, path, lang)
    got = read_product_system(path)
    assert got == ps
    # allocation properties, ratings and GSDs survive (equality above covers them; spelt out)
    cast = got.processes[0]
    assert cast.outputs[1].properties == {"mass": 150.0, "economic": 300.0, "physical": 1.0}
    assert cast.dqr == {k: float(v) for k, v in DQR_A.items()}
    assert [i.gsd for i in cast.inputs] == [1.05, 1.2, 1.0]
    assert got.purchased[1].dqr == {k: float(v) for k, v in DQR_B.items()}
    assert cast.source == "=inventory 2024"


def test_xlsx_text_cells_are_not_formulas() -> None:
    wb = load_workbook(io.BytesIO(_xlsx(_system())))
    cell = wb["Outputs"].cell(row=2, column=_column(wb, "Outputs", "source"))
    assert cell.data_type == "s" and cell.value == "=inventory 2024"


def test_json_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ps.json"
    path.write_text(json.dumps(product_system_to_dict(_system()), ensure_ascii=False), "utf-8")
    assert read_product_system(path) == _system()
    assert read_product_system_bytes(path.read_bytes(), "uploads/ps.JSON") == _system()


def test_process_fields_on_later_rows_may_repeat_the_first() -> None:
    data = _edit(_xlsx(_system()), _set_cell("Outputs", 3, "supplier", "某铝业"))
    assert read_product_system_bytes(data, "a.xlsx") == _system()


def test_header_order_permutation_blank_rows_and_notes() -> None:
    """Columns reversed on every sheet, labels in another language, a blank row and a note column:
    the same system is read (the reader matches the English key, case-insensitive)."""

    def permute(wb: Workbook) -> None:
        for sheet in SHEETS:
            ws = wb[sheet]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            width = max(len(r) for r in rows)
            rows = [(r + [None] * width)[:width][::-1] for r in rows]
            rows[0] = [
                None if h is None else "Label " + str(h).split()[-1].upper() for h in rows[0]
            ]
            rows[0].append("备注 note")
            rows.insert(2, [None] * width)  # a blank row is ignored
            ws.delete_rows(1, ws.max_row)
            for i, r in enumerate(rows, start=1):
                for j, v in enumerate(r, start=1):
                    cell = ws.cell(row=i, column=j, value=v)
                    if isinstance(v, str):
                        cell.data_type = "s"  # keep '=inventory 2024' text
            ws.cell(row=2, column=width + 1, value="free text, ignored")
            ws.cell(row=3, column=width + 1, value="a row with only a note is blank")

    data = _edit(_xlsx(_system()), permute)
    assert load_workbook(io.BytesIO(data))["Inputs"]["A1"].value == "Label GSD"
    assert read_product_system_bytes(data, "permuted.xlsx") == _system()


# text without outer whitespace (a workbook cell is stripped) and with characters a cell can hold;
# '=' and '-' check that text is never taken for a formula or a number
_TEXT = st.text(alphabet="ab_=-1 中碳", max_size=6).map(str.strip)
_ID = st.text(alphabet="ab_=-1中", min_size=1, max_size=4)


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers as a person types them: 15 significant digits, Excel's precision (openpyxl writes
    16, so a value with 17 significant digits may come back one ulp away; JSON is exact)."""
    return st.floats(min_value=low, max_value=high).map(lambda x: float(f"{x:.15g}"))


_AMOUNT = _floats(1e-9, 1e12)
_GSD_S = st.one_of(st.just(1.0), _floats(1.0, 5.0))
_DQR_S: st.SearchStrategy[dict[str, float]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {k: _floats(1.0, 5.0) for k in ("technological", "temporal", "geographical")},
        optional={k: _floats(1.0, 5.0) for k in ("completeness", "reliability")},
    ),
)
_UNITS = {"kg": ("kg", "t"), "t": ("t", "kg"), "kWh": ("kWh", "MWh"), "piece": ("piece",)}


@st.composite
def _systems(draw: st.DrawFn) -> ProductSystem:
    """Random valid-looking product systems touching every field (for the round-trip invariant)."""
    ids = draw(st.lists(_ID, min_size=1, max_size=5, unique=True))
    units = {i: draw(st.sampled_from(list(_UNITS))) for i in ids}
    products = tuple(Product(i, draw(_TEXT), units[i], draw(st.none() | _AMOUNT)) for i in ids)
    made = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
    processes = []
    k = 0
    while made:
        n = draw(st.integers(1, min(2, len(made))))
        outs, made = made[:n], made[n:]
        alloc_props = st.dictionaries(
            st.sampled_from(("mass", "economic", "physical")),
            _floats(0.0, 1e6),
        )
        outputs = tuple(
            Output(o, draw(_AMOUNT), draw(st.sampled_from(_UNITS[units[o]])), draw(alloc_props))
            for o in outs
        )
        inputs = tuple(
            Input(
                i,
                draw(st.just(0.0) | _AMOUNT),
                draw(st.sampled_from(_UNITS[units[i]])),
                draw(_GSD_S),
            )
            for i in draw(st.lists(st.sampled_from(ids), max_size=3))
        )
        emissions = tuple(
            Emission(g, draw(_floats(-1e6, 1e6)), draw(st.sampled_from(("kg", "t"))), draw(_GSD_S))
            for g in draw(
                st.lists(st.sampled_from(("CO2", "CH4_fossil", "N2O", INVENTORY_CO2E)), max_size=2)
            )
        )
        processes.append(
            Process(
                f"proc{k}" + draw(_ID),
                draw(_TEXT),
                outputs,
                inputs,
                emissions,
                draw(st.none() | st.sampled_from(("mass", "economic", "physical"))),
                draw(_TEXT),
                draw(_TEXT),
                draw(_DQR_S),
            )
        )
        k += 1
    purchased = tuple(
        PurchasedFootprint(
            i,
            draw(_floats(0.0, 1e6)),
            draw(st.sampled_from(_UNITS[units[i]])),
            draw(st.sampled_from(("supplier", "database"))),
            draw(_ID),
            draw(_TEXT),
            draw(st.sampled_from(("", *CONFIDENCE_LEVELS))),
            draw(_GSD_S),
            draw(_DQR_S),
        )
        for i in draw(st.lists(st.sampled_from(ids), max_size=3))
    )
    return ProductSystem(
        products,
        tuple(processes),
        purchased,
        draw(st.sampled_from(("mass", "economic", "physical"))),
        draw(_floats(0.0, 0.99)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_systems())
def test_round_trip_invariant(ps: ProductSystem) -> None:
    """read(write(ps)) == ps for JSON and for both workbook languages."""
    assert product_system_from_dict(json.loads(json.dumps(product_system_to_dict(ps)))) == ps
    assert read_product_system_bytes(_xlsx(ps, "zh"), "h.xlsx") == ps
    assert read_product_system_bytes(_xlsx(ps, "en"), "h.xlsx") == ps


# =================================================================================================
# Errors: each names the file, the sheet and row (or JSON path) and the field
# =================================================================================================
def test_error_message_format() -> None:
    data = _edit(_xlsx(_system()), _set_cell("Inputs", 3, "amount", "abc"))
    with pytest.raises(ProductSystemFileError) as e:
        read_product_system_bytes(data, "battery.xlsx")
    assert str(e.value) == (
        "battery.xlsx, sheet Inputs, row 3, field amount: expected a number >= 0, got 'abc'"
    )
    assert (e.value.file, e.value.location, e.value.field) == (
        "battery.xlsx",
        "sheet Inputs, row 3",
        "amount",
    )
    assert e.value.expected == "a number >= 0"


def _rename_header(sheet: str, key: str, new: str) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        wb[sheet].cell(row=1, column=_column(wb, sheet, key), value=new)

    return change


def _delete_sheet_row(sheet: str, row: int) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        wb[sheet].delete_rows(row)

    return change


def _rename_sheet(old: str, new: str) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        wb[old].title = new

    return change


# Row numbers of _system() in the workbook: Outputs 2 (cast/ingot), 3 (cast/dross), 4 (machine);
# Inputs 2-4 (cast), 5-6 (machine); Emissions 2-3 (cast), 4 (machine); Purchased 2-4.
XLSX_CASES: list[tuple[str, Callable[[Workbook], None], str, str, str]] = [
    # (id, change, location, field, words of the expectation)
    ("non-number amount", _set_cell("Inputs", 5, "amount", "12 kg"), "sheet Inputs, row 5", "amount", "a number >= 0"),
    ("negative amount", _set_cell("Inputs", 2, "amount", -1), "sheet Inputs, row 2", "amount", "a number >= 0"),
    ("zero output", _set_cell("Outputs", 4, "amount", 0), "sheet Outputs, row 4", "amount", "a number > 0"),
    ("unknown process", _set_cell("Emissions", 4, "process_id", "machining"), "sheet Emissions, row 4", "process_id", "a process_id of the sheet Outputs"),
    ("unknown process (inputs)", _set_cell("Inputs", 6, "process_id", "mill"), "sheet Inputs, row 6", "process_id", "a process_id of the sheet Outputs"),
    ("conflicting supplier", _set_cell("Outputs", 3, "supplier", "另一家"), "sheet Outputs, row 3", "supplier", "as on row 2"),
    ("conflicting name", _set_cell("Outputs", 3, "process_name", "melting"), "sheet Outputs, row 3", "process_name", "as on row 2"),
    ("conflicting allocation", _set_cell("Outputs", 3, "allocation", "mass"), "sheet Outputs, row 3", "allocation", "as on row 2"),
    ("conflicting rating", _set_cell("Outputs", 3, "reliability", 1), "sheet Outputs, row 3", "reliability", "as on row 2"),
    ("bad unit", _set_cell("Inputs", 3, "unit", "MWhh"), "sheet Inputs, row 3", "unit", "a unit"),
    ("unit of another dimension", _set_cell("Purchased", 4, "unit", "kWh"), "sheet Purchased, row 4", "unit", "convertible to the product's declared unit 'kg'"),
    ("bad product unit", _set_cell("Products", 3, "unit", "kgg"), "sheet Products, row 3", "unit", "a unit"),
    ("emission not a mass", _set_cell("Emissions", 2, "unit", "kWh"), "sheet Emissions, row 2", "unit", "a mass unit"),
    ("unknown gas", _set_cell("Emissions", 3, "gas", "SF5"), "sheet Emissions, row 3", "gas", "a gas of the reference GWP table"),
    ("dqr out of range", _set_cell("Outputs", 2, "technological", 6), "sheet Outputs, row 2", "technological", "a rating from 1 (best) to 5"),
    ("dqr incomplete", _set_cell("Outputs", 2, "temporal", None), "sheet Outputs, row 2", "temporal", "technological, temporal, geographical are required"),
    ("purchased dqr out of range", _set_cell("Purchased", 3, "completeness", 0), "sheet Purchased, row 3", "completeness", "a rating from 1 (best) to 5"),
    ("gsd below 1", _set_cell("Purchased", 4, "gsd", 0.5), "sheet Purchased, row 4", "gsd", "a number >= 1"),
    ("bad origin", _set_cell("Purchased", 2, "origin", "db"), "sheet Purchased, row 2", "origin", "one of supplier, database"),
    ("bad confidence", _set_cell("Purchased", 2, "confidence", "offical"), "sheet Purchased, row 2", "confidence", "official"),
    ("missing source", _set_cell("Purchased", 2, "source", None), "sheet Purchased, row 2", "source", "the source"),
    ("unknown product", _set_cell("Purchased", 4, "product_id", "aloy"), "sheet Purchased, row 4", "product_id", "a product id of the sheet Products"),
    ("output of undeclared product", _set_cell("Outputs", 4, "product_id", "parts"), "sheet Outputs, row 4", "product_id", "a product id of the sheet Products"),
    ("product made twice", _set_cell("Outputs", 4, "product_id", "ingot"), "sheet Outputs, row 4", "product_id", "made by one process only"),
    ("duplicate product", _set_cell("Products", 3, "product_id", "ingot"), "sheet Products, row 3", "product_id", "not used by an earlier product"),
    ("non-number mass", _set_cell("Products", 2, "mass_kg", "1 t"), "sheet Products, row 2", "mass_kg", "a mass per declared unit"),
    ("bad allocation", _set_cell("Outputs", 2, "allocation", "energy"), "sheet Outputs, row 2", "allocation", "one of mass, economic, physical"),
    ("bad property", _set_cell("Outputs", 2, "economic", "n/a"), "sheet Outputs, row 2", "economic", "a number >= 0"),
    ("bad setting", _set_cell("Settings", 2, "value", "volume"), "sheet Settings, row 2", "value", "one of mass, economic, physical"),
    ("bad cut-off", _set_cell("Settings", 3, "value", 5), "sheet Settings, row 3", "value", "from 0 to 1"),
    ("unknown setting", _set_cell("Settings", 3, "key", "cut-off"), "sheet Settings, row 3", "key", "allocation or cutoff"),
    ("unknown column (typo)", _rename_header("Inputs", "gsd", "几何标准差 gds"), "sheet Inputs, row 1", "几何标准差 gds", "a column of process_id"),
    ("missing column", _rename_header("Inputs", "amount", "备注 note"), "sheet Inputs, row 1", "amount", "a column headed '投入数量 amount'"),
    ("unknown sheet", _rename_sheet("Emissions", "Emission"), "sheet Emission", "sheet name", "one of the sheets Settings"),
    ("missing sheet", lambda wb: wb.remove(wb["Products"]), "", "sheet name", "a sheet Products"),
    ("missing cell", _set_cell("Inputs", 4, "product_id", None), "sheet Inputs, row 4", "product_id", "a product id"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "location", "field", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in XLSX_CASES],
)
def test_bad_workbook(
    change: Callable[[Workbook], None], location: str, field: str, expected: str
) -> None:
    data = _edit(_xlsx(_system()), change)
    with pytest.raises(ProductSystemFileError) as e:
        read_product_system_bytes(data, "C:\\Users\\me\\battery.xlsx")
    err = e.value
    assert (err.file, err.location, err.field) == ("battery.xlsx", location, field)
    assert expected in err.expected
    message = str(err)
    assert message.startswith("battery.xlsx, ")
    assert location in message and f"field {field}:" in message and expected in message


def _json(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    d = product_system_to_dict(_system())
    change(d)
    return d


def _put(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """Set (or with ``...`` delete) the value at a dotted path such as ``processes.0.name``."""

    def change(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = d
        for k in head:
            target = target[int(k)] if k.isdigit() else target[k]
        if value is ...:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


JSON_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str, str]] = [
    ("wrong format tag", _put("format", "greenmfg.product-system/2"), "format", "format", "'greenmfg.product-system/1'"),
    ("missing format tag", _put("format", ...), "format", "format", "'greenmfg.product-system/1'"),
    ("unknown top key (typo)", _put("purchase", []), "purchase", "purchase", "one of the keys format"),
    ("unknown nested key (typo)", _put("processes.1.inputs.0.amout", 3), "processes[1].inputs[0].amout", "amout", "one of the keys product, amount, unit, gsd"),
    ("missing required key", _put("processes.0.outputs.1.unit", ...), "processes[0].outputs[1].unit", "unit", "(required)"),
    ("non-number amount", _put("processes.1.inputs.0.amount", "360"), "processes[1].inputs[0].amount", "amount", "a number >= 0"),
    ("NaN", _put("processes.0.emissions.0.amount", math.nan), "processes[0].emissions[0].amount", "amount", "a finite number"),
    ("infinite value", _put("purchased.2.value", math.inf), "purchased[2].value", "value", "kg CO2e per unit"),
    ("boolean is not a number", _put("products.0.mass_kg", True), "products[0].mass_kg", "mass_kg", "a mass per declared unit"),
    ("gsd below 1", _put("processes.0.inputs.0.gsd", 0.9), "processes[0].inputs[0].gsd", "gsd", "a number >= 1"),
    ("dqr out of range", _put("processes.0.dqr.technological", 5.5), "processes[0].dqr.technological", "technological", "a rating from 1 (best) to 5"),
    ("dqr unknown indicator", _put("purchased.1.dqr.accuracy", 1), "purchased[1].dqr.accuracy", "accuracy", "one of the indicators"),
    ("dqr incomplete", _put("purchased.1.dqr.geographical", ...), "purchased[1].dqr.geographical", "geographical", "are required"),
    ("bad allocation", _put("allocation", "energy"), "allocation", "allocation", "one of mass, economic, physical"),
    ("bad process allocation", _put("processes.0.allocation", "Economic"), "processes[0].allocation", "allocation", "one of mass, economic, physical"),
    ("bad origin", _put("purchased.0.origin", "process"), "purchased[0].origin", "origin", "one of supplier, database"),
    ("bad unit", _put("processes.1.outputs.0.unit", "pieces_"), "processes[1].outputs[0].unit", "unit", "a unit"),
    ("unknown property", _put("processes.0.outputs.0.properties.volume", 1), "processes[0].outputs[0].properties.volume", "volume", "an allocation property"),
    ("undeclared output", _put("processes.1.outputs.0.product", "prt"), "processes[1].outputs[0].product", "product", "a product id of 'products'"),
    ("duplicate process", _put("processes.1.id", "cast"), "processes[1].id", "id", "a process id not used before"),
    ("no outputs", _put("processes.1.outputs", []), "processes[1].outputs", "outputs", "at least one output"),
    ("list expected", _put("processes.0.inputs", {"product": "x"}), "processes[0].inputs", "inputs", "a list of inputs"),
    ("object expected", _put("products.1", "dross"), "products[1]", "products[1]", "an object"),
    ("text expected", _put("processes.0.source", 2024), "processes[0].source", "source", "a JSON string"),
    ("cut-off out of range", _put("cutoff", 1.5), "cutoff", "cutoff", "from 0 to 1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "location", "field", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in JSON_CASES],
)
def test_bad_dict(
    change: Callable[[dict[str, Any]], None], location: str, field: str, expected: str
) -> None:
    with pytest.raises(ProductSystemFileError) as e:
        product_system_from_dict(_json(change), file="ps.json")
    err = e.value
    assert (err.file, err.location, err.field) == ("ps.json", location, field)
    assert expected in err.expected
    assert str(err).startswith(f"ps.json, {location}, field {field}: expected ")


def test_bad_json_file_syntax_encoding_and_suffix() -> None:
    with pytest.raises(ProductSystemFileError, match=r"^ps\.json, line 1, column 2") as e:
        read_product_system_bytes(b"{,}", "ps.json")
    assert e.value.field == "(JSON syntax)"
    with pytest.raises(ProductSystemFileError, match=r"field encoding: expected UTF-8"):
        read_product_system_bytes(b'{"format": "\xff"}', "ps.json")
    with pytest.raises(ProductSystemFileError, match=r"^ps\.csv, field file type"):
        read_product_system_bytes(b"a,b", "ps.csv")
    with pytest.raises(ProductSystemFileError, match=r"^ps\.xlsx, field file: expected an Excel"):
        read_product_system_bytes(b"not a zip", "ps.xlsx")
    with pytest.raises(ProductSystemFileError, match=r"field \(document\)"):
        read_product_system_bytes(b"[]", "ps.json")


# =================================================================================================
# Template
# =================================================================================================
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_reads_and_holds_no_factor(lang: str) -> None:
    data = product_system_template_xlsx(lang)
    ps = read_product_system_bytes(data, "template.xlsx")
    assert ps.purchased == ()  # no footprint values in a template
    assert len(ps.products) == 1 and len(ps.processes) == 1
    proc = ps.processes[0]
    assert len(proc.outputs) == len(proc.inputs) == len(proc.emissions) == 1
    assert "illustrative" in proc.source
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [*SHEETS, README_SHEET]
    assert wb["Purchased"].max_row == 1  # headers only
    readme = [
        [str(v) for v in r if v is not None] for r in wb[README_SHEET].iter_rows(values_only=True)
    ]
    for sheet, cols in COLUMNS.items():
        for c in cols:
            assert any(r[:1] == [sheet] and c.key in r[1] for r in readme if len(r) > 1), (sheet, c)
    header = [c.value for c in wb["Inputs"][1]]
    if lang == "zh":
        assert header[:2] == ["过程编号 process_id", "投入产品编号 product_id"]
    else:
        assert header[:2] == ["process_id", "product_id"]


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="lang 'fr'"):
        product_system_template_xlsx("fr")


# =================================================================================================
# The battery-pack example (examples/product_system_battery_pack.xlsx)
# =================================================================================================
def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_product_system_example", EXAMPLES_DIR / "make_product_system_example.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_workbook_matches_its_generator() -> None:
    assert read_product_system(EXAMPLE) == _generator().system()


def test_example_purchased_rows_cite_the_reference_data() -> None:
    """Values typed from product_footprints.csv:
    - mee_nbs_nea_electricity_footprint, electricity_grid_footprint, CN, 2023: 0.6205 kgCO2e/kWh,
      official (MEE/NBS/NEA 2025年第3号);
    - iai_primary_aluminium, aluminium_primary, GLO, 2022: 15.1 tCO2e/t = 15.1 kgCO2e/kg,
      secondary (IAI GHG emissions intensity, 2024-02-28 release)."""
    ps = read_product_system(EXAMPLE)
    got = {(p.product, p.value, p.unit, p.origin, p.source, p.confidence) for p in ps.purchased}
    assert got == {
        (
            "electricity",
            0.6205,
            "kWh",
            "database",
            "product_footprints/mee_nbs_nea_electricity_footprint/electricity_grid_footprint/CN/2023",
            "official",
        ),
        (
            "aluminium_primary",
            15.1,
            "kg",
            "database",
            "product_footprints/iai_primary_aluminium/aluminium_primary/GLO/2022",
            "secondary",
        ),
    }
    assert all("illustrative" in p.source for p in ps.processes)


def test_example_pack_footprint_by_hand() -> None:
    """q = c^T B T^-1 (design.md; ISO 14067 via greenmfg.footprint.system): per unit of a product,
    its own process's emissions (x GWP, AR6 CO2 = 1) plus each input amount x that input's
    footprint, all divided by the stated output amount, and for a multi-output process times the
    output's allocation share (ISO 14044, 4.3.4.2; mass here). Amounts are the generator's.

    e  = 0.6205 kg CO2e/kWh (grid electricity, purchased)
    al = 15.1 kg CO2e/kg    (primary aluminium, purchased)
    cell    = 12 MWh x e / 1000 cells                      = 12 000 x 0.6205 / 1000 = 7.446
    module  = 12 x cell + 1.5 x e                          = 89.352 + 0.93075 = 90.28275
    housing = 25/27 x (27 x al + 30 x e + 4.0 kg CO2)      = 25/27 x (407.7 + 18.615 + 4)
            = 25/27 x 430.315                              = 398.439814...
    scrap   = 2/27 x 430.315 / 2 kg                        = 15.937592... per kg
    pack    = 8 x module + housing + 20 x e                = 722.262 + 398.439814... + 12.41
            = 1133.111814... kg CO2e per pack; the 1.5 kg thermal pad is cut off
              (1.5 / (8 x 24 + 25 + 1.5) = 0.686 % of the input mass < 1 %).
    """
    e, al = 0.6205, 15.1
    cell = 12_000 * e / 1000
    module = 12 * cell + 1.5 * e
    housing_process = 27 * al + 30 * e + 4.0
    housing = 25 / 27 * housing_process
    pack = 8 * module + housing + 20 * e
    assert pack == pytest.approx(1133.1118148148, rel=1e-12)

    ps = read_product_system(EXAMPLE)
    r = compute(ps, gwp_table(get_reference().gwp, "ar6"), "ar6")
    assert r.results["battery_cell"].value == pytest.approx(7.446, rel=1e-12)
    assert r.results["battery_module"].value == pytest.approx(module, rel=1e-12)
    assert r.results["aluminium_housing"].value == pytest.approx(housing, rel=1e-12)
    assert r.results["aluminium_scrap"].value == pytest.approx(
        2 / 27 * housing_process / 2, rel=1e-12
    )
    assert r.results["battery_pack"].value == pytest.approx(pack, rel=1e-12)
    assert r.results["battery_pack"].unit == "piece"
    [excluded] = r.matrices.excluded
    assert (excluded.process, excluded.product) == ("pack_assembly", "thermal_pad")
    assert excluded.mass_share == pytest.approx(1.5 / 218.5, rel=1e-12)


def test_example_round_trips_through_json() -> None:
    ps = read_product_system(EXAMPLE)
    assert product_system_from_dict(json.loads(json.dumps(product_system_to_dict(ps)))) == ps

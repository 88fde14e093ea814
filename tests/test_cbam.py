"""EU CBAM specific embedded emissions (greenmfg.footprint.cbam) and the communication-template
workbook (greenmfg.io.cbam_xlsx).

Every expected value is derived by hand in the test from

    SEE_g = (AttrEm_g + EE_InpMat) / AL_g,   EE_InpMat = sum_i M_i * SEE_i          (1), (2)

(Regulation (EU) 2023/956 Annex IV points 2-3; Implementing Regulation (EU) 2025/2547 Annex III
point B, equations 59-60), separately for direct and indirect emissions; AttrEm_indir = E_el x EF.
Default values are read from the reference row, with the mark-up of Implementing Regulation (EU)
2025/2621 Annex I, opening paragraph (as replaced by 2026/1740): total x (1 + mark-up).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from greenmfg.footprint.cbam import (
    CbamError,
    ElectricityFactor,
    Installation,
    PrecursorInput,
    ProductionProcess,
    PurchasedPrecursor,
    electricity_factor_from_reference,
    embedded_emissions,
)
from greenmfg.io.cbam_xlsx import SHEETS, write_cbam_workbook
from greenmfg.reference import get_reference
from greenmfg.reference.footprints import cbam_default, cbam_defaults, cbam_goods

# A hypothetical power purchase agreement of the test installation (template code D.4.3.2): input
# data of the example, not a reference value.
PPA = ElectricityFactor(0.3, "D.4.3.2", "PPA of the test installation (hypothetical)")


def run(inst: Installation, year: int = 2026, **kw: object):
    return embedded_emissions(inst, cbam_defaults(), goods=cbam_goods(), year=year, **kw)


# ---- (a) cement: clinker -> cement ---------------------------------------------------------------
def cement_plant(ef: ElectricityFactor) -> Installation:
    return Installation(
        name="示例水泥厂",
        name_en="Demo cement plant",
        country="CN",
        unlocode="CNNKG",
        city="Nanjing",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        identifiers=(("USCC", "913200000000000000"),),
        processes=(
            ProductionProcess(
                "P1", "Clinker kiln", "Cement clinker", ("2523 10 00",), 1000.0, 860.0, 100.0, ef
            ),
            ProductionProcess(
                "P2",
                "Cement grinding",
                "Cement",
                ("25232900",),
                1250.0,
                12.0,
                50.0,
                ef,
                (PrecursorInput("P1", 950.0),),
            ),
        ),
    )


def test_cement_clinker_to_cement_by_hand():
    """Clinker kiln: AL 1000 t, AttrEm_dir 860 t, 100 MWh. Grinding: AL 1250 t cement from 950 t of
    clinker (clinker-to-cement ratio 950/1250 = 0.76), AttrEm_dir 12 t (drying), 50 MWh. The
    factor is the MEE/NBS 2022 national average (greenmfg reference, template code D.4(b)).

    Equations (1)-(2):
      SEE_clk,dir = 860/1000 = 0.86;  SEE_clk,ind = 100 ef / 1000 = 0.1 ef
      SEE_cem,dir = 12/1250 + 0.76 x 0.86 = 0.0096 + 0.6536 = 0.6632
      SEE_cem,ind = 50 ef/1250 + 0.76 x 0.1 ef = 0.04 ef + 0.076 ef = 0.116 ef
    Cement is not in Annex II to 2023/956: indirect emissions count, CBAM-relevant = total.
    """
    ef = electricity_factor_from_reference(get_reference(), 2022)
    assert ef.source_code == "D.4(b)"
    assert ef.value == get_reference().electricity[("average", 2022, "CN")].value
    r = run(cement_plant(ef), year=2025)
    clk, cem = r.good("P1"), r.good("P2")
    assert clk.see_direct == pytest.approx(0.86, rel=1e-12)
    assert clk.see_indirect == pytest.approx(0.1 * ef.value, rel=1e-12)
    assert cem.see_direct == pytest.approx(0.6632, rel=1e-12)
    assert cem.see_indirect == pytest.approx(0.116 * ef.value, rel=1e-12)
    assert cem.see_total == pytest.approx(0.6632 + 0.116 * ef.value, rel=1e-12)
    assert not cem.annex_ii and cem.see_relevant == pytest.approx(cem.see_total, rel=1e-12)
    # the precursor line: m = 0.76 t/t, EmbEm_dir = 950 x 0.86 = 817 t
    (line,) = cem.precursors
    assert line.mass_share == pytest.approx(0.76)
    assert line.embedded_direct_t == pytest.approx(817.0)
    assert cem.precursor_direct_t == pytest.approx(817.0)
    # SE (without precursors): 12/1250 and 50 ef/1250
    assert cem.se_direct == pytest.approx(0.0096)
    assert cem.se_indirect == pytest.approx(0.04 * ef.value)
    # embedded electricity 0.04 + 0.76 x 0.1 = 0.116 MWh/t; no default anywhere
    assert cem.embedded_electricity_mwh_per_t == pytest.approx(0.116)
    assert cem.default_share == 0.0 and not cem.defaults_used
    assert clk.consumed_by == (("P2", 950.0),)
    # D.4(b) is a transitional-period source: no flag for 2025, a flag for 2026
    assert not any("D.4(b)" in f for f in r.flags)
    assert any("D.4(b)" in f for f in run(cement_plant(ef), year=2026).flags)


def test_purchased_clinker_default_split_and_markup():
    """Grey clinker bought with the default value of China (row 2523 10 00 90): the mark-up of the
    production year applies to the total column, split as the informative direct/indirect columns:
    direct = total x (1 + p) x d/(d+i); indirect = total x (1 + p) x i/(d+i). 2027: p = 20 %."""
    row = cbam_default("2523100090", "CN")
    assert row.indirect is not None
    inst = Installation(
        name="Grinding station",
        country="CN",
        purchased=(PurchasedPrecursor("PP1", "Grey clinker", "2523100090", "CN", "default"),),
        processes=(
            ProductionProcess(
                "P1",
                "Grinding",
                "Cement",
                ("25232900",),
                1000.0,
                5.0,
                40.0,
                PPA,
                (PrecursorInput("PP1", 700.0),),
            ),
        ),
    )
    total = row.total * (1 + row.markup_percent(2027) / 100)
    assert row.markup_percent(2027) == 20.0
    d_used = total * row.direct / (row.direct + row.indirect)
    i_used = total * row.indirect / (row.direct + row.indirect)
    r = run(inst, year=2027)
    pp = r.purchased_precursor("PP1")
    assert pp.see_direct == pytest.approx(d_used) and pp.see_indirect == pytest.approx(i_used)
    assert pp.see_total == pytest.approx(row.total_with_markup(2027))
    g = r.good("P1")
    assert g.see_direct == pytest.approx(5 / 1000 + 0.7 * d_used)
    assert g.see_indirect == pytest.approx(40 * 0.3 / 1000 + 0.7 * i_used)
    assert g.default_share == pytest.approx(0.7 * total / g.see_total)
    # without the mark-up: the annex columns as printed (here direct + indirect = total)
    plain = run(inst, year=2027, apply_markup=False).purchased_precursor("PP1")
    assert plain.see_direct == pytest.approx(row.total * row.direct / (row.direct + row.indirect))
    assert plain.default is not None and plain.default.markup_percent == 0.0


# ---- (b) steel: purchased actual and default precursors ------------------------------------------
def steel_plant() -> Installation:
    return Installation(
        name="Demo steel",
        country="CN",
        purchased=(
            PurchasedPrecursor(
                "PP1",
                "Pig iron",
                "7201 10 11",
                "CN",
                "default",
                justification="no verification report from the supplier",
            ),
            PurchasedPrecursor(
                "PP2", "Slabs", "72071210", "CN", "actual", 2.0, 0.35, supplier="Supplier A"
            ),
        ),
        processes=(
            ProductionProcess(
                "P1",
                "EAF steelmaking",
                "Crude steel",
                ("72071210",),
                500.0,
                60.0,
                250.0,
                PPA,
                (PrecursorInput("PP1", 200.0),),
            ),
            ProductionProcess(
                "P2",
                "Hot rolling",
                "Iron or steel products",
                ("72082500",),
                1000.0,
                80.0,
                120.0,
                PPA,
                (PrecursorInput("P1", 480.0), PrecursorInput("PP2", 540.0)),
            ),
        ),
    )


def test_steel_actual_and_default_precursors_by_hand():
    """Pig iron: default of China for CN 7201 (row read here), 2026 mark-up 10 %; the annex gives
    no indirect value (Annex II good). Slabs: supplier's actual 2.0 direct, 0.35 indirect.

      d_pig = total_7201 x 1.10
      SEE_EAF,dir = (60 + 200 d_pig)/500;    SEE_EAF,ind = 250 x 0.3/500 = 0.15
      SEE_HRC,dir = (80 + 480 SEE_EAF,dir + 540 x 2.0)/1000
      SEE_HRC,ind = (120 x 0.3 + 480 x 0.15 + 540 x 0.35)/1000 = (36 + 72 + 189)/1000 = 0.297
    Iron and steel of chapter 72 is in Annex II: CBAM-relevant = direct only.
    """
    row = cbam_default("72011011", "CN")
    assert row.cn_code == "7201" and row.indirect is None
    assert row.markup_percent(2026) == 10.0
    d_pig = row.total * 1.10
    r = run(steel_plant(), year=2026)
    eaf, hrc = r.good("P1"), r.good("P2")
    see_eaf = (60 + 200 * d_pig) / 500
    assert eaf.see_direct == pytest.approx(see_eaf, rel=1e-12)
    assert eaf.see_indirect == pytest.approx(0.15, rel=1e-12)
    assert hrc.see_direct == pytest.approx((80 + 480 * see_eaf + 540 * 2.0) / 1000, rel=1e-12)
    assert hrc.see_indirect == pytest.approx(0.297, rel=1e-12)
    assert hrc.annex_ii and hrc.see_indirect_relevant == 0.0
    assert hrc.see_relevant == pytest.approx(hrc.see_direct)
    # the default value reaches the hot-rolled coil through the EAF: 480 x (200 d_pig/500)/1000
    assert [d.precursor for d in hrc.defaults_used] == ["PP1"]
    assert hrc.default_share == pytest.approx(480 * (200 * d_pig / 500) / 1000 / hrc.see_total)
    assert eaf.default_share == pytest.approx(200 * d_pig / 500 / eaf.see_total)
    (use,) = r.defaults_used
    assert use.row is row and use.total_t_per_t == pytest.approx(row.total_with_markup(2026))
    assert any("mark-up" in f for f in r.flags)
    assert any("secondary" in f for f in r.flags)  # the transcribed annex is secondary
    # 2030: the 2028 mark-up (30 %) applies to every later year
    assert run(steel_plant(), year=2030).purchased_precursor("PP1").see_direct == pytest.approx(
        row.total * 1.30
    )
    # before the definitive period: no mark-up, flagged
    early = run(steel_plant(), year=2025)
    assert early.purchased_precursor("PP1").see_direct == pytest.approx(row.total)
    assert any("no mark-up" in f for f in early.flags)


def test_annex_ii_precursor_rules():
    """IR 2025/2547 Annex I point 3.1: an Annex II good (pig iron, 7201) includes the indirect
    emissions of a non-Annex II precursor (sintered ore, 2601 12 00); a non-Annex II good (ammonia)
    does not include those of an Annex II precursor (hydrogen, 2804 10 00).

      pig iron: 150 t sinter (0.2 dir, 0.05 ind) per AL 100 t; own 10 MWh x 0.3
        SEE_ind = (3 + 150 x 0.05)/100 = 0.105; relevant = 150 x 0.05/100 = 0.075 (own excluded)
      ammonia: 180 t hydrogen (9.0 dir, 1.5 ind) per AL 1000 t; own 500 t, 100 MWh x 0.3
        SEE_dir = (500 + 180 x 9)/1000 = 2.12; SEE_ind = (30 + 270)/1000 = 0.3; relevant = 0.03
    """
    iron = Installation(
        name="Iron",
        country="CN",
        purchased=(PurchasedPrecursor("S", "Sinter", "26011200", "CN", "actual", 0.2, 0.05),),
        processes=(
            ProductionProcess(
                "BF",
                "Blast furnace",
                "Pig iron",
                ("72011011",),
                100.0,
                150.0,
                10.0,
                PPA,
                (PrecursorInput("S", 150.0),),
            ),
        ),
    )
    bf = run(iron).good("BF")
    assert bf.see_indirect == pytest.approx(0.105)
    assert bf.see_indirect_relevant == pytest.approx(0.075)
    assert bf.see_relevant == pytest.approx(bf.see_direct + 0.075)
    # rule check (not a realistic flow): a non-Annex II good (sintered ore, AL 1000 t, 20 MWh x
    # 0.3) using 10 t of that pig iron takes none of the pig iron's indirect emissions, not even
    # those it carries from its own sinter: relevant = 6/1000 = 0.006, while the reported
    # SEE_ind = 0.006 + 10/1000 x 0.105 = 0.00705
    plant = Installation(
        **{
            **iron.__dict__,
            "processes": (
                *iron.processes,
                ProductionProcess(
                    "SP",
                    "Sinter plant",
                    "Sintered ore",
                    ("26011200",),
                    1000.0,
                    100.0,
                    20.0,
                    PPA,
                    (PrecursorInput("BF", 10.0),),
                ),
            ),
        }
    )
    sp = run(plant).good("SP")
    assert sp.see_indirect == pytest.approx(0.00705)
    assert sp.see_indirect_relevant == pytest.approx(0.006)
    ammonia = Installation(
        name="Ammonia",
        country="CN",
        purchased=(PurchasedPrecursor("H2", "Hydrogen", "28041000", "CN", "actual", 9.0, 1.5),),
        processes=(
            ProductionProcess(
                "NH3",
                "Ammonia",
                "Ammonia",
                ("28141000",),
                1000.0,
                500.0,
                100.0,
                PPA,
                (PrecursorInput("H2", 180.0),),
            ),
        ),
    )
    nh3 = run(ammonia).good("NH3")
    assert nh3.see_direct == pytest.approx(2.12)
    assert nh3.see_indirect == pytest.approx(0.3)
    assert nh3.see_indirect_relevant == pytest.approx(0.03)
    assert nh3.see_relevant == pytest.approx(2.15)


def test_exempt_precursor_counts_zero():
    """A precursor from the Union or an exempted country counts as zero (2025/2547 Annex III B)."""
    inst = Installation(
        name="X",
        country="CN",
        purchased=(PurchasedPrecursor("EU", "Slabs", "72071210", "DE", "exempt"),),
        processes=(
            ProductionProcess(
                "P",
                "Rolling",
                "Iron or steel products",
                ("72082500",),
                100.0,
                8.0,
                0.0,
                None,
                (PrecursorInput("EU", 105.0),),
            ),
        ),
    )
    r = run(inst)
    assert r.good("P").see_direct == pytest.approx(0.08) and r.good("P").see_indirect == 0.0
    assert any("exempt" in f or "counted as zero" in f for f in r.flags)


# ---- (c) a loop ----------------------------------------------------------------------------------
def test_loop_against_direct_solve():
    """Ammonia (A: AL 100 t, 50 t direct, 20 MWh) uses 10 t of nitric acid; nitric acid
    (B: AL 200 t, 40 t direct, 10 MWh) uses 20 t of ammonia; EF 0.3. Equation (1) for both:
        100 a - 10 b = 50,   -20 a + 200 b = 40      (direct)
        100 a - 10 b = 6,    -20 a + 200 b = 3       (indirect: 20 x 0.3, 10 x 0.3)
    By elimination a_dir = (50 + 10 x 0.2)/(100 - 10 x 0.1) = 52/99, b_dir = 0.2 + 0.1 a_dir."""
    inst = Installation(
        name="Loop",
        country="CN",
        processes=(
            ProductionProcess(
                "A",
                "Ammonia",
                "Ammonia",
                ("28141000",),
                100.0,
                50.0,
                20.0,
                PPA,
                (PrecursorInput("B", 10.0),),
            ),
            ProductionProcess(
                "B",
                "Nitric acid",
                "Nitric acid",
                ("28080000",),
                200.0,
                40.0,
                10.0,
                PPA,
                (PrecursorInput("A", 20.0),),
            ),
        ),
    )
    r = run(inst)
    m = np.array([[100.0, -10.0], [-20.0, 200.0]])
    direct = np.linalg.solve(m, [50.0, 40.0])
    indirect = np.linalg.solve(m, [6.0, 3.0])
    assert direct[0] == pytest.approx(52 / 99, rel=1e-12)
    assert direct[1] == pytest.approx(0.2 + 0.1 * 52 / 99, rel=1e-12)
    for k, pid in enumerate("AB"):
        assert r.good(pid).see_direct == pytest.approx(direct[k], rel=1e-12)
        assert r.good(pid).see_indirect == pytest.approx(indirect[k], rel=1e-12)
        assert r.good(pid).see_relevant == pytest.approx(direct[k] + indirect[k], rel=1e-12)


def test_loop_without_solution_is_refused():
    """Each process consumes all the other's output: T = [[1, -1], [-1, 1]] is singular."""
    inst = Installation(
        name="Perpetual",
        country="CN",
        processes=(
            ProductionProcess(
                "A",
                "A",
                "Ammonia",
                ("28141000",),
                100.0,
                1.0,
                0.0,
                None,
                (PrecursorInput("B", 100.0),),
            ),
            ProductionProcess(
                "B",
                "B",
                "Nitric acid",
                ("28080000",),
                100.0,
                1.0,
                0.0,
                None,
                (PrecursorInput("A", 100.0),),
            ),
        ),
    )
    with pytest.raises(CbamError, match="no solution"):
        run(inst)


# ---- (d) errors ----------------------------------------------------------------------------------
def _one(**kw: object) -> Installation:
    p = dict(
        id="P1",
        name="Kiln",
        category="Cement clinker",
        cn_codes=("25231000",),
        activity_level_t=100.0,
        direct_emissions_t=80.0,
    )
    p.update(kw)
    return Installation(name="Plant", country="CN", processes=(ProductionProcess(**p),))


@pytest.mark.parametrize(
    ("inst", "match"),
    [
        (_one(activity_level_t=0.0), r"process 'P1' \(processes\[0\]\), field 'activity_level_t'"),
        (_one(direct_emissions_t=-1.0), "field 'direct_emissions_t': expected a number >= 0"),
        (_one(cn_codes=("84713000",)), "CN 84713000 is not a CBAM good"),
        (_one(cn_codes=("72022100",)), "excluded from CBAM"),
        (_one(cn_codes=("25231000", "72082500")), "Annex II"),
        (_one(precursors=(PrecursorInput("nope", 1.0),)), "unknown precursor 'nope'"),
        (_one(precursors=(PrecursorInput("P1", 1.0),)), "its own precursor"),
        (_one(electricity_mwh=5.0), "no emission factor"),
        (_one(electricity_mwh=-5.0), "field 'electricity_mwh'"),
        (
            _one(electricity_mwh=5.0, electricity_factor=ElectricityFactor(0.5, "D.9", "x")),
            "source_code",
        ),
        (
            _one(electricity_mwh=5.0, electricity_factor=ElectricityFactor(0.5, "D.4(a)", " ")),
            "not held by greenmfg",
        ),
    ],
)
def test_bad_process_input(inst, match):
    with pytest.raises(CbamError, match=match):
        run(inst)


def test_bad_precursors_and_installation():
    base = _one(precursors=(PrecursorInput("PP1", 10.0),))

    def with_pp(pp: PurchasedPrecursor, **kw: object) -> Installation:
        fields = {**base.__dict__, "purchased": (pp,), **kw}
        return Installation(**fields)

    with pytest.raises(CbamError, match=r"precursors\[0\], field 'amount_t'"):
        run(
            with_pp(
                PurchasedPrecursor("PP1", "x", "72071210", "CN", "actual", 1.0),
                processes=(_one(precursors=(PrecursorInput("PP1", -3.0),)).processes),
            )
        )
    with pytest.raises(CbamError, match="field 'see_direct'"):
        run(with_pp(PurchasedPrecursor("PP1", "x", "72071210", "CN", "actual")))
    with pytest.raises(CbamError, match="field 'see_indirect'"):  # clinker: indirect counts
        run(with_pp(PurchasedPrecursor("PP1", "x", "2523100090", "CN", "actual", 0.8)))
    with pytest.raises(CbamError, match="no CBAM default value held for CN 72071210 from DE"):
        run(with_pp(PurchasedPrecursor("PP1", "x", "72071210", "DE", "default")))
    with pytest.raises(CbamError, match="split in the annex"):
        run(with_pp(PurchasedPrecursor("PP1", "x", "25231000", "CN", "default")))
    with pytest.raises(CbamError, match="determination"):
        bad: Any = "estimated"
        run(with_pp(PurchasedPrecursor("PP1", "x", "72071210", "CN", bad)))
    with pytest.raises(CbamError, match="already used"):
        run(with_pp(PurchasedPrecursor("P1", "x", "72071210", "CN", "exempt")))
    with pytest.raises(CbamError, match="UN/LOCODE"):
        run(Installation(**{**base.__dict__, "unlocode": "SHANGHAI"}))
    with pytest.raises(CbamError, match="is in DE"):
        run(Installation(**{**base.__dict__, "unlocode": "DEHAM"}))
    with pytest.raises(CbamError, match="field 'year'"):
        embedded_emissions(base, cbam_defaults(), goods=cbam_goods(), year=26)


def test_consumption_above_production_is_flagged():
    inst = Installation(
        name="Plant",
        country="CN",
        processes=(
            ProductionProcess("K", "Kiln", "Cement clinker", ("25231000",), 100.0, 80.0),
            ProductionProcess(
                "G",
                "Grinding",
                "Cement",
                ("25232900",),
                200.0,
                2.0,
                precursors=(PrecursorInput("K", 150.0),),
            ),
        ),
    )
    assert any("more than its production" in f for f in run(inst).flags)


# ---- (e) the workbook ----------------------------------------------------------------------------
def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _find(ws, text: str, below: str | None = None) -> list:
    """The first row with a cell containing ``text`` (below the first row containing ``below``)."""
    rows = _rows(ws)
    start = 0
    if below is not None:
        start = next(
            i for i, r in enumerate(rows) if any(isinstance(v, str) and below in v for v in r)
        )
    for row in rows[start:]:
        if any(isinstance(v, str) and text in v for v in row):
            return row
    raise AssertionError(f"{text!r} not found in sheet {ws.title}")


def _workbook(result, lang: str):
    buf = io.BytesIO()
    write_cbam_workbook(result, buf, lang=lang)
    buf.seek(0)
    return load_workbook(buf)


def test_workbook_structure_values_and_sources(tmp_path):
    r = run(steel_plant(), year=2026)
    wb = _workbook(r, "zh")
    assert wb.sheetnames == list(SHEETS)
    assert wb.sheetnames[:8] == [
        "A_InstData",
        "B_EmInst",
        "C_Emissions&Energy",
        "D_Processes",
        "E_PurchPrec",
        "Summary_Processes",
        "Summary_Products",
        "Summary_Communication",
    ]
    # Summary_Products: header with units, one row per CN code, values as computed
    ws = wb["Summary_Products"]
    header = _find(ws, "Production process from which the products arise")
    col = header.index("SEE 直接 direct [tCO2e/t]")
    assert "SEE 间接 indirect [tCO2e/t]" in header and "SEE 合计 total [tCO2e/t]" in header
    row = _find(ws, "P2 Hot rolling")
    hrc = r.good("P2")
    assert row[2] == "72082500"
    assert row[col] == pytest.approx(hrc.see_direct)
    assert row[col + 2] == pytest.approx(hrc.see_total)
    assert row[header.index("默认值排放占比 Share of emissions by default value [-]")] == (
        pytest.approx(hrc.default_share)
    )
    assert row[header.index("电力排放因子来源 Source for electricity EF")] == "D.4.3.2"
    # D_Processes: (a) activity level and (g) DirEm* of the EAF block
    ws = wb["D_Processes"]
    assert _find(ws, "(a) 总产量")[2] == 500.0
    assert _find(ws, "(g) 直接归属排放")[2] == 60.0
    # Summary_Processes, detailed overview: the pig-iron line of the EAF, m = 200/500 = 0.4 t/t,
    # all of it default-based, SEE shown per t of crude steel (0.4 SEE_pig), EmbEm = 200 SEE_pig
    ws = wb["Summary_Processes"]
    header = _find(ws, "质量份额 Mass share [t/t]")
    line = _find(ws, "PP1 Pig iron (CN 72011011)")
    see_pig = r.purchased_precursor("PP1").see_direct
    assert line[1] == "钢铁 iron_and_steel"
    assert line[header.index("质量份额 Mass share [t/t]")] == pytest.approx(0.4)
    assert line[header.index("默认值占比 (Share of) Default value [-]")] == 1.0
    assert line[header.index("SEE 直接 direct [tCO2e/t]")] == pytest.approx(0.4 * see_pig)
    assert line[header.index("EmbEm 直接 direct [tCO2e]")] == pytest.approx(200 * see_pig)
    # E_PurchPrec: the default precursor's SEE (direct) and its source
    ws = wb["E_PurchPrec"]
    see = _find(ws, "(e) i.")
    assert see[2] == pytest.approx(r.purchased_precursor("PP1").see_direct)
    assert "默认值 Default value" in see[3] and "10 %" in see[3]
    # Sources: the default row with document, edition, clause, confidence (coloured), file line
    ws = wb["Sources"]
    header = _find(ws, "来源文件 Source document")
    src = _find(ws, "72011011")
    d = r.defaults_used[0]
    assert src[header.index("来源文件 Source document")] == d.row.source.document
    assert src[header.index("版本 Edition")] == d.row.source.edition
    assert src[header.index("条款 Clause")] == d.row.source.clause
    conf = header.index("可信度 Confidence")
    assert src[conf] == "secondary"
    assert src[header.index("加成 Mark-up [%]")] == 10.0
    assert src[header.index("采用合计 Total used [tCO2e/t]")] == pytest.approx(d.total_t_per_t)
    cell = next(
        c
        for c in ws[next(i for i, rw in enumerate(_rows(ws), 1) if rw == src)]
        if c.value == "secondary"
    )
    assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    assert _find(ws, "D.4.3.2")[4] == PPA.source
    assert _find(ws, "Annex IV points 2-3")  # formula clauses
    # Summary_Communication: English, with the electricity EF
    ws = wb["Summary_Communication"]
    assert _find(ws, "Name of the installation (English name):")[1] == "Demo steel"
    header = _find(ws, "Production process from which the products arise")
    row = _find(ws, "P1 EAF steelmaking", below="2 Summary of products")
    assert row[header.index("SEE (indirect) [tCO2e/t]")] == pytest.approx(0.15)
    assert row[header.index("Electricity EF (tCO2/MWh)")] == 0.3
    assert _find(ws, "Total direct emissions during reporting period:")[2] == pytest.approx(140.0)
    assert "no verification report" in _find(ws, "Justification for use of default values")[2]
    # a path works as well as a buffer
    path = tmp_path / "cbam.xlsx"
    write_cbam_workbook(r, path)
    assert load_workbook(path).sheetnames == list(SHEETS)


def test_workbook_languages():
    r = run(cement_plant(PPA), year=2026)
    zh, en = _workbook(r, "zh"), _workbook(r, "en")
    assert zh.sheetnames == en.sheetnames
    assert _find(zh["Summary_Products"], "SEE 直接 direct [tCO2e/t]")
    assert _find(en["Summary_Products"], "SEE direct 直接 [tCO2e/t]")
    assert _find(zh["A_InstData"], "ii. 设施名称（英文） Name of the installation (English name)")
    assert _find(en["A_InstData"], "ii. Name of the installation (English name) 设施名称（英文）")
    # Summary_Communication is English in both, as in the template
    assert _rows(zh["Summary_Communication"]) == _rows(en["Summary_Communication"])
    with pytest.raises(ValueError, match="lang"):
        write_cbam_workbook(r, io.BytesIO(), lang="fr")


def test_workbook_quotes_formula_like_text():
    inst = cement_plant(PPA)
    inst = Installation(**{**inst.__dict__, "name_en": '=HYPERLINK("http://x")'})
    ws = _workbook(run(inst), "en")["Summary_Communication"]
    assert _find(ws, "Name of the installation (English name):")[1].startswith("'=")

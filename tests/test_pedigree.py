"""Pedigree-matrix uncertainty (ecoinvent data quality guideline v3, Weidema et al. 2013, p. 77
variances as shipped in reference/pedigree_factors.csv). Expected GSDs are worked by hand."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import pytest

from greenmfg.footprint.pedigree import (
    INDICATORS,
    PedigreeError,
    gsd_from_pedigree,
    parse_dq_entry,
    variance_from_gsd,
)
from greenmfg.reference.loader import ReferenceDataError
from greenmfg.reference.pedigree import load_pedigree_factors, pedigree_factors


def test_table_values_as_printed_in_the_guideline_table():
    f = pedigree_factors()
    assert f.variances["reliability"] == (0, 0.0006, 0.002, 0.008, 0.04)
    assert f.variances["completeness"] == (0, 0.0001, 0.0006, 0.002, 0.008)
    assert f.variances["temporal_correlation"] == (0, 0.0002, 0.002, 0.008, 0.04)
    assert f.variances["geographical_correlation"] == (0, 0.000025, 0.0001, 0.0006, 0.002)
    assert f.variances["further_technological_correlation"] == (0, 0.0006, 0.008, 0.04, 0.12)
    assert all(f.sources[name].confidence == "secondary" for name in INDICATORS)


def test_gsd_by_hand():
    """Scores (2;3;4;1;5), basic uncertainty GSD 1.05 (basic variance ln(1.05)^2 = 0.0023805):
    sigma^2 = 0.0023805 + 0.0006 + 0.0006 + 0.008 + 0 + 0.12 = 0.1315805
    GSD = exp(sqrt(0.1315805)) = exp(0.362740) = 1.437250."""
    basic = math.log(1.05) ** 2
    assert variance_from_gsd(1.05) == pytest.approx(basic)
    gsd = gsd_from_pedigree((2, 3, 4, 1, 5), basic, pedigree_factors())
    assert gsd == pytest.approx(
        math.exp(math.sqrt(0.0023805 + 0.0006 + 0.0006 + 0.008 + 0.12)), rel=1e-6
    )
    assert gsd == pytest.approx(1.43725, rel=1e-5)


def test_best_scores_leave_the_basic_uncertainty():
    assert gsd_from_pedigree((1, 1, 1, 1, 1), math.log(1.2) ** 2, pedigree_factors()) == (
        pytest.approx(1.2)
    )
    assert gsd_from_pedigree((1, 1, 1, 1, 1), 0.0, pedigree_factors()) == 1.0


def test_parse_dq_entry():
    assert parse_dq_entry("(1;2;3;4;5)") == (1, 2, 3, 4, 5)
    assert parse_dq_entry(" ( 2; n.a.; 3;1;1 ) ") == (2, 1, 3, 1, 1)
    for bad in ("(1;2;3;4)", "1;2;3;4;5", "(1;2;3;4;6)", "(a;2;3;4;5)"):
        with pytest.raises(PedigreeError, match="data-quality entry"):
            parse_dq_entry(bad)


def test_bad_scores_and_variances():
    with pytest.raises(PedigreeError, match=r"score must be 1\.\.5"):
        gsd_from_pedigree((0, 1, 1, 1, 1), 0.0, pedigree_factors())
    with pytest.raises(PedigreeError, match="basic variance"):
        gsd_from_pedigree((1, 1, 1, 1, 1), -0.1, pedigree_factors())
    with pytest.raises(PedigreeError, match=">= 1"):
        variance_from_gsd(0.9)


def _copy_table(tmp_path: Path, edit) -> Path:
    text = (files("greenmfg") / "reference" / "pedigree_factors.csv").read_text(encoding="utf-8")
    (tmp_path / "pedigree_factors.csv").write_text(edit(text), encoding="utf-8")
    return tmp_path


def test_loader_names_file_line_and_column(tmp_path):
    root = _copy_table(tmp_path, lambda t: t.replace("reliability,3,0.002", "reliability,3,-1", 1))
    with pytest.raises(
        ReferenceDataError, match=r"pedigree_factors.csv, line 4, column 'variance'"
    ):
        load_pedigree_factors(root)
    root = _copy_table(tmp_path, lambda t: t.replace("completeness,5,", "completeness,4,", 1))
    with pytest.raises(ReferenceDataError, match=r"duplicate key \('completeness', 4\)"):
        load_pedigree_factors(root)
    root = _copy_table(
        tmp_path, lambda t: t.replace("reliability,5,0.04", "reliability,5,0.001", 1)
    )
    with pytest.raises(ReferenceDataError, match="decrease with the score"):
        load_pedigree_factors(root)

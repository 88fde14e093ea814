"""The pedigree-matrix table ``pedigree_factors.csv`` (ecoinvent data quality guideline v3,
additional variances of ``ln x`` per indicator and score), read and validated for
:mod:`greenmfg.footprint.pedigree`, which holds the pure formulas."""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from greenmfg.footprint.pedigree import INDICATORS, PedigreeFactors
from greenmfg.reference.loader import ReferenceDataError, _rows
from greenmfg.reference.model import Source

__all__ = ["COLUMNS", "load_pedigree_factors", "pedigree_factors"]

COLUMNS = ("indicator", "score", "variance")


def load_pedigree_factors(root: Traversable | None = None) -> PedigreeFactors:
    """Read and validate ``pedigree_factors.csv`` (the package's own folder by default).

    Every indicator needs scores 1..5 once each, variances >= 0 and not decreasing with the
    score (a worse score never means less uncertainty); errors name the file, line and column.
    """
    root = root or files("greenmfg") / "reference"
    values: dict[str, dict[int, float]] = {}
    sources: dict[str, Source] = {}
    path = "reference/pedigree_factors.csv"
    for row in _rows(root, "pedigree_factors", COLUMNS):
        name = row["indicator"].strip()
        if name not in INDICATORS:
            raise row.fail("indicator", "one of " + ", ".join(INDICATORS))
        text = row["score"].strip()
        if not (text.isdigit() and 1 <= int(text) <= 5):
            raise row.fail("score", "an integer 1..5")
        score = int(text)
        variance = row.number("variance")
        if not (variance >= 0 and math.isfinite(variance)):
            raise row.fail("variance", "a number >= 0")
        seen = values.setdefault(name, {})
        if score in seen:
            raise ReferenceDataError(
                f"{path}, line {row.line}: duplicate key ({name!r}, {score}) (indicator, score)"
            )
        seen[score] = variance
        sources.setdefault(name, row.source())
    table: dict[str, tuple[float, float, float, float, float]] = {}
    for name in INDICATORS:
        got = values.get(name, {})
        missing = [s for s in range(1, 6) if s not in got]
        if missing:
            raise ReferenceDataError(
                f"{path}: indicator {name!r} lacks score(s) {', '.join(map(str, missing))}"
            )
        v = (got[1], got[2], got[3], got[4], got[5])
        if any(b < a for a, b in itertools.pairwise(v)):
            raise ReferenceDataError(
                f"{path}: variances of {name!r} decrease with the score: {v!r}"
            )
        table[name] = v
    return PedigreeFactors(table, sources)


@lru_cache(maxsize=1)
def pedigree_factors() -> PedigreeFactors:
    """The package's pedigree table, loaded once."""
    return load_pedigree_factors()

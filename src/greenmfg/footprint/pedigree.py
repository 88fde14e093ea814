"""Uncertainty of inventory amounts from a pedigree matrix (ecoinvent data quality guideline v3).

An amount is taken as lognormal. Its uncertainty is the *basic* uncertainty of the exchange plus
one additional variance per data-quality indicator, each scored 1 (best) to 5 (worst):
reliability, completeness, temporal, geographical and further technological correlation
(Weidema et al. 2013, "Overview and methodology. Data quality guideline for the ecoinvent
database version 3", the table of default variances, p. 77, shipped as
``reference/pedigree_factors.csv``).

Formula (variances of the *underlying normal distribution*, i.e. of ``ln x``, add up)::

    sigma^2 = sigma_b^2 + sum_i sigma_i^2(score_i)
    GSD     = exp(sigma)

``GSD`` is the geometric standard deviation ``sigma* = exp(sigma)`` as the ecoinvent support
page "How to interpret the uncertainty fields in ecoinvent" defines it (68 % of values within
``median / GSD .. median * GSD``; ``GSD^2`` is the 95 % factor that ecoinvent v2 called the
"uncertainty factor"). openLCA computes the same (its ecoinvent 3 uncertainty patch script:
``var_sum = ln(basic_gsd)^2 + sum(variances); gsd = exp(sqrt(var_sum))``). So
``GSD = exp(sqrt(total variance))``, not ``exp(2 sqrt(...))``.

Everything here is pure; the table is read by :func:`greenmfg.reference.pedigree.pedigree_factors`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from greenmfg.reference.model import Source

#: Indicator names in the order of an openLCA/ecoinvent ``dqEntry`` such as ``(1;2;3;4;5)``.
INDICATORS: tuple[str, ...] = (
    "reliability",
    "completeness",
    "temporal_correlation",
    "geographical_correlation",
    "further_technological_correlation",
)
Scores = tuple[int, int, int, int, int]


class PedigreeError(ValueError):
    """Scores or a data-quality entry that cannot be turned into an uncertainty."""


@dataclass(frozen=True)
class PedigreeFactors:
    """Additional variances of ``ln x`` [-] per indicator, for scores 1..5 (index 0..4)."""

    variances: Mapping[str, tuple[float, float, float, float, float]]
    sources: Mapping[str, Source]

    def variance(self, indicator: str, score: int) -> float:
        """The additional variance of ``indicator`` at ``score`` (1..5) [-]."""
        if indicator not in self.variances:
            raise PedigreeError(
                f"unknown indicator {indicator!r}; expected one of {', '.join(INDICATORS)}"
            )
        if not 1 <= score <= 5:
            raise PedigreeError(f"{indicator}: score must be 1..5, got {score}")
        return self.variances[indicator][score - 1]


def pedigree_variance(scores: Scores, factors: PedigreeFactors) -> float:
    """Sum of the additional variances of the five scores [-] (order of :data:`INDICATORS`)."""
    if len(scores) != len(INDICATORS):
        raise PedigreeError(f"expected {len(INDICATORS)} scores, got {len(scores)}: {scores!r}")
    return sum(factors.variance(name, s) for name, s in zip(INDICATORS, scores, strict=True))


def gsd_from_pedigree(scores: Scores, basic_variance: float, factors: PedigreeFactors) -> float:
    """Geometric standard deviation [-] of an amount with pedigree ``scores``.

    Parameters
    ----------
    scores : (reliability, completeness, temporal, geographical, further technological), 1..5
    basic_variance : variance of ``ln x`` of the basic uncertainty [-] (``ln(GSD_b)^2`` for a
        basic uncertainty given as a GSD, see :func:`variance_from_gsd`)
    factors : the table (:func:`greenmfg.reference.pedigree.pedigree_factors`)

    Returns ``exp(sqrt(basic_variance + sum of the scores' variances))`` (module docstring).
    """
    if not (basic_variance >= 0 and math.isfinite(basic_variance)):
        raise PedigreeError(f"basic variance must be a finite number >= 0, got {basic_variance!r}")
    return math.exp(math.sqrt(basic_variance + pedigree_variance(scores, factors)))


def variance_from_gsd(gsd: float) -> float:
    """Variance of ``ln x`` [-] of a lognormal with geometric standard deviation ``gsd``:
    ``ln(gsd)^2``."""
    if not (gsd >= 1 and math.isfinite(gsd)):
        raise PedigreeError(f"a geometric standard deviation must be >= 1, got {gsd!r}")
    return math.log(gsd) ** 2


_ENTRY = re.compile(r"\(\s*([^;()]+(?:;[^;()]+)*)\s*\)")


def parse_dq_entry(entry: str) -> Scores:
    """Scores of an openLCA data-quality entry such as ``"(1;2;3;4;5)"``.

    ``n.a.`` (openLCA's "not assessed") counts as score 1, i.e. adds no variance, as openLCA's
    ecoinvent uncertainty script skips it. Raises :class:`PedigreeError` for anything else.
    """
    m = _ENTRY.fullmatch(entry.strip())
    parts = [p.strip() for p in m.group(1).split(";")] if m else []
    if len(parts) != len(INDICATORS):
        raise PedigreeError(
            f"data-quality entry {entry!r}: expected five scores like '(1;2;3;4;5)'"
        )
    out: list[int] = []
    for p in parts:
        if p.lower() in ("n.a.", "na", "n/a"):
            out.append(1)
        elif p.isdigit() and 1 <= int(p) <= 5:
            out.append(int(p))
        else:
            raise PedigreeError(f"data-quality entry {entry!r}: score {p!r} is not 1..5 or n.a.")
    return (out[0], out[1], out[2], out[3], out[4])


__all__ = [
    "INDICATORS",
    "PedigreeError",
    "PedigreeFactors",
    "Scores",
    "gsd_from_pedigree",
    "parse_dq_entry",
    "pedigree_variance",
    "variance_from_gsd",
]

"""Data-quality ratings (DQR) of a product footprint, as PACT asks for them.

PACT Technical Specifications v3.0, ``DataQualityIndicators`` (PACT Methodology v3 section 4.2.3):
the technological, geographical and temporal representativeness of the sources used are each rated
1 (best) to 5, and the footprint's rating per indicator is the *weighted average of all inputs*.
PACT v2.x rated five indicators (the three plus completeness and reliability) from 1 to 3 over the
inputs above 5 % of the PCF, with a ``coveragePercent``; the two scales are not convertible
(PACT v3.0, ``DataQualityIndicators``), so greenmfg keeps the v3 scale and exchanges ratings in v3
only. Completeness and reliability may still be rated (on the same 1-5 scale) for the report.

Here an "input" is a column of the product system (a unit process with its direct emissions, or a
purchased footprint) and its weight is its contribution to the studied product's footprint
(:attr:`greenmfg.footprint.contribution.Contributions.by_process`) [kg CO2e per unit]:

    DQR_k     = sum_{i in A} w_i * r_ik / sum_{i in A} w_i
    coverage  = 100 * sum_{i in A} w_i / PCF

where ``A`` is the set of columns that carry ratings and whose contribution exceeds
``threshold * PCF`` (v3: threshold 0, every input; v2's rule is ``threshold=0.05``). Columns above
the threshold without ratings stay out of ``A`` (they lower the coverage and are listed as
``unrated``). Negative contributions (credits) are not emissions and are never in ``A``. The
wording of each score of the methodology's data quality matrix is not held here (the methodology
document was not seen); the ratings are the user's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "DQR_INDICATORS",
    "PACT_INDICATORS",
    "DataQuality",
    "DataQualityError",
    "check_dqr",
    "data_quality",
]

#: the indicators that may be rated (``<name>DQR`` in the PACT documents)
DQR_INDICATORS: tuple[str, ...] = (
    "technological",
    "temporal",
    "geographical",
    "completeness",
    "reliability",
)
#: the indicators PACT v3.0 requires
PACT_INDICATORS: tuple[str, ...] = ("technological", "temporal", "geographical")
#: the rating scale of PACT v3.0 (1 best .. 5)
DQR_MIN, DQR_MAX = 1.0, 5.0
#: PACT v3: the weighted average runs over all inputs
PACT_THRESHOLD = 0.0


class DataQualityError(ValueError):
    """Ratings that are not PACT DQRs; the message names the place and the indicator."""


def check_dqr(dqr: Mapping[str, float], where: str) -> dict[str, float]:
    """``dqr`` as a plain dict after checking it: empty (not assessed), or at least the three PACT
    v3 indicators (completeness and reliability optional), each a number from 1 to 5."""
    if not dqr:
        return {}
    unknown = sorted(set(dqr) - set(DQR_INDICATORS))
    if unknown:
        raise DataQualityError(
            f"{where}: unknown data-quality indicator(s) {', '.join(unknown)}; expected "
            + ", ".join(DQR_INDICATORS)
        )
    missing = [k for k in PACT_INDICATORS if k not in dqr]
    if missing:
        raise DataQualityError(
            f"{where}: data-quality ratings need {', '.join(PACT_INDICATORS)}; missing "
            + ", ".join(missing)
        )
    out: dict[str, float] = {}
    for k in DQR_INDICATORS:
        if k not in dqr:
            continue
        v = dqr[k]
        ok = isinstance(v, int | float) and not isinstance(v, bool)
        if not ok or not DQR_MIN <= float(v) <= DQR_MAX:
            raise DataQualityError(f"{where}: {k} rating {v!r}: expected a number from 1 to 5")
        out[k] = float(v)
    return out


@dataclass(frozen=True)
class DataQuality:
    """The data-quality ratings of one footprint.

    Attributes
    ----------
    ratings : mapping indicator -> DQR [1..5]
        Empty when no assessed column carries ratings.
    coverage : float
        Share of the footprint included in the assessment [%].
    assessed : tuple of int
        Columns included (above the threshold and rated).
    unrated : tuple of int
        Columns above the threshold without ratings.
    threshold : float
        Share of the footprint above which a column is assessed [-].
    """

    ratings: Mapping[str, float]
    coverage: float
    assessed: tuple[int, ...]
    unrated: tuple[int, ...]
    threshold: float

    def pact(self) -> dict[str, float] | None:
        """PACT v3.0 ``DataQualityIndicators`` (``<indicator>DQR`` of the three required
        indicators, rounded to two decimals), or None when they are not all rated."""
        if not all(k in self.ratings for k in PACT_INDICATORS):
            return None
        return {f"{k}DQR": round(self.ratings[k], 2) for k in PACT_INDICATORS}


def data_quality(
    contributions: Sequence[float],
    ratings: Sequence[Mapping[str, float]],
    *,
    threshold: float = PACT_THRESHOLD,
) -> DataQuality:
    """Contribution-weighted DQRs of one footprint (formula in the module docstring).

    Parameters
    ----------
    contributions : sequence of float
        Contribution of each column to the footprint [kg CO2e per unit]; they sum to the PCF.
    ratings : sequence of mapping
        Ratings of each column (empty when not assessed), as checked by :func:`check_dqr`.
    threshold : float
        Share of the PCF above which a column is assessed [-] (PACT v3: 0, all inputs; v2: 0.05).
    """
    if len(contributions) != len(ratings):
        raise DataQualityError(f"{len(ratings)} ratings for {len(contributions)} columns")
    if not 0.0 <= threshold < 1.0:
        raise DataQualityError(f"threshold {threshold}: expected a share from 0 to 1")
    total = float(sum(contributions))
    if total <= 0.0:
        return DataQuality({}, 0.0, (), (), threshold)
    assessed: list[int] = []
    unrated: list[int] = []
    for i, (w, r) in enumerate(zip(contributions, ratings, strict=True)):
        if w <= 0 or w <= threshold * total:
            continue
        (assessed if r else unrated).append(i)
    weight = sum(float(contributions[i]) for i in assessed)
    result: dict[str, float] = {}
    for k in DQR_INDICATORS:
        rated = [i for i in assessed if k in ratings[i]]
        w = sum(float(contributions[i]) for i in rated)
        if w > 0 and len(rated) == len(assessed):  # an indicator some inputs lack is not averaged
            result[k] = sum(float(contributions[i]) * ratings[i][k] for i in rated) / w
    return DataQuality(result, 100.0 * weight / total, tuple(assessed), tuple(unrated), threshold)

"""Evaluations against policy schemes (pure domain core): green factories (GB/T 36132) and
zero-carbon-factory readiness. The schemes are reference data; these modules only score."""

from greenmfg.evaluation.green_factory import (
    Evaluation,
    EvaluationError,
    Indicator,
    Level,
    MetricValue,
    Scheme,
    evaluate,
)
from greenmfg.evaluation.zero_carbon import Criterion, Readiness, assess

__all__ = [
    "Criterion",
    "Evaluation",
    "EvaluationError",
    "Indicator",
    "Level",
    "MetricValue",
    "Readiness",
    "Scheme",
    "assess",
    "evaluate",
]

"""Oversight aggregations: inventories, energy and the 2030 target indicators by region, industry,
park and year, benchmark-class distributions and trends.

Each function takes Narwhals lazy frames with the columns of :mod:`greenmfg.analytics.schema` and
returns a lazy frame, so the same code runs on DuckDB and on Spark
(:mod:`greenmfg.analytics.engine`). Groupings:

- regions by the GB/T 2260 code structure: ``province_code`` = first two digits + ``0000``,
  ``city_code`` = first four digits + ``00`` (the nation is the empty grouping);
- industries by the GB/T 4754-2017 code structure: ``industry_section`` (letter),
  ``industry_division`` (letter + 2 digits), ``industry_group`` (+1), ``industry_code`` (class);
- ``park_id`` and ``year``.

Target indicators (the 2030 targets of the MIIT et al. *Guiding Opinions on Accelerating the
Green Development of Manufacturing*, 2024, held in ``reference/policy_targets.csv``):

- ``green_factory_output_share`` [%]: output value of enterprises holding a green-factory title
  (any level, awarded in or before the year) over the output value of manufacturing (section C);
- ``bulk_solid_waste_utilisation`` [%]: solid waste utilised over generated;
- ``aluminium_renewable_share`` [%]: renewable electricity over electricity of the enterprises that
  produce electrolytic aluminium (electricity is the energy of electrolysis; other renewable
  energy is not in the data);
- ``short_process_steel_share`` [%]: EAF steel over crude steel;
- ``recycled_resources`` [Mt]: main recycled resources processed.

A ratio whose denominator is zero in a group is null (no data), never zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw

from greenmfg.units import conversion_factor

__all__ = [
    "GROUPINGS",
    "INDICATORS",
    "benchmark_distribution",
    "inventory_by",
    "target_indicators",
    "trends",
    "with_hierarchy",
]

LazyFrame = nw.LazyFrame[Any]

#: grouping columns the functions accept
GROUPINGS = (
    "province_code",
    "city_code",
    "region_code",
    "industry_section",
    "industry_division",
    "industry_group",
    "industry_code",
    "park_id",
    "year",
)
INDICATORS = (
    "green_factory_output_share",
    "bulk_solid_waste_utilisation",
    "aluminium_renewable_share",
    "short_process_steel_share",
    "recycled_resources",
)
MANUFACTURING = "C"  # GB/T 4754-2017 section C 制造业
#: the sums the target indicators are ratios of
TARGET_INPUTS = (
    "mfg_output",
    "green_output",
    "solid_waste_generated_t",
    "solid_waste_utilised_t",
    "al_electricity",
    "al_renewable",
    "steel_t",
    "eaf_steel_t",
    "recycled_resources_t",
)


def with_hierarchy(enterprises: LazyFrame) -> LazyFrame:
    """``enterprises`` with the region and industry levels derived from their codes."""
    code = nw.col("region_code")
    ind = nw.col("industry_code")
    return enterprises.with_columns(
        province_code=nw.concat_str([code.str.slice(0, 2), nw.lit("0000")]),
        city_code=nw.concat_str([code.str.slice(0, 4), nw.lit("00")]),
        industry_section=ind.str.slice(0, 1),
        industry_division=ind.str.slice(0, 3),
        industry_group=ind.str.slice(0, 4),
    )


def _check(by: Sequence[str]) -> list[str]:
    unknown = [b for b in by if b not in GROUPINGS]
    if unknown:
        raise ValueError(f"unknown grouping(s) {unknown}; expected some of {', '.join(GROUPINGS)}")
    return list(by)


def _joined(annual: LazyFrame, enterprises: LazyFrame) -> LazyFrame:
    return annual.join(with_hierarchy(enterprises), on="enterprise_id", how="inner")


def _ratio(num: nw.Expr, den: nw.Expr, scale: float = 1.0) -> nw.Expr:
    """``num / den * scale``, null where ``den`` is zero."""
    return nw.when(den != 0).then(num / den * scale).otherwise(None)


def inventory_by(
    annual: LazyFrame, enterprises: LazyFrame, by: Sequence[str] = ("year",)
) -> LazyFrame:
    """Totals and intensities per group.

    Columns: the groupings, ``enterprises`` (count), ``output_value_10k_cny``,
    ``value_added_10k_cny``, ``energy_tce``, ``emissions_tco2e``, ``electricity_kwh``,
    ``renewable_electricity_kwh`` (sums), ``energy_per_value_added`` [tce / 10^4 CNY] and
    ``emissions_per_value_added`` [t CO2e / 10^4 CNY] (ratios of the sums).
    """
    keys = _check(by)
    sums = [
        "output_value_10k_cny",
        "value_added_10k_cny",
        "energy_tce",
        "emissions_tco2e",
        "electricity_kwh",
        "renewable_electricity_kwh",
    ]
    grouped = (
        _joined(annual, enterprises)
        .group_by(*keys)
        .agg(
            nw.col("enterprise_id").n_unique().alias("enterprises"),
            *[nw.col(c).sum() for c in sums],
        )
    )
    return grouped.with_columns(
        energy_per_value_added=_ratio(nw.col("energy_tce"), nw.col("value_added_10k_cny")),
        emissions_per_value_added=_ratio(nw.col("emissions_tco2e"), nw.col("value_added_10k_cny")),
    ).sort(*keys)


def target_indicators(
    annual: LazyFrame, enterprises: LazyFrame, by: Sequence[str] = ("year",)
) -> LazyFrame:
    """The five 2030 target indicators per group (definitions in the module docstring); ``year``
    must be among the groupings (titles count from the year they were awarded)."""
    keys = _check(by)
    if "year" not in keys:
        raise ValueError("target indicators are per year: include 'year' in the groupings")
    t_to_mt = conversion_factor("t", "Mt")
    manufacturing = nw.col("industry_section") == MANUFACTURING
    green = (
        manufacturing & ~nw.col("green_level").is_null() & (nw.col("green_since") <= nw.col("year"))
    )
    aluminium = nw.col("aluminium_t") > 0
    zero = nw.lit(0.0)
    parts = (
        _joined(annual, enterprises)
        .with_columns(
            mfg_output=nw.when(manufacturing).then(nw.col("output_value_10k_cny")).otherwise(zero),
            green_output=nw.when(green).then(nw.col("output_value_10k_cny")).otherwise(zero),
            al_electricity=nw.when(aluminium).then(nw.col("electricity_kwh")).otherwise(zero),
            al_renewable=nw.when(aluminium)
            .then(nw.col("renewable_electricity_kwh"))
            .otherwise(None),
        )
        .group_by(*keys)
        .agg(
            *[nw.col(c).sum() for c in TARGET_INPUTS],
            # non-null counts: a column nobody reported sums to 0, which must read "no data"
            *[nw.col(c).count().alias(f"{c}__n") for c in TARGET_INPUTS],
        )
    )
    parts = parts.with_columns(
        *[
            nw.when(nw.col(f"{c}__n") > 0).then(nw.col(c)).otherwise(None).alias(c)
            for c in TARGET_INPUTS
        ]
    ).drop(*[f"{c}__n" for c in TARGET_INPUTS])
    return parts.with_columns(
        green_factory_output_share=_ratio(nw.col("green_output"), nw.col("mfg_output"), 100.0),
        bulk_solid_waste_utilisation=_ratio(
            nw.col("solid_waste_utilised_t"), nw.col("solid_waste_generated_t"), 100.0
        ),
        aluminium_renewable_share=_ratio(nw.col("al_renewable"), nw.col("al_electricity"), 100.0),
        short_process_steel_share=_ratio(nw.col("eaf_steel_t"), nw.col("steel_t"), 100.0),
        recycled_resources=nw.col("recycled_resources_t") * t_to_mt,
    ).sort(*keys)


def benchmark_distribution(
    lines: LazyFrame, enterprises: LazyFrame, by: Sequence[str] = ("year",)
) -> LazyFrame:
    """Production lines per benchmark class: columns the groupings, ``indicator_id``,
    ``position``, ``lines`` (count), ``output`` (sum, in the indicator's unit) and
    ``output_share`` [%] of the group and indicator's output."""
    keys = _check(by)
    joined = lines.join(with_hierarchy(enterprises), on="enterprise_id", how="inner")
    counts = joined.group_by(*keys, "indicator_id", "position").agg(
        nw.col("enterprise_id").count().alias("lines"), nw.col("output").sum()
    )
    return counts.with_columns(
        output_share=_ratio(
            nw.col("output"), nw.col("output").sum().over(*keys, "indicator_id"), 100.0
        )
    ).sort(*keys, "indicator_id", "position")


def trends(totals: LazyFrame, by: Sequence[str] = ()) -> LazyFrame:
    """Year-on-year change and peak of emissions per group, from :func:`inventory_by` output that
    includes ``year``.

    Adds ``emissions_yoy`` and ``intensity_yoy`` [%] (change from the previous year of the group;
    null for its first year), ``peak_emissions`` (the group's maximum) and ``peak_year`` (the
    year of that maximum; the latest if tied), and ``below_peak`` (the year's emissions are under
    the peak, i.e. the group has passed it by that year).
    """
    keys = _check(by)
    if "year" in keys:
        raise ValueError("trends run over the years: leave 'year' out of the groupings")
    part = keys or None

    def over(e: nw.Expr, **kw: Any) -> nw.Expr:
        if part:
            return e.over(*part, **kw)
        return e.over(**kw) if kw else e  # a whole-frame aggregate broadcasts

    prev_e = over(nw.col("emissions_tco2e").shift(1), order_by="year")
    prev_i = over(nw.col("emissions_per_value_added").shift(1), order_by="year")
    peak = over(nw.col("emissions_tco2e").max())
    with_peak = totals.with_columns(
        emissions_yoy=_ratio(nw.col("emissions_tco2e") - prev_e, prev_e, 100.0),
        intensity_yoy=_ratio(nw.col("emissions_per_value_added") - prev_i, prev_i, 100.0),
        peak_emissions=peak,
    )
    at_peak = nw.when(nw.col("emissions_tco2e") == nw.col("peak_emissions")).then(nw.col("year"))
    return (
        with_peak.with_columns(peak_year=over(at_peak.max()))
        .with_columns(below_peak=nw.col("emissions_tco2e") < nw.col("peak_emissions"))
        .sort(*keys, "year")
    )

"""The tables the analytics layer reads (Parquet files or any lazy frame with these columns).

Units are fixed per column (named in the column or below) and converted *before* data enters the
engine (greenmfg's pint registry, :mod:`greenmfg.units`), so every aggregation is a plain sum or
ratio. Codes follow the national standards: regions GB/T 2260 (six digits: province ``PP0000``,
prefecture city ``PPCC00``, county ``PPCCXX``), industries GB/T 4754-2017 (section letter, then
division ``C30``, group ``C301``, class ``C3011``).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ANNUAL",
    "ENTERPRISES",
    "LINES",
    "METERS",
    "PARKS",
    "READINGS",
    "READINGS_OPTIONAL",
    "TABLES",
]

#: one row per enterprise
ENTERPRISES: Mapping[str, str] = {
    "enterprise_id": "int64",
    "name": "string",
    "region_code": "string",  # GB/T 2260, six digits (county or city)
    "industry_code": "string",  # GB/T 4754-2017 class, e.g. C3011
    "park_id": "int64?",  # null: not in a park
    "green_level": "string?",  # municipal | provincial | national | null
    "green_since": "int32?",  # year the (highest) green-factory title was awarded
}
#: one row per industrial park
PARKS: Mapping[str, str] = {
    "park_id": "int64",
    "name": "string",
    "region_code": "string",
}
#: one row per enterprise and year (activity data already accounted)
ANNUAL: Mapping[str, str] = {
    "enterprise_id": "int64",
    "year": "int32",
    "output_value_10k_cny": "float64",  # gross industrial output value [10^4 CNY, 万元]
    "value_added_10k_cny": "float64",  # industrial value added [10^4 CNY]
    "energy_tce": "float64",  # comprehensive energy consumption, GB/T 2589 [tce]
    "emissions_tco2e": "float64",  # scope 1 + scope 2 (location-based) [t CO2e]
    "electricity_kwh": "float64",  # electricity consumed [kWh]
    "renewable_electricity_kwh": "float64",  # of which renewable (green certificates, own PV) [kWh]
    "solid_waste_generated_t": "float64",  # bulk industrial solid waste generated [t]
    "solid_waste_utilised_t": "float64",  # of which comprehensively utilised [t]
    "aluminium_t": "float64",  # electrolytic (primary) aluminium produced [t]
    "steel_t": "float64",  # crude steel produced [t]
    "eaf_steel_t": "float64",  # of which by short process (electric arc furnace) [t]
    "recycled_resources_t": "float64",  # main recycled resources processed [t]
}
#: one row per production line, year: its class against the benchmark and base levels
LINES: Mapping[str, str] = {
    "enterprise_id": "int64",
    "year": "int32",
    "indicator_id": "string",  # row of reference/benchmark_levels.csv
    "position": "string",  # at_benchmark | between | below_base | unknown
    "output": "float64",  # the line's output in the indicator's product unit
}
#: one row per energy meter
METERS: Mapping[str, str] = {
    "meter_id": "string",
    "enterprise_id": "int64",
    "site": "string",
    "workshop": "string?",  # null: a site's main meter
    "carrier": "string",  # electricity | natural_gas | steam | heat | water …
    "unit": "string",  # unit of the readings (pint, e.g. kWh, m3, GJ, t)
    "parent_meter_id": "string?",  # the main meter a sub-meter hangs under
    "interval_minutes": "int32",  # 15 or 60
}
#: one row per meter reading: consumption in the interval ending at ``ts`` (local time, UTC+8)
READINGS: Mapping[str, str] = {
    "meter_id": "string",
    "ts": "timestamp",
    "value": "float64",  # in the meter's unit
}
#: optional columns of readings: ``seq``, the arrival order (a CSV's line number), which the
#: ``clock_backwards`` validation rule needs (greenmfg.analytics.meters)
READINGS_OPTIONAL: Mapping[str, str] = {"seq": "int64"}
TABLES: Mapping[str, Mapping[str, str]] = {
    "enterprises": ENTERPRISES,
    "parks": PARKS,
    "annual": ANNUAL,
    "lines": LINES,
    "meters": METERS,
    "readings": READINGS,
}

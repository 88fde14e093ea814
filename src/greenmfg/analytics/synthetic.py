"""Deterministic synthetic national dataset for the analytics layer, written as Parquet.

:func:`generate` writes the tables of :mod:`greenmfg.analytics.schema` (exact column names and
Arrow types) from the demo-park scale up to 400,000 enterprises, and meter readings up to about
100 million rows, in bounded memory: the enterprise-level tables are a few columns of at most a few
million rows, and readings are streamed to ``readings/part-*.parquet`` one chunk of meters at a
time (:class:`pyarrow.parquet.ParquetWriter`), written by a second thread while the next chunk is
drawn.

**Everything here is synthetic.** The figures are test and benchmark data with plausible shapes;
none is a statistic, and none may be presented as one. The only real data used are codes and the
reference tables that give them meaning: GB/T 2260 region codes (``regions.csv``, and the
prefecture/county codes of ``places.csv``), GB/T 4754-2017 industry codes (``industries.csv``),
the indicators and levels of ``benchmark_levels.csv``, the MEE/NBS average grid-emission factors
(``electricity_factors.csv``: location-based scope 2) and the GB/T 2589 equivalent-value coefficient
of electricity (``energy_coefficients.csv``: kWh to tce). Enterprise and park names are
``模拟企业 000001`` / ``模拟园区 0001``.

Modelling assumptions (all synthetic, chosen only to look plausible)
---------------------------------------------------------------------
* **Places.** Provinces are drawn with weights by grid region (east 3, north 2, central 1.6,
  south 1.4, northeast and southwest 1, northwest 0.6 per province). Within a province an
  enterprise or park gets one of the province's prefecture/county codes held in ``places.csv``
  (its leaves: counties, and prefectures without a listed county) or, where none is held, the
  province code itself (``PP0000``). ``Scale.region`` restricts everything to one province or one
  prefecture. Half of the enterprises of a province with parks are in one (parks of lognormal
  attractiveness); an enterprise in a park has the park's region code.
* **Industries.** Counts weighted toward manufacturing divisions C13-C43 (about 97 %; the rest
  mining, section B). Within a division, the classes of ``industries.csv`` get a share and the
  rest keep the division code, so every ``industry_code`` is a code of ``industries.csv``.
* **Size.** Gross output value in the first year [10^4 CNY] = 2000 + lognormal (median by
  industry, sigma 1.1): heavy-tailed, above a designated-size floor of 2000.
* **Energy.** Comprehensive energy [tce] = output x intensity by industry [tce/10^4 CNY] (steel,
  iron, cement, glass, non-ferrous, chemicals, refining high; electronics, machinery, garments low)
  x a persistent enterprise factor (lognormal, sigma 0.35) x the province's intensity trend x
  yearly noise; green factories use 8 % less from the year of their title. Electricity is a share
  of energy by industry converted at the reference equivalent value (0.1229 kgce/kWh); the rest is
  fossil fuel.
* **Trends.** Each province has an output growth rate (3-7 %/yr) and an energy path that peaks in
  a province-specific year: about a third of provinces peak in 2021-2024, the others in 2026-2030;
  intensity (energy per output) falls every year in every province.
* **Emissions** [t CO2e] = fossil tce x a fossil-mix factor by industry (2.0-2.7 tCO2/tce, from
  gas-rich to coal-based mixes) + electricity x the MEE/NBS average factor of the province and
  year (else its grid region, else the nation; the latest published year not after the data
  year, the earliest for earlier years) + process emissions as a ratio to energy (cement clinker,
  glass, aluminium anodes, chemicals).
* **Green factories** (manufacturing only): titles are given in an order favouring large
  enterprises until the titled enterprises hold 10 % of the manufacturing output value in 2020,
  rising by 6.25 points a year to 35 % in 2024 (clipped to 5-40 % for other years); titles before
  the first year are dated up to three years earlier. Levels: national, provincial, municipal
  (large enterprises more often national).
* **Solid waste** [t] mostly from mining, iron and steel, non-ferrous, non-metallic minerals,
  chemicals; utilisation about 50-60 % of the total, rising by 1.5 points a year.
* **Products.** Aluminium (``aluminium_t``) only for class C3216 (铝冶炼): output value / 1.85
  [10^4 CNY/t]; its electricity is the potlines' AC consumption per tonne (drawn around the
  benchmark and base levels of ``al_liquid_ac_power``) + 4 % auxiliaries; renewable share 8-25 %
  rising 1.5 points a year (other enterprises: 40 % have 1-15 %). Crude steel only for C3120
  (炼钢): output value / 0.30; 25 % are (smaller) EAF mills (EAF share 90-100 %), the rest BF-BOF
  with a small EAF share (mean 4 %, rising 1 point a year): about 9 % of tonnage by EAF in
  2020, 12-13 % in 2024. Recycled resources only for C42 (废弃资源综合利用业): output value / 0.3.
* **Lines** (``lines.parquet``): enterprises of the classes that have sourced benchmark and base
  levels (cement C3011, flat glass C3041, iron C3110, steel C3120, aluminium C3216, alkalis C2612,
  organic chemicals C2614) run one or two lines, each with a latent specific consumption
  ``benchmark + (base - benchmark) x x``, ``x ~ N(0.5, 0.45)`` improving by 0.06 a year: about
  14 % at benchmark, 70 % between, 13 % below base and 3 % unknown in the first year; 27 %, 63 %,
  5 % and 3 % in the fifth.
* **Meters** of a sample of enterprises, drawn with probability growing with their electricity
  (the key energy users that report online): one or two sites, each with a main electricity meter
  and 2-6 workshop sub-meters, ``meters = round(enterprises x meters_per_enterprise)``
  (the last site may be cut short). The main meter of a site with sub-meters reads their sum
  divided by ``1 - loss``, the loss (transformers, lines, unmetered loads) being 1.3-2.7 % per site
  plus +-0.3 % per interval, so always within 1-3 %. Workshops run a continuous, two-shift or
  one-shift load shape with weekends, a per-day factor (sigma 4 %) and per-reading noise
  (5 %); the period starts on 1 January of the last year, local time (UTC+8), ``ts`` is the end
  of the interval.
* **Faults** (listed in ``faults.parquet``: ``meter_id``, ``ts``, ``kind``): for ``M >= 10``
  meters, ``max(1, round(0.004 M))`` events of each kind, each on a different meter:
  ``duplicate`` (a row repeated), ``negative`` (a value's sign flipped), ``spike`` (a value x
  20-50), ``gap`` (:data:`GAP_INTERVALS` consecutive readings missing, listed by their nominal
  ``ts``) and ``clock_shift`` (a day of readings, at most half the period, stamped
  :data:`CLOCK_SHIFT_MINUTES` minutes late: off the grid; listed by the shifted ``ts``). A
  validation sees spikes as implausible values and clock shifts as misaligned timestamps.

Determinism: every table comes from :class:`numpy.random.SeedSequence` streams keyed by ``seed``
and a stream number (readings: by enterprise), so the same seed gives the same bytes and the
content does not depend on ``chunk_meters``; files carry no timestamps. Codes and levels come from
the reference data of the installed greenmfg version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from greenmfg.analytics.schema import TABLES
from greenmfg.reference.loader import get_reference
from greenmfg.reference.model import ReferenceData

__all__ = [
    "CLOCK_SHIFT_MINUTES",
    "FAULTS",
    "FAULT_KINDS",
    "GAP_INTERVALS",
    "LOSS_BAND",
    "SCALES",
    "Scale",
    "arrow_schema",
    "fault_count",
    "generate",
    "readings_rows",
]

Progress = Callable[[str, int, int], None]

#: columns of ``faults.parquet`` (not an analytics table: the answer key of the injected faults)
FAULTS: Mapping[str, str] = {"meter_id": "string", "ts": "timestamp", "kind": "string"}
FAULT_KINDS: tuple[str, ...] = ("duplicate", "negative", "spike", "gap", "clock_shift")
FAULT_RATE = 0.004  # events of each kind per meter
GAP_INTERVALS = 4  # readings missing per gap
CLOCK_SHIFT_MINUTES = 7  # off the 5/10/15/30/60-minute grid
#: main-meter loss band: sum(sub-meters) = main x (1 - loss), loss within these bounds [-]
LOSS_BAND: tuple[float, float] = (0.01, 0.03)

_WRITE = {"compression": "zstd", "write_statistics": True, "store_schema": False}
_MAX_SUBS = 6
_CHUNK_ROWS = 2_000_000  # readings drawn per chunk by default


# =================================================================================================
# Scales
# =================================================================================================
@dataclass(frozen=True, kw_only=True)
class Scale:
    """Size of a synthetic dataset.

    Attributes
    ----------
    enterprises : int
        Number of enterprises.
    years : tuple of int
        Years of ``annual`` and ``lines`` (readings cover ``meter_days`` from 1 January of the
        last one).
    parks : int
        Number of industrial parks.
    meters_per_enterprise : float
        Meters per enterprise over the whole population (< 1: only a sample has meters);
        ``meters = round(enterprises x meters_per_enterprise)``.
    meter_days : int
        Days of readings per meter.
    interval_minutes : int
        Reading interval [min]: 5, 10, 15, 30 or 60.
    region : str or None
        A GB/T 2260 province (``320000``) or prefecture (``320500``) code to keep every enterprise
        in; ``None``: the whole mainland.
    """

    enterprises: int
    years: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024)
    parks: int
    meters_per_enterprise: float
    meter_days: int
    interval_minutes: int = 15
    region: str | None = None

    def __post_init__(self) -> None:
        if self.enterprises < 1:
            raise ValueError(f"Scale.enterprises: expected at least 1, got {self.enterprises}")
        if not self.years or list(self.years) != sorted(set(self.years)):
            raise ValueError(f"Scale.years: expected increasing distinct years, got {self.years}")
        if self.parks < 0:
            raise ValueError(f"Scale.parks: expected 0 or more, got {self.parks}")
        if not 0 <= self.meters_per_enterprise <= 8:
            raise ValueError(
                "Scale.meters_per_enterprise: expected 0 to 8 (a sampled enterprise has at most "
                f"{2 * (1 + _MAX_SUBS)} meters), got {self.meters_per_enterprise}"
            )
        if self.meter_days < 1:
            raise ValueError(f"Scale.meter_days: expected at least 1, got {self.meter_days}")
        if self.interval_minutes not in (5, 10, 15, 30, 60):
            raise ValueError(
                f"Scale.interval_minutes: expected 5, 10, 15, 30 or 60, got {self.interval_minutes}"
            )

    @property
    def meters(self) -> int:
        """Number of meters written."""
        return round(self.enterprises * self.meters_per_enterprise)

    @property
    def intervals(self) -> int:
        """Readings per meter before faults."""
        return self.meter_days * (1440 // self.interval_minutes)


#: presets: the demo park (苏州), a city (苏州), a province (江苏) and the nation (readings: about
#: 100 million rows)
SCALES: Mapping[str, Scale] = {
    "demo": Scale(
        enterprises=30, parks=1, meters_per_enterprise=1.0, meter_days=7, region="320500"
    ),
    "city": Scale(
        enterprises=5_000, parks=12, meters_per_enterprise=0.2, meter_days=30, region="320500"
    ),
    "province": Scale(
        enterprises=40_000, parks=100, meters_per_enterprise=0.05, meter_days=30, region="320000"
    ),
    "national": Scale(
        enterprises=400_000, parks=2_500, meters_per_enterprise=0.0868, meter_days=30
    ),
}


def fault_count(meters: int) -> int:
    """Injected events of each kind for ``meters`` meters (0 below 10 meters)."""
    return 0 if meters < 10 else max(1, round(FAULT_RATE * meters))


def _gap_len(intervals: int) -> int:
    return min(GAP_INTERVALS, intervals // 4)


def _shift_len(intervals: int, per_day: int) -> int:
    return min(per_day, intervals // 2)


def readings_rows(scale: Scale | str) -> int:
    """Rows of ``readings`` that :func:`generate` writes for ``scale``: meters x intervals, plus
    one per duplicate, minus the missing readings of the gaps."""
    s = _scale(scale)
    n = fault_count(s.meters)
    return s.meters * s.intervals + n - n * _gap_len(s.intervals)


def _scale(scale: Scale | str) -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}") from None


# =================================================================================================
# Arrow schemas
# =================================================================================================
_TYPES: dict[str, pa.DataType] = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
}


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of table ``name`` of :data:`greenmfg.analytics.schema.TABLES` (or
    ``faults``): ``"int64?"`` is a nullable int64, other columns are not nullable, ``timestamp`` is
    ``timestamp[us]`` without time zone."""
    columns = FAULTS if name == "faults" else TABLES[name]
    return pa.schema(
        [pa.field(c, _TYPES[t.rstrip("?")], nullable=t.endswith("?")) for c, t in columns.items()]
    )


# =================================================================================================
# Industries (synthetic parameters; see the module docstring)
# =================================================================================================
class _Sector(NamedTuple):
    weight: float  # relative number of enterprises
    median: float  # median output value above the floor [10^4 CNY]
    intensity: float  # comprehensive energy per output value [tce/10^4 CNY]
    electricity: float  # electricity share of energy (equivalent value) [-]
    fossil_ef: float  # fossil-mix emission factor [tCO2/tce]
    process: float  # process emissions per energy [tCO2/tce]
    waste: float  # bulk solid waste per output value [t/10^4 CNY]
    value_added: float  # value added / output value [-]


# fmt: off
_DIVISIONS: dict[str, _Sector] = {
    "B06": _Sector(12, 30000, 0.12, 0.35, 2.6, 0.0, 1.0, 0.45),
    "B07": _Sector(1, 100000, 0.15, 0.30, 2.0, 0.0, 0.05, 0.50),
    "B08": _Sector(4, 8000, 0.15, 0.50, 2.5, 0.0, 2.0, 0.35),
    "B09": _Sector(4, 8000, 0.12, 0.50, 2.5, 0.0, 2.0, 0.35),
    "B10": _Sector(6, 5000, 0.10, 0.40, 2.5, 0.0, 0.5, 0.35),
    "C13": _Sector(60, 12000, 0.05, 0.35, 2.4, 0.0, 0.01, 0.20),
    "C14": _Sector(25, 9000, 0.08, 0.30, 2.3, 0.0, 0.01, 0.30),
    "C15": _Sector(18, 9000, 0.06, 0.30, 2.3, 0.0, 0.01, 0.35),
    "C16": _Sector(1, 300000, 0.01, 0.50, 2.0, 0.0, 0.005, 0.60),
    "C17": _Sector(55, 8000, 0.10, 0.50, 2.5, 0.0, 0.02, 0.22),
    "C18": _Sector(35, 6000, 0.02, 0.70, 2.2, 0.0, 0.003, 0.25),
    "C19": _Sector(20, 6000, 0.02, 0.70, 2.2, 0.0, 0.003, 0.25),
    "C20": _Sector(22, 6000, 0.08, 0.50, 2.5, 0.0, 0.02, 0.25),
    "C21": _Sector(17, 6000, 0.02, 0.70, 2.2, 0.0, 0.005, 0.25),
    "C22": _Sector(18, 10000, 0.25, 0.30, 2.6, 0.0, 0.15, 0.25),
    "C23": _Sector(14, 5000, 0.03, 0.70, 2.2, 0.0, 0.005, 0.30),
    "C24": _Sector(20, 6000, 0.02, 0.70, 2.2, 0.0, 0.003, 0.25),
    "C25": _Sector(8, 60000, 0.60, 0.12, 2.4, 0.0, 0.15, 0.15),
    "C26": _Sector(55, 15000, 0.30, 0.30, 2.5, 0.1, 0.2, 0.22),
    "C27": _Sector(20, 15000, 0.05, 0.45, 2.2, 0.0, 0.02, 0.35),
    "C28": _Sector(5, 30000, 0.25, 0.40, 2.5, 0.0, 0.03, 0.15),
    "C29": _Sector(55, 7000, 0.08, 0.65, 2.3, 0.0, 0.01, 0.22),
    "C30": _Sector(75, 8000, 0.35, 0.25, 2.6, 0.3, 0.3, 0.25),
    "C31": _Sector(15, 40000, 0.30, 0.25, 2.6, 0.0, 0.3, 0.15),
    "C32": _Sector(18, 30000, 0.30, 0.50, 2.5, 0.0, 0.4, 0.12),
    "C33": _Sector(65, 6000, 0.05, 0.60, 2.3, 0.0, 0.02, 0.22),
    "C34": _Sector(85, 7000, 0.03, 0.70, 2.2, 0.0, 0.01, 0.25),
    "C35": _Sector(60, 7000, 0.03, 0.70, 2.2, 0.0, 0.01, 0.25),
    "C36": _Sector(35, 25000, 0.03, 0.65, 2.1, 0.0, 0.01, 0.20),
    "C37": _Sector(14, 15000, 0.03, 0.65, 2.2, 0.0, 0.01, 0.22),
    "C38": _Sector(60, 12000, 0.03, 0.70, 2.2, 0.0, 0.01, 0.20),
    "C39": _Sector(50, 30000, 0.015, 0.85, 2.0, 0.0, 0.005, 0.20),
    "C40": _Sector(14, 6000, 0.02, 0.80, 2.1, 0.0, 0.003, 0.30),
    "C41": _Sector(5, 5000, 0.05, 0.60, 2.3, 0.0, 0.01, 0.25),
    "C42": _Sector(8, 8000, 0.08, 0.50, 2.4, 0.0, 0.1, 0.15),
    "C43": _Sector(3, 5000, 0.03, 0.70, 2.2, 0.0, 0.005, 0.30),
}
# classes (of industries.csv) with their share of the division's enterprises and, for the heavy
# ones, their own parameters (weight unused)
_CLASSES: dict[str, tuple[tuple[str, float], ...]] = {
    "C17": (("C1711", 0.1), ("C1713", 0.1), ("C1751", 0.1), ("C1752", 0.1), ("C1761", 0.1)),
    "C26": (("C2612", 0.08), ("C2614", 0.15), ("C2641", 0.1), ("C2651", 0.08), ("C2661", 0.1)),
    "C30": (("C3011", 0.12), ("C3041", 0.01)),
    "C31": (("C3110", 0.05), ("C3120", 0.1)),
    "C32": (("C3216", 0.03),),
    "C34": (("C3421", 0.08), ("C3441", 0.08), ("C3443", 0.08), ("C3451", 0.08), ("C3462", 0.08)),
    "C39": (("C3911", 0.06), ("C3922", 0.06), ("C3972", 0.06), ("C3973", 0.06), ("C3976", 0.06),
            ("C3981", 0.06), ("C3982", 0.06)),
}
_CLASS_SECTORS: dict[str, _Sector] = {
    "C2612": _Sector(0, 40000, 1.00, 0.45, 2.5, 0.1, 0.3, 0.20),
    "C2614": _Sector(0, 40000, 0.70, 0.20, 2.4, 0.1, 0.1, 0.18),
    "C3011": _Sector(0, 15000, 2.00, 0.10, 2.7, 4.5, 0.1, 0.25),
    "C3041": _Sector(0, 30000, 1.20, 0.12, 2.2, 0.25, 0.02, 0.22),
    "C3110": _Sector(0, 80000, 1.20, 0.05, 2.7, 0.0, 1.5, 0.12),
    "C3120": _Sector(0, 200000, 1.80, 0.10, 2.7, 0.0, 0.8, 0.12),
    "C3216": _Sector(0, 150000, 1.00, 0.85, 2.5, 0.8, 0.05, 0.12),
}
# fmt: on
_ALUMINIUM, _STEEL, _RECYCLING = "C3216", "C3120", "C42"
_ALUMINIUM_PRICE = 1.85  # [10^4 CNY/t]
_STEEL_PRICE = 0.30  # [10^4 CNY/t]
_RECYCLED_PRICE = 0.3  # [10^4 CNY/t]
_EAF_MILL = _Sector(0, 60000, 0.35, 0.60, 2.2, 0.0, 0.3, 0.12)  # an EAF mill's own parameters
# benchmark areas (benchmark_levels.csv) -> the GB/T 4754-2017 class whose enterprises run them
_AREA_CLASS: dict[str, str] = {
    "cement_clinker": "C3011",
    "flat_glass": "C3041",
    "ironmaking": "C3110",
    "steelmaking": "C3120",
    "electrolytic_aluminium": "C3216",
    "caustic_soda": "C2612",
    "soda_ash": "C2612",
    "ethylene": "C2614",
    "paraxylene": "C2614",
    "coal_to_methanol": "C2614",
    "coal_to_olefins": "C2614",
    "coal_to_ethylene_glycol": "C2614",
}
# a line's product per 10^4 CNY of its enterprise's output [product unit of the indicator]
_PRODUCT_PER_OUTPUT: dict[str, float] = {
    "cement_clinker": 16.0,
    "flat_glass": 12.0,
    "ironmaking": 3.0,
    "caustic_soda": 3.0,
    "soda_ash": 5.0,
    "ethylene": 1.2,
    "paraxylene": 1.2,
    "coal_to_methanol": 4.0,
    "coal_to_olefins": 1.2,
    "coal_to_ethylene_glycol": 2.0,
}
_GRID_WEIGHT = {
    "grid_east": 3.0,
    "grid_north": 2.0,
    "grid_central": 1.6,
    "grid_south": 1.4,
    "grid_northeast": 1.0,
    "grid_southwest": 1.0,
    "grid_northwest": 0.6,
}

# random streams (SeedSequence([seed, stream, ...]))
_S_PLACES, _S_ENTERPRISES, _S_ANNUAL, _S_LINES, _S_METERS, _S_FAULTS, _S_READINGS = range(1, 8)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def _green_share(year: int) -> float:
    """Target green-factory share of manufacturing output value in ``year`` [-] (synthetic)."""
    return min(0.40, max(0.05, 0.10 + 0.0625 * (year - 2020)))


# =================================================================================================
# Reference-derived lookups
# =================================================================================================
@dataclass(frozen=True)
class _Geo:
    provinces: list[str]  # province codes in use
    weights: np.ndarray  # their weights (sum 1)
    leaves: list[list[str]]  # per province: region codes to draw from


def _geo(ref: ReferenceData, region: str | None) -> _Geo:
    provinces = sorted(c for c, r in ref.regions.items() if r.level == "province")
    prefix = ""
    if region is not None:
        if region in provinces:
            provinces, prefix = [region], region[:2]
        elif ref.places.get(region) is not None and ref.places[region].level == "prefecture":
            provinces, prefix = [region[:2] + "0000"], region[:4]
            if provinces[0] not in ref.regions:
                raise ValueError(f"Scale.region {region!r}: province {provinces[0]} unknown")
        else:
            raise ValueError(
                f"Scale.region: {region!r} is neither a province of regions.csv nor a prefecture "
                "of places.csv"
            )
    weights = np.array([_GRID_WEIGHT.get(ref.regions[p].parent, 1.0) for p in provinces])
    places = sorted(c for c, lab in ref.places.items() if lab.level in ("prefecture", "county"))
    leaves: list[list[str]] = []
    for p in provinces:
        mine = [c for c in places if c.startswith(prefix or p[:2])]
        counties = [c for c in mine if ref.places[c].level == "county"]
        lone = [
            c
            for c in mine
            if ref.places[c].level == "prefecture" and not any(k[:4] == c[:4] for k in counties)
        ]
        found = sorted(counties + lone)
        leaves.append(found or [region if region and prefix == region[:4] else p])
    return _Geo(provinces, weights / weights.sum(), leaves)


def _grid_factors(ref: ReferenceData, provinces: Sequence[str], years: Sequence[int]) -> np.ndarray:
    """MEE/NBS average grid factors [tCO2/kWh] by province and year (fallbacks in the module
    docstring)."""
    table: dict[tuple[int, str], float] = {}
    for (series, year, code), f in ref.electricity.items():
        if series == "average":
            if f.unit != "tCO2/MWh":
                raise ValueError(f"electricity_factors.csv: {f.id} in {f.unit}, expected tCO2/MWh")
            table[(year, code)] = f.value / 1000.0
    published = sorted({y for y, _ in table})
    out = np.empty((len(provinces), len(years)))
    for j, year in enumerate(years):
        earlier = [y for y in published if y <= year]
        y = earlier[-1] if earlier else published[0]
        for i, p in enumerate(provinces):
            chain = [p, ref.regions[p].parent, "CN"]
            out[i, j] = next(table[(y, c)] for c in chain if (y, c) in table)
    return out


def _tce_per_kwh(ref: ReferenceData) -> float:
    f = ref.energy[("grid_electricity", "equivalent", None)]
    if f.unit != "kgce/kWh":
        raise ValueError(f"energy_coefficients.csv: {f.id} in {f.unit}, expected kgce/kWh")
    return f.value / 1000.0


def _indicators(ref: ReferenceData) -> dict[str, list[tuple[str, float, float, str]]]:
    """Class -> [(indicator_id, benchmark, base, area_id)] of the newest catalogue, sourced rows."""
    newest: dict[str, Any] = {}
    for b in ref.benchmark_levels:
        if b.indicator_id not in newest or b.catalogue > newest[b.indicator_id].catalogue:
            newest[b.indicator_id] = b
    out: dict[str, list[tuple[str, float, float, str]]] = {}
    for b in sorted(newest.values(), key=lambda b: b.indicator_id):
        cls = _AREA_CLASS.get(b.area_id)
        if cls is not None and b.benchmark is not None and b.base is not None:
            out.setdefault(cls, []).append((b.indicator_id, b.benchmark, b.base, b.area_id))
    return out


# =================================================================================================
# Enterprise-level tables
# =================================================================================================
@dataclass
class _Population:
    """Enterprise attributes and annual arrays (shape (n,) or (n, years))."""

    ids: np.ndarray
    province: np.ndarray  # index into geo.provinces
    region: list[str]
    industry: list[str]
    park: np.ndarray  # park id or 0
    green_since: np.ndarray  # year or 0
    green_level: list[str | None]
    output: np.ndarray
    value_added: np.ndarray
    energy: np.ndarray
    emissions: np.ndarray
    electricity: np.ndarray
    renewable: np.ndarray
    waste: np.ndarray
    utilised: np.ndarray
    aluminium: np.ndarray
    steel: np.ndarray
    eaf: np.ndarray
    recycled: np.ndarray
    lines: dict[str, list[Any]]
    heavy: np.ndarray  # bool: energy-intensive (load shape)


def _draw_industries(rng: np.random.Generator, n: int, ref: ReferenceData) -> list[str]:
    divisions = list(_DIVISIONS)
    w = np.array([_DIVISIONS[d].weight for d in divisions])
    div = rng.choice(len(divisions), size=n, p=w / w.sum())
    u = rng.random(n)
    codes = np.array(divisions, dtype=object)[div]
    for d, classes in _CLASSES.items():
        mask = codes == d
        lo = 0.0
        for code, share in classes:
            codes[mask & (u >= lo) & (u < lo + share)] = code
            lo += share
    out = [str(c) for c in codes]
    unknown = sorted(set(out) - set(ref.industries))
    if unknown:
        raise ValueError(f"industries.csv lacks the codes {unknown} used by the generator")
    return out


def _param(industry: Sequence[str], field: str) -> np.ndarray:
    table = {**{d: s for d, s in _DIVISIONS.items()}, **_CLASS_SECTORS}
    by_code = {c: getattr(table[c] if c in table else table[c[:3]], field) for c in set(industry)}
    return np.array([by_code[c] for c in industry], dtype=float)


def _population(
    scale: Scale, seed: int, ref: ReferenceData, geo: _Geo
) -> tuple[_Population, list[tuple[int, str]]]:
    n, years = scale.enterprises, np.array(scale.years)
    ny, k = len(years), np.arange(len(years))
    rng_p = _rng(seed, _S_PLACES)
    rng = _rng(seed, _S_ENTERPRISES)

    # parks and places -------------------------------------------------------------------------
    npv = len(geo.provinces)
    park_prov = rng_p.choice(npv, size=scale.parks, p=geo.weights)
    park_region = [geo.leaves[p][rng_p.integers(len(geo.leaves[p]))] for p in park_prov]
    park_pull = rng_p.lognormal(0.0, 1.0, size=scale.parks)
    province = rng_p.choice(npv, size=n, p=geo.weights)
    leaf_u = rng_p.random(n)
    in_park = rng_p.random(n) < 0.5
    park_u = rng_p.random(n)
    park = np.zeros(n, dtype=np.int64)
    for p in range(npv):
        mine = np.flatnonzero(park_prov == p)
        if mine.size == 0:
            continue
        cdf = np.cumsum(park_pull[mine]) / park_pull[mine].sum()
        who = np.flatnonzero((province == p) & in_park)
        park[who] = mine[np.minimum(np.searchsorted(cdf, park_u[who]), mine.size - 1)] + 1
    region = [
        park_region[park[i] - 1]
        if park[i]
        else geo.leaves[province[i]][int(leaf_u[i] * len(geo.leaves[province[i]]))]
        for i in range(n)
    ]

    # industries and sizes -----------------------------------------------------------------------
    industry = _draw_industries(rng, n, ref)
    ind = np.array(industry, dtype=object)
    section_c = np.array([c.startswith("C") for c in industry])
    is_al, is_steel = ind == _ALUMINIUM, ind == _STEEL
    is_rec = np.array([c.startswith(_RECYCLING) for c in industry])
    eaf_mill = is_steel & (rng.random(n) < 0.25)
    median = np.where(eaf_mill, _EAF_MILL.median, _param(industry, "median"))
    out0 = 2000.0 + median * np.exp(1.1 * rng.standard_normal(n))
    intensity = _param(industry, "intensity") * rng.lognormal(0.0, 0.35, n)
    el_share = _param(industry, "electricity")
    fossil_ef = _param(industry, "fossil_ef")
    process = _param(industry, "process")
    waste_rate = _param(industry, "waste") * rng.lognormal(0.0, 0.5, n)
    va_ratio = _param(industry, "value_added")
    drift = rng.normal(0.0, 0.03, n)
    eaf0 = np.where(eaf_mill, rng.uniform(0.9, 1.0, n), rng.beta(1.2, 28.0, n)) * is_steel
    has_green_power = rng.random(n) < 0.4
    green_power0 = np.where(is_al, rng.uniform(0.08, 0.25, n), rng.uniform(0.01, 0.15, n))
    util0 = rng.normal(0.0, 0.12, n)
    heavy = intensity >= 0.25

    # provincial paths: output growth g, energy peaking in year P ----------------------------------
    g = rng_p.uniform(0.03, 0.07, npv)
    early = rng_p.random(npv) < 1 / 3
    peak = np.where(early, rng_p.integers(2021, 2025, npv), rng_p.integers(2026, 2031, npv))
    kappa = rng_p.uniform(0.002, 0.006, npv)
    t0 = years[0]
    kappa = np.where(
        peak > t0, np.minimum(kappa, (g - 0.01) / (2 * np.maximum(peak - t0, 1))), kappa
    )
    dy = years[None, :] - t0
    out_path = np.exp(g[:, None] * dy)
    energy_path = np.exp(
        -kappa[:, None] * ((years[None, :] - peak[:, None]) ** 2 - (t0 - peak[:, None]) ** 2)
    )
    intensity_path = energy_path / out_path

    output = (
        out0[:, None]
        * out_path[province]
        * np.exp(drift[:, None] * k[None, :] + rng.normal(0.0, 0.05, (n, ny)))
    )
    value_added = output * va_ratio[:, None] * rng.lognormal(0.0, 0.03, (n, ny))

    # green factories ------------------------------------------------------------------------------
    green_since = np.zeros(n, dtype=np.int64)
    order = np.argsort(np.log(rng.random(n)) / np.sqrt(out0), kind="stable")[::-1]
    order = order[section_c[order]]
    taken = 0
    for j, year in enumerate(years):
        out_c = output[order, j]
        cum = np.cumsum(out_c) / max(out_c.sum(), 1e-300)
        upto = int(np.searchsorted(cum, _green_share(int(year)))) + 1 if order.size else 0
        upto = min(max(upto, taken), order.size)
        if j == 0:
            green_since[order[:upto]] = year - rng.integers(0, 4, upto)
        else:
            green_since[order[taken:upto]] = year
        taken = upto
    size_q = np.argsort(np.argsort(out0)) / max(n - 1, 1)
    lvl_u = rng.random(n) - 0.25 * size_q
    green_level: list[str | None] = [
        None
        if not green_since[i]
        else "national"
        if lvl_u[i] < 0.05
        else "provincial"
        if lvl_u[i] < 0.45
        else "municipal"
        for i in range(n)
    ]
    green_now = (green_since[:, None] > 0) & (green_since[:, None] <= years[None, :])

    # lines (needs the aluminium AC consumption before the energy of smelters) ----------------------
    rng_l = _rng(seed, _S_LINES)
    indicators = _indicators(ref)
    eaf = (
        np.clip(eaf0[:, None] + 0.01 * k[None, :] * ~eaf_mill[:, None], 0.0, 1.0)
        * is_steel[:, None]
    )
    steel = np.where(is_steel[:, None], output / _STEEL_PRICE, 0.0)
    aluminium = np.where(is_al[:, None], output / _ALUMINIUM_PRICE, 0.0)
    al_kwh = np.zeros((n, ny))
    lines: dict[str, list[Any]] = {c: [] for c in TABLES["lines"]}
    kinds = ["at_benchmark", "between", "below_base"]
    for i in np.flatnonzero(np.isin(ind, list(indicators))):
        options = indicators[industry[i]]
        if industry[i] == _STEEL:
            eafs = [o for o in options if o[0].startswith("eaf")]
            boff = [o for o in options if not o[0].startswith("eaf")]
            options = (eafs if eaf_mill[i] else boff) or options
        n_lines = 1 + int(rng_l.random() < 0.4)
        split = rng_l.uniform(0.3, 0.7)
        shares = [1.0] if n_lines == 1 else [split, 1.0 - split]
        for share in shares:
            ind_id, bench, base, area = options[int(rng_l.integers(len(options)))]
            x = rng_l.normal(0.5, 0.45) - 0.06 * k + rng_l.normal(0.0, 0.08, ny)
            unknown = rng_l.random(ny) < 0.03
            if industry[i] == _ALUMINIUM:
                product = aluminium[i] * share
                al_kwh[i] += product * (bench + (base - bench) * x) * 1.04
            elif industry[i] == _STEEL:
                product = (steel[i] if eaf_mill[i] else steel[i] * (1.0 - eaf[i])) * share
            else:
                product = output[i] * _PRODUCT_PER_OUTPUT[area] * share
            pos = np.where(x <= 0.0, 0, np.where(x > 1.0, 2, 1))
            for j in range(ny):
                lines["enterprise_id"].append(i + 1)
                lines["year"].append(int(years[j]))
                lines["indicator_id"].append(ind_id)
                lines["position"].append("unknown" if unknown[j] else kinds[pos[j]])
                lines["output"].append(float(product[j]))

    # energy, electricity, emissions --------------------------------------------------------------
    rng_a = _rng(seed, _S_ANNUAL)
    tce_kwh = _tce_per_kwh(ref)
    energy = (
        output
        * intensity[:, None]
        * intensity_path[province]
        * rng_a.lognormal(0.0, 0.03, (n, ny))
        * np.where(green_now, 0.92, 1.0)
    )
    # steel: BF-BOF and EAF parts; EAF mills with their own parameters
    eaf_int, bof_int = _EAF_MILL.intensity, _CLASS_SECTORS[_STEEL].intensity
    mix = (1.0 - eaf) * bof_int + eaf * eaf_int
    energy = np.where(is_steel[:, None], energy / bof_int * mix, energy)
    el = np.broadcast_to(el_share[:, None], (n, ny)).copy()
    el_steel = (
        (1.0 - eaf) * bof_int * el_share[:, None] + eaf * eaf_int * _EAF_MILL.electricity
    ) / mix
    el = np.where(is_steel[:, None], el_steel, el)
    electricity = energy * el / tce_kwh
    # smelters: electricity from the potlines, energy from electricity
    potlines = is_al[:, None] & (al_kwh > 0)  # (smelters have lines unless the levels are gone)
    electricity = np.where(potlines, al_kwh, electricity)
    energy = np.where(potlines, al_kwh * tce_kwh / el, energy)
    grid = _grid_factors(ref, geo.provinces, [int(y) for y in years])[province]
    emissions = (
        energy * (1.0 - el) * fossil_ef[:, None] + electricity * grid + energy * process[:, None]
    )
    share_g = np.where(
        is_al[:, None],
        np.clip(green_power0[:, None] + 0.015 * k[None, :], 0.0, 0.35),
        np.where(has_green_power[:, None], green_power0[:, None] * 1.2 ** k[None, :], 0.0),
    )
    renewable = electricity * np.clip(share_g, 0.0, 1.0)

    # waste and recycling ---------------------------------------------------------------------------
    waste = output * waste_rate[:, None] * rng_a.lognormal(0.0, 0.1, (n, ny))
    base_util = np.where(
        np.array([c.startswith("B") for c in industry]),
        0.35,
        np.where(np.array([c[:3] == "C31" for c in industry]), 0.67, 0.52),
    )
    util = np.clip(base_util[:, None] + util0[:, None] + 0.015 * k[None, :], 0.0, 1.0)
    utilised = waste * util
    recycled = np.where(is_rec[:, None], output / _RECYCLED_PRICE, 0.0)

    pop = _Population(
        ids=np.arange(1, n + 1, dtype=np.int64),
        province=province,
        region=region,
        industry=industry,
        park=park,
        green_since=green_since,
        green_level=green_level,
        output=output,
        value_added=value_added,
        energy=energy,
        emissions=emissions,
        electricity=electricity,
        renewable=renewable,
        waste=waste,
        utilised=utilised,
        aluminium=aluminium,
        steel=steel,
        eaf=steel * eaf,
        recycled=recycled,
        lines=lines,
        heavy=heavy,
    )
    parks = [(i + 1, park_region[i]) for i in range(scale.parks)]
    return pop, parks


def _enterprises_table(pop: _Population) -> pa.Table:
    green = pop.green_since > 0
    return pa.table(
        {
            "enterprise_id": pop.ids,
            "name": [f"模拟企业 {i:06d}" for i in pop.ids],
            "region_code": pop.region,
            "industry_code": pop.industry,
            "park_id": pa.array(pop.park, pa.int64(), mask=pop.park == 0),
            "green_level": pop.green_level,
            "green_since": pa.array(pop.green_since.astype(np.int32), pa.int32(), mask=~green),
        },
        schema=arrow_schema("enterprises"),
    )


def _annual_table(pop: _Population, years: Sequence[int]) -> pa.Table:
    n, ny = len(pop.ids), len(years)
    cols: dict[str, Any] = {
        "enterprise_id": np.repeat(pop.ids, ny),
        "year": np.tile(np.array(years, dtype=np.int32), n),
        "output_value_10k_cny": pop.output,
        "value_added_10k_cny": pop.value_added,
        "energy_tce": pop.energy,
        "emissions_tco2e": pop.emissions,
        "electricity_kwh": pop.electricity,
        "renewable_electricity_kwh": pop.renewable,
        "solid_waste_generated_t": pop.waste,
        "solid_waste_utilised_t": pop.utilised,
        "aluminium_t": pop.aluminium,
        "steel_t": pop.steel,
        "eaf_steel_t": pop.eaf,
        "recycled_resources_t": pop.recycled,
    }
    return pa.table(
        {c: np.ascontiguousarray(v).reshape(-1) for c, v in cols.items()},
        schema=arrow_schema("annual"),
    )


# =================================================================================================
# Meters and readings
# =================================================================================================
@dataclass
class _MeterPlan:
    ids: list[str]
    enterprise: np.ndarray  # enterprise id per meter
    site: np.ndarray  # site number (1, 2)
    sub: np.ndarray  # 0: main meter, k: workshop k
    profile: np.ndarray  # load shape per meter (0 continuous, 1 two shifts, 2 one shift)
    level: np.ndarray  # mean consumption per interval [kWh]
    loss: np.ndarray  # site loss (main meters) [-]
    bounds: np.ndarray  # enterprise e's meters are [bounds[e], bounds[e+1])


def _meter_plan(scale: Scale, seed: int, pop: _Population) -> _MeterPlan:
    m = scale.meters
    rng = _rng(seed, _S_METERS)
    n = len(pop.ids)
    elec = pop.electricity[:, -1]
    key = np.log(rng.random(n)) / np.sqrt(np.maximum(elec, 1.0))
    cand = np.argsort(-key, kind="stable")
    sites = 1 + (rng.random(n) < 0.25)
    subs = rng.integers(2, _MAX_SUBS + 1, size=(n, 2))
    per_ent = np.where(sites == 2, 2 + subs.sum(1), 1 + subs[:, 0])
    cum = np.cumsum(per_ent[cand])
    if m and (cum.size == 0 or cum[-1] < m):
        raise ValueError(f"{m} meters requested, {int(cum[-1]) if cum.size else 0} possible")
    take = int(np.searchsorted(cum, m)) + 1 if m else 0
    allowed = per_ent[cand[:take]].copy()
    if take:
        allowed[-1] -= int(cum[take - 1]) - m  # the last one drawn is cut short
    quota = dict(zip(cand[:take].tolist(), allowed.tolist(), strict=True))
    chosen = np.sort(cand[:take])  # enterprise rows, in enterprise order
    prof_u = rng.random((n, 2, _MAX_SUBS))
    site_w = rng.gamma(2.0, size=(n, 2))
    sub_w = rng.gamma(1.5, size=(n, 2, _MAX_SUBS))
    loss = rng.uniform(0.013, 0.027, size=(n, 2))
    per_interval = scale.interval_minutes / (365 * 1440)
    ids: list[str] = []
    ent, site, sub, prof, level, lossv = [], [], [], [], [], []
    bounds = [0]
    for e in chosen:
        eid, left = int(pop.ids[e]), quota[int(e)]
        ns = int(sites[e])
        sw = site_w[e, :ns] / site_w[e, :ns].sum()
        p_cont = 0.7 if pop.heavy[e] else 0.25
        for s in range(ns):
            avg = elec[e] * per_interval * sw[s]
            k_subs = int(subs[e, s])
            w = sub_w[e, s, :k_subs] / sub_w[e, s, :k_subs].sum()
            for j in range(min(k_subs + 1, left)):
                left -= 1
                ids.append(f"E{eid:08d}S{s + 1}M{j:02d}")
                ent.append(eid)
                site.append(s + 1)
                sub.append(j)
                u = prof_u[e, s, j - 1] if j else 0.0
                prof.append(0 if u < p_cont else 1 if u < p_cont + (1 - p_cont) * 0.55 else 2)
                level.append(avg if j == 0 else avg * (1 - loss[e, s]) * w[j - 1])
                lossv.append(loss[e, s] if j == 0 else 0.0)
        bounds.append(len(ids))
    return _MeterPlan(
        ids=ids,
        enterprise=np.array(ent, dtype=np.int64),
        site=np.array(site, dtype=np.int64),
        sub=np.array(sub, dtype=np.int64),
        profile=np.array(prof, dtype=np.int64),
        level=np.array(level, dtype=float),
        loss=np.array(lossv, dtype=float),
        bounds=np.array(bounds, dtype=np.int64),
    )


def _meters_table(plan: _MeterPlan, scale: Scale) -> pa.Table:
    ids = np.array(plan.ids, dtype=object)
    main_of = np.where(plan.sub == 0, np.arange(len(ids)), 0)
    main_of = np.maximum.accumulate(main_of) if len(ids) else main_of
    is_sub = plan.sub > 0
    return pa.table(
        {
            "meter_id": plan.ids,
            "enterprise_id": plan.enterprise,
            "site": [f"S{s}" for s in plan.site],
            "workshop": [f"W{j:02d}" if j else None for j in plan.sub],
            "carrier": ["electricity"] * len(ids),
            "unit": ["kWh"] * len(ids),
            "parent_meter_id": [ids[main_of[i]] if is_sub[i] else None for i in range(len(ids))],
            "interval_minutes": np.full(len(ids), scale.interval_minutes, dtype=np.int32),
        },
        schema=arrow_schema("meters"),
    )


def _timeline(scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """Interval-end timestamps [us since epoch, local time] and load shapes (3, T), mean 1."""
    start = dt.datetime(scale.years[-1], 1, 1)
    step = scale.interval_minutes * 60_000_000
    t = scale.intervals
    epoch = int((start - dt.datetime(1970, 1, 1)).total_seconds()) * 1_000_000
    ts = epoch + step * np.arange(1, t + 1, dtype=np.int64)
    per_day = 1440 // scale.interval_minutes
    hour = ((np.arange(t) % per_day) + 0.5) * scale.interval_minutes / 60.0
    dow = (start.weekday() + np.arange(t) // per_day) % 7

    def ramp(a: float, b: float) -> np.ndarray:  # 0 before a, 1 after b
        out: np.ndarray = np.clip((hour - a) / (b - a), 0.0, 1.0)
        return out

    weekday, saturday = dow < 5, dow == 5
    cont = (1.0 + 0.04 * np.sin(2 * np.pi * (hour - 9.0) / 24.0)) * np.where(dow == 6, 0.97, 1.0)
    two_on = ramp(6.0, 7.0) * (1.0 - ramp(21.5, 22.5))
    two = 0.3 + two_on * np.where(weekday, 0.7, np.where(saturday, 0.45, 0.0))
    one_on = (
        ramp(7.5, 8.5)
        * (1.0 - ramp(17.0, 18.0))
        * (1.0 - 0.25 * ramp(12.0, 12.25) * (1.0 - ramp(12.75, 13.0)))
    )
    one = 0.18 + one_on * np.where(weekday, 0.82, np.where(saturday, 0.2, 0.0))
    shapes = np.stack([cont, two, one])
    return ts, shapes / shapes.mean(axis=1, keepdims=True)


class _Fault(NamedTuple):
    meter: int
    kind: str
    start: int
    length: int
    factor: float


def _fault_plan(scale: Scale, seed: int) -> list[_Fault]:
    m, t = scale.meters, scale.intervals
    n = fault_count(m)
    if n == 0:
        return []
    rng = _rng(seed, _S_FAULTS)
    meters = rng.choice(m, size=n * len(FAULT_KINDS), replace=False)
    per_day = 1440 // scale.interval_minutes
    lengths = {
        "gap": _gap_len(t),
        "clock_shift": _shift_len(t, per_day),
        "duplicate": 1,
        "negative": 1,
        "spike": 1,
    }
    out = []
    for idx, meter in enumerate(meters):
        kind = FAULT_KINDS[idx // n]
        length = lengths[kind]
        start = int(rng.integers(1, t - length - 1))
        out.append(_Fault(int(meter), kind, start, length, float(rng.uniform(20.0, 50.0))))
    return sorted(out)


def _readings_chunk(
    plan: _MeterPlan,
    ents: range,
    scale: Scale,
    seed: int,
    ts: np.ndarray,
    shapes: np.ndarray,
    faults: Sequence[_Fault],
) -> tuple[pa.Table, list[tuple[str, int, str]]]:
    """Readings of the meters of enterprises ``ents`` (indices into ``plan.bounds``) and the
    fault rows (meter_id, ts, kind) injected into them."""
    a, b = int(plan.bounds[ents.start]), int(plan.bounds[ents.stop])
    t = ts.size
    days = scale.meter_days
    vals = np.empty((b - a, t))
    for e in ents:
        lo, hi = int(plan.bounds[e]) - a, int(plan.bounds[e + 1]) - a
        rows = slice(lo + a, hi + a)
        rng = _rng(seed, _S_READINGS, int(plan.enterprise[lo + a]))
        k = hi - lo
        z = rng.standard_normal((k, t))
        day = np.exp(0.04 * rng.standard_normal((k, days)))
        jitter = rng.uniform(-0.003, 0.003, (k, t))
        block = shapes[plan.profile[rows]] * np.maximum(1.0 + 0.05 * z, 0.2)
        block *= plan.level[rows, None]
        block.reshape(k, days, -1)[:] *= day[:, :, None]
        sub = plan.sub[rows]
        mains = np.flatnonzero(sub == 0)
        for i, r in enumerate(mains):
            end = mains[i + 1] if i + 1 < mains.size else k
            if end > r + 1:  # a main meter with sub-meters reads their sum plus the loss
                block[r] = block[r + 1 : end].sum(0) / (1.0 - plan.loss[lo + a + r] - jitter[r])
        vals[lo:hi] = block

    ts_idx = np.tile(np.arange(t, dtype=np.int32), (b - a, 1))
    counts = None
    extra_ts: list[np.ndarray] = []
    fault_rows: list[tuple[str, int, str]] = []
    n_extra = t
    for f in faults:
        row, s, ln = f.meter - a, f.start, f.length
        mid = plan.ids[f.meter]
        if f.kind == "negative":
            vals[row, s] = -vals[row, s]
        elif f.kind == "spike":
            vals[row, s] *= f.factor
        elif f.kind == "clock_shift":
            shifted = ts[s : s + ln] + CLOCK_SHIFT_MINUTES * 60_000_000
            ts_idx[row, s : s + ln] = np.arange(n_extra, n_extra + ln, dtype=np.int32)
            n_extra += ln
            extra_ts.append(shifted)
            fault_rows += [(mid, int(v), f.kind) for v in shifted]
            continue
        else:
            if counts is None:
                counts = np.ones((b - a, t), dtype=np.int64)
            counts[row, s : s + ln] = 2 if f.kind == "duplicate" else 0
        fault_rows += [(mid, int(v), f.kind) for v in ts[s : s + ln]]

    meter_idx = np.repeat(np.arange(b - a, dtype=np.int32), t)
    flat_ts, flat_vals = ts_idx.reshape(-1), vals.reshape(-1)
    if counts is not None:
        c = counts.reshape(-1)
        meter_idx, flat_ts, flat_vals = (
            np.repeat(meter_idx, c),
            np.repeat(flat_ts, c),
            np.repeat(flat_vals, c),
        )
    ts_dict = np.concatenate([ts, *extra_ts]) if extra_ts else ts
    table = pa.table(
        {
            "meter_id": pa.DictionaryArray.from_arrays(
                pa.array(meter_idx), pa.array(plan.ids[a:b])
            ),
            "ts": pa.DictionaryArray.from_arrays(
                pa.array(flat_ts), pa.array(ts_dict, pa.timestamp("us"))
            ),
            "value": pa.array(flat_vals),
        },
        schema=_READINGS_WRITE_SCHEMA,
    )
    return table, fault_rows


_READINGS_WRITE_SCHEMA = pa.schema(
    [
        pa.field("meter_id", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("ts", pa.dictionary(pa.int32(), pa.timestamp("us")), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
    ]
)


def _groups(bounds: np.ndarray, limit: int, lo: int = 0, hi: int | None = None) -> Iterator[range]:
    """Consecutive enterprises [lo, hi) grouped so that each group has at most ``limit`` meters
    (at least one enterprise per group)."""
    hi = len(bounds) - 1 if hi is None else hi
    start = lo
    while start < hi:
        stop = int(np.searchsorted(bounds, bounds[start] + limit, side="right")) - 1
        stop = min(max(stop, start + 1), hi)
        yield range(start, stop)
        start = stop


def _write_readings(
    directory: Path,
    plan: _MeterPlan,
    scale: Scale,
    seed: int,
    chunk_meters: int,
    part_rows: int,
    progress: Progress | None,
) -> list[tuple[str, int, str]]:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("part-*.parquet"):
        old.unlink()
    ts, shapes = _timeline(scale)
    faults = _fault_plan(scale, seed)
    fault_meters = np.array([f.meter for f in faults], dtype=np.int64)
    total = readings_rows(scale)
    part_meters = max(1, part_rows // max(scale.intervals, 1))
    done = 0
    fault_rows: list[tuple[str, int, str]] = []
    write_opts = {**_WRITE, "use_dictionary": ["meter_id", "ts"]}
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[None] | None = None
        for p, part in enumerate(_groups(plan.bounds, part_meters)):
            writer = pq.ParquetWriter(
                directory / f"part-{p:05d}.parquet", _READINGS_WRITE_SCHEMA, **write_opts
            )
            for chunk in _groups(plan.bounds, chunk_meters, part.start, part.stop):
                a, b = int(plan.bounds[chunk.start]), int(plan.bounds[chunk.stop])
                lo, hi = np.searchsorted(fault_meters, [a, b])
                table, rows = _readings_chunk(
                    plan, chunk, scale, seed, ts, shapes, faults[int(lo) : int(hi)]
                )
                fault_rows += rows
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write_table, table)
                done += table.num_rows
                if progress:
                    progress("readings", done, total)
            if pending is not None:
                pending.result()
                pending = None
            writer.close()
    return fault_rows


# =================================================================================================
# Entry point
# =================================================================================================
def _write(path: Path, table: pa.Table, row_group_size: int = 1 << 20) -> Path:
    pq.write_table(table, path, row_group_size=row_group_size, **_WRITE)
    return path


def generate(
    out_dir: str | Path,
    scale: Scale | str = "demo",
    *,
    seed: int = 0,
    readings: bool = True,
    progress: Progress | None = None,
    chunk_meters: int | None = None,
    part_rows: int = 20_000_000,
) -> dict[str, Path]:
    """Write a synthetic dataset (see the module docstring for what is drawn and how).

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into (created; files of an earlier run are replaced).
    scale : Scale or str
        A :class:`Scale` or the name of a preset of :data:`SCALES`.
    seed : int
        Seed (>= 0); the same seed and scale give byte-identical files.
    readings : bool
        Write ``readings/`` and ``faults.parquet`` (the slow part); ``meters.parquet`` is always
        written.
    progress : callable or None
        Called as ``progress(stage, done, total)`` (stages ``enterprises``, ``annual``, ``lines``,
        ``meters``, ``readings``; readings count rows).
    chunk_meters : int or None
        Meters drawn and written per row group (whole enterprises; memory about 60 bytes per
        reading of a chunk); default: about 2 million readings per chunk. The content does not
        depend on it.
    part_rows : int
        Readings per ``part-*.parquet`` file, roughly (whole enterprises per file).

    Returns
    -------
    dict
        Paths by table name: ``enterprises``, ``parks``, ``annual``, ``lines``, ``meters`` and,
        with ``readings``, ``readings`` (a directory) and ``faults``.
    """
    s = _scale(scale)
    if seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed}")
    if chunk_meters is None:
        chunk_meters = max(1, _CHUNK_ROWS // s.intervals)
    if chunk_meters < 1 or part_rows < 1:
        raise ValueError("chunk_meters and part_rows must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ref = get_reference()
    geo = _geo(ref, s.region)
    step = progress or (lambda stage, done, total: None)

    step("enterprises", 0, s.enterprises)
    pop, parks = _population(s, seed, ref, geo)
    paths = {
        "enterprises": _write(out / "enterprises.parquet", _enterprises_table(pop)),
        "parks": _write(
            out / "parks.parquet",
            pa.table(
                {
                    "park_id": np.array([p for p, _ in parks], dtype=np.int64),
                    "name": [f"模拟园区 {p:04d}" for p, _ in parks],
                    "region_code": [r for _, r in parks],
                },
                schema=arrow_schema("parks"),
            ),
        ),
    }
    step("enterprises", s.enterprises, s.enterprises)
    paths["annual"] = _write(out / "annual.parquet", _annual_table(pop, s.years))
    step("annual", s.enterprises * len(s.years), s.enterprises * len(s.years))
    paths["lines"] = _write(
        out / "lines.parquet", pa.table(pop.lines, schema=arrow_schema("lines"))
    )
    step("lines", len(pop.lines["year"]), len(pop.lines["year"]))
    plan = _meter_plan(s, seed, pop)
    paths["meters"] = _write(out / "meters.parquet", _meters_table(plan, s))
    step("meters", len(plan.ids), s.meters)
    if not readings:  # leave no readings of an earlier run beside the new tables
        (out / "faults.parquet").unlink(missing_ok=True)
        for old in (out / "readings").glob("part-*.parquet"):
            old.unlink()
    else:
        rows = _write_readings(out / "readings", plan, s, seed, chunk_meters, part_rows, progress)
        rows.sort()
        paths["readings"] = out / "readings"
        paths["faults"] = _write(
            out / "faults.parquet",
            pa.table(
                {
                    "meter_id": [r[0] for r in rows],
                    "ts": pa.array([r[1] for r in rows], pa.timestamp("us")),
                    "kind": [r[2] for r in rows],
                },
                schema=arrow_schema("faults"),
            ),
        )
    return paths

"""Activity records in columnar form: the typed input of the accounting engine.

One record is one row of an activity file: a site, a year, what kind of activity (fuel burned,
electricity bought …), which item (a reference id such as ``natural_gas``), an amount and its unit,
optionally a region and measured parameters that override the defaults. The engine works on columns
(NumPy arrays), so a million records cost a handful of vector operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

KINDS: tuple[str, ...] = (
    "fuel",
    "electricity",
    "heat",
    "process",
    "green_electricity",
    "production",
    "electricity_export",
    "heat_export",
    "co2_recovery",
)


@dataclass(frozen=True, slots=True)
class MeasuredColumn:
    """An optional column of measured parameters that overrides a default factor on its row."""

    name: str
    unit: str  # fixed unit, or "" when the value's unit comes from ``unit_column``
    unit_column: str
    applies_to: tuple[str, ...]  # item methods the column is meaningful for
    low: float  # plausible range (flag outside; reject when outside hard bounds)
    high: float
    hard_low: float
    hard_high: float
    label_zh: str
    label_en: str


MEASURED_COLUMNS: tuple[MeasuredColumn, ...] = (
    MeasuredColumn(
        "ncv",
        "",
        "ncv_unit",
        ("combustion",),
        0,
        float("inf"),
        0,
        float("inf"),
        "实测低位发热量",
        "measured net calorific value (unit in ncv_unit)",
    ),
    MeasuredColumn(
        "carbon_content",
        "tC/GJ",
        "",
        ("combustion",),
        0.010,
        0.035,
        0,
        0.3,
        "实测单位热值含碳量 (tC/GJ)",
        "measured carbon content per unit heat (tC/GJ)",
    ),
    MeasuredColumn(
        "oxidation_rate",
        "percent",
        "",
        ("combustion",),
        80,
        100,
        0,
        100,
        "实测碳氧化率 (%)",
        "measured oxidation rate (%)",
    ),
    MeasuredColumn(
        "emission_factor",
        "",
        "emission_factor_unit",
        ("electricity", "heat", "emission_factor", "carbonate"),
        0,
        float("inf"),
        0,
        float("inf"),
        "实测/供应商排放因子",
        "measured or supplier-specific CO2 factor (unit in emission_factor_unit)",
    ),
    MeasuredColumn(
        "purity",
        "percent",
        "",
        ("carbonate", "recovery"),
        50,
        100,
        0,
        100,
        "纯度/碳酸盐含量 (%)",
        "carbonate content or CO2 purity (%)",
    ),
    MeasuredColumn(
        "cao_content",
        "percent",
        "",
        ("clinker_oxides",),
        55,
        70,
        0,
        100,
        "熟料中CaO含量 (%)",
        "CaO content of clinker from carbonates (%)",
    ),
    MeasuredColumn(
        "mgo_content",
        "percent",
        "",
        ("clinker_oxides",),
        0,
        6,
        0,
        100,
        "熟料中MgO含量 (%)",
        "MgO content of clinker from carbonates (%)",
    ),
    MeasuredColumn(
        "carbon_fraction",
        "percent",
        "",
        ("anode_carbon", "emission_factor", "carbon_fixed"),
        80,
        100,
        0,
        100,
        "含碳量 (%)",
        "carbon mass fraction (%)",
    ),
    MeasuredColumn(
        "biogenic_fraction",
        "percent",
        "",
        ("combustion",),
        0,
        100,
        0,
        100,
        "生物质碳比例 (%)",
        "biogenic share of the fuel's carbon (%)",
    ),
)
MEASURED_BY_NAME: dict[str, MeasuredColumn] = {c.name: c for c in MEASURED_COLUMNS}
UNIT_COLUMNS: tuple[str, ...] = tuple(c.unit_column for c in MEASURED_COLUMNS if c.unit_column)


def _object_array(values: Iterable[Any]) -> npt.NDArray[np.object_]:
    data = list(values)
    arr = np.empty(len(data), dtype=object)
    arr[:] = data
    return arr


@dataclass(frozen=True)
class ActivityTable:
    """Columns of activity records.

    Attributes
    ----------
    site, kind, item, unit, region : object arrays of str (region ``''`` when not given)
    year : int64 array, the data year
    amount : float64 array, in ``unit``
    measured : float64 arrays (NaN where not measured) for the columns of :data:`MEASURED_COLUMNS`
    measured_units : object arrays of unit strings for ``ncv_unit`` and ``emission_factor_unit``
    row : int64 array, the record's row in its source (for provenance and error messages)
    source : name of the file or feed the records came from
    """

    site: npt.NDArray[np.object_]
    year: npt.NDArray[np.int64]
    kind: npt.NDArray[np.object_]
    item: npt.NDArray[np.object_]
    amount: npt.NDArray[np.float64]
    unit: npt.NDArray[np.object_]
    region: npt.NDArray[np.object_]
    row: npt.NDArray[np.int64]
    measured: Mapping[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    measured_units: Mapping[str, npt.NDArray[np.object_]] = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return int(self.amount.shape[0])

    def column(self, name: str) -> npt.NDArray[np.float64]:
        """A measured column, NaN-filled when absent."""
        col = self.measured.get(name)
        return col if col is not None else np.full(len(self), np.nan)

    def unit_column(self, name: str) -> npt.NDArray[np.object_]:
        col = self.measured_units.get(name)
        return col if col is not None else _object_array([""] * len(self))

    def take(self, index: npt.NDArray[np.intp]) -> ActivityTable:
        """The records at ``index`` (a subset or a permutation)."""
        return ActivityTable(
            site=self.site[index],
            year=self.year[index],
            kind=self.kind[index],
            item=self.item[index],
            amount=self.amount[index],
            unit=self.unit[index],
            region=self.region[index],
            row=self.row[index],
            measured={k: v[index] for k, v in self.measured.items()},
            measured_units={k: v[index] for k, v in self.measured_units.items()},
            source=self.source,
        )

    @staticmethod
    def concat(tables: list[ActivityTable]) -> ActivityTable:
        """Records of several tables, one after the other."""
        names = sorted({k for t in tables for k in t.measured})
        unames = sorted({k for t in tables for k in t.measured_units})
        return ActivityTable(
            site=np.concatenate([t.site for t in tables]),
            year=np.concatenate([t.year for t in tables]),
            kind=np.concatenate([t.kind for t in tables]),
            item=np.concatenate([t.item for t in tables]),
            amount=np.concatenate([t.amount for t in tables]),
            unit=np.concatenate([t.unit for t in tables]),
            region=np.concatenate([t.region for t in tables]),
            row=np.concatenate([t.row for t in tables]),
            measured={n: np.concatenate([t.column(n) for t in tables]) for n in names},
            measured_units={n: np.concatenate([t.unit_column(n) for t in tables]) for n in unames},
            source="+".join(sorted({t.source for t in tables if t.source})),
        )

    @staticmethod
    def from_records(records: Iterable[Mapping[str, Any]], source: str = "") -> ActivityTable:
        """Build a table from dictionaries with keys ``site, year, kind, item, amount, unit`` and
        optionally ``region``, ``row`` and the measured columns (missing or ``None`` -> not measured).
        """
        recs = list(records)
        n = len(recs)

        def text(key: str) -> npt.NDArray[np.object_]:
            return _object_array(str(r.get(key) or "").strip() for r in recs)

        measured: dict[str, npt.NDArray[np.float64]] = {}
        for col in MEASURED_COLUMNS:
            if any(r.get(col.name) not in (None, "") for r in recs):
                measured[col.name] = np.array(
                    [
                        float(r[col.name]) if r.get(col.name) not in (None, "") else np.nan
                        for r in recs
                    ],
                    dtype=np.float64,
                )
        units = {u: text(u) for u in UNIT_COLUMNS if any(r.get(u) for r in recs)}
        return ActivityTable(
            site=text("site"),
            year=np.array([int(r["year"]) for r in recs], dtype=np.int64),
            kind=text("kind"),
            item=text("item"),
            amount=np.array([float(r["amount"]) for r in recs], dtype=np.float64),
            unit=text("unit"),
            region=text("region"),
            row=np.array([int(r.get("row", i + 1)) for i, r in enumerate(recs)], dtype=np.int64)
            if n
            else np.zeros(0, dtype=np.int64),
            measured=measured,
            measured_units=units,
            source=source,
        )

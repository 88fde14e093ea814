"""The result of accounting: per-record lines with provenance, and the totals a report needs.

Lines are columns (NumPy arrays) that share one index with the input records; the factors behind a
line are stored once per group of records (:class:`FactorSet`) and expanded on demand, so a million
lines cost a million floats, not a million lists of factors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenmfg.accounting.activities import MEASURED_BY_NAME, MEASURED_COLUMNS, ActivityTable
from greenmfg.accounting.flags import Flag, describe
from greenmfg.reference.model import Factor, MethodSpec
from greenmfg.units import conversion_factor


@dataclass(frozen=True)
class FactorSet:
    """Provenance shared by a group of lines: factors used, formula ids, notes."""

    factors: tuple[Factor, ...]
    formulas: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Inventory:
    """An accounted inventory. Masses in t, CO2e in tCO2e, energy in tce (exports negative)."""

    activities: ActivityTable
    method: MethodSpec
    gwp_set: str
    energy_basis: str
    grid_series: str
    reference_edition: str
    engine_version: str
    source_type: npt.NDArray[np.object_]
    gases: Mapping[str, npt.NDArray[np.float64]]  # fossil CO2 and other gases [t of gas]
    biogenic_co2: npt.NDArray[np.float64]  # [t], reported separately
    tco2e: npt.NDArray[np.float64]  # location-based for scope 2 lines
    tco2e_market: npt.NDArray[np.float64]
    energy_tce: npt.NDArray[np.float64]
    group: npt.NDArray[np.intp]
    groups: list[FactorSet]
    flags: npt.NDArray[np.int64]
    gwp_factors: Mapping[str, Factor]
    formulas: Mapping[str, Factor] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.activities)

    # ---- categories ----------------------------------------------------------------------------
    @cached_property
    def _category_arrays(
        self,
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        cats = self.method.categories
        kinds, inv = np.unique(self.source_type.astype(str), return_inverse=True)
        code = np.array([cats[k].code for k in kinds], dtype=object)[inv]
        sign = np.array([cats[k].sign for k in kinds], dtype=np.float64)[inv]
        scope = np.array([cats[k].scope or 0 for k in kinds], dtype=np.float64)[inv]
        return code, sign, scope

    @property
    def category(self) -> npt.NDArray[np.object_]:
        return self._category_arrays[0]

    @property
    def counted_tco2e(self) -> npt.NDArray[np.float64]:
        """Each line's contribution to ``total_tco2e`` (its sign under the method applied)."""
        return self._category_arrays[1] * self.tco2e

    # ---- totals --------------------------------------------------------------------------------
    def totals(self) -> dict[str, float]:
        """Headline figures [tCO2e, t, tce]."""
        _, sign, scope = self._category_arrays
        st = self.source_type
        return {
            "total_tco2e": float(np.sum(sign * self.tco2e)),
            "total_market_tco2e": float(np.sum(sign * self.tco2e_market)),
            "scope1_tco2e": float(np.sum(np.where(scope == 1, self.tco2e, 0.0))),
            "scope2_location_tco2e": float(np.sum(np.where(scope == 2, self.tco2e, 0.0))),
            "scope2_market_tco2e": float(np.sum(np.where(scope == 2, self.tco2e_market, 0.0))),
            "exported_tco2e": float(
                np.sum(
                    np.where(np.isin(st, ["electricity_export", "heat_export"]), self.tco2e, 0.0)
                )
            ),
            "recovered_tco2e": float(np.sum(np.where(st == "co2_recovery", self.tco2e, 0.0))),
            "biogenic_co2_t": float(np.sum(self.biogenic_co2)),
            "energy_tce": float(np.sum(self.energy_tce)),
        }

    def frame(self) -> pd.DataFrame:
        """The lines as a DataFrame (one row per record) for aggregation and export."""
        t = self.activities
        data: dict[str, Any] = {
            "row": t.row,
            "site": t.site,
            "year": t.year,
            "kind": t.kind,
            "item": t.item,
            "amount": t.amount,
            "unit": t.unit,
            "region": t.region,
            "source_type": self.source_type,
            "category": self.category,
            "tco2e": self.tco2e,
            "tco2e_market": self.tco2e_market,
            "counted_tco2e": self.counted_tco2e,
            "biogenic_co2_t": self.biogenic_co2,
            "energy_tce": self.energy_tce,
        }
        for gas, mass in self.gases.items():
            data[f"{gas}_t"] = mass
        return pd.DataFrame(data)

    def by(self, *keys: str) -> pd.DataFrame:
        """Totals grouped by line columns (``site``, ``year``, ``category``, ``item`` …)."""
        df = self.frame()
        values = ["counted_tco2e", "tco2e", "tco2e_market", "biogenic_co2_t", "energy_tce"]
        values += [c for c in df.columns if c.endswith("_t") and c not in values]
        return df.groupby(list(keys), sort=True, dropna=False)[values].sum().reset_index()

    def by_category(self) -> list[dict[str, Any]]:
        cats = {c.code: (k, c) for k, c in self.method.categories.items()}
        out = []
        for rec in self.by("category").to_dict("records"):
            _, c = cats[rec["category"]]
            out.append(
                {
                    "category": c.code,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                    "scope": c.scope,
                    "sign": c.sign,
                    "tco2e": rec["tco2e"],
                    "tco2e_market": rec["tco2e_market"],
                    "counted_tco2e": rec["counted_tco2e"],
                }
            )
        if self.biogenic_co2.any():
            c = self.method.categories["biogenic"]
            out.append(
                {
                    "category": c.code,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                    "scope": c.scope,
                    "sign": 0,
                    "tco2e": float(self.biogenic_co2.sum()),
                    "tco2e_market": float(self.biogenic_co2.sum()),
                    "counted_tco2e": 0.0,
                }
            )
        return out

    def by_site(self) -> list[dict[str, Any]]:
        df = self.frame()
        _, _, scope = self._category_arrays
        df["scope1_tco2e"] = np.where(scope == 1, self.tco2e, 0.0)
        df["scope2_location_tco2e"] = np.where(scope == 2, self.tco2e, 0.0)
        df["scope2_market_tco2e"] = np.where(scope == 2, self.tco2e_market, 0.0)
        df["total_market_tco2e"] = self._category_arrays[1] * self.tco2e_market
        g = (
            df.groupby(["site", "year"], sort=True)[
                [
                    "counted_tco2e",
                    "total_market_tco2e",
                    "scope1_tco2e",
                    "scope2_location_tco2e",
                    "scope2_market_tco2e",
                    "biogenic_co2_t",
                    "energy_tce",
                ]
            ]
            .sum()
            .reset_index()
        )
        g = g.rename(columns={"counted_tco2e": "total_tco2e"})
        return [_clean(r) for r in g.to_dict("records")]

    def energy_by_carrier(self) -> list[dict[str, Any]]:
        df = self.frame()
        df = df[df["energy_tce"] != 0]
        g = df.groupby(["site", "year", "kind", "item", "unit"], sort=True)[
            ["amount", "energy_tce"]
        ].sum()
        return [_clean(r) for r in g.reset_index().to_dict("records")]

    def intensities(self) -> list[dict[str, Any]]:
        """Energy and emissions per unit of product, per site-year and product.

        The site-year's whole comprehensive energy consumption [tce] and total emissions [tCO2e]
        divided by the product's output; with several products on one site, each ratio is the site
        total per unit of that product (allocate by process before comparing with a benchmark).
        """
        df = self.frame()
        prod = df[df["source_type"] == "production"]
        if prod.empty:
            return []
        site = df.groupby(["site", "year"])[["energy_tce", "counted_tco2e"]].sum()
        tce_to_kgce = conversion_factor("tce", "kgce")
        out = []
        sums = prod.groupby(["site", "year", "item", "unit"])["amount"].sum()
        for key, amount in sums.items():
            parts: tuple[Any, ...] = tuple(key)  # type: ignore[arg-type]
            s, y, item, unit = parts
            e, c = site.loc[(s, y)]
            out.append(
                {
                    "site": s,
                    "year": int(y),
                    "product": item,
                    "output": float(amount),
                    "unit": unit,
                    "energy_tce_per_unit": float(e / amount) if amount else None,
                    "kgce_per_unit": float(e * tce_to_kgce / amount) if amount else None,
                    "tco2e_per_unit": float(c / amount) if amount else None,
                }
            )
        return out

    def by_gas(self) -> dict[str, dict[str, float]]:
        return {
            gas: {
                "t": float(m.sum()),
                "gwp": self.gwp_factors[gas].value,
                "tco2e": float(m.sum() * self.gwp_factors[gas].value),
            }
            for gas, m in self.gases.items()
            if m.any() or gas == "CO2"
        }

    # ---- provenance ----------------------------------------------------------------------------
    def factors_used(self) -> list[Factor]:
        used = np.unique(self.group)
        seen: dict[str, Factor] = {}
        for g in used:
            for f in self.groups[int(g)].factors:
                seen.setdefault(f.id, f)
        for f in self.gwp_factors.values():
            seen.setdefault(f.id, f)
        return list(seen.values())

    def line(self, i: int) -> dict[str, Any]:
        """One record's result with its inputs echoed, factors (measured values replacing the
        defaults they override), formulas, GWP set and quality flags."""
        t = self.activities
        fs = self.groups[int(self.group[i])]
        measured = {
            c.name: float(t.measured[c.name][i])
            for c in MEASURED_COLUMNS
            if c.name in t.measured and not math.isnan(t.measured[c.name][i])
        }
        overridden = {"ncv", "carbon_content", "oxidation_rate"}
        factors = [
            f.as_dict()
            for f in fs.factors
            if not (f.parameter in overridden and f.parameter in measured)
        ]
        where = t.source or "records"
        for name, value in measured.items():
            col = MEASURED_BY_NAME[name]
            unit = col.unit or str(t.unit_column(col.unit_column)[i])
            factors.append(
                {
                    "id": f"measured/{where}/row{int(t.row[i])}/{name}",
                    "parameter": name,
                    "value": value,
                    "unit": unit,
                    "source": f"measured, {where} row {int(t.row[i])}",
                    "confidence": "measured",
                }
            )
        gwp = [
            self.gwp_factors[g].as_dict() for g, m in self.gases.items() if m[i] != 0 and g != "CO2"
        ]
        cat = self.method.categories[str(self.source_type[i])]
        return {
            "row": int(t.row[i]),
            "site": str(t.site[i]),
            "year": int(t.year[i]),
            "kind": str(t.kind[i]),
            "item": str(t.item[i]),
            "amount": float(t.amount[i]),
            "unit": str(t.unit[i]),
            "region": str(t.region[i]),
            "category": cat.code,
            "category_zh": cat.label_zh,
            "scope": cat.scope,
            "gases_t": {g: float(m[i]) for g, m in self.gases.items() if m[i] != 0},
            "biogenic_co2_t": float(self.biogenic_co2[i]),
            "tco2e": float(self.tco2e[i]),
            "tco2e_market": float(self.tco2e_market[i]),
            "counted_tco2e": float(self.counted_tco2e[i]),
            "energy_tce": float(self.energy_tce[i]),
            "factors": factors,
            "gwp": gwp,
            "formulas": [self._formula(f) for f in fs.formulas],
            "flags": describe(int(self.flags[i])),
            "notes": list(fs.notes),
        }

    def _formula(self, formula_id: str) -> dict[str, Any]:
        f = self.formulas.get(formula_id)
        if f is None:
            return {"id": formula_id, "expression": "", "source": "", "confidence": "unverified"}
        return {
            "id": formula_id,
            "expression": f.parameter,
            "source": f.source.label(),
            "confidence": f.source.confidence,
        }

    def quality_summary(self) -> dict[str, int]:
        """How many lines carry each quality flag."""
        return {
            flag.name or str(int(flag)): int(np.count_nonzero(self.flags & flag))
            for flag in Flag
            if np.any(self.flags & flag)
        }

    def to_dict(self, lines: bool = True) -> dict[str, Any]:
        """The whole inventory as JSON-ready data (see the CLI's ``--format json``)."""
        used = self.factors_used()
        out: dict[str, Any] = {
            "method": self.method.name,
            "method_title": self.method.title,
            "gwp_set": self.gwp_set,
            "energy_basis": self.energy_basis,
            "grid_series": self.grid_series,
            "reference_edition": self.reference_edition,
            "engine_version": self.engine_version,
            "records": len(self),
            **self.totals(),
            "by_category": self.by_category(),
            "by_site": self.by_site(),
            "by_gas": self.by_gas(),
            "energy_by_carrier": self.energy_by_carrier(),
            "intensities": self.intensities(),
            "quality": self.quality_summary(),
            "factors_used": [f.as_dict() for f in used],
            "unverified_factors": [f.id for f in used if f.source.confidence == "unverified"],
        }
        if lines:
            out["lines"] = [self.line(i) for i in range(len(self))]
        return out


def _clean(record: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in record.items()}

"""Factorised columns: each distinct value of a text column coded once, shared by validation and
grouping, so per-value work (parsing a unit, resolving a region, looking up factors) happens once
per distinct value instead of once per record."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenmfg.accounting.activities import ActivityTable


@dataclass
class Encoded:
    """Codes (``intp`` arrays) and distinct values per column of an :class:`ActivityTable`."""

    table: ActivityTable
    codes: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict)
    uniques: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict)

    def column(self, name: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
        if name not in self.codes:
            t = self.table
            values = {
                "site": t.site,
                "year": t.year,
                "kind": t.kind,
                "item": t.item,
                "unit": t.unit,
                "region": t.region,
            }.get(name)
            if values is None:
                if name in t.measured_units:
                    values = t.measured_units[name]
                else:  # absent unit column: one distinct value, no work per row
                    self.codes[name] = np.zeros(len(t), dtype=np.intp)
                    self.uniques[name] = np.array([""], dtype=object)
                    return self.codes[name], self.uniques[name]
            c, u = pd.factorize(values, use_na_sentinel=False)
            self.codes[name] = c.astype(np.intp, copy=False)
            self.uniques[name] = np.asarray(u, dtype=object)
        return self.codes[name], self.uniques[name]

    def combine(self, *names: str) -> tuple[npt.NDArray[np.intp], list[tuple[object, ...]]]:
        """Codes of the distinct combinations of columns, and the combinations themselves."""
        combined = np.zeros(len(self.table), dtype=np.int64)
        parts = []
        for name in names:
            c, u = self.column(name)
            combined = combined * len(u) + c
            parts.append(u)
        codes, distinct = pd.factorize(combined, use_na_sentinel=False)
        keys = []
        for value in distinct:
            key = []
            for u in reversed(parts):
                key.append(u[value % len(u)])
                value //= len(u)
            keys.append(tuple(reversed(key)))
        return codes.astype(np.intp, copy=False), keys


def rows_of(
    codes: npt.NDArray[np.intp], k: int, rows: npt.NDArray[np.int64], limit: int
) -> npt.NDArray[np.int64]:
    """Source rows of the records whose code is ``k`` (at most ``limit``)."""
    return rows[np.flatnonzero(codes == k)[:limit]]

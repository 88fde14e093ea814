"""Loader of the product-footprint and EU CBAM reference tables.

* ``product_footprints.csv``: background (mostly cradle-to-gate) carbon-footprint factors of key
  products and of electricity, per geography (``GLO``, an ISO 3166 alpha-2 code, or a greenmfg
  region code of ``regions.csv``: ``CN``, ``grid_*``, a GB/T 2260 province code) and reference year.
  The product-footprint engine uses them for purchased inputs without a supplier footprint.
* ``cbam_default_values.csv``: default values of specific embedded emissions (tCO2e per tonne of
  good) per CN code and country of production, Implementing Regulation (EU) 2025/2621 Annex I as
  replaced by Implementing Regulation (EU) 2026/1740, with the mark-up percentages per year.
* ``cbam_goods.csv``: CN code -> aggregated goods category of Annex I to Regulation (EU) 2023/956,
  whether the code is in scope, and whether indirect emissions count (not for Annex II goods,
  Article 7(1)).

Validation at load time, with file, line and column in every error: units parse with the project's
pint registry and ``unit`` x ``declared_unit`` is a mass; values are positive; confidence levels,
system boundaries, GWP sets and uncertainty notation are known; total = direct + indirect within
rounding; CN codes are digits; no duplicate keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from greenmfg.reference.loader import ReferenceDataError, Row, _rows, _year, get_reference
from greenmfg.reference.model import CONFIDENCE_LEVELS, ReferenceData, Source
from greenmfg.units import UnitError, conversion_factor, parse_unit

PRODUCT_COLUMNS = (
    "dataset",
    "product_id",
    "product_name_zh",
    "product_name_en",
    "geography",
    "reference_year",
    "value",
    "unit",
    "declared_unit",
    "system_boundary",
    "gwp_set",
    "uncertainty",
)
CBAM_COLUMNS = (
    "dataset",
    "cn_code",
    "description",
    "country",
    "direct",
    "indirect",
    "total",
    "unit",
    "route",
    "valid_from",
    "markup_2026",
    "markup_2027",
    "markup_2028",
)
GOODS_COLUMNS = (
    "cn_code",
    "description",
    "category",
    "in_scope",
    "indirect_counted",
    "greenhouse_gases",
)
# 'co2-intensity': an emission intensity that is not a life-cycle footprint (e.g. the MEE/NBS
# electricity CO2 factors, worldsteel's CO2 intensity); kept apart so the engine can flag it.
SYSTEM_BOUNDARIES = ("cradle-to-gate", "cradle-to-grave", "gate-to-gate", "co2-intensity")
GWP_SETS = ("ar4", "ar5", "ar6", "co2_only", "unknown")
UNCERTAINTY_KINDS = ("gsd", "sd", "range")
CBAM_CATEGORIES = (
    "cement",
    "iron_and_steel",
    "aluminium",
    "fertilisers",
    "hydrogen",
    "electricity",
)
GLOBAL = "GLO"
# CBAM definitive period: the mark-up of the last column applies to every later year
# (IR 2025/2621 Annex I opening paragraph as replaced by IR 2026/1740: '30 % for the year 2028
# and onwards'; fertilisers '1 % for the year 2026 and onwards').
MARKUP_YEARS = (2026, 2027, 2028)
# Rounding tolerance of total = direct + indirect: the annex rounds each column to 2 decimals.
TOTAL_TOLERANCE = 0.015

_GEOGRAPHY = re.compile(r"GLO|[A-Z]{2}|grid_[a-z]+|\d{6}")
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_MASS = parse_unit("1 kg").dimensionality
_CONFIDENCE_RANK = {c: i for i, c in enumerate(CONFIDENCE_LEVELS)}


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """Uncertainty as the source gives it: a geometric standard deviation (``gsd``), a standard
    deviation (``sd``, in the factor's unit) or a ``range`` (low, high, in the factor's unit)."""

    kind: str
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ProductFootprintFactor:
    """A background carbon-footprint factor of one product in one geography and year.

    ``value`` is in ``unit`` per ``declared_unit`` (``unit`` x ``declared_unit`` is a mass of
    CO2e, e.g. ``kgCO2e/kWh`` for ``1 kWh``; ``kgCO2e/(28 kWh)`` for a 28 kWh battery pack).
    """

    dataset: str
    product_id: str
    name_zh: str
    name_en: str
    geography: str
    reference_year: int | None
    value: float
    unit: str
    declared_unit: str
    system_boundary: str
    gwp_set: str
    uncertainty: Uncertainty | None
    source: Source
    line: int

    @property
    def unverified(self) -> bool:
        """True when the row is only ``unverified`` (a single weak source): flag it in results."""
        return self.source.confidence == "unverified"

    def value_in(self, unit: str) -> float:
        """The factor converted to ``unit`` (e.g. ``'kgCO2e/kWh'``), dimension-checked by pint.

        Raises :class:`greenmfg.units.UnitError` for an incompatible unit.
        """
        return self.value * conversion_factor(self.unit, unit)


@dataclass(frozen=True, slots=True)
class CbamDefaultValue:
    """An EU CBAM default value of specific embedded emissions [tCO2e/t of good].

    ``indirect`` is ``None`` where the annex prints N/A (Annex II goods: direct emissions only).
    ``markups`` maps 2026, 2027, 2028 to the mark-up in percent applied to ``total``.
    """

    dataset: str
    cn_code: str
    description: str
    country: str
    direct: float
    indirect: float | None
    total: float
    unit: str
    route: str
    valid_from: date
    markups: tuple[tuple[int, float], ...]
    source: Source
    line: int

    def markup_percent(self, year: int) -> float:
        """Mark-up [%] for an import ``year``; the 2028 value applies to later years.

        Raises ``ValueError`` for a year before the definitive period (no mark-up defined).
        """
        if not self.markups:
            raise ValueError(f"no mark-up recorded for CN {self.cn_code} ({self.country})")
        first = self.markups[0][0]
        if year < first:
            raise ValueError(f"no CBAM mark-up before {first} (import year {year})")
        percent = self.markups[0][1]
        for y, p in self.markups:
            if y <= year:
                percent = p
        return percent

    def total_with_markup(self, year: int) -> float:
        """Default total emissions including the mark-up of ``year`` [tCO2e/t]:
        ``total x (1 + markup/100)`` (IR 2025/2621 Annex I opening paragraph, as replaced by
        IR 2026/1740: the mark-up is applied to the 'total emissions' column)."""
        return self.total * (1.0 + self.markup_percent(year) / 100.0)


@dataclass(frozen=True, slots=True)
class CbamGood:
    """A CN code (or prefix) of Annex I to Regulation (EU) 2023/956 and its aggregated category.

    ``indirect_counted`` is ``False`` for Annex II goods (Article 7(1): direct emissions only),
    ``None`` for codes outside CBAM (``in_scope`` False).
    """

    cn_code: str
    description: str
    category: str
    in_scope: bool
    indirect_counted: bool | None
    greenhouse_gases: str
    source: Source
    line: int


# ---- row helpers ---------------------------------------------------------------------------------
def _snake(row: Row, column: str) -> str:
    text = row[column].strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        raise row.fail(column, "a snake_case id")
    return text


def _positive(row: Row, column: str) -> float:
    value = row.number(column)
    if not value > 0:
        raise row.fail(column, "a positive number")
    return value


def _choice(row: Row, column: str, choices: tuple[str, ...]) -> str:
    text = row[column].strip()
    if text not in choices:
        raise row.fail(column, "one of " + ", ".join(choices))
    return text


def _boolean(row: Row, column: str) -> bool:
    text = row[column].strip().lower()
    if text not in ("true", "false"):
        raise row.fail(column, "true or false")
    return text == "true"


def _uncertainty(row: Row) -> Uncertainty | None:
    """``''``, ``gsd:X``, ``sd:X`` or ``range:LOW..HIGH`` (numbers as the source prints them)."""
    text = row["uncertainty"].strip()
    if not text:
        return None
    kind, _, rest = text.partition(":")
    if kind == "range":
        m = re.fullmatch(rf"({_NUMBER})\.\.({_NUMBER})", rest)
        if m and float(m.group(1)) < float(m.group(2)):
            return Uncertainty("range", (float(m.group(1)), float(m.group(2))))
    elif kind in ("gsd", "sd") and re.fullmatch(_NUMBER, rest):
        value = float(rest)
        if value > 0 and (kind == "sd" or value >= 1):
            return Uncertainty(kind, (value,))
    raise row.fail("uncertainty", "empty, gsd:X (X >= 1), sd:X or range:LOW..HIGH")


def _declared(row: Row, unit: str) -> str:
    declared = row["declared_unit"].strip()
    try:
        mass = parse_unit(f"({unit}) * ({declared})").dimensionality == _MASS
    except UnitError:
        raise row.fail(
            "declared_unit", "a quantity pint can parse, e.g. '1 kWh' or '1 t'"
        ) from None
    if not mass:
        raise row.fail(
            "declared_unit",
            f"a quantity that multiplied by the unit {unit!r} gives a mass (e.g. '1 kWh' for "
            "kgCO2e/kWh)",
        )
    return declared


def _cn(row: Row, column: str) -> str:
    code = normalise_cn(row[column])
    if not re.fullmatch(r"\d{2,10}", code):
        raise row.fail(column, "a CN/TARIC code of 2 to 10 digits")
    return code


def normalise_cn(code: str) -> str:
    """A CN code without spaces or dots (``'7208 25 00'`` -> ``'72082500'``)."""
    return re.sub(r"[\s.]", "", code)


# ---- loaders -------------------------------------------------------------------------------------
def _footprint(row: Row) -> ProductFootprintFactor:
    geography = row["geography"].strip()
    if not _GEOGRAPHY.fullmatch(geography):
        raise row.fail("geography", "GLO, an ISO 3166 alpha-2 code or a region code of regions.csv")
    unit = row.unit("unit")
    source = row.source()
    return ProductFootprintFactor(
        dataset=_snake(row, "dataset"),
        product_id=_snake(row, "product_id"),
        name_zh=row["product_name_zh"].strip(),
        name_en=row["product_name_en"].strip(),
        geography=geography,
        reference_year=_year(row, "reference_year"),
        value=_positive(row, "value"),
        unit=unit,
        declared_unit=_declared(row, unit),
        system_boundary=_choice(row, "system_boundary", SYSTEM_BOUNDARIES),
        gwp_set=_choice(row, "gwp_set", GWP_SETS),
        uncertainty=_uncertainty(row),
        source=source,
        line=row.line,
    )


def load_product_footprints(root: Traversable | None = None) -> tuple[ProductFootprintFactor, ...]:
    """Read and validate ``product_footprints.csv`` (the package's own folder by default).

    Raises :class:`ReferenceDataError` naming file, line and column for a bad row, and the line
    of a duplicate (dataset, product_id, geography, reference_year).
    """
    root = root or files("greenmfg") / "reference"
    out: list[ProductFootprintFactor] = []
    seen: dict[tuple[str, str, str, int | None], int] = {}
    for row in _rows(root, "product_footprints", PRODUCT_COLUMNS):
        f = _footprint(row)
        key = (f.dataset, f.product_id, f.geography, f.reference_year)
        if key in seen:
            raise ReferenceDataError(
                f"{row.path}, line {row.line}: duplicate key {key!r} "
                f"(dataset, product_id, geography, reference_year), first on line {seen[key]}"
            )
        seen[key] = row.line
        out.append(f)
    return tuple(out)


def _cbam(row: Row) -> CbamDefaultValue:
    country = row["country"].strip()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise row.fail("country", "an ISO 3166 alpha-2 code such as CN")
    direct = _positive(row, "direct")
    indirect: float | None = None
    if row["indirect"].strip():
        indirect = row.number("indirect")
        if indirect < 0:
            raise row.fail("indirect", "a number >= 0, or empty where the annex prints N/A")
    total = _positive(row, "total")
    if abs(direct + (indirect or 0.0) - total) > TOTAL_TOLERANCE:
        raise row.fail(
            "total", f"direct + indirect = {direct + (indirect or 0.0):g} within rounding"
        )
    unit = row.unit("unit", "dimensionless")
    try:
        valid_from = date.fromisoformat(row["valid_from"].strip())
    except ValueError:
        raise row.fail("valid_from", "an ISO date such as 2026-01-01") from None
    texts = [row[f"markup_{y}"].strip() for y in MARKUP_YEARS]
    markups: list[tuple[int, float]] = []
    if any(texts):
        for year in MARKUP_YEARS:
            column = f"markup_{year}"
            if not row[column].strip():
                raise row.fail(column, "a mark-up in percent (all three years or none)")
            percent = row.number(column)
            if percent < 0:
                raise row.fail(column, "a mark-up in percent >= 0")
            markups.append((year, percent))
    return CbamDefaultValue(
        dataset=_snake(row, "dataset"),
        cn_code=_cn(row, "cn_code"),
        description=row["description"].strip(),
        country=country,
        direct=direct,
        indirect=indirect,
        total=total,
        unit=unit,
        route=row["route"].strip(),
        valid_from=valid_from,
        markups=tuple(markups),
        source=row.source(),
        line=row.line,
    )


def load_cbam_defaults(root: Traversable | None = None) -> tuple[CbamDefaultValue, ...]:
    """Read and validate ``cbam_default_values.csv`` (the package's own folder by default)."""
    root = root or files("greenmfg") / "reference"
    out: list[CbamDefaultValue] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in _rows(root, "cbam_default_values", CBAM_COLUMNS):
        v = _cbam(row)
        key = (v.dataset, v.cn_code, v.country)
        if key in seen:
            raise ReferenceDataError(
                f"{row.path}, line {row.line}: duplicate key {key!r} (dataset, cn_code, country), "
                f"first on line {seen[key]}"
            )
        seen[key] = row.line
        out.append(v)
    return tuple(out)


def load_cbam_goods(root: Traversable | None = None) -> tuple[CbamGood, ...]:
    """Read and validate ``cbam_goods.csv`` (the package's own folder by default)."""
    root = root or files("greenmfg") / "reference"
    out: list[CbamGood] = []
    seen: dict[str, int] = {}
    for row in _rows(root, "cbam_goods", GOODS_COLUMNS):
        code = _cn(row, "cn_code")
        in_scope = _boolean(row, "in_scope")
        indirect: bool | None = None
        if in_scope:
            indirect = _boolean(row, "indirect_counted")
        elif row["indirect_counted"].strip():
            raise row.fail("indirect_counted", "empty for a code outside CBAM (in_scope false)")
        if code in seen:
            raise ReferenceDataError(
                f"{row.path}, line {row.line}: duplicate cn_code {code!r}, first on line "
                f"{seen[code]}"
            )
        seen[code] = row.line
        out.append(
            CbamGood(
                cn_code=code,
                description=row["description"].strip(),
                category=_choice(row, "category", CBAM_CATEGORIES),
                in_scope=in_scope,
                indirect_counted=indirect,
                greenhouse_gases=row["greenhouse_gases"].strip(),
                source=row.source(),
                line=row.line,
            )
        )
    return tuple(out)


def check_geographies(factors: tuple[ProductFootprintFactor, ...], ref: ReferenceData) -> None:
    """Every region code (``CN``, ``grid_*``, province) must exist in ``regions.csv``.

    ``GLO`` and other ISO alpha-2 codes are accepted as they are. Raises
    :class:`ReferenceDataError` naming the line of the first unknown code.
    """
    for f in factors:
        g = f.geography
        regional = g.startswith("grid_") or g.isdigit() or g == "CN"
        if regional and g not in ref.regions:
            raise ReferenceDataError(
                f"reference/product_footprints.csv, line {f.line}, column 'geography': "
                f"expected a region code of regions.csv, got {g!r}"
            )


# ---- cached accessors ----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def product_footprint_factors() -> tuple[ProductFootprintFactor, ...]:
    """The package's product-footprint factors, loaded and cross-checked once."""
    factors = load_product_footprints()
    check_geographies(factors, get_reference())
    return factors


@lru_cache(maxsize=1)
def cbam_defaults() -> tuple[CbamDefaultValue, ...]:
    """The package's CBAM default values, loaded once."""
    return load_cbam_defaults()


@lru_cache(maxsize=1)
def cbam_goods() -> tuple[CbamGood, ...]:
    """The package's CBAM goods list, loaded once."""
    return load_cbam_goods()


# ---- look-ups ------------------------------------------------------------------------------------
def region_chain(geography: str, ref: ReferenceData, fallback_global: bool = True) -> list[str]:
    """Geographies to try, finest first: province -> grid region -> ``CN`` (-> ``GLO``).

    ``geography`` is anything :meth:`ReferenceData.resolve_region` understands (GB/T 2260 code,
    including city and county codes, Chinese or English name, grid id) or an ISO alpha-2 code
    (``'DE'``) or ``'GLO'``. Raises ``KeyError`` for an unknown geography.
    """
    text = geography.strip()
    if text.upper() == GLOBAL:
        return [GLOBAL]
    chain: list[str] = []
    try:
        region = ref.resolve_region(text)
    except KeyError:
        region = None
    if region is None:
        # not a Chinese region: a foreign ISO 3166 alpha-2 code is looked up as it is
        if not re.fullmatch(r"[A-Za-z]{2}", text):
            raise KeyError(f"unknown geography {geography!r}")
        chain.append(text.upper())
    while region is not None:
        chain.append(region.code)
        region = ref.regions.get(region.parent) if region.parent else None
    if fallback_global:
        chain.append(GLOBAL)
    return chain


def _best(candidates: list[ProductFootprintFactor]) -> ProductFootprintFactor:
    """Newest year first, then the most confident source, then dataset name (stable)."""
    return min(
        candidates,
        key=lambda f: (
            -(f.reference_year or 0),
            _CONFIDENCE_RANK.get(f.source.confidence, 99),
            f.dataset,
        ),
    )


def product_footprint(
    product_id: str,
    geography: str,
    year: int | None = None,
    *,
    dataset: str | None = None,
    fallback_global: bool = True,
    factors: tuple[ProductFootprintFactor, ...] | None = None,
    ref: ReferenceData | None = None,
) -> ProductFootprintFactor:
    """The footprint factor of ``product_id`` for ``geography``, falling back to coarser regions.

    Parameters
    ----------
    product_id : id of ``product_footprints.csv`` (e.g. ``'electricity_grid_co2'``)
    geography : province, grid region, ``CN``, ISO alpha-2 code or ``GLO`` (see
        :func:`region_chain`); the search goes province -> grid -> ``CN`` -> ``GLO``.
    year : reference year wanted; ``None`` takes the newest year at the finest geography that
        has the product. With a year, only rows of that year match (a coarser region of the same
        year is preferred to an older year of the finer region).
    dataset : restrict to one dataset.
    fallback_global : whether ``GLO`` closes the chain; the returned factor's ``geography``
        tells the caller which level was used (flag a proxy when it differs from the request).

    Raises ``KeyError`` (with the geographies tried and the years held) when nothing matches.
    """
    factors = product_footprint_factors() if factors is None else factors
    ref = get_reference() if ref is None else ref
    rows = [
        f
        for f in factors
        if f.product_id == product_id and (dataset is None or f.dataset == dataset)
    ]
    if not rows:
        known = sorted({f.product_id for f in factors})
        raise KeyError(f"no footprint factor for product {product_id!r}; known: {', '.join(known)}")
    chain = region_chain(geography, ref, fallback_global)
    for geo in chain:
        candidates = [f for f in rows if f.geography == geo]
        if year is not None:
            candidates = [f for f in candidates if f.reference_year == year]
        if candidates:
            return _best(candidates)
    held = sorted({f"{f.geography} {f.reference_year or '-'}" for f in rows})
    wanted = f" for {year}" if year is not None else ""
    raise KeyError(
        f"no footprint factor for {product_id!r} in {geography!r}{wanted} "
        f"(tried {' -> '.join(chain)}; held: {', '.join(held)})"
    )


def cbam_default(
    cn_code: str,
    country: str = "CN",
    *,
    dataset: str | None = None,
    values: tuple[CbamDefaultValue, ...] | None = None,
) -> CbamDefaultValue:
    """The CBAM default value of ``cn_code`` for a country of production.

    Tries the code itself, then its 8-, 6- and 4-digit prefixes (the annex gives many values at
    heading level, e.g. 7208 for every hot-rolled flat code). A code that only has longer
    (TARIC) rows, e.g. 2523 10 00 split into white and grey clinker, raises ``KeyError`` naming
    them. Where the country has no value the regulation sends the importer to the 'Other countries
    and territories' table, which is not held here: ``KeyError``.
    """
    values = cbam_defaults() if values is None else values
    code = normalise_cn(cn_code)
    if not code.isdigit():
        raise KeyError(f"CN code {cn_code!r} is not a number")
    wanted = country.strip().upper()
    rows = {
        v.cn_code: v
        for v in values
        if v.country == wanted and (dataset is None or v.dataset == dataset)
    }
    tried = [code] + [code[:n] for n in (8, 6, 4) if n < len(code)]
    for candidate in tried:
        if candidate in rows:
            return rows[candidate]
    longer = sorted(c for c in rows if c.startswith(code) and c != code)
    if longer:
        names = "; ".join(f"{c} ({rows[c].description})" for c in longer)
        raise KeyError(f"CN code {code} is split in the annex; choose one of: {names}")
    raise KeyError(
        f"no CBAM default value held for CN {code} from {wanted} (tried {', '.join(tried)}); "
        "the annex then applies the 'Other countries and territories' table, not held here"
    )


def cbam_good(cn_code: str, goods: tuple[CbamGood, ...] | None = None) -> CbamGood:
    """The Annex I entry covering ``cn_code`` (longest matching prefix).

    A code under an 'Except' entry returns that entry (``in_scope`` False). Raises ``KeyError``
    for a code outside every entry (not a CBAM good).
    """
    goods = cbam_goods() if goods is None else goods
    code = normalise_cn(cn_code)
    matches = [g for g in goods if code.startswith(g.cn_code)]
    if not matches:
        raise KeyError(f"CN code {code} is not in Annex I to Regulation (EU) 2023/956 (not CBAM)")
    return max(matches, key=lambda g: len(g.cn_code))

"""Typed reference data: factors with their provenance, items, regions and accounting methods.

These are plain frozen dataclasses; :mod:`greenmfg.reference.loader` builds them from the data files.
The domain core receives a :class:`ReferenceData` and never opens a file itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Confidence = Literal["official", "secondary", "unverified"]
CONFIDENCE_LEVELS: tuple[str, ...] = ("official", "secondary", "unverified")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a figure comes from: document, edition, clause or table, and how sure we are."""

    document: str
    edition: str
    clause: str
    confidence: str
    notes: str = ""

    def label(self) -> str:
        """One-line citation, e.g. ``'GB/T 32150-2015 (2015), Annex B, Table B.1'``."""
        parts = [self.document]
        if self.edition and self.edition not in self.document:
            parts.append(f"({self.edition})")
        text = " ".join(parts)
        return f"{text}, {self.clause}" if self.clause else text


@dataclass(frozen=True, slots=True)
class Factor:
    """One coefficient from a reference table.

    ``id`` is stable and human readable, ``table/key…/parameter`` (e.g.
    ``fuel_parameters/gbt32150_2015/natural_gas/ncv``), so a report line can be traced back to the
    exact row of the data file.
    """

    id: str
    parameter: str
    value: float
    unit: str
    source: Source

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "parameter": self.parameter,
            "value": self.value,
            "unit": self.unit,
            "source": self.source.label(),
            "source_document": self.source.document,
            "edition": self.source.edition,
            "clause": self.source.clause,
            "confidence": self.source.confidence,
        }


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """An activity item of the catalogue (``items.csv``)."""

    item: str
    kind: str
    name_zh: str
    name_en: str
    default_unit: str
    method: str
    factor_item: str
    biogenic: bool
    source: Source


@dataclass(frozen=True, slots=True)
class Label:
    """A display name of a code (GB/T 4754 industry, GB/T 2260 prefecture or county)."""

    code: str
    level: str
    name_zh: str
    name_en: str
    source: Source

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True, slots=True)
class BenchmarkLevel:
    """An energy-efficiency benchmark (标杆) and base (基准) level of one indicator, as published in
    an NDRC catalogue (``catalogue`` = 2021 or 2023 edition). Lower values are better. ``None``
    marks a value that could not be sourced (``status`` says so; never a guess)."""

    catalogue: int
    area_id: str
    area_zh: str
    area_en: str
    indicator_id: str
    indicator_zh: str
    indicator_en: str
    unit: str
    scope: str
    benchmark: float | None
    base: float | None
    deadline: str  # ISO date by which capacity below base is upgraded or exits
    status: str  # sourced | partial | missing
    source: Source


@dataclass(frozen=True, slots=True)
class LimitGrades:
    """Grades 1/2/3 of a mandatory energy-consumption-limit standard (grade 3: the limit existing
    plants must meet). Lower values are better; ``None`` where not sourced."""

    standard: str
    area_id: str
    indicator_id: str
    indicator_zh: str
    indicator_en: str
    unit: str
    scope: str
    grades: tuple[float | None, float | None, float | None]
    source: Source


@dataclass(frozen=True, slots=True)
class PolicyTarget:
    """A quantified policy target (e.g. the 2030 green-factory output share of the 2024 Guiding
    Opinions): ``comparator`` ``>`` (exceed) or ``>=`` (reach), ``value`` in ``unit``."""

    target_id: str
    indicator_zh: str
    indicator_en: str
    comparator: str
    value: float
    unit: str
    target_year: int
    source: Source

    def met_by(self, value: float) -> bool:
        """Whether ``value`` (in ``unit``) meets the target."""
        return value > self.value if self.comparator == ">" else value >= self.value


@dataclass(frozen=True, slots=True)
class Region:
    """A GB/T 2260 province, an MEE/NBS grid region, or the nation."""

    code: str
    level: str  # nation | grid | province
    parent: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Category:
    """How one source type is reported under a method."""

    code: str
    label_zh: str
    label_en: str
    scope: int | None  # 1, 2, 3 or None (memo items outside the scopes)
    sign: int  # +1 adds to the total, -1 is deducted, 0 is reported but not totalled


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """An accounting method: which gases, which GWP set by default, how source types are reported."""

    name: str
    title: str
    default_gwp: str
    combustion_gases: tuple[str, ...]
    ch4_n2o_dataset: str
    categories: Mapping[str, Category]
    formula: str
    notes: str = ""


@dataclass(frozen=True)
class ReferenceData:
    """All reference tables, validated and indexed for look-up.

    Attributes are dictionaries keyed as documented; the loader guarantees every key is unique.
    """

    items: Mapping[str, ItemSpec]
    fuel: Mapping[tuple[str, str, str], Factor]  # (dataset, item, parameter)
    gwp: Mapping[tuple[str, str], Factor]  # (gwp_set, gas)
    electricity: Mapping[tuple[str, int, str], Factor]  # (series, data_year, region_code)
    heat: Mapping[str, Factor]  # item
    process: Mapping[tuple[str, str], Factor]  # (item, gas or parameter)
    energy: Mapping[tuple[str, str, int | None], Factor]  # (item, basis, data_year)
    constants: Mapping[str, Factor]
    formulas: Mapping[str, Factor]
    regions: Mapping[str, Region]
    methods: Mapping[str, MethodSpec]
    edition: str
    region_aliases: Mapping[str, str] = field(default_factory=dict)
    industries: Mapping[str, Label] = field(default_factory=dict)  # GB/T 4754 code
    places: Mapping[str, Label] = field(default_factory=dict)  # GB/T 2260 prefecture/county code
    benchmark_levels: tuple[BenchmarkLevel, ...] = ()
    limit_grades: tuple[LimitGrades, ...] = ()
    policy_targets: tuple[PolicyTarget, ...] = ()

    def benchmark_level(self, indicator_id: str, catalogue: int | None = None) -> BenchmarkLevel:
        """The level of ``indicator_id`` in the newest catalogue (or the newest not after
        ``catalogue``). Raises ``KeyError`` if the indicator is not in the reference data."""
        rows = [
            b
            for b in self.benchmark_levels
            if b.indicator_id == indicator_id and (catalogue is None or b.catalogue <= catalogue)
        ]
        if not rows:
            raise KeyError(indicator_id)
        return max(rows, key=lambda b: b.catalogue)

    def limit_grades_of(self, indicator_id: str) -> LimitGrades | None:
        """The limit-standard grades of ``indicator_id``, or ``None`` when none are held."""
        return next((g for g in self.limit_grades if g.indicator_id == indicator_id), None)

    def policy_target(self, target_id: str) -> PolicyTarget:
        """The policy target ``target_id`` (``policy_targets.csv``); ``KeyError`` if absent."""
        for t in self.policy_targets:
            if t.target_id == target_id:
                return t
        raise KeyError(target_id)

    def industry_name(self, code: str | None, lang: str = "zh") -> str:
        """The name of a GB/T 4754 code, or of its nearest named parent (class -> division),
        or the code itself."""
        if not code:
            return ""
        for k in (code, code[:3], code[:1]):
            label = self.industries.get(k)
            if label is not None:
                return label.name(lang)
        return code

    def place_name(self, code: str | None, lang: str = "zh") -> str:
        """The name of a GB/T 2260 code: the place itself, else its prefecture, else its province,
        else the code."""
        if not code:
            return ""
        label = self.places.get(code) or self.places.get(code[:4] + "00")
        if label is not None:
            return label.name(lang)
        province = self.regions.get(code[:2] + "0000")
        if province is not None:
            return province.name_en if lang == "en" else province.name_zh
        return code

    def constant(self, name: str) -> Factor:
        """A named constant (``constants.csv``), e.g. ``co2_per_carbon`` (44/12)."""
        return self.constants[name]

    def formula(self, formula_id: str) -> Factor | None:
        """The clause reference of a formula (``formulas.csv``), or ``None`` if not recorded."""
        return self.formulas.get(formula_id)

    def resolve_region(self, text: str) -> Region | None:
        """Find a region by GB/T 2260 code (a city or county code resolves to its province),
        Chinese name (full or short), English name or grid id.

        Returns ``None`` for an empty string; raises ``KeyError`` for an unknown region.
        """
        key = text.strip()
        if not key:
            return None
        code = self.region_aliases.get(key.lower())
        if code is None and len(key) == 6 and key.isdigit():
            # a prefecture or county code (GB/T 2260): its first two digits name the province
            code = self.region_aliases.get(key[:2])
        if code is None:
            raise KeyError(key)
        return self.regions[code]

    def gwp_sets(self) -> list[str]:
        return sorted({s for s, _ in self.gwp})

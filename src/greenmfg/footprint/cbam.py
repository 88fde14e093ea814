"""EU CBAM specific embedded emissions (SEE) of every good of an installation, precursors included.

An installation has production processes (one per aggregated goods category and its CN codes) and
may buy precursors from other installations. For every process ``g`` the specific embedded
emissions are, separately for the direct and the indirect channel,

    SEE_g     = (AttrEm_g + EE_InpMat) / AL_g                                      (1)
    EE_InpMat = sum_i M_i * SEE_i                                                  (2)

(Regulation (EU) 2023/956, Annex IV, points 2 and 3; Implementing Regulation (EU) 2025/2547,
Annex III, point B, equations 59 and 60; the transitional Implementing Regulation (EU) 2023/1773,
Annex III, applies the same method, its section numbers not checked here). ``AL_g`` is the
activity level [t], ``AttrEm_g`` the emissions attributed to the process [tCO2e], ``M_i`` the mass
of precursor ``i`` consumed in the reporting period [t], including what is cut off, spilt or lost
(2025/2547 Annex III point B), and ``SEE_i``
the precursor's own SEE [tCO2e/t]: computed the same way where the precursor is made in the
installation ("recursively", point B), taken from the supplier's verified actual values, or from
the default values of Implementing Regulation (EU) 2025/2621, Annex I (as replaced by
Implementing Regulation (EU) 2026/1740), Article 1(2), where actual values are not available
(2025/2547 Article 15 allows the mix).

Indirect attributed emissions are the electricity consumed times its emission factor,
``AttrEm_g,indir = E_el * EF_el`` [MWh x tCO2/MWh]. The factor is the caller's, with its source: an
actual factor only with a direct technical link or a power purchase agreement, otherwise the
Commission's default for the country (Implementing Regulation (EU) 2025/2621, Annex II, based on
IEA data). That default is NOT held by greenmfg (the value for China was not found in the sources
seen), so no factor is ever filled in silently; :func:`electricity_factor_from_reference` builds one
from the MEE/NBS Chinese factors as "other publicly available data" (template code ``D.4(b)``,
accepted in the transitional period; flagged in the definitive period).

Precursors form a supply chain with possible loops (two processes that exchange goods), so (1)-(2)
are solved with the footprint engine: with the technosphere ``T`` (own processes and purchased
precursors as columns, reference output 1 on the diagonal, ``-M_ij / AL_j`` for the precursor ``i``
consumed by process ``j``) and the biosphere ``B`` (attributed emissions per tonne), the SEE of all
goods is ``q = c^T B T^{-1}``, one solve per channel (:func:`greenmfg.footprint.solve_footprints`).

CBAM-relevant emissions. Both channels are always reported. For the goods of Annex II to
Regulation (EU) 2023/956 (iron and steel of chapter 72 and 7301-7326, aluminium, hydrogen,
electricity) only direct emissions are taken into account (Article 7(1)); Implementing
Regulation (EU) 2025/2547, Article 3(2) and Annex I point 3.1 (last paragraph): "When the
production process of complex goods listed in Annex II ... includes one or more precursors not
listed in that Annex, the indirect emissions of those precursors will be included ...; when the
production process of complex goods not listed in that Annex includes one or more precursors
listed in that Annex, the indirect emissions of these precursors will not be included". The
"CBAM-relevant indirect" SEE therefore solves ``r = c^T B' T'^{-1}`` with ``B'`` the own indirect
emissions of non-Annex-II processes and precursors only, and ``T'`` without the indirect path from
an Annex II precursor into a non-Annex II good. The texts of 2025/2547 were read in a public
research note quoting the Official Journal (search-index file id 67467723625); the Annex II list
is held in ``reference/cbam_goods.csv``.

Default values and mark-ups. The mark-up of the opening paragraph of Annex I to 2025/2621 (as
replaced by 2026/1740) is applied to the "total emissions" column ("for the calculation of the
number of CBAM certificates"); the direct and indirect columns are "provided for information".
Whether an operator must also mark up a default precursor inside the SEE of a complex good is not
stated in the sources seen: greenmfg does so by default (the conservative reading, flagged in the
result), splitting the marked-up total in proportion to the informative direct and indirect
columns; ``apply_markup=False`` uses the annex values as printed.

The module is a pure core: it reads no file. The caller passes the default values and the CBAM
goods list (:func:`greenmfg.reference.footprints.cbam_defaults`, ``cbam_goods``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import scipy.sparse as sp

from greenmfg.footprint.engine import SolveError, solve_footprints
from greenmfg.reference.footprints import (
    CbamDefaultValue,
    CbamGood,
    cbam_default,
    cbam_good,
    normalise_cn,
)
from greenmfg.reference.model import ReferenceData, Source
from greenmfg.units import conversion_factor

__all__ = [
    "ACTUAL_EF_CODES",
    "ELECTRICITY_EF_SOURCES",
    "FORMULAS",
    "CbamError",
    "CbamResult",
    "DefaultUse",
    "ElectricityFactor",
    "FormulaRef",
    "GoodResult",
    "Installation",
    "PrecursorInput",
    "PrecursorLine",
    "ProductionProcess",
    "PurchasedPrecursor",
    "PurchasedResult",
    "electricity_factor_from_reference",
    "embedded_emissions",
]

Determination = Literal["actual", "default", "exempt"]
FloatArray = np.ndarray

# Source of the electricity emission factor: the codes of the EU communication template for
# installations (sheet Summary_Processes, legend "Source of electricity EF"), which refer to the
# sections of Annex III to Implementing Regulation (EU) 2023/1773. (English as in the template.)
ELECTRICITY_EF_SOURCES: dict[str, tuple[str, str]] = {
    "D.4(a)": (
        "欧盟委员会提供的基于IEA数据的排放因子",
        "EF based on IEA data, provided by the European Commission",
    ),
    "D.4(b)": (
        "其他公开数据（平均排放因子或《CBAM条例》附件IV第4.3节的CO2排放因子）",
        "EF based on other publicly available data representing either the average EF or the CO2 "
        "emission factor as in section 4.3 of Annex IV of the CBAM Regulation",
    ),
    "D.4.1": (
        "设施内非热电联产自发电的排放因子",
        "EF of electricity produced in the installation other than by cogeneration",
    ),
    "D.4.2": (
        "设施内热电联产自发电的排放因子",
        "EF of electricity produced in the installation by cogeneration",
    ),
    "D.4.3.1": (
        "设施外发电、直接技术连接的排放因子",
        "EF of electricity produced outside the installation (received from a source with a "
        "direct technical link)",
    ),
    "D.4.3.2": (
        "设施外发电、购电协议（PPA）的排放因子",
        "EF of electricity produced outside the installation (received from a producer under a "
        "power purchase agreement)",
    ),
    "Mix": (
        "以上方法的组合",
        "Where the electricity is not predominantly obtained from one source or the EF by one of "
        "the above sources, the EF is determined as a mix of the methods above.",
    ),
}
# Codes standing for an actual (not default) factor: own generation, direct link, PPA.
ACTUAL_EF_CODES = frozenset({"D.4.1", "D.4.2", "D.4.3.1", "D.4.3.2"})
_DEFINITIVE_FROM = 2026  # Regulation (EU) 2023/956: definitive period from 1 January 2026
_UNLOCODE = re.compile(r"([A-Z]{2}) ?([A-Z2-9]{3})")
_ID = re.compile(r"\S(.*\S)?")


class CbamError(ValueError):
    """Invalid CBAM input: the message names the installation, the item, the field and what was
    expected."""


# ---- inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ElectricityFactor:
    """The emission factor of the electricity consumed by a process [tCO2/MWh] and where it comes
    from.

    ``source_code`` is one of :data:`ELECTRICITY_EF_SOURCES`; ``source`` names the document,
    contract or dataset (required: a factor without a source is refused); ``confidence`` as in the
    reference tables (``official``, ``secondary``, ``unverified``) or ``caller`` for a value the
    caller vouches for (PPA, own generation).
    """

    value: float
    source_code: str
    source: str
    confidence: str = "caller"
    note: str = ""

    @property
    def actual(self) -> bool:
        """True for an actual factor (own generation, direct technical link, PPA)."""
        return self.source_code in ACTUAL_EF_CODES


@dataclass(frozen=True)
class PrecursorInput:
    """``amount_t`` [t] of ``precursor`` (the id of a production process of the installation or of
    a purchased precursor) consumed by a process in the reporting period: ``M_i`` of equation (2),
    including quantities cut off, spilt or lost (2025/2547 Annex III point B)."""

    precursor: str
    amount_t: float


@dataclass(frozen=True)
class ProductionProcess:
    """A production process of the installation (communication template, sheet D_Processes).

    Parameters
    ----------
    id : short unique id (``'P1'``, ``'clinker'``).
    name : name used with the reporting declarant.
    category : aggregated goods category (e.g. ``'Cement clinker'``, ``'Iron or steel products'``).
    cn_codes : CN codes of the goods (8 digits; every code must be a CBAM good of the same
        Annex II status).
    activity_level_t : ``AL_g`` [t], total production of the process in the reporting period.
    direct_emissions_t : ``AttrEm_g,dir`` [tCO2e], directly attributable emissions including heat
        and waste-gas corrections (template D_Processes (g)-(i)).
    electricity_mwh : electricity consumed by the process [MWh].
    electricity_factor : its emission factor, required when ``electricity_mwh > 0``.
    precursors : precursors consumed (own processes or purchased precursors).
    route : production route (template A_InstData 4(a)), free text.
    """

    id: str
    name: str
    category: str
    cn_codes: tuple[str, ...]
    activity_level_t: float
    direct_emissions_t: float
    electricity_mwh: float = 0.0
    electricity_factor: ElectricityFactor | None = None
    precursors: tuple[PrecursorInput, ...] = ()
    route: str = ""


@dataclass(frozen=True)
class PurchasedPrecursor:
    """A precursor produced outside the installation (template sheet E_PurchPrec).

    ``determination``:

    * ``'actual'``: the supplier's verified SEE, ``see_direct`` and ``see_indirect`` [tCO2e/t]
      (``see_indirect`` may be left out for an Annex II good, whose indirect emissions do not
      count; it is then reported as 0 and flagged);
    * ``'default'``: the default value of ``cn_code`` for ``country`` (IR 2025/2621 Annex I) looked
      up in the table the caller passes;
    * ``'exempt'``: a precursor originating in the Union or in a country exempted under point 1 of
      Annex III to Regulation (EU) 2023/956, counted as zero (2025/2547 Annex III point B).

    ``electricity_mwh_per_t`` (specific electricity consumption) is optional, for the embedded
    electricity column of the template.
    """

    id: str
    name: str
    cn_code: str
    country: str
    determination: Determination
    see_direct: float | None = None
    see_indirect: float | None = None
    electricity_mwh_per_t: float | None = None
    supplier: str = ""
    supplier_installation: str = ""
    route: str = ""
    justification: str = ""


@dataclass(frozen=True)
class Installation:
    """An installation and its reporting period (template sheet A_InstData).

    ``country`` is an ISO 3166 alpha-2 code; ``unlocode`` (optional) a UN/LOCODE whose first two
    letters are that country; ``identifiers`` other ids (e.g. ``('USCC', '91320...')``, the
    verifier's or the CBAM registry's).
    """

    name: str
    country: str
    processes: tuple[ProductionProcess, ...]
    purchased: tuple[PurchasedPrecursor, ...] = ()
    name_en: str = ""
    unlocode: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()
    address: str = ""
    post_code: str = ""
    city: str = ""
    economic_activity: str = ""
    latitude: float | None = None
    longitude: float | None = None
    period_start: date | None = None
    period_end: date | None = None
    representative: str = ""
    email: str = ""
    telephone: str = ""


# ---- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormulaRef:
    """A formula applied, with the clause it comes from."""

    key: str
    formula: str
    clause: str


FORMULAS: tuple[FormulaRef, ...] = (
    FormulaRef(
        "see",
        "SEE_g = (AttrEm_g + EE_InpMat) / AL_g; EE_InpMat = Σ_i M_i × SEE_i "
        "(direct and indirect separately)",
        "Regulation (EU) 2023/956 Annex IV points 2-3; IR (EU) 2025/2547 Annex III point B, "
        "equations 59-60 (same method in IR (EU) 2023/1773 Annex III, transitional period)",
    ),
    FormulaRef(
        "indirect",
        "AttrEm_g,indir = E_el × EF_el",
        "communication template for installations, D_Processes (j); source codes of "
        "IR (EU) 2023/1773 Annex III section D.4",
    ),
    FormulaRef(
        "annex_ii",
        "CBAM-relevant: direct always; indirect only of goods not in Annex II, and not of Annex II "
        "precursors of non-Annex II goods",
        "Regulation (EU) 2023/956 Article 7(1) and Annex II; IR (EU) 2025/2547 Article 3(2), "
        "Annex I point 3.1",
    ),
    FormulaRef(
        "default",
        "default precursor: total × (1 + mark-up), split as the annex direct/indirect columns",
        "IR (EU) 2025/2621 Article 1(2) and Annex I opening paragraph (as replaced by "
        "IR (EU) 2026/1740); IR (EU) 2025/2547 Article 15",
    ),
    FormulaRef(
        "exempt",
        "precursor from the Union or an exempted country: SEE = 0",
        "IR (EU) 2025/2547 Annex III point B",
    ),
    FormulaRef(
        "default_share",
        "share of SEE (total) coming from default values",
        "communication template, Summary_Processes '(Share of) Default value'",
    ),
)


@dataclass(frozen=True)
class DefaultUse:
    """A default value applied to a purchased precursor.

    ``direct_t_per_t`` + ``indirect_t_per_t`` = ``total_t_per_t`` = ``row.total x factor`` with
    ``factor = 1 + markup_percent / 100`` (1 when no mark-up applies).
    """

    precursor: str
    cn_code: str
    country: str
    row: CbamDefaultValue
    markup_percent: float
    direct_t_per_t: float
    indirect_t_per_t: float

    @property
    def factor(self) -> float:
        return 1.0 + self.markup_percent / 100.0

    @property
    def total_t_per_t(self) -> float:
        return self.direct_t_per_t + self.indirect_t_per_t

    @property
    def source(self) -> Source:
        return self.row.source


@dataclass(frozen=True)
class PrecursorLine:
    """One precursor consumed by a process (template Summary_Processes, section 3)."""

    precursor: str
    name: str
    kind: Literal["process", "purchased"]
    category: str  # aggregated goods category of an own process, sector of a purchased one
    cn_codes: tuple[str, ...]
    country: str
    amount_t: float
    mass_share: float  # m_i = M_i / AL_g [t/t]
    see_direct: float
    see_indirect: float
    default_share: float  # of the precursor's own SEE (total) [-]

    @property
    def see_total(self) -> float:
        return self.see_direct + self.see_indirect

    @property
    def embedded_direct_t(self) -> float:
        """``M_i x SEE_i,dir`` [tCO2e]."""
        return self.amount_t * self.see_direct

    @property
    def embedded_indirect_t(self) -> float:
        return self.amount_t * self.see_indirect


@dataclass(frozen=True)
class GoodResult:
    """SEE of the goods of one production process, with what went into them.

    All ``see_*`` and ``se_*`` are tCO2e per tonne of good; ``*_t`` are tCO2e over the reporting
    period. ``se_*`` exclude precursors (template "SE"), ``see_*`` include them.
    """

    process: ProductionProcess
    sector: str
    annex_ii: bool
    cn_names: tuple[str, ...]  # description of the Annex I entry covering each CN code
    attributed_direct_t: float
    attributed_indirect_t: float
    precursor_direct_t: float  # EE_InpMat, direct
    precursor_indirect_t: float  # EE_InpMat, indirect
    see_direct: float
    see_indirect: float
    see_indirect_relevant: float
    default_share: float
    embedded_electricity_mwh_per_t: float
    embedded_electricity_complete: bool
    precursors: tuple[PrecursorLine, ...]
    defaults_used: tuple[DefaultUse, ...]
    consumed_by: tuple[tuple[str, float], ...]  # (process id, t) of own output used downstream

    @property
    def id(self) -> str:
        return self.process.id

    @property
    def activity_level_t(self) -> float:
        return self.process.activity_level_t

    @property
    def se_direct(self) -> float:
        return self.attributed_direct_t / self.process.activity_level_t

    @property
    def se_indirect(self) -> float:
        return self.attributed_indirect_t / self.process.activity_level_t

    @property
    def see_total(self) -> float:
        return self.see_direct + self.see_indirect

    @property
    def see_relevant(self) -> float:
        """CBAM-relevant SEE: direct plus the indirect that counts (see the module docstring)."""
        return self.see_direct + self.see_indirect_relevant

    @property
    def electricity_mwh_per_t(self) -> float:
        return self.process.electricity_mwh / self.process.activity_level_t

    @property
    def uses_defaults(self) -> bool:
        return bool(self.defaults_used)


@dataclass(frozen=True)
class PurchasedResult:
    """The SEE applied to a purchased precursor [tCO2e/t] and where it comes from."""

    precursor: PurchasedPrecursor
    sector: str
    annex_ii: bool
    cn_name: str
    see_direct: float
    see_indirect: float
    default: DefaultUse | None
    consumed_by: tuple[tuple[str, float], ...]

    @property
    def see_total(self) -> float:
        return self.see_direct + self.see_indirect


@dataclass(frozen=True)
class CbamResult:
    """SEE of every good of an installation, with provenance.

    ``flags`` are warnings a reviewer should read (secondary or unverified values, mark-up policy,
    electricity factors of the wrong kind for the period, consumption above production);
    ``solver`` says which solver of the footprint engine produced the numbers.
    """

    installation: Installation
    year: int
    apply_markup: bool
    goods: tuple[GoodResult, ...]
    purchased: tuple[PurchasedResult, ...]
    flags: tuple[str, ...]
    solver: str
    formulas: tuple[FormulaRef, ...] = FORMULAS

    def good(self, process_id: str) -> GoodResult:
        """The result of one production process; ``KeyError`` naming the known ids."""
        for g in self.goods:
            if g.id == process_id:
                return g
        raise KeyError(
            f"no production process {process_id!r}; known: {', '.join(g.id for g in self.goods)}"
        )

    def purchased_precursor(self, precursor_id: str) -> PurchasedResult:
        for p in self.purchased:
            if p.precursor.id == precursor_id:
                return p
        raise KeyError(f"no purchased precursor {precursor_id!r}")

    @property
    def defaults_used(self) -> tuple[DefaultUse, ...]:
        return tuple(p.default for p in self.purchased if p.default is not None)

    @property
    def total_direct_t(self) -> float:
        """Direct emissions attributed to the production processes [tCO2e]."""
        return sum(g.attributed_direct_t for g in self.goods)

    @property
    def total_indirect_t(self) -> float:
        return sum(g.attributed_indirect_t for g in self.goods)

    @property
    def electricity_factors(self) -> tuple[tuple[str, ElectricityFactor], ...]:
        """(process id, factor) of every process with an electricity factor."""
        return tuple(
            (g.id, g.process.electricity_factor)
            for g in self.goods
            if g.process.electricity_factor is not None
        )


# ---- helpers -----------------------------------------------------------------------------------
def electricity_factor_from_reference(
    ref: ReferenceData, year: int, region: str = "CN", series: str = "average"
) -> ElectricityFactor:
    """An MEE/NBS electricity CO2 factor of greenmfg's reference data as a CBAM factor [tCO2/MWh].

    ``series`` ``'average'`` is the average factor, ``'fossil'`` the factor of fossil-fuel
    electricity (the "CO2 emission factor" of Regulation (EU) 2023/956 Annex IV, point 1(d)). Both
    are "other publicly available data" (template code ``D.4(b)``), not the Commission's default
    (IR 2025/2621 Annex II, IEA data), which greenmfg does not hold. Raises ``KeyError`` naming
    the years held when the year or region has no value.
    """
    r = ref.resolve_region(region)
    code = r.code if r is not None else region
    key = (series, year, code)
    if key not in ref.electricity:
        held = sorted(y for s, y, c in ref.electricity if s == series and c == code)
        raise KeyError(
            f"no {series!r} electricity factor for {code} in {year}; years held: "
            f"{', '.join(map(str, held)) or 'none'}"
        )
    f = ref.electricity[key]
    return ElectricityFactor(
        value=f.value * conversion_factor(f.unit, "tCO2/MWh"),
        source_code="D.4(b)",
        source=f.source.label(),
        confidence=f.source.confidence,
        note=f"greenmfg reference factor {f.id}",
    )


def _where(inst: Installation, item: str) -> str:
    return f"installation {inst.name!r}, {item}"


def _number(value: object, where: str, field_name: str, *, positive: bool = False) -> float:
    expected = "a positive number" if positive else "a number >= 0"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CbamError(f"{where}, field {field_name!r}: expected {expected}, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise CbamError(f"{where}, field {field_name!r}: expected {expected}, got {value!r}")
    return x


def _good_of(code: str, goods: Sequence[CbamGood], where: str, field_name: str) -> CbamGood:
    cn = normalise_cn(code)
    if not re.fullmatch(r"\d{4,10}", cn):
        raise CbamError(
            f"{where}, field {field_name!r}: expected a CN code of digits, got {code!r}"
        )
    try:
        g = cbam_good(cn, tuple(goods))
    except KeyError:
        raise CbamError(
            f"{where}, field {field_name!r}: CN {cn} is not a CBAM good (not in Annex I to "
            "Regulation (EU) 2023/956)"
        ) from None
    if not g.in_scope:
        raise CbamError(
            f"{where}, field {field_name!r}: CN {cn} is excluded from CBAM ({g.description}; "
            f"Annex I 'Except', reference/cbam_goods.csv line {g.line})"
        )
    return g


def _check_factor(f: ElectricityFactor, where: str) -> None:
    _number(f.value, where, "electricity_factor.value")
    if f.source_code not in ELECTRICITY_EF_SOURCES:
        raise CbamError(
            f"{where}, field 'electricity_factor.source_code': expected one of "
            f"{', '.join(ELECTRICITY_EF_SOURCES)}, got {f.source_code!r}"
        )
    if not f.source.strip():
        raise CbamError(
            f"{where}, field 'electricity_factor.source': expected the document, contract or "
            "dataset the factor comes from (the Commission's default for China, IR 2025/2621 "
            "Annex II, is not held by greenmfg: pass it with its source)"
        )


@dataclass
class _Node:
    id: str
    name: str
    kind: Literal["process", "purchased"]
    cn_codes: tuple[str, ...]
    country: str
    sector: str
    annex_ii: bool
    scale: float  # AL [t] for processes, 1 for purchased
    category: str = ""
    cn_names: tuple[str, ...] = ()
    b_dir: float = 0.0
    b_ind: float = 0.0
    b_dir_default: float = 0.0
    b_ind_default: float = 0.0
    b_elec: float = 0.0
    elec_known: bool = True
    default: DefaultUse | None = None


def _validate(
    inst: Installation,
    goods: Sequence[CbamGood],
    defaults: Sequence[CbamDefaultValue],
    year: int,
) -> tuple[list[_Node], list[str]]:
    flags: list[str] = []
    if not inst.name.strip():
        raise CbamError("installation: field 'name': expected the installation's name")
    if not re.fullmatch(r"[A-Z]{2}", inst.country):
        raise CbamError(
            _where(
                inst,
                f"field 'country': expected an ISO 3166 alpha-2 code such as CN, got "
                f"{inst.country!r}",
            )
        )
    if inst.unlocode:
        m = _UNLOCODE.fullmatch(inst.unlocode.strip().upper())
        if not m:
            raise CbamError(
                _where(
                    inst,
                    f"field 'unlocode': expected a UN/LOCODE such as 'CNSHA', got "
                    f"{inst.unlocode!r}",
                )
            )
        if m.group(1) != inst.country:
            raise CbamError(
                _where(
                    inst,
                    f"field 'unlocode': {inst.unlocode!r} is in {m.group(1)}, the "
                    f"installation in {inst.country}",
                )
            )
    for name, value, lo, hi in (
        ("latitude", inst.latitude, -90, 90),
        ("longitude", inst.longitude, -180, 180),
    ):
        if value is not None and not (lo <= value <= hi):
            raise CbamError(_where(inst, f"field {name!r}: expected {lo}..{hi}, got {value!r}"))
    if inst.period_start and inst.period_end and inst.period_end <= inst.period_start:
        raise CbamError(_where(inst, "field 'period_end': expected a date after period_start"))
    if not inst.processes:
        raise CbamError(_where(inst, "field 'processes': expected at least one production process"))

    nodes: list[_Node] = []
    seen: dict[str, str] = {}

    def claim(id_: str, item: str) -> None:
        if not isinstance(id_, str) or not _ID.fullmatch(id_):
            raise CbamError(_where(inst, f"{item}, field 'id': expected a non-empty id"))
        if id_ in seen:
            raise CbamError(_where(inst, f"{item}: id {id_!r} already used by {seen[id_]}"))
        seen[id_] = item

    for k, p in enumerate(inst.processes):
        item = f"process {p.id!r} (processes[{k}])"
        claim(p.id, item)
        if not p.category.strip():
            raise CbamError(
                _where(
                    inst,
                    f"{item}, field 'category': expected the aggregated "
                    "goods category, e.g. 'Cement clinker'",
                )
            )
        if not p.cn_codes:
            raise CbamError(
                _where(inst, f"{item}, field 'cn_codes': expected at least one CN code")
            )
        where = _where(inst, item)
        entries = [_good_of(c, goods, where, f"cn_codes[{j}]") for j, c in enumerate(p.cn_codes)]
        statuses = {bool(e.indirect_counted) for e in entries}
        if len(statuses) > 1:
            raise CbamError(
                f"{where}, field 'cn_codes': goods of Annex II (direct emissions only) and goods "
                "outside it cannot share a production process; split the process"
            )
        al = _number(p.activity_level_t, where, "activity_level_t", positive=True)
        direct = _number(p.direct_emissions_t, where, "direct_emissions_t")
        elec = _number(p.electricity_mwh, where, "electricity_mwh")
        ind = 0.0
        if p.electricity_factor is not None:
            _check_factor(p.electricity_factor, where)
            ind = elec * p.electricity_factor.value
            if flag := _factor_flag(p.electricity_factor, p.id, year):
                flags.append(flag)
        elif elec > 0:
            raise CbamError(
                f"{where}, field 'electricity_factor': {elec:g} MWh consumed but no emission "
                "factor; pass an ElectricityFactor with its source (an actual factor only with a "
                "direct technical link or a PPA; otherwise the Commission's default for the country, "
                "IR 2025/2621 Annex II, which greenmfg does not hold)"
            )
        nodes.append(
            _Node(
                id=p.id,
                name=p.name,
                kind="process",
                cn_codes=tuple(normalise_cn(c) for c in p.cn_codes),
                country=inst.country,
                sector=entries[0].category,
                annex_ii=not entries[0].indirect_counted,
                scale=al,
                category=p.category,
                cn_names=tuple(e.description for e in entries),
                b_dir=direct,
                b_ind=ind,
                b_elec=elec,
            )
        )

    for k, pp in enumerate(inst.purchased):
        item = f"purchased precursor {pp.id!r} (purchased[{k}])"
        claim(pp.id, item)
        where = _where(inst, item)
        g = _good_of(pp.cn_code, goods, where, "cn_code")
        country = pp.country.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise CbamError(
                f"{where}, field 'country': expected an ISO 3166 alpha-2 code, got {pp.country!r}"
            )
        node = _Node(
            id=pp.id,
            name=pp.name,
            kind="purchased",
            cn_codes=(normalise_cn(pp.cn_code),),
            country=country,
            sector=g.category,
            annex_ii=not g.indirect_counted,
            scale=1.0,
            category=g.category,
            cn_names=(g.description,),
        )
        if pp.electricity_mwh_per_t is None:
            node.elec_known = False
        else:
            node.b_elec = _number(pp.electricity_mwh_per_t, where, "electricity_mwh_per_t")
        if pp.determination == "actual":
            if pp.see_direct is None:
                raise CbamError(
                    f"{where}, field 'see_direct': expected the supplier's actual "
                    "SEE (direct) in tCO2e/t, or determination='default'"
                )
            node.b_dir = _number(pp.see_direct, where, "see_direct")
            if pp.see_indirect is None:
                if not node.annex_ii:
                    raise CbamError(
                        f"{where}, field 'see_indirect': expected the supplier's actual SEE "
                        "(indirect) in tCO2e/t (indirect emissions count for this good)"
                    )
                flags.append(
                    f"purchased precursor {pp.id!r}: no SEE (indirect) given; reported as 0 "
                    "(Annex II good: only direct emissions count)"
                )
            else:
                node.b_ind = _number(pp.see_indirect, where, "see_indirect")
        elif pp.determination == "default":
            if pp.see_direct is not None or pp.see_indirect is not None:
                raise CbamError(
                    f"{where}: actual SEE values given with determination='default'; "
                    "leave them out or use determination='actual'"
                )
            try:
                row = cbam_default(pp.cn_code, country, values=tuple(defaults))
            except KeyError as exc:
                raise CbamError(f"{where}, field 'cn_code': {exc.args[0]}") from None
            node.default = DefaultUse(pp.id, node.cn_codes[0], country, row, 0.0, 0.0, 0.0)
        elif pp.determination == "exempt":
            if pp.see_direct or pp.see_indirect:
                raise CbamError(f"{where}: SEE values given for an exempt precursor (counted as 0)")
            flags.append(
                f"purchased precursor {pp.id!r}: origin declared in the Union or an exempted "
                "country; SEE counted as zero (IR 2025/2547 Annex III point B)"
            )
        else:
            raise CbamError(
                f"{where}, field 'determination': expected 'actual', 'default' or "
                f"'exempt', got {pp.determination!r}"
            )
        nodes.append(node)
    return nodes, flags


def _factor_flag(f: ElectricityFactor, process_id: str, year: int) -> str:
    if f.source_code == "D.4(b)" and year >= _DEFINITIVE_FROM:
        return (
            f"process {process_id!r}: electricity factor from other publicly available data "
            "(D.4(b)); in the definitive period indirect emissions use the Commission's default "
            "(IR 2025/2621 Annex II) unless an actual factor applies (direct technical link, PPA)"
        )
    if f.confidence in ("secondary", "unverified"):
        return f"process {process_id!r}: electricity factor of {f.confidence} confidence"
    return ""


def _apply_default(node: _Node, year: int, apply_markup: bool, flags: list[str]) -> None:
    assert node.default is not None
    row = node.default.row
    percent = 0.0
    if apply_markup:
        try:
            percent = row.markup_percent(year)
        except ValueError as exc:
            flags.append(f"purchased precursor {node.id!r}: no mark-up applied ({exc})")
    total = row.total * (1.0 + percent / 100.0)
    indirect = row.indirect or 0.0
    share_dir = row.direct / (row.direct + indirect)
    use = DefaultUse(
        precursor=node.id,
        cn_code=node.default.cn_code,
        country=node.default.country,
        row=row,
        markup_percent=percent,
        direct_t_per_t=total * share_dir,
        indirect_t_per_t=total * (1.0 - share_dir),
    )
    node.default = use
    node.b_dir_default = use.direct_t_per_t
    node.b_ind_default = use.indirect_t_per_t
    conf = row.source.confidence
    if conf in ("secondary", "unverified"):
        flags.append(
            f"purchased precursor {node.id!r}: default value CN {row.cn_code} ({row.country}) is "
            f"{conf} (reference/cbam_default_values.csv line {row.line}; "
            f"{row.source.notes[:120]}...)"
        )
    if year < row.valid_from.year:
        flags.append(
            f"purchased precursor {node.id!r}: default value valid from {row.valid_from} applied "
            f"to production year {year}"
        )


# ---- the calculation ---------------------------------------------------------------------------
def embedded_emissions(
    installation: Installation,
    defaults: Sequence[CbamDefaultValue],
    *,
    goods: Sequence[CbamGood],
    year: int,
    apply_markup: bool = True,
) -> CbamResult:
    """SEE (direct, indirect, total, CBAM-relevant) of every production process of an installation.

    Parameters
    ----------
    installation : the installation, its processes and purchased precursors.
    defaults : CBAM default values (``greenmfg.reference.footprints.cbam_defaults()``), used only
        for purchased precursors with ``determination='default'``.
    goods : the CBAM goods list (``cbam_goods()``): scope and Annex II status of every CN code.
    year : production (reporting) year; selects the mark-up of default values (IR 2025/2621
        Annex I opening paragraph: none before 2026).
    apply_markup : mark up default precursor values (see the module docstring).

    Returns
    -------
    CbamResult
        ``see_*`` in tCO2e per tonne of good, equations (1)-(2) of the module docstring.

    Raises
    ------
    CbamError
        For invalid input (unknown precursor, negative amounts, zero activity level, CN codes
        outside CBAM, missing factors or default values, a process consuming its own output) or
        a precursor loop without a solution.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CbamError(f"field 'year': expected a production year such as 2026, got {year!r}")
    nodes, flags = _validate(installation, goods, defaults, year)
    index = {n.id: i for i, n in enumerate(nodes)}
    n = len(nodes)
    for node in nodes:
        if node.default is not None:
            _apply_default(node, year, apply_markup, flags)
    if apply_markup and any(node.default is not None for node in nodes):
        flags.append(
            "default precursor values include the mark-up of IR 2025/2621 Annex I (greenmfg's "
            "conservative reading; the annex states it for the number of CBAM certificates)"
        )

    # technosphere: column j = one unit (t) of node j's output; T[i, j] = -M_ij / AL_j
    rows: list[int] = list(range(n))
    cols: list[int] = list(range(n))
    vals: list[float] = [1.0] * n
    mask_vals: list[float] = [1.0] * n
    consumed: dict[str, list[tuple[str, float]]] = {node.id: [] for node in nodes}
    lines: dict[str, list[tuple[int, float]]] = {}
    for k, p in enumerate(installation.processes):
        j = index[p.id]
        al = nodes[j].scale
        own: list[tuple[int, float]] = []
        for m, pi in enumerate(p.precursors):
            where = _where(installation, f"process {p.id!r} (processes[{k}]), precursors[{m}]")
            if pi.precursor not in index:
                raise CbamError(
                    f"{where}, field 'precursor': unknown precursor {pi.precursor!r}; expected the "
                    f"id of a process or purchased precursor ({', '.join(index)})"
                )
            if pi.precursor == p.id:
                raise CbamError(
                    f"{where}, field 'precursor': a process cannot be its own precursor (output "
                    "recycled within the process is not a precursor, IR 2025/2547 Annex III B)"
                )
            amount = _number(pi.amount_t, where, "amount_t", positive=True)
            i = index[pi.precursor]
            if any(i == i2 for i2, _ in own):
                raise CbamError(f"{where}, field 'precursor': {pi.precursor!r} listed twice")
            own.append((i, amount))
            rows.append(i)
            cols.append(j)
            vals.append(-amount / al)
            # CBAM-relevant indirect: an Annex II precursor of a non-Annex II good brings none
            cut = nodes[i].annex_ii and not nodes[j].annex_ii
            mask_vals.append(0.0 if cut else -amount / al)
            consumed[pi.precursor].append((p.id, amount))
        lines[p.id] = own
    for node in nodes:
        used = sum(a for _, a in consumed[node.id])
        if node.kind == "process" and used > node.scale * (1 + 1e-9):
            flags.append(
                f"process {node.id!r}: other processes consume {used:g} t, more than its "
                f"production {node.scale:g} t (stock change?); check the D_Processes control"
            )
        if node.kind == "purchased" and not consumed[node.id]:
            flags.append(f"purchased precursor {node.id!r} is not consumed by any process")

    t = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    t_rel = sp.csc_matrix((mask_vals, (rows, cols)), shape=(n, n))
    scale = np.array([node.scale for node in nodes])
    flows = (
        np.array(
            [
                [node.b_dir for node in nodes],
                [node.b_ind for node in nodes],
                [node.b_dir_default for node in nodes],
                [node.b_ind_default for node in nodes],
                [node.b_elec for node in nodes],
                [0.0 if node.elec_known else 1.0 for node in nodes],
            ]
        )
        / scale
    )
    relevant = np.array(
        [
            [
                0.0 if node.annex_ii else (node.b_ind + node.b_ind_default) / node.scale
                for node in nodes
            ]
        ]
    )
    b = sp.csc_matrix(flows)
    q: list[FloatArray] = []
    methods: set[str] = set()
    try:
        for k in range(flows.shape[0]):
            c = np.zeros(flows.shape[0])
            c[k] = 1.0
            sol = solve_footprints(t, b, c)
            q.append(sol.scores)
            methods.add(sol.method)
        sol = solve_footprints(t_rel, sp.csc_matrix(relevant), np.ones(1))
        r = sol.scores
        methods.add(sol.method)
    except SolveError as exc:
        raise CbamError(
            _where(
                installation,
                f"precursor loops have no solution (a loop consumes as much as "
                f"it produces?): {exc}",
            )
        ) from exc
    q_dir, q_ind, q_ddef, q_idef, q_elec, q_unknown = q
    see_dir = q_dir + q_ddef
    see_ind = q_ind + q_idef
    see_tot = see_dir + see_ind
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(see_tot > 0, (q_ddef + q_idef) / np.where(see_tot > 0, see_tot, 1), 0.0)

    def reach(j: int) -> set[int]:
        """Nodes upstream of ``j`` (``j`` included) in the consumption graph, loops allowed."""
        out, todo = {j}, [j]
        while todo:
            for i, _ in lines.get(nodes[todo.pop()].id, []):
                if i not in out:
                    out.add(i)
                    todo.append(i)
        return out

    def line(i: int, amount: float, al: float) -> PrecursorLine:
        node = nodes[i]
        return PrecursorLine(
            precursor=node.id,
            name=node.name,
            kind=node.kind,
            category=node.category,
            cn_codes=node.cn_codes,
            country=node.country,
            amount_t=amount,
            mass_share=amount / al,
            see_direct=float(see_dir[i]),
            see_indirect=float(see_ind[i]),
            default_share=float(share[i]),
        )

    results: list[GoodResult] = []
    for p in installation.processes:
        j = index[p.id]
        node = nodes[j]
        al = node.scale
        pl = tuple(line(i, a, al) for i, a in lines[p.id])
        reached = tuple(d for i in sorted(reach(j)) if (d := nodes[i].default) is not None)
        results.append(
            GoodResult(
                process=p,
                sector=node.sector,
                annex_ii=node.annex_ii,
                cn_names=node.cn_names,
                attributed_direct_t=node.b_dir,
                attributed_indirect_t=node.b_ind,
                precursor_direct_t=sum(x.embedded_direct_t for x in pl),
                precursor_indirect_t=sum(x.embedded_indirect_t for x in pl),
                see_direct=float(see_dir[j]),
                see_indirect=float(see_ind[j]),
                see_indirect_relevant=float(r[j]),
                default_share=float(share[j]),
                embedded_electricity_mwh_per_t=float(q_elec[j]),
                embedded_electricity_complete=bool(q_unknown[j] == 0),
                precursors=pl,
                defaults_used=reached,
                consumed_by=tuple(consumed[p.id]),
            )
        )
    purchased = tuple(
        PurchasedResult(
            precursor=pp,
            sector=nodes[index[pp.id]].sector,
            annex_ii=nodes[index[pp.id]].annex_ii,
            cn_name=nodes[index[pp.id]].cn_names[0],
            see_direct=float(see_dir[index[pp.id]]),
            see_indirect=float(see_ind[index[pp.id]]),
            default=nodes[index[pp.id]].default,
            consumed_by=tuple(consumed[pp.id]),
        )
        for pp in installation.purchased
    )
    return CbamResult(
        installation=installation,
        year=year,
        apply_markup=apply_markup,
        goods=tuple(results),
        purchased=purchased,
        flags=tuple(flags),
        solver=", ".join(sorted(methods)),
    )

"""The demo industrial park of ``greenmfg demo``: organisations, sites, users and activity records.

Everything here is fictional: 苏州绿色制造示范园区 (Suzhou Green Manufacturing Demonstration Park)
with 20 enterprises in 苏州吴中区 / 虎丘区, and 10 more enterprises outside the park in 苏州, 无锡
(江苏), 芜湖 (安徽) and 唐山 (河北); the authorities that oversee them (municipal, provincial,
national); one third-party verification body; and three years (:data:`YEARS`) of activity records per
enterprise. Company names are invented; any likeness to a real company is unintended.

:func:`demo_dataset` is pure and deterministic: the same seed gives the same dataset, nothing is read
from or written to a database or a file. The records are the dictionaries that
:meth:`greenmfg.accounting.activities.ActivityTable.from_records` takes (keys ``site, year, kind,
item, amount, unit, region`` and measured columns where used); each carries its site's GB/T 2260
code as ``region`` (a county-level code, which the reference data resolve to its province).

Magnitudes follow the industries' usual specific consumptions (the cement, aluminium and electronics
ratios of ``examples/make_examples.py``; literature values for the others), with seeded noise, some
growth and a year-on-year efficiency gain of about 1-3.5 %.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

YEARS: tuple[int, ...] = (2021, 2022, 2023)
DEMO_PASSWORD = "demo1234"
ROLES: tuple[str, ...] = ("manager", "viewer", "park_admin", "authority", "verifier")
STATES: tuple[str, ...] = ("draft", "submitted", "verified", "returned")

# Sectors of the demo and their names; the enterprises' GB/T 4754-2017 class codes are on the
# blueprints below.
SECTORS: dict[str, tuple[str, str]] = {
    "cement": ("水泥", "Cement"),
    "steel_eaf": ("钢铁（电炉短流程）", "Steel, EAF short process"),
    "steel_bof": ("钢铁（高炉-转炉长流程）", "Steel, BF-BOF long process"),
    "aluminium": ("电解铝", "Electrolytic aluminium"),
    "flat_glass": ("平板玻璃", "Flat glass"),
    "chemicals": ("化工", "Chemicals"),
    "textiles": ("纺织", "Textiles"),
    "electronics": ("电子", "Electronics"),
    "machinery": ("机械", "Machinery"),
}

# GB/T 4754-2017 国民经济行业分类 (Industrial classification for national economic activities),
# classes (4-digit, with the section letter C 制造业) used by the demo enterprises:
#   C1711 棉纺纱加工              C1713 棉印染精加工            C1751 化纤织造加工
#   C1752 化纤织物染整精加工      C1761 针织或钩针编织物织造
#   C2612 无机碱制造              C2614 有机化学原料制造        C2641 涂料制造
#   C2651 初级形态塑料及合成树脂制造                            C2661 化学试剂和助剂制造
#   C3011 水泥制造                C3041 平板玻璃制造
#   C3110 炼铁                    C3120 炼钢                    C3216 铝冶炼
#   C3421 金属切削机床制造        C3441 泵及真空设备制造        C3443 阀门和旋塞制造
#   C3451 滚动轴承制造            C3462 风机、风扇制造
#   C3911 计算机整机制造          C3922 通信终端设备制造        C3972 半导体分立器件制造
#   C3973 集成电路制造            C3976 光电子器件制造          C3981 电阻电容电感元件制造
#   C3982 电子电路制造
# Region codes are GB/T 2260 中华人民共和国行政区划代码 county-level codes:
#   320505 苏州市虎丘区  320506 苏州市吴中区  320581 常熟市  320582 张家港市
#   320206 无锡市惠山区  320214 无锡市新吴区  320281 江阴市  320282 宜兴市
#   340207 芜湖市鸠江区  340223 芜湖市南陵县  130209 唐山市曹妃甸区  130283 迁安市
#   320102 南京市玄武区 (the verification body)
# and the authorities' prefecture / province codes 320500 苏州市, 320200 无锡市, 320000 江苏省;
# ``000000`` stands for the national level (the store's convention).

NOISE = 0.012  # relative standard deviation of a record's amount around its modelled value

_MWH_PER_UNIT = {"MWh": 1.0, "kWh": 1e-3, "万kWh": 10.0}

# Price index of each sector's products, 2021 = 1 (for the industrial output value).
_PRICE_INDEX: dict[str, tuple[float, float, float]] = {
    "cement": (1.00, 0.90, 0.78),
    "steel_eaf": (1.00, 0.91, 0.84),
    "steel_bof": (1.00, 0.90, 0.83),
    "aluminium": (1.00, 1.04, 0.94),
    "flat_glass": (1.00, 0.76, 0.86),
    "chemicals": (1.00, 1.06, 0.91),
    "textiles": (1.00, 0.98, 0.95),
    "electronics": (1.00, 1.02, 0.99),
    "machinery": (1.00, 1.02, 1.03),
}


# =================================================================================================
# Public types
# =================================================================================================
@dataclass(frozen=True)
class DemoOrg:
    """An organisation of the demo.

    ``kind`` is ``enterprise``, ``park``, ``authority`` or ``verifier``; ``level`` (authorities only)
    ``municipal``, ``provincial`` or ``national``; ``industry_code`` a GB/T 4754-2017 class
    (enterprises); ``park_key`` the park an enterprise belongs to; ``sector`` the demo's sector key
    (:data:`SECTORS`, enterprises only).
    """

    key: str
    kind: str
    name: str
    name_en: str
    region_code: str
    level: str | None = None
    industry_code: str | None = None
    park_key: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class DemoSite:
    """A site of an enterprise; ``code`` is the ``site`` of its activity records."""

    org_key: str
    code: str
    name: str
    region_code: str


@dataclass(frozen=True)
class DemoUser:
    """A login of the demo; ``memberships`` are ``(org_key, role)`` pairs (empty for ``admin``)."""

    username: str
    password: str
    display_name: str
    memberships: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DemoLine:
    """A benchmarked production line: its energy boundary is the site ``site`` (the site holds
    only that line's energy), ``indicator_id`` a row of ``benchmark_levels.csv``."""

    org_key: str
    site: str
    name: str
    indicator_id: str
    product: str
    capacity: float | None
    capacity_unit: str
    commissioned: int | None


@dataclass(frozen=True)
class DemoTitle:
    """A green-factory title (``level`` municipal, provincial or national) awarded in ``year``."""

    org_key: str
    level: str
    year: int
    list_name: str


@dataclass(frozen=True)
class DemoDataset:
    """Everything ``greenmfg demo`` loads.

    ``activities`` maps ``(enterprise org_key, year)`` to that reporting year's records;
    ``submission_states`` the same keys to ``draft``, ``submitted``, ``verified`` or ``returned``;
    ``output_value`` the same keys to the industrial output value in 10^4 CNY (万元);
    ``lines`` the benchmarked production lines and ``titles`` the green-factory titles.
    """

    orgs: tuple[DemoOrg, ...]
    sites: tuple[DemoSite, ...]
    users: tuple[DemoUser, ...]
    assignments: tuple[tuple[str, str], ...]
    activities: Mapping[tuple[str, int], list[dict[str, Any]]]
    submission_states: Mapping[tuple[str, int], str]
    output_value: Mapping[tuple[str, int], float]
    lines: tuple[DemoLine, ...] = ()
    titles: tuple[DemoTitle, ...] = ()
    #: (client id, client secret) of the demo's PACT client, set by the seeding
    pact_client: tuple[str, str] | None = None

    def org(self, key: str) -> DemoOrg:
        """The organisation with ``key`` (``KeyError`` if none)."""
        for o in self.orgs:
            if o.key == key:
                return o
        raise KeyError(key)

    @property
    def enterprises(self) -> tuple[DemoOrg, ...]:
        return tuple(o for o in self.orgs if o.kind == "enterprise")


# =================================================================================================
# Blueprints of the enterprises
# =================================================================================================
@dataclass(frozen=True)
class _Profile:
    """Specific consumptions per base unit of the main product (light industries).

    ``unit`` is the unit of the production record, ``per_unit`` the base units in one record unit
    (``1e4`` for 万件, otherwise 1).
    """

    product: str
    unit: str
    elec_kwh: float
    per_unit: float = 1.0
    gas_nm3: float = 0.0
    steam_gj: float = 0.0
    diesel_kg: float = 0.0
    lpg_kg: float = 0.0
    coal_kg: float = 0.0
    heat_export_gj: float = 0.0
    co2_recovered_kg: float = 0.0


@dataclass(frozen=True)
class _Blueprint:
    key: str
    sector: str
    industry_code: str
    name: str
    name_en: str
    sites: tuple[tuple[str, str, str], ...]  # (code, name, GB/T 2260 code)
    scale: float  # main output of the first site in 2021, in base units (t, piece, m)
    price: float  # CNY per base unit of the valued product
    in_park: bool
    shares: tuple[float, ...] = (1.0, 0.4)  # each site's output relative to ``scale``
    # green-electricity instruments on site S1: (item, share of the site-year's grid electricity
    # for 2021, 2022, 2023)
    green: tuple[tuple[str, tuple[float, float, float]], ...] = ()
    profile: _Profile | None = None
    cog_share: float = 0.0  # flat glass: share of furnace heat from coke-oven gas
    # per site, the specific consumption of the benchmarked process (meaning per builder: cement
    # kiln coal relative to the reference ratio, potline kWh/t, EAF kWh/t, furnace GJ/t glass)
    spec: tuple[float, ...] = ()
    # benchmarked lines: (site, name, indicator_id, product, capacity, capacity unit, commissioned)
    lines: tuple[tuple[str, str, str, str, float, str, int], ...] = ()


_WZ, _HQ = "320506", "320505"  # 苏州市吴中区, 苏州市虎丘区


def _one(name: str, region: str) -> tuple[tuple[str, str, str], ...]:
    return (("S1", name, region),)


_GP = "green_power"
_GC = "green_certificate"

_ELECTRONICS_ASSEMBLY = _Profile(
    "electronic_assemblies",
    "piece",
    elec_kwh=7.5,
    gas_nm3=0.10,
    steam_gj=0.0033,
    diesel_kg=0.0016,
    lpg_kg=0.0048,
    heat_export_gj=0.00015,
)

_BLUEPRINTS: tuple[_Blueprint, ...] = (
    # ---- in the park: electronics ---------------------------------------------------------------
    _Blueprint(
        "ent01",
        "electronics",
        "C3922",
        "苏州澄湖智能终端有限公司",
        "Suzhou Chenghu Smart Devices Co., Ltd.",
        (("S1", "吴中工厂", _WZ), ("S2", "虎丘二厂", _HQ)),
        scale=8.0e6,
        price=900.0,
        in_park=True,
        green=((_GP, (0.10, 0.18, 0.25)), (_GC, (0.05, 0.08, 0.10))),
        profile=_ELECTRONICS_ASSEMBLY,
    ),
    _Blueprint(
        "ent02",
        "electronics",
        "C3982",
        "苏州胥江电路科技有限公司",
        "Suzhou Xujiang Circuit Technology Co., Ltd.",
        _one("胥江路工厂", _WZ),
        scale=4.0e6,
        price=120.0,
        in_park=True,
        profile=_Profile(
            "printed_circuit_boards",
            "piece",
            elec_kwh=25.0,
            gas_nm3=0.3,
            steam_gj=0.02,
            diesel_kg=0.003,
            lpg_kg=0.004,
        ),
    ),
    _Blueprint(
        "ent03",
        "electronics",
        "C3973",
        "苏州木渎微电子封测有限公司",
        "Suzhou Mudu Microelectronics Packaging & Test Co., Ltd.",
        _one("木渎封测厂", _WZ),
        scale=1.5e9,
        price=0.9,
        in_park=True,
        green=((_GC, (0.05, 0.15, 0.30)),),
        profile=_Profile(
            "integrated_circuits",
            "万件",
            elec_kwh=0.10,
            per_unit=1e4,
            gas_nm3=0.0004,
            steam_gj=0.00003,
            diesel_kg=0.00001,
        ),
    ),
    _Blueprint(
        "ent04",
        "electronics",
        "C3981",
        "苏州石湖精密元件有限公司",
        "Suzhou Shihu Precision Components Co., Ltd.",
        _one("石湖工厂", _WZ),
        scale=2.0e10,
        price=0.02,
        in_park=True,
        profile=_Profile(
            "electronic_components",
            "万件",
            elec_kwh=0.004,
            per_unit=1e4,
            gas_nm3=0.00002,
            steam_gj=0.0000015,
        ),
    ),
    _Blueprint(
        "ent05",
        "electronics",
        "C3976",
        "苏州横塘光电科技有限公司",
        "Suzhou Hengtang Optoelectronics Co., Ltd.",
        _one("横塘工厂", _HQ),
        scale=2.0e6,
        price=450.0,
        in_park=True,
        profile=_Profile(
            "electronic_components", "piece", elec_kwh=12.0, gas_nm3=0.1, diesel_kg=0.002
        ),
    ),
    _Blueprint(
        "ent06",
        "electronics",
        "C3911",
        "苏州天平计算机有限公司",
        "Suzhou Tianping Computer Co., Ltd.",
        _one("天平路工厂", _HQ),
        scale=3.0e6,
        price=3500.0,
        in_park=True,
        green=((_GP, (0.0, 0.10, 0.20)),),
        profile=_Profile(
            "electronic_assemblies",
            "台",
            elec_kwh=10.0,
            gas_nm3=0.15,
            diesel_kg=0.003,
            lpg_kg=0.01,
        ),
    ),
    # ---- in the park: machinery -----------------------------------------------------------------
    _Blueprint(
        "ent07",
        "machinery",
        "C3441",
        "苏州东山精工泵业有限公司",
        "Suzhou Dongshan Precision Pumps Co., Ltd.",
        _one("东山工厂", _WZ),
        scale=60_000,
        price=12_000.0,
        in_park=True,
        profile=_Profile("pumps", "台", elec_kwh=250.0, gas_nm3=25.0, diesel_kg=0.4),
    ),
    _Blueprint(
        "ent08",
        "machinery",
        "C3443",
        "苏州光福阀门有限公司",
        "Suzhou Guangfu Valves Co., Ltd.",
        _one("光福工厂", _WZ),
        scale=400_000,
        price=1_500.0,
        in_park=True,
        profile=_Profile("valves", "piece", elec_kwh=40.0, gas_nm3=3.0, diesel_kg=0.05),
    ),
    _Blueprint(
        "ent09",
        "machinery",
        "C3451",
        "苏州浒关轴承有限公司",
        "Suzhou Xuguan Bearings Co., Ltd.",
        (("S1", "浒关工厂", _HQ), ("S2", "热处理分厂", _WZ)),
        scale=3.0e7,
        price=25.0,
        in_park=True,
        shares=(1.0, 0.35),
        profile=_Profile(
            "bearings", "万件", elec_kwh=0.9, per_unit=1e4, gas_nm3=0.05, steam_gj=0.0005
        ),
    ),
    _Blueprint(
        "ent10",
        "machinery",
        "C3421",
        "苏州枫桥数控机床有限公司",
        "Suzhou Fengqiao CNC Machine Tools Co., Ltd.",
        _one("枫桥工厂", _HQ),
        scale=4_000,
        price=350_000.0,
        in_park=True,
        profile=_Profile("machine_tools", "台", elec_kwh=3000.0, gas_nm3=300.0, diesel_kg=5.0),
    ),
    # ---- in the park: textiles ------------------------------------------------------------------
    _Blueprint(
        "ent11",
        "textiles",
        "C1711",
        "苏州甪直纺纱有限公司",
        "Suzhou Luzhi Spinning Co., Ltd.",
        _one("甪直纺纱厂", _WZ),
        scale=20_000,
        price=24_000.0,
        in_park=True,
        green=((_GP, (0.10, 0.15, 0.20)),),
        profile=_Profile("cotton_yarn", "t", elec_kwh=3600.0, steam_gj=2.0, diesel_kg=0.5),
    ),
    _Blueprint(
        "ent12",
        "textiles",
        "C1751",
        "苏州临湖织造有限公司",
        "Suzhou Linhu Weaving Co., Ltd.",
        _one("临湖织造厂", _WZ),
        scale=8.0e7,
        price=6.0,
        in_park=True,
        profile=_Profile("greige_fabric", "m", elec_kwh=0.35, steam_gj=0.002),
    ),
    _Blueprint(
        "ent13",
        "textiles",
        "C1713",
        "苏州金庭印染有限公司",
        "Suzhou Jinting Dyeing & Finishing Co., Ltd.",
        (("S1", "吴中印染厂", _WZ), ("S2", "虎丘印染二厂", _HQ)),
        scale=5.0e7,
        price=12.0,
        in_park=True,
        shares=(1.0, 0.5),
        profile=_Profile("dyed_fabric", "m", elec_kwh=0.45, gas_nm3=0.04, steam_gj=0.0075),
    ),
    _Blueprint(
        "ent14",
        "textiles",
        "C1752",
        "苏州越溪化纤染整有限公司",
        "Suzhou Yuexi Synthetic Fabric Finishing Co., Ltd.",
        _one("越溪工厂", _WZ),
        scale=6.0e7,
        price=10.0,
        in_park=True,
        profile=_Profile("dyed_fabric", "m", elec_kwh=0.35, gas_nm3=0.05, steam_gj=0.006),
    ),
    # ---- in the park: chemicals -----------------------------------------------------------------
    _Blueprint(
        "ent15",
        "chemicals",
        "C2612",
        "苏州太湖氯碱化工有限公司",
        "Suzhou Taihu Chlor-Alkali Chemical Co., Ltd.",
        _one("氯碱装置", _WZ),
        scale=150_000,
        price=3_200.0,
        in_park=True,
        green=((_GC, (0.0, 0.05, 0.10)),),
        profile=_Profile(
            "caustic_soda", "t", elec_kwh=2350.0, gas_nm3=5.0, steam_gj=2.8, diesel_kg=0.2
        ),
    ),
    _Blueprint(
        "ent16",
        "chemicals",
        "C2651",
        "苏州长桥合成树脂有限公司",
        "Suzhou Changqiao Synthetic Resins Co., Ltd.",
        _one("树脂车间", _WZ),
        scale=120_000,
        price=9_500.0,
        in_park=True,
        profile=_Profile(
            "synthetic_resin", "t", elec_kwh=320.0, gas_nm3=30.0, steam_gj=3.5, diesel_kg=0.1
        ),
    ),
    _Blueprint(
        "ent17",
        "chemicals",
        "C2641",
        "苏州郭巷涂料有限公司",
        "Suzhou Guoxiang Coatings Co., Ltd.",
        _one("郭巷工厂", _WZ),
        scale=60_000,
        price=13_000.0,
        in_park=True,
        profile=_Profile(
            "coatings", "t", elec_kwh=110.0, gas_nm3=18.0, steam_gj=0.6, diesel_kg=0.3
        ),
    ),
    _Blueprint(
        "ent18",
        "chemicals",
        "C2661",
        "苏州城南电子化学品有限公司",
        "Suzhou Chengnan Electronic Chemicals Co., Ltd.",
        _one("城南工厂", _HQ),
        scale=30_000,
        price=18_000.0,
        in_park=True,
        profile=_Profile("chemical_reagents", "t", elec_kwh=450.0, gas_nm3=25.0, steam_gj=4.0),
    ),
    # ---- in the park: flat glass and cement -----------------------------------------------------
    _Blueprint(
        "ent19",
        "flat_glass",
        "C3041",
        "苏州香山浮法玻璃有限公司",
        "Suzhou Xiangshan Float Glass Co., Ltd.",
        _one("600 t/d 浮法线", _WZ),
        scale=180_000,
        price=85.0,  # CNY per weight box (重量箱)
        in_park=True,
        green=((_GP, (0.0, 0.0, 0.15)),),
        spec=(6.8,),  # between benchmark and base (~12 kgce/重量箱)
        lines=(("S1", "600 t/d 浮法玻璃生产线", "glass_500_800", "flat_glass", 600, "t/d", 2012),),
    ),
    _Blueprint(
        "ent20",
        "cement",
        "C3011",
        "苏州穹窿山水泥有限公司",
        "Suzhou Qionglong Cement Co., Ltd.",
        (("S1", "4000 t/d 熟料线", _WZ), ("S2", "石灰石矿山", _WZ), ("S3", "水泥粉磨站", _WZ)),
        scale=1.2e6,
        price=400.0,
        in_park=True,
        shares=(1.0, 1.0, 1.27),
        green=((_GC, (0.0, 0.10, 0.20)),),
        spec=(1.29, 0.0, 0.0),  # between benchmark and base (~108 kgce/t clinker)
        lines=(
            (
                "S1",
                "4000 t/d 新型干法熟料生产线",
                "clinker_unit_comprehensive",
                "cement_clinker",
                4000,
                "t/d",
                2009,
            ),
        ),
    ),
    # ---- outside the park: 苏州 -----------------------------------------------------------------
    _Blueprint(
        "ent21",
        "steel_eaf",
        "C3120",
        "张家港江帆特钢有限公司",
        "Zhangjiagang Jiangfan Special Steel Co., Ltd.",
        (("S1", "电炉炼钢车间", "320582"), ("S2", "轧钢厂", "320582")),
        scale=800_000,
        price=4_300.0,
        in_park=False,
        shares=(1.0, 0.965),
        green=((_GP, (0.05, 0.08, 0.15)),),
        spec=(440.0, 0.0),  # EAF + LF + utilities kWh/t: below the base level (~79 kgce/t)
        lines=(("S1", "100 t 电弧炉炼钢工序", "eaf_ge50t", "crude_steel", 100, "t", 2006),),
    ),
    _Blueprint(
        "ent22",
        "textiles",
        "C1761",
        "常熟虞山针织有限公司",
        "Changshu Yushan Knitting Co., Ltd.",
        _one("虞山工厂", "320581"),
        scale=12_000,
        price=32_000.0,
        in_park=False,
        profile=_Profile("knitted_fabric", "t", elec_kwh=1500.0, gas_nm3=20.0, steam_gj=8.0),
    ),
    # ---- outside the park: 无锡 -----------------------------------------------------------------
    _Blueprint(
        "ent23",
        "cement",
        "C3011",
        "宜兴陶都建材水泥有限公司",
        "Yixing Taodu Cement Co., Ltd.",
        (
            ("S1", "5000 t/d 熟料线", "320282"),
            ("S2", "石灰石矿山", "320282"),
            ("S3", "水泥粉磨站", "320282"),
        ),
        scale=1.5e6,
        price=400.0,
        in_park=False,
        shares=(1.0, 1.0, 1.27),
        spec=(1.12, 0.0, 0.0),  # at the benchmark level (~95 kgce/t clinker)
        lines=(
            (
                "S1",
                "5000 t/d 熟料生产线",
                "clinker_unit_comprehensive",
                "cement_clinker",
                5000,
                "t/d",
                2016,
            ),
        ),
    ),
    _Blueprint(
        "ent24",
        "chemicals",
        "C2614",
        "江阴澄江化工有限公司",
        "Jiangyin Chengjiang Chemical Co., Ltd.",
        _one("澄江化工园装置区", "320281"),
        scale=250_000,
        price=7_500.0,
        in_park=False,
        profile=_Profile(
            "organic_chemicals",
            "t",
            elec_kwh=280.0,
            gas_nm3=10.0,
            coal_kg=320.0,
            diesel_kg=0.2,
            heat_export_gj=0.5,
            co2_recovered_kg=40.0,
        ),
    ),
    _Blueprint(
        "ent25",
        "electronics",
        "C3972",
        "无锡太科半导体器件有限公司",
        "Wuxi Taike Semiconductor Devices Co., Ltd.",
        _one("新吴区工厂", "320214"),
        scale=5.0e9,
        price=0.05,
        in_park=False,
        green=((_GC, (0.0, 0.10, 0.12)),),
        profile=_Profile(
            "electronic_components",
            "万件",
            elec_kwh=0.012,
            per_unit=1e4,
            gas_nm3=0.00008,
            steam_gj=0.000006,
        ),
    ),
    _Blueprint(
        "ent26",
        "machinery",
        "C3462",
        "无锡惠山风机有限公司",
        "Wuxi Huishan Fans & Blowers Co., Ltd.",
        _one("惠山工厂", "320206"),
        scale=50_000,
        price=15_000.0,
        in_park=False,
        profile=_Profile("fans", "台", elec_kwh=300.0, gas_nm3=20.0, diesel_kg=0.5),
    ),
    # ---- outside the province: 芜湖 (安徽) and 唐山 (河北) -----------------------------------------
    _Blueprint(
        "ent27",
        "cement",
        "C3011",
        "芜湖江城水泥有限公司",
        "Wuhu Jiangcheng Cement Co., Ltd.",
        (
            ("S1", "5000 t/d 熟料线", "340207"),
            ("S2", "南陵石灰石矿", "340223"),
            ("S3", "水泥粉磨站", "340207"),
        ),
        scale=1.55e6,
        price=380.0,
        in_park=False,
        shares=(1.0, 1.0, 1.27),
        spec=(1.51, 0.0, 0.0),  # below the base level and limit grade 3 (~125 kgce/t clinker)
        lines=(
            (
                "S1",
                "5000 t/d 熟料生产线",
                "clinker_unit_comprehensive",
                "cement_clinker",
                5000,
                "t/d",
                2005,
            ),
        ),
    ),
    _Blueprint(
        "ent28",
        "aluminium",
        "C3216",
        "芜湖皖江铝业有限公司",
        "Wuhu Wanjiang Aluminium Co., Ltd.",
        (
            ("S1", "一期电解系列", "340207"),
            ("S2", "二期电解系列", "340207"),
            ("S3", "铸造车间", "340207"),
        ),
        scale=300_000,
        price=18_500.0,
        in_park=False,
        shares=(0.5, 0.5, 1.0),
        green=((_GC, (0.0, 0.05, 0.12)),),
        # AC power per t aluminium liquid: 400 kA series between the levels, 500 kA at benchmark
        spec=(13_180.0, 12_780.0, 0.0),
        lines=(
            (
                "S1",
                "一期 400 kA 电解系列",
                "al_liquid_ac_power",
                "primary_aluminium",
                150_000,
                "t/a",
                2010,
            ),
            (
                "S2",
                "二期 500 kA 电解系列",
                "al_liquid_ac_power",
                "primary_aluminium",
                150_000,
                "t/a",
                2019,
            ),
        ),
    ),
    _Blueprint(
        "ent29",
        "steel_bof",
        "C3110",
        "唐山燕东钢铁有限公司",
        "Tangshan Yandong Iron & Steel Co., Ltd.",
        (("S1", "炼铁炼钢厂", "130283"), ("S2", "热轧厂", "130283")),
        scale=4.5e6,
        price=4_200.0,
        in_park=False,
        shares=(1.0, 0.95),
    ),
    _Blueprint(
        "ent30",
        "flat_glass",
        "C3041",
        "唐山曹妃甸浮法玻璃有限公司",
        "Tangshan Caofeidian Float Glass Co., Ltd.",
        _one("900 t/d 浮法线", "130209"),
        scale=220_000,
        price=80.0,
        in_park=False,
        cog_share=0.4,
        spec=(7.3,),  # below the base level and limit grade 3 (~12.8 kgce/重量箱)
        lines=(("S1", "900 t/d 浮法玻璃生产线", "glass_gt800", "flat_glass", 900, "t/d", 2011),),
    ),
)

# Green-factory titles (fictional lists): (enterprise, level, year awarded, list name)
_TITLES: tuple[tuple[str, str, int, str], ...] = (
    ("ent01", "municipal", 2020, "苏州市绿色工厂名单（2020年，示例）"),
    ("ent01", "national", 2021, "工业和信息化部绿色制造名单（2021年，示例）"),
    ("ent11", "municipal", 2022, "苏州市绿色工厂名单（2022年，示例）"),
    ("ent20", "municipal", 2021, "苏州市绿色工厂名单（2021年，示例）"),
    ("ent20", "provincial", 2022, "江苏省绿色工厂名单（2022年，示例）"),
    ("ent23", "provincial", 2023, "江苏省绿色工厂名单（2023年，示例）"),
    ("ent28", "national", 2022, "工业和信息化部绿色制造名单（2022年，示例）"),
)

# Enterprises without a verification body assigned (all others are assigned to VERIFIER).
_UNASSIGNED = frozenset({"ent22", "ent26", "ent30"})

PARK = "park"
VERIFIER = "verifier_body"
_AUTHORITIES: tuple[DemoOrg, ...] = (
    DemoOrg(
        "auth_national",
        "authority",
        "工业和信息化部",
        "Ministry of Industry and Information Technology",
        "000000",
        level="national",
    ),
    DemoOrg(
        "auth_jiangsu",
        "authority",
        "江苏省工业和信息化厅",
        "Jiangsu Provincial Department of Industry and Information Technology",
        "320000",
        level="provincial",
    ),
    DemoOrg(
        "auth_suzhou",
        "authority",
        "苏州市工业和信息化局",
        "Suzhou Municipal Bureau of Industry and Information Technology",
        "320500",
        level="municipal",
    ),
    DemoOrg(
        "auth_wuxi",
        "authority",
        "无锡市工业和信息化局",
        "Wuxi Municipal Bureau of Industry and Information Technology",
        "320200",
        level="municipal",
    ),
)
_PARK_ORG = DemoOrg(
    PARK,
    "park",
    "苏州绿色制造示范园区",
    "Suzhou Green Manufacturing Demonstration Park",
    _WZ,
)
_VERIFIER_ORG = DemoOrg(
    VERIFIER,
    "verifier",
    "江苏苏信碳核查技术服务有限公司",
    "Jiangsu Suxin Carbon Verification Services Co., Ltd.",
    "320102",
)
# (username, org key, role, display name) of the non-enterprise users
_STAFF: tuple[tuple[str, str, str, str], ...] = (
    ("park", PARK, "park_admin", "园区管委会 绿色制造办公室"),
    ("suzhou", "auth_suzhou", "authority", "苏州市工信局 节能与综合利用处"),
    ("wuxi", "auth_wuxi", "authority", "无锡市工信局 节能与综合利用处"),
    ("jiangsu", "auth_jiangsu", "authority", "江苏省工信厅 节能与综合利用处"),
    ("national", "auth_national", "authority", "工业和信息化部 节能与综合利用司"),
    ("verifier", VERIFIER, "verifier", "苏信碳核查 核查员"),
)


# =================================================================================================
# Record generation
# =================================================================================================
def _sig(x: float, digits: int = 5) -> float:
    """``x`` rounded to ``digits`` significant figures (amounts as a meter or a ledger gives them)."""
    return float(f"{x:.{digits}g}") if x else 0.0


class _SiteYear:
    """Collects one site-year's records and tracks its grid electricity and output value."""

    def __init__(self, site: str, year: int, region: str, rng: random.Random) -> None:
        self.site, self.year, self.region, self.rng = site, year, region, rng
        self.records: list[dict[str, Any]] = []
        self.grid_mwh = 0.0
        self.value_cny = 0.0

    def noisy(self, x: float, sd: float = NOISE) -> float:
        return x * (1.0 + self.rng.gauss(0.0, sd))

    def add(
        self,
        kind: str,
        item: str,
        amount: float,
        unit: str,
        noise: bool = True,
        sd: float = NOISE,
        **measured: Any,
    ) -> float:
        """Append a record; returns the amount as recorded (rounded, noise of relative standard
        deviation ``sd`` applied)."""
        value = _sig(self.noisy(amount, sd) if noise else amount)
        if value <= 0:
            return 0.0
        rec: dict[str, Any] = {
            "site": self.site,
            "year": self.year,
            "kind": kind,
            "item": item,
            "amount": value,
            "unit": unit,
            "region": self.region,
        }
        rec.update(measured)
        self.records.append(rec)
        if item == "grid_electricity":
            self.grid_mwh += value * _MWH_PER_UNIT[unit]
        return value

    def grid(self, mwh: float, split: tuple[tuple[float, str], ...]) -> None:
        """Grid electricity ``mwh`` metered on several meters, each in its own unit."""
        for share, unit in split:
            self.add("electricity", "grid_electricity", mwh * share / _MWH_PER_UNIT[unit], unit)

    def green(self, item: str, share: float) -> None:
        """A green instrument for ``share`` of the grid electricity recorded so far (rounded down)."""
        mwh = math.floor(self.grid_mwh * share)
        if mwh > 0:
            self.add("green_electricity", item, mwh, "MWh", noise=False)

    def produce(self, item: str, amount: float, unit: str, price: float = 0.0) -> float:
        value = self.add("production", item, amount, unit, noise=False)
        self.value_cny += value * price
        return value


_Builder = Callable[[_SiteYear, _Blueprint, float, float, int], None]
_LIGHT_SPLIT = ((0.70, "MWh"), (0.25, "万kWh"), (0.05, "kWh"))


def _damped(e: float, k: float = 0.4) -> float:
    """A benchmarked line improves more slowly than the enterprise average (fraction ``k``)."""
    return 1.0 - (1.0 - e) * k


def _cement(sy: _SiteYear, bp: _Blueprint, p: float, e: float, site: int) -> None:
    """Clinker line (site 0; ``p`` t clinker), its limestone quarry (site 1) or the grinding
    station (site 2; ``p`` t cement). The clinker line's site holds only the kiln system's energy
    (coal, raw-meal and clinker electricity), so that it is the boundary of the clinker indicator;
    ``bp.spec[0]`` scales the kiln coal (1.0: 0.107 t coal per t clinker)."""
    rng = sy.rng
    if site == 0:
        clinker = _sig(p)
        k, el = bp.spec[0], _damped(e)
        sy.add(
            "fuel",
            "bituminous_coal",
            0.064 * k * clinker * el,
            "t",
            ncv=round(22.5 + rng.gauss(0, 0.25), 2),
            ncv_unit="GJ/t",
        )
        sy.add("fuel", "bituminous_coal", 0.043 * k * clinker * el, "t")
        sy.add("fuel", "diesel", 0.00028 * clinker, "t")
        sy.add(
            "electricity", "grid_electricity", 55 * clinker * el / 1e3, "MWh"
        )  # ~55 kWh/t clinker
        sy.add(
            "process",
            "clinker",
            clinker,
            "t",
            noise=False,
            cao_content=round(65.0 + rng.gauss(0, 0.35), 2),
            mgo_content=round(2.0 + rng.gauss(0, 0.3), 2),
        )
        sy.produce("cement_clinker", clinker, "t")
    elif site == 1:  # quarry: ~1.2 t limestone per t clinker; excavators, trucks, crusher
        sy.add("fuel", "diesel", 0.00077 * p * e, "t")
        sy.add("electricity", "grid_electricity", 2.1 * p * e, "kWh")
    else:  # grinding station: ~35 kWh/t cement
        cement = _sig(p)
        sy.add("electricity", "grid_electricity", 35 * cement * e / 1e4, "万kWh")
        sy.produce("cement", cement, "t", bp.price)


def _steel_eaf(sy: _SiteYear, bp: _Blueprint, p: float, e: float, site: int) -> None:
    """Electric-arc-furnace melt shop (site 0; ``p`` t crude steel; ``bp.spec[0]`` kWh/t for
    EAF, ladle furnace and utilities) and its rolling mill (site 1; ``p`` t rolled steel)."""
    if site == 0:
        steel = _sig(p)
        el = _damped(e)
        sy.grid(bp.spec[0] * steel * el / 1e3, ((0.8, "MWh"), (0.2, "万kWh")))
        sy.add("fuel", "natural_gas", 12 * steel * el / 1e4, "10^4 Nm3")  # ladle preheating
        sy.add("fuel", "anthracite", 0.009 * steel * el, "t")  # carbon injection, recarburiser
        sy.add("fuel", "diesel", 0.0003 * steel, "t")
        sy.add("process", "electrode", 0.0017 * steel * e, "t")
        sy.add("process", "pig_iron_purchased", 0.18 * steel, "t")
        # carbon fixed in the crude steel (~0.2 % C -> 0.0073 tCO2/t), deducted
        sy.add(
            "process",
            "crude_steel_carbon",
            steel,
            "t",
            noise=False,
            emission_factor=0.0073,
            emission_factor_unit="tCO2/t",
        )
        sy.produce("crude_steel", steel, "t")
    else:
        rolled = _sig(p)
        sy.grid(95 * rolled * e / 1e3, ((1.0, "MWh"),))  # rolling ~95 kWh/t
        sy.add("fuel", "natural_gas", 27 * rolled * e / 1e4, "10^4 Nm3")  # reheating furnace
        sy.produce("rolled_steel", rolled, "t", bp.price)


def _steel_bof(sy: _SiteYear, bp: _Blueprint, p: float, e: float, site: int) -> None:
    """Blast furnace - converter works (site 0; ``p`` t crude steel) and hot-strip mill (site 1).

    Coke is bought (no coke ovens); blast-furnace and converter gas are used on site and not
    recorded (their carbon is counted with the coke and coal that made them).
    """
    rng = sy.rng
    if site == 0:
        steel = _sig(p)
        sy.add("fuel", "coke", 0.40 * steel * e, "t")  # BF coke and sinter breeze
        sy.add("fuel", "bituminous_coal", 0.12 * steel * e, "t")  # pulverised coal injection
        sy.add("fuel", "anthracite", 0.06 * steel * e, "t")  # sinter, PCI blend
        sy.add("fuel", "natural_gas", 2 * steel / 1e4, "10^4 Nm3")
        sy.add("fuel", "diesel", 0.0004 * steel, "t")
        sy.add("process", "limestone", 0.09 * steel, "t", purity=round(93 + rng.gauss(0, 0.8), 1))
        sy.add("process", "dolomite", 0.035 * steel, "t")
        sy.grid(180 * steel * e / 1e3, ((0.6, "MWh"), (0.4, "万kWh")))  # net purchase
        sy.add(
            "process",
            "crude_steel_carbon",
            steel,
            "t",
            noise=False,
            emission_factor=0.0073,
            emission_factor_unit="tCO2/t",
        )
        sy.add("heat_export", "exported_heat", 0.3 * steel, "GJ")  # waste heat, district heating
        sy.produce("pig_iron", steel * 0.92, "t")
        sy.produce("crude_steel", steel, "t")
    else:
        rolled = _sig(p)
        sy.add("fuel", "natural_gas", 25 * rolled * e / 1e4, "10^4 Nm3")  # reheating furnaces
        sy.grid(95 * rolled * e / 1e3, ((1.0, "MWh"),))
        sy.produce("rolled_steel", rolled, "t", bp.price)


def _aluminium(sy: _SiteYear, bp: _Blueprint, p: float, e: float, site: int) -> None:
    """Primary aluminium smelter: potline series (sites 0 and 1; ``p`` t aluminium liquid each,
    ``bp.spec[site]`` kWh AC per t, on a revenue meter) and the casthouse (site 2; ``p`` t cast).
    Electrolysis improves slowly."""
    if site < 2:
        al = _sig(p)
        e_cell = 1.0 - (1.0 - e) * 0.15
        sy.add(
            "electricity", "grid_electricity", al * bp.spec[site] * e_cell / 1e4, "万kWh", sd=0.003
        )
        anode = 0.41 * al * e_cell  # net anode consumption
        sy.add(
            "process",
            "anode",
            anode / 2,
            "t",
            carbon_fraction=round(98 + sy.rng.gauss(0, 0.3), 1),
        )
        sy.add("process", "anode", anode / 2, "t")  # default carbon 1 - S - ash
        sy.add("process", "aluminium_pfc", al, "t", noise=False)
        sy.produce("primary_aluminium", al, "t", bp.price)
    else:
        sy.add("electricity", "grid_electricity", 200 * p * e / 1e3, "MWh")  # casting, utilities
        sy.add("fuel", "natural_gas", 0.0046 * p * e, "10^4 Nm3")
        sy.add("fuel", "diesel", 0.0017 * p, "t")


def _flat_glass(sy: _SiteYear, bp: _Blueprint, p: float, e: float, site: int) -> None:
    """Float-glass line; ``p`` t glass (output in weight boxes, 1 重量箱 = 50 kg); ``bp.spec[0]``
    GJ of furnace, tin-bath and annealing heat per t glass."""
    rng = sy.rng
    glass = _sig(p)
    el = _damped(e)
    heat_gj = bp.spec[0] * glass * el
    sy.add("fuel", "natural_gas", heat_gj * (1 - bp.cog_share) / 389.31, "10^4 Nm3")
    if bp.cog_share:
        sy.add("fuel", "coke_oven_gas", heat_gj * bp.cog_share / 173.54, "10^4 Nm3")
    sy.add("fuel", "diesel", 0.0002 * glass, "t")
    sy.add("process", "soda_ash", 0.195 * glass, "t", purity=round(99.2 + rng.gauss(0, 0.2), 1))
    sy.add("process", "dolomite", 0.17 * glass, "t")
    sy.add("process", "limestone", 0.055 * glass, "t", purity=round(96.5 + rng.gauss(0, 0.5), 1))
    sy.grid(105 * glass * el / 1e3, ((0.8, "MWh"), (0.2, "万kWh")))
    sy.produce("flat_glass", glass * 20, "重量箱", bp.price)


def _light(sy: _SiteYear, bp: _Blueprint, p: float, e: float, site: int) -> None:
    """Chemicals, textiles, electronics and machinery, from the blueprint's specific consumptions."""
    pr = bp.profile
    assert pr is not None, bp.key
    rng = sy.rng
    sy.grid(p * pr.elec_kwh * e / 1e3, _LIGHT_SPLIT)
    if pr.gas_nm3:
        gas = p * pr.gas_nm3 * e
        sy.add("fuel", "natural_gas", 0.85 * gas / 1e4, "10^4 Nm3")  # boilers, ovens, furnaces
        sy.add("fuel", "natural_gas", 0.15 * gas, "m3")  # labs, canteen (meter corrected to Nm3)
    if pr.coal_kg:
        sy.add(
            "fuel",
            "bituminous_coal",
            p * pr.coal_kg * e / 1e3,
            "t",
            ncv=round(21.8 + rng.gauss(0, 0.3), 2),
            ncv_unit="GJ/t",
            carbon_content=round(0.0262 + rng.gauss(0, 0.0003), 5),
        )
    if pr.steam_gj:
        sy.add("heat", "purchased_heat", p * pr.steam_gj * e, "GJ")
    if pr.diesel_kg:
        sy.add("fuel", "diesel", p * pr.diesel_kg / 1e3, "t")  # forklifts, standby generators
    if pr.lpg_kg:
        sy.add("fuel", "lpg", p * pr.lpg_kg / 1e3, "t")  # canteen
    if pr.heat_export_gj:
        sy.add("heat_export", "exported_heat", p * pr.heat_export_gj, "GJ")
    if pr.co2_recovered_kg:
        sy.add(
            "co2_recovery",
            "recovered_co2",
            p * pr.co2_recovered_kg / 1e3,
            "t",
            purity=round(99.5 + rng.gauss(0, 0.1), 2),
        )
    amount = sy.produce(pr.product, p / pr.per_unit, pr.unit)
    sy.value_cny += amount * pr.per_unit * bp.price


_BUILDERS: dict[str, _Builder] = {
    "cement": _cement,
    "steel_eaf": _steel_eaf,
    "steel_bof": _steel_bof,
    "aluminium": _aluminium,
    "flat_glass": _flat_glass,
    "chemicals": _light,
    "textiles": _light,
    "electronics": _light,
    "machinery": _light,
}


def _states(rng: random.Random, assigned: list[str], unassigned: list[str]) -> dict[Any, str]:
    """Workflow states: 2021 mostly verified, 2022 a mix, 2023 mostly draft or submitted.

    Only enterprises with a verification body are verified or returned; the others are submitted
    (awaiting assignment) or still draft.
    """
    out: dict[tuple[str, int], str] = {}
    n = len(assigned)
    order = list(assigned)
    rng.shuffle(order)
    for i, k in enumerate(order):
        out[(k, 2021)] = "verified" if i < n - 2 else "submitted"
    rng.shuffle(order)
    for i, k in enumerate(order):
        out[(k, 2022)] = (
            "verified" if i < round(0.55 * n) else "submitted" if i < round(0.8 * n) else "returned"
        )
    rng.shuffle(order)
    for i, k in enumerate(order):
        out[(k, 2023)] = "draft" if i < round(0.5 * n) else "submitted" if i < n - 1 else "returned"
    for k in unassigned:
        out[(k, 2021)] = "submitted"
        out[(k, 2022)] = "submitted"
        out[(k, 2023)] = "draft"
    return out


def demo_dataset(seed: int = 2024) -> DemoDataset:
    """The demo park, its neighbours, their users and three years of activity records.

    Deterministic: all randomness comes from ``random.Random(seed)``.
    """
    rng = random.Random(seed)
    orgs: list[DemoOrg] = [*_AUTHORITIES, _PARK_ORG, _VERIFIER_ORG]
    sites: list[DemoSite] = []
    users: list[DemoUser] = []
    activities: dict[tuple[str, int], list[dict[str, Any]]] = {}
    output_value: dict[tuple[str, int], float] = {}

    for bp in _BLUEPRINTS:
        orgs.append(
            DemoOrg(
                bp.key,
                "enterprise",
                bp.name,
                bp.name_en,
                bp.sites[0][2],
                industry_code=bp.industry_code,
                park_key=PARK if bp.in_park else None,
                sector=bp.sector,
            )
        )
        sites.extend(DemoSite(bp.key, code, name, region) for code, name, region in bp.sites)
        users.append(
            DemoUser(bp.key, DEMO_PASSWORD, f"{bp.name} 能源与碳排放管理员", ((bp.key, "manager"),))
        )
        if bp.key == _BLUEPRINTS[0].key:
            users.append(
                DemoUser("viewer", DEMO_PASSWORD, f"{bp.name} 查阅人员", ((bp.key, "viewer"),))
            )

        growth, eff = [1.0], [1.0]
        for _ in YEARS[1:]:
            growth.append(growth[-1] * (1 + rng.uniform(-0.03, 0.07)))
            eff.append(eff[-1] * (1 - rng.uniform(0.008, 0.035)))
        build = _BUILDERS[bp.sector]
        for yi, year in enumerate(YEARS):
            records: list[dict[str, Any]] = []
            value = 0.0
            for si, (code, _name, region) in enumerate(bp.sites):
                sy = _SiteYear(code, year, region, rng)
                build(sy, bp, bp.scale * bp.shares[si] * growth[yi], eff[yi], si)
                if si == 0:
                    for item, shares in bp.green:
                        sy.green(item, shares[yi])
                records.extend(sy.records)
                value += sy.value_cny
            activities[(bp.key, year)] = records
            index = _PRICE_INDEX[bp.sector][yi]
            output_value[(bp.key, year)] = round(value / 1e4 * index * (1 + rng.gauss(0, 0.02)), 1)

    for username, org, role, display in _STAFF:
        users.append(DemoUser(username, DEMO_PASSWORD, display, ((org, role),)))
    users.append(DemoUser("admin", DEMO_PASSWORD, "系统管理员 Administrator", ()))

    keys = [bp.key for bp in _BLUEPRINTS]
    assigned = [k for k in keys if k not in _UNASSIGNED]
    unassigned = [k for k in keys if k in _UNASSIGNED]
    states = _states(rng, assigned, unassigned)
    return DemoDataset(
        orgs=tuple(orgs),
        sites=tuple(sites),
        users=tuple(users),
        assignments=tuple((VERIFIER, k) for k in assigned),
        activities=activities,
        submission_states={(k, y): states[(k, y)] for k in keys for y in YEARS},
        output_value=output_value,
        lines=tuple(
            DemoLine(bp.key, site, name, indicator, product, capacity, unit, commissioned)
            for bp in _BLUEPRINTS
            for site, name, indicator, product, capacity, unit, commissioned in bp.lines
        ),
        titles=tuple(DemoTitle(*t) for t in _TITLES),
    )

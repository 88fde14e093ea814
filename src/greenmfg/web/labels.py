"""Readable names for codes: GB/T 4754 industries, GB/T 2260 regions, activity items.

All names come from the reference data (``industries.csv``, ``places.csv``, ``regions.csv``), each
row with its source. A code without a name is shown as the code itself (with its province's name
for a city or county).
"""

from __future__ import annotations

from greenmfg.reference.loader import get_reference
from greenmfg.web.i18n import N_

# Green-factory titles of the gradient cultivation system (message ids; pages translate them).
GREEN_TITLE_NAMES = {
    "municipal": N_("Municipal green factory"),
    "provincial": N_("Provincial green factory"),
    "national": N_("National green factory"),
}

NATIONAL = "000000"


def _pick(names: tuple[str, str], lang: str) -> str:
    return names[0] if lang == "zh" else names[1]


def industry_names() -> dict[str, tuple[str, str]]:
    """GB/T 4754-2017 sections and divisions -> (中文, English)."""
    return {
        code: (label.name_zh, label.name_en)
        for code, label in get_reference().industries.items()
        if label.level in ("section", "division")
    }


def prefecture_names() -> dict[str, tuple[str, str]]:
    return {
        code: (label.name_zh, label.name_en)
        for code, label in get_reference().places.items()
        if label.level == "prefecture"
    }


def industry_name(code: str | None, lang: str) -> str:
    """The name of ``code``'s division (``C3011`` -> 非金属矿物制品业), or ``""``."""
    if not code:
        return ""
    names = industry_names()
    for key in (code[:3], code[:1]):
        if key in names:
            return _pick(names[key], lang)
    return ""


def industry_label(code: str | None, lang: str) -> str:
    """``C30 非金属矿物制品业``; the bare code when it is not in the table."""
    if not code or code == "?":
        return "—"
    name = industry_name(code, lang)
    return f"{code} {name}" if name else code


def province_name(code: str, lang: str) -> str:
    regions = get_reference().regions
    r = regions.get(code[:2] + "0000")
    if r is None:
        return ""
    return r.name_zh if lang == "zh" else r.name_en


def region_name(code: str | None, lang: str) -> str:
    """Name of a GB/T 2260 code: the nation, a province, a listed prefecture; else ``""``."""
    if not code:
        return ""
    if code == NATIONAL:
        return "全国" if lang == "zh" else "National"
    if code.endswith("0000"):
        return province_name(code, lang)
    pref = prefecture_names().get(code[:4] + "00")
    if code.endswith("00") and pref:
        return _pick(pref, lang)
    return ""


def region_label(code: str | None, lang: str) -> str:
    """``苏州市`` for 320500, ``江苏省 320581`` for a county, ``浙江省 330100`` for an unlisted
    prefecture; the code itself when nothing is known."""
    if not code:
        return "—"
    name = region_name(code, lang)
    if name:
        return name
    pref = prefecture_names().get(code[:4] + "00")
    parent = _pick(pref, lang) if pref else province_name(code, lang)
    return f"{parent} {code}" if parent else code


def region_choices(lang: str) -> list[tuple[str, str]]:
    """(prefix, label) for the portfolio's region filter: provinces and the listed prefectures."""
    out: list[tuple[str, str]] = []
    for code, r in get_reference().regions.items():
        if r.level == "province":
            out.append((code[:2], r.name_zh if lang == "zh" else r.name_en))
    for code, names in prefecture_names().items():
        out.append((code[:4], _pick(names, lang)))
    return sorted(out)


def industry_choices(lang: str) -> list[tuple[str, str]]:
    return [(code, f"{code} {_pick(n, lang)}") for code, n in industry_names().items()]


def item_name(item: str, lang: str) -> str:
    """An activity item's name from the catalogue (``bituminous_coal`` -> 烟煤)."""
    spec = get_reference().items.get(item)
    if spec is None:
        return item
    return (spec.name_zh if lang == "zh" else spec.name_en) or item

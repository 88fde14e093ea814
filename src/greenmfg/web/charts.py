"""ECharts options built on the server; pages embed them as ``data-chart`` JSON and
``static/app.js`` renders them (``"_unit"`` asks it to add thousands-separated value formatters)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from greenmfg.web.labels import industry_label, item_name, region_label

PALETTE = ["#1b7f5a", "#3fa7d6", "#f2a541", "#8c6bb1", "#e4572e", "#59c3a5", "#b8b42d", "#6c757d"]
Gettext = Callable[[str], str]


def _r(v: float | None, digits: int = 3) -> float:
    return round(float(v or 0.0), digits)


def _base(unit: str) -> dict[str, Any]:
    return {
        "color": PALETTE,
        "aria": {"enabled": True},
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "_unit": unit,
    }


def scope_chart(summary: Mapping[str, Any], _: Gettext) -> dict[str, Any]:
    """Scope 1, scope 2 location-based and market-based [tCO2e] as bars."""
    names = [_("Scope 1"), _("Scope 2 (location)"), _("Scope 2 (market)")]
    values = [
        _r(summary.get("scope1_tco2e")),
        _r(summary.get("scope2_location_tco2e")),
        _r(summary.get("scope2_market_tco2e")),
    ]
    return {
        **_base("tCO2e"),
        "legend": {"show": False},
        "xAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"interval": 0, "width": 90, "overflow": "break"},
        },
        "yAxis": {"type": "value", "name": "tCO2e"},
        "series": [
            {
                "type": "bar",
                "name": "tCO2e",
                "data": [
                    {"value": v, "itemStyle": {"color": PALETTE[i]}} for i, v in enumerate(values)
                ],
                "barMaxWidth": 64,
            }
        ],
    }


def category_chart(summary: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Emissions by source category (the totalled categories with a positive amount) as a pie."""
    data = [
        {
            "name": c.get("label_zh") if lang == "zh" else c.get("label_en") or c["category"],
            "value": _r(c.get("counted_tco2e")),
        }
        for c in summary.get("by_category", [])
        if c.get("sign", 0) > 0 and (c.get("counted_tco2e") or 0) > 0
    ]
    return {
        **_base("tCO2e"),
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"type": "scroll", "bottom": 0},
        "series": [
            {
                "type": "pie",
                "name": "tCO2e",
                "radius": ["35%", "65%"],
                "center": ["50%", "45%"],
                "avoidLabelOverlap": True,
                "label": {"formatter": "{d}%"},
                "data": data,
            }
        ],
    }


def energy_chart(summary: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Energy consumption [tce] by carrier (activity item), largest first, as horizontal bars."""
    acc: dict[str, float] = defaultdict(float)
    for e in summary.get("energy_by_carrier", []):
        acc[e["item"]] += e.get("energy_tce") or 0.0
    items = sorted(acc.items(), key=lambda kv: kv[1])
    return {
        **_base("tce"),
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 24, "containLabel": True},
        "legend": {"show": False},
        "xAxis": {"type": "value", "name": "tce", "nameLocation": "middle", "nameGap": 26},
        "yAxis": {"type": "category", "data": [item_name(k, lang) for k, _v in items]},
        "series": [
            {
                "type": "bar",
                "name": "tce",
                "data": [_r(v) for _k, v in items],
                "barMaxWidth": 28,
                "itemStyle": {"color": PALETTE[2]},
            }
        ],
    }


def trend_chart(points: Sequence[Mapping[str, Any]], _: Gettext) -> dict[str, Any]:
    """Totals over the years: emissions [tCO2e] as lines, energy [tce] as bars (second axis).

    ``points``: ``{"year", "total_tco2e", "energy_tce"}`` and optionally ``scope1_tco2e``,
    ``scope2_location_tco2e``, oldest first."""
    years = [str(p["year"]) for p in points]
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": _("Energy (tce)"),
            "yAxisIndex": 1,
            "data": [_r(p.get("energy_tce")) for p in points],
            "barMaxWidth": 36,
            "itemStyle": {"color": "#cfe8dc"},
        },
        {
            "type": "line",
            "name": _("Total (tCO2e)"),
            "data": [_r(p.get("total_tco2e")) for p in points],
            "symbolSize": 8,
            "itemStyle": {"color": PALETTE[0]},
            "lineStyle": {"width": 3, "color": PALETTE[0]},
        },
    ]
    if points and "scope1_tco2e" in points[0]:
        series.append(
            {
                "type": "line",
                "name": _("Scope 1"),
                "data": [_r(p.get("scope1_tco2e")) for p in points],
                "itemStyle": {"color": PALETTE[1]},
                "lineStyle": {"color": PALETTE[1]},
            }
        )
        series.append(
            {
                "type": "line",
                "name": _("Scope 2 (location)"),
                "data": [_r(p.get("scope2_location_tco2e")) for p in points],
                "itemStyle": {"color": PALETTE[2]},
                "lineStyle": {"color": PALETTE[2]},
            }
        )
    return {
        **_base("tCO2e"),
        "grid": {"left": 8, "right": 8, "top": 48, "bottom": 8, "containLabel": True},
        "legend": {"top": 0, "type": "scroll"},
        "xAxis": {"type": "category", "data": years},
        "yAxis": [
            {"type": "value", "name": "tCO2e"},
            {"type": "value", "name": "tce", "splitLine": {"show": False}},
        ],
        "series": series,
    }


def group_chart(
    groups: Iterable[Mapping[str, Any]], label: Callable[[str], str], limit: int = 15
) -> dict[str, Any]:
    """Portfolio totals by group (``{"key", "total_tco2e", "enterprises"}``), largest on top."""
    top = list(groups)[:limit][::-1]
    return {
        **_base("tCO2e"),
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 24, "containLabel": True},
        "legend": {"show": False},
        "tooltip": {"trigger": "axis", "confine": True, "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "name": "tCO2e", "nameLocation": "middle", "nameGap": 26},
        "yAxis": {
            "type": "category",
            "data": [label(g["key"]) for g in top],
            "axisLabel": {"width": 140, "overflow": "truncate"},
        },
        "series": [
            {
                "type": "bar",
                "name": "tCO2e",
                "data": [_r(g["total_tco2e"]) for g in top],
                "barMaxWidth": 22,
            }
        ],
    }


def industry_chart(groups: Iterable[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    return group_chart(groups, lambda k: industry_label(k, lang))


def region_chart(groups: Iterable[Mapping[str, Any]], lang: str) -> dict[str, Any]:
    return group_chart(groups, lambda k: region_label(k, lang))


def status_chart(counts: Mapping[str, int], names: Mapping[str, str]) -> dict[str, Any]:
    colours = {
        "draft": "#9aa5b1",
        "submitted": "#3fa7d6",
        "verified": "#1b7f5a",
        "returned": "#e4572e",
        "none": "#d9dee3",
    }
    return {
        **_base(""),
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "65%"],
                "center": ["50%", "45%"],
                "label": {"formatter": "{c}"},
                "data": [
                    {
                        "name": names.get(k, k),
                        "value": v,
                        "itemStyle": {"color": colours.get(k, "#6c757d")},
                    }
                    for k, v in counts.items()
                ],
            }
        ],
    }

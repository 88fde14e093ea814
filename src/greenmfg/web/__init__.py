"""Server-rendered web pages (Jinja2, htmx, ECharts) on top of the store.

:mod:`greenmfg.web.routes` holds the pages, :mod:`greenmfg.web.i18n` the translations (Chinese by
default, English), :mod:`greenmfg.web.labels` readable names of industries and regions, and
:mod:`greenmfg.web.charts` the ECharts options the pages embed as ``data-chart`` JSON.
"""

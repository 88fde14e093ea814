"""Oversight analytics: aggregations written once as Narwhals lazy-frame functions, run on DuckDB
locally or on PySpark on a cluster (:mod:`greenmfg.analytics.engine`)."""

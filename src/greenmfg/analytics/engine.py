"""Where the analytics run: DuckDB in-process (default) or Apache Spark (a cluster, or local mode).

Every aggregation of :mod:`greenmfg.analytics` is a function from Narwhals lazy frames to a
Narwhals lazy frame; an :class:`Engine` only turns data into lazy frames of its backend and
results back into Arrow tables. Nothing is collected before :meth:`Engine.collect`, so DuckDB
streams Parquet larger than memory and Spark distributes the work.

Spark is chosen with ``engine="spark"`` (CLI ``--engine spark``) and configured by the environment:
``SPARK_REMOTE`` (a Spark Connect URL such as ``sc://spark-master:15002``) or
``GREENMFG_SPARK_MASTER`` (a classic master URL: ``spark://host:7077``, ``yarn``,
``k8s://…``); without either, Spark runs in local mode on this machine (``local[*]``). PySpark is
the optional ``spark`` extra (``pip install 'greenmfg[spark]'``) and needs a Java runtime.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import narwhals as nw
import pyarrow as pa

__all__ = [
    "Engine",
    "EngineError",
    "EngineName",
    "duckdb_engine",
    "get_engine",
    "spark_engine",
]

EngineName = Literal["duckdb", "spark"]


class EngineError(RuntimeError):
    """An engine that cannot start (PySpark or Java missing, a cluster unreachable)."""


@dataclass
class Engine:
    """A DuckDB connection or a Spark session, with the few operations the analytics need."""

    name: EngineName
    native: Any

    def scan_parquet(self, path: str | Path) -> nw.LazyFrame[Any]:
        """A lazy frame over a Parquet file or a directory of Parquet files (nothing is read
        yet)."""
        p = Path(path)
        if self.name == "duckdb":
            pattern = str(p / "**" / "*.parquet") if p.is_dir() else str(p)
            native = self.native.read_parquet(pattern)
        else:
            native = self.native.read.parquet(str(p))
        return _lazy(native)

    def from_arrow(self, table: pa.Table) -> nw.LazyFrame[Any]:
        """A lazy frame over an in-memory Arrow table (small inputs: platform data, tests)."""
        if self.name == "duckdb":
            return _lazy(self.native.from_arrow(table))
        return _lazy(self.native.createDataFrame(table))

    def collect(self, frame: nw.LazyFrame[Any]) -> pa.Table:
        """Run ``frame`` and return the result as an Arrow table."""
        return frame.collect(backend="pyarrow").to_arrow()

    def close(self) -> None:
        if self.name == "duckdb":
            self.native.close()
        else:
            self.native.stop()


def _lazy(native: Any) -> nw.LazyFrame[Any]:
    frame = nw.from_native(native)
    assert isinstance(frame, nw.LazyFrame)  # DuckDB relations and Spark frames are lazy
    return frame


def duckdb_engine(
    database: str = ":memory:", *, threads: int | None = None, memory_limit: str | None = None
) -> Engine:
    """An in-process DuckDB engine (``memory_limit`` e.g. ``"4GB"``: DuckDB spills beyond it)."""
    import duckdb

    con = duckdb.connect(database)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    return Engine("duckdb", con)


def spark_engine(
    master: str | None = None,
    *,
    app_name: str = "greenmfg",
    conf: Mapping[str, str] | None = None,
) -> Engine:
    """A Spark session: Spark Connect when ``SPARK_REMOTE`` is set, else the classic ``master``
    (argument, then ``GREENMFG_SPARK_MASTER``, then ``local[*]``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:  # the optional extra
        raise EngineError("the Spark engine needs PySpark: pip install 'greenmfg[spark]'") from e
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "Asia/Shanghai",  # meter timestamps are China time
        **(conf or {}),
    }
    builder = SparkSession.builder.appName(app_name)
    remote = os.environ.get("SPARK_REMOTE")
    if remote and master is None:
        builder = builder.remote(remote)
    else:
        builder = builder.master(master or os.environ.get("GREENMFG_SPARK_MASTER") or "local[*]")
    for k, v in settings.items():
        builder = builder.config(k, v)
    try:
        session = builder.getOrCreate()
    except Exception as e:  # Java missing, cluster down …: one clear message
        raise EngineError(f"Spark did not start: {e}") from e
    if not remote:
        session.sparkContext.setLogLevel("ERROR")
    return Engine("spark", session)


def get_engine(name: str = "duckdb", **options: Any) -> Engine:
    """The engine called ``name`` (``duckdb`` or ``spark``)."""
    if name == "duckdb":
        return duckdb_engine(**options)
    if name == "spark":
        return spark_engine(**options)
    raise EngineError(f"engine {name!r}: expected duckdb or spark")

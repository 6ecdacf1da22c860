"""SQL over a run's tables with DuckDB, in process.

A table is handed to DuckDB the first time a query names it, so a query over ``findings`` never reads a
snapshot. The connection sees these tables only: file access is switched off and the setting locked, so a query
can neither read nor write a file (the run's evidence stays as it is)::

    RunSql(run.table, ["findings", "sg_rules"]).query("select check_id, count(*) n from findings group by all")
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from awsbp.errors import AwsbpError
from awsbp.report.followup.frames import UTC_DTYPE, Frame, sql_ready


class QueryError(AwsbpError):
    """DuckDB refused a query; the message is its error on one line."""


def one_line(message: str) -> str:
    """DuckDB's message without the echoed query and caret lines, on one line."""
    kept: list[str] = []
    for line in message.splitlines():
        if line.startswith(("LINE ", "Did you mean")) or (kept and set(line.strip()) <= {"^"}):
            break
        kept.append(line.strip())
    return " ".join(part for part in kept if part) or message.strip()


class RunSql:
    """One in-memory DuckDB connection over named frames (``table(name)`` gives each)."""

    def __init__(self, table: Callable[[str], pd.DataFrame], names: list[str]):
        self.table = table
        self.names = list(names)
        self.registered: set[str] = set()
        self.connection = duckdb.connect(":memory:", config={"enable_external_access": False})
        self.connection.execute("SET lock_configuration = true")

    def _register_named(self, query: str) -> None:
        for name in self.names:
            if name not in self.registered and re.search(rf"\b{re.escape(name)}\b", query, re.IGNORECASE):
                self.connection.register(name, sql_ready(self.table(name)))
                self.registered.add(name)

    def query(self, query: str) -> Frame:
        """The query's result as a frame (empty for a statement without rows, such as ``create view``)."""
        self._register_named(query)
        try:
            relation = self.connection.sql(query)
            result = relation.df() if relation is not None else pd.DataFrame()
        except duckdb.Error as err:
            hint = ""
            if isinstance(err, duckdb.CatalogException):
                hint = f" (tables: {', '.join(self.names)})"
            raise QueryError(one_line(str(err)) + hint) from None
        for column in result.columns:
            values = result[column]
            if isinstance(values.dtype, pd.DatetimeTZDtype):  # DuckDB answers in microseconds, Etc/UTC
                result[column] = values.dt.tz_convert("UTC").astype(UTC_DTYPE)
            elif values.dtype == object:  # lists come back as numpy arrays: as the frames hold them, lists
                result[column] = values.map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
        return Frame(result)

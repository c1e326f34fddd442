"""Counting the SQL statements a piece of code runs, as `with connection.execute_wrapper(seen)`.

Django's CaptureQueriesContext is reset by the request_started signal, so it cannot count the
statements of a request made with the test client; an execute wrapper sees every one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Statements:
    """An execute wrapper that keeps the SQL of every statement run through it."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def of(self, table: str) -> list[str]:
        """The statements reading `table` as their main table (not in a subquery)."""
        return [s for s in self.sql if main_table(s) == table]


def main_table(sql: str) -> str | None:
    """The table after the outermost FROM of a statement."""
    depth = 0
    for i, char in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and sql.startswith(' FROM "', i):
            return sql[i + 7 : sql.index('"', i + 7)]
    return None

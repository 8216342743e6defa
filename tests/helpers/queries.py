"""Counting the SQL queries a page runs, for the query-budget tests."""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.extensions import db

# Transaction control is not a query (SQLite's BEGIN goes through the cursor,
# PostgreSQL's does not), so budgets read the same on both databases.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class QueryCounter:
    """Collects the SQL queries run while the block is active."""

    def __enter__(self) -> QueryCounter:
        self.statements: list[str] = []
        self.parameters: list = []  # each statement's, in step with ``statements``
        sa.event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def _record(self, conn, cursor, statement, parameters, *args) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.statements.append(statement)
            self.parameters.append(parameters)

    def __exit__(self, *exc) -> None:
        sa.event.remove(db.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


def count_queries(client, url: str) -> int:
    """The queries the app runs to serve ``url`` (which must answer 200)."""
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.count

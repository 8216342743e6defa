"""Query counting, shared by the query-budget tests."""

import sqlalchemy as sa

from ideaboard.extensions import db


def count_queries(client, url: str) -> int:
    """SQL statements the app runs to serve ``url`` (the response must be 200)."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)

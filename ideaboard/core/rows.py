"""Plain rows for the most read pages: a select of columns run on the session's connection.

``db.session.execute`` sends even a select of plain columns through the ORM's statement
machinery, which cost more than running the query on the hottest pages (the lists ask
three or four per view). ``rows`` hands it straight to the connection, after flushing
what the session holds unsaved, as the ORM's autoflush would, so a read in the middle of
a request still sees that request's own changes.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.extensions import db


def rows(statement: sa.Executable, params: dict | None = None) -> sa.CursorResult:
    """The result of ``statement`` (a select of columns, not of entities)."""
    session = db.session()
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    return session.connection().execute(statement, params)

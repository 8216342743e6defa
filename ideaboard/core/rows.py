"""Plain rows for the most read pages: a select of columns run on the session's connection.

``db.session.execute`` sends even a select of plain columns through the ORM's statement
machinery, which cost more than running the query on the hottest pages (the lists ask
three or four per view). ``rows`` hands it straight to the connection, after flushing
what the session holds unsaved, as the ORM's autoflush would, so a read in the middle of
a request still sees that request's own changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ideaboard.extensions import db


def rows(statement: sa.Executable, params: dict | None = None) -> sa.CursorResult:
    """The result of ``statement`` (a select of columns, not of entities)."""
    session = db.session()
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    return session.connection().execute(statement, params)


def keep_in_step(model: type, key: Any, values: Iterable[tuple[str, Any]]) -> None:
    """Give the session's loaded ``model`` object with primary key ``key``, if it holds
    one, the ``(attribute, value)`` pairs a Core statement has just written, as committed
    values: it reads them without a query, and the next flush writes nothing for them.

    So a function that writes a row in Core (the counters of a vote, the merit of a
    scored idea) takes one shape, an id, whether or not the caller also holds the row
    as an ORM object. A lookup in the identity map; no query.
    """
    loaded = db.session.identity_map.get(Session.identity_key(model, key))
    if loaded is not None:
        for attribute, value in values:
            set_committed_value(loaded, attribute, value)

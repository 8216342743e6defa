"""How a page view's transaction ends: with COMMIT, so PostgreSQL keeps prepared statements.

Flask-SQLAlchemy ends every request by rolling its transaction back. psycopg forgets the
statements it has prepared on the server at each ROLLBACK (a rollback may have undone a
schema change they depend on), so every page parsed every query afresh. A page view
(GET, HEAD) writes nothing (its SQLite transaction is even begun read-only, see
``database._on_begin``), and for such a transaction COMMIT and ROLLBACK are the same, but
COMMIT leaves the prepared statements in place for the next request on that connection.
A page view that has somehow marked objects for writing is still rolled back.
"""

from __future__ import annotations

from flask import Flask, request

from ideaboard.extensions import db

READ_METHODS = ("GET", "HEAD")


def register(app: Flask) -> None:
    @app.teardown_request
    def end_read_transaction(error: BaseException | None) -> None:
        if error is not None or request.method not in READ_METHODS:
            return
        session = db.session()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.commit()

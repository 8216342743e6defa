"""Units of work: which transactions take the write lock, and how they end.

**Writing or reading.** A unit of work declares whether it writes; on SQLite a writing
one begins each transaction with ``BEGIN IMMEDIATE`` (waiting on the busy timeout, with
retries: ``database.begin_sqlite``), a reading one stays deferred, so readers never
wait and an idle session that only read holds no lock. A web request declares it from
its method as it starts (GET and HEAD read, the rest write); a command or a job step
runs its work in :func:`unit_of_work`. Both set the same flag, which the app's own
engine reads when a transaction begins (``register`` puts the events on that engine
only, never on SQLAlchemy's ``Engine`` class).

**How a page view ends: with COMMIT, so PostgreSQL keeps prepared statements.**
Flask-SQLAlchemy ends every request by rolling its transaction back. psycopg forgets the
statements it has prepared on the server at each ROLLBACK (a rollback may have undone a
schema change they depend on), so every page parsed every query afresh. A page view
(GET, HEAD) writes nothing (its SQLite transaction is even begun deferred), and for such
a transaction COMMIT and ROLLBACK are the same, but COMMIT leaves the prepared
statements in place for the next request on that connection. A page view that has
somehow marked objects for writing is still rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

import sqlalchemy as sa
from flask import Flask, g, request, request_started
from sqlalchemy.orm import Session

from ideaboard.database import listen_sqlite
from ideaboard.extensions import db

READ_METHODS = ("GET", "HEAD", "OPTIONS")

# Per thread (and per task): set by a request as it starts or by unit_of_work.
_writes: ContextVar[bool] = ContextVar("ideaboard_unit_of_work_writes", default=False)


def writes() -> bool:
    """Whether the current unit of work writes (its transactions take the write lock)."""
    return _writes.get()


@contextmanager
def unit_of_work(*, writes: bool = True, exclusive: str | None = None) -> Iterator[Session]:
    """Run the block as one transaction of ``db.session``, outside a request.

    Commits when the block ends, rolls back if it raises. A writing unit takes the
    SQLite write lock as its transaction begins, as writing requests do, so it queues
    behind people's writes instead of failing with "database is locked". A transaction
    the session already had open began without the lock, so it is committed first
    (callers keep their work in the block). Keep the block short: it holds the lock.

    Units with the same ``exclusive`` name run one at a time: the second waits until
    the first has committed, then reads what it wrote (a job that reads what is left
    to do, then does it, is safe to start twice). SQLite's write lock already does
    that; on PostgreSQL it is a transaction-level advisory lock.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    token = _writes.set(writes)
    try:
        if exclusive and session.get_bind().dialect.name == "postgresql":
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(
                sa.func.hashtext(f"ideaboard:{exclusive}"))))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _writes.reset(token)


def register(app: Flask) -> None:
    """Put the SQLite events on the app's engines and bracket each request's unit of work."""
    with app.app_context():
        for engine in db.engines.values():
            listen_sqlite(engine, writes)

    def declare(sender: Flask, **_extra) -> None:
        # Before any before_request hook, so even their queries know.
        g._unit_of_work_token = _writes.set(request.method not in READ_METHODS)

    # Held by the app (blinker keeps receivers weakly) and sent only for this app.
    app.extensions["ideaboard.unit_of_work"] = declare
    request_started.connect(declare, app)

    @app.teardown_request
    def end_unit_of_work(error: BaseException | None) -> None:
        try:
            if error is None and request.method in READ_METHODS:
                _commit_read_transaction()
        finally:
            token: Token[bool] | None = g.pop("_unit_of_work_token", None)
            if token is not None:
                _writes.reset(token)


def _commit_read_transaction() -> None:
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()

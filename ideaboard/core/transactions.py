"""The one commit point: how every unit of work begins and ends.

**A request is one unit of work, ended here** (as Indico's ``RH.process`` ends each
request handler's). Views and services never commit or roll back: services change
objects and flush (for ids, and to meet a constraint where they can answer for it; a
retry on ``IntegrityError`` runs in a SAVEPOINT, ``db.session.begin_nested()``), views
validate, call a service and answer. When the view has answered, :func:`end_request`
ends the transaction by the response's status:

- below 400 (a page, a redirect after a change, the vote widget's JSON): COMMIT;
- 400 and above (a form shown again with its errors, 422; a refusal, 403, 404, 409,
  429; every error page): ROLLBACK. A view that refuses with a redirect instead (a
  flashed "that cannot be done" on the page it goes back to) calls :func:`discard`.
  Rate-limit counts live in the limiter's store, not in the database, so a refused
  attempt stays counted;
- a page view (GET, HEAD) that has somehow marked objects for writing: ROLLBACK.

It runs before the other after-request hooks (``register`` is called last), so the
response they see is the one that is sent. The commit happens before the response
leaves, so the page a redirect leads to sees what was written; and so do the
person's cookies: a sign-in is sent only with the transaction it depends on.

**A commit that fails sends nothing of the view's answer.** The transaction is rolled
back, the cookie session goes back to what the request brought (no sign-in of an
account that was not made, no flashed "saved" for work that was lost), and the
response is the app's error page for that failure: 503 for an outage
(``core.errors``), 500 for anything else, an ``IntegrityError`` included, as when a
view committed itself.

**An exception rolls back.** The error handlers of failures (500, 503) are marked
:func:`rolled_back_first`: the transaction ends before they read anything (the
signed-in person for the page's header), so they never query inside a failed one. The
other error pages (an HTTP refusal) are drawn in the request's transaction and rolled
back afterwards, like any response of 400 and above. Whatever is still open when the
request is torn down (the reads of a streamed body, an exception nothing answered) is
committed if it only read and rolled back otherwise.

Commands and jobs run their work in :func:`unit_of_work` instead. This module is the
only one in the package that calls ``commit()`` or ``rollback()``
(``tests/core/test_transactions.py`` checks).

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
statements in place for the next request on that connection. (Behind PgBouncer in
transaction mode, ``IDEABOARD_DATABASE_PGBOUNCER``, there are none to keep:
``database.transaction_pooling_options``.)
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, request, request_started
from flask import session as cookie_session
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ideaboard.database import listen_sqlite
from ideaboard.extensions import db

READ_METHODS = ("GET", "HEAD", "OPTIONS")

# Per thread (and per task): set by a request as it starts or by unit_of_work.
_writes: ContextVar[bool] = ContextVar("ideaboard_unit_of_work_writes", default=False)

Handler = TypeVar("Handler", bound=Callable)


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


# --- a request's unit of work ---------------------------------------------------------

def discard() -> None:
    """Keep nothing this request changed, although its answer is a success: for a view
    that refuses with a redirect (and a flashed reason) rather than an error page."""
    g._unit_of_work_discarded = True


def keep_after_refusal(obj: object) -> None:
    """Write ``obj`` even though the request is refused: a record of the refusal
    itself (a provisioning log's entry). It is added and committed alone, after the
    request's own work has been rolled back, so nothing else the request did is kept."""
    g.setdefault("_unit_of_work_kept_after_refusal", []).append(obj)


def _commit_kept_after_refusal() -> None:
    kept = g.pop("_unit_of_work_kept_after_refusal", None)
    if not kept:
        return
    session = db.session()
    try:
        session.add_all(kept)
        session.commit()
    except sa.exc.SQLAlchemyError:
        _roll_back()  # the record of a refusal is not worth an error page


def rolled_back_first(handler: Handler) -> Handler:
    """Mark an error handler of a failure: the request's transaction is rolled back
    before it runs, so what it reads comes from a fresh transaction, never a failed one.
    """
    @functools.wraps(handler)
    def handle(error: BaseException):
        _roll_back()
        return handler(error)

    return handle  # type: ignore[return-value]


def end_request(response: Response) -> Response:
    """End the request's transaction by its response (see the module docstring): commit
    below 400, roll back otherwise; if the commit fails, answer with the error page of
    the failure instead."""
    session = _open_session()
    if response.status_code >= 400 and g.get("_unit_of_work_kept_after_refusal"):
        _roll_back()
        _commit_kept_after_refusal()
        return response
    if session is None or not (session.in_transaction() or _has_changes(session)):
        return response  # nothing begun, nothing to keep (a static file, a cached page)
    if response.status_code >= 400 or g.get("_unit_of_work_discarded") or (
            request.method in READ_METHODS and _has_changes(session)):
        _roll_back()
        return response
    try:
        session.commit()
    except Exception as error:
        _roll_back()
        _restore_cookie_session()
        # The error handler registered for it (core.errors), as if the view had raised
        # it; none (an IntegrityError) re-raises it, and Flask answers 500.
        return current_app.make_response(current_app.handle_user_exception(error))
    return response


def _open_session() -> Session | None:
    """The request's session, if anything in the request used it."""
    return db.session() if db.session.registry.has() else None


def _has_changes(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted)


def _roll_back() -> None:
    session = _open_session()
    if session is None:
        return
    # A connection that is gone cannot roll back; the pool discards it.
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        session.rollback()


def _restore_cookie_session() -> None:
    """Put the cookie session back as the request brought it, and forget the person the
    view signed in or out: nothing the view said on the way (a sign-in, a flashed
    message, a new CSRF token) is sent with the error page of work that was lost."""
    brought = current_app.session_interface.open_session(current_app, request)
    if brought is None:  # no secret key: there is no cookie session to restore
        return
    cookie_session.clear()
    cookie_session.update(brought)
    # Flask-Login keeps the person it has loaded (or the view signed in) here; without
    # it, the error page loads the one the restored session names.
    g.pop("_login_user", None)


def _end_what_is_left(error: BaseException | None) -> None:
    """At teardown: end what is still open (a streamed body's reads, an exception no
    handler answered). A transaction that only read is committed (it loses nothing and
    PostgreSQL keeps its prepared statements), anything else is rolled back."""
    session = _open_session()
    if session is None or not session.in_transaction():
        return
    if error is None and request.method in READ_METHODS and not _has_changes(session):
        try:
            session.commit()
            return
        except sa.exc.SQLAlchemyError:
            pass  # the body has been sent; a lost read transaction loses nothing
    _roll_back()


def register(app: Flask) -> None:
    """Put the SQLite events on the app's engines and bracket each request's unit of work.

    Call it after every other step that adds an after-request hook: hooks run in the
    reverse order of registration, so :func:`end_request` then runs first, and the
    others (security headers, Retry-After, remember-me cookie) see the response that
    is sent, an error page that replaced a failed commit's included.
    """
    with app.app_context():
        for engine in db.engines.values():
            listen_sqlite(engine, writes)

    def declare(sender: Flask, **_extra) -> None:
        # Before any before_request hook, so even their queries know.
        g._unit_of_work_token = _writes.set(request.method not in READ_METHODS)

    # Held by the app (blinker keeps receivers weakly) and sent only for this app.
    app.extensions["ideaboard.unit_of_work"] = declare
    request_started.connect(declare, app)
    app.after_request(end_request)

    @app.teardown_request
    def end_unit_of_work(error: BaseException | None) -> None:
        try:
            _end_what_is_left(error)
        finally:
            token: Token[bool] | None = g.pop("_unit_of_work_token", None)
            if token is not None:
                _writes.reset(token)

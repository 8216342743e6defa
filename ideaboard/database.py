"""The declarative base, column types and database-level settings shared by all models."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names let Alembic alter them, also on SQLite (batch mode).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (use as a callable default)."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and given their zone back on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                "naive datetime given to a UTC column; use ideaboard.database.utcnow()")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def stored_type(column: sa.Column) -> sa.types.TypeEngine:
    """The type a column is stored as: a ``TypeDecorator``'s own (``UTCDateTime`` is a
    timestamp, ``core.i18n.PersonName`` a string), for code that asks what kind of data a
    column holds (the erasure's scan of every text column)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, sa.TypeDecorator) else kind


def sqlalchemy_url(url: str) -> str:
    """A database URL as SQLAlchemy is to open it: PostgreSQL through psycopg 3, also for
    the ``postgres://`` and ``postgresql://`` forms hosts hand out."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def enum_check(column: str, values) -> sa.CheckConstraint:
    """A CHECK constraint that keeps ``column`` to the given string values."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: full-text search structures are hand-written in migrations.

    They are SQLite FTS5 tables named ``ideas_fts*`` and ``comments_fts*`` (with their
    triggers), PostgreSQL GIN indexes whose names end in ``_fts`` (the trigram index on
    titles among them), and PostgreSQL's stored
    ``ideas.search_vector`` column that such an index covers.
    """
    if type_ == "table" and name and name.startswith(("ideas_fts", "comments_fts")):
        return False
    if type_ == "index" and name and name.endswith("_fts"):
        return False
    return not (type_ == "column" and name == "search_vector")


def configure_sqlite(dbapi_connection, _record) -> None:
    """Turn on WAL and foreign keys for every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("SELECT sqrt(4), log(100)")
    except Exception:  # SQLite built without its math functions: provide them
        import math

        dbapi_connection.create_function("sqrt", 1, math.sqrt, deterministic=True)
        dbapi_connection.create_function("log", 1, math.log10, deterministic=True)
    cursor.close()


SQLITE_BEGIN_ATTEMPTS = 3


def _on_connect(dbapi_connection, record) -> None:
    configure_sqlite(dbapi_connection, record)
    # Let SQLAlchemy, not the sqlite3 module, begin transactions (see begin_sqlite);
    # this also makes SAVEPOINTs work.
    dbapi_connection.isolation_level = None


def begin_sqlite(connection: sa.Connection, *, immediate: bool) -> None:
    """Begin a SQLite transaction: deferred, or with the write lock (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with
    "database is locked" when another writer committed in between: the busy
    timeout cannot help it. Taking the write lock up front makes writers queue
    on the busy timeout instead. Readers stay deferred, so they never wait for
    writers (WAL), and an idle session that only read holds no lock.
    """
    if not immediate:
        # Straight to sqlite3: a deferred BEGIN cannot wait or fail, and SQLAlchemy's
        # statement machinery cost more than the rest of a small page's first query.
        # (A connection beginning a transaction is checked out, so it has its driver's.)
        driver = cast(sqlite3.Connection, connection.connection.driver_connection)
        driver.execute("BEGIN")
        return
    # Each attempt already waits the busy timeout; a retry covers a writer that
    # held the lock for longer than that (a backup, a bulk import).
    for attempt in range(1, SQLITE_BEGIN_ATTEMPTS + 1):
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except sa.exc.OperationalError as error:
            if "locked" not in str(error) or attempt == SQLITE_BEGIN_ATTEMPTS:
                raise


def listen_sqlite(engine: sa.Engine, writes: Callable[[], bool]) -> None:
    """Give one SQLite engine its settings: WAL and foreign keys on every connection,
    and transactions that begin with the write lock whenever ``writes()`` says the
    current unit of work writes (see ``ideaboard.core.transactions``).

    Registered on this engine only: other engines in the process keep SQLite's and
    SQLAlchemy's defaults.
    """
    if engine.dialect.name != "sqlite":
        return
    sa.event.listen(engine, "connect", _on_connect)
    sa.event.listen(engine, "begin", lambda connection: begin_sqlite(
        connection, immediate=writes()))


def transaction_pooling_options(uri: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The engine options for PostgreSQL behind PgBouncer in transaction mode
    (``IDEABOARD_DATABASE_PGBOUNCER``): ``options`` with server-side prepared statements
    turned off.

    psycopg 3 prepares a statement on the server once it has run ``prepare_threshold``
    (5) times on one connection, under a name (``_pg3_0``, ``_pg3_1``, ...) that lives
    in that server session. In transaction mode PgBouncer lends a server connection for
    one transaction at a time, so a later transaction runs ``_pg3_0`` on a server that
    never prepared it ("prepared statement does not exist"), or on one where another
    client's ``_pg3_0`` already exists. PgBouncer 1.21 and later can track protocol-level
    prepared statements (``max_prepared_statements``); Debian 12's 1.18 cannot. With
    ``prepare_threshold=None`` every statement is sent unnamed, parsed and run in one
    round trip: PostgreSQL parses each query afresh, which is the whole cost.

    Nothing else changes, because nothing else the app does outlives a transaction: its
    one lock is ``pg_advisory_xact_lock`` (``core.transactions.unit_of_work``), it sets
    no session settings, and it uses no LISTEN, temporary tables, session advisory locks
    or WITH HOLD cursors (the audit export's server-side cursor lives in its
    transaction). The app's own pool stays as it is: its connections go to PgBouncer,
    where an idle client connection costs next to nothing, reusing them spares a
    connection handshake per request, and pre-ping still finds one that PgBouncer
    closed. PgBouncer's ``default_pool_size``, not the app's pool, bounds the
    connections PostgreSQL serves.
    """
    if not uri.startswith("postgresql"):
        raise RuntimeError(
            "IDEABOARD_DATABASE_PGBOUNCER is on, but IDEABOARD_DATABASE_URL is not a "
            "PostgreSQL database: PgBouncer pools PostgreSQL connections only.")
    engine_options = dict(options)
    connect_args = dict(engine_options.get("connect_args") or {})
    connect_args["prepare_threshold"] = None
    engine_options["connect_args"] = connect_args
    return engine_options

"""The restore drill's check: does a restored database hold what its source held?

A backup is only as good as its last restore. After restoring one into a fresh database
(``pg_restore`` of a ``pg_dump -Fc`` file, or a copy made by ``flask backup``),
``flask --app ideaboard restore-check URL`` compares the app's own database with the
restored one at URL: the schema revision (Alembic's ``alembic_version``), and every
table the models define, row by row: the number of rows and a SHA-256 digest of their
values in primary-key order. Any difference is named and the command fails.

Both sides are read as one snapshot each (REPEATABLE READ on PostgreSQL, one
transaction on SQLite), so a table read later cannot disagree with one read earlier.
A live source keeps changing after its backup was taken: compare a quiet source (the
copy the backup came from, a maintenance window), or the rows written since are
reported as differences, as they should be.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.comments.models import Comment
from ideaboard.ideas.models import Idea
from ideaboard.voting.models import Vote

_REVISION = sa.text("SELECT version_num FROM alembic_version")
_SUMMARY_TABLES = {"ideas", "votes", "comments", "audit_log"}


@dataclass(frozen=True)
class TableFingerprint:
    """One table's rows: how many, and a digest of all their values in key order."""

    rows: int
    digest: str


@dataclass
class DatabaseFingerprint:
    """What a database holds, as far as a restore must keep it."""

    revision: str | None
    tables: dict[str, TableFingerprint] = field(default_factory=dict)
    # The figures people recognise: ideas, votes, net votes, comments, audit entries.
    summary: dict[str, int] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """A value as JSON text writes it the same way on every read of the same data."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _table_fingerprint(connection: sa.Connection, table: sa.Table) -> TableFingerprint:
    order = list(table.primary_key.columns) or list(table.columns)
    digest = hashlib.sha256()
    rows = 0
    result = connection.execution_options(yield_per=1000).execute(
        sa.select(table).order_by(*order))
    for row in result:
        digest.update(json.dumps([_plain(value) for value in row], sort_keys=True,
                                 default=str).encode())
        digest.update(b"\n")
        rows += 1
    return TableFingerprint(rows, digest.hexdigest())


def _summary(connection: sa.Connection) -> dict[str, int]:
    count = sa.func.count()
    return {
        "ideas": connection.scalar(sa.select(count).select_from(Idea)) or 0,
        "votes": connection.scalar(sa.select(count).select_from(Vote)) or 0,
        "net votes": connection.scalar(sa.select(sa.func.coalesce(sa.func.sum(Vote.value), 0)))
        or 0,
        "comments": connection.scalar(sa.select(count).select_from(Comment)) or 0,
        "audit entries": connection.scalar(sa.select(count).select_from(AuditEntry)) or 0,
    }


def fingerprint(engine: sa.Engine, metadata: sa.MetaData) -> DatabaseFingerprint:
    """Read the whole database behind ``engine`` as one snapshot: its schema revision
    and every table of ``metadata`` (rows and digest), with the summary figures."""
    # The connection's first statement begins its one transaction (a deferred BEGIN on
    # SQLite: listen_sqlite), which closing it rolls back: it only read.
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        present = set(sa.inspect(connection).get_table_names())
        revision = connection.scalar(_REVISION) if "alembic_version" in present else None
        tables = {table.name: _table_fingerprint(connection, table)
                  for table in metadata.sorted_tables if table.name in present}
        summary = _summary(connection) if present >= _SUMMARY_TABLES else {}
        return DatabaseFingerprint(revision, tables, summary)


def differences(source: DatabaseFingerprint, restored: DatabaseFingerprint) -> list[str]:
    """What the restored database lacks or holds differently, one sentence each (none
    when it matches)."""
    found = []
    if source.revision != restored.revision:
        found.append(f"schema revision: {source.revision} in the source, "
                     f"{restored.revision} in the restored database")
    for name, ours in source.tables.items():
        theirs = restored.tables.get(name)
        if theirs is None:
            found.append(f"{name}: missing from the restored database")
        elif ours.rows != theirs.rows:
            found.append(f"{name}: {ours.rows} rows in the source, {theirs.rows} restored")
        elif ours.digest != theirs.digest:
            found.append(f"{name}: the same {ours.rows} rows, but their values differ")
    return found


def engine_for(url: str) -> sa.Engine:
    """An engine for another database named by URL (``postgresql://`` means psycopg 3,
    as for ``IDEABOARD_DATABASE_URL``)."""
    from ideaboard.core.transactions import writes
    from ideaboard.database import listen_sqlite, sqlalchemy_url

    engine = sa.create_engine(sqlalchemy_url(url))
    listen_sqlite(engine, writes)  # SQLite: transactions begun as the app's are
    return engine

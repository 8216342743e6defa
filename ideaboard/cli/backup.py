"""Online backups of the SQLite database (PostgreSQL is backed up with pg_dump)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupError(RuntimeError):
    """The backup cannot be made; the message says why."""


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy the live SQLite database to ``target`` with SQLite's backup API.

    The copy is consistent even while the app keeps writing: the backup API
    restarts its copy when the source changes under it. Returns the pages copied.
    """
    if engine.dialect.name != "sqlite":
        raise BackupError("The backup command copies SQLite databases; for PostgreSQL use "
                          "pg_dump (see the README).")
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("An in-memory database cannot be backed up.")
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    pages = 0

    def progress(status, remaining, total):
        nonlocal pages
        pages = total

    source = sqlite3.connect(source_path, timeout=30)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination, pages=1024, progress=progress)
            # The copy is self-contained: no -wal file needs to travel with it.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    finally:
        source.close()
    return pages

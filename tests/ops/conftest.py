"""Fixtures for the operations tests: a migrated PostgreSQL database of their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ideaboard import create_app
from ideaboard.extensions import db
from tests.helpers.postgres import create_database, drop_database, postgres_server_url


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema, as `flask db upgrade` does."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


def empty_tables(url: str) -> None:
    """Delete every row the models hold, ids starting again at 1."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        db.engine.dispose()


@contextmanager
def migrated_postgres(skip) -> Iterator[str]:
    """A new PostgreSQL database with a unique name, migrated to head, dropped after the
    block. ``skip(reason)`` is called (and raises) when there is no server."""
    server = postgres_server_url()
    if server is None:
        skip("needs PostgreSQL on 127.0.0.1:5432 (set IDEABOARD_TEST_POSTGRES_URL)")
    url = create_database(server)
    try:
        migrate(url)
        yield url
    finally:
        drop_database(url)

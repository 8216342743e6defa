"""Fixtures shared by the whole suite.

The suite runs on SQLite by default. Set ``IDEABOARD_TEST_DATABASE_URL`` to a
PostgreSQL database (``.ci/run`` creates one with a unique name) to run it there.
The schema is built once per run by the Alembic migrations; every test then
starts from empty tables.
"""

from __future__ import annotations

import os

import pytest
from flask import has_app_context

from ideaboard import create_app
from ideaboard.extensions import db
from tests.helpers.clients import IsolatedClient
from tests.helpers.concurrency import POOL_SIZE, is_postgres
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import DepartmentFactory, UserFactory
from tests.helpers.login import AuthActions, signed_in
from tests.helpers.postgres import (
    create_database,
    drop_database,
    postgres_server_url,
    require_or_skip,
)


@pytest.fixture(autouse=True)
def _process_logging_restored():
    """Logging is the process's: a test that builds a production app (JSON lines, the
    access log at INFO: ideaboard.core.logs) leaves the next test the logging it had."""
    import logging

    root, ours = logging.getLogger(), logging.getLogger("ideaboard")
    handlers, our_handlers, level = list(root.handlers), list(ours.handlers), ours.level
    yield
    root.handlers[:] = handlers
    ours.handlers[:] = our_handlers
    ours.setLevel(level)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("IDEABOARD_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database, migrated to head once for the whole run."""
    url = _database_url(tmp_path_factory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if db.engine.dialect.name == "postgresql":
            downgrade(revision="base")  # start clean even after an aborted run
        upgrade()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # DELETE is ~40 times faster than TRUNCATE on tables this small. Foreign-key
        # triggers are off for the transaction (self-referencing rows), and the id
        # sequences start again at 1 as after a fresh migration.
        with db.engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table in tables:
                connection.exec_driver_sql(f"DELETE FROM {table}")
            connection.exec_driver_sql(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()")
        return
    # Self-referencing rows (departments, comments) cannot be deleted in foreign-key
    # order, so the check is off while the tables are emptied; SQLite only accepts
    # that pragma outside a transaction, hence the raw connection.
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("BEGIN IMMEDIATE")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


@pytest.fixture
def app_config() -> dict:
    """Settings a test module gives its ``app`` (override this fixture in the module)."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    """A fresh application on empty tables, with an app context pushed."""
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "ideaboard.test",
              **app_config}
    if database_url.startswith("postgres"):
        # Tests need no durability across a crash: skip the fsync on every commit.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True, "connect_args": {"options": "-c synchronous_commit=off"}}
    app = create_app(config, env="testing")
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def throttled_app(database_url):
    """``throttled_app(**config)``: an app with rate limits on; its connections are closed after."""
    made = []

    def make(**overrides):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                          **overrides}, env="testing")
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield make
    if has_app_context():
        # The test's own session may have loaded rows while one of these apps was current
        # (Flask-SQLAlchemy binds to the current app's engine): give that connection back
        # before the engines are closed, or it is left open (a ResourceWarning later).
        db.session.remove()
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def post(client):
    """POST a form with a valid CSRF token: ``post(url, data)``."""

    def send(url: str, data: dict | None = None, **kwargs):
        payload = dict(data or {})
        payload.setdefault("csrf_token", csrf_token(client))
        return client.post(url, data=payload, **kwargs)

    return send


@pytest.fixture
def company(app):
    return DepartmentFactory(name="Company", slug="company")


@pytest.fixture
def it_department(company):
    return DepartmentFactory(name="IT", slug="it", parent=company)


@pytest.fixture
def hr_department(company):
    return DepartmentFactory(name="HR", slug="hr", parent=company)


@pytest.fixture
def employee(it_department):
    return UserFactory(email="employee@example.com", display_name="Erin Employee",
                       department=it_department)


@pytest.fixture
def author(it_department):
    """Someone who posts ideas (a module with its own author overrides this)."""
    return UserFactory(email="author@example.com", display_name="Avery Author",
                       department=it_department)


@pytest.fixture
def manager(it_department):
    return UserFactory(email="manager@example.com", display_name="Max Manager",
                       department=it_department, manages=[it_department])


@pytest.fixture
def other_manager(hr_department):
    return UserFactory(email="hr.manager@example.com", display_name="Hana HR",
                       department=hr_department, manages=[hr_department])


@pytest.fixture
def admin(company):
    return UserFactory(email="admin@example.com", display_name="Ada Admin", role="admin",
                       department=company)


@pytest.fixture
def employee_client(app, employee):
    return signed_in(app, employee)


@pytest.fixture
def manager_client(app, manager):
    return signed_in(app, manager)


@pytest.fixture
def author_client(app, author):
    return signed_in(app, author)


@pytest.fixture
def admin_client(app, admin):
    return signed_in(app, admin)


@pytest.fixture
def fresh_postgres_url():
    """A new, empty PostgreSQL database with a unique name, dropped afterwards."""
    server = postgres_server_url()
    if server is None:
        require_or_skip("needs PostgreSQL on 127.0.0.1:5432 (set IDEABOARD_TEST_POSTGRES_URL)")
    url = create_database(server)
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def postgres_url(request):
    """A migrated PostgreSQL database: the suite's own when it runs on PostgreSQL,
    otherwise a fresh one on the local server (skipped, or failed in CI, without one)."""
    url = os.environ.get("IDEABOARD_TEST_DATABASE_URL")
    if is_postgres(url):
        request.getfixturevalue("database_url")  # migrated once for the run
        yield url
        return
    url = request.getfixturevalue("fresh_postgres_url")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    """An app on PostgreSQL with a connection for every racer (``run_together``); its
    tables emptied afterwards."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": postgres_url, "SERVER_NAME": "ideaboard.test",
         "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": POOL_SIZE, "max_overflow": 0,
                                       "pool_timeout": 60}},
        env="testing",
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        db.engine.dispose()

"""The schema only changes through Alembic, and the migrations match the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from ideaboard import create_app, resource_dir
from ideaboard.database import include_in_autogenerate
from ideaboard.extensions import db


def _app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")


def schema_differences(app) -> list:
    """What autogenerate would put in a new revision (empty when models and migrations agree)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include_in_autogenerate})
        return compare_metadata(context, db.metadata)


def check_upgrade_and_compare(url: str) -> None:
    app = _app(url)
    with app.app_context():
        upgrade()
        alembic_config = app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(alembic_config).get_current_head()
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
    assert schema_differences(app) == []
    with app.app_context():
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        db.engine.dispose()


def test_single_head():
    app = _app("sqlite://")
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1, script.get_heads()


def test_revision_files_are_named_by_date():
    import re

    for path in (resource_dir("migrations") / "versions").glob("*.py"):
        assert re.match(r"\d{4}_\d{2}_\d{2}_\d{4}_[0-9a-f]+_\w+\.py$", path.name), path.name


def test_empty_sqlite_database_upgrades_to_head_and_matches_models(tmp_path):
    check_upgrade_and_compare(f"sqlite:///{tmp_path / 'fresh.sqlite'}")


def test_empty_postgres_database_upgrades_to_head_and_matches_models(fresh_postgres_url):
    check_upgrade_and_compare(fresh_postgres_url)

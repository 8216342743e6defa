"""`flask backup PATH`: a consistent online copy of the SQLite database."""

import threading

import pytest
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.accounts.models import User
from ideaboard.extensions import db
from tests.helpers.factories import UserFactory


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the backup command copies SQLite; PostgreSQL uses pg_dump")


def test_backup_restores_everything(sqlite_only, runner, tmp_path, company):
    UserFactory.create_batch(5, department=company)
    target = tmp_path / "backup.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    restored = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"}, env="testing")
    with restored.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 5
        emails = set(db.session.scalars(sa.select(User.email)))
        db.engine.dispose()
    assert len(emails) == 5
    # The restored copy serves the app: someone from it can log in.
    with restored.app_context():
        assert restored.test_client().get("/readyz").status_code == 200
        db.engine.dispose()


def test_backup_while_writers_keep_writing(sqlite_only, app, runner, tmp_path, company):
    stop = threading.Event()
    written: list[int] = []

    def writer():
        with app.app_context():
            while not stop.is_set():
                written.append(UserFactory().id)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(500):  # at most 5 s for the writer to get going
            if len(written) >= 20 or not thread.is_alive():
                break
            stop.wait(0.01)
        assert len(written) >= 20, "the writer thread did not get going"
        result = runner.invoke(args=["backup", str(tmp_path / "live.sqlite")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    restored = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}"},
                          env="testing")
    with restored.app_context():
        ids = set(db.session.scalars(sa.select(User.id)))
        check = db.session.execute(sa.text("PRAGMA integrity_check")).scalar()
        db.engine.dispose()
    assert check == "ok"
    assert len(ids) >= 20
    # A consistent snapshot: the ids present are exactly the first N written.
    assert ids == set(sorted(written)[: len(ids)])


def test_backup_refuses_to_overwrite(sqlite_only, runner, tmp_path):
    target = tmp_path / "exists.sqlite"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert target.read_text() == "keep me"


def test_backup_explains_postgres(app, runner, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL")
    result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output

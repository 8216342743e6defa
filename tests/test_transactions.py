"""Units of work: a page view's transaction ends with COMMIT (PostgreSQL then keeps its
prepared statements), one that has marked objects for writing is still rolled back; a
writing unit of work takes SQLite's write lock as it begins, a reading one does not;
the SQLite events are on the app's engine only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.org.models import Department
from ideaboard.core.permissions import requires
from tests.conftest import csrf_token


def _ends(app):
    ends = []
    sa.event.listen(db.engine, "commit", lambda _conn: ends.append("commit"))
    sa.event.listen(db.engine, "rollback", lambda _conn: ends.append("rollback"))
    return ends


def test_a_page_view_commits_its_read_transaction(app, employee_client):
    ends = _ends(app)
    assert employee_client.get("/").status_code == 200
    assert ends[0] == "commit"


@pytest.fixture
def rename_route(app, it_department):
    """A page view that changes an object and does not save it (added before any request)."""
    @app.get("/_test/rename-without-saving")
    @requires("idea.browse")
    def rename_without_saving():
        db.session.get(Department, it_department.id).name = "Renamed by a GET"
        return "ok"

    return "/_test/rename-without-saving"


def test_a_page_view_with_unsaved_changes_is_rolled_back(app, rename_route, it_department,
                                                         employee_client):
    ends = _ends(app)
    assert employee_client.get(rename_route).status_code == 200
    assert "commit" not in ends
    db.session.expire_all()
    assert db.session.get(Department, it_department.id).name != "Renamed by a GET"


def test_an_unrelated_sqlite_engine_keeps_sqlites_defaults(app, tmp_path):
    """The app's SQLite settings are on its own engine: another engine in the process
    (created after the app) gets no WAL, no foreign keys and sqlite3's own transactions."""
    other = sa.create_engine(f"sqlite:///{tmp_path / 'unrelated.sqlite'}")
    try:
        with other.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            assert connection.connection.driver_connection.isolation_level == ""
    finally:
        other.dispose()


@pytest.fixture
def sqlite_file(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return database_url.removeprefix("sqlite:///")


def lock_is_free(path: str) -> bool:
    """Whether another connection can take the SQLite write lock right now."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_a_writing_unit_of_work_holds_the_write_lock_from_its_first_query(sqlite_file,
                                                                          it_department):
    db.session.commit()
    with unit_of_work():
        db.session.get(Department, it_department.id)  # a read, first
        assert not lock_is_free(sqlite_file)
    assert lock_is_free(sqlite_file)


def test_a_reading_unit_of_work_and_the_test_session_take_no_lock(sqlite_file, it_department):
    db.session.commit()
    with unit_of_work(writes=False):
        db.session.get(Department, it_department.id)
        assert lock_is_free(sqlite_file)
    db.session.get(Department, it_department.id)  # outside any unit of work: deferred
    assert lock_is_free(sqlite_file)


def test_a_unit_of_work_rolls_back_when_its_block_fails(app, it_department):
    db.session.commit()
    with pytest.raises(RuntimeError):
        with unit_of_work():
            db.session.get(Department, it_department.id).name = "Half done"
            raise RuntimeError("the command failed")
    db.session.expire_all()
    assert db.session.get(Department, it_department.id).name == "IT"


def test_writing_requests_begin_with_the_write_lock_and_page_views_do_not(sqlite_file, app,
                                                                         employee_client):
    begun = []
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda _c, _cursor, statement, *_args: begun.append(statement)
                    if statement.startswith("BEGIN") else None)
    assert employee_client.get("/").status_code == 200
    assert begun == []  # deferred, straight to sqlite3
    employee_client.post("/logout", data={"csrf_token": csrf_token(employee_client, "/")})
    assert begun == ["BEGIN IMMEDIATE"]

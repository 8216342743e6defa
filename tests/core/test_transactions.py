"""Units of work: the one commit point (``ideaboard.core.transactions``).

A request commits when its response is below 400 and rolls back otherwise, or when a
view raises; a commit that fails answers with the error page and sends nothing of the
view's answer (no redirect, no sign-in, no flashed "saved"); nothing else in the package
commits or rolls back. A page view's transaction ends with COMMIT (PostgreSQL then keeps
its prepared statements), one that has marked objects for writing is still rolled back;
a writing unit of work takes SQLite's write lock as it begins, a reading one does not;
the SQLite events are on the app's engine only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import abort, flash, has_request_context, redirect, request

import ideaboard
from ideaboard.accounts.models import User
from ideaboard.core import transactions
from ideaboard.core.permissions import requires
from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.org.models import Department
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import PASSWORD


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
    with pytest.raises(RuntimeError), unit_of_work():
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


# --- one commit point ---------------------------------------------------------------

PACKAGE = Path(ideaboard.__file__).resolve().parent
# The only modules of the package that may end a transaction. Commands (ideaboard/cli)
# and the mail worker end theirs through transactions.unit_of_work, so they are not here.
MAY_END_TRANSACTIONS = {"core/transactions.py"}
# Calls that end a transaction: begin() too, whose block commits when it closes.
ENDING_CALLS = {"commit", "rollback", "begin"}


def _transaction_ends(path: Path) -> list[int]:
    """The lines of ``path`` that call ``<anything>.commit()``, ``.rollback()`` or
    ``.begin()`` (code only: comments and docstrings may speak of them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ENDING_CALLS]


def test_only_the_unit_of_work_commits_or_rolls_back():
    found = [f"ideaboard/{path.relative_to(PACKAGE).as_posix()}:{line}"
             for path in sorted(PACKAGE.rglob("*.py"))
             if path.relative_to(PACKAGE).as_posix() not in MAY_END_TRANSACTIONS
             for line in _transaction_ends(path)]
    assert found == [], "views and services flush; core/transactions.py ends transactions"
    # The check finds what it looks for: the commit point itself commits and rolls back.
    assert len(_transaction_ends(PACKAGE / "core" / "transactions.py")) >= 4


def _name(department: Department) -> str:
    """The department's name as the database has it now."""
    db.session.rollback()
    return db.session.get(Department, department.id).name


@pytest.fixture
def renaming(app, it_department):
    """POST views that rename the IT department (and flush), then answer in one way."""
    # Read now: inside a request, reading the test's own object would begin a
    # transaction of the test's session, with the request's write lock.
    department_id = it_department.id

    def rename(how: str) -> None:
        db.session.get(Department, department_id).name = f"Renamed ({how})"
        db.session.flush()

    @app.post("/_test/rename/answer/<int:status>")
    @requires("idea.browse")
    def rename_and_answer(status: int):
        rename(str(status))
        if 300 <= status < 400:
            return redirect("/", code=status)
        return "answered", status

    @app.post("/_test/rename/abort/<int:status>")
    @requires("idea.browse")
    def rename_and_abort(status: int):
        rename(f"abort {status}")
        abort(status)

    @app.post("/_test/rename/raise")
    @requires("idea.browse")
    def rename_and_raise():
        rename("raise")
        raise RuntimeError("the view failed after writing")

    @app.post("/_test/rename/discard")
    @requires("idea.browse")
    def rename_and_discard():
        rename("discard")
        transactions.discard()
        flash("That cannot be done.", "error")
        return redirect("/")

    @app.post("/_test/rename/flash")
    @requires("idea.browse")
    def rename_and_flash():
        rename("flash")
        flash("The department is renamed.", "success")
        return redirect("/")

    return it_department


def _post(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, "/")})


@pytest.mark.parametrize("status", [200, 201, 302, 303])
def test_a_post_answered_below_400_is_committed(renaming, employee_client, status):
    response = _post(employee_client, f"/_test/rename/answer/{status}")
    assert response.status_code == status
    assert _name(renaming) == f"Renamed ({status})"


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422, 429, 500, 503])
def test_a_post_answered_with_400_or_more_writes_nothing(renaming, employee_client, status):
    assert _post(employee_client, f"/_test/rename/answer/{status}").status_code == status
    assert _name(renaming) == "IT"


@pytest.mark.parametrize("status", [403, 404, 409])
def test_a_post_that_aborts_writes_nothing(renaming, employee_client, status):
    assert _post(employee_client, f"/_test/rename/abort/{status}").status_code == status
    assert _name(renaming) == "IT"


def test_a_refusal_answered_with_a_redirect_writes_nothing(renaming, employee_client):
    response = _post(employee_client, "/_test/rename/discard")
    assert response.status_code == 302
    assert _name(renaming) == "IT"
    assert "That cannot be done." in employee_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("propagate", [False, True], ids=["error page", "propagated"])
def test_an_exception_in_a_view_rolls_back(app, renaming, employee_client, propagate):
    app.config["PROPAGATE_EXCEPTIONS"] = propagate
    if propagate:  # as in tests and the debugger: the request's teardown rolls back
        with pytest.raises(RuntimeError):
            _post(employee_client, "/_test/rename/raise")
    else:
        response = _post(employee_client, "/_test/rename/raise")
        assert response.status_code == 500
        assert "Something went wrong on our side" in response.get_data(as_text=True)
    # A later request sees the database as it was.
    page = employee_client.get("/departments/it").get_data(as_text=True)
    assert "Renamed" not in page
    assert _name(renaming) == "IT"


@pytest.fixture
def failing_commit(app):
    """``fail(error)``: the next COMMIT of a writing request raises ``error`` instead."""
    armed: list[Exception] = []

    def refuse(_connection) -> None:
        if armed and has_request_context() and request.method == "POST":
            raise armed.pop()

    sa.event.listen(db.engine, "commit", refuse)
    return armed.append


OUTAGE = sa.exc.OperationalError("COMMIT", None, Exception("server closed the connection"))


def test_a_commit_lost_to_an_outage_is_a_503_not_a_redirect(renaming, employee_client,
                                                           failing_commit):
    failing_commit(OUTAGE)
    response = _post(employee_client, "/_test/rename/flash")
    assert response.status_code == 503
    assert "Location" not in response.headers
    assert "cannot reach its database" in response.get_data(as_text=True)
    assert "The department is renamed." not in response.get_data(as_text=True)
    # The error page went through the other after-request hooks, as every response does.
    assert response.headers["Retry-After"] and response.headers["X-Content-Type-Options"]
    assert _name(renaming) == "IT"
    # Nothing the view said is kept: the person is still signed in, and the page
    # they see next does not claim the rename.
    page = employee_client.get("/account")
    assert page.status_code == 200
    assert "The department is renamed." not in page.get_data(as_text=True)


def test_a_failed_commit_of_a_constraint_is_a_500_not_a_redirect(app, renaming,
                                                                employee_client,
                                                                failing_commit):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failing_commit(sa.exc.IntegrityError("COMMIT", None, Exception("deferred constraint")))
    response = _post(employee_client, "/_test/rename/answer/302")
    assert response.status_code == 500
    assert "Location" not in response.headers
    assert _name(renaming) == "IT"


def test_a_sign_in_is_not_sent_when_its_commit_fails(client, employee, failing_commit):
    before = employee.last_login_at
    failing_commit(OUTAGE)
    response = client.post("/login", data={"email": employee.email, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 503
    assert client.get("/account").status_code == 302  # to the log-in page: signed out
    db.session.rollback()
    assert db.session.get(User, employee.id).last_login_at == before


def test_a_profile_saved_message_is_not_kept_when_its_commit_fails(employee_client, employee,
                                                                  failing_commit):
    failing_commit(OUTAGE)
    response = employee_client.post("/account", data={
        "profile-display_name": "Erin E.",
        "profile-email_frequency": "daily", "profile-submit": "1",
        "profile-csrf_token": csrf_token(employee_client, "/account")})
    assert response.status_code == 503
    assert "Your profile is saved." not in response.get_data(as_text=True)
    page = employee_client.get("/account").get_data(as_text=True)
    assert "Your profile is saved." not in page
    db.session.rollback()
    assert db.session.get(User, employee.id).display_name == "Erin Employee"


@pytest.fixture
def failing_flush(app, it_department):
    """A POST view whose flush breaks a constraint (the session then needs a rollback)."""
    @app.post("/_test/duplicate-department")
    @requires("idea.browse")
    def duplicate_department():
        db.session.add(Department(name="IT again", slug="it"))
        db.session.flush()
        return redirect("/")

    return "/_test/duplicate-department"


def test_the_error_page_of_a_failed_flush_reads_in_a_fresh_transaction(app, failing_flush,
                                                                       employee_client):
    """The 500 handler runs after the rollback: drawing the page for the signed-in person
    (their name in the header) does not query inside the failed transaction."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = _post(employee_client, failing_flush)
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and "Erin Employee" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)
                             .where(Department.slug == "it")) == 1

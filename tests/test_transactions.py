"""A page view's transaction ends with COMMIT (PostgreSQL then keeps its prepared
statements); one that has marked objects for writing is still rolled back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.org.models import Department
from ideaboard.policy import requires


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

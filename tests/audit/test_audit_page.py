"""The audit trail page: admins only, filters, pagination, CSV export; entries append-only."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AppendOnlyError, AuditEntry
from ideaboard.audit.services import record
from ideaboard.extensions import db
from tests.helpers.factories import IdeaFactory
from tests.helpers.paging import (
    assert_deep_page_seeks,
    assert_forged_cursors_refused,
    assert_walks_in_order,
    pager_link,
)
from tests.helpers.queries import QueryCounter


@pytest.fixture
def entries(admin, manager):
    """A small trail: two actors and the system, over three days."""
    base = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    made = [
        (manager, "idea.decline", "ideas", 1, base - timedelta(days=2), "=HYPERLINK(\"x\")"),
        (admin, "user.update", "users", 7, base - timedelta(days=1), "Role change"),
        (None, "idea.escalate", "ideas", 1, base, "Overdue"),
    ]
    for actor, action, object_type, object_id, when, reason in made:
        entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action,
                           object_type=object_type, object_id=object_id, reason=reason,
                           before={"status": "a"}, after={"status": "b"}, created_at=when)
        db.session.add(entry)
    db.session.commit()


def rows(html: str) -> int:
    """The entries listed, but the log-ins of the test's own clients."""
    return html.count('<tr id="entry-') - html.count(">Logged in</td>")


def test_only_admins(client, employee_client, manager_client, admin_client):
    assert client.get("/admin/audit").status_code == 302
    assert employee_client.get("/admin/audit").status_code == 403
    assert manager_client.get("/admin/audit").status_code == 403
    assert manager_client.get("/admin/audit?format=csv").status_code == 403
    assert admin_client.get("/admin/audit").status_code == 200


def test_newest_first_and_filters(admin_client, entries):
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert rows(html) == 3
    table = html[html.index("<tbody"):]
    assert table.index("Passed an overdue idea up") \
        < table.index("Changed a person&#39;s account") < table.index("Declined an idea")

    html = admin_client.get("/admin/audit?action=idea.decline").get_data(as_text=True)
    assert rows(html) == 1 and "manager@example.com" in html
    html = admin_client.get("/admin/audit?object_type=ideas").get_data(as_text=True)
    assert rows(html) == 2
    html = admin_client.get("/admin/audit?actor=ADMIN@example.com").get_data(as_text=True)
    assert rows(html) == 1 and "Role change" in html
    html = admin_client.get("/admin/audit?actor=system").get_data(as_text=True)
    assert rows(html) == 1 and "Overdue" in html
    html = admin_client.get("/admin/audit?since=2026-03-09&until=2026-03-09").get_data(
        as_text=True)
    assert rows(html) == 1 and "Role change" in html


def test_bad_filters_are_explained(admin_client, entries):
    response = admin_client.get("/admin/audit?actor=ghost@example.com")
    assert response.status_code == 422
    assert "No one has that e-mail address." in response.get_data(as_text=True)
    response = admin_client.get("/admin/audit?since=2026-03-10&until=2026-03-01")
    assert response.status_code == 422
    assert "before the start date" in response.get_data(as_text=True)


def _entry_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)"', html)]


def test_pagination(admin_client, admin):
    """Entries of the same instant walk forward and back each once, newest (then
    highest id) first; a deep page costs page 1's statements, without OFFSET; a page
    link's filters stay with it; no page counts the trail."""
    moment = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    for _ in range(120):  # about a person, as the clients' log-ins are: names read alike
        db.session.add(AuditEntry(actor_id=admin.id, action="test.action",
                                  object_type="users", object_id=admin.id, created_at=moment))
    db.session.commit()
    expected = list(db.session.scalars(sa.select(AuditEntry.id).order_by(
        AuditEntry.created_at.desc(), AuditEntry.id.desc())))
    assert_walks_in_order(admin_client, "/admin/audit", _entry_ids, expected, per_page=50)
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert len(_entry_ids(first)) == 50 and "Page 1</span>" in first and "Page 1 of" not in first
    filtered = admin_client.get("/admin/audit?action=test.action").get_data(as_text=True)
    assert pager_link(filtered, "next").startswith("/admin/audit?action=test.action&cursor=")
    assert_deep_page_seeks(admin_client, "/admin/audit", _entry_ids, pages=3)
    assert_forged_cursors_refused(admin_client, "/admin/audit")


def test_page_query_count_is_constant(admin_client, admin, manager, it_department):
    """Names and titles are read once per kind for the page, not once per row."""
    counts = []
    for batch in (5, 45):
        ideas = [IdeaFactory(author=manager, department=it_department) for _ in range(batch)]
        db.session.flush()
        for n, idea in enumerate(ideas):
            actor = manager if n % 2 else admin
            record(actor, "idea.create", idea, after={"department_id": it_department.id})
            record(actor, "user.update", manager, before={"department_id": None},
                   after={"department_id": it_department.id, "owner_id": admin.id})
        db.session.commit()
        admin_client.get("/admin/audit")
        with QueryCounter() as counter:
            page = admin_client.get("/admin/audit").get_data(as_text=True)
        assert page.count(it_department.name) >= 2
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_csv_export_of_the_filtered_rows(admin_client, entries):
    response = admin_client.get("/admin/audit?object_type=ideas&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in table] == ["idea.escalate", "idea.decline"]
    assert table[0]["actor_email"] == "system"
    assert table[1]["actor_email"] == "manager@example.com"
    assert table[1]["after"] == '{"status": "b"}'
    # A cell a spreadsheet would run as a formula is defused.
    assert table[1]["reason"].startswith("'=")


def test_audit_entries_cannot_be_changed_or_deleted(app, entries):
    entry = db.session.scalars(sa.select(AuditEntry)).first()
    entry.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    entry = db.session.scalars(sa.select(AuditEntry)).first()
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 3

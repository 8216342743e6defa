"""A manager's worklists in a real browser (issue 13, items 5 and 6): the review area's
four lists as tabs, an escalated idea first in the review queue with its original due
date, how overdue it is and to whom it went, and each list's ages."""

import re
from datetime import timedelta

import pytest

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.review.escalation import escalate_overdue
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, DepartmentFactory, UserFactory
from tests.helpers.review import make_idea


@pytest.fixture
def worklist(app, company, manager, author):
    """IT (the manager's) sits below Operations: one idea escalated there 4 days
    overdue, one waiting in review, one accepted 12 days ago, one in progress."""
    ops = DepartmentFactory(name="Operations", slug="operations", parent=company)
    it = manager.managed_departments[0]
    it.parent = ops
    UserFactory(email="ops.boss@example.com", manages=[ops])
    now = utcnow()
    escalated = make_idea(author, it, status="in_review", title="Shared printer queue")
    escalated.review_due_at = escalated.escalates_at = now - timedelta(days=4, hours=2)
    waiting = make_idea(author, it, status="in_review", title="Laptop refresh cycle")
    waiting.merit_score = 90.0
    accepted = make_idea(author, it, status="accepted", title="Self-service password reset")
    accepted.status_changed_at = now - timedelta(days=12, hours=1)
    owner = UserFactory(email="olive@example.com", display_name="Olive Owner")
    progress = make_idea(author, it, status="in_progress", title="Meeting room booking",
                         owner_id=owner.id)
    progress.status_changed_at = now - timedelta(days=3, hours=1)
    db.session.commit()
    assert escalate_overdue(now=now) == 1
    db.session.commit()
    return {"escalated": escalated, "waiting": waiting, "due": escalated.review_due_at}


def test_a_manager_works_the_four_lists_escalated_first(new_page, worklist, manager):
    page = new_page()
    log_in(page, manager.email, PASSWORD)
    page.get_by_role("link", name=re.compile(r"^Review")).first.click()
    page.wait_for_url(re.compile(r"/review$"))

    tabs = page.get_by_role("navigation", name="Worklists")
    for name in ("To review (2)", "Accepted, waiting to start (1)", "In progress (1)",
                 "Needs info, waiting on the author (0)"):
        assert tabs.get_by_role("link", name=name).is_visible(), name
    assert tabs.get_by_role("link", name="To review (2)").get_attribute(
        "aria-current") == "page"

    # The escalated idea leads, although the other has more merit; it keeps its due date
    # and says how overdue it is, and to whom it went, in words.
    rows = page.get_by_role("table").get_by_role("row")
    first = rows.nth(1)
    assert first.get_by_role("link").inner_text() == "Shared printer queue"
    assert "4 days overdue" in first.inner_text()
    assert "Escalated to Operations" in first.inner_text()
    due = first.locator("time", has_text="overdue")
    assert due.get_attribute("datetime") == worklist["due"].isoformat()
    assert f"{worklist['due']:%-d %b %Y}" in due.get_attribute("title")
    second = rows.nth(2)
    assert second.get_by_role("link").inner_text() == "Laptop refresh cycle"
    assert "Escalated" not in second.inner_text() and "overdue" not in second.inner_text()
    assert serious_violations(page) == []

    tabs.get_by_role("link", name="Accepted, waiting to start (1)").click()
    page.wait_for_url(re.compile(r"list=accepted"))
    assert page.get_by_role("heading", name="Accepted, waiting to start").is_visible()
    row = page.get_by_role("row", name=re.compile("Self-service password reset"))
    assert "12 days" in row.inner_text() and "not named yet" in row.inner_text()
    assert serious_violations(page) == []

    page.get_by_role("navigation", name="Worklists").get_by_role(
        "link", name="In progress (1)").click()
    page.wait_for_url(re.compile(r"list=in-progress"))
    row = page.get_by_role("row", name=re.compile("Meeting room booking"))
    assert "Olive Owner" in row.inner_text() and "3 days" in row.inner_text()

    page.get_by_role("navigation", name="Worklists").get_by_role(
        "link", name="Needs info, waiting on the author (0)").click()
    page.wait_for_url(re.compile(r"list=needs-info"))
    assert page.get_by_text("No idea is waiting on its author for more information.").is_visible()
    assert serious_violations(page) == []

"""The audit trail reads for people (issue 13, item 15): names and idea titles, not ids and
raw field names; times to the second; entries for ideas, edits, comments and log-ins."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.comments import services as comments
from ideaboard.extensions import db
from ideaboard.ideas import services as ideas
from tests.helpers.factories import UserFactory
from tests.helpers.login import signed_in


@pytest.fixture
def peer(it_department):
    return UserFactory(email="pat@example.com", display_name="Pat Peer", department=it_department)


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_posting_editing_commenting_and_logging_in_are_audited(app, employee, peer,
                                                                 it_department):
    signed_in(app, employee)  # through the log-in form
    idea = ideas.submit_idea(employee, "Quiet room on every floor", "A room to think.",
                             it_department, ["space"], anonymous=False)
    ideas.edit_idea(idea, employee, "Quiet rooms on every floor", "A room to think.",
                    ["space"])
    comment = comments.add_comment(peer, idea, "Yes, please.")
    comments.edit_comment(comment, peer, "Yes, please!")
    comments.delete_comment(comment, peer)
    db.session.commit()
    assert _actions() == ["user.login", "idea.create", "idea.edit", "comment.create",
                          "comment.edit", "comment.delete"]
    edit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "idea.edit"))
    # What changed, and which kept version holds the text before it.
    assert (edit.before, edit.after) == (
        {"title": "Quiet room on every floor", "text": "version 1"},
        {"title": "Quiet rooms on every floor", "text": "version 2"})


def test_a_failed_log_in_is_not_a_log_in(client, employee, auth):
    auth.login(employee.email, "not the password")
    assert "user.login" not in _actions()


def test_the_page_names_people_ideas_and_fields(admin_client, employee, peer, it_department,
                                                hr_department):
    idea = ideas.submit_idea(employee, "Quiet room on every floor", "A room to think.",
                             it_department, [], anonymous=False)
    comment = comments.add_comment(peer, idea, "Yes, please.")
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    table = page[page.index("<tbody"):]
    # Who, in words, with the e-mail address that tells two namesakes apart.
    assert f"{employee.display_name} ({employee.email})" in table
    # What, as a phrase; about which idea, by its title, linked.
    assert "Posted an idea" in table and "Commented" in table
    assert f'<a href="/ideas/{idea.id}">Quiet room on every floor</a>' in table
    # A comment by its idea, linked to the comment itself (on whichever page holds it).
    assert (f'<a href="/comments/{comment.id}">a comment on \u201cQuiet room on every '
            f'floor\u201d</a>') in table
    # Field names and ids in words: the department by its name.
    assert "<dt>Department</dt>" in table and it_department.name in table
    assert "department_id" not in table and "#" + str(idea.id) not in table
    # Times to the second, in a <time> element.
    assert re.search(r'<time datetime="[^"]+" title="[^"]*">\d{1,2} \w{3} \d{4}, '
                     r'\d\d:\d\d:\d\d UTC</time>', table)
    # The filters offer actions and kinds in words too.
    assert '<option value="idea.create">Posted an idea</option>' in page
    assert '<option value="ideas">Idea</option>' in page


def test_a_deleted_object_is_shown_by_its_kind_and_id(admin_client, admin):
    from ideaboard.audit.services import record

    record(admin, "idea.decline", object_type="ideas", object_id=987654,
           before={"status": "in_review"}, after={"status": "declined"})
    db.session.commit()
    table = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "idea #987654" in table
    assert "<dt>Status</dt><dd>In review &rarr; Declined</dd>" in table

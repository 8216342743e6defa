"""No comments on an idea merged as a duplicate or withdrawn: the page shows no box but
says why, and a comment or reply posted anyway is refused with that reason (issue 13,
item 17). The rule is the policy's ("idea.comment"), over ``workflow.CLOSED_TO_COMMENTS``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.comments import services
from ideaboard.comments.models import Comment
from ideaboard.core.permissions import can
from ideaboard.extensions import db
from ideaboard.review import workflow
from tests.helpers.factories import IdeaFactory, UserFactory


@pytest.fixture
def target(employee, it_department):
    return IdeaFactory(author=employee, department=it_department, title="The original idea")


@pytest.fixture
def merged(employee, it_department, target):
    idea = IdeaFactory(author=employee, department=it_department, title="A later duplicate",
                       status="duplicate", duplicate_of_id=target.id)
    db.session.commit()
    return idea


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Comment.id)))


def test_the_closed_statuses_come_from_the_workflow():
    assert {"duplicate", "withdrawn"} == workflow.CLOSED_TO_COMMENTS
    for status in ("open", "in_review", "needs_info", "accepted", "in_progress",
                   "implemented", "declined"):
        assert workflow.comments_closed_message(status) is None


def test_a_merged_duplicate_shows_no_box_but_where_to_go(app, merged, target, post, auth):
    peer = UserFactory(email="peer@example.com")
    auth.login(peer.email)
    page = auth.client.get(f"/ideas/{merged.id}").get_data(as_text=True)
    assert "Post comment" not in page and 'name="body"' not in page
    assert "merged into another idea as a duplicate" in page
    assert f'href="/ideas/{target.id}#comments"' in page


def test_posting_a_comment_on_a_merged_duplicate_is_refused_with_the_reason(
        merged, post, auth):
    auth.login(UserFactory(email="peer@example.com").email)
    response = post(f"/ideas/{merged.id}/comments", {"body": "Late thought"})
    assert response.status_code == 403
    assert "merged into another idea as a duplicate" in response.get_data(as_text=True)
    assert _count() == 0


def test_replying_on_a_withdrawn_idea_is_refused(employee, it_department, post, auth):
    idea = IdeaFactory(author=employee, department=it_department, title="An idea withdrawn")
    peer = UserFactory(email="peer@example.com")
    top = services.add_comment(peer, idea, "Said while it was open")
    idea.status = "withdrawn"
    db.session.commit()
    auth.login(peer.email)
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Post reply" not in page and "The author withdrew this idea" in page
    response = post(f"/comments/{top.id}/replies", {f"reply-{top.id}-body": "Too late"})
    assert response.status_code == 403
    assert "The author withdrew this idea" in response.get_data(as_text=True)
    assert _count() == 1


def test_a_declined_idea_still_takes_comments(employee, it_department, admin, post, auth):
    idea = IdeaFactory(author=employee, department=it_department, status="declined")
    db.session.commit()
    assert can(admin, "idea.comment", idea)
    auth.login(UserFactory(email="peer@example.com").email)
    assert post(f"/ideas/{idea.id}/comments", {"body": "Why not?"}).status_code == 302


def test_nobody_may_comment_on_a_closed_idea(merged, employee, admin):
    assert not can(employee, "idea.comment", merged)  # not even its author
    assert not can(admin, "idea.comment", merged)
    assert can(admin, "idea.view", merged)

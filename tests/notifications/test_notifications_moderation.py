"""Notifications and e-mails respect moderation when they are shown and sent.

An idea or comment a moderator hides after its notifications were made must not reach
anyone who may not see it any more: not on the notifications page, not in the daily
digest, not in an e-mail queued before it was hidden. Its author may still see their
own idea (told that it was hidden); admins still see everything.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.comments import services as comments
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.moderation import services as moderation
from ideaboard.notifications import delivery, worker
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.notifications.visibility import HIDDEN_COMMENT_MESSAGE, HIDDEN_IDEA_MESSAGE
from ideaboard.review import services as review
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.queries import count_queries

TITLE = "Secret plan for the merger"


@pytest.fixture
def idea(employee, it_department):
    """The employee's idea, which they follow (as submitting one does)."""
    made = IdeaFactory(author=employee, department=it_department, title=TITLE)
    follow(employee.id, made.id)
    db.session.commit()
    return made


@pytest.fixture
def follower(idea):
    person = UserFactory(email="follower@example.com", display_name="Fay Follower")
    follow(person.id, idea.id)
    db.session.commit()
    return person


def _hide(target, admin) -> None:
    """A moderator hides the idea or comment through the moderation queue's service."""
    flagger = UserFactory()
    flag = (moderation.flag_idea(flagger, target, "Not for everyone.") if hasattr(target, "title")
            else moderation.flag_comment(flagger, target, "Not for everyone."))
    moderation.resolve(flag, admin, "hide", "Breaks the code of conduct")
    db.session.commit()


def _page(client) -> str:
    return client.get("/notifications").get_data(as_text=True)


def test_the_page_hides_a_hidden_ideas_title_from_its_followers(app, idea, follower, employee,
                                                                admin, manager):
    comments.add_comment(manager, idea, "Worth doing soon.")
    db.session.commit()
    follower_client, author_client = signed_in(app, follower), signed_in(app, employee)
    assert TITLE in _page(follower_client)
    _hide(idea, admin)

    page = _page(follower_client)
    assert TITLE not in page and "Max Manager" not in page
    assert HIDDEN_IDEA_MESSAGE in page
    # It leads nowhere the follower may not go: neither the idea nor its comment.
    assert f"/ideas/{idea.id}" not in page and "/comments/" not in page
    # The bell only counts (no text), and the notification is still there to count.
    assert "Notifications, 1 unread" in follower_client.get("/").get_data(as_text=True)
    [note] = db.session.scalars(sa.select(Notification)
                                .where(Notification.user_id == follower.id)).all()
    response = follower_client.post(f"/notifications/{note.id}/open",
                                    data={"csrf_token": csrf_token(follower_client,
                                                                   "/notifications")})
    assert response.headers["Location"].endswith("/notifications")
    # Its author still sees their own idea, and is told it was hidden.
    page = _page(author_client)
    assert TITLE in page and "Hidden by a moderator" in page


def test_a_hidden_comment_and_its_mention_are_not_shown(app, idea, follower, employee, admin,
                                                       manager):
    mentioned = UserFactory(email="mia@example.com", display_name="Mia Mentioned")
    follow(admin.id, idea.id)
    db.session.commit()
    comment = comments.add_comment(manager, idea, "Rude words for @mia here.")
    db.session.commit()
    mia_client, admin_client = signed_in(app, mentioned), signed_in(app, admin)
    assert "mentioned you" in _page(mia_client)
    _hide(comment, admin)

    for client in (mia_client, signed_in(app, follower), signed_in(app, employee)):
        page = _page(client)
        assert "mentioned you" not in page and "commented on" not in page
        assert HIDDEN_COMMENT_MESSAGE in page, page
        assert f"#comment-{comment.id}" not in page
    # The moderators still see what it was.
    page = _page(admin_client)
    assert "Max Manager commented on" in page and "Hidden by a moderator" in page


def test_the_page_costs_the_same_with_hidden_ideas(app, employee, it_department, admin):
    from ideaboard.notifications.services import notify

    reader = UserFactory()
    client = signed_in(app, reader)
    ideas = [IdeaFactory(author=employee, department=it_department) for _ in range(10)]
    notify([reader.id], "comment", "One", idea_id=ideas[0].id)
    db.session.commit()
    few = count_queries(client, "/notifications")
    for idea in ideas:
        notify([reader.id], "comment", f"About {idea.title}", idea_id=idea.id)
    for idea in ideas[::2]:
        _hide(idea, admin)
    many = count_queries(client, "/notifications")
    assert few == many
    assert _page(client).count(HIDDEN_IDEA_MESSAGE) == 6


def test_the_daily_digest_leaves_out_what_was_hidden(app, idea, admin, manager, employee):
    daily = UserFactory(email="daily@example.com", email_frequency="daily")
    other = IdeaFactory(author=employee, department=idea.department, title="Bike sheds")
    for each in (idea, other):
        follow(daily.id, each.id)
    db.session.commit()
    comments.add_comment(manager, idea, "On the secret one.")
    comments.add_comment(manager, other, "On the bike sheds.")
    db.session.commit()
    _hide(idea, admin)
    assert delivery.send_digests() == 1
    db.session.commit()
    [digest] = db.session.scalars(sa.select(OutboxEmail)
                                  .where(OutboxEmail.to_address == daily.email)).all()
    assert TITLE not in digest.body_text and "Bike sheds" in digest.body_text
    assert "1 update" in digest.subject


def test_an_email_queued_before_the_idea_was_hidden_is_withheld(app, runner, smtp, idea,
                                                                admin, manager, employee):
    now = UserFactory(email="now@example.com", email_frequency="immediate")
    follow(now.id, idea.id)
    employee.email_frequency = "immediate"
    db.session.commit()
    review.fast_track(idea, manager, "Straight to review.")
    db.session.commit()
    queued = {row.to_address: row for row in db.session.scalars(sa.select(OutboxEmail))}
    assert TITLE in queued[now.email].subject and queued[now.email].idea_id == idea.id
    _hide(idea, admin)

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    received = {tuple(to): message for to, message in smtp.inbox.messages}
    assert (now.email,) not in received
    # Its author may see it still: their e-mail goes out.
    assert TITLE in received[(employee.email,)]["Subject"]
    db.session.expire_all()
    withheld = db.session.get(OutboxEmail, queued[now.email].id)
    assert withheld.sent_at is None and withheld.last_error == worker.WITHHELD
    assert "Sent 0" in runner.invoke(args=["send-mail"]).output  # never retried


def test_status_changes_of_a_hidden_idea_reach_only_who_may_see_it(app, idea, follower,
                                                                   employee, admin):
    _hide(idea, admin)
    review.withdraw(idea, employee, "Never mind.")
    db.session.commit()
    told = db.session.scalars(sa.select(Notification.user_id)
                              .where(Notification.kind == "status_change")).all()
    assert follower.id not in told


def test_reviewers_are_not_told_of_a_hidden_idea(app, manager, it_department, employee, admin):
    from ideaboard.review import workflow

    hidden = IdeaFactory(author=employee, department=it_department, hidden=True)
    workflow.transition(hidden, "in_review", None, reason="Reached the threshold.")
    db.session.commit()
    told = db.session.scalars(sa.select(Notification.user_id)
                              .where(Notification.kind == "review_assigned")).all()
    assert manager.id not in told

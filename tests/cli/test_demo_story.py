"""The demo tells a believable story (issue 13, item 18): its ideas, votes, comments and
decisions are spread over months in an order that could have happened, the same on
every run."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.cli import demo_times
from ideaboard.comments.models import Comment
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea
from ideaboard.moderation.models import Flag
from ideaboard.notifications.models import Notification
from ideaboard.review.models import Review, StatusChange
from ideaboard.voting.models import Vote
from tests.conftest import _empty_all_tables

DECISIONS = ("accepted", "in_progress", "implemented", "declined", "needs_info", "duplicate",
             "withdrawn")


def seed(runner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()


def rows(model):
    return db.session.scalars(sa.select(model)).all()


def test_the_demo_is_spread_over_months_not_just_now(runner):
    seed(runner)
    now = utcnow()
    ideas = rows(Idea)
    created = sorted(idea.created_at for idea in ideas)
    assert created[-1] - created[0] > timedelta(days=90)
    recent = now - timedelta(hours=1)
    for model in (Vote, Comment, Review, Follow, Notification, Flag):
        times = [row.created_at for row in rows(model)]
        assert times and not [t for t in times if t > recent], model.__name__
        assert len(times) == 1 or max(times) - min(times) > timedelta(days=30), model.__name__
    # Most of the audit trail is history too (only today's escalation run is today).
    audit = [entry.created_at for entry in rows(AuditEntry)]
    assert sum(t > recent for t in audit) <= 2
    # People decide at work: decisions fall on working hours, not all at one minute.
    decided = [c.created_at for c in rows(StatusChange) if c.to_status in DECISIONS]
    assert all(8 <= t.hour < 18 for t in decided)
    # (a second shared by two of 160 decisions is chance, not one minute for all)
    assert len({t.time() for t in decided}) >= 0.95 * len(decided)
    # Older notifications have been read; the kept unread counts agree.
    for person in rows(User):
        unread = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == person.id, Notification.read_at.is_(None)))
        assert person.unread_notifications == unread
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))
                             .where(Notification.read_at.is_not(None))) > 0


def test_the_story_happens_in_order(runner):
    seed(runner)
    ideas = {idea.id: idea for idea in rows(Idea)}
    timeline: dict[int, list[StatusChange]] = {}
    for change in db.session.scalars(sa.select(StatusChange).order_by(StatusChange.id)):
        timeline.setdefault(change.idea_id, []).append(change)
    first_decision = {
        idea_id: min((c.created_at for c in changes if c.to_status in DECISIONS), default=None)
        for idea_id, changes in timeline.items()}
    for idea_id, changes in timeline.items():
        times = [c.created_at for c in changes]
        assert times == sorted(times), ideas[idea_id].title
        assert times[0] == ideas[idea_id].created_at
    # Peers vote and comment after the idea is posted and before it is decided.
    for vote in rows(Vote):
        idea = ideas[vote.idea_id]
        assert vote.created_at > idea.created_at, idea.title
        decided = first_decision.get(idea.id)
        assert decided is None or vote.created_at <= decided, idea.title
    comments = {c.id: c for c in rows(Comment)}
    for comment in comments.values():
        assert comment.created_at > ideas[comment.idea_id].created_at
        if comment.parent_id:
            assert comment.created_at > comments[comment.parent_id].created_at
    # A manager scores after the idea entered review and before deciding it.
    for review in rows(Review):
        changes = timeline[review.idea_id]
        entered = next(c.created_at for c in changes if c.to_status == "in_review")
        assert review.created_at > entered
        decided = first_decision.get(review.idea_id)
        assert decided is None or review.created_at < decided
    # An idea in review since its votes entered at the vote that took it over the line.
    for idea in ideas.values():
        if idea.entered_review_at is not None:
            assert idea.entered_review_at > idea.created_at
            assert idea.review_due_at > idea.entered_review_at
    # Nobody is told of an idea before it exists, nor acts before they joined.
    for note in rows(Notification):
        if note.idea_id:
            assert note.created_at >= ideas[note.idea_id].created_at
    joined = {person.id: person.created_at for person in rows(User)}
    for idea in ideas.values():
        assert joined[idea.author_id] < idea.created_at
    for comment in comments.values():
        assert joined[comment.author_id] < comment.created_at


def _story() -> list[tuple]:
    """What the demo holds, with each time as seconds before now."""
    now = utcnow()

    def ago(value):
        return (now - value).total_seconds()

    return [
        *((i.title, i.status, i.upvotes, i.downvotes, i.comment_count, ago(i.created_at))
          for i in db.session.scalars(sa.select(Idea).order_by(Idea.title))),
        *((c.body_md, ago(c.created_at))
          for c in db.session.scalars(sa.select(Comment).order_by(Comment.body_md,
                                                                   Comment.created_at))),
        *((u.email, u.display_name, ago(u.created_at))
          for u in db.session.scalars(sa.select(User).order_by(User.email))),
    ]


def test_the_demo_is_the_same_on_every_run_and_quick(runner):
    started = time.monotonic()
    seed(runner)
    assert time.monotonic() - started < 60  # usually a few seconds
    first = _story()
    db.session.remove()
    _empty_all_tables()
    seed(runner)
    second = _story()
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        # The same rows; times measured from "now" differ only by the seconds between runs.
        assert a[:-1] == b[:-1]
        assert abs(a[-1] - b[-1]) < 120, a


def test_join_dates_do_not_hang_on_how_the_notifications_were_timed(runner, monkeypatch):
    """A notification is dated by the event written nearest to it, which hangs on the
    machine's speed; once that drew fewer read times and moved everyone's join date by
    weeks (a failure seen in CI). Date every notification "now" and the people must not
    move."""
    seed(runner)
    joined = [(u.email, u.created_at) for u in rows(User)]
    db.session.remove()
    _empty_all_tables()
    monkeypatch.setattr(demo_times._Anchors, "nearest", lambda self, written, default: default)
    started = utcnow()
    seed(runner)
    shift = utcnow() - started
    again = [(u.email, u.created_at) for u in rows(User)]
    assert [email for email, _ in again] == [email for email, _ in joined]
    for (email, before), (_, after) in zip(joined, again, strict=True):
        assert abs(after - before) < shift + timedelta(seconds=120), email


def test_the_demo_has_an_open_a_closed_and_a_draft_campaign_with_answers(runner):
    from ideaboard.campaigns.models import Campaign

    seed(runner)
    campaigns = {c.state: c for c in rows(Campaign)}
    assert set(campaigns) == {"open", "closed", "draft"}
    answers = {state: db.session.scalars(sa.select(Idea).where(
        Idea.campaign_id == campaign.id)).all() for state, campaign in campaigns.items()}
    assert answers["open"] and answers["draft"] == []
    assert "implemented" in {idea.status for idea in answers["closed"]}
    for state, ideas in answers.items():
        assert {idea.department_id for idea in ideas} <= {campaigns[state].department_id}
    assert campaigns["open"].opens_at < utcnow() < campaigns["open"].closes_at
    assert campaigns["closed"].closes_at < utcnow() < campaigns["draft"].opens_at

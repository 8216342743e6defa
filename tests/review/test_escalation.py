"""Escalation up the org tree, driven by an injected clock."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification
from ideaboard.review.escalation import escalate_overdue
from ideaboard.review.models import StatusChange
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea, queue_ids, reload


@pytest.fixture
def idea(tree):
    author = UserFactory(email="author@example.com")
    idea = make_idea(author, tree["field"], status="in_review")
    idea.review_due_at = idea.escalates_at = T0
    db.session.commit()
    return idea


T0 = utcnow().replace(microsecond=0) + timedelta(days=30)


def timeline_count(idea) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StatusChange)
                             .where(StatusChange.idea_id == idea.id))


def assigned_to(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == "review_assigned"))


def test_nothing_happens_before_the_due_date(idea):
    assert escalate_overdue(now=T0 - timedelta(seconds=1)) == 0
    assert reload(idea).escalation_level == 0


def test_one_level_per_sla_period_up_to_the_admins(idea, tree):
    assert escalate_overdue(now=T0) == 1
    db.session.commit()
    idea = reload(idea)
    assert (idea.queue_department_id, idea.escalation_level) == (tree["ops"].id, 1)
    # The next step moves on by the new queue's SLA; the due date people see stays.
    assert idea.escalates_at == T0 + timedelta(days=7) and idea.review_due_at == T0
    assert queue_ids(tree["managers"]["ops"]) == [idea.id]
    # The original reviewers still see it (marked as escalated on their queue page).
    assert queue_ids(tree["managers"]["field"]) == [idea.id]
    assert assigned_to(tree["managers"]["ops"]) == 1

    # Running again at the same instant changes nothing.
    entries = timeline_count(idea)
    assert escalate_overdue(now=T0) == 0
    db.session.commit()
    assert timeline_count(idea) == entries and reload(idea).escalation_level == 1

    # A day before the next due date: still with operations.
    assert escalate_overdue(now=T0 + timedelta(days=6)) == 0
    assert escalate_overdue(now=T0 + timedelta(days=7)) == 1
    db.session.commit()
    idea = reload(idea)
    assert (idea.queue_department_id, idea.escalation_level) == (tree["company"].id, 2)
    assert idea.escalates_at == T0 + timedelta(days=21) and idea.review_due_at == T0

    # Past the root: the admins hold it, and it stays there.
    assert escalate_overdue(now=T0 + timedelta(days=21)) == 1
    db.session.commit()
    idea = reload(idea)
    assert (idea.queue_department_id, idea.escalation_level) == (None, 3)
    assert queue_ids(tree["admin"]) == [idea.id]
    assert assigned_to(tree["admin"]) == 1
    assert escalate_overdue(now=T0 + timedelta(days=400)) == 0
    assert reload(idea).escalation_level == 3


def test_one_run_after_a_long_pause_catches_up_one_level_per_elapsed_period(idea, tree):
    """Three due dates have passed (field ops at T0, operations at T0+7d, the company at
    T0+21d) without a run: the next run climbs all three levels, one per period."""
    assert escalate_overdue(now=T0 + timedelta(days=21, hours=1)) == 1
    db.session.commit()
    idea = reload(idea)
    assert (idea.queue_department_id, idea.escalation_level) == (None, 3)
    changes = db.session.scalars(sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
                                 .order_by(StatusChange.id)).all()
    assert [c.reason.split(":")[0] for c in changes] == [
        "Not reviewed by Field ops by its due date",
        "Not reviewed by Operations by its due date",
        "Not reviewed by Company by its due date",
    ]
    assert all(c.actor_id is None and c.from_status == c.to_status == "in_review"
               for c in changes)
    # Only where it ends up are reviewers notified; the skipped levels are not.
    assert assigned_to(tree["admin"]) == 1
    assert assigned_to(tree["managers"]["ops"]) == 0
    assert assigned_to(tree["managers"]["company"]) == 0


def test_two_periods_elapsed_climb_two_levels(idea, tree):
    assert escalate_overdue(now=T0 + timedelta(days=7, seconds=1)) == 1
    idea = reload(idea)
    assert (idea.queue_department_id, idea.escalation_level) == (tree["company"].id, 2)
    assert idea.escalates_at == T0 + timedelta(days=21) and idea.review_due_at == T0


def test_escalation_is_audited_and_shown(idea, tree, app):
    escalate_overdue(now=T0)
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "idea.escalate"))
    assert entry.actor_id is None
    assert entry.before["escalation_level"] == 0 and entry.after["escalation_level"] == 1
    assert entry.after["queue_department_id"] == tree["ops"].id


@pytest.mark.parametrize("status", ["declined", "needs_info", "in_progress", "implemented"])
def test_ideas_waiting_for_nobody_never_escalate(idea, tree, status):
    idea.status = status  # escalates_at left set, as a stale schedule would be
    db.session.commit()
    assert escalate_overdue(now=T0 + timedelta(days=100)) == 0


def test_escalate_command(runner, idea):
    idea.review_due_at = idea.escalates_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["escalate"])
    assert result.exit_code == 0, result.output
    assert "Escalated 1 idea." in result.output
    assert reload(idea).escalation_level == 1
    assert "Escalated 0 ideas." in runner.invoke(args=["escalate"]).output

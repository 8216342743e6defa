"""The managers' weekly summary (issue 16): their queue and what is overdue, what was
decided and implemented last week in the departments they manage and all beneath,
through the e-mail outbox; opted out of on the e-mail preferences page; sent once a week
by the worker, once for all workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ideaboard.accounts.models import EmailTopic
from ideaboard.analytics.services import SUMMARY_LISTED, send_weekly_summaries
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from ideaboard.review import workflow
from ideaboard.worker.jobs import JOBS, WeeklyAt
from ideaboard.worker.services import Worker
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.review import make_idea


def outbox(to: str | None = None) -> list[OutboxEmail]:
    """The weekly summaries queued (the workflow's own e-mails left out)."""
    db.session.commit()
    query = sa.select(OutboxEmail).where(OutboxEmail.subject.startswith("[Ideaboard] Your week")) \
        .order_by(OutboxEmail.id)
    if to is not None:
        query = query.where(OutboxEmail.to_address == to)
    return list(db.session.scalars(query))


def decided(department, reviewer, decision: str, when: datetime, title: str, **kwargs):
    """An idea for ``department`` taken into review and on to ``decision`` at ``when``."""
    author = UserFactory(department=department)
    idea = IdeaFactory(author=author, department=department, title=title,
                       created_at=when - timedelta(days=3), **kwargs)
    workflow.record_creation(idea, author, now=when - timedelta(days=3))
    workflow.transition(idea, "in_review", None, now=when - timedelta(days=2))
    reason = "" if decision == "accepted" else "Explained to everyone in twenty characters."
    workflow.transition(idea, decision, reviewer, reason=reason, now=when)
    db.session.commit()
    return idea


def test_a_manager_reads_their_week_and_only_their_subtree(app, it_department, hr_department,
                                                           manager, other_manager, employee):
    desk = DepartmentFactory(name="Desk", slug="desk", parent=it_department)
    manager.managed_departments.append(desk)
    db.session.commit()
    now = utcnow()
    decided(it_department, manager, "declined", now - timedelta(days=2), "Shorter meetings")
    decided(desk, manager, "accepted", now - timedelta(days=6), "Desk booking app")
    decided(it_department, manager, "accepted", now - timedelta(days=8), "Last month's idea")
    decided(hr_department, other_manager, "accepted", now - timedelta(days=1), "HR onboarding")
    decided(it_department, manager, "declined", now - timedelta(days=1), "Hidden one",
            hidden=True)
    done = decided(desk, manager, "accepted", now - timedelta(days=5), "Quiet printers")
    workflow.transition(done, "in_progress", manager, owner=manager,
                        now=now - timedelta(days=4))
    workflow.transition(done, "implemented", manager, now=now - timedelta(days=3),
                        outcome=workflow.Outcome("Saved time.", Decimal("12"), "hours a year"))
    make_idea(employee, it_department, status="in_review", due_in_days=-2)  # overdue
    make_idea(employee, desk, status="in_review", due_in_days=5)
    make_idea(employee, hr_department, status="in_review", due_in_days=5)

    assert send_weekly_summaries(now) == 2
    [mine] = outbox(manager.email)
    assert mine.subject == "[Ideaboard] Your week: 2 to review, 1 overdue"
    text = mine.body_text
    assert "in Desk, IT and the departments below" in text
    assert "Your review queue: 2 ideas waiting, 1 of them past their due date." in text
    assert "Decided last week: 3 ideas." in text
    assert "- Declined: Shorter meetings" in text and "- Accepted: Desk booking app" in text
    assert "- Accepted: Quiet printers" in text
    assert "Implemented last week: 1 idea.\n- Quiet printers" in text
    for elsewhere in ("Last month's idea", "HR onboarding", "Hidden one"):
        assert elsewhere not in text
    assert f"http://ideaboard.test/ideas/{done.id}" in text
    assert "http://ideaboard.test/account/email" in text
    [theirs] = outbox(other_manager.email)
    assert "- Accepted: HR onboarding" in theirs.body_text
    assert "Shorter meetings" not in theirs.body_text
    assert outbox(employee.email) == []  # not a manager


def test_a_long_week_lists_the_first_ideas_and_counts_the_rest(app, it_department, manager):
    now = utcnow()
    for k in range(SUMMARY_LISTED + 2):
        decided(it_department, manager, "declined", now - timedelta(hours=k + 1), f"Idea {k}")
    assert send_weekly_summaries(now) == 1
    text = outbox(manager.email)[0].body_text
    assert f"Decided last week: {SUMMARY_LISTED + 2} ideas." in text
    assert "- and 2 more" in text and text.count("- Declined: ") == SUMMARY_LISTED


def test_nothing_to_report_sends_nothing(app, it_department, manager):
    assert send_weekly_summaries(utcnow()) == 0
    assert outbox() == []


def test_a_manager_turns_the_summary_off_on_the_preferences_page(app, it_department, manager,
                                                                 employee):
    make_idea(employee, it_department, status="in_review")
    client = signed_in(app, manager)
    page = client.get("/account/email").get_data(as_text=True)
    assert "A weekly summary of my departments" in page
    kept = [t.value for t in EmailTopic if t is not EmailTopic.WEEKLY_SUMMARY]
    response = client.post("/account/email", data={
        "csrf_token": csrf_token(client, "/account/email"), "email_frequency": "immediate",
        "topics": kept})
    assert response.status_code == 302
    assert send_weekly_summaries(utcnow()) == 0

    db.session.rollback()
    manager.email_topics_off = []
    manager.email_frequency = "never"  # no e-mail at all: no summary either
    db.session.commit()
    assert send_weekly_summaries(utcnow()) == 0
    manager.email_frequency = "daily"
    db.session.commit()
    assert send_weekly_summaries(utcnow()) == 1


def test_weekly_at_is_the_next_such_day_and_hour():
    monday_seven = WeeklyAt("WEEKLY_SUMMARY_DAY", "DIGEST_HOUR")
    config = {"WEEKLY_SUMMARY_DAY": 0, "DIGEST_HOUR": 7}
    monday = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday
    assert monday_seven.next_due(config, monday.replace(hour=6)) == monday.replace(hour=7)
    assert monday_seven.next_due(config, monday.replace(hour=7)) == monday + timedelta(days=7,
                                                                                      hours=7)
    assert monday_seven.next_due(config, monday + timedelta(days=3)) == \
        monday + timedelta(days=7, hours=7)
    sunday = {"WEEKLY_SUMMARY_DAY": 6, "DIGEST_HOUR": 7}
    assert monday_seven.next_due(sunday, monday) == monday + timedelta(days=6, hours=7)
    assert monday_seven.describe(config) == "weekly on Monday at 07:00 UTC"


def test_two_workers_send_one_summary_a_week_from_the_first_due_day(app, it_department,
                                                                    manager, employee):
    make_idea(employee, it_department, status="in_review")
    job = [JOBS["send-weekly-summaries"]]
    now = utcnow()
    first = WeeklyAt("WEEKLY_SUMMARY_DAY", "DIGEST_HOUR").next_due(app.config, now)
    Worker(app, job, clock=lambda: now).run(once=True)
    assert outbox(manager.email) == []  # a new install waits for the first such day
    for _ in range(2):  # two workers at that time: one summary
        Worker(app, job, clock=lambda: first).run(once=True)
    assert len(outbox(manager.email)) == 1
    later = first + timedelta(days=3)
    Worker(app, job, clock=lambda: later).run(once=True)
    assert len(outbox(manager.email)) == 1  # not before next week's day
    Worker(app, job, clock=lambda: first + timedelta(days=7)).run(once=True)
    assert len(outbox(manager.email)) == 2


def test_the_command_queues_the_summaries(app, it_department, manager, employee, runner):
    make_idea(employee, it_department, status="in_review")
    result = runner.invoke(args=["send-weekly-summaries"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 weekly summary." in result.output
    assert len(outbox(manager.email)) == 1

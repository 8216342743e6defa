"""Ninety days of a company, simulated (issue 16): 1,000 ideas reach review, managers
decide two in three within two days and ignore the rest, and the escalation job runs
once a day on the injected clock. The simulation keeps its own book of what happened
(each idea's steps up the organisation, seen after each daily run); the analytics page
must show the overdue and escalated counts that book expects, and no idea may sit
overdue without having escalated."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review import workflow
from ideaboard.review.escalation import escalate_overdue
from tests.analytics.conftest import RATIONALE
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory
from tests.helpers.login import signed_in

DAYS = 90
IDEAS = 1_000
SLA_DAYS = 5
ANSWER_AFTER = timedelta(days=2)


def ignored(idea_id: int) -> bool:
    """The third of the ideas every manager ignores."""
    return idea_id % 3 == 0


def test_ninety_days_of_reviews_and_escalations(app, admin):
    company = DepartmentFactory(name="Simulated Co", slug="sim", review_sla_days=SLA_DAYS)
    divisions = [DepartmentFactory(name=f"Division {d}", slug=f"div-{d}", parent=company,
                                   review_sla_days=SLA_DAYS) for d in range(2)]
    teams = [DepartmentFactory(name=f"Team {d}{t}", slug=f"team-{d}{t}", parent=division,
                               review_sla_days=SLA_DAYS)
             for d, division in enumerate(divisions) for t in range(3)]
    UserFactory(department=company, manages=[company])
    for division in divisions:
        UserFactory(department=division, manages=[division])
    team_manager = {team.id: UserFactory(department=team, manages=[team]) for team in teams}
    authors = [UserFactory(department=teams[k % len(teams)]) for k in range(30)]
    db.session.commit()

    # Every due date is a whole number of hours after start; the page is read less than
    # an hour after the simulation ends, so no due date falls in between.
    start = utcnow() - timedelta(days=DAYS, minutes=1)
    end = start + timedelta(days=DAYS)
    escalations: Counter[int] = Counter()  # the book: steps seen per idea
    due: dict[int, object] = {}
    to_answer: dict[int, list[Idea]] = {}
    to_start: dict[int, list[Idea]] = {}
    created = 0
    for day in range(DAYS + 1):
        today = start + timedelta(days=day)
        for idea in to_start.pop(day, []):
            manager = team_manager[idea.department_id]
            workflow.transition(idea, "in_progress", manager, owner=manager, now=today)
        for idea in to_answer.pop(day, []):
            manager = team_manager[idea.department_id]
            if idea.id % 2:
                workflow.transition(idea, "accepted", manager, now=today)
                to_start.setdefault(day + 1, []).append(idea)
            else:
                workflow.transition(idea, "declined", manager, reason=RATIONALE, now=today)
        wanted = IDEAS * (day + 1) // (DAYS + 1) if day < DAYS else IDEAS
        while created < wanted:
            author = authors[created % len(authors)]
            when = today + timedelta(hours=created % 20)
            if when > end:
                when = end
            idea = IdeaFactory(author=author, department=author.department, created_at=when)
            workflow.record_creation(idea, author, now=when)
            workflow.transition(idea, "in_review", None, now=when)
            db.session.flush()
            due[idea.id] = idea.review_due_at
            if not ignored(idea.id):
                to_answer.setdefault(day + 2, []).append(idea)
            created += 1
        db.session.commit()
        # The daily run, and the book: each idea's level before and after it.
        before = dict(db.session.execute(sa.select(Idea.id, Idea.escalation_level)).all())
        escalate_overdue(today)
        db.session.commit()
        for idea_id, level in db.session.execute(sa.select(Idea.id, Idea.escalation_level)):
            escalations[idea_id] += level - before[idea_id]

    ideas = list(db.session.scalars(sa.select(Idea)))
    assert len(ideas) == IDEAS
    overdue = [i for i in ideas if i.status == "in_review" and due[i.id] < end]
    assert overdue and all(ignored(i.id) for i in overdue)
    # No idea sits overdue without having escalated: one step per SLA period begun past
    # its due date, up to the three above its team (division, company, administrators).
    for idea in overdue:
        periods = int((end - due[idea.id]) / timedelta(days=SLA_DAYS)) + 1
        assert escalations[idea.id] >= 1, idea.id
        assert escalations[idea.id] == min(periods, 3), idea.id
    assert sum(escalations[i.id] for i in ideas if not ignored(i.id)) == 0

    client = signed_in(app, admin)
    period = f"&since={(start - timedelta(days=1)).date()}&until={end.date()}"

    def exported(name: str) -> list[dict[str, str]]:
        response = client.get(f"/analytics?format=csv&table={name}{period}")
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    speed = exported("responsiveness")
    assert sum(int(r["ideas_reviewed"]) for r in speed) == IDEAS
    assert sum(int(r["overdue_now"]) for r in speed) == len(overdue)
    # Every answer came within the SLA: the only missed due dates are those still waiting.
    assert sum(int(r["sla_breaches"]) for r in speed) == len(overdue)
    expected_levels = {level: sum(1 for n in escalations.values() if n >= level)
                       for level in range(1, max(escalations.values()) + 1)}
    assert {int(r["passed_up_at_least_times"]): int(r["ideas"])
            for r in exported("escalations")} == expected_levels
    page = client.get(f"/analytics?{period[1:]}").get_data(as_text=True)
    assert f"<strong>{len(overdue)}</strong> of them still waiting now" in page

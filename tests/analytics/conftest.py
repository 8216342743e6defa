"""What the insight tests share: a company built through the real workflow at known
times, and a reader of the CSV the pages export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from ideaboard.analytics.services import seed_common_units
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review import workflow
from ideaboard.voting.models import Vote
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory

RATIONALE = "Explained to everyone in more than twenty characters."


def table(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def fixture_company(app, company, it_department, hr_department, manager, other_manager, admin):
    """IT (with a sub-department, Desk) and HR; ideas taken through the real workflow at
    known times: reviewed, decided every way, started and implemented with outcomes in
    three spellings of one unit and one unknown unit."""
    desk = DepartmentFactory(name="Desk", slug="desk", parent=it_department)
    manager.managed_departments.append(desk)
    db.session.commit()
    seed_common_units()  # "hours a year" with "hours/year" and "h/yr" (as migrated)
    people = [UserFactory(department=d) for d in (it_department, it_department, desk,
                                                  hr_department, hr_department)]
    UserFactory(department=hr_department, active=False)
    now = utcnow()
    start = now - timedelta(days=40)
    plan = [  # (department, reviewer, decision, outcome (value, unit) or None, days to answer)
        (it_department, manager, "accepted", (Decimal("120"), "hours/year"), 2),
        (it_department, manager, "accepted", (Decimal("30.5"), "Hours a year "), 5),
        (desk, manager, "accepted", (Decimal("10"), "h/yr"), 9),
        (desk, manager, "accepted", (Decimal("2500"), "EUR"), 3),
        (it_department, manager, "declined", None, 4),
        (it_department, manager, "needs_info", None, 20),
        (hr_department, other_manager, "accepted", (Decimal("7"), "hours a year"), 1),
        (hr_department, other_manager, "declined", None, 30),
        (hr_department, other_manager, None, None, 0),  # still in review, overdue
        (it_department, None, None, None, 0),  # open, never reviewed
    ]
    for i, (department, reviewer, decision, outcome, answer_days) in enumerate(plan):
        author = people[i % len(people)]
        created = start + timedelta(days=i)
        idea = IdeaFactory(author=author, department=department, created_at=created,
                           is_anonymous=(i == 0))
        workflow.record_creation(idea, author, now=created)
        db.session.commit()
        if reviewer is None:
            continue
        entered = created + timedelta(hours=1)
        workflow.transition(idea, "in_review", None, now=entered)
        if decision is not None:
            when = entered + timedelta(days=answer_days)
            reason = "" if decision == "accepted" else RATIONALE
            workflow.transition(idea, decision, reviewer, reason=reason, now=when)
            if outcome is not None:
                workflow.transition(idea, "in_progress", reviewer, owner=reviewer,
                                    now=when + timedelta(hours=1))
                workflow.transition(idea, "implemented", reviewer, now=when + timedelta(hours=2),
                                    outcome=workflow.Outcome("Saved time.", *outcome))
        db.session.commit()
    idea = db.session.get(Idea, 1)
    db.session.add(Vote(idea_id=idea.id, user_id=people[3].id, value=1, created_at=now,
                        updated_at=now))
    db.session.commit()
    return {"desk": desk, "people": people}



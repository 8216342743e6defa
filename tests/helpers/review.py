"""Helpers shared by the review tests: ideas in a given state, counting queries."""

from __future__ import annotations

from datetime import timedelta

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review.services import queue_page
from tests.helpers.factories import IdeaFactory


def make_idea(author, department, *, status="open", due_in_days=None, **kwargs) -> Idea:
    """An idea by ``author`` for ``department``; ``in_review`` ones sit in its queue."""
    idea = IdeaFactory(author=author, department=department, status=status, **kwargs)
    if status != "open" and "queue_department_id" not in kwargs:
        now = utcnow()
        idea.queue_department_id = department.id
        idea.entered_review_at = now
        days = department.review_sla_days if due_in_days is None else due_in_days
        idea.review_due_at = now + timedelta(days=days)
        idea.status_changed_at = now
        # When the escalation job would next move it (review.workflow sets the same).
        if status == "in_review":
            idea.escalates_at = idea.review_due_at
        elif status == "accepted":
            idea.escalates_at = now + timedelta(days=30)
        db.session.commit()
    return idea


def queue_ids(user) -> list[int]:
    """The ids of every idea in ``user``'s review queue, in its order, as the queue page
    reads them (one page big enough for all)."""
    return [row.id for row in queue_page(user, 1, per_page=10_000).items]


def expected_merit(impact: float, feasibility: float, effort: float, wilson: float) -> float:
    """The merit formula as the README states it, which the database computes (the
    ``merit_score`` column): 60% the managers' rubric, 40% the peers' Wilson score."""
    rubric = (impact + feasibility + (6 - effort)) / 15.0
    return 100.0 * (0.6 * rubric + 0.4 * wilson)


def reload(obj):
    """The row as the database has it now (requests commit in their own sessions)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)

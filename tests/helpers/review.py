"""Helpers shared by the review tests: ideas in a given state, counting queries."""

from __future__ import annotations

from datetime import timedelta


from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
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
        db.session.commit()
    return idea


def reload(obj):
    """The row as the database has it now (requests commit in their own sessions)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)

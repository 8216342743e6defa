"""Escalating overdue reviews up the org tree (``flask --app ideaboard escalate``).

An idea still in review at its due date moves to the queue of the parent of the
department holding it, and its due date moves on by that department's SLA; past the
root department the admins hold it (``queue_department_id`` NULL). A department that
only the idea's author manages is passed over (``workflow.review_department``): nobody
reviews their own idea. Each step adds one
to ``escalation_level``, writes the timeline and the audit trail (through the
workflow's ``escalate`` transition) and notifies the new reviewers.

The rule is one level per SLA period elapsed, whatever the schedule of the job: the
due date moves on from the old due date, not from the time of the run, so a single
run after a long pause climbs one level for every period that has passed (and only
the reviewers where the idea ends up are notified). Running the job twice at the same
instant changes nothing the second time, because every idea it touched is then due
in the future or already with the admins. Safe to run from cron every few minutes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.notifications import delivery
from ideaboard.review import workflow

# A guard against a cycle in the org tree; real trees are far shallower.
MAX_LEVELS_PER_RUN = 50


def overdue_query(now: datetime):
    """In-review ideas past their due date that still have somewhere to climb."""
    return (
        sa.select(Idea)
        .where(Idea.status == IdeaStatus.IN_REVIEW.value, Idea.review_due_at <= now,
               Idea.queue_department_id.is_not(None))
        .order_by(Idea.review_due_at, Idea.id)
    )


def escalate_idea(idea: Idea, now: datetime) -> int:
    """Climb the idea one level per elapsed SLA period; returns the levels climbed."""
    start = idea.queue_department
    climbed = 0
    while climbed < MAX_LEVELS_PER_RUN:
        # Still held by a department (the admins, past the root, are the last step), and
        # overdue. (The department is loaded: ``start`` and each climb read it.)
        held_by, due = idea.queue_department, idea.review_due_at
        if held_by is None or due is None or due > now:
            break
        to = workflow.review_department(idea, held_by.parent)
        where = f"the managers of {to.name}" if to is not None else "the administrators"
        try:
            workflow.transition(
                idea, IdeaStatus.IN_REVIEW, None, now=now,
                reason=f"Not reviewed by {held_by.name} by its due date: escalated to "
                       f"{where} (level {idea.escalation_level + 1}).",
            )
        except workflow.TransitionError:
            break  # decided, or escalated by a concurrent run, meanwhile
        climbed += 1
    if climbed and idea.queue_department_id != getattr(start, "id", None):
        delivery.review_assigned(idea, workflow.reviewers(idea), escalated=True)
    return climbed


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate every overdue idea; returns how many ideas moved. Flushes."""
    now = now or utcnow()
    moved = 0
    for idea in db.session.scalars(overdue_query(now)).all():
        if escalate_idea(idea, now):
            moved += 1
    return moved

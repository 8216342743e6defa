"""Escalating overdue reviews and stalled accepted ideas up the org tree
(``flask --app ideaboard escalate``).

An idea still in review at its due date moves to the queue of the parent of the
department holding it; past the root department the admins hold it
(``queue_department_id`` NULL). So does an accepted idea nobody has started within
IDEABOARD_STALLED_AFTER_DAYS. Where it goes is ``workflow.escalation_target``: a
department that only the idea's author manages is passed over (nobody reviews their own
idea), and so is one whose managers are the very people it comes from. Each step adds
one to ``escalation_level``, writes the timeline and the audit trail (through the
workflow's ``escalate`` transitions) and notifies the new reviewers. The idea keeps its
due date (``review_due_at``): the original reviewers still see it in their worklist,
marked as escalated, and how overdue it is.

The rule is one level per period elapsed, whatever the schedule of the job: the next
step (``escalates_at``) moves on from the old one by the new department's SLA (for an
accepted idea, by the stalled period), not from the time of the run, so a single run
after a long pause climbs one level for every period that has passed (and only the
reviewers where the idea ends up are notified). Running the job twice at the same
instant changes nothing the second time, because every idea it touched is then due
in the future or already with the admins. Safe to run from cron every few minutes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ideaboard.core.i18n import N_, Text
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.notifications import delivery
from ideaboard.review import workflow
from ideaboard.webhooks import services as webhooks

# A guard against a cycle in the org tree; real trees are far shallower.
MAX_LEVELS_PER_RUN = 50


# The statuses in which an idea waits for someone and escalates when it waits too long.
ESCALATING = (IdeaStatus.IN_REVIEW.value, IdeaStatus.ACCEPTED.value)


def overdue_query(now: datetime):
    """Ideas in review past their due date, and accepted ideas not started in time, that
    still have somewhere to climb (index ``ix_ideas_escalates_at``)."""
    return (
        sa.select(Idea)
        .where(Idea.escalates_at <= now, Idea.status.in_(ESCALATING),
               Idea.queue_department_id.is_not(None))
        .order_by(Idea.escalates_at, Idea.id)
    )


def _reason(idea: Idea, held_by_name: str, where: Text) -> Text:
    """The timeline's sentence for one step (the public sees it on the idea page), in
    each reader's language."""
    if idea.status == IdeaStatus.ACCEPTED:
        return Text(N_("Accepted but not started by %(held_by)s in time: escalated to "
                       "%(where)s."), held_by=held_by_name, where=where)
    return Text(N_("Not reviewed by %(held_by)s by its due date: escalated to %(where)s."),
                held_by=held_by_name, where=where)


def escalate_idea(idea: Idea, now: datetime) -> int:
    """Climb the idea one level per elapsed period; returns the levels climbed."""
    start = idea.queue_department
    climbed = 0
    while climbed < MAX_LEVELS_PER_RUN:
        # Still held by a department (the admins, past the root, are the last step), and
        # overdue. (The department is loaded: ``start`` and each climb read it.)
        held_by, due = idea.queue_department, idea.escalates_at
        if held_by is None or due is None or due > now:
            break
        to = workflow.escalation_target(idea, held_by)
        where = (Text(N_("the managers of %(department)s"), department=to.name)
                 if to is not None else Text(N_("the administrators")))
        try:
            workflow.transition(idea, idea.status, None, now=now,
                                reason=_reason(idea, held_by.name, where))
        except workflow.TransitionError:
            break  # decided, or escalated by a concurrent run, meanwhile
        climbed += 1
    if climbed and idea.queue_department_id != getattr(start, "id", None):
        delivery.review_assigned(idea, workflow.reviewers(idea), escalated=True)
        webhooks.review_escalated(idea)
    return climbed


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate every overdue idea; returns how many ideas moved. Flushes."""
    now = now or utcnow()
    moved = 0
    for idea in db.session.scalars(overdue_query(now)).all():
        if escalate_idea(idea, now):
            moved += 1
    return moved

"""The review section of the idea page, read as plain rows (``core.rows``).

Every idea page shows the idea's timeline and the ideas merged into it. Loaded as ORM
objects (each status change with its actor as a User, each duplicate as a whole Idea)
they cost the page more than the whole floor request; read as rows from statements
built once they cost a tenth of that. This is the one way the timeline and the merged
duplicates are read: the review page shows the same rows, through the same partials, and
``services.current_decision`` finds the decision among them.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.core.rows import rows
from ideaboard.ideas.models import Idea
from ideaboard.review.models import StatusChange


class Actor(NamedTuple):
    """Who made a status change, as the timeline names them."""

    display_name: str


class TimelineEntry(NamedTuple):
    """One status change of an idea: ``StatusChange``'s columns and its actor's name."""

    id: int
    idea_id: int
    from_status: str | None
    to_status: str
    actor_id: int | None  # None: the system
    reason: str
    created_at: datetime
    actor: Actor | None


class MergedDuplicate(NamedTuple):
    """An idea merged into another as its duplicate, as the idea page links to it."""

    id: int
    title: str


_TIMELINE = (
    sa.select(StatusChange.id, StatusChange.idea_id, StatusChange.from_status,
              StatusChange.to_status, StatusChange.actor_id, StatusChange.reason,
              StatusChange.created_at, User.display_name)
    .outerjoin(User, User.id == StatusChange.actor_id)
    .where(StatusChange.idea_id == sa.bindparam("idea_id"))
    .order_by(StatusChange.created_at, StatusChange.id)
)
_MERGED = (
    sa.select(Idea.id, Idea.title)
    .where(Idea.duplicate_of_id == sa.bindparam("idea_id"), Idea.hidden.is_(False))
    .order_by(Idea.id)
)


def timeline(idea_id: int) -> list[TimelineEntry]:
    """Every status change of the idea, oldest first, with its actor's name (one query)."""
    return [TimelineEntry(*row[:7], Actor(row[7]) if row[4] is not None else None)
            for row in rows(_TIMELINE, {"idea_id": idea_id})]


def merged_duplicates(idea_id: int) -> list[MergedDuplicate]:
    """The visible ideas merged into this one as its duplicates (one query)."""
    return [MergedDuplicate(*row) for row in rows(_MERGED, {"idea_id": idea_id})]

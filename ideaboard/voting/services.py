"""Casting, changing and retracting votes; the idea's counters stay exact."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideas.ranking import bump_counters
from ideaboard.review.services import enter_review_if_threshold_met
from ideaboard.voting.models import Vote

VALID_VALUES = (-1, 0, 1)  # 0 retracts


class VoteError(ValueError):
    """A vote the rules refuse; the message is safe to show."""


def _delta(old: int, new: int) -> tuple[int, int]:
    """(change in upvotes, change in downvotes) going from ``old`` to ``new``."""
    return (new == 1) - (old == 1), (new == -1) - (old == -1)


def _insert_vote(idea_id: int, user_id: int, value: int) -> bool:
    """Insert the vote unless one exists already (False then); one statement, where a
    savepoint around a plain INSERT would be three."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    votes = Vote.__table__
    inserted = db.session.execute(
        insert(votes).values(idea_id=idea_id, user_id=user_id, value=value)
        .on_conflict_do_nothing(index_elements=[votes.c.idea_id, votes.c.user_id])
        .returning(votes.c.id)
    ).first()
    return inserted is not None


def cast_vote(user, idea: Idea, value: int) -> int:
    """Set the user's vote on the idea to +1, -1 or 0 (retract). Returns the new value.

    The caller has checked the policy ("idea.vote"). Flushes, never commits.
    """
    if value not in VALID_VALUES:
        raise VoteError("A vote is +1, -1 or 0.")
    query = sa.select(Vote).where(Vote.idea_id == idea.id, Vote.user_id == user.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    vote = db.session.scalar(query)
    old = vote.value if vote is not None else 0
    if old == value:
        return value
    if vote is None:
        if not _insert_vote(idea.id, user.id, value):
            # The same person's other request inserted first; change that vote instead.
            return cast_vote(user, idea, value)
    elif value == 0:
        db.session.delete(vote)
    else:
        vote.value = value
    up, down = _delta(old, value)
    bump_counters(idea, up=up, down=down)
    enter_review_if_threshold_met(idea)
    db.session.flush()
    return value


def my_votes(user, idea_ids: Iterable[int]) -> dict[int, int]:
    """The user's vote on each of ``idea_ids`` that they voted on, in one query."""
    ids = list(idea_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        sa.select(Vote.idea_id, Vote.value).where(Vote.user_id == user.id, Vote.idea_id.in_(ids))
    )
    return {idea_id: value for idea_id, value in rows}


def voter_ids(idea_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(Vote.user_id).where(Vote.idea_id == idea_id)))

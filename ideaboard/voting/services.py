"""Casting, changing and retracting votes; the idea's counters stay exact.

A vote costs three statements besides the signed-in user's: the idea's few columns the
policy and the review threshold need (``vote_target``), one write of the vote row, and
the UPDATE of the idea's counters and sort keys (``ranking.bump_counters``). They are
Core statements built once: on a page this cheap, building SQL expressions and ORM
objects cost more than the database did.

Every change of a counter is derived from what the statement writing the vote row did
(a DELETE returning the old value, an INSERT that inserted, an UPDATE that matched a
vote of the other sign), so concurrent requests, even the same person's from two tabs,
never count a vote twice or lose one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ideaboard.core.rows import rows as plain_rows
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.ideas.ranking import bump_counters
from ideaboard.org.models import Department
from ideaboard.review.services import enter_review_if_threshold_met
from ideaboard.voting.models import Vote

if TYPE_CHECKING:
    from ideaboard.accounts.models import User

VALID_VALUES = (-1, 0, 1)  # 0 retracts


class VoteError(ValueError):
    """A vote the rules refuse; the message is safe to show."""


@dataclass
class VoteTarget:
    """What a vote needs to know of its idea, the one shape ``cast_vote`` takes: what the
    policy asks (author, hidden, status), what the sort keys and the review threshold
    need, and the counters, which ``cast_vote`` brings up to date (read with
    ``vote_target``; the vote page loads no Idea)."""

    id: int
    author_id: int
    hidden: bool
    status: str
    created_at: datetime
    review_count: int
    review_threshold: int
    upvotes: int
    downvotes: int
    department_name: str  # for the progress to review the widget shows after a vote
    votes_closed: bool  # its campaign's voting has closed (campaigns.services)

    @property
    def net_votes(self) -> int:
        return self.upvotes - self.downvotes


_ideas, _votes = Idea.__table__, Vote.__table__
_TARGET = (
    sa.select(*(_ideas.c[name] for name in ("id", "author_id", "hidden", "status", "created_at",
                                            "review_count")),
              Department.__table__.c.review_threshold,
              _ideas.c.upvotes, _ideas.c.downvotes, Department.__table__.c.name,
              _ideas.c.votes_closed)
    .join_from(_ideas, Department.__table__, _ideas.c.department_id == Department.__table__.c.id)
    .where(_ideas.c.id == sa.bindparam("idea_id", type_=sa.Integer))
)
# Parameters are not named after columns: INSERT and UPDATE reserve those names.
_WHERE_MINE = (_votes.c.idea_id == sa.bindparam("idea", type_=sa.Integer),
               _votes.c.user_id == sa.bindparam("voter", type_=sa.Integer))
_RETRACT = sa.delete(_votes).where(*_WHERE_MINE).returning(_votes.c.value)
# Only a vote of the other sign changes (values are -1 or 1, by a CHECK constraint).
_SWITCH = (
    sa.update(_votes)
    .where(*_WHERE_MINE, _votes.c.value != sa.bindparam("new_value", type_=sa.SmallInteger))
    .values(value=sa.bindparam("new_value", type_=sa.SmallInteger))
    .returning(_votes.c.id)
)
_CURRENT = sa.select(_votes.c.value).where(*_WHERE_MINE)
_INSERTS: dict[str, sa.Insert] = {}


def vote_target(idea_id: int) -> VoteTarget | None:
    """The idea as a vote needs it (one query, with its department's threshold)."""
    row = plain_rows(_TARGET, {"idea_id": idea_id}).first()
    return VoteTarget(*row) if row is not None else None


def _insert_statement() -> sa.Insert:
    """INSERT the vote unless the person has one already, returning its id if it did."""
    dialect = db.engine.dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _INSERTS[dialect] = (
            insert(_votes)
            .values(idea_id=sa.bindparam("idea"), user_id=sa.bindparam("voter"),
                    value=sa.bindparam("new_value"))
            .on_conflict_do_nothing(index_elements=[_votes.c.idea_id, _votes.c.user_id])
            .returning(_votes.c.id)
        )
    return statement


def _write_vote(idea_id: int, user_id: int, value: int) -> int:
    """Make the person's vote ``value``; return the vote it replaced (0: none).

    Returns ``value`` itself when nothing changed.
    """
    params = {"idea": idea_id, "voter": user_id, "new_value": value}
    execute = db.session.execute
    if value == 0:
        return execute(_RETRACT, params).scalar() or 0
    while True:
        if execute(_insert_statement(), params).first() is not None:
            return 0
        if execute(_SWITCH, params).first() is not None:
            return -value
        # Neither inserted nor switched: the vote is already ``value``, unless the same
        # person's other request deleted it between the two statements (PostgreSQL,
        # read committed); then try again.
        if execute(_CURRENT, params).scalar() == value:
            return value


def _delta(old: int, new: int) -> tuple[int, int]:
    """(change in upvotes, change in downvotes) going from ``old`` to ``new``."""
    return (new == 1) - (old == 1), (new == -1) - (old == -1)


def cast_vote(user: User, idea: VoteTarget, value: int) -> int:
    """Set the user's vote on the idea to +1, -1 or 0 (retract). Returns the new value.

    The target's counters take their new values (as does the session's Idea, if it holds
    one: ``ranking.bump_counters``). An idea whose net votes reach its department's
    threshold enters review. The caller has checked the policy ("idea.vote"). Flushes,
    never commits.
    """
    if value not in VALID_VALUES:
        raise VoteError("A vote is +1, -1 or 0.")
    old = _write_vote(idea.id, user.id, value)
    if old == value:
        return value
    up, down = _delta(old, value)
    counters = bump_counters(idea, up=up, down=down)
    idea.upvotes, idea.downvotes = counters.upvotes, counters.downvotes
    if enter_review_if_threshold_met(idea, idea.review_threshold):
        idea.status = IdeaStatus.IN_REVIEW  # what the answer to the vote reports
    return value

"""Sort keys for the idea list, kept in the idea row so every sort uses an index.

Top sorts by what every card shows: the net votes (supporters minus opposers), kept in
``net_score``. It once sorted by the Wilson score (the lower bound of the share of up
votes), which put an idea showing 3 above one showing 12; people could not tell why
(issue 13, item 10). The Wilson score stays: the review's merit reads it.

Trending is a "hot" score: the logarithm of the peer activity (net votes plus half the
comments) plus the idea's age term, so newer ideas need less activity to rank as high;
the age term is fixed at creation, so the score never needs recomputing as time passes.
A closed idea (``CLOSED``: implemented, declined, duplicate, withdrawn) and one with a
net score below zero sink below every other (``SUNK``): Trending is where people find
what they can still help along, and a new idea voted down must not top it for its
freshness alone. The status is part of the score, so the UPDATE that claims a change of
status sets the key too (``trending_in``, from ``review.workflow.transition``).

Counters and scores change together in ONE atomic UPDATE (``bump_counters``), so
concurrent voters never lose a vote and the scores always match the counts.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Protocol

import sqlalchemy as sa

from ideaboard.core.rows import keep_in_step
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus

Z = 1.959964  # 95% confidence
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# Seconds of age worth one order of magnitude of activity (12.5 hours).
TRENDING_HALF_LIFE = 45_000
COMMENT_WEIGHT = 0.5
# The statuses with no way out: the review's state machine has no change from them
# (tests/review/test_ranking_states.py checks it against review.workflow.TRANSITIONS).
CLOSED: frozenset[str] = frozenset({IdeaStatus.IMPLEMENTED, IdeaStatus.DECLINED,
                                    IdeaStatus.DUPLICATE, IdeaStatus.WITHDRAWN})
# Taken off the trending score of a closed or voted-down idea: the age term grows by
# about 700 a year, so a sunk idea stays below every other for a thousand years, and
# the sunk ones keep their own order among themselves.
SUNK = 1_000_000.0


def wilson(up: int, down: int) -> float:
    """Lower bound of the Wilson score interval for the share of up votes."""
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    return (p + Z * Z / (2 * n) - Z * math.sqrt((p * (1 - p) + Z * Z / (4 * n)) / n)) / (
        1 + Z * Z / n
    )


def age_term(created_at: datetime) -> float:
    """The trending score's age part: fixed when the idea is created."""
    return (created_at - EPOCH).total_seconds() / TRENDING_HALF_LIFE


def sinks(status: str, up: int, down: int) -> bool:
    """Whether an idea goes below all others in Trending: closed, or voted down."""
    return status in CLOSED or up < down


def trending(up: int, down: int, comments: int, created_at: datetime,
             status: str = IdeaStatus.OPEN) -> float:
    """The "hot" score of these counts for an idea created at ``created_at``, in
    ``status``."""
    activity = up - down + COMMENT_WEIGHT * comments
    sign = (activity > 0) - (activity < 0)
    sunk = SUNK if sinks(status, up, down) else 0.0
    return round(age_term(created_at) + sign * math.log10(max(abs(activity), 1)) - sunk, 6)


def _wilson_sql(up, down):
    n = up + down
    p = sa.cast(up, sa.Float) / n
    z2 = Z * Z
    return sa.case(
        (n == 0, 0.0),
        else_=(p + z2 / (2.0 * n) - Z * sa.func.sqrt((p * (1.0 - p) + z2 / (4.0 * n)) / n))
        / (1.0 + z2 / n),
    )


def _trending_sql(up, down, comments, age, closed):
    """``trending()`` in SQL; ``closed`` is a boolean SQL expression (the status)."""
    activity = up - down + COMMENT_WEIGHT * comments
    # log() is base 10 on both SQLite and PostgreSQL.
    magnitude = sa.func.log(sa.case((sa.func.abs(activity) < 1, 1.0),
                                          else_=sa.func.abs(activity)))
    signed = sa.case((activity > 0, magnitude), (activity < 0, -magnitude), else_=0.0)
    sunk = sa.case((sa.or_(closed, up < down), SUNK), else_=0.0)
    return age + signed - sunk


def _bump_statement() -> sa.Update:
    """The one UPDATE behind ``bump_counters``, built once with bound parameters.

    Building this expression (two CASEs, a square root, a logarithm) cost more than
    running it, and a statement object reused keeps its cache key, so each call only
    binds five numbers.
    """
    ideas = Idea.__table__
    up = sa.bindparam("up", type_=sa.Integer)
    down = sa.bindparam("down", type_=sa.Integer)
    comments = sa.bindparam("comments", type_=sa.Integer)
    age = sa.bindparam("age", type_=sa.Float)
    new_up = ideas.c.upvotes + up
    new_down = ideas.c.downvotes + down
    new_comments = ideas.c.comment_count + comments
    # RETURNING (SQLite 3.35+, PostgreSQL) hands back the new values in the same
    # statement, where a refresh would be one more SELECT.
    return (
        sa.update(ideas)
        .where(ideas.c.id == sa.bindparam("idea_id", type_=sa.Integer))
        .values(
            upvotes=new_up,
            downvotes=new_down,
            comment_count=new_comments,
            net_score=new_up - new_down,
            wilson_score=_wilson_sql(new_up, new_down),
            # SET reads the row as it was: the status is the idea's, unchanged here.
            trending_score=_trending_sql(new_up, new_down, new_comments, age,
                                         ideas.c.status.in_(sorted(CLOSED))),
        )
        .returning(*(ideas.c[key] for key in COUNTER_KEYS))
    )


# What ``bump_counters`` changes and returns, in this order.
COUNTER_KEYS = ("upvotes", "downvotes", "comment_count", "net_score", "wilson_score",
                "trending_score")
_BUMP = _bump_statement()


class Dated(Protocol):
    """An idea as its counters' UPDATE reads it: an :class:`Idea`, or the few columns a
    vote loads (``voting.services.VoteTarget``: the vote page loads no Idea)."""

    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...


def bump_counters(idea: Dated, *, up: int = 0, down: int = 0, comments: int = 0) -> sa.Row:
    """Add to the idea's vote/comment counters and refresh its sort keys, atomically.

    Returns the new values as a row with the attributes named in ``COUNTER_KEYS``; the
    session's :class:`Idea` of that id, if it holds one, takes them too
    (``core.rows.keep_in_step``).
    """
    # Core, not an ORM UPDATE: write the session's pending changes first as the ORM
    # statement's autoflush did, then skip the ORM's bulk-update machinery.
    db.session.flush()
    row = db.session.execute(_BUMP, {
        "idea_id": idea.id, "up": up, "down": down, "comments": comments,
        "age": age_term(idea.created_at),
    }).one()
    keep_in_step(Idea, idea.id, zip(COUNTER_KEYS, row, strict=True))
    return row


def initial_scores(idea: Idea) -> None:
    """Set the sort keys of a new idea (before its first flush)."""
    up, down = idea.upvotes or 0, idea.downvotes or 0
    idea.net_score = up - down
    idea.wilson_score = wilson(up, down)
    idea.trending_score = trending(up, down, idea.comment_count or 0, idea.created_at,
                                   idea.status or IdeaStatus.OPEN)


def trending_in(status: str, created_at: datetime) -> sa.ColumnElement[float]:
    """The trending key of an idea created at ``created_at`` once its status is
    ``status``, as an SQL expression of the row's counters: the UPDATE that changes the
    status sets it too (``review.workflow.transition``), so a vote landing meanwhile is
    not undone and it costs no statement of its own."""
    ideas = Idea.__table__
    return _trending_sql(ideas.c.upvotes, ideas.c.downvotes, ideas.c.comment_count,
                         sa.literal(age_term(created_at)),
                         sa.true() if status in CLOSED else sa.false())

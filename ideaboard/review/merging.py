"""Merging a duplicate idea into its target: votes and followers move, nobody counts twice.

Called by the workflow when an idea is marked a duplicate. Everything is set-based SQL
in the current transaction, and the counters of both ideas are recomputed from the
votes and follows tables afterwards, so they are exact whatever moved.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea
from ideaboard.ideas.ranking import bump_counters
from ideaboard.voting.models import Vote


def merge_duplicate(duplicate: Idea, target: Idea) -> None:
    """Move the duplicate's votes and followers to the target. Flushes.

    A voter of the duplicate who has not voted on the target keeps their vote, now on
    the target; every other vote of the duplicate is dropped (they already voted on the
    target, or they wrote the target and may not vote on it). Followers move the same
    way, and the duplicate's author follows the target so they hear what becomes of it.
    """
    db.session.flush()
    already_voted = sa.select(Vote.user_id).where(Vote.idea_id == target.id)
    db.session.execute(
        sa.update(Vote)
        .where(Vote.idea_id == duplicate.id, Vote.user_id.not_in(already_voted),
               Vote.user_id != target.author_id)
        .values(idea_id=target.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(Vote).where(Vote.idea_id == duplicate.id)
                       .execution_options(synchronize_session=False))

    following = sa.select(Follow.user_id).where(Follow.idea_id == target.id)
    db.session.execute(
        sa.update(Follow)
        .where(Follow.idea_id == duplicate.id, Follow.user_id.not_in(following))
        .values(idea_id=target.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(Follow).where(Follow.idea_id == duplicate.id)
                       .execution_options(synchronize_session=False))
    if db.session.get(Follow, (duplicate.author_id, target.id)) is None:
        db.session.add(Follow(user_id=duplicate.author_id, idea_id=target.id))
        db.session.flush()

    for idea in (duplicate, target):
        recount(idea)


def recount(idea: Idea) -> None:
    """Recompute the idea's vote and follower counters (and sort keys) from the tables."""
    votes = sa.select(sa.func.count(Vote.id)).where(Vote.idea_id == idea.id)
    db.session.execute(
        sa.update(Idea)
        .where(Idea.id == idea.id)
        .values(
            upvotes=votes.where(Vote.value == 1).scalar_subquery(),
            downvotes=votes.where(Vote.value == -1).scalar_subquery(),
            follower_count=sa.select(sa.func.count()).select_from(Follow)
            .where(Follow.idea_id == idea.id).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )
    # A zero bump recomputes the Wilson and trending keys from the new counts.
    bump_counters(idea)
    db.session.refresh(idea, ["follower_count"])

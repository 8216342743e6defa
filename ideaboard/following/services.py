"""Following and unfollowing ideas, with the idea's follower count kept exact."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import sqlalchemy as sa

from ideaboard.core.rows import rows
from ideaboard.extensions import db
from ideaboard.following.queries import FOLLOWS
from ideaboard.ideas.models import Follow, Idea
from ideaboard.ideas.services import after_submit

if TYPE_CHECKING:
    from ideaboard.accounts.models import User


def follow(user_id: int, idea_id: int) -> bool:
    """Make the user follow the idea; False if they already did. Flushes."""
    if db.session.get(Follow, (user_id, idea_id)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Follow(user_id=user_id, idea_id=idea_id))
    except sa.exc.IntegrityError:  # a concurrent request followed first
        return False
    db.session.execute(
        sa.update(Idea).where(Idea.id == idea_id).values(follower_count=Idea.follower_count + 1)
    )
    return True


@after_submit
def _author_follows(idea: Idea, author: User) -> None:
    """The author of a new idea follows it, to hear what becomes of it."""
    follow(author.id, idea.id)


def unfollow(user_id: int, idea_id: int) -> bool:
    """Stop following; False if the user did not follow the idea. Flushes."""
    # Session.execute is typed as any Result; for DML without RETURNING it is a CursorResult.
    result = cast(sa.CursorResult, db.session.execute(
        sa.delete(Follow).where(Follow.user_id == user_id, Follow.idea_id == idea_id)
    ))
    if not result.rowcount:
        return False
    db.session.execute(
        sa.update(Idea).where(Idea.id == idea_id).values(follower_count=Idea.follower_count - 1)
    )
    return True


def is_following(user_id: int, idea_id: int) -> bool:
    """Whether the user follows the idea (one query, no ORM object)."""
    return rows(FOLLOWS, {"user_id": user_id, "idea_id": idea_id}).first() is not None


def follower_ids(idea_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(Follow.user_id).where(Follow.idea_id == idea_id)))

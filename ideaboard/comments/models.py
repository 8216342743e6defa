"""Comments on ideas, with one level of replies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model
from ideaboard.ideas.models import Idea


class Comment(Model):
    __tablename__ = "comments"
    __table_args__ = (
        sa.Index("ix_comments_idea_created", "idea_id", "created_at"),
        sa.Index("ix_comments_author_id", "author_id"),
        # A page of threads reads the first replies of each by their parent.
        sa.Index("ix_comments_parent_created", "parent_id", "created_at"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Replies are one level deep: a reply's parent is always a top-level comment.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    body_md: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # shown as removed
    hidden: Mapped[bool] = mapped_column(default=False)  # by a moderator

    author: Mapped[User] = relationship()
    # Loaded from the identity map when the idea is already in the session (the idea page).
    idea: Mapped[Idea] = relationship()

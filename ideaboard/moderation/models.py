"""Flags raised on ideas and comments, and how moderators resolved them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.comments.models import Comment
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model
from ideaboard.ideas.models import Idea


class FlagResolution(StrEnum):
    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"


class Flag(Model):
    __tablename__ = "flags"
    __table_args__ = (
        sa.CheckConstraint(
            "(idea_id IS NULL) <> (comment_id IS NULL)", name="exactly_one_target"
        ),
        enum_check("resolution", [r.value for r in FlagResolution]),
        sa.Index("ix_flags_open", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(sa.String(16))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    idea: Mapped[Idea | None] = relationship()
    comment: Mapped[Comment | None] = relationship()

    @property
    def target(self) -> Idea | Comment:
        target = self.idea if self.idea_id is not None else self.comment
        if target is None:  # exactly_one_target and the foreign keys rule it out
            raise LookupError(f"flag {self.id} has neither an idea nor a comment")
        return target

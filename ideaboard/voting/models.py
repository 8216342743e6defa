"""Peer votes: one per person per idea, +1 or -1."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model


class Vote(Model):
    __tablename__ = "votes"
    __table_args__ = (
        sa.UniqueConstraint("idea_id", "user_id"),
        sa.CheckConstraint("value IN (-1, 1)", name="value_valid"),
        sa.Index("ix_votes_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

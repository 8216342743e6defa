"""Managers' merit scores and the idea timeline of status changes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.core.i18n import Text
from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model


class Review(Model):
    """One manager's scores for one idea (1-5 each) and a note only managers see."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("idea_id", "reviewer_id"),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
        sa.CheckConstraint("feasibility BETWEEN 1 AND 5", name="feasibility_range"),
        sa.CheckConstraint("effort BETWEEN 1 AND 5", name="effort_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    impact: Mapped[int] = mapped_column(sa.SmallInteger)
    feasibility: Mapped[int] = mapped_column(sa.SmallInteger)
    effort: Mapped[int] = mapped_column(sa.SmallInteger)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    reviewer: Mapped[User] = relationship()


class StatusChange(Model):
    """One step of an idea's timeline; written only by ideaboard.review.workflow."""

    __tablename__ = "status_changes"
    __table_args__ = (
        sa.Index("ix_status_changes_idea_created", "idea_id", "created_at"),
        # The analytics' decisions and trend: changes to a status within a period.
        sa.Index("ix_status_changes_to_created", "to_status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the system
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # A reason the system wrote (votes reached the threshold, an escalation), kept as its
    # sentence and values (core.i18n.Text) so each reader reads it in their language;
    # ``reason`` holds it in English. None for a person's own words.
    reason_text: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()

    @property
    def shown_reason(self) -> str:
        """The reason in the current language (a person's words as they wrote them)."""
        return str(Text.from_json(self.reason_text)) if self.reason_text else self.reason

    @property
    def reason_for_text(self) -> str | Text:
        """The reason as a value of another sentence (core.i18n.Text), still to be
        written in its reader's language."""
        return Text.from_json(self.reason_text) if self.reason_text else self.reason

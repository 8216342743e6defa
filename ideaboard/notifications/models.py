"""In-app notifications and the e-mail outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ideaboard.core.i18n import Text
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model


class NotificationKind(StrEnum):
    COMMENT = "comment"  # on an idea you follow
    REPLY = "reply"  # to your comment
    MENTION = "mention"
    STATUS_CHANGE = "status_change"
    REVIEW_ASSIGNED = "review_assigned"  # an idea entered or escalated to your queue
    FLAG = "flag"  # to moderators: someone flagged an idea or a comment
    MODERATED = "moderated"  # to an author: a moderator hid (or restored) their content
    WEBHOOK_FAILING = "webhook_failing"  # to admins: a webhook endpoint keeps failing
    CAMPAIGN = "campaign"  # to its audience: a campaign opened, or stopped taking ideas


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        enum_check("kind", [k.value for k in NotificationKind]),
        sa.CheckConstraint("group_count >= 1", name="group_count_positive"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL")
    )
    # A campaign's news (``CAMPAIGN``) leads to the campaign's page. Campaigns are
    # archived, never deleted: no ON DELETE.
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"))
    # Text is written when the event happens, already free of anonymous authors' names.
    # In English (what the API and old rows show) and, for a notification made since
    # languages came, its sentence and values (core.i18n.Text.as_json), written in each
    # reader's own language when shown (``text``).
    message: Mapped[str] = mapped_column(sa.String(300))
    message_text: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed: Mapped[bool] = mapped_column(default=False)
    # How many events this one unread notification stands for (services.notify groups).
    group_count: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def text(self) -> str:
        """What it says, in the current language (its English ``message`` if it was
        made before languages came)."""
        return shown_text(self.message, self.message_text)


def shown_text(message: str, message_text: dict | None) -> str:
    """A notification's words in the current language, from its two columns (the
    notification list reads them as a row, not as an object)."""
    return str(Text.from_json(message_text)) if message_text else message


class OutboxEmail(Model):
    """An e-mail waiting for the send-mail worker; nothing is lost if SMTP is down."""

    __tablename__ = "email_outbox"
    __table_args__ = (sa.Index("ix_email_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # The Message-ID header, chosen once when queued: every send of this row carries it,
    # so a resend after a crash is recognisably the same message (None only for rows
    # queued before the column existed; the worker gives them one as it claims them).
    message_id: Mapped[str | None] = mapped_column(sa.String(320))
    # What a notification e-mail is about and whom it is for, so that delivery can
    # withhold it if a moderator hid that idea or comment after it was queued
    # (``delivery.withheld``). Empty for every other e-mail.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"))

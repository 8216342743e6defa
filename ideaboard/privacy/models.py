"""What privacy keeps: data export requests with their archives, and the admins'
retention settings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model

# Defaults an install starts with, until an admin changes them (/admin/retention).
DEFAULT_READ_NOTIFICATION_DAYS = 90
DEFAULT_SENT_EMAIL_DAYS = 90
DEFAULT_EMAIL_BODY_DAYS = 30


class DataExport(Model):
    """One person's request for their data, then its archive.

    The archive (a ZIP of JSON files) is kept in the database, not in the instance
    folder: app servers are stateless and the worker that builds it may run on another
    machine than the server that hands it out, and an archive is small (one person's
    text, compressed). It is dropped as soon as it is downloaded, and the purge deletes
    expired requests. Only the SHA-256 of the link's token is kept, as for API tokens.
    """

    __tablename__ = "data_exports"
    __table_args__ = (
        # The worker's next job: the oldest request not built yet.
        sa.Index("ix_data_exports_pending", "ready_at", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the worker when the archive is built and the link e-mailed.
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    archive: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    size: Mapped[int] = mapped_column(default=0, server_default="0")


class RetentionSettings(Model):
    """How long the admins keep what is only a record (one row, id 1): read
    notifications, sent e-mails, and the bodies of sent e-mails (the text, often
    with someone's words in it, goes before the row that says a message was sent).
    ``flask --app ideaboard purge`` reads it."""

    __tablename__ = "retention_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("read_notification_days >= 1 AND sent_email_days >= 1 "
                           "AND email_body_days >= 1", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    read_notification_days: Mapped[int] = mapped_column(default=DEFAULT_READ_NOTIFICATION_DAYS)
    sent_email_days: Mapped[int] = mapped_column(default=DEFAULT_SENT_EMAIL_DAYS)
    email_body_days: Mapped[int] = mapped_column(default=DEFAULT_EMAIL_BODY_DAYS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

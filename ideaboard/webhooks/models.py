"""Webhook endpoints and the outbox of their deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model


class EndpointKind(StrEnum):
    GENERIC = "generic"  # the Standard Webhooks JSON event
    SLACK = "slack"  # a Slack incoming webhook: a Block Kit message
    TEAMS = "teams"  # a Teams workflow webhook: an Adaptive Card


class EventType(StrEnum):
    IDEA_CREATED = "idea.created"
    STATUS_CHANGED = "idea.status_changed"
    DECIDED = "idea.decided"
    COMMENT_CREATED = "comment.created"
    REVIEW_ESCALATED = "review.escalated"
    # Sent only by the "Send test event" button, to one endpoint, whatever its filter.
    TEST = "webhook.test"


class DeliveryState(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (a retry, or claimed until then)
    DELIVERED = "delivered"
    FAILED = "failed"  # given up: a 4xx, 410, too many attempts, a refused address
    WITHHELD = "withheld"  # not sent: its idea was hidden, or its endpoint is inactive


class WebhookEndpoint(Model):
    """Where events are posted. ``secret`` signs each delivery (Standard Webhooks,
    ``whsec_`` + base64): it must be kept to sign, and is shown to the admin only once."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        enum_check("kind", [k.value for k in EndpointKind]),
        sa.CheckConstraint("consecutive_failures >= 0", name="failures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    kind: Mapped[str] = mapped_column(sa.String(16), default=EndpointKind.GENERIC.value)
    # The event types it receives, space-separated (EventType values).
    events: Mapped[str] = mapped_column(sa.String(300))
    # Only this department's ideas (and its sub-departments'); None: the whole company.
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # Failed attempts in a row (a success resets it); at the configured number the
    # endpoint is marked failing and the admins are told.
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    failing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Why the endpoint was switched off by delivery (a 410 Gone), if it was.
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    def receives(self, event: str) -> bool:
        return event in self.events.split()


class WebhookDelivery(Model):
    """One event for one endpoint, waiting for the worker (like the e-mail outbox).

    ``payload`` is the event as JSON, written in the transaction of the change it tells
    of; the body sent is that JSON (generic) or the channel's message made from it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        enum_check("state", [s.value for s in DeliveryState]),
        sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    # The webhook-id header: the same for every attempt, so receivers can drop copies.
    message_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[str] = mapped_column(sa.Text)
    # What it is about, checked again before sending (a moderator may hide it since).
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(16), default=DeliveryState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column()
    latency_ms: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

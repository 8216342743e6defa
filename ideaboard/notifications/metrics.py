"""The e-mail outbox at scrape time (``core.metrics``): how much waits, and how long."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from ideaboard.notifications.models import OutboxEmail
from ideaboard.notifications.worker import MAX_ATTEMPTS


def outbox_query():
    """One pass over the unsent rows (index ``ix_email_outbox_pending``): those still
    to be sent, the oldest of them, and those the worker gave up on."""
    pending = OutboxEmail.attempts < MAX_ATTEMPTS
    return (
        sa.select(sa.func.count().filter(pending),
                  sa.func.min(OutboxEmail.created_at).filter(pending),
                  sa.func.count().filter(sa.not_(pending)))
        .where(OutboxEmail.sent_at.is_(None))
    )


def outbox_metrics(connection: sa.Connection, now: datetime) -> Iterator[Metric]:
    """``ideaboard_outbox_pending``, ``ideaboard_outbox_oldest_pending_seconds`` (0 when
    nothing waits) and ``ideaboard_outbox_given_up``."""
    pending, oldest, given_up = connection.execute(outbox_query()).one()
    yield GaugeMetricFamily("ideaboard_outbox_pending",
                            "E-mails waiting to be sent (unsent, not given up).",
                            value=pending or 0)
    yield GaugeMetricFamily(
        "ideaboard_outbox_oldest_pending_seconds",
        "Seconds since the oldest waiting e-mail was queued; 0 when none waits.",
        value=max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)
    yield GaugeMetricFamily("ideaboard_outbox_given_up",
                            f"Unsent e-mails the worker gave up on after {MAX_ATTEMPTS} "
                            "attempts (they stay in the table with their last error).",
                            value=given_up or 0)

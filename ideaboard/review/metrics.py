"""Overdue reviews at scrape time (``core.metrics``): no idea dies in an inbox unseen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from ideaboard.ideas.models import Idea, IdeaStatus


def overdue_query(now: datetime):
    """Ideas still in review past their due date (``review_due_at``, the department's
    SLA from when the idea entered review, kept through escalations, as the review
    worklists show "5 days overdue"): how many, and the earliest due date."""
    return (
        sa.select(sa.func.count(), sa.func.min(Idea.review_due_at))
        .where(Idea.status == IdeaStatus.IN_REVIEW.value, Idea.review_due_at <= now)
    )


def overdue_review_metrics(connection: sa.Connection, now: datetime) -> Iterator[Metric]:
    """``ideaboard_reviews_overdue`` and ``ideaboard_review_oldest_overdue_seconds`` (how
    long past its due date the most overdue review is; 0 when none is)."""
    count, earliest = connection.execute(overdue_query(now)).one()
    yield GaugeMetricFamily("ideaboard_reviews_overdue",
                            "Ideas in review past their due date (escalated ones included).",
                            value=count or 0)
    yield GaugeMetricFamily(
        "ideaboard_review_oldest_overdue_seconds",
        "Seconds the most overdue review is past its due date; 0 when none is overdue.",
        value=max((now - earliest).total_seconds(), 0.0) if earliest is not None else 0.0)

"""What the worker keeps in the database: each worker's heartbeat, and the shared
schedule of the jobs that run once for all workers (escalation, digests)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model


class WorkerHeartbeat(Model):
    """One ``flask worker`` process: written when it starts, every few seconds while it
    runs (``seen_at``), and once more when it stops (``stopped_at``). A worker that
    died without stopping is one whose ``seen_at`` has fallen behind."""

    __tablename__ = "worker_heartbeats"

    # host:pid:start, so a restarted process (the same pid, later) is a new worker.
    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    hostname: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    jobs_run: Mapped[int] = mapped_column(default=0)
    jobs_failed: Mapped[int] = mapped_column(default=0)
    # The job in hand when last seen, and since when: a job far older than its
    # neighbours' is one that hangs, though the heartbeat still beats.
    current_job: Mapped[str | None] = mapped_column(sa.String(80))
    job_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduledJob(Model):
    """When a shared job is next due, for all workers at once: the worker that runs it
    moves ``due_at`` on in the same transaction as the job's work, so it runs once per
    due time however many workers watch it."""

    __tablename__ = "worker_schedule"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker (WorkerHeartbeat.id) that ran it last, and what it did.
    last_worker_id: Mapped[str | None] = mapped_column(sa.String(255))
    last_done: Mapped[int | None]

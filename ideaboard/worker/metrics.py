"""The workers at scrape time (``core.metrics``): which are alive, what they are doing,
and when each shared job last ran, so an alert can fire on a worker gone quiet or a job
that stopped running."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from ideaboard.worker.models import ScheduledJob, WorkerHeartbeat
from ideaboard.worker.queries import stale_after


def _seconds(now: datetime, then: datetime | None) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


def heartbeat_metrics(connection: sa.Connection, now: datetime) -> Iterator[Metric]:
    """``ideaboard_workers_live``; per worker not stopped (live, or silent and taken for
    dead): ``ideaboard_worker_heartbeat_age_seconds``, ``ideaboard_worker_jobs_run``,
    ``ideaboard_worker_jobs_failed`` and ``ideaboard_worker_job_running_seconds`` (0 when
    idle); per shared job, ``ideaboard_job_last_run_age_seconds``."""
    stale = now - stale_after()
    # Workers that stopped cleanly are history; a silent one stays until pruned (a week),
    # so a worker that died shows as an ever older heartbeat.
    rows = connection.execute(
        sa.select(WorkerHeartbeat.id, WorkerHeartbeat.seen_at, WorkerHeartbeat.jobs_run,
                  WorkerHeartbeat.jobs_failed, WorkerHeartbeat.current_job,
                  WorkerHeartbeat.job_started_at)
        .where(WorkerHeartbeat.stopped_at.is_(None))
        .order_by(WorkerHeartbeat.id)).all()
    yield GaugeMetricFamily("ideaboard_workers_live",
                            "Workers running: not stopped, heartbeat seen within three "
                            "heartbeat periods.",
                            value=sum(1 for row in rows if row.seen_at >= stale))
    age = GaugeMetricFamily("ideaboard_worker_heartbeat_age_seconds",
                            "Seconds since each worker not stopped last beat; above three "
                            "heartbeat periods it is taken for dead.", labels=["worker"])
    run = GaugeMetricFamily("ideaboard_worker_jobs_run",
                            "Jobs each worker has run since it started.", labels=["worker"])
    failed = GaugeMetricFamily("ideaboard_worker_jobs_failed",
                               "Jobs that raised, per worker, since it started.",
                               labels=["worker"])
    running = GaugeMetricFamily("ideaboard_worker_job_running_seconds",
                                "How long each worker's job in hand has run; 0 when idle "
                                "(a large value is a hung job).", labels=["worker", "job"])
    for row in rows:
        age.add_metric([row.id], _seconds(now, row.seen_at))
        run.add_metric([row.id], row.jobs_run)
        failed.add_metric([row.id], row.jobs_failed)
        running.add_metric([row.id, row.current_job or ""],
                           _seconds(now, row.job_started_at) if row.current_job else 0.0)
    yield from (age, run, failed, running)
    last = GaugeMetricFamily("ideaboard_job_last_run_age_seconds",
                             "Seconds since each shared job (escalation, digests) last ran "
                             "in any worker.", labels=["job"])
    for name, last_run_at in connection.execute(
            sa.select(ScheduledJob.name, ScheduledJob.last_run_at)
            .where(ScheduledJob.last_run_at.is_not(None)).order_by(ScheduledJob.name)):
        last.add_metric([name], _seconds(now, last_run_at))
    yield last

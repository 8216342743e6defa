"""What the workers' heartbeats say, for the metrics endpoint and operators.

Each read is one small indexed query (the heartbeats of the last week, pruned as workers
start), run in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ideaboard.extensions import db
from ideaboard.worker.models import ScheduledJob, WorkerHeartbeat

# A worker unseen for this many heartbeat periods is taken for dead (killed, its
# machine gone): it can no longer be doing anything.
MISSED_BEATS_FOR_DEAD = 3


def stale_after() -> timedelta:
    """How long after its last heartbeat a worker that has not stopped counts as dead."""
    return timedelta(seconds=MISSED_BEATS_FOR_DEAD
                     * float(current_app.config["WORKER_HEARTBEAT_SECONDS"]))


def heartbeats() -> Sequence[WorkerHeartbeat]:
    """Every worker's heartbeat kept (the last week's), the most recently seen first."""
    return db.session.scalars(
        sa.select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc(),
                                            WorkerHeartbeat.id)).all()


def live_workers(now: datetime) -> Sequence[WorkerHeartbeat]:
    """The workers running at ``now``: not stopped, and seen within ``stale_after()``."""
    return db.session.scalars(
        sa.select(WorkerHeartbeat)
        .where(WorkerHeartbeat.stopped_at.is_(None),
               WorkerHeartbeat.seen_at >= now - stale_after())
        .order_by(WorkerHeartbeat.started_at, WorkerHeartbeat.id)).all()


def schedule() -> Sequence[ScheduledJob]:
    """The shared jobs' schedule: when each last ran (and by which worker), when it is due."""
    return db.session.scalars(sa.select(ScheduledJob).order_by(ScheduledJob.name)).all()

"""The worker's loop: run each job when it is due, beat a heartbeat, stop cleanly.

One :class:`Worker` per process (``flask --app ideaboard worker``). Its main thread runs
the jobs (``jobs.JOBS``) one after another, each run in its own short units of work and
never with a transaction open while it waits on anything but the database (the mail job
sends outside any transaction). Between runs it sleeps until the next job is due, at
most ``WORKER_POLL_SECONDS``, the mail job's period.

**Why a poll and not PostgreSQL's LISTEN/NOTIFY.** A one-second poll of the outbox is
one indexed read (``ix_email_outbox_pending``) a second per worker, and it works the same
on SQLite and behind PgBouncer in transaction mode, where a LISTEN registered on one
server connection is lost as soon as the transaction ends and the connection goes back
to the pool. NOTIFY would save at most a second of latency on e-mail, which nobody reads
within the second anyway.

**Several workers.** The mail job claims each message before sending it; the shared jobs
(escalation, digests) run inside an exclusive unit of work that reads and moves on their
due time in ``worker_schedule`` (see ``jobs``). Any number of workers can run side by
side, on any number of machines, and nothing is done twice.

**Heartbeats.** A thread of its own writes the worker's ``worker_heartbeats`` row every
``WORKER_HEARTBEAT_SECONDS``, in its own short transaction, even while a long job runs:
when it was last seen, the jobs run and failed, the job in hand and since when
(``queries.live_workers`` reads them for the metrics).

**Failures.** A job that raises is logged with its traceback and counted, and waits
before its next try (doubling from ``FAILURE_WAIT`` up to ``FAILURE_WAIT_MAX``); the other
jobs go on. A database that cannot be reached (an outage, a restart, a failover) stops
the round: the worker logs it once, waits (doubling from one second up to
``OUTAGE_WAIT_MAX``), and carries on where it was when the database answers again.

**Stopping.** :meth:`Worker.stop` (the command calls it on SIGTERM and SIGINT) lets the
job in hand finish (the mail job finishes the message it holds and leaves the rest for
the next worker), then writes ``stopped_at`` and returns. The longest wait is one
message's delivery, bounded by the SMTP timeouts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from ideaboard.core.transactions import unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.worker import jobs as registry
from ideaboard.worker.jobs import Job, JobContext, Outcome
from ideaboard.worker.models import ScheduledJob, WorkerHeartbeat

log = logging.getLogger("ideaboard.worker")

FAILURE_WAIT = timedelta(seconds=5)
FAILURE_WAIT_MAX = timedelta(minutes=5)
OUTAGE_WAIT_MAX = 30.0
# Heartbeats of workers stopped (or silent) this long ago are deleted as a worker starts.
KEEP_HEARTBEATS = timedelta(days=7)
# The longest the final heartbeat waits for the heartbeat thread to finish its write.
THREAD_JOIN_TIMEOUT = 20.0


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached or used just now (as
    opposed to a bug or a refused statement): the worker waits and tries again."""
    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def new_worker_id(hostname: str, pid: int, started_at: datetime) -> str:
    """``host:pid:start``: unique across machines, and across restarts of one pid."""
    return f"{hostname}:{pid}:{started_at:%Y%m%dT%H%M%S.%fZ}"


class Worker:
    """The loop of one worker process over ``jobs`` (every registered job by default)."""

    def __init__(self, app: Flask, jobs: Iterable[Job] | None = None, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.app = app
        self.jobs = list(registry.JOBS.values() if jobs is None else jobs)
        self.clock = clock
        self.poll_seconds = float(app.config["WORKER_POLL_SECONDS"])
        self.heartbeat_seconds = float(app.config["WORKER_HEARTBEAT_SECONDS"])
        self.started_at = clock()
        self.hostname, self.pid = socket.gethostname()[:200], os.getpid()
        self.id = new_worker_id(self.hostname, self.pid, self.started_at)
        self.jobs_run = 0
        self.jobs_failed = 0
        self._current: tuple[str, datetime] | None = None
        self._next_at: dict[str, datetime] = {}
        self._failures: dict[str, int] = {}
        self._outage_wait = 0.0
        self._stop = threading.Event()
        self._beats_stop = threading.Event()
        # Counters and the job in hand are read by the heartbeat thread.
        self._lock = threading.Lock()

    # --- control -------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the worker to stop after the job in hand (safe from a signal handler)."""
        self._stop.set()

    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, once: bool = False) -> None:
        """Run until :meth:`stop` (or, with ``once``, run every job that is due now once).

        Needs no app context: it pushes its own."""
        with self.app.app_context():
            self._start()
            beats = threading.Thread(target=self._beat_until_stopped, daemon=True,
                                     name="worker-heartbeat")
            if not once:
                beats.start()
            try:
                while not self.stopping():
                    self._run_round()
                    if once:
                        break
                    self._stop.wait(self._seconds_to_next())
            finally:
                self._beats_stop.set()
                if beats.is_alive():
                    beats.join(THREAD_JOIN_TIMEOUT)
                self._finish()

    # --- one round -----------------------------------------------------------------

    def _run_round(self) -> None:
        """Run each job that is due, in order, until one finds the database down."""
        for job in self.jobs:
            if self.stopping():
                return
            now = self.clock()
            if self._next_at.get(job.name, now) > now:
                continue
            try:
                self._next_at[job.name] = self._run_job(job, now)
            except Exception as error:
                db.session.remove()  # whatever state it left, the next unit starts clean
                self._count(failed=True)
                if database_unavailable(error):
                    self._wait_for_database(error)
                    return
                self._failures[job.name] = failures = self._failures.get(job.name, 0) + 1
                wait = min(FAILURE_WAIT * 2 ** (failures - 1), FAILURE_WAIT_MAX)
                log.exception("%s failed (%d in a row); next try in %d s",
                              job.name, failures, wait.total_seconds())
                self._next_at[job.name] = self.clock() + wait
            else:
                self._failures.pop(job.name, None)
                if self._outage_wait:
                    log.info("the database answers again; carrying on")
                    self._outage_wait = 0.0

    def _run_job(self, job: Job, now: datetime) -> datetime:
        """Run ``job`` if it is due; when it is next due."""
        if job.shared:
            due = self._shared_due_at(job)
            if due is not None and due > now:
                return due  # another worker ran it
        with self._lock:
            self._current = (job.name, now)
        started = time.monotonic()
        try:
            context = JobContext(now=now, clock=self.clock, stopping=self.stopping)
            if job.shared:
                ran = self._run_shared(job, context)
                if ran is None:
                    return self._shared_due_at(job) or now  # someone came first
                outcome, next_due = ran
            else:
                outcome = job.run(context)
                next_due = (now + outcome.retry_after if outcome.retry_after
                            else job.schedule.next_due(self.app.config, now))
        finally:
            with self._lock:
                self._current = None
        self._count(failed=False)
        seconds = time.monotonic() - started
        if outcome.retry_after:
            log.warning("%s: %s (next try in %d s)", job.name, outcome.summary,
                        outcome.retry_after.total_seconds())
        elif outcome.done:
            log.info("%s: %s (%.2f s)", job.name, outcome.summary, seconds)
        return next_due

    def _shared_due_at(self, job: Job) -> datetime | None:
        """When a shared job is next due, as the schedule says (None: never run yet)."""
        with unit_of_work(writes=False):
            return db.session.scalar(
                sa.select(ScheduledJob.due_at).where(ScheduledJob.name == job.name))

    def _run_shared(self, job: Job, context: JobContext) -> tuple[Outcome, datetime] | None:
        """Run a shared job and move its due time on, in one exclusive unit of work;
        None if another worker had run it by the time this one held the lock."""
        with unit_of_work(exclusive=f"worker:{job.name}"):
            # Read after the lock is held, so a run that committed meanwhile is seen.
            row = db.session.get(ScheduledJob, job.name, populate_existing=True)
            if row is not None and row.due_at > context.now:
                return None
            if row is None and job.waits_for_first_due_time:
                # A new install: the schedule starts now; the first run is the next due.
                next_due = job.schedule.next_due(self.app.config, context.now)
                db.session.add(ScheduledJob(name=job.name, due_at=next_due))
                return Outcome(), next_due
            outcome = job.run(context)
            next_due = (context.now + outcome.retry_after if outcome.retry_after
                        else job.schedule.next_due(self.app.config, context.now))
            if row is None:
                row = ScheduledJob(name=job.name)
                db.session.add(row)
            row.due_at, row.last_run_at = next_due, context.now
            row.last_worker_id, row.last_done = self.id, outcome.done
        return outcome, next_due

    def _count(self, *, failed: bool) -> None:
        with self._lock:
            if failed:
                self.jobs_failed += 1
            else:
                self.jobs_run += 1

    def _wait_for_database(self, error: BaseException) -> None:
        self._outage_wait = min(max(self._outage_wait * 2, 1.0), OUTAGE_WAIT_MAX)
        log.warning("the database is unavailable (%s); trying again in %g s",
                    getattr(error, "orig", None) or error, self._outage_wait)
        self._stop.wait(self._outage_wait)

    def _seconds_to_next(self) -> float:
        """How long to sleep: until the next job is due, at most one poll period."""
        now = self.clock()
        upcoming = [self._next_at.get(job.name, now) for job in self.jobs]
        wait = (min(upcoming) - now).total_seconds() if upcoming else self.poll_seconds
        return max(0.0, min(wait, self.poll_seconds))

    # --- heartbeats ------------------------------------------------------------------

    def _start(self) -> None:
        described = ", ".join(
            f"{job.name} ({job.schedule.describe(self.app.config)}"
            f"{', once for all workers' if job.shared else ''})" for job in self.jobs)
        log.info("worker %s started: %s", self.id, described)
        try:
            with unit_of_work():
                forget_before = self.clock() - KEEP_HEARTBEATS
                db.session.execute(sa.delete(WorkerHeartbeat).where(sa.or_(
                    WorkerHeartbeat.stopped_at < forget_before,
                    WorkerHeartbeat.seen_at < forget_before)))
                self._write_beat()
        except Exception as error:
            db.session.remove()
            if not database_unavailable(error):
                raise
            # The loop waits for the database; the heartbeat thread writes the row then.
            log.warning("the database is unavailable (%s); waiting for it",
                        getattr(error, "orig", None) or error)

    def _beat_until_stopped(self) -> None:
        with self.app.app_context():
            while not self._beats_stop.wait(self.heartbeat_seconds):
                try:
                    with unit_of_work():
                        self._write_beat()
                except Exception as error:  # the loop reports outages; keep beating
                    log.debug("heartbeat not written: %s", error)
                finally:
                    db.session.remove()

    def _write_beat(self, *, stopped: bool = False) -> None:
        """Write this worker's heartbeat row (inserted on the first beat). Flushes."""
        now = self.clock()
        with self._lock:
            counts = {"jobs_run": self.jobs_run, "jobs_failed": self.jobs_failed}
            current, since = self._current or (None, None)
        row = db.session.get(WorkerHeartbeat, self.id, populate_existing=True)
        if row is None:
            row = WorkerHeartbeat(id=self.id, hostname=self.hostname, pid=self.pid,
                                  started_at=self.started_at)
            db.session.add(row)
        row.seen_at, row.jobs_run, row.jobs_failed = now, counts["jobs_run"], counts["jobs_failed"]
        row.current_job, row.job_started_at = current, since
        if stopped:
            row.stopped_at = now
        db.session.flush()

    def _finish(self) -> None:
        """Record the stop (a few tries if the database is away), and say so."""
        for attempt in range(3):
            try:
                with unit_of_work():
                    self._write_beat(stopped=True)
                break
            except Exception as error:
                db.session.remove()
                if attempt == 2 or not database_unavailable(error):
                    log.warning("could not record the stop of worker %s: %s", self.id, error)
                    break
                time.sleep(1.0)
        log.info("worker %s stopped: %d job runs, %d failed", self.id, self.jobs_run,
                 self.jobs_failed)

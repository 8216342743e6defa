"""The worker's loop in-process (``ideaboard.worker.services.Worker``) on the suite's
database: a failing job does not stop the others, shared jobs run once per due time
whichever worker comes first (with an injected clock, as the escalation tests use), a
database that refuses is waited out, and the command's ``--once`` and ``--only``."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.notifications.models import OutboxEmail
from ideaboard.notifications.services import notify
from ideaboard.worker.jobs import JOBS, DailyAt, Every, Job, JobContext, Outcome
from ideaboard.worker.models import ScheduledJob, WorkerHeartbeat
from ideaboard.worker.queries import heartbeats, live_workers, schedule
from ideaboard.worker.services import Worker
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea

T0 = utcnow().replace(microsecond=0) + timedelta(days=30)


def at(moment: datetime):
    return lambda: moment


class Running:
    """A worker's loop in a thread of its own, stopped (and joined) on leaving."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.thread = threading.Thread(target=worker.run, daemon=True)

    def __enter__(self) -> Worker:
        self.thread.start()
        return self.worker

    def __exit__(self, *_exc) -> None:
        self.worker.stop()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the worker did not stop"


def wait_until(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_job_that_raises_is_logged_and_counted_and_the_others_go_on(app, caplog):
    runs = {"boom": 0, "tick": 0}

    def boom(_context: JobContext) -> Outcome:
        runs["boom"] += 1
        raise ValueError("a bug in a job")

    def tick(_context: JobContext) -> Outcome:
        runs["tick"] += 1
        return Outcome(1, "ticked")

    app.config["WORKER_POLL_SECONDS"] = 0.02
    worker = Worker(app, [Job("boom", boom, Every("WORKER_POLL_SECONDS")),
                          Job("tick", tick, Every("WORKER_POLL_SECONDS"))])
    with caplog.at_level(logging.INFO, "ideaboard.worker"), Running(worker):
        wait_until(lambda: runs["tick"] >= 5, 5)
    # It failed once and waits before trying again (FAILURE_WAIT); the loop went on.
    assert runs["boom"] == 1
    assert worker.jobs_failed == 1 and worker.jobs_run >= 5
    failure = next(r for r in caplog.records if r.getMessage().startswith("boom failed"))
    assert failure.levelno == logging.ERROR and "a bug in a job" in caplog.text
    assert "tick: ticked" in caplog.text
    db.session.commit()
    row = db.session.get_one(WorkerHeartbeat, worker.id)
    assert row.stopped_at is not None and row.jobs_failed == 1 and row.jobs_run >= 5


def test_a_shared_job_runs_once_per_due_time_whichever_worker_comes_first(
        app, it_department, manager):
    author = UserFactory(email="author@example.com", department=it_department)
    idea = make_idea(author, it_department, status="in_review")
    idea.escalates_at = T0
    db.session.commit()
    escalate = [JOBS["escalate"]]
    first, second = Worker(app, escalate, clock=at(T0)), Worker(app, escalate, clock=at(T0))

    first.run(once=True)
    second.run(once=True)  # the same instant: no longer due
    db.session.commit()
    [entry] = schedule()
    assert entry.last_worker_id == first.id and entry.last_done == 1
    assert entry.due_at == T0 + timedelta(seconds=app.config["WORKER_ESCALATE_SECONDS"])
    assert db.session.get_one(Idea, idea.id, populate_existing=True).escalation_level == 1

    # Half a period later, still not due; once the period is over, whoever comes runs it.
    Worker(app, escalate, clock=at(T0 + timedelta(seconds=30))).run(once=True)
    db.session.commit()
    assert db.session.get_one(ScheduledJob, "escalate", populate_existing=True
                              ).last_worker_id == first.id
    later = Worker(app, escalate, clock=at(T0 + timedelta(seconds=61)))
    later.run(once=True)
    db.session.commit()
    entry = db.session.get_one(ScheduledJob, "escalate", populate_existing=True)
    assert entry.last_worker_id == later.id and entry.last_done == 0


def test_daily_digests_are_queued_once_a_day_at_the_configured_hour(app, it_department):
    reader = UserFactory(email="daily@example.com", email_frequency="daily")
    digests = [JOBS["send-digests"]]

    def digests_queued() -> int:
        db.session.commit()
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)
                                 .where(OutboxEmail.to_address == reader.email))

    notify([reader.id], "status_change", "News one")
    db.session.commit()
    now = utcnow()
    # Two workers at once: one digest (the first run on a new install is at once).
    Worker(app, digests, clock=at(now)).run(once=True)
    Worker(app, digests, clock=at(now)).run(once=True)
    assert digests_queued() == 1
    [entry] = schedule()
    assert entry.due_at == DailyAt("DIGEST_HOUR").next_due(app.config, now)
    assert entry.due_at.hour == app.config["DIGEST_HOUR"] and entry.due_at > now

    notify([reader.id], "status_change", "News two")
    db.session.commit()
    Worker(app, digests, clock=at(entry.due_at - timedelta(seconds=1))).run(once=True)
    assert digests_queued() == 1  # not before the hour
    Worker(app, digests, clock=at(entry.due_at)).run(once=True)
    assert digests_queued() == 2


def test_daily_at_is_the_next_such_hour_after_the_moment():
    seven = DailyAt("DIGEST_HOUR")
    config = {"DIGEST_HOUR": 7}
    day = datetime(2026, 3, 1, tzinfo=UTC)
    assert seven.next_due(config, day.replace(hour=6, minute=59)) == day.replace(hour=7)
    assert seven.next_due(config, day.replace(hour=7)) == day.replace(day=2, hour=7)
    assert seven.next_due(config, day.replace(hour=23)) == day.replace(day=2, hour=7)
    assert seven.describe(config) == "daily at 07:00 UTC"


def test_heartbeats_tell_live_workers_from_stopped_and_silent_ones(app):
    app.config["WORKER_HEARTBEAT_SECONDS"] = 0.05
    worker = Worker(app, [])
    with Running(worker):
        wait_until(lambda: _seen(worker.id) is not None, 5)
        first = _seen(worker.id)
        wait_until(lambda: (_seen(worker.id) or first) > first, 5)  # it beats
        db.session.commit()
        assert [w.id for w in live_workers(utcnow())] == [worker.id]
        # Silent for three beats (killed without stopping): no longer live.
        assert live_workers(utcnow() + timedelta(seconds=1)) == []
    db.session.commit()
    assert live_workers(utcnow()) == []
    [row] = heartbeats()
    assert row.id == worker.id and row.stopped_at is not None


def _seen(worker_id: str) -> datetime | None:
    row = _row(worker_id)
    return row.seen_at if row else None


def test_worker_once_runs_the_due_jobs_and_only_those_asked_for(runner, it_department,
                                                                manager):
    author = UserFactory(email="author@example.com", department=it_department)
    idea = make_idea(author, it_department, status="in_review")
    idea.escalates_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    result = runner.invoke(args=["worker", "--once", "--only", "escalate"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    assert db.session.get_one(Idea, idea.id, populate_existing=True).escalation_level == 1
    assert [entry.name for entry in schedule()] == ["escalate"]

    result = runner.invoke(args=["worker", "--once", "--only", "webhooks"])
    assert result.exit_code != 0 and "no job webhooks" in result.output


def test_worker_poll_sets_how_often_mail_is_looked_for(app, runner, caplog):
    with caplog.at_level(logging.INFO, "ideaboard.worker"):
        result = runner.invoke(args=["worker", "--once", "--poll", "0.25"])
    assert result.exit_code == 0, result.output
    assert "send-mail (every 0.25 s)" in caplog.text
    assert app.config["WORKER_POLL_SECONDS"] == 0.25


def test_a_database_that_refuses_is_waited_out(app, database_url, caplog, tmp_path):
    # Its own app: the refusal (a lock wait that times out) must come quickly.
    from ideaboard import create_app
    from ideaboard.notifications.mail import queue_email

    queue_email("someone@example.com", "Hello", "A message.")
    db.session.commit()
    options = ({"connect_args": {"timeout": 0.2}} if database_url.startswith("sqlite")
               else {"connect_args": {"options": "-c lock_timeout=200"}})
    impatient = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                            "SQLALCHEMY_ENGINE_OPTIONS": options,
                            "WORKER_POLL_SECONDS": 0.05, "MAIL_FOLDER": str(tmp_path)},
                           env="testing")
    if database_url.startswith("sqlite"):
        import sqlite3

        blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"),
                                  isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        blocker = psycopg.connect(database_url.replace("+psycopg", ""))
        blocker.execute("LOCK TABLE email_outbox IN ACCESS EXCLUSIVE MODE")
    worker = Worker(impatient, [JOBS["send-mail"]])
    try:
        with caplog.at_level(logging.INFO, "ideaboard"), Running(worker):
            wait_until(lambda: "trying again in" in caplog.text, 10)
            assert not list(tmp_path.glob("*.eml"))
            blocker.close()
            wait_until(lambda: list(tmp_path.glob("*.eml")), 10)
    finally:
        blocker.close()
        with impatient.app_context():
            db.engine.dispose()
    assert "the database answers again" in caplog.text
    assert worker.jobs_failed >= 1


def test_the_heartbeat_names_the_job_in_hand_while_it_runs(app):
    """A long job does not silence the heartbeat, which says what the worker is doing."""
    release, entered = threading.Event(), threading.Event()

    def slow(_context: JobContext) -> Outcome:
        entered.set()
        release.wait(10)
        return Outcome(1, "done slowly")

    app.config["WORKER_HEARTBEAT_SECONDS"] = 0.05
    worker = Worker(app, [Job("slow", slow, Every("WORKER_ESCALATE_SECONDS"))])
    with Running(worker):
        assert entered.wait(5)
        wait_until(lambda: _row(worker.id) is not None
                   and _row(worker.id).current_job == "slow", 5)
        row = _row(worker.id)
        assert row.job_started_at is not None and row.job_started_at <= row.seen_at
        release.set()
        wait_until(lambda: _row(worker.id).current_job is None, 5)
    row = _row(worker.id)
    assert row.jobs_run == 1 and row.stopped_at is not None


def _row(worker_id: str) -> WorkerHeartbeat | None:
    """The worker's heartbeat as it is now (a fresh transaction sees its last write)."""
    db.session.commit()
    return db.session.get(WorkerHeartbeat, worker_id, populate_existing=True)

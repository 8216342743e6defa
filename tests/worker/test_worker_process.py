"""The real ``flask --app ideaboard worker`` in subprocesses, on the suite's database
(a SQLite file, or PostgreSQL with IDEABOARD_TEST_DATABASE_URL), delivering to a real
SMTP server (aiosmtpd): new e-mail within two seconds, an overdue review escalated,
two workers side by side sending each message once, and SIGTERM honoured mid-work.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ideaboard.core.transactions import unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.notifications.mail import queue_email
from ideaboard.notifications.models import OutboxEmail
from ideaboard.worker.models import WorkerHeartbeat
from ideaboard.worker.queries import live_workers
from tests.helpers.factories import UserFactory
from tests.helpers.ports import free_port
from tests.helpers.review import make_idea
from tests.helpers.smtp import SMTPServer
from tests.helpers.workers import WorkerProcess


@pytest.fixture
def smtp():
    server = SMTPServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(app, database_url, smtp):
    """Start worker subprocesses on the suite's database; all are gone afterwards."""
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        process = WorkerProcess(database_url, smtp.port, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def queue(count: int, prefix: str = "Hello") -> list[str]:
    """Queue ``count`` e-mails and commit; their Message-IDs. In a writing unit of work,
    as the app writes: it takes the SQLite write lock as it begins, so it waits behind
    the worker's writes. (A write in the transaction of an earlier read fails at once
    with "database is locked" if the worker committed since that read began.)"""
    with unit_of_work():
        ids = [queue_email(f"person{n}@example.com", f"{prefix} {n}", "A message.").message_id
               for n in range(count)]
    return ids


def wait_until(predicate, timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``predicate()`` holds; fails after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(interval)
    return time.monotonic() - started


def heartbeat(worker_id: str) -> WorkerHeartbeat:
    db.session.commit()  # a fresh transaction sees what the worker wrote
    return db.session.get_one(WorkerHeartbeat, worker_id, populate_existing=True)


def test_the_worker_delivers_new_mail_within_two_seconds_escalates_and_stops_on_sigterm(
        start_worker, smtp, it_department, manager):
    author = UserFactory(email="author@example.com", department=it_department)
    overdue = make_idea(author, it_department, status="in_review")
    overdue.escalates_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    worker = start_worker()
    # The overdue review climbs to the company on the first round.
    worker.wait_for(r"escalate: escalated 1 idea", 10)
    db.session.commit()
    assert db.session.get_one(Idea, overdue.id, populate_existing=True).escalation_level == 1

    # A message queued while it runs arrives within two seconds.
    [message_id] = queue(1)
    took = wait_until(lambda: smtp.inbox.message_ids() == [message_id], 2.0)
    print(f"delivered {took:.2f} s after it was queued")
    worker.wait_for(r"send-mail: sent 1, failed 0", 2)

    # Its heartbeat beats while it runs.
    first_seen = heartbeat(worker.id).seen_at
    wait_until(lambda: heartbeat(worker.id).seen_at > first_seen, 3)
    assert [w.id for w in live_workers(utcnow())] == [worker.id]

    code, took = worker.terminate()
    assert code == 0, worker.output()
    assert took < 5, f"took {took:.1f} s to stop"
    beat = heartbeat(worker.id)
    assert beat.stopped_at is not None and beat.current_job is None
    assert beat.jobs_run >= 3 and beat.jobs_failed == 0
    assert live_workers(utcnow()) == []
    assert "stopping after the job in hand" in worker.output()


def test_two_workers_side_by_side_deliver_each_of_30_messages_once(start_worker, smtp):
    smtp.inbox.delay = 0.05  # 1.5 s of sending: both workers find work in it
    workers = [start_worker(), start_worker()]
    ids = queue(30)
    wait_until(lambda: len(smtp.inbox.messages) >= 30, 15)
    time.sleep(0.5)  # room for a duplicate to show
    assert sorted(smtp.inbox.message_ids()) == sorted(ids)  # each exactly once
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.sent_at.is_(None))) == 0
    for worker in workers:
        assert worker.terminate()[0] == 0, worker.output()
    # Both took part (the claims share the outbox out), and nothing failed.
    sent = [sum(int(n) for n in re.findall(r"send-mail: sent (\d+)", w.output()))
            for w in workers]
    assert sum(sent) == 30 and min(sent) > 0, sent
    assert all(heartbeat(w.id).jobs_failed == 0 for w in workers)


def test_sigterm_while_sending_finishes_the_message_in_hand_and_exits(start_worker, smtp):
    smtp.inbox.delay = 0.3  # a slow server: the worker is mid-batch when told to stop
    queue(20)
    worker = start_worker()
    wait_until(lambda: len(smtp.inbox.messages) >= 2, 10)

    code, took = worker.terminate()
    assert code == 0, worker.output()
    assert took < 5, f"took {took:.1f} s to stop"
    print(f"stopped {took:.2f} s after SIGTERM")
    delivered = smtp.inbox.message_ids()
    assert 2 <= len(delivered) < 20 and len(set(delivered)) == len(delivered)
    # What went out is recorded as sent; the rest stay due, unclaimed, for the next worker.
    db.session.commit()
    rows = db.session.scalars(sa.select(OutboxEmail)).all()
    assert sorted(r.message_id for r in rows if r.sent_at) == sorted(delivered)
    waiting = [r for r in rows if r.sent_at is None]
    assert all(r.attempts == 0 and r.next_attempt_at <= utcnow() for r in waiting)
    beat = heartbeat(worker.id)
    assert beat.stopped_at is not None
    assert beat.jobs_failed == 0

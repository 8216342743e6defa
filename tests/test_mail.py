"""E-mail: per-user frequency, daily digests, and SMTP delivery with retries to a REAL
SMTP server (aiosmtpd) started inside the test run."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications import delivery, worker
from ideaboard.notifications.mail import queue_email
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.notifications.services import notify
from ideaboard.review import workflow
from tests.factories import UserFactory
from tests.review_support import make_idea

RATIONALE = "It would cost more than it saves, by our estimate."


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    server = SMTPServer(free_port())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME=None, MAIL_DEFAULT_SENDER="ideaboard@example.com")
    yield server
    server.stop()


@pytest.fixture
def people(it_department):
    author = UserFactory(email="author@example.com", display_name="Avery Author")
    return {
        "author": author,
        "immediate": UserFactory(email="now@example.com", email_frequency="immediate"),
        "daily": UserFactory(email="daily@example.com", email_frequency="daily"),
        "never": UserFactory(email="never@example.com", email_frequency="never"),
    }


def outbox(to=None):
    query = sa.select(OutboxEmail).order_by(OutboxEmail.id)
    if to:
        query = query.where(OutboxEmail.to_address == to)
    return list(db.session.scalars(query))


def test_status_change_mails_follow_each_users_frequency(people, manager, it_department):
    from ideaboard.following.services import follow

    idea = make_idea(people["author"], it_department, status="in_review", is_anonymous=True)
    for key in ("immediate", "daily", "never"):
        follow(people[key].id, idea.id)
    db.session.commit()
    workflow.transition(idea, "declined", manager, reason=RATIONALE)
    db.session.commit()

    # Everyone is told in the app.
    told = set(db.session.scalars(sa.select(Notification.user_id)))
    assert told == {p.id for p in people.values()}
    # Only "immediate" readers get an e-mail now (the author's default is immediate).
    assert {m.to_address for m in outbox()} == {"now@example.com", "author@example.com"}
    [mail] = outbox("now@example.com")
    assert idea.title in mail.subject and RATIONALE in mail.body_text
    assert f"/ideas/{idea.id}" in mail.body_text
    assert "Avery Author" not in mail.body_text  # anonymous idea
    emailed = dict(db.session.execute(sa.select(Notification.user_id, Notification.emailed)).all())
    assert emailed[people["immediate"].id] is True and emailed[people["daily"].id] is False


def test_daily_digest_collects_the_last_day_once(people):
    daily = people["daily"]
    now = utcnow()
    notify([daily.id, people["never"].id], "status_change", "First news")
    notify([daily.id], "status_change", "Second news")
    old = notify([daily.id], "status_change", "Old news")[0]
    old.created_at = now - timedelta(days=2)
    db.session.commit()

    assert delivery.send_digests(now=now + timedelta(seconds=1)) == 1
    db.session.commit()
    [digest] = outbox()
    assert digest.to_address == "daily@example.com"
    assert "First news" in digest.body_text and "Second news" in digest.body_text
    assert "Old news" not in digest.body_text
    assert "2 updates" in digest.subject
    # Nothing twice.
    assert delivery.send_digests(now=now + timedelta(seconds=2)) == 0
    db.session.commit()
    assert len(outbox()) == 1


def test_send_digests_command(runner, people):
    notify([people["daily"].id], "status_change", "News for the digest")
    db.session.commit()
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 digest." in result.output
    assert len(outbox("daily@example.com")) == 1


def test_send_mail_delivers_over_smtp(runner, smtp):
    queue_email("someone@example.com", "Hello there", "The body of the message.")
    db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0." in result.output
    [(recipients, message)] = smtp.inbox.messages
    assert recipients == ["someone@example.com"]
    assert message["Subject"] == "Hello there"
    assert message["From"] == "ideaboard@example.com"
    assert "The body of the message." in message.get_payload(decode=True).decode()
    [row] = outbox()
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None
    # Running again sends nothing more.
    assert "Sent 0, failed 0." in runner.invoke(args=["send-mail"]).output
    assert len(smtp.inbox.messages) == 1


def test_server_down_nothing_is_lost_and_it_arrives_exactly_once(runner, smtp):
    queue_email("someone@example.com", "Try again", "Body.")
    db.session.commit()
    smtp.stop()

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "failed 1" in result.output and "unavailable" in result.output
    db.session.expire_all()
    [row] = outbox()
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error and "connect" in row.last_error
    first_retry = row.next_attempt_at
    assert first_retry > utcnow() + timedelta(seconds=50)  # backed off, not hammered

    smtp.start()
    # Not yet due: nothing is sent even though the server is back.
    assert worker.send_pending().sent == 0
    assert smtp.inbox.messages == []
    # The clock moves past the backoff: it goes out, once.
    later = first_retry + timedelta(seconds=1)
    assert worker.send_pending(now=later).sent == 1
    assert worker.send_pending(now=later + timedelta(hours=1)).sent == 0
    assert len(smtp.inbox.messages) == 1
    db.session.expire_all()
    [row] = outbox()
    assert row.sent_at == later and row.attempts == 2


def test_backoff_grows_and_gives_up_leaving_the_row_visible(app, smtp):
    queue_email("someone@example.com", "Never arrives", "Body.")
    db.session.commit()
    smtp.stop()
    now = utcnow()
    waits = []
    for _ in range(worker.MAX_ATTEMPTS):
        worker.send_pending(now=now)
        row = outbox()[0]
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits[:3] == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert max(waits) <= worker.BACKOFF_MAX
    row = outbox()[0]
    assert row.attempts == worker.MAX_ATTEMPTS and row.sent_at is None and row.last_error
    smtp.start()
    assert worker.send_pending(now=now + timedelta(days=30)).sent == 0  # given up
    assert smtp.inbox.messages == []


def test_a_message_claimed_by_another_worker_is_not_sent_twice(app, smtp):
    queue_email("someone@example.com", "Once", "Body.")
    db.session.commit()
    row = outbox()[0]
    row_id, seen, now = row.id, row.next_attempt_at, utcnow()
    # Another worker claims it first (its lease pushes next_attempt_at ahead).
    assert worker._claim(row_id, seen, now)
    assert not worker._claim(row_id, seen, now)
    assert worker.send_pending(now=now).sent == 0
    assert smtp.inbox.messages == []


def test_send_mail_without_a_server_says_so(runner, app):
    app.config["MAIL_SERVER"] = None
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output

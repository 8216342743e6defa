"""E-mail: per-user frequency, daily digests, and SMTP delivery with retries to a REAL
SMTP server (aiosmtpd) started inside the test run."""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.notifications import delivery, worker
from ideaboard.notifications.mail import html_body, message_id_domain, queue_email
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.notifications.services import notify
from ideaboard.review import workflow
from tests.helpers.discussions import Commenters
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea

RATIONALE = "It would cost more than it saves, by our estimate."


@pytest.fixture
def people(it_department):
    author = UserFactory(email="author@example.com", display_name="Avery Author")
    return {
        "author": author,
        "immediate": UserFactory(email="now@example.com", email_frequency="immediate"),
        "daily": UserFactory(email="daily@example.com", email_frequency="daily"),
        "never": UserFactory(email="never@example.com", email_frequency="never"),
    }


def frozen(moment):
    """A clock for the worker that always says ``moment``."""
    return lambda: moment


def outbox(to=None):
    query = sa.select(OutboxEmail).order_by(OutboxEmail.id)
    if to:
        query = query.where(OutboxEmail.to_address == to)
    return list(db.session.scalars(query))


def test_status_change_mails_follow_each_users_frequency(people, manager, it_department):
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


def test_a_comment_mail_links_to_the_comment_wherever_its_page_is(app, people, it_department):
    from ideaboard.comments.services import add_comment

    idea = make_idea(people["author"], it_department)
    follow(people["immediate"].id, idea.id)
    comment = add_comment(people["never"], idea, "A thought worth a mail.")
    db.session.commit()
    [mail] = outbox("now@example.com")
    # The comment's own address: it finds the page of the idea's comments that holds
    # the comment when the link is followed, however many were written since.
    base = app.config["BASE_URL"].rstrip("/")
    assert f"{base}/comments/{comment.id}\n" in mail.body_text + "\n"


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


def test_two_digest_runs_at_once_queue_each_digest_once(app):
    readers = UserFactory.create_batch(30, email_frequency="daily")
    for reader in readers:
        notify([reader.id], "status_change", f"News for {reader.display_name}")
    db.session.commit()
    start = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                results.append(app.test_cli_runner().invoke(args=["send-digests"]))
        except BaseException as error:
            errors.append(error)

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)
    assert errors == [] and [result.exit_code for result in results] == [0, 0]
    assert sorted(len(outbox(reader.email)) for reader in readers) == [1] * len(readers)


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
    # A plain-text part, and the same text as HTML in the app's look, links clickable.
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "The body of the message."
    assert "<p style=\"margin:0 0 16px;\">The body of the message.</p>" in \
        message.get_body(("html",)).get_content()
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
    assert worker.send_pending(clock=frozen(later)).sent == 1
    assert worker.send_pending(clock=frozen(later + timedelta(hours=1))).sent == 0
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
        worker.send_pending(clock=frozen(now))
        row = outbox()[0]
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits[:3] == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert max(waits) <= worker.BACKOFF_MAX
    row = outbox()[0]
    assert row.attempts == worker.MAX_ATTEMPTS and row.sent_at is None and row.last_error
    smtp.start()
    assert worker.send_pending(clock=frozen(now + timedelta(days=30))).sent == 0  # given up
    assert smtp.inbox.messages == []


def test_a_message_claimed_by_another_worker_is_not_sent_twice(app, smtp):
    queue_email("someone@example.com", "Once", "Body.")
    db.session.commit()
    row = outbox()[0]
    row_id, seen, now = row.id, row.next_attempt_at, utcnow()
    # Another worker claims it first (its lease pushes next_attempt_at ahead).
    assert worker._claim(row_id, seen, now)
    assert not worker._claim(row_id, seen, now)
    assert worker.send_pending(clock=frozen(now)).sent == 0
    assert smtp.inbox.messages == []


def test_send_mail_without_a_server_says_so(runner, app):
    app.config["MAIL_SERVER"] = None
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


def test_send_mail_without_a_server_delivers_into_the_mail_folder(runner, app, tmp_path):
    """Development: no server, so each message becomes an .eml file, through the same
    claim and record as over SMTP (sent once, not again)."""
    folder = tmp_path / "mail"
    app.config.update(MAIL_SERVER=None, MAIL_FOLDER=str(folder),
                      MAIL_DEFAULT_SENDER="ideaboard@example.com")
    queue_email("someone@example.com", "Choose your password",
                "Open http://127.0.0.1:5300/signup/confirm/abc to choose it.")
    queue_email("other@example.com", "Hello there", "The body of the message.")
    db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0." in result.output
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    messages = {m["To"]: m for m in (message_from_bytes(f.read_bytes(), policy=policy.default)
                                     for f in files)}
    first = messages["someone@example.com"]
    assert first["Subject"] == "Choose your password"
    assert first["From"] == "ideaboard@example.com" and first["Message-ID"]
    link = "http://127.0.0.1:5300/signup/confirm/abc"
    assert link in first.get_body(("plain",)).get_content()
    assert f'<a href="{link}"' in first.get_body(("html",)).get_content()
    assert all(row.sent_at is not None and row.attempts == 1 for row in outbox())
    assert "Sent 0, failed 0." in runner.invoke(args=["send-mail"]).output
    assert len(list(folder.glob("*.eml"))) == 2


def test_a_queued_message_is_logged_with_its_links_when_there_is_no_server(app, caplog):
    app.config["MAIL_SERVER"] = None
    with caplog.at_level(logging.INFO, logger="ideaboard.mail"):
        queue_email("someone@example.com", "Reset your password",
                    "Open http://127.0.0.1:5000/reset-password/xyz to reset it.")
    [record] = [r for r in caplog.records if r.name == "ideaboard.mail"]
    assert "someone@example.com" in record.getMessage()
    assert "http://127.0.0.1:5000/reset-password/xyz" in record.getMessage()


def test_development_shows_the_mail_log_and_has_a_mail_folder(monkeypatch, tmp_path):
    """Under `make run` (development, no mail server) the queued messages reach the
    console (the app's logger at INFO) and `send-mail` has a folder to deliver into."""
    monkeypatch.setenv("IDEABOARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("IDEABOARD_MAIL_SERVER", raising=False)
    monkeypatch.delenv("IDEABOARD_MAIL_FOLDER", raising=False)
    logger = logging.getLogger("ideaboard")
    before = logger.level
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite'}"},
                         env="development")
        assert app.config["MAIL_FOLDER"] == str(tmp_path / "mail")
        assert logging.getLogger("ideaboard.mail").isEnabledFor(logging.INFO)
    finally:
        logger.setLevel(before)
    production = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://",
                             "SECRET_KEY": secrets.token_hex(32),
                             "BASE_URL": "https://ideas.example.com"}, env="production")
    assert not production.config.get("MAIL_FOLDER")  # its messages wait for a server


def test_the_html_part_escapes_what_people_wrote_and_links_only_addresses():
    html = html_body("<b>Idea</b> & co", "New comment: <script>alert(1)</script>\n\n"
                     "Open https://ideas.example.com/ideas/3?a=1&b=2. Or javascript:alert(1)")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>&lt;b&gt;Idea&lt;/b&gt; &amp; co</title>" in html
    assert '<a href="https://ideas.example.com/ideas/3?a=1&amp;b=2"' in html  # not the "."
    assert html.count("<a ") == 1  # javascript: is text, never a link


# --- the worker beside people and beside itself ----------------------------------

@pytest.mark.parametrize("base_url,sender,domain", [
    ("https://ideas.acme.example/", "Ideaboard <ideaboard@acme.example>", "ideas.acme.example"),
    ("http://127.0.0.1:5000", "ideaboard@mail.acme.example", "mail.acme.example"),
    ("http://ideas:8000", "ideaboard@acme.example", "acme.example"),
])
def test_each_message_gets_its_own_message_id_in_our_domain_when_queued(app, base_url, sender,
                                                                        domain):
    app.config.update(BASE_URL=base_url, MAIL_DEFAULT_SENDER=sender)
    first = queue_email("a@example.com", "One", "Body.")
    second = queue_email("a@example.com", "Two", "Body.")
    db.session.commit()
    assert first.message_id != second.message_id
    for row in (first, second):
        assert row.message_id.startswith("<") and row.message_id.endswith(f"@{domain}>")


def test_a_message_queued_without_a_message_id_keeps_the_one_it_is_sent_with(app, smtp):
    queue_email("someone@example.com", "From before the upgrade", "Body.").message_id = None
    db.session.commit()
    assert worker.send_pending().sent == 1
    [sent_with] = smtp.inbox.message_ids()
    db.session.expire_all()
    [row] = outbox()
    assert row.message_id == sent_with and sent_with.endswith(f"@{message_id_domain(app.config)}>")


class DatabaseLock:
    """Another connection that takes, when told, the SQLite write lock or (PostgreSQL)
    the outbox rows' locks, and holds it until released."""

    def __init__(self, url: str):
        self.url = url
        self.connection = None

    def take(self) -> None:
        if self.connection is not None:
            return
        if self.url.startswith("sqlite"):
            self.connection = sqlite3.connect(self.url.removeprefix("sqlite:///"),
                                              isolation_level=None, check_same_thread=False)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            self.connection = psycopg.connect(self.url)
            self.connection.execute("SELECT id FROM email_outbox FOR UPDATE")

    def release(self) -> None:
        if self.connection is not None:
            self.connection.rollback() if not isinstance(self.connection, sqlite3.Connection) \
                else self.connection.execute("ROLLBACK")
            self.connection.close()
            self.connection = None


@pytest.fixture
def impatient_app(app, smtp, database_url):
    """A second app on the test database, with the mail settings, whose lock waits give
    up after 0.1 s (SQLite's busy timeout; PostgreSQL's lock_timeout)."""
    mail = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_DEFAULT_SENDER")
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SQLITE_BUSY_TIMEOUT": 0.1,
              **{key: app.config[key] for key in mail}}
    if database_url.startswith("postgres"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": "-c lock_timeout=100"}}
    impatient = create_app(config, env="testing")
    with impatient.app_context():
        yield impatient
        db.session.remove()
        db.engine.dispose()


def test_a_delivery_that_could_not_be_recorded_goes_again_with_the_same_message_id(
        impatient_app, smtp, database_url):
    queue_email("someone@example.com", "Just once, really", "Body.")
    db.session.commit()
    [row] = outbox()
    queued_with = row.message_id
    # The moment the server accepts the message, someone else holds the lock for longer
    # than the worker waits for it: the delivery cannot be recorded.
    lock = DatabaseLock(database_url)
    smtp.inbox.on_data = lambda _message: lock.take()
    try:
        result = impatient_app.test_cli_runner().invoke(args=["send-mail"])
    finally:
        lock.release()
        smtp.inbox.on_data = None
    assert result.exit_code != 0 and "run send-mail again" in result.output
    assert smtp.inbox.message_ids() == [queued_with]

    # Its claim holds it for the lease; then it goes again, as the same message.
    assert worker.send_pending(clock=frozen(utcnow() + timedelta(seconds=10))).sent == 0
    later = utcnow() + worker.LEASE + timedelta(seconds=1)
    assert worker.send_pending(clock=frozen(later)).sent == 1
    assert smtp.inbox.message_ids() == [queued_with, queued_with]
    assert queued_with.endswith(f"@{message_id_domain(impatient_app.config)}>")
    db.session.expire_all()
    [row] = outbox()
    assert row.sent_at == later and row.message_id == queued_with


def test_a_second_run_beside_a_long_one_sends_nothing_twice(app, smtp, monkeypatch):
    """A run that lasts twice its lease (a slow server), and a second run started while
    the first sends its last message: N queued, N received, no Message-ID twice."""
    monkeypatch.setattr(worker, "LEASE", timedelta(seconds=1))
    smtp.inbox.delay = 0.4
    queued = 5  # 2 s of sending
    for n in range(queued):
        queue_email(f"person{n}@example.com", f"Message {n}", "Body.")
    db.session.commit()
    results, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                results.append(worker.send_pending())
        except BaseException as error:
            errors.append(error)

    first, second = threading.Thread(target=run), threading.Thread(target=run)
    first.start()
    for _ in range(1000):  # at most 10 s until the first run is on its last message
        if len(smtp.inbox.messages) >= queued - 1 or errors:
            break
        time.sleep(0.01)
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)
    assert errors == []
    received = smtp.inbox.message_ids()
    assert len(received) == queued and len(set(received)) == queued
    # Which run sends the last one depends on timing (the second may claim it while the
    # first records the one before); between them, each message exactly once.
    assert sum(result.sent for result in results) == queued


COMMENTERS = 3


def test_jobs_succeed_while_people_comment(app, runner, smtp, company, it_department):
    UserFactory(email="ceo@example.com", manages=[company])  # hears of escalations at once
    reader = UserFactory(email="daily@example.com", email_frequency="daily")
    author = UserFactory(email="author@example.com", email_frequency="never")
    busy = make_idea(author, it_department)
    follow(reader.id, busy.id)  # a digest of the comments every round
    # (Told of each other's comments in the app only: the outbox stays small.)
    commenters = Commenters(app, busy, UserFactory.create_batch(
        COMMENTERS, department=it_department, email_frequency="never"))
    for _ in range(3):
        for _ in range(3):
            make_idea(author, it_department, status="in_review", due_in_days=-1)
        with commenters.busy() as codes:
            results = [runner.invoke(args=[command])
                       for command in ("escalate", "send-digests", "send-mail")]
        for result in results:
            assert result.exit_code == 0, result.output
        assert "Escalated 3 ideas." in results[0].output
        assert "Queued 1 digest." in results[1].output
        assert codes and set(codes) == {302}
    # Every message queued meanwhile goes out, each exactly once.
    assert runner.invoke(args=["send-mail"]).exit_code == 0
    db.session.expire_all()
    assert all(row.sent_at is not None for row in outbox())
    received = smtp.inbox.message_ids()
    assert len(received) == len(set(received)) == len(outbox())


def test_send_mail_watch_keeps_delivering_through_an_outage(runner, app, tmp_path, monkeypatch):
    """``send-mail --watch`` (what ``make run`` starts): a pass that fails is reported and
    the worker goes on; the next pass delivers; Ctrl-C stops it cleanly."""
    from ideaboard.cli import review_commands

    folder = tmp_path / "mail"
    app.config.update(MAIL_SERVER=None, MAIL_FOLDER=None)
    queue_email("someone@example.com", "Hello", "Body.")
    db.session.commit()
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 1:  # the outage ends: a place to deliver appears
            app.config["MAIL_FOLDER"] = str(folder)
        else:
            raise KeyboardInterrupt

    monkeypatch.setattr(review_commands.time, "sleep", pause)
    result = runner.invoke(args=["send-mail", "--watch", "0.5"])
    assert result.exit_code == 0, result.output
    assert "MAIL_SERVER is not set" in result.output
    assert "Sent 1, failed 0." in result.output
    assert result.output.rstrip().endswith("Stopped delivering e-mail.")
    assert pauses == [0.5, 0.5]
    assert len(list(folder.glob("*.eml"))) == 1

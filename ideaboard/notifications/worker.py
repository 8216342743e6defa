"""Delivering the e-mail outbox over SMTP (``flask --app ideaboard send-mail``).

Each pending message is first *claimed* with a conditional UPDATE that pushes its
``next_attempt_at`` a lease ahead and is committed, so two workers never send the same
message, on SQLite or PostgreSQL. Then it is sent and marked sent (committed at once).
A failure records ``last_error`` and retries later with exponential backoff:
``BACKOFF_BASE * 2 ** (attempts - 1)`` seconds, capped at ``BACKOFF_MAX``. After
``MAX_ATTEMPTS`` the worker gives up on the message; it stays in the table, visible
with its last error. When the SMTP server is down nothing is lost: the messages wait.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications import delivery
from ideaboard.notifications.models import OutboxEmail

log = logging.getLogger("ideaboard.mail")

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_MAX = timedelta(hours=6)
# How long a claimed message is left to the worker that claimed it.
LEASE = timedelta(minutes=5)
SMTP_TIMEOUT = 15
# Why a message was not sent: what it is about was hidden by a moderator.
WITHHELD = "withheld: a moderator hid what it is about"


class ServerUnavailable(OSError):
    """The SMTP server could not be reached or refused the session."""


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0
    server_down: bool = False


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def pending_query(now: datetime):
    return (
        sa.select(OutboxEmail.id, OutboxEmail.next_attempt_at)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS,
               OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
    )


class _Connection:
    """One SMTP session for a run, opened on first use and reopened after a failure."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message)
        except Exception:
            self.close()
            raise

    def _open(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"],
                                timeout=SMTP_TIMEOUT)
        except (smtplib.SMTPException, OSError) as error:
            raise ServerUnavailable(f"cannot connect: {error}") from error
        try:
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise ServerUnavailable(f"session refused: {error}") from error
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _message(row: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = f"<outbox-{row.id}@ideaboard>"
    message.set_content(row.body_text)
    return message


def _claim(row_id: int, seen_next_attempt: datetime, now: datetime) -> bool:
    claimed = db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == row_id, OutboxEmail.sent_at.is_(None),
               OutboxEmail.next_attempt_at == seen_next_attempt)
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def send_pending(now: datetime | None = None, *, limit: int = 500) -> RunResult:
    """Send every due outbox message (at most ``limit``). Commits after each message."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise RuntimeError("MAIL_SERVER is not set (IDEABOARD_MAIL_SERVER); nothing can be sent.")
    now = now or utcnow()
    result = RunResult()
    due = db.session.execute(pending_query(now).limit(limit)).all()
    db.session.commit()
    connection = _Connection(config)
    try:
        for row_id, next_attempt_at in due:
            if not _claim(row_id, next_attempt_at, now):
                continue  # another worker has it
            row = db.session.get(OutboxEmail, row_id)
            # Moderation since it was queued: never sent, kept with the reason.
            if delivery.withheld(row):
                row.attempts, row.last_error = MAX_ATTEMPTS, WITHHELD
                db.session.commit()
                continue
            try:
                connection.send(_message(row, config["MAIL_DEFAULT_SENDER"]))
            except (smtplib.SMTPException, OSError) as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                row.next_attempt_at = now + backoff(row.attempts)
                result.failed += 1
                if row.attempts >= MAX_ATTEMPTS:
                    log.error("giving up on e-mail %s to %s: %s", row.id, row.to_address,
                              row.last_error)
                if isinstance(error, ServerUnavailable):
                    # The rest would fail the same way; they stay due for the next run.
                    db.session.commit()
                    result.server_down = True
                    break
            else:
                row.attempts += 1
                row.sent_at = now
                row.last_error = None
                result.sent += 1
            db.session.commit()
    finally:
        connection.close()
    return result

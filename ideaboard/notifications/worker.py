"""Delivering the e-mail outbox over SMTP (``flask --app ideaboard send-mail``), or, in
development without a mail server, into a folder of .eml files (``MAIL_FOLDER``).

Each pending message is first *claimed*: a conditional UPDATE, committed at once, that
pushes its ``next_attempt_at`` a lease ahead of the moment of the claim, so two workers
never send the same message, on SQLite or PostgreSQL. A worker holds one claim at a
time, for the one message it is sending, and a send is bounded (every SMTP step times
out after ``SMTP_TIMEOUT``; opening the session and sending take fewer than ten steps,
recording it waits at most ``SQLITE_BEGIN_ATTEMPTS`` busy timeouts), far shorter than
``LEASE``: a claim cannot run out under a live worker, however long its run.

No transaction is open while a message is on the wire: the claim and the record of the
outcome are each a short writing unit of work, which on SQLite takes the write lock as
it begins and queues behind people's writes. If recording a delivery still fails (the
process dies, the database refuses), the message is sent again when its claim runs
out, with the same ``Message-ID`` (chosen when it was queued), so the receiver can
tell the copy.

A failure records ``last_error`` and retries later with exponential backoff:
``BACKOFF_BASE * 2 ** (attempts - 1)`` seconds, capped at ``BACKOFF_MAX``. After
``MAX_ATTEMPTS`` the worker gives up on the message; it stays in the table, visible
with its last error. When the SMTP server is down nothing is lost: the messages wait.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from ideaboard.core.transactions import unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications import delivery
from ideaboard.notifications.mail import html_body, new_message_id
from ideaboard.notifications.models import OutboxEmail

log = logging.getLogger("ideaboard.mail")

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_MAX = timedelta(hours=6)
# How long a claimed message is left to the worker that claimed it, from the claim.
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


@dataclass(frozen=True)
class Claim:
    """One outbox message this worker holds until ``until``, ready to send."""

    row_id: int
    until: datetime
    attempts: int
    message: EmailMessage


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def pending_query(now: datetime):
    """Ids (and claim marks) of the messages due at ``now``, oldest first."""
    return (
        sa.select(OutboxEmail.id, OutboxEmail.next_attempt_at)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS,
               OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
    )


class _Connection:
    """One SMTP session for a run, opened on first use and reopened after a failure."""

    def __init__(self, config: Mapping[str, Any]) -> None:
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


class _Mailbox:
    """Delivery without a mail server (development): each message becomes an .eml file
    in ``MAIL_FOLDER``, named by when it was delivered and its outbox row, and a line in
    the log says where. Claimed and recorded as a message sent over SMTP is."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.delivered = 0

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.delivered += 1
        path = self.folder / f"{utcnow():%Y%m%d-%H%M%S-%f}-{self.delivered}.eml"
        path.write_bytes(message.as_bytes())
        log.info("e-mail to %s (%s) delivered to %s", message["To"], message["Subject"], path)

    def close(self) -> None:
        """Nothing to close (the same interface as an SMTP connection)."""


def _message(row: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message.set_content(row.body_text)
    message.add_alternative(html_body(row.subject, row.body_text), subtype="html")
    return message


def _claim(row_id: int, seen_next_attempt: datetime, now: datetime) -> Claim | None:
    """Take the message for ``LEASE`` from ``now`` unless another worker has it
    (its ``next_attempt_at`` is no longer the one seen), or if it is withheld
    (``delivery.withheld``). Committed before returning."""
    until = now + LEASE
    with unit_of_work():
        # Session.execute is typed as any Result; for DML without RETURNING it is a CursorResult.
        claimed = cast(sa.CursorResult, db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.id == row_id, OutboxEmail.sent_at.is_(None),
                   OutboxEmail.next_attempt_at == seen_next_attempt)
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        ))
        if claimed.rowcount != 1:
            return None
        # The row was claimed just now, in this transaction: it is there.
        row = db.session.get_one(OutboxEmail, row_id, populate_existing=True)
        if delivery.withheld(row):
            # A moderator hid what it is about since it was queued: never sent, nor
            # retried, and kept with the reason.
            row.attempts, row.last_error = MAX_ATTEMPTS, WITHHELD
            return None
        if row.message_id is None:  # queued before messages had one: fixed before any send
            row.message_id = new_message_id(current_app.config)
        # Built now: after the commit, reading the row would begin another transaction.
        return Claim(row.id, until, row.attempts,
                     _message(row, current_app.config["MAIL_DEFAULT_SENDER"]))


def _record_sent(claim: Claim, now: datetime) -> None:
    with unit_of_work():
        recorded = cast(sa.CursorResult, db.session.execute(  # a CursorResult: see _claim
            sa.update(OutboxEmail)
            .where(OutboxEmail.id == claim.row_id, OutboxEmail.sent_at.is_(None))
            .values(sent_at=now, attempts=claim.attempts + 1, last_error=None)
            .execution_options(synchronize_session=False)
        )).rowcount
    if not recorded:
        log.warning("e-mail %s had already been recorded as sent by another worker: "
                    "it went out twice, with one Message-ID", claim.row_id)


def _record_failure(claim: Claim, error: Exception, now: datetime) -> None:
    attempts = claim.attempts + 1
    last_error = f"{type(error).__name__}: {error}"[:2000]
    with unit_of_work():
        # Only while the claim is still ours: a worker that took the message over keeps it.
        db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.id == claim.row_id, OutboxEmail.sent_at.is_(None),
                   OutboxEmail.next_attempt_at == claim.until)
            .values(attempts=attempts, last_error=last_error,
                    next_attempt_at=now + backoff(attempts))
            .execution_options(synchronize_session=False)
        )
    if attempts >= MAX_ATTEMPTS:
        log.error("giving up on e-mail %s to %s: %s", claim.row_id, claim.message["To"],
                  last_error)


def send_pending(*, clock: Callable[[], datetime] = utcnow, limit: int = 500,
                 should_stop: Callable[[], bool] = lambda: False) -> RunResult:
    """Send every message due now (at most ``limit``), each claimed, sent and recorded
    in turn. ``clock`` tells the time of each step (tests move it on). ``should_stop``
    is asked before each claim: a worker told to stop finishes the message it holds and
    leaves the rest due for the next run."""
    config = current_app.config
    connection: _Connection | _Mailbox
    if config.get("MAIL_SERVER"):
        connection = _Connection(config)
    elif config.get("MAIL_FOLDER"):
        connection = _Mailbox(config["MAIL_FOLDER"])
    else:
        raise RuntimeError("MAIL_SERVER is not set (IDEABOARD_MAIL_SERVER); nothing can be sent.")
    result = RunResult()
    with unit_of_work(writes=False):
        due = db.session.execute(pending_query(clock()).limit(limit)).all()
    try:
        for row_id, next_attempt_at in due:
            if should_stop():
                break
            claim = _claim(row_id, next_attempt_at, clock())
            if claim is None:
                continue  # another worker has it
            try:
                connection.send(claim.message)
            except (smtplib.SMTPException, OSError) as error:
                _record_failure(claim, error, clock())
                result.failed += 1
                if isinstance(error, ServerUnavailable):
                    # The rest would fail the same way; they stay due for the next run.
                    result.server_down = True
                    break
            else:
                _record_sent(claim, clock())
                result.sent += 1
    finally:
        connection.close()
    return result

"""Queueing e-mail. Messages go to the outbox table; ``flask send-mail`` delivers them.

Without ``IDEABOARD_MAIL_SERVER`` (development) each message is also written to the
log when queued, so a developer can follow a password-reset link from the console.
"""

from __future__ import annotations

import logging

from flask import current_app

from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail

log = logging.getLogger("ideaboard.mail")


def queue_email(to_address: str, subject: str, body_text: str) -> OutboxEmail:
    """Put one message in the outbox (flushes; the request commits it)."""
    message = OutboxEmail(to_address=to_address, subject=subject[:200], body_text=body_text)
    db.session.add(message)
    db.session.flush()
    if not current_app.config.get("MAIL_SERVER"):
        log.info("e-mail to %s: %s\n%s", to_address, subject, body_text)
    return message

"""Queueing e-mail. Messages go to the outbox table; ``flask send-mail`` delivers them.

Without ``IDEABOARD_MAIL_SERVER`` each message is also written to the log when queued
(development logs at INFO), so a developer can follow a sign-up or password-reset link
from the console; ``send-mail`` then delivers into ``MAIL_FOLDER`` (development:
``instance/mail/``, one .eml file a message).

Every message gets its ``Message-ID`` when it is queued, in our own domain (the host of
``BASE_URL``, else the domain of ``MAIL_SENDER``), and keeps it: a message that had to
be sent twice (it went out, then recording that failed) arrives twice with one id, and
mail systems and readers treat the second as the copy it is.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail

log = logging.getLogger("ideaboard.mail")


def queue_email(to_address: str, subject: str, body_text: str) -> OutboxEmail:
    """Put one message in the outbox (flushes; the request commits it)."""
    message = OutboxEmail(to_address=to_address, subject=subject[:200], body_text=body_text,
                          message_id=new_message_id(current_app.config))
    db.session.add(message)
    db.session.flush()
    if not current_app.config.get("MAIL_SERVER"):
        log.info("e-mail to %s: %s\n%s", to_address, subject, body_text)
    return message


def new_message_id(config: Mapping[str, Any]) -> str:
    """A new, globally unique ``Message-ID`` (with its angle brackets) in our domain."""
    return make_msgid(idstring="ideaboard", domain=message_id_domain(config))


def message_id_domain(config: Mapping[str, Any]) -> str:
    """The domain our Message-IDs end in: the configured site's host name, or, when the
    site is addressed by an IP address or a single-label name, the sender's domain."""
    host = (urlsplit(config.get("BASE_URL") or "").hostname or "").rstrip(".")
    if "." in host and not _is_ip_address(host):
        return host
    sender_domain = parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1].rpartition("@")[2]
    return sender_domain or host or "localhost"


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

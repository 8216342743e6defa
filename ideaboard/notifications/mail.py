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
import re
from collections.abc import Mapping
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup, escape

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


# Links in the plain text: absolute http(s) addresses up to the next space or bracket.
_LINK = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")

# The HTML part's frame: the app's colours and type, inline (mail readers drop <style>).
_FRAME = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{subject}</title>'
    '</head><body style="margin:0;padding:24px;background:#f4f5f7;'
    'font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2933;">'
    '<div style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px;'
    'padding:24px;line-height:1.5;">'
    '<p style="margin:0 0 16px;font-weight:700;color:#1f5fbf;">Ideaboard</p>{body}'
    '</div></body></html>'
)


def html_body(subject: str, body_text: str) -> str:
    """The HTML part of a message: its plain text, escaped, in paragraphs, with its links
    clickable, in the app's look. Made from the text so both parts always say the same."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", body_text.strip()):
        parts, last = [], 0
        for match in _LINK.finditer(block):
            url = match.group(0)
            parts.append(escape(block[last:match.start()]))
            parts.append(Markup('<a href="{0}" style="color:#1f5fbf;">{0}</a>').format(url))
            last = match.end()
        parts.append(escape(block[last:]))
        text = Markup("").join(parts).replace("\n", Markup("<br>"))
        paragraphs.append(Markup('<p style="margin:0 0 16px;">{}</p>').format(text))
    return _FRAME.format(subject=escape(subject), body=Markup("").join(paragraphs))

"""Logs a collector can read: one JSON object a line, each carrying its request's id.

With ``LOG_FORMAT = "json"`` (production's default, ``IDEABOARD_LOG_FORMAT``) every
record of the process, the app's and its libraries', is written to standard error as
one JSON object: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, and,
inside a request, ``request_id``, ``method``, ``path`` and the signed-in person's
``user_id``; the access-log line (``ideaboard.core.observe``) adds ``status``,
``endpoint`` and ``duration_ms``. Path arguments named like a token (a password-reset
or sign-up link) are written as ``[redacted]``: a log is read by more people than the
link was meant for. A record with an exception adds ``exception``, the traceback as
text. Gunicorn's own loggers do not propagate to the root logger, so its lines keep
gunicorn's format (its access log is off by default: the app writes one).

Logging is process-wide, so :func:`configure` installs the one handler once per
process however many apps are built (tests build hundreds), and takes Flask's default
handler off the app's logger, which would write every record a second time.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

# What a record carries besides the standard attributes, in the order lines show them.
REQUEST_FIELDS = ("request_id", "method", "path", "endpoint", "status", "duration_ms",
                  "user_id")
REDACTED = "[redacted]"


def logged_path() -> str:
    """The request's path with every token-like path argument replaced."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name.endswith("token") and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def signed_in_user_id() -> int | None:
    """The id of the person this request has signed in, or None, read without a query.

    Flask-Login keeps the person it loaded in ``g``; after the request's commit that
    object is expired, and reading ``user.id`` would load it again, so the id comes
    from the ORM's identity key instead. Nobody loaded yet (a log line before the
    page asked who is signed in) logs no id.
    """
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    identity = getattr(state, "identity", None)
    return identity[0] if identity else None


class RequestContext(logging.Filter):
    """Adds the current request's id, method, path and person to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            if getattr(record, "request_id", None) is None:
                record.request_id = g.get("request_id")
            if getattr(record, "method", None) is None:
                record.method = request.method
            if getattr(record, "path", None) is None:
                record.path = logged_path()
            if getattr(record, "user_id", None) is None:
                record.user_id = signed_in_user_id()
        return True


class JsonFormatter(logging.Formatter):
    """One record as one line of JSON (no newline inside: tracebacks are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class StandardErrorHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record arrives (as logging's own
    last-resort handler does), not to the stream there was at start-up: a test runner
    or a server may replace it later."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # always sys.stderr


def json_handler() -> logging.Handler | None:
    """The JSON handler this module installed on the root logger, if any."""
    return next((handler for handler in logging.getLogger().handlers
                 if isinstance(handler, StandardErrorHandler)), None)


def configure(app: Flask) -> None:
    """Apply ``LOG_LEVEL`` to the app's logger and, for ``LOG_FORMAT = "json"``, write
    every record of the process as JSON lines to standard error."""
    if app.config.get("LOG_LEVEL"):
        # The app's own logger only ("ideaboard", which its modules' loggers are under);
        # libraries keep theirs.
        app.logger.setLevel(app.config["LOG_LEVEL"])
    if app.config.get("LOG_FORMAT") != "json":
        return
    app.logger.removeHandler(default_handler)
    if json_handler() is None:
        handler = StandardErrorHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestContext())
        logging.getLogger().addHandler(handler)


def unconfigure() -> None:
    """Take the JSON handler off again (tests that built a JSON-logging app)."""
    handler = json_handler()
    if handler is not None:
        logging.getLogger().removeHandler(handler)

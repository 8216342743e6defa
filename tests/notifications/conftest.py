"""Fixtures of the notification tests."""

from __future__ import annotations

import pytest

from tests.helpers.ports import free_port
from tests.helpers.smtp import SMTPServer


@pytest.fixture
def smtp(app):
    server = SMTPServer(free_port())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME=None, MAIL_DEFAULT_SENDER="ideaboard@example.com")
    yield server
    server.stop()

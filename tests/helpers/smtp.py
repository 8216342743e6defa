"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler keeping every message it receives.

    ``delay`` makes it a slow server (seconds per message); ``on_data`` is called with
    each message before it is accepted (a test takes a database lock there, say)."""

    def __init__(self):
        self.messages = []
        self.delay = 0.0
        self.on_data = None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        if self.on_data is not None:
            self.on_data(message)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for _, message in self.messages]


class SMTPServer:
    """An SMTP server on ``port`` delivering into ``inbox``."""

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

"""`make run` as a newcomer runs it: served, and e-mail delivered with the right links.

The real command in a subprocess, on a fresh SQLite database in a temporary instance
folder, on a port other than 5000: a sign-up's link must arrive in instance/mail/
without any extra step, pointing at that port (issue 13, item 4), delivered by the
background worker `make run` starts beside the server (issue 19, item 1).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.ports import free_port

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _environment(instance: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("IDEABOARD_", "MAKE", "MFLAGS", "FLASK_"))}
    env["IDEABOARD_INSTANCE_PATH"] = str(instance)
    return env


class _Output:
    """Collects a process's output lines as they come."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in iter(stream.readline, ""):
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if found := re.search(pattern, line):
                    return found
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in:\n{''.join(self.lines)[-3000:]}")


def _sign_up(base: str, email: str) -> None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/signup", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    department = re.search(r'<option value="(\d+)"', page)[1]
    form = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                   "display_name": "Nia Newcomer",
                                   "department": department}).encode()
    answer = opener.open(f"{base}/signup", data=form, timeout=10)
    assert answer.url.endswith("/signup/sent"), answer.url


def _wait_for_mail(folder: Path, to: str, timeout: float) -> EmailMessage:
    """The e-mail delivered into ``folder`` for ``to`` (the demo's digests land there too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == to:
                return cast(EmailMessage, message)
        time.sleep(0.2)
    raise AssertionError(f"no e-mail to {to} delivered into {folder}")


def test_make_run_serves_and_delivers_sign_up_mail_with_links_at_its_port(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT,
        env=_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True)
    output = _Output(process.stdout)
    try:
        ready = output.wait_for(r"Ideaboard is ready at (\S+) \(first page (\d+) s", 180)
        assert ready[1] == f"{base}/"
        # The worker runs every job: e-mail, escalation, digests.
        started = output.wait_for(r"worker (\S+) started: (.*)", 30)
        assert all(job in started[2] for job in ("send-mail", "escalate", "send-digests"))

        _sign_up(base, "nia.newcomer@acme.example")
        # Logged as it is queued (development), then delivered by the worker beside it,
        # which says so.
        output.wait_for(r"nia\.newcomer@acme\.example", 30)
        message = _wait_for_mail(tmp_path / "mail", "nia.newcomer@acme.example", 30)
        # The digest the demo makes due at start may go in the same batch ("sent 2").
        output.wait_for(r"send-mail: sent [1-9]\d*, failed 0", 10)

        text = message.get_body(("plain",)).get_content()
        assert f"{base}/signup/confirm/" in text
        assert ":5000" not in text
        assert message.get_body(("html",)) is not None
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stdout.close()
    # The worker stopped with the server, recording its stop: nothing of the group is
    # left running.
    assert _left_running(process.pid, timeout=15) == []
    output.wait_for(rf"worker {re.escape(started[1])} stopped", 5)


def _left_running(group: int, timeout: float) -> list[str]:
    """The commands of the process group still alive (zombies waiting for init to reap
    them are gone already), after waiting up to ``timeout`` seconds for them to end."""
    deadline = time.monotonic() + timeout
    while True:
        listing = subprocess.run(["ps", "-o", "stat=,args=", "-g", str(group)],
                                 capture_output=True, text=True).stdout
        alive = [line for line in listing.splitlines() if not line.lstrip().startswith("Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.25)

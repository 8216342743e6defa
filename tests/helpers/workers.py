"""A real ``flask --app ideaboard worker`` in a subprocess, on the suite's database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

from tests.helpers.paths import ROOT

# The longest a worker may take to start (import the app, connect) on a busy machine.
START_TIMEOUT = 30.0


class WorkerProcess:
    """``flask --app ideaboard worker`` on ``database_url``, delivering to an SMTP
    server on ``smtp_port``, its heartbeat every ``heartbeat`` seconds, with ``settings``
    besides (``IDEABOARD_...``). Its output is collected line by line
    (:meth:`wait_for`)."""

    def __init__(self, database_url: str, smtp_port: int, *args: str,
                 heartbeat: float = 0.3, settings: dict[str, str] | None = None) -> None:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("IDEABOARD_", "FLASK_"))}
        env.update({
            "IDEABOARD_ENV": "testing",
            "IDEABOARD_DATABASE_URL": database_url,
            "IDEABOARD_MAIL_SERVER": "127.0.0.1",
            "IDEABOARD_MAIL_PORT": str(smtp_port),
            "IDEABOARD_WORKER_HEARTBEAT_SECONDS": str(heartbeat),
            **(settings or {}),
        })
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "ideaboard", "worker", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.id = self.wait_for(r"worker (\S+) started", START_TIMEOUT)[1]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, ""):
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """The first output line matching ``pattern``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if time.monotonic() > deadline or self.process.poll() is not None:
                time.sleep(0.1)  # the last lines of a process that ended
                for line in list(self.lines):
                    if found := re.search(pattern, line):
                        return found
                raise AssertionError(f"no {pattern!r} from the worker:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 10.0) -> tuple[int, float]:
        """SIGTERM it; its exit code and how many seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code, time.monotonic() - started

    def kill(self) -> None:
        """Make sure it is gone (a test's cleanup, whatever happened)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.process.stdout is not None:
            self._reader.join(5)
            self.process.stdout.close()

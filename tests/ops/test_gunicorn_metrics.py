"""Metrics under a real gunicorn with two worker processes (issue 19): with
``PROMETHEUS_MULTIPROC_DIR`` every scrape, whichever worker answers it, adds up the
requests of both; and the workers' log lines are JSON carrying the request id."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers.metrics import requests_counted, samples
from tests.helpers.ports import free_port

pytestmark = pytest.mark.slow

REQUESTS = 40
START_TIMEOUT = 30


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def gunicorn(database_url, tmp_path):
    """``(port, multiprocess folder, log file)`` of a gunicorn with two workers."""
    folder = tmp_path / "prometheus"
    log = tmp_path / "gunicorn.log"
    port = free_port()
    env = {**os.environ, "IDEABOARD_ENV": "testing", "IDEABOARD_DATABASE_URL": database_url,
           "IDEABOARD_INSTANCE_PATH": str(tmp_path / "instance"),
           "PROMETHEUS_MULTIPROC_DIR": str(folder), "IDEABOARD_LOG_FORMAT": "json",
           "IDEABOARD_LOG_LEVEL": "INFO"}
    # A stale file of an earlier run: the on_starting hook must remove it.
    folder.mkdir()
    (folder / "counter_99999999.db").write_bytes(b"stale")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
             "-c", "python:ideaboard.core.gunicorn_hooks", "ideaboard:create_app()"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if get(port, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + log.read_text()
            time.sleep(0.2)
        yield port, folder, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_scrape_adds_up_every_worker(gunicorn):
    port, folder, log = gunicorn
    # One worker is kept busy reading a request that has not ended (a sync worker
    # serves one connection at a time), so the others go to the second worker; the
    # held one is answered by the first when it ends. Both workers count some.
    held = socket.create_connection(("127.0.0.1", port), timeout=5)
    held.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 b"X-Request-ID: multi-0\r\n")
    time.sleep(0.3)  # a worker has accepted it
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(
            lambda n: get(port, "/healthz", {"X-Request-ID": f"multi-{n}"})[0],
            range(1, REQUESTS)))
    held.sendall(b"\r\n")
    with held, held.makefile("rb") as answer:
        statuses.append(int(answer.readline().split()[1]))
    assert statuses == [200] * REQUESTS
    # Both workers answered some: each keeps its counts in files named by its pid.
    pids = {path.stem.rsplit("_", 1)[1] for path in folder.glob("counter_*.db")}
    assert "99999999" not in pids, "the stale file of an earlier run was not removed"
    assert len(pids) == 2, pids

    # Whichever worker answers a scrape, it reports the sum.
    for _ in range(4):
        status, text = get(port, "/metrics")
        assert status == 200
        assert requests_counted(samples(text), "core.healthz") == REQUESTS

    lines = [json.loads(line) for line in log.read_text().splitlines()
             if line.startswith("{")]
    ours = [line for line in lines if line.get("request_id", "").startswith("multi-")]
    assert len(ours) == REQUESTS
    assert {line["logger"] for line in ours} == {"ideaboard.access"}
    assert {line["request_id"] for line in ours} == {f"multi-{n}" for n in range(REQUESTS)}
    assert all(line["path"] == "/healthz" and line["status"] == 200 for line in ours)


def test_hooks_do_nothing_without_the_folder(monkeypatch, tmp_path):
    from ideaboard.core import gunicorn_hooks

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    gunicorn_hooks.on_starting(None)
    gunicorn_hooks.child_exit(None, None)  # no worker pid is read
    assert not list(Path(tmp_path).iterdir())

"""Two real ``flask --app ideaboard worker`` processes side by side, on the suite's
database (SQLite or PostgreSQL), deliver each webhook exactly once to a receiver on
127.0.0.1, each signed."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.ideas.services import submit_idea
from ideaboard.webhooks.models import WebhookDelivery
from tests.helpers.ports import free_port
from tests.helpers.webhooks import PATH, make_endpoint, received, receiver_url, verify
from tests.helpers.workers import WorkerProcess

IDEAS = 20


@pytest.fixture
def workers(app, database_url):
    started: list[WorkerProcess] = []
    yield lambda: started.append(WorkerProcess(
        database_url, free_port(), "--only", "send-webhooks",
        settings={"IDEABOARD_WEBHOOKS_ALLOW_LOOPBACK": "true",
             "IDEABOARD_WORKER_POLL_SECONDS": "0.2"})) or started[-1]
    for process in started:
        process.kill()


def test_two_worker_processes_deliver_each_webhook_once(app, workers, httpserver, admin,
                                                        author, it_department):
    def slow_ok(request):
        time.sleep(0.05)  # a second of sending: both workers find work in it
        return "ok"

    httpserver.expect_request(PATH).respond_with_handler(slow_ok)
    _, secret = make_endpoint(admin, receiver_url(httpserver))
    first, second = workers(), workers()
    # Queued as a request would: one writing unit of work (on SQLite it waits for the
    # write lock rather than failing beside the workers).
    with unit_of_work():
        for n in range(IDEAS):
            submit_idea(author, f"Idea number {n} for two workers", "Body.", it_department,
                        [], False)

    deadline = time.monotonic() + 20
    while len(received(httpserver)) < IDEAS and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # room for a duplicate to show
    requests = received(httpserver)
    assert len(requests) == IDEAS, [d.last_error for d in db.session.query(WebhookDelivery)]
    assert Counter(r.headers["webhook-id"] for r in requests) == Counter(
        {d.message_id: 1 for d in db.session.query(WebhookDelivery)})
    assert all(verify(secret, r)["type"] == "idea.created" for r in requests)
    for worker in (first, second):
        assert worker.terminate()[0] == 0, worker.output()
    db.session.commit()
    assert {d.state for d in db.session.query(WebhookDelivery)} == {"delivered"}
    done = [sum(int(n) for n in re.findall(r"send-webhooks: delivered (\d+)", w.output()))
            for w in (first, second)]
    assert sum(done) == IDEAS and min(done) > 0, done  # both took part

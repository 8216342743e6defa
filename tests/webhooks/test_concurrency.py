"""Two workers at once never send one delivery twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter

import pytest

from ideaboard.extensions import db
from ideaboard.ideas.services import submit_idea
from ideaboard.webhooks.models import WebhookDelivery
from ideaboard.webhooks.worker import deliver_pending
from tests.helpers.concurrency import run_together
from tests.helpers.factories import DepartmentFactory, UserFactory
from tests.helpers.webhooks import PATH, allow_loopback, make_endpoint, received, receiver_url

IDEAS = 12


@pytest.mark.parametrize("which", ["app", "pg_app"])
def test_two_workers_never_send_one_delivery_twice(request, which, httpserver):
    app = request.getfixturevalue(which)
    allow_loopback(app)
    httpserver.expect_request(PATH).respond_with_data("ok")
    department = DepartmentFactory(name="Ops", slug="ops")
    admin = UserFactory(role="admin", department=department)
    author = UserFactory(department=department)
    make_endpoint(admin, receiver_url(httpserver))
    make_endpoint(admin, receiver_url(httpserver))
    for n in range(IDEAS):
        submit_idea(author, f"Idea number {n} for the race", "Body.", department, [], False)
    db.session.commit()
    db.session.remove()

    results = []

    def worker():
        return lambda: results.append(deliver_pending())

    assert run_together(app, [worker, worker]) == []
    sent = Counter(r.headers["webhook-id"] for r in received(httpserver))
    assert len(sent) == 2 * IDEAS
    assert set(sent.values()) == {1}, "a delivery was sent twice"
    assert sum(r.delivered for r in results) == 2 * IDEAS
    states = Counter(d.state for d in db.session.query(WebhookDelivery))
    assert states == {"delivered": 2 * IDEAS}

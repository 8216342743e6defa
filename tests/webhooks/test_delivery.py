"""Events queued with the change they tell of, delivered by the worker to real receivers
on 127.0.0.1, signed the Standard Webhooks way and verified with ``standardwebhooks``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from ideaboard.extensions import db
from ideaboard.ideas.services import submit_idea
from ideaboard.notifications.models import Notification, NotificationKind, OutboxEmail
from ideaboard.review.services import decide
from ideaboard.webhooks import signing
from ideaboard.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from ideaboard.webhooks.worker import BACKOFF_BASE, deliver_pending
from tests.helpers.review import make_idea
from tests.helpers.webhooks import (
    PATH,
    Clock,
    make_endpoint,
    received,
    receiver_url,
    verify,
)


def _submit(author, department, *, anonymous=False):
    idea = submit_idea(author, "Shared printers on every floor", "Less walking.",
                       department, [], anonymous)
    db.session.commit()
    return idea


def _deliveries():
    db.session.expire_all()
    return db.session.query(WebhookDelivery).order_by(WebhookDelivery.id).all()


def test_a_new_idea_reaches_the_receiver_signed(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH, method="POST").respond_with_data("ok")
    _, secret = make_endpoint(admin, receiver_url(httpserver))
    idea = _submit(author, it_department)

    queued = _deliveries()
    assert [d.event_type for d in queued] == ["idea.created"]
    assert received(httpserver) == []  # queued with the change, nothing sent yet

    result = deliver_pending()
    assert result.delivered == 1
    [request] = received(httpserver)
    event = verify(secret, request)
    assert event["type"] == "idea.created"
    data = event["data"]
    assert (data["idea_id"], data["title"], data["status"], data["department"]) == (
        idea.id, "Shared printers on every floor", "open", "IT")
    assert data["url"] == f"http://ideaboard.test/ideas/{idea.id}"
    assert data["author"] == "Avery Author"
    assert request.headers["webhook-id"] == queued[0].message_id
    [done] = _deliveries()
    assert (done.state, done.status_code, done.attempts) == ("delivered", 200, 1)
    assert done.latency_ms is not None
    assert deliver_pending().delivered == 0  # sent once


def test_an_anonymous_idea_never_names_its_author(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH).respond_with_data("ok")
    _, secret = make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department, anonymous=True)
    deliver_pending()
    [request] = received(httpserver)
    assert verify(secret, request)["data"]["author"] is None
    assert "Avery" not in request.get_data(as_text=True)


def test_a_wrong_secret_does_not_verify(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH).respond_with_data("ok")
    make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    deliver_pending()
    with pytest.raises(WebhookVerificationError):
        verify(signing.new_secret(), received(httpserver)[0])


def test_an_old_signature_is_refused_and_each_retry_is_signed_afresh(
        app, httpserver, admin, author, it_department):
    httpserver.expect_ordered_request(PATH).respond_with_data("busy", status=503)
    httpserver.expect_ordered_request(PATH).respond_with_data("ok")
    _, secret = make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    # The first attempt was made (and signed) ten minutes ago: a replay of it now fails.
    clock = Clock()
    clock.advance(minutes=-10)
    [queued] = _deliveries()
    queued.created_at = queued.next_attempt_at = clock.now
    db.session.commit()
    deliver_pending(clock=clock)
    first = received(httpserver)[0]
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, first)
    [pending] = _deliveries()
    assert (pending.state, pending.attempts, pending.status_code) == ("pending", 1, 503)
    wait = pending.next_attempt_at - clock.now
    assert BACKOFF_BASE / 2 <= wait <= BACKOFF_BASE  # backoff with jitter

    clock.advance(minutes=10)  # the retry, now: a fresh timestamp and signature
    assert deliver_pending(clock=clock).delivered == 1
    second = received(httpserver)[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    signed_at = [int(r.headers["webhook-timestamp"]) for r in (first, second)]
    assert signed_at[1] - signed_at[0] >= 600
    assert second.headers["webhook-signature"] != first.headers["webhook-signature"]
    assert verify(secret, second)["type"] == "idea.created"
    [done] = _deliveries()
    assert (done.state, done.attempts) == ("delivered", 2)


def test_backoff_grows_and_is_not_due_before_its_time(app, httpserver, admin, author,
                                                      it_department):
    httpserver.expect_request(PATH).respond_with_data("down", status=500)
    make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    clock = Clock()
    waits = []
    for _ in range(3):
        deliver_pending(clock=clock)
        [row] = _deliveries()
        waits.append(row.next_attempt_at - clock.now)
        deliver_pending(clock=clock)  # not due yet: nothing sent
        clock.now = row.next_attempt_at
    assert len(received(httpserver)) == 3
    for attempt, wait in enumerate(waits, 1):
        full = BACKOFF_BASE * 2 ** (attempt - 1)
        assert full / 2 <= wait <= full


def test_429_respects_retry_after(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"})
    make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    clock = Clock()
    deliver_pending(clock=clock)
    [row] = _deliveries()
    assert (row.state, row.status_code) == ("pending", 429)
    assert row.next_attempt_at - clock.now == timedelta(seconds=120)


def test_other_4xx_fails_without_retry(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH).respond_with_data("no", status=400)
    make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    deliver_pending()
    [row] = _deliveries()
    assert (row.state, row.status_code, row.last_error) == ("failed", 400, "HTTP 400")
    clock = Clock()
    clock.advance(days=1)
    deliver_pending(clock=clock)
    assert len(received(httpserver)) == 1


def test_410_gone_switches_the_endpoint_off(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH).respond_with_data("gone", status=410)
    endpoint, _ = make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    deliver_pending()
    [row] = _deliveries()
    assert row.state == "failed"
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.active and "410" in endpoint.disabled_reason
    _submit(author, it_department)  # an inactive endpoint gets nothing more
    assert len(_deliveries()) == 1


def test_repeated_failures_mark_the_endpoint_failing_and_tell_the_admins(
        app, httpserver, admin, author, it_department):
    app.config["WEBHOOKS_FAILURE_THRESHOLD"] = 3
    httpserver.expect_request(PATH).respond_with_data("no", status=400)
    endpoint, _ = make_endpoint(admin, receiver_url(httpserver))
    for _ in range(3):
        _submit(author, it_department)
    deliver_pending()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.failing and endpoint.consecutive_failures == 3
    told = db.session.query(Notification).filter_by(
        kind=NotificationKind.WEBHOOK_FAILING.value).all()
    assert [n.user_id for n in told] == [admin.id]
    assert endpoint.url not in told[0].message  # a Slack URL is a credential
    [mail] = db.session.query(OutboxEmail).all()
    assert mail.to_address == admin.email and f"#{endpoint.id} is failing" in mail.subject

    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_data("ok")
    _submit(author, it_department)
    deliver_pending()
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.failing and endpoint.consecutive_failures == 0  # a success resets


def test_a_timeout_is_retried(app, httpserver, admin, author, it_department):
    import time

    app.config["WEBHOOKS_TIMEOUT"] = 0.2
    httpserver.expect_request(PATH).respond_with_handler(
        lambda request: time.sleep(0.6) or "late")
    make_endpoint(admin, receiver_url(httpserver))
    _submit(author, it_department)
    deliver_pending()
    [row] = _deliveries()
    assert row.state == "pending" and row.attempts == 1
    assert "timed out" in row.last_error.lower() or "timeout" in row.last_error.lower()
    time.sleep(0.6)  # the receiver finishes its answer before the next test's starts


def test_departments_wired_to_a_channel_get_their_own_ideas(
        app, httpserver, admin, author, it_department, hr_department, company):
    httpserver.expect_request(PATH).respond_with_data("ok")
    url = receiver_url(httpserver)
    it_only, _ = make_endpoint(admin, url, department_id=it_department.id)
    make_endpoint(admin, url, department_id=hr_department.id)  # not HR's idea: nothing
    whole, _ = make_endpoint(admin, url, department_id=company.id)  # and its sub-departments
    everyone, _ = make_endpoint(admin, url)
    _submit(author, it_department)
    assert sorted(d.endpoint_id for d in _deliveries()) == sorted(
        [it_only.id, whole.id, everyone.id])


def test_the_event_filter_is_respected(app, httpserver, admin, author, manager, it_department):
    httpserver.expect_request(PATH).respond_with_data("ok")
    decided_only, secret = make_endpoint(admin, receiver_url(httpserver), events=["idea.decided"])
    _submit(author, it_department)
    idea = make_idea(author, it_department, status="in_review")
    decide(idea, manager, "declined", "We tried this last year and it did not work out.")
    db.session.commit()
    assert [(d.endpoint_id, d.event_type) for d in _deliveries()] == [
        (decided_only.id, "idea.decided")]
    deliver_pending()
    data = verify(secret, received(httpserver)[0])["data"]
    assert data["status"] == "declined"
    assert data["change"] == {"from": "in_review", "to": "declined",
                              "reason": "We tried this last year and it did not work out."}


def test_a_hidden_idea_is_withheld(app, httpserver, admin, author, it_department):
    httpserver.expect_request(PATH).respond_with_data("ok")
    make_endpoint(admin, receiver_url(httpserver))
    idea = _submit(author, it_department)
    idea.hidden = True  # a moderator hid it before the worker came by
    db.session.commit()
    deliver_pending()
    assert received(httpserver) == []
    [row] = _deliveries()
    assert row.state == DeliveryState.WITHHELD.value

"""/metrics: who may read it, what it counts, and the gauges read at scrape time
(issue 19, "Health and metrics")."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import pytest
from flask import Flask

from ideaboard import create_app
from ideaboard.core import metrics
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from ideaboard.notifications.worker import MAX_ATTEMPTS
from tests.helpers.metrics import requests_counted, samples, scrape, value
from tests.helpers.review import make_idea

TOKEN = secrets.token_urlsafe(32)
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}  # an address in no allow-list


@pytest.fixture
def guarded_app(app) -> Flask:
    """The suite's app with a metrics token and the default allow-list (loopback)."""
    app.config["METRICS_TOKEN"] = TOKEN
    return app


# --- who may read it -------------------------------------------------------------------

def test_loopback_may_scrape_by_default(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "no-store" in response.headers["Cache-Control"]


def test_another_address_without_token_is_refused(guarded_app):
    response = guarded_app.test_client().get("/metrics", environ_base=ELSEWHERE)
    assert response.status_code == 404
    assert b"ideaboard_http_requests" not in response.data


def test_the_token_opens_it_from_anywhere(guarded_app):
    response = guarded_app.test_client().get(
        "/metrics", environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b"ideaboard_http_requests_total" in response.data


@pytest.mark.parametrize("authorization", [
    f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer ", "Bearer é"])
def test_a_wrong_token_is_refused(guarded_app, authorization):
    response = guarded_app.test_client().get(
        "/metrics", environ_base=ELSEWHERE, headers={"Authorization": authorization})
    assert response.status_code == 404


def test_being_signed_in_is_not_enough(app, admin_client):
    response = admin_client.get("/metrics", environ_base=ELSEWHERE)
    assert response.status_code == 404


def test_a_relayed_loopback_request_is_not_trusted(client):
    """Behind a proxy on the same machine every request comes from 127.0.0.1; one that
    a proxy relayed (X-Forwarded-For) while the app believes no proxy is judged by no
    address at all, only by the token."""
    response = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert response.status_code == 404


def test_a_believed_proxy_gives_the_client_address(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROXY_FIX_X_FOR": 1,
                      "METRICS_ALLOW": ["10.0.0.0/8"]}, env="testing")
    client = app.test_client()
    inside = client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"})
    outside = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    with app.app_context():
        db.engine.dispose()
    assert (inside.status_code, outside.status_code) == (200, 404)


def test_allow_none_refuses_even_loopback(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "METRICS_ALLOW": ["none"],
                      "METRICS_TOKEN": TOKEN}, env="testing")
    client = app.test_client()
    refused = client.get("/metrics")
    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with app.app_context():
        db.engine.dispose()
    assert (refused.status_code, allowed.status_code) == (404, 200)


def test_ipv6_loopback_is_allowed(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_a_malformed_allow_list_refuses_to_start(database_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_METRICS_ALLOW"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                    "METRICS_ALLOW": ["10.0.0.0/33"]}, env="testing")


def test_production_refuses_a_short_token(database_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_METRICS_TOKEN"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secrets.token_hex(32),
                    "BASE_URL": "https://ideas.example.com", "METRICS_TOKEN": "short"},
                   env="production")


def test_production_does_not_expose_metrics_openly_by_default(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": secrets.token_hex(32),
                      "BASE_URL": "https://ideas.example.com"}, env="production")
    assert app.config["METRICS_TOKEN"] is None
    client = app.test_client()
    elsewhere = client.get("/metrics", base_url="https://ideas.example.com",
                           environ_base=ELSEWHERE)
    with app.app_context():
        db.engine.dispose()
    assert elsewhere.status_code == 404


# --- what it counts ----------------------------------------------------------------------

def test_request_counts_move_by_endpoint_not_path(client, employee_client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/no/such/other/page").status_code == 404
    assert employee_client.get("/ideas/999999").status_code == 404
    after = scrape(client)

    assert requests_counted(after, "core.healthz") - requests_counted(before, "core.healthz") == 3
    # Every unknown path is one series, however many paths clients invent.
    assert requests_counted(after, "unmatched", status="4xx") - \
        requests_counted(before, "unmatched", status="4xx") == 2
    assert requests_counted(after, "ideas.detail", status="4xx") == 1
    # The scrape before counted itself once it had answered.
    assert requests_counted(after, "core.metrics_page") == 1
    latency = value(after, "ideaboard_http_request_duration_seconds_count",
                    endpoint="core.healthz", method="GET")
    assert latency == 3
    assert value(after, "ideaboard_http_request_duration_seconds_sum",
                 endpoint="core.healthz", method="GET") > 0
    paths = [labels for (_name, labels) in after if ("endpoint", "/no/such/page") in labels]
    assert not paths


def test_invented_methods_share_one_label(client):
    assert client.open("/healthz", method="BREW").status_code == 405
    assert client.open("/healthz", method="MKCOL").status_code == 405
    # No rule matched (the routing refused the method): one series for both.
    assert requests_counted(scrape(client), "unmatched", method="other", status="4xx") == 2


def test_each_app_counts_its_own(database_url, client):
    """Apps in one process (the suite builds hundreds) keep separate registries."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="testing")
    other.test_client().get("/healthz")
    with other.app_context():
        db.engine.dispose()
    assert requests_counted(scrape(client), "core.healthz") == 0


# --- gauges read at scrape time ----------------------------------------------------------

def _email(**columns) -> OutboxEmail:
    row = OutboxEmail(to_address="someone@example.com", subject="News", body_text="Hello",
                      **columns)
    db.session.add(row)
    return row


def test_outbox_gauges_match_the_rows(client):
    now = utcnow()
    _email(created_at=now - timedelta(minutes=30))   # the oldest still waiting
    _email(created_at=now - timedelta(minutes=5), attempts=3)  # failed, will retry
    _email(created_at=now - timedelta(days=3), sent_at=now - timedelta(days=3))  # sent
    _email(created_at=now - timedelta(days=2), attempts=MAX_ATTEMPTS)  # given up
    db.session.commit()

    gauges = scrape(client)
    assert value(gauges, "ideaboard_outbox_pending") == 2
    assert value(gauges, "ideaboard_outbox_given_up") == 1
    age = value(gauges, "ideaboard_outbox_oldest_pending_seconds")
    assert 30 * 60 <= age < 30 * 60 + 60
    assert value(gauges, "ideaboard_metrics_collector_up", collector="outbox") == 1


def test_an_empty_outbox_is_zero(client):
    gauges = scrape(client)
    assert value(gauges, "ideaboard_outbox_pending") == 0
    assert ("ideaboard_outbox_oldest_pending_seconds", frozenset()) in gauges
    assert value(gauges, "ideaboard_outbox_oldest_pending_seconds") == 0


def test_the_oldest_overdue_review(client, author, it_department):
    make_idea(author, it_department, status="in_review", due_in_days=-3)
    make_idea(author, it_department, status="in_review", due_in_days=-1)
    make_idea(author, it_department, status="in_review", due_in_days=2)  # not yet due
    make_idea(author, it_department, status="accepted", due_in_days=-9)  # decided
    gauges = scrape(client)
    assert value(gauges, "ideaboard_reviews_overdue") == 2
    oldest = value(gauges, "ideaboard_review_oldest_overdue_seconds")
    assert 3 * 86400 - 60 < oldest < 3 * 86400 + 60


def test_the_workers_heartbeats(app, client):
    from ideaboard.worker.models import ScheduledJob, WorkerHeartbeat

    now = utcnow()
    period = app.config["WORKER_HEARTBEAT_SECONDS"]
    db.session.add_all([
        WorkerHeartbeat(id="app1:10:1", hostname="app1", pid=10, seen_at=now, jobs_run=7,
                        jobs_failed=1, current_job="send-mail",
                        job_started_at=now - timedelta(seconds=20)),
        # Silent for ten periods and never stopped: died, and shown ever older.
        WorkerHeartbeat(id="app2:11:1", hostname="app2", pid=11,
                        seen_at=now - timedelta(seconds=10 * period), jobs_run=3),
        # Stopped cleanly: history, not shown.
        WorkerHeartbeat(id="app3:12:1", hostname="app3", pid=12, seen_at=now,
                        stopped_at=now),
        ScheduledJob(name="escalate", due_at=now, last_run_at=now - timedelta(minutes=2)),
    ])
    db.session.commit()

    gauges = scrape(client)
    assert value(gauges, "ideaboard_workers_live") == 1
    assert value(gauges, "ideaboard_worker_jobs_run", worker="app1:10:1") == 7
    assert value(gauges, "ideaboard_worker_jobs_failed", worker="app1:10:1") == 1
    running = value(gauges, "ideaboard_worker_job_running_seconds", worker="app1:10:1",
                    job="send-mail")
    assert 20 <= running < 80
    silent = value(gauges, "ideaboard_worker_heartbeat_age_seconds", worker="app2:11:1")
    assert 10 * period <= silent < 10 * period + 60
    assert not any(dict(labels).get("worker") == "app3:12:1" for _name, labels in gauges)
    last = value(gauges, "ideaboard_job_last_run_age_seconds", job="escalate")
    assert 120 <= last < 180
    assert value(gauges, "ideaboard_metrics_collector_up", collector="worker_heartbeats") == 1


def test_a_failing_collector_leaves_the_rest(app, client):
    def broken(connection, now):
        connection.exec_driver_sql("SELECT * FROM no_such_table")
        return []

    metrics.add_collector(app, "broken", broken)
    gauges = scrape(client)
    assert value(gauges, "ideaboard_metrics_collector_up", collector="broken") == 0
    assert value(gauges, "ideaboard_metrics_collector_up", collector="outbox") == 1
    # The request's own transaction was untouched, so the page still answers.
    assert client.get("/readyz").status_code == 200


def test_a_collector_is_registered_once(app):
    with pytest.raises(RuntimeError, match="twice"):
        metrics.add_collector(app, "outbox", lambda connection, now: [])


def test_metrics_are_served_while_the_database_is_away(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'gone' / 'x.db'}",
                      "PROPAGATE_EXCEPTIONS": False}, env="testing")
    client = app.test_client()
    client.get("/healthz")
    response = client.get("/metrics")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 200
    gauges = samples(response.get_data(as_text=True))
    assert value(gauges, "ideaboard_metrics_collector_up", collector="outbox") == 0
    assert requests_counted(gauges, "core.healthz") == 1


# --- what it costs -------------------------------------------------------------------

def test_recording_a_request_is_cheap(app):
    """The in-process cost of counting one request (counter and histogram), against a
    budget far above it; the figure is printed for docs/OPERATIONS.md."""
    recorder = metrics.of(app).requests
    recorder.record("ideas.index", "GET", 200, 0.01)  # the children, found once
    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        recorder.record("ideas.index", "GET", 200, 0.01)
    per_request = (time.perf_counter() - started) / rounds
    print(f"\nmetrics per request: {per_request * 1e6:.2f} µs")
    assert per_request < 50e-6

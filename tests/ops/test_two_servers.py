"""Two app servers behind a real haproxy, on one PostgreSQL database and one Redis,
behave as one (bench/cluster.py builds the cluster).

Skipped without haproxy, PostgreSQL or Redis under ``make test``; ``.ci/run`` installs
haproxy and sets ``IDEABOARD_REQUIRE_HAPROXY=1``, so in CI these tests cannot skip.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.helpers.postgres import (
    create_database,
    drop_database,
    postgres_server_url,
    require_or_skip,
)
from tests.helpers.redis import redis_url_or_skip

# Failed log-ins one account may make: small, so the test reaches it in a few requests.
LOGIN_FAILURES_ALLOWED = 4
VOTE_COUNT = re.compile(r"data-vote-count>(\d+)<")
LOAD_SECONDS = 4.0
STOP_AFTER_SECONDS = 1.5


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A generated company on a fresh PostgreSQL database, served by two gunicorn app
    servers (two workers each) behind haproxy; dropped afterwards."""
    if shutil.which("haproxy") is None:
        require_or_skip("needs haproxy (apt-get install haproxy)", "IDEABOARD_REQUIRE_HAPROXY")
    server = postgres_server_url()
    if server is None:
        require_or_skip("needs PostgreSQL on 127.0.0.1:5432 (set IDEABOARD_TEST_POSTGRES_URL)")
    redis_url = redis_url_or_skip()
    from bench import generate as gen
    from bench.cluster import running_cluster
    from ideaboard.extensions import db

    url = create_database(server)
    try:
        _app, context = gen.prepare_database(url)
        try:
            gen.generate(db.engine, scale=0.0002, log=lambda _message: None)
        finally:
            db.engine.dispose()
            context.pop()
        workdir = tmp_path_factory.mktemp("cluster")
        with running_cluster(
                url, workdir, redis_url=redis_url,
                IDEABOARD_RATELIMIT_LOGIN_ACCOUNT=f"{LOGIN_FAILURES_ALLOWED} per 15 minutes",
                IDEABOARD_RATELIMIT_COMMENTS="10000 per minute") as running:
            yield running
    finally:
        drop_database(url)


def _rows(cluster, sql: str, *params) -> list[tuple]:
    import psycopg

    with psycopg.connect(cluster.database_url) as connection:
        return connection.execute(sql, params).fetchall()


def _idea_not_by(cluster, email: str) -> int:
    return _rows(cluster, "SELECT i.id FROM ideas i JOIN users u ON u.id = i.author_id "
                          "WHERE u.email <> %s AND i.status = 'open' AND NOT i.hidden "
                          "ORDER BY i.id LIMIT 1", email)[0][0]


def _vote_count(port: int, idea: int, session) -> int:
    from bench.run import http_request

    status, page = http_request(port, "GET", f"/ideas/{idea}", session)
    assert status == 200, status
    return int(VOTE_COUNT.search(page).group(1))


def test_a_session_signed_in_on_one_server_works_on_the_other(cluster):
    from bench import generate as gen
    from bench.run import http_request, log_in

    session = log_in(cluster.servers["a"].port, gen.USER_EMAIL)
    status, page = http_request(cluster.servers["b"].port, "GET", "/notifications", session)
    assert status == 200
    assert "Bench User" in page
    # The CSRF token one server gave is good on the other: a write goes through.
    idea = _idea_not_by(cluster, gen.USER_EMAIL)
    status, _ = http_request(cluster.servers["b"].port, "POST", f"/ideas/{idea}/follow",
                             session, form={"csrf_token": session.csrf_token})
    assert status == 302
    # Logging out on one server ends the session on both.
    status, _ = http_request(cluster.servers["b"].port, "POST", "/logout", session,
                             form={"csrf_token": session.csrf_token})
    assert status == 302
    status, _ = http_request(cluster.servers["a"].port, "GET", "/notifications", session)
    assert status == 302


def test_a_vote_through_one_server_shows_on_the_next_page_from_the_other(cluster):
    from bench import generate as gen
    from bench.run import http_request, log_in

    a, b = cluster.servers["a"].port, cluster.servers["b"].port
    session = log_in(cluster.port, gen.MANAGER_EMAIL)
    idea = _idea_not_by(cluster, gen.MANAGER_EMAIL)
    http_request(a, "POST", f"/ideas/{idea}/vote", session,
                 form={"csrf_token": session.csrf_token, "value": "0"})
    # Every worker of server B renders (and keeps) the idea page first.
    shown = {_vote_count(b, idea, session) for _ in range(6)}
    assert len(shown) == 1
    base = shown.pop()
    status, _ = http_request(a, "POST", f"/ideas/{idea}/vote", session,
                             form={"csrf_token": session.csrf_token, "value": "1"})
    assert status == 302
    # The very next pages from B, whichever of its workers answers, show the vote.
    assert [_vote_count(b, idea, session) for _ in range(6)] == [base + 1] * 6
    # And the other way round: taken back through B, gone on A.
    [_vote_count(a, idea, session) for _ in range(6)]
    status, _ = http_request(b, "POST", f"/ideas/{idea}/vote", session,
                             form={"csrf_token": session.csrf_token, "value": "0"})
    assert status == 302
    assert [_vote_count(a, idea, session) for _ in range(6)] == [base] * 6


def test_rate_limits_are_shared_through_redis(cluster):
    from bench import generate as gen
    from bench.run import CSRF_PATTERN, Session, http_request

    ports = [cluster.servers["a"].port, cluster.servers["b"].port]
    statuses = []
    # Wrong passwords for one account, alternating the servers (four workers in all):
    # the limit counts them together, not per server or worker.
    for attempt in range(LOGIN_FAILURES_ALLOWED + 2):
        port = ports[attempt % 2]
        session = Session(gen.ADMIN_EMAIL)
        _status, page = http_request(port, "GET", "/login", session)
        token = CSRF_PATTERN.search(page).group(1)
        status, _ = http_request(port, "POST", "/login", session, form={
            "email": gen.ADMIN_EMAIL, "password": "not the password", "csrf_token": token})
        statuses.append(status)
    assert statuses[:LOGIN_FAILURES_ALLOWED] == [422] * LOGIN_FAILURES_ALLOWED
    assert statuses[LOGIN_FAILURES_ALLOWED:] == [429, 429]


@dataclass
class Load:
    """What people saw while the load ran: each answer, and the comments said saved."""

    answers: Counter = field(default_factory=Counter)
    saved: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _load_while(cluster, action) -> Load:
    """Three people read the newest ideas and comment through the balancer for
    LOAD_SECONDS; ``action`` runs STOP_AFTER_SECONDS in."""
    from bench.run import http_request, log_in

    people = [email for (email,) in _rows(
        cluster, "SELECT email FROM users WHERE role = 'employee' ORDER BY id LIMIT 3")]
    sessions = [log_in(cluster.port, email) for email in people]
    ideas = [_idea_not_by(cluster, email) for email in people]
    load = Load()
    lock = threading.Lock()
    started = time.monotonic()

    def person(session, idea) -> None:
        while time.monotonic() - started < LOAD_SECONDS:
            body = f"Load test comment {uuid.uuid4().hex}"
            for method, path, form in (
                    ("GET", "/?sort=new", None),
                    ("POST", f"/ideas/{idea}/comments",
                     {"csrf_token": session.csrf_token, "body": body})):
                try:
                    status, _ = http_request(cluster.port, method, path, session, form=form)
                except OSError as error:
                    status = type(error).__name__
                with lock:
                    load.answers[method, status] += 1
                    if method == "POST":
                        (load.saved if status == 302 else load.refused).append(body)

    threads = [threading.Thread(target=person, args=pair)
               for pair in zip(sessions, ideas, strict=True)]
    for thread in threads:
        thread.start()
    time.sleep(STOP_AFTER_SECONDS)
    action()
    for thread in threads:
        thread.join(timeout=60)
    return load


def _stored_load_comments(cluster) -> Counter:
    return Counter(body for (body,) in _rows(
        cluster, "SELECT body_md FROM comments WHERE body_md LIKE 'Load test comment %%'"))


def test_stopping_a_server_under_load_loses_no_request_and_no_write(cluster):
    """Server A is drained and stopped while people read and comment: every request is
    answered, and every comment is saved exactly once."""
    try:
        load = _load_while(cluster, lambda: cluster.stop_server("a"))
        assert cluster.balancer.server_states()["a"] == "DOWN"
        assert set(load.answers) == {("GET", 200), ("POST", 302)}, load.answers
        assert load.answers["POST", 302] >= 10  # the load went on after the stop
        assert _stored_load_comments(cluster) == Counter(load.saved)
    finally:
        cluster.start_server("a")


def test_a_server_stopped_without_draining_loses_no_read_and_writes_nothing_twice(cluster):
    """Server A gets SIGTERM without being drained first: the requests queued on its
    socket are cut. The balancer sends every cut read again; a cut write is not sent
    again (it might have been applied), so the person sees an error page and nothing
    is written twice or said saved when it was not."""
    before = _stored_load_comments(cluster)
    try:
        load = _load_while(cluster, lambda: cluster.stop_server("a", drain=False))
        assert set(load.answers) <= {("GET", 200), ("POST", 302), ("POST", 502)}, load.answers
        assert load.answers["GET", 200] >= 10
        stored = _stored_load_comments(cluster) - before
        assert stored == Counter(load.saved)
        assert not set(load.refused) & set(stored)
    finally:
        cluster.start_server("a")

"""Bad input to the API: each is a 4xx problem-details answer, and nothing is written."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.core.throttling import Throttle
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.voting.models import Vote
from tests.helpers.api import PROBLEM_JSON, ApiClient, new_token
from tests.helpers.review import make_idea

TITLE = "A perfectly good title"


@pytest.fixture
def api(app, employee):
    return ApiClient(app.test_client(), new_token(employee))


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM_JSON
    body = response.json
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def _nothing_written() -> None:
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "api.write")) == 0


@pytest.mark.parametrize("raw", ['{"title": ', "not json", "[1, 2", '{"title": "x"}}'])
def test_malformed_json_is_400(api, raw):
    _problem(api.post("/ideas", raw=raw), 400)
    _nothing_written()


@pytest.mark.parametrize("body,field", [
    ({"title": 42, "body": "b"}, "title"),
    ({"title": TITLE, "body": ["a"]}, "body"),
    ({"title": TITLE, "body": "b", "anonymous": "maybe"}, "anonymous"),
    ({"title": TITLE, "body": "b", "department_id": "it"}, "department_id"),
    ({"title": TITLE, "body": "b", "tags": "one,two"}, "tags"),
    ({"title": "short", "body": "b"}, "title"),
    ({"body": "b"}, "title"),
    ({"title": TITLE, "body": "b", "author_id": 1}, "author_id"),  # unknown: RAISE
    ({"title": TITLE, "body": "b", "status": "accepted"}, "status"),
])
def test_wrong_types_missing_and_unknown_fields_are_422_naming_the_field(api, body, field):
    problem = _problem(api.post("/ideas", body), 422)
    assert field in problem["errors"]["json"]
    _nothing_written()


def test_a_json_array_is_not_an_idea(api):
    _problem(api.post("/ideas", [1, 2]), 422)
    _nothing_written()


def test_another_content_type_is_415(api):
    _problem(api.post("/ideas", raw="title=x", content_type="application/x-www-form-urlencoded"),
             415)
    _nothing_written()


def test_an_oversized_body_is_413(app, api):
    body = json.dumps({"title": TITLE, "body": "x" * (app.config["API_MAX_BODY"] + 1)})
    _problem(api.post("/ideas", raw=body), 413)
    _nothing_written()


@pytest.mark.parametrize("cursor", ["nonsense", "a" * 401, "eyJ0ZXN0IjoxfQ.forged"])
def test_an_invalid_cursor_is_a_problem(api, cursor):
    response = api.get(f"/ideas?cursor={cursor}")
    assert 400 <= response.status_code < 500
    _problem(response, response.status_code)
    _problem(api.get(f"/me/notifications?cursor={cursor}"), response.status_code)


def test_a_cursor_of_another_list_is_refused(api, author, it_department):
    for n in range(3):
        make_idea(author, it_department, title=f"Some idea number {n}")
    cursor = api.get("/ideas?limit=1&sort=new").json["next_cursor"]
    assert api.get(f"/ideas?limit=1&sort=new&cursor={cursor}").status_code == 200
    _problem(api.get(f"/ideas?limit=1&sort=top&cursor={cursor}"), 400)


@pytest.mark.parametrize("query", ["limit=0", "limit=1000", "limit=x", "status=nope",
                                   "sort=random", "page=2"])
def test_bad_query_arguments_are_422(api, query):
    _problem(api.get(f"/ideas?{query}"), 422)


def test_unknown_urls_and_methods_are_problems(api):
    _problem(api.get("/nowhere"), 404)
    _problem(api.get("/ideas/99999"), 404)
    problem = _problem(api.delete("/departments"), 405)
    assert problem["title"] == "Method Not Allowed"


@pytest.mark.parametrize("scopes", [("read",), ("review",), ()])
def test_an_under_scoped_token_writes_nothing(app, employee, manager, author, it_department,
                                              scopes):
    idea = make_idea(author, it_department, title="An idea to vote on")
    user = manager if "review" in scopes else employee
    api = ApiClient(app.test_client(), new_token(user, scopes) if scopes else None)
    status = 403 if scopes else 401
    _problem(api.post("/ideas", {"title": TITLE, "body": "b"}), status)
    _problem(api.post(f"/ideas/{idea.id}/vote", {"value": 1}), status)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "api.write")) == 0


def test_a_session_cookie_alone_is_refused_and_no_cookie_is_set(app, employee_client):
    assert employee_client.get("/ideas/new").status_code == 200  # signed in for pages
    response = employee_client.get("/api/v1/ideas")
    _problem(response, 401)
    assert "Set-Cookie" not in response.headers
    refused = employee_client.post("/api/v1/ideas", json={"title": TITLE, "body": "b"})
    _problem(refused, 401)
    _nothing_written()


def test_a_token_call_sets_no_cookie(api):
    response = api.get("/ideas")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_the_rate_limit_is_per_token_and_a_problem(app, employee):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute")
    app.extensions["ideaboard.throttle"] = Throttle(app.config)  # the limits, rebuilt
    first = ApiClient(app.test_client(), new_token(employee, ("read",)))
    second = ApiClient(app.test_client(), new_token(employee, ("read",)))
    for _ in range(3):
        assert first.get("/departments").status_code == 200
    problem = _problem(first.get("/departments"), 429)
    assert "token" in problem["detail"]
    assert second.get("/departments").status_code == 200


@pytest.mark.parametrize("call", [
    ("POST", "/ideas", {"title": TITLE, "body": "b", "department_id": 2**63 - 2}),
    ("GET", "/ideas/1/comments?before=9223372036854775806", None),
])
def test_ids_beyond_the_database_integers_are_422_not_500(api, author, it_department, call):
    make_idea(author, it_department, title="An idea to page through")
    method, path, body = call
    response = api.get(path) if method == "GET" else api.post(path, body)
    _problem(response, 422)

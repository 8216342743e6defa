"""A script with only tokens, over HTTP like any client (the live server on 127.0.0.1):
it lists, submits, votes, comments and decides. And the API's reads cost a constant
number of SQL statements, whatever the page's length."""

from __future__ import annotations

import pytest
import requests

from ideaboard.comments.services import add_comment
from ideaboard.extensions import db
from ideaboard.notifications.services import notify
from tests.helpers.api import ApiClient, new_token
from tests.helpers.queries import QueryCounter
from tests.helpers.review import make_idea
from tests.helpers.servers import served


@pytest.fixture
def base_url(app):
    with served(app) as root:
        yield f"{root}/api/v1"


def test_a_script_with_only_tokens_lists_creates_votes_comments_and_decides(
        base_url, employee, manager, it_department):
    # One vote is the department's threshold: the vote sends the idea to review (the
    # state machine's own rule), where the manager decides it.
    it_department.review_threshold = 1
    db.session.commit()
    author, voter, boss = (requests.Session() for _ in range(3))
    author.headers["Authorization"] = f"Bearer {new_token(employee, ('read', 'write'))}"
    voter.headers["Authorization"] = f"Bearer {new_token(manager, ('read', 'write'))}"
    boss.headers["Authorization"] = f"Bearer {new_token(manager, ('read', 'review'))}"
    try:
        departments = author.get(f"{base_url}/departments", timeout=10).json()["items"]
        it = next(d for d in departments if d["slug"] == "it")
        posted = author.post(f"{base_url}/ideas", timeout=10, json={
            "title": "Shared calendars for meeting rooms", "body": "Book rooms *online*.",
            "department_id": it["id"], "tags": ["rooms"]})
        assert posted.status_code == 201, posted.text
        idea_id = posted.json()["id"]
        listed = author.get(f"{base_url}/ideas", params={"tag": "rooms"}, timeout=10).json()
        assert [i["id"] for i in listed["items"]] == [idea_id]
        vote = voter.post(f"{base_url}/ideas/{idea_id}/vote", json={"value": 1},
                          timeout=10).json()
        assert vote["net_votes"] == 1 and vote["status"] == "in_review"
        comment = voter.post(f"{base_url}/ideas/{idea_id}/comments",
                             json={"body": "Yes please."}, timeout=10)
        assert comment.status_code == 201
        queue = boss.get(f"{base_url}/review/queue", timeout=10).json()["items"]
        assert [row["id"] for row in queue] == [idea_id]
        decided = boss.post(f"{base_url}/ideas/{idea_id}/decision", timeout=10, json={
            "decision": "accepted", "owner_id": employee.id})
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "accepted"
        assert decided.json()["decision"]["to_status"] == "accepted"
        # The write-only token may not decide; the read/review one may not vote.
        assert voter.post(f"{base_url}/ideas/{idea_id}/decision", json={
            "decision": "declined", "rationale": "No."}, timeout=10).status_code == 403
        assert boss.post(f"{base_url}/ideas/{idea_id}/vote", json={"value": -1},
                         timeout=10).status_code == 403
    finally:
        for session in (author, voter, boss):
            session.close()


@pytest.mark.parametrize("path", ["/ideas?limit={n}", "/ideas?limit={n}&q=printer",
                                  "/ideas/{idea}/comments", "/me/notifications",
                                  "/review/queue"])
def test_reads_cost_the_same_statements_whatever_the_length(app, manager, author,
                                                            it_department, path):
    api = ApiClient(app.test_client(), new_token(manager))

    def statements(size: int) -> int:
        discussed = make_idea(author, it_department, title=f"A discussed idea of {size}")
        for n in range(size):
            make_idea(author, it_department, title=f"Printer idea number {n} of {size}",
                      status="in_review" if n % 2 else "open")
            add_comment(manager, discussed, f"Comment {n}")
            notify([manager.id], "status_change", f"News {n}", idea_id=discussed.id)
        db.session.commit()
        url = path.format(n=size, idea=discussed.id)
        api.get(url)  # warm: the token's last use is written at most once a minute
        with QueryCounter() as counter:
            response = api.get(url)
        assert response.status_code == 200, response.json
        return counter.count

    assert statements(2) == statements(12)

"""A person's ordinary visit, through the real pages and forms: sign in, post ideas,
support and discuss colleagues' ideas, read the list. The operations tests run it
through PgBouncer and use it to fill a database before a backup."""

from __future__ import annotations

from tests.helpers.csrf import csrf_token
from tests.helpers.login import AuthActions


def idea_journey(app, email: str, department_id: int, others_ideas: list[int],
                 rounds: int) -> list[int]:
    """Sign in as ``email``, then ``rounds`` times: post an idea to ``department_id``,
    support ``others_ideas[round]``, comment on it, and read the list and the idea.
    Returns the ids of the ideas posted. Every step asserts the page's answer."""
    client = app.test_client()
    response = AuthActions(client).login(email)
    assert response.status_code == 302, response.get_data(as_text=True)
    posted = []
    for number in range(rounds):
        token = csrf_token(client, "/ideas/new")
        title = f"Pooled idea {number} from {email}"
        response = client.post("/ideas/new", data={
            "csrf_token": token, "title": title, "body": f"Round {number}: *why* it helps.",
            "department": department_id, "tags": "pooling", "confirmed": "1",
        })
        assert response.status_code == 302, response.get_data(as_text=True)
        posted.append(int(response.headers["Location"].rsplit("/", 1)[1]))
        target = others_ideas[number]
        response = client.post(f"/ideas/{target}/vote", data={"csrf_token": token, "value": 1})
        assert response.status_code == 302, response.get_data(as_text=True)
        response = client.post(f"/ideas/{target}/comments", data={
            "csrf_token": token, "body": f"Round {number}: {email} agrees."})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert client.get("/").status_code == 200
        page = client.get(f"/ideas/{posted[-1]}")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
    return posted

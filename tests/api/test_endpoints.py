"""Every endpoint of /api/v1/ with a real token, on the test database: what each
answers, what it writes, and the page's rules (anonymous authors, hidden ideas, the
state machine) kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea
from ideaboard.notifications.services import notify
from ideaboard.review.models import Review
from ideaboard.voting.models import Vote
from tests.helpers.api import ApiClient, new_token
from tests.helpers.review import make_idea


@pytest.fixture
def api_as(app):
    def make(user, scopes=None):
        return ApiClient(app.test_client(), new_token(user, scopes))

    return make


def test_list_ideas_filters_and_pages_with_a_cursor(api_as, employee, author, it_department,
                                                    hr_department):
    for n in range(5):
        make_idea(author, it_department, title=f"Printer idea number {n}")
    make_idea(author, hr_department, title="Holiday planning idea", status="in_review")
    api = api_as(employee)
    first = api.get("/ideas?limit=3&sort=new")
    assert first.status_code == 200, first.json
    assert len(first.json["items"]) == 3 and first.json["next_cursor"]
    second = api.get(f"/ideas?limit=3&sort=new&cursor={first.json['next_cursor']}")
    ids = [i["id"] for i in first.json["items"] + second.json["items"]]
    assert len(ids) == len(set(ids)) == 6
    assert second.json["next_cursor"] is None
    only_hr = api.get("/ideas?department=hr").json["items"]
    assert [i["title"] for i in only_hr] == ["Holiday planning idea"]
    in_review = api.get("/ideas?status=in_review").json["items"]
    assert [i["status"] for i in in_review] == ["in_review"]
    assert api.get("/ideas?department=nowhere").json == {"items": [], "next_cursor": None}


def test_a_search_without_a_sort_is_by_best_match_as_on_the_page(api_as, employee, author,
                                                                  it_department):
    """The page's default with words to search (Best match, the ranked and cheap way),
    not Trending, which on SQLite reads every match (issue 20)."""
    from datetime import timedelta

    from ideaboard.database import utcnow

    best = make_idea(author, it_department, title="Coffee, coffee and more coffee",
                     body_md="Coffee for everyone: a coffee machine per floor.",
                     created_at=utcnow() - timedelta(days=30))
    newer = make_idea(author, it_department, title="A quieter kitchen",
                      body_md="Fewer meetings near the coffee corner.")
    db.session.commit()
    api = api_as(employee)
    by_default = [i["id"] for i in api.get("/ideas?q=coffee").json["items"]]
    assert by_default == [i["id"] for i in api.get("/ideas?q=coffee&sort=relevance").json["items"]]
    assert by_default == [best.id, newer.id]
    assert [i["id"] for i in api.get("/ideas?q=coffee&sort=new").json["items"]] == [
        newer.id, best.id]


def test_anonymous_authors_are_named_to_admins_only(api_as, employee, author, admin,
                                                    it_department):
    idea = make_idea(author, it_department, title="A quiet anonymous idea", is_anonymous=True)
    for user, named in ((employee, False), (admin, True)):
        api = api_as(user)
        [card] = api.get("/ideas").json["items"]
        one = api.get(f"/ideas/{idea.id}").json
        assert card["author"] == one["author"] == (author.display_name if named else None)
        assert (author.display_name in api.get("/ideas").get_data(as_text=True)) is named


def test_hidden_ideas_are_404_and_left_out_of_the_list(api_as, employee, author, it_department):
    idea = make_idea(author, it_department, title="An idea a moderator hid", hidden=True)
    api = api_as(employee)
    assert api.get(f"/ideas/{idea.id}").status_code == 404
    assert api.get(f"/ideas/{idea.id}/comments").status_code == 404
    assert api.get("/ideas").json["items"] == []
    assert api.post(f"/ideas/{idea.id}/vote", {"value": 1}).status_code == 404


def test_create_edit_vote_comment_reply_follow(api_as, employee, author, it_department):
    api = api_as(author)
    created = api.post("/ideas", {"title": "Recycle the toner cartridges", "body": "We **could**.",
                                  "department_id": it_department.id, "tags": ["Green"]})
    assert created.status_code == 201, created.json
    idea_id = created.json["id"]
    assert created.json["tags"] == ["green"] and "<strong>" in created.json["body_html"]
    assert created.json["timeline"] and created.json["decision"] is None
    edited = api.patch(f"/ideas/{idea_id}", {"title": "Recycle every toner cartridge"})
    assert edited.status_code == 200 and edited.json["body_markdown"] == "We **could**."
    assert edited.json["title"] == "Recycle every toner cartridge"

    peer = api_as(employee)
    assert peer.patch(f"/ideas/{idea_id}", {"title": "Not my idea at all"}).status_code == 403
    assert api.post(f"/ideas/{idea_id}/vote", {"value": 1}).status_code == 403  # one's own
    voted = peer.post(f"/ideas/{idea_id}/vote", {"value": 1})
    assert voted.status_code == 200 and voted.json["net_votes"] == 1
    assert voted.json["my_vote"] == 1
    comment = peer.post(f"/ideas/{idea_id}/comments", {"body": "Good *idea*"})
    assert comment.status_code == 201 and comment.json["author"] == employee.display_name
    reply = api.post(f"/comments/{comment.json['id']}/replies", {"body": "Thanks!"})
    assert reply.status_code == 201
    threads = peer.get(f"/ideas/{idea_id}/comments").json
    assert threads["items"][0]["comment"]["id"] == comment.json["id"]
    assert [r["id"] for r in threads["items"][0]["replies"]] == [reply.json["id"]]
    assert peer.send("PUT", f"/ideas/{idea_id}/follow").json == {"idea_id": idea_id,
                                                                 "following": True}
    assert peer.delete(f"/ideas/{idea_id}/follow").json["following"] is False
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 2
    assert db.session.scalar(sa.select(Follow).where(
        Follow.user_id == employee.id, Follow.idea_id == idea_id)) is None
    # Every write is audited, naming the token.
    calls = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "api.write")
                               .order_by(AuditEntry.id)).all()
    # create, edit, vote, comment, reply, follow, unfollow; the refusals kept nothing.
    assert len(calls) == 7
    assert all("Test script" in entry.after["token"] for entry in calls)
    assert calls[0].after["call"] == "POST /api/v1/ideas"


def test_departments_and_my_notifications(api_as, employee, author, it_department):
    idea = make_idea(author, it_department, title="An idea to be told about")
    notify([employee.id], "status_change", "Your idea moved", idea_id=idea.id)
    db.session.commit()
    api = api_as(employee)
    slugs = {d["slug"] for d in api.get("/departments").json["items"]}
    assert {"company", "it"} <= slugs
    mine = api.get("/me/notifications").json
    assert [n["message"] for n in mine["items"]] == ["Your idea moved"]
    assert mine["items"][0]["unread"] is True


def test_a_manager_scores_and_decides_through_the_state_machine(api_as, manager, employee,
                                                                author, it_department):
    idea = make_idea(author, it_department, title="Waiting for a manager", status="in_review")
    api = api_as(manager)
    assert [row["id"] for row in api.get("/review/queue").json["items"]] == [idea.id]
    scored = api.send("PUT", f"/ideas/{idea.id}/score",
                      {"impact": 4, "feasibility": 3, "effort": 2, "note": "Fine"})
    assert scored.status_code == 200, scored.json
    refused = api.post(f"/ideas/{idea.id}/decision", {"decision": "declined"})
    assert refused.status_code == 422  # a rationale is needed
    decided = api.post(f"/ideas/{idea.id}/decision",
                       {"decision": "declined", "rationale": "Not this year, sadly."})
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "declined"
    assert decided.json["decision"]["reason"] == "Not this year, sadly."
    assert decided.json["timeline"][-1]["actor"] == manager.display_name
    # The employee may neither see the queue nor decide.
    peer = api_as(employee)
    assert peer.get("/review/queue").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1
    assert db.session.get(Idea, idea.id).status == "declined"


def test_the_audit_trail_shows_the_token_of_a_write(api_as, employee, admin_client):
    api = api_as(employee)
    made = api.post("/ideas", {"title": "An audited idea by API", "body": "Body."})
    assert made.status_code == 201, made.json
    page = admin_client.get("/admin/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "api.write" in text or "Api write" in text
    assert "Test script" in text

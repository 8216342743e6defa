"""Votes: +1/-1, changeable, retractable, never on one's own idea, only while open or in review."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.voting import services
from ideaboard.voting.models import Vote
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, UserFactory


@pytest.fixture
def idea(manager, it_department):
    return IdeaFactory(author=manager, department=it_department, title="Free fruit")


def cast(user, idea, value: int) -> int:
    """Vote as the page does: on the idea's ``VoteTarget``, the one shape ``cast_vote``
    takes (the session's Idea is kept in step)."""
    return services.cast_vote(user, services.vote_target(idea.id), value)


def counts(idea) -> tuple[int, int]:
    db.session.commit()
    row = db.session.get(Idea, idea.id)
    return row.upvotes, row.downvotes


def vote_rows(idea) -> tuple[int, int]:
    values = db.session.scalars(sa.select(Vote.value).where(Vote.idea_id == idea.id)).all()
    return values.count(1), values.count(-1)


# --- service ------------------------------------------------------------------


def test_cast_change_and_retract(idea, employee):
    assert cast(employee, idea, 1) == 1
    assert counts(idea) == (1, 0)
    assert cast(employee, idea, -1) == -1  # switching moves one from up to down
    assert counts(idea) == (0, 1)
    assert cast(employee, idea, -1) == -1  # the same vote again changes nothing
    assert counts(idea) == (0, 1)
    assert cast(employee, idea, 0) == 0
    assert counts(idea) == (0, 0)
    assert vote_rows(idea) == (0, 0)


def test_invalid_value_is_refused(idea, employee):
    with pytest.raises(services.VoteError):
        cast(employee, idea, 2)


def test_sort_keys_follow_the_votes(idea, employee, admin):
    cast(employee, idea, 1)
    cast(admin, idea, 1)
    db.session.commit()
    row = db.session.get(Idea, idea.id)
    from ideaboard.ideas.ranking import trending, wilson

    assert row.wilson_score == pytest.approx(wilson(2, 0))
    assert row.trending_score == pytest.approx(trending(2, 0, 0, row.created_at), abs=1e-5)


def test_duplicate_vote_row_is_refused_by_the_database(idea, employee):
    db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=1))
    db.session.commit()
    db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=-1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_vote_value_is_checked_by_the_database(idea, employee):
    db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=5))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_list_shows_each_of_my_votes(idea, employee, employee_client, manager,
                                         it_department):
    other = IdeaFactory(author=manager, department=it_department)
    cast(employee, idea, 1)
    cast(employee, other, -1)
    page = employee_client.get("/").get_data(as_text=True)
    cards = dict(re.findall(r'<article class="idea-card card" id="idea-(\d+)"(.*?)</article>',
                            page, re.S))
    assert "You support this" in cards[str(idea.id)] and "You oppose this" in cards[str(other.id)]


# --- route ----------------------------------------------------------------------


def _vote(client, idea, value, **kwargs):
    token = csrf_token(client, f"/ideas/{idea.id}")
    return client.post(f"/ideas/{idea.id}/vote", data={"csrf_token": token, "value": value},
                       **kwargs)


def test_vote_without_javascript_redirects_back_to_the_idea(employee_client, idea):
    response = _vote(employee_client, idea, 1, headers={"Referer": "http://ideaboard.test/?sort=top"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/?sort=top#idea-{idea.id}"
    assert counts(idea) == (1, 0)
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and "Support, 1 supporter: " in page


def test_vote_with_json(employee_client, idea):
    response = _vote(employee_client, idea, -1, headers={"Accept": "application/json"})
    assert response.status_code == 200
    # The progress to review comes with it, as the page words it (none below zero).
    assert response.json == {"idea_id": idea.id, "upvotes": 0, "downvotes": 1, "net": -1,
                             "my_vote": -1, "status": "open",
                             "progress": {"value": 0, "threshold": 5,
                                          "text": "0 of 5 votes to reach the IT review",
                                          "short": "0 of 5 votes to review"},
                             # What the widget writes, as the page words it.
                             "words": {"up": "Support, 0 supporters: {title}",
                                       "down": "Oppose, 1 against: {title}",
                                       "score": "Net score -1", "mine": "You oppose this idea.",
                                       "net": "Net score -1.",
                                       "reached": "It has the votes it needs and goes to "
                                                  "review."}}
    response = _vote(employee_client, idea, 1, headers={"Accept": "application/json"})
    assert response.json["upvotes"] == 1 and response.json["downvotes"] == 0
    response = _vote(employee_client, idea, 0, headers={"Accept": "application/json"})
    assert response.json["net"] == 0 and response.json["my_vote"] == 0


def test_a_vote_runs_four_queries_and_answers_what_it_wrote(employee_client, idea,
                                                            employee):
    """The signed-in user, the idea's few columns, one write of the vote, one UPDATE of
    the counters: no reload of the idea to answer, whichever change the vote is."""
    from tests.helpers.queries import QueryCounter

    token = csrf_token(employee_client, f"/ideas/{idea.id}")
    cast(UserFactory(), idea, -1)
    idea_id = idea.id
    db.session.commit()
    for value, expected in ((1, (1, 1)), (-1, (0, 2)), (0, (0, 1)), (1, (1, 1))):
        with QueryCounter() as counter:
            response = employee_client.post(
                f"/ideas/{idea_id}/vote", data={"csrf_token": token, "value": value},
                headers={"Accept": "application/json"})
        answer = {key: response.json[key]
                  for key in ("idea_id", "upvotes", "downvotes", "net", "my_vote")}
        assert answer == {"idea_id": idea_id, "upvotes": expected[0],
                          "downvotes": expected[1], "net": expected[0] - expected[1],
                          "my_vote": value}
        assert response.json["progress"]["value"] == max(expected[0] - expected[1], 0)
        # Switching sign tries the INSERT first (a new vote is the common case).
        assert counter.count == (5 if value == -1 else 4), counter.statements
    assert counts(idea) == (1, 1) == vote_rows(idea)


def test_the_same_vote_again_changes_nothing(employee_client, idea, employee):
    for _ in range(2):
        response = _vote(employee_client, idea, 1, headers={"Accept": "application/json"})
        assert response.json["upvotes"] == 1 and response.json["my_vote"] == 1
    assert counts(idea) == (1, 0) == vote_rows(idea)


def test_a_vote_through_the_page_keeps_a_scored_ideas_merit_in_step(employee_client, idea,
                                                                    it_department):
    """The page votes with a VoteTarget, not an Idea: the merit of a scored idea under
    review still follows its new Wilson score, in the same transaction."""
    from ideaboard.review.services import save_review
    from tests.helpers.review import expected_merit

    idea.status = "in_review"
    idea.queue_department_id = idea.department_id
    colleague = UserFactory(email="colleague@example.com", manages=[it_department])
    save_review(idea, colleague, impact=4, feasibility=4, effort=2)
    before = idea.merit_score
    response = _vote(employee_client, idea, 1, headers={"Accept": "application/json"})
    assert response.status_code == 200
    db.session.expire_all()
    row = db.session.get(Idea, idea.id)
    assert row.merit_score == pytest.approx(expected_merit(4, 4, 2, row.wilson_score))
    assert row.merit_score > before


def test_json_vote_with_csrf_header(employee_client, idea):
    token = csrf_token(employee_client, f"/ideas/{idea.id}")
    response = employee_client.post(f"/ideas/{idea.id}/vote", data={"value": 1},
                                    headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 200 and response.json["upvotes"] == 1
    refused = employee_client.post(f"/ideas/{idea.id}/vote", data={"value": 1},
                                   headers={"Accept": "application/json"})
    assert refused.status_code == 400 and "error" in refused.json


def test_never_on_own_idea(manager_client, idea):
    response = _vote(manager_client, idea, 1, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert counts(idea) == (0, 0)
    page = manager_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Support, " not in page  # no buttons on one's own idea
    # Without JavaScript the refusal is a page that says why.
    plain = _vote(manager_client, idea, 1)
    assert plain.status_code == 403
    assert b"You cannot vote on this idea" in plain.data


@pytest.mark.parametrize("status, allowed", [
    ("open", True), ("in_review", True), ("needs_info", False), ("accepted", False),
    ("declined", False), ("implemented", False), ("withdrawn", False),
])
def test_only_while_open_or_in_review(employee_client, idea, status, allowed):
    idea.status = status
    db.session.commit()
    response = _vote(employee_client, idea, 1, headers={"Accept": "application/json"})
    assert (response.status_code == 200) is allowed
    assert counts(idea) == ((1, 0) if allowed else (0, 0))


def test_hidden_idea_cannot_be_voted(employee_client, idea):
    idea.hidden = True
    db.session.commit()
    assert _vote(employee_client, idea, 1).status_code == 404
    assert counts(idea) == (0, 0)


def test_bad_value_is_refused(employee_client, idea):
    response = _vote(employee_client, idea, 7, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert counts(idea) == (0, 0)


def test_vote_needs_login(client, post, idea):
    response = post(f"/ideas/{idea.id}/vote", {"value": 1})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert counts(idea) == (0, 0)


def test_many_voters_sequentially_keep_counts_exact(app, idea, it_department):
    voters = [UserFactory(department=it_department) for _ in range(12)]
    for i, voter in enumerate(voters):
        cast(voter, idea, 1 if i % 3 else -1)
    for voter in voters[:4]:
        cast(voter, idea, 0)
    cast(voters[5], idea, -1)
    assert counts(idea) == vote_rows(idea)


# --- the widget -------------------------------------------------------------------


def test_widget_has_live_region_and_script(employee_client, idea):
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "data-vote-widget" in page and 'aria-live="polite"' in page
    assert "/static/js/vote.js" in page
    script = employee_client.get("/static/js/vote.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    script.close()
    assert '"X-CSRFToken"' in text and '"Accept": "application/json"' in text

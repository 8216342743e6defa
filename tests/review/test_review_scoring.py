"""Managers' scores: one editable review per manager, aggregates and merit, private notes."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.review.models import Review
from ideaboard.review.services import ReviewError, save_review
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.login import signed_in
from tests.helpers.review import expected_merit, make_idea, reload

SECRET_NOTE = "Private: the vendor contract makes this hard, keep between us."


@pytest.fixture
def second_manager(it_department):
    return UserFactory(email="second@example.com", display_name="Sam Second",
                       manages=[it_department])


def score(client, idea, **data):
    data.setdefault("csrf_token", csrf_token(client, "/review"))
    return client.post(f"/review/ideas/{idea.id}/score", data=data)


@pytest.mark.parametrize("impact, feasibility, effort, wilson, merit", [
    # Rubric (4 + 5 + (6 - 2)) / 15 = 13/15; merit = 100 * (0.6 * 13/15 + 0.4 * 0.5) = 72.
    (4, 5, 2, 0.5, 72.0), (5, 5, 1, 1.0, 100.0), (1, 1, 5, 0.0, 12.0),
])
def test_merit_formula(manager, author, it_department, impact, feasibility, effort, wilson,
                       merit):
    """The database fills merit_score by the formula (review.services._merit_sql)."""
    assert expected_merit(impact, feasibility, effort, wilson) == pytest.approx(merit)
    idea = make_idea(author, it_department, status="in_review")
    idea.wilson_score = wilson
    save_review(idea, manager, impact=impact, feasibility=feasibility, effort=effort)
    assert reload(idea).merit_score == pytest.approx(merit)


def test_scoring_through_the_form_updates_the_aggregates(app, manager_client, manager,
                                                        second_manager, author, it_department):
    idea = make_idea(author, it_department, status="in_review", upvotes=10, downvotes=0)
    idea.wilson_score = 0.5
    db.session.commit()
    response = score(manager_client, idea, impact="4", feasibility="5", effort="2",
                     note=SECRET_NOTE)
    assert response.status_code == 302
    idea = reload(idea)
    assert idea.review_count == 1
    assert (idea.mean_impact, idea.mean_feasibility, idea.mean_effort) == (4, 5, 2)
    assert idea.merit_score == pytest.approx(72.0)

    second = signed_in(app, second_manager)
    assert score(second, idea, impact="2", feasibility="3", effort="4").status_code == 302
    idea = reload(idea)
    assert idea.review_count == 2
    assert (idea.mean_impact, idea.mean_feasibility, idea.mean_effort) == (3, 4, 3)
    assert idea.merit_score == pytest.approx(expected_merit(3, 4, 3, 0.5))


def test_a_manager_edits_their_one_review(manager_client, manager, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    score(manager_client, idea, impact="1", feasibility="1", effort="5")
    score(manager_client, idea, impact="5", feasibility="4", effort="1", note="Changed my mind")
    reviews = db.session.scalars(sa.select(Review).where(Review.idea_id == idea.id)).all()
    assert len(reviews) == 1
    assert (reviews[0].impact, reviews[0].note) == (5, "Changed my mind")
    assert reload(idea).mean_impact == 5
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)
                                 .where(AuditEntry.action.like("review.%"))).all()
    assert actions == ["review.create", "review.update"]
    # The audit trail, visible to every admin, never stores the private note.
    assert "Changed my mind" not in str(db.session.scalars(sa.select(AuditEntry.after)).all())


def test_invalid_scores_are_shown_beside_the_fields_and_typed_text_kept(manager_client,
                                                                       author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    response = score(manager_client, idea, impact="4", feasibility="9", note="Keep this text")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Score the effort from 1 to 5." in html
    assert "Keep this text" in html
    assert re.search(r'<input checked id="impact-3" name="impact"[^>]*value="4">', html)
    assert reload(idea).review_count == 0


def test_only_responsible_managers_score_and_only_in_review(app, author, other_manager,
                                                           employee_client, manager,
                                                           it_department):
    idea = make_idea(author, it_department, status="in_review")
    assert score(signed_in(app, other_manager), idea, impact="3", feasibility="3",
                 effort="3").status_code == 403
    assert score(employee_client, idea, impact="3", feasibility="3",
                 effort="3").status_code == 403
    open_idea = make_idea(author, it_department)
    with pytest.raises(ReviewError):
        save_review(open_idea, manager, impact=3, feasibility=3, effort=3)


def test_a_manager_may_not_score_their_own_idea(manager, it_department):
    idea = make_idea(manager, it_department, status="in_review")
    with pytest.raises(ReviewError):
        save_review(idea, manager, impact=5, feasibility=5, effort=1)


def test_note_is_seen_by_managers_and_admins_never_by_author_or_peers(
        app, manager, admin, author, employee_client, it_department):
    idea = make_idea(author, it_department, status="in_review")
    save_review(idea, manager, impact=4, feasibility=4, effort=2, note=SECRET_NOTE)
    db.session.commit()
    url = f"/ideas/{idea.id}"
    for viewer in (signed_in(app, author), employee_client):
        html = viewer.get(url).get_data(as_text=True)
        assert "average scores" in html  # the public figures are there
        assert SECRET_NOTE not in html
    for viewer in (signed_in(app, manager), signed_in(app, admin)):
        response = viewer.get(url)
        assert response.status_code == 200
        assert SECRET_NOTE in response.get_data(as_text=True)
    # The review page is for managers: the author gets 403 there.
    assert signed_in(app, author).get(f"/review/ideas/{idea.id}").status_code == 403


def test_merit_follows_the_votes_of_a_scored_idea(author, manager, it_department):
    from ideaboard.voting.services import cast_vote, vote_target

    idea = make_idea(author, it_department, status="in_review")
    save_review(idea, manager, impact=3, feasibility=3, effort=3)
    before = idea.merit_score
    cast_vote(UserFactory(), vote_target(idea.id), 1)
    assert idea.merit_score == pytest.approx(expected_merit(3, 3, 3, idea.wilson_score))
    assert idea.merit_score > before


def test_a_manager_who_wrote_the_idea_never_sees_the_notes(app, manager, second_manager,
                                                          it_department):
    idea = make_idea(manager, it_department, status="in_review")
    save_review(idea, second_manager, impact=2, feasibility=2, effort=4, note=SECRET_NOTE)
    db.session.commit()
    client = signed_in(app, manager)
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200
    assert SECRET_NOTE not in response.get_data(as_text=True)
    # Nobody reviews their own idea, so its review page is closed to its author.
    response = client.get(f"/review/ideas/{idea.id}")
    assert response.status_code == 403
    assert SECRET_NOTE not in response.get_data(as_text=True)

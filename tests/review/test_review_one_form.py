"""The review page's scores and decision are one form (issue 13, item 2): recording a
decision saves the scores ticked beside it in the same unit of work, and a refused
decision keeps everything the manager ticked and typed, saving none of it."""

import re

import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.review.models import Review
from ideaboard.review.services import save_review
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea, reload

RATIONALE = "We tried this in 2023 and the costs were far too high."
SCORES = {"impact": "4", "feasibility": "5", "effort": "2", "note": "Cheap to try."}


def post(client, idea, action, **data):
    data.setdefault("csrf_token", csrf_token(client, "/account"))
    return client.post(f"/review/ideas/{idea.id}/{action}", data=data)


def reviews_of(idea) -> list[tuple[int, int, int, str]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(Review.impact, Review.feasibility, Review.effort, Review.note)
        .where(Review.idea_id == idea.id))]


def checked(html: str, name: str, value: str) -> bool:
    """Whether the page shows radio ``name`` with ``value`` ticked."""
    return re.search(rf'<input checked id="{name}-\d" name="{name}" [^>]*value="{value}">',
                     html) is not None


def test_the_review_page_has_one_form_for_scores_and_decision(manager_client, author,
                                                             it_department):
    idea = make_idea(author, it_department, status="in_review")
    html = manager_client.get(f"/review/ideas/{idea.id}").get_data(as_text=True)
    start = html.index('class="form review-form"')
    form = html[start:html.index("</form>", start)]
    for name in ('name="impact"', 'name="effort"', 'name="decision"', 'name="rationale"',
                 ">Record decision</button>", ">Save scores</button>"):
        assert name in form
    assert html.count('name="impact"') == 5  # once per score: no second copy elsewhere


def test_recording_a_decision_saves_the_scores_ticked_beside_it(manager_client, manager,
                                                                author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    response = post(manager_client, idea, "decide", decision="accepted", **SCORES)
    assert response.status_code == 302
    idea = reload(idea)
    assert idea.status == "accepted"
    assert reviews_of(idea) == [(4, 5, 2, "Cheap to try.")]
    assert (idea.review_count, idea.mean_impact) == (1, 4.0)
    assert idea.merit_score is not None


def test_a_refused_decision_keeps_the_ticked_scores_and_saves_nothing(manager_client,
                                                                      author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    response = post(manager_client, idea, "decide", decision="declined",
                    rationale="Too costly.", **SCORES)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at least 20 characters" in html
    for name in ("impact", "feasibility", "effort"):
        assert checked(html, name, SCORES[name]), name
    assert "Cheap to try." in html and "Too costly." in html
    assert reload(idea).status == "in_review" and reviews_of(idea) == []


def test_a_decision_the_services_refuse_undoes_its_scores_before_the_page_is_drawn(
        manager_client, author, it_department):
    """The owner is refused after the scores were written: the page that says so shows
    the idea unscored (the scores ran in a SAVEPOINT), and keeps them ticked."""
    idea = make_idea(author, it_department, status="in_review")
    gone = UserFactory(email="gone@example.com", active=False)
    response = post(manager_client, idea, "decide", decision="accepted", owner=str(gone.id),
                    **SCORES)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose an active person as the owner." in html
    assert "No manager has scored this idea yet." in html
    assert checked(html, "impact", "4")
    assert reload(idea).status == "in_review" and reviews_of(idea) == []


def test_scores_begun_must_be_finished_before_a_decision(manager_client, author,
                                                         it_department):
    idea = make_idea(author, it_department, status="in_review")
    response = post(manager_client, idea, "decide", decision="accepted", impact="4")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Finish your scores" in html and "Score the feasibility from 1 to 5." in html
    assert checked(html, "impact", "4")
    assert reload(idea).status == "in_review" and reviews_of(idea) == []


def test_a_decision_without_scores_needs_none(manager_client, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    assert post(manager_client, idea, "decide", decision="declined",
                rationale=RATIONALE).status_code == 302
    assert reload(idea).status == "declined" and reviews_of(idea) == []


def test_scores_already_saved_are_not_saved_again_with_the_decision(manager_client, manager,
                                                                    author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    save_review(idea, manager, impact=4, feasibility=5, effort=2, note="Cheap to try.")
    db.session.commit()
    # The page shows the saved scores ticked; posting them unchanged writes nothing new.
    assert post(manager_client, idea, "decide", decision="declined", rationale=RATIONALE,
                **SCORES).status_code == 302
    actions = db.session.scalars(sa.select(AuditEntry.action)
                                 .where(AuditEntry.action.like("review.%"))).all()
    assert actions == ["review.create"]
    assert reload(idea).status == "declined"


def test_changed_scores_are_updated_with_the_decision(manager_client, manager, author,
                                                      it_department):
    idea = make_idea(author, it_department, status="in_review")
    save_review(idea, manager, impact=1, feasibility=1, effort=5)
    db.session.commit()
    assert post(manager_client, idea, "decide", decision="accepted",
                **SCORES).status_code == 302
    assert reviews_of(idea) == [(4, 5, 2, "Cheap to try.")]


def test_saving_scores_keeps_the_decision_part_as_typed(manager_client, author,
                                                        it_department):
    """"Save scores" posts the same form: the rationale typed beside them comes back."""
    idea = make_idea(author, it_department, status="in_review")
    response = post(manager_client, idea, "score", decision="declined",
                    rationale="Half a thought", **SCORES)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your scores are saved." in html and "Half a thought" in html
    assert checked(html, "decision", "declined")
    assert reviews_of(idea) == [(4, 5, 2, "Cheap to try.")]
    assert reload(idea).status == "in_review"
    # With nothing typed in the decision part, it is the usual redirect.
    assert post(manager_client, idea, "score", **SCORES).status_code == 302

"""Nobody reviews their own idea: the responsible reviewer above the author does.

A manager who writes an idea for a department they manage may not fast-track, score or
decide it, on any path; it goes to the managers of the department above (and on up),
to a co-manager if the department has one, or to the admins past the root. Its queue
and its "to review" notifications follow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.notifications.models import Notification
from ideaboard.review import services, workflow
from ideaboard.review.escalation import escalate_overdue
from ideaboard.review.models import Review, StatusChange
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.review import make_idea, queue_ids, reload

RATIONALE = "A rationale that is long enough to be accepted."


@pytest.fixture
def ceo(company):
    """The only manager of the root department, above IT."""
    return UserFactory(email="ceo@example.com", display_name="Carmen Chief",
                       department=company, manages=[company])


def _assigned_to(idea) -> set[int]:
    return set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.idea_id == idea.id, Notification.kind == "review_assigned")))


def test_a_manager_may_not_fast_track_score_or_decide_their_own_idea(
        app, manager, it_department, ceo, post, manager_client):
    own = IdeaFactory(author=manager, department=it_department)
    assert not workflow.allowed(manager, own, "in_review")
    response = manager_client.post(f"/review/ideas/{own.id}/fast-track", data={
        "fast-track-note": "My own idea, fast.", "csrf_token": _token(manager_client, own)})
    assert response.status_code == 403
    assert reload(own).status == "open"

    in_review = make_idea(manager, it_department, status="in_review")
    token = _token(manager_client, in_review)
    for url, data in [
        ("score", {"impact": "5", "feasibility": "5", "effort": "1"}),
        ("decide", {"decision": "accepted", "rationale": RATIONALE}),
    ]:
        response = manager_client.post(f"/review/ideas/{in_review.id}/{url}",
                                       data={**data, "csrf_token": token})
        assert response.status_code == 403, url
    assert manager_client.get(f"/review/ideas/{in_review.id}").status_code == 403
    assert reload(in_review).status == "in_review"
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    # The service refuses it too (the state machine is the rule, not the page).
    with pytest.raises(workflow.TransitionError):
        services.decide(in_review, manager, "accepted", RATIONALE)


def _enter_by_votes(idea) -> None:
    """The system sends the idea to review (as enough votes do)."""
    workflow.transition(idea, "in_review", None, reason="Reached the threshold.")
    db.session.commit()


def _token(client, idea):
    from tests.helpers.csrf import csrf_token

    return csrf_token(client, f"/ideas/{idea.id}")


def test_the_manager_above_fast_tracks_it_and_holds_it_in_their_queue(
        app, manager, it_department, ceo, company):
    own = IdeaFactory(author=manager, department=it_department, title="Max's own idea")
    ceo_client = signed_in(app, ceo)
    html = ceo_client.get(f"/ideas/{own.id}").get_data(as_text=True)
    assert "Fast-track to review" in html
    response = ceo_client.post(f"/review/ideas/{own.id}/fast-track", data={
        "fast-track-note": "Worth a look now.", "csrf_token": _token(ceo_client, own)})
    assert response.status_code == 302
    own = reload(own)
    assert (own.status, own.queue_department_id) == ("in_review", company.id)
    assert queue_ids(ceo) == [own.id]
    assert queue_ids(manager) == [] and services.queue_count(manager) == 0
    assert "Max&#39;s own idea" in ceo_client.get("/review").get_data(as_text=True)
    response = ceo_client.post(f"/review/ideas/{own.id}/decide", data={
        "decision": "accepted", "rationale": RATIONALE, "csrf_token": _token(ceo_client, own)})
    assert response.status_code == 302 and reload(own).status == "accepted"


def test_votes_send_it_to_the_reviewer_above_who_is_told_not_the_author(
        app, manager, it_department, ceo, company, employee):
    it_department.review_threshold = 1
    own = IdeaFactory(author=manager, department=it_department)
    assert services.enter_review_if_threshold_met(
        type("AfterVote", (), {"id": own.id, "status": "open", "review_count": 0,
                               "net_votes": 1})(), threshold=1)
    db.session.commit()
    own = reload(own)
    assert own.queue_department_id == company.id
    assert own.review_due_at - own.entered_review_at == timedelta(days=company.review_sla_days)
    assert _assigned_to(own) == {ceo.id}


def test_a_co_manager_reviews_it_in_the_same_department(app, manager, it_department, ceo):
    co_manager = UserFactory(email="co@example.com", manages=[it_department])
    own = IdeaFactory(author=manager, department=it_department)
    _enter_by_votes(own)
    assert reload(own).queue_department_id == it_department.id
    assert _assigned_to(own) == {co_manager.id}
    assert queue_ids(co_manager) == [own.id]
    assert queue_ids(manager) == []


def test_the_admins_review_an_idea_only_its_author_could(app, ceo, company, admin):
    own = IdeaFactory(author=ceo, department=company)
    assert not workflow.allowed(ceo, own, "in_review")
    _enter_by_votes(own)
    own = reload(own)
    assert own.queue_department_id is None and own.escalation_level == 0
    assert _assigned_to(own) == {admin.id}
    assert queue_ids(admin) == [own.id]
    assert services.queue_count(admin) == 1
    assert queue_ids(ceo) == []


def test_an_admin_does_not_decide_their_own_idea(app, admin, it_department, manager):
    own = make_idea(admin, it_department, status="in_review")
    assert workflow.capacities(admin, own) == {workflow.Capacity.AUTHOR}
    assert not workflow.allowed(admin, own, "accepted")
    assert workflow.allowed(manager, own, "accepted")
    assert queue_ids(admin) == []


def test_escalation_passes_over_a_parent_only_the_author_manages(
        app, manager, it_department, ceo, company):
    infra = DepartmentFactory(name="Infra", slug="infra", parent=it_department,
                              review_sla_days=3)
    infra_boss = UserFactory(email="infra@example.com", manages=[infra])
    idea = make_idea(manager, infra, status="in_review", due_in_days=-1)
    assert reload(idea).queue_department_id == infra.id  # someone else manages Infra
    assert escalate_overdue() == 1
    db.session.commit()
    idea = reload(idea)
    # IT is the author's own: the idea climbs past it to the company.
    assert idea.queue_department_id == company.id and idea.escalation_level == 1
    reason = db.session.scalars(sa.select(StatusChange.reason)
                                .where(StatusChange.idea_id == idea.id)).all()[-1]
    assert company.name in reason and "IT" not in reason.split(":", 1)[1]
    assert ceo.id in _assigned_to(idea) and manager.id not in _assigned_to(idea)
    assert infra_boss.id not in _assigned_to(idea)


def test_the_demo_never_shows_anyone_reviewing_their_own_idea(runner):
    from ideaboard.ideas.models import Idea

    assert runner.invoke(args=["demo"]).exit_code == 0
    own = sa.select(StatusChange.idea_id, StatusChange.from_status, StatusChange.to_status) \
        .join(Idea, Idea.id == StatusChange.idea_id) \
        .where(StatusChange.actor_id == Idea.author_id, StatusChange.from_status.is_not(None))
    author_moves = {("open", "withdrawn"), ("needs_info", "withdrawn"),
                    ("needs_info", "in_review")}
    assert [row for row in db.session.execute(own).all()
            if (row.from_status, row.to_status) not in author_moves] == []
    scored_own = db.session.scalars(
        sa.select(Review.idea_id).join(Idea, Idea.id == Review.idea_id)
        .where(Review.reviewer_id == Idea.author_id)).all()
    assert scored_own == []
    # The demo shows the rule: the IT manager's own idea waits above them.
    laptops = db.session.scalar(sa.select(Idea).where(Idea.title.like("Refresh laptops%")))
    assert laptops.author.email == "manager@acme.example"
    assert laptops.queue_department.name == "Acme Corp"

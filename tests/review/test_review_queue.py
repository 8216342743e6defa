"""Entering review (votes, fast-track) and the review queue page with its navigation count."""

from datetime import timedelta

import sqlalchemy as sa

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification
from ideaboard.review.models import StatusChange
from ideaboard.review.services import enter_review_if_threshold_met, queue_count
from ideaboard.voting.services import cast_vote, vote_target
from tests.helpers.factories import UserFactory
from tests.helpers.login import AuthActions
from tests.helpers.queries import QueryCounter
from tests.helpers.review import make_idea, queue_ids, reload


def test_votes_reaching_the_threshold_send_the_idea_to_review(author, manager, it_department):
    it_department.review_threshold = 3
    db.session.commit()
    idea = make_idea(author, it_department)
    voters = [UserFactory() for _ in range(4)]
    cast_vote(voters[0], vote_target(idea.id), 1)
    cast_vote(voters[1], vote_target(idea.id), 1)
    cast_vote(voters[3], vote_target(idea.id), -1)
    cast_vote(voters[2], vote_target(idea.id), 1)
    assert idea.status == "open"  # net 2
    cast_vote(voters[3], vote_target(idea.id), 1)  # net 4 >= 3
    db.session.commit()
    idea = reload(idea)
    assert idea.status == "in_review"
    assert idea.queue_department_id == it_department.id
    assert idea.review_due_at - idea.entered_review_at == timedelta(days=14)
    change = db.session.scalar(sa.select(StatusChange).where(StatusChange.idea_id == idea.id))
    assert change.actor_id is None and "threshold" in change.reason
    assert db.session.scalar(sa.select(Notification.user_id).where(
        Notification.kind == "review_assigned")) == manager.id


def test_threshold_check_is_a_no_op_below_or_after_review(author, it_department):
    idea = make_idea(author, it_department, upvotes=4)
    assert not enter_review_if_threshold_met(idea, it_department.review_threshold)
    decided = make_idea(author, it_department, status="declined", upvotes=50)
    assert not enter_review_if_threshold_met(decided, it_department.review_threshold)


def test_voting_through_the_page_enters_review(app, author, manager, it_department):
    it_department.review_threshold = 1
    db.session.commit()
    idea = make_idea(author, it_department)
    voter = UserFactory(email="voter@example.com")
    client = app.test_client()
    AuthActions(client).login(voter.email)
    from tests.helpers.csrf import csrf_token

    response = client.post(f"/ideas/{idea.id}/vote",
                           data={"value": "1", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert reload(idea).status == "in_review"


def test_fast_track_with_a_note(manager_client, author, it_department):
    from tests.helpers.csrf import csrf_token

    idea = make_idea(author, it_department)
    token = csrf_token(manager_client, "/review")
    response = manager_client.post(f"/review/ideas/{idea.id}/fast-track",
                                   data={"csrf_token": token, "fast-track-note": ""})
    assert response.status_code == 422
    assert "This field is required" in response.get_data(as_text=True)
    response = manager_client.post(f"/review/ideas/{idea.id}/fast-track",
                                   data={"csrf_token": token,
                                         "fast-track-note": "Security fix, needs eyes now."})
    assert response.status_code == 302
    idea = reload(idea)
    assert idea.status == "in_review" and idea.queue_department_id == it_department.id


def test_fast_track_is_refused_to_other_managers_and_employees(app, author, other_manager,
                                                              employee_client, it_department):
    from tests.helpers.csrf import csrf_token
    from tests.helpers.login import signed_in

    idea = make_idea(author, it_department)
    for client in (signed_in(app, other_manager), employee_client):
        response = client.post(f"/review/ideas/{idea.id}/fast-track",
                               data={"csrf_token": csrf_token(client),
                                     "fast-track-note": "Let me in."})
        assert response.status_code == 403
    assert reload(idea).status == "open"


def test_employees_get_403_on_the_queue(employee_client):
    assert employee_client.get("/review").status_code == 403


def _queue_rows(html: str) -> list[str]:
    import re

    return re.findall(r'data-idea="(\d+)"', html)


def test_queue_order_overdue_then_merit_then_age(manager_client, manager, author, it_department,
                                                 hr_department, admin):
    now = utcnow()
    overdue = make_idea(author, it_department, status="in_review", title="Overdue one")
    overdue.review_due_at = now - timedelta(days=1)
    strong = make_idea(author, it_department, status="in_review", title="Strong merit")
    strong.merit_score = 80.0
    old = make_idea(author, it_department, status="in_review", title="Old unscored")
    old.entered_review_at = now - timedelta(days=10)
    new = make_idea(author, it_department, status="in_review", title="New unscored")
    make_idea(author, hr_department, status="in_review", title="Other department")
    make_idea(author, it_department, status="open", title="Not in review")
    db.session.commit()

    response = manager_client.get("/review")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _queue_rows(html) == [str(i.id) for i in (overdue, strong, old, new)]
    assert "1 day overdue</time></strong>" in html and 'class="overdue"' in html
    assert "Other department" not in html
    assert queue_count(manager) == 4
    # The navigation shows the count.
    assert 'aria-label="4 waiting"' in html


def test_admins_see_ideas_escalated_past_the_root(admin_client, admin, author, it_department):
    escalated = make_idea(author, it_department, status="in_review", title="Past the root")
    escalated.queue_department_id = None
    escalated.escalation_level = 2
    make_idea(author, it_department, status="in_review", title="Still with IT")
    db.session.commit()
    html = admin_client.get("/review").get_data(as_text=True)
    assert _queue_rows(html) == [str(escalated.id)]
    assert "Escalated to the administrators" in html and "Level 2" not in html
    assert queue_ids(admin) == [escalated.id]


def test_queue_count_only_for_reviewers(employee_client, author, it_department):
    make_idea(author, it_department, status="in_review")
    html = employee_client.get("/").get_data(as_text=True)
    assert "waiting" not in html


def test_queue_query_count_is_the_same_for_5_and_50_rows(manager_client, author,
                                                        it_department):
    counts = []
    for rows in (5, 45):
        for n in range(rows):
            make_idea(author, it_department, status="in_review", title=f"Idea {n} to check")
        manager_client.get("/review")
        with QueryCounter() as counter:
            assert manager_client.get("/review").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8, counts


def test_hidden_ideas_leave_managers_queues(manager, admin, author, it_department):
    idea = make_idea(author, it_department, status="in_review", hidden=True)
    assert queue_ids(manager) == [] and queue_count(manager) == 0
    admin.managed_departments = [it_department]
    db.session.commit()
    assert queue_ids(admin) == [idea.id]


def test_the_manager_who_fast_tracks_is_not_told_about_it(manager, author, it_department):
    from ideaboard.review.services import fast_track

    colleague = UserFactory(email="colleague@example.com", manages=[it_department])
    idea = make_idea(author, it_department)
    fast_track(idea, manager, "Worth a look before the budget round.")
    told = set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "review_assigned")))
    assert told == {colleague.id}

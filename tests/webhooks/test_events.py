"""Each event is queued where it happens, in that transaction, and says what it should."""

from __future__ import annotations

import json
from datetime import timedelta

from ideaboard.comments.services import add_comment
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.services import submit_idea
from ideaboard.review.escalation import escalate_overdue
from ideaboard.review.services import decide
from ideaboard.webhooks.models import WebhookDelivery
from ideaboard.worker.jobs import JOBS, JobContext
from tests.helpers.review import make_idea
from tests.helpers.webhooks import PATH, make_endpoint, received, receiver_url, verify


def _queued():
    db.session.expire_all()
    return [(d.event_type, json.loads(d.payload)["data"])
            for d in db.session.query(WebhookDelivery).order_by(WebhookDelivery.id)]


def test_nothing_is_queued_if_the_change_is_rolled_back(app, admin, author, it_department):
    make_endpoint(admin, "http://127.0.0.1:9/hook")
    submit_idea(author, "An idea that is never saved", "Body.", it_department, [], False)
    db.session.rollback()
    assert _queued() == []


def test_a_decision_is_a_status_change_and_a_decision(app, admin, author, manager, it_department):
    make_endpoint(admin, "http://127.0.0.1:9/hook")
    idea = make_idea(author, it_department, status="in_review")
    decide(idea, manager, "needs_info", "Which floors would get one, and what would it cost?")
    db.session.commit()
    assert [(kind, data["status"], data["change"]["from"]) for kind, data in _queued()] == [
        ("idea.status_changed", "needs_info", "in_review"),
        ("idea.decided", "needs_info", "in_review")]


def test_a_comment_names_its_author_unless_the_idea_is_anonymous_and_theirs(
        app, admin, author, employee, it_department):
    make_endpoint(admin, "http://127.0.0.1:9/hook", events=["comment.created"])
    idea = make_idea(author, it_department, is_anonymous=True)
    by_colleague = add_comment(employee, idea, "What about the third floor?")
    add_comment(author, idea, "Yes, that one too.")
    db.session.commit()
    (_, first), (_, second) = _queued()
    assert first["comment"]["id"] == by_colleague.id
    assert first["comment"]["author"] == "Erin Employee"
    assert first["comment"]["url"] == f"http://ideaboard.test/comments/{by_colleague.id}"
    assert second["comment"]["author"] is None and second["author"] is None
    assert "Avery" not in json.dumps(second)


def test_an_escalation_is_told(app, admin, author, it_department):
    make_endpoint(admin, "http://127.0.0.1:9/hook", events=["review.escalated"])
    idea = make_idea(author, it_department, status="in_review")
    idea.escalates_at = idea.review_due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert escalate_overdue() == 1
    db.session.commit()
    [(kind, data)] = _queued()
    assert kind == "review.escalated" and data["idea_id"] == idea.id
    assert data["queue_department"] == "Company" and data["escalation_level"] == 1


def test_the_worker_job_delivers(app, admin, author, it_department, httpserver):
    httpserver.expect_request(PATH).respond_with_data("ok")
    _, secret = make_endpoint(admin, receiver_url(httpserver))
    submit_idea(author, "An idea for the worker job", "Body.", it_department, [], False)
    db.session.commit()
    now = utcnow()
    outcome = JOBS["send-webhooks"].run(JobContext(now, utcnow, lambda: False))
    assert (outcome.done, outcome.summary) == (1, "delivered 1, failed 0")
    assert verify(secret, received(httpserver)[0])["type"] == "idea.created"

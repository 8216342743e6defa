"""Two people changing one idea at once: exactly one wins, the other is told why.

The one who comes second sees "This idea was decided by <name> a moment ago" with the
first decision and its public rationale, keeps what they typed, and gets a 409, not a
permission error: on SQLite (one writer: the second request finds the change made) and
on PostgreSQL (the second request may lose inside the workflow's claim) alike.
"""

from __future__ import annotations

import html
import re
import threading

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review import services, workflow
from ideaboard.review.models import StatusChange
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.review import make_idea, reload

DECLINE = "We tried this in 2024 and it cost more than it saved."
ACCEPT = "Worth doing: the pilot team saved an hour a week each."
SEEN = re.compile(r'name="seen" value="(\d*)"')


@pytest.fixture
def co_manager(it_department):
    return UserFactory(email="co@example.com", display_name="Cora Colleague",
                       department=it_department, manages=[it_department])


def _ready(app, person, url):
    """A signed-in client with the CSRF token and ``seen`` of the page at ``url``."""
    client = signed_in(app, person)
    page = client.get(url).get_data(as_text=True)
    return client, {"csrf_token": csrf_token(client, url), "seen": SEEN.search(page).group(1)}


def _at_once(app, posts) -> list:
    """Send each (client, url, data) from its own thread, all released together."""
    barrier = threading.Barrier(len(posts))
    responses: list = [None] * len(posts)
    errors: list[BaseException] = []

    def send(index, client, url, data):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                responses[index] = client.post(url, data=data)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.commit()  # the test's own session reads what the threads wrote
    return responses


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_two_managers_deciding_at_once(app, manager, co_manager, employee, it_department):
    idea = make_idea(employee, it_department, status="in_review")
    url = f"/review/ideas/{idea.id}"
    max_client, max_form = _ready(app, manager, url)
    cora_client, cora_form = _ready(app, co_manager, url)
    responses = _at_once(app, [
        (max_client, f"{url}/decide", {**max_form, "decision": "declined", "rationale": DECLINE}),
        (cora_client, f"{url}/decide", {**cora_form, "decision": "accepted", "rationale": ACCEPT}),
    ])
    assert sorted(r.status_code for r in responses) == [302, 409]
    decisions = db.session.scalars(sa.select(StatusChange).where(
        StatusChange.idea_id == idea.id, StatusChange.from_status == "in_review")).all()
    assert len(decisions) == 1  # exactly one decision won
    [won] = decisions
    winner, typed = ((manager, ACCEPT) if won.actor_id == manager.id else (co_manager, DECLINE))
    loser = next(r for r in responses if r.status_code == 409)
    text = _text(loser)
    label = "declined" if won.to_status == "declined" else "accepted"
    assert f"This idea was decided by {winner.display_name} a moment ago: {label}." in text
    assert won.reason in text  # the winning decision's public rationale
    assert typed in text  # what the loser wrote, kept to reuse
    assert "permission" not in text.lower()
    assert reload(idea).status == won.to_status


def test_the_second_of_two_fast_tracks_is_told(app, manager, co_manager, employee,
                                               it_department):
    idea = IdeaFactory(author=employee, department=it_department)
    url = f"/ideas/{idea.id}"
    posts = []
    for person, note in ((manager, "Urgent for the audit."), (co_manager, "Customers ask.")):
        client, form = _ready(app, person, url)
        posts.append((client, f"/review/ideas/{idea.id}/fast-track",
                      {**form, "fast-track-note": note}))
    responses = _at_once(app, posts)
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert db.session.scalar(sa.select(sa.func.count(StatusChange.id)).where(
        StatusChange.idea_id == idea.id, StatusChange.to_status == "in_review")) == 1
    text = _text(next(r for r in responses if r.status_code == 409))
    assert re.search(r"This idea was sent to review by (Max Manager|Cora Colleague) "
                     r"a moment ago\.", text)


def test_a_decision_racing_the_authors_withdrawal(app, manager, employee, it_department):
    idea = make_idea(employee, it_department, status="needs_info", is_anonymous=True)
    author_client, author_form = _ready(app, employee, f"/ideas/{idea.id}")
    max_client, max_form = _ready(app, manager, f"/review/ideas/{idea.id}")
    responses = _at_once(app, [
        (author_client, f"/review/ideas/{idea.id}/withdraw",
         {**author_form, "withdraw-note": "Solved another way."}),
        (max_client, f"/review/ideas/{idea.id}/decide",
         {**max_form, "decision": "declined", "rationale": DECLINE}),
    ])
    withdrew, declined = responses
    assert sorted(r.status_code for r in responses) == [302, 409]
    if withdrew.status_code == 409:
        assert "This idea was decided by Max Manager a moment ago: declined." in _text(withdrew)
        assert "Solved another way." in _text(withdrew)
    else:
        # The author of an anonymous idea is never named, not even here.
        text = _text(declined)
        assert "This idea was withdrawn by its author a moment ago." in text
        assert employee.display_name not in text and DECLINE in text


def test_a_stale_page_after_the_decision_is_told_not_forbidden(app, manager, co_manager,
                                                                employee, it_department):
    """The request that comes second on SQLite finds the decision made (no race left to
    lose): it is told all the same."""
    idea = make_idea(employee, it_department, status="in_review")
    url = f"/review/ideas/{idea.id}"
    cora_client, cora_form = _ready(app, co_manager, url)
    services.decide(idea, manager, "declined", DECLINE)
    db.session.commit()
    response = cora_client.post(f"{url}/score", data={**cora_form, "impact": "4",
                                                      "feasibility": "4", "effort": "2",
                                                      "note": "My private note."})
    assert response.status_code == 409
    text = _text(response)
    assert "This idea was decided by Max Manager a moment ago: declined." in text
    assert DECLINE in text and "My private note." in text
    # Without the page's ``seen`` (or for someone with no part in it) it stays a 403.
    response = cora_client.post(f"{url}/score", data={"csrf_token": cora_form["csrf_token"],
                                                      "impact": "4", "feasibility": "4",
                                                      "effort": "2"})
    assert response.status_code == 403


def test_losing_inside_the_workflow_names_the_winner(app, manager, co_manager, employee,
                                                     it_department):
    """The PostgreSQL path, on both databases: the loser read the idea before the winner
    committed, so only the workflow's claim finds out."""
    idea = make_idea(employee, it_department, status="in_review")
    db.session().expire_on_commit = False  # keep the stale status, as the loser had it
    loaded = (idea.status, co_manager.id, manager.managed_departments)  # read them now
    db.session.commit()  # and hold no snapshot while the winner writes
    assert loaded[0] == "in_review"
    with app.app_context():  # the winner, in a session of its own
        services.decide(db.session.get(Idea, idea.id), db.session.get(User, co_manager.id),
                        "accepted", ACCEPT)
        db.session.commit()
    assert idea.status == "in_review"
    with pytest.raises(workflow.ConflictError) as raised:
        services.decide(idea, manager, "declined", DECLINE)
    assert str(raised.value) == ("This idea was decided by Cora Colleague a moment ago: "
                                 "accepted.")
    assert raised.value.change.reason == ACCEPT
    db.session.rollback()


def test_two_opposite_merges_at_once_never_make_a_cycle(app, manager, co_manager, employee,
                                                        it_department):
    first = make_idea(employee, it_department, status="in_review", title="Print less")
    second = make_idea(employee, it_department, status="in_review", title="Print double-sided")
    rationale = "The same proposal as the other one; merged there."
    posts = []
    for person, idea, other in ((manager, first, second), (co_manager, second, first)):
        client, form = _ready(app, person, f"/review/ideas/{idea.id}")
        posts.append((client, f"/review/ideas/{idea.id}/decide",
                      {**form, "decision": "duplicate", "duplicate_of": str(other.id),
                       "rationale": rationale}))
    responses = _at_once(app, posts)
    assert sorted(r.status_code for r in responses) == [302, 409]
    first, second = reload(first), reload(second)
    assert sorted([first.status, second.status]) == ["duplicate", "in_review"]
    text = _text(next(r for r in responses if r.status_code == 409))
    assert "a moment ago: a duplicate." in text and "the one to merge into" in text
    assert rationale in text


@pytest.mark.parametrize("seen", ["2200000000", "\u00b2", "-1", "x"])
def test_a_seen_that_is_no_id_is_ignored(app, manager, co_manager, employee, it_department,
                                         seen):
    """``seen`` comes from the client: one that is no 32-bit id is ignored (no 500 on
    PostgreSQL, which refuses a larger integer), and the refusal stays a 403."""
    idea = make_idea(employee, it_department, status="in_review")
    services.decide(idea, manager, "declined", DECLINE)
    db.session.commit()
    client = signed_in(app, co_manager)
    response = client.post(f"/review/ideas/{idea.id}/decide", data={
        "csrf_token": csrf_token(client, f"/ideas/{idea.id}"), "seen": seen,
        "decision": "accepted", "rationale": ACCEPT})
    assert response.status_code == 403


def test_an_edit_sent_after_a_fast_track_is_told_not_forbidden(app, manager, employee,
                                                              it_department):
    """The author's edit page was drawn while the idea was open; a manager fast-tracked it
    meanwhile. The edit is told what happened (409) and keeps what was typed; nothing is
    saved. Someone else's edit of it stays a 403."""
    idea = make_idea(employee, it_department, status="open")
    before = idea.body_md
    author = signed_in(app, employee)
    token = csrf_token(author, f"/ideas/{idea.id}/edit")
    services.fast_track(idea, manager, "Urgent: the licences lapse in March.")
    db.session.commit()
    typed = "A longer text the author spent ten minutes on."
    response = author.post(f"/ideas/{idea.id}/edit", data={
        "csrf_token": token, "title": idea.title, "body": typed, "tags": ""})
    assert response.status_code == 409
    text = _text(response)
    assert "by Max Manager a moment ago" in text and typed in text
    assert reload(idea).body_md == before
    stranger = signed_in(app, manager)
    response = stranger.post(f"/ideas/{idea.id}/edit", data={
        "csrf_token": csrf_token(stranger, f"/ideas/{idea.id}"), "title": "Mine now",
        "body": typed, "tags": ""})
    assert response.status_code == 403

"""Decisions and what follows: accept, needs info and resubmit, decline, duplicate merge,
in progress, implemented with an outcome, withdraw; the idea page shows it all."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.ideas.models import Follow
from ideaboard.review.models import StatusChange
from ideaboard.review.services import decide
from ideaboard.voting.models import Vote
from ideaboard.voting.services import cast_vote, vote_target
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea, reload

RATIONALE = "We tried this in 2023 and the costs were far too high."


def send(client, idea, action, **data):
    data.setdefault("csrf_token", csrf_token(client, "/account"))
    return client.post(f"/review/ideas/{idea.id}/{action}", data=data)


def test_accept_with_an_owner_then_progress_then_outcome(manager_client, author, employee,
                                                        it_department):
    idea = make_idea(author, it_department, status="in_review")
    response = send(manager_client, idea, "decide", decision="accepted",
                    owner=str(employee.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    idea = reload(idea)
    assert (idea.status, idea.owner_id) == ("accepted", employee.id)
    page = manager_client.get(f"/review/ideas/{idea.id}").get_data(as_text=True)
    # The owner named at acceptance is chosen already in the start form's picker.
    assert f'checked id="owner-0" name="owner" type="radio" value="{employee.id}"' in page

    response = send(manager_client, idea, "start", owner_query="", owner="")
    assert response.status_code == 422
    assert "Search for the person who will own the work" in response.get_data(as_text=True)
    response = send(manager_client, idea, "start", owner_query="nobody", owner="")
    assert response.status_code == 422
    assert "e-mail matches \u201cnobody\u201d" in response.get_data(as_text=True)
    assert send(manager_client, idea, "start", owner=str(employee.id),
                note="Erin starts Monday.").status_code == 302
    assert reload(idea).status == "in_progress"

    response = send(manager_client, idea, "implement", what_changed="", value="120", unit="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in html and "Give the unit" in html
    assert 'value="120"' in html  # typed text kept
    response = send(manager_client, idea, "implement",
                    what_changed="Invoices are now **scanned** automatically.",
                    value="120", unit="hours a year saved")
    assert response.status_code == 302
    idea = reload(idea)
    assert idea.status == "implemented"
    assert (idea.outcome_value, idea.outcome_unit) == (Decimal("120.00"), "hours a year saved")

    html = manager_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>scanned</strong>" in html
    assert "120</strong> hours a year saved" in html
    assert "Decision: Accepted" in html and "Owner: Erin Employee" in html
    # The whole timeline, with who and why.
    for text in ("Accepted", "In progress", "Implemented", "Erin starts Monday.", "Max Manager"):
        assert text in html


def test_decline_needs_a_rationale_and_keeps_typed_text(manager_client, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    response = send(manager_client, idea, "decide", decision="declined",
                    rationale="Too costly now.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at least 20 characters" in html
    assert "Too costly now." in html
    assert reload(idea).status == "in_review"
    assert send(manager_client, idea, "decide", decision="declined",
                rationale=RATIONALE).status_code == 302
    idea = reload(idea)
    assert idea.status == "declined"
    html = manager_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Decision: Declined" in html and RATIONALE in html


def test_needs_info_then_the_author_edits_and_resubmits_with_a_new_due_date(
        manager_client, author_client, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    first_due = idea.review_due_at
    question = "Please add the yearly cost estimate and who would run it."
    assert send(manager_client, idea, "decide", decision="needs_info",
                rationale=question).status_code == 302
    idea = reload(idea)
    assert idea.status == "needs_info"

    page = author_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert question in page and "Send back for review" in page
    assert author_client.get(f"/ideas/{idea.id}/edit").status_code == 200

    # The author takes three weeks: the old due date has long passed.
    idea.review_due_at = first_due - timedelta(days=21)
    db.session.commit()
    before = utcnow()
    response = send(author_client, idea, "resubmit", **{"resubmit-note": "Added the costs."})
    assert response.status_code == 302
    idea = reload(idea)
    assert idea.status == "in_review"
    sla = timedelta(days=it_department.review_sla_days)
    assert before + sla <= idea.review_due_at <= utcnow() + sla
    last = db.session.scalars(sa.select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert (last.from_status, last.to_status, last.actor_id, last.reason) == \
        ("needs_info", "in_review", author.id, "Added the costs.")


def test_only_the_author_resubmits(manager_client, author, it_department):
    idea = make_idea(author, it_department, status="needs_info")
    assert send(manager_client, idea, "resubmit").status_code == 403
    assert reload(idea).status == "needs_info"


def test_duplicate_merges_votes_and_followers_counting_nobody_twice(manager, author,
                                                                    it_department):
    target_author = UserFactory(email="target@example.com")
    target = make_idea(target_author, it_department, title="The original idea")
    duplicate = make_idea(author, it_department, status="in_review", title="Same idea again")
    both, only_dup, only_target, dup_down = (UserFactory() for _ in range(4))
    cast_vote(both, vote_target(target.id), 1)
    cast_vote(both, vote_target(duplicate.id), 1)
    cast_vote(only_dup, vote_target(duplicate.id), 1)
    cast_vote(dup_down, vote_target(duplicate.id), -1)
    cast_vote(only_target, vote_target(target.id), 1)
    # The target's author may not vote on their own idea: this vote is dropped in the merge.
    cast_vote(target_author, vote_target(duplicate.id), 1)
    for user in (both, only_dup):
        follow(user.id, duplicate.id)
    follow(both.id, target.id)
    db.session.commit()

    decide(duplicate, manager, "duplicate", RATIONALE, duplicate_of_id=target.id)
    db.session.commit()
    target, duplicate = reload(target), reload(duplicate)

    votes = dict(db.session.execute(sa.select(Vote.user_id, Vote.value)
                                    .where(Vote.idea_id == target.id)).all())
    assert votes == {both.id: 1, only_dup.id: 1, dup_down.id: -1, only_target.id: 1}
    assert (target.upvotes, target.downvotes) == (3, 1)
    assert (duplicate.upvotes, duplicate.downvotes) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)
                             .where(Vote.idea_id == duplicate.id)) == 0
    followers = set(db.session.scalars(sa.select(Follow.user_id)
                                       .where(Follow.idea_id == target.id)))
    assert followers == {both.id, only_dup.id, author.id}
    assert target.follower_count == 3 and duplicate.follower_count == 0
    assert duplicate.duplicate_of_id == target.id and duplicate.status == "duplicate"
    assert target.wilson_score > 0


def test_duplicate_pages_link_to_each_other(manager_client, author, it_department):
    target = make_idea(author, it_department, title="The original idea")
    duplicate = make_idea(author, it_department, status="in_review", title="Same idea again")
    response = send(manager_client, duplicate, "decide", decision="duplicate",
                    rationale=RATIONALE, duplicate_of="")
    assert response.status_code == 422
    assert "Search for the idea this one duplicates, then choose it." in \
        response.get_data(as_text=True)
    response = send(manager_client, duplicate, "decide", decision="duplicate",
                    rationale=RATIONALE, duplicate_of=str(target.id))
    assert response.status_code == 302
    page = manager_client.get(f"/ideas/{duplicate.id}").get_data(as_text=True)
    assert f'href="/ideas/{target.id}"' in page and "Merged into" in page
    page = manager_client.get(f"/ideas/{target.id}").get_data(as_text=True)
    assert f'href="/ideas/{duplicate.id}"' in page and "Same idea again" in page


def test_open_ideas_offer_only_the_duplicate_decision(manager_client, author, it_department):
    idea = make_idea(author, it_department)
    html = manager_client.get(f"/review/ideas/{idea.id}").get_data(as_text=True)
    assert 'value="duplicate"' in html and 'value="accepted"' not in html
    assert send(manager_client, idea, "decide", decision="accepted").status_code == 422
    assert reload(idea).status == "open"


def test_author_withdraws_while_open_or_needs_info_only(author_client, author, it_department):
    idea = make_idea(author, it_department)
    response = send(author_client, idea, "withdraw", **{"withdraw-note": "Found another way."})
    assert response.status_code == 302
    assert reload(idea).status == "withdrawn"
    in_review = make_idea(author, it_department, status="in_review")
    assert send(author_client, in_review, "withdraw").status_code == 403
    page = author_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Found another way." in page and "Withdrawn" in page


def test_a_stale_form_gets_a_clear_message(manager_client, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    idea.status = "declined"
    db.session.commit()
    response = send(manager_client, idea, "decide", decision="accepted")
    assert response.status_code == 403  # the policy no longer offers a decision


def test_anonymous_authors_stay_anonymous_on_the_timeline(app, employee_client, author,
                                                          it_department):
    idea = make_idea(author, it_department, is_anonymous=True)
    from ideaboard.review.services import withdraw

    withdraw(idea, author, "Not needed any more, thanks all.")
    db.session.commit()
    html = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "The author" in html and "Avery Author" not in html


def test_idea_page_query_count_does_not_grow_with_the_timeline(manager_client, manager,
                                                               author, it_department):
    from tests.helpers.queries import QueryCounter

    idea = make_idea(author, it_department)
    url = f"/ideas/{idea.id}"
    manager_client.get(url)
    with QueryCounter() as short:
        manager_client.get(url)
    from ideaboard.review import workflow

    for n in range(6):
        workflow.transition(idea, "in_review", manager, reason=f"Fast-track {n}")
        db.session.execute(sa.update(type(idea)).where(type(idea).id == idea.id)
                           .values(status="open"))
        db.session.commit()
        idea = reload(idea)
    with QueryCounter() as long:
        assert manager_client.get(url).status_code == 200
    assert long.count == short.count

"""The loop made legible on the idea page and the cards (issue 13, items 9 and 12): the
progress to review, the vote buttons' names, the idea text above the review figures,
Withdraw out of the way, and what happens after posting."""

from __future__ import annotations

import html

import pytest

from ideaboard.extensions import db
from ideaboard.ideas.display import review_progress
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory
from tests.helpers.queries import count_queries
from tests.helpers.review import make_idea


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def test_progress_words():
    assert review_progress("open", 3, 5, "IT").text == "3 of 5 votes to reach the IT review"
    assert review_progress("open", 3, 5, "IT").short == "3 of 5 votes to review"
    assert review_progress("open", -2, 5, "IT").value == 0  # none below zero
    assert review_progress("open", 9, 5, "IT").value == 5  # a threshold lowered since
    assert review_progress("in_review", 5, 5, "IT") is None


def test_an_open_idea_shows_its_progress_on_card_and_page(employee_client, peer,
                                                          it_department):
    idea = IdeaFactory(author=peer, department=it_department, title="Quiet room",
                       upvotes=4, downvotes=1)
    card = _page(employee_client, "/")
    assert '<progress value="3" max="5" aria-hidden="true"></progress>' in card
    assert "3 of 5 votes to review" in card
    page = _page(employee_client, f"/ideas/{idea.id}")
    assert "3 of 5 votes to reach the IT review" in page
    assert '<progress value="3" max="5" aria-labelledby="progress-text"></progress>' in page
    assert 'href="/help">How an idea becomes a decision</a></p>\n      </section>' in page


def test_no_progress_once_the_idea_left_open(employee_client, peer, it_department):
    idea = make_idea(peer, it_department, status="in_review", upvotes=6)
    assert "votes to review" not in _page(employee_client, "/")
    assert "votes to reach" not in _page(employee_client, f"/ideas/{idea.id}")


def test_the_progress_costs_no_query_per_card(employee_client, peer, it_department):
    IdeaFactory(author=peer, department=it_department)
    one = count_queries(employee_client, "/")
    for _ in range(15):
        IdeaFactory(author=peer, department=it_department, upvotes=2)
    assert count_queries(employee_client, "/") == one


def test_vote_buttons_are_named_for_people(employee_client, peer, it_department):
    IdeaFactory(author=peer, department=it_department, title="Quiet room", upvotes=12,
                downvotes=1)
    page = _page(employee_client, "/")
    assert 'aria-label="Support, 12 supporters: Quiet room"' in page
    assert 'aria-label="Oppose, 1 against: Quiet room"' in page
    assert "</span> Support <span class=\"vote-count\" data-vote-count>12</span>" in page
    assert "</span> Oppose <span class=\"vote-count\" data-vote-count>1</span>" in page


def test_the_author_sees_the_tally_in_words(author_client, author, it_department):
    idea = IdeaFactory(author=author, department=it_department, upvotes=1, downvotes=2)
    page = _page(author_client, f"/ideas/{idea.id}")
    assert "1 supporter, 2 against" in page and "Support, " not in page


def test_the_idea_text_comes_before_the_review_figures(employee_client, peer,
                                                       it_department):
    idea = make_idea(peer, it_department, status="in_review", body_md="The idea itself.")
    page = _page(employee_client, f"/ideas/{idea.id}")
    assert page.index("data-idea-body") < page.index("Review figures") \
        < page.index("Manager reviews")
    # The decision heading stays at the top.
    assert page.index('id="decision-heading"') < page.index("data-idea-body")


def test_withdraw_is_folded_at_the_foot_not_among_the_actions(author_client, author,
                                                              it_department):
    idea = IdeaFactory(author=author, department=it_department)
    page = _page(author_client, f"/ideas/{idea.id}")
    assert 'id="idea-actions-heading"' not in page  # no "Actions" box for it alone
    fold = page.index('<details class="idea-withdraw">')
    assert page.index("Edit idea") < page.index("data-idea-body") < fold
    assert page.index("Follow this idea") < fold
    assert "Share by e-mail" in page
    assert 'class="button danger"' not in page
    assert page.index("<summary>Withdraw this idea</summary>") > fold
    # It still works, without JavaScript.
    response = author_client.post(f"/review/ideas/{idea.id}/withdraw", data={
        "csrf_token": csrf_token(author_client, f"/ideas/{idea.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    assert _page(author_client, f"/ideas/{idea.id}").count("Withdrawn") >= 1


def test_the_new_idea_page_says_what_happens_until_the_first_post(employee_client,
                                                                  employee, it_department):
    hint = "What happens after you post"
    assert hint in _page(employee_client, "/ideas/new")
    response = employee_client.post("/ideas/new", data={
        "csrf_token": csrf_token(employee_client, "/ideas/new"),
        "title": "A quiet room on every floor", "body": "Somewhere to think.",
        "department": str(it_department.id), "confirmed": "1"})
    assert response.status_code == 302
    posted = _page(employee_client, response.headers["Location"])
    assert ("Your idea is posted. Colleagues can now support it and comment; when its net "
            "votes reach 5, the IT managers review it.") in posted
    assert "0 of 5 votes to reach the IT review" in posted
    assert hint not in _page(employee_client, "/ideas/new")


@pytest.mark.parametrize("status", ["in_review", "accepted"])
def test_the_hint_is_not_shown_to_people_who_posted(employee_client, employee,
                                                    it_department, status):
    make_idea(employee, it_department, status=status)
    assert "What happens after you post" not in _page(employee_client, "/ideas/new")

"""A manager's review page in a real browser (issue 13, items 2 and 7).

One form holds the scores and the decision: scores ticked and a decision recorded are
saved together, and a refused decision keeps what was ticked. The idea a duplicate
merges into and the owner of the work are found by typing a title or a name, pressing
"Find", and choosing from the list (no idea numbers, no e-mail addresses to type).

All of it must work without JavaScript, so those journeys run with it switched off
(``no_js``); the last ones check the enhancement that lists matches as you type.
"""

import re

import pytest

from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, UserFactory
from tests.helpers.review import make_idea


@pytest.fixture
def no_js(new_page):
    """``no_js(width=1280)``: a page in a fresh browser context with JavaScript off."""
    return lambda **size: new_page(javascript=False, **size)


@pytest.fixture
def in_review(author, it_department):
    return make_idea(author, it_department, status="in_review",
                     title="Bins for printer paper on every floor")


def tick_scores(page, impact: str, feasibility: str, effort: str) -> None:
    for legend, score in (("Impact", impact), ("Feasibility", feasibility), ("Effort", effort)):
        page.get_by_role("group", name=legend).get_by_label(score, exact=True).check()


def open_review(page, manager, idea) -> None:
    log_in(page, manager.email, PASSWORD)
    page.goto(f"/review/ideas/{idea.id}")


def test_scores_ticked_beside_a_decision_are_saved_with_it(no_js, manager, in_review):
    page = no_js()
    open_review(page, manager, in_review)
    tick_scores(page, "4", "5", "2")
    page.get_by_label("Private note (managers only)").fill("Cheap; facilities can help.")
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(rf"/ideas/{in_review.id}$"))
    page.get_by_text("Decision recorded: accepted.").wait_for()
    notes = page.get_by_role("region", name=re.compile("Managers' notes"))
    assert "impact 4, feasibility 5, effort 2" in notes.inner_text()
    assert "Cheap; facilities can help." in notes.inner_text()


def test_a_refused_decision_keeps_the_ticked_scores(no_js, manager, in_review):
    page = no_js()
    open_review(page, manager, in_review)
    tick_scores(page, "3", "4", "1")
    page.get_by_label("Decline").check()
    page.get_by_label("Public rationale").fill("Too dear.")
    page.get_by_role("button", name="Record decision").click()
    # The summary at the top links to the message beside the field; both say it.
    page.get_by_role("link", name="Explain this decision to everyone in at least 20 "
                                  "characters.").wait_for()
    for legend, score in (("Impact", "3"), ("Feasibility", "4"), ("Effort", "1")):
        assert page.get_by_role("group", name=legend).get_by_label(score, exact=True) \
            .is_checked(), legend
    assert page.get_by_label("Decline").is_checked()
    assert page.get_by_label("Public rationale").input_value() == "Too dear."
    assert page.get_by_text("No manager has scored this idea yet.").is_visible()


def test_marking_a_duplicate_by_searching_its_title(no_js, manager, employee, in_review,
                                                    it_department):
    page = no_js()
    target = make_idea(employee, it_department, title="Recycle printer paper")
    make_idea(employee, it_department, title="A canteen salad bar")
    open_review(page, manager, in_review)
    page.get_by_label("Duplicate of another idea").check()
    page.get_by_label("Public rationale").fill("The same proposal; its votes move there.")
    page.get_by_label("Find the idea it duplicates").fill("recycle")
    page.get_by_role("button", name="Find ideas").click()
    choices = page.get_by_role("group", name="The idea it duplicates")
    choice = f"#{target.id} Recycle printer paper (Open)"
    choices.get_by_label(choice).wait_for()
    assert choices.get_by_role("radio").count() == 1  # not the salad bar, not itself
    # What was typed before the search is still there.
    assert page.get_by_label("Public rationale").input_value() == \
        "The same proposal; its votes move there."
    choices.get_by_label(choice).check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(rf"/ideas/{in_review.id}$"))
    page.get_by_text("Merged into #", exact=False).first.wait_for()
    assert page.get_by_role("link", name=f"#{target.id} Recycle printer paper").is_visible()


def test_assigning_an_owner_by_searching_a_name(no_js, manager, employee, in_review):
    page = no_js()
    UserFactory(email="erik@example.com", display_name="Erik Other", active=False)
    open_review(page, manager, in_review)
    page.get_by_label("Accept").check()
    page.get_by_label("Find the owner (optional)").fill("Eri")
    page.get_by_role("button", name="Find people").click()
    owners = page.get_by_role("group", name="Owner")
    owners.get_by_label("Erin Employee (IT, employee@example.com)").wait_for()
    assert owners.get_by_role("radio").count() == 1  # the inactive Erik is not offered
    owners.get_by_label("Erin Employee (IT, employee@example.com)").check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(rf"/ideas/{in_review.id}$"))
    page.get_by_text("Owner: Erin Employee").wait_for()


def test_enter_in_a_search_box_searches_and_decides_nothing(no_js, manager, employee,
                                                            in_review):
    page = no_js()
    open_review(page, manager, in_review)
    page.get_by_label("Accept").check()
    page.get_by_label("Find the owner (optional)").fill("erin")
    page.get_by_label("Find the owner (optional)").press("Enter")
    page.get_by_role("group", name="Owner").get_by_label(
        "Erin Employee (IT, employee@example.com)").wait_for()
    assert page.get_by_label("Accept").is_checked()
    assert "Accepted" not in page.locator(".idea-status").inner_text()


def test_the_pickers_on_a_phone(new_page, manager, employee, in_review):
    # With JavaScript: axe runs in the page (and hangs in a page without it).
    page = new_page(width=360, height=780)
    open_review(page, manager, in_review)
    page.get_by_label("Find the owner (optional)").fill("erin")
    page.get_by_role("button", name="Find people").click()
    page.get_by_role("group", name="Owner").get_by_role("radio").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert serious_violations(page) == []


def test_with_javascript_the_matches_come_as_you_type(page, manager, employee, in_review,
                                                      it_department):
    """The enhancement (static/js/picker.js): no "Find" press, no page load; the ticked
    scores and the typed rationale stay as they are, and the list is announced."""
    target = make_idea(employee, it_department, title="Recycle printer paper")
    open_review(page, manager, in_review)
    url = page.url
    tick_scores(page, "4", "4", "2")
    page.get_by_label("Duplicate of another idea").check()
    page.get_by_label("Public rationale").fill("The same proposal; its votes move there.")
    page.get_by_label("Find the idea it duplicates").press_sequentially("recyc", delay=30)
    choice = page.get_by_role("group", name="The idea it duplicates").get_by_label(
        f"#{target.id} Recycle printer paper (Open)")
    choice.wait_for()
    assert page.url == url
    assert page.get_by_label("Find the idea it duplicates").evaluate(
        "element => element === document.activeElement")
    page.get_by_text("1 match, listed below the search.").wait_for(state="attached")
    assert serious_violations(page) == []
    choice.check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(rf"/ideas/{in_review.id}$"))
    page.get_by_text("Merged into #", exact=False).first.wait_for()
    notes = page.get_by_role("region", name=re.compile("Managers' notes"))
    assert "impact 4, feasibility 4, effort 2" in notes.inner_text()


def test_with_javascript_a_search_without_matches_says_so(page, manager, in_review):
    open_review(page, manager, in_review)
    page.get_by_label("Find the owner (optional)").press_sequentially("zzqx", delay=30)
    page.get_by_text("Nobody's name or e-mail matches \u201czzqx\u201d. Try another name.").first \
        .wait_for(state="attached")
    assert page.get_by_role("group", name="Owner").count() == 0

"""The loop as an employee reads it (issue 13, items 9 and 12): the progress to review,
the Support and Oppose buttons by their names, and the help page from the footer and
from an empty list."""

import re

import pytest

from ideaboard.extensions import db
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, IdeaFactory

TITLE = "Quiet room on floor 3"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def idea(author, it_department):
    # 3 net votes of the IT department's threshold of 5 (tests.helpers.factories).
    idea = IdeaFactory(author=author, department=it_department, title=TITLE, upvotes=3)
    db.session.commit()
    return idea


def test_employee_sees_progress_and_votes_with_support(page, employee, idea):
    log_in(page, employee.email, PASSWORD)

    # The card in the list says how far the idea is.
    page.goto("/")
    card = page.get_by_role("article", name=TITLE)
    expect(card.get_by_text("3 of 5 votes to review")).to_be_visible()
    expect(card.get_by_role("button", name=f"Support, 3 supporters: {TITLE}")).to_be_visible()
    expect(card.get_by_role("button", name=f"Oppose, 0 against: {TITLE}")).to_be_visible()
    assert serious_violations(page) == []

    # The idea page: the progress in words and as a bar, then a vote in place.
    card.get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(rf"/ideas/{idea.id}$"))
    expect(page.get_by_text("3 of 5 votes to reach the IT review")).to_be_visible()
    bar = page.get_by_role("progressbar", name="3 of 5 votes to reach the IT review")
    assert bar.get_attribute("value") == "3" and bar.get_attribute("max") == "5"
    support = page.get_by_role("button", name=f"Support, 3 supporters: {TITLE}")
    expect(support).to_contain_text("Support")
    assert serious_violations(page) == []

    page.evaluate("window.notReloaded = true")
    support.click()
    supported = page.get_by_role("button", name=f"Support, 4 supporters: {TITLE}")
    expect(supported).to_have_attribute("aria-pressed", "true")
    expect(supported).to_contain_text("4")
    expect(page.get_by_text("4 of 5 votes to reach the IT review")).to_be_visible()
    expect(page.locator("[data-vote-status]")).to_contain_text("You support this idea.")
    assert page.evaluate("window.notReloaded") is True

    # Without scripts the same buttons post the form; the page says the same after it.
    page.reload()
    expect(page.get_by_text("4 of 5 votes to reach the IT review")).to_be_visible()


def test_the_vote_that_reaches_the_threshold_says_so(page, employee, author, it_department):
    idea = IdeaFactory(author=author, department=it_department, title=TITLE, upvotes=4)
    db.session.commit()
    log_in(page, employee.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    expect(page.get_by_text("4 of 5 votes to reach the IT review")).to_be_visible()
    page.get_by_role("button", name=f"Support, 4 supporters: {TITLE}").click()
    expect(page.locator("[data-vote-status]")).to_contain_text(
        "It has the votes it needs and goes to review.")
    expect(page.get_by_text("4 of 5 votes to reach the IT review")).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", name="In review", level=2)).to_be_visible()


def test_the_idea_text_comes_before_withdraw_which_is_folded(page, author, idea):
    log_in(page, author.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    edit = page.get_by_role("link", name="Edit idea")
    expect(edit).to_be_visible()
    # Withdrawing is one quiet step away, below the idea, never a button at first sight.
    withdraw = page.get_by_role("button", name="Withdraw idea")
    expect(withdraw).to_be_hidden()
    fold = page.get_by_text("Withdraw this idea")
    body_box = page.locator("[data-idea-body]").bounding_box()
    assert fold.bounding_box()["y"] > body_box["y"] + body_box["height"]
    assert edit.bounding_box()["y"] < body_box["y"]
    fold.click()
    expect(withdraw).to_be_visible()
    assert serious_violations(page) == []
    page.once("dialog", lambda dialog: dialog.accept())
    withdraw.click()
    expect(page.get_by_text("Your idea is withdrawn.")).to_be_visible()


def test_help_page_from_the_footer_and_an_empty_list(page, employee):
    log_in(page, employee.email, PASSWORD)
    page.goto("/")
    empty = page.locator(".empty")
    expect(empty).to_contain_text("No ideas yet")
    empty.get_by_role("link", name="How an idea becomes a decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How an idea becomes a decision")
    expect(page.get_by_role("heading", name="How ideas are ranked")).to_be_visible()
    expect(page.get_by_role("heading", name="Posting anonymously")).to_be_visible()
    assert serious_violations(page) == []

    page.goto("/")
    page.get_by_role("contentinfo").get_by_role(
        "link", name="How an idea becomes a decision").click()
    page.wait_for_url(re.compile(r"/help$"))
    page.set_viewport_size({"width": 360, "height": 800})
    assert serious_violations(page) == []

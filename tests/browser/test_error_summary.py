"""A refused form puts the focus on the error summary at the top of the page, whose
links move the focus to the fields in error (issue 13, item 3), with and without
JavaScript."""

from __future__ import annotations

from tests.helpers.browser import expect, log_in, serious_violations
from tests.helpers.factories import PASSWORD
from tests.helpers.review import make_idea


def _focused_is_summary(page) -> bool:
    """Whether the focus reaches the summary (autofocus runs as the page is first
    painted, a moment after the box is in the document)."""
    page.wait_for_function(
        "document.activeElement && document.activeElement.hasAttribute('data-error-summary')",
        timeout=5_000)
    return True


def test_a_refused_decision_lands_on_the_summary_and_its_link_on_the_field(
        page, manager, author, it_department):
    idea = make_idea(author, it_department, status="in_review", title="Printer queue for 3rd floor")
    log_in(page, manager.email, PASSWORD)
    page.goto(f"/review/ideas/{idea.id}")
    page.get_by_role("radio", name="Decline").check()
    page.get_by_role("button", name="Record decision").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    summary.wait_for()
    assert page.title().startswith("Error: ")
    assert _focused_is_summary(page)
    # The summary is the first thing in main: in view without scrolling.
    assert page.evaluate("document.querySelector('main').firstElementChild"
                         ".hasAttribute('data-error-summary')")
    assert summary.bounding_box()["y"] < page.viewport_size["height"]
    # It belongs to the decision form: no link into the scores form.
    links = summary.get_by_role("link")
    assert links.count() == 1
    links.first.click()
    expect(page.get_by_label("Public rationale")).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "rationale"
    assert serious_violations(page) == []


def test_sign_up_errors_link_to_each_field(page):
    page.goto("/signup")
    page.get_by_role("button", name="Send me the link").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    summary.wait_for()
    assert _focused_is_summary(page)
    hrefs = [link.get_attribute("href") for link in summary.get_by_role("link").all()]
    assert hrefs == ["#email", "#display_name"]
    summary.get_by_role("link").nth(1).click()
    # The focus moves as the link is followed, a moment after the click returns.
    expect(page.get_by_label("Your name")).to_be_focused()
    assert serious_violations(page) == []


def test_without_javascript_the_summary_still_takes_the_focus(new_page, employee):
    page = new_page(javascript=False)
    page.goto("/login")
    page.get_by_label("E-mail").fill(employee.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.title().startswith("Error: ")
    assert _focused_is_summary(page)
    page.get_by_role("alert").get_by_role("link").first.click()
    page.wait_for_function("['email', 'password'].includes(document.activeElement.id)",
                           timeout=5_000)

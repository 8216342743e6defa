"""A moderator hears of a flag and acts on it; the author learns why (issue 13, item 8)."""

import re

import pytest

from ideaboard.extensions import db
from ideaboard.following.services import follow
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory


@pytest.fixture
def idea(employee, it_department):
    idea = IdeaFactory(author=employee, department=it_department, title="Sell my old laptop here")
    follow(employee.id, idea.id)
    db.session.commit()
    return idea


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_a_moderator_sees_the_flag_in_the_bell_and_the_author_learns_why(new_page, employee,
                                                                       admin, idea,
                                                                       it_department):
    reporter = UserFactory(email="rita@example.com", display_name="Rita Reporter",
                           department=it_department)
    db.session.commit()
    colleague = new_page()
    log_in(colleague, reporter.email, PASSWORD)
    colleague.goto(f"/ideas/{idea.id}")
    colleague.get_by_text("Report this idea").click()
    colleague.get_by_label("What is wrong with it?").fill("An advert, not an idea")
    colleague.get_by_role("button", name="Send report").click()
    expect(colleague.get_by_text("a moderator will look at this idea")).to_be_visible()

    moderator = new_page()
    log_in(moderator, admin.email, PASSWORD)
    bell = moderator.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    note = moderator.get_by_role(
        "button", name=re.compile("Rita Reporter flagged the idea .Sell my old laptop here."))
    expect(note).to_be_visible()
    assert serious_violations(moderator) == []
    note.click()
    moderator.wait_for_url(re.compile("/admin/moderation$"))
    row = moderator.locator("tr", has_text="An advert, not an idea")
    row.get_by_label("Reason (told to the author if you hide it)").fill(
        "Adverts belong on the classifieds board")
    row.get_by_role("button", name="Hide").click()
    expect(moderator.get_by_text("The content is hidden.")).to_be_visible()

    author = new_page(width=375)
    log_in(author, employee.email, PASSWORD)
    author.get_by_role("link", name=re.compile("^Notifications, [1-9]")).click()
    expect(author.get_by_text(
        "A moderator hid your idea \u201cSell my old laptop here\u201d. The reason given: "
        "Adverts belong on the classifieds board")).to_be_visible()
    expect(author.get_by_role("link", name="Choose which of these reach you by e-mail")) \
        .to_be_visible()
    assert serious_violations(author) == []

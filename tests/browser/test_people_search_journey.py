"""An author's name leads to their page; a search that finds nothing offers to post the
idea (issue 13, items 13 and 14), in a real browser, by visible labels."""

import pytest

from ideaboard.comments import services as comments
from ideaboard.extensions import db
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def writer(it_department):
    return UserFactory(display_name="Wren Writer", email="wren@example.com",
                       department=it_department)


@pytest.mark.parametrize("width", [1280, 360])
def test_clicking_an_author_s_name_opens_their_page(new_page, employee, writer, it_department,
                                                     width):
    IdeaFactory(author=writer, department=it_department, title="Bike racks by the door")
    IdeaFactory(author=writer, department=it_department, title="A secret salary survey",
                is_anonymous=True)
    idea = IdeaFactory(author=employee, department=it_department, title="Quiet room on floor 3")
    comments.add_comment(writer, idea, "A sofa would help too.")
    db.session.commit()
    page = new_page(width=width)
    log_in(page, employee.email, PASSWORD)
    page.goto("/")
    page.get_by_role("link", name="Wren Writer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wren Writer")
    expect(page.get_by_role("link", name="Bike racks by the door")).to_be_visible()
    expect(page.get_by_text("A secret salary survey")).to_have_count(0)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Comments").click()
    expect(page.get_by_text("A sofa would help too.")).to_be_visible()
    expect(page.get_by_role("link", name="Quiet room on floor 3")).to_be_visible()
    assert serious_violations(page) == []


def test_a_search_that_finds_nothing_becomes_a_new_idea(page, employee, it_department):
    IdeaFactory(author=employee, department=it_department, title="Reset your password yourself")
    db.session.commit()
    log_in(page, employee.email, PASSWORD)
    page.goto("/")
    page.get_by_role("searchbox", name="Search").fill("pass")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name="Reset your password yourself")).to_be_visible()
    page.get_by_role("searchbox", name="Search").fill("Standing desks in every office")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("No ideas match")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Post this as an idea").click()
    expect(page.get_by_label("Title")).to_have_value("Standing desks in every office")

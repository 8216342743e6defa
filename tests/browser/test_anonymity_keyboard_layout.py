"""Journeys (h) and (i), accessibility of every main page, and the phone layout."""

import re

import pytest

from ideaboard.comments.services import add_comment
from ideaboard.extensions import db
from ideaboard.notifications.services import notify
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory
from tests.helpers.review import make_idea


@pytest.fixture
def secret_author(it_department):
    return UserFactory(email="whistle.blower@example.com", display_name="Wanda Whistleblower",
                       department=it_department)


def test_anonymous_idea_never_shows_its_author_in_the_dom(new_page, secret_author, employee,
                                                          it_department):
    """(h) Everything a peer's browser holds, on every page the idea appears on."""
    idea = IdeaFactory(author=secret_author, department=it_department, is_anonymous=True,
                       title="Rotate the on-call schedule fairly",
                       body_md="Some teams carry the pager twice as often as others.")
    add_comment(secret_author, idea, "As the author: I can share the numbers.")
    db.session.commit()
    peer = new_page()
    log_in(peer, employee.email, PASSWORD)
    for path in ["/", f"/ideas/{idea.id}", f"/departments/{it_department.slug}",
                 "/?q=on-call", "/ideas/similar?title=Rotate+the+on-call+schedule",
                 f"/ideas/{idea.id}/versions", "/notifications"]:
        peer.goto(path)
        dom = peer.evaluate("document.documentElement.outerHTML")
        for secret in ("Wanda", "Whistleblower", "whistle.blower", f"/users/{secret_author.id}"):
            assert secret not in dom, (path, secret)
    peer.goto(f"/ideas/{idea.id}")
    assert "Anonymous" in peer.locator("main").inner_text()


def test_submit_and_vote_by_keyboard_alone(page, employee, it_department):
    """(i) Tab, type, Space and Enter only: no mouse."""
    other = UserFactory(department=it_department)
    idea = IdeaFactory(author=other, department=it_department, title="Free fruit on Mondays")
    log_in(page, employee.email, PASSWORD)
    page.goto("/ideas/new")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.get_by_label("Title").focus()
    page.keyboard.type("Bring back the Friday team breakfast")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "body":
        page.keyboard.press("Tab")
    page.keyboard.type("Once a month, paid by the team budget.")
    page.keyboard.press("Tab")
    page.keyboard.type("culture")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "department"
    page.keyboard.press("ArrowDown")  # the first department in the list
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Bring back the Friday team breakfast"

    page.goto(f"/ideas/{idea.id}")
    for _ in range(60):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
        if label.startswith("Support, "):
            break
    else:
        pytest.fail("Tab never reached the vote button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    page.keyboard.press("Space")
    page.locator("[data-vote-net]").first.filter(has_text="1").wait_for()
    db.session.commit()  # end the test's own read snapshot before looking
    db.session.refresh(idea)
    assert idea.upvotes == 1


def main_pages(admin, manager, employee, idea, review_idea):
    """(user, path) of every main page the issue names."""
    return [
        (None, "/login"),
        (employee, "/"),
        (employee, f"/ideas/{idea.id}"),
        (employee, "/ideas/new"),
        (employee, "/notifications"),
        (employee, "/account"),
        (manager, "/review"),
        (manager, f"/review/ideas/{review_idea.id}"),
        (admin, "/admin/users"),
        (admin, "/admin/departments"),
        (admin, "/admin/audit"),
        (admin, "/admin/moderation"),
    ]


@pytest.fixture
def pages(admin, manager, employee, it_department):
    other = UserFactory(department=it_department)
    idea = IdeaFactory(author=other, department=it_department, title="Free fruit on Mondays",
                       body_md="Apples and pears in the kitchen.")
    add_comment(employee, idea, "Yes, and bananas.")
    review_idea = make_idea(other, it_department, status="in_review",
                            title="Shorter weekly meetings")
    notify([employee.id], "comment", "Someone commented", idea_id=idea.id)
    db.session.commit()
    return main_pages(admin, manager, employee, idea, review_idea)


def _visit_all(new_page, pages, width):
    sessions = {}
    for user, path in pages:
        key = user.id if user else None
        if key not in sessions:
            sessions[key] = new_page(width=width)
            if user:
                log_in(sessions[key], user.email, PASSWORD)
        page = sessions[key]
        page.goto(path)
        yield path, page


def test_main_pages_have_no_serious_accessibility_violations(new_page, pages):
    found = {path: serious_violations(page) for path, page in _visit_all(new_page, pages, 1280)}
    assert {path: v for path, v in found.items() if v} == {}


def test_main_pages_hold_at_phone_width(new_page, pages):
    """390 px wide: nothing forces sideways scrolling of the page itself."""
    overflowing = {}
    for path, page in _visit_all(new_page, pages, 390):
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            overflowing[path] = width
    assert overflowing == {}

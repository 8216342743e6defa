"""Voting in place, commenting and replying, notifications and moderation in a real browser."""

import pytest

from ideaboard.comments import services as comments
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.moderation import services as moderation
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, IdeaFactory


@pytest.fixture
def idea(manager, it_department):
    idea = IdeaFactory(author=manager, department=it_department, title="Quiet room on floor 3")
    follow(manager.id, idea.id)  # as submitting an idea does
    db.session.commit()
    return idea


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_vote_in_place_without_reload_or_layout_shift(page, employee, idea):
    log_in(page, employee.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    page.evaluate("window.notReloaded = true")
    widget = page.locator("[data-vote-widget]")
    up = widget.locator(".vote-up")
    down = widget.locator(".vote-down")
    before = widget.bounding_box(), page.locator("#idea-title").bounding_box()

    up.click()
    net = widget.locator("[data-vote-net]")
    expect(net).to_have_text("1")
    assert up.get_attribute("aria-pressed") == "true"
    assert up.get_attribute("aria-label").startswith("Support, 1 supporter")
    expect(widget.locator("[data-vote-status]")).to_contain_text("Net score 1")

    down.click()
    expect(net).to_have_text("-1")
    assert up.get_attribute("aria-pressed") == "false"
    assert down.get_attribute("aria-pressed") == "true"

    down.click()  # pressing one's vote again takes it back
    expect(net).to_have_text("0")
    assert down.get_attribute("aria-pressed") == "false"
    assert page.evaluate("window.notReloaded") is True
    assert (widget.bounding_box(), page.locator("#idea-title").bounding_box()) == before
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.upvotes, idea.downvotes) == (0, 0)


def test_vote_without_javascript(new_page, employee, idea):
    page = new_page(javascript=False)
    log_in(page, employee.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    page.locator(".vote-up").click()
    page.wait_for_url(f"**/ideas/{idea.id}#idea-{idea.id}")
    assert page.locator("[data-vote-net]").text_content() == "1"
    assert page.locator(".vote-up").get_attribute("aria-pressed") == "true"


def test_comment_reply_and_notification(new_page, employee, manager, idea):
    author_page = new_page()
    log_in(author_page, employee.email, PASSWORD)
    author_page.goto(f"/ideas/{idea.id}")
    author_page.get_by_label("Your comment").fill("Could we book it **online**?")
    author_page.get_by_role("button", name="Post comment").click()
    author_page.get_by_text("Your comment is posted.").wait_for()
    assert author_page.locator(".comment-body strong").text_content() == "online"

    manager_page = new_page()
    log_in(manager_page, manager.email, PASSWORD)
    manager_page.goto("/notifications")
    manager_page.get_by_role("button", name="Erin Employee commented").click()
    manager_page.wait_for_url(f"**/ideas/{idea.id}#comment-*")
    manager_page.locator("details.reply-box summary").first.click()
    manager_page.get_by_label("Your reply").fill("Yes, from next week.")
    manager_page.get_by_role("button", name="Post reply").click()
    manager_page.get_by_text("Your reply is posted.").wait_for()
    assert manager_page.locator(".comment-replies").get_by_text("Yes, from next week.").count() == 1

    author_page.goto("/notifications")
    author_page.get_by_text("Max Manager replied to your comment").wait_for()
    assert serious_violations(author_page) == []
    author_page.get_by_role("button", name="Mark all as read").click()
    assert author_page.locator(".notification-badge").count() == 0


def test_discussion_pages_have_no_serious_accessibility_violations(page, admin, employee, idea):
    comment = comments.add_comment(employee, idea, "A **first** comment")
    comments.add_comment(admin, idea, "A reply", parent=comment)
    moderation.flag_comment(admin, comment, "Please check")
    db.session.commit()
    log_in(page, admin.email, PASSWORD)
    for path in [f"/ideas/{idea.id}", "/notifications", "/admin/moderation",
                 f"/ideas/{idea.id}/flag", f"/comments/{comment.id}/flag"]:
        page.goto(path)
        assert serious_violations(page) == [], path

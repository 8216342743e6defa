"""Forms as people use them (issue 13, item 17): the Markdown preview without JavaScript,
an idea closed to comments, every sign-up problem at once, earlier versions rendered."""

from __future__ import annotations

from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory


def test_preview_a_new_idea_without_javascript_then_post_it(new_page, employee,
                                                            it_department):
    page = new_page(javascript=False)
    log_in(page, employee.email, PASSWORD)
    page.goto("/ideas/new")
    page.get_by_label("Title").fill("Reusable cups in the canteen")
    page.get_by_label("Description").fill("Swap **paper cups** for reusable ones.")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    preview.wait_for()
    assert preview.locator("strong").inner_text() == "paper cups"
    assert page.evaluate("document.activeElement.id") == "preview"
    # Nothing typed is lost.
    assert page.get_by_label("Title").input_value() == "Reusable cups in the canteen"
    assert "**paper cups**" in page.get_by_label("Description").input_value()
    page.get_by_role("button", name="Post idea").click()
    page.wait_for_url("**/ideas/*")
    assert page.get_by_role("heading", name="Reusable cups in the canteen").is_visible()


def test_preview_a_comment_and_its_page_passes_axe(page, employee, it_department):
    idea = IdeaFactory(author=employee, department=it_department, title="Quieter meeting rooms")
    peer = UserFactory(email="peer@example.com", display_name="Pat Peer")
    log_in(page, peer.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    page.get_by_label("Your comment").fill("Yes, *please*.")
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("region", name="Preview")
    preview.wait_for()
    assert preview.locator("em").inner_text() == "please"
    assert page.get_by_label("Your comment").input_value() == "Yes, *please*."
    assert serious_violations(page) == []
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("Your comment is posted.").wait_for()


def test_a_merged_duplicate_offers_no_comment_box(page, employee, it_department):
    target = IdeaFactory(author=employee, department=it_department, title="The first idea")
    merged = IdeaFactory(author=employee, department=it_department, title="A later copy",
                         status="duplicate", duplicate_of_id=target.id)
    log_in(page, UserFactory(email="peer@example.com").email, PASSWORD)
    page.goto(f"/ideas/{merged.id}")
    assert page.get_by_label("Your comment").count() == 0
    page.get_by_text("merged into another idea as a duplicate").wait_for()
    page.get_by_role("link", name="Go to the idea it was merged into").click()
    page.get_by_role("heading", name="The first idea").wait_for()
    assert page.get_by_label("Your comment").count() == 1


def test_sign_up_tells_every_problem_at_once(app, page):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["example.com"]
    page.goto("/signup")
    page.get_by_label("Work e-mail").fill("sam@elsewhere.org")
    page.get_by_role("button", name="Send me the link").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    summary.wait_for()
    links = summary.get_by_role("link")
    assert links.count() == 2
    assert "company e-mail addresses only" in links.nth(0).inner_text()
    assert links.nth(1).inner_text() == "Enter your name."
    assert page.get_by_label("Work e-mail").input_value() == "sam@elsewhere.org"
    assert serious_violations(page) == []


def test_earlier_versions_read_as_the_idea_did(page, employee, it_department):
    log_in(page, employee.email, PASSWORD)
    page.goto("/ideas/new")
    page.get_by_label("Title").fill("Standing desks on request")
    page.get_by_label("Description").fill("Offer *standing desks* to anyone who asks.")
    page.get_by_role("button", name="Post idea").click()
    page.wait_for_url("**/ideas/*")
    if page.get_by_role("button", name="Post my idea anyway").count():
        page.get_by_role("button", name="Post my idea anyway").click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Description").fill("Offer standing desks to everyone.")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Your changes are saved.").wait_for()
    page.goto(page.url.split("#")[0] + "/versions")
    version = page.get_by_role("region", name="Version 1: Standing desks on request")
    assert version.locator("em").inner_text() == "standing desks"
    assert "*standing desks*" not in version.inner_text()
    assert serious_violations(page) == []


def test_with_javascript_a_reply_preview_appears_in_place(page, employee, it_department):
    from ideaboard.comments.services import add_comment
    from ideaboard.extensions import db

    idea = IdeaFactory(author=employee, department=it_department, title="Bike racks")
    peer = UserFactory(email="peer@example.com", display_name="Pat Peer")
    add_comment(employee, idea, "More racks, please")
    db.session.commit()
    log_in(page, peer.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    address = page.url
    page.get_by_text("Reply", exact=True).click()
    box = page.get_by_label("Your reply to Erin Employee")
    box.fill("Covered ones, *ideally*.")
    page.get_by_role("button", name="Preview your reply").click()
    preview = page.get_by_role("region", name="Preview")
    preview.wait_for()
    assert preview.locator("em").inner_text() == "ideally"
    assert page.url == address  # the same page: nothing reloaded
    assert box.input_value() == "Covered ones, *ideally*."
    assert page.evaluate("document.activeElement.dataset.previewFor") is not None
    assert serious_violations(page) == []

"""Reading older comments and replying on the second page of a long discussion, by the
labels a person sees, without JavaScript (axe checks the pager's page with it, in
test_every_page_axe.py: axe itself is a script)."""

import re

from ideaboard.comments import services as comments
from ideaboard.extensions import db
from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_read_older_comments_and_reply_on_page_two(new_page, employee, it_department):
    ann = UserFactory(email="ann@example.com", display_name="Ann Lee", department=it_department)
    idea = IdeaFactory(author=ann, department=it_department, title="Bike racks by the door")
    for i in range(25):  # a page and a quarter of threads
        comments.add_comment(ann, idea, f"Thread number {i}")
    db.session.commit()

    page = new_page(javascript=False)
    log_in(page, employee.email, PASSWORD)
    page.goto(f"/ideas/{idea.id}")
    threads = page.locator("li.comment-thread")
    expect(threads).to_have_count(20)
    expect(threads.first).to_contain_text("Thread number 24")  # the newest first
    pager = page.get_by_role("navigation", name="Comment pages")
    expect(pager.get_by_role("link", name="Newer comments")).to_have_count(0)

    pager.get_by_role("link", name="Older comments").click()
    page.wait_for_url(re.compile(r"\?before=\d+#comments$"))
    expect(threads).to_have_count(5)
    expect(threads.last).to_contain_text("Thread number 0")

    thread = threads.filter(has_text="Thread number 3")
    thread.get_by_text("Reply", exact=True).click()
    page.get_by_label("Your reply to Ann Lee: \u201cThread number 3\u201d").fill(
        "Next to the lifts works too.")
    thread.get_by_role("button", name="Post reply").click()
    page.get_by_text("Your reply is posted.").wait_for()
    # Back on the second page, at the reply.
    page.wait_for_url(re.compile(r"\?before=\d+#comment-\d+$"))
    expect(threads.filter(has_text="Thread number 3").locator(".comment-replies")) \
        .to_contain_text("Next to the lifts works too.")
    page.get_by_role("navigation", name="Comment pages") \
        .get_by_role("link", name="Newer comments").click()
    expect(threads.first).to_contain_text("Thread number 24")

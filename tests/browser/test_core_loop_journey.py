"""Journeys (b) to (g): the whole core loop in a real browser.

An employee submits an idea and sees similar ideas while typing; peers vote and
comment until it crosses the department's threshold; the manager finds it in the
queue, scores it and asks for more information; the author updates it and sends
it back; the manager accepts it, marks it in progress and implemented with a
measured outcome; the author and a voter find all of it in their notifications.
"""

import re

import pytest

from ideaboard.extensions import db
from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory


@pytest.fixture
def company_setup(app, it_department, manager, employee):
    it_department.review_threshold = 3
    db.session.commit()
    peers = [UserFactory(email=f"peer{i}@example.com", display_name=f"Peer {i}",
                         department=it_department) for i in range(3)]
    IdeaFactory(author=peers[0], department=it_department,
                title="Printer paper recycling programme",
                body_md="Collect used printer paper on every floor.")
    return peers


def expect_text(page, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for()


def test_the_core_loop(new_page, company_setup, employee, manager):
    peers = company_setup

    # (b) The author types a title and sees similar ideas before posting.
    author = new_page()
    log_in(author, employee.email, PASSWORD)
    author.get_by_role("link", name="New idea").click()
    author.get_by_label("Title").press_sequentially("Recycle printer paper", delay=20)
    suggestions = author.locator("#similar-ideas")
    expect_text(author, "Printer paper recycling programme")
    assert "Printer paper recycling programme" in suggestions.inner_text()
    author.get_by_label("Title").fill("Recycle the paper from our printers")
    author.get_by_label("Description").fill("Put a **paper bin** beside each printer.")
    author.get_by_label("Department").select_option(label="\u2003IT")
    author.get_by_label("Tags").fill("paper, sustainability")
    author.get_by_role("button", name=re.compile("Post")).first.click()
    author.wait_for_url(re.compile(r"/ideas/\d+$"))
    idea_url = author.url
    idea_path = idea_url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    idea_path = "/" + idea_path
    heading = author.get_by_role("heading", level=1)
    assert heading.inner_text() == "Recycle the paper from our printers"
    assert author.locator(".status").first.inner_text().strip() == "Open"

    # (c) Three peers vote; one comments. The third vote crosses the threshold.
    for index, peer in enumerate(peers):
        page = new_page()
        log_in(page, peer.email, PASSWORD)
        page.goto(idea_path)
        page.get_by_role("button", name=re.compile("^Support, ")).first.click()
        page.locator("[data-vote-net]").first.filter(has_text=str(index + 1)).wait_for()
        if index == 0:
            page.get_by_label("Your comment").fill("Great idea, @erin can I help?")
            page.get_by_role("button", name="Post comment").click()
            expect_text(page, "Great idea")
    author.reload()
    assert author.locator(".status").first.inner_text().strip() == "In review"

    # (d) The manager finds it in the queue, scores it and asks for more information.
    boss = new_page()
    log_in(boss, manager.email, PASSWORD)
    boss.get_by_role("link", name=re.compile("^Review")).click()
    boss.get_by_role("link", name="Recycle the paper from our printers").click()
    boss.wait_for_url(re.compile(r"/review/ideas/\d+$"))
    for legend, score in (("Impact", "4"), ("Feasibility", "5"), ("Effort", "2")):
        boss.get_by_role("group", name=legend).get_by_label(score, exact=True).check()
    boss.get_by_label("Private note (managers only)").fill("Cheap; facilities can help.")
    boss.get_by_role("button", name="Save scores").click()
    expect_text(boss, "Cheap; facilities can help.")
    boss.get_by_label("Ask the author for more information").check()
    boss.get_by_label("Public rationale").fill("How many printers are there on each floor?")
    boss.get_by_role("button", name="Record decision").click()
    expect_text(boss, "Needs info")

    # (e) The author sees the question, updates the idea and sends it back.
    author.goto(idea_path)
    expect_text(author, "How many printers are there on each floor?")
    assert "Cheap; facilities can help." not in author.content()  # the note stays private
    author.get_by_role("link", name=re.compile("^Edit")).first.click()
    author.get_by_label("Description").fill(
        "Put a **paper bin** beside each of the 12 printers (3 per floor).")
    author.get_by_role("button", name=re.compile("Save")).click()
    author.wait_for_url(re.compile(r"/ideas/\d+$"))
    author.get_by_role("button", name="Send back for review").click()
    expect_text(author, "In review")

    # (f) The manager accepts it, starts the work and records the outcome.
    boss.goto(idea_path.replace("/ideas/", "/review/ideas/"))
    boss.get_by_label("Accept").check()
    boss.get_by_label("Public rationale").fill("Cheap and everyone can use it.")
    boss.get_by_role("button", name="Record decision").click()
    expect_text(boss, "Accepted")
    boss.goto(idea_path.replace("/ideas/", "/review/ideas/"))
    boss.get_by_label("Find the owner").fill(employee.display_name.split()[0])
    boss.get_by_role("button", name="Find people").click()
    boss.get_by_role("group", name="Owner").get_by_label(employee.display_name,
                                                          exact=False).check()
    boss.get_by_role("button", name="Mark in progress").click()
    expect_text(boss, "In progress")
    boss.goto(idea_path.replace("/ideas/", "/review/ideas/"))
    boss.get_by_label("What changed (Markdown)").fill("Bins are beside all 12 printers.")
    boss.get_by_label("Measured result (optional)").fill("120")
    boss.get_by_label("Unit").fill("kg of paper recycled a month")
    boss.get_by_role("button", name="Mark implemented").click()
    expect_text(boss, "Implemented")

    # The idea page shows the decision, the outcome and the whole timeline.
    author.goto(idea_path)
    expect_text(author, "Bins are beside all 12 printers.")
    expect_text(author, "kg of paper recycled a month")
    timeline = author.locator("[aria-labelledby='timeline-heading'], .timeline").first.inner_text()
    for step in ("In review", "Needs info", "Accepted", "In progress", "Implemented"):
        assert step in timeline, step

    # (g) The author and a voter find it all in their notifications.
    author.get_by_role("link", name=re.compile("^Notifications")).click()
    notes = author.locator("main").inner_text()
    # Sentences to the author, the measured result in the one about implementing it.
    assert "needs more information: " in notes
    assert "was implemented: 120 kg of paper recycled a month." in notes
    assert "commented" in notes or "mentioned" in notes
    voter = new_page()
    log_in(voter, peers[1].email, PASSWORD)
    voter.get_by_role("link", name=re.compile("^Notifications")).click()
    assert "was implemented: 120 kg of paper recycled a month." in \
        voter.locator("main").inner_text()

"""A campaign in the browser (issue 17, item 1): an admin asks the question, the
background job opens it on time, an employee answers it with an idea, and the
campaign page shows the answer and its funnel; axe finds nothing on the way."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ideaboard.campaigns.models import Campaign
from ideaboard.campaigns.services import move_on_time
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.helpers.browser import expect, log_in, serious_violations
from tests.helpers.factories import PASSWORD

QUESTION = "How do we halve the time to onboard a customer?"


def test_an_admin_asks_and_an_employee_answers(new_page, admin, manager, employee,
                                               it_department):
    now = utcnow()
    leader = new_page()
    log_in(leader, admin.email, PASSWORD)
    leader.get_by_role("link", name="Campaigns", exact=True).click()
    leader.get_by_role("link", name="New campaign").click()
    leader.get_by_label("Question").fill(QUESTION)
    leader.get_by_label("Brief").fill("Customers wait **three weeks** for a login.")
    leader.get_by_label("Sponsor's e-mail").fill(manager.email)
    leader.get_by_label("Reviewing department").select_option(label="\u2003IT")
    leader.get_by_label("Opens at (UTC)").fill(now.strftime("%Y-%m-%dT%H:%M"))
    leader.get_by_label("Closes at (UTC)").fill(
        (now + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    leader.get_by_role("button", name="Save campaign").click()
    leader.get_by_text("The campaign is saved as a draft.").wait_for()
    expect(leader.get_by_role("heading", name=QUESTION, level=1)).to_be_visible()
    assert serious_violations(leader) == []

    # The background job's run, on the clock it is given: the draft opens.
    db.session.commit()
    assert move_on_time(utcnow() + timedelta(minutes=1)) == 1
    db.session.commit()

    answerer = new_page()
    log_in(answerer, employee.email, PASSWORD)
    answerer.get_by_role("link", name="Campaigns", exact=True).click()
    answerer.get_by_role("link", name=QUESTION).click()
    answerer.get_by_role("link", name="Answer with an idea").click()
    answerer.get_by_label("Title").fill("Send the welcome pack on day one")
    answerer.get_by_label("Description").fill("Ship it with the signed contract.")
    assert serious_violations(answerer) == []
    answerer.get_by_role("button", name="Post idea").click()
    answerer.get_by_text("Your idea is posted in answer to").wait_for()
    expect(answerer.get_by_role("link", name=QUESTION)).to_be_visible()

    answerer.get_by_role("link", name=QUESTION).click()
    expect(answerer.get_by_role("link", name="Send the welcome pack on day one")).to_be_visible()
    expect(answerer.locator(".funnel")).to_contain_text("1 Open")
    assert serious_violations(answerer) == []

    db.session.commit()
    campaign = db.session.scalars(sa.select(Campaign)).one()
    idea = db.session.scalars(sa.select(Idea)).one()
    assert (campaign.state, idea.campaign_id, idea.department_id) == (
        "open", campaign.id, it_department.id)

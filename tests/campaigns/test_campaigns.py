"""Campaigns (issue 17, item 1): an admin starts one, it opens and stops taking ideas on
time through the background job, its audience answers it with ideas, others are refused
with a message and keep what they typed, and its sponsor closes and archives it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.campaigns import services
from ideaboard.campaigns.models import Campaign, CampaignState
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.worker.jobs import JOBS
from ideaboard.worker.services import Worker
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import CampaignFactory, DepartmentFactory, IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.queries import count_queries

RATIONALE = "It fits the brief and costs little to try."
ANSWER = {"title": "Send the welcome pack on day one", "body": "Ship it with the contract.",
          "tags": ""}


def _post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def _campaign_form(person, department, **overrides) -> dict:
    now = utcnow()
    data = {"title": "How do we halve the time to onboard a customer?",
            "brief": "Customers wait **three weeks** for their first login.",
            "sponsor": person.email, "audience": 0, "department": department.id,
            "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=15)).strftime("%Y-%m-%dT%H:%M")}
    data.update(overrides)
    return data


@pytest.fixture
def campaign(manager, it_department):
    """Open to everyone, its ideas reviewed by IT, sponsored by IT's manager."""
    return CampaignFactory(sponsor=manager, department=it_department)


def test_an_admin_starts_a_campaign_as_a_draft_that_only_its_sponsor_and_admins_see(
        admin_client, manager, employee_client, it_department):
    response = _post(admin_client, "/campaigns/new", _campaign_form(manager, it_department))
    assert response.status_code == 302
    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert (campaign.state, campaign.sponsor_id, campaign.department_id) == (
        "draft", manager.id, it_department.id)
    assert "<strong>three weeks</strong>" in campaign.brief_html
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "campaign.create")).one()
    assert entry.object_id == campaign.id

    assert employee_client.get(f"/campaigns/{campaign.id}").status_code == 404
    assert "How do we halve" not in employee_client.get("/campaigns").get_data(as_text=True)
    sponsor = signed_in(admin_client.application, manager)
    page = sponsor.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "How do we halve" in page and "Edit campaign" in page


def test_only_admins_start_campaigns(employee_client, manager_client):
    assert employee_client.get("/campaigns/new").status_code == 403
    assert manager_client.get("/campaigns/new").status_code == 403


def test_a_refused_campaign_form_keeps_what_was_typed(admin_client, manager, it_department):
    now = utcnow()
    data = _campaign_form(manager, it_department,
                          closes_at=(now + timedelta(days=1, minutes=10)).strftime(
                              "%Y-%m-%dT%H:%M"))
    response = _post(admin_client, "/campaigns/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "closes at least an hour after it opens" in page
    assert "How do we halve the time to onboard a customer?" in page
    assert "three weeks" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0

    unknown = _post(admin_client, "/campaigns/new",
                    _campaign_form(manager, it_department, sponsor="nobody@example.com"))
    assert unknown.status_code == 422
    assert "e-mail address of an active account" in unknown.get_data(as_text=True)


def test_the_job_opens_a_draft_and_stops_answers_on_time(app, manager, it_department):
    opens = utcnow().replace(microsecond=0) + timedelta(days=1)
    draft = CampaignFactory(sponsor=manager, department=it_department, state="draft",
                            opens_at=opens, closes_at=opens + timedelta(days=7))
    assert services.move_on_time(opens - timedelta(seconds=1)) == 0
    assert services.move_on_time(opens) == 1
    assert draft.state == "open"
    assert services.move_on_time(opens + timedelta(days=7) - timedelta(seconds=1)) == 0
    db.session.commit()

    # Through the worker, on the injected clock: the shared job runs once and moves it.
    worker = Worker(app, [JOBS["campaigns"]], clock=lambda: opens + timedelta(days=7))
    worker.run(once=True)
    db.session.expire_all()
    assert db.session.get_one(Campaign, draft.id).state == "evaluating"
    moves = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "campaign.state").order_by(AuditEntry.id)).all()
    assert [(entry.actor_id, entry.after) for entry in moves] == [
        (None, {"state": "open"}), (None, {"state": "evaluating"})]


def test_an_employee_answers_an_open_campaign(employee_client, campaign, hr_department,
                                              it_department):
    response = _post(employee_client, f"/campaigns/{campaign.id}/answer", ANSWER)
    assert response.status_code == 302
    idea = db.session.scalars(sa.select(Idea)).one()
    assert (idea.campaign_id, idea.department_id) == (campaign.id, it_department.id)
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")

    idea_page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'href="/campaigns/{campaign.id}"' in idea_page
    campaign_page = employee_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Send the welcome pack on day one" in campaign_page
    assert 'class="funnel-count">1</span> Open' in campaign_page
    assert "Answer with an idea" in campaign_page


@pytest.mark.parametrize("state", ["evaluating", "closed"])
def test_a_closed_campaign_refuses_an_answer_and_keeps_the_text(employee_client, campaign,
                                                                state):
    campaign.state = state
    db.session.commit()
    response = _post(employee_client, f"/campaigns/{campaign.id}/answer", ANSWER)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "takes no more ideas" in page
    assert "Send the welcome pack on day one" in page and "Ship it with the contract." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0
    assert "Answer with an idea</a>" not in employee_client.get(
        f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_a_campaign_past_its_closing_time_refuses_before_the_job_has_run(
        employee, campaign):
    campaign.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(services.CampaignError, match="takes no more ideas"):
        services.submit_answer(campaign, employee, ANSWER["title"], ANSWER["body"], [], False)


def test_the_audience_is_a_department_and_those_below_it(app, manager, it_department,
                                                         hr_department):
    support = DepartmentFactory(name="IT Support", slug="it-support", parent=it_department)
    campaign = CampaignFactory(sponsor=manager, department=it_department,
                               audience_department=it_department)
    below = signed_in(app, UserFactory(department=support))
    outside = signed_in(app, UserFactory(department=hr_department))

    refused = _post(outside, f"/campaigns/{campaign.id}/answer", ANSWER)
    assert refused.status_code == 422
    assert "asks the people of IT" in refused.get_data(as_text=True)
    assert _post(below, f"/campaigns/{campaign.id}/answer", ANSWER).status_code == 302
    assert db.session.scalar(sa.select(Idea.campaign_id)) == campaign.id


def test_the_sponsor_closes_and_archives_and_no_one_else_may(app, campaign, employee_client,
                                                             manager_client):
    url = f"/campaigns/{campaign.id}/state"
    refused = _post(manager_client, url, {"to": "closed"})
    assert refused.status_code == 302
    db.session.refresh(campaign)
    assert campaign.state == "open"  # only an evaluated campaign is closed by hand
    page = manager_client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "closed once it has stopped taking ideas" in page
    _post(manager_client, url, {"to": "archived"})
    assert "Only a closed campaign can be archived." in manager_client.get(
        f"/campaigns/{campaign.id}").get_data(as_text=True)

    campaign.state = "evaluating"
    db.session.commit()
    assert _post(employee_client, url, {"to": "closed"}).status_code == 403
    assert _post(manager_client, url, {"to": "closed"}).status_code == 302
    db.session.refresh(campaign)
    assert campaign.state == "closed"
    assert _post(manager_client, url, {"to": "archived"}).status_code == 302
    db.session.refresh(campaign)
    assert campaign.state_enum is CampaignState.ARCHIVED
    assert _post(manager_client, url, {"to": "open"}).status_code == 400


def test_an_open_campaign_keeps_its_opening_time(manager_client, campaign, it_department,
                                                 manager):
    data = _campaign_form(manager, it_department, title="A sharper question for everyone?")
    response = _post(manager_client, f"/campaigns/{campaign.id}/edit", data)
    assert response.status_code == 422
    assert "opening time stays as it was" in response.get_data(as_text=True)

    data["opens_at"] = campaign.opens_at.strftime("%Y-%m-%dT%H:%M")
    campaign.opens_at = campaign.opens_at.replace(second=0, microsecond=0)
    db.session.commit()
    assert _post(manager_client, f"/campaigns/{campaign.id}/edit", data).status_code == 302
    db.session.refresh(campaign)
    assert campaign.title == "A sharper question for everyone?"


def test_the_campaign_page_runs_the_same_statements_for_5_and_50_ideas(
        employee_client, campaign, author, it_department):
    def ideas(count: int) -> None:
        for _ in range(count):
            IdeaFactory(author=author, department=it_department, campaign_id=campaign.id)

    ideas(5)
    url = f"/campaigns/{campaign.id}"
    count_queries(employee_client, url)  # the first request fills the kept catalogues
    few = count_queries(employee_client, url)
    ideas(45)
    assert count_queries(employee_client, url) == few


def test_its_audience_hears_when_it_opens_and_when_it_stops_taking_ideas(
        app, manager, it_department, hr_department):
    inside = UserFactory(department=it_department, email="inside@example.com")
    outside = UserFactory(department=hr_department, email="outside@example.com")
    opens = utcnow().replace(microsecond=0) - timedelta(minutes=1)
    campaign = CampaignFactory(sponsor=manager, department=it_department, state="draft",
                               audience_department=it_department, opens_at=opens,
                               closes_at=opens + timedelta(days=7))
    services.move_on_time(utcnow())
    db.session.commit()
    told = db.session.scalars(sa.select(Notification).where(
        Notification.kind == "campaign")).all()
    assert {n.user_id for n in told} == {inside.id, manager.id}
    assert {n.campaign_id for n in told} == {campaign.id}
    assert told[0].text == f"A new campaign asks for your ideas: \u201c{campaign.title}\u201d."
    mail = db.session.scalars(sa.select(OutboxEmail).where(
        OutboxEmail.to_address == inside.email)).one()
    assert mail.subject == f"[Ideaboard] A new campaign: {campaign.title}"
    assert f"/campaigns/{campaign.id}" in mail.body_text
    assert not db.session.scalars(sa.select(OutboxEmail).where(
        OutboxEmail.to_address == outside.email)).all()

    # The bell's list leads to the campaign.
    reader = signed_in(app, inside)
    page = reader.get("/notifications").get_data(as_text=True)
    assert "A new campaign asks for your ideas" in page
    [notification] = [n for n in told if n.user_id == inside.id]
    opened = _post(reader, f"/notifications/{notification.id}/open", {})
    assert opened.headers["Location"].endswith(f"/campaigns/{campaign.id}")

    services.move_on_time(campaign.closes_at)
    db.session.commit()
    closed = db.session.scalars(sa.select(Notification).where(
        Notification.kind == "campaign", Notification.user_id == inside.id)
        .order_by(Notification.id)).all()
    assert "has stopped taking ideas" in closed[-1].text


def test_a_closed_campaign_shows_what_came_of_it_first_and_names_no_one(
        employee_client, campaign, author, it_department):
    done = IdeaFactory(author=author, department=it_department, campaign_id=campaign.id,
                       title="Welcome packs sent on day one", status="implemented",
                       outcome_md="Customers log in on day two.",
                       outcome_html="<p>Customers log in on day two.</p>",
                       outcome_value=12, outcome_unit="days saved per customer")
    IdeaFactory(author=author, department=it_department, campaign_id=campaign.id,
                title="An idea still under way", status="in_progress")
    url = f"/campaigns/{campaign.id}"
    assert "What came of it" not in employee_client.get(url).get_data(as_text=True)

    campaign.state = "closed"
    db.session.commit()
    page = employee_client.get(url).get_data(as_text=True)
    results = page[page.index("What came of it"):page.index("The brief")]
    assert f'href="/ideas/{done.id}"' in results and "days saved per customer" in results
    assert "Customers log in on day two." in results
    assert "An idea still under way" not in results
    assert author.display_name not in results


def test_its_authors_followers_and_voters_hear_when_it_stops_taking_ideas(
        manager, it_department, hr_department, author):
    from ideaboard.ideas.models import Follow
    from ideaboard.voting.models import Vote

    campaign = CampaignFactory(sponsor=manager, department=it_department,
                               audience_department=it_department)
    idea = IdeaFactory(author=author, department=it_department, campaign_id=campaign.id)
    follower = UserFactory(department=hr_department)
    voter = UserFactory(department=hr_department)
    bystander = UserFactory(department=hr_department)
    db.session.add_all([Follow(user_id=follower.id, idea_id=idea.id),
                        Vote(user_id=voter.id, idea_id=idea.id, value=1)])
    db.session.commit()
    services.move_on_time(campaign.closes_at)
    db.session.commit()
    told = set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "campaign")))
    assert {author.id, follower.id, voter.id, manager.id} <= told
    assert bystander.id not in told


def test_votes_stop_at_the_campaigns_own_voting_close_and_an_edit_opens_them_again(
        app, employee_client, manager_client, campaign, author, it_department, manager):
    idea = IdeaFactory(author=author, department=it_department, campaign_id=campaign.id)
    campaign.voting_closes_at = campaign.closes_at + timedelta(days=3)
    db.session.commit()
    vote = f"/ideas/{idea.id}/vote"
    assert services.move_on_time(campaign.closes_at) == 1  # answers stop; votes go on
    db.session.commit()
    assert _post(employee_client, vote, {"value": "1"}).status_code == 302

    assert services.move_on_time(campaign.voting_closes_at) == 1
    db.session.commit()
    refused = _post(employee_client, vote, {"value": "-1"})
    assert refused.status_code == 403
    assert "no longer open for votes" in refused.get_data(as_text=True)
    db.session.refresh(idea)
    assert (idea.votes_closed, idea.upvotes, idea.downvotes) == (True, 1, 0)
    page = employee_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'action="/ideas/{idea.id}/vote"' not in page
    assert services.move_on_time(campaign.voting_closes_at + timedelta(days=1)) == 0

    # The sponsor moves the voting close later: the ideas take votes again.
    data = _campaign_form(manager, it_department, title=campaign.title,
                          opens_at=campaign.opens_at.strftime("%Y-%m-%dT%H:%M"),
                          closes_at=campaign.closes_at.strftime("%Y-%m-%dT%H:%M"),
                          voting_closes_at=(utcnow() + timedelta(days=30)).strftime(
                              "%Y-%m-%dT%H:%M"))
    campaign.opens_at = campaign.opens_at.replace(second=0, microsecond=0)
    campaign.closes_at = campaign.closes_at.replace(second=0, microsecond=0)
    db.session.commit()
    assert _post(manager_client, f"/campaigns/{campaign.id}/edit", data).status_code == 302
    db.session.refresh(idea)
    assert idea.votes_closed is False
    assert f'action="/ideas/{idea.id}/vote"' in employee_client.get(
        f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_voting_cannot_close_before_the_campaign_stops_taking_ideas(admin_client, manager,
                                                                     it_department):
    now = utcnow()
    data = _campaign_form(manager, it_department, voting_closes_at=(
        now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    response = _post(admin_client, "/campaigns/new", data)
    assert response.status_code == 422
    assert "Voting closes when the campaign stops taking ideas or later" in \
        response.get_data(as_text=True)


def test_the_funnel_is_kept_as_ideas_are_posted_decided_hidden_and_shown(
        employee, manager, admin, campaign):
    from ideaboard.campaigns.queries import funnel
    from ideaboard.moderation.services import flag_idea, resolve
    from ideaboard.review.workflow import transition

    def recount() -> list:
        rows = db.session.execute(sa.select(Idea.status, sa.func.count()).where(
            Idea.campaign_id == campaign.id, Idea.hidden.is_(False)).group_by(Idea.status))
        counts = dict(rows.all())
        return [(status, counts[status.value]) for status in IdeaStatus
                if counts.get(status.value)]

    first, second, third = (services.submit_answer(campaign, employee, f"An answer, take {n}",
                                                   "Its text.", [], False) for n in range(3))
    transition(second, "in_review", None)
    transition(second, "accepted", manager, reason=RATIONALE)
    resolve(flag_idea(manager, third, "Off topic"), admin, "hide", "Not about onboarding.")
    db.session.commit()
    assert funnel(campaign.id) == recount() == [(IdeaStatus.OPEN, 1),
                                                (IdeaStatus.ACCEPTED, 1)]
    transition(third, "withdrawn", employee)  # while hidden: not counted
    resolve(flag_idea(manager, third, "Again"), admin, "restore", "It was fine.")
    db.session.commit()
    assert funnel(campaign.id) == recount() == [(IdeaStatus.OPEN, 1),
                                                (IdeaStatus.ACCEPTED, 1),
                                                (IdeaStatus.WITHDRAWN, 1)]
    assert first.status == "open"


def test_the_audit_trail_tells_a_campaigns_story_in_words(admin_client, manager,
                                                          it_department):
    assert _post(admin_client, "/campaigns/new",
                 _campaign_form(manager, it_department)).status_code == 302
    campaign = db.session.scalars(sa.select(Campaign)).one()
    services.move_on_time(campaign.opens_at)
    db.session.commit()
    page = admin_client.get("/admin/audit?object_type=campaigns").get_data(as_text=True)
    assert "Started a campaign" in page and "Moved a campaign on" in page
    assert f'<a href="/campaigns/{campaign.id}">{campaign.title}</a>' in page
    assert manager.display_name in page  # the sponsor by name, not by id
    assert "Open for ideas" in page  # the state in words


def test_the_news_goes_out_in_batches_each_person_once(monkeypatch, manager, it_department,
                                                       author):
    monkeypatch.setattr(services, "NEWS_BATCH", 2)
    people = [UserFactory(department=it_department) for _ in range(5)]
    campaign = CampaignFactory(sponsor=manager, department=it_department)
    IdeaFactory(author=author, department=it_department, campaign_id=campaign.id)
    services.move_on_time(campaign.closes_at)  # the audience, and the idea's author again
    db.session.commit()
    told = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "campaign")).all()
    everyone = db.session.scalars(sa.select(User.id).where(User.active.is_(True))).all()
    assert {manager.id, author.id, *(p.id for p in people)} <= set(everyone)
    assert sorted(told) == sorted(everyone)  # each once, though the author is asked twice


def test_an_answers_audit_entry_names_its_campaign(admin_client, employee, campaign):
    services.submit_answer(campaign, employee, ANSWER["title"], ANSWER["body"], [], False)
    db.session.commit()
    page = admin_client.get("/admin/audit?action=idea.create").get_data(as_text=True)
    assert campaign.title in page

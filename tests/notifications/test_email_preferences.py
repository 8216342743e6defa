"""Notifications read as sentences; e-mail preferences per kind of event, linked from the
notifications page and from every notification e-mail (issue 13, item 11)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from ideaboard.accounts.models import EmailTopic
from ideaboard.comments import services as comments
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.notifications import delivery
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.review import workflow
from ideaboard.review.workflow import Outcome
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea

RATIONALE = "How many printers are there on each floor?"


def mails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)))


def message_to(user) -> str:
    return db.session.scalars(sa.select(Notification.message).where(
        Notification.user_id == user.id).order_by(Notification.id.desc())).first()


def test_the_page_offers_every_topic_ticked_and_saves_the_choice(employee_client, employee):
    page = employee_client.get("/account/email").get_data(as_text=True)
    assert "<legend>E-mail me about" in page
    for topic in EmailTopic:
        assert topic.label in page
    assert page.count('type="checkbox"') == len(EmailTopic) == page.count("checked")
    response = employee_client.post("/account/email", data={
        "csrf_token": csrf_token(employee_client, "/account/email"),
        "email_frequency": "daily",
        "topics": [t.value for t in EmailTopic if t is not EmailTopic.MY_IDEAS]})
    assert response.status_code == 302
    db.session.refresh(employee)
    assert employee.email_frequency == "daily"
    assert employee.email_topics_off == ["my_ideas"]
    page = employee_client.get("/account/email").get_data(as_text=True)
    assert page.count("checked") == len(EmailTopic) - 1


def test_the_account_page_and_the_notifications_page_link_to_the_preferences(employee_client):
    assert 'href="/account/email"' in employee_client.get("/account").get_data(as_text=True)
    page = employee_client.get("/notifications").get_data(as_text=True)
    assert '<a href="/account/email">Choose which of these reach you by e-mail</a>' in page


def test_a_turned_off_topic_sends_no_mail_and_others_still_do(employee, it_department):
    author = employee
    author.email_topics_off = [EmailTopic.MY_IDEAS.value]
    idea = make_idea(author, it_department)
    commenter = UserFactory(email="cora@example.com", display_name="Cora Commenter")
    first = comments.add_comment(author, idea, "My own first comment")
    comments.add_comment(commenter, idea, "A comment on the author's idea")
    db.session.commit()
    assert mails_to(author.email) == []  # comments on my ideas: turned off
    # ... but it is still on the notifications page.
    assert message_to(author) == "Cora Commenter commented on \u201c" + idea.title + "\u201d."
    comments.add_comment(commenter, idea, "A reply to the author", parent=first)
    db.session.commit()
    [mail] = mails_to(author.email)  # replies: still on
    assert "replied to your comment" in mail.subject
    # Every notification e-mail links to the preferences.
    assert "e-mail preferences" in mail.body_text and "/account/email" in mail.body_text


def test_the_digest_leaves_out_the_topics_its_reader_turned_off(employee, it_department):
    reader = UserFactory(email="dana@example.com", email_frequency="daily",
                         email_topics_off=[EmailTopic.FOLLOWING.value])
    idea = make_idea(employee, it_department)
    follow(reader.id, idea.id)
    comments.add_comment(employee, idea, "News of an idea Dana follows")
    own = make_idea(reader, it_department)
    follow(reader.id, own.id)  # as submitting an idea does
    comments.add_comment(employee, own, "A comment on Dana's own idea")
    db.session.commit()
    assert delivery.send_digests(utcnow() + timedelta(minutes=1)) == 1
    [digest] = mails_to(reader.email)
    assert own.title in digest.body_text and idea.title not in digest.body_text


def test_status_changes_read_as_sentences(employee, manager, it_department):
    idea = make_idea(employee, it_department, status="in_review", title="Recycle the paper")
    voter = UserFactory(email="vera@example.com")
    follow(voter.id, idea.id)
    db.session.commit()
    workflow.transition(idea, "needs_info", manager, reason=RATIONALE)
    db.session.commit()
    assert message_to(employee) == \
        f"Your idea \u201cRecycle the paper\u201d needs more information: {RATIONALE}"
    assert message_to(voter) == \
        f"\u201cRecycle the paper\u201d needs more information from its author: {RATIONALE}"
    [mail] = mails_to(employee.email)
    assert mail.subject == "[Ideaboard] Your idea \u201cRecycle the paper\u201d needs more " \
                           "information."


def test_an_implemented_idea_says_what_it_saved(employee, manager, it_department):
    idea = make_idea(employee, it_department, status="in_progress", title="Self-service resets",
                     owner_id=None)
    voter = UserFactory(email="vera@example.com")
    follow(voter.id, idea.id)
    db.session.commit()
    workflow.transition(idea, "implemented", manager, outcome=Outcome(
        "Resets are self-service.", Decimal("88"), "helpdesk hours saved a month"))
    db.session.commit()
    assert message_to(employee) == ("Your idea \u201cSelf-service resets\u201d was implemented: "
                                    "88 helpdesk hours saved a month.")
    assert message_to(voter) == ("\u201cSelf-service resets\u201d was implemented: "
                                 "88 helpdesk hours saved a month.")


def test_a_manager_is_told_an_idea_waits_for_their_review(manager, employee, it_department):
    idea = make_idea(employee, it_department, title="Standing desks")
    db.session.commit()
    workflow.transition(idea, "in_review", None)
    db.session.commit()
    message = message_to(manager)
    assert message.startswith("\u201cStanding desks\u201d is waiting for your review. "
                              "Please decide by ")

"""Slack- and Teams-shaped receivers get a correct, verifiable message when an idea is
decided; and a department wired to a channel gets its own ideas only."""

from __future__ import annotations

import json

from ideaboard.extensions import db
from ideaboard.review.services import decide
from ideaboard.webhooks.worker import deliver_pending
from tests.helpers.review import make_idea
from tests.helpers.webhooks import PATH, make_endpoint, received, receiver_url, verify

RATIONALE = "Accepted: the floor plan has room for it."


def _decided(author, manager, department):
    idea = make_idea(author, department, status="in_review", title="Standing desks for IT")
    decide(idea, manager, "accepted", RATIONALE, owner_id=manager.id)
    db.session.commit()
    return idea


def test_a_slack_channel_gets_a_block_kit_message(app, httpserver, admin, author, manager,
                                                   it_department):
    httpserver.expect_request(PATH).respond_with_data("ok")
    _, secret = make_endpoint(admin, receiver_url(httpserver), kind="slack",
                              events=["idea.decided"])
    idea = _decided(author, manager, it_department)
    assert deliver_pending().delivered == 1
    [request] = received(httpserver)
    message = verify(secret, request)  # signed too: harmless for Slack, useful for a proxy
    url = f"http://ideaboard.test/ideas/{idea.id}"
    assert message["text"] == f"Decided: Accepted: Standing desks for IT {url}"
    title, facts = message["blocks"]
    assert title["type"] == "section" and title["text"]["type"] == "mrkdwn"
    assert f"<{url}|Standing desks for IT>" in title["text"]["text"]
    assert [f["text"] for f in facts["fields"]] == ["*Status*\nAccepted", "*Department*\nIT"]


def test_a_teams_channel_gets_an_adaptive_card(app, httpserver, admin, author, manager,
                                                it_department):
    httpserver.expect_request(PATH).respond_with_data("", status=202)
    _, secret = make_endpoint(admin, receiver_url(httpserver), kind="teams",
                              events=["idea.decided"])
    idea = _decided(author, manager, it_department)
    assert deliver_pending().delivered == 1
    message = verify(secret, received(httpserver)[0])
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and float(card["version"]) >= 1.4
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    assert texts == ["Decided: Accepted", "Standing desks for IT"]
    [facts] = [b["facts"] for b in card["body"] if b["type"] == "FactSet"]
    assert facts == [{"title": "Status", "value": "Accepted"},
                     {"title": "Department", "value": "IT"}]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Ideaboard",
                                "url": f"http://ideaboard.test/ideas/{idea.id}"}]


def test_slack_text_is_escaped(app, httpserver, admin, author, manager, it_department):
    httpserver.expect_request(PATH).respond_with_data("ok")
    make_endpoint(admin, receiver_url(httpserver), kind="slack", events=["idea.decided"])
    idea = make_idea(author, it_department, status="in_review", title="Use <!channel> & more")
    decide(idea, manager, "declined", "Not now, the budget is spent for this year.")
    db.session.commit()
    deliver_pending()
    message = json.loads(received(httpserver)[0].get_data())
    assert "<!channel>" not in message["blocks"][0]["text"]["text"]
    assert "Use &lt;!channel&gt; &amp; more" in message["blocks"][0]["text"]["text"]

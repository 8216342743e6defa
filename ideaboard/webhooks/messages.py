"""The body each kind of endpoint receives for an event: the event itself (generic),
a Slack Block Kit message, or a Microsoft Teams Adaptive Card."""

from __future__ import annotations

import json
from typing import Any

from ideaboard.webhooks.models import EndpointKind, EventType

_HEADLINES = {
    EventType.IDEA_CREATED: "New idea",
    EventType.STATUS_CHANGED: "Status changed",
    EventType.DECIDED: "Decided",
    EventType.COMMENT_CREATED: "New comment",
    EventType.REVIEW_ESCALATED: "Escalated for review",
    EventType.TEST: "Test event from Ideaboard",
}


def headline(event: dict[str, Any]) -> str:
    """One line saying what happened ("Decided: Accepted")."""
    data = event.get("data", {})
    text = _HEADLINES.get(EventType(event["type"]), event["type"])
    if event["type"] in (EventType.STATUS_CHANGED, EventType.DECIDED) and data.get("status_label"):
        text += f": {data['status_label']}"
    if event["type"] == EventType.COMMENT_CREATED and data.get("comment", {}).get("author"):
        text += f" by {data['comment']['author']}"
    return text


def _facts(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [("Status", data.get("status_label") or data.get("status") or "-"),
            ("Department", data.get("department") or "Whole company")]


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(event: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: Block Kit blocks, and ``text`` as the fallback
    notifications and screen readers use."""
    data = event.get("data", {})
    title, url = data.get("title", ""), data.get("url", "")
    link = f"<{url}|{_slack_escape(title)}>" if url else _slack_escape(title)
    return {
        "text": f"{headline(event)}: {title} {url}".strip(),
        "blocks": [
            {"type": "section",
             "text": {"type": "mrkdwn", "text": f"*{_slack_escape(headline(event))}*\n{link}"}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": f"*{name}*\n{_slack_escape(value)}"}
                for name, value in _facts(data)]},
        ],
    }


def teams(event: dict[str, Any]) -> dict[str, Any]:
    """A Teams workflow-webhook message: one Adaptive Card (1.4)."""
    data = event.get("data", {})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": headline(event), "weight": "Bolder",
             "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": data.get("title", ""), "wrap": True},
            {"type": "FactSet", "facts": [{"title": name, "value": value}
                                           for name, value in _facts(data)]},
        ],
    }
    if data.get("url"):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Ideaboard",
                            "url": data["url"]}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
         "content": card}]}


def body(kind: str, payload: str) -> bytes:
    """The bytes posted to an endpoint of ``kind`` for the stored event ``payload``."""
    if kind == EndpointKind.GENERIC:
        return payload.encode()
    event = json.loads(payload)
    message = slack(event) if kind == EndpointKind.SLACK else teams(event)
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()

"""Registering webhook endpoints, and queuing the events they receive.

The capabilities where things happen call the event functions below (``idea_created``
from ``ideas.services``, ``status_changed`` from ``review.workflow``, ``comment_created``
from ``comments.services``, ``review_escalated`` from ``review.escalation``): each
writes one outbox row per matching active endpoint in the caller's transaction, and
nothing goes on the network (``webhooks.worker`` delivers). Flushes, never commits.

An event never names the author of an anonymous idea, and a hidden (moderated) idea
sends none: the channels are read by everyone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ideaboard.audit.services import record
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.urls import absolute_url
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import STATUS_LABELS, IdeaStatus
from ideaboard.org.services import department_rows
from ideaboard.webhooks import signing, ssrf
from ideaboard.webhooks.models import EndpointKind, EventType, WebhookDelivery, WebhookEndpoint

# What an admin may choose to receive (the test event is sent on request only).
SUBSCRIBABLE = (EventType.IDEA_CREATED, EventType.STATUS_CHANGED, EventType.DECIDED,
                EventType.COMMENT_CREATED, EventType.REVIEW_ESCALATED)
EVENT_LABELS = {
    EventType.IDEA_CREATED: _l("Idea created"),
    EventType.STATUS_CHANGED: _l("Status changed"),
    EventType.DECIDED: _l("Idea decided (accepted, needs info, declined, duplicate)"),
    EventType.COMMENT_CREATED: _l("Comment created"),
    EventType.REVIEW_ESCALATED: _l("Review escalated"),
}
KIND_LABELS = {
    EndpointKind.GENERIC: _l("Generic (signed JSON event)"),
    EndpointKind.SLACK: _l("Slack incoming webhook"),
    EndpointKind.TEAMS: _l("Microsoft Teams workflow webhook"),
}
# The decisions of a manager (review.workflow.DECISIONS, which sits above this layer).
DECISIONS = frozenset({IdeaStatus.ACCEPTED, IdeaStatus.NEEDS_INFO, IdeaStatus.DECLINED,
                       IdeaStatus.DUPLICATE})


class WebhookError(ValueError):
    """An endpoint cannot be saved as given; the message says why (for its field)."""

    def __init__(self, message: str, field: str = "url") -> None:
        super().__init__(message)
        self.field = field


# --- endpoints ----------------------------------------------------------------------

def _checked(url: str, kind: str, events: Iterable[str]) -> tuple[str, str, str]:
    try:
        ssrf.check_url(url, current_app.config)
    except ssrf.UnsafeURL as error:
        raise WebhookError(str(error)) from error
    if kind not in {k.value for k in EndpointKind}:
        raise WebhookError(_("Choose the kind of endpoint."), "kind")
    chosen = [e.value for e in SUBSCRIBABLE if e.value in set(events)]
    if not chosen:
        raise WebhookError(_("Choose at least one event."), "events")
    return url.strip(), kind, " ".join(chosen)


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the secret: the audit trail is read by admins, but it is not where it lives.
    return {"url": endpoint.url, "kind": endpoint.kind, "events": endpoint.events,
            "department_id": endpoint.department_id, "active": endpoint.active}


def create_endpoint(actor, *, url: str, kind: str, events: Iterable[str],
                    department_id: int | None, active: bool) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (to be shown this once). Flushes."""
    url, kind, chosen = _checked(url, kind, events)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(url=url, kind=kind, events=chosen, department_id=department_id,
                               active=active, secret=secret, created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    record(actor, "webhook.create", endpoint, after=_snapshot(endpoint))
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, actor, *, url: str, kind: str,
                    events: Iterable[str], department_id: int | None, active: bool) -> None:
    """Change an endpoint (its secret stays). Flushes."""
    url, kind, chosen = _checked(url, kind, events)
    before = _snapshot(endpoint)
    endpoint.url, endpoint.kind, endpoint.events = url, kind, chosen
    endpoint.department_id = department_id
    _set_active(endpoint, active)
    endpoint.updated_at = utcnow()
    db.session.flush()
    record(actor, "webhook.update", endpoint, before=before, after=_snapshot(endpoint))


def _set_active(endpoint: WebhookEndpoint, active: bool) -> None:
    if active and not endpoint.active:
        # Switched on again: a fresh start, failures and the reason it stopped forgotten.
        endpoint.consecutive_failures, endpoint.failing = 0, False
        endpoint.disabled_reason = None
    endpoint.active = active


def set_active(endpoint: WebhookEndpoint, actor, active: bool) -> None:
    before = _snapshot(endpoint)
    _set_active(endpoint, active)
    endpoint.updated_at = utcnow()
    db.session.flush()
    record(actor, "webhook.activate" if active else "webhook.deactivate", endpoint,
           before=before, after=_snapshot(endpoint))


def delete_endpoint(endpoint: WebhookEndpoint, actor) -> None:
    """Remove the endpoint and its deliveries. Flushes."""
    record(actor, "webhook.delete", endpoint, before=_snapshot(endpoint))
    db.session.delete(endpoint)
    db.session.flush()


# --- events -------------------------------------------------------------------------

def _covered(department_id: int | None) -> set[int]:
    """The department and every one above it: the endpoints wired to any of them get
    its ideas (one statement: the org tree's rows)."""
    if department_id is None:
        return set()
    parent = {row[0]: row[2] for row in department_rows()}
    chain: set[int] = set()
    current: int | None = department_id
    while current is not None and current not in chain:
        chain.add(current)
        current = parent.get(current)
    return chain


def _matching(event: str, department_id: int | None) -> list[WebhookEndpoint]:
    endpoints = [e for e in db.session.scalars(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)) if e.receives(event)]
    if any(e.department_id is not None for e in endpoints):
        covered = _covered(department_id)
        endpoints = [e for e in endpoints if e.department_id is None or e.department_id in covered]
    return endpoints


def _event(event: str, data: Mapping[str, Any]) -> str:
    return json.dumps({"type": event, "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
                       "data": dict(data)}, separators=(",", ":"), ensure_ascii=False)


def _queue(endpoints: Iterable[WebhookEndpoint], event: str, data: Mapping[str, Any],
           idea_id: int | None) -> list[WebhookDelivery]:
    payload = _event(event, data)
    rows = [WebhookDelivery(endpoint_id=e.id, message_id=signing.new_message_id(),
                            event_type=event, payload=payload, idea_id=idea_id)
            for e in endpoints]
    if rows:
        db.session.add_all(rows)
        db.session.flush()
    return rows


def idea_data(idea) -> dict[str, Any]:
    """What every event says of its idea. An anonymous idea's author is never named."""
    department = idea.department
    author = None if idea.is_anonymous or idea.author is None else idea.author.display_name
    return {"idea_id": idea.id, "title": idea.title, "status": idea.status,
            # str: the label may be a lazy string, and the payload is JSON.
            "status_label": str(STATUS_LABELS[IdeaStatus(idea.status)]),
            "department": department.name if department is not None else None,
            "department_id": idea.department_id,
            "url": absolute_url("ideas.detail", idea_id=idea.id),
            "anonymous": bool(idea.is_anonymous), "author": author}


def _emit(event: str, idea, extra: Mapping[str, Any] | None = None) -> list[WebhookDelivery]:
    if idea.hidden:
        return []  # moderated: for its author and the admins only, never a channel
    endpoints = _matching(event, idea.department_id)
    if not endpoints:
        return []
    return _queue(endpoints, event, {**idea_data(idea), **(extra or {})}, idea.id)


def idea_created(idea) -> list[WebhookDelivery]:
    return _emit(EventType.IDEA_CREATED, idea)


def status_changed(idea, from_status: str | None, to_status: str, reason: str = "") -> None:
    """A status change (and, for a manager's decision, the decided event too)."""
    change = {"change": {"from": from_status, "to": to_status, "reason": reason or None}}
    _emit(EventType.STATUS_CHANGED, idea, change)
    if to_status in DECISIONS:
        _emit(EventType.DECIDED, idea, change)


def comment_created(comment, idea) -> list[WebhookDelivery]:
    hidden_author = idea.is_anonymous and comment.author_id == idea.author_id
    author = None if hidden_author or comment.author is None else comment.author.display_name
    return _emit(EventType.COMMENT_CREATED, idea, {"comment": {
        "id": comment.id, "author": author,
        "url": absolute_url("comments.show", comment_id=comment.id)}})


def review_escalated(idea) -> list[WebhookDelivery]:
    queue = idea.queue_department
    return _emit(EventType.REVIEW_ESCALATED, idea, {
        "queue_department": queue.name if queue is not None else None,
        "escalation_level": idea.escalation_level})


def send_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a test event for this one endpoint (active or not: an admin asked)."""
    data = {"idea_id": None, "title": "A test event from Ideaboard", "status": None,
            "status_label": None, "department": None, "department_id": None,
            "url": absolute_url("webhooks.show", endpoint_id=endpoint.id)}
    return _queue([endpoint], EventType.TEST, data, None)[0]

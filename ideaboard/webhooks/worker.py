"""Delivering the webhook outbox (the worker's ``send-webhooks`` job).

Like the e-mail outbox (``notifications.worker``): each due delivery is first
*claimed*, a conditional UPDATE committed at once that pushes its ``next_attempt_at``
a lease ahead, so two workers never send one delivery, on SQLite or PostgreSQL. Then,
with no transaction open, the URL is checked again by the SSRF guard (DNS may have
changed since the endpoint was saved), signed afresh at the attempt's own time and
posted to a checked address with a short timeout; then the outcome is recorded in a
second short unit of work, only while the claim is still this worker's.

Outcomes: 2xx delivered (the endpoint's failure count reset); a timeout, a connection
error, 5xx or 429 retried with exponential backoff and jitter (429 and 503 respecting
Retry-After), until ``WEBHOOKS_MAX_ATTEMPTS``; 410 Gone switches the endpoint off;
any other answer is failed, not retried. Every failure counts against the endpoint:
at ``WEBHOOKS_FAILURE_THRESHOLD`` failures in a row it is marked failing and the
admins are told (a notification, and a banner on the webhooks page).
"""

from __future__ import annotations

import email.utils
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app

from ideaboard.accounts.models import Role, User
from ideaboard.core.i18n import N_, Text
from ideaboard.core.transactions import unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.notifications.delivery import deliver
from ideaboard.notifications.models import NotificationKind
from ideaboard.notifications.services import notify
from ideaboard.webhooks import messages, signing, ssrf, transport
from ideaboard.webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("ideaboard.webhooks")

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
# A claimed delivery is the claiming worker's for this long: far more than one bounded
# attempt (a check, a connection and an answer, each within WEBHOOKS_TIMEOUT).
LEASE = timedelta(minutes=5)
RETRIED = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RunResult:
    delivered: int = 0
    failed: int = 0  # attempts that did not succeed (retried or given up)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    endpoint_id: int
    until: datetime
    attempts: int
    url: str
    secret: str
    message_id: str
    body: bytes


@dataclass(frozen=True)
class Attempt:
    """What one attempt met: an answer's status (None: no answer) and its details."""

    status: int | None
    latency_ms: int | None
    error: str | None
    retry_after: str | None = None


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: exponential, capped, with jitter
    (between half and all of it), so failed deliveries do not all return at once."""
    full = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    half_ms = int(full.total_seconds() * 500)
    return timedelta(milliseconds=half_ms + secrets.randbelow(half_ms + 1))


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait, at most BACKOFF_MAX."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        wait = when - now
    return max(timedelta(0), min(wait, BACKOFF_MAX))


def pending_query(now: datetime):
    return (
        sa.select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.state == DeliveryState.PENDING.value,
               WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )


def _withheld(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> str | None:
    if not endpoint.active and delivery.event_type != EventType.TEST:
        return "withheld: the endpoint is inactive"
    if delivery.idea_id is not None:
        hidden = db.session.scalar(sa.select(Idea.hidden).where(Idea.id == delivery.idea_id))
        if hidden:
            return "withheld: a moderator hid the idea"
    return None


def _claim(delivery_id: int, seen: datetime, now: datetime) -> Claim | None:
    until = now + LEASE
    with unit_of_work():
        # Session.execute is typed as any Result; for DML without RETURNING it is a CursorResult.
        claimed = cast(sa.CursorResult, db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id,
                   WebhookDelivery.state == DeliveryState.PENDING.value,
                   WebhookDelivery.next_attempt_at == seen)
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)))
        if claimed.rowcount != 1:
            return None
        delivery = db.session.get_one(WebhookDelivery, delivery_id, populate_existing=True)
        endpoint = db.session.get_one(WebhookEndpoint, delivery.endpoint_id)
        why = _withheld(delivery, endpoint)
        if why:
            delivery.state, delivery.last_error = DeliveryState.WITHHELD.value, why
            return None
        return Claim(delivery.id, endpoint.id, until, delivery.attempts, endpoint.url,
                     endpoint.secret, delivery.message_id,
                     messages.body(endpoint.kind, delivery.payload))


def _attempt(claim: Claim, clock: Callable[[], datetime]) -> Attempt:
    """Check the address again, sign at this moment and post. No transaction is open."""
    config = current_app.config
    try:
        target = ssrf.check_url(claim.url, config)
    except ssrf.UnsafeURL as error:
        return Attempt(None, None, f"refused: {error}")
    timestamp = int(clock().timestamp())
    headers = signing.headers(claim.secret, claim.message_id, timestamp, claim.body)
    try:
        answer = transport.post(target, claim.body, headers, float(config["WEBHOOKS_TIMEOUT"]))
    except OSError as error:
        return Attempt(None, None, f"{type(error).__name__}: {error}"[:500])
    return Attempt(answer.status, answer.latency_ms, None, answer.retry_after)


def _outcome(attempt: Attempt, attempts: int,
             now: datetime) -> tuple[str, datetime | None, str | None]:
    """The delivery's next state, when it is due again (a retry), and its error."""
    status = attempt.status
    if status is not None and 200 <= status < 300:
        return DeliveryState.DELIVERED.value, None, None
    refused = attempt.error is not None and attempt.error.startswith("refused:")
    retried = not refused and (status is None or status in RETRIED)
    error = attempt.error or f"HTTP {status}"
    max_attempts = int(current_app.config["WEBHOOKS_MAX_ATTEMPTS"])
    if retried and attempts < max_attempts:
        wait = retry_after(attempt.retry_after, now) if status in (429, 503) else None
        return (DeliveryState.PENDING.value,
                now + (wait if wait is not None else backoff(attempts)), error)
    return DeliveryState.FAILED.value, None, error


def _record(claim: Claim, attempt: Attempt, now: datetime) -> bool:
    """Write the attempt's outcome (only while the claim is ours) and what it means for
    the endpoint. True if it was delivered."""
    attempts = claim.attempts + 1
    state, due, error = _outcome(attempt, attempts, now)
    with unit_of_work():
        recorded = cast(sa.CursorResult, db.session.execute(  # a CursorResult: see _claim
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == claim.delivery_id,
                   WebhookDelivery.state == DeliveryState.PENDING.value,
                   WebhookDelivery.next_attempt_at == claim.until)
            .values(state=state, attempts=attempts, last_attempt_at=now,
                    next_attempt_at=due or claim.until, status_code=attempt.status,
                    latency_ms=attempt.latency_ms, last_error=error,
                    delivered_at=now if state == DeliveryState.DELIVERED.value else None)
            .execution_options(synchronize_session=False))).rowcount
        if not recorded:
            log.warning("webhook delivery %s was taken over by another worker before its "
                        "outcome was recorded", claim.delivery_id)
            return False
        if state == DeliveryState.DELIVERED.value:
            db.session.execute(
                sa.update(WebhookEndpoint).where(WebhookEndpoint.id == claim.endpoint_id)
                .values(consecutive_failures=0, failing=False)
                .execution_options(synchronize_session=False))
            return True
        _endpoint_failed(claim.endpoint_id, attempt)
    return False


def _endpoint_failed(endpoint_id: int, attempt: Attempt) -> None:
    values: dict = {"consecutive_failures": WebhookEndpoint.consecutive_failures + 1}
    if attempt.status == 410:
        values.update(active=False, disabled_reason="The receiver answered 410 Gone: "
                      "switched off. Reactivate it once the URL is right again.")
    count = db.session.execute(
        sa.update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(**values)
        .returning(WebhookEndpoint.consecutive_failures)
        .execution_options(synchronize_session=False)).one()
    threshold = int(current_app.config["WEBHOOKS_FAILURE_THRESHOLD"])
    # Exactly at the threshold (the UPDATE counted atomically): the admins are told once.
    if count.consecutive_failures == threshold:
        db.session.execute(
            sa.update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            .values(failing=True).execution_options(synchronize_session=False))
        admins = db.session.scalars(sa.select(User.id).where(
            User.role == Role.ADMIN.value, User.active.is_(True)))
        last = attempt.error or f"HTTP {attempt.status}"
        told = notify(admins, NotificationKind.WEBHOOK_FAILING, Text.plural(
            "The webhook endpoint #%(endpoint)s has failed %(num)d time in a row (last: "
            "%(error)s). See Admin > Webhooks.",
            "The webhook endpoint #%(endpoint)s has failed %(num)d times in a row (last: "
            "%(error)s). See Admin > Webhooks.", threshold, endpoint=endpoint_id, error=last))
        # And by e-mail, to the admins who want one per event (digests take the rest).
        deliver(told, subject=Text(N_("[Ideaboard] Webhook endpoint #%(endpoint)s is failing"),
                                   endpoint=endpoint_id))
        log.error("webhook endpoint %s is failing: %s failures in a row", endpoint_id, threshold)


def deliver_pending(*, clock: Callable[[], datetime] = utcnow, limit: int = 100,
                    should_stop: Callable[[], bool] = lambda: False) -> RunResult:
    """Deliver every delivery due now (at most ``limit``), each claimed, sent and
    recorded in turn. ``clock`` tells the time of each step (tests move it on)."""
    result = RunResult()
    with unit_of_work(writes=False):
        due = db.session.execute(pending_query(clock()).limit(limit)).all()
    for delivery_id, next_attempt_at in due:
        if should_stop():
            break
        claim = _claim(delivery_id, next_attempt_at, clock())
        if claim is None:
            continue
        attempt = _attempt(claim, clock)
        if _record(claim, attempt, clock()):
            result.delivered += 1
        else:
            result.failed += 1
    return result

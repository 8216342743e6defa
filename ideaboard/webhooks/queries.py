"""The statements of the webhooks pages, built once."""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.org.models import Department
from ideaboard.webhooks.models import WebhookDelivery, WebhookEndpoint

# Every endpoint with its department's name, oldest first (admins register a handful).
ENDPOINTS = (
    sa.select(WebhookEndpoint, Department.name)
    .outerjoin(Department, Department.id == WebhookEndpoint.department_id)
    .order_by(WebhookEndpoint.id)
)

# One endpoint's latest deliveries (index ix_webhook_deliveries_endpoint).
LATEST_DELIVERIES = (
    sa.select(WebhookDelivery.id, WebhookDelivery.event_type, WebhookDelivery.state,
              WebhookDelivery.created_at, WebhookDelivery.last_attempt_at,
              WebhookDelivery.status_code, WebhookDelivery.latency_ms,
              WebhookDelivery.attempts, WebhookDelivery.last_error,
              WebhookDelivery.next_attempt_at)
    .where(WebhookDelivery.endpoint_id == sa.bindparam("endpoint_id"))
    .order_by(WebhookDelivery.id.desc())
    .limit(sa.bindparam("limit"))
)

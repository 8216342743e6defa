"""What the webhooks pages show of an endpoint."""

from __future__ import annotations

from urllib.parse import urlsplit

from ideaboard.webhooks.models import DeliveryState

STATE_LABELS = {
    DeliveryState.PENDING.value: "Waiting",
    DeliveryState.DELIVERED.value: "Delivered",
    DeliveryState.FAILED.value: "Failed",
    DeliveryState.WITHHELD.value: "Withheld",
}


def shown_url(url: str) -> str:
    """The URL as the list shows it: its scheme, host and the start of its path. A Slack
    or Teams URL's path is its credential: the whole of it is only in the edit form."""
    parts = urlsplit(url)
    path = parts.path if len(parts.path) <= 12 else parts.path[:12] + "\u2026"
    return f"{parts.scheme}://{parts.netloc}{path}"

"""What the webhooks pages show of an endpoint."""

from __future__ import annotations

from urllib.parse import urlsplit

from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.webhooks.models import DeliveryState, EndpointKind

STATE_LABELS = {
    DeliveryState.PENDING.value: _l("Waiting"),
    DeliveryState.DELIVERED.value: _l("Delivered"),
    DeliveryState.FAILED.value: _l("Failed"),
    DeliveryState.WITHHELD.value: _l("Withheld"),
}
# Each kind of endpoint in a word, as the lists show it (Slack and Teams are names).
KIND_NAMES = {
    EndpointKind.GENERIC.value: _l("Generic"),
    EndpointKind.SLACK.value: "Slack",
    EndpointKind.TEAMS.value: "Teams",
}


def shown_url(url: str) -> str:
    """The URL as the list shows it: its scheme, host and the start of its path. A Slack
    or Teams URL's path is its credential: the whole of it is only in the edit form."""
    parts = urlsplit(url)
    path = parts.path if len(parts.path) <= 12 else parts.path[:12] + "\u2026"
    return f"{parts.scheme}://{parts.netloc}{path}"

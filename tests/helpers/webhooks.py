"""Webhook receivers for the tests: a real HTTP server on 127.0.0.1 (pytest-httpserver)
whose requests are checked with the independent ``standardwebhooks`` library, and a
clock the worker is run by."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook
from werkzeug.wrappers import Request

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.webhooks import services, signing
from ideaboard.webhooks.models import EndpointKind, WebhookEndpoint

PATH = "/hook"


def allow_loopback(app) -> None:
    """Let the app deliver to the receivers on 127.0.0.1 (the tests' switch only)."""
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = True


def receiver_url(server: HTTPServer, path: str = PATH) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def make_endpoint(admin, url: str, *, kind: str = EndpointKind.GENERIC.value,
                  events=tuple(e.value for e in services.SUBSCRIBABLE),
                  department_id: int | None = None) -> tuple[WebhookEndpoint, str]:
    """A registered, active endpoint and its secret, committed."""
    endpoint, secret = services.create_endpoint(admin, url=url, kind=kind, events=events,
                                                department_id=department_id, active=True)
    db.session.commit()
    return endpoint, secret


def received(server: HTTPServer) -> list[Request]:
    """The requests the receiver got (each once), in order."""
    return [request for request, _ in server.log]


def verify(secret: str, request: Request):
    """The event as ``standardwebhooks`` reads it (raises if the signature is wrong)."""
    return Webhook(secret).verify(request.get_data(as_text=True), dict(request.headers))


def body(request: Request) -> dict:
    return json.loads(request.get_data(as_text=True))


@dataclass
class Clock:
    """A clock the worker asks for each step's time; ``advance`` moves it on."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def stored_endpoint(url: str = "https://hooks.example.com/ideaboard", **values) -> WebhookEndpoint:
    """An endpoint row as saved, without the save-time checks (no DNS look-up): for
    the route walks, which need one to point at. Committed."""
    endpoint = WebhookEndpoint(url=url, kind=values.pop("kind", EndpointKind.GENERIC.value),
                               events=values.pop("events", "idea.created"),
                               secret=signing.new_secret(), **values)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint

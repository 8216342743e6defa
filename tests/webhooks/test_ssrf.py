"""The SSRF guard: refused addresses when an endpoint is saved, and again when it is
delivered to (DNS may answer differently by then)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from ideaboard.extensions import db
from ideaboard.ideas.services import submit_idea
from ideaboard.webhooks import services, ssrf
from ideaboard.webhooks.models import WebhookDelivery
from ideaboard.webhooks.worker import deliver_pending
from tests.helpers.webhooks import PATH, make_endpoint, received, receiver_url

EVENTS = ["idea.created"]


def _create(admin, url):
    return services.create_endpoint(admin, url=url, kind="generic", events=EVENTS,
                                    department_id=None, active=True)


@pytest.fixture
def resolving(monkeypatch):
    """Make chosen host names resolve to chosen addresses (the rest as usual): what a
    hostile DNS server answers."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize("url, why", [
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://[fd00:ec2::254]/", "cloud metadata"),
    ("http://100.100.100.200/", "cloud metadata"),
    ("http://169.254.10.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fd12::1]/", "private"),
    ("http://100.64.0.1/", "private"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("ftp://example.com/", "http or https"),
    ("http://user:pw@example.com/", "user names"),
])
def test_refused_when_saved(app, admin, url, why):
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = False
    with pytest.raises(services.WebhookError, match=why):
        _create(admin, url)


def test_loopback_is_refused_unless_the_tests_allow_it(app, admin, httpserver):
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = False
    with pytest.raises(services.WebhookError, match="loopback"):
        _create(admin, "http://localhost:8080/")  # a name resolving to 127.0.0.1
    with pytest.raises(services.WebhookError, match="loopback"):
        _create(admin, "http://127.0.0.1/")


def test_private_ranges_only_when_allowed(app, admin, resolving):
    resolving["intranet.example.com"] = ["10.20.30.40"]
    with pytest.raises(services.WebhookError, match="private"):
        _create(admin, "https://intranet.example.com/hook")
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    endpoint, _ = _create(admin, "https://intranet.example.com/hook")
    assert endpoint.id
    # Metadata stays refused even then (100.100.100.200 is inside 100.64/10).
    with pytest.raises(services.WebhookError, match="metadata"):
        _create(admin, "http://100.100.100.200/")


def test_a_name_is_refused_if_any_of_its_addresses_is(app, admin, resolving):
    resolving["mixed.example.com"] = ["93.184.215.14", "169.254.169.254"]
    with pytest.raises(services.WebhookError, match=r"169\.254\.169\.254"):
        _create(admin, "https://mixed.example.com/")


def test_https_is_required_unless_http_is_allowed(app, admin, resolving):
    resolving["hooks.example.com"] = ["93.184.215.14"]
    app.config["WEBHOOKS_ALLOW_HTTP"] = False
    with pytest.raises(services.WebhookError, match="https"):
        _create(admin, "http://hooks.example.com/")
    assert _create(admin, "https://hooks.example.com/")[0].id


def test_a_name_that_rebinds_to_metadata_is_refused_at_delivery(
        app, admin, author, it_department, resolving, httpserver):
    """Saved while the name pointed at the receiver; by delivery it points at the cloud
    metadata service: nothing is sent there, and the delivery says why."""
    httpserver.expect_request(PATH).respond_with_data("ok")
    resolving["rebind.example.com"] = ["127.0.0.1"]
    make_endpoint(admin, f"http://rebind.example.com:{httpserver.port}{PATH}")
    resolving["rebind.example.com"] = ["169.254.169.254"]
    submit_idea(author, "An idea for the rebinding test", "Body.", it_department, [], False)
    db.session.commit()
    deliver_pending()
    [row] = db.session.query(WebhookDelivery).all()
    assert row.state == "failed" and "metadata" in row.last_error
    assert received(httpserver) == []


def test_loopback_refused_at_delivery_once_no_longer_allowed(
        app, admin, author, it_department, httpserver):
    httpserver.expect_request(PATH).respond_with_data("ok")
    make_endpoint(admin, receiver_url(httpserver))
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = False
    submit_idea(author, "An idea for the loopback test", "Body.", it_department, [], False)
    db.session.commit()
    deliver_pending()
    [row] = db.session.query(WebhookDelivery).all()
    assert row.state == "failed" and "loopback" in row.last_error
    assert received(httpserver) == []


def test_delivery_connects_to_the_checked_address(app, admin, author, it_department,
                                                  resolving, httpserver):
    """The name is resolved once per attempt, by the guard: the connection goes to the
    address it checked, with the name as the Host header."""
    httpserver.expect_request(PATH).respond_with_data("ok")
    resolving["receiver.example.com"] = ["127.0.0.1"]
    make_endpoint(admin, f"http://receiver.example.com:{httpserver.port}{PATH}")
    submit_idea(author, "An idea for the pinning test", "Body.", it_department, [], False)
    db.session.commit()
    assert deliver_pending().delivered == 1
    [request] = received(httpserver)
    assert request.headers["Host"] == f"receiver.example.com:{httpserver.port}"


def test_every_refusal_rule(app):
    config = {"WEBHOOKS_ALLOW_LOOPBACK": False, "WEBHOOKS_ALLOW_PRIVATE": False}
    assert ssrf.refusal(ipaddress.ip_address("93.184.215.14"), config) is None
    assert ssrf.refusal(ipaddress.ip_address("2606:2800:220:1::1"), config) is None
    assert ssrf.refusal(ipaddress.ip_address("64:ff9b::a9fe:a9fe"), config)  # NAT64 metadata
    assert ssrf.refusal(ipaddress.ip_address("2002:a9fe:a9fe::1"), config)  # 6to4 metadata
    assert ssrf.refusal(ipaddress.ip_address("192.0.2.1"), config)  # documentation


def test_production_refuses_the_loopback_switch_and_wants_https(app, database_url):
    import secrets

    from ideaboard import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": "https://ideas.example.com",
                "SECRET_KEY": secrets.token_hex(32)}
    with pytest.raises(RuntimeError, match="WEBHOOKS_ALLOW_LOOPBACK"):
        create_app({**settings, "WEBHOOKS_ALLOW_LOOPBACK": True}, env="production")
    production = create_app(settings, env="production")
    assert production.config["WEBHOOKS_ALLOW_HTTP"] is False
    assert production.config["WEBHOOKS_ALLOW_PRIVATE"] is False


def test_a_name_that_resolves_too_slowly_is_refused(app, admin, monkeypatch):
    """Saving resolves the name inside the request's transaction: a slow DNS server
    is given RESOLVE_TIMEOUT, not as long as it likes."""
    import time

    def slow(host, port, *args, **kwargs):
        time.sleep(0.5)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    with pytest.raises(ssrf.UnsafeURL, match="did not resolve within"):
        ssrf.resolve("slow.example.com", 443, timeout=0.1)
    assert time.monotonic() - started < 0.4

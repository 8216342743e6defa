"""The admin's webhooks pages: registering an endpoint (its secret shown once), editing,
switching off, deleting, an endpoint's deliveries and its "Send test event" button."""

from __future__ import annotations

import logging
import re

from ideaboard.extensions import db
from ideaboard.webhooks.models import WebhookDelivery, WebhookEndpoint
from ideaboard.webhooks.worker import deliver_pending
from tests.helpers.csrf import csrf_token
from tests.helpers.queries import count_queries
from tests.helpers.webhooks import PATH, received, receiver_url, stored_endpoint, verify

SECRET = re.compile(r'<code id="new-webhook-secret">(whsec_[A-Za-z0-9+/=]+)</code>')


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/account")})


def _register(client, url, **extra):
    data = {"url": url, "kind": "generic", "events": ["idea.created", "idea.decided"],
            "department": "0", "active": "y", **extra}
    return _post(client, "/admin/webhooks/new", data)


def test_registering_shows_the_secret_once(app, admin_client, httpserver, caplog):
    caplog.set_level(logging.DEBUG)
    response = _register(admin_client, receiver_url(httpserver))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    assert len(secret) >= len("whsec_") + 32  # base64 of at least 24 bytes
    endpoint = db.session.query(WebhookEndpoint).one()
    assert endpoint.secret == secret and endpoint.events == "idea.created idea.decided"
    for url in ("/admin/webhooks/", f"/admin/webhooks/{endpoint.id}",
                f"/admin/webhooks/{endpoint.id}/edit"):
        assert secret not in admin_client.get(url).get_data(as_text=True), url
    assert secret not in caplog.text
    audit = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "webhook.create" in audit and secret not in audit


def test_a_refused_address_is_shown_with_what_was_typed(app, admin_client):
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = False
    response = _register(admin_client, "http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "cloud metadata" in page
    assert 'value="http://169.254.169.254/latest/meta-data/"' in page
    assert db.session.query(WebhookEndpoint).count() == 0


def test_no_event_chosen_is_refused(app, admin_client, httpserver):
    response = _post(admin_client, "/admin/webhooks/new",
                     {"url": receiver_url(httpserver), "kind": "slack", "department": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose at least one event" in page
    assert re.search(r'value="slack"[^>]*checked|checked[^>]*value="slack"', page)


def test_edit_deactivate_reactivate_and_delete(app, admin_client, httpserver, it_department):
    endpoint = stored_endpoint(receiver_url(httpserver))
    secret = endpoint.secret
    response = _post(admin_client, f"/admin/webhooks/{endpoint.id}/edit", {
        "url": receiver_url(httpserver, "/other"), "kind": "teams",
        "events": ["comment.created"], "department": str(it_department.id)})
    assert response.status_code == 302
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert (endpoint.kind, endpoint.events, endpoint.department_id, endpoint.active) == (
        "teams", "comment.created", it_department.id, False)  # the box was left unticked
    assert endpoint.url.endswith("/other") and endpoint.secret == secret

    endpoint.failing, endpoint.consecutive_failures = True, 7
    db.session.commit()
    assert _post(admin_client, f"/admin/webhooks/{endpoint.id}/active",
                 {"active": "1"}).status_code == 302
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.active and not endpoint.failing and endpoint.consecutive_failures == 0
    assert _post(admin_client, f"/admin/webhooks/{endpoint.id}/active",
                 {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(WebhookEndpoint, endpoint.id).active

    endpoint_id = endpoint.id
    assert _post(admin_client, f"/admin/webhooks/{endpoint_id}/delete", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint_id) is None


def test_send_test_event_reaches_the_receiver_and_shows_on_the_page(app, admin_client, httpserver):
    httpserver.expect_request(PATH).respond_with_data("thanks")
    endpoint = stored_endpoint(receiver_url(httpserver))
    response = _post(admin_client, f"/admin/webhooks/{endpoint.id}/test", {})
    assert response.status_code == 302
    assert deliver_pending().delivered == 1
    event = verify(endpoint.secret, received(httpserver)[0])
    assert event["type"] == "webhook.test"
    page = admin_client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "webhook.test" in page and "Delivered" in page and ">200<" in page


def test_a_failing_endpoint_has_a_banner(app, admin_client):
    endpoint = stored_endpoint("https://hooks.slack.com/services/T0001/B0001/s3cr3tpath",
                               kind="slack", failing=True, consecutive_failures=5)
    gone = stored_endpoint("https://gone.example.com/x", active=False,
                           disabled_reason="The receiver answered 410 Gone: switched off.")
    page = admin_client.get("/admin/webhooks/").get_data(as_text=True)
    assert 'role="alert"' in page
    assert f"Endpoint #{endpoint.id}" in page and "5 failures in a row" in page
    assert f"Endpoint #{gone.id}" in page and "410 Gone" in page
    # The list shows a Slack or Teams URL's host, not the credential in its path.
    assert "s3cr3tpath" not in page


def test_the_admin_area_links_to_webhooks(app, admin_client):
    assert 'href="/admin/webhooks/"' in admin_client.get("/admin/users").get_data(as_text=True)


def test_the_endpoint_page_reads_a_constant_number_of_queries(app, admin_client):
    endpoint = stored_endpoint()

    def add(count):
        for n in range(count):
            db.session.add(WebhookDelivery(endpoint_id=endpoint.id, message_id=f"msg_{count}_{n}",
                                           event_type="idea.created", payload="{}",
                                           status_code=500, last_error="HTTP 500"))
        db.session.commit()

    add(2)
    few = count_queries(admin_client, f"/admin/webhooks/{endpoint.id}")
    add(30)
    many = count_queries(admin_client, f"/admin/webhooks/{endpoint.id}")
    assert few == many


def test_the_list_reads_a_constant_number_of_queries(app, admin_client, it_department):
    stored_endpoint(department_id=it_department.id)
    one = count_queries(admin_client, "/admin/webhooks/")
    for _ in range(10):
        stored_endpoint(department_id=it_department.id)
    assert count_queries(admin_client, "/admin/webhooks/") == one

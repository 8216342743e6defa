"""Journey: a person who never had an account signs in through the company's SAML
identity provider in Chromium and posts an idea.

The identity provider is pysaml2's, served on ``localhost`` while the app is on
``127.0.0.1``: another site, so its HTTP-POST of the Response to the assertion consumer
service is a real cross-site POST, which under ``SameSite=Lax`` carries no session
cookie of the app; the page it answers with posts the Response on (app.js) with it."""

from __future__ import annotations

import re
import threading
from html import escape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.helpers.postgres import require_or_skip
from tests.helpers.saml import (
    IdentityProvider,
    make_key_pair,
    use_identity_provider,
    xmlsec_binary,
)


def _login_page(idp: IdentityProvider, request: Request) -> Response:
    """The provider's "you are signed in" step: a button posting the Response to the
    app's assertion consumer service (as identity providers do without JavaScript)."""
    authn_request = idp.server.parse_authn_request(request.args["SAMLRequest"],
                                                   "urn:oasis:names:tc:SAML:2.0:bindings:"
                                                   "HTTP-Redirect").message
    response = idp.answer(authn_request, "nia-7", "nia@example.com", "Nia Newcomer", "IT")
    acs = escape(authn_request.assertion_consumer_service_url)
    return Response(
        f'<!doctype html><title>Example IdP</title><form method="post" action="{acs}">'
        f'<input type="hidden" name="SAMLResponse" value="{escape(response)}">'
        '<button type="submit">Continue to Ideaboard</button></form>',
        mimetype="text/html")


@pytest.fixture
def identity_provider(app, live_server, tmp_path):
    if xmlsec_binary() is None:
        require_or_skip("the xmlsec1 program is not installed (apt-get install xmlsec1)",
                        "IDEABOARD_REQUIRE_XMLSEC")
    holder: dict[str, IdentityProvider] = {}
    server = make_server("localhost", 0,
                         Request.application(lambda request: _login_page(holder["idp"], request)),
                         threaded=True)
    sso_url = f"http://localhost:{server.server_port}/saml/sso"
    key, cert = make_key_pair(tmp_path, "idp")
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_bytes(IdentityProvider(tmp_path, key, cert, sso_url=sso_url).metadata())
    app.config["BASE_URL"] = live_server  # our entity id and ACS are built from it
    use_identity_provider(app, metadata_file)
    holder["idp"] = IdentityProvider(tmp_path, key, cert,
                                     app.test_client().get("/saml/metadata").data,
                                     sso_url=sso_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sso_url
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_newcomer_signs_in_through_saml_and_posts_an_idea(
        app, live_server, identity_provider, page, it_department):
    page.goto("/login")
    page.get_by_role("link", name="Sign in with Example SAML").click()
    page.wait_for_url(f"{identity_provider}**")
    page.get_by_role("button", name="Continue to Ideaboard").click()
    page.get_by_text("Welcome, Nia Newcomer.").wait_for()
    assert urlsplit(page.url).path == "/"

    page.get_by_role("link", name="New idea").click()
    page.get_by_label("Title").fill("Badge sign-in for the meeting rooms")
    page.get_by_label("Description").fill("One badge, every door.")
    page.get_by_label("Department").select_option(label="\u2003IT")
    page.get_by_role("button", name=re.compile("Post")).first.click()
    page.wait_for_url(re.compile(r"/ideas/\d+$"))

    db.session.commit()  # see what the server committed
    nia = db.session.scalars(sa.select(User).where(User.email == "nia@example.com")).one()
    assert (nia.source, nia.department_id) == ("saml", it_department.id)
    assert db.session.scalars(sa.select(Idea)).one().author_id == nia.id

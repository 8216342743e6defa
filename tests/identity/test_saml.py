"""SAML 2.0 sign-in against a real pysaml2 identity provider in the test process, its
answers signed with xmlsec1: just-in-time accounts, and every refusal writing nothing.

The Response is posted as a browser does (``tests.helpers.saml.SamlBrowser``): to the
assertion consumer service by a fresh test client, without the session cookie of the
client that started the sign-in (under ``SameSite=Lax`` the identity provider's
cross-site POST carries none), then on from the page it answers with, by the browser
that started the sign-in: the answer must be to a request of ours, and of this browser."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity, SamlRequest
from tests.helpers.factories import DepartmentFactory
from tests.helpers.postgres import require_or_skip
from tests.helpers.saml import (
    IdentityProvider,
    SamlBrowser,
    make_key_pair,
    use_identity_provider,
    xmlsec_binary,
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    if xmlsec_binary() is None:
        require_or_skip("the xmlsec1 program is not installed (apt-get install xmlsec1)",
                        "IDEABOARD_REQUIRE_XMLSEC")
    folder = tmp_path_factory.mktemp("saml-keys")
    return folder, make_key_pair(folder, "idp"), make_key_pair(folder, "impostor")


@pytest.fixture
def idp(app, keys, tmp_path):
    """The identity provider, and the app pointed at it; it knows our metadata."""
    _folder, (key, cert), _ = keys
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_bytes(IdentityProvider(tmp_path, key, cert).metadata())
    use_identity_provider(app, metadata_file)
    sp_metadata = app.test_client().get("/saml/metadata")
    assert sp_metadata.status_code == 200
    return IdentityProvider(tmp_path, key, cert, sp_metadata.data)


def sign_in(app, idp, *answer, **options):
    """A browser starts a SAML sign-in and posts the provider's answer (``answer`` and
    ``options`` as ``IdentityProvider.answer`` takes them); the app's last answer."""
    browser = SamlBrowser(app)
    return browser.post(idp.answer(browser.start(idp), *answer, **options))


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_first_sign_in_makes_the_person_in_their_department(app, idp):
    research = DepartmentFactory(name="Research")
    db.session.commit()
    browser = SamlBrowser(app)
    request = browser.start(idp)
    answer = browser.post(idp.answer(request, "saml-ada", "ada@example.com", "Ada Lovelace",
                                     "research"))
    assert answer.status_code == 302, text(answer)
    assert answer.location.endswith("/ideas") or answer.location.endswith("/")
    ada = db.session.scalars(sa.select(User).where(User.email == "ada@example.com")).one()
    assert (ada.display_name, ada.department_id, ada.source) == (
        "Ada Lovelace", research.id, "saml")
    link = db.session.scalars(sa.select(ExternalIdentity)).one()
    assert (link.provider, link.subject, link.user_id) == ("saml", "saml-ada", ada.id)
    assert db.session.get(SamlRequest, request.id).used_at is not None
    # Signed in: a page only people who are signed in see.
    assert browser.client.get("/ideas/new").status_code == 200


def test_a_replayed_response_is_refused(app, idp):
    browser = SamlBrowser(app)
    response = idp.answer(browser.start(idp), "saml-ada", "ada@example.com")
    assert browser.post(response).status_code == 302
    db.session.remove()
    before = people()
    again = SamlBrowser(app).post(response)
    assert again.status_code == 400
    assert "already used" in text(again)
    assert people() == before


def test_an_unsigned_assertion_is_refused(app, idp):
    answer = sign_in(app, idp, "saml-ada", "ada@example.com",
                                  sign_assertion=False)
    assert answer.status_code == 401
    assert "not signed" in text(answer)
    assert people() == 0


def test_an_assertion_signed_by_another_key_is_refused(app, idp, keys, tmp_path):
    _, _, (impostor_key, impostor_cert) = keys
    browser = SamlBrowser(app)
    request = browser.start(idp)
    impostor = IdentityProvider(tmp_path, impostor_key, impostor_cert)
    answer = browser.post(impostor.answer(request, "saml-ada", "ada@example.com"))
    assert answer.status_code == 401
    assert "not signed by its keys" in text(answer)
    assert people() == 0


def test_an_expired_assertion_is_refused(app, idp, monkeypatch):
    browser = SamlBrowser(app)
    response = idp.answer(browser.start(idp), "saml-ada", "ada@example.com")
    # It arrives an hour after it was issued: past its NotOnOrAfter (five minutes),
    # and past the minute of leeway for clocks.
    import saml2.time_util

    real_now = saml2.time_util.utc_now
    monkeypatch.setattr(saml2.time_util, "utc_now", lambda: real_now() + 3600)
    answer = browser.post(response)
    assert answer.status_code == 401
    assert "expired" in text(answer)
    assert people() == 0


def test_an_assertion_for_another_audience_is_refused(app, idp):
    answer = sign_in(app, idp, "saml-ada", "ada@example.com",
                                  audience="https://other-app.example.com/saml")
    assert answer.status_code == 401
    assert "wrong audience" in text(answer)
    assert people() == 0


def test_a_response_to_an_unknown_request_is_refused(app, idp):
    browser = SamlBrowser(app)
    request = browser.start(idp)
    answer = browser.post(idp.answer(request, "saml-ada", "ada@example.com",
                                     in_response_to="id-never-sent-from-here"))
    assert answer.status_code == 400
    assert "did not start here" in text(answer)
    assert people() == 0


def test_a_response_posted_from_another_browser_is_refused(app, idp):
    """A login CSRF: the attacker signs in to their own account at the provider and has
    the victim's browser post that Response. It answers a request of ours, but not one
    this browser started, so nobody is signed in and the request is not used up."""
    attacker = SamlBrowser(app)
    response = idp.answer(attacker.start(idp), "saml-mallory", "mallory@example.com")
    victim = SamlBrowser(app)
    victim.start(idp)  # even a browser with a sign-in of its own under way
    answer = victim.post(response)
    assert answer.status_code == 400
    assert "not started in this browser" in text(answer)
    assert people() == 0
    assert victim.client.get("/ideas/new").status_code == 302  # still signed out
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SamlRequest).where(
        SamlRequest.used_at.is_not(None))) == 0


def test_the_acs_page_hands_the_response_on_and_keeps_nothing(app, idp):
    """The cross-site POST lands on a page that posts the Response on from this site: no
    cookie set (it would replace the browser's session), kept by no cache."""
    landing = app.test_client().post("/saml/acs", data={"SAMLResponse": "PHNhbWw+"})
    assert (landing.status_code, landing.mimetype) == (200, "text/html")
    assert "Set-Cookie" not in landing.headers
    assert landing.headers["Cache-Control"] == "no-store"
    page = text(landing)
    assert 'action="/saml/acs/continue"' in page and 'value="PHNhbWw+"' in page
    assert "Continue to Ideaboard" in page


def test_a_domain_not_allowed_is_refused(app, idp):
    answer = sign_in(app, idp, "saml-eve", "eve@elsewhere.example")
    assert answer.status_code == 403
    assert "not in a domain" in text(answer)
    assert people() == 0


def test_a_later_sign_in_finds_the_person_by_name_id_and_updates_them(app, idp):
    DepartmentFactory(name="Research")
    sales = DepartmentFactory(name="Sales")
    db.session.commit()
    sales_id = sales.id
    assert sign_in(app, idp, "saml-ada", "ada@example.com",
                                "Ada Lovelace", "Research").status_code == 302
    assert sign_in(app, idp, "saml-ada", "ada@example.com",
                                "Ada King", "Sales").status_code == 302
    db.session.remove()
    ada = db.session.scalars(sa.select(User)).one()
    assert (ada.display_name, ada.department_id) == ("Ada King", sales_id)


def test_a_request_too_old_to_answer_is_refused(app, idp):
    browser = SamlBrowser(app)
    request = browser.start(idp)
    app.config["SAML_REQUEST_MAX_AGE"] = 0
    answer = browser.post(idp.answer(request, "saml-ada", "ada@example.com"))
    assert answer.status_code == 400
    assert "took too long" in text(answer)
    assert people() == 0


@pytest.mark.parametrize("posted", [{}, {"SAMLResponse": "bm90IHhtbA=="},
                                    {"SAMLResponse": "%%% not base64"}])
def test_a_post_that_is_no_response_is_refused(app, idp, posted):
    answer = SamlBrowser(app).post("", data=posted)
    assert answer.status_code == 400
    assert people() == 0


def test_starting_sign_ins_is_rate_limited_per_address(throttled_app, keys, tmp_path):
    """Each start keeps a row for SAML_REQUEST_MAX_AGE: one address cannot fill the
    table; the refused start writes none."""
    _folder, (key, cert), _ = keys
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_bytes(IdentityProvider(tmp_path, key, cert).metadata())
    limited = throttled_app(RATELIMIT_SAML_STARTS="3 per minute")
    with limited.app_context():
        use_identity_provider(limited, metadata_file)
        client = limited.test_client()
        codes = [client.get("/login/saml").status_code for _ in range(4)]
        assert codes == [302, 302, 302, 429]
        assert "SAML sign-ins were started from your network" in text(client.get("/login/saml"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SamlRequest)) == 3


def test_our_metadata_names_our_entity_id_and_assertion_consumer_service(app, idp):
    answer = app.test_client().get("/saml/metadata")
    assert answer.mimetype == "application/samlmetadata+xml"
    document = answer.get_data(as_text=True)
    assert 'entityID="http://ideaboard.test/saml/metadata"' in document
    assert 'WantAssertionsSigned="true"' in document
    assert ('Location="http://ideaboard.test/saml/acs"' in document
            and "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" in document)


def test_without_saml_its_routes_say_it_is_not_set_up(app):
    client = app.test_client()
    assert client.get("/login/saml").status_code == 404
    assert client.get("/saml/metadata").status_code == 404
    assert client.post("/saml/acs", data={"SAMLResponse": "eA=="}).status_code == 404
    assert client.post("/saml/acs/continue", data={"SAMLResponse": "eA=="}).status_code == 404


def test_the_login_page_offers_saml_beside_openid_connect(app, idp):
    from tests.helpers.oidc import use_provider

    use_provider(app, "https://oidc.example.com")
    page = text(app.test_client().get("/login"))
    assert "Sign in with Example ID" in page and "Sign in with Example SAML" in page
    assert 'href="/login/saml"' in page


def test_sso_only_mode_with_saml_alone_starts_and_signs_people_in(app, idp):
    from ideaboard.identity import oidc

    app.config["SSO_ENFORCED"] = True
    oidc.register(app)  # would refuse to start if SAML did not count as single sign-on
    page = text(app.test_client().get("/login"))
    assert "Sign in with Example SAML" in page and 'name="password"' not in page
    assert sign_in(app, idp, "saml-ada",
                                "ada@example.com").status_code == 302
    assert people() == 1


def test_the_admin_page_shows_the_saml_connection(app, idp, admin):
    from tests.helpers.login import signed_in

    page = text(signed_in(app, admin).get("/admin/single-sign-on"))
    assert "SAML 2.0" in page and "http://ideaboard.test/saml/acs" in page
    assert "http://ideaboard.test/saml/metadata" in page


ENTRA_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


@pytest.mark.parametrize(("sent", "configured"), [
    (ENTRA_EMAIL, ENTRA_EMAIL),  # a claim URI pysaml2 has no friendly name for
    ("mail", "mail"),  # sent as urn:oid:0.9.2342.19200300.100.1.3, known to pysaml2 as mail
    ("mail", "urn:oid:0.9.2342.19200300.100.1.3"),  # ... and configured by its Name
])
def test_attributes_are_found_by_the_name_the_provider_sends(app, idp, sent, configured):
    app.config["SAML_EMAIL_ATTRIBUTE"] = configured
    answer = sign_in(app, idp, "saml-ada", "ada@example.com",
                                  email_attribute=sent)
    assert answer.status_code == 302, text(answer)
    assert db.session.scalars(sa.select(User.email)).one() == "ada@example.com"


def test_metadata_is_fetched_from_the_providers_address(app, keys, tmp_path, httpserver):
    _folder, (key, cert), _ = keys
    httpserver.expect_request("/federationmetadata.xml").respond_with_data(
        IdentityProvider(tmp_path, key, cert).metadata(), content_type="application/xml")
    app.config.update(SAML_IDP_METADATA=httpserver.url_for("/federationmetadata.xml"),
                      SAML_PROVIDER_NAME="Example SAML", ALLOWED_EMAIL_DOMAINS=["example.com"])
    from ideaboard.identity import saml

    saml.register(app)
    idp = IdentityProvider(tmp_path, key, cert, app.test_client().get("/saml/metadata").data)
    assert sign_in(app, idp, "saml-ada",
                                "ada@example.com").status_code == 302
    assert people() == 1


def test_unreachable_metadata_is_a_clear_503(app):
    from ideaboard.identity import saml
    from tests.helpers.ports import free_port

    app.config.update(SAML_IDP_METADATA=f"http://127.0.0.1:{free_port()}/metadata.xml",
                      SAML_PROVIDER_NAME="Example SAML")
    saml.register(app)
    answer = app.test_client().get("/login/saml")
    assert answer.status_code == 503
    assert "Example SAML cannot be reached" in text(answer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SamlRequest)) == 0


def test_with_a_key_our_requests_are_signed_and_our_metadata_carries_the_certificate(
        app, keys, tmp_path):
    from urllib.parse import parse_qs, urlsplit

    from saml2.sigver import verify_redirect_signature

    from tests.helpers.saml import make_key_pair

    _folder, (idp_key, idp_cert), _ = keys
    sp_key, sp_cert = make_key_pair(tmp_path, "sp")
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_bytes(IdentityProvider(tmp_path, idp_key, idp_cert).metadata())
    use_identity_provider(app, metadata_file, SAML_SP_KEY_FILE=str(sp_key),
                          SAML_SP_CERT_FILE=str(sp_cert))
    sp_metadata = app.test_client().get("/saml/metadata").get_data(as_text=True)
    body = "".join(sp_cert.read_text().splitlines()[1:-1])
    assert 'AuthnRequestsSigned="true"' in sp_metadata and body in sp_metadata
    idp = IdentityProvider(tmp_path, idp_key, idp_cert, sp_metadata.encode())
    browser = SamlBrowser(app)
    location = browser.client.get("/login/saml").location
    query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    crypto = idp.server.sec.sec_backend
    assert verify_redirect_signature(query, crypto, cert=body)
    forged = {**query, "SAMLRequest": query["SAMLRequest"][:-4] + "AAAA"}
    assert not verify_redirect_signature(forged, crypto, cert=body)
    # And the signed request is answered as any other.
    assert browser.post(idp.answer(idp.read_request(location), "saml-ada",
                                   "ada@example.com")).status_code == 302


def test_copies_of_one_response_posted_at_once_sign_in_once(pg_app, keys, tmp_path):
    """The replay check is one conditional UPDATE: on PostgreSQL, where the copies
    really run at once, exactly one is accepted."""
    from tests.helpers.concurrency import run_together

    _folder, (key, cert), _ = keys
    metadata_file = tmp_path / "idp-metadata.xml"
    metadata_file.write_bytes(IdentityProvider(tmp_path, key, cert).metadata())
    use_identity_provider(pg_app, metadata_file)
    idp = IdentityProvider(tmp_path, key, cert, pg_app.test_client().get("/saml/metadata").data)
    browser = SamlBrowser(pg_app)
    response = idp.answer(browser.start(idp), "saml-ada", "ada@example.com")
    db.session.commit()
    session_cookie = browser.client.get_cookie(pg_app.config["SESSION_COOKIE_NAME"],
                                               domain=pg_app.config["SERVER_NAME"])
    statuses: list[int] = []

    def copy():
        # The browser's tabs: each posts the ACS page's form with the session cookie.
        client = pg_app.test_client()
        client.set_cookie(session_cookie.key, session_cookie.value,
                          domain=pg_app.config["SERVER_NAME"])
        return lambda: statuses.append(client.post(
            "/saml/acs/continue", data={"SAMLResponse": response}).status_code)

    assert run_together(pg_app, [copy for _ in range(4)]) == []
    assert sorted(statuses) == [302, 400, 400, 400]
    db.session.expire_all()
    assert people() == 1

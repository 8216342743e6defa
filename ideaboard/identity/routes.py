"""Single sign-on: start an OpenID Connect or SAML sign-in and take the provider's
answer; the admins' page of its status."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from ideaboard.accounts import sessions
from ideaboard.core import throttling
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import PUBLIC, requires
from ideaboard.core.urls import absolute_url
from ideaboard.extensions import csrf
from ideaboard.identity import oidc, queries, saml
from ideaboard.identity.models import Provider
from ideaboard.identity.services import (
    SSORefused,
    company_root,
    provision_from_sso,
    remember_saml_request,
    use_saml_request,
)

bp = Blueprint("identity", __name__)
log = logging.getLogger("ideaboard.identity")
# The session key of the SAML sign-ins this browser started (their AuthnRequest ids).
SAML_STARTED = "saml_started"
# How many sign-ins one browser may have under way at once (tabs).
SAML_STARTED_KEEP = 5


def _refused(error: SSORefused):
    # Logged for whoever runs the connection: a misconfigured provider shows up here.
    log.warning("single sign-on refused (%s): %s", error.status, error.message)
    # A 4xx: the request's transaction is rolled back, so a refusal writes nothing.
    return render_template("identity/refused.html", message=error.message), error.status


@bp.app_context_processor
def _sign_in_button() -> dict:
    """What the login page needs to offer single sign-on (None: not set up)."""
    return {"sso_provider_name": oidc.provider_name() if oidc.configured() else None,
            "saml_provider_name": saml.provider_name() if saml.configured() else None}


@bp.get("/login/sso")
@requires(PUBLIC)
def sso_login():
    """Send the browser to the identity provider (a GET: the page's policy lets forms
    post only to this site, and starting a sign-in changes nothing here)."""
    if current_user.is_authenticated:
        return redirect(url_for("ideas.index"))
    try:
        return oidc.start(absolute_url("identity.sso_callback"))
    except SSORefused as error:
        return _refused(error)


@bp.get("/login/sso/callback")
@requires(PUBLIC)
def sso_callback():
    """The provider's answer: check it, make or update the person, sign them in."""
    try:
        claims = oidc.finish()
        user = provision_from_sso(Provider.OIDC, claims.subject, claims.email,
                                  claims.email_verified, claims.display_name,
                                  claims.department)
    except SSORefused as error:
        return _refused(error)
    sessions.sign_in(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return _home()


@bp.get("/saml/metadata")
@requires(PUBLIC)
def saml_metadata():
    """Our SAML service provider metadata, for the identity provider's administrator
    (its address is also our entity id unless one is configured)."""
    try:
        document = saml.metadata()
    except SSORefused as error:
        return _refused(error)
    return Response(document, mimetype="application/samlmetadata+xml")


@bp.get("/login/saml")
@requires(PUBLIC)
def saml_login():
    """Send the browser to the SAML identity provider with an AuthnRequest (HTTP-Redirect),
    whose id is kept here to match the answer to it, and in this browser's session to
    bind the answer to the browser that asked."""
    if current_user.is_authenticated:
        return redirect(url_for("ideas.index"))
    throttling.limit_address("saml_start")
    try:
        request_id, answer = saml.start()
    except SSORefused as error:
        return _refused(error)
    remember_saml_request(request_id, current_app.config["SAML_REQUEST_MAX_AGE"])
    session[SAML_STARTED] = [*session.get(SAML_STARTED, [])[-(SAML_STARTED_KEEP - 1):],
                             request_id]
    return answer


@bp.post("/saml/acs")
@csrf.exempt
@requires(PUBLIC)
def saml_acs():
    """The assertion consumer service: the identity provider's cross-site POST, which
    under ``SameSite=Lax`` carries no session cookie. It hands the Response straight
    back to the browser in a form that posts it to ``saml_continue`` from this site, so
    the cookie comes along; it reads and writes nothing (a session written here would
    replace the browser's own)."""
    if not saml.configured():
        return _refused(SSORefused(_("SAML sign-in is not set up on this Ideaboard."), 404))
    saml_response = request.form.get("SAMLResponse", "")
    if not saml_response:
        return _refused(SSORefused(_("No SAML Response was posted here."), 400))
    page = make_response(render_template("identity/saml_continue.html",
                                         saml_response=saml_response))
    # It holds the signed assertion: kept by no cache, not even the browser's history.
    page.headers["Cache-Control"] = "no-store"
    return page


@bp.post("/saml/acs/continue")
@csrf.exempt
@requires(PUBLIC)
def saml_continue():
    """The Response, posted again from this site with the session cookie. It must answer
    a sign-in this browser started (so nobody can sign a person in as someone else by
    making their browser post the attacker's own Response: a login CSRF) and an
    outstanding request of ours, which it uses up; then the person is made or updated
    and signed in. No CSRF token: the binding is the proof, and the ACS page that posts
    here may not write the session that would hold one."""
    max_age = current_app.config["SAML_REQUEST_MAX_AGE"]
    try:
        if not saml.configured():
            raise SSORefused(_("SAML sign-in is not set up on this Ideaboard."), 404)
        saml_response = request.form.get("SAMLResponse", "")
        if not saml_response:
            raise SSORefused(_("No SAML Response was posted here."), 400)
        request_id = use_saml_request(saml.in_response_to(saml_response), max_age)
        started = session.get(SAML_STARTED, [])
        if request_id not in started:
            raise SSORefused(_("This sign-in was not started in this browser. Start again "
                               "from the login page."), 400)
        claims = saml.finish(saml_response, request_id)
        user = provision_from_sso(Provider.SAML, claims.subject, claims.email,
                                  claims.email_verified, claims.display_name,
                                  claims.department)
    except SSORefused as error:
        return _refused(error)
    session[SAML_STARTED] = [started_id for started_id in started if started_id != request_id]
    sessions.sign_in(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return _home()


def _home() -> Response:
    return redirect(url_for("ideas.index"))


@bp.get("/admin/single-sign-on")
@requires("admin.users")
def admin_status():
    """Whether single sign-on is set up and used, people by where they came from, and
    what it did that an admin may need to act on (an unknown department, a link)."""
    config = current_app.config
    last_sign_ins = queries.last_sign_ins()
    return render_template(
        "identity/admin.html", configured=oidc.configured(), saml_configured=saml.configured(),
        saml_entity_id=saml.entity_id(), saml_acs=absolute_url("identity.saml_acs"),
        saml_metadata=absolute_url("identity.saml_metadata"),
        saml_last_sign_in=last_sign_ins[Provider.SAML],
        discovery=oidc.metadata_url(config), sources=queries.people_by_source(),
        last_sign_in=last_sign_ins[Provider.OIDC], root=company_root(),
        events=queries.noteworthy_events())

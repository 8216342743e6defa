"""Single sign-on: start an OpenID Connect sign-in and take the provider's answer; the
admins' page of its status."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ideaboard.accounts import sessions
from ideaboard.core.permissions import PUBLIC, requires
from ideaboard.core.urls import absolute_url
from ideaboard.identity import oidc, queries
from ideaboard.identity.models import Provider
from ideaboard.identity.services import (
    SSORefused,
    company_root,
    provision_from_sso,
    sso_configured,
)

bp = Blueprint("identity", __name__)
log = logging.getLogger("ideaboard.identity")


def _refused(error: SSORefused):
    # Logged for whoever runs the connection: a misconfigured provider shows up here.
    log.warning("single sign-on refused (%s): %s", error.status, error.message)
    # A 4xx: the request's transaction is rolled back, so a refusal writes nothing.
    return render_template("identity/refused.html", message=error.message), error.status


@bp.app_context_processor
def _sign_in_button() -> dict:
    """What the login page needs to offer single sign-on (None: not set up)."""
    return {"sso_provider_name": oidc.provider_name() if sso_configured() else None}


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
    flash(f"Welcome, {user.display_name}.", "success")
    return _home()


def _home() -> Response:
    return redirect(url_for("ideas.index"))


@bp.get("/admin/single-sign-on")
@requires("admin.users")
def admin_status():
    """Whether single sign-on is set up and used, people by where they came from, and
    what it did that an admin may need to act on (an unknown department, a link)."""
    config = current_app.config
    return render_template(
        "identity/admin.html", configured=sso_configured(),
        discovery=oidc.metadata_url(config), sources=queries.people_by_source(),
        last_sign_in=queries.last_sign_in(Provider.OIDC), root=company_root(),
        events=queries.noteworthy_events())

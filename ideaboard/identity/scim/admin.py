"""The admin page of provisioning (``/admin/provisioning``): the SCIM connections'
tokens (create one, shown once; revoke one), the latest provisioning events with their
errors and warnings, and how many people each source brought."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ideaboard.core.forms import Form
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.permissions import requires
from ideaboard.extensions import db
from ideaboard.identity.queries import people_by_source
from ideaboard.identity.scim import services, tokens
from ideaboard.identity.scim.models import ScimToken
from ideaboard.identity.scim.routes import scim_base_url

bp = Blueprint("provisioning", __name__, url_prefix="/admin/provisioning")

EVENTS_SHOWN = 50


class TokenForm(Form):
    name = StringField(_l("Connection name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Which identity provider will use it, e.g. Entra ID."))


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    # The lead is a plain string, escaped as the page writes it (the template's own
    # gettext would give markup, unescaped).
    lead = _("The identity provider's SCIM connections at %(url)s, and what they did.",
             url=scim_base_url())
    return render_template(
        "provisioning/index.html", form=form, secret=secret, tokens=tokens.all_tokens(),
        lead=lead,
        events=services.recent_events(EVENTS_SHOWN), sources=people_by_source()), status


@bp.get("/")
@requires("admin.provisioning")
def index():
    """Tokens, the provisioning log and the people by source."""
    return _page(TokenForm())


@bp.post("/tokens")
@requires("admin.provisioning")
def create_token():
    """A new token, shown on the page this once (only its hash is kept)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    _token, secret = tokens.create_token(form.name.data or "", current_user)
    return _page(TokenForm(formdata=None), secret=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@requires("admin.provisioning")
def revoke_token(token_id: int):
    """Refuse a token from now on."""
    token = db.session.get(ScimToken, token_id) or abort(404)
    tokens.revoke_token(token, current_user)
    flash(_("Token %(prefix)s… of %(name)s is revoked.", prefix=token.prefix, name=token.name),
          "success")
    return redirect(url_for("provisioning.index"))

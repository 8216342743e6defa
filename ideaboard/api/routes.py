"""The pages of API tokens: a person's own (``/account/tokens``, linked from the
account page) and the service tokens (``/admin/tokens``, admins). A new token's secret
is shown on the page that made it, this once; only its hash is kept."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ideaboard.api import services
from ideaboard.api.forms import TokenForm
from ideaboard.api.models import ApiToken, TokenKind
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import requires
from ideaboard.database import utcnow

bp = Blueprint("tokens", __name__)

PAGES = {TokenKind.PERSONAL: "tokens.personal", TokenKind.SERVICE: "tokens.service"}


def _list(kind: TokenKind) -> list[ApiToken]:
    if kind is TokenKind.SERVICE:
        return services.service_tokens()
    return services.tokens_of(current_user)


def _page(kind: TokenKind, form: TokenForm, secret: str | None = None, status: int = 200):
    return render_template(
        "tokens/index.html", kind=kind.value, form=form, secret=secret, tokens=_list(kind),
        now=utcnow(), create_endpoint=PAGES[kind] + "_create",
        revoke_endpoint=PAGES[kind] + "_revoke",
        admin_section="tokens.service"), status


def _form() -> TokenForm:
    return TokenForm(services.allowed_scopes(current_user))


def _create(kind: TokenKind):
    form = _form()
    if not form.validate_on_submit():
        return _page(kind, form, status=422)
    try:
        _token, secret = services.create_token(
            current_user, form.name.data or "", form.scopes.data or [],
            expires_in_days=form.expires_in_days, kind=kind)
    except services.TokenError as error:
        form.scopes.errors = [*form.scopes.errors, str(error)]
        return _page(kind, form, status=422)
    return _page(kind, _fresh_form(), secret=secret)


def _fresh_form() -> TokenForm:
    return TokenForm(services.allowed_scopes(current_user), formdata=None)


def _revoke(kind: TokenKind, token_id: int):
    token = services.get_token(token_id, kind)
    if token is None or (kind is TokenKind.PERSONAL and token.user_id != current_user.id):
        abort(404)
    services.revoke_token(token, current_user)
    flash(_("Token %(prefix)s… (%(name)s) is revoked: it no longer works.",
            prefix=token.prefix, name=token.name), "success")
    return redirect(url_for(PAGES[kind]))


@bp.get("/account/tokens")
@requires("account.api_tokens")
def personal():
    """Your personal access tokens: make one, see them, revoke one."""
    return _page(TokenKind.PERSONAL, _fresh_form())


@bp.post("/account/tokens")
@requires("account.api_tokens")
def personal_create():
    return _create(TokenKind.PERSONAL)


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires("account.api_tokens")
def personal_revoke(token_id: int):
    return _revoke(TokenKind.PERSONAL, token_id)


@bp.get("/admin/tokens")
@requires("admin.api_tokens")
def service():
    """Service tokens: for tools rather than people, made by an admin, acting as them."""
    return _page(TokenKind.SERVICE, _fresh_form())


@bp.post("/admin/tokens")
@requires("admin.api_tokens")
def service_create():
    return _create(TokenKind.SERVICE)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@requires("admin.api_tokens")
def service_revoke(token_id: int):
    return _revoke(TokenKind.SERVICE, token_id)

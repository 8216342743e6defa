"""A person's data (export, erasure of their own account), an admin's erasure of
someone's account, and the retention settings."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from ideaboard.accounts import sessions
from ideaboard.accounts.models import User, normalise_email
from ideaboard.accounts.passwords import verify_password
from ideaboard.core import throttling
from ideaboard.core.forms import add_error, form_status, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import requires
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.privacy import erasure, services
from ideaboard.privacy.forms import (
    CONFIRMATION_PHRASE,
    AdminEraseForm,
    ErasePasswordForm,
    EraseTypedForm,
    RetentionForm,
)

bp = Blueprint("privacy", __name__)


def _me() -> User:
    return current_user._get_current_object()


# --- a person's own data --------------------------------------------------------------

@bp.get("/account/data")
@requires("account.export_data")
def my_data():
    """Ask for a copy of one's data, and the way to erase one's account."""
    return render_template("privacy/my_data.html", export=services.latest_export(_me()),
                           now=utcnow(), link_hours=services.EXPORT_LINK_HOURS)


@bp.post("/account/data/export")
@requires("account.export_data")
def request_export():
    services.request_export(_me())
    flash(_("Your data is being gathered. We will e-mail you a download link, usually "
            "within a few minutes."), "success")
    return redirect(url_for("privacy.my_data"))


@bp.route("/account/data/export/<token>", methods=["GET", "POST"])
@requires("account.export_data")
def download(token: str):
    """The e-mailed link: a page with a download button (a download uses the link up,
    so it is a POST), for the person it was made for only."""
    now = utcnow()
    export = services.export_for_link(_me(), token, now)
    if export is None:
        abort(404, description=_("This download link is not valid: it was used already, "
                                 "it is more than a day old, or it is someone else's. Ask "
                                 "for a new copy of your data on your account's data page."))
    if request.method == "GET":
        return render_template("privacy/download.html", export=export, token=token)
    archive = services.take_archive(export, now)
    if archive is None:  # a second download at the same moment: the first took it
        abort(404, description=_("This download link was used already."))
    return send_file(io.BytesIO(archive), mimetype="application/zip", as_attachment=True,
                     download_name=f"ideaboard-data-{now:%Y-%m-%d}.zip", max_age=0)


@bp.route("/account/erase", methods=["GET", "POST"])
@requires("account.erase")
def erase():
    """Erase one's own account, confirmed with one's password (or, for an account of
    the identity provider, by typing a phrase)."""
    me = _me()
    form: ErasePasswordForm | EraseTypedForm = (
        ErasePasswordForm() if me.has_password else EraseTypedForm())
    status = form_status()
    if form.validate_on_submit():
        if isinstance(form, ErasePasswordForm):
            account = normalise_email(me.email)
            try:
                throttling.check_login(account)  # a password guess, limited as a log-in
            except throttling.Throttled as error:
                form.form_errors.append(error.description)
                return _erase_page(form), error.code
            if not verify_password(me.password_hash, required(form.password.data)):
                throttling.failed_login(account)
                add_error(form.password, _("That is not your password."))
                return _erase_page(form), status
        elif required(form.confirmation.data).strip().lower() != CONFIRMATION_PHRASE:
            add_error(form.confirmation, _("Type exactly “%(phrase)s” to confirm.",
                                            phrase=CONFIRMATION_PHRASE))
            return _erase_page(form), status
        try:
            erasure.erase_person(me, actor=me)
        except erasure.ErasureError as error:
            form.form_errors.append(str(error))
        else:
            sessions.sign_out()
            flash(_("Your account is erased. What you wrote stays under “Former "
                    "colleague”; nothing in it names you any more."), "info")
            return redirect(url_for("accounts.login"))
    return _erase_page(form), status


def _erase_page(form: ErasePasswordForm | EraseTypedForm) -> str:
    return render_template("privacy/erase.html", form=form, phrase=CONFIRMATION_PHRASE)


# --- admins ---------------------------------------------------------------------------

@bp.route("/admin/users/<int:user_id>/erase", methods=["GET", "POST"])
@requires("admin.erase")
def admin_erase(user_id: int):
    """An admin erases someone's account, with a reason kept in the audit trail."""
    person = db.session.get(User, user_id) or abort(404)
    if person.id == current_user.id:
        flash(_("Erase your own account from your account's data page."), "error")
        return redirect(url_for("admin.edit_user", user_id=person.id))
    if person.erased_at is not None:
        if request.method == "POST":
            flash(_("That account is already erased."), "info")
            return redirect(url_for("admin.edit_user", user_id=person.id))
        return render_template("privacy/admin_erase.html", person=person, form=None)
    form = AdminEraseForm()
    if form.validate_on_submit():
        if normalise_email(required(form.confirmation.data)) != person.email:
            add_error(form.confirmation, _("Type %(email)s exactly, to be sure it is the "
                                           "right person.", email=person.email))
        else:
            try:
                erasure.erase_person(person, actor=_me(),
                                     reason=required(form.reason.data).strip())
            except erasure.ErasureError as error:
                form.form_errors.append(str(error))
            else:
                flash(_("The account is erased. What they wrote stays under “Former "
                        "colleague”."), "success")
                return redirect(url_for("admin.edit_user", user_id=person.id))
    return render_template("privacy/admin_erase.html", person=person, form=form), form_status()


@bp.route("/admin/retention", methods=["GET", "POST"])
@requires("admin.retention")
def retention():
    """How long read notifications, sent e-mails and their texts are kept."""
    settings = services.retention_settings()
    form = RetentionForm(obj=settings)
    if form.validate_on_submit():
        try:
            services.save_retention_settings(
                read_notification_days=required(form.read_notification_days.data),
                sent_email_days=required(form.sent_email_days.data),
                email_body_days=required(form.email_body_days.data), actor=_me())
        except services.PrivacyError as error:
            add_error(form.email_body_days, str(error))
        else:
            flash(_("The retention settings are saved; the next purge applies them."),
                  "success")
            return redirect(url_for("privacy.retention"))
    return render_template("privacy/retention.html", form=form, settings=settings), \
        form_status()



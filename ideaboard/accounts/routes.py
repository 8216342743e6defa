"""Log in, log out, sign up, password reset and the account page."""

from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import refresh
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ideaboard.accounts import services, sessions
from ideaboard.accounts.forms import (
    ChangePasswordForm,
    ChoosePasswordForm,
    EmailPreferencesForm,
    InvitationSignupForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    ResetRequestForm,
    SignupForm,
)
from ideaboard.accounts.models import EmailTopic, Invitation, Role, User
from ideaboard.core import throttling
from ideaboard.core.forms import add_error, form_status, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import PUBLIC, can, requires
from ideaboard.core.urls import safe_next
from ideaboard.extensions import db, limiter
from ideaboard.org.models import Department

bp = Blueprint("accounts", __name__)

AUTH_LIMIT = "10 per minute;100 per hour"
# The endpoints whose POSTs Flask-Limiter counts per address (signing up, resetting a
# password); every other request skips its check, which cost about 70 microseconds a
# request everywhere for limits that apply to these four.
AUTH_LIMITED: set[str] = set()


def _auth_limited(view):
    AUTH_LIMITED.add(f"{bp.name}.{view.__name__}")
    return limiter.limit(AUTH_LIMIT, methods=["POST"])(view)


def _sso_only() -> str:
    """SSO-only mode (IDEABOARD_SSO_ENFORCED): what a password route answers."""
    return _("This Ideaboard has no passwords: everyone signs in through the company's "
             "identity provider. Use the sign-in button on the login page.")


def _break_glass_limited(view):
    AUTH_LIMITED.add(f"{bp.name}.{view.__name__}")
    return limiter.limit(lambda: current_app.config["RATELIMIT_BREAK_GLASS"],
                         methods=["POST"])(view)


def _password_accounts(view):
    """A page of password accounts: gone (404, saying why) in SSO-only mode."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if current_app.config["SSO_ENFORCED"]:
            abort(404, description=_sso_only())
        return view(*args, **kwargs)

    return guarded


@limiter.request_filter
def _not_auth_limited() -> bool:
    return request.method != "POST" or request.endpoint not in AUTH_LIMITED


def _home() -> str:
    return url_for("ideas.index")


def _department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def _welcome(user: User) -> Response:
    """Sign a new account in and greet it."""
    sessions.sign_in(user)
    flash(_("Welcome to Ideaboard, %(name)s.", name=user.display_name), "success")
    return redirect(_home())


def _validate_all_at_once(form: FlaskForm, email: str | None, display_name: str | None,
                          password: str | None, invitation: Invitation | None = None) -> bool:
    """Validate a sign-up form and add, beside each field still without an error, what
    the service would refuse (``services.sign_up_problems``), so every problem shows at
    once rather than one after another. False unless the form was sent and all is well."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    for name, message in services.sign_up_problems(email, display_name, password,
                                                   invitation).items():
        if name not in form:  # the address of a sign-up link: not a box on this page
            form.form_errors.append(message)
            valid = False
        elif not form[name].errors:
            add_error(form[name], message)
            valid = False
    return valid


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(_home())
    if request.method == "POST" and current_app.config["SSO_ENFORCED"]:
        abort(403, description=_sso_only())
    form = LoginForm()
    status = form_status()
    if form.validate_on_submit():
        user, status = _checked_password(
            form, services.authenticate, status,
            # One message whatever was wrong, so it never reveals who has an account.
            _("That e-mail and password do not match an active account."))
        if user is not None:
            sessions.sign_in(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), _home()))
    return render_template("accounts/login.html", form=form), status


def _checked_password(form: LoginForm, authenticate, status: int,
                      wrong: str) -> tuple[User | None, int]:
    """The account ``form``'s e-mail and password open through ``authenticate``, or None
    with the form's error added; failed attempts are limited per account and per address
    (core.throttling). The status to answer with if nobody was signed in."""
    account = services.normalise_email(required(form.email.data))
    try:
        throttling.check_login(account)
    except throttling.Throttled as error:
        form.form_errors.append(error.description)
        return None, error.code
    user = authenticate(required(form.email.data), required(form.password.data))
    if user is None:
        throttling.failed_login(account)
        add_error(form.password, wrong)
    return user, status


@bp.route("/login/break-glass", methods=["GET", "POST"])
@requires(PUBLIC)
@_break_glass_limited
def break_glass():
    """The administrators' password log-in that stays when SSO-only mode shuts the
    others (the identity provider down or misconfigured): admins only, limited per
    address (IDEABOARD_RATELIMIT_BREAK_GLASS) and per account, every success audited."""
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    del form.remember  # an emergency sign-in is not remembered
    status = form_status()
    if form.validate_on_submit():
        user, status = _checked_password(
            form, services.break_glass_authenticate, status,
            _("That e-mail and password do not match an active administrator's account."))
        if user is not None:
            sessions.sign_in(user)
            flash(_("You are signed in with the emergency log-in; it is in the audit "
                    "trail."), "info")
            return redirect(_home())
    return render_template("accounts/break_glass.html", form=form), status


@bp.post("/logout")
@requires(PUBLIC)
def logout():
    if current_user.is_authenticated:
        # Copies of this session's cookies (and every other device) end with it.
        services.end_all_sessions(current_user)
    sessions.sign_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/signup", methods=["GET", "POST"])
@requires(PUBLIC)
@_auth_limited
@_password_accounts
def signup():
    if current_user.is_authenticated:
        return redirect(_home())
    token = request.args.get("invitation")
    invitation = services.invitation_from_token(token)
    if token and invitation is None:
        flash(_("That invitation link is invalid, expired or already used."), "error")
    form = InvitationSignupForm() if invitation is not None else SignupForm()
    if request.method == "GET" and invitation is not None:
        form.email.data = invitation.email
        form.department.data = invitation.department_id or 0
    if _validate_all_at_once(form, form.email.data, form.display_name.data,
                             form.password.data if invitation is not None else None, invitation):
        try:
            if invitation is None:
                services.request_sign_up(required(form.email.data),
                                         required(form.display_name.data),
                                         _department(form.department.data))
            else:
                user = services.sign_up(required(form.email.data),
                                        required(form.display_name.data),
                                        required(form.password.data),
                                        _department(form.department.data), invitation)
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            if invitation is None:
                # The same answer whether or not the address has an account.
                return redirect(url_for("accounts.signup_sent"))
            return _welcome(user)
    return render_template("accounts/signup.html", form=form, invitation=invitation), form_status()


@bp.get("/signup/sent")
@requires(PUBLIC)
@_password_accounts
def signup_sent():
    return render_template("accounts/signup_sent.html")


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
@_auth_limited
@_password_accounts
def confirm_signup(token: str):
    wanted = services.sign_up_request_from_token(token)
    if wanted is None:
        flash(_("That sign-up link is invalid, expired or already used. "
                "Sign up again, or log in if you have an account."), "error")
        return redirect(url_for("accounts.signup"))
    form = ChoosePasswordForm()
    if _validate_all_at_once(form, wanted.email, wanted.display_name, form.password.data):
        try:
            user = services.sign_up(wanted.email, wanted.display_name,
                                    required(form.password.data), wanted.department)
        except services.AccountError as error:
            add_error(form.password, str(error))
        else:
            return _welcome(user)
    return render_template("accounts/choose_password.html", form=form, sign_up=wanted), \
        form_status()


@bp.route("/account", methods=["GET", "POST"])
@requires("account.manage")
def account():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    # What the person chose so far, shown whichever of the page's forms was sent.
    language = LanguageForm(prefix="language", locale=current_user.locale or "")
    # Employees do not move themselves to another department (it decides whose review
    # queue their ideas reach): an admin does, or the identity provider.
    may_move = can(current_user, "account.change_department")
    if not may_move:
        del profile.department
        # The page offers no choice: a request that asks for another one is forged.
        asked = request.form.get("profile-department") if request.method == "POST" else None
        if asked is not None and asked != str(current_user.department_id or 0):
            abort(403)
    # An account made by single sign-on has no password; in SSO-only mode only an
    # admin's (the break-glass log-in's) is any use.
    may_change_password = current_user.has_password and (
        not current_app.config["SSO_ENFORCED"] or current_user.role == Role.ADMIN.value)
    status = form_status()
    if request.method == "GET":
        if may_move:
            profile.department.data = current_user.department_id or 0
    elif "profile-submit" in request.form and profile.validate_on_submit():
        department = (_department(profile.department.data) if may_move
                      else current_user.department)
        services.update_profile(current_user, required(profile.display_name.data),
                                department)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.account"))
    elif "language-submit" in request.form and language.validate_on_submit():
        try:
            services.set_language(current_user, language.locale.data or None)
        except services.AccountError as error:
            add_error(language.locale, str(error))
        else:
            # The rest of this request (the message below) in the language just chosen.
            refresh()
            flash(_("Your language is saved."), "success")
            return redirect(url_for("accounts.account"))
    elif "password-submit" in request.form and not may_change_password:
        abort(403, description=_("This account has no password to change: you sign in "
                                 "through the company's identity provider."))
    elif "password-submit" in request.form and password.validate_on_submit():
        # The current-password check is a password guess like a log-in: limited the same way.
        account = services.normalise_email(current_user.email)
        try:
            throttling.check_login(account)
            services.change_password(current_user, required(password.current_password.data),
                                     required(password.new_password.data))
        except throttling.Throttled as error:
            password.form_errors.append(error.description)
            status = error.code
        except services.WrongPassword as error:
            throttling.failed_login(account)
            add_error(password.current_password, str(error))
        except services.AccountError as error:
            add_error(password.new_password, str(error))
        else:
            # Every session ended with the old password; this device goes on in a new one.
            sessions.sign_in(current_user._get_current_object(),
                             remember=sessions.remembered())
            flash(_("Your password is changed. Every other device is signed out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", profile=profile, password=password,
                           language=language, may_change_password=may_change_password), status


@bp.route("/account/email", methods=["GET", "POST"])
@requires("account.manage")
def email_preferences():
    """How often Ideaboard e-mails this person, and about which kinds of events."""
    form = EmailPreferencesForm(obj=current_user)
    if request.method == "GET":
        form.topics.data = [topic.value for topic in EmailTopic
                            if current_user.wants_email_about(topic.value)]
    elif form.validate_on_submit():
        services.set_email_preferences(current_user, required(form.email_frequency.data),
                                       form.topics.data or [])
        flash(_("Your e-mail preferences are saved."), "success")
        return redirect(url_for("accounts.email_preferences"))
    return render_template("accounts/email_preferences.html", form=form), form_status()


@bp.post("/account/sign-out-everywhere")
@requires("account.sign_out_everywhere")
def sign_out_everywhere():
    services.sign_out_everywhere(current_user, current_user)
    sessions.sign_out()
    flash(_("You are signed out on every device, this one included."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/reset-password", methods=["GET", "POST"])
@requires(PUBLIC)
@_auth_limited
@_password_accounts
def request_reset():
    form = ResetRequestForm()
    status = form_status()
    if form.validate_on_submit():
        try:
            # Per address by the decorator, per account here: no address rotation floods
            # one inbox (counted whether or not the account exists, so it tells nothing).
            throttling.limit_account("reset_account",
                                     services.normalise_email(required(form.email.data)))
        except throttling.Throttled as error:
            form.form_errors.append(error.description)
            status = error.code
        else:
            services.request_password_reset(required(form.email.data))
            flash(_("If that address belongs to an account, a reset link is on its way."),
                  "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
@_auth_limited
@_password_accounts
def reset_password(token: str):
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("That reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("accounts.request_reset"))
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, required(form.password.data))
        except services.AccountError as error:
            add_error(form.password, str(error))
        else:
            flash(_("Your password is changed and every device is signed out. "
                    "Log in with it now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/choose_password.html", form=form, sign_up=None), form_status()

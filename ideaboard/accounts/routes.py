"""Log in, log out, sign up, password reset and the account page."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ideaboard.accounts import services
from ideaboard.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from ideaboard.core import throttling
from ideaboard.core.urls import safe_next
from ideaboard.extensions import db, limiter
from ideaboard.org.models import Department
from ideaboard.policy import PUBLIC, requires

bp = Blueprint("accounts", __name__)

AUTH_LIMIT = "10 per minute;100 per hour"


def _home() -> str:
    return url_for("ideas.index")


def _department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def _status() -> int:
    """422 when a submitted form is shown again with its errors."""
    return 422 if request.method == "POST" else 200


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    status = _status()
    if form.validate_on_submit():
        # Failed attempts are limited per account and per address (core.throttling).
        account = services.normalise_email(form.email.data)
        try:
            throttling.check_login(account)
        except throttling.Throttled as error:
            form.form_errors.append(error.description)
            status = error.code
        else:
            user = services.authenticate(form.email.data, form.password.data)
            if user is None:
                throttling.failed_login(account)
                # One message whatever was wrong, so it never reveals who has an account.
                form.password.errors.append(
                    "That e-mail and password do not match an active account.")
            else:
                login_user(user, remember=form.remember.data)
                db.session.commit()
                return redirect(safe_next(request.args.get("next"), _home()))
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@requires(PUBLIC)
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/signup", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(_home())
    token = request.args.get("invitation")
    invitation = services.invitation_from_token(token)
    if token and invitation is None:
        flash("That invitation link is invalid, expired or already used.", "error")
    form = SignupForm()
    if request.method == "GET" and invitation is not None:
        form.email.data = invitation.email
        form.department.data = invitation.department_id or 0
    if form.validate_on_submit():
        try:
            user = services.sign_up(form.email.data, form.display_name.data, form.password.data,
                                    _department(form.department.data), invitation)
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome to Ideaboard, {user.display_name}.", "success")
            return redirect(_home())
    return render_template("accounts/signup.html", form=form, invitation=invitation), _status()


@bp.route("/account", methods=["GET", "POST"])
@requires("account.manage")
def account():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    status = _status()
    if request.method == "GET":
        profile.department.data = current_user.department_id or 0
    elif "profile-submit" in request.form and profile.validate_on_submit():
        services.update_profile(current_user, profile.display_name.data,
                                _department(profile.department.data), profile.email_frequency.data)
        db.session.commit()
        flash("Your profile is saved.", "success")
        return redirect(url_for("accounts.account"))
    elif "password-submit" in request.form and password.validate_on_submit():
        # The current-password check is a password guess like a log-in: limited the same way.
        account = services.normalise_email(current_user.email)
        try:
            throttling.check_login(account)
            services.change_password(current_user, password.current_password.data,
                                     password.new_password.data)
        except throttling.Throttled as error:
            password.form_errors.append(error.description)
            status = error.code
        except services.WrongPassword as error:
            throttling.failed_login(account)
            password.current_password.errors.append(str(error))
        except services.AccountError as error:
            password.new_password.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password is changed.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", profile=profile, password=password), status


@bp.route("/reset-password", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    status = _status()
    if form.validate_on_submit():
        try:
            # Per address by the decorator, per account here: no address rotation floods
            # one inbox (counted whether or not the account exists, so it tells nothing).
            throttling.limit_account("reset_account", services.normalise_email(form.email.data))
        except throttling.Throttled as error:
            form.form_errors.append(error.description)
            status = error.code
        else:
            services.request_password_reset(form.email.data)
            db.session.commit()
            flash("If that address belongs to an account, a reset link is on its way.", "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_password(token: str):
    user = services.user_from_reset_token(token)
    if user is None:
        flash("That reset link is invalid or has expired. Ask for a new one.", "error")
        return redirect(url_for("accounts.request_reset"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password is changed. Log in with it now.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), _status()

"""Account operations: sign-up, log-in checks, profiles, passwords and invitations.

Services flush; the request (or CLI command) commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ideaboard.accounts.models import (
    EmailFrequency,
    EmailTopic,
    Invitation,
    Role,
    User,
    find_by_email,
    normalise_email,
)
from ideaboard.accounts.passwords import burn_time, hash_password, password_problem, verify_password
from ideaboard.audit.services import record
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import in_language, language_codes, ngettext
from ideaboard.core.urls import absolute_url
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.mail import queue_email
from ideaboard.org.models import Department


class AccountError(ValueError):
    """A request that breaks an account rule; the message is safe to show."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is wrong."""


def email_domain_allowed(email: str) -> bool:
    domains = current_app.config["ALLOWED_EMAIL_DOMAINS"]
    domain = normalise_email(email).rpartition("@")[2]
    return domain in domains


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost either way)."""
    user = find_by_email(email)
    if user is None:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    record(user, "user.login", user)
    return user


def break_glass_authenticate(email: str, password: str) -> User | None:
    """The active administrator with these credentials, or None; a success is audited
    as ``user.break_glass_login`` (SSO-only mode's emergency way in)."""
    user = find_by_email(email)
    if user is None:
        burn_time(password)
        return None
    if (not verify_password(user.password_hash, password) or not user.active
            or user.role != Role.ADMIN.value):
        return None
    user.last_login_at = utcnow()
    record(user, "user.break_glass_login", user,
           reason="Password log-in past single sign-on (break-glass).")
    return user


def create_user(
    email: str,
    display_name: str,
    password: str,
    *,
    department: Department | None = None,
    role: str = Role.EMPLOYEE.value,
    actor: User | None = None,
) -> User:
    """Create an account; raises AccountError for a taken e-mail or weak password."""
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise AccountError(_("An account with that e-mail already exists."))
    if problem := password_problem(password, email=email, display_name=display_name):
        raise AccountError(problem)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=Role(role).value,
        department=department,
        email_frequency=EmailFrequency.IMMEDIATE.value,
    )
    db.session.add(user)
    db.session.flush()
    record(actor or user, "user.create", user, after=user_snapshot(user))
    return user


def _check_domain(email: str) -> None:
    if not email_domain_allowed(email):
        raise AccountError(
            _("Sign-up is open to company e-mail addresses only. "
              "Ask an administrator for an invitation.")
        )


def sign_up_problems(email: str | None, display_name: str | None, password: str | None = None,
                     invitation: Invitation | None = None) -> dict[str, str]:
    """What is wrong with a sign-up beyond its fields' own checks, by field name, so the
    form shows every problem at once (the same checks ``sign_up`` and ``request_sign_up``
    make, which remain the last word): an address outside the company's domains (or not
    the invited one), a password too weak for this person. Never whether an address
    has an account: the form must not tell who has one."""
    problems: dict[str, str] = {}
    if email:
        if invitation is not None:
            if normalise_email(email) != invitation.email:
                problems["email"] = _("This invitation is for a different e-mail address.")
        elif not email_domain_allowed(email):
            problems["email"] = _("Sign-up is open to company e-mail addresses only. "
                                  "Ask an administrator for an invitation.")
    if password:
        problem = password_problem(password, email=email, display_name=display_name)
        if problem:
            problems["password"] = problem
    return problems


def request_sign_up(email: str, display_name: str, department: Department | None) -> None:
    """Sign-up, step one: e-mail the address, and answer the same whether or not it has
    an account (so the form never tells who has one).

    A new address gets a signed, expiring link to choose a password; only then is the
    account made (``sign_up``), so nobody makes an account for a colleague's address.
    An address with an account gets a note with links to log in and to reset the
    password. Raises AccountError only for what the address alone decides (its domain).
    """
    _check_domain(email)
    email = normalise_email(email)
    existing = find_by_email(email)
    if existing is not None:
        with in_language(existing.locale):  # its owner's language
            queue_email(
                email,
                _("You already have an Ideaboard account"),
                _("Someone, perhaps you, asked to create an Ideaboard account for this address. "
                  "You already have one.\n\n"
                  "Log in here:\n\n%(login)s\n\n"
                  "Forgot your password? Choose a new one here:\n\n"
                  "%(reset)s\n\n"
                  "If you did not ask for this, ignore this message.\n",
                  login=absolute_url("accounts.login"),
                  reset=absolute_url("accounts.request_reset")),
            )
        return
    token = sign_up_token(email, display_name, department)
    # In the language of the page the sign-up was asked from.
    queue_email(
        email,
        _("Finish creating your Ideaboard account"),
        ngettext("Someone, perhaps you, asked to create an Ideaboard account for this "
                 "address.\n\nTo choose your password and finish, open this link within "
                 "%(num)d hour:\n\n%(link)s\n\n"
                 "If you did not ask for this, ignore this message: no account is made "
                 "without it.\n",
                 "Someone, perhaps you, asked to create an Ideaboard account for this "
                 "address.\n\nTo choose your password and finish, open this link within "
                 "%(num)d hours:\n\n%(link)s\n\n"
                 "If you did not ask for this, ignore this message: no account is made "
                 "without it.\n",
                 current_app.config["SIGNUP_MAX_AGE"] // 3600,
                 link=absolute_url("accounts.confirm_signup", token=token)),
    )


def sign_up_token(email: str, display_name: str, department: Department | None) -> str:
    """The signed token of a sign-up link (no password in it: that is chosen on the page
    it opens). It expires after SIGNUP_MAX_AGE and is used up once the account exists."""
    return _serializer("sign-up").dumps(
        {"email": normalise_email(email), "name": display_name.strip(),
         "dept": department.id if department is not None else None})


@dataclass(frozen=True)
class SignUpRequest:
    """What a confirmed sign-up link asks for: the address it was sent to, the name and
    the department given in step one."""

    email: str
    display_name: str
    department: Department | None


def sign_up_request_from_token(token: str) -> SignUpRequest | None:
    """The sign-up a link asks for; None if the link is forged, expired or used (the
    account it makes already exists)."""
    try:
        data = _serializer("sign-up").loads(token, max_age=current_app.config["SIGNUP_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    email = data.get("email")
    if not isinstance(email, str) or find_by_email(email) is not None:
        return None
    department = db.session.get(Department, data["dept"]) if data.get("dept") else None
    return SignUpRequest(email, str(data.get("name", "")), department)


def sign_up(email: str, display_name: str, password: str, department: Department | None,
            invitation: Invitation | None = None) -> User:
    """Make a self-service account for an address that was proven: by a confirmed sign-up
    link (allowed domains only) or by an open invitation for this address."""
    if invitation is not None:
        if invitation.accepted_at is not None:
            raise AccountError(_("This invitation has already been used."))
        if normalise_email(email) != invitation.email:
            raise AccountError(_("This invitation is for a different e-mail address."))
    else:
        _check_domain(email)
    role = invitation.role if invitation else Role.EMPLOYEE.value
    user = create_user(email, display_name, password, department=department, role=role)
    if invitation is not None:
        invitation.accepted_at = utcnow()
    return user


def user_snapshot(user: User) -> dict:
    """The audited facts about a person."""
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "department_id": user.department_id,
        "active": user.active,
        "managed_departments": sorted(d.id for d in user.managed_departments),
    }


def update_profile(user: User, display_name: str, department: Department | None) -> None:
    user.display_name = display_name.strip()
    user.department = department
    db.session.flush()


def set_email_preferences(user: User, email_frequency: str, topics_on: Iterable[str]) -> None:
    """How often ``user`` is e-mailed, and about which topics (``EmailTopic``): those
    not in ``topics_on`` are turned off. Flushes."""
    wanted = {EmailTopic(topic) for topic in topics_on}
    user.email_frequency = EmailFrequency(email_frequency).value
    user.email_topics_off = [topic.value for topic in EmailTopic if topic not in wanted]
    db.session.flush()


def set_language(user: User, locale: str | None) -> None:
    """The language ``user`` reads Ideaboard in: a code of the languages offered
    (``core.i18n.available_languages``), or None for their browser's. Raises
    AccountError for a language not offered. Flushes."""
    if locale is not None and locale not in language_codes():
        raise AccountError(_("Choose a language from the list."))
    user.locale = locale
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword(_("Your current password is not correct."))
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    """Change the password and end every session of ``user`` (a new one may begin)."""
    if problem := password_problem(new_password, email=user.email,
                                   display_name=user.display_name):
        raise AccountError(problem)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    record(user, "user.password_change", user)


# --- sessions -----------------------------------------------------------------

def end_all_sessions(user: User) -> None:
    """End every sign-in of ``user`` on every device, copied cookies included (the
    generation is part of each; see accounts.sessions). Flushes."""
    user.session_generation += 1
    db.session.flush()


def sign_out_everywhere(user: User, actor: User) -> None:
    """``actor`` (the person or an admin) ends every session of ``user``; audited."""
    end_all_sessions(user)
    record(actor, "user.sign_out_everywhere", user)


# --- signed tokens -----------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def password_reset_token(user: User) -> str:
    # The hash's tail makes the token die as soon as the password changes.
    return _serializer("password-reset").dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_from_reset_token(token: str) -> User | None:
    try:
        data = _serializer("password-reset").loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("ph"):
        return None
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address belongs to an active account; silent otherwise."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    link = absolute_url("accounts.reset_password", token=password_reset_token(user))
    with in_language(user.locale):
        queue_email(
            user.email,
            _("Reset your Ideaboard password"),
            ngettext("Hello %(name)s,\n\nTo choose a new password, open this link within "
                     "%(num)d minute:\n\n%(link)s\n\n"
                     "If you did not ask for this, ignore this message.\n",
                     "Hello %(name)s,\n\nTo choose a new password, open this link within "
                     "%(num)d minutes:\n\n%(link)s\n\n"
                     "If you did not ask for this, ignore this message.\n",
                     current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
                     name=user.display_name, link=link),
        )


def invite(email: str, role: str, department: Department | None, actor: User) -> Invitation:
    """Create an invitation and e-mail its sign-up link."""
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise AccountError(_("That person already has an account."))
    invitation = Invitation(email=email, role=Role(role).value, department=department,
                            invited_by=actor)
    db.session.add(invitation)
    db.session.flush()
    record(actor, "user.invite", invitation, after={"email": email, "role": invitation.role})
    token = _serializer("invitation").dumps({"inv": invitation.id})
    link = absolute_url("accounts.signup", invitation=token)
    with in_language(None):  # the newcomer's language is not known: the installation's
        queue_email(
            email,
            _("You are invited to Ideaboard"),
            _("%(who)s invited you to Ideaboard, where colleagues share and review ideas."
              "\n\nCreate your account here:\n\n%(link)s\n",
              who=actor.display_name, link=link),
        )
    return invitation


def invitation_from_token(token: str | None) -> Invitation | None:
    if not token:
        return None
    try:
        data = _serializer("invitation").loads(
            token, max_age=current_app.config["INVITATION_MAX_AGE"]
        )
    except (BadSignature, SignatureExpired):
        return None
    invitation = db.session.get(Invitation, data.get("inv"))
    # Once the address has an account the link is simply used up, whoever made it.
    if invitation is None or invitation.accepted_at is not None \
            or find_by_email(invitation.email) is not None:
        return None
    return invitation

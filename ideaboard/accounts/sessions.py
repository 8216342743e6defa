"""Sign-ins that can be ended: what Flask-Login keeps for a person, and how it is checked.

Sessions are signed cookies, so the server cannot delete a copy of one. Instead every
sign-in carries the person's session generation and the moment it lapses,
``"<user id>:<generation>:<lapses at, Unix seconds>"``. Flask-Login keeps that string in
the session cookie and, for "remember me", in the remember-me cookie, and ``load_user``
accepts it only while the generation is still the person's and the moment has not
passed. So bumping the generation (``services.end_all_sessions``: log-out, a password
change or reset, deactivation, "sign out everywhere") ends every session and every
remember-me cookie of that person on every device, copies included; and no sign-in
outlives ``REMEMBER_COOKIE_DURATION``, whatever a cookie's own expiry says. The cost is
one integer compared on the query every signed-in request already makes.
"""

from __future__ import annotations

import time

from flask import current_app, g, request, session
from flask_login import LoginManager, login_user, logout_user

from ideaboard.accounts.models import User
from ideaboard.accounts.queries import USER_BY_ID
from ideaboard.extensions import db


def register(login_manager: LoginManager) -> None:
    """Make Flask-Login keep and check sign-ins as described above."""
    # Flask-Login asks the user object for the string to keep through this method name;
    # get_id stays the plain id, which UserMixin's == relies on.
    login_manager.id_attribute = "session_identity"
    login_manager.user_loader(load_user)


def identity(user: User) -> str:
    """The string kept for a sign-in of ``user`` that begins now."""
    lapses = int(time.time() + current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds())
    return f"{user.id}:{user.session_generation}:{lapses}"


def load_user(kept: str) -> User | None:
    """Flask-Login's loader: the active person a kept sign-in names, if it still holds."""
    try:
        user_id, generation, lapses = (int(part) for part in kept.split(":"))
    except (AttributeError, TypeError, ValueError):
        return None  # not ours (or from before sign-ins could be ended): signed out
    if lapses < time.time():
        return None
    user = db.session.execute(USER_BY_ID, {"user_id": user_id}).scalar_one_or_none()
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


def _rotate_csrf_token() -> None:
    """A new CSRF token from the next form on: one known before a sign-in (or planted by
    someone else) is useless after it."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)  # Flask-WTF's per-request copy


def sign_in(user: User, remember: bool = False) -> None:
    """Begin a sign-in of ``user`` on this device, with a fresh CSRF token."""
    _rotate_csrf_token()
    login_user(user, remember=remember)


def remembered() -> bool:
    """True if this device carries a remember-me cookie."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def sign_out() -> None:
    """End this device's sign-in (the caller ends the others, see module docstring)."""
    logout_user()
    _rotate_csrf_token()

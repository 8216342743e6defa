"""Password rules and hashing (werkzeug's scrypt)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import ngettext

# Personal words shorter than this (normalised) are too short to judge a password by:
# refusing every password containing "al" or "li" would refuse good ones.
MIN_PERSONAL_LENGTH = 4

_NOT_ALNUM = re.compile(r"[\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords (lower case) refused outright, read once from the package's
    ``common_passwords.txt``: only ones that meet the length rule, since shorter ones
    are refused anyway."""
    text = resources.files("ideaboard.accounts").joinpath("common_passwords.txt").read_text(
        encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _normalised(text: str) -> str:
    """Lower case letters and digits only, so "Erin.Employee" and "erin employee" match."""
    return _NOT_ALNUM.sub("", text.lower())


def _personal_words(email: str | None, display_name: str | None) -> list[str]:
    """What a password must not contain: the e-mail, its local part, the name."""
    words = []
    if email:
        words += [email, email.rpartition("@")[0]]
    if display_name:
        words.append(display_name)
    return [w for w in map(_normalised, words) if len(w) >= MIN_PERSONAL_LENGTH]


def password_problem(password: str, *, email: str | None = None,
                     display_name: str | None = None) -> str | None:
    """Why ``password`` is unacceptable for the person with this e-mail and name, or None
    if it is fine."""
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password) < minimum:
        return ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                        minimum)
    if len(password) > 256:
        return _("Use at most 256 characters.")
    if password.lower() in common_passwords() or len(set(password)) < 4:
        return _("That password is too easy to guess; choose another.")
    plain = _normalised(password)
    if any(word in plain for word in _personal_words(email, display_name)):
        return _("Do not use your e-mail address or your name in your password.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


# Checked when no account matches, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = None


def burn_time(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    check_password_hash(_DUMMY_HASH, password)

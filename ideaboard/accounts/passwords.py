"""Password rules and hashing (werkzeug's scrypt)."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# The most common passwords that meet a length rule; refused outright.
COMMON_PASSWORDS = frozenset(
    """
    password123 password1234 password12345 1234567890 12345678910 qwertyuiop
    qwerty12345 qwerty123456 1q2w3e4r5t 1qaz2wsx3edc iloveyou123 welcome123
    welcome1234 letmein123 changeme123 administrator passw0rd123 p@ssw0rd123
    abcdefghij abc1234567 0987654321 1111111111 0000000000 aaaaaaaaaa
    monkey12345 football123 baseball123 sunshine123 princess123 dragon12345
    trustno1234 superman123 starwars123 whatever123 computer123 internet123
    """.split()
)


def password_problem(password: str) -> str | None:
    """Why ``password`` is unacceptable, or None if it is fine."""
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "That password is too easy to guess; choose another."
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

"""Configuration classes for Ideaboard, read from environment variables.

Pick one with ``IDEABOARD_ENV`` (``production`` by default, ``development`` or
``testing``). Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import os
from datetime import timedelta

# Only ever used outside production; ProductionConfig refuses to start with it.
# bandit B105: deliberate; ProductionConfig refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key"  # nosec B105


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_list(name: str) -> list[str]:
    value = _env(name, "") or ""
    return [item.strip().lower() for item in value.split(",") if item.strip()]


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = _env("IDEABOARD_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    # None means "a SQLite file in the instance folder", resolved by the factory.
    SQLALCHEMY_DATABASE_URI = _env("IDEABOARD_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = _env_int("IDEABOARD_SQLITE_BUSY_TIMEOUT", 15)

    # Sign-up is open to these e-mail domains; anyone else needs an invitation.
    ALLOWED_EMAIL_DOMAINS = _env_list("IDEABOARD_ALLOWED_EMAIL_DOMAINS")

    MAIL_SERVER = _env("IDEABOARD_MAIL_SERVER")
    MAIL_PORT = _env_int("IDEABOARD_MAIL_PORT", 25)
    MAIL_USERNAME = _env("IDEABOARD_MAIL_USERNAME")
    MAIL_PASSWORD = _env("IDEABOARD_MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("IDEABOARD_MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = _env("IDEABOARD_MAIL_SENDER", "ideaboard@localhost")

    REDIS_URL = _env("IDEABOARD_REDIS_URL")
    BASE_URL = _env("IDEABOARD_BASE_URL", "http://127.0.0.1:5000")

    PASSWORD_RESET_MAX_AGE = _env_int("IDEABOARD_PASSWORD_RESET_MAX_AGE", 3600)
    INVITATION_MAX_AGE = _env_int("IDEABOARD_INVITATION_MAX_AGE", 7 * 24 * 3600)
    # How long the link that finishes a sign-up (choose your password) stays valid.
    SIGNUP_MAX_AGE = _env_int("IDEABOARD_SIGNUP_MAX_AGE", 24 * 3600)
    MIN_PASSWORD_LENGTH = 10

    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # The longest any sign-in lasts, remembered or not (accounts.sessions checks it too,
    # so a copied cookie dies on time whatever its own expiry says).
    REMEMBER_COOKIE_DURATION = timedelta(days=_env_int("IDEABOARD_REMEMBER_DAYS", 14))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    RATELIMIT_ENABLED = _env_bool("IDEABOARD_RATELIMIT_ENABLED", True)
    RATELIMIT_KEY_PREFIX = "ideaboard"
    # Failed log-ins (and current-password checks) per account and per client address;
    # why these numbers, and why the address's must stay above the account's: see
    # ideaboard/core/throttling.py.
    RATELIMIT_LOGIN_ACCOUNT = _env("IDEABOARD_RATELIMIT_LOGIN_ACCOUNT",
                                   "10 per 15 minutes;50 per day")
    RATELIMIT_LOGIN_ADDRESS = _env("IDEABOARD_RATELIMIT_LOGIN_ADDRESS",
                                   "50 per 15 minutes;500 per day")
    # Password-reset e-mails asked for one address (per client address: AUTH_LIMIT).
    RATELIMIT_RESET_ACCOUNT = _env("IDEABOARD_RATELIMIT_RESET_ACCOUNT", "3 per hour;10 per day")
    # What one person may write (limits syntax: "N per minute;M per hour").
    RATELIMIT_IDEAS = _env("IDEABOARD_RATELIMIT_IDEAS", "10 per minute;50 per hour")
    RATELIMIT_COMMENTS = _env("IDEABOARD_RATELIMIT_COMMENTS", "30 per minute;300 per hour")
    RATELIMIT_REPLIES = _env("IDEABOARD_RATELIMIT_REPLIES", "30 per minute;300 per hour")
    RATELIMIT_EDITS = _env("IDEABOARD_RATELIMIT_EDITS", "30 per minute;300 per hour")
    RATELIMIT_VOTES = _env("IDEABOARD_RATELIMIT_VOTES", "120 per minute;1000 per hour")
    RATELIMIT_FOLLOWS = _env("IDEABOARD_RATELIMIT_FOLLOWS", "120 per minute;1000 per hour")
    RATELIMIT_FLAGS = _env("IDEABOARD_RATELIMIT_FLAGS", "20 per hour;50 per day")
    # Mention notifications one person may cause (each person mentioned counts one).
    RATELIMIT_MENTIONS = _env("IDEABOARD_RATELIMIT_MENTIONS", "50 per hour;200 per day")
    MAX_MENTIONS_PER_COMMENT = _env_int("IDEABOARD_MAX_MENTIONS_PER_COMMENT", 10)
    # Trust this many proxies' X-Forwarded-For (Werkzeug ProxyFix); 0 ignores the header.
    PROXY_FIX_X_FOR = _env_int("IDEABOARD_PROXY_FIX_X_FOR", 0)
    PAGE_SIZE = 20

    @classmethod
    def validate(cls, config: dict) -> None:
        """Raise if the settings are unsafe for this environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # `flask run --debug` turns the debugger on explicitly


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # nosec B105
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def validate(cls, config: dict) -> None:
        key = config.get("SECRET_KEY")
        if not key or key == DEVELOPMENT_SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "Set IDEABOARD_SECRET_KEY to a random string of at least 32 characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """The configuration class named by ``name`` or by ``IDEABOARD_ENV``."""
    name = (name or _env("IDEABOARD_ENV", "production") or "production").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"IDEABOARD_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}."
        ) from None

"""Configuration classes for Ideaboard, read from environment variables.

Pick one with ``IDEABOARD_ENV`` (``production`` by default, ``development`` or
``testing``). Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import collections
import math
import os
from datetime import timedelta
from typing import ClassVar
from urllib.parse import urlsplit

# What ProductionConfig asks of IDEABOARD_SECRET_KEY (the README states the same rule).
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_BITS = 80
SECRET_KEY_RULE = (
    f"at least {SECRET_KEY_MIN_LENGTH} characters, not one shorter string repeated, and "
    f"varied enough to carry at least {SECRET_KEY_MIN_BITS} bits by the frequency of its "
    "characters (length times their Shannon entropy)"
)

# The shortest IDEABOARD_METRICS_TOKEN production accepts (a guessable one opens /metrics).
METRICS_TOKEN_MIN_LENGTH = 24


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


def _env_float(name: str, default: float) -> float:
    value = _env(name)
    return float(value) if value is not None else default


def _env_list(name: str) -> list[str]:
    value = _env(name, "") or ""
    return [item.strip().lower() for item in value.split(",") if item.strip()]


def estimated_key_bits(key: str) -> float:
    """A key's strength judged by the variety of its characters: its length times the
    Shannon entropy of its character frequencies (0 for 32 copies of one letter, about
    116 for a 32-digit hexadecimal random string, 256 or so for ``token_hex(32)``)."""
    if not key:
        return 0.0
    counts = collections.Counter(key)
    size = len(key)
    return -sum(n / size * math.log2(n / size) for n in counts.values()) * size


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` is too weak to sign production sessions, or None if it is good enough."""
    if not key:
        return "it is not set"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    # A string is one shorter string repeated exactly when it occurs inside itself
    # doubled before the full shift ("abab" in "ab|abab|ab").
    if (key + key).find(key, 1) < len(key):
        return "it is one shorter string repeated"
    if estimated_key_bits(key) < SECRET_KEY_MIN_BITS:
        return "it has too little variety (too few different characters, or one too often)"
    return None


def base_url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be the site's base address, or None if it can."""
    if not url:
        return "it is not set"
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it must start with http:// or https:// and name a host"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "it may have a path, but no user name, query or fragment"
    return None


def logo_url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be the header's logo, or None if it can (unset is fine).

    The logo is the one address a page takes from configuration rather than building it:
    an absolute http(s) URL (its origin is then allowed in the page's image policy) or a
    path on this site starting with "/".
    """
    if not url:
        return None
    if url.startswith("/") and not url.startswith("//"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it must be a path starting with / or an http:// or https:// address"
    if parts.username or parts.password:
        return "it may not carry a user name or password"
    return None


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    # None outside testing means: development generates one into the instance folder
    # (ideaboard.core.security.instance_secret_key), production refuses to start.
    SECRET_KEY = _env("IDEABOARD_SECRET_KEY")
    # None means "a SQLite file in the instance folder", resolved by the factory.
    SQLALCHEMY_DATABASE_URI = _env("IDEABOARD_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # PostgreSQL is reached through PgBouncer in transaction mode (or another pooler that
    # lends a server connection for one transaction at a time): the app then prepares no
    # statements on the server (ideaboard.database.transaction_pooling_options says why).
    DATABASE_PGBOUNCER = _env_bool("IDEABOARD_DATABASE_PGBOUNCER")
    # Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = _env_int("IDEABOARD_SQLITE_BUSY_TIMEOUT", 15)

    # The language of a person who chose none and whose browser asks for none offered
    # (a code of ideaboard.core.i18n.LANGUAGES).
    DEFAULT_LOCALE = _env("IDEABOARD_DEFAULT_LOCALE", "en")

    # Sign-up is open to these e-mail domains; anyone else needs an invitation.
    ALLOWED_EMAIL_DOMAINS = _env_list("IDEABOARD_ALLOWED_EMAIL_DOMAINS")

    # Single sign-on through OpenID Connect (ideaboard/identity/oidc.py): on when an
    # issuer (or its discovery document's address) is set. The client id and secret are
    # the ones the identity provider issued for Ideaboard; the claim names say where in
    # the ID token the e-mail, the display name and the department are.
    OIDC_ISSUER = _env("IDEABOARD_OIDC_ISSUER")
    OIDC_METADATA_URL = _env("IDEABOARD_OIDC_METADATA_URL")
    OIDC_CLIENT_ID = _env("IDEABOARD_OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = _env("IDEABOARD_OIDC_CLIENT_SECRET")
    OIDC_SCOPES = _env("IDEABOARD_OIDC_SCOPES", "openid email profile")
    OIDC_EMAIL_CLAIM = _env("IDEABOARD_OIDC_EMAIL_CLAIM", "email")
    # Entra ID sends no email_verified; its optional claim xms_edov says the same.
    OIDC_EMAIL_VERIFIED_CLAIM = _env("IDEABOARD_OIDC_EMAIL_VERIFIED_CLAIM", "email_verified")
    OIDC_NAME_CLAIM = _env("IDEABOARD_OIDC_NAME_CLAIM", "name")
    OIDC_DEPARTMENT_CLAIM = _env("IDEABOARD_OIDC_DEPARTMENT_CLAIM", "department")
    # The button reads "Sign in with <this>".
    OIDC_PROVIDER_NAME = _env("IDEABOARD_OIDC_PROVIDER_NAME", "your company account")
    # Single sign-on through SAML 2.0 (ideaboard/identity/saml.py, pysaml2 with the
    # xmlsec1 program): on when the identity provider's metadata (an https URL or a file
    # path) is set. Our entity id defaults to <BASE_URL>/saml/metadata; the key and
    # certificate (PEM files) sign our requests and are needed only when the identity
    # provider wants signed requests. The attribute names say where in the assertion the
    # e-mail, the display name and the department are.
    SAML_IDP_METADATA = _env("IDEABOARD_SAML_IDP_METADATA")
    SAML_SP_ENTITY_ID = _env("IDEABOARD_SAML_SP_ENTITY_ID")
    SAML_SP_KEY_FILE = _env("IDEABOARD_SAML_SP_KEY_FILE")
    SAML_SP_CERT_FILE = _env("IDEABOARD_SAML_SP_CERT_FILE")
    SAML_EMAIL_ATTRIBUTE = _env("IDEABOARD_SAML_EMAIL_ATTRIBUTE", "email")
    SAML_NAME_ATTRIBUTE = _env("IDEABOARD_SAML_NAME_ATTRIBUTE", "displayName")
    SAML_DEPARTMENT_ATTRIBUTE = _env("IDEABOARD_SAML_DEPARTMENT_ATTRIBUTE", "department")
    # The button reads "Sign in with <this>".
    SAML_PROVIDER_NAME = _env("IDEABOARD_SAML_PROVIDER_NAME", "your company account (SAML)")
    # How long an AuthnRequest may wait for its answer, in seconds.
    SAML_REQUEST_MAX_AGE = _env_int("IDEABOARD_SAML_REQUEST_MAX_AGE", 600)
    # SSO-only: password log-in, sign-up and reset are gone; admins keep a rate-limited,
    # audited break-glass log-in at /login/break-glass.
    SSO_ENFORCED = _env_bool("IDEABOARD_SSO_ENFORCED")
    RATELIMIT_BREAK_GLASS = _env("IDEABOARD_RATELIMIT_BREAK_GLASS", "5 per 15 minutes;20 per day")

    # An accepted idea not started within this many days escalates to the managers one
    # level up (``flask --app ideaboard escalate``), and again after as many more.
    STALLED_AFTER_DAYS = _env_int("IDEABOARD_STALLED_AFTER_DAYS", 30)

    # The background worker (``flask --app ideaboard worker``, ideaboard/worker/): how
    # often each worker looks for new e-mail in the outbox, how often overdue reviews are
    # escalated (once for all workers), the hour (UTC) the daily digests are queued, and
    # how often each worker writes its heartbeat.
    WORKER_POLL_SECONDS = _env_float("IDEABOARD_WORKER_POLL_SECONDS", 1.0)
    WORKER_ESCALATE_SECONDS = _env_float("IDEABOARD_WORKER_ESCALATE_SECONDS", 60.0)
    DIGEST_HOUR = _env_int("IDEABOARD_DIGEST_HOUR", 7)
    # The managers' weekly summary goes out on this day (0 Monday .. 6 Sunday), at
    # DIGEST_HOUR.
    WEEKLY_SUMMARY_DAY = _env_int("IDEABOARD_WEEKLY_SUMMARY_DAY", 0)
    # How often the worker works out the analytics' snapshots again (seconds); a view
    # shows one up to three times this old, else works its figures out itself.
    INSIGHT_REFRESH_SECONDS = _env_float("IDEABOARD_INSIGHT_REFRESH_SECONDS", 300.0)
    WORKER_HEARTBEAT_SECONDS = _env_float("IDEABOARD_WORKER_HEARTBEAT_SECONDS", 5.0)

    # Webhooks (ideaboard/webhooks/): private networks (10/8, 172.16/12, 192.168/16,
    # fc00::/7, 100.64/10) only when an intranet needs them; loopback only for the
    # tests (production refuses it); plain http only where allowed (production: https);
    # each attempt's timeout, how many attempts before giving up, and how many failures
    # in a row mark an endpoint failing (the admins are told).
    WEBHOOKS_ALLOW_PRIVATE = _env_bool("IDEABOARD_WEBHOOKS_ALLOW_PRIVATE")
    WEBHOOKS_ALLOW_LOOPBACK = _env_bool("IDEABOARD_WEBHOOKS_ALLOW_LOOPBACK")
    WEBHOOKS_ALLOW_HTTP = _env_bool("IDEABOARD_WEBHOOKS_ALLOW_HTTP", True)
    WEBHOOKS_TIMEOUT = _env_float("IDEABOARD_WEBHOOKS_TIMEOUT", 5.0)
    WEBHOOKS_MAX_ATTEMPTS = _env_int("IDEABOARD_WEBHOOKS_MAX_ATTEMPTS", 8)
    WEBHOOKS_FAILURE_THRESHOLD = _env_int("IDEABOARD_WEBHOOKS_FAILURE_THRESHOLD", 5)

    MAIL_SERVER = _env("IDEABOARD_MAIL_SERVER")
    MAIL_PORT = _env_int("IDEABOARD_MAIL_PORT", 25)
    MAIL_USERNAME = _env("IDEABOARD_MAIL_USERNAME")
    MAIL_PASSWORD = _env("IDEABOARD_MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("IDEABOARD_MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = _env("IDEABOARD_MAIL_SENDER", "ideaboard@localhost")
    # Without a mail server, where `send-mail` delivers instead: a folder of .eml files.
    # Development defaults to "mail" in the instance folder; production has none (its
    # messages wait in the outbox until a server is set).
    MAIL_FOLDER = _env("IDEABOARD_MAIL_FOLDER")

    REDIS_URL = _env("IDEABOARD_REDIS_URL")
    # The site's address as people reach it (scheme, host, port, path prefix): every
    # absolute link in e-mails is built from it (ideaboard.core.urls.absolute_url),
    # never from a request's Host header. Production refuses to start without it.
    BASE_URL = _env("IDEABOARD_BASE_URL")
    # Host names the app answers for (werkzeug's check; a leading dot allows
    # subdomains); None means the host of BASE_URL (and SERVER_NAME's), plus the
    # loopback names outside production. Any other Host header gets a 400.
    TRUSTED_HOSTS = _env_list("IDEABOARD_TRUSTED_HOSTS") or None
    # The company's logo shown in the header beside the name: a path on this site
    # ("/static/logo.svg") or an absolute http(s) URL; unset shows the name alone.
    LOGO_URL = _env("IDEABOARD_LOGO_URL")
    # Strict-Transport-Security max-age in seconds; 0 sends no header.
    HSTS_MAX_AGE = _env_int("IDEABOARD_HSTS_MAX_AGE", 0)

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
    # Several deployments (or test runs) sharing one Redis keep their counts apart by it.
    RATELIMIT_KEY_PREFIX = _env("IDEABOARD_RATELIMIT_KEY_PREFIX", "ideaboard")
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
    # SAML sign-ins started from one address (each keeps a row for SAML_REQUEST_MAX_AGE):
    # above a large office's morning behind one NAT, below a script's flood.
    RATELIMIT_SAML_STARTS = _env("IDEABOARD_RATELIMIT_SAML_STARTS",
                                 "120 per minute;2000 per hour")
    # Requests one API token may make (ideaboard.api), besides the writes' limits above.
    RATELIMIT_API = _env("IDEABOARD_RATELIMIT_API", "300 per minute;5000 per hour")
    # The largest JSON body the API reads (bytes); a larger one is a 413.
    API_MAX_BODY = _env_int("IDEABOARD_API_MAX_BODY", 64 * 1024)
    # Items on one page of an API list at most (the ``limit`` a client may ask for).
    API_MAX_PAGE_SIZE = _env_int("IDEABOARD_API_MAX_PAGE_SIZE", 100)
    MAX_MENTIONS_PER_COMMENT = _env_int("IDEABOARD_MAX_MENTIONS_PER_COMMENT", 10)
    # Trust this many proxies' X-Forwarded-For (Werkzeug ProxyFix); 0 ignores the header.
    PROXY_FIX_X_FOR = _env_int("IDEABOARD_PROXY_FIX_X_FOR", 0)
    PAGE_SIZE = 20
    # Keep rendered fragments (cards, comment threads, queue rows, the filter bar) between
    # requests (ideaboard.core.kept). Off renders every one on every request: what a page
    # costs when every kept fragment misses, which bench.run --cold measures.
    KEEP_FRAGMENTS = _env_bool("IDEABOARD_KEEP_FRAGMENTS", True)
    # The idea page's comments (comments.services.thread_page): this many threads a
    # page, each with its first replies; a longer thread is read whole on its own
    # page, so many replies a page. Bounded, so the idea page costs the same however
    # long its discussion.
    COMMENT_THREADS_PER_PAGE = 20
    COMMENT_REPLIES_SHOWN = 3
    COMMENT_REPLIES_PER_PAGE = 50
    LOOPBACK_HOSTS_TRUSTED = False
    SECRET_KEY_FROM_INSTANCE = False

    # Logs: "json" writes each record as one JSON object a line (ideaboard.core.logs),
    # "text" leaves Flask's own format. The level applies to the app's logger
    # ("ideaboard"); at INFO it writes an access-log line for every request.
    LOG_FORMAT = (_env("IDEABOARD_LOG_FORMAT", "text") or "text").lower()
    LOG_LEVEL = _env("IDEABOARD_LOG_LEVEL")
    # Who may read /metrics (ideaboard.core.metrics): a scraper sending this token as
    # "Authorization: Bearer ...", or one connecting from these networks (CIDRs; "none"
    # for no address at all). Loopback by default: never the open internet.
    METRICS_TOKEN = _env("IDEABOARD_METRICS_TOKEN")
    METRICS_ALLOW = _env_list("IDEABOARD_METRICS_ALLOW") or ["127.0.0.0/8", "::1/128"]
    # SCIM groups (by displayName) whose provisioned members are admins, or managers
    # of their own department (ideaboard/identity/scim/services.py); unset: groups
    # change no role.
    SCIM_ADMIN_GROUP = _env("IDEABOARD_SCIM_ADMIN_GROUP")
    SCIM_MANAGER_GROUP = _env("IDEABOARD_SCIM_MANAGER_GROUP")
    # SCIM groups named with this prefix ("Dept: Sales") are departments: made if
    # missing, their members placed in them. Unset: no group is a department.
    SCIM_DEPARTMENT_GROUP_PREFIX = _env("IDEABOARD_SCIM_DEPARTMENT_GROUP_PREFIX")

    @classmethod
    def validate(cls, config: dict) -> None:
        """Raise if the settings are unsafe for this environment."""
        problem = base_url_problem(config.get("BASE_URL"))
        if problem:
            raise RuntimeError(
                f"IDEABOARD_BASE_URL is refused: {problem}. Set it to the address people "
                "use to reach Ideaboard, e.g. https://ideas.example.com (a path prefix "
                "such as https://intranet.example.com/ideas is fine)."
            )
        if not config.get("SECRET_KEY"):
            raise RuntimeError("Set IDEABOARD_SECRET_KEY (sessions and e-mailed links "
                               "are signed with it).")
        problem = logo_url_problem(config.get("LOGO_URL"))
        if problem:
            raise RuntimeError(f"IDEABOARD_LOGO_URL is refused: {problem}.")
        if not 0 <= int(config.get("DIGEST_HOUR", 0)) <= 23:
            raise RuntimeError("IDEABOARD_DIGEST_HOUR must be an hour of the day, 0 to 23 (UTC).")
        if not 0 <= int(config.get("WEEKLY_SUMMARY_DAY", 0)) <= 6:
            raise RuntimeError("IDEABOARD_WEEKLY_SUMMARY_DAY must be a day of the week, "
                               "0 (Monday) to 6 (Sunday).")
        for name in ("WORKER_POLL_SECONDS", "WORKER_ESCALATE_SECONDS",
                     "WORKER_HEARTBEAT_SECONDS", "INSIGHT_REFRESH_SECONDS"):
            if not float(config.get(name, 1.0)) > 0:
                raise RuntimeError(f"IDEABOARD_{name} must be a number of seconds above 0.")
        if config.get("LOG_FORMAT") not in ("text", "json"):
            raise RuntimeError("IDEABOARD_LOG_FORMAT must be text or json.")
        if not 0 < float(config.get("WEBHOOKS_TIMEOUT", 5.0)) <= 60:
            raise RuntimeError("IDEABOARD_WEBHOOKS_TIMEOUT must be 0 to 60 seconds.")
        for name in ("WEBHOOKS_MAX_ATTEMPTS", "WEBHOOKS_FAILURE_THRESHOLD"):
            if not int(config.get(name, 1)) >= 1:
                raise RuntimeError(f"IDEABOARD_{name} must be a whole number above 0.")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # `flask run --debug` turns the debugger on explicitly
    # E-mail without a server: each message is logged when queued, and `send-mail`
    # writes it into this folder (under the instance folder unless absolute).
    MAIL_FOLDER = _env("IDEABOARD_MAIL_FOLDER", "mail")
    # The log shows what the app says at INFO (queued e-mails, with their links).
    LOG_LEVEL = _env("IDEABOARD_LOG_LEVEL", "INFO")
    BASE_URL = _env("IDEABOARD_BASE_URL", "http://127.0.0.1:5000")
    # Browsers on the developer's machine, whichever loopback name they use.
    LOOPBACK_HOSTS_TRUSTED = True
    # Without IDEABOARD_SECRET_KEY: a random key generated into the instance folder.
    SECRET_KEY_FROM_INSTANCE = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # nosec B105
    RATELIMIT_ENABLED = False
    # The suite's SERVER_NAME; the test client (localhost) and the browser tests'
    # server (127.0.0.1) are trusted as loopback names.
    BASE_URL = "http://ideaboard.test"
    LOOPBACK_HOSTS_TRUSTED = True


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_MAX_AGE = _env_int("IDEABOARD_HSTS_MAX_AGE", 365 * 24 * 3600)
    # One JSON object a line, for the log collector; the access log at INFO.
    LOG_FORMAT = (_env("IDEABOARD_LOG_FORMAT", "json") or "json").lower()
    LOG_LEVEL = _env("IDEABOARD_LOG_LEVEL", "INFO")
    # Webhooks go over https unless an admin allows plain http (an intranet receiver).
    WEBHOOKS_ALLOW_HTTP = _env_bool("IDEABOARD_WEBHOOKS_ALLOW_HTTP", False)

    @classmethod
    def validate(cls, config: dict) -> None:
        problem = secret_key_problem(config.get("SECRET_KEY"))
        if problem:
            raise RuntimeError(
                f"IDEABOARD_SECRET_KEY is refused: {problem}. Set it to a random string of "
                f"{SECRET_KEY_RULE} (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        token = config.get("METRICS_TOKEN")
        if token and len(token) < METRICS_TOKEN_MIN_LENGTH:
            raise RuntimeError(
                f"IDEABOARD_METRICS_TOKEN is refused: it is shorter than "
                f"{METRICS_TOKEN_MIN_LENGTH} characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))').")
        if config.get("WEBHOOKS_ALLOW_LOOPBACK"):
            raise RuntimeError("IDEABOARD_WEBHOOKS_ALLOW_LOOPBACK is for the tests only: "
                               "production never sends webhooks to loopback addresses.")
        # BASE_URL has no default here: e-mailed links must not silently point at one.
        super().validate(config)


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

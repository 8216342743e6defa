"""Rate limits on logging in and on writing: every limit and every key in one place.

Counts live in the store Flask-Limiter is configured with (``RATELIMIT_STORAGE_URI``:
Redis when ``IDEABOARD_REDIS_URL`` is set, so every app server and worker shares one
count; each process's memory otherwise). They are kept in a moving window, so a burst
across the turn of a minute is counted as one burst. Each app builds its own client of
that store (``register``): Flask-Limiter's one ``Limiter`` object keeps the storage of
the last app it was given, so two apps in one process (tests, two "workers") would
count in whichever was made last.

Log-in. Failed attempts are counted per account (the normalised e-mail) and per client
address; successful ones are not counted. An attempt the account's limit refuses is
refused before the password is checked and is not counted against the address. So
hammering one account adds at most the account's limit to its address, and as long as
the address's limit is above the account's in every window (the defaults: 10 and 50 per
15 minutes, 50 and 500 a day) an attacker at one address who guesses one account never
makes a correct password for another account fail. Guessing many accounts from one
address trips the address's limit, which is the point. The client address is the
socket's peer unless ``PROXY_FIX_X_FOR`` tells the app how many proxies to believe.
The current-password check on the account page counts the same way. A check comes
before the attempt it counts, so parallel attempts that pass it together may go over a
limit by at most the number running at once (the workers' count), never more.

Writing. Per person, limits no real person reaches (a fast typist posts a comment in
half a minute; a person voting down a list clicks perhaps once a second) but a script
does at once (the review saw 300 ideas a minute). A refused write keeps what was typed:
views catch ``Throttled`` and show the form again (status 429); JSON callers get
``{"error": ..., "status": 429}`` with ``Retry-After``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from math import ceil
from time import time

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.i18n import ngettext
from ideaboard.core.problems import API_LANGUAGE, is_api_request

# Each limit's name, the setting that holds it (config.py has the defaults), and the
# message a refused person reads (it names what was refused, then when to try again):
# lazy, read in the person's language (the API's in English: see Throttled).
LIMITS: dict[str, tuple[str, LazyString]] = {
    "login_account": ("RATELIMIT_LOGIN_ACCOUNT",
                      _l("Too many attempts to log in to this account.")),
    "login_address": ("RATELIMIT_LOGIN_ADDRESS",
                      _l("Too many attempts to log in from your network.")),
    "reset_account": ("RATELIMIT_RESET_ACCOUNT",
                      _l("Several reset links were sent to this address a short while ago.")),
    "idea": ("RATELIMIT_IDEAS", _l("You have posted many ideas in a short time.")),
    "comment": ("RATELIMIT_COMMENTS", _l("You have posted many comments in a short time.")),
    "reply": ("RATELIMIT_REPLIES", _l("You have posted many replies in a short time.")),
    "edit": ("RATELIMIT_EDITS", _l("You have saved many edits in a short time.")),
    "vote": ("RATELIMIT_VOTES", _l("You have voted many times in a short time.")),
    "follow": ("RATELIMIT_FOLLOWS",
               _l("You have followed and unfollowed many ideas in a short time.")),
    "flag": ("RATELIMIT_FLAGS", _l("You have reported a lot of content in a short time.")),
    "mention": ("RATELIMIT_MENTIONS", _l("You have mentioned many colleagues in a short time.")),
    "saml_start": ("RATELIMIT_SAML_STARTS",
                   _l("Many SAML sign-ins were started from your network a short while ago.")),
    "api": ("RATELIMIT_API", _l("This token has made many requests in a short time.")),
}
_EXTENSION = "ideaboard.throttle"


class Throttled(TooManyRequests):
    """A limit refused this request: 429, a message safe to show, and ``Retry-After``.
    The message is in the request's language; under /api/ in English, as the API is."""

    retry_after: int

    def __init__(self, message: str | LazyString, retry_after: int) -> None:
        seconds = max(1, retry_after)
        with _api_in_english():
            description = _("%(refused)s Please wait %(wait)s and try again.",
                            refused=str(message), wait=_wait(seconds))
        super().__init__(description, retry_after=seconds)


def _api_in_english() -> contextlib.AbstractContextManager:
    """English for a request under /api/ (``core.problems``); else the request's own."""
    if has_request_context() and is_api_request():
        return force_locale(API_LANGUAGE)
    return contextlib.nullcontext()


def _wait(seconds: int) -> str:
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = ceil(seconds / 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


class Throttle:
    """The app's limits over one shared store (built by ``register``)."""

    def __init__(self, config: Mapping) -> None:
        self.enabled = bool(config.get("RATELIMIT_ENABLED"))
        self.prefix = config.get("RATELIMIT_KEY_PREFIX") or "ideaboard"
        storage = storage_from_string(config["RATELIMIT_STORAGE_URI"],
                                      **(config.get("RATELIMIT_STORAGE_OPTIONS") or {}))
        self.strategy = MovingWindowRateLimiter(storage)
        self.limits: dict[str, list[RateLimitItem]] = {
            name: parse_many(config[setting]) for name, (setting, _message) in LIMITS.items()
        }

    def _ids(self, name: str, key: str) -> tuple[str, ...]:
        return (self.prefix, name, key)

    def check(self, name: str, key: str, cost: int = 1) -> None:
        """Raise ``Throttled`` if ``cost`` more would exceed a limit; counts nothing."""
        if not self.enabled:
            return
        for item in self.limits[name]:
            if not self.strategy.test(item, *self._ids(name, key), cost=cost):
                self._refuse(name, key, item)

    def hit(self, name: str, key: str, cost: int = 1) -> None:
        """Count ``cost`` against every limit of ``name`` for ``key``; raise ``Throttled``
        (having counted nothing more) when one of them is already spent."""
        if not self.enabled or cost <= 0:
            return
        self.check(name, key, cost)
        for item in self.limits[name]:
            # A moving window refuses without counting, so a racing request that got past
            # the check above is still refused here, never counted twice.
            if not self.strategy.hit(item, *self._ids(name, key), cost=cost):
                self._refuse(name, key, item)

    def _refuse(self, name: str, key: str, item: RateLimitItem) -> None:
        reset = self.strategy.get_window_stats(item, *self._ids(name, key)).reset_time
        refused = Throttled(LIMITS[name][1], ceil(reset - time()))
        if has_request_context():
            # A view that shows its form again (429) gets the hint too: see register.
            g.throttled_retry_after = refused.retry_after
        raise refused


def throttle() -> Throttle:
    """The current app's limits."""
    return current_app.extensions[_EXTENSION]


# --- keys ----------------------------------------------------------------------


def client_address() -> str:
    """The client's address: the socket's peer, or what ProxyFix took from trusted proxies."""
    return request.remote_addr or "unknown"


def person_key(user) -> str:
    """What a person's writes are counted under."""
    return f"user:{user.id}"


def account_key(account: str) -> str:
    """What requests about an account (its normalised e-mail) are counted under."""
    return f"account:{account}"


# --- what views call ---------------------------------------------------------------


def check_login(account: str) -> None:
    """Before checking a password for ``account`` (the normalised e-mail): raise
    ``Throttled`` if the account or the client's address has had too many failed
    attempts. Counts nothing."""
    limits = throttle()
    limits.check("login_account", account_key(account))
    limits.check("login_address", client_address())


def failed_login(account: str) -> None:
    """Count one wrong password for ``account`` (the normalised e-mail) from the client's
    address."""
    limits = throttle()
    for name, key in (("login_account", account_key(account)),
                      ("login_address", client_address())):
        # Already at the limit: the next attempt is refused by check_login.
        with contextlib.suppress(Throttled):
            limits.hit(name, key)


def limit_account(name: str, account: str) -> None:
    """Count one request about ``account`` (the normalised e-mail); raise ``Throttled``
    when over."""
    throttle().hit(name, account_key(account))


def limit_address(name: str) -> None:
    """Count one request from this client's address; raise ``Throttled`` when over."""
    throttle().hit(name, client_address())


def spend_token(token_id: int) -> None:
    """Count one API request made with the token ``token_id``; raise ``Throttled`` when
    over (the API's own limit, besides the person's limits on what it writes)."""
    throttle().hit("api", f"token:{token_id}")


def spend(name: str, user, cost: int = 1) -> None:
    """Count one write (or ``cost`` of them) by ``user``; raise ``Throttled`` when over."""
    throttle().hit(name, person_key(user), cost)


# --- set-up --------------------------------------------------------------------


def register(app: Flask) -> None:
    """Build the app's limits, trust the configured proxies, answer ``Throttled``, and warn
    when memory limits are multiplied by several workers."""
    app.extensions[_EXTENSION] = Throttle(app.config)
    hops = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]

    @app.after_request
    def retry_after_on_forms_shown_again(response):
        """A form page shown again with a limit's message (429) says when to retry."""
        if response.status_code == 429 and "Retry-After" not in response.headers \
                and "throttled_retry_after" in g:
            response.headers["Retry-After"] = str(g.throttled_retry_after)
        return response

    @app.errorhandler(Throttled)
    def throttled(error: Throttled):
        from ideaboard.core.errors import render_error

        return render_error(429, error.description,
                            headers={"Retry-After": str(error.retry_after)})

    warn_if_limits_per_process(app.config, app.logger)
    warn_if_address_limit_too_low(app.extensions[_EXTENSION], app.logger)


def _most_within(items: list[RateLimitItem], seconds: int) -> int:
    """The most attempts ``items`` (all applying at once) let through in ``seconds``."""
    return min(item.amount * ceil(seconds / item.get_expiry()) for item in items)


def warn_if_address_limit_too_low(limits: Throttle, logger: logging.Logger) -> bool:
    """Log a warning (and return True) when hammering one account could use up its
    address's limit, so that an attacker would lock out colleagues behind the same address
    (see the module's docstring)."""
    account = limits.limits["login_account"]
    low = [item for item in limits.limits["login_address"]
           if _most_within(account, item.get_expiry()) >= item.amount]
    if not low:
        return False
    logger.warning(
        "RATELIMIT_LOGIN_ADDRESS (%s) lets no more attempts through than hammering one "
        "account can make (RATELIMIT_LOGIN_ACCOUNT); an attacker could then lock out "
        "everyone behind the same address. Raise it above the account limit.",
        "; ".join(str(item) for item in low))
    return True


def worker_count(argv: Sequence[str] | None = None,
                 environ: Mapping[str, str] | None = None) -> int:
    """How many worker processes serve the app: gunicorn's ``-w``/``--workers`` (on its
    command line or in ``GUNICORN_CMD_ARGS``), else ``WEB_CONCURRENCY`` (gunicorn's own
    default for it), else 1."""
    argv = list(sys.argv if argv is None else argv)
    environ = os.environ if environ is None else environ
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    if argv and os.path.basename(argv[0]).startswith("gunicorn"):
        args = argv[1:] + args
    if args:
        from gunicorn.config import Config as GunicornConfig

        parsed, _unknown = GunicornConfig().parser().parse_known_args(args)
        if parsed.workers:
            return int(parsed.workers)
    try:
        return max(1, int(environ.get("WEB_CONCURRENCY", "1")))
    except ValueError:
        return 1


def warn_if_limits_per_process(config: Mapping, logger: logging.Logger) -> bool:
    """Log a warning (and return True) when limits are on, kept in memory, and several
    workers each keep their own count: every limit is then that many times looser."""
    if not config.get("RATELIMIT_ENABLED"):
        return False
    if not str(config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        return False
    workers = worker_count()
    if workers <= 1:
        return False
    logger.warning(
        "Rate limits are kept in each process's memory and %d workers are running, so every "
        "limit (log-in attempts included) is %d times looser than configured. Set "
        "IDEABOARD_REDIS_URL to share one count.", workers, workers)
    return True

"""What the application keeps between requests: results and rendered fragments, per app.

The most viewed pages are cheap because what they work out again and again is kept:
the HTML of an idea card, a comment thread or a review queue row, the options of the
department select, the selects built once per kind of list. Everything kept follows the
same three rules, written here once:

- **Keyed by everything it depends on.** A kept value is a pure function of its key, so
  a change to anything it shows (a vote, an edit, another viewer's rights, the hour it
  is read in) is another key: nothing kept can go stale, it can only go unused. The
  language it is shown in is part of every key, added here (``_language``), so no
  cache can hand a German reader a fragment kept in English.
- **Bounded.** Each cache is an LRU of a stated size, chosen from what one entry costs.
- **Held by the application** (``app.extensions["ideaboard.kept"]``), never by a module:
  two applications in one process (the tests make hundreds) never share an entry, and
  dropping an application drops what it kept.

``per_app`` keeps the results of a function; ``KeptFragment`` keeps the markup of a
template macro. Markup kept across requests cannot hold the viewer's CSRF token, so a
fragment is rendered with ``TOKEN_SLOT`` in its place and ``with_token`` puts the
token in per request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, ParamSpec, TypeVar, cast

from flask import Flask, current_app
from markupsafe import Markup, escape
from werkzeug.local import LocalProxy

from ideaboard.core.i18n import current_locale

EXTENSION = "ideaboard.kept"

P = ParamSpec("P")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


def _app() -> Flask:
    """The application of the current context, without going through its proxy again."""
    # current_app is declared as the Flask object it stands for; it is its proxy.
    return cast("LocalProxy[Flask]", current_app)._get_current_object()


def _language() -> str:
    """The current language's code: part of every kept value's key."""
    locale = current_locale()
    return str(locale) if locale is not None else ""


def _kept(app: Flask) -> dict[str, Any]:
    """The application's kept caches by name, created on first use."""
    kept = app.extensions.get(EXTENSION)
    if kept is None:
        kept = app.extensions[EXTENSION] = {}
    return kept


class PerApp(Generic[P, R]):
    """A function whose results each application keeps in a bounded LRU (see ``per_app``)."""

    def __init__(self, function: Callable[P, R], maxsize: int | None) -> None:
        self.function = function
        self.maxsize = maxsize
        self.name = f"{function.__module__}.{function.__qualname__}"
        functools.update_wrapper(self, function)

    def cache(self, app: Flask) -> Callable[..., R]:
        """This application's cached ``function`` (an ``lru_cache`` wrapper: its
        ``cache_info`` and ``cache_clear`` are the application's)."""
        kept = _kept(app)
        cached = kept.get(self.name)
        if cached is None:
            function = self.function

            def in_language(language: str, *args: Any, **kwargs: Any) -> R:
                del language  # the key: the function renders in the current language
                return function(*args, **kwargs)

            cached = kept[self.name] = functools.lru_cache(self.maxsize)(in_language)
        return cached

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.cache(_app())(_language(), *args, **kwargs)


def per_app(maxsize: int | None) -> Callable[[Callable[P, R]], PerApp[P, R]]:
    """Keep a function's results per application, at most ``maxsize`` of them (None: no
    bound, for a key with a handful of values such as the dialect). The arguments are
    the key, so they must be hashable and hold everything the result depends on.
    Called in an application context."""

    def decorate(function: Callable[P, R]) -> PerApp[P, R]:
        return PerApp(function, maxsize)

    return decorate


# Stands for the CSRF token in markup kept across requests (the token differs between
# sessions): a placeholder, not a secret.
TOKEN_SLOT = "___csrf_token___"  # nosec B105


def with_token(html: str, token: str) -> Markup:
    """Kept markup with the viewer's CSRF token put in its slots. ``html`` must come from
    an autoescaping template (a ``KeptFragment``)."""
    return Markup(html.replace(TOKEN_SLOT, str(escape(token))))  # nosec B704


class KeptFragment(Generic[K]):
    """The markup of one template macro for a key, kept per application in a bounded LRU.

    ``arguments(key)`` gives the macro's arguments (a form that needs the CSRF token
    passes ``TOKEN_SLOT`` for it). Only for a key not kept is ``arguments`` called and
    the macro rendered, so the work of making what a fragment shows (links, labels,
    dates) is paid once per key too. The macro must use nothing but its arguments (no
    ``can()``, ``current_user`` or ``request``): that is what makes its markup a pure
    function of the key. While templates reload on change (development), or with
    ``KEEP_FRAGMENTS`` off (the benchmark's cold pass), every call renders.
    """

    def __init__(self, template: str, macro: str, arguments: Callable[[K], tuple], *,
                 maxsize: int) -> None:
        self.template = template
        self.macro = macro
        self.arguments = arguments
        self.maxsize = maxsize
        self.name = f"{template}:{macro}"

    def renderers(self, app: Flask) -> tuple[Callable[[str, K], str], Callable[[str, K], str]]:
        """This application's (render every time, render or take the kept markup)."""
        kept = _kept(app)
        renderers = kept.get(self.name)
        if renderers is None:
            macro = getattr(app.jinja_env.get_template(self.template).module, self.macro)
            arguments = self.arguments

            def render(language: str, key: K) -> str:
                del language  # the key: the macro renders in the current language
                return str(macro(*arguments(key)))

            keep = app.config.get("KEEP_FRAGMENTS", True) and not app.jinja_env.auto_reload
            cached = functools.lru_cache(self.maxsize)(render) if keep else render
            renderers = kept[self.name] = (render, cached)
        return renderers

    def cache(self, app: Flask) -> Callable[[str, K], str]:
        """This application's kept renderer of (language, key) (an ``lru_cache`` wrapper
        unless templates reload)."""
        return self.renderers(app)[1]

    def html(self, key: K, *, keep: bool = True) -> str:
        """The fragment's markup for ``key``, its token slots unfilled; ``keep=False``
        renders it without keeping it (a fragment too large to be worth its memory)."""
        render, cached = self.renderers(_app())
        return (cached if keep else render)(_language(), key)

    def join(self, keys: Iterable[K], token: str | None = None, *, before: str = "",
             after: str = "", separator: str = "") -> Markup:
        """The markup of every key in order, each between ``before`` and ``after``, with
        ``token`` (the viewer's CSRF token) in its slots: one call for a whole list."""
        cached = self.renderers(_app())[1]
        language = _language()
        html = separator.join([before + cached(language, key) + after for key in keys])
        if token is None:
            # Each part from the autoescaping macro.
            return Markup(html)  # nosec B704
        return with_token(html, token)

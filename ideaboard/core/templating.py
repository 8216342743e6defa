"""What every template may use: the permission policy, labels and date filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, has_app_context, has_request_context, request, url_for
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.widgets import html_params

from ideaboard.core.i18n import current_locale, gettext
from ideaboard.core.kept import per_app
from ideaboard.core.permissions import can
from ideaboard.database import utcnow

_UNITS = (("year", 31_536_000), ("month", 2_592_000), ("week", 604_800),
          ("day", 86_400), ("hour", 3_600), ("minute", 60))
# English's phrases, whole; every other language takes its own from Babel's CLDR data.
_AGO = {"year": ("{n} year ago", "{n} years ago"), "month": ("{n} month ago", "{n} months ago"),
        "week": ("{n} week ago", "{n} weeks ago"), "day": ("{n} day ago", "{n} days ago"),
        "hour": ("{n} hour ago", "{n} hours ago"),
        "minute": ("{n} minute ago", "{n} minutes ago")}
_AHEAD = {"year": ("in {n} year", "in {n} years"), "month": ("in {n} month", "in {n} months"),
          "week": ("in {n} week", "in {n} weeks"), "day": ("in {n} day", "in {n} days"),
          "hour": ("in {n} hour", "in {n} hours"),
          "minute": ("in {n} minute", "in {n} minutes")}


def _locale() -> Locale | None:
    """The current request's (or forced) language; None outside an application, or in
    English, whose formats are written here (the fast path of every page)."""
    locale = current_locale()
    return None if locale is None or locale.language == "en" else locale


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    """A short relative time: "3 days ago", or for a time to come "in 2 days"; "just
    now" within a minute either way. In the current language."""
    if value is None:
        return ""
    seconds = int(((now or utcnow()) - value).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in _UNITS:
        if seconds >= size:
            count = seconds // size
            locale = _locale()
            if locale is not None:
                # Babel reads a positive delta as to come. The whole units only, as in
                # English: a threshold of 1 stops Babel from rounding 6 days up to "1 week".
                return babel_dates.format_timedelta(
                    timedelta(seconds=(count if future else -count) * size), threshold=1,
                    granularity=cast(Any, unit), add_direction=True, locale=locale)
            return (_AHEAD if future else _AGO)[unit][count != 1].format(n=count)
    return gettext("just now") if has_app_context() else "just now"


def iso_date(value: datetime | None) -> str:
    """A date as machines and the CSV export write it: 2026-12-01."""
    return value.strftime("%Y-%m-%d") if value else ""


def exact_time(value: datetime | None, *, seconds: bool = False) -> str:
    """The exact time people read beside a relative one: "1 Dec 2026, 15:04 UTC"
    (with ``seconds``, "1 Dec 2026, 15:04:05 UTC"), in UTC as stored, in the current
    language's way of writing a date."""
    if value is None:
        return ""
    locale = _locale()
    if locale is not None:
        day = babel_dates.format_skeleton("yMMMd", value, locale=locale)
        clock = babel_dates.format_skeleton("Hms" if seconds else "Hm", value, locale=locale)
        # The language's own order of the date and the time ("{1}, {0}" in most).
        pattern = str(locale.datetime_formats["medium"])
        return f"{pattern.replace('{1}', day).replace('{0}', clock)} UTC"
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{value.day} {value.strftime(f'%b %Y, {clock} UTC')}"


# Kept for the templates and modules that name it: the exact time (see exact_time).
iso_datetime = exact_time


def when(value: datetime | None, *, exact: bool = False, relative: str | None = None,
         now: datetime | None = None) -> Markup:
    """The one way a page shows a moment: a ``<time>`` element with the machine-readable
    ``datetime``, the relative time ("3 days ago", "in 2 days") as its text and the exact
    one in its ``title`` (shown on hover). With ``exact`` (the audit trail, where the
    second matters) the exact time to the second is the text and the relative one the
    title. ``relative``: the text already worked out (a kept card's age, which is part
    of its key). Empty for no time."""
    if value is None:
        return Markup("")
    ago = relative if relative is not None else time_ago(value, now)
    if exact:
        text, title = exact_time(value, seconds=True), ago
    else:
        text, title = ago, exact_time(value)
    # Written with escape() rather than Markup.format, whose formatter (string.Formatter,
    # in Python) cost a sixth of the notifications page: thirty times on it.
    return Markup(  # nosec B704: the two texts escaped, the ISO date only digits and signs
        f'<time datetime="{value.isoformat()}" title="{escape(title)}">{escape(text)}</time>')


# The pages and files every page links to (the navigation, the stylesheet, the scripts):
# name -> (endpoint, the values url_for builds it with).
SITE_LINKS: dict[str, tuple[str, dict[str, Any]]] = {
    "css": ("static", {"filename": "css/app.css"}),
    "favicon": ("static", {"filename": "favicon.svg"}),
    "app_js": ("static", {"filename": "js/app.js"}),
    "vote_js": ("static", {"filename": "js/vote.js"}),
    "ideas": ("ideas.index", {}),
    "new_idea": ("ideas.new", {}),
    "campaigns": ("campaigns.index", {}),
    "review": ("review.queue", {}),
    "impact": ("analytics.impact", {}),
    "analytics": ("analytics.index", {}),
    "admin": ("admin.users", {}),
    "notifications": ("notifications.index", {}),
    "account": ("accounts.account", {}),
    "logout": ("accounts.logout", {}),
    "login": ("accounts.login", {}),
    "signup": ("accounts.signup", {}),
    "help": ("help.index", {}),
}


def site_links() -> dict[str, str]:
    """The URLs of ``SITE_LINKS``, built once per application rather than on every page.

    They depend only on the application's URL map and the prefix it is mounted under,
    so they are kept per script root. (Nine ``url_for`` calls were a tenth of the cost of
    an empty page.)
    """
    return _site_links(request.script_root)


@per_app(maxsize=8)  # a server has one or two prefixes; never grow without bound
def _site_links(script_root: str) -> dict[str, str]:
    del script_root  # the key: url_for builds under the request's own
    return {name: url_for(endpoint, **values) for name, (endpoint, values) in SITE_LINKS.items()}


def select_options(field) -> Markup:
    """The ``<option>`` elements of a WTForms select field, as its Select widget writes
    them, kept per distinct list of options: a select of 30 departments written option
    by option cost a tenth of the idea list page."""
    return _options_html(tuple(
        (str(choice.value), str(choice.label), bool(choice.selected),
         tuple(sorted((choice.render_kw or {}).items())))
        for choice in field.iter_choices()))


@per_app(maxsize=256)
def _options_html(choices: tuple[tuple[str, str, bool, tuple], ...]) -> Markup:
    return Markup("").join(_option(*choice) for choice in choices)


def _option(value: str, label: str, selected: bool, extra: tuple) -> Markup:
    if not extra:  # the usual case, without building an attribute dict
        return Markup('<option {}value="{}">{}</option>').format(
            Markup("selected ") if selected else "", value, label)
    attributes = dict(extra, value=value, **({"selected": True} if selected else {}))
    # html_params escapes the values.
    params = Markup(html_params(**attributes))  # nosec B704
    return Markup("<option {}>{}</option>").format(params, label)


def shown(text: str | LazyString) -> Markup:
    """A text a page shows, escaped: a lazy one (``_l``) read in the current language
    first (Flask-Babel's LazyString passes itself off as markup, so ``escape`` would let
    it through as it is); markup (a template's ``_()``) as it is."""
    return escape(str(text)) if isinstance(text, LazyString) else escape(text)


def page_header(title: str | LazyString, lead: str | LazyString | None = None,
                above: str | None = None,
                id: str | None = None, class_: str = "page-header",
                lead_class: str = "page-lead muted", caller: Callable[[], str] | None = None,
                ) -> Markup:
    """The top of every page: its one ``<h1>``, a lead line under it and the page's
    actions, the body of a ``{% call page_header(...) %}`` (none when it is empty). In a
    "page-header" the actions sit beside the title and the lead under both (app.css).

    ``above``: markup over the title (an idea's status pill); ``id``: the ``<h1>``'s id,
    for a section it names; ``class_``: the header's class ("idea-header" on an idea's
    pages, "" for none). A template global rather than a macro: importing a macro costs
    every page about 10 us, more than this takes.
    """
    # Plain string building, every value escaped: Markup.format would cost as much again.
    html = f'<header class="{escape(class_)}">' if class_ else "<header>"
    if above:
        html += f"\n{escape(above)}"
    html += f'\n<h1 id="{escape(id)}">' if id else "\n<h1>"
    html += f"{shown(title)}</h1>"
    if lead:
        html += f'\n<p class="{escape(lead_class)}">{shown(lead)}</p>'
    actions = caller() if caller is not None else ""
    if actions.strip():
        html += f'\n<div class="page-actions">{escape(actions)}</div>'
    return Markup(html + "\n</header>")  # nosec B704: built of escaped parts only


def register(app: Flask) -> None:
    from ideaboard.core import i18n
    from ideaboard.core.avatars import avatar

    # fields writes its selects with select_options
    from ideaboard.core.fields import error_summary, field, note_form_errors

    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["date"] = iso_date
    app.jinja_env.filters["datetime"] = iso_datetime
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals["select_options"] = select_options
    app.jinja_env.globals["field"] = field
    app.jinja_env.globals["page_header"] = page_header
    app.jinja_env.globals["note_form_errors"] = note_form_errors
    app.jinja_env.globals["error_summary"] = error_summary
    app.jinja_env.globals["avatar"] = avatar
    app.jinja_env.filters["number"] = i18n.number
    app.jinja_env.globals["locale_code"] = i18n.locale_code
    app.jinja_env.globals["text_direction"] = i18n.text_direction

    @app.context_processor
    def policy():
        # The user object, not Flask-Login's proxy: every attribute read through the
        # proxy costs a context lookup, and a page asks dozens.
        viewer = current_user._get_current_object()

        def user_can(action: str, obj=None) -> bool:
            return can(viewer, action, obj)

        # E-mails are rendered by CLI commands too, outside any request.
        links = site_links() if has_request_context() else {}
        return {"can": user_can, "viewer": viewer, "site_links": links}

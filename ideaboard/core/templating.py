"""What every template may use: the permission policy, labels and date filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.widgets import html_params

from ideaboard.core.kept import per_app
from ideaboard.core.permissions import can
from ideaboard.database import utcnow

_UNITS = (("year", 31_536_000), ("month", 2_592_000), ("week", 604_800),
          ("day", 86_400), ("hour", 3_600), ("minute", 60))
# The relative phrases, whole, so that each can be translated as a sentence.
_AGO = {"year": ("{n} year ago", "{n} years ago"), "month": ("{n} month ago", "{n} months ago"),
        "week": ("{n} week ago", "{n} weeks ago"), "day": ("{n} day ago", "{n} days ago"),
        "hour": ("{n} hour ago", "{n} hours ago"),
        "minute": ("{n} minute ago", "{n} minutes ago")}
_AHEAD = {"year": ("in {n} year", "in {n} years"), "month": ("in {n} month", "in {n} months"),
          "week": ("in {n} week", "in {n} weeks"), "day": ("in {n} day", "in {n} days"),
          "hour": ("in {n} hour", "in {n} hours"),
          "minute": ("in {n} minute", "in {n} minutes")}


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    """A short relative time: "3 days ago", or for a time to come "in 2 days"; "just
    now" within a minute either way."""
    if value is None:
        return ""
    seconds = int(((now or utcnow()) - value).total_seconds())
    phrases = _AGO if seconds >= 0 else _AHEAD
    seconds = abs(seconds)
    for unit, size in _UNITS:
        if seconds >= size:
            count = seconds // size
            return phrases[unit][count != 1].format(n=count)
    return "just now"


def iso_date(value: datetime | None) -> str:
    """A date as machines and the CSV export write it: 2026-12-01."""
    return value.strftime("%Y-%m-%d") if value else ""


def exact_time(value: datetime | None, *, seconds: bool = False) -> str:
    """The exact time people read beside a relative one: "1 Dec 2026, 15:04 UTC"
    (with ``seconds``, "1 Dec 2026, 15:04:05 UTC"), in UTC as stored."""
    if value is None:
        return ""
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


def page_header(title: str, lead: str | None = None, above: str | None = None,
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
    html += f"{escape(title)}</h1>"
    if lead:
        html += f'\n<p class="{escape(lead_class)}">{escape(lead)}</p>'
    actions = caller() if caller is not None else ""
    if actions.strip():
        html += f'\n<div class="page-actions">{escape(actions)}</div>'
    return Markup(html + "\n</header>")  # nosec B704: built of escaped parts only


def register(app: Flask) -> None:
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

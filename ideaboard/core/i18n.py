"""Languages: which one a request is in, and the catalogues that translate it.

Every visible text is marked for translation: ``_()`` and ``{% trans %}`` in templates,
``gettext``/``ngettext`` (as ``_``) in code that runs in a request and ``lazy_gettext``
(as ``_l``) in what is defined once and shown later (form labels, choices, constants).
Flask-Babel finds the catalogues in ``ideaboard/translations`` (``make translations``
extracts and compiles them; ``.mo`` files are built, never committed).

A request's language is, in order: the person's own choice (``User.locale``, on their
account page), the browser's ``Accept-Language`` among the languages with a catalogue,
then ``IDEABOARD_DEFAULT_LOCALE``. E-mails are written in their recipient's language
(``in_language``), whoever's request queued them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from sqlalchemy.types import String, TypeDecorator
from wtforms.i18n import messages_path

from ideaboard.core.problems import API_LANGUAGE, is_api_request

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    code: str
    # The language's name in itself: how its readers find it in a list of languages.
    name: str


# The languages Ideaboard ships, English first (the source text). A language is offered
# once its compiled catalogue is in the build (``available_languages``).
LANGUAGES: tuple[Language, ...] = (
    Language("en", "English"),
    Language("de", "Deutsch"),
    Language("fr", "Français"),
    Language("es", "Español"),
    Language("ar", "العربية"),
)
SOURCE_LANGUAGE = "en"


def available_languages(app: Flask | None = None) -> tuple[Language, ...]:
    """The languages this installation offers: English and every language whose
    compiled catalogue is present, in ``LANGUAGES`` order, then any further catalogue
    the configuration adds (``BABEL_TRANSLATION_DIRECTORIES``: the tests' pseudo-locale)."""
    app = app or current_app
    kept = app.extensions.get("ideaboard.languages")
    if kept is None:
        present = {SOURCE_LANGUAGE}
        for directory in _directories(app):
            present |= {path.parent.parent.name
                        for path in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
        known = {language.code for language in LANGUAGES}
        kept = tuple(language for language in LANGUAGES if language.code in present) + tuple(
            Language(code, Locale.parse(code).get_display_name(code) or code)
            for code in sorted(present - known))
        app.extensions["ideaboard.languages"] = kept
    return kept


def _directories(app: Flask) -> list[Path]:
    configured = app.config.get("BABEL_TRANSLATION_DIRECTORIES") or str(TRANSLATIONS)
    return [Path(part) for part in str(configured).split(";") if part]


def language_codes(app: Flask | None = None) -> list[str]:
    """The codes of ``available_languages``."""
    return [language.code for language in available_languages(app)]


def select_locale() -> str:
    """The language of this request (see the module's doc); Flask-Babel asks once per
    request and keeps the answer."""
    codes = language_codes()
    if has_request_context():
        if is_api_request():
            return API_LANGUAGE  # its data too: an erased person's name (PersonName)
        chosen = getattr(current_user, "locale", None) if current_user else None
        if chosen in codes:
            return chosen
        if best := _browser_language(codes):
            return best
    default = current_app.config.get("DEFAULT_LOCALE") or SOURCE_LANGUAGE
    return default if default in codes else SOURCE_LANGUAGE


def _browser_language(codes: list[str]) -> str | None:
    """The first language of ``Accept-Language``, in its order of preference, that is
    offered or whose primary language is: "de-CH, en;q=0.5" is German, where werkzeug's
    ``best_match`` takes the exact but less wanted English."""
    for value, _quality in request.accept_languages:
        code = value.replace("-", "_")
        for candidate in (code, code.split("_")[0]):
            match = next((offered for offered in codes
                          if offered.lower() == candidate.lower()), None)
            if match:
                return match
    return None


def current_locale() -> Locale | None:
    """Flask-Babel's ``get_locale``, read straight from its context once chosen: its own
    goes through ``flask.g``'s proxy and ``current_app`` on every call, and a page asks
    a few hundred times (each date, number and kept fragment). None outside an app."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    babel_context = getattr(app_context.g, "_flask_babel", None)
    locale = getattr(babel_context, "babel_locale", None)
    return locale if locale is not None else get_locale()


def current_language() -> str:
    """The code of the current language, as a catalogue's folder names it (``de``)."""
    locale = current_locale()
    return str(locale) if locale else SOURCE_LANGUAGE


def text_direction() -> str:
    """``rtl`` for a right-to-left language (Arabic), else ``ltr``: ``<html dir>``."""
    locale = current_locale()
    return locale.text_direction if locale else "ltr"


def locale_code() -> str:
    """The current language's code as ``<html lang>`` wants it (``de``, ``pt-BR``)."""
    locale = current_locale()
    return str(locale).replace("_", "-") if locale else SOURCE_LANGUAGE


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Render (an e-mail, a notification) in ``code``, a person's chosen language; with
    None or a language not offered, in the installation's default."""
    codes = language_codes()
    default = current_app.config.get("DEFAULT_LOCALE") or SOURCE_LANGUAGE
    chosen = code if code in codes else (default if default in codes else SOURCE_LANGUAGE)
    with force_locale(chosen):
        yield


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction and return it as it is: a sentence kept in a
    table of sentences and made a ``Text`` (or translated) where it is used."""
    return msgid


# The name an erased person's account keeps (privacy.erasure): stored in English, as
# every name is stored as it was given, and read in the reader's language.
FORMER_COLLEAGUE = N_("Former colleague")


def person_name(name: str) -> str:
    """A person's name as the reader sees it: as stored, but an erased person's in the
    current language."""
    return gettext(FORMER_COLLEAGUE) if name == FORMER_COLLEAGUE else name


class PersonName(TypeDecorator):
    """The column of a person's name (``users.display_name``): what a statement reads
    from it goes through ``person_name``, so every page, list and e-mail that shows a
    name shows an erased person's in its reader's language, without a step of its own.
    Only reading: a name is written as given."""

    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value if value != FORMER_COLLEAGUE else person_name(value)


class Text:
    """A sentence to be written later, in its reader's language: a notification kept
    for someone who reads German, an e-mail queued by an English-speaking admin.

    ``Text("%(who)s commented on %(title)s.", who=..., title=...)`` marks the sentence
    for extraction (``Text`` is a keyword of tools/translations.py) and keeps its
    values; ``str(text)`` writes it in the current language, ``english`` in the source
    language. ``as_json``/``from_json`` keep it in a JSON column. A plural:
    ``Text.plural("%(num)d new comment", "%(num)d new comments", n, ...)``.
    """

    __slots__ = ("count", "msgid", "plural_id", "values")

    def __init__(self, msgid: str, /, **values: str | int | float | date | Text) -> None:
        self.msgid, self.values = msgid, values
        self.plural_id: str | None = None
        self.count: int | None = None

    @classmethod
    def plural(cls, singular: str, plural: str, count: int, /,
               **values: str | int | float | date | Text) -> Text:
        """A sentence with a singular and a plural, chosen by ``count`` (``%(num)d``)."""
        text = cls(singular, **values)
        text.plural_id, text.count = plural, count
        return text

    def __str__(self) -> str:
        # A value that is itself a Text (a sentence within a sentence) is written first,
        # a date as the language writes one.
        values = {name: str(value) if isinstance(value, Text)
                  else long_date(value) if isinstance(value, date)
                  else number(value) if isinstance(value, float)
                  else person_name(value) if isinstance(value, str) else value
                  for name, value in self.values.items()}
        if self.plural_id is not None and self.count is not None:
            return ngettext(self.msgid, self.plural_id, self.count, **values)
        return gettext(self.msgid, **values)

    @property
    def english(self) -> str:
        """The sentence in the source language (what search and the API read)."""
        values = {name: value.english if isinstance(value, Text)
                  else f"{value.day} {value:%B %Y}" if isinstance(value, date)
                  else f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float)
                  else value
                  for name, value in self.values.items()}
        if self.plural_id is not None and self.count is not None:
            chosen = self.msgid if self.count == 1 else self.plural_id
            return chosen % {"num": self.count, **values}
        return self.msgid % values if values else self.msgid

    def as_json(self) -> dict:
        """What a JSON column keeps of it."""
        values = {name: {"text": value.as_json()} if isinstance(value, Text)
                  else {"date": value.isoformat()} if isinstance(value, date) else value
                  for name, value in self.values.items()}
        kept: dict = {"msgid": self.msgid, "values": values}
        if self.plural_id is not None:
            kept |= {"plural": self.plural_id, "count": self.count}
        return kept

    @classmethod
    def from_json(cls, kept: dict) -> Text:
        """The sentence ``as_json`` kept."""
        values = {name: _value_from_json(value) for name, value in kept.get("values", {}).items()}
        if "plural" in kept:
            return cls.plural(kept["msgid"], kept["plural"], kept["count"], **values)
        return cls(kept["msgid"], **values)

    def __repr__(self) -> str:
        return f"Text({self.english!r})"


# --- translating, fast --------------------------------------------------------------
# Flask-Babel's gettext finds the request's catalogue anew on every call (the domain, the
# translations, the locale, each through flask.g's proxy, and the locale written out
# as the cache key): about 19 us a text, 2 ms on a page of a hundred texts. These keep
# the catalogue on Flask-Babel's own context beside the locale object it was chosen
# for: force_locale and refresh replace that object, so a stale catalogue is never read.
_NO_TRANSLATIONS = NullTranslations()


def _translations():
    app_context = _cv_app.get(None)
    if app_context is None:
        return _NO_TRANSLATIONS
    babel_context = getattr(app_context.g, "_flask_babel", None)
    if babel_context is not None:
        kept = getattr(babel_context, "ideaboard_translations", None)
        locale = getattr(babel_context, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
    translations = get_translations()
    babel_context = app_context.g._flask_babel  # made by get_translations
    babel_context.ideaboard_translations = (current_locale(), translations)
    return translations


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, with the request's catalogue found once."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext`` (``%(num)d`` in the text), with the catalogue found once."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    """Flask-Babel's ``pgettext``, with the catalogue found once."""
    text = _translations().upgettext(context, string)
    return text % variables if variables else text


@functools.cache
def _wtforms_catalogue(code: str) -> NullTranslations:
    return Translations.load(messages_path(), [code], domain="wtforms")


def wtforms_translations() -> NullTranslations:
    """WTForms' own messages ("Not a valid integer value.") in the current language, from
    its catalogue read once per process: Flask-WTF reads and parses it anew on every
    request that builds a form (0.3-0.4 ms)."""
    return _wtforms_catalogue(current_language())


def lazy_gettext(string: str, **variables) -> LazyString:
    """``gettext`` when the text is written out: a form's label, a table of labels."""
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    """``ngettext`` when the text is written out."""
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    """``pgettext`` when the text is written out."""
    return LazyString(pgettext, context, string, **variables)


# How long a quoted title may be in a sentence (a notification, an e-mail's subject).
QUOTED_MAX = 120


def quoted(title: str) -> Text:
    """``title`` in quotation marks as its reader's language writes them (“…” in English,
    „…“ in German, « … » in French), cut to ``QUOTED_MAX`` characters: a value for a
    ``Text`` sentence."""
    shortened = title if len(title) <= QUOTED_MAX else title[:QUOTED_MAX - 1] + "\u2026"
    return Text("\u201c%(quoted)s\u201d", quoted=shortened)


def _value_from_json(value):
    if isinstance(value, dict) and "text" in value:
        return Text.from_json(value["text"])
    if isinstance(value, dict) and "date" in value:
        return datetime.fromisoformat(value["date"])
    return value


def long_date(value: date, *, padded: bool = False) -> str:
    """A date written out ("3 December 2026", "3. Dezember 2026") in the current
    language; ``padded``: "03 December 2026" in English (the weekly summary's)."""
    locale = current_locale()
    if locale is None or locale.language == SOURCE_LANGUAGE:
        return f"{value:%d %B %Y}" if padded else f"{value.day} {value:%B %Y}"
    return babel_dates.format_skeleton("yMMMMd", value, locale=locale)


def number(value: float | Decimal | int, *, places: int = 2, trim: bool = True) -> str:
    """A measured value as the current language writes it, with ``places`` decimals
    (``trim``: none trailing): "1,234.5" in English, "1.234,5" in German."""
    locale = current_locale()
    if locale is None or locale.language == SOURCE_LANGUAGE:
        written = f"{value:,.{places}f}"
        return written.rstrip("0").rstrip(".") if places and trim else written
    decimals = ("#" if trim else "0") * places
    return babel_numbers.format_decimal(
        value, format="#,##0." + decimals if places else "#,##0", locale=locale)


def day_and_month(value: date) -> str:
    """A day of the year without its year ("03 December", "3. Dezember")."""
    locale = current_locale()
    if locale is None or locale.language == SOURCE_LANGUAGE:
        return f"{value:%d %B}"
    return babel_dates.format_skeleton("MMMMd", value, locale=locale)


def register(app: Flask) -> None:
    """Flask-Babel with the locale selector, the catalogues' folder and UTC times.

    One ``Babel`` per application: Flask-Babel keeps the loaded catalogues on it, by
    language only, so two applications of one process (the tests make hundreds, each
    with its own catalogues) must not share one."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    Babel(app, locale_selector=select_locale,
          default_locale=app.config.get("DEFAULT_LOCALE") or SOURCE_LANGUAGE)
    # The templates' _(), ngettext() and pgettext(), Jinja's "newstyle" gettext (the
    # values formatted in, and escaped where the template escapes) through the fast
    # look-up above, in place of Flask-Babel's and of Jinja's own wrappers.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]  # jinja2.ext.i18n's
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
        pgettext=_template_pgettext, npgettext=_template_npgettext)


# Jinja's own newstyle wrappers take the template's context, which Jinja copies for each
# call inside a block or a loop (most of a page's texts): about 15 us a text. These take
# only the evaluation context, which says whether the template escapes.
def _formatted(eval_context: EvalContext, text: str, variables: dict) -> str:
    """A translated text as Jinja's newstyle gettext gives it: markup where the template
    escapes (``%`` then escapes the values), always a format string ("%%" is "%")."""
    if eval_context.autoescape:
        # A catalogue's text, ours; the values are escaped by %.
        text = Markup(text)  # nosec B704
    if not variables and "%" not in text:
        return text  # most texts: Markup's % costs more than the look-up
    return text % variables


@pass_eval_context
def _template_gettext(eval_context: EvalContext, string: str, /, **variables) -> str:
    text = _translations().ugettext(string)
    return _formatted(eval_context, text, variables)


@pass_eval_context
def _template_ngettext(eval_context: EvalContext, singular: str, plural: str, num: int, /,
                       **variables) -> str:
    variables.setdefault("num", num)
    text = _translations().ungettext(singular, plural, num)
    return _formatted(eval_context, text, variables)


@pass_eval_context
def _template_pgettext(eval_context: EvalContext, context: str, string: str, /,
                       **variables) -> str:
    variables.setdefault("context", context)
    text = _translations().upgettext(context, string)
    return _formatted(eval_context, text, variables)


@pass_eval_context
def _template_npgettext(eval_context: EvalContext, context: str, singular: str, plural: str,
                        num: int, /, **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = _translations().unpgettext(context, singular, plural, num)
    return _formatted(eval_context, text, variables)

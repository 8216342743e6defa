"""A pseudo-locale: every text the app marks for translation, wrapped in ⟦ and ⟧.

Pages rendered in it show at a glance (and to a test) any text that was never marked:
it is the text outside the brackets. ``en_001`` (English, world) is a real locale to
Babel, so dates and numbers still format; no shipped catalogue uses it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.mofile import write_mo

from tools.translations import extract

PSEUDO_LOCALE = "en_001"
OPEN, CLOSE = "⟦", "⟧"
# Texts people see in attributes (the rest are machine values).
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "aria-description")
# Elements whose text is not the app's own words: times (Babel's CLDR data), code and
# literal examples, scripts.
SKIPPED_ELEMENTS = {"script", "style", "time", "code", "pre", "svg"}
_WRAPPED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_WORD = re.compile(r"[^\W\d_]{2,}")


def build_pseudo_catalogue(folder: Path) -> Path:
    """Extract every marked text (as ``make translations`` does) and compile the
    pseudo-locale's catalogue under ``folder``; returns ``folder`` (for
    ``BABEL_TRANSLATION_DIRECTORIES``)."""
    catalogue = extract(folder / "messages.pot")
    catalogue.locale = PSEUDO_LOCALE
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(f"{OPEN}{part}{CLOSE}" for part in message.id)
        else:
            message.string = f"{OPEN}{message.id}{CLOSE}"
    target = folder / PSEUDO_LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    return folder


class _ShownText(HTMLParser):
    """The text a page shows (in document order) and the shown attributes' values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.attributes: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        if self._skipping:
            return
        values = dict(attrs)
        self.attributes += [values[name] or "" for name in SHOWN_ATTRIBUTES if name in values]
        if tag == "input" and values.get("type") in {"submit", "button"}:
            self.attributes.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def untranslated_words(html: str, allowed: set[str]) -> list[str]:
    """The words of ``html`` that are outside every ⟦…⟧ and not in ``allowed`` (what
    people typed, names, the product's name): each one a text never marked."""
    shown = _ShownText()
    shown.feed(html)
    found: list[str] = []
    # The body's text as one string: a message with a link in it spans several nodes.
    for text in ["\n".join(shown.parts), *shown.attributes]:
        previous = None
        while previous != text:  # innermost first: a wrapped text may hold another
            previous, text = text, _WRAPPED.sub(" ", text)
        found += [word for word in _WORD.findall(text) if word.lower() not in allowed]
    return found


def words_of(texts) -> set[str]:
    """The lower-cased words of ``texts``: the allowed set from what people typed."""
    return {word.lower() for text in texts if text for word in _WORD.findall(str(text))}


def write_catalogue(folder: Path, locale: str, messages: dict[str, str]) -> Path:
    """A compiled catalogue of ``messages`` (English -> translation) for ``locale`` under
    ``folder`` (for ``BABEL_TRANSLATION_DIRECTORIES``); returns ``folder``."""
    from babel.messages.catalog import Catalog

    catalogue = Catalog(locale=locale)
    for msgid, string in messages.items():
        catalogue.add(msgid, string)
    target = folder / locale / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    return folder


SHIPPED = Path(__file__).resolve().parents[2] / "ideaboard" / "translations"


def shipped_catalogues() -> dict[str, Path]:
    """Each shipped language's ``messages.po`` by its code."""
    return {po.parent.parent.name: po
            for po in sorted(SHIPPED.glob("*/LC_MESSAGES/messages.po"))}


def compile_shipped(folder: Path) -> Path:
    """Every shipped catalogue compiled under ``folder`` as ``make`` compiles them (for
    ``BABEL_TRANSLATION_DIRECTORIES``: a test does not hang on a stale ``.mo``)."""
    from babel.messages.pofile import read_po

    for code, po in shipped_catalogues().items():
        with po.open("rb") as source:
            catalogue = read_po(source)
        target = folder / code / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with (target / "messages.mo").open("wb") as mo:
            write_mo(mo, catalogue)
    return folder

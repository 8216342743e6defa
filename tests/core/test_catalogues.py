"""The shipped catalogues: each language complete, nothing fuzzy, every placeholder and
plural form right, the domain's words translated one way, and in step with the code."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ideaboard.core.i18n import LANGUAGES
from tests.helpers.i18n import shipped_catalogues
from tools.translations import extract

SHIPPED = shipped_catalogues()
# The glossary (tools/translations' brief): where the English says the word, the
# translation says one of these (a stem: "Idee" in "Ideen", "idée" in "idées").
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
GLOSSARY = {
    # German compounds: "Prüfschwelle" is the review threshold.
    "de": {"ideas?\\b": ("Idee",), "threshold": ("Schwelle", "schwelle"),
           "escalat": ("eskal", "Eskal")},
    "fr": {"ideas?\\b": ("idée", "Idée"), "threshold": ("seuil", "Seuil"),
           "escalat": ("escalad", "Escalad", "échelon")},
    "es": {"ideas?\\b": ("idea", "Idea"), "threshold": ("umbral", "Umbral"),
           "escalat": ("escal", "Escal")},
    "ar": {"ideas?\\b": ("فكر", "أفكار"), "threshold": ("حد", "الحد"),
           "escalat": ("تصعيد", "صعد", "تصعّد", "يتصعد", "تُصعَّد", "صُعِّد", "صعَّد")},
}


def _catalogue(code: str):
    with SHIPPED[code].open("rb") as po:
        return read_po(po)


def test_every_language_ideaboard_names_ships_a_catalogue():
    assert set(SHIPPED) == {language.code for language in LANGUAGES} - {"en"}


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_the_catalogue_is_complete_and_nothing_is_fuzzy(code):
    catalogue = _catalogue(code)
    missing = [m.id for m in catalogue if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_placeholders_and_plural_forms_are_right(code):
    catalogue = _catalogue(code)
    # Babel's table of each language's plural forms (Arabic six, French three).
    assert catalogue.plural_forms == Catalog(locale=code).plural_forms
    errors = [(message.id, str(error)) for message, found in catalogue.check()
              for error in found]
    assert errors == []
    for message in catalogue:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == catalogue.num_plurals, message.id


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_the_domain_words_are_translated_one_way(code):
    wrong = []
    for message in _catalogue(code):
        if not message.id:
            continue
        english = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        english = PLACEHOLDER.sub("", english).replace("Ideaboard", "")
        translated = " ".join(message.string) if isinstance(message.string, tuple) \
            else message.string
        for word, stems in GLOSSARY[code].items():
            if re.search(rf"\b{word}", english, re.IGNORECASE) and not any(
                    stem in translated for stem in stems):
                wrong.append((word, english, translated))
    assert wrong == []


def test_every_catalogue_holds_exactly_what_the_code_marks(tmp_path):
    """`make translations` was run after the last change to a marked text."""
    marked = {message.id for message in extract(tmp_path / "messages.pot") if message.id}
    for code in SHIPPED:
        held = {message.id for message in _catalogue(code) if message.id}
        assert (sorted(map(str, marked - held)), sorted(map(str, held - marked))) == ([], [])

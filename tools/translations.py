"""Extracting the marked texts and merging them into each language's catalogue.

``make translations`` runs ``python -m tools.translations``: every text marked in the
code and templates (babel.cfg) goes into ``ideaboard/translations/messages.pot``, and
each language's ``messages.po`` is updated from it (new entries empty, gone ones
dropped). Translators fill the empty entries; ``make`` compiles the ``.mo`` files.
The tests' pseudo-locale extracts the same way (``extract``), so what they check is
exactly what a translator gets.
"""

from __future__ import annotations

import sys
from contextlib import chdir
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ideaboard" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
# _ and gettext, ngettext are Babel's defaults; these are the lazy ones and the
# sentences written later in their reader's language (core.i18n.Text).
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "N_", "Text", "plural:1,2",
            "lazy_pgettext:1c,2")


def extract(output: Path = TEMPLATE) -> Catalog:
    """Write every marked text into ``output`` (a .pot) and return it as a catalogue."""
    arguments = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                 "--add-location=file", "--sort-by-file", "--width", "100",
                 "--project", "Ideaboard", "--copyright-holder", "Ideaboard",
                 # Babel skips folders starting with "_" by default: templates/_macros.
                 "--ignore-dirs", ".* __pycache__",
                 "-o", str(output)]
    for keyword in KEYWORDS:
        arguments += ["-k", keyword]
    # From the root, so the catalogues name files by their place in the project.
    with chdir(ROOT):
        CommandLineInterface().run([*arguments, "."])
    with output.open("rb") as template:
        return read_po(template)


def update() -> None:
    """Merge the template into every language's catalogue."""
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        language = po.parent.parent.name
        CommandLineInterface().run(["pybabel", "-q", "update", "--no-fuzzy-matching",
                                    "--width", "100", "-i", str(TEMPLATE),
                                    "-d", str(TRANSLATIONS), "-l", language])


def main() -> int:
    catalogue = extract()
    update()
    print(f"{len(catalogue)} texts in {TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The wheel's build step: compile each language's catalogue (``.po``) into the ``.mo``
file Flask-Babel reads, so a wheel built from a clean checkout ships every language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TRANSLATIONS = Path("ideaboard") / "translations"


class CompileCatalogues(BuildHookInterface):
    """Writes ``<lang>/LC_MESSAGES/messages.mo`` beside each ``messages.po`` and adds it to
    the wheel (the ``.mo`` files are not kept in git, so hatch would not find them)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for po in sorted((root / TRANSLATIONS).glob("*/LC_MESSAGES/messages.po")):
            with po.open("rb") as source:
                catalogue = read_po(source)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as target:
                write_mo(target, catalogue)  # fuzzy entries are left out, as pybabel does
            build_data["force_include"][str(mo)] = str(mo.relative_to(root))

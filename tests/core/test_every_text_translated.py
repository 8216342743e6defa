"""No untranslated text: every page of the app, signed in as each role, rendered in a
pseudo-locale that wraps every marked text in ⟦…⟧, shows no word outside the brackets
but what people typed (tests/helpers/i18n.py). A text added later without ``_()``
fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from pprint import pformat

import pytest
import sqlalchemy as sa
import wtforms
from babel.messages.pofile import read_po

from ideaboard.core.i18n import LANGUAGES, available_languages
from ideaboard.database import stored_type
from ideaboard.extensions import db
from tests.helpers.i18n import PSEUDO_LOCALE, build_pseudo_catalogue, untranslated_words, words_of
from tests.helpers.login import signed_in
from tests.helpers.pages import PAGES, REFUSED_FORMS, World, build_world


@pytest.fixture(scope="module")
def pseudo_catalogue(tmp_path_factory):
    return build_pseudo_catalogue(tmp_path_factory.mktemp("pseudo"))


@pytest.fixture
def app_config(pseudo_catalogue) -> dict:
    return {"BABEL_TRANSLATION_DIRECTORIES": str(pseudo_catalogue),
            "DEFAULT_LOCALE": PSEUDO_LOCALE}


@pytest.fixture
def world(admin, manager, employee, it_department) -> World:
    return build_world(admin, manager, employee, it_department)


def wtforms_messages() -> re.Pattern:
    """WTForms' own messages ("This field is required."), whole, as one pattern: WTForms
    ships their translations (``test_wtforms_translates_its_messages_in_every_language``),
    so they are not ours to wrap."""
    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as pot:
        messages = [part for message in read_po(pot) if message.id
                    for part in ([message.id] if isinstance(message.id, str) else message.id)]
    return re.compile("|".join(
        re.sub(r"%\\\(\w+\\\)[sd]", ".*?", re.escape(text)) for text in messages))


def test_wtforms_translates_its_messages_in_every_language():
    shipped = {path.name for path in (Path(wtforms.__file__).parent / "locale").iterdir()}
    assert {language.code for language in LANGUAGES} - {"en"} <= shipped


def typed_words() -> set[str]:
    """Every word stored in a text column: what people typed, names, addresses."""
    texts = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(stored_type(column), sa.String | sa.Text):
                texts += db.session.scalars(sa.select(column).distinct()).all()
            elif isinstance(column.type, sa.JSON):  # the audit trail's before and after
                texts += [json.dumps(value, ensure_ascii=False)
                          for value in db.session.scalars(sa.select(column))]
    languages = [language.name for language in (*LANGUAGES, *available_languages())]
    # Avatars show people's initials ("EE" for Erin Employee).
    initials = {f"{a[0]}{b[0]}" for a, b in (name.split()[:2] for name in texts
                                             if isinstance(name, str) and len(name.split()) > 1)}
    return words_of(texts) | words_of(languages) | words_of(initials) | {"ideaboard"}


def _clients(app, world):
    clients = {}

    def client_for(role):
        if role not in clients:
            clients[role] = (app.test_client() if role is None
                             else signed_in(app, getattr(world, role)))
        return clients[role]

    return client_for


def test_the_pseudo_locale_is_the_pages_language(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en-001"' in page
    assert "⟦" in page


def test_every_page_shows_only_translated_text(app, world):
    client_for = _clients(app, world)
    allowed = typed_words()
    found = {}
    for role, address in PAGES:
        path = address(world.values)
        response = client_for(role).get(path)
        words = untranslated_words(response.get_data(as_text=True), allowed)
        if words:
            found[f"{role} {path}"] = sorted(set(words))
    assert found == {}, pformat(found, width=100)


def test_every_refused_form_shows_only_translated_text(app, world):
    """Each form sent empty: its error messages and summary are translated too."""
    from tests.helpers.csrf import csrf_token

    client_for = _clients(app, world)
    allowed = typed_words()
    theirs = wtforms_messages()
    found = {}
    for role, address in REFUSED_FORMS:
        path = address(world.values)
        client = client_for(role)
        response = client.post(path, data={"csrf_token": csrf_token(client)})
        if response.status_code in {301, 302, 303}:
            continue  # a form whose empty submission means "cancel"
        page = theirs.sub("", response.get_data(as_text=True))
        words = untranslated_words(page, allowed)
        if words:
            found[f"{role} {path}"] = sorted(set(words))
    assert found == {}, pformat(found, width=100)

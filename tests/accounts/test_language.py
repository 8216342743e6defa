"""The language a person reads Ideaboard in, chosen on the account page: one of the
languages offered (``core.i18n.available_languages``), or their browser's."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from ideaboard import create_app
from ideaboard.extensions import db
from tests.helpers.clients import IsolatedClient
from tests.helpers.csrf import csrf_token
from tests.helpers.login import signed_in


def _app_offering(app, folder):
    """The app once more, with the catalogues of ``folder`` (``BABEL_TRANSLATION_DIRECTORIES``,
    which ``available_languages`` reads) instead of the shipped ones. Same database as
    ``app``, whose context the test works in."""
    again = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SERVER_NAME": app.config["SERVER_NAME"],
                        "BABEL_TRANSLATION_DIRECTORIES": str(folder)}, env="testing")
    again.test_client_class = IsolatedClient
    yield again
    db.session.remove()  # the test's session may hold a connection of the other engine
    with again.app_context():
        db.engine.dispose()


@pytest.fixture
def german_app(app, database_url, tmp_path):
    """Offering German beside English: a compiled catalogue of one message, as a build
    with a German catalogue would have."""
    folder = tmp_path / "translations"
    (folder / "de" / "LC_MESSAGES").mkdir(parents=True)
    catalog = Catalog(locale="de")
    catalog.add("Your account", "Ihr Konto")
    with (folder / "de" / "LC_MESSAGES" / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    yield from _app_offering(app, folder)


@pytest.fixture
def english_only_app(app, database_url, tmp_path):
    """A build without any catalogue: English only."""
    folder = tmp_path / "no-translations"
    folder.mkdir()
    yield from _app_offering(app, folder)


def _choose(client, code: str):
    return client.post("/account", data={
        "language-locale": code, "language-submit": "1",
        "language-csrf_token": csrf_token(client, "/account")})


def _lang(page: str) -> str:
    start = page.index("<html lang=") + len('<html lang="')
    return page[start:page.index('"', start)]


def test_the_account_page_offers_each_language_by_its_own_name(german_app, employee):
    page = signed_in(german_app, employee).get("/account").get_data(as_text=True)
    assert '<label for="language-locale">Language</label>' in page
    assert ('<option selected value="">Your browser&#39;s language</option>'
            '<option lang="en" value="en">English</option>'
            '<option lang="de" value="de">Deutsch</option>') in page


def test_the_chosen_language_is_saved_and_the_next_page_is_in_it(german_app, employee):
    client = signed_in(german_app, employee)
    response = _choose(client, "de")
    assert response.status_code == 302
    db.session.refresh(employee)
    assert employee.locale == "de"
    page = client.get("/account").get_data(as_text=True)
    assert _lang(page) == "de"
    assert "<h1>Ihr Konto</h1>" in page
    # The choice outweighs the browser's.
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(page) == "de" and "<h1>Ihr Konto</h1>" in page
    assert '<option lang="de" selected value="de">Deutsch</option>' in page


def test_a_language_not_offered_is_refused_and_nothing_is_saved(german_app, employee):
    client = signed_in(german_app, employee)
    for code in ("fr", "xx", "de-DE", "<b>de</b>"):
        response = _choose(client, code)
        assert response.status_code == 422, code
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert '<a href="#language-locale">Choose a language from the list.</a>' in page
        db.session.refresh(employee)
        assert employee.locale is None
    # Sent without a choice at all: refused the same way.
    response = client.post("/account", data={
        "language-submit": "1", "language-csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 422
    assert "Choose a language from the list." in response.get_data(as_text=True)


def test_the_browsers_language_clears_the_choice_and_accept_language_decides(
        german_app, employee):
    employee.locale = "de"
    db.session.commit()
    client = signed_in(german_app, employee)
    assert _choose(client, "").status_code == 302
    db.session.refresh(employee)
    assert employee.locale is None
    asked = client.get("/account", headers={"Accept-Language": "de, en;q=0.5"})
    assert _lang(asked.get_data(as_text=True)) == "de"
    assert "<h1>Ihr Konto</h1>" in asked.get_data(as_text=True)
    english = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(english) == "en" and "<h1>Your account</h1>" in english
    assert '<option selected value="">Your browser&#39;s language</option>' in english


def test_a_language_no_longer_offered_is_the_browsers_again(english_only_app, employee):
    """A choice whose catalogue has gone from the build (only English here) is ignored:
    the pages follow the browser, and the form offers what there is."""
    employee.locale = "de"
    db.session.commit()
    page = signed_in(english_only_app, employee).get(
        "/account", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert _lang(page) == "en" and "<h1>Your account</h1>" in page
    assert '<option lang="de"' not in page

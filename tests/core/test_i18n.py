"""Languages (ideaboard.core.i18n): which one a request is in, dates and plurals in it,
caches kept per language, sentences written later in their reader's language, and
e-mails in their recipient's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader

from ideaboard.core.i18n import Text, available_languages, in_language, select_locale
from ideaboard.core.kept import KeptFragment
from ideaboard.core.templating import exact_time, time_ago
from ideaboard.extensions import db
from ideaboard.notifications.delivery import deliver
from ideaboard.notifications.models import NotificationKind, OutboxEmail
from ideaboard.notifications.services import notify
from tests.helpers.i18n import write_catalogue

GERMAN = {"Log in": "Anmelden", "just now": "gerade eben",
          "%(who)s commented on %(title)s.": "%(who)s hat %(title)s kommentiert.",
          "Hello %(name)s,": "Hallo %(name)s,",
          "You support this idea.": "Sie unterstützen diese Idee."}
ARABIC = {"Log in": "تسجيل الدخول"}


@pytest.fixture
def app_config(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("catalogues")
    write_catalogue(folder, "de", GERMAN)
    write_catalogue(folder, "ar", ARABIC)
    return {"BABEL_TRANSLATION_DIRECTORIES": str(folder)}


def test_the_languages_offered_are_those_with_a_catalogue(app):
    assert [language.code for language in available_languages()] == ["en", "de", "ar"]
    assert [language.name for language in available_languages()][1:] == ["Deutsch", "العربية"]


def test_the_browser_chooses_among_the_languages_offered(app, client):
    german = client.get("/login", headers={"Accept-Language": "fr;q=1, de;q=0.8"})
    assert '<html lang="de" dir="ltr">' in german.get_data(as_text=True)
    assert "Anmelden" in german.get_data(as_text=True)
    swiss = client.get("/login", headers={"Accept-Language": "de-CH, en;q=0.5"})
    assert '<html lang="de"' in swiss.get_data(as_text=True)
    unknown = client.get("/login", headers={"Accept-Language": "fr"})
    assert '<html lang="en" dir="ltr">' in unknown.get_data(as_text=True)


def test_arabic_pages_are_right_to_left(app, client):
    page = client.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page


def test_a_persons_choice_comes_before_the_browser(app, employee, employee_client):
    employee.locale = "de"
    db.session.commit()
    page = employee_client.get("/account", headers={"Accept-Language": "ar"})
    assert '<html lang="de"' in page.get_data(as_text=True)


def test_the_default_is_the_installations(app):
    app.config["DEFAULT_LOCALE"] = "de"
    with app.test_request_context("/"):
        assert select_locale() == "de"
    app.config["DEFAULT_LOCALE"] = "xx"  # not offered: English
    with app.test_request_context("/"):
        assert select_locale() == "en"


def test_times_are_written_in_the_language(app):
    now = datetime(2026, 12, 3, 9, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        assert time_ago(now - timedelta(days=6), now) == "6 days ago"
        assert exact_time(now) == "3 Dec 2026, 09:05 UTC"
        with force_locale("de"):
            assert time_ago(now - timedelta(days=6), now) == "vor 6 Tagen"
            assert time_ago(now + timedelta(hours=2), now) == "in 2 Stunden"
            assert time_ago(now, now) == "gerade eben"
            assert exact_time(now) == "3. Dez. 2026, 09:05 UTC"


def test_a_text_is_written_in_its_readers_language_and_kept_as_json(app):
    due = datetime(2026, 12, 24, tzinfo=UTC)
    text = Text("%(who)s commented on %(title)s.", who="Ann", title="“Tea”")
    nested = Text("%(sentence)s Please decide by %(due)s.", sentence=text, due=due)
    kept = Text.from_json(nested.as_json())
    assert kept.english == nested.english == (
        "Ann commented on “Tea”. Please decide by 24 December 2026.")
    with app.test_request_context("/"), force_locale("de"):
        assert str(kept) == "Ann hat “Tea” kommentiert. Please decide by 24. Dezember 2026."
    plural = Text.plural("%(num)d new comment", "%(num)d new comments", 3)
    assert Text.from_json(plural.as_json()).english == "3 new comments"


def test_kept_fragments_are_kept_per_language(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader({"i18n_test.html": (
        "{% macro greet() %}{{ _('Log in') }}{% endmacro %}")}), app.jinja_env.loader])
    greeting = KeptFragment("i18n_test.html", "greet", lambda key: (), maxsize=4)
    with app.test_request_context("/"):
        assert greeting.html("key") == "Log in"
        with force_locale("de"):
            assert greeting.html("key") == "Anmelden"
        assert greeting.html("key") == "Log in"


def test_notifications_and_their_emails_are_in_the_readers_language(app, employee, admin,
                                                                    client):
    employee.locale = "de"
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        sentence = Text("%(who)s commented on %(title)s.", who="Ada", title="“Tea”")
        created = notify([employee.id, admin.id], NotificationKind.COMMENT, sentence)
        deliver(created, subject=sentence)
        db.session.commit()
        # The English text stays for the API and search; each reader sees their own.
        assert {n.message for n in created} == {"Ada commented on “Tea”."}
        with in_language(employee.locale):
            assert {n.text for n in created if n.user_id == employee.id} == {
                "Ada hat “Tea” kommentiert."}
    mails = {m.to_address: m for m in db.session.query(OutboxEmail)}
    assert mails[employee.email].subject == "Ada hat “Tea” kommentiert."
    assert mails[employee.email].body_text.startswith(f"Hallo {employee.display_name},")
    assert mails[admin.email].subject == "Ada commented on “Tea”."
    assert mails[admin.email].body_text.startswith(f"Hello {admin.display_name},")


def test_the_vote_widget_is_answered_in_the_voters_language(app, employee, employee_client,
                                                            manager, it_department):
    from tests.helpers.csrf import csrf_token
    from tests.helpers.review import make_idea

    idea = make_idea(manager, it_department, status="open", title="Tea")
    db.session.commit()
    employee_client.get("/", headers={"Accept-Language": "de"})
    answer = employee_client.post(f"/ideas/{idea.id}/vote", data={
        "value": 1, "csrf_token": csrf_token(employee_client)},
        headers={"Accept": "application/json", "Accept-Language": "de"})
    assert answer.json["words"]["mine"] == "Sie unterstützen diese Idee."


def test_each_application_reads_its_own_catalogues(app, client, database_url, tmp_path):
    """Flask-Babel keeps loaded catalogues by language on its extension object: one
    shared by two applications answered one with the other's German."""
    from ideaboard import create_app

    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "de"}).get_data(
        as_text=True)
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                        "BABEL_TRANSLATION_DIRECTORIES": str(write_catalogue(
                            tmp_path, "de", {"Log in": "Einloggen"}))}, env="testing")
    with other.app_context():
        page = other.test_client().get("/login", headers={"Accept-Language": "de"})
    assert "Einloggen" in page.get_data(as_text=True)
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "de"}).get_data(
        as_text=True)


def test_template_texts_are_escaped_where_the_template_escapes(app):
    """The templates' own gettext (core.i18n's, in place of Jinja's wrappers): values
    escaped in HTML and not in a plain-text e-mail, inside loops and blocks too, and
    every text a format string ("%%" is a percent sign), as Jinja's newstyle gettext."""
    from flask import render_template

    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "i18n_escape.html": ("{% for n in [1] %}{{ _('Hello %(name)s,', name=who) }}"
                             "{% endfor %}"),
        "i18n_escape.txt": "{{ _('Hello %(name)s,', name=who) }}",
        "i18n_forms.html": ("{{ _('100%% sure') }} "
                            "{{ ngettext('%(num)d new comment', '%(num)d new comments', 3) }} "
                            "{{ pgettext('a test', 'Log in') }}")}), app.jinja_env.loader])
    with app.test_request_context("/"), force_locale("de"):
        assert render_template("i18n_escape.html", who="<Ada>") == "Hallo &lt;Ada&gt;,"
        assert render_template("i18n_escape.txt", who="<Ada>") == "Hallo <Ada>,"
    with app.test_request_context("/"):
        assert render_template("i18n_forms.html") == "100% sure 3 new comments Log in"


def test_wtforms_messages_are_in_the_readers_language_from_one_catalogue(app):
    """WTForms' own messages come in the reader's language, from a catalogue read once
    per process (Flask-WTF parsed it on every request that built a form: 0.3 ms)."""
    from babel.support import Translations
    from werkzeug.datastructures import MultiDict
    from wtforms.i18n import messages_path

    from ideaboard.admin.forms import DepartmentForm
    from ideaboard.core.i18n import wtforms_translations

    def threshold_errors() -> list[str]:
        form = DepartmentForm(formdata=MultiDict({"name": "Sales", "review_threshold": "many",
                                                  "review_sla_days": "14"}),
                              meta={"csrf": False})
        form.validate()
        return list(form.review_threshold.errors)

    german = Translations.load(messages_path(), ["de"], domain="wtforms")
    with app.test_request_context("/", method="POST"):
        assert "Not a valid integer value." in threshold_errors()
        with force_locale("de"):
            assert german.gettext("Not a valid integer value.") in threshold_errors()
            assert wtforms_translations() is wtforms_translations()
    assert german.gettext("Not a valid integer value.") != "Not a valid integer value."


def test_every_form_is_the_apps_own(app):
    """Every form derives from core.forms.Form: one built on Flask-WTF's directly would
    read WTForms' catalogue again on every request."""
    from flask_wtf import FlaskForm

    from ideaboard.core.forms import Form

    def subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *subclasses(direct)]]

    forms = [form for form in subclasses(FlaskForm) if form.__module__.startswith("ideaboard.")]
    assert len(forms) > 30
    assert [form for form in forms if not issubclass(form, Form)] == []

"""What is kept between requests is kept by the application (ideaboard.core.kept).

Two applications in one process (the tests make hundreds, a server may mount two) must
never answer from each other's caches, and no module may keep a cache of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup, escape

import ideaboard
from ideaboard import create_app
from ideaboard.core.kept import EXTENSION, TOKEN_SLOT, KeptFragment, per_app, with_token

PACKAGE = Path(ideaboard.__file__).parent
# A cache of a module's own: functools' caching decorators, however imported.
MODULE_CACHE = re.compile(r"from functools import [^\n]*\b(lru_cache|cache)\b"
                          r"|functools\.(lru_cache|cache)\b")
# Not an application's data, read once: the package's own list of common passwords, and
# WTForms' own catalogues (core.i18n.wtforms_translations).
ALLOWED = {"accounts/passwords.py", "core/i18n.py"}


def _app(database_url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="testing")


calls: list[str] = []


@per_app(maxsize=4)
def _shout(word: str) -> str:
    calls.append(word)
    return word.upper()


def test_each_application_keeps_its_own_results(database_url):
    first, second = _app(database_url), _app(database_url)
    calls.clear()
    with first.app_context():
        assert _shout("a") == "A" and _shout("a") == "A"
    with second.app_context():
        assert _shout("a") == "A"
    assert calls == ["a", "a"]  # once per application
    assert _shout.cache(first).cache_info().hits == 1
    assert _shout.cache(second).cache_info().hits == 0
    assert _shout.name in first.extensions[EXTENSION]


def _with_macro(app):
    """``app`` with a template of its own: ``{{ pill(word, token) }}``."""
    app.jinja_env.loader = ChoiceLoader([DictLoader({"kept_test.html": (
        '{% macro pill(word, token) %}<b data-token="{{ token }}">{{ word }}</b>'
        '{% endmacro %}')}), app.jinja_env.loader])
    return app


PILL = KeptFragment("kept_test.html", "pill", lambda word: (word, TOKEN_SLOT), maxsize=8)


def test_a_kept_fragment_is_rendered_once_per_key_and_application(database_url):
    first, second = _with_macro(_app(database_url)), _with_macro(_app(database_url))
    for app, token in ((first, "one"), (second, "t<wo")):
        with app.test_request_context("/"):
            assert PILL.join(["a&b", "a&b"], token, before="<li>", after="</li>") == Markup(
                f'<li><b data-token="{escape(token)}">a&amp;b</b></li>' * 2)
            assert PILL.html("c") == f'<b data-token="{TOKEN_SLOT}">c</b>'
            PILL.html("d", keep=False)
        info = PILL.cache(app).cache_info()
        assert (info.misses, info.hits, info.currsize) == (2, 1, 2)  # "d" was not kept


def test_templates_that_reload_render_every_time(database_url):
    app = _with_macro(_app(database_url))
    app.jinja_env.auto_reload = True
    with app.test_request_context("/"):
        assert PILL.join(["x"]) == Markup(f'<b data-token="{TOKEN_SLOT}">x</b>')
        assert not hasattr(PILL.cache(app), "cache_info")


def test_the_token_goes_into_every_slot_escaped():
    html = f'<input value="{TOKEN_SLOT}"><input value="{TOKEN_SLOT}">'
    assert with_token(html, 'a"b') == '<input value="a&#34;b"><input value="a&#34;b">'


def test_no_module_keeps_a_cache_of_its_own():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "core/kept.py" or name in ALLOWED:
            continue
        if MODULE_CACHE.search(path.read_text(encoding="utf-8")):
            found.append(name)
    assert found == [], "keep it per application: ideaboard.core.kept.per_app"

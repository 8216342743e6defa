"""German and Arabic in Chromium: a person who chose the language uses the app in it,
the Arabic pages read right to left with a layout that holds, and axe-core stays clean
in both."""

from __future__ import annotations

from pprint import pformat

import pytest
from babel.support import Translations

from ideaboard.extensions import db
from tests.helpers.browser import all_violations, log_in
from tests.helpers.factories import PASSWORD
from tests.helpers.i18n import compile_shipped
from tests.helpers.pages import PAGES, World, build_world

# The pages people use most, as each role sees them (a sample of PAGES: the whole list
# runs in English at two widths in test_every_page_axe).
SAMPLED = ("/", "/ideas/new", "/notifications", "/account", "/help", "/review",
           "/admin/users", "/analytics", "/impact")


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory):
    return compile_shipped(tmp_path_factory.mktemp("catalogues"))


@pytest.fixture
def app_config(catalogues) -> dict:
    return {"BABEL_TRANSLATION_DIRECTORIES": str(catalogues)}


@pytest.fixture
def world(admin, manager, employee, it_department) -> World:
    return build_world(admin, manager, employee, it_department)


def _speaking(world: World, code: str) -> None:
    for person in (world.admin, world.manager, world.employee):
        person.locale = code
    db.session.commit()


def _translations(catalogues, code: str) -> Translations:
    return Translations.load(str(catalogues), [code])


@pytest.mark.parametrize("code", ["de", "ar"])
def test_a_person_uses_the_app_in_their_language(new_page, world, catalogues, code):
    _speaking(world, code)
    words = _translations(catalogues, code)
    page = new_page()
    log_in(page, world.employee.email, PASSWORD)  # the log-in page in the browser's English
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == code
    assert page.locator("html").get_attribute("dir") == ("rtl" if code == "ar" else "ltr")
    page.get_by_role("link", name=words.gettext("New idea"), exact=True).first.click()
    page.get_by_label(words.gettext("Title")).fill("Ein Testvorschlag")
    assert page.get_by_role("button", name=words.gettext("Post idea")).is_visible()


def test_arabic_pages_mirror_and_hold_at_phone_and_desktop_widths(new_page, world):
    _speaking(world, "ar")
    for width in (1280, 375):
        page = new_page(width=width)
        log_in(page, world.employee.email, PASSWORD)
        for path in ("/", f"/ideas/{world.values['idea']}", "/account"):
            page.goto(path)
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            # Nothing sticks out sideways: the layout holds right to left.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (width, path, overflow)
        if width == 1280:
            # The brand starts the header on the right, the person's menu ends it on the left.
            brand = page.locator(".brand").bounding_box()
            menu = page.locator(".nav-user").bounding_box()
            assert brand["x"] > menu["x"]


@pytest.mark.parametrize("code", ["de", "ar"])
def test_axe_stays_clean_in_german_and_arabic(new_page, world, code):
    _speaking(world, code)
    sessions = {}
    found = {}
    for role, address in PAGES:
        path = address(world.values)
        if path not in SAMPLED or role is None:
            continue
        if role not in sessions:
            sessions[role] = new_page()
            log_in(sessions[role], getattr(world, role).email, PASSWORD)
        page = sessions[role]
        page.goto(path)
        violations = all_violations(page)
        if violations:
            found[f"{role} {path}"] = violations
    assert found == {}, pformat(found, width=100)

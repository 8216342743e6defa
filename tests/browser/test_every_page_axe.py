"""axe-core with the WCAG 2.2 AA rules over every page of the app, at desktop and phone
widths: no violation at all, whatever its impact. The pages are tests/helpers/pages.py's.
"""

from __future__ import annotations

from pprint import pformat
from urllib.parse import urlsplit

import pytest

from tests.helpers.browser import all_violations, log_in
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import PAGES, REFUSED_FORMS, World, build_world


@pytest.fixture
def world(admin, manager, employee, it_department) -> World:
    return build_world(admin, manager, employee, it_department)


class Sessions:
    """One signed-in browser page per kind of user, at one width."""

    def __init__(self, new_page, world: World, width: int) -> None:
        self.new_page, self.world, self.width = new_page, world, width
        self.pages: dict[str | None, object] = {}

    def __call__(self, role: str | None):
        if role not in self.pages:
            self.pages[role] = page = self.new_page(width=self.width, height=800)
            if role is not None:
                log_in(page, getattr(self.world, role).email, PASSWORD)
        return self.pages[role]


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_every_page_passes_axe_with_wcag22_rules(new_page, world, width):
    session = Sessions(new_page, world, width)
    found = {}
    for role, address in PAGES:
        page = session(role)
        path = address(world.values)
        page.goto(path)
        violations = all_violations(page)
        if violations:
            found[f"{role} {path}"] = violations
    assert found == {}, pformat(found, width=100)


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_every_refused_form_passes_axe_with_wcag22_rules(new_page, world, width):
    """Each form sent with its fields emptied: the errors it shows pass as well."""
    session = Sessions(new_page, world, width)
    found = {}
    for role, address in REFUSED_FORMS:
        page = session(role)
        path = address(world.values)
        page.goto(path)
        form = page.locator("main form[method=post]").filter(
            has=page.locator("textarea, input:not([type=hidden])")).first
        for box in form.locator("textarea, input[type=text], input[type=email], "
                                "input[type=password], input:not([type])").all():
            box.fill("")
        with page.expect_navigation():
            form.locator("button[type=submit]").first.click()
        assert urlsplit(page.url).path == urlsplit(path).path, f"{path} took an empty form"
        violations = all_violations(page)
        if violations:
            found[f"{role} {path}"] = violations
    assert found == {}, pformat(found, width=100)

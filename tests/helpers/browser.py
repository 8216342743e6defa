"""Steps the browser journeys share: signing in by the visible labels, axe checks."""

from __future__ import annotations


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical accessibility violations on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# axe-core's rule sets for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices.
WCAG22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def all_violations(page) -> list[dict]:
    """Every axe-core violation on the page, whatever its impact, under the WCAG 2.2 AA
    rules (target-size among them) and axe's best practices."""
    from axe_playwright_python.sync_playwright import Axe

    # target-size (WCAG 2.2, 2.5.8) ships disabled in axe-core: it is switched on by name.
    options = {"runOnly": {"type": "tag", "values": WCAG22_AA},
               "rules": {"target-size": {"enabled": True}},
               "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
    ]


def expect(locator):
    """Playwright's ``expect`` (imported when used: the browser tests skip without
    Playwright): assertions that wait until they hold, as a person waits for a page."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)

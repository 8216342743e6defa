"""Every XSS payload posted through the real /ideas/new form, then read back.

The stored body_html must be the sanitiser's output and contain nothing executable;
the idea page must show exactly that HTML and nothing else that could run. Payloads
used as titles must come out escaped on the idea page and in the list.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.sanitize import render_markdown
from tests.helpers.csrf import csrf_token
from tests.helpers.xss import assert_nothing_executable, load_payloads, url_scheme

PAYLOADS = load_payloads()
# Control characters are dropped on submit (see ideas.services); what the form stores.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def _template_tag(tag: str, values: dict[str, str | None]) -> bool:
    """A tag the templates themselves put in a page: /static scripts and styles, plain meta."""
    return ((tag == "script" and (values.get("src") or "").startswith("/static/"))
            or (tag == "link" and (values.get("href") or "").startswith("/static/"))
            or (tag == "meta" and set(values) <= {"charset", "name", "content"}
                and "http-equiv" not in values))


class _PageScan(HTMLParser):
    """What in a whole page could run: scripts not from /static, handlers, bad URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        # Inline SVG icons and images of the templates are inert; these tags are not.
        if tag in {"script", "iframe", "object", "embed", "base", "frame", "frameset",
                   "style", "link", "meta", "portal", "applet"} and not _template_tag(tag, values):
            self.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{name}= on <{tag}>")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"}:
                scheme = url_scheme(value or "")
                if scheme is not None and scheme not in {"http", "https", "mailto"}:
                    self.problems.append(f"{name}={value!r}")

    handle_startendtag = handle_starttag


def assert_page_is_inert(page: str) -> None:
    scan = _PageScan()
    scan.feed(page)
    assert not scan.problems, scan.problems


@pytest.fixture
def token(employee_client):
    return csrf_token(employee_client, "/ideas/new")


def test_every_payload_through_the_form(employee_client, it_department, token):
    for number, payload in enumerate(PAYLOADS):
        response = employee_client.post("/ideas/new", data={
            "csrf_token": token, "title": f"XSS payload number {number}", "body": payload,
            "department": it_department.id, "confirmed": "1",
        })
        if not payload.translate(_CONTROL).strip():
            assert response.status_code == 422
            continue
        assert response.status_code == 302, (number, payload, response.status_code)
        title = f"XSS payload number {number}"
        idea = db.session.scalar(sa.select(Idea).where(Idea.title == title))
        assert idea.body_html == render_markdown(idea.body_md), payload
        assert_nothing_executable(idea.body_html)
        page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
        assert f"<div class=\"prose\" data-idea-body>{idea.body_html}</div>" in page, payload
        assert_page_is_inert(page)
    listing = employee_client.get("/?sort=new").get_data(as_text=True)
    assert_page_is_inert(listing)


TITLE_PAYLOADS = [p for p in PAYLOADS if "\n" not in p and 8 <= len(p.strip()) <= 140
                  and not any(ord(c) < 32 for c in p)][:60]


def test_payloads_as_titles_are_escaped(employee_client, it_department, token):
    for payload in TITLE_PAYLOADS:
        response = employee_client.post("/ideas/new", data={
            "csrf_token": token, "title": payload, "body": "Body.",
            "department": it_department.id, "confirmed": "1",
        })
        assert response.status_code == 302, payload
        page = employee_client.get(response.headers["Location"]).get_data(as_text=True)
        assert_page_is_inert(page)
    for url in ("/?sort=new", "/?q=script", "/ideas/similar?title=script+alert+img",
                f"/departments/{it_department.slug}"):
        assert_page_is_inert(employee_client.get(url).get_data(as_text=True))


def test_the_page_scan_catches_what_it_should():
    for html in ('<script>alert(1)</script>', '<p onclick="x">', '<a href="javascript:x">',
                 '<iframe src="https://x.example">', '<svg onload=x>', '<p style="x">',
                 '<svg><a xlink:href="javascript:x">', '<img src="data:x">',
                 '<meta http-equiv="refresh" content="0">', '<base href="/">'):
        scan = _PageScan()
        scan.feed(html)
        assert scan.problems, html

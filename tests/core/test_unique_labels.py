"""No two form controls on a page share a name (issue 13, item 17): a screen reader's
list of fields, or voice control ("click Note"), cannot tell two "Note (optional)" boxes
apart. A control's name is its label (with its fieldset's legend, for radios and
checkboxes) or its aria-label.

Every page of the URL map is walked as an employee, a manager and an admin, with ideas in
each status, two comments and two reports: a page without URL arguments is visited
as it is; one with arguments needs an entry in ``pages`` (the test says which is missing).
"""

from __future__ import annotations

import html.parser
from collections import Counter

import pytest

from ideaboard.comments.services import add_comment
from ideaboard.extensions import db
from ideaboard.moderation.services import flag_comment, flag_idea
from tests.helpers.factories import CampaignFactory, UserFactory
from tests.helpers.login import AuthActions
from tests.helpers.privacy import ready_export_link
from tests.helpers.review import make_idea
from tests.helpers.webhooks import stored_endpoint

# Pages that are no HTML page of their own.
NOT_PAGES = {"static", "core.healthz", "core.readyz", "core.metrics_page", "ideas.similar"}
# JSON and XML for machines (SCIM provisioning clients, SAML metadata, the REST API and
# its OpenAPI document), not pages a person reads; and the single sign-on hand-offs,
# which send the browser to the identity provider and back.
NOT_PAGE_PREFIXES = ("scim.", "identity.sso_", "identity.saml_", "api.", "api-docs.")
# Pages only someone signed out sees (a signed-in person is sent on).
SIGNED_OUT = {"accounts.login", "accounts.signup", "accounts.signup_sent",
              "accounts.request_reset", "accounts.confirm_signup", "accounts.reset_password"}


class _Names(html.parser.HTMLParser):
    """The accessible name of every control a person fills in or picks: its aria-label,
    else the text of its label (by ``for`` or wrapped around it), with the legend of its
    fieldset for radios and checkboxes, as (legend, name)."""

    def __init__(self) -> None:
        super().__init__()
        self._controls: list[dict] = []
        self._label_text: dict[str, str] = {}  # label for -> text
        self._legends: list[str] = []
        self._legend: list[str] | None = None
        self._label: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset":
            self._legends.append("")
        elif tag == "legend":
            self._legend = []
        elif tag == "label":
            self._label = {"for": a.get("for"), "text": [], "controls": []}
        elif tag in ("input", "textarea", "select") and a.get("type") not in (
                "hidden", "submit", "button"):
            control = {"id": a.get("id"), "aria": a.get("aria-label"),
                       "legend": self._legends[-1] if self._legends else "", "wrapped": None}
            self._controls.append(control)
            if self._label is not None:
                self._label["controls"].append(control)

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._legends:
            self._legends.pop()
        elif tag == "legend" and self._legend is not None:
            if self._legends:
                self._legends[-1] = " ".join("".join(self._legend).split())
            self._legend = None
        elif tag == "label" and self._label is not None:
            text = " ".join("".join(self._label["text"]).replace("*", "").split())
            if self._label["for"]:
                self._label_text[self._label["for"]] = text
            for control in self._label["controls"]:
                control["wrapped"] = text
            self._label = None

    def handle_data(self, data):
        if self._legend is not None:
            self._legend.append(data)
        if self._label is not None:
            self._label["text"].append(data)

    @property
    def names(self) -> list[tuple[str, str]]:
        return [(c["legend"], c["aria"] or self._label_text.get(c["id"] or "") or c["wrapped"]
                 or "") for c in self._controls]


def duplicate_names(page: str) -> list[tuple[str, str]]:
    parser = _Names()
    parser.feed(page)
    return [name for name, count in Counter(parser.names).items() if count > 1]


@pytest.fixture
def world(app, employee, manager, admin, it_department, hr_department):
    peer = UserFactory(email="peer@example.com", display_name="Pat Peer", department=it_department)
    ideas = {status: make_idea(peer, it_department, status=status, title=f"An idea {status}")
             for status in ("open", "in_review", "needs_info", "accepted", "in_progress",
                            "implemented", "declined")}
    ideas["own_needs_info"] = make_idea(employee, it_department, status="needs_info",
                                        title="The employee's idea needing info")
    ideas["own_open"] = make_idea(employee, it_department, title="The employee's open idea")
    first = add_comment(employee, ideas["open"], "A first comment")
    add_comment(manager, ideas["open"], "A second comment")
    add_comment(employee, ideas["own_needs_info"], "A comment on the employee's idea")
    add_comment(manager, ideas["own_needs_info"], "Another comment on it")
    flag_idea(employee, ideas["open"], "A report on an idea")
    flag_comment(peer, first, "A report on a comment")
    campaign = CampaignFactory(sponsor=manager, department=it_department)
    db.session.commit()
    return {"employee": employee, "manager": manager, "admin": admin, "peer": peer,
            "ideas": ideas, "comment": first, "department": hr_department,
            "endpoint": stored_endpoint(), "campaign": campaign}


def pages(w) -> dict[str, list[tuple[str, str]]]:
    """endpoint -> (who, URL) for every page with URL arguments."""
    ideas = w["ideas"]
    every_idea = [(who, f"/ideas/{idea.id}") for idea in ideas.values()
                  for who in ("employee", "manager", "admin")]
    return {
        "admin.edit_department": [("admin", f"/admin/departments/{w['department'].id}/edit")],
        "campaigns.detail": [(who, f"/campaigns/{w['campaign'].id}")
                             for who in ("employee", "manager", "admin")],
        "campaigns.edit": [("manager", f"/campaigns/{w['campaign'].id}/edit")],
        "campaigns.answer": [("employee", f"/campaigns/{w['campaign'].id}/answer")],
        "admin.edit_user": [("admin", f"/admin/users/{w['peer'].id}")],
        "privacy.admin_erase": [("admin", f"/admin/users/{w['peer'].id}/erase")],
        "privacy.download": [("employee", ready_export_link(w["employee"]))],
        "comments.edit": [("employee", f"/comments/{w['comment'].id}/edit")],
        # Where a comment is (a redirect to its page), and a thread whole.
        "comments.show": [("employee", f"/comments/{w['comment'].id}")],
        "comments.replies": [("employee", f"/comments/{w['comment'].id}/replies")],
        "flags.comment": [("peer", f"/comments/{w['comment'].id}/flag")],
        "flags.idea": [("employee", f"/ideas/{ideas['open'].id}/flag")],
        "ideas.department": [("employee", "/departments/it")],
        "ideas.detail": [*every_idea, ("employee", f"/ideas/{ideas['open'].id}"
                                                   f"?after={w['comment'].id}")],
        "ideas.edit": [("employee", f"/ideas/{ideas['own_needs_info'].id}/edit")],
        "ideas.versions": [("employee", f"/ideas/{ideas['open'].id}/versions")],
        "people.profile": [("employee", f"/people/{w['peer'].id}"),
                           ("employee", f"/people/{w['employee'].id}?show=comments")],
        "review.idea": [(who, f"/review/ideas/{idea.id}") for idea in ideas.values()
                        for who in ("manager", "admin")],
        "webhooks.show": [("admin", f"/admin/webhooks/{w['endpoint'].id}")],
        "webhooks.edit": [("admin", f"/admin/webhooks/{w['endpoint'].id}/edit")],
    }


def test_no_page_has_two_controls_of_the_same_name(app, world):
    from flask import url_for

    entries = pages(world)
    visits: list[tuple[str | None, str]] = []
    missing = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if (rule.endpoint in NOT_PAGES or rule.endpoint.startswith(NOT_PAGE_PREFIXES)
                    or "GET" not in (rule.methods or ())):
                continue
            if rule.endpoint in entries:
                visits.extend(entries[rule.endpoint])
            elif rule.arguments and rule.endpoint not in SIGNED_OUT:
                missing.append(rule.endpoint)
            elif rule.endpoint in SIGNED_OUT:
                if not rule.arguments:
                    visits.append((None, url_for(rule.endpoint)))
            else:
                visits.extend((who, url_for(rule.endpoint))
                              for who in ("employee", "manager", "admin"))
    assert not missing, f"pages without an entry in pages(): {missing}"
    clients = {}
    for who in ("employee", "manager", "admin", "peer"):
        clients[who] = app.test_client()
        assert AuthActions(clients[who]).login(world[who].email).status_code == 302
    clients[None] = app.test_client()
    found, titles = {}, {}
    for who, url in visits:
        response = clients[who].get(url, follow_redirects=True)
        if response.status_code == 403:  # a page this person may not see (the admin may)
            continue
        assert response.status_code == 200, (who, url, response.status_code)
        body = response.get_data(as_text=True)
        if duplicates := duplicate_names(body):
            found[f"{url} as {who}"] = duplicates
        # The tab's name is text: markup there shows as characters (a script tag once did).
        title = body[body.index("<title>") + 7:body.index("</title>")]
        if "<" in title:
            titles[f"{url} as {who}"] = title
    assert not found, "controls sharing a name:\n" + "\n".join(
        f"  {page}: {names}" for page, names in found.items())
    assert not titles, f"markup in page titles: {titles}"


def test_the_check_finds_two_boxes_of_the_same_name():
    page = ('<label for="a">Note (optional)</label><textarea id="a"></textarea>'
            '<label for="b">Note (optional)</label><textarea id="b"></textarea>'
            '<label for="c">Note (optional)</label><textarea id="c" aria-label="Other"></textarea>'
            '<fieldset><legend>Impact</legend><label><input type="radio"> 1</label></fieldset>'
            '<fieldset><legend>Effort</legend><label><input type="radio"> 1</label></fieldset>')
    assert duplicate_names(page) == [("", "Note (optional)")]

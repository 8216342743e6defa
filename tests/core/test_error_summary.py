"""Every form refused with bad input shows the error summary (GOV.UK's pattern) at the
top of <main>: "There is a problem", a link to each field in error whose target is a
control on the page, and "Error: " at the start of the title (issue 13, item 3).

The walk covers every POST route (``routes`` of test_forms_fuzz, which fails when a
route is missing there): a new form that does not call ``form_errors`` fails here.
"""

from __future__ import annotations

import html.parser
import re
from urllib.parse import urlsplit

import pytest
from flask import url_for

from ideaboard.core.fields import error_links
from ideaboard.core.forms import PREVIEW
from tests.core.test_forms_fuzz import routes, world  # noqa: F401  (world is a fixture)
from tests.helpers.csrf import csrf_token
from tests.helpers.login import AuthActions

# POST routes whose forms have nothing a person types or picks: a button alone (or a
# hidden value the page wrote). Bad input there is a forged request, answered with a
# message and a redirect, never a form shown again.
BUTTONS_ONLY = {
    "accounts.logout", "accounts.sign_out_everywhere", "admin.set_active",
    "admin.sign_out_everywhere", "comments.delete", "following.follow", "following.unfollow",
    "notifications.open", "notifications.read", "notifications.read_all", "voting.vote",
    # A moderator's decision is one of three buttons; the note beside it is optional and
    # a refusal comes back as a message on the queue.
    "moderation.resolve",
    # Resubmit and withdraw: a button and an optional note; a refusal is a message on
    # the idea page.
    "review.resubmit", "review.withdraw",
    # E-mail preferences: a choice of frequency and checkboxes, nothing typed; a forged
    # value is refused by the choices' own validation.
    "accounts.email_preferences",
    # Revoking a provisioning token: one button per token.
    "provisioning.revoke_token",
    # A webhook endpoint's buttons: switch it off or on, delete it, send a test event.
    "webhooks.set_active", "webhooks.delete", "webhooks.send_test",
    # Revoking an API token (a person's own, an admin's service token): the same.
    "tokens.personal_revoke", "tokens.service_revoke",
    # Asking for one's data is one button; a download link is a button on its page.
    "privacy.request_export", "privacy.download",
    # Removing an outcome unit: one button per unit.
    "analytics.delete_unit",
    # A sponsor's close or archive button.
    "campaigns.change_state",
}


class _Page(html.parser.HTMLParser):
    """The forms of a page (action, fields with their type and maxlength), every id,
    and the error summary's links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.ids: set[str] = set()
        self.summary_links: list[str] = []
        self.main_first: str | None = None
        self._form: dict | None = None
        self._in_summary = 0
        self._in_main = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if self._in_main and self.main_first is None:
            self.main_first = a.get("class") or tag
        if tag == "main":
            self._in_main = True
        if tag == "div" and "data-error-summary" in a:
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(a.get("href") or "")
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = tag if tag != "input" else (a.get("type") or "text")
            self._form["fields"].setdefault(a["name"], {"type": kind,
                                                        "maxlength": a.get("maxlength")})
        elif self._form is not None and tag == "button" and a.get("name"):
            self._form["fields"][a["name"]] = {"type": "button", "value": a.get("value", "")}
        if self._form is not None and tag == "button" and a.get("formaction"):
            # One form, several verbs: the review page's "Save scores" posts elsewhere.
            self._form.setdefault("formactions", []).append(a["formaction"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "div" and self._in_summary:
            self._in_summary -= 1


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def bad_input(fields: dict) -> dict:
    """What a hurried person sends: every box one character too long (or empty where it
    has no limit), nothing chosen."""
    data = {}
    for name, spec in fields.items():
        if spec["type"] == "button" and name != PREVIEW:  # which of a page's forms was sent
            data[name] = spec["value"]
        if spec["type"] in ("hidden", "submit", "radio", "checkbox", "select", "button"):
            continue
        limit = spec["maxlength"]
        data[name] = "x" * (int(limit) + 1) if limit else ""
    return data


@pytest.mark.parametrize("endpoint", [
    "accounts.login", "accounts.signup", "accounts.confirm_signup", "accounts.request_reset",
    "accounts.reset_password", "accounts.account", "admin.edit_department",
    "admin.new_department", "admin.edit_user", "admin.invitations", "comments.create",
    "comments.reply", "comments.edit", "flags.comment", "flags.idea", "ideas.new", "ideas.edit",
    "review.decide", "review.fast_track", "review.score", "review.start", "review.implement",
    "accounts.break_glass", "provisioning.create_token", "webhooks.new", "webhooks.edit",
    "tokens.personal_create", "tokens.service_create",
    "privacy.erase", "privacy.admin_erase", "privacy.retention", "analytics.units",
    "campaigns.new", "campaigns.edit", "campaigns.answer",
])
def test_a_refused_form_shows_the_error_summary(app, world, endpoint):  # noqa: F811
    who, args, source = routes(world)[endpoint]
    client = app.test_client()
    if who:
        assert AuthActions(client).login(world[who].email).status_code == 302
    with app.test_request_context():
        url = url_for(endpoint, **args)
    page = parse(client.get(source).get_data(as_text=True))
    forms = [f for f in page.forms if urlsplit(f["action"]).path == url
             or (not f["action"] and source == url)
             or url in {urlsplit(action).path for action in f.get("formactions", [])}]
    assert forms, f"no form posting to {url} on {source}"
    token = csrf_token(client, "/login" if who is None else "/account")
    for form in forms:  # the account page has two forms that post to it
        data = bad_input(form["fields"])
        response = client.post(url, data=dict(data, csrf_token=token), follow_redirects=True)
        body = response.get_data(as_text=True)
        shown = parse(body)
        assert re.search(r"<title>Error: ", body), (endpoint, response.status_code)
        assert "There is a problem" in body
        assert shown.main_first == "error-summary", "the summary opens <main>"
        assert shown.summary_links, endpoint
        for href in shown.summary_links:
            assert href.startswith("#") and href[1:] in shown.ids, (endpoint, href)


@pytest.mark.parametrize("endpoint", sorted(BUTTONS_ONLY))
def test_forms_without_fields_to_fill_are_known(app, world, endpoint):  # noqa: F811
    assert endpoint in routes(world)


def test_every_post_route_is_walked(app, world):  # noqa: F811
    walked = set(test_a_refused_form_shows_the_error_summary.pytestmark[0].args[1])
    assert walked | BUTTONS_ONLY == set(routes(world))


def test_a_filter_form_with_errors_shows_the_summary_too(admin_client):
    """The audit trail's filters are a GET form: its errors get the summary all the same."""
    body = admin_client.get("/admin/audit?since=2026-05-02&until=2026-05-01").get_data(
        as_text=True)
    shown = parse(body)
    assert "<title>Error: " in body and shown.main_first == "error-summary"
    assert shown.summary_links == ["#until"] and "until" in shown.ids


def test_a_page_without_errors_has_no_summary(client):
    body = client.get("/login").get_data(as_text=True)
    assert "There is a problem" not in body
    assert "<title>Error: " not in body


def test_form_level_errors_link_to_the_first_field(app):
    from ideaboard.accounts.forms import LoginForm

    with app.test_request_context(method="POST", data={}):
        form = LoginForm(meta={"csrf": False})
        form.validate()
        form.form_errors.append("That e-mail and password do not match.")
        links = error_links(form)
    assert links[0] == ("email", "That e-mail and password do not match.")
    assert [target for target, _ in links[1:]] == ["email", "password"]

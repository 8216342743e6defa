"""Bad input never yields a 500, and a form shown again keeps what was typed.

Every POST route of the URL map is driven with data that hypothesis generates
for the fields of the real form that posts to it (read from the page that shows
the form), by a user allowed to use it, with a valid CSRF token. The answer must
be a success (2xx/3xx) or a 4xx; a 422 must show every text the user typed.
"""

from __future__ import annotations

import html.parser
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideaboard.accounts.services import password_reset_token, sign_up_token
from ideaboard.analytics.services import add_unit
from ideaboard.api.models import TokenKind
from ideaboard.comments.services import add_comment
from ideaboard.extensions import db
from ideaboard.identity.scim.tokens import create_token as create_scim_token
from ideaboard.moderation.services import flag_idea
from ideaboard.notifications.services import notify
from tests.helpers.api import new_token_id
from tests.helpers.csrf import csrf_token
from tests.helpers.login import AuthActions
from tests.helpers.review import make_idea
from tests.helpers.webhooks import stored_endpoint

TEXT_TYPES = {"text", "email", "search", "textarea", "url", "number", "date"}


class _Forms(html.parser.HTMLParser):
    """Every <form>: its action (and its buttons' ``formaction``s: one form may post to
    several endpoints), and its fields' names, types and options."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": {}, "formactions": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea", "select") and a.get("name"):
            kind = "textarea" if tag == "textarea" else "select" if tag == "select" else \
                (a.get("type") or "text")
            field = self._form["fields"].setdefault(a["name"], {"type": kind, "options": []})
            if kind in ("hidden", "checkbox", "radio", "submit") and a.get("value") is not None:
                field["options"].append(a["value"])
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._select:
            self._form["fields"][self._select]["options"].append(a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self._form["fields"][a["name"]] = {"type": "submit", "options": [a.get("value", "")]}
        if tag == "button" and a.get("formaction"):
            self._form["formactions"].append(a["formaction"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


class _Values(html.parser.HTMLParser):
    """The values a re-rendered form shows: input values and textarea contents."""

    def __init__(self):
        super().__init__()
        self.values: list[str] = []
        self._in_textarea = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("value") is not None:
            self.values.append(a["value"])
        self._in_textarea = tag == "textarea"
        if self._in_textarea:
            self.values.append("")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._in_textarea = False

    def handle_data(self, data):
        if self._in_textarea:
            self.values[-1] += data


def shown_values(page: str) -> list[str]:
    parser = _Values()
    parser.feed(page)
    return [v.replace("\r\n", "\n").removeprefix("\n") for v in parser.values]


@pytest.fixture
def world(app, employee, manager, admin, it_department, hr_department):
    """One of everything the POST routes act on, and who may act on each."""
    from tests.helpers.factories import CampaignFactory, UserFactory

    peer = UserFactory(email="peer@example.com", display_name="Pat Peer", department=it_department)
    own_idea = make_idea(employee, it_department, title="Employee's own open idea")
    peer_idea = make_idea(peer, it_department, title="A peer's idea to vote on")
    in_review = make_idea(peer, it_department, status="in_review", title="Idea waiting for review")
    needs_info = make_idea(employee, it_department, status="needs_info", title="Idea needing info")
    accepted = make_idea(peer, it_department, status="accepted", title="Accepted idea to start")
    in_progress = make_idea(peer, it_department, status="in_progress", title="Idea in progress")
    comment = add_comment(employee, peer_idea, "A comment to edit, reply to and flag")
    flag = flag_idea(peer, peer_idea, "Flagged for the moderation queue")
    [notification] = notify([employee.id], "comment", "Something happened", idea_id=peer_idea.id)
    scim_token, _secret = create_scim_token("Entra ID", admin)
    endpoint = stored_endpoint()
    unit = add_unit("Fuzzed unit", ["fuzz/yr"], None)
    campaign = CampaignFactory(sponsor=manager, department=it_department)
    db.session.commit()
    api_token_id = new_token_id(employee)
    service_token_id = new_token_id(admin, TokenKind.SERVICE)
    return {
        "employee": employee, "manager": manager, "admin": admin, "peer": peer,
        "own_idea": own_idea, "peer_idea": peer_idea, "in_review": in_review,
        "needs_info": needs_info, "accepted": accepted, "in_progress": in_progress,
        "comment": comment, "flag": flag, "notification": notification,
        "department": hr_department, "scim_token": scim_token, "endpoint": endpoint,
        "api_token_id": api_token_id, "service_token_id": service_token_id, "unit": unit,
        "campaign": campaign,
    }


# endpoint -> (who posts, URL arguments, the page that shows the form)
def routes(w) -> dict[str, tuple[str | None, dict, str | None]]:
    reset = f"/reset-password/{password_reset_token(w['employee'])}"
    confirm = f"/signup/confirm/{sign_up_token('fuzz.new@example.com', 'Fuzz New', None)}"
    return {
        "accounts.login": (None, {}, "/login"),
        "accounts.break_glass": (None, {}, "/login/break-glass"),
        "accounts.signup": (None, {}, "/signup"),
        "accounts.confirm_signup": (None, {"token": confirm.rsplit("/", 1)[1]}, confirm),
        "accounts.request_reset": (None, {}, "/reset-password"),
        "accounts.reset_password": (None, {"token": reset.rsplit("/", 1)[1]}, reset),
        "accounts.logout": ("employee", {}, "/account"),
        "accounts.account": ("employee", {}, "/account"),
        "accounts.email_preferences": ("employee", {}, "/account/email"),
        "accounts.sign_out_everywhere": ("employee", {}, "/account"),
        "admin.edit_department": ("admin", {"department_id": w["department"].id},
                                  f"/admin/departments/{w['department'].id}/edit"),
        "admin.new_department": ("admin", {}, "/admin/departments/new"),
        "admin.edit_user": ("admin", {"user_id": w["peer"].id}, f"/admin/users/{w['peer'].id}"),
        "admin.set_active": ("admin", {"user_id": w["peer"].id}, f"/admin/users/{w['peer'].id}"),
        "admin.sign_out_everywhere": ("admin", {"user_id": w["peer"].id},
                                      f"/admin/users/{w['peer'].id}"),
        "admin.invitations": ("admin", {}, "/admin/invitations"),
        "analytics.units": ("admin", {}, "/admin/units"),
        "analytics.delete_unit": ("admin", {"unit_id": w["unit"].id}, "/admin/units"),
        "campaigns.new": ("admin", {}, "/campaigns/new"),
        "campaigns.edit": ("manager", {"campaign_id": w["campaign"].id},
                           f"/campaigns/{w['campaign'].id}/edit"),
        "campaigns.change_state": ("manager", {"campaign_id": w["campaign"].id},
                                   f"/campaigns/{w['campaign'].id}"),
        "campaigns.answer": ("employee", {"campaign_id": w["campaign"].id},
                             f"/campaigns/{w['campaign'].id}/answer"),
        "comments.create": ("employee", {"idea_id": w["peer_idea"].id},
                            f"/ideas/{w['peer_idea'].id}"),
        "comments.reply": ("employee", {"comment_id": w["comment"].id},
                           f"/ideas/{w['peer_idea'].id}"),
        "comments.edit": ("employee", {"comment_id": w["comment"].id},
                          f"/comments/{w['comment'].id}/edit"),
        "comments.delete": ("employee", {"comment_id": w["comment"].id},
                            f"/ideas/{w['peer_idea'].id}"),
        "flags.comment": ("peer", {"comment_id": w["comment"].id},
                          f"/comments/{w['comment'].id}/flag"),
        "flags.idea": ("employee", {"idea_id": w["peer_idea"].id},
                       f"/ideas/{w['peer_idea'].id}/flag"),
        # The employee commented, so follows the idea: the page offers "unfollow".
        "following.follow": ("employee", {"idea_id": w["peer_idea"].id}, None),
        "following.unfollow": ("employee", {"idea_id": w["peer_idea"].id},
                               f"/ideas/{w['peer_idea'].id}"),
        "ideas.new": ("employee", {}, "/ideas/new"),
        "ideas.edit": ("employee", {"idea_id": w["own_idea"].id},
                       f"/ideas/{w['own_idea'].id}/edit"),
        "moderation.resolve": ("admin", {"flag_id": w["flag"].id}, "/admin/moderation"),
        "provisioning.create_token": ("admin", {}, "/admin/provisioning/"),
        "provisioning.revoke_token": ("admin", {"token_id": w["scim_token"].id},
                                      "/admin/provisioning/"),
        "webhooks.new": ("admin", {}, "/admin/webhooks/new"),
        "webhooks.edit": ("admin", {"endpoint_id": w["endpoint"].id},
                          f"/admin/webhooks/{w['endpoint'].id}/edit"),
        **{f"webhooks.{name}": ("admin", {"endpoint_id": w["endpoint"].id},
                                f"/admin/webhooks/{w['endpoint'].id}")
           for name in ("set_active", "delete", "send_test")},
        "tokens.personal_create": ("employee", {}, "/account/tokens"),
        "tokens.personal_revoke": ("employee", {"token_id": w["api_token_id"]},
                                   "/account/tokens"),
        "tokens.service_create": ("admin", {}, "/admin/tokens"),
        "tokens.service_revoke": ("admin", {"token_id": w["service_token_id"]},
                                  "/admin/tokens"),
        "notifications.open": ("employee", {"notification_id": w["notification"].id},
                               "/notifications"),
        "notifications.read": ("employee", {"notification_id": w["notification"].id},
                               "/notifications"),
        "notifications.read_all": ("employee", {}, "/notifications"),
        "review.decide": ("manager", {"idea_id": w["in_review"].id},
                          f"/review/ideas/{w['in_review'].id}"),
        "review.fast_track": ("manager", {"idea_id": w["peer_idea"].id},
                              f"/ideas/{w['peer_idea'].id}"),
        "review.score": ("manager", {"idea_id": w["in_review"].id},
                         f"/review/ideas/{w['in_review'].id}"),
        "review.start": ("manager", {"idea_id": w["accepted"].id},
                         f"/review/ideas/{w['accepted'].id}"),
        "review.implement": ("manager", {"idea_id": w["in_progress"].id},
                             f"/review/ideas/{w['in_progress'].id}"),
        "review.resubmit": ("employee", {"idea_id": w["needs_info"].id},
                            f"/ideas/{w['needs_info'].id}"),
        "review.withdraw": ("employee", {"idea_id": w["own_idea"].id},
                            f"/ideas/{w['own_idea'].id}"),
        "voting.vote": ("employee", {"idea_id": w["peer_idea"].id}, f"/ideas/{w['peer_idea'].id}"),
        "privacy.request_export": ("employee", {}, "/account/data"),
        # A made-up link: 404 whatever is sent (the real one: tests/privacy/test_export.py).
        "privacy.download": ("employee", {"token": "not-a-real-token"}, None),
        "privacy.erase": ("employee", {}, "/account/erase"),
        "privacy.admin_erase": ("admin", {"user_id": w["peer"].id},
                                f"/admin/users/{w['peer'].id}/erase"),
        "privacy.retention": ("admin", {}, "/admin/retention"),
    }


# POST routes that take no HTML form: machines' JSON behind a bearer token, and the
# identity provider's signed SAML answer, with tests of their own bad input
# (tests/identity/test_scim_refusals.py, the scim2-tester run, tests/identity/test_saml.py,
# tests/api/test_bad_input.py and the schemathesis run of tests/api/test_openapi.py).
NOT_FORMS = ("scim.", "identity.saml_", "api.")


def post_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules()
                   if "POST" in (r.methods or ()) and not r.endpoint.startswith(NOT_FORMS)})


def test_every_post_route_is_fuzzed(app, world):
    assert sorted(routes(world)) == post_endpoints(app)


texts = st.one_of(
    st.text(max_size=60),
    st.text(min_size=8, max_size=200),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "<script>x</script>",
                     "\u202e\u0000", "é" * 300, "a@b", "' OR 1=1 --", "%s%n", "\ud7ff"]),
)


@st.composite
def form_data(draw, fields: dict) -> dict:
    data = {}
    for name, spec in fields.items():
        if name == "csrf_token" or draw(st.integers(0, 9)) == 0:  # sometimes leave a field out
            continue
        if spec["options"] and draw(st.booleans()):
            data[name] = draw(st.sampled_from(spec["options"]))
        elif spec["type"] in ("checkbox",):
            data[name] = draw(st.sampled_from(["y", "on", ""]))
        else:
            data[name] = as_a_browser_sends(spec["type"], draw(texts))
    return data


def as_a_browser_sends(kind: str, value: str) -> str:
    """A browser removes line breaks from one-line inputs, and surrounding
    whitespace from e-mail and URL inputs (the HTML value sanitisation rules)."""
    if kind != "textarea":
        value = value.replace("\r", "").replace("\n", "")
    if kind in ("email", "url"):
        value = value.strip(" \t\f")
    return value


def _client(app, world, who):
    client = app.test_client()
    if who:
        assert AuthActions(client).login(world[who].email).status_code == 302
    return client


@pytest.mark.parametrize("endpoint", [
    "accounts.login", "accounts.signup", "accounts.confirm_signup", "accounts.request_reset",
    "accounts.reset_password", "accounts.logout", "accounts.account",
    "accounts.email_preferences", "accounts.sign_out_everywhere", "admin.edit_department",
    "admin.new_department",
    "admin.edit_user", "admin.set_active", "admin.sign_out_everywhere", "admin.invitations",
    "analytics.units", "analytics.delete_unit",
    "comments.create", "comments.reply", "comments.edit", "comments.delete", "flags.comment",
    "flags.idea", "following.follow", "following.unfollow", "ideas.new", "ideas.edit",
    "moderation.resolve", "notifications.open", "notifications.read", "notifications.read_all",
    "review.decide", "review.fast_track", "review.score", "review.start", "review.implement",
    "review.resubmit", "review.withdraw", "voting.vote", "webhooks.new", "webhooks.edit",
    "webhooks.set_active", "webhooks.send_test", "webhooks.delete",
    "privacy.request_export", "privacy.download", "privacy.erase", "privacy.admin_erase",
    "privacy.retention",
])
def test_generated_input_never_breaks_a_form(app, world, endpoint):
    from flask import url_for

    who, args, source = routes(world)[endpoint]
    client = _client(app, world, who)
    with app.test_request_context():
        url = url_for(endpoint, **args)
    fields: dict = {}
    if source:
        page = client.get(source).get_data(as_text=True)
        matching = [f for f in forms_on(page) if urlsplit(f["action"]).path == url
                    or (not f["action"] and source == url)
                    or url in {urlsplit(action).path for action in f["formactions"]}]
        assert matching, f"no form posting to {url} on {source}"
        for form in matching:
            fields.update(form["fields"])
    token = csrf_token(client, "/login" if who is None else "/account")

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(form_data(fields))
    def check(data):
        response = client.post(url, data=dict(data, csrf_token=token))
        assert response.status_code < 500, (endpoint, data)
        if response.status_code == 422:
            # Surrounding whitespace may be trimmed; every other character must survive.
            shown = [v.strip() for v in shown_values(response.get_data(as_text=True))]
            for name, value in data.items():
                kind = fields.get(name, {}).get("type")
                typed = value.replace("\r\n", "\n").strip()
                control_chars = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", typed)
                if kind in TEXT_TYPES and typed and not control_chars:
                    assert typed in shown, (endpoint, name, value)

    check()

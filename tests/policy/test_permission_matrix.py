"""Every route against every kind of user, from one table.

The test walks ``app.url_map``: each endpoint and method (static files aside) must have
an entry in MATRIX, so a new route without one fails here until someone decides who
may use it. Each request runs on fresh objects (a new idea in the state the entry
asks for, a comment, a flag, a notification), so one role's action never changes
what the next role sees.

Expectations are one letter per role, in the order of ROLES:

- ``L``: sent to log in (a redirect to /login);
- ``D``: denied (403, or 404 where the object is hidden from that user);
- ``O``: allowed: anything else below 500 (a page, a redirect elsewhere, a 422 form).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from ideaboard.analytics.services import add_unit
from ideaboard.api.models import Scope, TokenKind
from ideaboard.api.services import allowed_scopes
from ideaboard.comments.models import Comment
from ideaboard.core.permissions import GATES, PUBLIC, RULES
from ideaboard.extensions import db
from ideaboard.identity.scim.tokens import create_token
from ideaboard.moderation.models import Flag
from ideaboard.notifications.services import notify
from ideaboard.sanitize import render_markdown
from tests.helpers.api import new_token, new_token_id
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import CampaignFactory, DepartmentFactory, UserFactory
from tests.helpers.login import AuthActions
from tests.helpers.review import make_idea
from tests.helpers.webhooks import stored_endpoint

# "author_manager" is the author who is also the manager: the only manager of the
# department their idea is for, acting on that idea (and on their own comment on it).
ROLES = ("anonymous", "employee", "author", "other_manager", "manager", "admin",
         "author_manager")


@dataclass(frozen=True)
class Case:
    """Who may do what on one endpoint: expectations per method, and the set-up."""

    GET: str | None = None
    POST: str | None = None
    PUT: str | None = None  # the machines' APIs (SCIM) use these too
    PATCH: str | None = None
    DELETE: str | None = None
    status: str = "open"  # the state of the fresh idea the URL points at
    data: dict = field(default_factory=dict)  # form fields sent with the POST
    fresh_login: bool = False  # the request ends the person's sessions (log out)


RATIONALE = "A rationale that is long enough to be accepted."

MATRIX: dict[str, Case] = {
    # core and accounts: public pages; logged-in users are sent on to the app.
    "core.healthz": Case(GET="OOOOOOO"),
    "core.readyz": Case(GET="OOOOOOO"),
    # A gate on the request, not the person: the test client comes from 127.0.0.1, in
    # the default allow-list (refusals: tests/ops/test_metrics.py).
    "core.metrics_page": Case(GET="OOOOOOO"),
    "help.index": Case(GET="OOOOOOO"),  # how the board works: for newcomers too
    "accounts.login": Case(GET="OOOOOOO", POST="OOOOOOO"),
    "accounts.logout": Case(POST="LLLLLLL", fresh_login=True),  # back to the log-in page
    # SSO-only mode's admin way in; anyone may try (only admins succeed, tests/identity).
    "accounts.break_glass": Case(GET="OOOOOOO", POST="OOOOOOO"),
    # Single sign-on is not configured here, so it is not there (404) for a visitor;
    # the signed-in are sent on to the app. Its refusals: tests/identity.
    "identity.sso_login": Case(GET="DOOOOOO"),
    "identity.sso_callback": Case(GET="DDDDDDD"),
    # SAML likewise (not configured: 404); its answers and refusals: tests/identity/test_saml.py.
    "identity.saml_login": Case(GET="DOOOOOO"),
    "identity.saml_metadata": Case(GET="DDDDDDD"),
    "identity.saml_acs": Case(POST="DDDDDDD"),
    "identity.saml_continue": Case(POST="DDDDDDD"),
    "accounts.signup": Case(GET="OOOOOOO", POST="OOOOOOO"),
    "accounts.signup_sent": Case(GET="OOOOOOO"),
    "accounts.confirm_signup": Case(GET="OOOOOOO", POST="OOOOOOO"),  # a bad link: back to sign-up
    "accounts.request_reset": Case(GET="OOOOOOO", POST="OOOOOOO"),
    "accounts.reset_password": Case(GET="OOOOOOO", POST="OOOOOOO"),
    "accounts.account": Case(GET="LOOOOOO", POST="LOOOOOO"),
    "accounts.email_preferences": Case(GET="LOOOOOO", POST="LOOOOOO"),
    # Like log-out: every session ends and the person lands on the log-in page.
    "accounts.sign_out_everywhere": Case(POST="LLLLLLL", fresh_login=True),
    # ideas
    "ideas.index": Case(GET="LOOOOOO"),
    "ideas.department": Case(GET="LOOOOOO"),
    "ideas.similar": Case(GET="LOOOOOO"),
    "ideas.new": Case(GET="LOOOOOO", POST="LOOOOOO"),
    "ideas.detail": Case(GET="LOOOOOO"),
    "ideas.edit": Case(GET="LDODDDO", POST="LDODDDO"),
    "ideas.versions": Case(GET="LOOOOOO"),
    "voting.vote": Case(POST="LODOOOD", data={"value": "1"}),  # never on one's own idea
    # discussion
    "comments.create": Case(POST="LOOOOOO", data={"body": "A thoughtful comment."}),
    "comments.reply": Case(POST="LOOOOOO", data={"body": "A thoughtful reply."}),
    "comments.edit": Case(GET="LDODDDO", POST="LDODDDO", data={"body": "Edited text."}),
    "comments.delete": Case(POST="LDODDDO"),  # moderators hide; only the author deletes
    "comments.show": Case(GET="LOOOOOO"),  # sent on to the page that holds it
    "comments.replies": Case(GET="LOOOOOO"),
    # campaigns: admins start them; the sponsor (the IT manager here) and admins run
    # them; anyone answers an open campaign for everyone (audience and dates:
    # tests/campaigns).
    "campaigns.index": Case(GET="LOOOOOO"),
    "campaigns.new": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "campaigns.detail": Case(GET="LOOOOOO"),
    "campaigns.edit": Case(GET="LDDDOOD", POST="LDDDOOD"),
    "campaigns.change_state": Case(POST="LDDDOOD", data={"to": "closed"}),
    "campaigns.answer": Case(GET="LOOOOOO", POST="LOOOOOO", data={
        "title": "An answer to the campaign", "body": "Its body.", "tags": ""}),
    # people: any colleague's page, to anyone signed in
    "people.profile": Case(GET="LOOOOOO"),
    "following.follow": Case(POST="LOOOOOO"),
    "following.unfollow": Case(POST="LOOOOOO"),
    "flags.idea": Case(GET="LOOOOOO", POST="LOOOOOO", data={"reason": "Looks like spam."}),
    # The comment is the author's own: nobody flags their own words.
    "flags.comment": Case(GET="LODOOOD", POST="LODOOOD", data={"reason": "Looks like spam."}),
    "notifications.index": Case(GET="LOOOOOO"),
    "notifications.read": Case(POST="LODDDDD"),  # the notification is the employee's
    "notifications.open": Case(POST="LODDDDD"),
    "notifications.read_all": Case(POST="LOOOOOO"),
    # review: the responsible manager (and admins) decide; the author resubmits/withdraws
    "review.queue": Case(GET="LDDOOOO"),
    "review.idea": Case(GET="LDDDOOD", status="in_review"),
    "review.fast_track": Case(POST="LDDDOOD", data={"fast-track-note": "Urgent one."}),
    "review.score": Case(POST="LDDDOOD", status="in_review",
                         data={"impact": "3", "feasibility": "3", "effort": "3"}),
    "review.decide": Case(POST="LDDDOOD", status="in_review",
                          data={"decision": "declined", "rationale": RATIONALE}),
    "review.start": Case(POST="LDDDOOD", status="accepted",
                         data={"find": "owner", "owner_query": "employee"}),
    "review.implement": Case(POST="LDDDOOD", status="in_progress",
                             data={"what_changed": "It is done."}),
    "review.resubmit": Case(POST="LDODDDO", status="needs_info"),
    "review.withdraw": Case(POST="LDODDDO"),
    # admin
    "admin.index": Case(GET="LDDDDOD"),
    "admin.users": Case(GET="LDDDDOD"),
    "admin.edit_user": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "admin.set_active": Case(POST="LDDDDOD"),
    "admin.sign_out_everywhere": Case(POST="LDDDDOD"),
    "admin.invitations": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "admin.departments": Case(GET="LDDDDOD"),
    "admin.new_department": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "admin.edit_department": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "moderation.queue": Case(GET="LDDDDOD"),
    "moderation.resolve": Case(POST="LDDDDOD"),
    "audit.index": Case(GET="LDDDDOD"),
    # Insight: the impact ledger for everyone; analytics for managers (their subtree) and
    # admins; the units admins manage (scopes and figures: tests/analytics).
    "analytics.impact": Case(GET="LOOOOOO"),
    "analytics.index": Case(GET="LDDOOOO"),
    "analytics.units": Case(GET="LDDDDOD", POST="LDDDDOD",
                            data={"name": "Litres a year", "aliases": "l/yr"}),
    "analytics.delete_unit": Case(POST="LDDDDOD"),
    "identity.admin_status": Case(GET="LDDDDOD"),
    "provisioning.index": Case(GET="LDDDDOD"),
    "provisioning.create_token": Case(POST="LDDDDOD", data={"name": "Entra ID"}),
    "provisioning.revoke_token": Case(POST="LDDDDOD"),
    # Webhooks: admins only (what they do: tests/webhooks/test_admin_pages.py).
    "webhooks.index": Case(GET="LDDDDOD"),
    "webhooks.new": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "webhooks.show": Case(GET="LDDDDOD"),
    "webhooks.edit": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "webhooks.set_active": Case(POST="LDDDDOD", data={"active": "0"}),
    "webhooks.delete": Case(POST="LDDDDOD"),
    "webhooks.send_test": Case(POST="LDDDDOD"),
    # API tokens: one's own (the token revoked is the person's own: others get 404),
    # and the service tokens of the admins.
    "tokens.personal": Case(GET="LOOOOOO"),
    "tokens.personal_create": Case(POST="LOOOOOO", data={"name": "Script", "scopes": "read",
                                                       "expires": "30"}),
    "tokens.personal_revoke": Case(POST="LODDDDD"),
    "tokens.service": Case(GET="LDDDDOD"),
    "tokens.service_create": Case(POST="LDDDDOD", data={"name": "Report", "scopes": "read",
                                                      "expires": "30"}),
    "tokens.service_revoke": Case(POST="LDDDDOD"),
    # SCIM provisioning: a provider connection's bearer token only (a 401 SCIM error for
    # everyone here, admins' cookies included; the tokens: tests/identity).
    **{f"scim.{endpoint}": Case(GET="DDDDDDD") for endpoint in (
        "service_provider_config_view", "resource_types", "resource_type", "schemas",
        "schema", "users", "user", "groups", "group")},
    **{f"scim.{endpoint}": Case(POST="DDDDDDD") for endpoint in (
        "user_create", "users_search", "group_create", "groups_search")},
    **{f"scim.{kind}_replace": Case(PUT="DDDDDDD") for kind in ("user", "group")},
    **{f"scim.{kind}_patch": Case(PATCH="DDDDDDD") for kind in ("user", "group")},
    **{f"scim.{kind}_delete": Case(DELETE="DDDDDDD") for kind in ("user", "group")},
    "scim.unknown": Case(GET="DDDDDDD", POST="DDDDDDD", PUT="DDDDDDD", PATCH="DDDDDDD",
                         DELETE="DDDDDDD"),
    # The REST API's document and its docs page describe; they open nothing.
    "api-docs.openapi_json": Case(GET="OOOOOOO"),
    "api_docs.docs": Case(GET="OOOOOOO"),
    # privacy: each person's own data; the erasure form sent empty is shown again (422),
    # and a made-up download link opens nothing (404). Admins erase others and set the
    # retention (what they do: tests/privacy).
    "privacy.my_data": Case(GET="LOOOOOO"),
    "privacy.request_export": Case(POST="LOOOOOO"),
    "privacy.download": Case(GET="LDDDDDD", POST="LDDDDDD"),
    "privacy.erase": Case(GET="LOOOOOO", POST="LOOOOOO"),
    "privacy.admin_erase": Case(GET="LDDDDOD", POST="LDDDDOD"),
    "privacy.retention": Case(GET="LDDDDOD", POST="LDDDDOD"),
}

# The REST API: bearer tokens only, so every role's cookie is refused (401) in MATRIX;
# test_api_matrix below asks each endpoint with a token of every role and every scope.
# The letters are for the roles but "anonymous" (who has no token: always refused),
# with a token holding the scope the endpoint needs; any other scope is refused (403).
API_MATRIX: dict[str, Case] = {
    "api.list_ideas": Case(GET="OOOOOO"),
    "api.get_idea": Case(GET="OOOOOO"),
    "api.create_idea": Case(POST="OOOOOO", data={
        "title": "An idea sent by a script", "body": "Its body."}),
    "api.edit_idea": Case(PATCH="DODDDO", data={"title": "An edited title for it"}),
    "api.vote": Case(POST="ODOOOD", data={"value": 1}),  # never on one's own idea
    "api.follow": Case(PUT="OOOOOO"),
    "api.unfollow": Case(DELETE="OOOOOO"),
    "api.list_comments": Case(GET="OOOOOO"),
    "api.create_comment": Case(POST="OOOOOO", data={"body": "A comment from a script."}),
    "api.reply": Case(POST="OOOOOO", data={"body": "A reply from a script."}),
    "api.departments": Case(GET="OOOOOO"),
    "api.my_notifications": Case(GET="OOOOOO"),
    "api.queue": Case(GET="DDOOOO"),
    "api.score": Case(PUT="DDDOOD", status="in_review",
                      data={"impact": 3, "feasibility": 3, "effort": 3}),
    "api.decide": Case(POST="DDDOOD", status="in_review",
                       data={"decision": "declined", "rationale": RATIONALE}),
}
MATRIX.update({endpoint: Case(**{method: "D" * len(ROLES)
                                 for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
                                 if getattr(case, method)})
               for endpoint, case in API_MATRIX.items()})


def routes(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    return found


def test_every_route_has_an_entry(app):
    missing = sorted({f"{endpoint} {method}" for endpoint, method, _ in routes(app)
                      if getattr(MATRIX.get(endpoint), method, None) is None})
    stale = sorted(set(MATRIX) - {endpoint for endpoint, _, _ in routes(app)})
    assert not missing, "routes without an entry in MATRIX:\n  " + "\n  ".join(missing)
    assert not stale, "MATRIX entries for routes that no longer exist: " + ", ".join(stale)


def test_every_view_declares_its_permission(app):
    """A route without @requires(...), or naming no rule, is a bug: it would skip the one
    policy."""
    undeclared = sorted(
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static"
        and getattr(view, "required_action", None) not in (PUBLIC, *RULES, *GATES))
    assert not undeclared, "views without @requires(...): " + ", ".join(undeclared)


class World:
    """The people of the matrix, each with a logged-in client, and fresh objects."""

    def __init__(self, app, it_department, hr_department, admin):
        self.app = app
        self.department = it_department
        self.users = {
            "employee": UserFactory(email="employee@example.com", department=it_department),
            "author": UserFactory(email="author@example.com", department=it_department),
            "other_manager": UserFactory(email="hr.boss@example.com", manages=[hr_department]),
            "manager": UserFactory(email="it.boss@example.com", manages=[it_department]),
            "admin": admin,
        }
        # The only manager of IT Support (under IT): their own idea is for it.
        self.own_department = DepartmentFactory(name="IT Support", slug="it-support",
                                                parent=it_department)
        self.users["author_manager"] = UserFactory(email="support.boss@example.com",
                                                   manages=[self.own_department])
        self.target_user = UserFactory(email="target@example.com")
        self.clients = {role: self.client_for(role) for role in ROLES}

    def client_for(self, role: str):
        client = self.app.test_client()
        if role != "anonymous":
            response = AuthActions(client).login(self.users[role].email)
            assert response.status_code == 302
        client.token = csrf_token(client)
        return client

    def scim_token_id(self) -> int:
        """A fresh SCIM token's id (the admin's revoke acts on one)."""
        token, _secret = create_token("Okta", None)
        db.session.commit()
        return token.id

    def token_id(self, rule) -> int:
        """A fresh token for a revoke: the employee's own API token, an admin's service
        token, or a SCIM connection's."""
        if rule.endpoint == "tokens.personal_revoke":
            return new_token_id(self.users["employee"])
        if rule.endpoint == "tokens.service_revoke":
            return new_token_id(self.users["admin"], TokenKind.SERVICE)
        return self.scim_token_id()

    def unit_id(self) -> int:
        """A fresh outcome unit for a removal."""
        unit = add_unit(f"Unit {db.session.scalar(sa.func.random())}", [], None)
        db.session.commit()
        return unit.id

    def campaign_id(self) -> int:
        """A fresh open campaign for everyone, sponsored by the IT manager."""
        return CampaignFactory(sponsor=self.users["manager"], department=self.department).id

    def url_args(self, rule, case: Case, role: str) -> dict:
        """Fresh objects for one request; the author manager acts on their own idea."""
        author, department = self.users["author"], self.department
        if role == "author_manager":
            author, department = self.users[role], self.own_department
        idea = make_idea(author, department, status=case.status, comment_count=1)
        comment = Comment(idea_id=idea.id, author_id=author.id,
                          body_md="A comment", body_html=render_markdown("A comment"))
        db.session.add(comment)
        db.session.flush()
        flag = Flag(reporter_id=self.users["employee"].id, idea_id=idea.id, reason="Spam")
        db.session.add(flag)
        [notification] = notify([self.users["employee"].id], "status_change", "News",
                                idea_id=idea.id)
        db.session.commit()
        values = {"idea_id": idea.id, "comment_id": comment.id, "flag_id": flag.id,
                  "notification_id": notification.id, "user_id": self.target_user.id,
                  "department_id": self.department.id, "slug": self.department.slug,
                  "token": "not-a-valid-token", "resource_id": "1", "rest": "Elsewhere",
                  "token_id": self.token_id(rule) if "token_id" in rule.arguments else 0,
                  "endpoint_id": stored_endpoint().id if "endpoint_id" in rule.arguments else 0,
                  "unit_id": self.unit_id() if "unit_id" in rule.arguments else 0,
                  "campaign_id": self.campaign_id() if "campaign_id" in rule.arguments else 0}
        return {name: values[name] for name in rule.arguments}


def outcome(response) -> str:
    if response.status_code >= 500 or response.status_code == 405:
        return f"!{response.status_code}"
    if response.status_code in (401, 403, 404):
        return "D"
    if response.status_code in (301, 302, 303) and \
            "/login" in response.headers.get("Location", ""):
        return "L"
    return "O"


def test_permission_matrix(app, it_department, hr_department, admin):
    world = World(app, it_department, hr_department, admin)
    with app.test_request_context():
        from flask import url_for

        failures = []
        for endpoint, method, rule in routes(app):
            case = MATRIX.get(endpoint)
            expected = getattr(case, method, None) if case else None
            if expected is None:
                continue  # reported by test_every_route_has_an_entry
            # strict: an expectation string with a letter too many or too few is an error.
            for role, want in zip(ROLES, expected, strict=True):
                url = url_for(endpoint, **world.url_args(rule, case, role), _external=False)
                client = world.client_for(role) if case.fresh_login else world.clients[role]
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.open(url, method=method,
                                           data={"csrf_token": client.token, **case.data})
                if case.fresh_login and role != "anonymous":
                    # Ending a session ends every session of that person (log-out, sign
                    # out everywhere): the role's shared client signs in again.
                    world.clients[role] = world.client_for(role)
                got = outcome(response)
                if got != want:
                    failures.append(f"{endpoint} {method} as {role}: expected {want}, got "
                                    f"{got} ({response.status_code} "
                                    f"{response.headers.get('Location', '')})")
    assert not failures, "\n".join(failures)


def test_every_api_route_has_an_entry_and_a_scope(app):
    api_routes = {endpoint for endpoint, _, _ in routes(app) if endpoint.startswith("api.")}
    assert api_routes == set(API_MATRIX)
    for endpoint in api_routes:
        assert isinstance(getattr(app.view_functions[endpoint], "required_scope", None), Scope)


def test_api_matrix(app, it_department, hr_department, admin):
    """Every API route, for every role, with a token of each scope the role may hold
    (and none): allowed only with the scope the route needs, and then as the policy
    lets that role; refused otherwise, and never answered with a 5xx."""
    world = World(app, it_department, hr_department, admin)
    people = {role: world.users[role] for role in ROLES if role != "anonymous"}
    tokens = {(role, scope.value): new_token(user, (scope.value,))
              for role, user in people.items() for scope in allowed_scopes(user)}
    with app.test_request_context():
        from flask import url_for

        failures = []
        for endpoint, method, rule in routes(app):
            case = API_MATRIX.get(endpoint)
            expected = getattr(case, method, None) if case else None
            if expected is None:
                continue
            needed = app.view_functions[endpoint].required_scope.value
            for role, want in zip(people, expected, strict=True):
                for scope in [None, *(scope.value for scope in Scope)]:
                    if scope is not None and (role, scope) not in tokens:
                        continue  # a token the role may not have (test_tokens)
                    url = url_for(endpoint, **world.url_args(rule, case, role))
                    headers = {"Authorization": f"Bearer {tokens[role, scope]}"} if scope else {}
                    body = case.data if method in ("POST", "PUT", "PATCH") else None
                    response = app.test_client().open(url, method=method, json=body,
                                                      headers=headers)
                    got = outcome(response)
                    wanted = want if scope == needed else "D"
                    if got != wanted:
                        failures.append(f"{endpoint} {method} as {role} with {scope}: expected "
                                        f"{wanted}, got {got} ({response.status_code} "
                                        f"{response.get_data(as_text=True)[:200]})")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("letter", ["L", "D", "O"])
def test_outcome_letters(letter):
    """The classifier the matrix relies on tells the three outcomes apart."""

    class Fake:
        def __init__(self, status, location=""):
            self.status_code, self.headers = status, {"Location": location}

    samples = {"L": Fake(302, "/login?next=%2Freview"), "D": Fake(403), "O": Fake(302, "/")}
    assert outcome(samples[letter]) == letter

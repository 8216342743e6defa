"""The one list of the app's pages, and the company they show: every page-walking test
(axe-core in Chromium, the pseudo-locale's untranslated-text check) goes through it.

PAGES is the one list of pages: a new page gets a line here (the permission matrix,
tests/policy/test_permission_matrix.py, names every route; each GET that renders a page
belongs in this list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import URLSafeTimedSerializer

from ideaboard.accounts.services import invite, password_reset_token, sign_up_token
from ideaboard.comments.services import add_comment
from ideaboard.extensions import db
from ideaboard.ideas.services import edit_idea
from ideaboard.moderation.models import Flag
from ideaboard.notifications.services import notify
from ideaboard.webhooks.models import WebhookDelivery
from tests.helpers.factories import CampaignFactory, IdeaFactory, UserFactory
from tests.helpers.review import make_idea
from tests.helpers.webhooks import stored_endpoint


@dataclass
class World:
    """The objects the pages show: an idea with a comment and an edit, an idea in review,
    a flag, a notification, an invitation, tokens for the e-mailed links."""

    admin: object
    manager: object
    employee: object
    values: dict


# (who is signed in, the page's address built from World.values); None: nobody.
PAGES: list[tuple[str | None, Callable[[dict], str]]] = [
    # accounts
    (None, lambda v: "/login"),
    (None, lambda v: "/login/break-glass"),
    (None, lambda v: "/login/sso"),  # not set up here: the refusal page (404)
    (None, lambda v: "/signup"),
    (None, lambda v: f"/signup?invitation={v['invitation_token']}"),
    (None, lambda v: "/signup/sent"),
    (None, lambda v: f"/signup/confirm/{v['signup_token']}"),
    (None, lambda v: "/reset-password"),
    (None, lambda v: f"/reset-password/{v['reset_token']}"),
    ("employee", lambda v: "/account"),
    ("employee", lambda v: "/account/email"),
    ("employee", lambda v: "/account/data"),
    ("employee", lambda v: "/account/erase"),
    # help and people
    (None, lambda v: "/help"),
    ("employee", lambda v: "/help"),
    ("employee", lambda v: f"/people/{v['other_id']}"),
    ("employee", lambda v: f"/people/{v['employee_id']}?show=comments"),
    # ideas
    ("employee", lambda v: "/"),
    ("employee", lambda v: "/?q=fruit&status=open"),
    ("employee", lambda v: "/?q=nothing-matches-this"),
    ("employee", lambda v: f"/departments/{v['slug']}"),
    ("employee", lambda v: "/ideas/new"),
    ("employee", lambda v: f"/ideas/{v['idea']}"),
    ("employee", lambda v: f"/ideas/{v['own_idea']}/edit"),
    ("employee", lambda v: f"/ideas/{v['own_idea']}/versions"),
    ("employee", lambda v: f"/ideas/{v['own_idea']}"),
    # discussion
    ("employee", lambda v: f"/comments/{v['comment']}/edit"),
    ("employee", lambda v: f"/comments/{v['comment']}/replies"),
    ("employee", lambda v: f"/ideas/{v['idea']}?after={v['comment']}"),  # its comment pager
    ("employee", lambda v: f"/ideas/{v['idea']}/flag"),
    ("manager", lambda v: f"/comments/{v['comment']}/flag"),
    ("employee", lambda v: "/notifications"),
    # review
    ("manager", lambda v: "/review"),
    ("manager", lambda v: "/review?list=accepted"),
    ("manager", lambda v: "/review?list=in-progress"),
    ("manager", lambda v: "/review?list=needs-info"),
    ("manager", lambda v: f"/review/ideas/{v['review_idea']}"),
    ("manager", lambda v: f"/ideas/{v['review_idea']}"),
    # an idea at each later stage, as its manager and as its author see it
    ("manager", lambda v: f"/review/ideas/{v['accepted']}"),
    ("manager", lambda v: f"/review/ideas/{v['in_progress']}"),
    ("employee", lambda v: f"/ideas/{v['needs_info']}"),
    ("employee", lambda v: f"/ideas/{v['implemented']}"),
    ("employee", lambda v: f"/ideas/{v['declined']}"),
    # campaigns: the list, one open with an answer, its forms (the sponsor's, an answer)
    ("employee", lambda v: "/campaigns"),
    ("employee", lambda v: f"/campaigns/{v['campaign']}"),
    ("manager", lambda v: f"/campaigns/{v['campaign']}"),  # the sponsor's buttons
    ("employee", lambda v: f"/campaigns/{v['campaign']}/answer"),
    ("manager", lambda v: f"/campaigns/{v['campaign']}/edit"),
    ("admin", lambda v: "/campaigns/new"),
    ("employee", lambda v: f"/ideas/{v['campaign_idea']}"),
    # admin
    ("admin", lambda v: "/admin/users"),
    ("admin", lambda v: f"/admin/users/{v['employee_id']}"),
    ("admin", lambda v: "/admin/invitations"),
    ("admin", lambda v: "/admin/departments"),
    ("admin", lambda v: "/admin/departments/new"),
    ("admin", lambda v: f"/admin/departments/{v['department_id']}/edit"),
    ("admin", lambda v: "/admin/moderation"),
    ("admin", lambda v: "/admin/audit"),
    ("admin", lambda v: "/admin/units"),
    ("admin", lambda v: "/analytics"),
    ("manager", lambda v: "/analytics"),
    ("employee", lambda v: "/impact"),
    ("admin", lambda v: "/admin/single-sign-on"),
    ("admin", lambda v: "/admin/webhooks/"),  # with a failing endpoint's banner
    ("admin", lambda v: "/admin/webhooks/new"),
    ("admin", lambda v: f"/admin/webhooks/{v['endpoint']}"),
    ("admin", lambda v: f"/admin/webhooks/{v['endpoint']}/edit"),
    ("admin", lambda v: f"/admin/users/{v['employee_id']}/erase"),
    ("admin", lambda v: "/admin/retention"),
    # errors
    ("employee", lambda v: "/admin/users"),  # 403
    ("employee", lambda v: "/ideas/999999"),  # 404
]

# Forms sent empty: the page that says what to correct must pass too. (who, address)
REFUSED_FORMS: list[tuple[str | None, Callable[[dict], str]]] = [
    (None, lambda v: "/login"),
    (None, lambda v: "/login/break-glass"),
    (None, lambda v: "/signup"),
    (None, lambda v: "/reset-password"),
    (None, lambda v: f"/signup/confirm/{v['signup_token']}"),
    ("employee", lambda v: "/ideas/new"),
    ("employee", lambda v: f"/ideas/{v['own_idea']}/edit"),
    ("employee", lambda v: f"/comments/{v['comment']}/edit"),
    ("employee", lambda v: f"/ideas/{v['idea']}/flag"),
    ("employee", lambda v: f"/campaigns/{v['campaign']}/answer"),
    ("admin", lambda v: "/campaigns/new"),
    ("employee", lambda v: "/account"),
    ("admin", lambda v: "/admin/invitations"),
    ("admin", lambda v: "/admin/departments/new"),
    ("admin", lambda v: "/admin/webhooks/new"),
    ("employee", lambda v: "/account/erase"),
    ("admin", lambda v: f"/admin/users/{v['employee_id']}/erase"),
    ("admin", lambda v: "/admin/retention"),
]


def build_world(admin, manager, employee, it_department) -> World:
    """The company every page walk shows (committed)."""
    other = UserFactory(department=it_department, display_name="Olive Other")
    idea = IdeaFactory(author=other, department=it_department, title="Free fruit on Mondays",
                       body_md="Apples and pears in the kitchen, **every** week.")
    comment = add_comment(employee, idea, "Yes, and bananas.")
    add_comment(other, idea, "Thank you, @Erin.")
    # More replies than the idea page shows: its "Show all" link, the thread's own page.
    for i in range(4):
        add_comment(other, idea, f"Pears too, reply {i}.", parent=comment)
    own = IdeaFactory(author=employee, department=it_department, title="A quieter open office",
                      body_md="Phone booths for calls.")
    db.session.flush()
    edit_idea(own, employee, title="A quieter open-plan office", body_md="Phone booths.",
              tags=["office"])
    review_idea = make_idea(other, it_department, status="in_review",
                            title="Shorter weekly meetings")
    stages = {status: make_idea(author, it_department, status=status,
                                title=f"An idea that is {status.replace('_', ' ')}")
              for author, status in [(other, "accepted"), (other, "in_progress"),
                                     (employee, "needs_info"), (other, "implemented"),
                                     (other, "declined")]}
    campaign = CampaignFactory(sponsor=manager, department=it_department,
                               title="How do we halve the time to onboard a customer?")
    campaign_idea = IdeaFactory(author=other, department=it_department,
                                campaign_id=campaign.id, title="A welcome pack on day one")
    db.session.add(Flag(reporter_id=manager.id, idea_id=idea.id, reason="Looks like spam."))
    notify([employee.id], "comment", "Someone commented", idea_id=idea.id)
    invitation_email = "new.colleague@example.com"
    invitation = invite(invitation_email, "employee", it_department, admin)
    endpoint = stored_endpoint(failing=True, consecutive_failures=5)
    db.session.add(WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_axe",
                                   event_type="idea.created", payload="{}", state="failed",
                                   attempts=1, status_code=400, latency_ms=12,
                                   last_error="HTTP 400"))
    db.session.commit()
    values = {
        "idea": idea.id, "own_idea": own.id, "review_idea": review_idea.id,
        "comment": comment.id, "slug": it_department.slug, "department_id": it_department.id,
        "employee_id": employee.id, "other_id": other.id, "endpoint": endpoint.id,
        "campaign": campaign.id, "campaign_idea": campaign_idea.id,
        # The invitation e-mail's token, signed as accounts.services signs it.
        "invitation_token": URLSafeTimedSerializer(
            current_app.config["SECRET_KEY"], salt="invitation").dumps({"inv": invitation.id}),
        "signup_token": sign_up_token("someone.new@example.com", "Sam New", it_department),
        "reset_token": password_reset_token(employee),
        **{status: idea.id for status, idea in stages.items()},
    }
    return World(admin, manager, employee, values)

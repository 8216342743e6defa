"""The one permission policy: who may do what, to which object. One rule per action.

Views declare the action they need with ``@requires(action)``; object-level checks call
``authorize(action, obj)``; templates and services ask ``can(...)``; all of them live in
``ideaboard.core.permissions``, which asks the rules registered here. Unknown actions are
refused: the policy fails closed.

This module sits above the capabilities (see the layers in README.md): its rules read
the objects of several of them and ask the state machine (``review.workflow``) who may
change an idea's status, so the buttons a page shows and the changes the workflow
accepts never disagree. ``create_app`` imports it, which registers the rules.

A rule is asked only for a signed-in, active person (``accounts.models.User``); the
objects each rule judges are named by the small protocols below, because a rule is
asked about ORM objects and the plain rows that the busiest pages read alike (an idea
card, a comment row, a vote's ``VoteTarget``, a notification's subject).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ideaboard.campaigns import services as campaign_services
from ideaboard.campaigns.models import CampaignState
from ideaboard.core import metrics
from ideaboard.core.permissions import gate, rule
from ideaboard.review import workflow

if TYPE_CHECKING:
    from ideaboard.accounts.models import User
    from ideaboard.campaigns.models import Campaign
    from ideaboard.ideas.models import Idea


# --- what the rules read ----------------------------------------------------------

class Moderated(Protocol):
    """Anything a moderator may hide, with its author: an idea or a comment, as an ORM
    object or a plain row (``notifications.visibility.State`` too)."""

    @property
    def hidden(self) -> bool: ...

    @property
    def author_id(self) -> int | None: ...


class IdeaFacts(Moderated, Protocol):
    """An idea as the vote and edit rules read it: an ``Idea``, a card's row
    (``ideas.display``) or a ``voting.services.VoteTarget``."""

    @property
    def status(self) -> str: ...

    @property
    def votes_closed(self) -> bool: ...


class Attributed(Protocol):
    """An idea as the author rule reads it: whether its author is hidden from peers."""

    @property
    def is_anonymous(self) -> bool: ...


class CommentFacts(Moderated, Protocol):
    """A comment as the comment rules read it: a ``Comment`` or a ``CommentRow``."""

    @property
    def idea(self) -> Moderated: ...

    @property
    def deleted_at(self) -> datetime | None: ...


class Subject(Protocol):
    """What a notification or an e-mail is about (``notifications.visibility.Subject``):
    its idea and its comment as they are now, either None."""

    @property
    def idea(self) -> Moderated | None: ...

    @property
    def comment(self) -> Moderated | None: ...


def _is_admin(user: User) -> bool:
    return user.role == "admin"


# --- accounts -----------------------------------------------------------------

@rule("account.manage", "account.sign_out_everywhere", "account.api_tokens",
      "account.export_data", "account.erase")
def _own_account(user: User, _obj: None) -> bool:
    return True


@rule("account.change_department")
def _moves_people(user: User, _obj: None) -> bool:
    """Only an admin moves a person, themselves included, to another department (or the
    identity provider): it decides whose review queue their ideas reach."""
    return _is_admin(user)


# --- admin --------------------------------------------------------------------

@rule("admin.users", "admin.departments", "admin.audit", "admin.moderation",
      "admin.provisioning", "admin.webhooks", "admin.api_tokens", "admin.units",
      "admin.erase", "admin.retention")
def _admin_only(user: User, _obj: None) -> bool:
    return _is_admin(user)


# --- campaigns ----------------------------------------------------------------

@rule("campaign.browse")
def _campaigns_for_everyone(user: User, _obj: None) -> bool:
    return True


@rule("campaign.create")
def _creates_campaigns(user: User, _obj: None) -> bool:
    """Admins start campaigns and name their sponsor; the sponsor runs it from there."""
    return _is_admin(user)


@rule("campaign.view")
def _campaign_visible(user: User, campaign: Campaign | None) -> bool:
    """A draft is its sponsor's and the admins' until it opens."""
    return campaign is not None and (
        campaign.state != CampaignState.DRAFT.value or _runs_campaign(user, campaign))


@rule("campaign.edit")
def _runs_campaign(user: User, campaign: Campaign | None) -> bool:
    return campaign is not None and (_is_admin(user) or campaign.sponsor_id == user.id)


@rule("campaign.answer")
def _may_answer(user: User, campaign: Campaign | None) -> bool:
    """Open, and the person is in its audience: the rule its submission enforces
    (``campaigns.services.answer_refusal``)."""
    return campaign is not None and campaign_services.answer_refusal(campaign, user) is None


# --- ideas --------------------------------------------------------------------

@rule("idea.browse", "idea.create")
def _any_member(user: User, _obj: None) -> bool:
    return True


@rule("idea.view", "idea.follow", "idea.flag")
def _idea_visible(user: User, idea: Moderated | None) -> bool:
    """Hidden (moderated) ideas are seen only by admins and their author."""
    return idea is not None and (not idea.hidden or _is_admin(user) or idea.author_id == user.id)


@rule("idea.comment")
def _idea_open_to_comments(user: User, idea: IdeaFacts | None) -> bool:
    """Whoever sees an idea comments on it, unless it is closed to comments (merged as a
    duplicate or withdrawn: ``workflow.CLOSED_TO_COMMENTS``)."""
    return (idea is not None and _idea_visible(user, idea)
            and idea.status not in workflow.CLOSED_TO_COMMENTS)


@rule("idea.see_author")
def _idea_author_visible(user: User, idea: Attributed | None) -> bool:
    """Anonymous ideas hide their author from everyone but admins."""
    return idea is not None and (not idea.is_anonymous or _is_admin(user))


@rule("idea.edit")
def _idea_editable(user: User, idea: IdeaFacts | None) -> bool:
    """The author edits their idea while it is in their hands (the state machine says
    when: ``workflow.EDITABLE``), unless a moderator hid it."""
    return (idea is not None and idea.author_id == user.id and not idea.hidden
            and idea.status in workflow.EDITABLE)


@rule("idea.vote")
def _idea_votable(user: User, idea: IdeaFacts | None) -> bool:
    """Never on one's own idea, only while votes count (``workflow.VOTABLE``), and not
    once its campaign's voting has closed."""
    return (idea is not None and idea.author_id != user.id and not idea.hidden
            and idea.status in workflow.VOTABLE and not idea.votes_closed)


# --- people -------------------------------------------------------------------

@rule("person.view")
def _colleague(user: User, _obj: None) -> bool:
    """Any signed-in person sees a colleague's page: it shows only what they wrote in
    their own name (``people.queries``), never an anonymous idea."""
    return True


# --- review -------------------------------------------------------------------

@rule("review.queue")
def _reviewer(user: User, _obj: None) -> bool:
    # The role alone decides (the admin rules keep every manager managing at least one
    # department), so the navigation asks no query on every page.
    return _is_admin(user) or user.role == "manager"


# Who may change an idea's status is decided by the one state machine, asked here. Its
# capacities give an idea's author the author's capacity only, whatever their role: so
# nobody fast-tracks, scores, decides or opens the review page of an idea they wrote.
# Each action is a change of the table, named as its row is.
@rule("idea.fast_track")
def _may_fast_track(user: User, idea: Idea | None) -> bool:
    """A person sending an open idea to review (never a hidden one: moderators first)."""
    return idea is not None and workflow.may(user, idea, "enter_review") and not idea.hidden


@rule("idea.resubmit")
def _may_resubmit(user: User, idea: Idea | None) -> bool:
    return idea is not None and workflow.may(user, idea, "resubmit")


@rule("idea.withdraw")
def _may_withdraw(user: User, idea: Idea | None) -> bool:
    return idea is not None and workflow.may(user, idea, "withdraw")


@rule("idea.start")
def _may_start(user: User, idea: Idea | None) -> bool:
    return idea is not None and workflow.may(user, idea, "start")


@rule("idea.implement")
def _may_implement(user: User, idea: Idea | None) -> bool:
    return idea is not None and workflow.may(user, idea, "implement")


@rule("idea.decide")
def _may_decide(user: User, idea: Idea | None) -> bool:
    return idea is not None and any(workflow.allowed(user, idea, s) for s in workflow.DECISIONS)


@rule("idea.score")
def _may_score(user: User, idea: Idea | None) -> bool:
    return idea is not None and workflow.may_score(user, idea)


@rule("review.see_notes")
def _may_see_notes(user: User, idea: Idea | None) -> bool:
    return idea is not None and workflow.may_see_notes(user, idea)


@rule("idea.review")
def _may_open_review_page(user: User, idea: Idea | None) -> bool:
    """The review page of one idea: its responsible managers and the admins."""
    return idea is not None and bool(workflow.capacities(user, idea) & workflow.MANAGERS)


# --- insight (analytics, the impact ledger) ------------------------------------

@rule("impact.view")
def _impact_for_everyone(user: User, _obj: None) -> bool:
    """The impact ledger is public to every employee: what came of the ideas."""
    return True


@rule("analytics.view")
def _sees_analytics(user: User, department_ids: frozenset[int] | None = None) -> bool:
    """Admins see the whole company's figures; managers their departments' subtree
    (``analytics.routes`` works the subtree out and asks again for a filter's)."""
    return _is_admin(user) or user.role == "manager"


@rule("analytics.department")
def _sees_department_figures(user: User, department: tuple[int, frozenset[int]] | None) -> bool:
    """A department's figures: an admin any, a manager one in their subtree. ``department``
    is the (department id, the viewer's subtree) the route worked out."""
    if not isinstance(department, tuple):  # no department asked (or not a department)
        return False
    if _is_admin(user):
        return True
    department_id, subtree = department
    return user.role == "manager" and department_id in subtree


# --- notifications ------------------------------------------------------------

@rule("notifications.view")
def _own_notifications(user: User, _obj: None) -> bool:
    return True


@rule("notification.show_subject")
def _notification_subject_visible(user: User, subject: Subject | None) -> bool:
    """Whether a notification or e-mail may show what it is about as it is *now*:
    moderation applies to what was said before it too. A hidden idea stays visible to
    its author and the admins, a hidden comment to the admins."""
    if subject is None:
        return False
    if subject.idea is not None and not _idea_visible(user, subject.idea):
        return False
    return subject.comment is None or not subject.comment.hidden or _is_admin(user)


# --- discussion (comments, flags, moderation) ---------------------------------

def _comment_idea_visible(user: User, comment: CommentFacts | None) -> bool:
    return comment is not None and _idea_visible(user, comment.idea)


@rule("comment.edit", "comment.delete")
def _own_live_comment(user: User, comment: CommentFacts | None) -> bool:
    """Authors edit and delete their own comments while the comment is still shown."""
    return (comment is not None and _comment_idea_visible(user, comment)
            and comment.author_id == user.id and comment.deleted_at is None
            and not comment.hidden)


@rule("comment.reply")
def _comment_repliable(user: User, comment: CommentFacts | None) -> bool:
    """Replies go under comments that are still shown, on ideas one may comment on."""
    return (comment is not None and _comment_idea_visible(user, comment)
            and comment.deleted_at is None and not comment.hidden)


@rule("comment.flag")
def _comment_flaggable(user: User, comment: CommentFacts | None) -> bool:
    """Anyone who can see a comment may report it, except its own author."""
    return (comment is not None and _comment_idea_visible(user, comment)
            and comment.author_id != user.id and comment.deleted_at is None
            and not comment.hidden)


@rule("comment.see_hidden")
def _moderator_sees_hidden(user: User, _comment: object) -> bool:
    """Moderated comments show their text to admins only."""
    return _is_admin(user)


# --- machines ---------------------------------------------------------------------

@gate("ops.scrape_metrics")
def _metrics_scraper() -> bool:
    """/metrics is read by a Prometheus server sending the metrics token, or connecting
    from an allowed network (IDEABOARD_METRICS_TOKEN, IDEABOARD_METRICS_ALLOW); being
    signed in, even as an admin, is neither."""
    return metrics.scraper_allowed()


@gate("scim.provision")
def _provisioning_client() -> bool:
    """/scim/v2/ is for the identity provider's client sending an active SCIM token
    (checked before the view, which answers a SCIM 401 otherwise:
    identity.scim.routes); a signed-in person's cookie is no token."""
    from flask import g

    return g.get("scim_token") is not None

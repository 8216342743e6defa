"""The audit trail as people read it: names and idea titles instead of ids, field names in
words, actions as short phrases.

An entry stores ids (the person, the idea, the department) and raw field names, which is
right for an append-only record and a CSV export but unreadable on the page. For one
page of entries this module collects every id the page mentions, per kind (people,
ideas, comments, departments, reviews, invitations), and reads their names in ONE query
per kind whatever the number of entries: the page's query count stays constant. What
has been deleted since is shown by its id ("idea #12"), as the trail keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ideaboard.accounts.models import Invitation, User
from ideaboard.campaigns.models import Campaign, CampaignState
from ideaboard.comments.models import Comment
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.templating import exact_time
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.org.models import Department
from ideaboard.review.models import Review

# What each action is, in words (an action not listed shows as it is stored).
ACTION_LABELS = {
    "idea.create": _l("Posted an idea"),
    "idea.edit": _l("Edited an idea"),
    "idea.enter_review": _l("Sent an idea to review"),
    "idea.request_info": _l("Asked for more information"),
    "idea.resubmit": _l("Sent an idea back to review"),
    "idea.accept": _l("Accepted an idea"),
    "idea.start": _l("Started work on an idea"),
    "idea.implement": _l("Marked an idea implemented"),
    "idea.decline": _l("Declined an idea"),
    "idea.mark_duplicate": _l("Merged a duplicate idea"),
    "idea.withdraw": _l("Withdrew an idea"),
    "idea.escalate": _l("Passed an overdue idea up"),
    "comment.create": _l("Commented"),
    "comment.edit": _l("Edited a comment"),
    "comment.delete": _l("Removed a comment"),
    "review.create": _l("Scored an idea"),
    "review.update": _l("Changed an idea's scores"),
    "moderation.hide": _l("Hid flagged content"),
    "moderation.restore": _l("Restored flagged content"),
    "moderation.dismiss": _l("Dismissed a flag"),
    "user.login": _l("Logged in"),
    "user.create": _l("Account created"),
    "user.update": _l("Changed a person's account"),
    "user.deactivate": _l("Deactivated an account"),
    "user.reactivate": _l("Reactivated an account"),
    "user.password_change": _l("Changed a password"),
    "user.sign_out_everywhere": _l("Signed out everywhere"),
    "user.invite": _l("Invited someone"),
    "user.break_glass_login": _l("Logged in with the emergency administrator log-in"),
    "identity.link": _l("Linked an account to single sign-on"),
    "identity.unknown_department": _l("Single sign-on named an unknown department"),
    "department.create": _l("Created a department"),
    "department.update": _l("Changed a department"),
    "demo.seed": _l("Loaded the demo data"),
    "campaign.create": _l("Started a campaign"),
    "campaign.update": _l("Changed a campaign"),
    "campaign.state": _l("Moved a campaign on"),
    "campaign.answer": _l("Answered a campaign with an idea"),
    "campaign.voting_closed": _l("Closed a campaign's voting"),
}

# What each kind of object is called (the filter's choices, and objects that are gone).
TYPE_LABELS = {
    "ideas": _l("Idea"), "comments": _l("Comment"), "users": _l("Person"),
    "departments": _l("Department"), "reviews": _l("Review"), "invitations": _l("Invitation"),
    "campaigns": _l("Campaign"), "system": _l("System"),
}

# What an object that is gone is called, with its id ("idea #12").
GONE_LABELS = {
    "ideas": _l("idea #%(id)s"), "comments": _l("comment #%(id)s"),
    "users": _l("person #%(id)s"), "departments": _l("department #%(id)s"),
    "reviews": _l("review #%(id)s"), "invitations": _l("invitation #%(id)s"),
    "campaigns": _l("campaign #%(id)s"),
}

# Field names in words; a field not listed is shown with its underscores as spaces.
FIELD_LABELS = {
    "title": _l("Title"), "text": _l("Text"), "tags": _l("Tags"), "anonymous": _l("Anonymous"),
    "department_id": _l("Department"), "queue_department_id": _l("Review queue of"),
    "parent_id": _l("Parent department"), "idea_id": _l("Idea"),
    "owner_id": _l("Owner"), "duplicate_of_id": _l("Duplicate of"), "status": _l("Status"),
    "escalation_level": _l("Times passed up"), "review_due_at": _l("Decision due"),
    "outcome_value": _l("Measured result"), "outcome_unit": _l("Unit"),
    "display_name": _l("Name"),
    "email": _l("E-mail"), "role": _l("Role"), "active": _l("Active"),
    "managed_departments": _l("Manages"), "hidden": _l("Hidden"), "flags": _l("Flags closed"),
    "impact": _l("Impact"), "feasibility": _l("Feasibility"), "effort": _l("Effort"),
    "note": _l("Note"),
    "name": _l("Name"), "slug": _l("Address"), "review_threshold": _l("Votes to reach review"),
    "review_sla_days": _l("Days to review"), "description": _l("Description"),
    "via": _l("Signed in through"), "provider": _l("Identity provider"),
    "department_claim": _l("Department the identity provider named"),
    "brief": _l("Brief"), "sponsor_id": _l("Sponsor"),
    "audience_department_id": _l("Who is asked"), "opens_at": _l("Opens"),
    "closes_at": _l("Closes"), "voting_closes_at": _l("Voting closes"), "state": _l("State"),
    "campaign_id": _l("Campaign"),
}

# Fields whose values are ids, and the kind of object they name.
_REFERENCES = {
    "department_id": "departments", "queue_department_id": "departments",
    "parent_id": "departments", "managed_departments": "departments", "idea_id": "ideas",
    "duplicate_of_id": "ideas", "owner_id": "users", "sponsor_id": "users",
    "audience_department_id": "departments", "campaign_id": "campaigns",
}
NOTHING = "\u2013"


@dataclass(frozen=True, slots=True)
class Change:
    """One field an entry changed, in words."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Row:
    """One audit entry as the page shows it."""

    id: int
    created_at: datetime
    actor: str  # "Ada Admin (ada@example.com)" or "System"
    action: str
    object_kind: str
    object_name: str
    object_url: str | None  # the idea a row is about, where there is one
    changes: tuple[Change, ...]
    reason: str


def action_label(action: str) -> str:
    """An action in words (in the request's language)."""
    label = ACTION_LABELS.get(action)
    return action if label is None else str(label)


def type_label(object_type: str) -> str:
    """A kind of object in words."""
    label = TYPE_LABELS.get(object_type)
    return object_type.replace("_", " ").capitalize() if label is None else str(label)


def field_label(key: str) -> str:
    """A field name in words."""
    label = FIELD_LABELS.get(key)
    return key.replace("_", " ").capitalize() if label is None else str(label)


def _gone(kind: str, object_id: int) -> str:
    """An object the trail names that is gone since (or was never read): "idea #12"."""
    label = GONE_LABELS.get(kind)
    if label is None:
        return f"{type_label(kind).lower()} #{object_id}"
    return str(label) % {"id": object_id}


class _Names:
    """The names of everything one page mentions, read in one query per kind."""

    def __init__(self, wanted: dict[str, set[int]]) -> None:
        self.names: dict[str, dict[int, str]] = defaultdict(dict)
        self.comment_ideas: dict[int, int] = {}
        self.review_ideas: dict[int, int] = {}
        # Comments and reviews are named by their idea, so theirs are read first.
        if ids := wanted.get("comments"):
            for comment_id, idea_id in db.session.execute(
                    sa.select(Comment.id, Comment.idea_id).where(Comment.id.in_(ids))):
                self.comment_ideas[comment_id] = idea_id
        if ids := wanted.get("reviews"):
            for review_id, idea_id in db.session.execute(
                    sa.select(Review.id, Review.idea_id).where(Review.id.in_(ids))):
                self.review_ideas[review_id] = idea_id
        idea_ids = set(wanted.get("ideas", ())) | set(self.comment_ideas.values()) \
            | set(self.review_ideas.values())
        columns = {
            "ideas": (Idea.id, Idea.title, idea_ids),
            "users": (User.id, User.display_name, wanted.get("users")),
            "departments": (Department.id, Department.name, wanted.get("departments")),
            "invitations": (Invitation.id, Invitation.email, wanted.get("invitations")),
            "campaigns": (Campaign.id, Campaign.title, wanted.get("campaigns")),
        }
        for kind, (key, name, ids) in columns.items():
            if ids:
                self.names[kind] = dict(db.session.execute(
                    sa.select(key, name).where(key.in_(ids))).all())

    def name(self, kind: str, object_id: int | None) -> str:
        if object_id is None:
            return NOTHING
        if kind == "comments":
            idea_id = self.comment_ideas.get(object_id)
            if idea_id is None:
                return _gone("comments", object_id)
            return _("a comment on \u201c%(title)s\u201d", title=self.name("ideas", idea_id))
        if kind == "reviews":
            idea_id = self.review_ideas.get(object_id)
            if idea_id is None:
                return _gone("reviews", object_id)
            return _("scores of \u201c%(title)s\u201d", title=self.name("ideas", idea_id))
        found = self.names.get(kind, {}).get(object_id)
        return found if found is not None else _gone(kind, object_id)

    def idea_of(self, kind: str, object_id: int | None) -> int | None:
        if object_id is None:
            return None
        if kind == "ideas":
            return object_id if object_id in self.names.get("ideas", {}) else None
        if kind == "comments":
            return self.comment_ideas.get(object_id)
        if kind == "reviews":
            return self.review_ideas.get(object_id)
        return None


def _ids(value: Any) -> Iterable[int]:
    if isinstance(value, bool):
        return ()
    if isinstance(value, int):
        return (value,)
    if isinstance(value, list):
        return (v for v in value if isinstance(v, int) and not isinstance(v, bool))
    return ()


def _wanted(entries: Sequence) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_id is not None and entry.object_type in TYPE_LABELS:
            wanted[entry.object_type].add(entry.object_id)
        for values in (entry.before or {}, entry.after or {}):
            for key, value in values.items():
                kind = _REFERENCES.get(key)
                if key == "parent_id" and entry.object_type != "departments":
                    continue  # a comment's parent is a comment: not named here
                if kind is not None:
                    wanted[kind].update(_ids(value))
    return wanted


def _value(key: str, value: Any, names: _Names, object_type: str) -> str:
    """One stored value in words: ids as names, yes and no, statuses and times."""
    if value is None or value == "" or value == []:
        return NOTHING
    kind = _REFERENCES.get(key)
    if key == "parent_id" and object_type != "departments":
        kind = None
    if kind is not None and not isinstance(value, bool):
        if isinstance(value, list):
            return ", ".join(names.name(kind, v) for v in value) or NOTHING
        if isinstance(value, int):
            return names.name(kind, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "status" and value in IdeaStatus._value2member_map_:
        return str(IdeaStatus(value).label)
    if key == "state" and value in CampaignState._value2member_map_:
        return CampaignState(value).label
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and key.endswith("_at"):
        try:
            return exact_time(datetime.fromisoformat(value), seconds=True)
        except ValueError:
            return value
    return str(value)


def rows(entries: Sequence, idea_link: str, comment_link: str | None = None,
         campaign_link: str | None = None) -> list[Row]:
    """The page's entries in words (each entry's actor already loaded with it; one
    query per kind of object the page names). ``idea_link``: an idea's address with
    ``{}`` for its id; ``comment_link``, a comment's (which finds the page of the idea's
    comments that holds it), else a comment's entry links to its idea;
    ``campaign_link``, a campaign's."""
    names = _Names(_wanted(entries))
    made = []
    for entry in entries:
        actor = (f"{entry.actor.display_name} ({entry.actor.email})" if entry.actor is not None
                 else _("System"))
        before, after = entry.before or {}, entry.after or {}
        keys = list(dict.fromkeys([*after, *before]))
        if entry.action in ("comment.create", "comment.edit", "comment.delete"):
            keys = [k for k in keys if k != "idea_id"]  # the object names the idea already
        changes = tuple(
            Change(field_label(key),
                   _value(key, before[key], names, entry.object_type) if key in before else "",
                   _value(key, after.get(key), names, entry.object_type) if key in after
                   else NOTHING)
            for key in keys)
        idea_id = names.idea_of(entry.object_type, entry.object_id)
        if entry.object_type == "system":
            object_name = NOTHING
        else:
            object_name = names.name(entry.object_type, entry.object_id)
        if entry.object_type == "campaigns" and campaign_link and \
                entry.object_id in names.names.get("campaigns", {}):
            link = campaign_link.format(entry.object_id)
        elif idea_id is None:
            link = None
        elif entry.object_type == "comments" and comment_link:
            link = comment_link.format(entry.object_id)
        else:
            link = idea_link.format(idea_id)
        made.append(Row(entry.id, entry.created_at, actor, action_label(entry.action),
                        type_label(entry.object_type), object_name, link,
                        changes, entry.reason))
    return made

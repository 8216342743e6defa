"""The one permission policy: who may do what, to which object.

Every view declares the action it needs with ``@requires(action)``; object-level
checks call ``authorize(action, obj)``. Templates and the API ask ``can(...)``.
Unknown actions are refused: the policy fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from ideaboard.extensions import login_manager

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}

# Actions anyone may take, signed in or not.
PUBLIC = "public"


def rule(*actions: str) -> Callable[[Rule], Rule]:
    """Register the function deciding ``actions``."""

    def register(func: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"permission rule {action!r} declared twice")
            RULES[action] = func
        return func

    return register


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_admin(user) -> bool:
    return _signed_in(user) and user.role == "admin"


def can(user, action: str, obj: Any = None) -> bool:
    """True if ``user`` may take ``action`` on ``obj``; False for unknown actions."""
    if action == PUBLIC:
        return True
    decide = RULES.get(action)
    if decide is None or not _signed_in(user):
        return False
    return bool(decide(user, obj))


def checker(user, action: str) -> Callable[[Any], bool]:
    """``can(user, action, obj)`` as a function of ``obj``, for asking about many objects
    (the cards of a list, the comments of a page): the rule is looked up and the user's
    sign-in checked once, not once per object. Same answers as ``can``."""
    if action == PUBLIC:
        return lambda _obj: True
    decide = RULES.get(action)
    if decide is None or not _signed_in(user):
        return lambda _obj: False
    return lambda obj: bool(decide(user, obj))


def authorize(action: str, obj: Any = None) -> None:
    """Abort the request unless the current user may take ``action`` on ``obj``."""
    if can(current_user, action, obj):
        return
    if not _signed_in(current_user):
        abort(login_manager.unauthorized())
    abort(403)


def visible_or_404(obj: Any, action: str, *, through: Any = None) -> Any:
    """``obj`` if the current user may take ``action`` on it (or on ``through``, the
    thing that governs it, such as a comment's idea); otherwise 404: what someone may
    not see does not exist for them."""
    subject = through if through is not None else obj
    if obj is None or not can(current_user, action, subject):
        abort(404)
    return obj


def requires(action: str) -> Callable:
    """Declare and enforce the action a view needs (checked before the view runs)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if action != PUBLIC:
                authorize(action)
            return view(*args, **kwargs)

        guarded.required_action = action  # read by the test that walks the URL map
        return guarded

    return decorate


# --- accounts -----------------------------------------------------------------

@rule("account.manage", "account.sign_out_everywhere")
def _own_account(user, _obj) -> bool:
    return True


# --- admin --------------------------------------------------------------------

@rule("admin.users", "admin.departments", "admin.audit", "admin.moderation")
def _admin_only(user, _obj) -> bool:
    return _is_admin(user)


# --- ideas --------------------------------------------------------------------

@rule("idea.browse", "idea.create")
def _any_member(user, _obj) -> bool:
    return True


@rule("idea.view", "idea.follow", "idea.flag", "idea.comment")
def _idea_visible(user, idea) -> bool:
    """Hidden (moderated) ideas are seen only by admins and their author."""
    return idea is not None and (not idea.hidden or _is_admin(user) or idea.author_id == user.id)


@rule("idea.see_author")
def _idea_author_visible(user, idea) -> bool:
    """Anonymous ideas hide their author from everyone but admins."""
    return idea is not None and (not idea.is_anonymous or _is_admin(user))


@rule("idea.edit")
def _idea_editable(user, idea) -> bool:
    """The author edits their idea while it is in their hands (the state machine says
    when: ``workflow.EDITABLE``), unless a moderator hid it."""
    from ideaboard.review import workflow

    return (idea is not None and idea.author_id == user.id and not idea.hidden
            and idea.status in workflow.EDITABLE)


@rule("idea.vote")
def _idea_votable(user, idea) -> bool:
    """Never on one's own idea, and only while votes count (``workflow.VOTABLE``)."""
    from ideaboard.review import workflow

    return (idea is not None and idea.author_id != user.id and not idea.hidden
            and idea.status in workflow.VOTABLE)


# --- review -------------------------------------------------------------------

@rule("review.queue")
def _reviewer(user, _obj) -> bool:
    # The role alone decides (the admin rules keep every manager managing at least one
    # department), so the navigation asks no query on every page.
    return _is_admin(user) or user.role == "manager"


# Who may change an idea's status is decided by the one state machine, asked here. Its
# capacities give an idea's author the author's capacity only, whatever their role: so
# nobody fast-tracks, scores, decides or opens the review page of an idea they wrote.
# Each action is a change of the table, named as its row is.
def _may_make(change: str) -> Rule:
    def decide(user, idea) -> bool:
        from ideaboard.review import workflow

        return idea is not None and workflow.may(user, idea, change)

    return decide


rule("idea.fast_track")(lambda user, idea: idea is not None
                        and _may_make("enter_review")(user, idea) and not idea.hidden)
rule("idea.resubmit")(_may_make("resubmit"))
rule("idea.withdraw")(_may_make("withdraw"))
rule("idea.start")(_may_make("start"))
rule("idea.implement")(_may_make("implement"))


@rule("idea.decide")
def _may_decide(user, idea) -> bool:
    from ideaboard.review import workflow

    return idea is not None and any(workflow.allowed(user, idea, s) for s in workflow.DECISIONS)


@rule("idea.score")
def _may_score(user, idea) -> bool:
    from ideaboard.review import workflow

    return idea is not None and workflow.may_score(user, idea)


@rule("review.see_notes")
def _may_see_notes(user, idea) -> bool:
    from ideaboard.review import workflow

    return idea is not None and workflow.may_see_notes(user, idea)


@rule("idea.review")
def _may_open_review_page(user, idea) -> bool:
    """The review page of one idea: its responsible managers and the admins."""
    from ideaboard.review import workflow

    return idea is not None and bool(workflow.capacities(user, idea) & workflow.MANAGERS)


# --- notifications ------------------------------------------------------------

@rule("notifications.view")
def _own_notifications(user, _obj) -> bool:
    return True


@rule("notification.show_subject")
def _notification_subject_visible(user, subject) -> bool:
    """Whether a notification or e-mail may show what it is about (``subject.idea`` and
    ``subject.comment``, each None or with ``hidden`` and ``author_id``) as it is *now*:
    moderation applies to what was said before it too. A hidden idea stays visible to
    its author and the admins, a hidden comment to the admins."""
    if subject is None:
        return False
    if subject.idea is not None and not _idea_visible(user, subject.idea):
        return False
    return subject.comment is None or not subject.comment.hidden or _is_admin(user)


# --- discussion (comments, flags, moderation) ---------------------------------

def _comment_idea_visible(user, comment) -> bool:
    return comment is not None and _idea_visible(user, comment.idea)


@rule("comment.edit", "comment.delete")
def _own_live_comment(user, comment) -> bool:
    """Authors edit and delete their own comments while the comment is still shown."""
    return (_comment_idea_visible(user, comment) and comment.author_id == user.id
            and comment.deleted_at is None and not comment.hidden)


@rule("comment.reply")
def _comment_repliable(user, comment) -> bool:
    """Replies go under comments that are still shown, on ideas one may comment on."""
    return (_comment_idea_visible(user, comment) and comment.deleted_at is None
            and not comment.hidden)


@rule("comment.flag")
def _comment_flaggable(user, comment) -> bool:
    """Anyone who can see a comment may report it, except its own author."""
    return (_comment_idea_visible(user, comment) and comment.author_id != user.id
            and comment.deleted_at is None and not comment.hidden)


@rule("comment.see_hidden")
def _moderator_sees_hidden(user, _comment) -> bool:
    """Moderated comments show their text to admins only."""
    return _is_admin(user)

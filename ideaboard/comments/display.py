"""The comments section of the idea page, as one viewer sees it, and its kept markup.

Everything the template used to work out per comment is decided here, once per
comment, in Python: the policy is asked with the user object itself (not through the
``current_user`` proxy), links are built once per page and filled in with the id, the
ages are worked out against one "now", and the result is a plain tuple per comment
(``ShownComment``) that the template only writes out. Each thread's markup is then kept
per application (``THREAD``, a ``core.kept.KeptFragment``), keyed by everything it
shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from markupsafe import Markup

from ideaboard import sanitize
from ideaboard.comments import services
from ideaboard.comments.forms import TextArea, reply_prefix
from ideaboard.core.i18n import gettext as _
from ideaboard.core.kept import TOKEN_SLOT, KeptFragment, with_token
from ideaboard.core.permissions import can, checker
from ideaboard.core.templating import time_ago
from ideaboard.core.urls import link_by_id
from ideaboard.ideas.models import Idea


class ShownComment(NamedTuple):
    """One comment as the idea page shows it to one viewer: everything its markup says.

    ``placeholder`` ("[comment removed]", "[hidden by a moderator]", in the viewer's
    language) stands in for the author, the text and the edit mark. A link is None where
    the policy refuses the action.
    """

    id: int
    is_reply: bool
    placeholder: str | None
    author: str | None  # a name, or "The author" for an anonymous idea's author
    author_badge: bool  # the idea's author, named
    author_url: str | None  # their page; None for "The author" and placeholders
    moderated: bool  # hidden by a moderator, its text shown to an admin
    body_html: Markup | None
    created_at: datetime
    age: str  # "3 days ago", against the page's "now"
    edited_at: datetime | None
    edit_url: str | None
    delete_url: str | None
    flag_url: str | None

    @property
    def has_actions(self) -> bool:
        return bool(self.edit_url or self.delete_url or self.flag_url)


class ShownThread(NamedTuple):
    """A top-level comment, the replies shown with it, and the reply box under them
    (``reply_url`` is None when the viewer may not reply). ``replies_url`` leads to the
    whole thread on a page of its own when not all its ``reply_count`` replies are shown
    (the link's words are the template's, comments/_thread.html)."""

    comment: ShownComment
    replies: tuple[ShownComment, ...]
    reply_url: str | None
    reply_field: str | None  # the box's field name and id, as ReplyForm(prefix=...) reads it
    reply_count: int = 0
    replies_url: str | None = None

    @property
    def reply_name(self) -> str | None:
        """The reply box's accessible name: every box is labelled "Your reply", so each
        is named for the comment it answers, and a page's boxes are told apart. Made
        from the comment (part of the kept thread's key) when the markup is written, so
        a kept thread does not pay for it again."""
        return reply_name(self.comment) if self.reply_url else None


def reply_name(comment: ShownComment) -> str:
    """The accessible name of the reply box under ``comment``: whom it answers, in one
    sentence."""
    return _("Your reply to %(author)s: \u201c%(opening)s\u201d",
             author=comment.author or _("a comment"),
             opening=sanitize.excerpt(comment.body_html or "", 60))


def shown_threads(idea: Idea, user: Any, now: datetime, threads: list[services.Thread], *,
                  whole: bool = False) -> list[ShownThread]:
    """``threads`` of the idea as ``user`` (the user object) sees them. Each thread not
    shown ``whole`` links to its own page when it has more replies than it shows."""
    links = {name: link_by_id(endpoint, "comment_id") for name, endpoint in (
        ("edit", "comments.edit"), ("delete", "comments.delete"),
        ("flag", "flags.comment"), ("reply", "comments.reply"),
        ("replies", "comments.replies"))}
    person_link = link_by_id("people.profile", "user_id")
    author_visible = can(user, "idea.see_author", idea)
    may_comment = can(user, "idea.comment", idea)
    edit_link, delete_link, flag_link, reply_link, replies_link = (
        links["edit"], links["delete"], links["flag"], links["reply"], links["replies"])
    idea_author = idea.author_id
    anonymous_author = idea_author if idea.is_anonymous and not author_visible else None
    # The words that stand in for a name or a text, in the viewer's language, once a page.
    removed, hidden = _("[comment removed]"), _("[hidden by a moderator]")
    the_author = _("The author")

    # The same questions of every comment: each rule looked up once (policy.checker).
    may_see_hidden, may_edit, may_delete, may_flag, may_reply_to = (
        checker(user, action) for action in ("comment.see_hidden", "comment.edit",
                                             "comment.delete", "comment.flag", "comment.reply"))

    def shown(c: services.CommentRow) -> ShownComment:
        masked = c.hidden and not may_see_hidden(c)
        placeholder = removed if c.deleted_at is not None else hidden if masked else None
        if placeholder:
            author, badge, url = None, False, None
        elif c.author_id == idea_author and idea.is_anonymous:
            # Never a link to the anonymous author's page, even for those who may see
            # who they are: the page is the same for everyone.
            author = the_author if c.author_id == anonymous_author else c.author_name
            badge, url = c.author_id != anonymous_author, None
        else:
            author, badge = c.author_name, c.author_id == idea_author
            url = person_link.format(c.author_id)
        return ShownComment(
            c.id, c.parent_id is not None, placeholder, author, badge, url,
            placeholder is None and c.hidden,
            # Stored HTML, sanitised when it was written (ideaboard.sanitize).
            None if placeholder else Markup(c.body_html),  # nosec B704
            c.created_at, time_ago(c.created_at, now), None if placeholder else c.edited_at,
            edit_link.format(c.id) if may_edit(c) else None,
            delete_link.format(c.id) if may_delete(c) else None,
            flag_link.format(c.id) if may_flag(c) else None,
        )

    made = []
    for t in threads:
        top = shown(t.comment)
        may_reply = may_comment and may_reply_to(t.comment)
        partial = not whole and t.reply_count > len(t.replies)
        made.append(ShownThread(
            top, tuple(shown(r) for r in t.replies),
            reply_link.format(top.id) if may_reply else None,
            f"{reply_prefix(top.id)}-body" if may_reply else None,
            t.reply_count, replies_link.format(top.id) if partial else None,
        ))
    return made


# --- markup -------------------------------------------------------------------

# The markup of each thread, kept per application and keyed by everything it shows (the
# ShownThread and the reply box's label): an edit, a deletion, a moderator's decision,
# another viewer's rights or a new age ("3 days ago") make another key, so what is kept
# never goes stale (the timestamps in the key are always UTC, see UTCDateTime, so equal
# ones print alike). Only threads of a few short comments are kept, which bounds the
# cache: a kept thread holds at most about 2 x 2,000 characters of comment text and
# 10 x 2 KB of markup around them, so 512 of them are 13 MB at the very most, and a
# thread of three ordinary comments is about 5 KB.
THREAD_CACHE_SIZE = 512
KEPT_TEXT_MAX = 2000  # characters of comment markup in a kept thread
KEPT_COMMENTS_MAX = 10  # comments in a kept thread, replies included
THREAD: KeptFragment[tuple[ShownThread, TextArea]] = KeptFragment(
    "comments/_thread.html", "thread", lambda key: (*key, TOKEN_SLOT),
    maxsize=THREAD_CACHE_SIZE)


def _worth_keeping(thread: ShownThread) -> bool:
    return len(thread.replies) < KEPT_COMMENTS_MAX and sum(
        len(c.body_html or "") for c in (thread.comment, *thread.replies)) <= KEPT_TEXT_MAX


def threads_html(threads: list[ShownThread], box: TextArea, token: str, *,
                 keep: bool = True) -> list[Markup]:
    """The markup of each thread (``box`` describes the reply boxes), with the viewer's
    CSRF token in its forms; ``keep=False``: made afresh, not kept (a whole thread's
    own page, seldom read and up to a page of replies long)."""
    return [with_token(THREAD.html((t, box), keep=keep and _worth_keeping(t)), token)
            for t in threads]

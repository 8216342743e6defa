"""Comments: writing, editing and removing them, the idea page's thread, and who hears of it.

Counting rule: an idea's ``comment_count`` counts the comments people can read, so
a comment deleted by its author or hidden by a moderator is not counted (deleting
or hiding counts down, a moderator's restore counts up again). Every change goes
through ``ranking.bump_counters`` in the same transaction, guarded by a
conditional UPDATE so two racing requests never count one comment twice.

Mentions: ``@`` followed by the local part of a colleague's e-mail address
(``@first.last`` for first.last@example.com), case-insensitive. Display names
contain spaces and are not unique, so they are never matched. A local part that
several active people share notifies each of them. Text inside code spans and
code blocks is not searched for mentions.

Notifications for one comment: each person hears of it once, by the most personal
reason that applies (mentioned, then replied to, then following the idea), never of
their own comment, and only if they can still see the idea. Messages name the
commenter, except when the commenter wrote the idea anonymously: then they say
"The author", so a notification never reveals an anonymous author.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar, cast

import sqlalchemy as sa
from flask import current_app

from ideaboard.accounts.models import User
from ideaboard.audit.services import record
from ideaboard.comments import queries
from ideaboard.comments.models import Comment
from ideaboard.core import throttling
from ideaboard.core.i18n import N_, Text, ngettext, quoted
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import can
from ideaboard.core.rows import rows
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.following.services import follow, follower_ids
from ideaboard.ideas.models import Idea
from ideaboard.ideas.ranking import bump_counters
from ideaboard.notifications.delivery import deliver
from ideaboard.notifications.models import Notification, NotificationKind
from ideaboard.notifications.services import notify
from ideaboard.sanitize import render_markdown, strip_control
from ideaboard.webhooks import services as webhooks

MAX_BODY_LENGTH = 10_000
MAX_MENTIONS = 20
# An e-mail local part after "@", not preceded by a word character (so "bob@example.com"
# is an address, not a mention) and not ending in punctuation ("@ann.lee." names ann.lee).
MENTION = re.compile(r"(?<![\w.+-])@([A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9_])?)")
_CODE = re.compile(r"<(pre|code)>.*?</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


class CommentError(ValueError):
    """A comment the rules refuse; the message is safe to show, in the language of the
    request (the API's too)."""


@dataclass
class Thread:
    """A top-level comment and the replies shown with it, oldest first, with the count of
    all its replies (``reply_count``), shown or not."""

    comment: CommentRow
    replies: list[CommentRow] = field(default_factory=list)
    reply_count: int = 0


Item = TypeVar("Item")


# --- writing ------------------------------------------------------------------


def add_comment(author: User, idea: Idea, body_md: str, *,
                parent: Comment | None = None) -> Comment:
    """Post a comment (or, with ``parent``, a reply) on the idea. Flushes, never commits.

    A reply to a reply attaches to the top-level comment. The caller has checked the
    policy ("idea.comment"); the commenter starts following the idea, and followers,
    the parent's author and mentioned colleagues are notified.
    """
    body_md = _clean_body(body_md)
    body_html = render_markdown(body_md)  # before any query: see ideaboard.sanitize
    if parent is not None:
        parent = _top_level(parent, idea)
    mentioned = _allowed_mentions(author, set(mentioned_user_ids(body_html)))
    comment = Comment(idea_id=idea.id, author_id=author.id,
                      parent_id=parent.id if parent is not None else None,
                      body_md=body_md, body_html=body_html)
    db.session.add(comment)
    db.session.flush()
    record(author, "comment.create", comment, after={"idea_id": idea.id})
    bump_counters(idea, comments=1)
    follow(author.id, idea.id)
    _notify_new_comment(comment, idea, author, parent, mentioned)
    webhooks.comment_created(comment, idea)
    return comment


def edit_comment(comment: Comment, editor: User, body_md: str) -> bool:
    """Change a comment's text and mark it edited; False if the text is unchanged. Flushes.

    The caller has checked "comment.edit". Colleagues newly mentioned by the edit are
    notified, unless this comment already notified them.
    """
    body_md = _clean_body(body_md)
    if body_md == comment.body_md:
        return False
    before = set(mentioned_user_ids(comment.body_html))
    body_html = render_markdown(body_md)
    after = set(mentioned_user_ids(body_html))
    added = after - before - _already_notified(comment)
    _allowed_mentions(editor, after, counted=added)
    comment.body_md = body_md
    comment.body_html = body_html
    comment.edited_at = utcnow()
    db.session.flush()
    record(editor, "comment.edit", comment, after={"idea_id": comment.idea_id})
    idea = comment.idea
    _notify_each(idea, editor, comment, [(NotificationKind.MENTION, added)])
    return True


def delete_comment(comment: Comment, actor: User | None = None) -> bool:
    """Remove a comment (soft: it shows as "[comment removed]", its replies stay).

    False if it was already removed. Counts down the idea's comments if the
    comment was being counted (not hidden). The caller has checked "comment.delete".
    """
    now = utcnow()
    counted = _conditional_update(comment, {"deleted_at": now}, deleted=False, hidden=False)
    removed = counted or _conditional_update(comment, {"deleted_at": now}, deleted=False)
    if counted:
        bump_counters(comment.idea, comments=-1)
    if removed:
        record(actor, "comment.delete", comment, after={"idea_id": comment.idea_id})
    db.session.refresh(comment)
    return removed


def set_hidden(comment: Comment, hidden: bool) -> bool:
    """Hide or restore a comment for moderation; False if it already was. Flushes.

    Hiding a live comment counts down the idea's comments, restoring counts up.
    """
    changed = _conditional_update(comment, {"hidden": hidden}, deleted=False, hidden=not hidden)
    if changed:
        bump_counters(comment.idea, comments=-1 if hidden else 1)
    else:
        changed = _conditional_update(comment, {"hidden": hidden}, hidden=not hidden)
    db.session.refresh(comment)
    return changed


def _conditional_update(comment: Comment, values: dict, *, deleted: bool | None = None,
                        hidden: bool | None = None) -> bool:
    """Apply ``values`` only if the row is in the given state, atomically; True if it was."""
    query = sa.update(Comment).where(Comment.id == comment.id)
    if deleted is not None:
        query = query.where(Comment.deleted_at.is_not(None) if deleted
                            else Comment.deleted_at.is_(None))
    if hidden is not None:
        query = query.where(Comment.hidden.is_(hidden))
    # Session.execute is typed as any Result; for DML without RETURNING it is a CursorResult.
    result = cast(sa.CursorResult, db.session.execute(
        query.values(**values).execution_options(synchronize_session=False)))
    return bool(result.rowcount)


def _clean_body(body_md: str) -> str:
    body_md = strip_control(body_md).strip()
    if not body_md:
        raise CommentError(_("Write something first."))
    if len(body_md) > MAX_BODY_LENGTH:
        raise CommentError(_("A comment has at most %(max)d characters.", max=MAX_BODY_LENGTH))
    return body_md


def _top_level(parent: Comment, idea: Idea) -> Comment:
    """The comment a reply hangs under: replies to replies go to the top-level comment."""
    if parent.idea_id != idea.id:
        raise CommentError(_("That comment belongs to another idea."))
    if parent.parent_id is not None:  # a foreign key: the comment is there
        parent = db.session.get_one(Comment, parent.parent_id)
    if parent.deleted_at is not None or parent.hidden:
        raise CommentError(_("That comment is no longer shown; comment on the idea instead."))
    return parent


# --- reading ------------------------------------------------------------------


class CommentRow(NamedTuple):
    """A comment as the idea page reads it: its columns but the Markdown source, its
    author's name, and its idea (the page's own object, for the policy's rules).

    Read-only and not tied to the session: building 50 ORM comments and their authors
    was a fifth of the idea page's CPU (a tuple is also five times quicker to make than
    a frozen dataclass). It has the attributes the policy reads from a ``Comment``;
    change the comment itself through ``Comment``.
    """

    idea: Idea
    id: int
    idea_id: int
    author_id: int
    author_name: str
    parent_id: int | None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden: bool


@dataclass(frozen=True)
class CommentPage(Generic[Item]):
    """One page of threads (newest first) or of one thread's replies (oldest first),
    and the comments the pages either side of it end before (``earlier``: the page of
    earlier comments, ``before=``) or start after (``later``, ``after=``): the ids the
    pager's links carry, None where there is no such page."""

    items: list[Item]
    earlier: int | None
    later: int | None
    # Asked for from a place that holds nothing (a removed idea's comment, a stale
    # link): the pager offers the first page instead.
    lost: bool = False


def _seek(after: int | None, before: int | None) -> tuple[str, dict]:
    """Which statement reads the page, and its cursor: ``after`` wins over ``before``."""
    if after is not None:
        return queries.AFTER, {"cursor": after}
    if before is not None:
        return queries.BEFORE, {"cursor": before}
    return queries.FIRST, {}


def _paged(items: list, key, direction: str, per_page: int, *,
           newest_first: bool) -> CommentPage:
    """``items`` (per_page + 1 read, to know whether more lie beyond) as a page, shown
    newest first or oldest first."""
    items.sort(key=key)
    more = len(items) > per_page
    downwards = direction == queries.BEFORE or (direction == queries.FIRST and newest_first)
    if downwards:  # read from the latest down: the one too many is the earliest
        items = items[1:] if more else items
        has_earlier, has_later = more, direction == queries.BEFORE
    else:
        items = items[:per_page]
        has_earlier, has_later = direction == queries.AFTER, more
    earlier = key(items[0])[1] if has_earlier and items else None
    later = key(items[-1])[1] if has_later and items else None
    if newest_first:
        items.reverse()
    return CommentPage(items, earlier, later, lost=not items and direction != queries.FIRST)


def _setting(name: str) -> int:
    return int(current_app.config[name])


def thread_page(idea: Idea, *, after: int | None = None,
                before: int | None = None) -> CommentPage[Thread]:
    """One page of the idea's threads (``COMMENT_THREADS_PER_PAGE``), newest first, from
    the latest or after or before the top-level comment named, each with its first replies
    (``COMMENT_REPLIES_SHOWN``) and the count of all of them: one query, whatever the
    length of the discussion (see ``comments.queries``)."""
    per_page, shown = _setting("COMMENT_THREADS_PER_PAGE"), _setting("COMMENT_REPLIES_SHOWN")
    direction, params = _seek(after, before)
    threads: dict[int, Thread] = {}
    replies: list[CommentRow] = []
    for *fields, _place, size in rows(queries.THREADS_PAGE[direction], {
            "idea_id": idea.id, "threads_limit": per_page + 1, "places": shown + 1, **params}):
        comment = CommentRow(idea, *fields)
        if comment.parent_id is None:
            threads[comment.id] = Thread(comment, reply_count=size - 1)
        else:
            replies.append(comment)
    replies.sort(key=_order)
    for reply in replies:
        threads[cast(int, reply.parent_id)].replies.append(reply)
    return _paged(list(threads.values()), lambda t: _order(t.comment), direction, per_page,
                  newest_first=True)


def replies_page(top: CommentRow, *, after: int | None = None,
                 before: int | None = None) -> CommentPage[CommentRow]:
    """One page of the replies to the top-level comment ``top``
    (``COMMENT_REPLIES_PER_PAGE``), oldest first, after or before the reply named."""
    per_page = _setting("COMMENT_REPLIES_PER_PAGE")
    direction, params = _seek(after, before)
    found = [CommentRow(top.idea, *row) for row in rows(queries.REPLIES_PAGE[direction], {
        "thread_id": top.id, "replies_limit": per_page + 1, **params})]
    return _paged(found, _order, direction, per_page, newest_first=False)


def comment_row(comment: Comment) -> CommentRow:
    """``comment`` as the idea page reads it, with its author's name (one query)."""
    return CommentRow(comment.idea, *rows(queries.ONE, {"comment_id": comment.id}).one())


def _order(comment: CommentRow) -> tuple[datetime, int]:
    return comment.created_at, comment.id


class Location(NamedTuple):
    """Where a comment is shown: in the thread of ``thread_id``, on the idea page
    (``on_idea_page``) or else on the thread's own page, on the page that ``page``
    names (``{"before": id}`` or ``{"after": id}``; empty: the first page)."""

    thread_id: int
    on_idea_page: bool
    page: dict[str, Any]  # url_for arguments: {"before": id} or {"after": id}


def locate(comment: Comment) -> Location:
    """The page that shows ``comment``: the page of threads that holds its thread,
    or, for a reply past the first few, the page of its thread's replies that holds it.

    Pages are walked from the first by seek, so they start at whole multiples of the
    page size: this counts the threads newer than the comment's (or the replies
    earlier than it) and reads the one its page starts after. Two or three small
    indexed queries for a redirect, never run by the idea page itself.
    """
    if comment.parent_id is None:
        threads = sa.and_(Comment.idea_id == comment.idea_id, Comment.parent_id.is_(None))
        cursor = _page_start(threads, comment, _setting("COMMENT_THREADS_PER_PAGE"),
                             newest_first=True)
        return Location(comment.id, True, {} if cursor is None else {"before": cursor})
    top = db.session.get_one(Comment, comment.parent_id)
    replies = Comment.parent_id == top.id
    if _count_ahead(replies, comment, newest_first=False) < _setting("COMMENT_REPLIES_SHOWN"):
        return locate(top)
    cursor = _page_start(replies, comment, _setting("COMMENT_REPLIES_PER_PAGE"),
                         newest_first=False)
    return Location(top.id, False, {} if cursor is None else {"after": cursor})


def _count_ahead(scope: sa.ColumnElement[bool], comment: Comment, *, newest_first: bool) -> int:
    """How many comments of ``scope`` a list shows before ``comment``."""
    if newest_first:
        ahead = sa.or_(Comment.created_at > comment.created_at,
                       sa.and_(Comment.created_at == comment.created_at, Comment.id > comment.id))
    else:
        ahead = sa.or_(Comment.created_at < comment.created_at,
                       sa.and_(Comment.created_at == comment.created_at, Comment.id < comment.id))
    return db.session.scalar(sa.select(sa.func.count()).where(scope, ahead)) or 0


def _page_start(scope: sa.ColumnElement[bool], comment: Comment, per_page: int, *,
                newest_first: bool) -> int | None:
    """The comment the page holding ``comment`` comes after in the list's order (the
    cursor of its link); None for the first page."""
    start = _count_ahead(scope, comment, newest_first=newest_first) // per_page * per_page
    if start == 0:
        return None
    order = (Comment.created_at.desc(), Comment.id.desc()) if newest_first \
        else (Comment.created_at, Comment.id)
    return db.session.scalar(sa.select(Comment.id).where(scope).order_by(*order)
                             .offset(start - 1).limit(1))


# --- mentions and notifications -----------------------------------------------


def mentioned_names(body_html: str) -> list[str]:
    """The e-mail local parts mentioned in a rendered comment, lower-cased, in order."""
    text = html.unescape(_TAG.sub(" ", _CODE.sub(" ", body_html)))
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).lower()
        if name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def mentioned_user_ids(body_html: str) -> list[int]:
    """The active people a rendered comment mentions, in one query."""
    names = mentioned_names(body_html)
    if not names:
        return []
    email = sa.func.lower(User.email)
    matches = [email.like(_like_escape(name) + "@%", escape="\\") for name in names]
    return list(db.session.scalars(
        sa.select(User.id).where(User.active.is_(True), sa.or_(*matches)).order_by(User.id)
    ))


def _allowed_mentions(author: User, mentioned: set[int], *,
                      counted: set[int] | None = None) -> set[int]:
    """``mentioned``, if one comment may mention that many people and the author may
    cause that many more mention notifications (``counted``: those this write notifies,
    all of ``mentioned`` by default) now; raises ``CommentError`` or ``Throttled``."""
    mentioned = mentioned - {author.id}
    most = current_app.config["MAX_MENTIONS_PER_COMMENT"]
    if len(mentioned) > most:
        raise CommentError(ngettext(
            "A comment can mention at most %(num)d colleague; this one mentions %(count)d.",
            "A comment can mention at most %(num)d colleagues; this one mentions %(count)d.",
            most, count=len(mentioned)))
    throttling.spend("mention", author, len((mentioned if counted is None else counted)
                                            - {author.id}))
    return mentioned


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _notify_new_comment(comment: Comment, idea: Idea, author: User, parent: Comment | None,
                        mentioned: set[int]) -> None:
    _notify_each(idea, author, comment, [
        (NotificationKind.MENTION, mentioned),
        (NotificationKind.REPLY, {parent.author_id} if parent is not None else set()),
        (NotificationKind.COMMENT, set(follower_ids(idea.id))),
    ])


def _notify_each(idea: Idea, actor: User, comment: Comment,
                 groups: list[tuple[NotificationKind, set[int]]]) -> None:
    """Notify each group in order; nobody twice, never the actor, only people who see the idea."""
    candidates = set().union(*(ids for _kind, ids in groups)) - {actor.id}
    if not candidates:
        return
    allowed = _can_view(candidates, idea)
    # Sentences written in each reader's language (core.i18n.Text).
    who = _actor_label(actor, idea)
    title = quoted(idea.title)
    messages = {
        NotificationKind.MENTION: Text(N_("%(who)s mentioned you in a comment on %(title)s."),
                                       who=who, title=title),
        NotificationKind.REPLY: Text(N_("%(who)s replied to your comment on %(title)s."),
                                     who=who, title=title),
        NotificationKind.COMMENT: Text(N_("%(who)s commented on %(title)s."),
                                       who=who, title=title),
    }
    subjects = {
        NotificationKind.MENTION: Text(N_("[Ideaboard] %(who)s mentioned you in a comment on "
                                          "%(title)s"), who=who, title=title),
        NotificationKind.REPLY: Text(N_("[Ideaboard] %(who)s replied to your comment on "
                                        "%(title)s"), who=who, title=title),
        NotificationKind.COMMENT: Text(N_("[Ideaboard] %(who)s commented on %(title)s"),
                                       who=who, title=title),
    }
    # What one unread notification says once it stands for several comments (a burst
    # is grouped; see notifications.services.notify). Names nobody: several people may
    # be behind it, the idea's anonymous author among them.
    grouped = {
        NotificationKind.MENTION: lambda n: Text.plural(
            "You were mentioned in %(num)d comment on %(title)s.",
            "You were mentioned in %(num)d comments on %(title)s.", n, title=title),
        NotificationKind.REPLY: lambda n: Text.plural(
            "%(num)d new reply to your comments on %(title)s.",
            "%(num)d new replies to your comments on %(title)s.", n, title=title),
        NotificationKind.COMMENT: lambda n: Text.plural(
            "%(num)d new comment on %(title)s.", "%(num)d new comments on %(title)s.", n,
            title=title),
    }
    done: set[int] = set()
    for kind, ids in groups:
        recipients = (ids & allowed) - done
        created = notify(recipients, kind, messages[kind], idea_id=idea.id,
                         comment_id=comment.id, exclude=[actor.id], grouped=grouped[kind])
        deliver(created, subject=subjects[kind])
        done |= recipients


def _can_view(user_ids: set[int], idea: Idea) -> set[int]:
    users = db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))
    return {user.id for user in users if can(user, "idea.view", idea)}


def _already_notified(comment: Comment) -> set[int]:
    return set(db.session.scalars(
        sa.select(Notification.user_id).where(Notification.comment_id == comment.id)
    ))


def _actor_label(actor: User, idea: Idea) -> str | Text:
    """How notifications name the person acting: never an anonymous idea's author."""
    if idea.is_anonymous and actor.id == idea.author_id:
        return Text(N_("The author"))
    return actor.display_name

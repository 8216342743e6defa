"""Comments on the idea page: post, reply, edit and delete (plain form POSTs), a long
thread's own page, and the link to any one comment.

The threads themselves are rendered by the idea page, a page of them at a time, from
the "comments" section loaded here. A form with errors is shown again on a page of its
own (status 422) with everything the user typed, so nothing is lost and the idea page
stays simple. Every link to a comment goes through ``comment_url`` (or the route
``/comments/<id>``, for links made where the page is not known): it finds the page
that holds the comment, which moves as the discussion grows.
"""

from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ideaboard.comments import services
from ideaboard.comments.display import shown_threads, threads_html
from ideaboard.comments.forms import (
    MARKDOWN_HINT,
    CommentForm,
    EditCommentForm,
    ReplyForm,
    reply_prefix,
    text_area,
)
from ideaboard.comments.models import Comment
from ideaboard.core import throttling
from ideaboard.core.errors import render_error
from ideaboard.core.forms import add_error, preview_of, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import authorize, can, requires, visible_or_404
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.display import idea_page_section
from ideaboard.ideas.models import Idea
from ideaboard.review import workflow

bp = Blueprint("comments", __name__)


def comment_url(comment: Comment) -> str:
    """The page that shows ``comment`` (a page of the idea's threads, or of a long
    thread's replies), scrolled to it. A few small queries (``services.locate``)."""
    where = services.locate(comment)
    anchor = f"comment-{comment.id}"
    if where.on_idea_page:
        return url_for("ideas.detail", idea_id=comment.idea_id, **where.page, _anchor=anchor)
    return url_for("comments.replies", comment_id=where.thread_id, **where.page,
                   _anchor=anchor)


class Pager(NamedTuple):
    """The links of a pager of comments: to the page shown before this one (``prev``)
    and after it (``next``), and to the first page when this one holds nothing (a
    stale link). None where there is none."""

    prev: str | None
    next: str | None
    first: str | None


def _pager(page: services.CommentPage, endpoint: str, anchor: str, *, newest_first: bool,
           **values) -> Pager:
    def link(**cursor) -> str:
        return url_for(endpoint, **values, **cursor, _anchor=anchor)

    earlier = link(before=page.earlier) if page.earlier is not None else None
    later = link(after=page.later) if page.later is not None else None
    first = link() if page.lost else None
    return Pager(later, earlier, first) if newest_first else Pager(earlier, later, first)


# Ids are 64-bit in the database: a larger number in a link is no comment's id, and
# would make the driver refuse the query (a 500) rather than find nothing.
_LARGEST_ID = 2**63 - 1


def _cursors() -> dict[str, int | None]:
    """The page asked for: ``after`` or ``before`` a comment's id (ignored if not one)."""
    found = {name: request.args.get(name, type=int) for name in ("after", "before")}
    return {name: value if value is not None and 0 < value <= _LARGEST_ID else None
            for name, value in found.items()}


def _visible_idea(idea_id: int) -> Idea:
    return visible_or_404(db.session.get(Idea, idea_id), "idea.view")


def _visible_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    return visible_or_404(comment, "idea.view", through=comment and comment.idea)


def _authorize_comment(idea: Idea) -> None:
    """Refuse a comment or reply the policy refuses ("idea.comment"); on an idea closed
    to comments (merged as a duplicate, withdrawn) the 403 page says why."""
    if can(current_user, "idea.comment", idea):
        return
    reason = workflow.comments_closed_message(idea.status)
    if reason is not None and can(current_user, "idea.view", idea):
        abort(make_response(render_error(403, reason)))
    authorize("idea.comment", idea)


def _form_page(form, idea: Idea, action: str, heading: str, submit: str, status: int = 422,
               parent: Comment | None = None):
    preview = preview_of(form.body)
    if preview is not None:
        status = 200  # a preview asked for, not a form refused
    return render_template("comments/form.html", form=form, idea=idea, action=action,
                           heading=heading, submit=submit, parent=parent, preview=preview,
                           hint=MARKDOWN_HINT), status


@idea_page_section("comments")
def comments_section(idea: Idea, viewer) -> dict:
    """One page of the threads as this viewer sees it (one query, whatever the number of
    comments; see ``comments.display``), its pager, and the boxes
    to comment and reply: plain markup described by one ``TextArea`` per form class
    rather than a WTForms form and field per box."""
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    page = services.thread_page(idea, **_cursors())
    threads = shown_threads(idea, user, utcnow(), page.items)
    may_comment = can(user, "idea.comment", idea)
    return {
        "comment_threads_html": threads_html(threads, text_area(ReplyForm), generate_csrf()),
        "comment_pager_links": _pager(page, "ideas.detail", "comments", newest_first=True,
                                      idea_id=idea.id),
        "may_comment": may_comment,
        # Why there is no box, where the idea takes no more comments (None otherwise).
        "comments_closed": None if may_comment else workflow.comments_closed_message(idea.status),
        "comment_box": text_area(CommentForm),
        "comment_hint": MARKDOWN_HINT,
    }


@bp.get("/comments/<int:comment_id>")
@requires("idea.browse")
def show(comment_id: int):
    """The link to one comment, wherever it is now: notifications, e-mails, people's
    pages and the moderation queue lead here. Whoever sees the idea is sent on (a
    removed or hidden comment shows there as the idea page shows it to them)."""
    return redirect(comment_url(_visible_comment(comment_id)))


@bp.get("/comments/<int:comment_id>/replies")
@requires("idea.browse")
def replies(comment_id: int):
    """A thread whole: its top-level comment and every reply, a page of replies at a
    time, with the reply box. A reply's address leads to its thread."""
    comment = _visible_comment(comment_id)
    if comment.parent_id is not None:
        return redirect(url_for("comments.replies", comment_id=comment.parent_id))
    top = services.comment_row(comment)
    page = services.replies_page(top, **_cursors())
    user = current_user._get_current_object()
    thread = services.Thread(top, page.items, reply_count=len(page.items))
    [shown] = shown_threads(comment.idea, user, utcnow(), [thread], whole=True)
    return render_template(
        "comments/thread.html", idea=comment.idea, thread=shown,
        thread_html=threads_html([shown], text_area(ReplyForm), generate_csrf(), keep=False)[0],
        pager=_pager(page, "comments.replies", "replies", newest_first=False,
                     comment_id=comment.id))


@bp.post("/ideas/<int:idea_id>/comments")
@requires("idea.browse")
def create(idea_id: int):
    idea = _visible_idea(idea_id)
    _authorize_comment(idea)
    form = CommentForm()
    status = 422
    # Preview: the form again with the text rendered above it; nothing saved or checked.
    preview = preview_of(form.body)
    if preview is None and form.validate_on_submit():
        try:
            throttling.spend("comment", current_user)
            comment = services.add_comment(current_user, idea, required(form.body.data))
        except throttling.Throttled as error:
            add_error(form.body, error.description)
            status = error.code
        except services.CommentError as error:
            add_error(form.body, str(error))
        else:
            flash(_("Your comment is posted."), "success")
            return redirect(comment_url(comment))
    return _form_page(form, idea, url_for("comments.create", idea_id=idea.id),
                      _("Comment on \u201c%(title)s\u201d", title=idea.title), _("Post comment"),
                      status)


@bp.post("/comments/<int:comment_id>/replies")
@requires("idea.browse")
def reply(comment_id: int):
    parent = _visible_comment(comment_id)
    idea = parent.idea
    _authorize_comment(idea)
    authorize("comment.reply", parent)
    form = ReplyForm(prefix=reply_prefix(parent.id))
    status = 422
    # Preview: the form again with the text rendered above it; nothing saved or checked.
    preview = preview_of(form.body)
    if preview is None and form.validate_on_submit():
        try:
            throttling.spend("reply", current_user)
            comment = services.add_comment(current_user, idea, required(form.body.data),
                                           parent=parent)
        except throttling.Throttled as error:
            add_error(form.body, error.description)
            status = error.code
        except services.CommentError as error:
            add_error(form.body, str(error))
        else:
            flash(_("Your reply is posted."), "success")
            return redirect(comment_url(comment))
    return _form_page(form, idea, url_for("comments.reply", comment_id=parent.id),
                      _("Reply to a comment"), _("Post reply"), status, parent=parent)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@requires("idea.browse")
def edit(comment_id: int):
    comment = _visible_comment(comment_id)
    authorize("comment.edit", comment)
    form = EditCommentForm(data={"body": comment.body_md})
    status = 422 if form.is_submitted() else 200
    # Preview: the form again with the text rendered above it; nothing saved or checked.
    preview = preview_of(form.body)
    if preview is None and form.validate_on_submit():
        try:
            throttling.spend("edit", current_user)
            changed = services.edit_comment(comment, current_user, required(form.body.data))
        except throttling.Throttled as error:
            add_error(form.body, error.description)
            status = error.code
        except services.CommentError as error:
            add_error(form.body, str(error))
        else:
            if changed:
                flash(_("Your comment is updated."), "success")
            return redirect(comment_url(comment))
    return _form_page(form, comment.idea, url_for("comments.edit", comment_id=comment.id),
                      _("Edit your comment"), _("Save comment"), status)


@bp.post("/comments/<int:comment_id>/delete")
@requires("idea.browse")
def delete(comment_id: int):
    comment = _visible_comment(comment_id)
    authorize("comment.delete", comment)  # CSRFProtect has checked the token
    services.delete_comment(comment, current_user)
    flash(_("Your comment is removed."), "success")
    return redirect(comment_url(comment))

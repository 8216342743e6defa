"""Flagging ideas and comments, and the admins' moderation queue."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ideaboard.comments.models import Comment
from ideaboard.comments.routes import comment_url
from ideaboard.core import throttling, transactions
from ideaboard.core.forms import add_error, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import ngettext
from ideaboard.core.permissions import authorize, requires, visible_or_404
from ideaboard.extensions import db
from ideaboard.ideas.display import idea_page_section
from ideaboard.ideas.models import Idea
from ideaboard.moderation import services
from ideaboard.moderation.forms import FLAG_PREFIX, FlagForm, ResolveForm, resolve_prefix
from ideaboard.moderation.models import Flag

bp = Blueprint("moderation", __name__, url_prefix="/admin/moderation")
# Reporting is open to everyone who sees the content, so it lives outside /admin.
flags_bp = Blueprint("flags", __name__)

QUEUE_PAGE_SIZE = 30


@idea_page_section("flag")
def flag_section(idea: Idea, viewer) -> dict:
    """The "Report this idea" form (no queries)."""
    return {"idea_flag_form": FlagForm(formdata=None, prefix=FLAG_PREFIX)}


def _flag_page(form, action: str, idea: Idea, heading: str, status: int):
    return render_template("moderation/flag.html", form=form, action=action, idea=idea,
                           heading=heading), status


@flags_bp.route("/ideas/<int:idea_id>/flag", methods=["GET", "POST"])
@requires("idea.browse")
def idea(idea_id: int):
    idea = visible_or_404(db.session.get(Idea, idea_id), "idea.view")
    authorize("idea.flag", idea)
    form = FlagForm(prefix=FLAG_PREFIX)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            throttling.spend("flag", current_user)
            services.flag_idea(current_user, idea, required(form.reason.data))
        except throttling.Throttled as error:
            add_error(form.reason, error.description)
            status = error.code
        except services.ModerationError as error:
            add_error(form.reason, str(error))
        else:
            flash(_("Thank you: a moderator will look at this idea."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    return _flag_page(form, url_for("flags.idea", idea_id=idea.id), idea,
                      _("Report this idea"), status)


@flags_bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@requires("idea.browse")
def comment(comment_id: int):
    comment = db.session.get(Comment, comment_id)
    comment = visible_or_404(comment, "idea.view", through=comment and comment.idea)
    authorize("comment.flag", comment)
    form = FlagForm(prefix=FLAG_PREFIX)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            throttling.spend("flag", current_user)
            services.flag_comment(current_user, comment, required(form.reason.data))
        except throttling.Throttled as error:
            add_error(form.reason, error.description)
            status = error.code
        except services.ModerationError as error:
            add_error(form.reason, str(error))
        else:
            flash(_("Thank you: a moderator will look at this comment."), "success")
            return redirect(comment_url(comment))
    return _flag_page(form, url_for("flags.comment", comment_id=comment.id), comment.idea,
                      _("Report a comment"), status)


@bp.get("")
@requires("admin.moderation")
def queue():
    flags = services.open_flags(per_page=QUEUE_PAGE_SIZE)
    forms = {f.id: ResolveForm(formdata=None, prefix=resolve_prefix(f.id)) for f in flags.items}
    return render_template("moderation/queue.html", flags=flags, forms=forms)


@bp.post("/flags/<int:flag_id>")
@requires("admin.moderation")
def resolve(flag_id: int):
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        abort(404)
    form = ResolveForm(prefix=resolve_prefix(flag.id))
    if not form.validate_on_submit():
        flash(_("Choose Hide, Restore or Dismiss."), "error")
        return redirect(url_for("moderation.queue"))
    decision = required(form.decision.data)
    try:
        closed = services.resolve(flag, current_user, decision, form.note.data or "")
    except services.ModerationError as error:
        transactions.discard()
        flash(str(error), "error")
        return redirect(url_for("moderation.queue"))
    outcome = {"hide": _("The content is hidden."), "restore": _("The content is shown again."),
               "dismiss": _("The content stays as it was.")}[decision]
    flash(ngettext("%(num)d flag closed.", "%(num)d flags closed.", len(closed)) + " " + outcome,
          "success")
    return redirect(url_for("moderation.queue"))

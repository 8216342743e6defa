"""The idea list, a department's ideas, the idea page, and submitting and editing ideas."""

from typing import NoReturn

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Conflict

from ideaboard.core import throttling
from ideaboard.core.forms import form_status, preview_of, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.paging import seek_page
from ideaboard.core.permissions import authorize, can, requires, visible_or_404
from ideaboard.core.urls import absolute_url
from ideaboard.extensions import db
from ideaboard.ideas import display, services
from ideaboard.ideas.display import (
    card_list_items,
    cards,
    idea_page_context,
    review_progress,
    sort_tabs,
    tag_links,
)
from ideaboard.ideas.forms import EditIdeaForm, IdeaForm, kept_filters
from ideaboard.ideas.models import STATUS_LABELS, Idea, status_in_sentence, status_label
from ideaboard.org.models import Department
from ideaboard.org.services import get_by_slug

bp = Blueprint("ideas", __name__)
bp.add_app_template_global(card_list_items)
bp.add_app_template_filter(status_label)
bp.add_app_template_filter(status_in_sentence)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _viewable_or_404(idea_id: int):
    """The idea, or 404 when it does not exist or the viewer may not see it."""
    return visible_or_404(services.get_idea(idea_id), "idea.view")


def _page(query: services.ListQuery):
    """One page of the list and the cards showing it to the viewer."""
    pagination = seek_page(query.keyset, query.statements, current_app.config["PAGE_SIZE"],
                           query.params)
    return pagination, cards(current_user, pagination.items)


@bp.get("/")
@requires("idea.browse")
def index():
    key = display.filter_key()
    filters = kept_filters(key)
    pagination, idea_cards = _page(services.list_query(current_user, filters))
    # A search that found nothing: titles close to it (typos; PostgreSQL only), and
    # the words as the title of a new idea.
    close = (services.close_titles(filters.q) if filters.q and not pagination.items
             and pagination.page == 1 else [])
    return render_template("ideas/index.html", filter_bar=display.filter_bar(key),
                           filters=filters,
                           pagination=pagination, cards=idea_cards, sorts=sort_tabs(filters.q),
                           close=close, new_title=services.title_from_search(filters.q))


@bp.get("/departments/<slug>")
@requires("idea.browse")
def department(slug: str):
    dept = get_by_slug(slug)
    if dept is None:
        abort(404)
    sort = request.args.get("sort", "")
    filters = services.IdeaFilters(
        sort=sort if sort in services.SORTS else services.DEFAULT_SORT, department_id=dept.id
    )
    pagination, idea_cards = _page(services.list_query(current_user, filters))
    return render_template("ideas/department.html", department=dept, filters=filters,
                           pagination=pagination, cards=idea_cards, sorts=sort_tabs(filters.q))


@bp.get("/ideas/similar")
@requires("idea.browse")
def similar():
    """Ideas like the title being typed: an HTML fragment, or JSON on request."""
    ideas = services.similar_ideas(request.args.get("title", "")[:services.TITLE_MAX])
    if _wants_json():
        return {"ideas": [
            {
                "id": idea.id,
                "title": idea.title,
                "url": url_for("ideas.detail", idea_id=idea.id),
                "status": idea.status,
                "status_label": str(STATUS_LABELS[idea.status_enum]),
                "department": idea.department.name,
                "author": idea.author.display_name if can(current_user, "idea.see_author", idea)
                else None,
                "net_votes": idea.net_votes,
            }
            for idea in ideas
        ]}
    return render_template("ideas/_similar.html", similar=ideas)


@bp.route("/ideas/new", methods=["GET", "POST"])
@requires("idea.create")
def new():
    form = IdeaForm()
    if request.method == "GET":
        form.department.data = current_user.department_id or 0
        # "Post this as an idea" under a search that found nothing brings its words.
        form.title.data = services.title_from_search(request.args.get("title", ""))
    similar = []
    status = form_status()
    # Preview: the form again with the text rendered above it; nothing saved or checked.
    preview = preview_of(form.body)
    if preview is not None:
        return render_template("ideas/new.html", form=form, similar=[], preview=preview)
    if form.validate_on_submit():
        if not form.confirmed.data:
            similar = services.similar_ideas(form.title.data)
        if similar:
            # Shown once, without JavaScript too; posting again goes ahead.
            form.confirmed.data = "1"
            return render_template("ideas/new.html", form=form, similar=similar,
                                   first_idea=not services.has_posted(current_user))
        try:
            throttling.spend("idea", current_user)
            idea = services.submit_idea(
                current_user, required(form.title.data), required(form.body.data),
                db.session.get(Department, form.department.data), form.tag_names,
                form.anonymous.data,
            )
        except throttling.Throttled as error:
            form.form_errors.append(error.description)
            status = error.code
        except services.IdeaError as error:
            form.form_errors.append(str(error))
        else:
            # What happens next, told as the idea is posted (the new-idea page says it
            # before the first one: "first_idea").
            flash(_("Your idea is posted. Colleagues can now support it and comment; when its "
                    "net votes reach %(threshold)d, the %(department)s managers review it. You "
                    "will be told of every step.", threshold=idea.department.review_threshold,
                    department=idea.department.name), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    return render_template("ideas/new.html", form=form, similar=similar,
                           first_idea=not services.has_posted(current_user)), status


@bp.get("/ideas/<int:idea_id>")
@requires("idea.browse")
def detail(idea_id: int):
    page = services.get_idea_page(idea_id, current_user)
    if page is None:
        abort(404)
    idea = visible_or_404(page.idea, "idea.view")
    progress = review_progress(idea.status, idea.net_votes, idea.department.review_threshold,
                               idea.department.name)
    return render_template("ideas/detail.html", idea=idea, my_vote=page.my_vote,
                           tags=tag_links(page.tag_names), progress=progress,
                           share_url=absolute_url("ideas.detail", idea_id=idea.id),
                           **idea_page_context(idea, current_user))


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@requires("idea.browse")
def edit(idea_id: int):
    idea = _viewable_or_404(idea_id)
    form = EditIdeaForm()
    if request.method == "POST" and _moved_on_since_the_author_opened_it(idea):
        return _edit_conflict(idea, form)
    authorize("idea.edit", idea)
    if request.method == "GET":
        form.title.data = idea.title
        form.body.data = idea.body_md
        form.tags.data = ", ".join(tag.name for tag in idea.tags)
    status = form_status()
    preview = preview_of(form.body)
    if preview is not None:
        return render_template("ideas/edit.html", form=form, idea=idea, preview=preview)
    if form.validate_on_submit():
        try:
            throttling.spend("edit", current_user)
            changed = services.edit_idea(idea, current_user, required(form.title.data),
                                         required(form.body.data), form.tag_names)
        except throttling.Throttled as error:
            form.form_errors.append(error.description)
            status = error.code
        except services.IdeaError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Your changes are saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    return render_template("ideas/edit.html", form=form, idea=idea), status


def _moved_on_since_the_author_opened_it(idea) -> bool:
    """The author sends an edit of an idea a manager has meanwhile taken out of their
    hands (fast-tracked, decided, merged): they are told what happened, not refused."""
    return (idea.author_id == current_user.id and not idea.hidden
            and not can(current_user, "idea.edit", idea))


class EditOvertaken(Conflict):
    """409: the author's edit came after a manager's change. The review capability, which
    knows what happened, answers it (``review.routes``): ideas sits below review in the
    layers (README.md). ``typed`` is what the author wrote, as (label, text) pairs."""

    def __init__(self, idea: Idea, typed: list[tuple[str, str]]) -> None:
        super().__init__()
        self.idea, self.typed = idea, typed


def _edit_conflict(idea: Idea, form: EditIdeaForm) -> NoReturn:
    typed = [(str(form.title.label.text), form.title.data or ""),
             (str(form.body.label.text), form.body.data or "")]
    raise EditOvertaken(idea, [(label, text) for label, text in typed if text.strip()])


@bp.get("/ideas/<int:idea_id>/versions")
@requires("idea.browse")
def versions(idea_id: int):
    idea = _viewable_or_404(idea_id)
    return render_template("ideas/versions.html", idea=idea, versions=services.versions(idea),
                           version_html=display.version_html)

"""The review queue, one idea's review page, and every action that changes an idea's status.

The review page (``/review/ideas/<id>``) holds all of a manager's forms for one idea:
fast-track, scores and decision, progress and outcome. The scores and the decision are
one form: "Record decision" saves the scores ticked beside it in the same unit of work
(``services.score_and_decide``), "Save scores" (the same form, posted to ``score``)
keeps the decision part as typed. On a validation error the page is shown again (422)
with the errors beside the fields and everything typed kept.

The idea a duplicate merges into and the owner of the work are chosen with pickers
that need no JavaScript: a search box and a "Find" button post the form as it stands
(``find``), and the page comes back with everything kept and the matches as radio
buttons (``_fill_pickers``; one query per picker, at most ``services.PICK_LIMIT``).

The author's actions (resubmit, withdraw) are buttons on the idea page. The idea
page's review section is loaded here too.

Every form carries ``seen``: the id of the idea's latest status change on the page it
came from. If someone else changed the idea since (two managers deciding at once, a
decision racing the author's withdrawal, two fast-tracks), the one who came second is
told who did what a moment ago, with the first decision and its rationale, and what
they typed is kept for them (409), on SQLite and PostgreSQL alike: whether their
request found the change already made (``_idea``) or lost the race inside the
workflow (``ConflictError``).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ideaboard.core import transactions
from ideaboard.core.forms import add_error, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.paging import page_number
from ideaboard.core.permissions import authorize, can, requires, visible_or_404
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.display import idea_page_section
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.ideas.routes import EditOvertaken
from ideaboard.review import display, services, workflow
from ideaboard.review.forms import (
    DECISION_CHOICES,
    AuthorActionForm,
    DecisionForm,
    FastTrackForm,
    OutcomeForm,
    ResubmitForm,
    ScoreForm,
    StartForm,
    WithdrawForm,
)
from ideaboard.review.queries import WORKLIST_COUNT_CAP
from ideaboard.review.services import ReviewError, Scores
from ideaboard.review.workflow import ConflictError, TransitionError

bp = Blueprint("review", __name__, url_prefix="/review")


def _idea(idea_id: int, action: str) -> Idea:
    """The idea, or 404 if the viewer may not see it; 403 if they may not take ``action``,
    unless they could when they drew the page and someone changed the idea since: then
    a :class:`ConflictError` (409) says who did what."""
    idea = visible_or_404(db.session.get(Idea, idea_id), "idea.view")
    if not can(current_user, action, idea) and workflow.capacities(current_user, idea):
        first = workflow.change_since(idea, _seen())
        if first is not None:
            raise ConflictError(idea, first)
    authorize(action, idea)
    return idea


# Ids are 32-bit integers (PostgreSQL refuses a larger one in a query).
_MAX_ID = 2**31 - 1


def _seen() -> int | None:
    """The posted ``seen``: the latest change on the form's page (0: none), None if absent
    or not an id."""
    seen = request.form.get("seen")
    if seen == "":
        return 0
    if seen is None or not (seen.isascii() and seen.isdigit()) or int(seen) > _MAX_ID:
        return None
    return int(seen)


def _refused(error: TransitionError | ReviewError) -> str:
    """The message of a refused change, to show beside the form; a change that came
    second to someone else's goes on to the conflict page instead."""
    if isinstance(error, ConflictError):
        raise error
    return str(error)


# Fields of the review forms whose text is worth keeping when a change came second.
_TYPED = {"note": _l("Your note"), "rationale": _l("Your rationale"),
          "what_changed": _l("What changed")}


@bp.app_errorhandler(EditOvertaken)
def edit_overtaken(error: EditOvertaken):
    """The author edited an idea a manager had meanwhile changed: say who did what, and
    give back what they typed (the edit view raises this: ideas knows no review)."""
    change = workflow.latest_change(error.idea)
    return render_template("review/conflict.html", idea=error.idea, change=change,
                           message=workflow.conflict_message(error.idea, change),
                           typed=error.typed), 409


@bp.errorhandler(ConflictError)
def conflict(error: ConflictError):
    """Someone else changed the idea first: say who, what and why; keep what was typed."""
    typed = [(str(_TYPED[name.rsplit("-", 1)[-1]]), value) for name, value in request.form.items()
             if name.rsplit("-", 1)[-1] in _TYPED and value.strip()]
    return render_template("review/conflict.html", idea=error.idea, change=error.change,
                           message=str(error), typed=typed), 409


def _idea_page(idea: Idea) -> str:
    return url_for("ideas.detail", idea_id=idea.id)


def _decision_choices(idea: Idea, form: DecisionForm) -> None:
    form.decision.choices = [choice for choice in DECISION_CHOICES
                             if workflow.allowed(current_user, idea, choice.value)]


def _fill_pickers(idea: Idea, form: DecisionForm | StartForm) -> None:
    """List each picker's matches: those of its posted search, and the one already
    chosen (kept first, so the choice survives another search). A picker with neither
    asks no query."""
    if isinstance(form, DecisionForm):
        query, chosen = form.duplicate_query.data, form.duplicate_of.data
        form.duplicate_of.choices = [
            (row.id, display.merge_choice_label(row.id, row.title, row.status))
            for row in services.merge_candidates(idea, query, chosen=chosen)
        ] if query or chosen else []
    query, chosen = form.owner_query.data, form.owner.data
    form.owner.choices = [
        (row.id, display.owner_choice_label(row.display_name, row.email, row.department_name))
        for row in services.owner_candidates(query, chosen=chosen)
    ] if query or chosen else []


def _decision_form(idea: Idea) -> DecisionForm:
    """The decision part of the review form, as posted, with its choices listed."""
    form = DecisionForm()
    _decision_choices(idea, form)
    _fill_pickers(idea, form)
    return form


def _typed_a_decision(form: DecisionForm) -> bool:
    """Whether the decision part of a posted review form holds anything of the manager's."""
    return any((form.decision.data, (form.rationale.data or "").strip(),
                form.duplicate_query.data, form.duplicate_of.data, form.owner_query.data,
                form.owner.data))


def _scored(form: ScoreForm) -> bool:
    """Whether the score part of a posted review form holds anything (a decision may
    come without scores; scores begun must be finished)."""
    return any(name in request.form for name in ("impact", "feasibility", "effort")) or bool(
        (form.note.data or "").strip())


def _searched(form: DecisionForm | StartForm) -> bool:
    """A "Find" button was pressed: the searches' lengths are checked, nothing is done."""
    checked = [form.owner_query.validate(form)]
    if isinstance(form, DecisionForm):
        checked.append(form.duplicate_query.validate(form))
    return all(checked)


def _review_page(idea: Idea, status: int = 200, **forms):
    """Render the review page; ``forms`` replaces the blank form that was just posted."""
    score = forms.get("score")
    if score is None:
        mine = services.review_by(idea, current_user)
        score = ScoreForm(obj=mine, formdata=None)
    decision = forms.get("decision") or DecisionForm(formdata=None)
    _decision_choices(idea, decision)
    start = forms.get("start")
    if start is None:
        start = StartForm(formdata=None, owner=idea.owner_id)
        if can(current_user, "idea.start", idea):
            _fill_pickers(idea, start)  # the owner named at acceptance, chosen already
    changes = display.timeline(idea.id)
    return render_template(
        "review/idea.html",
        idea=idea,
        reviews=(services.reviews_of(idea)
                 if can(current_user, "review.see_notes", idea) else []),
        fast_track_form=(forms.get("fast_track")
                         or FastTrackForm(formdata=None, prefix="fast-track")),
        score_form=score,
        decision_form=decision,
        start_form=start,
        review_timeline=changes,
        review_seen=changes[-1].id if changes else "",
        outcome_form=forms.get("outcome") or OutcomeForm(formdata=None),
    ), status


def _queue_count(viewer) -> int:
    """The viewer's queue length, counted once per request: the navigation and the
    queue page both show it. (Kept in ``g``, never across requests: it must not go
    stale, and two workers would not agree.)"""
    count = g.get("review_queue_count")
    if count is None:
        count = g.review_queue_count = services.queue_count(viewer)
    return count


@bp.get("")
@requires("review.queue")
def queue():
    """A manager's worklists, one at a time (``?list=``, see ``display.WORKLISTS``): the
    review queue, accepted ideas waiting to start, work in progress, and ideas waiting on
    their authors; each tab with its length (one statement for all four)."""
    viewer = current_user._get_current_object()
    now = utcnow()
    worklist = display.WORKLIST_BY_KEY.get(request.args.get("list", ""), display.WORKLISTS[0])
    counts = services.worklist_counts(viewer)
    # The navigation's count is the first of them: no second statement for it.
    g.review_queue_count = counts[IdeaStatus.IN_REVIEW.value]
    rows_html, entries = None, None
    if worklist.status == IdeaStatus.IN_REVIEW:
        page = services.queue_page(viewer, page_number(), now=now)
        rows_html = display.queue_rows_html(display.queue_entries(page.items, now))
    else:
        page = services.work_page(viewer, worklist.status, page_number())
        entries = display.work_entries(page.items, now)
    return render_template("review/queue.html", page=page, rows_html=rows_html,
                           entries=entries, worklist=worklist, worklists=display.WORKLISTS,
                           counts=counts, count_cap=WORKLIST_COUNT_CAP,
                           total=_queue_count(viewer),
                           stalled_days=workflow.stalled_after().days)


@bp.get("/ideas/<int:idea_id>")
@requires("idea.browse")
def idea(idea_id: int):
    return _review_page(_idea(idea_id, "idea.review"))


@bp.post("/ideas/<int:idea_id>/fast-track")
@requires("idea.browse")
def fast_track(idea_id: int):
    idea = _idea(idea_id, "idea.fast_track")
    form = FastTrackForm(prefix="fast-track")
    if form.validate_on_submit():
        try:
            # Whether a note is required is the table's to say (FastTrackForm).
            services.fast_track(idea, current_user, form.note.data or "")
        except TransitionError as error:
            add_error(form.note, _refused(error))
        else:
            flash(_("The idea is in review now."), "success")
            return redirect(url_for("review.idea", idea_id=idea.id))
    return _review_page(idea, 422, fast_track=form)


@bp.post("/ideas/<int:idea_id>/score")
@requires("idea.browse")
def score(idea_id: int):
    """Save the manager's scores. The decision part of the same form is kept as typed:
    if it holds anything, the page comes back with it (and the scores saved) instead of
    a redirect that would drop it."""
    idea = _idea(idea_id, "idea.score")
    form = ScoreForm()
    decision = _decision_form(idea) if can(current_user, "idea.decide", idea) else None
    if form.validate_on_submit():
        try:
            services.save_review(idea, current_user, impact=form.impact.data,
                                 feasibility=form.feasibility.data, effort=form.effort.data,
                                 note=form.note.data or "")
        except ReviewError as error:  # a ConflictError (decided meanwhile) goes on to 409
            form.form_errors.append(str(error))
        else:
            flash(_("Your scores are saved."), "success")
            if decision is not None and _typed_a_decision(decision):
                return _review_page(idea, 200, score=form, decision=decision)
            return redirect(url_for("review.idea", idea_id=idea.id))
    return _review_page(idea, 422, score=form, decision=decision)


@bp.post("/ideas/<int:idea_id>/decide")
@requires("idea.browse")
def decide(idea_id: int):
    """Record the decision, with the scores ticked beside it (one form, one unit of
    work); or, for a "Find" button, show the pickers' matches with everything kept."""
    idea = _idea(idea_id, "idea.decide")
    form = _decision_form(idea)
    scores = ScoreForm()
    if request.form.get("find"):
        # A search step: nothing is decided (the CSRF check has run, as for any POST).
        return _review_page(idea, 200 if _searched(form) else 422, decision=form,
                            score=scores)
    scored = _scored(scores)
    valid = form.validate_on_submit()
    if scored and not scores.validate():
        valid = False
        scores.form_errors.append(_("Finish your scores (impact, feasibility and effort), or "
                                    "clear them to decide without scoring."))
    if valid:
        try:
            services.score_and_decide(
                idea, current_user, form.decision.data, form.rationale.data or "",
                scores=(Scores(scores.impact.data, scores.feasibility.data,
                               scores.effort.data, scores.note.data or "")
                        if scored else None),
                owner_id=form.owner.data, duplicate_of_id=form.duplicate_of.data)
        except (ReviewError, TransitionError) as error:
            form.form_errors.append(_refused(error))
        else:
            flash(_("Decision recorded: %(status)s.", status=IdeaStatus(idea.status).in_sentence),
                  "success")
            return redirect(_idea_page(idea))
    return _review_page(idea, 422, decision=form, score=scores)


@bp.post("/ideas/<int:idea_id>/start")
@requires("idea.browse")
def start(idea_id: int):
    idea = _idea(idea_id, "idea.start")
    form = StartForm()
    _fill_pickers(idea, form)
    if request.form.get("find"):
        return _review_page(idea, 200 if _searched(form) else 422, start=form)
    if form.validate_on_submit():
        try:
            services.start_work(idea, current_user, owner_id=form.owner.data,
                                note=form.note.data or "")
        except ReviewError as error:
            add_error(form.owner, str(error))
        except TransitionError as error:
            form.form_errors.append(_refused(error))
        else:
            flash(_("The idea is in progress."), "success")
            return redirect(_idea_page(idea))
    return _review_page(idea, 422, start=form)


@bp.post("/ideas/<int:idea_id>/implement")
@requires("idea.browse")
def implement(idea_id: int):
    idea = _idea(idea_id, "idea.implement")
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            services.record_outcome(idea, current_user, required(form.what_changed.data),
                                    form.value.data, form.unit.data, form.note.data or "")
        except TransitionError as error:
            form.form_errors.append(_refused(error))
        else:
            flash(_("The outcome is recorded."), "success")
            return redirect(_idea_page(idea))
    return _review_page(idea, 422, outcome=form)


def _author_action(idea_id: int, action: str, run, done: str, prefix: str,
                   form_class: type[AuthorActionForm]):
    idea = _idea(idea_id, action)
    form = form_class(prefix=prefix)
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.note.errors)
              or _("That request could not be understood."), "error")
        return redirect(_idea_page(idea))
    try:
        run(idea, current_user, form.note.data or "")
    except TransitionError as error:
        transactions.discard()
        flash(_refused(error), "error")
    else:
        flash(done, "success")
    return redirect(_idea_page(idea))


@bp.post("/ideas/<int:idea_id>/resubmit")
@requires("idea.browse")
def resubmit(idea_id: int):
    return _author_action(idea_id, "idea.resubmit", services.resubmit,
                          _("Your idea is back with the reviewers."), "resubmit", ResubmitForm)


@bp.post("/ideas/<int:idea_id>/withdraw")
@requires("idea.browse")
def withdraw(idea_id: int):
    return _author_action(idea_id, "idea.withdraw", services.withdraw,
                          _("Your idea is withdrawn."), "withdraw", WithdrawForm)


@bp.app_context_processor
def review_queue_count():
    """The number shown beside "Review" in the navigation (only for reviewers)."""
    viewer = current_user._get_current_object()
    if not can(viewer, "review.queue"):
        return {"review_queue_count": 0}
    return {"review_queue_count": _queue_count(viewer)}


@idea_page_section("review")
def idea_review_section(idea: Idea, viewer) -> dict:
    """What the idea page's review partials show: decision, timeline, actions, notes.

    The timeline and duplicates are read as plain rows (``display``: the one way the
    timeline is read, by the review page too), and each action's form is built only for
    a viewer the policy lets take it (the partial asks the same).
    """
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    changes = display.timeline(idea.id)
    return {
        "review_timeline": changes,
        "review_seen": changes[-1].id if changes else "",
        "review_decision": services.current_decision(idea, changes),
        "review_duplicates": display.merged_duplicates(idea.id),
        "review_notes": (services.reviews_of(idea)
                         if can(user, "review.see_notes", idea) else []),
        "review_fast_track_form": (FastTrackForm(formdata=None, prefix="fast-track")
                                   if can(user, "idea.fast_track", idea) else None),
        "review_resubmit_form": (ResubmitForm(formdata=None, prefix="resubmit")
                                 if can(user, "idea.resubmit", idea) else None),
        "review_withdraw_form": (WithdrawForm(formdata=None, prefix="withdraw")
                                 if can(user, "idea.withdraw", idea) else None),
    }

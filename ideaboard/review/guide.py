"""The help page, "How an idea becomes a decision": the loop in plain words.

It lives with the review because it reads the one state machine: every status it
explains, and every way out of one (by whom, when), is a row of
``workflow.TRANSITIONS``, walked when the page is drawn, so the page cannot drift from
what the app does. The words are kept here beside it: a change of the table without
words for it fails ``tests/review/test_help_page.py``. What the list sorts mean is
``ideas.queries.SORT_EXPLAINED``, the same text as the sort tabs' tooltips.

Anyone may read it, signed in or not (``PUBLIC``): it tells a newcomer how the board
works and holds nothing of anyone's. Signed-in people also see each department's
threshold and review time (one query).
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from babel.lists import format_list
from flask import Blueprint, render_template
from flask_login import current_user

from ideaboard.core.i18n import current_locale
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import PUBLIC, requires
from ideaboard.extensions import db
from ideaboard.ideas.models import STATUS_LABELS, IdeaStatus
from ideaboard.ideas.queries import DEFAULT_SORT, SORT_EXPLAINED, SORTS
from ideaboard.org.models import Department
from ideaboard.review import workflow
from ideaboard.review.workflow import Capacity

bp = Blueprint("help", __name__)


def N_(text: str) -> str:
    """Marks ``text`` for the catalogue without translating it (``N_`` is among the names
    pybabel looks for): the words below are translated where the page is drawn
    (``lifecycle``), and stay plain strings here, which tests and the table compare."""
    return text


# What each status means for the idea's author and its readers.
STATUS_MEANING: dict[IdeaStatus, str] = {
    IdeaStatus.OPEN: N_("Posted and open for votes and comments."),
    IdeaStatus.IN_REVIEW: N_("It has enough support: the department's managers score it and "
                             "decide, by a due date."),
    IdeaStatus.NEEDS_INFO: N_("The managers asked the author for more information."),
    IdeaStatus.ACCEPTED: N_("The managers accepted it; it waits for someone to start it."),
    IdeaStatus.IN_PROGRESS: N_("Someone owns it and is putting it into practice."),
    IdeaStatus.IMPLEMENTED: N_("Done, with what changed and what it saved."),
    IdeaStatus.DECLINED: N_("The managers declined it and said why, for everyone to read."),
    IdeaStatus.DUPLICATE: N_("It was merged into an earlier idea: its votes and followers "
                             "moved there."),
    IdeaStatus.WITHDRAWN: N_("Its author took it back."),
}

# When each change of the table happens, by its name (``Transition.name``).
CHANGE_WHEN: dict[str, str] = {
    "enter_review": N_("when its net votes reach the department's threshold, or when a "
                       "manager fast-tracks it"),
    "resubmit": N_("when the author has added what was asked and sends it back"),
    "escalate": N_("when the due date passes without a decision: the managers of the parent "
                   "department take it over"),
    "accept": N_("when a manager accepts it"),
    "request_info": N_("when a manager asks the author a question, saying what is missing"),
    "decline": N_("when a manager declines it, with a written reason"),
    "mark_duplicate": N_("when a manager finds the same idea posted earlier"),
    "start": N_("when a manager names its owner and work starts"),
    "implement": N_("when a manager records the outcome"),
    "withdraw": N_("when its author withdraws it"),
}

# Who may make a change, in words, in the order they are named (the product's name as it is).
WHO: dict[Capacity, str] = {
    Capacity.SYSTEM: "Ideaboard",
    Capacity.MANAGER: N_("a manager"),
    Capacity.ADMIN: N_("an administrator"),
    Capacity.AUTHOR: N_("the author"),
}


class Step(NamedTuple):
    """One way out of a status: to which, by whom, when."""

    to_status: str
    to_label: str
    by: str  # "Ideaboard or a manager"
    when: str


class State(NamedTuple):
    """A status with what it means and the ways out of it (none for a final one)."""

    status: str
    label: str
    meaning: str
    steps: tuple[Step, ...]


def _by(who: frozenset[Capacity]) -> str:
    """"Ideaboard or a manager": the names, in the current language's way of listing
    alternatives."""
    names = [_(WHO[c]) for c in WHO if c in who and not (c == Capacity.ADMIN
                                                         and Capacity.MANAGER in who)]
    return format_list(names, style="or", locale=current_locale() or "en")


def lifecycle() -> list[State]:
    """Every status in the order an idea meets them, with its ways out, from the table.
    Escalation (a change that keeps the status) is listed under the status it keeps. In
    the current language."""
    states = []
    for status in IdeaStatus:
        steps = tuple(
            Step(t.target.value, STATUS_LABELS[t.target], _by(t.who), _(CHANGE_WHEN[t.name]))
            for t in workflow.TRANSITIONS if t.source == status)
        states.append(State(status.value, STATUS_LABELS[status], _(STATUS_MEANING[status]),
                            steps))
    return states


class DepartmentRule(NamedTuple):
    name: str
    threshold: int
    review_days: int


_DEPARTMENT_RULES = (sa.select(Department.name, Department.review_threshold,
                               Department.review_sla_days).order_by(Department.name))


@bp.get("/help")
@requires(PUBLIC)
def index():
    """How an idea becomes a decision: the states, the rankings, anonymity."""
    departments = ([DepartmentRule(*row) for row in db.session.execute(_DEPARTMENT_RULES)]
                   if current_user.is_authenticated else [])
    sorts = [(label, SORT_EXPLAINED[key], key == DEFAULT_SORT)
             for key, (label, _order) in SORTS.items()]
    return render_template("help/index.html", states=lifecycle(), sorts=sorts,
                           departments=departments)

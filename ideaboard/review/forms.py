"""Forms of the review pages: fast-track, scores, decisions, progress, outcome, author actions.

What a change requires (a reason, the idea it duplicates) is read from the state
machine's table (``review.workflow``), never restated here: the forms only say so
beside the field before the change is tried.
"""

from typing import ClassVar

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    RadioField,
    SearchField,
    StringField,
    TextAreaField,
)

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ideaboard.core.forms import Form, add_error
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.i18n import ngettext
from ideaboard.ideas.models import IdeaStatus
from ideaboard.review import workflow
from ideaboard.review.services import MAX_ID, SEARCH_MAX

S = IdeaStatus
SCORE_CHOICES = [SelectChoice(n, str(n)) for n in range(1, 6)]
# How each of the table's decisions is offered (a decision added to the table without
# its wording here fails at import).
_DECISION_WORDING = {
    S.ACCEPTED: _l("Accept"),
    S.NEEDS_INFO: _l("Ask the author for more information"),
    S.DECLINED: _l("Decline"),
    S.DUPLICATE: _l("Duplicate of another idea"),
}
DECISION_CHOICES = [SelectChoice(status.value, _DECISION_WORDING[status])
                    for status in workflow.DECISIONS]


def _row(source: IdeaStatus, target: IdeaStatus) -> workflow.Transition:
    """The table's row for the change a form makes (it must be there)."""
    row = workflow.find(source, target)
    if row is None:  # the table must have the change this form makes
        raise LookupError(f"no transition from {source} to {target}")
    return row


def _reason_required(source: IdeaStatus, target: IdeaStatus) -> list[DataRequired]:
    """``[DataRequired()]`` if the table asks a person for a reason for this change."""
    return [DataRequired()] if _row(source, target).min_reason else []


class FastTrackForm(Form):
    note = TextAreaField(_l("Why fast-track it?"),
                         validators=[*_reason_required(S.OPEN, S.IN_REVIEW), Length(max=2000)])


class ScoreForm(Form):
    impact = RadioField(_l("Impact"), choices=SCORE_CHOICES, coerce=int,
                        validators=[InputRequired(_l("Score the impact from 1 to 5."))])
    feasibility = RadioField(_l("Feasibility"), choices=SCORE_CHOICES, coerce=int,
                             validators=[InputRequired(_l("Score the feasibility from 1 to 5."))])
    effort = RadioField(_l("Effort"), choices=SCORE_CHOICES, coerce=int,
                        validators=[InputRequired(_l("Score the effort from 1 to 5."))])
    note = TextAreaField(_l("Private note (managers only)"), validators=[Length(max=5000)])


def chosen_id(value: object) -> int | None:
    """A picker's chosen id: None for none; an error (the field says so) for what is no
    id. Bounded: PostgreSQL refuses a larger integer in a query."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValueError("Choose one of the listed options.")
    return int(text)


def _picker(label: str | LazyString) -> RadioField:
    """The radio buttons of a picker: its choices are the matches of its search, listed
    by the view (``routes._fill_pickers``); the workflow checks the one chosen."""
    # invalid_value_message is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
    return RadioField(label, choices=[], coerce=chosen_id,  # type: ignore[call-arg]
                      validate_choice=False,
                      invalid_value_message=_l("Choose one of the listed options."))


class _Needed:
    """Marks a picker's search box as required (the mark beside its label, the flag the
    table's tests read); whether a choice was made is checked by ``_chose``."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form: FlaskForm, field: StringField) -> None:
        return None


def _search(label: str | LazyString, *, required: bool = False) -> SearchField:
    """A picker's search box, bounded as the search reads it (``services.SEARCH_MAX``)."""
    return SearchField(label, filters=[lambda text: (text or "").strip()],
                       validators=[*([_Needed()] if required else []),
                                   Length(max=SEARCH_MAX)])


class DecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES,
                          validators=[InputRequired(_l("Choose a decision."))])
    rationale = TextAreaField(_l("Public rationale"), validators=[Length(max=5000)])
    # Search, then choose: no JavaScript needed (the "Find" buttons show the matches).
    duplicate_query = _search(_l("Find the idea it duplicates"))
    duplicate_of = _picker(_l("The idea it duplicates"))
    owner_query = _search(_l("Find the owner (optional)"))
    owner = _picker(_l("Owner"))

    def validate_rationale(self, field: TextAreaField) -> None:
        needed = workflow.min_reason_for(self.decision.data)
        if len((field.data or "").strip()) < needed:
            raise ValidationError(ngettext(
                "Explain this decision to everyone in at least %(num)d character.",
                "Explain this decision to everyone in at least %(num)d characters.", needed))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if workflow.needs_duplicate_of_for(self.decision.data):
            valid = _chose(self.duplicate_query, self.duplicate_of, needed=True,
                           missing=_("Search for the idea this one duplicates, then choose it."),
                           unchosen=_("Choose the idea this one duplicates from the list.")) \
                and valid
        if self.decision.data == IdeaStatus.ACCEPTED:
            valid = _chose(self.owner_query, self.owner, needed=False, missing="",
                           unchosen=_("Choose the owner from the list, or clear the search "
                                      "to accept without one.")) and valid
        return valid


def _chose(query: StringField, choice: RadioField, *, needed: bool, missing: str,
           unchosen: str) -> bool:
    """Whether a picker's choice is complete: one of its matches is chosen, or (when it
    is not ``needed``) nothing was searched for. The error goes beside the
    search box while there is no list to choose from, beside the list otherwise."""
    if choice.errors or query.errors:
        if choice.errors and not choice.choices:  # no list is shown: say it by the search
            add_error(query, " ".join(str(error) for error in choice.errors))
        return False
    if choice.data is not None:
        # Chosen from the list, or listed no more (it became a duplicate a moment ago):
        # the workflow checks the choice, and says what happened to it.
        return True
    if not needed and not query.data:
        return True
    add_error(choice if choice.choices else query, unchosen if choice.choices else
              (missing or unchosen))
    return False


def _required_if(needed: bool) -> list[DataRequired]:
    """``[DataRequired()]`` when the table's row needs this field (``needs_owner``,
    ``needs_outcome``), so the form asks for what the state machine will check."""
    return [DataRequired()] if needed else []


class StartForm(Form):
    owner_query = _search(_l("Find the owner"),
                          required=_row(S.ACCEPTED, S.IN_PROGRESS).needs_owner)
    owner = _picker(_l("Owner"))
    note = TextAreaField(_l("Note (public, optional)"), validators=[Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Whether an owner is required is the table's to say (``needs_owner``).
        needed = _row(S.ACCEPTED, S.IN_PROGRESS).needs_owner
        return _chose(self.owner_query, self.owner, needed=needed,
                      missing=_("Search for the person who will own the work, then choose "
                                "them."),
                      unchosen=_("Choose the owner from the list.")) and valid


class OutcomeForm(Form):
    what_changed = TextAreaField(
        _l("What changed (Markdown)"),
        validators=[*_required_if(_row(S.IN_PROGRESS, S.IMPLEMENTED).needs_outcome),
                    Length(max=10000)])
    value = DecimalField(_l("Measured result (optional)"), places=2,
                         validators=[Optional(), NumberRange(min=-10**11, max=10**11)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    note = TextAreaField(_l("Note (public, optional)"), validators=[Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: the unit's Optional() stops its own chain when it is empty.
        if self.value.data is not None and not (self.unit.data or "").strip():
            add_error(self.unit, _("Give the unit, e.g. \u201chours a year saved\u201d."))
            valid = False
        return valid


class AuthorActionForm(Form):
    """Resubmit or withdraw: an optional public note (each form names it for what it
    asks, so the two boxes on one idea page have labels of their own)."""

    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=2000)])


class ResubmitForm(AuthorActionForm):
    note = TextAreaField(_l("What you changed (optional)"), validators=[Length(max=2000)])


class WithdrawForm(AuthorActionForm):
    note = TextAreaField(_l("Why you withdraw it (optional)"), validators=[Length(max=2000)])

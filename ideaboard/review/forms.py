"""Forms of the review pages: fast-track, scores, decisions, progress, outcome, author actions.

What a change requires (a reason, the idea it duplicates) is read from the state
machine's table (``review.workflow``), never restated here: the forms only say so
beside the field before the change is tried.
"""

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
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

from ideaboard.core.forms import add_error
from ideaboard.ideas.models import IdeaStatus
from ideaboard.review import workflow

S = IdeaStatus
SCORE_CHOICES = [SelectChoice(n, str(n)) for n in range(1, 6)]
# How each of the table's decisions is offered (a decision added to the table without
# its wording here fails at import).
_DECISION_WORDING = {
    S.ACCEPTED: "Accept",
    S.NEEDS_INFO: "Ask the author for more information",
    S.DECLINED: "Decline",
    S.DUPLICATE: "Duplicate of another idea",
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


class FastTrackForm(FlaskForm):
    note = TextAreaField("Why fast-track it?",
                         validators=[*_reason_required(S.OPEN, S.IN_REVIEW), Length(max=2000)])


class ScoreForm(FlaskForm):
    impact = RadioField("Impact", choices=SCORE_CHOICES, coerce=int,
                        validators=[InputRequired("Score the impact from 1 to 5.")])
    feasibility = RadioField("Feasibility", choices=SCORE_CHOICES, coerce=int,
                             validators=[InputRequired("Score the feasibility from 1 to 5.")])
    effort = RadioField("Effort", choices=SCORE_CHOICES, coerce=int,
                        validators=[InputRequired("Score the effort from 1 to 5.")])
    note = TextAreaField("Private note (managers only)", validators=[Length(max=5000)])


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=DECISION_CHOICES,
                          validators=[InputRequired("Choose a decision.")])
    rationale = TextAreaField("Public rationale", validators=[Length(max=5000)])
    owner_email = EmailField("Owner's e-mail (optional)", validators=[Optional(), Length(max=254)])
    # Bounded above too: a larger number is no idea, and PostgreSQL refuses it as an integer.
    duplicate_of = IntegerField("Duplicate of idea number",
                                validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])

    def validate_rationale(self, field: TextAreaField) -> None:
        needed = workflow.min_reason_for(self.decision.data)
        if len((field.data or "").strip()) < needed:
            raise ValidationError(f"Explain this decision to everyone in at least {needed} "
                                  "characters.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: the field's Optional() stops its own chain when it is empty.
        if workflow.needs_duplicate_of_for(self.decision.data) and not self.duplicate_of.data \
                and not self.duplicate_of.errors:
            add_error(self.duplicate_of, "Give the number of the idea this one duplicates.")
            valid = False
        return valid


def _required_if(needed: bool) -> list[DataRequired]:
    """``[DataRequired()]`` when the table's row needs this field (``needs_owner``,
    ``needs_outcome``), so the form asks for what the state machine will check."""
    return [DataRequired()] if needed else []


class StartForm(FlaskForm):
    owner_email = EmailField(
        "Owner's e-mail",
        validators=[*_required_if(_row(S.ACCEPTED, S.IN_PROGRESS).needs_owner), Length(max=254)])
    note = TextAreaField("Note (public, optional)", validators=[Length(max=2000)])


class OutcomeForm(FlaskForm):
    what_changed = TextAreaField(
        "What changed (Markdown)",
        validators=[*_required_if(_row(S.IN_PROGRESS, S.IMPLEMENTED).needs_outcome),
                    Length(max=10000)])
    value = DecimalField("Measured result (optional)", places=2,
                         validators=[Optional(), NumberRange(min=-10**11, max=10**11)])
    unit = StringField("Unit", validators=[Optional(), Length(max=40)])
    note = TextAreaField("Note (public, optional)", validators=[Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: the unit's Optional() stops its own chain when it is empty.
        if self.value.data is not None and not (self.unit.data or "").strip():
            add_error(self.unit, "Give the unit, e.g. \u201chours a year saved\u201d.")
            valid = False
        return valid


class AuthorActionForm(FlaskForm):
    """Resubmit or withdraw: an optional public note (each form names it for what it
    asks, so the two boxes on one idea page have labels of their own)."""

    note = TextAreaField("Note (optional)", validators=[Length(max=2000)])


class ResubmitForm(AuthorActionForm):
    note = TextAreaField("What you changed (optional)", validators=[Length(max=2000)])


class WithdrawForm(AuthorActionForm):
    note = TextAreaField("Why you withdraw it (optional)", validators=[Length(max=2000)])

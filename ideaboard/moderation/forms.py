"""Forms for flagging content and for the moderators' decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from ideaboard.moderation.services import MAX_REASON_LENGTH, Decision

# Every flag form on a page shares this prefix, so its field ids never clash with others.
FLAG_PREFIX = "report"


class FlagForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with it?"),
        validators=[DataRequired(message=_l("Say what is wrong, so a moderator can judge it.")),
                    Length(max=MAX_REASON_LENGTH)],
    )


class ResolveForm(FlaskForm):
    """A moderator's decision on one flag: build it with ``prefix=resolve_prefix(id)``."""

    # Told to the author when the content is hidden (so hiding needs it), and written
    # to the audit trail.
    note = StringField(_l("Reason (told to the author if you hide it)"),
                       validators=[Length(max=500)])
    decision = StringField(validators=[InputRequired(), AnyOf([d.value for d in Decision])])


def resolve_prefix(flag_id: int) -> str:
    return f"flag-{flag_id}"

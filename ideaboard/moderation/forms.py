"""Forms for flagging content and for the moderators' decisions."""

from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from ideaboard.core.forms import Form
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.moderation.services import MAX_REASON_LENGTH, Decision

# Every flag form on a page shares this prefix, so its field ids never clash with others.
FLAG_PREFIX = "report"


class FlagForm(Form):
    reason = TextAreaField(
        _l("What is wrong with it?"),
        validators=[DataRequired(message=_l("Say what is wrong, so a moderator can judge it.")),
                    Length(max=MAX_REASON_LENGTH)],
    )


class ResolveForm(Form):
    """A moderator's decision on one flag: build it with ``prefix=resolve_prefix(id)``."""

    # Told to the author when the content is hidden (so hiding needs it), and written
    # to the audit trail.
    note = StringField(_l("Reason (told to the author if you hide it)"),
                       validators=[Length(max=500)])
    decision = StringField(validators=[InputRequired(), AnyOf([d.value for d in Decision])])


def resolve_prefix(flag_id: int) -> str:
    return f"flag-{flag_id}"

from wtforms import IntegerField
from wtforms.validators import AnyOf, InputRequired

from ideaboard.core.forms import Form
from ideaboard.core.i18n import lazy_gettext as _l


class VoteForm(Form):
    """+1, -1, or 0 to take one's vote back."""

    value = IntegerField(validators=[InputRequired(),
                                     AnyOf([-1, 0, 1], _l("A vote is +1, -1 or 0."))])

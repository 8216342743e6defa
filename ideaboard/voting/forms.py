from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import AnyOf, InputRequired


class VoteForm(FlaskForm):
    """+1, -1, or 0 to take one's vote back."""

    value = IntegerField(validators=[InputRequired(),
                                     AnyOf([-1, 0, 1], _l("A vote is +1, -1 or 0."))])

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import AnyOf, InputRequired


class VoteForm(FlaskForm):
    """+1, -1, or 0 to take one's vote back."""

    value = IntegerField(validators=[InputRequired(), AnyOf([-1, 0, 1], "A vote is +1, -1 or 0.")])

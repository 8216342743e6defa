"""The audit trail's filter form (a GET form: it changes nothing, so it has no CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # Choices are the actions and types present in the trail, set by the view.
    # Not checked against the choices, so bounded here (the column holds 60 characters).
    action = SelectField("Action", validate_choice=False, validators=[Length(max=60)])
    object_type = SelectField("Object type", validate_choice=False, validators=[Length(max=60)])
    actor = StringField("Actor e-mail", validators=[Optional(), Length(max=254)],
                        description='An e-mail address, or "system".')
    since = DateField("From", validators=[Optional()])
    until = DateField("To (inclusive)", validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")

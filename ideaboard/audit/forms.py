"""The audit trail's filter form (a GET form: it changes nothing, so it has no CSRF token)."""

from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ideaboard.core.forms import Form
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    # Choices are the actions and types present in the trail, set by the view.
    # Not checked against the choices, so bounded here (the column holds 60 characters).
    action = SelectField(_l("Action"), validate_choice=False, validators=[Length(max=60)])
    object_type = SelectField(_l("Object type"), validate_choice=False,
                              validators=[Length(max=60)])
    # "system" is what is typed: the word the filter reads, whatever the language.
    actor = StringField(_l("Actor e-mail"), validators=[Optional(), Length(max=254)],
                        description=_l('An e-mail address, or "system".'))
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end date is before the start date."))

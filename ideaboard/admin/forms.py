"""Admin forms for people and departments."""

from wtforms import (
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ideaboard.accounts.models import Role
from ideaboard.core.forms import Form, MultiCheckboxField
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.org.services import department_choices

# Each role in words (the role column of the people and invitation lists, the choices).
ROLE_LABELS = {Role.EMPLOYEE.value: _l("Employee"), Role.MANAGER.value: _l("Manager"),
               Role.ADMIN.value: _l("Admin")}
ROLE_CHOICES = [SelectChoice(role, label) for role, label in ROLE_LABELS.items()]


class UserEditForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    department = SelectField(_l("Home department"), coerce=int)
    managed_departments = MultiCheckboxField(_l("Manages"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank=_("(no department)"))
        self.managed_departments.choices = department_choices()


class InviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES[:2])
    department = SelectField(_l("Department"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank=_("(let them choose)"))


class DepartmentForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=80)])
    parent = SelectField(_l("Parent department"), coerce=int)
    review_threshold = IntegerField(
        _l("Review threshold (net votes)"), default=5,
        validators=[InputRequired(), NumberRange(
            min=1, max=10_000, message=_l("Use a whole number from 1 to 10,000."))],
    )
    review_sla_days = IntegerField(
        _l("Review SLA (days)"), default=14,
        validators=[InputRequired(), NumberRange(
            min=1, max=365, message=_l("Use a whole number of days from 1 to 365."))]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = department_choices(blank=_("(none: a top-level department)"))

"""Admin forms for people and departments."""

from flask_wtf import FlaskForm
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
from ideaboard.core.forms import MultiCheckboxField
from ideaboard.org.services import department_choices

ROLE_CHOICES = [SelectChoice(Role.EMPLOYEE.value, "Employee"),
                SelectChoice(Role.MANAGER.value, "Manager"),
                SelectChoice(Role.ADMIN.value, "Admin")]


class UserEditForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    department = SelectField("Home department", coerce=int)
    managed_departments = MultiCheckboxField("Manages", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank="(no department)")
        self.managed_departments.choices = department_choices()


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES[:2])
    department = SelectField("Department", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank="(let them choose)")


class DepartmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(min=2, max=80)])
    parent = SelectField("Parent department", coerce=int)
    review_threshold = IntegerField(
        "Review threshold (net votes)", default=5,
        validators=[InputRequired(), NumberRange(
            min=1, max=10_000, message="Use a whole number from 1 to 10,000.")],
    )
    review_sla_days = IntegerField(
        "Review SLA (days)", default=14,
        validators=[InputRequired(), NumberRange(
            min=1, max=365, message="Use a whole number of days from 1 to 365.")]
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = department_choices(blank="(none: a top-level department)")

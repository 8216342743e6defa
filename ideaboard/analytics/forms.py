"""The filters of /analytics and /impact (GET forms: they change nothing, so no CSRF
token) and the admin's unit form."""

from __future__ import annotations

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ideaboard.analytics.models import UNIT_LENGTH
from ideaboard.core.forms import Form
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l

SORT_CHOICES = [SelectChoice("newest", _l("Newest first")),
                SelectChoice("oldest", _l("Oldest first")),
                SelectChoice("value", _l("Largest value first")),
                SelectChoice("department", _l("Department")), SelectChoice("title", _l("Title"))]


class PeriodForm(Form):
    """Period and department subtree: the filters every insight page shares. A campaign
    filter (issue 17) is one more SelectField here and one clause in queries._ideas_in."""

    class Meta:
        csrf = False

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])
    # Choices: the departments the viewer may see, set by the view; 0 is all of them.
    department = SelectField(_l("Department and its sub-departments"), coerce=int, default=0,
                             validate_choice=False)

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end date is before the start date."))


class AnalyticsFilterForm(PeriodForm):
    pass


class ImpactFilterForm(PeriodForm):
    # Choices: the units in the ledger, set by the view; not checked against them (a unit
    # with no result yet matches nothing), so bounded as the column is.
    unit = SelectField(_l("Unit"), validate_choice=False, validators=[Length(max=UNIT_LENGTH)])
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, default="newest")


class UnitForm(Form):
    name = StringField(_l("Unit name"),
                       validators=[DataRequired(message=_l("Enter the unit's name.")),
                                   Length(max=UNIT_LENGTH)],
                       description=_l('As totals show it, for example "hours a year".'))
    aliases = TextAreaField(_l("Other spellings"), validators=[Optional(), Length(max=1000)],
                            description=_l('One a line or separated by commas, for example '
                                           '"hours/year, h/yr".'))

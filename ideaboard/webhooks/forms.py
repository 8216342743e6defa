"""The endpoint form of the admin's webhooks pages."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, URLField

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, InputRequired, Length

from ideaboard.core.forms import Form, MultiCheckboxField
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.org.services import department_choices
from ideaboard.webhooks.models import EndpointKind
from ideaboard.webhooks.services import EVENT_LABELS, KIND_LABELS, SUBSCRIBABLE
from ideaboard.webhooks.ssrf import URL_MAX


class EndpointForm(Form):
    url = URLField(_l("URL"), validators=[DataRequired(), Length(max=URL_MAX)])
    kind = RadioField(_l("Kind"), default=EndpointKind.GENERIC.value, validators=[InputRequired()],
                      choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in EndpointKind])
    events = MultiCheckboxField(_l("Events"), default=[e.value for e in SUBSCRIBABLE],
                                choices=[SelectChoice(e.value, EVENT_LABELS[e])
                                         for e in SUBSCRIBABLE])
    department = SelectField(_l("Department"), coerce=int, default=0)
    active = BooleanField(_l("Active: deliver events to it"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank=_("(the whole company)"))

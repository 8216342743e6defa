"""The campaign form and the sponsor's state buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ideaboard.accounts.models import find_by_email
from ideaboard.campaigns import services
from ideaboard.campaigns.models import Campaign
from ideaboard.core.forms import Form, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.extensions import db
from ideaboard.ideas.forms import EditIdeaForm
from ideaboard.org.models import Department
from ideaboard.org.services import department_choices

# What the browser's date-and-time box sends (``<input type="datetime-local">``).
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


class CampaignForm(Form):
    title = StringField(
        _l("Question"), filters=[_strip],
        validators=[DataRequired(), Length(min=services.TITLE_MIN, max=services.TITLE_MAX)],
        render_kw={"maxlength": services.TITLE_MAX, "autocomplete": "off"})
    brief = TextAreaField(
        _l("Brief"), filters=[_strip],
        validators=[DataRequired(), Length(max=services.BRIEF_MAX)])
    sponsor = EmailField(
        _l("Sponsor's e-mail"), filters=[_strip],
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "off", "maxlength": 254})
    audience = SelectField(_l("Who is asked"), coerce=int)
    department = SelectField(
        _l("Reviewing department"), coerce=int,
        validators=[NumberRange(min=1, message=_l(
            "Choose the department whose managers review its ideas."))])
    opens_at = DateTimeLocalField(_l("Opens at (UTC)"), format=LOCAL_FORMAT,
                                  validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), format=LOCAL_FORMAT,
                                   validators=[InputRequired()])
    voting_closes_at = DateTimeLocalField(_l("Voting closes at (UTC, optional)"),
                                          format=LOCAL_FORMAT, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audience.choices = department_choices(blank=_("Everyone"))
        self.department.choices = department_choices(
            blank=_("Choose the reviewing department"))

    def fill_from(self, campaign: Campaign) -> None:
        """Show a campaign's values (the edit page's first view)."""
        self.title.data = campaign.title
        self.brief.data = campaign.brief_md
        self.sponsor.data = campaign.sponsor.email
        self.audience.data = campaign.audience_department_id or 0
        self.department.data = campaign.department_id
        self.opens_at.data = campaign.opens_at.replace(tzinfo=None)
        self.closes_at.data = campaign.closes_at.replace(tzinfo=None)
        self.voting_closes_at.data = (campaign.voting_closes_at.replace(tzinfo=None)
                                      if campaign.voting_closes_at else None)

    def fields(self) -> services.CampaignFields:
        """What the validated form asks for, people and departments looked up (a name
        that matches none is left None, which ``services.check`` refuses)."""
        opens_at, closes_at = _utc(required(self.opens_at.data)), _utc(
            required(self.closes_at.data))
        return services.CampaignFields(
            title=self.title.data or "",
            brief_md=self.brief.data or "",
            sponsor=find_by_email(self.sponsor.data or ""),
            audience=db.session.get(Department, self.audience.data) if self.audience.data
            else None,
            department=db.session.get(Department, self.department.data)
            if self.department.data else None,
            opens_at=required(opens_at), closes_at=required(closes_at),
            voting_closes_at=_utc(self.voting_closes_at.data))


class AnswerForm(EditIdeaForm):
    """An idea in answer to a campaign: its department is the campaign's."""

    anonymous = BooleanField(_l("Post anonymously"))


class StateForm(Form):
    """A sponsor's button: close the campaign, or archive it."""

    to = HiddenField(validators=[AnyOf(sorted(state.value for state in services.BY_HAND))])

"""The form that makes an API token (personal on the account page, service on the
admin page)."""

from __future__ import annotations

from flask_babel.speaklater import LazyString
from wtforms import SelectField, StringField

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from ideaboard.api.models import Scope
from ideaboard.api.services import EXPIRY_CHOICES
from ideaboard.core.forms import Form, MultiCheckboxField
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.i18n import lazy_ngettext

SCOPE_LABELS: dict[Scope, LazyString] = {
    Scope.READ: _l("read: see ideas, comments, departments and your notifications"),
    Scope.WRITE: _l("write: post and edit ideas, vote, comment and follow"),
    Scope.REVIEW: _l("review: your review queue, scores and decisions"),
    Scope.ADMIN: _l("admin: what an administrator may do"),
}


def _expiry_label(days: int | None) -> LazyString:
    if days:
        return lazy_ngettext("%(num)d day", "%(num)d days", days)
    return _l("Never (until revoked)")


class TokenForm(Form):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What will use it, e.g. the weekly report script."))
    scopes = MultiCheckboxField(_l("Scopes"))
    expires = SelectField(_l("Expires after"),
                          choices=[SelectChoice(str(days or 0), _expiry_label(days))
                                   for days in EXPIRY_CHOICES],
                          default="30")

    def __init__(self, scopes: tuple[Scope, ...], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scopes.choices = [SelectChoice(scope.value, SCOPE_LABELS[scope])
                               for scope in scopes]

    @property
    def expires_in_days(self) -> int | None:
        return int(self.expires.data or 0) or None

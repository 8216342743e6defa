"""Forms for erasing an account (the person's, an admin's) and the retention settings."""

from flask_babel.speaklater import LazyString
from wtforms import IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ideaboard.core.forms import Form
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.privacy.services import MAX_RETENTION_DAYS

# What a person without a password types to confirm that they mean it: the same words
# in every language (the view compares them), so the texts name it as a value.
CONFIRMATION_PHRASE = "erase my account"


class ErasePasswordForm(Form):
    """A person with a password confirms the erasure of their account with it."""

    password = PasswordField(_l("Your password"), validators=[
        DataRequired(_l("Enter your password to confirm.")),
        Length(max=256, message=_l("A password has at most 256 characters."))])


class EraseTypedForm(Form):
    """A person who signs in through the identity provider has no password here: they
    confirm by typing a phrase."""

    confirmation = StringField(
        _l("Type “%(phrase)s” to confirm", phrase=CONFIRMATION_PHRASE), validators=[
            DataRequired(_l("Type the words “%(phrase)s” to confirm.",
                            phrase=CONFIRMATION_PHRASE)),
            Length(max=100, message=_l("Type only the words “%(phrase)s”.",
                                       phrase=CONFIRMATION_PHRASE))])


class AdminEraseForm(Form):
    """An admin erases someone's account, saying why (kept in the audit trail)."""

    reason = TextAreaField(_l("Reason (kept in the audit trail)"), validators=[
        DataRequired(_l("Say why this account is erased.")),
        Length(min=10, max=500, message=_l("Say why in 10 to 500 characters."))])
    confirmation = StringField(_l("Type the person's e-mail address to confirm"), validators=[
        DataRequired(_l("Type the person's e-mail address to confirm.")),
        Length(max=254, message=_l("An e-mail address has at most 254 characters."))])


def _days(label: str | LazyString) -> IntegerField:
    return IntegerField(label, validators=[
        InputRequired(_l("Enter a number of days.")),
        NumberRange(min=1, max=MAX_RETENTION_DAYS,
                    message=_l("Use a whole number of days from 1 to %(most)s.",
                               most=format(MAX_RETENTION_DAYS, ",")))])


class RetentionForm(Form):
    """How long what is only a record is kept (the purge command applies it)."""

    read_notification_days = _days(_l("Keep read notifications for (days)"))
    sent_email_days = _days(_l("Keep sent e-mails for (days)"))
    email_body_days = _days(_l("Keep the text of sent e-mails for (days)"))

"""Forms for erasing an account (the person's, an admin's) and the retention settings."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ideaboard.privacy.services import MAX_RETENTION_DAYS

# What a person without a password types to confirm that they mean it.
CONFIRMATION_PHRASE = "erase my account"


class ErasePasswordForm(FlaskForm):
    """A person with a password confirms the erasure of their account with it."""

    password = PasswordField("Your password", validators=[
        DataRequired("Enter your password to confirm."),
        Length(max=256, message="A password has at most 256 characters.")])


class EraseTypedForm(FlaskForm):
    """A person who signs in through the identity provider has no password here: they
    confirm by typing a phrase."""

    confirmation = StringField("Type “erase my account” to confirm", validators=[
        DataRequired("Type the words “erase my account” to confirm."),
        Length(max=100, message="Type only the words “erase my account”.")])


class AdminEraseForm(FlaskForm):
    """An admin erases someone's account, saying why (kept in the audit trail)."""

    reason = TextAreaField("Reason (kept in the audit trail)", validators=[
        DataRequired("Say why this account is erased."),
        Length(min=10, max=500, message="Say why in 10 to 500 characters.")])
    confirmation = StringField("Type the person's e-mail address to confirm", validators=[
        DataRequired("Type the person's e-mail address to confirm."),
        Length(max=254, message="An e-mail address has at most 254 characters.")])


def _days(label: str) -> IntegerField:
    return IntegerField(label, validators=[
        InputRequired("Enter a number of days."),
        NumberRange(min=1, max=MAX_RETENTION_DAYS,
                    message=f"Use a whole number of days from 1 to {MAX_RETENTION_DAYS:,}.")])


class RetentionForm(FlaskForm):
    """How long what is only a record is kept (the purge command applies it)."""

    read_notification_days = _days("Keep read notifications for (days)")
    sent_email_days = _days("Keep sent e-mails for (days)")
    email_body_days = _days("Keep the text of sent e-mails for (days)")

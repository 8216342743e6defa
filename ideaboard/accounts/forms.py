"""Forms for logging in, signing up and looking after one's own account."""

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from ideaboard.accounts.models import EMAIL_TOPIC_LABELS, EmailFrequency, EmailTopic
from ideaboard.core.forms import Form, MultiCheckboxField
from ideaboard.core.i18n import available_languages
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.org.services import department_choices

EMAIL_FREQUENCY_CHOICES = [
    SelectChoice(EmailFrequency.IMMEDIATE.value, _l("An e-mail for each event")),
    SelectChoice(EmailFrequency.DAILY.value, _l("One daily digest")),
    SelectChoice(EmailFrequency.NEVER.value, _l("No e-mail (in-app only)")),
]


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me on this device"))


class _DepartmentFormMixin:
    department: SelectField  # declared by each form that mixes this in

    def set_department_choices(self) -> None:
        self.department.choices = department_choices(blank=_("(no department)"))


class SignupForm(Form, _DepartmentFormMixin):
    """Sign-up, step one: who one is; the password comes with the e-mailed link.

    Its messages say what to do in plain words; what the fields alone cannot tell (the
    address's domain, the password's strength) ``accounts.services.sign_up_problems``
    adds beside the fields, so a person sees every problem at once."""

    email = EmailField(_l("Work e-mail"), validators=[
        DataRequired(_l("Enter your work e-mail address.")),
        Email(_l("Enter an e-mail address like name@company.com.")),
        Length(max=254, message=_l("An e-mail address has at most 254 characters."))])
    display_name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Enter your name.")),
        Length(min=2, max=80, message=_l("Enter your name in 2 to 80 characters."))])
    department = SelectField(_l("Department"), coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_department_choices()


class ChoosePasswordForm(Form):
    """A new password, twice: the sign-up link's page and the reset link's page."""

    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(max=256, message=_l("Use at most 256 characters."))])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(_l("Type the password again.")), Length(max=256),
                    EqualTo("password", _l("The passwords differ."))],
    )


class InvitationSignupForm(SignupForm, ChoosePasswordForm):
    """Sign-up through an invitation: one step, since the invitation proves the address."""


class ProfileForm(Form, _DepartmentFormMixin):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=80)])
    department = SelectField(_l("Department"), coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_department_choices()


class EmailPreferencesForm(Form):
    """How often Ideaboard e-mails someone, and about which kinds of events."""

    email_frequency = SelectField(_l("How often"), choices=EMAIL_FREQUENCY_CHOICES)
    topics = MultiCheckboxField(
        _l("E-mail me about"),
        choices=[SelectChoice(topic.value, EMAIL_TOPIC_LABELS[topic]) for topic in EmailTopic])


# The language choice that leaves it to the browser (stored as None).
BROWSER_LANGUAGE = ""


class LanguageForm(Form):
    """The language of the pages: the browser's, or one of the languages this Ideaboard
    offers (``core.i18n.available_languages``), each named in itself."""

    # Checked against the languages offered by validate_locale; the length bounds it first.
    locale = SelectField(_l("Language"), validators=[Length(max=16)], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = available_languages()
        self.offered = {BROWSER_LANGUAGE, *(language.code for language in languages)}
        # lang: a screen reader reads "Deutsch" as German.
        self.locale.choices = [
            SelectChoice(BROWSER_LANGUAGE, _("Your browser's language")),
            *(SelectChoice(language.code, language.name, render_kw={"lang": language.code})
              for language in languages)]

    def validate_locale(self, field: SelectField) -> None:
        # Not sent at all, or a value the list does not offer: a forged request.
        if not field.raw_data or field.data not in self.offered:
            raise ValidationError(_("Choose a language from the list."))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"),
                                 validators=[InputRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[InputRequired(), Length(max=256),
                    EqualTo("new_password", _l("The passwords differ."))],
    )


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])

"""Forms for logging in, signing up and looking after one's own account."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from ideaboard.accounts.models import EmailFrequency, EmailTopic
from ideaboard.core.forms import MultiCheckboxField
from ideaboard.org.services import department_choices

EMAIL_FREQUENCY_CHOICES = [
    SelectChoice(EmailFrequency.IMMEDIATE.value, "An e-mail for each event"),
    SelectChoice(EmailFrequency.DAILY.value, "One daily digest"),
    SelectChoice(EmailFrequency.NEVER.value, "No e-mail (in-app only)"),
]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Remember me on this device")


class _DepartmentFormMixin:
    department: SelectField  # declared by each form that mixes this in

    def set_department_choices(self) -> None:
        self.department.choices = department_choices(blank="(no department)")


class SignupForm(FlaskForm, _DepartmentFormMixin):
    """Sign-up, step one: who one is; the password comes with the e-mailed link.

    Its messages say what to do in plain words; what the fields alone cannot tell (the
    address's domain, the password's strength) ``accounts.services.sign_up_problems``
    adds beside the fields, so a person sees every problem at once."""

    email = EmailField("Work e-mail", validators=[
        DataRequired("Enter your work e-mail address."),
        Email("Enter an e-mail address like name@company.com."),
        Length(max=254, message="An e-mail address has at most 254 characters.")])
    display_name = StringField("Your name", validators=[
        DataRequired("Enter your name."),
        Length(min=2, max=80, message="Enter your name in 2 to 80 characters.")])
    department = SelectField("Department", coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_department_choices()


class ChoosePasswordForm(FlaskForm):
    """A new password, twice: the sign-up link's page and the reset link's page."""

    password = PasswordField("Password", validators=[
        DataRequired("Choose a password."),
        Length(max=256, message="Use at most 256 characters.")])
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired("Type the password again."), Length(max=256),
                    EqualTo("password", "The passwords differ.")],
    )


class InvitationSignupForm(SignupForm, ChoosePasswordForm):
    """Sign-up through an invitation: one step, since the invitation proves the address."""


class ProfileForm(FlaskForm, _DepartmentFormMixin):
    display_name = StringField("Name", validators=[DataRequired(), Length(min=2, max=80)])
    department = SelectField("Department", coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_department_choices()


class EmailPreferencesForm(FlaskForm):
    """How often Ideaboard e-mails someone, and about which kinds of events."""

    email_frequency = SelectField("How often", choices=EMAIL_FREQUENCY_CHOICES)
    topics = MultiCheckboxField(
        "E-mail me about", choices=[SelectChoice(t.value, t.label) for t in EmailTopic])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[InputRequired(), Length(max=256)])
    new_password = PasswordField("New password", validators=[InputRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat new password",
        validators=[InputRequired(), Length(max=256),
                    EqualTo("new_password", "The passwords differ.")],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])

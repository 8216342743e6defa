"""Forms for submitting, editing and filtering ideas."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SearchField, SelectField, StringField, TextAreaField

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from ideaboard.ideas import services
from ideaboard.ideas.models import STATUS_LABELS, IdeaStatus
from ideaboard.org.services import department_choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class EditIdeaForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[_strip],
        validators=[DataRequired(), Length(min=services.TITLE_MIN, max=services.TITLE_MAX)],
        render_kw={"maxlength": services.TITLE_MAX, "autocomplete": "off"},
    )
    body = TextAreaField(
        "Description",
        filters=[_strip],
        validators=[DataRequired(), Length(min=1, max=services.BODY_MAX)],
    )
    tags = StringField(
        "Tags",
        filters=[_strip],
        validators=[Length(max=services.TAGS_FIELD_MAX, message=(
            f"At most {services.MAX_TAGS} tags of up to {services.TAG_MAX_LENGTH} characters, "
            "separated by commas."))],
        render_kw={"autocomplete": "off", "maxlength": services.TAGS_FIELD_MAX},
    )

    def validate_tags(self, field) -> None:
        if field.errors:  # already refused by its length: parse nothing
            return
        try:
            self.tag_names = services.parse_tags(field.data)
        except services.IdeaError as error:
            raise ValidationError(str(error)) from None


class IdeaForm(EditIdeaForm):
    department = SelectField(
        "Department",
        coerce=int,
        validators=[NumberRange(min=1, message="Choose the department the idea is for.")],
    )
    anonymous = BooleanField("Post anonymously")
    # Set once the author has seen the similar ideas (by suggest.js, or by the
    # form shown again with them), so the idea is then posted without asking twice.
    confirmed = HiddenField(default="", validators=[Length(max=8)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank="Choose a department")


STATUS_CHOICES = [SelectChoice("", "Any status")] + [
    SelectChoice(s.value, STATUS_LABELS[s]) for s in IdeaStatus
]
SHOW_CHOICES = [SelectChoice("", "All ideas"), SelectChoice("mine", "My ideas"),
                SelectChoice("following", "Ideas I follow")]


class IdeaFilterForm(FlaskForm):
    """The GET form above the idea list; bad values fall back to "no filter"."""

    class Meta:
        csrf = False  # a search changes nothing

    q = SearchField("Search", filters=[_strip], validators=[Length(max=200)])
    status = SelectField("Status", choices=STATUS_CHOICES)
    department = SelectField("Department", coerce=int)
    tag = StringField("Tag", filters=[_strip], validators=[Length(max=64)])
    show = SelectField("Show", choices=SHOW_CHOICES)
    sort = HiddenField(validators=[Length(max=32)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank="All departments")

    def to_filters(self) -> services.IdeaFilters:
        """The list filters this form asks for, ignoring any value that is not valid."""
        self.validate()
        for field in self:
            if field.errors:  # a hand-made URL: drop the value rather than complain
                field.data = None
                field.errors = []
        q = self.q.data or ""
        sort = self.sort.data or ""
        allowed_sorts = set(services.SORTS) | ({services.RELEVANCE_SORT} if q else set())
        if sort not in allowed_sorts:
            sort = services.RELEVANCE_SORT if q else services.DEFAULT_SORT
        show = self.show.data or ""
        return services.IdeaFilters(
            sort=sort,
            q=q,
            status=self.status.data or "",
            department_id=self.department.data or None,
            tag=self.tag.data or "",
            mine=show == "mine",
            following=show == "following",
        )

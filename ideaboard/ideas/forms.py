"""Forms for submitting, editing and filtering ideas."""

from __future__ import annotations

from typing import NamedTuple

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, SearchField, SelectField, StringField, TextAreaField

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from ideaboard.core.forms import Form
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.kept import per_app
from ideaboard.ideas import services
from ideaboard.ideas.models import STATUS_LABELS, IdeaStatus
from ideaboard.ideas.queries import default_sort
from ideaboard.org.services import department_choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class EditIdeaForm(Form):
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(), Length(min=services.TITLE_MIN, max=services.TITLE_MAX)],
        render_kw={"maxlength": services.TITLE_MAX, "autocomplete": "off"},
    )
    body = TextAreaField(
        _l("Description"),
        filters=[_strip],
        validators=[DataRequired(), Length(min=1, max=services.BODY_MAX)],
    )
    tags = StringField(
        _l("Tags"),
        filters=[_strip],
        validators=[Length(max=services.TAGS_FIELD_MAX, message=_l(
            "At most %(num)d tags of up to %(length)d characters, separated by commas.",
            num=services.MAX_TAGS, length=services.TAG_MAX_LENGTH))],
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
        _l("Department"),
        coerce=int,
        validators=[NumberRange(min=1, message=_l("Choose the department the idea is for."))],
    )
    anonymous = BooleanField(_l("Post anonymously"))
    # Set once the author has seen the similar ideas (by suggest.js, or by the
    # form shown again with them), so the idea is then posted without asking twice.
    confirmed = HiddenField(default="", validators=[Length(max=8)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank=_("Choose a department"))


# Lazy labels: select_options reads each in the language of the page.
STATUS_CHOICES = [SelectChoice("", _l("Any status"))] + [
    SelectChoice(s.value, STATUS_LABELS[s]) for s in IdeaStatus
]
SHOW_CHOICES = [SelectChoice("", _l("All ideas")), SelectChoice("mine", _l("My ideas")),
                SelectChoice("following", _l("Ideas I follow"))]


class IdeaFilterForm(Form):
    """The GET form above the idea list; bad values fall back to "no filter"."""

    class Meta:
        csrf = False  # a search changes nothing

    q = SearchField(_l("Search"), filters=[_strip], validators=[Length(max=200)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    department = SelectField(_l("Department"), coerce=int)
    tag = StringField(_l("Tag"), filters=[_strip], validators=[Length(max=64)])
    show = SelectField(_l("Show"), choices=SHOW_CHOICES)
    sort = HiddenField(validators=[Length(max=32)])

    def __init__(self, *args, departments: tuple | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = department_choices(blank=_("All departments"),
                                                     rows=departments)

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
            sort = default_sort(q)
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


class FilterKey(NamedTuple):
    """Everything the filter bar of the idea list, and the filters it asks for, depend
    on: the query string's arguments in order, the departments (``department_rows``:
    the options, and which ids are valid) and the prefix of the site's links."""

    args: tuple[tuple[str, str], ...]
    departments: tuple[tuple[int, str, int | None], ...]
    script_root: str


# The filter bar is the same for everyone who asks the same query string, and building,
# validating and writing its form cost about a third of a list page (0.5 ms + 0.45 ms
# a request in-process): both are kept per query string. Only short query strings are
# kept (the list's own links make them), so an entry is a few KB at most.
FILTER_CACHE_SIZE = 512
FILTER_QUERY_MAX = 512  # characters of the query string


def filter_form(key: FilterKey) -> tuple[IdeaFilterForm, services.IdeaFilters]:
    """The filter form for ``key`` and the filters it asks for (invalid values dropped)."""
    form = IdeaFilterForm(formdata=MultiDict(key.args), departments=key.departments)
    return form, form.to_filters()


@per_app(maxsize=FILTER_CACHE_SIZE)
def _kept_filters(key: FilterKey) -> services.IdeaFilters:
    return filter_form(key)[1]


def is_kept(key: FilterKey) -> bool:
    """Whether what ``key`` asks for is kept: not for a long query string."""
    return sum(len(name) + len(value) + 2 for name, value in key.args) <= FILTER_QUERY_MAX


def kept_filters(key: FilterKey) -> services.IdeaFilters:
    """The filters ``key``'s query string asks for, worked out once per query string."""
    return _kept_filters(key) if is_kept(key) else filter_form(key)[1]

"""A validated form, as its views use it: what WTForms guarantees once a form has
validated, said in types.

WTForms' stubs type a field's ``data`` as possibly None (it is, before any input) and
its ``errors`` as a read-only sequence (a tuple before validation). After
``validate_on_submit()`` a required field holds a value and every field's errors are a
list, which a view extends with what a service refused. These two helpers say so once,
rather than a cast in every view.
"""

from __future__ import annotations

from typing import TypeVar, cast

from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ideaboard import sanitize
from ideaboard.core.i18n import wtforms_translations

T = TypeVar("T")


class Form(FlaskForm):
    """Every form's base: Flask-WTF's (CSRF, the request's data), with WTForms' own
    messages in the reader's language from a catalogue read once per process."""

    class Meta:
        def get_translations(self, form: Form) -> object:
            return wtforms_translations()


def form_status() -> int:
    """The status of a page showing a form: 422 when a submitted form is shown again
    with its errors, 200 when it is first shown."""
    return 422 if request.method == "POST" else 200


def required(data: T | None) -> T:
    """The data of a field that ``DataRequired`` or ``InputRequired`` has validated:
    never None, whatever the stubs say. Read it only after the form has validated."""
    if data is None:
        raise ValueError("a required field has no data: was the form validated?")
    return data


def add_error(field: Field, message: str) -> None:
    """Show ``message`` beside ``field``, as its own validators' messages are shown.

    Only after the form has validated: WTForms then holds the field's errors in a list.
    """
    cast(list[str], field.errors).append(message)


# The name of the "Preview" submit button of a form with a Markdown box (an idea, a
# comment): pressed, the view shows the form again with the text rendered above it.
PREVIEW = "preview"


def preview_of(field: Field) -> Markup | None:
    """The Markdown of ``field`` as it will be shown, if the person pressed Preview: the
    one sanitiser's rendering (``sanitize.render_markdown``) of what they typed, at most
    the field's own length limit of it. None when the form was sent to be saved (or not
    sent at all). Nothing is saved and no form is validated: the view shows the form
    again, with everything typed in it. (CSRF was checked for every POST already.)"""
    if request.method != "POST" or PREVIEW not in request.form:
        return None
    text = field.data if isinstance(field.data, str) else ""
    limit = getattr(field.flags, "maxlength", None)
    return Markup(sanitize.render_markdown(text[:limit] if limit else text))  # nosec B704


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as a group of checkboxes (``core.fields.field`` writes it as
    a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

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

from wtforms import Field, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

T = TypeVar("T")


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


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as a group of checkboxes (``core.fields.field`` writes it as
    a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

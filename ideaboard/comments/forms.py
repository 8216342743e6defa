"""Forms for writing and editing comments."""

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ideaboard.comments.services import MAX_BODY_LENGTH
from ideaboard.core.forms import Form
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.kept import per_app

_BODY_VALIDATORS = [
    DataRequired(message=_l("Write something first.")),
    # Length fills in %(max)d (and turns the message into a plain string).
    Length(max=MAX_BODY_LENGTH, message=_l("A comment has at most %(max)d characters.")),
]
MARKDOWN_HINT = _l("Markdown works. Mention a colleague with @ and their e-mail name, "
                   "e.g. @first.last.")


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=_BODY_VALIDATORS)


class ReplyForm(Form):
    """One per top-level comment on the page: build it with ``prefix=reply_prefix(id)``."""

    body = TextAreaField(_l("Your reply"), validators=_BODY_VALIDATORS)


class EditCommentForm(Form):
    body = TextAreaField(_l("Comment"), validators=_BODY_VALIDATORS)


def reply_prefix(comment_id: int) -> str:
    """Each reply form has its own field names and ids, so labels stay unique on the page."""
    return f"reply-{comment_id}"


@dataclass(frozen=True, slots=True)
class TextArea:
    """A comment box written out as plain markup: its label (in the language it was read
    in) and its rules."""

    label: str
    required: bool
    maxlength: int | None


@per_app(maxsize=None)
def text_area(form_class: type[FlaskForm]) -> TextArea:
    """The label and rules of ``form_class``'s ``body`` field, read once per application
    (they are the class's own), so a page can write out many boxes without a form per box.
    Kept per language (``per_app``), so the label is read as a plain string."""
    body = form_class(formdata=None, meta={"csrf": False}).body
    return TextArea(label=str(body.label.text), required=bool(body.flags.required),
                    maxlength=body.flags.maxlength)

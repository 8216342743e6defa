"""The one form-field renderer: templates call ``field(...)`` for every labelled control.

A field is its label (with the required mark), its control, its hint and its error,
wired together by ``aria-describedby`` and ``aria-invalid``. This is the only place
that markup is written (``tests/core/test_templates.py`` fails on a template that writes a
label or a control itself), for three kinds of field:

- ``field(form.title, hint="...")``: a WTForms field, its control as its widget writes
  it (a select through ``select_options``; a group of radios or checkboxes as a fieldset
  with a legend);
- ``field(form.q, control="search")``: the same field with its control written here,
  without the widget, for a filter bar that never shows errors;
- ``field(id=..., label=..., control="textarea", ...)``: a box with no form object behind
  it (the comment and reply boxes, kept with their threads; the people search; a
  read-only copy of what someone typed).

It is Python rather than a Jinja macro because it runs on the most viewed pages: the
idea list's five filters cost 74 us through a macro, 47 us here and 28 us written out by
hand (in-process, per page); a macro call alone is 3 us.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import g, has_request_context
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from wtforms.widgets import html_params

from ideaboard.core.i18n import gettext as _
from ideaboard.core.templating import select_options, shown

_REQUIRED_MARK = ' <span class="required" aria-hidden="true">*</span>'


def field(f: Any = None, hint: str | LazyString | None = None, class_: str = "",
          control: str | None = None, *, id: str | None = None, name: str | None = None,
          label: str | LazyString | None = None,
          required: bool | None = None, maxlength: int | None = None, value: Any = None,
          choices: Iterable[tuple[str, str]] | None = None, attrs: dict | None = None,
          options_class: str = "") -> Markup:
    """A form field's markup. ``f`` is a WTForms field (None for a plain box, described
    by ``id``, ``name``, ``label``, ``required``, ``maxlength`` and ``value``).

    ``control`` is "textarea", "select" (with ``choices``, (value, label) pairs, the
    ``value`` one selected; else the field's own choices) or an input type: the control
    is written here. Without it the field's widget writes it. ``attrs`` are extra
    attributes of a written control; ``options_class`` the class of a radio group's box.
    """
    errors: Sequence[str] = () if f is None else f.errors
    is_required = bool(required if required is not None or f is None else f.flags.required)
    fid = str(escape(id or f.id))
    described = " ".join(part for part in (f"{fid}-hint" if hint else "",
                                           f"{fid}-error" if errors else "") if part)
    if control is None and f.type in ("RadioField", "MultiCheckboxField"):
        return _group(f, fid, hint, errors, described, class_, options_class)
    invalid = "true" if errors else "false"
    wiring = f' aria-describedby="{described}"' if described else ""
    if control is not None:
        text = label if label is not None else f.label.text
        head = f'<label for="{fid}">{shown(text)}</label>{_REQUIRED_MARK if is_required else ""}'
        body = _control(f, control, fid, name, maxlength, value, choices, attrs, wiring, invalid,
                        is_required)
    elif f.type == "BooleanField":
        box = f(**({"aria-describedby": described} if described else {}))
        head, body = f'<label class="checkbox">{box} {shown(f.label.text)}</label>', ""
    elif f.type == "SelectField" and not f.render_kw:
        # What WTForms' Select widget writes, without its per-option attribute building.
        mark = _REQUIRED_MARK if is_required else ""
        head = f'<label for="{fid}">{shown(f.label.text)}</label>{mark}'
        body = (f'<select aria-invalid="{invalid}"{wiring} id="{fid}" name="{escape(f.name)}"'
                f'{" required" if is_required else ""}>{select_options(f)}</select>')
    else:
        # Written here rather than by f.label(): WTForms' Label would not escape a lazy
        # text (Flask-Babel's LazyString passes itself off as markup).
        head = (f'<label for="{escape(f.label.field_id)}">{shown(f.label.text)}</label>'
                f'{_REQUIRED_MARK if is_required else ""}')
        wired = {"aria-invalid": invalid, "aria-describedby": described} if described else {
            "aria-invalid": invalid}
        body = str(f(**wired))
    # Every value above is escaped, or markup a widget or select_options wrote.
    return Markup(  # nosec B704
        f'<div class="field {escape(class_)} {"has-error" if errors else ""}">\n'
        f'{head}\n{body}{_hint(fid, hint)}{_errors(fid, errors)}\n</div>')


def _control(f: Any, control: str, fid: str, name: str | None, maxlength: int | None,
             value: Any, choices: Iterable[tuple[str, str]] | None, attrs: dict | None,
             wiring: str, invalid: str, is_required: bool) -> str:
    """The control of a field written here: a textarea, a select or an input."""
    fname = escape(name or (f.name if f is not None else fid))
    limit = maxlength if maxlength is not None or f is None else f.flags.maxlength
    if value is None and f is not None:
        value = f.data
    extra = f" {html_params(**attrs)}" if attrs else ""
    common = f'{extra}{wiring} aria-invalid="{invalid}" id="{fid}"'
    length = f' maxlength="{escape(limit)}"' if limit else ""
    needed = " required" if is_required else ""
    if control == "textarea":
        return f'<textarea{common}{length} name="{fname}"{needed}>{escape(value or "")}</textarea>'
    if control == "select":
        options = select_options(f) if choices is None else "".join(
            f'<option {"selected " if option == value else ""}value="{escape(option)}">'
            f'{shown(text)}</option>' for option, text in choices)
        return f'<select{common} name="{fname}"{needed}>{options}</select>'
    return (f'<input{common}{length} name="{fname}"{needed} type="{escape(control)}" '
            f'value="{escape(value or "")}">')


def _group(f: Any, fid: str, hint: str | LazyString | None, errors: Sequence[str],
           described: str, class_: str, options_class: str) -> Markup:
    """Radios or checkboxes: the legend names the group, the fieldset carries the wiring."""
    classes = " ".join(c for c in (class_, "has-error" if errors else "") if c)
    opening = "<fieldset" + (f' class="{escape(classes)}"' if classes else "") + (
        f' aria-describedby="{described}"' if described else "") + ">"
    if f.type == "MultiCheckboxField":
        options = "".join(f'<li>{option()} <label for="{escape(option.label.field_id)}">'
                          f"{shown(option.label.text)}</label></li>" for option in f)
        choices = f'<ul class="checklist">{options}</ul>'
    else:
        options = "".join(f'<label class="checkbox">{option()} {shown(option.label.text)}</label>'
                          for option in f)
        box = f' class="{escape(options_class)}"' if options_class else ""
        choices = f"<div{box}>{options}</div>"
    legend = f"<legend>{shown(f.label.text)}</legend>"
    # Every value above is escaped, or markup a widget wrote.
    return Markup(  # nosec B704
        f"{opening}\n{legend}{_hint(fid, hint)}\n{choices}{_errors(fid, errors)}\n</fieldset>")


def _hint(fid: str, hint: str | LazyString | None) -> str:
    return f'\n<p class="hint" id="{fid}-hint">{shown(hint)}</p>' if hint else ""


def _errors(fid: str, errors: Sequence[str]) -> str:
    # A validator's message may be lazy (``_l``): each is read in the page's language.
    text = " ".join(str(message) for message in errors)
    return f'\n<p class="error" id="{fid}-error">{escape(text)}</p>' if errors else ""


# The error summary (GOV.UK's pattern): a form with errors is noted while its page renders
# (the ``form_errors`` macro, templates/_macros/forms.html, calls ``note_form_errors``), and
# base.html, which renders the page's content before anything else, puts one box at the
# top of <main> that links to each field in error, takes the focus, and prefixes the
# page's title with "Error: ". Only the forms that failed are noted, so on a page with
# several forms (the review page) the summary belongs to the one that was sent.
_NOTED = "_error_summary_forms"


def anchor(f: Any) -> str:
    """The id of the control that a link to field ``f`` moves the focus to: the control
    itself, or the first option of a group of radios or checkboxes (as ``field`` writes
    them, the group's fieldset has no id of its own)."""
    if f.type in ("RadioField", "MultiCheckboxField"):
        return f"{f.id}-0"
    return str(f.id)


def _shown_fields(form: Any) -> list[Any]:
    """The fields of ``form`` a person fills in: not its CSRF token, nor hidden ones."""
    return [f for f in form if f.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]


def error_links(form: Any) -> list[tuple[str, str]]:
    """(control id, message) for each error of ``form``, in the order a person reads
    them: the form's own errors (what a service refused) first, linked to its first
    field, then each field's errors, linked to that field."""
    fields = _shown_fields(form)
    links: list[tuple[str, str]] = []
    own = list(getattr(form, "form_errors", ()) or ())
    if own and fields:
        links.extend((anchor(fields[0]), str(message)) for message in own)
    for f in fields:
        if f.errors:
            links.append((anchor(f), " ".join(str(message) for message in f.errors)))
    return links


def note_form_errors(form: Any) -> str:
    """Note ``form`` for this page's error summary if it has errors; writes nothing."""
    if has_request_context() and (getattr(form, "form_errors", None) or form.errors):
        noted = g.setdefault(_NOTED, [])
        if all(form is not seen for seen in noted):
            noted.append(form)
    return ""


def error_summary() -> Markup:
    """The error summary of the forms noted on this page (nothing when none failed),
    and forget them, so a second page rendered in the same request starts afresh."""
    forms = g.pop(_NOTED, []) if has_request_context() else []
    links = [link for form in forms for link in error_links(form)]
    if not links:
        return Markup("")
    title = escape(_("There is a problem"))
    items = "".join(f'<li><a href="#{escape(target)}">{escape(message)}</a></li>'
                    for target, message in links)
    # autofocus and tabindex put the focus on the box without JavaScript; role="alert"
    # has it read out even where autofocus is ignored. Every value is escaped.
    return Markup(  # nosec B704
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" '
        'tabindex="-1" autofocus data-error-summary>\n'
        f'<h2 id="error-summary-title" class="error-summary-title">{title}</h2>\n'
        f'<ul class="error-summary-list">{items}</ul>\n</div>')

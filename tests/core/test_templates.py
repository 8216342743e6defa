"""The templates' shared pieces are written once: every form field comes from one
renderer (ideaboard/core/fields.py), every page's header from page_header, every status
label from one filter and every author's name from one wording (templates/_macros/)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import request

from ideaboard.ideas.models import STATUS_LABELS, IdeaStatus
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.paths import ROOT

TEMPLATES = ROOT / "templates"


def _templates() -> dict[str, str]:
    return {path.relative_to(TEMPLATES).as_posix(): path.read_text()
            for path in sorted(TEMPLATES.rglob("*.html"))}


# Markup only the field renderer writes: a label, a control that is not hidden, a legend, a
# WTForms field rendered by hand (its widget, label or options).
_FIELD_MARKUP = re.compile(
    r"<label\b|<textarea\b|<select\b|<legend\b|<input\b(?![^>]*type=\"hidden\")"
    r"|\.label(?:\(|\.text)|\boption\(\)"
    r"|\{\{\s*[\w.]*form\.(?!csrf_token\b)\w+\s*(?:\(|\}\})")
# Fields a page may render without the renderer: they are hidden (checked below).
_HIDDEN_FIELDS = {("ideas/new.html", "{{ form.confirmed }}")}


def test_only_the_field_renderer_writes_form_fields():
    found = []
    for name, source in _templates().items():
        for match in _FIELD_MARKUP.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            text = source[match.start():source.find("\n", match.start())].strip()
            if not any(name == page and text.startswith(field) for page, field in _HIDDEN_FIELDS):
                found.append(f"{name}:{line}: {text}")
    assert found == [], "write these with field(...) (ideaboard/core/fields.py)"


def test_fields_rendered_without_the_renderer_are_hidden(app):
    from ideaboard.ideas.forms import IdeaForm

    with app.test_request_context():
        assert IdeaForm(meta={"csrf": False}).confirmed.type == "HiddenField"


def test_every_page_has_one_page_header_and_no_other_h1():
    pages = {name: source for name, source in _templates().items()
             if '{% extends "base.html" %}' in source}
    assert len(pages) > 20
    wrong = {name: (source.count("page_header("), source.count("<h1"))
             for name, source in pages.items()
             if source.count("page_header(") != 1 or "<h1" in source}
    assert wrong == {}


def test_status_labels_and_the_author_wording_are_written_once():
    labels = [str(label) for label in STATUS_LABELS.values() if " " in str(label)]  # "In review"
    for name, source in _templates().items():
        if name != "_macros/labels.html":
            assert not any(label in source for label in labels), name
            assert not re.search(r"""['"]in_review['"]\s*:""", source), name  # a label table
            assert "posted anonymously" not in source and ">Anonymous<" not in source, name
            assert "status-{{" not in source, name  # the pill


class _Controls(HTMLParser):
    """The form controls of a page a person fills in, and the labels naming them."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self._open_labels = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "label":
            self._open_labels += 1
            if values.get("for"):
                self.labelled.add(values["for"])
        elif tag in ("input", "select", "textarea") \
                and values.get("type") not in ("hidden", "submit"):
            self.controls.append(dict(values, tag=tag, wrapped=str(bool(self._open_labels))))

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1


def _controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


def _unlabelled(parser: _Controls) -> list[dict]:
    return [c for c in parser.controls
            if c["wrapped"] != "True" and c.get("id") not in parser.labelled]


@pytest.mark.parametrize("path", ["/", "/ideas/new", "/account", "/admin/users",
                                  "/admin/audit", "/admin/invitations", "/admin/departments/new"])
def test_every_control_is_labelled_and_wired(admin_client, path):
    parser = _controls(admin_client.get(path).get_data(as_text=True))
    assert parser.controls
    assert _unlabelled(parser) == []
    # The renderer states every text control's validity (radios and checkboxes are named by
    # their label, which wraps them).
    assert [c for c in parser.controls if c["wrapped"] != "True" and "aria-invalid" not in c] == []


def test_the_idea_pages_boxes_are_labelled_described_and_post(app, employee_client, it_department):
    idea = IdeaFactory(author=UserFactory(department=it_department), department=it_department)
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    parser = _controls(page)
    assert _unlabelled(parser) == []
    boxes = {c["id"]: c for c in parser.controls if c["tag"] == "textarea"}
    assert boxes["body"]["maxlength"] == "10000" and "required" in boxes["body"]
    assert boxes["body"]["aria-describedby"] == "body-hint"
    assert 'id="body-hint">Markdown works.' in page
    reason = boxes["report-reason"]
    assert reason["maxlength"] == "500" and reason["aria-describedby"] == "report-reason-hint"
    token = re.search(r'name="report-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = employee_client.post(f"/ideas/{idea.id}/flag",
                                    data={"report-csrf_token": token, "csrf_token": token,
                                          reason["name"]: "Off topic"})
    assert response.status_code == 302


def test_a_field_wires_its_hint_and_error(app):
    from ideaboard.core.fields import field
    from ideaboard.ideas.forms import EditIdeaForm

    with app.test_request_context():
        form = EditIdeaForm(meta={"csrf": False}, data={"title": "x"})
        form.validate()
        html = str(field(form.title, hint="Say what would change."))
    assert 'aria-describedby="title-hint title-error"' in html and 'aria-invalid="true"' in html
    assert '<p class="hint" id="title-hint">Say what would change.</p>' in html
    assert 'class="error" id="title-error"' in html and "has-error" in html


@pytest.mark.parametrize("name, control", [("q", "search"), ("tag", "text"), ("status", "select")])
def test_a_control_written_by_the_renderer_is_the_one_its_widget_writes(app, name, control):
    """The filter bar's controls skip WTForms' widgets for speed: the same attributes."""
    from ideaboard.core.fields import field
    from ideaboard.ideas.forms import IdeaFilterForm

    with app.test_request_context("/?q=paper&tag=cost&status=open"):
        form = IdeaFilterForm(request.args)
        form.validate()
        written = _controls(str(field(form[name], control=control))).controls
        widget = _controls(str(field(form[name]))).controls
    assert written == widget and written[0]["id"] == name


def test_one_label_per_status(app):
    pill = app.jinja_env.get_template("_macros/labels.html").module.status_pill
    for status in IdeaStatus:
        assert str(pill({"status": status.value})) == (
            f'<span class="status status-{status.value}">{STATUS_LABELS[status]}</span>')


@pytest.mark.parametrize("name, anonymous, by_viewer, shown", [
    ("Ann", False, False, "Ann"),
    ("Ann", True, False, 'Ann <span class="muted">(posted anonymously)</span>'),
    (None, True, True, "You (posted anonymously)"),
    (None, True, False, "Anonymous"),
])
def test_one_wording_for_an_author(app, name, anonymous, by_viewer, shown):
    byline = app.jinja_env.get_template("_macros/labels.html").module.byline
    assert str(byline(name, anonymous, by_viewer)) == shown

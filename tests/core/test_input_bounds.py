"""Every user input is bounded and refused early and cheaply (issue 11, defects 2 and 13).

One check walks every form class, so a new free-text or number field without a
maximum fails here; the others pin the refusals the review found slow or broken.
"""

from __future__ import annotations

import html
import importlib
import inspect
import time

import pytest
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf, Length, NumberRange

from ideaboard.ideas import services
from ideaboard.review.forms import chosen_id
from tests.helpers.csrf import csrf_token
from tests.helpers.review import make_idea

FORM_MODULES = [f"ideaboard.{name}.forms" for name in
                ("accounts", "admin", "audit", "comments", "ideas", "moderation", "review",
                 "voting")]


def _form_fields():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for form_name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, FlaskForm) or form.__module__ != module_name:
                continue
            for field_name, unbound in inspect.getmembers(form):
                if isinstance(unbound, UnboundField):
                    yield f"{form_name}.{field_name}", unbound


def _validators(unbound: UnboundField) -> list:
    if "validators" in unbound.kwargs:
        return list(unbound.kwargs["validators"] or ())
    return list(unbound.args[1]) if len(unbound.args) > 1 else []


def _unbounded(unbound: UnboundField) -> bool:
    kind, validators = unbound.field_class, _validators(unbound)
    if any(isinstance(v, AnyOf) for v in validators):
        return False
    has_max_length = any(isinstance(v, Length) and v.max >= 0 for v in validators)
    if issubclass(kind, StringField):  # text areas, passwords, e-mails, searches, hidden
        return not has_max_length
    if issubclass(kind, (IntegerField, DecimalField)):
        return not any(isinstance(v, NumberRange) and v.max is not None for v in validators)
    if issubclass(kind, SelectField) and not issubclass(kind, SelectMultipleField):
        # Checked against its choices unless told not to; then only a length bounds it,
        # or a coerce that refuses what is no id (a picker's: review.forms.chosen_id).
        return (unbound.kwargs.get("validate_choice") is False and not has_max_length
                and unbound.kwargs.get("coerce") is not chosen_id)
    return False


def test_the_walk_finds_the_forms():
    names = {name for name, _ in _form_fields()}
    assert {"IdeaForm.tags", "CommentForm.body", "DecisionForm.duplicate_of",
            "AuditFilterForm.action", "ChangePasswordForm.current_password"} <= names


def test_every_free_text_and_number_field_has_a_maximum():
    unbounded = [name for name, unbound in _form_fields() if _unbounded(unbound)]
    assert unbounded == []


def _submit_idea(client, department, **fields):
    data = {"title": "Print double-sided by default", "body": "Saves **paper**.",
            "department": department.id, "tags": "", "confirmed": "1"}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/ideas/new")
    return client.post("/ideas/new", data=data)


def test_ten_thousand_tags_are_refused_at_once_keeping_what_was_typed(employee_client,
                                                                      it_department):
    tags = ",".join(f"tag{n}" for n in range(10_000))
    start = time.perf_counter()
    response = _submit_idea(employee_client, it_department, tags=tags,
                            title="Keep this title as typed")
    elapsed = time.perf_counter() - start
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"At most {services.MAX_TAGS} tags of up to" in page
    assert 'value="Keep this title as typed"' in page
    assert "Saves **paper**." in page
    # It took 3-4 s when every tag was slugged and compared with all before it; the
    # form's length check now refuses it before any tag is read.
    assert elapsed < 1.5


def test_the_tags_field_tells_the_browser_its_limit(employee_client):
    page = employee_client.get("/ideas/new").get_data(as_text=True)
    assert f'maxlength="{services.TAGS_FIELD_MAX}"' in page


def _fastest_clean(count: int) -> float:
    """The least CPU time of refusing ``count`` tags: waiting for a core is not counted."""
    names = [f"tag{n}" for n in range(count)]
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        with pytest.raises(services.IdeaError, match=f"{count} given"):
            services.clean_tags(names)
        best = min(best, time.thread_time() - start)
    return best


def test_refusing_many_tags_costs_time_linear_in_their_number():
    """Any caller of clean_tags, not only the form: 16x the tags about 16x the time, where
    comparing each with all before it took 200x (quadratic: 256x)."""
    _fastest_clean(100)  # warm up
    assert _fastest_clean(8_000) / _fastest_clean(500) < 100


def test_tags_are_still_deduplicated_in_order():
    assert services.parse_tags("Coffee, coffee ,tea,COFFEE,,  ") == ["coffee", "tea"]


def test_a_huge_duplicate_number_is_refused_not_an_error(manager_client, employee,
                                                        it_department):
    idea = make_idea(employee, it_department, status="in_review", title="Same idea again")
    response = manager_client.post(f"/review/ideas/{idea.id}/decide", data={
        "csrf_token": csrf_token(manager_client, "/account"), "decision": "duplicate",
        "rationale": "We have this one already, see the other idea.",
        "duplicate_of": str(10 ** 20)})
    assert response.status_code == 422
    assert "Choose one of the listed options." in response.get_data(as_text=True)

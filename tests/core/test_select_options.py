"""Selects are written by ideaboard.core.templating.select_options: as WTForms would."""

from __future__ import annotations

import re

from flask import request
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from ideaboard.core.templating import select_options
from ideaboard.org.services import department_choices
from tests.helpers.factories import DepartmentFactory


class _Form(FlaskForm):
    class Meta:
        csrf = False

    plain = SelectField("Plain", choices=[SelectChoice("", "Any"), SelectChoice("a", "A & B"),
                                          SelectChoice("b", "<script>x</script>")])
    number = SelectField("Number", coerce=int)
    marked = SelectField("Marked", choices=[SelectChoice("x", "X", render_kw={"disabled": True}),
                                            SelectChoice("y", "Y")])


def _wtforms_options(field) -> str:
    return re.search(r"<select[^>]*>(.*)</select>", str(field()), re.S).group(1)


def test_options_are_what_wtforms_writes(app):
    DepartmentFactory(name='R&D "labs" <b>')
    with app.test_request_context("/?plain=b&number=0&marked=y"):
        form = _Form(request.args)
        form.number.choices = department_choices(blank="All departments")
        for field in form:
            assert str(select_options(field)) == _wtforms_options(field), field.name
        assert "&lt;script&gt;" in select_options(form.plain)
        assert '<option selected value="b">' in select_options(form.plain)


def test_a_renamed_department_is_a_new_list_not_a_stale_one(app):
    department = DepartmentFactory(name="Facilities")
    with app.test_request_context("/"):
        form = _Form()
        form.number.choices = department_choices()
        assert ">Facilities<" in select_options(form.number)
    department.name = "Workplace"
    with app.test_request_context("/"):
        form = _Form()
        form.number.choices = department_choices()
        options = select_options(form.number)
        assert ">Workplace<" in options and "Facilities" not in options

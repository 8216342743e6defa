"""Passwords are checked against the person's own data and a list of common passwords,
wherever one is chosen: sign-up (tests/accounts/test_accounts.py), reset, change, create-admin."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.accounts import passwords
from ideaboard.accounts.models import User
from ideaboard.accounts.passwords import common_passwords, password_problem
from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import PASSWORD

PERSONAL = "Do not use your e-mail address or your name in your password."
GUESSABLE = "That password is too easy to guess; choose another."
ERIN = {"email": "erin.employee@example.com", "display_name": "Erin Employee"}


@pytest.mark.parametrize("password", [
    "erin.employee@example.com",  # the e-mail itself
    "ERIN.EMPLOYEE@EXAMPLE.COM",
    "erin.employee",  # its local part
    "my-erin.employee-2026",
    "ErinEmployee!!",  # the name, however it is spaced and cased
    "erin employee 99",
])
def test_personal_data_is_refused(app, password):
    assert password_problem(password, **ERIN) == PERSONAL


@pytest.mark.parametrize("password,who", [
    ("a-long-unusual-passphrase", ERIN),
    ("bonfire-at-dawn-42", {"email": "bo@example.com", "display_name": "Bo"}),  # too short to judge
    ("erin-likes-tea-a-lot", ERIN),  # a first name alone is not the name
])
def test_other_passwords_pass(app, password, who):
    assert password_problem(password, **who) is None


def test_common_password_list_is_long_and_meets_the_length_rule(app):
    common = common_passwords()
    assert len(common) >= 300
    assert all(len(p) >= app.config["MIN_PASSWORD_LENGTH"] for p in common)
    assert common_passwords() is common  # read from the package once


@pytest.mark.parametrize("password", ["Welcome2026", "qwertyuiop123", "Password123!",
                                      "1q2w3e4r5t6y", "iloveyou123", "football2025"])
def test_common_passwords_are_refused(app, password):
    assert password_problem(password) == GUESSABLE


def test_the_list_ships_in_the_package():
    from importlib import resources

    assert resources.files(passwords.__package__).joinpath("common_passwords.txt").is_file()


def test_changing_to_ones_own_email_is_refused(employee_client, employee):
    response = employee_client.post("/account", data={
        "password-current_password": PASSWORD, "password-new_password": employee.email,
        "password-confirm": employee.email, "password-submit": "1",
        "password-csrf_token": csrf_token(employee_client, "/account")})
    assert response.status_code == 422
    assert PERSONAL.encode() in response.data


def test_resetting_to_ones_own_name_is_refused(client, employee):
    client.post("/reset-password", data={"email": employee.email,
                                          "csrf_token": csrf_token(client)})
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == employee.email))
    path = re.search(r"https?://[^/\s]+(/reset-password/\S+)", mail.body_text).group(1)
    name = employee.display_name + " 2026"
    response = client.post(path, data={"password": name, "confirm": name,
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 422
    assert PERSONAL.encode() in response.data


def test_create_admin_refuses_a_password_with_the_email_in_it(runner):
    result = runner.invoke(args=["create-admin", "--email", "the.boss@example.com", "--name",
                                 "The Boss", "--password", "the.boss@example.com"])
    assert result.exit_code != 0
    assert PERSONAL in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0

"""Sign-up, log-in, log-out, remember me, profile, passwords and resets."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.accounts import services
from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from tests.conftest import csrf_token
from tests.factories import PASSWORD, UserFactory

GOOD_PASSWORD = "a-long-unusual-passphrase"


@pytest.fixture
def allow_example(app):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["example.com"]


def signup_data(client, **overrides):
    data = {"email": "new.person@example.com", "display_name": "New Person", "department": "0",
            "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf_token(client)}
    data.update(overrides)
    return data


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Log in" in response.data


def test_pages_need_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=%2Faccount" in response.headers["Location"]


def test_login_and_logout(client, auth, employee):
    response = auth.login(employee.email)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    auth.logout()
    assert client.get("/account").status_code == 302


def test_login_is_case_insensitive_on_email(client, auth, employee):
    assert auth.login("  EMPLOYEE@Example.com ").status_code == 302


def test_wrong_password_and_unknown_email_give_the_same_message(client, auth, employee):
    wrong = auth.login(employee.email, "not-the-password")
    unknown = auth.login("nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 422
    message = b"That e-mail and password do not match an active account."
    assert message in wrong.data and message in unknown.data
    assert b'value="employee@example.com"' in wrong.data  # what was typed is kept


def test_deactivated_user_cannot_log_in(client, auth, app):
    user = UserFactory(active=False)
    assert auth.login(user.email).status_code == 422


def test_deactivated_user_is_signed_out(app, employee):
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(client).login(employee.email)
    employee.active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_login_next_only_follows_local_paths(client, employee):
    for target, expected in [("/account", "/account"), ("https://evil.example/x", "/"),
                             ("//evil.example", "/"), ("/\\evil.example", "/")]:
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        response = client.post(f"/login?next={target}", data={
            "email": employee.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_remember_me_sets_cookie(client, auth, employee):
    response = auth.login(employee.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]
    assert not any(c.startswith("remember_token=") for c in
                   auth.login(employee.email).headers.getlist("Set-Cookie")[:0])


def test_login_without_csrf_token_is_refused(client, employee):
    response = client.post("/login", data={"email": employee.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_signup_with_allowed_domain(client, allow_example, it_department):
    response = client.post("/signup", data=signup_data(client, department=str(it_department.id)))
    assert response.status_code == 302
    user = services.find_by_email("new.person@example.com")
    assert user.department_id == it_department.id
    assert user.role == "employee"
    assert user.password_hash.startswith("scrypt:")
    assert client.get("/account").status_code == 200  # signed in


def test_signup_outside_allowed_domains_is_refused_and_keeps_input(client, allow_example):
    response = client.post("/signup", data=signup_data(client, email="someone@elsewhere.org"))
    assert response.status_code == 422
    assert b"company e-mail addresses only" in response.data
    assert b'value="someone@elsewhere.org"' in response.data
    assert b'value="New Person"' in response.data
    assert services.find_by_email("someone@elsewhere.org") is None


@pytest.mark.parametrize("password,message", [
    ("short", b"at least"),
    ("password1234", b"too easy to guess"),
])
def test_signup_rejects_weak_passwords(client, allow_example, password, message):
    response = client.post("/signup", data=signup_data(client, password=password, confirm=password))
    assert response.status_code == 422
    assert message in response.data


def test_signup_rejects_taken_email(client, allow_example, employee):
    response = client.post("/signup", data=signup_data(client, email=employee.email))
    assert response.status_code == 422
    assert b"already exists" in response.data


def test_signup_rejects_mismatched_confirmation(client, allow_example):
    response = client.post("/signup", data=signup_data(client, confirm="something-else-entirely"))
    assert response.status_code == 422
    assert b"The passwords differ." in response.data


def test_invitation_lets_an_outsider_sign_up(app, admin_client, client, it_department):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["example.com"]
    response = admin_client.post("/admin/invitations", data={
        "email": "contractor@partner.org", "role": "employee", "department": str(it_department.id),
        "csrf_token": csrf_token(admin_client, "/admin/invitations")})
    assert response.status_code == 302
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == "contractor@partner.org"))
    link = re.search(r"http\S+/signup\?invitation=\S+", mail.body_text).group(0)
    path = link.split("ideaboard.test", 1)[1]
    page = client.get(path)
    assert b'value="contractor@partner.org"' in page.data
    response = client.post(path, data=signup_data(client, email="contractor@partner.org",
                                                  department=str(it_department.id)))
    assert response.status_code == 302
    assert services.find_by_email("contractor@partner.org") is not None
    # The invitation is used up.
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    again = client.get(path, follow_redirects=True)
    assert b"invalid, expired or already used" in again.data


def test_profile_update(employee_client, employee, hr_department):
    response = employee_client.post("/account", data={
        "profile-display_name": "Erin E.", "profile-department": str(hr_department.id),
        "profile-email_frequency": "daily", "profile-submit": "1",
        "profile-csrf_token": csrf_token(employee_client, "/account")})
    assert response.status_code == 302
    db.session.refresh(employee)
    assert (employee.display_name, employee.department_id, employee.email_frequency) == \
        ("Erin E.", hr_department.id, "daily")


def test_change_password(employee_client, employee, auth):
    token = csrf_token(employee_client, "/account")
    wrong = employee_client.post("/account", data={
        "password-current_password": "wrong", "password-new_password": GOOD_PASSWORD,
        "password-confirm": GOOD_PASSWORD, "password-submit": "1", "password-csrf_token": token})
    assert wrong.status_code == 422
    assert b"current password is not correct" in wrong.data
    ok = employee_client.post("/account", data={
        "password-current_password": PASSWORD, "password-new_password": GOOD_PASSWORD,
        "password-confirm": GOOD_PASSWORD, "password-submit": "1", "password-csrf_token": token})
    assert ok.status_code == 302
    assert auth.login(employee.email, GOOD_PASSWORD).status_code == 302


def _reset_link(email: str) -> str:
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == email))
    return re.search(r"http\S+/reset-password/\S+", mail.body_text).group(0).split("ideaboard.test", 1)[1]


def test_password_reset_flow(client, employee, auth):
    response = client.post("/reset-password", data={"email": employee.email,
                                                     "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    path = _reset_link(employee.email)
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert auth.login(employee.email, GOOD_PASSWORD).status_code == 302
    # The link dies with the password it was made for.
    auth.logout()
    assert client.get(path).status_code == 302


def test_password_reset_for_unknown_email_says_the_same(client):
    response = client.post("/reset-password", data={"email": "ghost@example.com",
                                                     "csrf_token": csrf_token(client)},
                           follow_redirects=True)
    assert b"If that address belongs to an account" in response.data
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_expired_reset_token_is_refused(app, client, employee):
    token = services.password_reset_token(employee)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/reset-password/{token}", follow_redirects=True)
    assert b"invalid or has expired" in response.data


def test_reset_mail_goes_to_the_log_in_development(app, client, employee, caplog):
    app.config["MAIL_SERVER"] = None
    with caplog.at_level("INFO", logger="ideaboard.mail"):
        client.post("/reset-password", data={"email": employee.email,
                                              "csrf_token": csrf_token(client)})
    assert "/reset-password/" in caplog.text


def test_passwords_are_hashed_with_scrypt(app):
    user = services.create_user("hash.check@example.com", "Hash Check", GOOD_PASSWORD)
    assert user.password_hash.startswith("scrypt:")
    assert GOOD_PASSWORD not in user.password_hash
    assert isinstance(db.session.get(User, user.id), User)

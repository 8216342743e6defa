"""Sign-up, log-in, log-out, remember me, profile, passwords and resets."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.accounts import services
from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import PASSWORD, UserFactory

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
    from tests.helpers.login import AuthActions

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


def _mail_to(address: str) -> OutboxEmail:
    [mail] = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == address))
    return mail


def _path_of_link(text: str, path_prefix: str) -> str:
    """The path of the first link in ``text`` whose path starts with ``path_prefix``."""
    return re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S*)", text).group(1)


def _confirm_link(client, **overrides) -> str:
    """Sign up (step one) and return the path of the e-mailed "choose your password" link."""
    response = client.post("/signup", data=signup_data(client, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    email = overrides.get("email", "new.person@example.com")
    return _path_of_link(_mail_to(email).body_text, "/signup/confirm/")


def choose_password(client, path: str, password: str = GOOD_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_token(client, path)})


def test_signup_with_allowed_domain(client, allow_example, it_department):
    path = _confirm_link(client, department=str(it_department.id))
    assert services.find_by_email("new.person@example.com") is None  # not before the link
    page = client.get(path)
    assert page.status_code == 200
    assert b"Choose your password" in page.data and b"new.person@example.com" in page.data
    response = choose_password(client, path)
    assert response.status_code == 302
    user = services.find_by_email("new.person@example.com")
    assert (user.display_name, user.department_id) == ("New Person", it_department.id)
    assert user.role == "employee"
    assert user.password_hash.startswith("scrypt:")
    assert client.get("/account").status_code == 200  # signed in


def test_signup_link_works_once(client, allow_example):
    path = _confirm_link(client)
    assert choose_password(client, path).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    again = client.get(path, follow_redirects=True)
    assert b"invalid, expired or already used" in again.data
    reused = choose_password(client, path, "another-long-passphrase")
    assert reused.status_code == 302 and reused.headers["Location"] == "/signup"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_signup_link_expires_and_cannot_be_forged(app, client, allow_example):
    path = _confirm_link(client)
    forged = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert b"invalid, expired" in client.get(forged, follow_redirects=True).data
    app.config["SIGNUP_MAX_AGE"] = -1
    assert b"invalid, expired" in client.get(path, follow_redirects=True).data
    assert services.find_by_email("new.person@example.com") is None


def test_signup_outside_allowed_domains_is_refused_and_keeps_input(client, allow_example):
    response = client.post("/signup", data=signup_data(client, email="someone@elsewhere.org"))
    assert response.status_code == 422
    assert b"company e-mail addresses only" in response.data
    assert b'value="someone@elsewhere.org"' in response.data
    assert b'value="New Person"' in response.data
    assert services.find_by_email("someone@elsewhere.org") is None
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


@pytest.mark.parametrize("password,message", [
    ("short", b"at least"),
    ("password1234", b"too easy to guess"),
    ("New.Person-2026", b"your e-mail address or your name"),
])
def test_signup_rejects_weak_passwords(client, allow_example, password, message):
    path = _confirm_link(client)
    response = choose_password(client, path, password)
    assert response.status_code == 422
    assert message in response.data
    assert services.find_by_email("new.person@example.com") is None


def test_signup_answers_the_same_for_a_taken_email(client, allow_example, employee):
    """Defect 8: the answer never tells whether an address has an account."""
    new = client.post("/signup", data=signup_data(client))
    taken = client.post("/signup", data=signup_data(client, email=employee.email))
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"] == "/signup/sent"
    assert new.get_data() == taken.get_data()
    sent = client.get("/signup/sent")
    assert b"Check your inbox" in sent.data
    # The person who has the account is told so, with links to log in and to reset.
    mail = _mail_to(employee.email)
    assert "already have" in mail.body_text
    assert _path_of_link(mail.body_text, "/login") == "/login"
    assert _path_of_link(mail.body_text, "/reset-password") == "/reset-password"
    assert "/signup/confirm/" not in mail.body_text


def test_signup_links_come_from_the_base_url(app, client, allow_example, employee):
    app.config["BASE_URL"] = "https://ideas.example.com/"
    client.post("/signup", data=signup_data(client))
    client.post("/signup", data=signup_data(client, email=employee.email))
    for address in ("new.person@example.com", employee.email):
        links = re.findall(r"https?://\S+", _mail_to(address).body_text)
        assert links and all(link.startswith("https://ideas.example.com/") for link in links)


def test_signup_rejects_mismatched_confirmation(client, allow_example):
    path = _confirm_link(client)
    response = choose_password(client, path, confirm="something-else-entirely")
    assert response.status_code == 422
    assert b"The passwords differ." in response.data


def test_signup_shows_every_problem_at_once_in_plain_words(client, allow_example):
    """Issue 13, item 17: a foreign address and a missing name are both told at once
    (the domain was checked only once every field was valid), each beside its field."""
    response = client.post("/signup", data=signup_data(client, email="sam@elsewhere.org",
                                                       display_name=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="email-error">Sign-up is open to company e-mail addresses only', page)
    assert 'id="display_name-error">Enter your name.' in page
    assert "This field is required" not in page and "Invalid email" not in page
    empty = client.post("/signup", data=signup_data(client, email="", display_name="")).get_data(
        as_text=True)
    assert 'id="email-error">Enter your work e-mail address.' in empty
    malformed = client.post("/signup", data=signup_data(client, email="sam.example.com"))
    assert "Enter an e-mail address like name@company.com." in malformed.get_data(as_text=True)


def test_choosing_a_password_shows_every_problem_at_once(client, allow_example):
    path = _confirm_link(client)
    response = choose_password(client, path, "short", confirm="different")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="password-error">Use at least' in page
    assert 'id="confirm-error">The passwords differ.' in page


def test_invitation_signup_shows_every_problem_at_once(app, admin_client, client, it_department):
    admin_client.post("/admin/invitations", data={
        "email": "contractor@partner.org", "role": "employee", "department": str(it_department.id),
        "csrf_token": csrf_token(admin_client, "/admin/invitations")})
    mail = _mail_to("contractor@partner.org").body_text
    link = re.search(r"http\S+/signup\?invitation=\S+", mail)
    path = link.group(0).split("ideaboard.test", 1)[1]
    response = client.post(path, data=signup_data(client, email="someone.else@partner.org",
                                                  password="short", confirm="short"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error">This invitation is for a different e-mail address.' in page
    assert 'id="password-error">Use at least' in page
    assert services.find_by_email("someone.else@partner.org") is None


def test_signup_page_says_what_happens_next(client):
    page = client.get("/signup").get_data(as_text=True)
    assert "e-mail you a link" in page and "Send me the link" in page
    assert 'name="password"' not in page  # chosen on the link's page


def test_invitation_lets_an_outsider_sign_up(app, admin_client, client, it_department):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["example.com"]
    response = admin_client.post("/admin/invitations", data={
        "email": "contractor@partner.org", "role": "employee", "department": str(it_department.id),
        "csrf_token": csrf_token(admin_client, "/admin/invitations")})
    assert response.status_code == 302
    mail = db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == "contractor@partner.org"))
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


def test_profile_update(employee_client, employee, it_department):
    response = employee_client.post("/account", data={
        "profile-display_name": "Erin E.",
        "profile-submit": "1",
        "profile-csrf_token": csrf_token(employee_client, "/account")})
    assert response.status_code == 302
    db.session.refresh(employee)
    assert (employee.display_name, employee.department_id) == ("Erin E.", it_department.id)


# --- who moves people between departments (issue 13, item 14) ---------------------------

def test_an_employee_sees_their_department_but_no_choice_of_another(employee_client):
    page = employee_client.get("/account").get_data(as_text=True)
    assert 'name="profile-department"' not in page
    assert "<strong>Department:</strong> IT" in page
    assert "An administrator moves people to another department" in page


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_a_forged_move_to_another_department_is_refused(request, who, hr_department):
    person = request.getfixturevalue(who)
    client = request.getfixturevalue(f"{who}_client")
    before = person.department_id
    response = client.post("/account", data={
        "profile-display_name": "Moved Myself", "profile-department": str(hr_department.id),
        "profile-submit": "1",
        "profile-csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 403
    db.session.expire_all()
    assert person.department_id == before
    assert person.display_name != "Moved Myself"


def test_an_admin_still_chooses_their_own_department(admin_client, admin, hr_department):
    assert 'name="profile-department"' in admin_client.get("/account").get_data(as_text=True)
    response = admin_client.post("/account", data={
        "profile-display_name": "Ada Admin", "profile-department": str(hr_department.id),
        "profile-submit": "1",
        "profile-csrf_token": csrf_token(admin_client, "/account")})
    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.department_id == hr_department.id


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
    link = re.search(r"http\S+/reset-password/\S+", mail.body_text).group(0)
    return link.split("ideaboard.test", 1)[1]


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

"""Sign-ins can be ended: log-out, a password change or reset, deactivation and "sign out
everywhere" end every session of the person, copied session and remember-me cookies
included; no sign-in outlives REMEMBER_COOKIE_DURATION; the CSRF token is new after
log-in and log-out."""

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from flask_login.utils import encode_cookie

from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import PASSWORD
from tests.helpers.login import AuthActions

NEW_PASSWORD = "a-long-unusual-passphrase"
SESSION, REMEMBER = "session", "remember_token"


def device(app, user, *, remember: bool = False):
    """A browser of ``user``'s, signed in through the log-in form."""
    client = app.test_client()
    extra = {"remember": "y"} if remember else {}
    assert AuthActions(client).login(user.email, **extra).status_code == 302
    return client


def copy_of(app, source, *names: str):
    """Another browser holding copies of ``source``'s cookies ``names`` (a stolen cookie)."""
    copy = app.test_client()
    for name in names:
        cookie = source.get_cookie(name, domain="ideaboard.test")
        assert cookie is not None, f"no {name} cookie to copy"
        copy.set_cookie(name, cookie.value, domain="ideaboard.test")
    return copy


def is_signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def change_password(client, new: str = NEW_PASSWORD):
    return client.post("/account", data={
        "password-current_password": PASSWORD, "password-new_password": new,
        "password-confirm": new, "password-submit": "1",
        "password-csrf_token": csrf_token(client, "/account")})


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_copied_cookies_work_until_log_out_and_never_after(app, employee):
    phone = device(app, employee, remember=True)
    stolen_session = copy_of(app, phone, SESSION)
    stolen_remember = copy_of(app, phone, REMEMBER)
    laptop = device(app, employee)
    assert is_signed_in(stolen_session) and is_signed_in(stolen_remember)  # the copies are real

    AuthActions(phone).logout()

    assert not is_signed_in(phone)
    assert not is_signed_in(stolen_session)
    assert not is_signed_in(stolen_remember)
    assert not is_signed_in(laptop)  # log-out ends every session of the person
    assert is_signed_in(device(app, employee))  # and they can log in again


def test_password_change_ends_other_sessions_and_keeps_this_one(app, employee):
    phone = device(app, employee, remember=True)
    stolen_session = copy_of(app, phone, SESSION)
    stolen_remember = copy_of(app, phone, REMEMBER)
    laptop = device(app, employee)

    assert change_password(phone).status_code == 302

    assert is_signed_in(phone)  # re-issued with the new generation
    assert not is_signed_in(stolen_session)
    assert not is_signed_in(stolen_remember)
    assert not is_signed_in(laptop)
    # This device's remember-me cookie was issued again and works on its own.
    assert is_signed_in(copy_of(app, phone, REMEMBER))


def test_password_reset_ends_every_session(app, client, employee):
    phone = device(app, employee, remember=True)
    stolen_remember = copy_of(app, phone, REMEMBER)
    client.post("/reset-password", data={"email": employee.email,
                                          "csrf_token": csrf_token(client)})
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == employee.email))
    path = re.search(r"https?://[^/\s]+(/reset-password/\S+)", mail.body_text).group(1)

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": csrf_token(client, path)})

    assert response.status_code == 302
    assert not is_signed_in(phone)
    assert not is_signed_in(stolen_remember)


def test_deactivation_ends_sessions_for_good(app, admin_client, employee):
    phone = device(app, employee, remember=True)
    stolen_session = copy_of(app, phone, SESSION)
    stolen_remember = copy_of(app, phone, REMEMBER)
    url = f"/admin/users/{employee.id}/active"
    token = csrf_token(admin_client, f"/admin/users/{employee.id}")
    admin_client.post(url, data={"active": "0", "csrf_token": token})
    admin_client.post(url, data={"active": "1", "csrf_token": token})
    db.session.refresh(employee)
    assert employee.active

    # Reactivated, the person logs in anew; what was signed in before stays ended.
    assert not is_signed_in(phone)
    assert not is_signed_in(stolen_session)
    assert not is_signed_in(stolen_remember)


def test_sign_out_everywhere_from_the_account_page(app, employee):
    phone = device(app, employee, remember=True)
    stolen_remember = copy_of(app, phone, REMEMBER)
    laptop = device(app, employee)

    response = laptop.post("/account/sign-out-everywhere",
                           data={"csrf_token": csrf_token(laptop, "/account")})

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not any(is_signed_in(c) for c in (phone, stolen_remember, laptop))
    [entry] = audit("user.sign_out_everywhere")
    assert (entry.actor_id, entry.object_type, entry.object_id) == \
        (employee.id, "users", employee.id)
    assert is_signed_in(device(app, employee))


def test_account_page_offers_sign_out_everywhere(employee_client):
    page = employee_client.get("/account").get_data(as_text=True)
    assert 'action="/account/sign-out-everywhere"' in page
    assert "Sign out everywhere" in page


def test_sign_out_everywhere_needs_a_post_with_csrf(employee_client):
    assert employee_client.get("/account/sign-out-everywhere").status_code == 405
    assert employee_client.post("/account/sign-out-everywhere").status_code == 400
    assert is_signed_in(employee_client)
    assert audit("user.sign_out_everywhere") == []


def test_admin_signs_a_person_out_everywhere(app, admin_client, admin, employee):
    phone = device(app, employee, remember=True)
    stolen_session = copy_of(app, phone, SESSION)
    page = admin_client.get(f"/admin/users/{employee.id}").get_data(as_text=True)
    assert f'action="/admin/users/{employee.id}/sign-out"' in page

    response = admin_client.post(f"/admin/users/{employee.id}/sign-out",
                                 data={"csrf_token": csrf_token(admin_client, "/admin/users")})

    assert response.status_code == 302
    assert not is_signed_in(phone) and not is_signed_in(stolen_session)
    assert is_signed_in(admin_client)  # the admin's own sessions are untouched
    [entry] = audit("user.sign_out_everywhere")
    assert (entry.actor_id, entry.object_id) == (admin.id, employee.id)


def test_remember_me_cookie_expires(app, employee, client):
    response = AuthActions(client).login(employee.email, remember="y")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER)]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    left = expires - datetime.now(UTC)
    assert timedelta(days=14) - timedelta(minutes=1) < left <= timedelta(days=14)


@pytest.mark.parametrize("cookie", [SESSION, REMEMBER])
def test_no_sign_in_outlives_the_remember_duration(app, employee, cookie):
    """Whatever a cookie's own expiry says, the server refuses a lapsed sign-in."""

    def holding(lapses_at: float):
        kept = f"{employee.id}:{employee.session_generation}:{int(lapses_at)}"
        client = app.test_client()
        with app.test_request_context():
            if cookie == REMEMBER:
                value = encode_cookie(kept)
            else:
                serializer = app.session_interface.get_signing_serializer(app)
                value = serializer.dumps({"_user_id": kept, "_fresh": True})
        client.set_cookie(cookie, value, domain="ideaboard.test")
        return client

    assert is_signed_in(holding(time.time() + 60))
    assert not is_signed_in(holding(time.time() - 1))


def test_a_plain_user_id_no_longer_signs_in(app, client, employee):
    """What Flask-Login kept before sign-ins carried a generation is not enough."""
    with client.session_transaction() as session:
        session["_user_id"] = str(employee.id)
    assert not is_signed_in(client)


def test_csrf_token_is_new_after_log_in_and_log_out(app, client, employee):
    before = csrf_token(client)
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    assert AuthActions(client).login(employee.email).status_code == 302
    with client.session_transaction() as session:
        assert session.get("csrf_token") != raw_before
    # A token known before log-in (or planted) is refused after it.
    refused = client.post("/account", data={
        "profile-display_name": "Changed", "profile-department": "0",
        "profile-email_frequency": "daily", "profile-submit": "1",
        "profile-csrf_token": before})
    assert refused.status_code == 400
    csrf_token(client, "/account")
    with client.session_transaction() as session:
        raw_signed_in = session["csrf_token"]

    AuthActions(client).logout()
    csrf_token(client)
    with client.session_transaction() as session:
        assert session["csrf_token"] not in (raw_before, raw_signed_in)

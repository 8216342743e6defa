"""Journey (a): sign up, confirm the address, log out and in, in a real browser."""

import re

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.notifications.models import OutboxEmail
from tests.helpers.browser import log_in, serious_violations
from tests.helpers.factories import PASSWORD

NEW_PASSWORD = "a-long-unusual-passphrase"


def test_sign_up_then_log_out_and_in(app, page, it_department):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["example.com"]
    page.goto("/signup")
    page.get_by_label("Work e-mail").fill("sam.new@example.com")
    page.get_by_label("Your name").fill("Sam New")
    page.get_by_label("Department").select_option(label="\u2003IT")
    page.get_by_role("button", name="Send me the link").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    db.session.commit()  # see what the server committed
    mail = db.session.scalar(sa.select(OutboxEmail).where(
        OutboxEmail.to_address == "sam.new@example.com"))
    page.goto(re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", mail.body_text).group(1))
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Welcome to Ideaboard, Sam New.").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()
    log_in(page, "sam.new@example.com", NEW_PASSWORD)
    page.get_by_role("link", name="Sam New").click()
    assert page.get_by_label("Name").input_value() == "Sam New"


def test_failed_sign_up_keeps_what_was_typed(app, page):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["example.com"]
    page.goto("/signup")
    page.get_by_label("Work e-mail").fill("sam@elsewhere.org")
    page.get_by_label("Your name").fill("Sam Elsewhere")
    page.get_by_role("button", name="Send me the link").click()
    # Beside the field (the error summary at the top repeats it as a link).
    page.locator("form").get_by_text("company e-mail addresses only").wait_for()
    assert page.get_by_label("Work e-mail").input_value() == "sam@elsewhere.org"
    assert page.get_by_label("Your name").input_value() == "Sam Elsewhere"


def test_wrong_password_is_announced_beside_the_field(page, employee):
    page.goto("/login")
    page.get_by_label("E-mail").fill(employee.email)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    # Beside the field (the error summary at the top repeats it as a link).
    error = page.locator("form").get_by_text(
        "That e-mail and password do not match an active account.")
    error.wait_for()
    described = page.get_by_label("Password").get_attribute("aria-describedby")
    assert described and error.get_attribute("id") in described.split()


def test_account_pages_have_no_serious_accessibility_violations(page, employee, admin):
    for path in ["/login", "/signup", "/signup/sent", "/reset-password"]:
        page.goto(path)
        assert serious_violations(page) == [], path
    log_in(page, employee.email, PASSWORD)
    page.goto("/account")
    assert serious_violations(page) == []


def test_new_pages_are_accessible_and_hold_at_phone_width(app, new_page, employee, manager,
                                                          it_department):
    """The sign-up link's page and the page of a change that came second, at desktop and
    phone width: no serious axe violation, no sideways scrolling."""
    from ideaboard.accounts.services import sign_up_token
    from ideaboard.core.transactions import unit_of_work
    from ideaboard.review.services import fast_track
    from tests.helpers.review import make_idea

    token = sign_up_token("new.person@example.com", "New Person", it_department)
    choose = f"/signup/confirm/{token}"
    for width in (1280, 390):
        visitor = new_page(width=width)
        visitor.goto(choose)
        visitor.get_by_role("button", name="Create account").wait_for()
        assert serious_violations(visitor) == [], (choose, width)
        assert visitor.evaluate("document.documentElement.scrollWidth") <= width

        idea = make_idea(employee, it_department, status="open")
        db.session.commit()
        author = new_page(width=width)
        log_in(author, employee.email, PASSWORD)
        author.goto(f"/ideas/{idea.id}/edit")
        with unit_of_work():  # the test's write takes the lock, as the server's do
            fast_track(idea, manager, "Urgent: the licences lapse in March.")
        author.get_by_role("button", name="Save changes").click()
        author.get_by_text("What you wrote").wait_for()
        assert serious_violations(author) == [], ("conflict", width)
        assert author.evaluate("document.documentElement.scrollWidth") <= width

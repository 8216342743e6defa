"""Phones (issue 13, item 16): the filter bar folds behind a "Filters" button, the review
queue and the admin tables are stacked cards rather than sideways scrolls."""

from __future__ import annotations

from ideaboard.extensions import db
from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory
from tests.helpers.review import make_idea

PHONE = 375


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_filters_fold_behind_a_button_on_a_phone(new_page, employee, it_department):
    IdeaFactory(author=UserFactory(department=it_department), department=it_department,
                title="Free fruit on Mondays")
    db.session.commit()
    page = new_page(width=PHONE)
    log_in(page, employee.email, PASSWORD)
    page.goto("/")
    status = page.get_by_label("Status")
    assert not status.is_visible()
    page.get_by_text("Filters", exact=True).click()
    assert status.is_visible()
    page.get_by_label("Search").fill("fruit")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**q=fruit**")
    # A filter in use keeps the panel open, so the person sees what filters the list.
    assert page.get_by_label("Search").is_visible()
    assert page.get_by_label("Search").input_value() == "fruit"
    assert no_sideways_scroll(page)


def test_filters_are_open_on_a_wide_screen(new_page, employee):
    page = new_page(width=1280)
    log_in(page, employee.email, PASSWORD)
    page.goto("/")
    assert page.get_by_label("Status").is_visible()
    assert not page.get_by_text("Filters", exact=True).is_visible()


def test_review_queue_is_stacked_cards_on_a_phone(new_page, manager, it_department):
    author = UserFactory(department=it_department)
    for n in range(3):
        make_idea(author, it_department, status="in_review",
                  title=f"Replace the ageing meeting-room screens on floor {n + 2}")
    db.session.commit()
    page = new_page(width=PHONE)
    log_in(page, manager.email, PASSWORD)
    page.goto("/review")
    assert no_sideways_scroll(page)
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    # Each cell says which column it is, and the rows are still a table's rows.
    row = page.get_by_role("row").filter(has_text="floor 2")
    captions = row.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert any("Merit" in caption for caption in captions), captions
    assert row.locator("td").nth(1).evaluate("c => getComputedStyle(c).display") == "block"
    assert row.get_by_role("link", name="Replace the ageing meeting-room screens on floor 2")
    assert page.get_by_role("columnheader", name="Merit").count() == 1


def test_admin_tables_are_stacked_on_a_phone(new_page, admin, it_department):
    UserFactory(department=it_department, email="a.very.long.address.for.testing@example.com")
    db.session.commit()
    page = new_page(width=PHONE)
    log_in(page, admin.email, PASSWORD)
    for path in ["/admin/users", "/admin/invitations", "/admin/departments", "/admin/audit",
                 "/admin/moderation"]:
        page.goto(path)
        assert no_sideways_scroll(page), path
        for wrap in page.locator(".table-wrap").all():
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), path


def test_a_table_wider_than_the_screen_can_be_scrolled_by_keyboard(new_page, admin):
    """Between phone and desktop a wide table still scrolls sideways: it is then a
    named region that takes focus, so arrow keys can scroll it (WCAG 2.1.1)."""
    from ideaboard.audit.services import record

    # An action name that cannot wrap makes the table wider than 790 px.
    record(admin, "import.a_very_long_action_name_that_cannot_wrap_anywhere_x",
           object_type="system")
    db.session.commit()
    page = new_page(width=790)
    log_in(page, admin.email, PASSWORD)
    page.goto("/admin/audit")
    region = page.get_by_role("region", name="Audit entries, page 1")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)  # the scroll is smooth, not instant
    assert region.evaluate("el => el.scrollLeft") > 0
    # Wide enough for the whole table: no region, no extra tab stop.
    wide = new_page(width=1900)
    log_in(wide, admin.email, PASSWORD)
    wide.goto("/admin/audit")
    assert wide.locator(".table-wrap").get_attribute("tabindex") is None


def test_webhook_pages_fit_a_phone(new_page, admin):
    """The endpoint list and an endpoint's deliveries (seven columns) stack on a phone."""
    from ideaboard.webhooks.models import WebhookDelivery
    from tests.helpers.webhooks import stored_endpoint

    endpoint = stored_endpoint("https://hooks.slack.com/services/T0001/B0001/abcdefghijkl",
                               kind="slack", failing=True, consecutive_failures=5)
    db.session.add(WebhookDelivery(
        endpoint_id=endpoint.id, message_id="msg_phone", event_type="comment.created",
        payload="{}", state="failed", attempts=3, status_code=503, latency_ms=5012,
        last_error="TimeoutError: timed out while waiting for the receiver's answer"))
    db.session.commit()
    page = new_page(width=PHONE)
    log_in(page, admin.email, PASSWORD)
    for path in ["/admin/webhooks/", f"/admin/webhooks/{endpoint.id}",
                 f"/admin/webhooks/{endpoint.id}/edit", "/admin/webhooks/new"]:
        page.goto(path)
        assert no_sideways_scroll(page), path
        for wrap in page.locator(".table-wrap").all():
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), path

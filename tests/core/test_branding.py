"""The favicon and the company's logo (issue 13, item 16)."""

from __future__ import annotations

import pytest

from ideaboard import create_app
from ideaboard.extensions import db


def test_every_page_links_the_favicon(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    try:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.data
    finally:
        icon.close()  # a file response holds the file open until closed


def test_no_logo_unless_configured(client):
    assert b"brand-logo" not in client.get("/login").data


def _app_with_logo(database_url: str, logo: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "ideaboard.test",
                       "LOGO_URL": logo}, env="testing")


@pytest.mark.parametrize("logo", ["/static/acme-logo.svg",
                                  "https://cdn.acme.example/brand/logo.png"])
def test_the_configured_logo_sits_beside_the_name(app, database_url, logo):
    branded = _app_with_logo(database_url, logo)
    try:
        response = branded.test_client().get("/login")
        page = response.get_data(as_text=True)
        # Exactly as configured, inside the link the name "Ideaboard" names.
        assert f'<img class="brand-logo" src="{logo}" alt="">Ideaboard</a>' in page
        csp = response.headers["Content-Security-Policy"]
        if logo.startswith("https://"):
            assert "img-src 'self' data: https://cdn.acme.example;" in csp
        else:
            assert "img-src 'self' data:;" in csp
    finally:
        with branded.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("logo", ["javascript:alert(1)", "data:image/svg+xml,<svg/>",
                                  "//evil.example/logo.png", "logo.png",
                                  "https://user:secret@cdn.example/logo.png"])
def test_a_logo_that_is_no_image_address_is_refused_at_start(database_url, logo):
    with pytest.raises(RuntimeError, match="IDEABOARD_LOGO_URL is refused"):
        _app_with_logo(database_url, logo)

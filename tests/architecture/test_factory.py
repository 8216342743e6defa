import os
import secrets
import stat

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from ideaboard import create_app
from ideaboard.extensions import db

# What config.py shipped as the development signing key (the README's server used it).
PUBLISHED_DEVELOPMENT_KEY = "dev-only-insecure-secret-key"  # nosec B105
PRODUCTION = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": "https://ideas.example.com"}


def test_testing_config(app):
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is not False  # CSRF stays on in tests


def test_production_refuses_default_secret_key(monkeypatch):
    monkeypatch.delenv("IDEABOARD_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="IDEABOARD_SECRET_KEY"):
        create_app({"SECRET_KEY": "dev-only-insecure-secret-key",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="production")


@pytest.mark.parametrize("key", [secrets.token_hex(32), secrets.token_hex(16),
                                 secrets.token_urlsafe(32)])
def test_production_accepts_real_secret_key(key):
    app = create_app({**PRODUCTION, "SECRET_KEY": key}, env="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("key,reason", [
    ("x" * 32, "one shorter string repeated"),
    ("x" * 40, "one shorter string repeated"),
    ("0123456789" * 4, "one shorter string repeated"),
    ("a" * 24 + "bcdefghijk", "too little variety"),
    ("abababababababababababababababa1", "too little variety"),
    (secrets.token_hex(15), "shorter than 32 characters"),
])
def test_production_refuses_weak_secret_keys(key, reason):
    with pytest.raises(RuntimeError) as refused:
        create_app({**PRODUCTION, "SECRET_KEY": key}, env="production")
    message = str(refused.value)
    assert reason in message
    # The error says the whole rule, as the README does.
    assert "at least 32 characters" in message and "80 bits" in message


@pytest.mark.parametrize("base_url", [None, "", "ideas.example.com", "ftp://ideas.example.com",
                                      "https://ideas.example.com/?x=1", "https://u:p@ideas.example.com"])
def test_production_refuses_to_start_without_a_base_address(base_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_BASE_URL"):
        create_app({**PRODUCTION, "SECRET_KEY": secrets.token_hex(32), "BASE_URL": base_url},
                   env="production")


def _dev_app(database_url, instance, monkeypatch):
    if os.environ.get("IDEABOARD_SECRET_KEY"):
        pytest.skip("IDEABOARD_SECRET_KEY is set: the development key comes from it")
    monkeypatch.setenv("IDEABOARD_INSTANCE_PATH", str(instance))
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="development")


def test_development_generates_a_private_key_once(database_url, tmp_path, monkeypatch):
    first = _dev_app(database_url, tmp_path / "one", monkeypatch)
    key_file = tmp_path / "one" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == key_file.read_text() and len(first.secret_key) >= 64
    assert first.secret_key != PUBLISHED_DEVELOPMENT_KEY
    # Reused on the next start (sessions survive a restart); another folder, another key.
    assert _dev_app(database_url, tmp_path / "one", monkeypatch).secret_key == first.secret_key
    assert _dev_app(database_url, tmp_path / "two", monkeypatch).secret_key != first.secret_key


def test_development_refuses_a_key_file_others_can_read(database_url, tmp_path, monkeypatch):
    _dev_app(database_url, tmp_path, monkeypatch)
    (tmp_path / "secret_key").chmod(0o644)
    with pytest.raises(RuntimeError, match="chmod 600"):
        _dev_app(database_url, tmp_path, monkeypatch)


def test_cookie_signed_with_the_published_key_opens_nothing(app, database_url, admin, tmp_path,
                                                            monkeypatch):
    """A development server started from the README no longer trusts a cookie anyone can
    sign: it opened /admin/users as the admin."""
    forger = Flask("forger")
    forger.secret_key = PUBLISHED_DEVELOPMENT_KEY
    cookie = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"_user_id": str(admin.id), "_fresh": True})
    db.session.commit()
    development = _dev_app(database_url, tmp_path, monkeypatch)
    client = development.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/admin/users")
    with development.app_context():
        db.engine.dispose()
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="IDEABOARD_ENV"):
        create_app(env="staging")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_sqlite_has_wal_and_foreign_keys(app):
    import sqlalchemy as sa

    from ideaboard.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-only pragmas")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1

import pytest

from ideaboard import create_app


def test_testing_config(app):
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is not False  # CSRF stays on in tests


def test_production_refuses_default_secret_key(monkeypatch):
    monkeypatch.delenv("IDEABOARD_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="IDEABOARD_SECRET_KEY"):
        create_app({"SECRET_KEY": "dev-only-insecure-secret-key",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="production")


def test_production_accepts_real_secret_key():
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "BASE_URL": "https://ideas.example.com"}, env="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("base_url", [None, "", "ideas.example.com", "ftp://ideas.example.com",
                                      "https://ideas.example.com/?x=1", "https://u:p@ideas.example.com"])
def test_production_refuses_to_start_without_a_base_address(base_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_BASE_URL"):
        create_app({"SECRET_KEY": "k" * 20 + "ey-for-base-url-test", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "BASE_URL": base_url}, env="production")


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="IDEABOARD_ENV"):
        create_app(env="staging")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_sqlite_has_wal_and_foreign_keys(app):
    from ideaboard.extensions import db
    import sqlalchemy as sa

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-only pragmas")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1

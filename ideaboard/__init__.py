"""Ideaboard: an internal idea board. ``create_app()`` builds the Flask application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from ideaboard.core.problems import CookielessApi
from ideaboard.core.requests import IdeaboardRequest
from ideaboard.core.security import HostCheckingFlask

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Find a root-level folder (templates, static, migrations).

    An installed wheel carries it inside the package; a checkout keeps it beside it.
    """
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def _load_config_module():
    # config.py sits at the repository root and is shipped inside the wheel.
    try:
        from ideaboard import config  # type: ignore[attr-defined]  # installed wheel
    except ImportError:
        import config  # checkout
    return config


def create_app(config: Mapping[str, Any] | None = None, *, env: str | None = None) -> Flask:
    """Build the application.

    ``env`` (or ``IDEABOARD_ENV``) picks the configuration class; ``config``
    overrides single settings, as tests do.
    """
    app = HostCheckingFlask(
        __name__,
        instance_path=os.environ.get("IDEABOARD_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.request_class = IdeaboardRequest
    app.session_interface = CookielessApi()
    load_config(app, config, env)
    # First of the steps that add hooks: a request's clock starts before, and stops
    # after, every other hook (core.observe).
    register_observability(app)
    register_extensions(app)
    register_throttling(app)
    register_single_sign_on(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    # Last: its after-request hook, the one commit point, then runs before the others.
    register_transactions(app)
    return app


def load_config(app: Flask, overrides: Mapping[str, Any] | None, env: str | None) -> None:
    from ideaboard.core.security import configure_hosts, instance_secret_key
    from ideaboard.database import sqlalchemy_url, transaction_pooling_options

    config_class = _load_config_module().config_for(env)
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY") and app.config.get("SECRET_KEY_FROM_INSTANCE"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = Path(app.instance_path) / "ideaboard.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    # Rate limits live in Redis when there is one (shared by every app server),
    # otherwise in each process's memory.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    uri = app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config.get("DATABASE_PGBOUNCER"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = transaction_pooling_options(
            uri, app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # A file cannot drop a connection: no ping before every request's first query.
        options["pool_pre_ping"] = False
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT"])
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    folder = app.config.get("MAIL_FOLDER")
    if folder:
        app.config["MAIL_FOLDER"] = str(Path(app.instance_path) / folder)
    config_class.validate(app.config)
    configure_hosts(app)


def register_observability(app: Flask) -> None:
    """Logs (JSON lines in production), request ids, the access log and the metrics,
    with the scrape-time collectors of the capabilities: one line each."""
    from ideaboard.core import logs, metrics, observe
    from ideaboard.notifications.metrics import outbox_metrics
    from ideaboard.review.metrics import overdue_review_metrics
    from ideaboard.worker.metrics import heartbeat_metrics

    logs.configure(app)
    metrics.register(app, [
        ("outbox", outbox_metrics),
        ("overdue_reviews", overdue_review_metrics),
        ("worker_heartbeats", heartbeat_metrics),
    ])
    observe.register(app)


def register_extensions(app: Flask) -> None:
    from ideaboard.core import i18n
    from ideaboard.core.i18n import lazy_gettext
    from ideaboard.extensions import csrf, db, limiter, login_manager, migrate

    i18n.register(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Translated when flashed: Flask-Login passes it through localize_callback.
    login_manager.login_message = lazy_gettext("Please log in to see that page.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"

    from ideaboard.accounts import sessions

    sessions.register(login_manager)
    # Import every model so metadata is complete for Alembic and create_all.
    import ideaboard.models  # noqa: F401


def register_throttling(app: Flask) -> None:
    from ideaboard.core.throttling import register

    register(app)


def register_single_sign_on(app: Flask) -> None:
    """The OpenID Connect client, when an issuer is configured (identity.oidc), and the
    SAML service provider, when the identity provider's metadata is (identity.saml)."""
    from ideaboard.identity import oidc, saml

    oidc.register(app)
    saml.register(app)


def register_blueprints(app: Flask) -> None:
    # The permission rules every view, template and service asks (core.permissions).
    import ideaboard.policy  # noqa: F401
    from ideaboard.accounts.routes import bp as accounts_bp
    from ideaboard.admin.routes import bp as admin_bp
    from ideaboard.analytics.routes import bp as analytics_bp
    from ideaboard.api.routes import bp as tokens_bp
    from ideaboard.audit.routes import bp as audit_bp
    from ideaboard.campaigns.routes import bp as campaigns_bp
    from ideaboard.cli.commands import bp as cli_bp
    from ideaboard.comments.routes import bp as comments_bp
    from ideaboard.core.converters import IdConverter
    from ideaboard.core.routes import bp as core_bp
    from ideaboard.following.routes import bp as following_bp
    from ideaboard.ideas.routes import bp as ideas_bp
    from ideaboard.identity.routes import bp as identity_bp
    from ideaboard.identity.scim.admin import bp as provisioning_bp
    from ideaboard.identity.scim.routes import bp as scim_bp
    from ideaboard.moderation.routes import bp as moderation_bp
    from ideaboard.moderation.routes import flags_bp
    from ideaboard.notifications.routes import bp as notifications_bp
    from ideaboard.people.routes import bp as people_bp
    from ideaboard.privacy.routes import bp as privacy_bp
    from ideaboard.review.guide import bp as help_bp
    from ideaboard.review.routes import bp as review_bp
    from ideaboard.voting.routes import bp as voting_bp
    from ideaboard.webhooks.routes import bp as webhooks_bp

    # Every <int:...> in a route is an id: bounded so no input overflows the database.
    app.url_map.converters["int"] = IdConverter
    for blueprint in (
        core_bp, accounts_bp, ideas_bp, voting_bp, comments_bp, following_bp, flags_bp,
        review_bp, help_bp, notifications_bp, people_bp, campaigns_bp, admin_bp, moderation_bp,
        audit_bp, identity_bp, scim_bp, provisioning_bp, webhooks_bp, tokens_bp, analytics_bp,
        privacy_bp,
        cli_bp,
    ):
        app.register_blueprint(blueprint)
    # The REST API (flask-smorest): its blueprint, its OpenAPI document and docs page.
    from ideaboard.api.v1 import register as register_api

    register_api(app)


def register_errorhandlers(app: Flask) -> None:
    from ideaboard.core.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from ideaboard.core.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from ideaboard.core.security import register

    register(app)


def register_transactions(app: Flask) -> None:
    """Units of work: SQLite events on this app's engine, each request's begin and end
    (the one place a request's transaction is committed or rolled back)."""
    from ideaboard.core.transactions import register

    register(app)

"""Admin commands: ``flask --app ideaboard <command>``.

Each command's writing work runs in one ``unit_of_work()``: on SQLite it takes the
write lock as it begins (as writing requests do), so it waits for people's writes
instead of failing with "database is locked", and it commits once at the end.
"""

import click
import sqlalchemy as sa
from flask import Blueprint

from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db

bp = Blueprint("cli", __name__, cli_group=None)


@bp.cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt="Display name")
@click.password_option()
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account."""
    from ideaboard.accounts.services import AccountError, create_user

    try:
        with unit_of_work():
            created = create_user(email, display_name, password, role="admin").email
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created admin {created}.")


@bp.cli.command("import-users")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_users(csv_file) -> None:
    """Import people from a CSV file with columns email, name, department, role.

    Every row is checked first; if any row is bad, nothing is imported and each
    problem is reported with its line number.
    """
    from ideaboard.accounts.importing import import_users as run_import

    with unit_of_work():
        report = run_import(csv_file)
        if report.errors:
            for error in report.errors:
                click.echo(error, err=True)
            # Raising rolls the whole import back.
            raise click.ClickException(
                f"{len(report.errors)} bad row(s); nothing was imported. Fix them and run again."
            )
    click.echo(f"Imported {len(report.created)} people. They choose a password through "
               "'Forgot your password?' on the log-in page.")


@bp.cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has people.")
def demo(if_empty: bool) -> None:
    """Seed a believable company: departments, people, ideas at every stage."""
    from ideaboard.cli.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, database_is_empty, seed

    with unit_of_work():  # the emptiness check and the seed in one locked transaction
        if if_empty and not database_is_empty():
            click.echo("The database already has data; demo seeding skipped.")
            return
        if not database_is_empty():
            raise click.ClickException(
                "The database is not empty; demo data goes into an empty one.")
        summary = seed()
    click.echo(summary)
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for email, role in DEMO_ACCOUNTS:
        click.echo(f"  {email:32} {role}")


# Review and mail jobs register themselves on this blueprint.
from ideaboard.cli import review_commands, worker_command  # noqa: E402,F401


@bp.cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup(path: str) -> None:
    """Make a consistent copy of the SQLite database at PATH while the app runs."""
    from pathlib import Path

    from ideaboard.cli.backup import BackupError, backup_sqlite

    try:
        pages = backup_sqlite(db.engine, Path(path))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {pages} pages to {path}.")


@bp.cli.command("restore-check")
@click.argument("restored_url")
def restore_check(restored_url: str) -> None:
    """Compare the app's database with a restored copy at RESTORED_URL: the schema
    revision and every table, row by row. Fails on any difference (the restore drill,
    docs/RESTORE.md)."""
    from ideaboard.cli.restore import differences, engine_for, fingerprint

    source = fingerprint(db.engine, db.metadata)
    restored_engine = engine_for(restored_url)
    try:
        restored = fingerprint(restored_engine, db.metadata)
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(f"The restored database cannot be read: {error}") from None
    finally:
        restored_engine.dispose()
    click.echo(f"schema revision: {restored.revision or 'none'}")
    for name, figure in restored.summary.items():
        click.echo(f"{name}: {figure} (source {source.summary.get(name, 0)})")
    problems = differences(source, restored)
    if problems:
        for problem in problems:
            click.echo(f"DIFFERS  {problem}", err=True)
        raise click.ClickException(
            f"The restored database differs from the source in {len(problems)} ways.")
    rows = sum(table.rows for table in restored.tables.values())
    click.echo(f"The restored database matches its source: {len(restored.tables)} tables, "
               f"{rows} rows, schema revision {restored.revision}.")


@bp.cli.group("scim-token")
def scim_token() -> None:
    """Bearer tokens of the SCIM provisioning connections (also on /admin/scim)."""


@scim_token.command("create")
@click.argument("name")
def scim_token_create(name: str) -> None:
    """Create a token for the connection NAME and print it (shown this once only)."""
    from ideaboard.identity.scim.tokens import create_token

    with unit_of_work():
        token, secret = create_token(name, None)
        prefix = token.prefix
    click.echo(f"Created SCIM token {prefix}... for {name!r}. Give the identity provider:")
    click.echo(secret)


@scim_token.command("revoke")
@click.argument("prefix")
def scim_token_revoke(prefix: str) -> None:
    """Revoke the active token whose visible prefix is PREFIX."""
    from ideaboard.identity.scim.models import ScimToken
    from ideaboard.identity.scim.tokens import revoke_token

    with unit_of_work():
        tokens = list(db.session.scalars(sa.select(ScimToken).where(
            ScimToken.prefix == prefix, ScimToken.revoked_at.is_(None))))
        if len(tokens) != 1:
            raise click.ClickException(f"No single active token has the prefix {prefix!r}.")
        revoke_token(tokens[0], None)
    click.echo(f"Revoked SCIM token {prefix}...")


@bp.cli.command("purge")
def purge() -> None:
    """Delete what the retention settings (/admin/retention) no longer keep: read
    notifications, sent e-mails and their texts, expired data exports; print the counts."""
    from ideaboard.database import utcnow
    from ideaboard.privacy.services import purge as run_purge
    from ideaboard.privacy.services import retention_settings

    with unit_of_work(exclusive="privacy.purge"):
        settings = retention_settings()
        counts = run_purge(utcnow(), settings)
        lines = list(counts.lines(settings))
    for line in lines:
        click.echo(line)

"""Admin commands: ``flask --app ideaboard <command>``."""

import click
from flask import Blueprint

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
        user = create_user(email, display_name, password, role="admin")
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created admin {user.email}.")

"""Command-line tasks: admins, CSV import, demo data and workers."""

from __future__ import annotations


def main() -> None:
    """The ``ideaboard`` console script: ``flask --app ideaboard`` under its own name
    (``ideaboard db upgrade``, ``ideaboard escalate``, ...), for an installed wheel."""
    from flask.cli import FlaskGroup

    from ideaboard import create_app

    FlaskGroup(name="ideaboard", create_app=lambda: create_app()).main(prog_name="ideaboard")

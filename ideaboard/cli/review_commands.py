"""Review and mail jobs for cron: ``flask --app ideaboard escalate | send-mail | send-digests``.

Each is safe to run often and concurrently with itself: escalation and digests are
idempotent, and the mail worker claims each message before sending it.
"""

import click

from ideaboard.cli.commands import bp
from ideaboard.extensions import db


@bp.cli.command("escalate")
def escalate() -> None:
    """Hand overdue reviews to the managers one level up the org tree (run every few minutes)."""
    from ideaboard.review.escalation import escalate_overdue

    moved = escalate_overdue()
    db.session.commit()
    click.echo(f"Escalated {moved} idea{'' if moved == 1 else 's'}.")


@bp.cli.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in one run.")
def send_mail(limit: int) -> None:
    """Deliver pending e-mails from the outbox over SMTP, retrying failures with backoff."""
    from ideaboard.notifications.worker import send_pending

    try:
        result = send_pending(limit=limit)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Sent {result.sent}, failed {result.failed}."
               + (" The SMTP server is unavailable; the rest wait for the next run."
                  if result.server_down else ""))


@bp.cli.command("send-digests")
def send_digests() -> None:
    """Queue one daily digest per user who asked for them (run once a day, then send-mail)."""
    from ideaboard.notifications.delivery import send_digests as queue_digests

    count = queue_digests()
    db.session.commit()
    click.echo(f"Queued {count} digest{'' if count == 1 else 's'}.")

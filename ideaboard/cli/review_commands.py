"""Review and mail jobs for cron: ``flask --app ideaboard escalate | send-mail | send-digests
| send-weekly-summaries``.

The long-running ``flask --app ideaboard worker`` (``ideaboard.worker``) runs the same
jobs and is the recommended way; these remain for those who prefer cron.

Each is safe to run often, concurrently with itself and beside people writing:
escalation and digests are idempotent and run in one writing unit of work (on SQLite
it takes the write lock as it begins, so it waits for people's writes instead of
failing), and the mail worker claims each message before sending it.
"""

import time

import click
import sqlalchemy as sa

from ideaboard.cli.commands import bp
from ideaboard.core.transactions import unit_of_work


@bp.cli.command("escalate")
def escalate() -> None:
    """Hand overdue reviews to the managers one level up the org tree (run every few minutes)."""
    from ideaboard.review.escalation import escalate_overdue

    with unit_of_work():
        moved = escalate_overdue()
    click.echo(f"Escalated {moved} idea{'' if moved == 1 else 's'}.")


@bp.cli.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in one run.")
@click.option("--watch", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="Keep running: look for new messages every SECONDS (as `make run` does).")
def send_mail(limit: int, watch: float | None) -> None:
    """Deliver pending e-mails from the outbox over SMTP, retrying failures with backoff."""
    if watch is None:
        click.echo(_send_once(limit))
        return
    click.echo(f"Delivering e-mail every {watch:g} s; Ctrl-C stops.")
    try:
        while True:
            try:
                report = _send_once(limit)
            except click.ClickException as error:
                # Outages pass; the worker keeps watching, as cron would run it again.
                report = error.format_message()
            if not report.startswith("Sent 0, failed 0."):
                click.echo(report)
            time.sleep(watch)
    except KeyboardInterrupt:
        click.echo("Stopped delivering e-mail.")


def _send_once(limit: int) -> str:
    """One pass over the outbox; its one-line report."""
    from ideaboard.notifications.worker import send_pending

    try:
        result = send_pending(limit=limit)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    except sa.exc.OperationalError as error:
        # A delivery could not be recorded: its claim runs out and it is sent again,
        # with the same Message-ID, so receivers can drop the copy.
        raise click.ClickException(f"The database refused the run ({error.orig}); "
                                   "run send-mail again later.") from None
    return (f"Sent {result.sent}, failed {result.failed}."
            + (" The SMTP server is unavailable; the rest wait for the next run."
               if result.server_down else ""))


@bp.cli.command("send-digests")
def send_digests() -> None:
    """Queue one daily digest per user who asked for them (run once a day, then send-mail)."""
    from ideaboard.notifications.delivery import send_digests as queue_digests

    # One run at a time: two at once would both read the same day's notifications.
    with unit_of_work(exclusive="send-digests"):
        count = queue_digests()
    click.echo(f"Queued {count} digest{'' if count == 1 else 's'}.")


@bp.cli.command("send-weekly-summaries")
def send_weekly_summaries() -> None:
    """Queue the managers' summaries of the last seven days (run once a week, then send-mail)."""
    from ideaboard.analytics.services import send_weekly_summaries as queue_summaries
    from ideaboard.database import utcnow

    # Unlike the digests, a second run sends the summaries again: run it once a week
    # (the worker's weekly job does, once for all workers).
    with unit_of_work(exclusive="send-weekly-summaries"):
        count = queue_summaries(utcnow())
    click.echo(f"Queued {count} weekly {'summary' if count == 1 else 'summaries'}.")

"""``flask --app ideaboard worker``: all background work in one long-running process.

The recommended way to run e-mail, escalation and digests (``make run`` starts one);
the cron commands (``escalate``, ``send-mail``, ``send-digests``) remain for those who
prefer cron, and ``worker --once`` runs every due job once, as a cron line can.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click
from flask import current_app

from ideaboard.cli.commands import bp


@bp.cli.command("worker")
@click.option("--poll", type=click.FloatRange(min=0.05), default=None, metavar="SECONDS",
              help="Look for new e-mail every SECONDS (default IDEABOARD_WORKER_POLL_SECONDS, 1).")
@click.option("--once", is_flag=True,
              help="Run every job that is due now once, then exit (for cron and tests); "
                   "exits 1 if one failed.")
@click.option("--only", "only", multiple=True, metavar="JOB",
              help="Run only this job (repeatable): send-mail, escalate, send-digests, ...")
def worker(poll: float | None, once: bool, only: tuple[str, ...]) -> None:
    """Do the background work (e-mail, escalation, digests) until SIGTERM or Ctrl-C.

    Any number of workers may run side by side, on one machine or many: each piece of
    work is done once. On SIGTERM or SIGINT it finishes the job in hand and exits.
    """
    from ideaboard.worker.jobs import JOBS
    from ideaboard.worker.services import Worker

    unknown = sorted(set(only) - set(JOBS))
    if unknown:
        raise click.BadParameter(f"no job {', '.join(unknown)}; the jobs are "
                                 f"{', '.join(JOBS)}", param_hint="--only")
    _log_at_info()
    if poll is not None:  # the mail job's period, and the loop's longest sleep
        current_app.config["WORKER_POLL_SECONDS"] = poll
    jobs = [job for name, job in JOBS.items() if not only or name in only]
    process = Worker(current_app._get_current_object(), jobs)  # type: ignore[attr-defined]

    def stop(signum: int, _frame: FrameType | None) -> None:
        if process.stopping():  # asked twice: stop now, mid-job (claims run out and retry)
            raise KeyboardInterrupt
        logging.getLogger("ideaboard.worker").info(
            "%s: stopping after the job in hand", signal.Signals(signum).name)
        process.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        process.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if once and process.jobs_failed:
        # cron mails a failing command's output to its owner
        raise click.ClickException(f"{process.jobs_failed} job run(s) failed; see the log above.")


def _log_at_info() -> None:
    """Make the worker's lines (and the mail worker's) visible whatever the log level:
    a worker that says nothing cannot be told from one that hangs."""
    current_app.logger  # noqa: B018  # Flask gives the "ideaboard" logger its handler here
    for name in ("ideaboard.worker", "ideaboard.mail"):
        logger = logging.getLogger(name)
        if not logger.isEnabledFor(logging.INFO):
            logger.setLevel(logging.INFO)

"""The background jobs ``flask --app ideaboard worker`` runs, and when.

A job is a name, a function doing one batch of work and saying what it did
(:class:`Outcome`), a schedule (when it is next due after a run) and how it is kept
from running twice:

- a **polled** job (``shared=False``) runs in every worker on its own schedule and
  claims each piece of work it does, so two workers never do the same piece: the
  e-mail outbox, whose messages are claimed one at a time (``notifications.worker``);
- a **shared** job (``shared=True``) runs once per due time for all workers: its due
  time is a row of ``worker_schedule``, read and moved on in the same exclusive unit of
  work as the job's own writes (``unit_of_work(exclusive=...)``, the PostgreSQL
  advisory lock or the SQLite write lock), so whichever worker comes first runs it and
  the others find it no longer due. Its work is one short transaction: escalation,
  digests.

Adding background work (webhooks, exports, campaign opening and closing) is one
:func:`register` line at the bottom of this module, naming a function of the
capability that does it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

# How many outbox messages one run of the mail job takes on: a run stays short, so the
# other jobs and a stop request never wait long behind a big outbox.
MAIL_BATCH = 100
# How long the mail job waits after finding the SMTP server down (messages wait too,
# each with its own backoff) or no way to deliver configured.
MAIL_SERVER_DOWN_WAIT = timedelta(seconds=30)
MAIL_UNCONFIGURED_WAIT = timedelta(minutes=10)
# How many webhook deliveries one run of the webhooks job takes on (each is bounded by
# IDEABOARD_WEBHOOKS_TIMEOUT).
WEBHOOK_BATCH = 50
# How many data exports one run of the exports job builds (each a few queries and a ZIP).
EXPORT_BATCH = 10


@dataclass(frozen=True)
class JobContext:
    """What a run of a job is given: the time it started, a clock for each later step,
    and whether the worker has been asked to stop (a long job checks between pieces)."""

    now: datetime
    clock: Callable[[], datetime]
    stopping: Callable[[], bool]


@dataclass(frozen=True)
class Outcome:
    """What a run did: ``done`` pieces of work (logged when above 0, with ``summary``);
    ``retry_after`` when it met a problem that passes (the SMTP server is down), which
    is logged as a warning (``summary``) and delays the next run."""

    done: int = 0
    summary: str = ""
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class Every:
    """Due again ``config[setting]`` seconds after each run began."""

    setting: str

    def next_due(self, config: Mapping[str, Any], after: datetime) -> datetime:
        return after + timedelta(seconds=float(config[self.setting]))

    def describe(self, config: Mapping[str, Any]) -> str:
        return f"every {float(config[self.setting]):g} s"


@dataclass(frozen=True)
class DailyAt:
    """Due at the next ``config[setting]`` o'clock (UTC) after each run began."""

    setting: str

    def next_due(self, config: Mapping[str, Any], after: datetime) -> datetime:
        due = after.replace(hour=int(config[self.setting]), minute=0, second=0, microsecond=0)
        return due if due > after else due + timedelta(days=1)

    def describe(self, config: Mapping[str, Any]) -> str:
        return f"daily at {int(config[self.setting]):02d}:00 UTC"


@dataclass(frozen=True)
class WeeklyAt:
    """Due at the next ``config[day]`` (0 Monday .. 6 Sunday) at ``config[hour]`` o'clock
    (UTC) after each run began."""

    day: str
    hour: str

    def next_due(self, config: Mapping[str, Any], after: datetime) -> datetime:
        due = after.replace(hour=int(config[self.hour]), minute=0, second=0, microsecond=0)
        due += timedelta(days=(int(config[self.day]) - due.weekday()) % 7)
        return due if due > after else due + timedelta(days=7)

    def describe(self, config: Mapping[str, Any]) -> str:
        return f"weekly on {calendar.day_name[int(config[self.day])]} at " \
               f"{int(config[self.hour]):02d}:00 UTC"


@dataclass(frozen=True)
class Job:
    """One kind of background work (see the module docstring)."""

    name: str
    run: Callable[[JobContext], Outcome]
    schedule: Every | DailyAt | WeeklyAt
    shared: bool = False
    # A shared job's first run on a new install: at once (escalation, digests), or at
    # the schedule's first due time (the weekly summary, not on the first start).
    waits_for_first_due_time: bool = False


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add a job to what every worker runs (a later one of the same name replaces it)."""
    JOBS[job.name] = job
    return job


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- the jobs --------------------------------------------------------------------------

def send_mail(context: JobContext) -> Outcome:
    """Deliver the e-mail due in the outbox (claimed one by one; see notifications.worker)."""
    from ideaboard.notifications.worker import send_pending

    config = current_app.config
    if not (config.get("MAIL_SERVER") or config.get("MAIL_FOLDER")):
        return Outcome(summary="IDEABOARD_MAIL_SERVER is not set: e-mails wait in the outbox",
                       retry_after=MAIL_UNCONFIGURED_WAIT)
    result = send_pending(clock=context.clock, limit=MAIL_BATCH, should_stop=context.stopping)
    summary = f"sent {result.sent}, failed {result.failed}"
    if result.server_down:
        return Outcome(result.sent, f"{summary}; the SMTP server is unavailable, the rest wait",
                       retry_after=MAIL_SERVER_DOWN_WAIT)
    return Outcome(result.sent + result.failed, summary)


def send_webhooks(context: JobContext) -> Outcome:
    """Deliver the webhooks due in their outbox (claimed one by one; see webhooks.worker)."""
    from ideaboard.webhooks.worker import deliver_pending

    result = deliver_pending(clock=context.clock, limit=WEBHOOK_BATCH,
                             should_stop=context.stopping)
    return Outcome(result.delivered + result.failed,
                   f"delivered {result.delivered}, failed {result.failed}")


def escalate(context: JobContext) -> Outcome:
    """Hand overdue reviews and stalled accepted ideas one level up the org tree."""
    from ideaboard.review.escalation import escalate_overdue

    moved = escalate_overdue(context.now)
    return Outcome(moved, f"escalated {_plural(moved, 'idea')}")


def move_campaigns(context: JobContext) -> Outcome:
    """Open the campaigns whose opening time has come; stop answers to those whose
    closing time has (campaigns.services)."""
    from ideaboard.campaigns.services import move_on_time

    moved = move_on_time(context.now)
    return Outcome(moved, f"moved {_plural(moved, 'campaign')} on")


def send_digests(context: JobContext) -> Outcome:
    """Queue the day's digests (the mail job then delivers them)."""
    from ideaboard.notifications.delivery import send_digests as queue_digests

    # No time given: the digest takes every notification until its query runs (see
    # send_digests), however long this run waited for the lock.
    count = queue_digests()
    return Outcome(count, f"queued {_plural(count, 'digest')}")


def send_weekly_summaries(context: JobContext) -> Outcome:
    """Queue the managers' weekly summaries of the week before this run."""
    from ideaboard.analytics.services import send_weekly_summaries as queue_summaries

    count = queue_summaries(context.now)
    return Outcome(count, f"queued {count} weekly {'summary' if count == 1 else 'summaries'}")


def refresh_insight(context: JobContext) -> Outcome:
    """Work out the analytics' snapshots again when they are due (analytics.services):
    claimed in a short exclusive unit, so one worker of many works each refresh out."""
    from ideaboard.analytics import services as insight
    from ideaboard.core.transactions import unit_of_work

    every = timedelta(seconds=float(current_app.config["INSIGHT_REFRESH_SECONDS"]))
    with unit_of_work(exclusive="analytics.snapshots"):
        claimed = insight.refresh_claimed(context.now, every)
    if not claimed:
        return Outcome()
    written = insight.refresh_snapshots(context.now)
    return Outcome(written, f"worked out {_plural(written, 'snapshot')} of the analytics")


def build_exports(context: JobContext) -> Outcome:
    """Build the data exports people asked for, one transaction each (privacy.services):
    two workers take the oldest waiting request one after the other, never both."""
    from ideaboard.core.transactions import unit_of_work
    from ideaboard.privacy.services import build_next_export

    built = 0
    while built < EXPORT_BATCH and not context.stopping():
        with unit_of_work(exclusive="privacy.exports"):
            if not build_next_export(context.clock()):
                break
        built += 1
    return Outcome(built, f"built {_plural(built, 'data export')}")


register(Job("send-mail", send_mail, Every("WORKER_POLL_SECONDS")))
register(Job("send-webhooks", send_webhooks, Every("WORKER_POLL_SECONDS")))
register(Job("escalate", escalate, Every("WORKER_ESCALATE_SECONDS"), shared=True))
register(Job("campaigns", move_campaigns, Every("WORKER_ESCALATE_SECONDS"), shared=True))
register(Job("build-exports", build_exports, Every("WORKER_POLL_SECONDS")))
register(Job("refresh-insight", refresh_insight, Every("INSIGHT_REFRESH_SECONDS")))
register(Job("send-digests", send_digests, DailyAt("DIGEST_HOUR"), shared=True))
register(Job("send-weekly-summaries", send_weekly_summaries,
             WeeklyAt("WEEKLY_SUMMARY_DAY", "DIGEST_HOUR"), shared=True,
             waits_for_first_due_time=True))

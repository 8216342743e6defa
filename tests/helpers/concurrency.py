"""Races on a real server database: many sessions released at the same moment.

SQLite serialises writers, so the races these tests look for only exist on PostgreSQL:
``postgres_url`` and ``pg_app`` (tests/conftest.py) give one, and ``run_together`` runs
each job in its own thread, application context and session, all released at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from ideaboard.extensions import db

# Connections a pg_app may open at once: one per job of the largest race, and a few more.
POOL_SIZE = 68

# A job prepares what it needs in its own session, then returns the step to race.
Job = Callable[[], Callable[[], object]]


def is_postgres(url: str | None) -> bool:
    """Whether ``url`` names a PostgreSQL database."""
    return bool(url) and url.split(":", 1)[0] in ("postgresql", "postgres", "postgresql+psycopg")


def run_together(app: Flask, jobs: list[Job]) -> list[BaseException]:
    """Run each job in its own thread, app context and session, all released at once;
    each commits when done. The errors the jobs raised (none when all went well)."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Job) -> None:
        with app.app_context():
            try:
                prepared = job()
                barrier.wait(timeout=60)
                prepared()
                db.session.commit()
            except BaseException as error:  # reported by the test, not lost in the thread
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors

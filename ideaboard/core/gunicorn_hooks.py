"""Gunicorn server hooks for prometheus-client's multiprocess mode (``core.metrics``).

Use it as gunicorn's configuration (``-c python:ideaboard.core.gunicorn_hooks``), or
import the two hooks into your own configuration file::

    from ideaboard.core.gunicorn_hooks import child_exit, on_starting  # noqa: F401

with ``PROMETHEUS_MULTIPROC_DIR`` set to a folder of its own for each server (README
"Metrics"). Without that variable both hooks do nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server: Any) -> None:
    """Before the first worker: empty the folder, creating it if needed. The files of
    a previous run would otherwise be added to this run's counts."""
    folder = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """When a worker exits: mark its files dead, so gauges of live processes only are
    shown (its counters and histograms stay counted)."""
    if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

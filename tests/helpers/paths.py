"""Where things are in the repository."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: tests/helpers/ is two below

"""What every template may use: the permission policy, labels and date filters."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user

from ideaboard.database import utcnow
from ideaboard.policy import can


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    """A short human age such as "3 days ago"."""
    if value is None:
        return ""
    seconds = int(((now or utcnow()) - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("year", 31_536_000), ("month", 2_592_000), ("week", 604_800),
                       ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def iso_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def iso_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def register(app: Flask) -> None:
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["date"] = iso_date
    app.jinja_env.filters["datetime"] = iso_datetime

    @app.context_processor
    def policy():
        def user_can(action: str, obj=None) -> bool:
            return can(current_user, action, obj)

        return {"can": user_can}

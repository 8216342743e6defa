"""The floor: the least a Flask + Flask-SQLAlchemy page can cost on this machine.

One page renders the 20 highest-scoring rows of an indexed 100,000-row table through a
Jinja template. The benchmark serves it with the same gunicorn settings and the same
kind of database as Ideaboard, and quotes every Ideaboard page as a multiple of it.

``create_app()`` reads the database from ``BENCH_FLOOR_DATABASE_URL``;
``fill(url)`` creates and fills the table (``bench_floor_rows``) once.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = 100_000
PAGE = 20


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class FloorRow(db.Model):
    __tablename__ = "bench_floor_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    score: Mapped[float] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def _url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://"):] \
        if url.startswith("postgresql://") else url


def create_app(url: str | None = None) -> Flask:
    """The floor application on ``url`` (default: ``BENCH_FLOOR_DATABASE_URL``)."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.config["SQLALCHEMY_DATABASE_URI"] = _url(url or os.environ["BENCH_FLOOR_DATABASE_URL"])
    db.init_app(app)

    @app.get("/")
    def index():
        rows = db.session.scalars(
            sa.select(FloorRow).order_by(FloorRow.score.desc()).limit(PAGE)).all()
        return render_template("floor.html", rows=rows)

    return app


def fill(url: str, rows: int = ROWS) -> None:
    """Create ``bench_floor_rows`` with ``rows`` rows (once: a filled table is kept)."""
    engine = sa.create_engine(_url(url))
    try:
        Base.metadata.create_all(engine)
        with engine.begin() as connection:
            if connection.scalar(sa.select(sa.func.count()).select_from(FloorRow)):
                return
            # bandit B311: a seeded generator on purpose; the floor's data is reproducible.
            rng = random.Random(7)  # nosec B311
            start = datetime(2024, 1, 1, tzinfo=UTC)
            table = FloorRow.__table__
            for first in range(0, rows, 10_000):
                connection.execute(table.insert(), [
                    {"id": n + 1, "name": f"Row number {n + 1}", "score": rng.random() * 1000,
                     "created_at": start + timedelta(minutes=n)}
                    for n in range(first, min(rows, first + 10_000))])
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE bench_floor_rows")
    finally:
        engine.dispose()

"""The units outcomes are measured in, with the spellings that mean the same unit.

An implemented idea's outcome unit is free text (``Idea.outcome_unit``): "hours/year",
"hours a year" and "h/yr" are one unit. An admin keeps a small table of units, each with
its aliases; totals group outcomes by the unit their spelling is an alias of, and an
unknown spelling stays a unit of its own (shown as written, never dropped).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model

UNIT_LENGTH = 40  # as Idea.outcome_unit
KEY_LENGTH = 255  # of a snapshot's key


def unit_key(text: str) -> str:
    """The spelling a unit is matched by: lower case, no outer spaces (as the ledger's
    query compares ``lower(trim(outcome_unit))``), inner runs of spaces made one."""
    return " ".join(text.lower().split())


class OutcomeUnit(Model):
    __tablename__ = "outcome_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(UNIT_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    aliases: Mapped[list[OutcomeUnitAlias]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="OutcomeUnitAlias.alias")


class OutcomeUnitAlias(Model):
    """One spelling of a unit (its ``unit_key``); the unit's own name is one too."""

    __tablename__ = "outcome_unit_aliases"
    __table_args__ = (sa.Index("ix_outcome_unit_aliases_unit_id", "unit_id"),)

    alias: Mapped[str] = mapped_column(sa.String(UNIT_LENGTH), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome_units.id", ondelete="CASCADE"))

    unit: Mapped[OutcomeUnit] = relationship(back_populates="aliases")


class InsightSnapshot(Model):
    """Figures worked out by the worker ahead of the views (``services.refresh_snapshots``):
    the default view of /analytics for one scope (the whole company, a department's
    subtree, a manager's departments), or the totals of /impact. ``html`` is the rendered
    figures, ``tables`` their CSV exports; both as of ``computed_at``, which the page
    shows. The row keyed ``REFRESH_KEY`` is the claim of the run under way."""

    __tablename__ = "insight_snapshots"

    key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    html: Mapped[str] = mapped_column(sa.Text, default="")
    tables: Mapped[dict] = mapped_column(sa.JSON, default=dict)

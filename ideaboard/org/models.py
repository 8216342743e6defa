"""The organisation: departments in a tree, and who manages which."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model, db

if TYPE_CHECKING:
    from ideaboard.accounts.models import User

DEFAULT_REVIEW_THRESHOLD = 5
DEFAULT_REVIEW_SLA_DAYS = 14

department_managers = sa.Table(
    "department_managers",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "department_id", sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Index("ix_department_managers_department_id", "department_id"),
)


class Department(Model):
    __tablename__ = "departments"
    __table_args__ = (
        sa.CheckConstraint("review_threshold >= 1", name="threshold_positive"),
        sa.CheckConstraint("review_sla_days >= 1", name="sla_positive"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # Net votes an idea needs to enter this department's review queue.
    review_threshold: Mapped[int] = mapped_column(default=DEFAULT_REVIEW_THRESHOLD)
    # Days a manager has to review an idea before it escalates to the parent department.
    review_sla_days: Mapped[int] = mapped_column(default=DEFAULT_REVIEW_SLA_DAYS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(
        back_populates="parent", order_by="Department.name"
    )
    managers: Mapped[list[User]] = relationship(
        secondary=department_managers,
        back_populates="managed_departments",
        order_by="User.display_name",
    )

    def __repr__(self) -> str:
        return f"<Department {self.slug}>"

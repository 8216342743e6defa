"""the managers' worklists and an escalation schedule apart from the due date

Two nullable columns on ``ideas`` (issue 13, items 5 and 6):

- ``status_changed_at``: when the idea entered its current status, the age each of a
  manager's worklists shows ("12 days"). Filled from the timeline: the latest change
  into another status, else the idea's creation.
- ``escalates_at``: when the escalation job next moves the idea one level up. Until now
  the job moved ``review_due_at`` on by each new level's SLA, so an escalated idea lost
  its original due date; from now on ``review_due_at`` stays and this column moves.
  Filled with ``review_due_at`` for ideas in review, and for accepted ideas not yet
  started with 30 days (the default of IDEABOARD_STALLED_AFTER_DAYS) after acceptance.

And two indexes: ``ix_ideas_department_status`` (the worklists find the ideas of a
managed department held in another department's queue) and ``ix_ideas_escalates_at``.
Plain ADD COLUMN and CREATE INDEX: no table rebuild, so the FTS5 triggers on ``ideas``
stay as they are (SQLite 3.35+ drops the columns again in place).

Revision ID: 09803ea320d2
Revises: b3e9d4a7c215
Create Date: 2026-12-01 16:00:00

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from ideaboard.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = '09803ea320d2'
down_revision = 'b3e9d4a7c215'
branch_labels = None
depends_on = None

STALLED_AFTER_DAYS = 30  # config.py's default when this revision was written


def upgrade():
    op.add_column('ideas', sa.Column('escalates_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ideas', sa.Column('status_changed_at', sa.DateTime(timezone=True),
                                     nullable=True))
    op.create_index('ix_ideas_department_status', 'ideas', ['department_id', 'status'],
                    unique=False)
    op.create_index('ix_ideas_escalates_at', 'ideas', ['escalates_at'], unique=False)

    ideas = sa.table('ideas', sa.column('id', sa.Integer), sa.column('status', sa.String),
                     sa.column('created_at', UTCDateTime), sa.column('review_due_at', UTCDateTime),
                     sa.column('escalates_at', UTCDateTime),
                     sa.column('status_changed_at', UTCDateTime))
    changes = sa.table('status_changes', sa.column('idea_id', sa.Integer),
                       sa.column('from_status', sa.String), sa.column('to_status', sa.String),
                       sa.column('created_at', UTCDateTime))
    latest = (sa.select(sa.func.max(changes.c.created_at))
              .where(changes.c.idea_id == ideas.c.id,
                     sa.or_(changes.c.from_status.is_(None),
                            changes.c.from_status != changes.c.to_status))
              .scalar_subquery())
    op.execute(ideas.update().values(
        status_changed_at=sa.func.coalesce(latest, ideas.c.created_at)))
    op.execute(ideas.update().where(ideas.c.status == 'in_review')
               .values(escalates_at=ideas.c.review_due_at))
    # Date arithmetic differs between SQLite and PostgreSQL: the few accepted ideas are
    # given theirs one by one.
    bind = op.get_bind()
    accepted = bind.execute(sa.select(ideas.c.id, ideas.c.status_changed_at)
                            .where(ideas.c.status == 'accepted')).all()
    for idea_id, since in accepted:
        bind.execute(ideas.update().where(ideas.c.id == idea_id).values(
            escalates_at=since + timedelta(days=STALLED_AFTER_DAYS)))


def downgrade():
    op.drop_index('ix_ideas_escalates_at', table_name='ideas')
    op.drop_index('ix_ideas_department_status', table_name='ideas')
    op.execute('ALTER TABLE ideas DROP COLUMN status_changed_at')
    op.execute('ALTER TABLE ideas DROP COLUMN escalates_at')

"""the review queue and worklists read index entries only

``ix_ideas_queue`` and ``ix_ideas_department_status`` find the ideas of a manager's
worklists; they now also hold every column those lists filter and sort by (status
timestamps, escalation level, merit, author, hidden), so a worklist page sorts index
entries and reads the rows of the twenty ideas it shows, not of every idea in the list.
The id comes last: PostgreSQL's indexes do not hold the primary key as SQLite's do, and
without it no index-only scan is possible.

Revision ID: f2b6c9d4e871
Revises: d8a4c1e7b209
Create Date: 2026-12-01 19:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2b6c9d4e871'
down_revision = 'd8a4c1e7b209'
branch_labels = None
depends_on = None

QUEUE = ['queue_department_id', 'status', 'review_due_at', 'escalation_level', 'merit_score',
         'entered_review_at', 'author_id', 'hidden', 'status_changed_at', 'department_id', 'id']
DEPARTMENT_STATUS = ['department_id', 'status', 'status_changed_at', 'escalation_level',
                     'queue_department_id', 'author_id', 'hidden', 'review_due_at',
                     'merit_score', 'entered_review_at', 'id']


def _replace(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name='ideas')
    op.create_index(name, 'ideas', columns, unique=False)


def upgrade():
    _replace('ix_ideas_queue', QUEUE)
    _replace('ix_ideas_department_status', DEPARTMENT_STATUS)


def downgrade():
    _replace('ix_ideas_department_status', ['department_id', 'status'])
    _replace('ix_ideas_queue', ['queue_department_id', 'status', 'review_due_at'])

"""indexes for every idea list sort within a department

The department page (and the department filter) sorts one department's ideas by
trending, top or most discussed; only ``(department_id, created_at)`` existed, so
SQLite sorted all ~15,000 ideas of the busiest department on every page view at
100,000 ideas (bench/, docs/PERFORMANCE.md). "Most discussed" over all ideas had no
index at all. Plain CREATE INDEX statements: no table rebuild, so the FTS5 triggers
on ``ideas`` stay as they are.

Revision ID: a5fc45b76d25
Revises: e93cd200f0c8
Create Date: 2026-11-26 07:34:14.719902

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a5fc45b76d25'
down_revision = 'e93cd200f0c8'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_ideas_comment_count': ['comment_count'],
    'ix_ideas_department_trending': ['department_id', 'trending_score'],
    'ix_ideas_department_wilson': ['department_id', 'wilson_score'],
    'ix_ideas_department_comments': ['department_id', 'comment_count'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'ideas', columns, unique=False)


def downgrade():
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name='ideas')

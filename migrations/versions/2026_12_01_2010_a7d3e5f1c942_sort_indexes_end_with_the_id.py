"""the lists' sort indexes end with the idea's id

A list page seeks from the last row it showed: the rows with the same sort key and a
lower id, then those with a lower key. Many ideas share a score (net votes, comments),
and PostgreSQL's indexes do not hold the primary key as SQLite's do, so without the id
in the index the "same key" part read every idea with that score before sorting them.
With it, both parts are index ranges in the list's order.

Revision ID: a7d3e5f1c942
Revises: f2b6c9d4e871
Create Date: 2026-12-01 20:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7d3e5f1c942'
down_revision = 'f2b6c9d4e871'
branch_labels = None
depends_on = None

SORT_INDEXES = {
    'ix_ideas_status_trending': ['status', 'trending_score'],
    'ix_ideas_status_net': ['status', 'net_score'],
    'ix_ideas_status_created': ['status', 'created_at'],
    'ix_ideas_status_comments': ['status', 'comment_count'],
    'ix_ideas_comment_count': ['comment_count'],
    'ix_ideas_department_trending': ['department_id', 'trending_score'],
    'ix_ideas_department_net': ['department_id', 'net_score'],
    'ix_ideas_department_comments': ['department_id', 'comment_count'],
    'ix_ideas_department_created': ['department_id', 'created_at'],
    'ix_ideas_author_created': ['author_id', 'created_at'],
}


def _replace(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name='ideas')
    op.create_index(name, 'ideas', columns, unique=False)


def upgrade():
    for name, columns in SORT_INDEXES.items():
        _replace(name, [*columns, 'id'])


def downgrade():
    for name, columns in SORT_INDEXES.items():
        _replace(name, columns)

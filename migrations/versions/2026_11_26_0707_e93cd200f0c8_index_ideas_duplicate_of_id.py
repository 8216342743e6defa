"""index ideas.duplicate_of_id

The idea page lists the ideas merged into it as duplicates
(the review section's ``merged_duplicates``: ``WHERE duplicate_of_id = ?``);
without an index that is a scan of every idea, about 80 ms at 100,000 ideas on
SQLite (bench/, docs/PERFORMANCE.md). A plain CREATE INDEX: no table rebuild, so
the FTS5 triggers on ``ideas`` stay as they are.

Revision ID: e93cd200f0c8
Revises: 5c1f0e2a9d41
Create Date: 2026-11-26 07:07:40.600393

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e93cd200f0c8'
down_revision = '5c1f0e2a9d41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_ideas_duplicate_of_id', 'ideas', ['duplicate_of_id'], unique=False)


def downgrade():
    op.drop_index('ix_ideas_duplicate_of_id', table_name='ideas')

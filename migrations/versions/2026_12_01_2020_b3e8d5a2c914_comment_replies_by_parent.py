"""an index of comments by their parent, for paged threads

The idea page shows a page of threads, each with its first replies, and a long
thread's replies are paged on a page of their own: both read replies by
``parent_id`` in the order they were written, which without this index meant
reading every comment on the idea.

Revision ID: b3e8d5a2c914
Revises: a7d3e5f1c942
Create Date: 2026-12-01 19:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e8d5a2c914'
down_revision = 'a7d3e5f1c942'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comments_parent_created', 'comments', ['parent_id', 'created_at'])


def downgrade():
    op.drop_index('ix_comments_parent_created', table_name='comments')

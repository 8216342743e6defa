"""the sanitised HTML of an idea's earlier versions

A nullable ``body_html`` on ``idea_versions``: the HTML the idea showed with that text,
kept when the author edits it, so the versions page shows earlier texts rendered as the
idea showed them rather than as raw Markdown. Versions kept before this revision leave
it empty; the page renders their Markdown through the sanitiser instead.

Revision ID: c7a2e9f41d58
Revises: c7f2a91d4e36
Create Date: 2026-12-01 16:31:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7a2e9f41d58'
down_revision = 'c7f2a91d4e36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idea_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('idea_versions', schema=None) as batch_op:
        batch_op.drop_column('body_html')

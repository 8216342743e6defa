"""insight snapshots

The figures of /analytics and the totals of /impact, worked out by the worker ahead of
the views (``ideaboard.analytics.services.refresh_snapshots``), one row per scope.

Revision ID: 5e7a9c1b3d64
Revises: 3c5e7a9b1d42
Create Date: 2026-12-02 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e7a9c1b3d64'
down_revision = '3c5e7a9b1d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'insight_snapshots',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('tables', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_insight_snapshots')),
    )


def downgrade():
    op.drop_table('insight_snapshots')

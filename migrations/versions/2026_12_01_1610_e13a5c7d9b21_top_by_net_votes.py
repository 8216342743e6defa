"""Top sorts by net votes; Trending sinks closed and voted-down ideas

Top sorted by the Wilson score while every card shows the net votes, so an idea
showing 3 could stand above one showing 12 (issue 13, item 10). ``net_score`` keeps
the net votes (upvotes - downvotes) as a sort key with its indexes, alone and within a
status or a department, in place of the Wilson ones (the review's merit still reads
``wilson_score``; no list sorts by it).

The trending key of a closed idea (implemented, declined, duplicate, withdrawn) or of
one with more down votes than up is lowered by ``ideaboard.ideas.ranking.SUNK``, so
none of them tops Trending; this revision lowers those already stored.

Plain ADD COLUMN, UPDATE and CREATE INDEX statements: no table rebuild, so the FTS5
triggers on ``ideas`` stay as they are.

Revision ID: e13a5c7d9b21
Revises: 09803ea320d2
Create Date: 2026-12-01 16:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e13a5c7d9b21'
down_revision = '09803ea320d2'
branch_labels = None
depends_on = None

SUNK = 1_000_000.0  # ideaboard.ideas.ranking.SUNK, as of this revision
SINKS = ("status IN ('implemented', 'declined', 'duplicate', 'withdrawn') "
         "OR upvotes < downvotes")
NEW_INDEXES = {
    'ix_ideas_net_score': ['net_score'],
    'ix_ideas_status_net': ['status', 'net_score'],
    'ix_ideas_department_net': ['department_id', 'net_score'],
}
OLD_INDEXES = {
    'ix_ideas_wilson_score': ['wilson_score'],
    'ix_ideas_status_wilson': ['status', 'wilson_score'],
    'ix_ideas_department_wilson': ['department_id', 'wilson_score'],
}


def upgrade():
    op.add_column('ideas', sa.Column('net_score', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.execute("UPDATE ideas SET net_score = upvotes - downvotes")
    op.execute(f"UPDATE ideas SET trending_score = trending_score - {SUNK} WHERE {SINKS}")
    for name in OLD_INDEXES:
        op.drop_index(name, table_name='ideas')
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, 'ideas', columns, unique=False)


def downgrade():
    for name in reversed(list(NEW_INDEXES)):
        op.drop_index(name, table_name='ideas')
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, 'ideas', columns, unique=False)
    op.execute(f"UPDATE ideas SET trending_score = trending_score + {SUNK} WHERE {SINKS}")
    op.drop_column('ideas', 'net_score')

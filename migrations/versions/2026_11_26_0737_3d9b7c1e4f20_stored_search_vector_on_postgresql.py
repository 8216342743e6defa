"""stored search vector on PostgreSQL

The GIN index of 5c1f0e2a9d41 is on an expression, so it stores no tsvector:
ranking a match with ts_rank re-parsed the idea's title and body, about 550 ms of
PostgreSQL CPU for a common word at 100,000 ideas (bench/, docs/PERFORMANCE.md).
The document is now a stored generated column, ``search_vector``, and the GIN index
(same name, so ideaboard.database.include_in_autogenerate keeps ignoring it) is on
that column. The column is not in the models: SQLite has no such column (it searches
the FTS5 table), and ideaboard.ideas.search refers to it by name on PostgreSQL only.

Nothing changes on SQLite.

Revision ID: 3d9b7c1e4f20
Revises: a5fc45b76d25
Create Date: 2026-11-26 07:37:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3d9b7c1e4f20'
down_revision = 'a5fc45b76d25'
branch_labels = None
depends_on = None

INDEX = "ix_ideas_search_fts"
DOCUMENT = "to_tsvector('english', title || ' ' || body_md)"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE ideas ADD COLUMN search_vector tsvector "
               f"GENERATED ALWAYS AS ({DOCUMENT}) STORED")
    op.drop_index(INDEX, table_name="ideas")
    op.execute(f"CREATE INDEX {INDEX} ON ideas USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="ideas")
    op.execute("ALTER TABLE ideas DROP COLUMN search_vector")
    op.execute(f"CREATE INDEX {INDEX} ON ideas USING gin (({DOCUMENT}))")

"""idea full-text search

SQLite: an FTS5 external-content table ``ideas_fts`` over ideas.title and
ideas.body_md, kept in step by triggers (its columns carry the content table's
column names so FTS5 can read ``ideas`` itself for 'rebuild' and integrity checks).
PostgreSQL: a GIN expression index on the same text; ideaboard.ideas.search
queries exactly this expression so the planner uses the index.

Revision ID: 5c1f0e2a9d41
Revises: 1b74c64836ad
Create Date: 2026-11-26 06:35:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1f0e2a9d41'
down_revision = '1b74c64836ad'
branch_labels = None
depends_on = None

PG_INDEX = "ix_ideas_search_fts"
PG_EXPRESSION = "to_tsvector('english', title || ' ' || body_md)"

SQLITE_UPGRADE = [
    """
    CREATE VIRTUAL TABLE ideas_fts USING fts5(
        title, body_md,
        content='ideas', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER ideas_fts_after_insert AFTER INSERT ON ideas BEGIN
        INSERT INTO ideas_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
    END
    """,
    """
    CREATE TRIGGER ideas_fts_after_delete AFTER DELETE ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, body_md)
        VALUES ('delete', old.id, old.title, old.body_md);
    END
    """,
    """
    CREATE TRIGGER ideas_fts_after_update AFTER UPDATE OF title, body_md ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, body_md)
        VALUES ('delete', old.id, old.title, old.body_md);
        INSERT INTO ideas_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
    END
    """,
    # Index the ideas that exist already.
    "INSERT INTO ideas_fts(ideas_fts) VALUES ('rebuild')",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS ideas_fts_after_update",
    "DROP TRIGGER IF EXISTS ideas_fts_after_delete",
    "DROP TRIGGER IF EXISTS ideas_fts_after_insert",
    "DROP TABLE IF EXISTS ideas_fts",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        op.create_index(PG_INDEX, "ideas", [sa.text(PG_EXPRESSION)], postgresql_using="gin")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        op.drop_index(PG_INDEX, table_name="ideas")

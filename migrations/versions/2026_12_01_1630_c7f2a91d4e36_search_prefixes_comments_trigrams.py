"""search: prefixes, comments, and trigrams on PostgreSQL (issue 13, item 13)

SQLite: ``ideas_fts`` is built again with FTS5 prefix indexes (``prefix='2 3 4'``), so
a prefix query such as ``"pass"*`` reads a few index pages instead of scanning every
term; its triggers (with the ``ideas_fts_version`` bump of 7c4e2b9a1f03) are the same.
A second external-content table, ``comments_fts``, indexes comments' Markdown; the
search joins ``comments`` to leave hidden and deleted comments out.

PostgreSQL: a GIN index on the comments that are shown (``NOT hidden AND deleted_at IS
NULL``), over the same expression ideaboard.ideas.search queries; and, where the server
has it, the ``pg_trgm`` extension with a trigram index on idea titles, which the search
uses for "Did you mean" when the words find nothing. Creating an extension may be
refused (no contrib package, no right to do it): it is tried in a savepoint and left
out then; the application asks whether the extension is there before using it.

On both, what search reads now includes comments, so a comment written, edited,
deleted, hidden or shown again bumps ``ideas_fts_version`` (the kept rankings' key).

Revision ID: c7f2a91d4e36
Revises: e13a5c7d9b21
Create Date: 2026-12-01 16:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7f2a91d4e36'
down_revision = 'e13a5c7d9b21'
branch_labels = None
depends_on = None

BUMP = "UPDATE ideas_fts_version SET version = version + 1 WHERE id = 1;"
TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"

IDEA_TRIGGERS = [
    f"""
    CREATE TRIGGER ideas_fts_after_insert AFTER INSERT ON ideas BEGIN
        INSERT INTO ideas_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
        {BUMP}
    END
    """,
    f"""
    CREATE TRIGGER ideas_fts_after_delete AFTER DELETE ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, body_md)
        VALUES ('delete', old.id, old.title, old.body_md);
        {BUMP}
    END
    """,
    f"""
    CREATE TRIGGER ideas_fts_after_update AFTER UPDATE OF title, body_md ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, body_md)
        VALUES ('delete', old.id, old.title, old.body_md);
        INSERT INTO ideas_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
        {BUMP}
    END
    """,
]
IDEA_TRIGGER_NAMES = ["ideas_fts_after_insert", "ideas_fts_after_delete", "ideas_fts_after_update"]


def _ideas_fts(prefix: str) -> str:
    return (f"CREATE VIRTUAL TABLE ideas_fts USING fts5(title, body_md, content='ideas', "
            f"content_rowid='id', {TOKENIZE}{prefix})")


SQLITE_COMMENTS = [
    f"""
    CREATE VIRTUAL TABLE comments_fts USING fts5(
        body_md, content='comments', content_rowid='id', {TOKENIZE}, prefix='2 3 4'
    )
    """,
    f"""
    CREATE TRIGGER comments_fts_after_insert AFTER INSERT ON comments BEGIN
        INSERT INTO comments_fts(rowid, body_md) VALUES (new.id, new.body_md);
        {BUMP}
    END
    """,
    f"""
    CREATE TRIGGER comments_fts_after_delete AFTER DELETE ON comments BEGIN
        INSERT INTO comments_fts(comments_fts, rowid, body_md) VALUES ('delete', old.id, old.body_md);
        {BUMP}
    END
    """,
    f"""
    CREATE TRIGGER comments_fts_after_update AFTER UPDATE OF body_md ON comments BEGIN
        INSERT INTO comments_fts(comments_fts, rowid, body_md) VALUES ('delete', old.id, old.body_md);
        INSERT INTO comments_fts(rowid, body_md) VALUES (new.id, new.body_md);
        {BUMP}
    END
    """,
    # Hiding, showing again or deleting a comment changes what search finds, not the index.
    f"""
    CREATE TRIGGER comments_fts_after_moderation AFTER UPDATE OF hidden, deleted_at ON comments
    BEGIN
        {BUMP}
    END
    """,
    "INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')",
]
SQLITE_COMMENTS_DOWN = [
    "DROP TRIGGER IF EXISTS comments_fts_after_moderation",
    "DROP TRIGGER IF EXISTS comments_fts_after_update",
    "DROP TRIGGER IF EXISTS comments_fts_after_delete",
    "DROP TRIGGER IF EXISTS comments_fts_after_insert",
    "DROP TABLE IF EXISTS comments_fts",
]

PG_COMMENTS_INDEX = "ix_comments_search_fts"
PG_COMMENTS_DOCUMENT = "to_tsvector('english', body_md)"
PG_TRIGRAM_INDEX = "ix_ideas_title_trigram_fts"
PG_COMMENTS_TRIGGER = """
CREATE TRIGGER comments_fts_version_bump
AFTER INSERT OR DELETE OR UPDATE OF body_md, hidden, deleted_at ON comments
FOR EACH STATEMENT EXECUTE FUNCTION ideas_fts_version_bump()
"""


def _rebuild_ideas_fts(prefix: str) -> None:
    for name in IDEA_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS ideas_fts")
    op.execute(_ideas_fts(prefix))
    for statement in IDEA_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO ideas_fts(ideas_fts) VALUES ('rebuild')")


def _pg_trigrams() -> None:
    """pg_trgm and the title index, or nothing where the server refuses the extension."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {PG_TRIGRAM_INDEX} ON ideas "
               f"USING gin (title gin_trgm_ops)")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_ideas_fts(", prefix='2 3 4'")
        for statement in SQLITE_COMMENTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX {PG_COMMENTS_INDEX} ON comments USING gin "
                   f"(({PG_COMMENTS_DOCUMENT})) WHERE NOT hidden AND deleted_at IS NULL")
        op.execute(PG_COMMENTS_TRIGGER)
        _pg_trigrams()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_COMMENTS_DOWN:
            op.execute(statement)
        _rebuild_ideas_fts("")
    elif dialect == "postgresql":
        # The extension stays: other objects in the database may use it.
        op.execute(f"DROP INDEX IF EXISTS {PG_TRIGRAM_INDEX}")
        op.execute("DROP TRIGGER IF EXISTS comments_fts_version_bump ON comments")
        op.execute(f"DROP INDEX IF EXISTS {PG_COMMENTS_INDEX}")

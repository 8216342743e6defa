"""search index version

A one-row table ``ideas_fts_version`` whose ``version`` is bumped in the same statement
as every change to what search reads (an idea added, deleted, or its title or body
edited; not a vote or a moderator's decision): on SQLite by the FTS triggers, on
PostgreSQL by a statement trigger on ideas. ideaboard.ideas.search keeps the ranked
candidates of a search per worker under that version, so a repeated search skips the
ranking (bm25, ts_rank) over every match, and a change to the index is never answered
from an older ranking.

Revision ID: 7c4e2b9a1f03
Revises: 3d9b7c1e4f20
Create Date: 2026-11-26 09:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c4e2b9a1f03'
down_revision = '3d9b7c1e4f20'
branch_labels = None
depends_on = None

BUMP = "UPDATE ideas_fts_version SET version = version + 1 WHERE id = 1;"

# The triggers of revision 5c1f0e2a9d41, each with and without the bump.
TRIGGERS = {
    "ideas_fts_after_insert": """
    CREATE TRIGGER ideas_fts_after_insert AFTER INSERT ON ideas BEGIN
        INSERT INTO ideas_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
        {bump}
    END
    """,
    "ideas_fts_after_delete": """
    CREATE TRIGGER ideas_fts_after_delete AFTER DELETE ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, body_md)
        VALUES ('delete', old.id, old.title, old.body_md);
        {bump}
    END
    """,
    "ideas_fts_after_update": """
    CREATE TRIGGER ideas_fts_after_update AFTER UPDATE OF title, body_md ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, body_md)
        VALUES ('delete', old.id, old.title, old.body_md);
        INSERT INTO ideas_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
        {bump}
    END
    """,
}


def _replace_triggers(bump: str) -> None:
    for name, sql in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql.format(bump=bump))


PG_FUNCTION = """
CREATE FUNCTION ideas_fts_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ideas_fts_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$
"""
# Once per statement, not per row: a bulk load bumps the version once.
PG_TRIGGER = """
CREATE TRIGGER ideas_fts_version_bump
AFTER INSERT OR DELETE OR UPDATE OF title, body_md ON ideas
FOR EACH STATEMENT EXECUTE FUNCTION ideas_fts_version_bump()
"""


def upgrade():
    dialect = op.get_bind().dialect.name
    op.execute("CREATE TABLE ideas_fts_version ("
               "id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)")
    op.execute("INSERT INTO ideas_fts_version (id, version) VALUES (1, 0)")
    if dialect == "sqlite":
        _replace_triggers(BUMP)
    elif dialect == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _replace_triggers("")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ideas_fts_version_bump ON ideas")
        op.execute("DROP FUNCTION IF EXISTS ideas_fts_version_bump()")
    op.execute("DROP TABLE IF EXISTS ideas_fts_version")

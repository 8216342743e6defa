"""outcome units and insight indexes

The units implemented ideas' results are totalled in (``outcome_units``) and the
spellings that mean each (``outcome_unit_aliases``), seeded with the common ones; an
index for the impact ledger (implemented ideas by date) and one for the analytics'
decisions in a period.

Revision ID: 1a3c5e7f9b20
Revises: c2a4e6f8b0d1
Create Date: 2026-12-02 09:45:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '1a3c5e7f9b20'
down_revision = 'c2a4e6f8b0d1'
branch_labels = None
depends_on = None

# As ideaboard.analytics.services.COMMON_UNITS was when this ran (kept here: a migration
# must not change when the code does). Aliases are lower case, single-spaced.
SEED = (
    ("hours a year", ("hours/year", "h/yr", "hours per year", "hrs/year", "h/year")),
    ("euros a year", ("eur/year", "€/year", "euro/year", "euros per year", "eur/yr")),
    ("kg CO2 a year", ("kg co2/year", "kgco2/yr", "kg co2e/year")),
    ("percent", ("%", "per cent")),
)


def upgrade():
    units = op.create_table('outcome_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_units')),
    sa.UniqueConstraint('name', name=op.f('uq_outcome_units_name'))
    )
    aliases = op.create_table('outcome_unit_aliases',
    sa.Column('alias', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['outcome_units.id'], name=op.f('fk_outcome_unit_aliases_unit_id_outcome_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alias', name=op.f('pk_outcome_unit_aliases'))
    )
    with op.batch_alter_table('outcome_unit_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_outcome_unit_aliases_unit_id', ['unit_id'], unique=False)
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.create_index('ix_ideas_status_changed', ['status', 'status_changed_at', 'id'], unique=False)
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_status_changes_to_created', ['to_status', 'created_at'], unique=False)

    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(units, [{"id": i, "name": name, "created_at": now}
                           for i, (name, _aliases) in enumerate(SEED, start=1)])
    op.bulk_insert(aliases, [{"alias": alias, "unit_id": i}
                             for i, (name, spellings) in enumerate(SEED, start=1)
                             for alias in (name.lower(), *spellings)])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('outcome_units_id_seq', (SELECT max(id) FROM outcome_units))")


def downgrade():
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_status_changes_to_created')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_index('ix_ideas_status_changed')
    with op.batch_alter_table('outcome_unit_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_unit_aliases_unit_id')
    op.drop_table('outcome_unit_aliases')
    op.drop_table('outcome_units')

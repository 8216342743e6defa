"""users by source

An index of people by where they came from and whether they are active, so the admins'
count of people by source (single sign-on and provisioning pages) reads it alone.

Revision ID: 7b9d2f4e6a10
Revises: 5a7c3e91d2b4
Create Date: 2026-12-02 04:40:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b9d2f4e6a10'
down_revision = '5a7c3e91d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_source_active', ['source', 'active'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_source_active')

"""user session generation

``users.session_generation``: a per-person counter that is part of every sign-in
(the session cookie and the remember-me cookie carry it). Bumping it ends every
session of that person on every device: log-out, a password change or reset,
deactivation and "sign out everywhere" do.

Revision ID: b5e8d2c4a7f1
Revises: b41d7e9c2a53
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e8d2c4a7f1'
down_revision = 'b41d7e9c2a53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')

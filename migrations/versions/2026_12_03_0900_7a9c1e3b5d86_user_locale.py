"""languages: the one a person chose, and notifications written in their reader's

``users.locale``: a code of ``core.i18n.LANGUAGES``, or NULL for the browser's choice.
``notifications.message_text`` and ``status_changes.reason_text``: the sentence and its
values (``core.i18n.Text``) the system wrote, so each reader reads it in their language;
NULL for rows made before (and for a person's own reasons), which keep their English.

Revision ID: 7a9c1e3b5d86
Revises: 5e7a9c1b3d64
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7a9c1e3b5d86'
down_revision = '5e7a9c1b3d64'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('message_text', sa.JSON(), nullable=True))
    with op.batch_alter_table('status_changes') as batch_op:
        batch_op.add_column(sa.Column('reason_text', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('status_changes') as batch_op:
        batch_op.drop_column('reason_text')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('message_text')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('locale')

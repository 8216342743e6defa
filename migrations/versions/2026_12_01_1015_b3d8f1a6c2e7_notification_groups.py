"""notification groups

``notifications.group_count``: how many events of one kind about one idea a single
unread notification stands for ("3 new comments on ..."). A burst of comments updates
one unread row instead of adding a row per comment (ideaboard.notifications.services).

Revision ID: b3d8f1a6c2e7
Revises: b5e8d2c4a7f1
Create Date: 2026-12-01 10:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d8f1a6c2e7'
down_revision = 'b5e8d2c4a7f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_count', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_notifications_group_count_positive'),
                                        'group_count >= 1')


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_group_count_positive'), type_='check')
        batch_op.drop_column('group_count')

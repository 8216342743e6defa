"""moderation notifications and per-topic e-mail preferences

Two more kinds of notification (``flag``: moderators hear that something was flagged;
``moderated``: an author hears that a moderator hid or restored their idea or comment,
and why), so the check on ``notifications.kind`` allows them; and
``users.email_topics_off``, the e-mail topics a person turned off (a JSON list; empty,
every topic on, for everyone existing).

Revision ID: d8a4c1e7b209
Revises: c7a2e9f41d58
Create Date: 2026-12-01 16:32:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd8a4c1e7b209'
down_revision = 'c7a2e9f41d58'
branch_labels = None
depends_on = None

OLD_KINDS = ('comment', 'reply', 'mention', 'status_change', 'review_assigned')
NEW_KINDS = (*OLD_KINDS, 'flag', 'moderated')


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'), _kinds(NEW_KINDS))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_topics_off', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_topics_off')
    op.execute("DELETE FROM notifications WHERE kind IN ('flag', 'moderated')")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'), _kinds(OLD_KINDS))

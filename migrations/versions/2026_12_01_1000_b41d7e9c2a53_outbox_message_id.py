"""outbox: a Message-ID chosen when a message is queued

``email_outbox.message_id`` holds the message's ``Message-ID`` header, chosen once when
it is queued (``ideaboard.notifications.mail.queue_email``), so a message sent again
after a crash (sent, then the commit marking it sent failed) carries the same id and
receivers can drop the copy. Rows queued before this revision have none; the worker
gives each one as it claims it, before the first send. Adding a nullable column is a
plain ALTER TABLE on both databases: no table rebuild.

Revision ID: b41d7e9c2a53
Revises: 7c4e2b9a1f03
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b41d7e9c2a53'
down_revision = '7c4e2b9a1f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_outbox') as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=320), nullable=True))


def downgrade():
    with op.batch_alter_table('email_outbox') as batch_op:
        batch_op.drop_column('message_id')

"""what a queued notification e-mail is about

Three nullable columns on ``email_outbox``: the recipient (``user_id``) and the idea and
comment a notification e-mail is about. ``flask send-mail`` withholds a message whose
idea or comment a moderator hid after it was queued, unless its recipient may still see
it (ideaboard.notifications.delivery.withheld). Rows queued before this revision and all
other e-mails (password resets, invitations, digests) leave them empty.

Revision ID: b3e9d4a7c215
Revises: b3d8f1a6c2e7
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e9d4a7c215'
down_revision = 'b3d8f1a6c2e7'
branch_labels = None
depends_on = None

COLUMNS = (("user_id", "users"), ("idea_id", "ideas"), ("comment_id", "comments"))


def upgrade():
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        for column, table in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f'fk_email_outbox_{column}_{table}'), table, [column], ['id'],
                ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        for column, table in reversed(COLUMNS):
            batch_op.drop_constraint(op.f(f'fk_email_outbox_{column}_{table}'),
                                     type_='foreignkey')
            batch_op.drop_column(column)

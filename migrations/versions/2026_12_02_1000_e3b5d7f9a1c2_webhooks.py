"""webhooks

Webhook endpoints (``webhook_endpoints``: URL, kind, event filter, department, signing
secret, active and failing state) and their outbox (``webhook_deliveries``), and one
more kind of notification (``webhook_failing``: the admins hear that an endpoint keeps
failing), so the check on ``notifications.kind`` allows it.

Revision ID: e3b5d7f9a1c2
Revises: 7b9d2f4e6a10
Create Date: 2026-12-02 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3b5d7f9a1c2'
down_revision = '7b9d2f4e6a10'
branch_labels = None
depends_on = None

OLD_KINDS = ('comment', 'reply', 'mention', 'status_change', 'review_assigned', 'flag',
             'moderated')
NEW_KINDS = (*OLD_KINDS, 'webhook_failing')


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('events', sa.String(length=300), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('secret', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failing', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('disabled_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('generic', 'slack', 'teams')",
                       name=op.f('ck_webhook_endpoints_kind_valid')),
    sa.CheckConstraint('consecutive_failures >= 0',
                       name=op.f('ck_webhook_endpoints_failures_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_webhook_endpoints_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_webhook_endpoints_department_id_departments'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoints_department_id'),
                              ['department_id'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'delivered', 'failed', 'withheld')",
                       name=op.f('ck_webhook_deliveries_state_valid')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'],
                            name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'],
                            name=op.f('fk_webhook_deliveries_idea_id_ideas'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('message_id', name=op.f('uq_webhook_deliveries_message_id'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_due', ['state', 'next_attempt_at'],
                              unique=False)
        batch_op.create_index('ix_webhook_deliveries_endpoint', ['endpoint_id', 'id'],
                              unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'), _kinds(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'webhook_failing'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'), _kinds(OLD_KINDS))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_endpoint')
        batch_op.drop_index('ix_webhook_deliveries_due')
    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoints_department_id'))
    op.drop_table('webhook_endpoints')

"""privacy: data exports, retention settings, erased accounts

``data_exports`` holds each person's request for their data and, once the worker has
built it, its ZIP archive and the SHA-256 of the one-time link's token;
``retention_settings`` how long read notifications, sent e-mails and their bodies are
kept; ``users.erased_at`` marks an erased account.

Revision ID: 3c5e7a9b1d42
Revises: 1a3c5e7f9b20
Create Date: 2026-12-02 11:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c5e7a9b1d42'
down_revision = '1a3c5e7f9b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('archive', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_data_exports_token_hash'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index('ix_data_exports_pending', ['ready_at', 'requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)

    op.create_table('retention_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('read_notification_days', sa.Integer(), nullable=False),
    sa.Column('sent_email_days', sa.Integer(), nullable=False),
    sa.Column('email_body_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_retention_settings_single_row')),
    sa.CheckConstraint('read_notification_days >= 1 AND sent_email_days >= 1 AND email_body_days >= 1', name=op.f('ck_retention_settings_days_positive')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_retention_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_settings'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    op.drop_table('retention_settings')
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_user_id'))
        batch_op.drop_index('ix_data_exports_pending')

    op.drop_table('data_exports')

"""people from the identity provider

``users.source`` says where an account came from (a password, or the identity provider by
OIDC, SAML or SCIM: every existing account is a password one); ``external_identities``
links a person to each identity system by that system's stable identifier.

Revision ID: 826d29248054
Revises: d41f7a9c3e58
Create Date: 2026-12-02 00:05:49.845799

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '826d29248054'
down_revision = 'd41f7a9c3e58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('external_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("provider IN ('oidc', 'saml', 'scim')", name=op.f('ck_external_identities_provider_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identities')),
    sa.UniqueConstraint('provider', 'subject', name=op.f('uq_external_identities_provider_subject')),
    sa.UniqueConstraint('provider', 'user_id', name=op.f('uq_external_identities_provider_user_id'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16),
                                      server_default='password', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_users_source_valid'), "source IN ('password', 'oidc', 'saml', 'scim')")



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_source_valid'), type_='check')
        batch_op.drop_column('source')

    op.drop_table('external_identities')

"""saml requests

The AuthnRequests sent to the SAML identity provider (``saml_requests``), so its answer
is matched to one by ``InResponseTo`` without the session cookie, and used once.

Revision ID: 5a7c3e91d2b4
Revises: 481a68fc7b41
Create Date: 2026-12-02 00:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5a7c3e91d2b4'
down_revision = '481a68fc7b41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saml_requests',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_requests'))
    )
    with op.batch_alter_table('saml_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_requests_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('saml_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_requests_created_at'))

    op.drop_table('saml_requests')

"""campaigns: a question asked of the company, whose answers are ideas

``campaigns``: its title and brief, sponsor, audience (a department subtree, or
everyone), the department reviewing its ideas, when it opens and closes, and its state.
``ideas.campaign_id``: the campaign an idea answers, if any, with an index per list sort
within a campaign; ``campaign_funnel``, its ideas counted by status (kept as they move);
``ideas.votes_closed``, set
when its campaign's voting closes (false for every existing idea).

``notifications.campaign_id`` and the ``campaign`` kind: a campaign's audience hears when
it opens and when it stops taking ideas. ``ideas`` gets its column by ``ALTER TABLE ... ADD COLUMN`` on both databases, not by
Alembic's batch copy on SQLite: the copy would drop the full-text triggers on ``ideas``.

Revision ID: 8b0d2f4a6c97
Revises: 7a9c1e3b5d86
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8b0d2f4a6c97'
down_revision = '7a9c1e3b5d86'
branch_labels = None
depends_on = None

OLD_KINDS = ('comment', 'reply', 'mention', 'status_change', 'review_assigned', 'flag',
             'moderated', 'webhook_failing')
NEW_KINDS = (*OLD_KINDS, 'campaign')


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


IDEA_INDEXES = {
    'ix_ideas_campaign_trending': ['campaign_id', 'trending_score', 'id'],
    'ix_ideas_campaign_net': ['campaign_id', 'net_score', 'id'],
    'ix_ideas_campaign_comments': ['campaign_id', 'comment_count', 'id'],
    'ix_ideas_campaign_created': ['campaign_id', 'created_at', 'id'],
    'ix_ideas_campaign_status': ['campaign_id', 'status', 'hidden'],
}


def upgrade():
    op.create_table(
        'campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=140), nullable=False),
        sa.Column('brief_md', sa.Text(), nullable=False),
        sa.Column('brief_html', sa.Text(), nullable=False),
        sa.Column('sponsor_id', sa.Integer(), nullable=False),
        sa.Column('audience_department_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('voting_closes_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('voting_closed', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('draft', 'open', 'evaluating', 'closed', 'archived')",
                           name=op.f('ck_campaigns_state_valid')),
        sa.CheckConstraint('closes_at > opens_at',
                           name=op.f('ck_campaigns_closes_after_opening')),
        sa.CheckConstraint('voting_closes_at IS NULL OR voting_closes_at >= closes_at',
                           name=op.f('ck_campaigns_voting_closes_after_answers')),
        sa.ForeignKeyConstraint(['audience_department_id'], ['departments.id'],
                                name=op.f('fk_campaigns_audience_department_id_departments'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_campaigns_department_id_departments')),
        sa.ForeignKeyConstraint(['sponsor_id'], ['users.id'],
                                name=op.f('fk_campaigns_sponsor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    )
    op.create_table(
        'campaign_funnel',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('ideas', sa.Integer(), nullable=False),
        sa.CheckConstraint('ideas >= 0', name=op.f('ck_campaign_funnel_ideas_non_negative')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_campaign_funnel_campaign_id_campaigns')),
        sa.PrimaryKeyConstraint('campaign_id', 'status', name=op.f('pk_campaign_funnel')),
    )
    op.create_index('ix_campaigns_sponsor_id', 'campaigns', ['sponsor_id'])
    op.create_index('ix_campaigns_state_closes', 'campaigns', ['state', 'closes_at', 'id'])
    op.create_index('ix_campaigns_state_opens', 'campaigns', ['state', 'opens_at', 'id'])
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite takes a reference in ADD COLUMN (a NULL default), not as a constraint
        # added afterwards. It keeps no name for it (reflection finds it unnamed).
        op.execute('ALTER TABLE ideas ADD COLUMN campaign_id INTEGER '
                   'REFERENCES campaigns (id)')
    else:
        op.add_column('ideas', sa.Column('campaign_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_ideas_campaign_id_campaigns', 'ideas', 'campaigns',
                              ['campaign_id'], ['id'])
    op.add_column('ideas', sa.Column('votes_closed', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    for name, columns in IDEA_INDEXES.items():
        op.create_index(name, 'ideas', columns)
    # No triggers and no references to it: the batch copy of notifications is safe.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_campaign_id_campaigns'),
                                    'campaigns', ['campaign_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_notifications_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'),
                                         _kinds(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'campaign'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_kind_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_kind_valid'),
                                         _kinds(OLD_KINDS))
        batch_op.drop_constraint(batch_op.f('fk_notifications_campaign_id_campaigns'),
                                 type_='foreignkey')
        batch_op.drop_column('campaign_id')
    for name in IDEA_INDEXES:
        op.drop_index(name, table_name='ideas')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_ideas_campaign_id_campaigns', 'ideas', type_='foreignkey')
    # SQLite (3.35+) drops a column that no index or constraint of its own names.
    op.drop_column('ideas', 'votes_closed')
    op.drop_column('ideas', 'campaign_id')
    op.drop_table('campaign_funnel')
    op.drop_table('campaigns')

"""the background worker: each worker's heartbeat, and the shared jobs' schedule

``worker_heartbeats`` has a row per ``flask worker`` process (written every few seconds,
read by the metrics); ``worker_schedule`` holds when each job that runs once for all
workers (escalation, digests) is next due.

Revision ID: d41f7a9c3e58
Revises: b3e8d5a2c914
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd41f7a9c3e58'
down_revision = 'b3e8d5a2c914'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeats',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('jobs_run', sa.Integer(), nullable=False),
    sa.Column('jobs_failed', sa.Integer(), nullable=False),
    sa.Column('current_job', sa.String(length=80), nullable=True),
    sa.Column('job_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_heartbeats'))
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_seen_at'), ['seen_at'],
                              unique=False)

    op.create_table('worker_schedule',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_worker_id', sa.String(length=255), nullable=True),
    sa.Column('last_done', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_schedule'))
    )


def downgrade():
    op.drop_table('worker_schedule')
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_seen_at'))
    op.drop_table('worker_heartbeats')

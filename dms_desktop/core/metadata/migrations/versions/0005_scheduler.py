"""Scheduler: per-schedule time zone, retry backoff, request availability, service heartbeats.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle")


def _schema() -> str | None:
    """ALTER TABLE is rendered by Alembic as text: schema_translate_map does not reach it."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table("dms_jobsch", schema=_schema()) as batch:
        batch.add_column(sa.Column("frqtz", sa.String(length=64), nullable=True))
    with op.batch_alter_table("dms_job", schema=_schema()) as batch:
        batch.add_column(sa.Column("retrydelay", sa.Integer(), nullable=True))
    with op.batch_alter_table("dms_prcreq", schema=_schema()) as batch:
        batch.add_column(sa.Column("available_at", TIMESTAMP, nullable=True))
    op.create_table(
        "dms_schsvc",
        sa.Column("svcid", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("started", TIMESTAMP, nullable=False),
        sa.Column("heartbeat", TIMESTAMP, nullable=False),
        sa.Column("version", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("svcid", name=op.f("pk_dms_schsvc")),
    )


def downgrade() -> None:
    op.drop_table("dms_schsvc")
    with op.batch_alter_table("dms_prcreq", schema=_schema()) as batch:
        batch.drop_column("available_at")
    with op.batch_alter_table("dms_job", schema=_schema()) as batch:
        batch.drop_column("retrydelay")
    with op.batch_alter_table("dms_jobsch", schema=_schema()) as batch:
        batch.drop_column("frqtz")

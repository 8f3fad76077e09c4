"""Upload jobs: DMS_JOB.FLUPLDREF (the upload definition a job runs) and DMS_JOB.FLNM (the
file or pattern to load, e.g. incoming/*.csv: its newest match; empty = the definition's own).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER TABLE is rendered by Alembic as text: schema_translate_map does not reach it."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table("dms_job", schema=_schema()) as batch:
        batch.add_column(sa.Column("flupldref", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("flnm", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dms_job", schema=_schema()) as batch:
        batch.drop_column("flnm")
        batch.drop_column("flupldref")

"""Mapping error threshold (rejected rows a run tolerates).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER TABLE is rendered by Alembic as text: schema_translate_map does not reach it."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table("dms_mapr", schema=_schema()) as batch:
        batch.add_column(sa.Column("errthrsh", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dms_mapr", schema=_schema()) as batch:
        batch.drop_column("errthrsh")

"""Managed SQL: cached result columns; SQL editor: query history per connection.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """ALTER TABLE is rendered by Alembic as text: schema_translate_map does not reach it."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table("dms_maprsql", schema=_schema()) as batch:
        batch.add_column(sa.Column("maprsqlcols", sa.Text(), nullable=True))
    op.create_table(
        "dms_sqlhist",
        sa.Column("histid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("conid", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("sqltext", sa.Text(), nullable=False),
        sa.Column(
            "strtdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column("elapsedms", sa.Integer(), nullable=True),
        sa.Column("rowcnt", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=4000), nullable=True),
        sa.PrimaryKeyConstraint("histid", name=op.f("pk_dms_sqlhist")),
    )
    op.create_index("ix_dms_sqlhist_con", "dms_sqlhist", ["conid", "strtdt"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dms_sqlhist_con", table_name="dms_sqlhist")
    op.drop_table("dms_sqlhist")
    with op.batch_alter_table("dms_maprsql", schema=_schema()) as batch:
        batch.drop_column("maprsqlcols")

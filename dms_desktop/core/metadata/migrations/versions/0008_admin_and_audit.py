"""Administration: run/export rights, per-connection grants, the admin audit trail.

The new rights keep what every role could do before: "run" on Jobs is granted where "create"
was (running needed it), "export" on Reports where "view" was.

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle")


def _schema() -> str | None:
    """ALTER TABLE is rendered by Alembic as text: schema_translate_map does not reach it."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    # Literal defaults ('0'/'1' suit a boolean on every backend): an expression default
    # (sa.true()) would make SQLite's batch mode copy the table, and dropping the old
    # ``roles`` would cascade-delete the matrix and the users' roles.
    with op.batch_alter_table("permission_matrix", schema=_schema()) as batch:
        batch.add_column(sa.Column("can_run", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("can_export", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("roles", schema=_schema()) as batch:
        batch.add_column(
            sa.Column("all_connections", sa.Boolean(), server_default="1", nullable=False)
        )
    matrix = sa.table(
        "permission_matrix",
        sa.column("module", sa.String),
        sa.column("can_view", sa.Boolean),
        sa.column("can_create", sa.Boolean),
        sa.column("can_run", sa.Boolean),
        sa.column("can_export", sa.Boolean),
        schema=_schema(),
    )
    op.execute(matrix.update().where(matrix.c.module == "jobs").values(can_run=matrix.c.can_create))
    op.execute(
        matrix.update().where(matrix.c.module == "reports").values(can_export=matrix.c.can_view)
    )
    op.create_table(
        "role_connections",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("conid", sa.Integer(), nullable=False),
        sa.Column("granted_at", TIMESTAMP, nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.role_id"], name=op.f("fk_role_connections_role_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conid"], ["dms_dbcondtls.conid"], name=op.f("fk_role_connections_conid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", "conid", name=op.f("pk_role_connections")),
    )  # fmt: skip
    op.create_table(
        "admin_audit_log",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("event_time", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("object_name", sa.String(length=200), nullable=False),
        sa.Column("before_value", sa.Text(), nullable=True),
        sa.Column("after_value", sa.Text(), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit_log")),
    )
    op.create_index("ix_admin_audit_log_time", "admin_audit_log", ["event_time"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_admin_audit_log_time", table_name="admin_audit_log")
    op.drop_table("admin_audit_log")
    op.drop_table("role_connections")
    with op.batch_alter_table("roles", schema=_schema()) as batch:
        batch.drop_column("all_connections")
    with op.batch_alter_table("permission_matrix", schema=_schema()) as batch:
        batch.drop_column("can_export")
        batch.drop_column("can_run")

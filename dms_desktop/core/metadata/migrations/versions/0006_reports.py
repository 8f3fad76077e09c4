"""Reports: definitions (DMS_RPT), report jobs (DMS_JOB.RPTNM), dashboard indexes on DMS_PRCLOG.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle")


def _schema() -> str | None:
    """ALTER TABLE is rendered by Alembic as text: schema_translate_map does not reach it."""
    return op.get_context().version_table_schema


def _is(*names: str) -> bool:
    return op.get_context().dialect.name in names


def upgrade() -> None:
    op.create_table(
        "dms_rpt",
        sa.Column("rptid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("rptnm", sa.String(length=100), nullable=False),
        sa.Column("rptdesc", sa.String(length=500), nullable=True),
        sa.Column("rptconid", sa.Integer(), nullable=True),
        sa.Column("rptsql", sa.Text(), nullable=False),
        sa.Column("rptparams", sa.Text(), nullable=True),
        sa.Column("rptcols", sa.Text(), nullable=True),
        sa.Column("rpttmpl", sa.Text(), nullable=True),
        sa.Column("outfldr", sa.String(length=1000), nullable=True),
        sa.Column("outptrn", sa.String(length=200), nullable=True),
        sa.Column("outfmt", sa.String(length=10), nullable=True),
        sa.Column("rptver", sa.Integer(), server_default="1", nullable=False),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column("reccrdt", TIMESTAMP, nullable=False),
        sa.Column("recupdt", TIMESTAMP, nullable=True),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_rpt_curflg")),
        sa.CheckConstraint(
            "outfmt IS NULL OR outfmt IN ('CSV', 'XLSX', 'PDF')", name=op.f("ck_dms_rpt_outfmt")
        ),
        sa.ForeignKeyConstraint(
            ["rptconid"], ["dms_dbcondtls.conid"], name=op.f("fk_dms_rpt_rptconid")
        ),
        sa.PrimaryKeyConstraint("rptid", name=op.f("pk_dms_rpt")),
    )
    if _is("oracle"):
        op.create_index(
            "ux_dms_rpt_cur",
            "dms_rpt",
            [sa.text("CASE WHEN curflg = 'Y' THEN rptnm END")],
            unique=True,
        )
    else:
        where = sa.text("curflg = 'Y'")
        op.create_index(
            "ux_dms_rpt_cur",
            "dms_rpt",
            ["rptnm"],
            unique=True,
            sqlite_where=where,
            postgresql_where=where,
        )
    with op.batch_alter_table("dms_job", schema=_schema()) as batch:
        batch.add_column(sa.Column("rptnm", sa.String(length=100), nullable=True))
    op.create_index("ix_dms_prclog_strtdt_status", "dms_prclog", ["strtdt", "status"], unique=False)
    op.create_index("ix_dms_prclog_mapref", "dms_prclog", ["mapref", "strtdt"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dms_prclog_mapref", table_name="dms_prclog")
    op.drop_index("ix_dms_prclog_strtdt_status", table_name="dms_prclog")
    with op.batch_alter_table("dms_job", schema=_schema()) as batch:
        batch.drop_column("rptnm")
    op.drop_index("ux_dms_rpt_cur", table_name="dms_rpt")
    op.drop_table("dms_rpt")

"""initial schema: 16 DMS tables, 7 user tables, sequences

Revision ID: 0001
Revises:
Create Date: 2026-11-29 05:48:09.541991
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import oracle

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


SEQUENCES = ("dwmaprseq", "dwmaprdtlseq", "dwmaprsqlseq", "dwmaperrseq")


def _is(*names: str) -> bool:
    return op.get_context().dialect.name in names


def _unique_current(table: str, col: str) -> None:
    """Unique among current (curflg='Y') rows: partial index, or CASE index on Oracle."""
    name = f"ux_{table}_cur"
    if _is("oracle"):
        op.create_index(
            name, table, [sa.text(f"CASE WHEN curflg = 'Y' THEN {col} END")], unique=True
        )
    else:
        where = sa.text("curflg = 'Y'")
        op.create_index(name, table, [col], unique=True, sqlite_where=where, postgresql_where=where)


def _unique_active_run() -> None:
    """At most one CLAIMED/RUNNING request per job."""
    active = "status IN ('CLAIMED', 'RUNNING')"
    if _is("oracle"):
        op.create_index(
            "ux_dms_prcreq_active",
            "dms_prcreq",
            [sa.text(f"CASE WHEN {active} THEN jobid END")],
            unique=True,
        )
    else:
        op.create_index(
            "ux_dms_prcreq_active",
            "dms_prcreq",
            ["jobid"],
            unique=True,
            sqlite_where=sa.text(active),
            postgresql_where=sa.text(active),
        )


def upgrade() -> None:
    if not _is("sqlite"):
        for name in SEQUENCES:
            op.execute(sa.schema.CreateSequence(sa.Sequence(name)))
    op.create_table(
        "dms_dbcondtls",
        sa.Column("conid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("connm", sa.String(length=100), nullable=False),
        sa.Column("dbtyp", sa.String(length=20), nullable=False),
        sa.Column("dbhost", sa.String(length=255), nullable=True),
        sa.Column("dbport", sa.Integer(), nullable=True),
        sa.Column("dbsid", sa.String(length=255), nullable=True),
        sa.Column("dbname", sa.String(length=1000), nullable=True),
        sa.Column("dbuser", sa.String(length=128), nullable=True),
        sa.Column("dbpwdenc", sa.Text(), nullable=True),
        sa.Column("dbopts", sa.Text(), nullable=True),
        sa.Column("condesc", sa.String(length=500), nullable=True),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_dbcondtls_curflg")),
        sa.PrimaryKeyConstraint("conid", name=op.f("pk_dms_dbcondtls")),
    )
    _unique_current("dms_dbcondtls", "connm")
    op.create_table(
        "dms_job",
        sa.Column("jobid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("jobnm", sa.String(length=100), nullable=False),
        sa.Column("jobdesc", sa.String(length=500), nullable=True),
        sa.Column("mapref", sa.String(length=50), nullable=True),
        sa.Column("mapid", sa.Integer(), nullable=True),
        sa.Column("frqcd", sa.String(length=10), nullable=True),
        sa.Column("trgschm", sa.String(length=100), nullable=True),
        sa.Column("trgtbtyp", sa.String(length=20), nullable=True),
        sa.Column("trgtbnm", sa.String(length=100), nullable=True),
        sa.Column("srcsys", sa.String(length=100), nullable=True),
        sa.Column("blkprcrows", sa.Integer(), nullable=True),
        sa.Column("stflg", sa.String(length=1), server_default="A", nullable=False),
        sa.Column("maxretry", sa.Integer(), server_default="0", nullable=False),
        sa.Column("timeoutsec", sa.Integer(), nullable=True),
        sa.Column("jobver", sa.Integer(), server_default="1", nullable=False),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_job_curflg")),
        sa.PrimaryKeyConstraint("jobid", name=op.f("pk_dms_job")),
    )
    _unique_current("dms_job", "jobnm")
    op.create_table(
        "dms_jobflw",
        sa.Column("jobflwid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("jobid", sa.Integer(), nullable=True),
        sa.Column("mapref", sa.String(length=50), nullable=False),
        sa.Column("mapid", sa.Integer(), nullable=True),
        sa.Column("trgschm", sa.String(length=100), nullable=True),
        sa.Column("trgtbtyp", sa.String(length=20), nullable=True),
        sa.Column("trgtbnm", sa.String(length=100), nullable=True),
        sa.Column("dwlogic", sa.Text(), nullable=True),
        sa.Column("planhash", sa.String(length=64), nullable=True),
        sa.Column("stflg", sa.String(length=1), server_default="A", nullable=False),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.PrimaryKeyConstraint("jobflwid", name=op.f("pk_dms_jobflw")),
    )
    op.create_table(
        "dms_maperr",
        sa.Column("maperrid", sa.Integer(), nullable=False),
        sa.Column("mapref", sa.String(length=50), nullable=False),
        sa.Column("mapid", sa.Integer(), nullable=True),
        sa.Column("mapdtlid", sa.Integer(), nullable=True),
        sa.Column("trgclnm", sa.String(length=100), nullable=True),
        sa.Column("errtyp", sa.String(length=30), nullable=False),
        sa.Column("errmsg", sa.String(length=4000), nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.PrimaryKeyConstraint("maperrid", name=op.f("pk_dms_maperr")),
    )
    op.create_table(
        "dms_params",
        sa.Column("prtyp", sa.String(length=50), nullable=False),
        sa.Column("prcd", sa.String(length=100), nullable=False),
        sa.Column("prdesc", sa.String(length=500), nullable=True),
        sa.Column("prval", sa.String(length=4000), nullable=True),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.PrimaryKeyConstraint("prtyp", "prcd", name=op.f("pk_dms_params")),
    )
    op.create_table(
        "dms_prclog",
        sa.Column("prclogid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("prcreqid", sa.Integer(), nullable=True),
        sa.Column("jobid", sa.Integer(), nullable=True),
        sa.Column("jobschid", sa.Integer(), nullable=True),
        sa.Column("mapref", sa.String(length=50), nullable=True),
        sa.Column("trgtyp", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "strtdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column("enddt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True),
        sa.Column("srcrows", sa.Integer(), nullable=True),
        sa.Column("insrows", sa.Integer(), nullable=True),
        sa.Column("updrows", sa.Integer(), nullable=True),
        sa.Column("exprows", sa.Integer(), nullable=True),
        sa.Column("delrows", sa.Integer(), nullable=True),
        sa.Column("errrows", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=4000), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("runby", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("prclogid", name=op.f("pk_dms_prclog")),
    )
    op.create_index("ix_dms_prclog_job", "dms_prclog", ["jobid", "strtdt"], unique=False)
    op.create_index("ix_dms_prclog_strtdt", "dms_prclog", ["strtdt"], unique=False)
    op.create_table(
        "dms_prcreq",
        sa.Column("prcreqid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("jobid", sa.Integer(), nullable=False),
        sa.Column("jobschid", sa.Integer(), nullable=True),
        sa.Column("mapref", sa.String(length=50), nullable=True),
        sa.Column("reqtyp", sa.String(length=20), server_default="MANUAL", nullable=False),
        sa.Column(
            "scheduled_for",
            sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), server_default="NEW", nullable=False),
        sa.Column("priority", sa.Integer(), server_default="100", nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column(
            "requested_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column("parent_prcreqid", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column(
            "claimed_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column(
            "lease_until", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column(
            "heartbeat_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("prclogid", sa.Integer(), nullable=True),
        sa.Column("params", sa.Text(), nullable=True),
        sa.Column("message", sa.String(length=4000), nullable=True),
        sa.Column(
            "finished_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.CheckConstraint(
            "status IN ('NEW','CLAIMED','RUNNING','DONE','FAILED','CANCELLED','RETRY')",
            name=op.f("ck_dms_prcreq_status"),
        ),
        sa.PrimaryKeyConstraint("prcreqid", name=op.f("pk_dms_prcreq")),
        sa.UniqueConstraint("jobschid", "scheduled_for", name="uq_dms_prcreq_firing"),
    )
    op.create_index("ix_dms_prcreq_status", "dms_prcreq", ["status", "scheduled_for"], unique=False)
    _unique_active_run()
    op.create_table(
        "login_audit_log",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column(
            "event_time", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_audit_log")),
    )
    op.create_index("ix_login_audit_log_time", "login_audit_log", ["event_time"], unique=False)
    op.create_table(
        "roles",
        sa.Column("role_id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("role_name", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("is_system", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_roles")),
        sa.UniqueConstraint("role_name", name=op.f("uq_roles_role_name")),
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "locked_until", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column(
            "password_changed_at",
            sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"),
            nullable=True,
        ),
        sa.Column(
            "last_login_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column(
            "created_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "dms_flupld",
        sa.Column("flupldid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("flupldref", sa.String(length=100), nullable=False),
        sa.Column("fluplddesc", sa.String(length=500), nullable=True),
        sa.Column("flnm", sa.String(length=1000), nullable=True),
        sa.Column("fltyp", sa.String(length=10), nullable=False),
        sa.Column("flopts", sa.Text(), nullable=True),
        sa.Column("trgconid", sa.Integer(), nullable=True),
        sa.Column("trgschm", sa.String(length=100), nullable=True),
        sa.Column("trgtbnm", sa.String(length=100), nullable=True),
        sa.Column("trgmode", sa.String(length=10), server_default="APPEND", nullable=False),
        sa.Column("ldbatchrows", sa.Integer(), nullable=True),
        sa.Column("errpolicy", sa.String(length=10), server_default="ABORT", nullable=False),
        sa.Column(
            "lastrundt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("laststatus", sa.String(length=20), nullable=True),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_flupld_curflg")),
        sa.ForeignKeyConstraint(
            ["trgconid"], ["dms_dbcondtls.conid"], name=op.f("fk_dms_flupld_trgconid")
        ),
        sa.PrimaryKeyConstraint("flupldid", name=op.f("pk_dms_flupld")),
    )
    _unique_current("dms_flupld", "flupldref")
    op.create_table(
        "dms_jobdtl",
        sa.Column("jobdtlid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("jobid", sa.Integer(), nullable=False),
        sa.Column("mapref", sa.String(length=50), nullable=False),
        sa.Column("stepseq", sa.Integer(), nullable=False),
        sa.Column("contonerr", sa.String(length=1), server_default="N", nullable=False),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.ForeignKeyConstraint(["jobid"], ["dms_job.jobid"], name=op.f("fk_dms_jobdtl_jobid")),
        sa.PrimaryKeyConstraint("jobdtlid", name=op.f("pk_dms_jobdtl")),
    )
    op.create_table(
        "dms_joberr",
        sa.Column("joberrid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("prclogid", sa.Integer(), nullable=False),
        sa.Column("joblogid", sa.Integer(), nullable=True),
        sa.Column("jobid", sa.Integer(), nullable=True),
        sa.Column("mapref", sa.String(length=50), nullable=True),
        sa.Column("errtyp", sa.String(length=30), nullable=False),
        sa.Column("errkey", sa.String(length=4000), nullable=True),
        sa.Column("errcol", sa.String(length=100), nullable=True),
        sa.Column("errmsg", sa.String(length=4000), nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["prclogid"], ["dms_prclog.prclogid"], name=op.f("fk_dms_joberr_prclogid")
        ),
        sa.PrimaryKeyConstraint("joberrid", name=op.f("pk_dms_joberr")),
    )
    op.create_index("ix_dms_joberr_prclogid", "dms_joberr", ["prclogid"], unique=False)
    op.create_table(
        "dms_joblog",
        sa.Column("joblogid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("prclogid", sa.Integer(), nullable=False),
        sa.Column("jobid", sa.Integer(), nullable=True),
        sa.Column("mapref", sa.String(length=50), nullable=True),
        sa.Column("stepseq", sa.Integer(), nullable=False),
        sa.Column("stepnm", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "strtdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column("enddt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True),
        sa.Column("rowcnt", sa.Integer(), nullable=True),
        sa.Column("sqltext", sa.Text(), nullable=True),
        sa.Column("message", sa.String(length=4000), nullable=True),
        sa.ForeignKeyConstraint(
            ["prclogid"], ["dms_prclog.prclogid"], name=op.f("fk_dms_joblog_prclogid")
        ),
        sa.PrimaryKeyConstraint("joblogid", name=op.f("pk_dms_joblog")),
    )
    op.create_index("ix_dms_joblog_prclogid", "dms_joblog", ["prclogid"], unique=False)
    op.create_table(
        "dms_jobsch",
        sa.Column("jobschid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("jobid", sa.Integer(), nullable=False),
        sa.Column("mapref", sa.String(length=50), nullable=False),
        sa.Column("frqcd", sa.String(length=10), nullable=True),
        sa.Column("frqdd", sa.String(length=10), nullable=True),
        sa.Column("frqhh", sa.Integer(), nullable=True),
        sa.Column("frqmi", sa.Integer(), nullable=True),
        sa.Column("frqmm", sa.String(length=30), nullable=True),
        sa.Column("frqintmi", sa.Integer(), nullable=True),
        sa.Column("enableflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column("dpnd_jobschid", sa.Integer(), nullable=True),
        sa.Column("strdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True),
        sa.Column("enddt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True),
        sa.Column("misfiregrc", sa.Integer(), nullable=True),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_jobsch_curflg")),
        sa.CheckConstraint(
            "frqcd IS NULL OR frqcd IN ('YR','HY','QT','MN','FN','WK','DL','ID')",
            name=op.f("ck_dms_jobsch_frqcd"),
        ),
        sa.ForeignKeyConstraint(
            ["dpnd_jobschid"], ["dms_jobsch.jobschid"], name=op.f("fk_dms_jobsch_dpnd_jobschid")
        ),
        sa.ForeignKeyConstraint(["jobid"], ["dms_job.jobid"], name=op.f("fk_dms_jobsch_jobid")),
        sa.PrimaryKeyConstraint("jobschid", name=op.f("pk_dms_jobsch")),
    )
    op.create_index("ix_dms_jobsch_jobid", "dms_jobsch", ["jobid"], unique=False)
    op.create_table(
        "dms_mapr",
        sa.Column("mapid", sa.Integer(), nullable=False),
        sa.Column("mapref", sa.String(length=50), nullable=False),
        sa.Column("mapdesc", sa.String(length=500), nullable=True),
        sa.Column("srcsys", sa.String(length=100), nullable=True),
        sa.Column("maprsqlcd", sa.String(length=100), nullable=True),
        sa.Column("trgtbnm", sa.String(length=100), nullable=True),
        sa.Column("trgtbtyp", sa.String(length=20), nullable=True),
        sa.Column("trgschm", sa.String(length=100), nullable=True),
        sa.Column("frqcd", sa.String(length=10), nullable=True),
        sa.Column("blkprcrows", sa.Integer(), nullable=True),
        sa.Column("trgconid", sa.Integer(), nullable=True),
        sa.Column("srcgone", sa.String(length=10), server_default="IGNORE", nullable=False),
        sa.Column("mapver", sa.Integer(), server_default="1", nullable=False),
        sa.Column("lgvrfyflg", sa.String(length=1), server_default="N", nullable=False),
        sa.Column(
            "lgvrfydt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_mapr_curflg")),
        sa.CheckConstraint("srcgone IN ('IGNORE', 'CLOSE')", name=op.f("ck_dms_mapr_srcgone")),
        sa.CheckConstraint(
            "trgtbtyp IN ('DIMENSION', 'FACT', 'STAGING')", name=op.f("ck_dms_mapr_trgtbtyp")
        ),
        sa.ForeignKeyConstraint(
            ["trgconid"], ["dms_dbcondtls.conid"], name=op.f("fk_dms_mapr_trgconid")
        ),
        sa.PrimaryKeyConstraint("mapid", name=op.f("pk_dms_mapr")),
    )
    _unique_current("dms_mapr", "mapref")
    op.create_table(
        "dms_maprsql",
        sa.Column("maprsqlid", sa.Integer(), nullable=False),
        sa.Column("maprsqlcd", sa.String(length=100), nullable=False),
        sa.Column("maprsqldesc", sa.String(length=500), nullable=True),
        sa.Column("maprsql", sa.Text(), nullable=False),
        sa.Column("sqlconid", sa.Integer(), nullable=True),
        sa.Column("sqlver", sa.Integer(), server_default="1", nullable=False),
        sa.Column("lgvrfyflg", sa.String(length=1), server_default="N", nullable=False),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_maprsql_curflg")),
        sa.ForeignKeyConstraint(
            ["sqlconid"], ["dms_dbcondtls.conid"], name=op.f("fk_dms_maprsql_sqlconid")
        ),
        sa.PrimaryKeyConstraint("maprsqlid", name=op.f("pk_dms_maprsql")),
    )
    _unique_current("dms_maprsql", "maprsqlcd")
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_password_history_user_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_history")),
    )
    op.create_index(
        "ix_password_history_user", "password_history", ["user_id", "changed_at"], unique=False
    )
    op.create_table(
        "permission_matrix",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=50), nullable=False),
        sa.Column("can_view", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("can_create", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("can_edit", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("can_delete", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.role_id"],
            name=op.f("fk_permission_matrix_role_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", "module", name=op.f("pk_permission_matrix")),
    )
    op.create_table(
        "user_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("preferences", sa.Text(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_user_profiles_user_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_profiles")),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column(
            "granted_at", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column("granted_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.role_id"], name=op.f("fk_user_roles_role_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_user_roles_user_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "dms_fluplddtl",
        sa.Column("flupldtlid", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("flupldid", sa.Integer(), nullable=False),
        sa.Column("flupldref", sa.String(length=100), nullable=False),
        sa.Column("srcclnm", sa.String(length=200), nullable=True),
        sa.Column("trgclnm", sa.String(length=100), nullable=False),
        sa.Column("trgcldtyp", sa.String(length=50), nullable=True),
        sa.Column("trgkeyflg", sa.String(length=1), server_default="N", nullable=False),
        sa.Column("isrqrd", sa.String(length=1), server_default="N", nullable=False),
        sa.Column("dfltval", sa.String(length=4000), nullable=True),
        sa.Column("trnfrmrl", sa.String(length=4000), nullable=True),
        sa.Column("excseq", sa.Integer(), nullable=True),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["flupldid"], ["dms_flupld.flupldid"], name=op.f("fk_dms_fluplddtl_flupldid")
        ),
        sa.PrimaryKeyConstraint("flupldtlid", name=op.f("pk_dms_fluplddtl")),
    )
    op.create_table(
        "dms_maprdtl",
        sa.Column("mapdtlid", sa.Integer(), nullable=False),
        sa.Column("mapid", sa.Integer(), nullable=False),
        sa.Column("mapref", sa.String(length=50), nullable=False),
        sa.Column("trgclnm", sa.String(length=100), nullable=False),
        sa.Column("trgcldtyp", sa.String(length=50), nullable=True),
        sa.Column("trgkeyflg", sa.String(length=1), server_default="N", nullable=False),
        sa.Column("trgkeyseq", sa.Integer(), nullable=True),
        sa.Column("trgcldesc", sa.String(length=500), nullable=True),
        sa.Column("maplogic", sa.Text(), nullable=True),
        sa.Column("lkptbnm", sa.String(length=100), nullable=True),
        sa.Column("keyclnm", sa.String(length=100), nullable=True),
        sa.Column("valclnm", sa.String(length=100), nullable=True),
        sa.Column("mapcmbcd", sa.String(length=20), nullable=True),
        sa.Column("excseq", sa.Integer(), nullable=True),
        sa.Column("scdtyp", sa.String(length=10), nullable=True),
        sa.Column("lgvrfyflg", sa.String(length=1), server_default="N", nullable=False),
        sa.Column("curflg", sa.String(length=1), server_default="Y", nullable=False),
        sa.Column(
            "reccrdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=False
        ),
        sa.Column(
            "recupdt", sa.DateTime().with_variant(oracle.TIMESTAMP(), "oracle"), nullable=True
        ),
        sa.Column("crtdby", sa.String(length=100), nullable=True),
        sa.Column("uptdby", sa.String(length=100), nullable=True),
        sa.CheckConstraint("curflg IN ('Y', 'N')", name=op.f("ck_dms_maprdtl_curflg")),
        sa.CheckConstraint(
            "mapcmbcd IS NULL OR mapcmbcd IN ('SUM', 'MIN', 'MAX', 'COUNT', 'AVG')",
            name=op.f("ck_dms_maprdtl_mapcmbcd"),
        ),
        sa.ForeignKeyConstraint(["mapid"], ["dms_mapr.mapid"], name=op.f("fk_dms_maprdtl_mapid")),
        sa.PrimaryKeyConstraint("mapdtlid", name=op.f("pk_dms_maprdtl")),
    )
    op.create_index("ix_dms_maprdtl_mapid", "dms_maprdtl", ["mapid"], unique=False)
    op.create_index("ix_dms_maprdtl_mapref", "dms_maprdtl", ["mapref", "curflg"], unique=False)


def downgrade() -> None:
    if not _is("sqlite"):
        for name in SEQUENCES:
            op.execute(sa.schema.DropSequence(sa.Sequence(name)))
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index("ix_dms_maprdtl_mapref", table_name="dms_maprdtl")
    op.drop_index("ix_dms_maprdtl_mapid", table_name="dms_maprdtl")
    op.drop_table("dms_maprdtl")
    op.drop_table("dms_fluplddtl")
    op.drop_table("user_roles")
    op.drop_table("user_profiles")
    op.drop_table("permission_matrix")
    op.drop_index("ix_password_history_user", table_name="password_history")
    op.drop_table("password_history")
    op.drop_index("ux_dms_maprsql_cur", table_name="dms_maprsql")
    op.drop_table("dms_maprsql")
    op.drop_index("ux_dms_mapr_cur", table_name="dms_mapr")
    op.drop_table("dms_mapr")
    op.drop_index("ix_dms_jobsch_jobid", table_name="dms_jobsch")
    op.drop_table("dms_jobsch")
    op.drop_index("ix_dms_joblog_prclogid", table_name="dms_joblog")
    op.drop_table("dms_joblog")
    op.drop_index("ix_dms_joberr_prclogid", table_name="dms_joberr")
    op.drop_table("dms_joberr")
    op.drop_table("dms_jobdtl")
    op.drop_index("ux_dms_flupld_cur", table_name="dms_flupld")
    op.drop_table("dms_flupld")
    op.drop_table("users")
    op.drop_table("roles")
    op.drop_index("ix_login_audit_log_time", table_name="login_audit_log")
    op.drop_table("login_audit_log")
    op.drop_index(
        "ux_dms_prcreq_active",
        table_name="dms_prcreq",
        sqlite_where=sa.text("status IN ('CLAIMED', 'RUNNING')"),
        postgresql_where=sa.text("status IN ('CLAIMED', 'RUNNING')"),
    )
    op.drop_index("ix_dms_prcreq_status", table_name="dms_prcreq")
    op.drop_table("dms_prcreq")
    op.drop_index("ix_dms_prclog_strtdt", table_name="dms_prclog")
    op.drop_index("ix_dms_prclog_job", table_name="dms_prclog")
    op.drop_table("dms_prclog")
    op.drop_table("dms_params")
    op.drop_table("dms_maperr")
    op.drop_table("dms_jobflw")
    op.drop_index("ux_dms_job_cur", table_name="dms_job")
    op.drop_table("dms_job")
    op.drop_index(
        "ux_dms_dbcondtls_cur",
        table_name="dms_dbcondtls",
        sqlite_where=sa.text("curflg = 'Y'"),
        postgresql_where=sa.text("curflg = 'Y'"),
    )
    op.drop_table("dms_dbcondtls")

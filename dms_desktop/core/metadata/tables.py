"""SQLAlchemy Core tables of the DMS schema (16 tables of the seed) and the 7 user tables.

Names are lower case so every backend treats them as case-insensitive: Oracle shows
``DMS_MAPR``, PostgreSQL ``dms_mapr``, no quoting anywhere. Tables carry no schema here; the
engine maps ``None`` onto DMS_SCHEMA with ``schema_translate_map``.

Version history follows the seed: editing a mapping, SQL, job or schedule keeps the old rows
with ``curflg='N'`` and writes the new version with ``curflg='Y'``. So business keys (MAPREF,
MAPRSQLCD, ...) are unique among *current* rows only: a partial unique index on SQLite and
PostgreSQL, a function-based one on Oracle. For the same reason DMS_MAPRDTL points at the
mapping version (MAPID) instead of a foreign key on MAPREF, which is no longer unique.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    false,
    true,
)
from sqlalchemy.dialects import oracle

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# The seed's sequences (Oracle/PostgreSQL; SQLite uses its rowid).
DWMAPRSEQ = Sequence("dwmaprseq", metadata=metadata)
DWMAPRDTLSEQ = Sequence("dwmaprdtlseq", metadata=metadata)
DWMAPRSQLSEQ = Sequence("dwmaprsqlseq", metadata=metadata)
DWMAPERRSEQ = Sequence("dwmaperrseq", metadata=metadata)
SEQUENCES = (DWMAPRSEQ, DWMAPRDTLSEQ, DWMAPRSQLSEQ, DWMAPERRSEQ)

FLAG_Y = "Y"
# Backends with partial indexes; ddl_if documents a tuple, its type hint says str only.
PARTIAL_INDEX_DIALECTS: Any = ("sqlite", "postgresql")
# Timestamps without time zone holding UTC; Oracle's DATE would drop the fractions.
Timestamp = DateTime().with_variant(oracle.TIMESTAMP(), "oracle")


def _flag(name: str, default: str = "Y") -> Column[str]:
    return Column(name, String(1), nullable=False, server_default=default)


def _stamps() -> list[Column[object]]:
    """RECCRDT/RECUPDT audit columns: timestamps without time zone holding UTC."""
    return [Column("reccrdt", Timestamp, nullable=False), Column("recupdt", Timestamp)]


def _by() -> list[Column[str]]:
    return [Column("crtdby", String(100)), Column("uptdby", String(100))]


def unique_current(table: Table, *cols: str) -> None:
    """Unique index on ``cols`` among rows with curflg='Y', on every backend."""
    name = f"ux_{table.name}_cur"
    current = table.c.curflg == FLAG_Y
    Index(
        name,
        *[table.c[c] for c in cols],
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    ).ddl_if(dialect=PARTIAL_INDEX_DIALECTS)
    # Oracle indexes no entry whose keys are all NULL, so CASE ... END keeps history out.
    Index(name, *[case((current, table.c[c])) for c in cols], unique=True).ddl_if(dialect="oracle")


def _yn(name: str, col: str) -> CheckConstraint:
    return CheckConstraint(f"{col} IN ('Y', 'N')", name=name)


# --- DMS schema -------------------------------------------------------------------------

dms_dbcondtls = Table(
    "dms_dbcondtls",
    metadata,
    Column("conid", Integer, Identity(), primary_key=True),
    Column("connm", String(100), nullable=False),
    Column("dbtyp", String(20), nullable=False),  # ORACLE POSTGRESQL SQLITE MYSQL DUCKDB
    Column("dbhost", String(255)),
    Column("dbport", Integer),
    Column("dbsid", String(255)),  # Oracle service name
    Column("dbname", String(1000)),  # PostgreSQL/MySQL database, SQLite/DuckDB file path
    Column("dbuser", String(128)),
    Column("dbpwdenc", Text),  # MultiFernet token: never the password in clear
    Column("dbopts", Text),  # JSON: connect timeout, sslmode, schema, ...
    Column("condesc", String(500)),
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
)

dms_maprsql = Table(
    "dms_maprsql",
    metadata,
    Column("maprsqlid", Integer, DWMAPRSQLSEQ, primary_key=True),
    Column("maprsqlcd", String(100), nullable=False),
    Column("maprsqldesc", String(500)),
    Column("maprsql", Text, nullable=False),
    Column("sqlconid", Integer, ForeignKey("dms_dbcondtls.conid")),
    Column("sqlver", Integer, nullable=False, server_default="1"),
    Column("lgvrfyflg", String(1), nullable=False, server_default="N"),
    Column("maprsqlcols", Text),  # JSON [{name, type, nullable}] described by the database
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
)

dms_mapr = Table(
    "dms_mapr",
    metadata,
    Column("mapid", Integer, DWMAPRSEQ, primary_key=True),
    Column("mapref", String(50), nullable=False),
    Column("mapdesc", String(500)),
    Column("srcsys", String(100)),
    Column("maprsqlcd", String(100)),  # source query (DMS_MAPRSQL.MAPRSQLCD, current version)
    Column("trgtbnm", String(100)),
    Column("trgtbtyp", String(20)),
    Column("trgschm", String(100)),
    Column("frqcd", String(10)),
    Column("blkprcrows", Integer),
    Column("trgconid", Integer, ForeignKey("dms_dbcondtls.conid")),
    Column("srcgone", String(10), nullable=False, server_default="IGNORE"),  # IGNORE | CLOSE
    Column("errthrsh", Integer),  # rejected rows a run tolerates before it fails
    Column("mapver", Integer, nullable=False, server_default="1"),
    Column("lgvrfyflg", String(1), nullable=False, server_default="N"),
    Column("lgvrfydt", Timestamp),
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
    CheckConstraint("trgtbtyp IN ('DIMENSION', 'FACT', 'STAGING')", name="trgtbtyp"),
    CheckConstraint("srcgone IN ('IGNORE', 'CLOSE')", name="srcgone"),
)

dms_maprdtl = Table(
    "dms_maprdtl",
    metadata,
    Column("mapdtlid", Integer, DWMAPRDTLSEQ, primary_key=True),
    Column("mapid", Integer, ForeignKey("dms_mapr.mapid"), nullable=False),
    Column("mapref", String(50), nullable=False),
    Column("trgclnm", String(100), nullable=False),
    Column("trgcldtyp", String(50)),
    Column("trgkeyflg", String(1), nullable=False, server_default="N"),
    Column("trgkeyseq", Integer),
    Column("trgcldesc", String(500)),
    Column("maplogic", Text),
    Column("lkptbnm", String(100)),  # lookup table on the target side, with KEYCLNM/VALCLNM
    Column("keyclnm", String(100)),
    Column("valclnm", String(100)),
    Column("mapcmbcd", String(20)),
    Column("excseq", Integer),
    Column("scdtyp", String(10)),
    Column("lgvrfyflg", String(1), nullable=False, server_default="N"),
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
    CheckConstraint(
        "mapcmbcd IS NULL OR mapcmbcd IN ('SUM', 'MIN', 'MAX', 'COUNT', 'AVG')", name="mapcmbcd"
    ),
)

dms_maperr = Table(
    "dms_maperr",
    metadata,
    Column("maperrid", Integer, DWMAPERRSEQ, primary_key=True),
    Column("mapref", String(50), nullable=False),
    Column("mapid", Integer),
    Column("mapdtlid", Integer),
    Column("trgclnm", String(100)),
    Column("errtyp", String(30), nullable=False),
    Column("errmsg", String(4000), nullable=False),
    Column("reccrdt", Timestamp, nullable=False),
)

dms_params = Table(
    "dms_params",
    metadata,
    Column("prtyp", String(50), primary_key=True),
    Column("prcd", String(100), primary_key=True),
    Column("prdesc", String(500)),
    Column("prval", String(4000)),
    *_stamps(),
)

dms_job = Table(
    "dms_job",
    metadata,
    Column("jobid", Integer, Identity(), primary_key=True),
    Column("jobnm", String(100), nullable=False),
    Column("jobdesc", String(500)),
    Column("mapref", String(50)),  # the first (or only) mapping of the job
    Column("mapid", Integer),
    Column("frqcd", String(10)),
    Column("trgschm", String(100)),
    Column("trgtbtyp", String(20)),
    Column("trgtbnm", String(100)),
    Column("srcsys", String(100)),
    Column("blkprcrows", Integer),
    Column("stflg", String(1), nullable=False, server_default="A"),  # A active, I inactive
    Column("maxretry", Integer, nullable=False, server_default="0"),
    Column("retrydelay", Integer),  # seconds before the first retry; doubled each attempt
    Column("timeoutsec", Integer),
    Column("jobver", Integer, nullable=False, server_default="1"),
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
)

dms_jobdtl = Table(
    "dms_jobdtl",
    metadata,
    Column("jobdtlid", Integer, Identity(), primary_key=True),
    Column("jobid", Integer, ForeignKey("dms_job.jobid"), nullable=False),
    Column("mapref", String(50), nullable=False),
    Column("stepseq", Integer, nullable=False),
    Column("contonerr", String(1), nullable=False, server_default="N"),
    _flag("curflg"),
    *_stamps(),
)

dms_jobsch = Table(
    "dms_jobsch",
    metadata,
    Column("jobschid", Integer, Identity(), primary_key=True),
    Column("jobid", Integer, ForeignKey("dms_job.jobid"), nullable=False),
    Column("mapref", String(50), nullable=False),
    Column("frqcd", String(10)),  # YR HY QT MN FN WK DL ID
    Column("frqdd", String(10)),
    Column("frqhh", Integer),
    Column("frqmi", Integer),
    Column("frqmm", String(30)),  # months for YR/HY/QT, e.g. '1,7'
    Column("frqintmi", Integer),  # interval in minutes for ID
    Column("enableflg", String(1), nullable=False, server_default="Y"),
    Column("dpnd_jobschid", Integer, ForeignKey("dms_jobsch.jobschid")),
    Column("strdt", Timestamp),
    Column("enddt", Timestamp),
    Column("misfiregrc", Integer),  # seconds a missed firing may still start late
    Column("frqtz", String(64)),  # IANA zone overriding DMS_TIMEZONE for this schedule
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
    CheckConstraint(
        "frqcd IS NULL OR frqcd IN ('YR','HY','QT','MN','FN','WK','DL','ID')", name="frqcd"
    ),
)

dms_jobflw = Table(
    "dms_jobflw",
    metadata,
    Column("jobflwid", Integer, Identity(), primary_key=True),
    Column("jobid", Integer),
    Column("mapref", String(50), nullable=False),
    Column("mapid", Integer),
    Column("trgschm", String(100)),
    Column("trgtbtyp", String(20)),
    Column("trgtbnm", String(100)),
    Column("dwlogic", Text),  # the compiled plan: SQL per step (JSON). Never executed as Python.
    Column("planhash", String(64)),
    Column("stflg", String(1), nullable=False, server_default="A"),
    _flag("curflg"),
    *_stamps(),
)

dms_prcreq = Table(
    "dms_prcreq",
    metadata,
    Column("prcreqid", Integer, Identity(), primary_key=True),
    Column("jobid", Integer, nullable=False),
    Column("jobschid", Integer),
    Column("mapref", String(50)),
    Column("reqtyp", String(20), nullable=False, server_default="MANUAL"),
    Column("scheduled_for", Timestamp, nullable=False),
    Column("status", String(20), nullable=False, server_default="NEW"),
    Column("priority", Integer, nullable=False, server_default="100"),
    Column("requested_by", String(100)),
    Column("requested_at", Timestamp, nullable=False),
    Column("parent_prcreqid", Integer),
    Column("worker", String(200)),
    Column("claimed_at", Timestamp),
    Column("lease_until", Timestamp),
    Column("heartbeat_at", Timestamp),
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="1"),
    Column("prclogid", Integer),
    Column("params", Text),
    Column("message", String(4000)),
    Column("finished_at", Timestamp),
    Column("available_at", Timestamp),  # not claimed before (retry backoff)
    UniqueConstraint("jobschid", "scheduled_for", name="uq_dms_prcreq_firing"),
    CheckConstraint(
        "status IN ('NEW','CLAIMED','RUNNING','DONE','FAILED','CANCELLED','RETRY')",
        name="status",
    ),
    Index("ix_dms_prcreq_status", "status", "scheduled_for"),
)

dms_prclog = Table(
    "dms_prclog",
    metadata,
    Column("prclogid", Integer, Identity(), primary_key=True),
    Column("prcreqid", Integer),
    Column("jobid", Integer),
    Column("jobschid", Integer),
    Column("mapref", String(50)),
    Column("trgtyp", String(20)),  # SCHEDULE MANUAL DEPENDENCY RETRY CLI
    Column("status", String(20), nullable=False),  # RUNNING SUCCESS FAILED CANCELLED
    Column("strtdt", Timestamp, nullable=False),
    Column("enddt", Timestamp),
    Column("srcrows", Integer),
    Column("insrows", Integer),
    Column("updrows", Integer),
    Column("exprows", Integer),
    Column("delrows", Integer),
    Column("errrows", Integer),
    Column("message", String(4000)),
    Column("worker", String(200)),
    Column("runby", String(100)),
    Index("ix_dms_prclog_strtdt", "strtdt"),
    Index("ix_dms_prclog_job", "jobid", "strtdt"),
)

dms_joblog = Table(
    "dms_joblog",
    metadata,
    Column("joblogid", Integer, Identity(), primary_key=True),
    Column("prclogid", Integer, ForeignKey("dms_prclog.prclogid"), nullable=False),
    Column("jobid", Integer),
    Column("mapref", String(50)),
    Column("stepseq", Integer, nullable=False),
    Column("stepnm", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("strtdt", Timestamp, nullable=False),
    Column("enddt", Timestamp),
    Column("rowcnt", Integer),
    Column("sqltext", Text),
    Column("message", String(4000)),
)

dms_joberr = Table(
    "dms_joberr",
    metadata,
    Column("joberrid", Integer, Identity(), primary_key=True),
    Column("prclogid", Integer, ForeignKey("dms_prclog.prclogid"), nullable=False),
    Column("joblogid", Integer),
    Column("jobid", Integer),
    Column("mapref", String(50)),
    Column("errtyp", String(30), nullable=False),
    Column("errkey", String(4000)),
    Column("errcol", String(100)),
    Column("errmsg", String(4000), nullable=False),
    Column("reccrdt", Timestamp, nullable=False),
)

dms_flupld = Table(
    "dms_flupld",
    metadata,
    Column("flupldid", Integer, Identity(), primary_key=True),
    Column("flupldref", String(100), nullable=False),
    Column("fluplddesc", String(500)),
    Column("flnm", String(1000)),  # file path or pattern
    Column("fltyp", String(10), nullable=False),  # CSV XLSX JSON
    Column("flopts", Text),  # JSON: encoding, delimiter, sheet, header row, skip, nulls
    Column("trgconid", Integer, ForeignKey("dms_dbcondtls.conid")),
    Column("trgschm", String(100)),
    Column("trgtbnm", String(100)),
    Column("trgmode", String(10), nullable=False, server_default="APPEND"),  # APPEND REPLACE UPSERT
    Column("ldbatchrows", Integer),
    Column("errpolicy", String(10), nullable=False, server_default="ABORT"),  # ABORT SKIP
    Column("lastrundt", Timestamp),
    Column("laststatus", String(20)),
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
)

dms_fluplddtl = Table(
    "dms_fluplddtl",
    metadata,
    Column("flupldtlid", Integer, Identity(), primary_key=True),
    Column("flupldid", Integer, ForeignKey("dms_flupld.flupldid"), nullable=False),
    Column("flupldref", String(100), nullable=False),
    Column("srcclnm", String(200)),
    Column("trgclnm", String(100), nullable=False),
    Column("trgcldtyp", String(50)),
    Column("trgkeyflg", String(1), nullable=False, server_default="N"),
    Column("isrqrd", String(1), nullable=False, server_default="N"),
    Column("dfltval", String(4000)),
    Column("trnfrmrl", String(4000)),  # transformation rule
    Column("excseq", Integer),
    _flag("curflg"),
    *_stamps(),
)

unique_current(dms_dbcondtls, "connm")
unique_current(dms_maprsql, "maprsqlcd")
unique_current(dms_mapr, "mapref")
unique_current(dms_job, "jobnm")
unique_current(dms_flupld, "flupldref")
Index("ix_dms_maprdtl_mapid", dms_maprdtl.c.mapid)
Index("ix_dms_maprdtl_mapref", dms_maprdtl.c.mapref, dms_maprdtl.c.curflg)
Index("ix_dms_jobsch_jobid", dms_jobsch.c.jobid)
Index("ix_dms_joblog_prclogid", dms_joblog.c.prclogid)
Index("ix_dms_joberr_prclogid", dms_joberr.c.prclogid)

# One active run per job: at most one request CLAIMED or RUNNING for a jobid.
_active = dms_prcreq.c.status.in_(("CLAIMED", "RUNNING"))
Index(
    "ux_dms_prcreq_active",
    dms_prcreq.c.jobid,
    unique=True,
    sqlite_where=_active,
    postgresql_where=_active,
).ddl_if(dialect=PARTIAL_INDEX_DIALECTS)
Index("ux_dms_prcreq_active", case((_active, dms_prcreq.c.jobid)), unique=True).ddl_if(
    dialect="oracle"
)

# Scheduler services alive on this metadata database (heartbeat rows).
dms_schsvc = Table(
    "dms_schsvc",
    metadata,
    Column("svcid", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # RUNNING PAUSED STOPPED
    Column("workers", Integer, nullable=False),
    Column("started", Timestamp, nullable=False),
    Column("heartbeat", Timestamp, nullable=False),
    Column("version", String(20)),
)

# Query history of the SQL editor, per connection and user.
dms_sqlhist = Table(
    "dms_sqlhist",
    metadata,
    Column("histid", Integer, Identity(), primary_key=True),
    Column("conid", Integer, nullable=False),
    Column("username", String(100), nullable=False),
    Column("sqltext", Text, nullable=False),
    Column("strtdt", Timestamp, nullable=False),
    Column("elapsedms", Integer),
    Column("rowcnt", Integer),
    Column("status", String(20), nullable=False),  # OK ERROR CANCELLED
    Column("message", String(4000)),
    Index("ix_dms_sqlhist_con", "conid", "strtdt"),
)

# --- users ------------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, Identity(), primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", Timestamp),
    Column("password_changed_at", Timestamp),
    Column("last_login_at", Timestamp),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp),
    Column("created_by", String(100)),
)

user_profiles = Table(
    "user_profiles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("full_name", String(200)),
    Column("email", String(320)),
    Column("department", String(200)),
    Column("phone", String(50)),
    Column("preferences", Text),  # JSON
    Column("updated_at", Timestamp),
)

roles = Table(
    "roles",
    metadata,
    Column("role_id", Integer, Identity(), primary_key=True),
    Column("role_name", String(50), nullable=False, unique=True),
    Column("description", String(500)),
    Column("is_system", Boolean, nullable=False, server_default=false()),
    Column("created_at", Timestamp, nullable=False),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("roles.role_id", ondelete="CASCADE"), primary_key=True),
    Column("granted_at", Timestamp, nullable=False),
    Column("granted_by", String(100)),
)

permission_matrix = Table(
    "permission_matrix",
    metadata,
    Column("role_id", Integer, ForeignKey("roles.role_id", ondelete="CASCADE"), primary_key=True),
    Column("module", String(50), primary_key=True),
    Column("can_view", Boolean, nullable=False, server_default=false()),
    Column("can_create", Boolean, nullable=False, server_default=false()),
    Column("can_edit", Boolean, nullable=False, server_default=false()),
    Column("can_delete", Boolean, nullable=False, server_default=false()),
)

password_history = Table(
    "password_history",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", Timestamp, nullable=False),
    Index("ix_password_history_user", "user_id", "changed_at"),
)

login_audit_log = Table(
    "login_audit_log",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("user_id", Integer),
    Column("username", String(100), nullable=False),
    Column("event", String(30), nullable=False),
    Column("event_time", Timestamp, nullable=False),
    Column("host", String(255)),
    Column("detail", String(500)),
    Index("ix_login_audit_log_time", "event_time"),
)

DMS_TABLES = (
    "dms_mapr",
    "dms_maprdtl",
    "dms_maprsql",
    "dms_maperr",
    "dms_params",
    "dms_job",
    "dms_jobdtl",
    "dms_jobsch",
    "dms_jobflw",
    "dms_joblog",
    "dms_joberr",
    "dms_prclog",
    "dms_prcreq",
    "dms_dbcondtls",
    "dms_flupld",
    "dms_fluplddtl",
)
USER_TABLES = (
    "users",
    "user_profiles",
    "roles",
    "user_roles",
    "permission_matrix",
    "password_history",
    "login_audit_log",
)

# --- reports and dashboard (migration 0006) ---------------------------------------------

# Report definitions: SQL with typed parameters, column formats, a layout template and the
# output (folder, file name pattern, format) a scheduled run writes. Versions the seed's way.
dms_rpt = Table(
    "dms_rpt",
    metadata,
    Column("rptid", Integer, Identity(), primary_key=True),
    Column("rptnm", String(100), nullable=False),
    Column("rptdesc", String(500)),
    Column("rptconid", Integer, ForeignKey("dms_dbcondtls.conid")),  # NULL: metadata database
    Column("rptsql", Text, nullable=False),
    Column("rptparams", Text),  # JSON [{name, type, label, default, required, choices}]
    Column("rptcols", Text),  # JSON [{name, title, kind, decimals, date_format, width}]
    Column("rpttmpl", Text),  # JSON {title, subtitle, logo, header, footer, ...}
    Column("outfldr", String(1000)),  # scheduled output: folder
    Column("outptrn", String(200)),  # file name pattern, e.g. {report}_{date}.pdf
    Column("outfmt", String(10)),  # CSV XLSX PDF
    Column("rptver", Integer, nullable=False, server_default="1"),
    _flag("curflg"),
    *_stamps(),
    *_by(),
    _yn("curflg", "curflg"),
    CheckConstraint("outfmt IS NULL OR outfmt IN ('CSV', 'XLSX', 'PDF')", name="outfmt"),
)
unique_current(dms_rpt, "rptnm")

# The dashboard groups the run log by day and status, and by mapping over time.
Index("ix_dms_prclog_strtdt_status", dms_prclog.c.strtdt, dms_prclog.c.status)
Index("ix_dms_prclog_mapref", dms_prclog.c.mapref, dms_prclog.c.strtdt)

# A job with RPTNM renders that report (render_scheduled) instead of running mappings, so
# reports are scheduled by the same DMS_JOBSCH rows and logged in DMS_PRCLOG like loads.
dms_job.append_column(Column("rptnm", String(100)))

# --- upload jobs (migration 0009) ---------------------------------------------------------

# A job with FLUPLDREF runs that upload definition on FLNM (a file or a pattern such as
# incoming/*.csv: its newest match; empty: the file saved with the definition).
dms_job.append_column(Column("flupldref", String(100)))
dms_job.append_column(Column("flnm", String(1000)))

# --- administration (migration 0008) -----------------------------------------------------

# Extra rights of the matrix: "run" applies to Jobs (run a load now), "export" to Reports.
permission_matrix.append_column(Column("can_run", Boolean, nullable=False, server_default=false()))
permission_matrix.append_column(
    Column("can_export", Boolean, nullable=False, server_default=false())
)
# Per-connection grants: a role without all_connections uses only its role_connections.
roles.append_column(Column("all_connections", Boolean, nullable=False, server_default=true()))

role_connections = Table(
    "role_connections",
    metadata,
    Column("role_id", Integer, ForeignKey("roles.role_id", ondelete="CASCADE"), primary_key=True),
    Column(
        "conid", Integer, ForeignKey("dms_dbcondtls.conid", ondelete="CASCADE"), primary_key=True
    ),
    Column("granted_at", Timestamp, nullable=False),
    Column("granted_by", String(100)),
)

# The audit trail of administrative changes and refused calls: who, when, what, before/after.
admin_audit_log = Table(
    "admin_audit_log",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("event_time", Timestamp, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("actor_id", Integer),
    Column("host", String(255)),
    Column("category", String(20), nullable=False),  # USER ROLE PARAM SECRETS ACCESS
    Column("action", String(30), nullable=False),  # CREATE UPDATE DELETE GRANT ... DENIED
    Column("object_name", String(200), nullable=False),
    Column("before_value", Text),  # JSON
    Column("after_value", Text),  # JSON
    Column("detail", String(1000)),
    Index("ix_admin_audit_log_time", "event_time"),
)

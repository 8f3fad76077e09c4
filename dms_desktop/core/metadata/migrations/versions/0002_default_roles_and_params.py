"""Default roles, their permission matrix and the reference parameters (DMS_PARAMS).

The rows are frozen here as of this revision: the database is the source of truth for the
matrix afterwards (administrators edit it); a later default change is a later migration.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MODULES = (
    "home",
    "connections",
    "sql",
    "mapper",
    "jobs",
    "calendar",
    "monitor",
    "dashboard",
    "reports",
    "uploads",
    "admin",
)
# role -> module -> "vced" letters granted (view, create, edit, delete)
ALL = "vced"
ROLES: dict[str, tuple[str, dict[str, str]]] = {
    "Admin": ("Everything, including users, roles and configuration.", dict.fromkeys(MODULES, ALL)),
    "Developer": (
        "Builds connections, SQL, mappings, jobs, uploads and reports.",
        {**dict.fromkeys(MODULES, ALL), "admin": ""},
    ),
    "Operator": (
        "Runs, schedules and monitors jobs; reads the definitions.",
        {
            **dict.fromkeys(MODULES, "v"),
            "jobs": "vce",
            "calendar": "vce",
            "monitor": "vce",
            "reports": "vc",
            "uploads": "vc",
            "admin": "",
        },
    ),
    "Viewer": (
        "Reads everything except administration.",
        {**dict.fromkeys(MODULES, "v"), "admin": ""},
    ),
}
PARAMS = [
    ("TRGTBTYP", "DIMENSION", "Dimension: SCD type 1/2 per column"),
    ("TRGTBTYP", "FACT", "Fact: append, or upsert when keys are flagged"),
    ("TRGTBTYP", "STAGING", "Staging: contents replaced on every run"),
    ("FRQCD", "YR", "Yearly"),
    ("FRQCD", "HY", "Half-yearly"),
    ("FRQCD", "QT", "Quarterly"),
    ("FRQCD", "MN", "Monthly"),
    ("FRQCD", "FN", "Fortnightly"),
    ("FRQCD", "WK", "Weekly"),
    ("FRQCD", "DL", "Daily"),
    ("FRQCD", "ID", "Interval (minutes)"),
    ("MAPCMBCD", "SUM", "Sum"),
    ("MAPCMBCD", "MIN", "Minimum"),
    ("MAPCMBCD", "MAX", "Maximum"),
    ("MAPCMBCD", "COUNT", "Count"),
    ("MAPCMBCD", "AVG", "Average"),
    ("SCDTYP", "1", "Type 1: overwrite in place"),
    ("SCDTYP", "2", "Type 2: keep history"),
    ("DATATYPE", "INTEGER", "Whole number"),
    ("DATATYPE", "BIGINT", "Large whole number"),
    ("DATATYPE", "NUMERIC(p,s)", "Exact decimal"),
    ("DATATYPE", "VARCHAR(n)", "Text up to n"),
    ("DATATYPE", "DATE", "Date"),
    ("DATATYPE", "TIMESTAMP", "Date and time"),
    ("DATATYPE", "TEXT", "Long text"),
]


def _schema() -> str | None:
    """DMS_SCHEMA: lightweight sa.table() clauses are not covered by schema_translate_map."""
    return op.get_context().version_table_schema


def upgrade() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    roles = sa.table(
        "roles",
        sa.column("role_id", sa.Integer),
        sa.column("role_name", sa.String),
        sa.column("description", sa.String),
        sa.column("is_system", sa.Boolean),
        sa.column("created_at", sa.DateTime),
        schema=_schema(),
    )
    matrix = sa.table(
        "permission_matrix",
        sa.column("role_id", sa.Integer),
        sa.column("module", sa.String),
        *(sa.column(f"can_{a}", sa.Boolean) for a in ("view", "create", "edit", "delete")),
        schema=_schema(),
    )
    params = sa.table(
        "dms_params",
        sa.column("prtyp", sa.String),
        sa.column("prcd", sa.String),
        sa.column("prdesc", sa.String),
        sa.column("prval", sa.String),
        sa.column("reccrdt", sa.DateTime),
        schema=_schema(),
    )
    # INSERT ... SELECT and bulk_insert also render offline (--sql) for Oracle scripts.
    for name, (description, grants) in ROLES.items():
        op.execute(
            roles.insert().values(
                role_name=name, description=description, is_system=True, created_at=now
            )
        )
        for module, letters in grants.items():
            op.execute(
                matrix.insert().from_select(
                    ["role_id", "module", "can_view", "can_create", "can_edit", "can_delete"],
                    sa.select(
                        roles.c.role_id,
                        sa.literal(module),
                        *(sa.literal(flag in letters, sa.Boolean) for flag in "vced"),
                    ).where(roles.c.role_name == name),
                )
            )
    op.bulk_insert(
        params,
        [{"prtyp": t, "prcd": c, "prdesc": d, "prval": c, "reccrdt": now} for t, c, d in PARAMS],
    )


def downgrade() -> None:
    roles = sa.table("roles", sa.column("is_system", sa.Boolean), schema=_schema())
    op.execute(sa.table("permission_matrix", schema=_schema()).delete())
    op.execute(roles.delete().where(roles.c.is_system.is_(True)))
    op.execute(sa.table("dms_params", schema=_schema()).delete())

"""A small but real workspace for scheduler tests: a SQLite source, a SQLite warehouse,
one managed query and a few staging mappings that load quickly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace


def make_source(path: Path, rows: int = 20) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE item (code TEXT, label TEXT)"))
        conn.execute(
            text("INSERT INTO item VALUES (:c, :l)"),
            [{"c": f"I{n:04d}", "l": f"label {n}"} for n in range(rows)],
        )
    engine.dispose()


def staging_mappings(ws: Workspace, admin: CurrentUser, folder: Path, refs: list[str]) -> list[str]:
    """One staging mapping per ref, all reading the same source into their own table."""
    src = folder / "sched_src.db"
    if not src.exists():
        make_source(src)
    connections = ConnectionService(ws, admin)
    names = {c.name for c in connections.list_connections()}
    if "SCH_SRC" not in names:
        connections.create(ConnectionDef(name="SCH_SRC", dbtype="SQLITE", database=str(src)))
        connections.create(
            ConnectionDef(
                name="SCH_DW",
                dbtype="SQLITE",
                database=str(folder / "sched_dw.db"),
                options={"create": True},
            )
        )
        queries = SqlService(ws, admin)
        queries.save("SQL_ITEMS", "SELECT code, label FROM item", connections.get("SCH_SRC").conid)
        queries.validate("SQL_ITEMS")
    target = connections.get("SCH_DW").conid
    for ref in refs:
        MappingService(ws, admin).save(
            Mapping(
                ref=ref,
                table_name=f"STG_{ref}",
                table_type="STAGING",
                sql_code="SQL_ITEMS",
                target_conid=target,
                columns=[
                    MappingColumn("CODE", "VARCHAR(10)", logic="code"),
                    MappingColumn("LABEL", "VARCHAR(40)", logic="label"),
                ],
            )
        )
    return refs


def break_mapping(ws: Workspace, admin: CurrentUser, ref: str) -> None:
    """Make a mapping fail validation (logic naming a column the source lacks)."""
    svc = MappingService(ws, admin)
    mapping = svc.get(ref)
    mapping.columns[1].logic = "no_such_column"
    svc.save(mapping)

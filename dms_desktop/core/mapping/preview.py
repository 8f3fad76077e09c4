"""Preview: the first rows of the transformed source query, streamed and cancellable.

The rows come from the source database exactly as the engine would read them (logic,
aggregation and GROUP BY pushed down), limited in SQL. Lookups are target-side and not
resolved here: a looked-up column shows its raw key.
"""

from __future__ import annotations

from dataclasses import dataclass

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.mapping.sqlgen import transformed_query
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace

MAX_PREVIEW_ROWS = 100_000


@dataclass(frozen=True)
class PreviewSource:
    """Where a preview runs and what: for showing the SQL next to the rows."""

    sql: str
    dialect: str
    connection: str


def preview_query(
    ws: Workspace, actor: CurrentUser, mapping: Mapping, rows: int = 100
) -> tuple[QueryRun, PreviewSource]:
    """An unstarted ``QueryRun`` over the source: call ``start()`` and ``fetch()`` in a worker,
    ``cancel()`` from anywhere, ``close()`` when done."""
    actor.require("mapper", "view")
    if not (mapping.sql_code or "").strip():
        raise ValidationError(f"Mapping {mapping.ref} has no source SQL: choose one first.")
    rows = max(1, min(int(rows), MAX_PREVIEW_ROWS))
    managed = SqlService(ws, actor).get(mapping.sql_code or "")
    if managed.conid is None:
        raise ValidationError(f"SQL '{managed.code}' has no connection: set one first.")
    connections = ConnectionService(ws, actor)
    source = connections.get(managed.conid)
    columns = [c.name for c in managed.columns] or None
    sql = transformed_query(mapping, managed.text, source.dialect, columns, limit=rows)
    run = QueryRun(
        connections.engine(managed.conid), source.dialect, sql, fetch_size=min(rows, 500)
    )
    return run, PreviewSource(sql, source.dialect, source.name)


def preview(ws: Workspace, actor: CurrentUser, mapping: Mapping, rows: int = 100) -> QueryRun:
    """The preview stream alone (see ``preview_query``)."""
    return preview_query(ws, actor, mapping, rows)[0]

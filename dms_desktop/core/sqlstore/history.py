"""Query history of the SQL editor (DMS_SQLHIST), per connection and user.

Bounded: each user keeps the newest ``KEEP`` statements per connection, older ones are pruned
when a new one is recorded, so the metadata database does not grow with every keystroke run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_sqlhist
from dms_desktop.core.workspace import Workspace

KEEP = 1000
STATUSES = ("OK", "ERROR", "CANCELLED")
_MAX_SQL = 100_000
_MAX_MESSAGE = 4000


@dataclass(frozen=True)
class HistoryEntry:
    histid: int
    conid: int
    username: str
    sql: str
    started: datetime
    elapsed_ms: int | None
    rows: int | None
    status: str
    message: str | None


def record_history(
    ws: Workspace,
    conid: int,
    username: str,
    sql: str,
    elapsed_ms: int | None,
    rows: int | None,
    status: str,
    message: str | None = None,
) -> None:
    """Remember a statement the user ran (``status``: OK, ERROR or CANCELLED)."""
    if status not in STATUSES:
        raise ValidationError(f"History status must be one of {', '.join(STATUSES)}.")
    with write_tx(ws.engine) as conn:
        conn.execute(
            dms_sqlhist.insert().values(
                conid=conid,
                username=username,
                sqltext=sql[:_MAX_SQL],
                strtdt=utcnow(),
                elapsedms=elapsed_ms,
                rowcnt=rows,
                status=status,
                message=(message or None) and message[:_MAX_MESSAGE],
            )
        )
        mine = and_(dms_sqlhist.c.conid == conid, dms_sqlhist.c.username == username)
        oldest_kept = (
            select(dms_sqlhist.c.histid)
            .where(mine)
            .order_by(dms_sqlhist.c.histid.desc())
            .offset(KEEP - 1)
            .limit(1)
            .scalar_subquery()
        )
        conn.execute(delete(dms_sqlhist).where(mine, dms_sqlhist.c.histid < oldest_kept))


def history(
    ws: Workspace, conid: int, limit: int = 200, username: str | None = None
) -> list[HistoryEntry]:
    """The newest statements run on a connection (by one user when ``username`` is given)."""
    query = select(dms_sqlhist).where(dms_sqlhist.c.conid == conid)
    if username is not None:
        query = query.where(dms_sqlhist.c.username == username)
    query = query.order_by(dms_sqlhist.c.histid.desc()).limit(limit)
    with ws.engine.connect() as conn:
        return [
            HistoryEntry(
                histid=r.histid,
                conid=r.conid,
                username=r.username,
                sql=r.sqltext,
                started=r.strtdt,
                elapsed_ms=r.elapsedms,
                rows=r.rowcnt,
                status=r.status,
                message=r.message,
            )
            for r in conn.execute(query)
        ]

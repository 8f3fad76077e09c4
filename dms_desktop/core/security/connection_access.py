"""Per-connection grants: which connections a user's roles may use (the seed's row-level
security, in this tool's terms).

``check_connection_access`` is called where every SQL run, preview and load gets its engine
(``ConnectionService.engine_and_dialect``): a refused call raises PermissionDenied and is
recorded in the audit trail. A user may use a connection when any of their roles may: a role
with ``all_connections`` uses every one, another only those in ``role_connections``. An
identity whose roles are not in the database (the scheduler service, which runs what a user
with the grant queued) is not restricted here.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from dms_desktop.core.admin import trail
from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.metadata.tables import (
    dms_dbcondtls,
    dms_mapr,
    dms_maprsql,
    role_connections,
    roles,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace


def allowed_connections(conn: Connection, role_names: Iterable[str]) -> frozenset[int] | None:
    """Connection ids the roles may use; None when unrestricted."""
    names = [n.lower() for n in role_names]
    rows = conn.execute(
        select(roles.c.role_id, roles.c.all_connections).where(
            func.lower(roles.c.role_name).in_(names)
        )
    ).all()
    if not rows or any(r.all_connections for r in rows):
        return None
    return frozenset(
        int(c)
        for c in conn.execute(
            select(role_connections.c.conid).where(
                role_connections.c.role_id.in_([r.role_id for r in rows])
            )
        ).scalars()
    )


def usable_connections(ws: Workspace, actor: CurrentUser) -> frozenset[int] | None:
    """For lists and pickers: the ids ``actor`` may use, None for all."""
    with ws.engine.connect() as conn:
        return allowed_connections(conn, actor.live_roles)


def check_connection_access(
    ws: Workspace, actor: CurrentUser, conid: int, name: str | None = None
) -> None:
    """Raise PermissionDenied (audited) unless ``actor`` may use connection ``conid``."""
    with ws.engine.connect() as conn:
        allowed = allowed_connections(conn, actor.live_roles)
        if allowed is None or conid in allowed:
            return
        if name is None:
            name = conn.execute(
                select(dms_dbcondtls.c.connm).where(dms_dbcondtls.c.conid == conid)
            ).scalar_one_or_none()
    shown = name or f"#{conid}"
    message = (
        f"{actor.username} ({', '.join(actor.live_roles) or 'no role'}) may not use connection "
        f"{shown}: ask an administrator to grant it to one of your roles."
    )
    session = actor.session
    trail.record_later(
        ws.engine,
        actor.username,
        trail.ACCESS,
        trail.DENIED,
        f"connection {shown}",
        detail=message,
        actor_id=actor.user_id,
        host=session.host if session is not None else None,
    )
    raise PermissionDenied(message)


def check_mapping_connections(ws: Workspace, actor: CurrentUser, refs: Iterable[str]) -> None:
    """Every connection the mappings read or write must be usable by ``actor``: for
    queueing a job, whose run the scheduler service performs under its own identity."""
    wanted = [r.upper() for r in refs]
    if not wanted:
        return
    with ws.engine.connect() as conn:
        rows = conn.execute(
            select(dms_mapr.c.trgconid, dms_maprsql.c.sqlconid)
            .outerjoin(
                dms_maprsql,
                (func.upper(dms_maprsql.c.maprsqlcd) == func.upper(dms_mapr.c.maprsqlcd))
                & (dms_maprsql.c.curflg == "Y"),
            )
            .where(func.upper(dms_mapr.c.mapref).in_(wanted), dms_mapr.c.curflg == "Y")
        ).all()
    for conid in sorted({c for row in rows for c in row if c is not None}):
        check_connection_access(ws, actor, int(conid))

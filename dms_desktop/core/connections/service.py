"""Create, edit, copy, delete and test connections; hand out their engines.

Every call checks the actor's permissions on the "connections" module (running SQL on a
connection needs "sql" view). Edits update the row in place, so SQL and mappings keep
pointing at the same CONID; a delete keeps the row with CURFLG='N' for the history of runs.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from dms_desktop.core import clock
from dms_desktop.core.connections.engines import ENGINES, build_engine
from dms_desktop.core.connections.model import DB_TYPES, ConnectionDef
from dms_desktop.core.errors import (
    AlreadyExists,
    ConnectionFailed,
    NotFound,
    ValidationError,
    describe_db_error,
)
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import (
    dms_dbcondtls,
    dms_flupld,
    dms_mapr,
    dms_maprsql,
    dms_rpt,
)
from dms_desktop.core.security.connection_access import check_connection_access
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.secrets import open_secret_box
from dms_desktop.core.workspace import Workspace

_NAME = re.compile(r"^[\w][\w .()/-]{0,99}$")
KEEP = object()  # update(): keep the stored password
CURRENT = "Y"


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str
    elapsed_ms: int
    server_version: str | None = None


def _from_row(row: RowMapping) -> ConnectionDef:
    return ConnectionDef(
        name=row["connm"],
        dbtype=row["dbtyp"],
        host=row["dbhost"],
        port=row["dbport"],
        service=row["dbsid"],
        database=row["dbname"],
        user=row["dbuser"],
        options=json.loads(row["dbopts"]) if row["dbopts"] else {},
        description=row["condesc"],
        conid=row["conid"],
        has_password=bool(row["dbpwdenc"]),
        updated=row["recupdt"] or row["reccrdt"],
    )


def check_definition(defn: ConnectionDef) -> None:
    """Refuse an incomplete definition with what to fill in."""
    if not _NAME.match(defn.name or ""):
        raise ValidationError(
            "A connection name needs 1-100 letters, digits, spaces or . _ - ( ) /."
        )
    if defn.dbtype not in DB_TYPES:
        raise ValidationError(
            f"Unknown connection type '{defn.dbtype}': use one of {', '.join(DB_TYPES)}."
        )
    needed = {
        "host": defn.host,
        "service": defn.service,
        "database": defn.database,
        "path": defn.database,
    }
    missing = [f for f in defn.type.fields if f in needed and not needed[f]]
    if missing:
        raise ValidationError(f"A {defn.type.label} connection needs: {', '.join(missing)}.")
    if defn.port is not None and not 0 < defn.port < 65536:
        raise ValidationError("The port must be between 1 and 65535.")


class ConnectionService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor
        self._scope = str(ws.engine.url)

    # --- reading -------------------------------------------------------------------------

    def list_connections(self) -> list[ConnectionDef]:
        self.actor.require("connections", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(dms_dbcondtls)
                    .where(dms_dbcondtls.c.curflg == CURRENT)
                    .order_by(func.lower(dms_dbcondtls.c.connm))
                )
                .mappings()
                .all()
            )
        return [_from_row(r) for r in rows]

    def get(self, key: str | int) -> ConnectionDef:
        self.actor.require("connections", "view")
        with self.ws.engine.connect() as conn:
            return _from_row(self._row(conn, key))

    def _row(self, conn: Connection, key: str | int) -> RowMapping:
        where = (
            (dms_dbcondtls.c.conid == key)
            if isinstance(key, int)
            else (func.lower(dms_dbcondtls.c.connm) == key.lower())
        )
        row = (
            conn.execute(select(dms_dbcondtls).where(where, dms_dbcondtls.c.curflg == CURRENT))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"No connection '{key}': see 'dms connection list'.")
        return row

    def _password(self, conid: int) -> str | None:
        with self.ws.engine.connect() as conn:
            token = conn.execute(
                select(dms_dbcondtls.c.dbpwdenc).where(dms_dbcondtls.c.conid == conid)
            ).scalar_one_or_none()
        return open_secret_box(self.ws).decrypt(token) if token else None

    def engine(self, key: str | int) -> Engine:
        """The pooled engine of a connection, for running SQL (needs "sql" view)."""
        return self.engine_and_dialect(key)[0]

    def engine_and_dialect(self, key: str | int) -> tuple[Engine, str]:
        """Engine plus sqlglot dialect: what SQL, mappings and loads need ("sql" view)."""
        self.actor.require("sql", "view")
        with self.ws.engine.connect() as conn:
            defn = _from_row(self._row(conn, key))
        assert defn.conid is not None
        conid = defn.conid
        check_connection_access(self.ws, self.actor, conid, defn.name)  # per-connection grants
        return ENGINES.get(self._scope, defn, lambda: self._password(conid)), defn.dialect

    # --- writing -------------------------------------------------------------------------

    def _values(self, defn: ConnectionDef) -> dict[str, Any]:
        return {
            "connm": defn.name.strip(),
            "dbtyp": defn.dbtype,
            "dbhost": defn.host,
            "dbport": defn.port,
            "dbsid": defn.service,
            "dbname": defn.database,
            "dbuser": defn.user,
            "dbopts": json.dumps(defn.options) if defn.options else None,
            "condesc": defn.description,
        }

    def _encrypt(self, password: str | None) -> str | None:
        return open_secret_box(self.ws, create=True).encrypt(password) if password else None

    def _name_taken(self, conn: Connection, name: str, except_id: int | None = None) -> None:
        query = select(dms_dbcondtls.c.conid).where(
            func.lower(dms_dbcondtls.c.connm) == name.strip().lower(),
            dms_dbcondtls.c.curflg == CURRENT,
        )
        if except_id is not None:
            query = query.where(dms_dbcondtls.c.conid != except_id)
        if conn.execute(query).first():
            raise AlreadyExists(f"A connection named '{name}' exists: choose another name.")

    def create(self, defn: ConnectionDef, password: str | None = None) -> ConnectionDef:
        self.actor.require("connections", "create")
        check_definition(defn)
        token = self._encrypt(password)  # before the transaction: may touch the key store
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            self._name_taken(conn, defn.name)
            conid = conn.execute(
                dms_dbcondtls.insert().values(
                    **self._values(defn),
                    dbpwdenc=token,
                    curflg=CURRENT,
                    reccrdt=now,
                    crtdby=self.actor.username,
                )
            ).inserted_primary_key
            assert conid is not None
            return _from_row(self._row(conn, int(conid[0])))

    def update(
        self, key: str | int, defn: ConnectionDef, password: str | None | object = KEEP
    ) -> ConnectionDef:
        """Edit in place; ``password``: KEEP the stored one, None to clear, or a new one."""
        self.actor.require("connections", "edit")
        check_definition(defn)
        values = self._values(defn)
        if password is not KEEP:
            values["dbpwdenc"] = self._encrypt(password if isinstance(password, str) else None)
        with write_tx(self.ws.engine) as conn:
            conid = self._row(conn, key)["conid"]
            self._name_taken(conn, defn.name, except_id=conid)
            conn.execute(
                dms_dbcondtls.update()
                .where(dms_dbcondtls.c.conid == conid)
                .values(**values, recupdt=clock.utcnow(), uptdby=self.actor.username)
            )
            updated = _from_row(self._row(conn, conid))
        ENGINES.dispose(self._scope, conid)
        return updated

    def copy(self, key: str | int, new_name: str) -> ConnectionDef:
        """A new connection with the same settings and (encrypted) password."""
        self.actor.require("connections", "create")
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, key)
            source = _from_row(row)
            check_definition(replace(source, name=new_name))
            self._name_taken(conn, new_name)
            new_id = conn.execute(
                dms_dbcondtls.insert().values(
                    **self._values(replace(source, name=new_name)),
                    dbpwdenc=row["dbpwdenc"],
                    curflg=CURRENT,
                    reccrdt=now,
                    crtdby=self.actor.username,
                )
            ).inserted_primary_key
            assert new_id is not None
            return _from_row(self._row(conn, int(new_id[0])))

    def usages(self, conn: Connection, conid: int) -> list[str]:
        """What still points at a connection: current SQL, mappings, uploads."""
        found: list[str] = []
        for label, table, col, name in (
            ("SQL", dms_maprsql, dms_maprsql.c.sqlconid, dms_maprsql.c.maprsqlcd),
            ("mapping", dms_mapr, dms_mapr.c.trgconid, dms_mapr.c.mapref),
            ("upload", dms_flupld, dms_flupld.c.trgconid, dms_flupld.c.flupldref),
            ("report", dms_rpt, dms_rpt.c.rptconid, dms_rpt.c.rptnm),
        ):
            names = (
                conn.execute(
                    select(name).where(col == conid, table.c.curflg == CURRENT).order_by(name)
                )
                .scalars()
                .all()
            )
            found += [f"{label} {n}" for n in names]
        return found

    def delete(self, key: str | int) -> None:
        self.actor.require("connections", "delete")
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, key)
            used = self.usages(conn, row["conid"])
            if used:
                shown = ", ".join(used[:5]) + (
                    f" and {len(used) - 5} more" if len(used) > 5 else ""
                )
                raise ValidationError(
                    f"Connection '{row['connm']}' is still used by {shown}: point them at "
                    "another connection first."
                )
            conn.execute(
                dms_dbcondtls.update()
                .where(dms_dbcondtls.c.conid == row["conid"])
                .values(curflg="N", recupdt=clock.utcnow(), uptdby=self.actor.username)
            )
        ENGINES.dispose(self._scope, row["conid"])

    # --- testing -------------------------------------------------------------------------

    def test(
        self, defn: ConnectionDef | str | int, password: str | None | object = KEEP
    ) -> TestResult:
        """Connect once with a fresh engine (no pool) and ask the server its version."""
        self.actor.require("connections", "view")
        if not isinstance(defn, ConnectionDef):
            defn = self.get(defn)
        check_definition(defn)
        if password is KEEP and defn.conid:
            # the stored password opens the server: only for roles granted this connection
            check_connection_access(self.ws, self.actor, defn.conid, defn.name)
        if password is KEEP:
            password = self._password(defn.conid) if defn.conid else None
        engine = build_engine(
            defn, password if isinstance(password, str) else None, poolclass=NullPool
        )
        started = time.monotonic()
        try:
            with engine.connect() as conn:
                version = _server_version(conn, defn.dbtype)
        except SQLAlchemyError as exc:
            elapsed = int((time.monotonic() - started) * 1000)
            return TestResult(False, describe_db_error(exc), elapsed)
        finally:
            engine.dispose()
        elapsed = int((time.monotonic() - started) * 1000)
        return TestResult(True, f"Connected in {elapsed} ms: {version}", elapsed, version)

    def require_reachable(self, key: str | int) -> ConnectionDef:
        result = self.test(key)
        if not result.ok:
            raise ConnectionFailed(f"Connection '{key}': {result.message}")
        return self.get(key)


def _server_version(conn: Connection, dbtype: str) -> str:
    query = {
        "POSTGRESQL": "SELECT version()",
        "MYSQL": "SELECT CONCAT('MariaDB/MySQL ', VERSION())",
        "ORACLE": "SELECT banner FROM v$version WHERE ROWNUM = 1",
        "SQLITE": "SELECT 'SQLite ' || sqlite_version()",
    }[dbtype]
    value = conn.execute(text(query)).scalar()
    return str(value).split(",")[0]

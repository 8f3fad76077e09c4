"""Reading the audit: logins (``login_audit_log``) and administrative changes
(``admin_audit_log``), filtered in SQL, newest first, and exported as CSV."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.metadata.tables import admin_audit_log, login_audit_log
from dms_desktop.core.security import audit as login_audit
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

DEFAULT_LIMIT = 5000
# Outcome groups of the login viewer's filter -> events.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "success": (login_audit.LOGIN_SUCCESS, login_audit.SESSION_UNLOCK),
    "failure": (login_audit.LOGIN_FAILURE,),
    "lockout": (login_audit.LOCKOUT,),
    "logout": (login_audit.LOGOUT, login_audit.SESSION_LOCK),
    "account": (login_audit.UNLOCK, login_audit.PASSWORD_CHANGE, login_audit.USER_CREATED),
}


@dataclass(frozen=True)
class AuditFilter:
    user: str | None = None  # part of the user (or actor) name, case-insensitive
    outcome: str | None = None  # a key of OUTCOMES (logins) or a category (changes)
    since: datetime | None = None  # naive UTC, inclusive
    until: datetime | None = None  # naive UTC, exclusive
    limit: int = DEFAULT_LIMIT

    def check(self) -> None:
        if self.since and self.until and self.until <= self.since:
            raise ValidationError("The end of the period must come after its start.")
        if not 1 <= self.limit <= 1_000_000:
            raise ValidationError("Show between 1 and 1,000,000 rows.")


@dataclass(frozen=True)
class LoginEvent:
    id: int
    event_time: datetime
    username: str
    event: str
    host: str | None
    detail: str | None


@dataclass(frozen=True)
class ChangeEvent:
    id: int
    event_time: datetime
    actor: str
    category: str
    action: str
    object_name: str
    before_value: str | None
    after_value: str | None
    detail: str | None
    host: str | None


class AuditService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    def logins(self, flt: AuditFilter | None = None) -> list[LoginEvent]:
        self.actor.require("admin", "view")
        flt = flt or AuditFilter()
        flt.check()
        t = login_audit_log
        query: Select[Any] = select(
            t.c.id, t.c.event_time, t.c.username, t.c.event, t.c.host, t.c.detail
        )
        if flt.user:
            query = query.where(
                func.lower(t.c.username).contains(flt.user.strip().lower(), autoescape=True)
            )
        if flt.outcome:
            if flt.outcome not in OUTCOMES:
                raise ValidationError(
                    f"Unknown outcome '{flt.outcome}': use one of {', '.join(OUTCOMES)}."
                )
            query = query.where(t.c.event.in_(OUTCOMES[flt.outcome]))
        query = self._period(query, t.c.event_time, flt)
        with self.ws.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.id.desc()).limit(flt.limit)).all()
        return [LoginEvent(*r) for r in rows]

    def changes(self, flt: AuditFilter | None = None) -> list[ChangeEvent]:
        self.actor.require("admin", "view")
        flt = flt or AuditFilter()
        flt.check()
        t = admin_audit_log
        query: Select[Any] = select(
            t.c.id, t.c.event_time, t.c.actor, t.c.category, t.c.action, t.c.object_name,
            t.c.before_value, t.c.after_value, t.c.detail, t.c.host,
        )  # fmt: skip
        if flt.user:
            needle = flt.user.strip().lower()
            query = query.where(
                func.lower(t.c.actor).contains(needle, autoescape=True)
                | func.lower(t.c.object_name).contains(needle, autoescape=True)
            )
        if flt.outcome:
            query = query.where(t.c.category == flt.outcome.upper())
        query = self._period(query, t.c.event_time, flt)
        with self.ws.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.id.desc()).limit(flt.limit)).all()
        return [ChangeEvent(*r) for r in rows]

    @staticmethod
    def _period(query: Select[Any], column: Any, flt: AuditFilter) -> Select[Any]:
        if flt.since:
            query = query.where(column >= flt.since)
        if flt.until:
            query = query.where(column < flt.until)
        return query

    def export(self, kind: str, flt: AuditFilter | None, path: Path | str) -> int:
        """Write the filtered logins or changes to a CSV file; returns the row count."""
        rows: Sequence[LoginEvent | ChangeEvent]
        if kind == "logins":
            rows, names = self.logins(flt), [f.name for f in fields(LoginEvent)]
        elif kind == "changes":
            rows, names = self.changes(flt), [f.name for f in fields(ChangeEvent)]
        else:
            raise ValidationError("Export 'logins' or 'changes'.")
        return write_csv(Path(path), names, rows)


def write_csv(path: Path, names: list[str], rows: Sequence[Any]) -> int:
    """UTF-8 with a BOM (spreadsheets detect it), written beside then renamed into place."""
    if not path.parent.is_dir():
        raise ValidationError(f"Folder {path.parent} does not exist: choose another one.")
    temp = path.with_name(f".{path.name}.part")
    try:
        with temp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(names)
            for row in rows:
                writer.writerow([_cell(getattr(row, name)) for name in names])
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise DmsError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return len(rows)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula when the file is opened in a spreadsheet
    return value

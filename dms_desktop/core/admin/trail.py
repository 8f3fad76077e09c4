"""The audit trail of administrative changes and refused calls (``admin_audit_log``).

A change is recorded in the transaction that makes it, so the trail and the change commit or
roll back together. A *refused* call is recorded by a background writer instead: the refusal
is raised from inside the caller's transaction, which on SQLite may hold the write lock that
a synchronous insert would wait for; the writer inserts once that transaction has ended.

Values are stored as JSON (sorted keys). Passwords and their hashes never enter the trail:
a password reset is recorded as the event alone.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from dms_desktop.core import clock
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import admin_audit_log
from dms_desktop.core.security.audit import this_host

log = logging.getLogger(__name__)

USER, ROLE, PARAM, SECRETS, ACCESS = "USER", "ROLE", "PARAM", "SECRETS", "ACCESS"
CATEGORIES = (USER, ROLE, PARAM, SECRETS, ACCESS)
DENIED = "DENIED"


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def _values(
    by: str,
    category: str,
    action: str,
    name: str,
    *,
    before: Any = None,
    after: Any = None,
    detail: str | None = None,
    actor_id: int | None = None,
    host: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "event_time": at or clock.utcnow(),
        "actor": by[:100],
        "actor_id": actor_id or None,
        "host": (host or this_host())[:255],
        "category": category,
        "action": action[:30],
        "object_name": name[:200],
        "before_value": to_json(before),
        "after_value": to_json(after),
        "detail": detail[:1000] if detail else None,
    }


def record(conn: Connection, by: str, category: str, action: str, name: str, **kw: Any) -> None:
    """Record a change made by ``by`` inside the caller's transaction."""
    conn.execute(admin_audit_log.insert().values(_values(by, category, action, name, **kw)))


class _Writer:
    """One daemon thread inserting queued rows, each in its own short transaction."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[Engine, dict[str, Any]]] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, engine: Engine, values: dict[str, Any]) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="dms-audit", daemon=True)
                self.thread.start()
        self.queue.put((engine, values))

    def _run(self) -> None:
        while True:
            engine, values = self.queue.get()
            try:
                with write_tx(engine) as conn:
                    conn.execute(admin_audit_log.insert().values(values))
            except Exception as exc:  # noqa: BLE001 - never lose the process over an audit row
                log.warning("Could not record %s in the audit trail: %s", values["action"], exc)
            finally:
                self.queue.task_done()

    def flush(self, timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while self.queue.unfinished_tasks:
            if time.monotonic() > end:
                return False
            time.sleep(0.005)
        return True


_writer = _Writer()


def record_later(engine: Engine, by: str, category: str, action: str, name: str, **kw: Any) -> None:
    """Record outside the caller's transaction (refusals raised inside one)."""
    _writer.submit(engine, _values(by, category, action, name, **kw))


def flush(timeout_s: float = 10.0) -> bool:
    """Wait until every queued row is written (tests, shutdown); False on timeout."""
    return _writer.flush(timeout_s)

"""Editor history per connection (DMS_SQLHIST) on SQLite and PostgreSQL metadata."""

from __future__ import annotations

import pytest

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.sqlstore import history as history_mod
from dms_desktop.core.sqlstore.runner import history, record_history
from dms_desktop.core.workspace import Workspace


def test_recorded_newest_first_per_connection(workspace: Workspace) -> None:
    record_history(workspace, 1, "alice", "SELECT 1", 12, 1, "OK")
    record_history(workspace, 1, "bob", "SELECT 2", 30, None, "ERROR", "no such table: x")
    record_history(workspace, 2, "alice", "SELECT 3", 5, 0, "CANCELLED")
    entries = history(workspace, 1)
    assert [(e.sql, e.username, e.status) for e in entries] == [
        ("SELECT 2", "bob", "ERROR"),
        ("SELECT 1", "alice", "OK"),
    ]
    assert entries[0].message == "no such table: x" and entries[1].elapsed_ms == 12
    assert entries[1].rows == 1 and entries[1].started is not None
    assert [e.sql for e in history(workspace, 1, username="alice")] == ["SELECT 1"]
    assert len(history(workspace, 1, limit=1)) == 1


def test_history_is_bounded_and_checked(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_mod, "KEEP", 3)
    for i in range(5):
        record_history(workspace, 7, "alice", f"SELECT {i}", 1, 1, "OK", "x" * 5000)
    kept = history(workspace, 7)
    assert [e.sql for e in kept] == ["SELECT 4", "SELECT 3", "SELECT 2"]
    assert len(kept[0].message or "") == 4000
    with pytest.raises(ValidationError, match="OK, ERROR, CANCELLED"):
        record_history(workspace, 7, "alice", "SELECT 1", 1, 1, "DONE")

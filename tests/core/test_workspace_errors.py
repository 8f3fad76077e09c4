"""Bad metadata databases give one clear line and change nothing."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER, create_demo_workspace
from dms_desktop.core.errors import MetadataUnavailable
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.settings import load_settings
from dms_desktop.core.workspace import open_workspace


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sqlite(dms_home: Path, path: Path):  # type: ignore[no-untyped-def]
    return load_settings({"DMS_HOME": str(dms_home), "DMS_METADATA_URL": f"sqlite:///{path}"})


def test_corrupt_sqlite_file_is_refused_untouched(dms_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "workspace.db"
    bad.write_bytes(b"PK\x03\x04 this is a zip file, not a database" * 100)
    before = _digest(bad)
    with pytest.raises(MetadataUnavailable) as err:
        open_workspace(_sqlite(dms_home, bad))
    assert "not a SQLite database" in err.value.message and "\n" not in err.value.message
    assert _digest(bad) == before
    assert list(tmp_path.glob("workspace.db*")) == [bad]


def test_damaged_sqlite_pages_are_refused(dms_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    ws = open_workspace(_sqlite(dms_home, path))
    ws.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page, keep the header
    path.write_bytes(bytes(data))
    with pytest.raises(MetadataUnavailable) as err:
        open_workspace(_sqlite(dms_home, path))
    assert "corrupt" in err.value.message or "not a SQLite" in err.value.message


def test_read_only_workspace_is_refused_with_a_clear_message(
    dms_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ro.db"
    open_workspace(_sqlite(dms_home, path)).close()
    before = _digest(path)
    settings = load_settings(
        {"DMS_HOME": str(dms_home), "DMS_METADATA_URL": f"sqlite:///file:{path}?mode=ro&uri=true"}
    )
    with pytest.raises(MetadataUnavailable) as err:
        open_workspace(settings)
    assert "read-only" in err.value.message
    assert _digest(path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_read_only_file_permissions(dms_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "perm.db"
    open_workspace(_sqlite(dms_home, path)).close()
    path.chmod(0o444)
    with pytest.raises(MetadataUnavailable, match="read-only"):
        open_workspace(_sqlite(dms_home, path))


def test_unreachable_postgresql_fails_fast_in_plain_words(dms_home: Path) -> None:
    settings = load_settings(
        {
            "DMS_HOME": str(dms_home),
            "DB_TYPE": "POSTGRESQL",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": "1",
            "DB_NAME": "dms",
            "DB_USER": "u",
            "DB_PASSWORD": "pw-never-shown",
        }
    )
    started = time.monotonic()
    with pytest.raises(MetadataUnavailable) as err:
        open_workspace(settings)
    assert time.monotonic() - started < 12
    message = err.value.message
    assert "Connection refused" in message and "127.0.0.1" in message
    assert "pw-never-shown" not in message and "\n" not in message


def test_unknown_postgresql_host(dms_home: Path) -> None:
    settings = load_settings(
        {
            "DMS_HOME": str(dms_home),
            "DB_TYPE": "POSTGRESQL",
            "DB_HOST": "no-such-host.invalid",
            "DB_NAME": "dms",
        }
    )
    with pytest.raises(MetadataUnavailable, match="Unknown host"):
        open_workspace(settings)


def test_database_with_foreign_tables_is_not_taken_over(dms_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "someone_elses.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER)"))
    engine.dispose()
    with pytest.raises(MetadataUnavailable, match="not a DMS workspace"):
        open_workspace(_sqlite(dms_home, path))


def test_workspace_from_a_newer_release_is_refused(dms_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    ws = open_workspace(_sqlite(dms_home, path))
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE dms_alembic_version SET version_num = '9999'"))
    ws.close()
    with pytest.raises(MetadataUnavailable, match="newer than this DMS Desktop"):
        open_workspace(_sqlite(dms_home, path))


def test_demo_workspace_logs_in_with_documented_user(dms_home: Path) -> None:
    settings = load_settings({"DMS_HOME": str(dms_home)})
    ws = create_demo_workspace(settings)
    try:
        assert ws.demo_user == DEMO_USER
        user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
        assert user.can("admin", "view")
        assert (dms_home / "demo" / "erp.db").exists()
    finally:
        ws.close()
    create_demo_workspace(settings).close()  # idempotent: a second run adds nothing

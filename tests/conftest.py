"""Shared fixtures: real databases only.

SQLite always. PostgreSQL from DMS_TEST_PG_URL (default postgres@127.0.0.1:5432): each test
run creates its own database and drops it at the end; each test gets its own schema in it.
With DMS_REQUIRE_PG=1 (CI) an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from dms_desktop.core.settings import Settings, load_settings
from dms_desktop.core.workspace import Workspace, open_workspace

# The SMTP server fixture (``smtp``) for failure-mail tests, core and GUI.
pytest_plugins = ["tests.smtp_server"]

PG_URL = os.environ.get("DMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("DMS_REQUIRE_PG") == "1"


def _pg_admin_url() -> URL:
    url = make_url(PG_URL)
    return url.set(drivername="postgresql+psycopg2")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[URL]:
    """A fresh PostgreSQL database for this test run."""
    admin = create_engine(
        _pg_admin_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"dms_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        admin.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (DMS_REQUIRE_PG=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield _pg_admin_url().set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def dms_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolate every test from the user's real settings, data and logs."""
    home = tmp_path / "home"
    for key in (
        "DB_TYPE",
        "DB_HOST",
        "DB_PORT",
        "DB_SID",
        "DB_NAME",
        "DB_USER",
        "DB_PASSWORD",
        "DMS_SCHEMA",
        "CDR_SCHEMA",
        "LOG_LEVEL",
        "DMS_TIMEZONE",
        "SCHEDULER_MAX_WORKERS",
        "DMS_METADATA_URL",
        "DMS_USER",
        "DMS_PASSWORD",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DMS_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


SettingsFactory = Callable[..., Settings]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_settings(backend: str, dms_home: Path, request: pytest.FixtureRequest) -> SettingsFactory:
    """Settings for a fresh, empty metadata database on the test's backend."""

    def factory(**extra: str) -> Settings:
        env = {
            **{k: v for k, v in os.environ.items() if k.startswith("DMS_SECRET")},
            "DMS_HOME": str(dms_home),
            **extra,
        }
        if backend == "postgresql":
            url: URL = request.getfixturevalue("pg_database")
            env["DMS_METADATA_URL"] = url.render_as_string(hide_password=False)
            env.setdefault("DMS_SCHEMA", f"t_{uuid.uuid4().hex[:10]}")
        return load_settings(env)

    return factory


@pytest.fixture
def workspace(make_settings: SettingsFactory) -> Iterator[Workspace]:
    ws = open_workspace(make_settings())
    yield ws
    ws.close()


ADMIN_PASSWORD = "root of all tests 2026"


@pytest.fixture
def secret_key_file(dms_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Headless-host style secrets: a 0600 key file (the machine has no OS keyring)."""
    path = dms_home / "secret.key"
    monkeypatch.setenv("DMS_SECRET_KEY_FILE", str(path))
    return path


@pytest.fixture
def admin(workspace: Workspace):  # type: ignore[no-untyped-def]
    """The first administrator of the test workspace, logged in."""
    from dms_desktop.core.security.auth import AuthService

    return AuthService(workspace).create_first_admin("admin", ADMIN_PASSWORD)

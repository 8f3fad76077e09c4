"""Who may run a load: the Run right in Jobs, and every connection the mapping reads or
writes. A refusal is raised before anything is logged or loaded, and is audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.metadata.tables import dms_prclog
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.roles import RoleService
from tests.core.admin_support import ROLE_PASSWORD, denials, quick_user
from tests.engine_fixtures import (
    CUSTOMER_COLUMNS,
    EngineEnv,
    customer_columns,
    customer_source,
    engine_env,
)

ROW = ("C1", "Ada", "London", None, None, None)


@pytest.fixture
def env(tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with engine_env("sqlite", tmp_path / "eng", None) as e:
        customer_source(e)
        e.replace_rows("customer", CUSTOMER_COLUMNS, [ROW])
        e.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
        yield e


def _user(env: EngineEnv, name: str, jobs: list[str], connections: list[str] | None) -> CurrentUser:
    roles = RoleService(env.ws, env.admin)
    roles.create(name, copy_from="Viewer")
    roles.set_rights(name, "jobs", jobs)
    if connections is not None:
        roles.set_connections(name, False, connections)
    quick_user(env.ws, name.lower(), name)
    return AuthService(env.ws).login(name.lower(), ROLE_PASSWORD)


def _runs(env: EngineEnv) -> int:
    with env.ws.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(dms_prclog)).scalar_one())


@pytest.mark.parametrize(
    ("jobs", "connections", "refused"),
    [
        (["view", "create"], None, "jobs.run"),  # create is not run
        (["view", "run"], ["SRC"], "connection DW"),  # the target denied
        (["view", "run"], ["DW"], "connection SRC"),  # the source denied
    ],
    ids=["no-run-right", "target-denied", "source-denied"],
)
def test_a_refused_run_raises_audited_and_logs_nothing(
    env: EngineEnv, jobs: list[str], connections: list[str] | None, refused: str
) -> None:
    user = _user(env, "Limited", jobs, connections)
    with pytest.raises(PermissionDenied, match=" may not "):
        run_mapping(env.ws, user, "DIM_CUSTOMER")
    assert denials(env.ws, "limited") == [refused]
    assert _runs(env) == 0
    assert not env.has_table("dim_customer")


def test_the_run_right_and_both_connections_are_enough(env: EngineEnv) -> None:
    user = _user(env, "Runner", ["view", "run"], ["SRC", "DW"])
    result = run_mapping(env.ws, user, "DIM_CUSTOMER")
    assert result.ok, result.message
    assert result.counts.inserted == 1
    assert denials(env.ws, "runner") == []

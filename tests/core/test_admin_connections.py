"""Per-connection grants: a role limited to some connections cannot run SQL on, preview from
or load into the others; each refusal raises (or fails the run) and is audited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.mapping.ddl import apply_ddl
from dms_desktop.core.mapping.preview import preview
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.connection_access import (
    check_mapping_connections,
    usable_connections,
)
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace
from tests.core.admin_support import ROLE_PASSWORD, changes, denials, quick_user
from tests.core.mapping_support import MapperEnv, mapper_env

REF = "STG_ORDER_LINES"
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def env(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> MapperEnv:
    env = mapper_env(workspace, admin, tmp_path / "src")
    mapping = env.mapping(REF)
    MappingService(workspace, admin).save(mapping)
    apply_ddl(workspace, admin, mapping)
    return env


def _operator_limited_to(env: MapperEnv, *names: str) -> CurrentUser:
    roles = RoleService(env.ws, env.admin)
    roles.create("Night shift", copy_from="Operator")
    roles.set_connections("Night shift", False, list(names))
    quick_user(env.ws, "nina", "Night shift")
    return AuthService(env.ws).login("nina", ROLE_PASSWORD)


def test_sql_runs_only_on_granted_connections(env: MapperEnv) -> None:
    nina = _operator_limited_to(env, "ERP")
    service = ConnectionService(env.ws, nina)
    with service.engine("ERP").connect() as conn:  # granted: runs
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 40
    with pytest.raises(PermissionDenied, match="may not use connection DW"):
        service.engine("DW")
    with pytest.raises(PermissionDenied, match="may not use connection DW"):
        service.engine_and_dialect(env.dw.conid)  # type: ignore[arg-type]
    assert denials(env.ws, "nina") == ["connection DW", "connection DW"]
    # testing a stored connection opens it with the stored password: granted ones only
    assert service.test("ERP").ok
    with pytest.raises(PermissionDenied, match="may not use connection DW"):
        service.test("DW")
    assert usable_connections(env.ws, nina) == {env.erp.conid}
    # managed SQL validation reaches its connection through the same check
    SqlService(env.ws, env.admin).save("SQL_DW", "SELECT 1 AS one", env.dw.conid)
    with pytest.raises(PermissionDenied):
        SqlService(env.ws, nina).validate("SQL_DW")


def test_preview_needs_the_source_connection(env: MapperEnv) -> None:
    nina = _operator_limited_to(env, "DW")
    mapping = MappingService(env.ws, nina).get(REF)  # reading the definition is allowed
    with pytest.raises(PermissionDenied, match="may not use connection ERP"):
        preview(env.ws, nina, mapping)
    run: QueryRun = preview(env.ws, env.admin, mapping, rows=5)
    try:
        run.start()
        assert len(run.fetch()) == 5
    finally:
        run.close()


def test_a_load_into_a_denied_target_is_refused_and_changes_nothing(env: MapperEnv) -> None:
    nina = _operator_limited_to(env, "ERP")
    with pytest.raises(PermissionDenied, match="may not use connection DW"):
        run_mapping(env.ws, nina, REF)  # refused before anything is logged or loaded
    with env.engine("DW").connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {REF}")).scalar() == 0
    assert "connection DW" in denials(env.ws, "nina")
    with pytest.raises(PermissionDenied):  # what queueing a job checks too
        check_mapping_connections(env.ws, nina, [REF])
    # granted both: the same user loads, without logging in again
    RoleService(env.ws, env.admin).set_connections("Night shift", False, ["ERP", "DW"])
    assert nina.session is not None
    nina.session.check(force=True)
    assert run_mapping(env.ws, nina, REF).ok
    check_mapping_connections(env.ws, nina, [REF])


def test_grants_are_audited_and_other_roles_unrestricted(env: MapperEnv) -> None:
    nina = _operator_limited_to(env, "ERP")
    quick_user(env.ws, "both", "Night shift", "Viewer")  # Viewer: every connection
    both = AuthService(env.ws).login("both", ROLE_PASSWORD)
    ConnectionService(env.ws, both).engine("DW")
    assert usable_connections(env.ws, both) is None
    assert ("SET_CONNECTIONS", "Night shift", "admin") in changes(env.ws, "ROLE")
    info = RoleService(env.ws, env.admin).get("Night shift")
    assert (info.all_connections, info.connections) == (False, ("ERP",))
    RoleService(env.ws, env.admin).set_connections("Night shift", True)
    assert nina.session is not None
    nina.session.check(force=True)
    ConnectionService(env.ws, nina).engine("DW")
    copy = replace(env.mapping(REF), ref="STG_COPY")
    MappingService(env.ws, env.admin).save(copy)
    check_mapping_connections(env.ws, nina, ["STG_COPY"])

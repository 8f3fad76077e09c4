"""Mapping versions the seed's way (CURFLG history), constant round trips, permissions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event, func, select

from dms_desktop.core.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService, diff_mappings
from dms_desktop.core.metadata.tables import dms_mapr, dms_maprdtl
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.users import UserService
from dms_desktop.core.workspace import Workspace


def customer_mapping(n_columns: int = 3) -> Mapping:
    columns = [
        MappingColumn(
            "CUSTOMER_CODE", "VARCHAR(20)", key=True, key_seq=1, logic="customer_code", exec_seq=1
        )
    ]
    columns += [
        MappingColumn(f"ATTR_{i}", "VARCHAR(100)", logic=f"attr_{i}", scd_type="1", exec_seq=i + 2)
        for i in range(n_columns - 1)
    ]
    return Mapping(
        ref="DIM_CUSTOMER",
        table_name="DIM_CUSTOMER",
        table_type="DIMENSION",
        sql_code="SQL_CUSTOMERS",
        columns=columns,
    )


@pytest.fixture
def svc(workspace: Workspace, admin: CurrentUser) -> MappingService:
    return MappingService(workspace, admin)


def test_save_versions_and_restore(svc: MappingService, workspace: Workspace) -> None:
    first = svc.save(customer_mapping())
    assert (first.version, len(first.columns), first.current) == (1, 3, True)
    again = svc.save(customer_mapping())
    assert again.version == 1  # nothing changed, no new version
    changed = customer_mapping()
    changed.columns[1] = replace(changed.columns[1], scd_type="2", logic="UPPER(attr_0)")
    second = svc.save(changed)
    assert second.version == 2
    assert [v.version for v in svc.versions("dim_customer")] == [2, 1]
    assert svc.get("DIM_CUSTOMER", 1).columns[1].scd_type == "1"
    lines = diff_mappings(svc.get("DIM_CUSTOMER", 1), second)
    assert "~ ATTR_0.scd_type: '1' -> '2'" in lines
    restored = svc.restore("DIM_CUSTOMER", 1)
    assert restored.version == 3 and restored.columns[1].scd_type == "1"
    with workspace.engine.connect() as conn:
        current = conn.execute(
            select(func.count()).select_from(dms_mapr).where(dms_mapr.c.curflg == "Y")
        ).scalar_one()
        details = conn.execute(
            select(func.count()).select_from(dms_maprdtl).where(dms_maprdtl.c.curflg == "Y")
        ).scalar_one()
    assert (current, details) == (1, 3)


def test_stale_save_is_refused(svc: MappingService) -> None:
    svc.save(customer_mapping())
    other = customer_mapping()
    other.description = "someone else"
    svc.save(other, expect_version=1)
    mine = customer_mapping()
    mine.description = "mine"
    with pytest.raises(AlreadyExists, match="version 2 meanwhile"):
        svc.save(mine, expect_version=1)


def test_bad_reference_and_duplicate_columns(svc: MappingService) -> None:
    with pytest.raises(ValidationError, match="not valid"):
        svc.save(replace(customer_mapping(), ref="DIM CUSTOMER; drop"))
    dup = customer_mapping()
    dup.columns.append(MappingColumn("customer_code", "INTEGER"))
    with pytest.raises(ValidationError, match="appears twice"):
        svc.save(dup)
    with pytest.raises(NotFound):
        svc.get("DIM_CUSTOMER")


def test_copy_and_delete(svc: MappingService) -> None:
    svc.save(customer_mapping())
    copy = svc.copy("DIM_CUSTOMER", "DIM_CUSTOMER_EU")
    assert copy.version == 1 and len(copy.columns) == 3
    with pytest.raises(AlreadyExists):
        svc.copy("DIM_CUSTOMER", "DIM_CUSTOMER_EU")
    svc.delete("DIM_CUSTOMER_EU")
    assert [m.ref for m in svc.list_mappings()] == ["DIM_CUSTOMER"]


def test_500_columns_in_constant_round_trips(svc: MappingService, workspace: Workspace) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(workspace.engine.engine, "before_cursor_execute", count)
    try:
        svc.save(customer_mapping(500))
        saves = len(statements)
        statements.clear()
        loaded = svc.get("DIM_CUSTOMER")
        loads = len(statements)
        statements.clear()
        svc.save(customer_mapping(5))
        small_saves = len(statements)
    finally:
        event.remove(workspace.engine.engine, "before_cursor_execute", count)
    assert len(loaded.columns) == 500
    assert loads <= 3
    assert saves <= 12 and small_saves <= saves + 4  # not one statement per column


def test_viewer_cannot_save_or_delete(
    svc: MappingService, workspace: Workspace, admin: CurrentUser
) -> None:
    svc.save(customer_mapping())
    UserService(workspace, admin).add_user("vic", "Viewer", "viewing all the things")
    viewer = MappingService(
        workspace, AuthService(workspace).login("vic", "viewing all the things")
    )
    assert viewer.get("DIM_CUSTOMER").version == 1
    with pytest.raises(PermissionDenied):
        viewer.save(replace(customer_mapping(), description="x"))
    with pytest.raises(PermissionDenied):
        viewer.delete("DIM_CUSTOMER")

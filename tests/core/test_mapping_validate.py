"""Validation against real databases: DMS_MAPERR, LGVRFYFLG, source columns, target lookups,
and a constant number of round trips whatever the column count."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select

from dms_desktop.core.mapping.ddl import apply_ddl
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.validate import validate_mapping
from dms_desktop.core.metadata.tables import dms_maperr
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace
from tests.core.mapping_support import count_statements, mapper_env


def _errors(ws: Workspace, mapid: int | None) -> list[tuple[str | None, str, bool]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(
            select(dms_maperr.c.trgclnm, dms_maperr.c.errtyp, dms_maperr.c.mapdtlid)
            .where(dms_maperr.c.mapid == mapid)
            .order_by(dms_maperr.c.trgclnm)
        ).all()
    return [(r.trgclnm, r.errtyp, r.mapdtlid is not None) for r in rows]


def test_validate_records_problems_then_the_clean_state(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    env = mapper_env(workspace, admin, tmp_path)
    service = MappingService(workspace, admin)
    fact = service.save(env.mapping("FACT_SALES"))
    problems = validate_mapping(workspace, admin, fact)
    assert [(p.column, p.field) for p in problems] == [
        ("CUSTOMER_SK", "lookup_table"),
        ("PRODUCT_SK", "lookup_table"),
    ]
    assert "DIM_CUSTOMER does not exist on the target" in problems[0].message
    assert _errors(workspace, fact.mapid) == [
        ("CUSTOMER_SK", "LOOKUP_TABLE", True),
        ("PRODUCT_SK", "LOOKUP_TABLE", True),
    ]
    assert not service.get("FACT_SALES").validated
    for ref in ("DIM_CUSTOMER", "DIM_PRODUCT"):
        dim = service.save(env.mapping(ref))
        apply_ddl(workspace, admin, dim)
        assert validate_mapping(workspace, admin, dim) == []
    assert validate_mapping(workspace, admin, fact) == []
    assert _errors(workspace, fact.mapid) == []
    stored = service.get("FACT_SALES")
    assert stored.validated and stored.validated_at is not None
    # An editor validating unsaved changes leaves the stored outcome alone.
    stored.columns[3].logic = "amount + bogus"
    found = validate_mapping(workspace, admin, stored, record=False)
    assert [(p.column, p.field, p.message) for p in found] == [
        ("QUANTITY", "logic", "Unknown source column bogus.")
    ]
    assert service.get("FACT_SALES").validated and _errors(workspace, fact.mapid) == []


def test_source_and_target_problems_are_reported_once(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    env = mapper_env(workspace, admin, tmp_path, validate_sql=False)
    sql = SqlService(workspace, admin)
    dim = env.mapping("DIM_PRODUCT")
    assert validate_mapping(workspace, admin, dim, record=False) == []
    assert sql.get("SQL_PRODUCTS").verified  # described once, cached for the next time
    sql.save("SQL_PRODUCTS", "SELECT sku FROM no_such_table", env.erp.conid)
    problems = validate_mapping(workspace, admin, dim, record=False)
    assert [(p.column, p.field) for p in problems] == [(None, "sql_code")]
    assert "no_such_table" in problems[0].message
    dim.sql_code, dim.target_conid = "SQL_MISSING", 999
    fields = [p.field for p in validate_mapping(workspace, admin, dim, record=False)]
    assert fields == ["target_conid", "sql_code"]


def _wide(ref: str, sql_code: str, target: int, width: int) -> Mapping:
    columns = [
        MappingColumn("ORDER_DATE", "DATE", key=True, key_seq=1, logic="DATE(order_date)"),
        MappingColumn(
            "CUSTOMER_SK",
            "BIGINT",
            key=True,
            key_seq=2,
            logic="customer_code",
            lookup_table="DIM_CUSTOMER",
            key_column="CUSTOMER_CODE",
            value_column="SKEY",
        ),
    ]
    columns += [
        MappingColumn(f"M_{i}", "NUMERIC(18,2)", logic=f"amount * {i} + quantity", combine="SUM")
        for i in range(width - 2)
    ]
    return Mapping(
        ref=ref,
        table_name=ref,
        table_type="FACT",
        sql_code=sql_code,
        target_conid=target,
        columns=columns,
    )


def test_round_trips_do_not_grow_with_columns(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    # Without a login session: its periodic re-check of the account (a time-based extra
    # query) would make the counts depend on the clock, not on the column count.
    admin = dataclasses.replace(admin, session=None)
    env = mapper_env(workspace, admin, tmp_path)
    service = MappingService(workspace, admin)
    apply_ddl(workspace, admin, service.save(env.mapping("DIM_CUSTOMER")))
    sql = SqlService(workspace, admin)
    text = sql.get("SQL_ORDER_LINES").text
    assert env.dw.conid is not None
    mappings = {}
    for width in (5, 500):
        sql.save(f"SQL_LINES_{width}", text, env.erp.conid)  # not validated: no cached columns
        mappings[width] = service.save(
            _wide(f"FACT_{width}", f"SQL_LINES_{width}", env.dw.conid, width)
        )
    validate_mapping(workspace, admin, service.get("DIM_CUSTOMER"))  # warm pools and caches
    engines = {"meta": workspace.engine, "source": env.engine("ERP"), "target": env.engine("DW")}
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for phase in ("describe", "cached"):
        for width, mapping in mappings.items():
            with count_statements(**engines) as counter:
                assert validate_mapping(workspace, admin, mapping) == []
            counts[width, phase] = dict(counter.counts)
    print("statements per validation:", counts)
    for phase in ("describe", "cached"):
        assert counts[5, phase] == counts[500, phase]
    assert counts[5, "describe"].get("source:sqlite", 0) > 0  # the describe was counted
    assert counts[5, "cached"].get("source:sqlite", 0) == 0  # cached: the source is not asked
    assert counts[5, "cached"].get("target:sqlite", 0) > 0  # one lookup table read
    assert sum(counts[500, "describe"].values()) < 80

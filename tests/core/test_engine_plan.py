"""Plans: every statement compiles for every target dialect (Oracle included: no server here),
and a changed mapping is recompiled, never run from a stale plan.

The compile test builds from a mapping alone (no database): the staging table, the bad-row
rules, the lookups, the merge steps of each target type (first load and incremental), the
duplicate-key query.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import CHAR, BigInteger, Column, Index, MetaData, String, Table, select
from sqlalchemy.dialects import oracle, postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from dms_desktop.core.engine import checks, merge
from dms_desktop.core.engine.hashing import canonical_value, row_hash
from dms_desktop.core.engine.plan import stored_plan
from dms_desktop.core.engine.target import load_shape
from dms_desktop.core.engine.transfer import staging_table
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.metadata.tables import dms_jobflw
from tests.engine_fixtures import (
    CUSTOMER_COLUMNS,
    TARGETS,
    EngineEnv,
    customer_columns,
    customer_source,
    target_env,
)

DIALECTS = {
    "oracle": oracle.dialect(),
    "postgresql": postgresql.dialect(),
    "sqlite": sqlite.dialect(),
}
TYPES = {  # a type each dialect accepts for every family the engine treats apart
    "oracle": ["VARCHAR2(20)", "NUMBER(12,2)", "CHAR(3)", "DATE", "TIMESTAMP", "NUMBER(10)"],
    "postgresql": ["VARCHAR(20)", "NUMERIC(12,2)", "CHAR(3)", "DATE", "TIMESTAMP", "INTEGER"],
    "sqlite": ["VARCHAR(20)", "NUMERIC(12,2)", "CHAR(3)", "DATE", "TIMESTAMP", "INTEGER"],
}


def mapping(kind: str, dialect: str, gone: str = "IGNORE") -> Mapping:
    text, number, char, day, stamp, whole = TYPES[dialect]
    scd = (lambda t: t) if kind == "DIMENSION" else (lambda _t: None)
    columns = [
        MappingColumn(
            "CODE", text, key=kind != "STAGING", key_seq=1 if kind != "STAGING" else None
        ),
        MappingColumn("AMOUNT", number, scd_type=scd("1")),
        MappingColumn("TAG", char, scd_type=scd("2")),
        MappingColumn("SINCE", day, scd_type=scd("2")),
        MappingColumn("SEEN", stamp, scd_type=scd("1")),
        MappingColumn(
            "CUSTOMER_SKEY",
            whole,
            scd_type=scd("1"),
            logic="cust",
            lookup_table="DIM_CUSTOMER",
            key_column="CUSTOMER_CODE",
            value_column="SKEY",
        ),
    ]
    return Mapping(
        ref="M", table_name="T_TARGET", table_type=kind, columns=columns, on_source_delete=gone
    )


def lookup_table() -> Table:
    return Table(
        "dim_customer",
        MetaData(),
        Column("skey", BigInteger),
        Column("customer_code", String(20)),
        Column("curflg", CHAR(1)),
    )


def compiled(statement: Any, dialect: str) -> str:
    return str(statement.compile(dialect=DIALECTS[dialect]))


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize(
    ("kind", "gone"),
    [("DIMENSION", "IGNORE"), ("DIMENSION", "CLOSE"), ("FACT", "IGNORE"), ("STAGING", "IGNORE")],
)
def test_every_statement_compiles(dialect: str, kind: str, gone: str) -> None:
    shape = load_shape(mapping(kind, dialect, gone), dialect, None)
    lookups = {"customer_skey": lookup_table()}
    stage = staging_table(shape, 7, {"customer_skey": String(20)})
    ddl = compiled(CreateTable(stage), dialect)
    assert ("TEMPORARY" in ddl) == (dialect != "oracle")
    assert stage.name == ("dms_stg_7" if dialect == "oracle" else "dms_stage")
    statements = [s.statement for s in merge.lookup_steps(shape, stage, lookups)]
    statements += [s.statement for s in merge.merge_steps(shape, stage)]
    statements += [s.statement for s in merge.merge_steps(shape, stage, target_empty=True)]
    rules = checks.rules(shape, stage)
    assert {r.reason for r in rules} >= {"value too long (more than 3 characters)"}
    if shape.keys:
        statements.append(merge.duplicate_keys_query(shape, stage))
        statements.append(CreateIndex(Index("ix_stage_key", stage.c.code, unique=True)))
        assert any(r.reason == "key is NULL" for r in rules)
    statements.append(select(stage.c.code).where(rules[0].condition))
    texts = [compiled(s, dialect) for s in statements]
    assert all(texts)
    merged = "\n".join(texts).upper()
    if kind == "DIMENSION" and dialect != "sqlite":
        # Staged values are compared and hashed as the target stores them.
        assert "CAST(DMS_ST" in merged and "AS CHAR(3))" in merged
    if kind == "DIMENSION" and gone == "CLOSE":
        assert "CURFLG" in merged and "NOT (EXISTS" in merged


def test_char_values_hash_without_their_padding() -> None:
    assert canonical_value("ab   ", "char") == "ab" == canonical_value("ab", "char")
    assert canonical_value("ab   ", "text") == "ab   "
    assert row_hash(["ab  "], ["char"]) == row_hash(["ab"], ["char"])


# --- a changed mapping --------------------------------------------------------------------

R1 = ("C1", "Ada", "London", Decimal("10.50"), date(2020, 1, 1), None)
R2 = ("C2", "Bob", "Paris", Decimal("3"), None, None)


@pytest.fixture(params=TARGETS)
def env(request: pytest.FixtureRequest, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with target_env(request, tmp_path / "eng") as e:
        yield e


def test_changed_mapping_is_recompiled(env: EngineEnv) -> None:
    customer_source(env)
    first = env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
    assert env.run("DIM_CUSTOMER").ok
    assert env.run("DIM_CUSTOMER").ok  # same mapping: the plan is kept

    changed = MappingService(env.ws, env.admin).get("DIM_CUSTOMER")
    changed.columns[1].logic = "upper(name)"
    second = MappingService(env.ws, env.admin).save(changed)
    assert second.mapid != first.mapid
    result = env.run("DIM_CUSTOMER")
    assert result.ok and result.counts.updated == 2, result.message
    assert sorted(r["name"] for r in env.rows("dim_customer")) == ["ADA", "BOB"]
    with env.ws.engine.connect() as conn:
        plans = conn.execute(
            select(dms_jobflw.c.mapid, dms_jobflw.c.curflg, dms_jobflw.c.dwlogic)
            .where(dms_jobflw.c.mapref == "DIM_CUSTOMER")
            .order_by(dms_jobflw.c.jobflwid)
        ).all()
    assert [(p.mapid, p.curflg) for p in plans] == [(first.mapid, "N"), (second.mapid, "Y")]
    assert "upper" in plans[1].dwlogic.lower() and "upper" not in plans[0].dwlogic.lower()
    shown = stored_plan(env.ws, env.admin, "DIM_CUSTOMER")
    assert shown.mapid == second.mapid and shown.version == second.version
    assert any(name == "insert new keys and versions" for name, _sql in shown.steps)

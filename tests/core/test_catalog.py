"""Schema browser and autocomplete words, read from real SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from dms_desktop.core.catalog import Catalog, ColumnInfo, TableInfo
from dms_desktop.core.errors import NotFound


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cat.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, born DATE)"
        )
        conn.exec_driver_sql("CREATE VIEW adults AS SELECT id, name FROM customer")
    yield engine
    engine.dispose()


def test_sqlite_tree(sqlite_engine: Engine) -> None:
    cat = Catalog(sqlite_engine, "sqlite")
    assert cat.schemas() == ["main"]
    assert cat.tables("main") == [TableInfo("customer", "table"), TableInfo("adults", "view")]
    assert cat.columns("main", "customer") == [
        ColumnInfo("id", "INTEGER", False, True),
        ColumnInfo("name", "VARCHAR(80)", False, False),
        ColumnInfo("born", "DATE", True, False),
    ]
    assert [c.name for c in cat.columns(None, "adults")] == ["id", "name"]
    with pytest.raises(NotFound):
        cat.columns("main", "missing")


def test_completion_words_are_cached_until_refresh(sqlite_engine: Engine) -> None:
    cat = Catalog(sqlite_engine, "sqlite")
    words = cat.completion_words()
    assert {"SELECT", "FROM", "WHERE", "JOIN"} <= set(words["keywords"])
    assert "COALESCE" in words["functions"]
    assert words["schemas"] == ["main"]
    assert words["tables"] == ["adults", "customer"]
    assert words["columns"]["customer"] == ["id", "name", "born"]
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE later (x INTEGER)")
    assert "later" not in Catalog(sqlite_engine, "sqlite").completion_words()["tables"]
    cat.refresh()
    assert "later" in cat.completion_words()["tables"]


@pytest.fixture
def pg_engine(pg_database: URL) -> Iterator[Engine]:
    engine = create_engine(pg_database)
    yield engine
    engine.dispose()


@pytest.mark.pg
def test_postgres_tree(pg_engine: Engine) -> None:
    schema = f"cat_{uuid.uuid4().hex[:8]}"
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        conn.exec_driver_sql(
            f"CREATE TABLE {schema}.sale (id bigint PRIMARY KEY, amount numeric(12,2), "
            "note varchar(40), at timestamp NOT NULL)"
        )
        conn.exec_driver_sql(f"CREATE VIEW {schema}.big_sale AS SELECT * FROM {schema}.sale")
        conn.exec_driver_sql(
            f"CREATE MATERIALIZED VIEW {schema}.sale_mv AS SELECT id FROM {schema}.sale"
        )
    cat = Catalog(pg_engine, "postgres")
    assert schema in cat.schemas() and cat.default_schema() == "public"
    assert cat.tables(schema) == [
        TableInfo("sale", "table"),
        TableInfo("big_sale", "view"),
        TableInfo("sale_mv", "view"),
    ]
    assert cat.columns(schema, "sale") == [
        ColumnInfo("id", "BIGINT", False, True),
        ColumnInfo("amount", "NUMERIC(12, 2)", True, False),
        ColumnInfo("note", "VARCHAR(40)", True, False),
        ColumnInfo("at", "TIMESTAMP WITHOUT TIME ZONE", False, False),
    ]
    words = cat.completion_words(schema)
    assert words["columns"]["big_sale"] == ["id", "amount", "note", "at"]
    assert "ILIKE" in words["keywords"]

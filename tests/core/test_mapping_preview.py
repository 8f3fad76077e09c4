"""The transformed source query (built as a tree, never pasted) and the streamed preview."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dms_desktop.core.demo.mappings import demo_mappings
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.preview import preview_query
from dms_desktop.core.mapping.sqlgen import transformed_query
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.errors import QueryCancelled
from dms_desktop.core.workspace import Workspace
from tests.core.mapping_support import mapper_env

FACT = next(m for m in demo_mappings(1) if m.ref == "FACT_SALES")


def test_aggregates_group_by_and_exact_quoting() -> None:
    sql = transformed_query(
        FACT,
        "SELECT * FROM lines -- trailing comment\n;",
        "oracle",
        ["ORDER_DATE", "CUSTOMER_CODE", "SKU", "QUANTITY", "AMOUNT", "LINE_NO"],
    )
    assert 'SUM(src."QUANTITY") AS QUANTITY' in sql
    assert 'COUNT(src."LINE_NO") AS LINE_COUNT' in sql
    assert 'src."CUSTOMER_CODE" AS CUSTOMER_SK' in sql  # a lookup shows its raw key
    assert "FROM (\nSELECT * FROM lines -- trailing comment\n) src" in sql  # no AS on Oracle
    group_by = sql.split("GROUP BY")[1]
    assert 'src."ORDER_DATE"' in group_by and 'src."SKU"' in group_by
    assert "QUANTITY" not in group_by
    limited = transformed_query(FACT, "SELECT 1 AS x", "oracle", limit=5)
    assert limited.endswith("FETCH FIRST 5 ROWS ONLY")
    assert transformed_query(FACT, "SELECT 1 AS x", "postgres", limit=5).endswith("LIMIT 5")


def test_no_combine_code_no_group_by_and_odd_names_are_quoted() -> None:
    mapping = Mapping(
        ref="M",
        table_name="T",
        table_type="STAGING",
        columns=[
            MappingColumn("SELECT", "INTEGER", logic="a + 1"),
            MappingColumn('x"y', "INTEGER", logic="b"),
        ],
    )
    sql = transformed_query(mapping, "SELECT 1 AS a, 2 AS b", "postgres")
    assert "GROUP BY" not in sql
    assert 'AS "SELECT"' in sql and 'AS "x""y"' in sql  # quoted, never broken out of


@pytest.mark.parametrize(
    ("source", "logic", "words"),
    [
        ("SELECT 1 AS a; DROP TABLE t", "a", "source SQL is not valid"),
        ("DELETE FROM t", "a", "source SQL is not valid"),
        ("SELECT 1 AS a", "a; DROP TABLE t", "Column C"),
        ("SELECT 1 AS a", "(SELECT secret FROM t)", "Subqueries"),
    ],
)
def test_refuses_what_it_cannot_build_safely(source: str, logic: str, words: str) -> None:
    mapping = Mapping(
        ref="M",
        table_name="T",
        table_type="STAGING",
        columns=[MappingColumn("C", "INTEGER", logic=logic)],
    )
    with pytest.raises(ValidationError, match=words):
        transformed_query(mapping, source, "sqlite")


def test_preview_streams_the_aggregated_rows(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    env = mapper_env(workspace, admin, tmp_path)
    fact = env.mapping("FACT_SALES")
    run, source = preview_query(workspace, admin, fact, rows=1000)
    assert source.connection == "ERP" and source.dialect == "sqlite"
    with run:
        run.start()
        rows = run.fetch(2000)
        names = [c.name for c in run.columns]
    assert names == ["ORDER_DATE", "CUSTOMER_SK", "PRODUCT_SK", "QUANTITY", "AMOUNT", "LINE_COUNT"]
    con = sqlite3.connect(tmp_path / "erp.db")
    expected = con.execute(
        "SELECT DATE(o.order_date), c.customer_code, p.sku, SUM(ol.quantity),"
        " SUM(ol.quantity * ol.unit_price * (1 - ol.discount_pct / 100)), COUNT(*)"
        " FROM orders o JOIN order_lines ol ON ol.order_id = o.order_id"
        " JOIN customers c ON c.customer_id = o.customer_id"
        " JOIN products p ON p.product_id = ol.product_id GROUP BY 1, 2, 3"
    ).fetchall()
    con.close()
    key = sorted
    assert key((r[0], r[1], r[2], r[3], round(r[4], 6), r[5]) for r in rows) == key(
        (e[0], e[1], e[2], e[3], round(e[4], 6), e[5]) for e in expected
    )
    assert rows[0][1].startswith("C")  # the raw customer code: lookups are target-side

    small, _ = preview_query(workspace, admin, fact, rows=3)
    with small:
        small.start()
        assert len(small.fetch(10)) == 3
    cancelled, _ = preview_query(workspace, admin, fact)
    cancelled.cancel()
    with pytest.raises(QueryCancelled):
        cancelled.start()
    cancelled.close()

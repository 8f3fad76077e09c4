"""The demo ERP must be a well-formed, repeatable source system for ``dms init --demo``."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dms_desktop.core.demo import erp
from dms_desktop.core.demo.erp import DemoErpStats, build_demo_erp

TABLE_KEYS = {
    "regions": "region_id",
    "customers": "customer_id",
    "product_categories": "category_id",
    "products": "product_id",
    "orders": "order_id",
    "order_lines": "order_id, line_no",
}
SMALL = {"customers": 200, "products": 40, "orders": 1500}


@pytest.fixture(scope="module")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoErpStats, float]:
    path = tmp_path_factory.mktemp("erp") / "erp.sqlite"
    started = time.perf_counter()
    stats = build_demo_erp(path)
    return stats, time.perf_counter() - started


@pytest.fixture
def con(default_build: tuple[DemoErpStats, float]) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(default_build[0].path)
    yield connection
    connection.close()


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in TABLE_KEYS.items()
        }


def _scalar(con: sqlite3.Connection, sql: str) -> Any:
    return con.execute(sql).fetchone()[0]


def test_row_counts_match_stats(
    default_build: tuple[DemoErpStats, float], con: sqlite3.Connection
) -> None:
    stats, seconds = default_build
    assert (stats.customers, stats.products, stats.orders) == (3000, 400, 20000)
    assert _scalar(con, "SELECT count(*) FROM customers") == stats.customers
    assert _scalar(con, "SELECT count(*) FROM products") == stats.products
    assert _scalar(con, "SELECT count(*) FROM orders") == stats.orders
    assert _scalar(con, "SELECT count(*) FROM order_lines") == stats.order_lines
    assert _scalar(con, "SELECT count(*) FROM regions") == 12
    assert 3.2 <= stats.order_lines / stats.orders <= 3.8
    assert seconds < 10  # generous bound for slow CI; typically well under 2 s


def test_foreign_keys_hold_and_every_order_has_lines(con: sqlite3.Connection) -> None:
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    orphan_orders = """SELECT count(*) FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id)"""
    assert _scalar(con, orphan_orders) == 0
    lines_per_order = (
        "SELECT min(n), max(n) FROM (SELECT count(*) n FROM order_lines GROUP BY order_id)"
    )
    assert con.execute(lines_per_order).fetchone() == (1, 6)
    assert _scalar(con, "SELECT count(DISTINCT country) FROM regions") >= 4


def test_values_stay_in_documented_domains(con: sqlite3.Connection) -> None:
    low, high = con.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone()
    assert "2024-01-01" <= low <= high <= "2026-10-31"
    distinct = {
        ("orders", "status"): {"OPEN", "SHIPPED", "INVOICED", "CANCELLED"},
        ("orders", "channel"): {"Web", "Store", "Phone", "Partner"},
        ("orders", "currency"): {"EUR", "USD", "GBP"},
        ("customers", "segment"): {"Consumer", "Corporate", "Small Business"},
        ("customers", "is_active"): {0, 1},
        ("products", "is_discontinued"): {0, 1},
    }
    for (table, column), allowed in distinct.items():
        found = {row[0] for row in con.execute(f"SELECT DISTINCT {column} FROM {table}")}
        assert found == allowed, (table, column)
    patterns = {
        "SELECT customer_code FROM customers": r"C\d{6}",
        "SELECT order_number FROM orders": r"SO-20(24|25|26)-\d{6}",
        "SELECT order_date FROM orders": r"\d{4}-\d{2}-\d{2}",
        "SELECT created_at FROM customers": r"\d{4}-\d{2}-\d{2}",
        "SELECT email FROM customers": r"[a-z0-9.]+@example\.(com|org|net)",
    }
    for sql, pattern in patterns.items():
        assert all(re.fullmatch(pattern, row[0]) for row in con.execute(sql)), sql
    too_early = """SELECT count(*) FROM customers c JOIN orders o USING (customer_id)
        WHERE c.created_at > o.order_date"""
    assert _scalar(con, too_early) == 0
    assert _scalar(con, "SELECT count(*) FROM order_lines WHERE quantity < 1") == 0


def test_amounts_have_at_most_two_decimals(con: sqlite3.Connection) -> None:
    columns = {
        "products": ("unit_price", "unit_cost"),
        "order_lines": ("unit_price", "discount_pct"),
    }
    for table, names in columns.items():
        for name in names:
            declared = {r[1]: r[2] for r in con.execute(f"PRAGMA table_info({table})")}[name]
            assert declared.startswith("NUMERIC"), (table, name)
            rows = con.execute(f"SELECT {name}, typeof({name}) FROM {table}").fetchall()
            assert {kind for _, kind in rows} <= {"integer", "real"}, (table, name)
            for value, _ in rows:
                exact = Decimal(str(value))
                assert exact == exact.quantize(Decimal("0.01")), (table, name, value)
                assert value >= 0
    assert _scalar(con, "SELECT count(*) FROM products WHERE unit_cost >= unit_price") == 0


def test_seasonality_and_growth(con: sqlite3.Connection) -> None:
    per_month = dict(
        con.execute("SELECT substr(order_date, 1, 7), count(*) FROM orders GROUP BY 1")
    )
    assert per_month["2025-12"] > per_month["2025-11"] > per_month["2025-06"]
    assert per_month["2025-12"] > 1.5 * per_month["2025-02"]
    per_year = dict(con.execute("SELECT substr(order_date, 1, 4), count(*) FROM orders GROUP BY 1"))
    assert per_year["2025"] > per_year["2024"]


def test_same_seed_same_rows_other_seed_other_rows(tmp_path: Path) -> None:
    first = build_demo_erp(tmp_path / "a.sqlite", **SMALL)
    second = build_demo_erp(tmp_path / "b.sqlite", **SMALL)
    other = build_demo_erp(tmp_path / "c.sqlite", seed=7, **SMALL)
    assert first.order_lines == second.order_lines
    dump = _dump(first.path)
    assert dump == _dump(second.path)
    assert all(dump[table] for table in TABLE_KEYS)
    other_dump = _dump(other.path)
    assert other_dump != dump
    assert other_dump["orders"] != dump["orders"]
    assert other_dump["regions"] == dump["regions"]  # fixed reference data


def test_build_replaces_existing_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "erp.sqlite"
    target.write_bytes(b"not a database at all")
    stats = build_demo_erp(target, customers=5, products=3, orders=20)
    assert stats.path == target
    with sqlite3.connect(target) as connection:
        assert _scalar(connection, "SELECT count(*) FROM orders") == 20
    build_demo_erp(target, customers=5, products=3, orders=7)
    with sqlite3.connect(target) as connection:
        assert _scalar(connection, "SELECT count(*) FROM orders") == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["erp.sqlite"]


def test_failed_build_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "erp.sqlite"
    target.write_bytes(b"previous content")
    # Fails after the rows are written, in the last step before the rename.
    monkeypatch.setattr(erp, "INDEXED", [("orders", "no_such_column")])
    with pytest.raises(sqlite3.OperationalError):
        build_demo_erp(target, customers=5, products=3, orders=20)
    assert target.read_bytes() == b"previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["erp.sqlite"]


@pytest.mark.parametrize("kwargs", [{"customers": 0}, {"products": 0}, {"orders": -1}])
def test_rejects_impossible_sizes(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        build_demo_erp(tmp_path / "erp.sqlite", **kwargs)
    assert not (tmp_path / "erp.sqlite").exists()

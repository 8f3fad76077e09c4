"""Export to CSV/XLSX: awkward values round-trip, progress, cancel leaves no file."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.sqlstore import export as export_mod
from dms_desktop.core.sqlstore.errors import QueryCancelled
from dms_desktop.core.sqlstore.export import export_query, xlsx_value
from dms_desktop.core.tasks import TaskState

BIG = "é" + "x" * (10 * 1024 * 1024)  # a 10 MB text cell
SQLITE_SPIN = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
    "SELECT x, 'row ' || x AS label FROM c"
)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'src.db'}", pool_pre_ping=True)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE odd (id INTEGER, txt TEXT, raw BLOB, at DATETIME, amount NUMERIC)"
        )
        conn.exec_driver_sql(
            "INSERT INTO odd VALUES (?, ?, ?, ?, ?)",
            [
                (1, None, None, None, None),
                (2, BIG, b"\x00\xffA", "9999-12-31 23:59:59", 12.5),
                (3, "=1+1", b"", "10000-01-01", -3),
                (4, 'line\nbreak, "quoted"', None, "1850-03-01", 0.1),
            ],
        )
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_database: URL) -> Iterator[Engine]:
    engine = create_engine(pg_database, pool_pre_ping=True)
    yield engine
    engine.dispose()


def _csv(path: Path) -> list[list[str]]:
    csv.field_size_limit(64 * 1024 * 1024)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _no_leftovers(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []


def test_sqlite_csv_round_trip(sqlite_engine: Engine, tmp_path: Path) -> None:
    reports: list[tuple[float, str]] = []
    state = TaskState(lambda f, t: reports.append((f, t)))
    out = tmp_path / "odd.csv"
    result = export_query(sqlite_engine, "sqlite", "SELECT * FROM odd ORDER BY id", out, state)
    assert result.rows == 4 and result.path == out
    rows = _csv(out)
    assert rows[0] == ["id", "txt", "raw", "at", "amount"]
    assert rows[1] == ["1", "", "", "", ""]
    assert rows[2] == ["2", BIG, "00ff41", "9999-12-31 23:59:59", "12.5"]
    assert rows[3] == ["3", "=1+1", "", "10000-01-01", "-3"]
    assert rows[4][1] == 'line\nbreak, "quoted"' and rows[4][3] == "1850-03-01"
    assert reports and reports[-1][1] == "4 rows"
    _no_leftovers(tmp_path)


def test_sqlite_xlsx_respects_excel_limits(sqlite_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "odd.xlsx"
    export_query(sqlite_engine, "sqlite", "SELECT * FROM odd ORDER BY id", out)
    sheet = load_workbook(out)["Result"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["id", "txt", "raw", "at", "amount"]
    assert rows[1] == [1, None, None, None, None]
    big = rows[2][1]
    assert isinstance(big, str) and len(big) == export_mod.EXCEL_MAX_TEXT
    assert big.startswith("éxxx") and big.endswith(export_mod.TRUNCATED)
    assert rows[2][2:] == ["00ff41", "9999-12-31 23:59:59", 12.5]
    assert rows[3][1] == "=1+1"  # text, never a formula
    assert rows[3][3] == "10000-01-01"


@pytest.mark.pg
def test_postgres_csv_uses_copy_and_keeps_values(pg_engine: Engine, tmp_path: Path) -> None:
    sql = (
        "SELECT n, CASE WHEN n = 1 THEN NULL ELSE 'v' || n END AS txt,\n"
        "       n::numeric / 3 AS third, DATE '1850-01-01' + n AS old_day,\n"
        "       '\\x00ff'::bytea AS raw, repeat('y', 10485760) AS big\n"
        "FROM generate_series(1, 3) n ORDER BY n"
    )
    out = tmp_path / "pg.csv"
    assert export_query(pg_engine, "postgres", sql, out).rows == 3
    rows = _csv(out)
    assert rows[0] == ["n", "txt", "third", "old_day", "raw", "big"]
    assert rows[1][:5] == ["1", "", "0.33333333333333333333", "1850-01-02", "\\x00ff"]
    assert len(rows[1][5]) == 10485760


@pytest.mark.pg
def test_postgres_xlsx_values(pg_engine: Engine, tmp_path: Path) -> None:
    sql = (
        "SELECT n, NULL::text AS nothing, n::numeric(10,2) / 4 AS amount,\n"
        "       DATE '1850-01-01' AS old_day, DATE '2024-02-29' AS day,\n"
        "       '10000-01-01'::date AS far, 12345678901234567890::numeric AS huge,\n"
        "       '\\xdead'::bytea AS raw, true AS flag, now() AS stamp\n"
        "FROM generate_series(1, 2) n"
    )
    out = tmp_path / "pg.xlsx"
    assert export_query(pg_engine, "postgres", sql, out).rows == 2
    rows = list(load_workbook(out)["Result"].iter_rows(values_only=True))
    first = rows[1]
    assert first[:3] == (1, None, 0.25)
    assert first[3] == "1850-01-01"  # before Excel's calendar: text
    assert first[4].date() == date(2024, 2, 29)
    assert first[5] == "10000-01-01" and first[6] == "12345678901234567890"
    assert first[7] == "dead" and first[8] is True and isinstance(first[9], str)


def test_xlsx_rolls_over_to_a_new_sheet(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_mod, "EXCEL_MAX_ROWS", 3)
    out = tmp_path / "many.xlsx"
    export_query(sqlite_engine, "sqlite", "SELECT id FROM odd ORDER BY id", out)
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Result", "Result 2"]
    assert [r[0] for r in book["Result 2"].iter_rows(values_only=True)] == ["id", 3, 4]


def test_xlsx_value_rules() -> None:
    assert xlsx_value(Decimal("1.25")) == Decimal("1.25")
    assert xlsx_value(Decimal("1234567890.1234567")) == "1234567890.1234567"
    assert xlsx_value(float("nan")) == "nan"
    assert xlsx_value("bell\x07") == "bell"
    assert xlsx_value({"a": 1}) == '{"a": 1}'


def _cancel_soon(state: TaskState, seconds: float) -> threading.Thread:
    def later() -> None:
        time.sleep(seconds)
        state.cancel()

    thread = threading.Thread(target=later)
    thread.start()
    return thread


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cancel_removes_the_partial_file(
    sqlite_engine: Engine, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"endless{suffix}"
    state = TaskState()
    canceller = _cancel_soon(state, 0.5)
    started = time.perf_counter()
    with pytest.raises(QueryCancelled):
        export_query(sqlite_engine, "sqlite", SQLITE_SPIN, out, state, fetch_size=2000)
    assert time.perf_counter() - started < 10  # cancelled, not run for 30 s or minutes
    canceller.join()
    assert not out.exists()
    _no_leftovers(tmp_path)


@pytest.mark.pg
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_postgres_cancel_stops_the_server(pg_engine: Engine, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"slow{suffix}"
    out.write_text("the previous export")
    state = TaskState()
    canceller = _cancel_soon(state, 0.5)
    started = time.perf_counter()
    with pytest.raises(QueryCancelled):
        export_query(pg_engine, "postgres", "SELECT pg_sleep(30)", out, state)
    assert time.perf_counter() - started < 10  # cancelled, not run for 30 s or minutes
    canceller.join()
    assert out.read_text() == "the previous export"  # never replaced by a partial file
    _no_leftovers(tmp_path)
    assert pg_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_refusals(sqlite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=".csv or .xlsx"):
        export_query(sqlite_engine, "sqlite", "SELECT 1", tmp_path / "x.pdf")
    with pytest.raises(ValidationError, match="does not exist"):
        export_query(sqlite_engine, "sqlite", "SELECT 1", tmp_path / "no" / "x.csv")
    with pytest.raises(ValidationError, match="Only a query"):
        export_query(sqlite_engine, "sqlite", "DELETE FROM odd", tmp_path / "x.csv")
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    with pytest.raises(DmsError, match="Cannot write"):
        export_query(sqlite_engine, "sqlite", "SELECT 1", folder)
    _no_leftovers(tmp_path)

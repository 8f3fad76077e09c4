"""SQL workbench benchmark on PostgreSQL, side by side in one run (`make bench`).

(a) A 1,000,000-row query: time to the first page of 500 rows through ``QueryRun`` against a
    bare psycopg2 named cursor's ``fetchmany(500)``, and the memory held after the first page
    against after ten pages (a grid's row cache included): it must not hold the result.
(b) CSV export of the 1,000,000 rows through ``export_query`` against PostgreSQL's own
    ``COPY (query) TO STDOUT WITH CSV HEADER`` into a file. The generic path (rows formatted
    in Python, as for the other databases) is shown for information.

Goals, asserted loosely as the machines are noisy: (a) within 1.5x, (b) within 2x.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from dms_desktop.core.sqlstore import export as export_mod
from dms_desktop.core.sqlstore.export import export_query
from dms_desktop.core.sqlstore.runner import QueryRun

pytestmark = [pytest.mark.bench, pytest.mark.pg]

ROWS = 1_000_000
PAGE = 500
QUERY = (
    "SELECT n AS id, 'customer ' || n AS label, (n * 1.25)::numeric(12,2) AS amount,\n"
    "       TIMESTAMP '2024-01-01' + n * INTERVAL '1 second' AS at\n"
    f"FROM generate_series(1, {ROWS}) n"
)
ROUNDS_FIRST_PAGE = 7
ROUNDS_EXPORT = 3


@pytest.fixture(scope="module")
def pg_url(pg_database: URL) -> URL:
    return pg_database


@pytest.fixture(scope="module")
def engine(pg_url: URL) -> Iterator[Engine]:
    engine = create_engine(pg_url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def bare(pg_url: URL) -> Iterator[Any]:
    conn = psycopg2.connect(
        host=pg_url.host, port=pg_url.port or 5432, user=pg_url.username, dbname=pg_url.database
    )
    yield conn
    conn.close()


def _rss() -> int:
    """Resident memory in bytes (Linux), C allocations of the driver included."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _table(title: str, rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}")
    for label, ours, theirs in rows:
        print(f"  {label.ljust(width)}  {ours:>14}  {theirs:>14}")


def test_a_first_page_and_memory(engine: Engine, bare: Any) -> None:
    def ours() -> None:
        run = QueryRun(engine, "postgres", QUERY, fetch_size=PAGE)
        run.start()
        assert len(run.fetch(PAGE)) == PAGE
        run.close()

    def theirs() -> None:
        cur = bare.cursor(name="bench")
        cur.execute(QUERY)
        assert len(cur.fetchmany(PAGE)) == PAGE
        cur.close()
        bare.rollback()

    ours()  # warm: pool filled, type names cached
    theirs()
    times_ours, times_theirs = [], []
    for _ in range(ROUNDS_FIRST_PAGE):
        times_ours.append(_timed(ours))
        times_theirs.append(_timed(theirs))
    t_ours, t_theirs = statistics.median(times_ours), statistics.median(times_theirs)

    # Memory: a grid keeps the pages it has shown; the run must keep nothing more.
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    rss_base = _rss()
    run = QueryRun(engine, "postgres", QUERY, fetch_size=PAGE)
    run.start()
    cache = [run.fetch(PAGE)]
    after_first = tracemalloc.get_traced_memory()[0] - base
    rss_first = _rss() - rss_base
    for _ in range(9):
        cache.append(run.fetch(PAGE))
    after_ten = tracemalloc.get_traced_memory()[0] - base
    rss_ten = _rss() - rss_base
    tracemalloc.stop()
    run.close()
    per_row = max(1, (after_ten - after_first) // (9 * PAGE))
    whole = per_row * ROWS

    ratio = t_ours / t_theirs
    _table(
        f"(a) first page of {PAGE} rows from a {ROWS:,}-row query (median of {ROUNDS_FIRST_PAGE})",
        [
            ("", "QueryRun", "bare fetchmany"),
            ("time to first page", f"{t_ours * 1000:.1f} ms", f"{t_theirs * 1000:.1f} ms"),
            ("ratio (goal <= 1.5x)", f"{ratio:.2f}x", ""),
            ("Python heap after 1 page", f"{after_first / 1024:.0f} KiB", ""),
            ("Python heap after 10 pages", f"{after_ten / 1024:.0f} KiB", ""),
            ("RSS growth after 1 page", f"{rss_first / 1024:.0f} KiB", ""),
            ("RSS growth after 10 pages", f"{rss_ten / 1024:.0f} KiB", ""),
            ("whole result would be", f"~{whole / 1024 / 1024:.0f} MiB", ""),
        ],
    )
    assert ratio <= 1.5
    assert after_ten < whole / 20  # ten pages held, not the million rows
    assert after_ten < 16 * 1024 * 1024
    assert rss_ten < 64 * 1024 * 1024


def test_b_csv_export_against_copy(engine: Engine, bare: Any, tmp_path: Path) -> None:
    ours_path, copy_path = tmp_path / "ours.csv", tmp_path / "copy.csv"

    def ours() -> None:
        assert export_query(engine, "postgres", QUERY, ours_path).rows == ROWS

    def theirs() -> None:
        cur = bare.cursor()
        with copy_path.open("wb") as fh:
            cur.copy_expert(f"COPY ({QUERY}) TO STDOUT WITH CSV HEADER", fh)
        cur.close()
        bare.rollback()

    times_ours, times_theirs = [], []
    for _ in range(ROUNDS_EXPORT):
        times_ours.append(_timed(ours))
        times_theirs.append(_timed(theirs))
    t_ours, t_theirs = min(times_ours), min(times_theirs)
    assert ours_path.read_bytes()[:200] == copy_path.read_bytes()[:200]

    # For information: the generic path (rows formatted in Python), used for other databases.
    generic_path = tmp_path / "generic.csv"
    sink = export_mod._CsvSink(generic_path)
    t_generic = _timed(lambda: export_mod._stream(engine, "postgres", QUERY, sink, None, 10_000))

    ratio = t_ours / t_theirs
    size = ours_path.stat().st_size / 1024 / 1024
    _table(
        f"(b) CSV export of {ROWS:,} rows, {size:.0f} MiB (best of {ROUNDS_EXPORT})",
        [
            ("", "export_query", "COPY TO STDOUT"),
            ("time", f"{t_ours:.2f} s", f"{t_theirs:.2f} s"),
            ("ratio (goal <= 2x)", f"{ratio:.2f}x", ""),
            ("generic path (info)", f"{t_generic:.2f} s", f"{t_generic / t_theirs:.2f}x"),
        ],
    )
    assert ratio <= 2.0

"""File upload benchmark on PostgreSQL, side by side in one run (`make bench`).

A 1,000,000-row, 10-column CSV (integers, codes, names, decimals, a date, a timestamp, a
boolean, text with NULLs) is loaded with full validation (types, lengths, NOT NULL, key
uniqueness in the file and against the table) by ``run_upload``, and next to it by
``psql \\copy`` of the same file into an identical table (its primary key checks uniqueness).
Each side runs ``ROUNDS`` times on an emptied table, alternating, best time kept.

Peak memory: the RSS high-water mark of a fresh process loading 100,000 and 1,000,000 rows
(and tracemalloc's peak of the same runs).

Goals: time within 1.5x of psql; memory at 1,000,000 rows within 1.3x of 100,000.
``DMS_BENCH_ROWS`` scales the big file (default 1e6).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.uploads import UploadDef, auto_map, describe_table, inspect_file, run_upload
from tests.engine_fixtures import ADMIN_PASSWORD, pg_connection, sqlite_workspace

pytestmark = [pytest.mark.bench, pytest.mark.pg]

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("DMS_BENCH_ROWS", "1000000"))
SMALL = max(ROWS // 10, 1000)
ROUNDS = int(os.environ.get("DMS_BENCH_ROUNDS", "2"))
HEADER = ["id", "code", "name", "qty", "amount", "rate", "day", "seen", "active", "note"]
DDL = (
    "CREATE TABLE {t} (id BIGINT PRIMARY KEY, code VARCHAR(10) NOT NULL, name VARCHAR(100), "
    "qty INTEGER, amount NUMERIC(12,2), rate NUMERIC(10,4), day DATE, seen TIMESTAMP, "
    "active BOOLEAN, note VARCHAR(50))"
)


def write_file(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(1, rows + 1):
            out.writerow([
                i, f"C{i % 5000:05d}", f"Customer {i}", i % 1000, f"{(i % 100000) / 100:.2f}",
                f"{(i % 997) / 1000:.4f}", f"20{i % 25:02d}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                f"2024-01-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d}:{i % 60:02d}",
                "true" if i % 2 else "false", "" if i % 10 == 0 else f"note {i % 97}",
            ])  # fmt: skip
    return path


MEMORY_CHILD = """
import json, resource, sys, tracemalloc
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.settings import load_settings
from dms_desktop.core.uploads import UploadService, run_upload
from dms_desktop.core.workspace import open_workspace

home, name, path, password = sys.argv[1:5]
ws = open_workspace(load_settings({"DMS_HOME": home}))
user = AuthService(ws).login("admin", password)
defn = UploadService(ws, user).get(name)
tracemalloc.start()
result = run_upload(ws, user, defn, path)
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": result.status, "message": result.message, "read": result.rows_read,
                  "peak": peak, "rss": rss}))
"""


def psql_copy(url: URL, table: str, path: Path) -> float:
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    command = [psql, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U",
               url.username or "postgres", "-d", url.database or "postgres", "-q", "-v",
               "ON_ERROR_STOP=1", "-c", f"\\copy {table} FROM '{path}' WITH (FORMAT csv, HEADER true)"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        env={**os.environ, "PGPASSWORD": url.password or ""},
    )
    return time.perf_counter() - started


def test_upload_against_psql_copy(pg_database: URL, tmp_path: Path) -> None:
    started = time.perf_counter()
    big = write_file(tmp_path / "big.csv", ROWS)
    small = write_file(tmp_path / "small.csv", SMALL)
    print(
        f"\nfiles written in {time.perf_counter() - started:.1f} s ({big.stat().st_size / 1e6:.0f} MB)"
    )
    home = tmp_path / "home"
    ws, admin = sqlite_workspace(home)
    conn = ConnectionService(ws, admin).create(pg_connection("PG", pg_database))
    assert conn.conid is not None
    admin_engine = create_engine(pg_database)
    with admin_engine.begin() as db:
        for table in ("bench_dms", "bench_psql"):
            db.execute(text(f"DROP TABLE IF EXISTS {table}"))
            db.execute(text(DDL.format(t=table)))
    engine = ConnectionService(ws, admin).engine(conn.conid)
    profile = inspect_file(big)
    columns = auto_map(profile.columns, describe_table(engine, None, "bench_dms"), profile.guesses)
    keyed = tuple(replace(c, key=c.target == "id") for c in columns)
    defn = UploadDef(name="BENCH", conid=conn.conid, table="bench_dms", options=profile.options,
                     columns=keyed)  # fmt: skip
    assert len(defn.columns) == 10 and defn.keys

    def empty(table: str) -> None:
        with admin_engine.begin() as db:
            db.execute(text(f"TRUNCATE {table}"))

    ours: list[float] = []
    theirs: list[float] = []
    phases: list[str] = []
    for _round in range(ROUNDS):
        empty("bench_psql")
        theirs.append(psql_copy(pg_database, "bench_psql", big))
        empty("bench_dms")
        started = time.perf_counter()
        result = run_upload(ws, admin, defn, big)
        ours.append(time.perf_counter() - started)
        assert result.status == "SUCCESS" and result.inserted == ROWS, result.message
        phases.append(", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    with admin_engine.connect() as db:
        same = db.execute(text(
            "SELECT COUNT(*) FROM (SELECT * FROM bench_dms EXCEPT SELECT * FROM bench_psql) d"
        )).scalar_one()  # fmt: skip
    assert same == 0, "the upload and psql loaded different rows"

    from dms_desktop.core.uploads import UploadService

    UploadService(ws, admin).save(defn)
    script = tmp_path / "memory_child.py"
    script.write_text(MEMORY_CHILD)
    memory = {}
    for label, path in (("small", small), ("big", big)):
        empty("bench_dms")
        out = subprocess.run(
            [sys.executable, str(script), str(home), "BENCH", str(path), ADMIN_PASSWORD],
            cwd=ROOT, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        memory[label] = json.loads(out.stdout.strip().splitlines()[-1])
        assert memory[label]["status"] == "SUCCESS", memory[label]
    ws.close()
    admin_engine.dispose()

    best, other = min(ours), min(theirs)
    mib = 1024 * 1024
    rss = memory["big"]["rss"] / memory["small"]["rss"]
    peak = memory["big"]["peak"] / memory["small"]["peak"]
    lines = [
        ("Upload vs psql \\copy, PostgreSQL", "DMS", "other", "ratio", "goal"),
        (f"load {ROWS:,} rows x 10 columns (best of {ROUNDS})", f"{best:.2f} s", f"{other:.2f} s",
         f"{best / other:.2f}x", "<= 1.5x"),
        ("  every round (DMS / psql)", " ".join(f"{t:.2f}" for t in ours),
         " ".join(f"{t:.2f}" for t in theirs), "", ""),
        (f"RSS high-water, {ROWS:,} vs {SMALL:,} rows", f"{memory['big']['rss'] / mib:.0f} MiB",
         f"{memory['small']['rss'] / mib:.0f} MiB", f"{rss:.2f}x", "<= 1.3x"),
        (f"tracemalloc peak, {ROWS:,} vs {SMALL:,} rows", f"{memory['big']['peak'] / mib:.1f} MiB",
         f"{memory['small']['peak'] / mib:.1f} MiB", f"{peak:.2f}x", "<= 1.3x"),
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in lines) for i in range(5)]
    print()
    for row in lines:
        print(
            "  "
            + "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(f"  DMS phases, best round: {phases[ours.index(best)]}")
    assert rss <= 1.3, "memory grows with the file"
    assert best / other <= 1.5, f"upload {best:.2f} s vs psql {other:.2f} s"

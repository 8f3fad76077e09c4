"""File uploads into real tables on SQLite and PostgreSQL: validation, all-or-nothing, modes,
skip-bad-rows, cancel, new tables, and the PostgreSQL fast path's fallback."""

from __future__ import annotations

import csv
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads import (
    ColumnRule,
    ColumnSpec,
    EmptyFile,
    FileOptions,
    UploadDef,
    auto_map,
    describe_table,
    inspect_file,
    propose_columns,
    run_upload,
)
from dms_desktop.core.workspace import Workspace
from tests.core.upload_files import write_csv, write_json
from tests.engine_fixtures import pg_connection, sqlite_workspace

TABLE_DDL = (
    "CREATE TABLE {t} (id INTEGER NOT NULL, name VARCHAR(20), amount NUMERIC(10,2), day DATE)"
)


@dataclass
class Target:
    ws: Workspace
    user: CurrentUser
    conid: int
    engine: Engine
    schema: str | None
    backend: str

    def name(self, table: str) -> str:
        return f"{self.schema}.{table}" if self.schema else table

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql)

    def rows(self, table: str, order: str = "id") -> list[tuple[object, ...]]:
        with self.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(text(f"SELECT * FROM {self.name(table)} ORDER BY {order}"))
            ]

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {self.name(table)}")).scalar_one())

    def table(self, name: str = "items", ddl: str = TABLE_DDL) -> str:
        self.execute(ddl.format(t=self.name(name)))
        return name

    def definition(self, path: Path, table: str = "items", **changes: object) -> UploadDef:
        profile = inspect_file(path)
        columns = auto_map(
            profile.columns, describe_table(self.engine, self.schema, table), profile.guesses
        )
        defn = UploadDef(name="T", conid=self.conid, table=table, schema=self.schema,
                         columns=tuple(columns), options=profile.options)  # fmt: skip
        return replace(defn, **changes)  # type: ignore[arg-type]

    def load(self, defn: UploadDef, path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
        return run_upload(self.ws, self.user, defn, path, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, CurrentUser]]:
    """One embedded workspace for the module (the definitions on PostgreSQL metadata are
    covered by test_uploads_definitions); each test gets its own target connection."""
    workspace, admin = sqlite_workspace(tmp_path_factory.mktemp("uploads") / "home")
    yield workspace, admin
    workspace.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path: Path, metadata: tuple[Workspace, CurrentUser]
) -> Target:
    backend = str(request.param)
    workspace, admin = metadata
    service = ConnectionService(workspace, admin)
    name = f"TGT_{uuid.uuid4().hex[:8]}"
    schema = None
    if backend == "sqlite":
        db = tmp_path / "target.db"
        sqlite3.connect(db).close()
        conn = service.create(ConnectionDef(name=name, dbtype="SQLITE", database=str(db)))
    else:
        url = request.getfixturevalue("pg_database")
        conn = service.create(pg_connection(name, url))
        schema = f"u_{uuid.uuid4().hex[:8]}"
    assert conn.conid is not None
    made = Target(workspace, admin, conn.conid, service.engine(conn.conid), schema, backend)
    if schema:
        made.execute(f"CREATE SCHEMA {schema}")
    return made


ROWS = [["1", "Ada", "10.50", "2026-01-31"], ["2", "Bo", "-3.25", "2026-02-01"],
        ["3", "Cy", "", ""]]  # fmt: skip
HEADER = ["id", "name", "amount", "day"]


def test_load_appends_and_reports(target: Target, tmp_path: Path) -> None:
    table = target.table()
    path = write_csv(tmp_path / "items.csv", ROWS, header=HEADER)
    result = target.load(target.definition(path), path)
    assert result.status == "SUCCESS", result.message
    assert (result.rows_read, result.inserted, result.error_count) == (3, 3, 0)
    rows = target.rows(table)
    assert [r[0] for r in rows] == [1, 2, 3] and rows[1][1] == "Bo"
    assert float(rows[0][2]) == 10.5 and str(rows[0][3]) == "2026-01-31"
    assert rows[2][2] is None and rows[2][3] is None  # empty is NULL
    result = target.load(target.definition(path), path)
    assert result.status == "SUCCESS" and target.count(table) == 6  # append


def test_a_european_excel_csv_loads_with_no_options(target: Target, tmp_path: Path) -> None:
    """Semicolons, Windows-1252, decimal commas, a thousands point, dd.mm.yyyy: detected."""
    table = target.table(
        "rates",
        "CREATE TABLE {t} (datum DATE, wahrung CHAR(3), kurs NUMERIC(10,4), betrag NUMERIC(14,2))",
    )
    text = ("Datum;Währung;Kurs;Betrag\r\n31.12.2025;USD;1,0856;1.234.567,50\r\n"
            "02.01.2026;CHF;0,9312;12,00\r\n")  # fmt: skip
    path = tmp_path / "kurse.csv"
    path.write_bytes(text.encode("cp1252"))
    defn = target.definition(path, table=table, options=FileOptions())  # detect at load too
    result = target.load(defn, path)
    assert result.status == "SUCCESS", result.errors
    assert {"Encoding: Windows-1252 (detected)", "Delimiter: semicolon (detected)"} <= set(
        result.notes
    )
    rows = target.rows(table, order="datum")
    assert [(str(r[0]), r[1], float(r[2]), float(r[3])) for r in rows] == [
        ("2025-12-31", "USD", 1.0856, 1234567.5),
        ("2026-01-02", "CHF", 0.9312, 12.0),
    ]


def test_wrong_types_load_nothing_and_report_every_error(target: Target, tmp_path: Path) -> None:
    table = target.table()
    good = write_csv(tmp_path / "good.csv", ROWS, header=HEADER)
    target.load(target.definition(good), good)
    bad_rows = [["4", "Ok", "1.00", "2026-03-01"], ["x", "Dee", "abc", "2026-13-01"],
                ["", "Way too long a name here", "123456789.5", "31.12.2026"]]  # fmt: skip
    bad_rows += [[str(i), "n", "1", "2026-01-01"] for i in range(5, 2000)]
    path = write_csv(tmp_path / "bad.csv", bad_rows, header=HEADER)
    result = target.load(target.definition(path), path)
    assert result.status == "INVALID"
    assert (
        result.message
        == "2 rows failed validation: nothing was loaded into " + target.name(table) + "."
    )
    assert target.count(table) == 3  # all-or-nothing: the earlier rows, none of the file's
    found = {(i.row, i.column): i for i in result.errors}
    assert found[(3, "id")].reason == "is not a number in the format 1234.56"
    assert found[(3, "amount")].value == "abc"
    assert "is not a date" in found[(3, "day")].reason
    assert found[(4, "id")].reason == "is empty, but the column is NOT NULL"
    assert found[(4, "name")].reason == "is 24 characters long; VARCHAR(20) allows 20"
    assert "digits before the decimal point" in found[(4, "amount")].reason
    with open(result.errors_file, encoding="utf-8-sig", newline="") as fh:
        report = list(csv.reader(fh))
    assert (
        report[0] == ["row", "column", "value", "reason"] and len(report) == 1 + result.error_count
    )


def test_duplicate_keys_are_refused_with_the_first_row(target: Target, tmp_path: Path) -> None:
    table = target.table()
    rows = [["1", "a", "1", ""], ["2", "b", "1", ""], ["1", "c", "1", ""], ["1", "d", "1", ""]]
    path = write_csv(tmp_path / "dup.csv", rows, header=HEADER)
    defn = target.definition(path)
    defn = defn.with_columns([replace(c, key=c.target == "id") for c in defn.columns])
    result = target.load(defn, path)
    assert result.status == "INVALID" and target.count(table) == 0
    assert [(i.row, i.reason) for i in result.errors] == [
        (4, "key 1 repeats the key of row 2"),
        (5, "key 1 repeats the key of row 2"),
    ]


def test_skip_bad_rows_up_to_n_writes_rejects_beside_the_file(
    target: Target, tmp_path: Path
) -> None:
    table = target.table()
    rows = [["1", "a", "1", ""], ["x", "b", "1", ""], ["3", "c", "zz", ""], ["4", "d", "4", ""]]
    path = write_csv(tmp_path / "some.csv", rows, header=HEADER)
    result = target.load(target.definition(path, max_rejects=1), path)
    assert result.status == "INVALID" and target.count(table) == 0
    assert "more than the 1 allowed" in result.message
    assert not (tmp_path / "some.rejects.csv").exists()
    result = target.load(target.definition(path, max_rejects=2), path)
    assert result.status == "SUCCESS" and (result.inserted, result.rejected) == (2, 2)
    assert result.rejects_file == str(tmp_path / "some.rejects.csv")
    with open(result.rejects_file, encoding="utf-8-sig", newline="") as fh:
        rejects = list(csv.reader(fh))
    assert rejects[0] == ["row", "reason", *HEADER]
    assert rejects[1][:3] == ["3", "id: is not a number in the format 1234.56", "x"]
    assert [r[0] for r in target.rows(table)] == [1, 4]


def test_a_tables_own_unique_key_is_trusted_and_reported(target: Target, tmp_path: Path) -> None:
    """Appending into a table with a primary key leaves the key checks to it; when it refuses,
    the checks run for the report and nothing is loaded."""
    table = target.table("pk_items", "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    first = write_csv(tmp_path / "a.csv", [["1", "a"], ["2", "b"]], header=["id", "name"])
    keyed = target.definition(first, table=table)
    keyed = keyed.with_columns([replace(c, key=c.target == "id") for c in keyed.columns])
    result = target.load(keyed, first)
    assert result.status == "SUCCESS" and "key checks" not in result.timings
    if target.backend == "postgresql":  # a clean append: COPY straight into the table
        assert "read and load" in result.timings and "merge" not in result.timings
    again = write_csv(
        tmp_path / "b.csv", [["3", "c"], ["2", "b2"], ["3", "c2"]], header=["id", "name"]
    )
    result = target.load(keyed, again)
    assert result.status == "INVALID" and target.count(table) == 2
    assert sorted((i.row, i.reason) for i in result.errors) == [
        (3, "key 2 is already in the table (upsert would update that row)"),
        (4, "key 3 repeats the key of row 2"),
    ]


def test_upsert_replace_and_existing_keys(target: Target, tmp_path: Path) -> None:
    table = target.table()
    first = write_csv(tmp_path / "a.csv", ROWS, header=HEADER)
    keyed_first = target.definition(first)
    keyed_first = keyed_first.with_columns(
        [replace(c, key=c.target == "id") for c in keyed_first.columns]
    )
    assert target.load(keyed_first, first).status == "SUCCESS"  # keys checked, then inserted
    change = write_csv(tmp_path / "b.csv", [["2", "Bob", "-3.25", "2026-02-01"],
                                            ["3", "Cy", "", ""], ["9", "New", "9", ""]],
                       header=HEADER)  # fmt: skip
    keyed = target.definition(change)
    keyed = keyed.with_columns([replace(c, key=c.target == "id") for c in keyed.columns])
    appended = target.load(keyed, change)  # append: keys already there are errors
    assert appended.status == "INVALID" and target.count(table) == 3
    assert (
        appended.errors[0].reason == "key 2 is already in the table (upsert would update that row)"
    )
    upserted = target.load(replace(keyed, mode="UPSERT"), change)
    assert (upserted.inserted, upserted.updated, upserted.unchanged) == (1, 1, 1), upserted.message
    assert [(r[0], r[1]) for r in target.rows(table)] == [
        (1, "Ada"),
        (2, "Bob"),
        (3, "Cy"),
        (9, "New"),
    ]
    replaced = target.load(replace(keyed, mode="REPLACE"), change)
    assert (replaced.deleted, replaced.inserted) == (4, 3) and target.count(table) == 3


def test_cancel_mid_load_leaves_the_target_unchanged(target: Target, tmp_path: Path) -> None:
    table = target.table()
    first = write_csv(tmp_path / "a.csv", ROWS, header=HEADER)
    target.load(target.definition(first), first)
    big = write_csv(tmp_path / "big.csv", [[str(i), "n", "1.5", "2026-01-01"] for i in range(20_000)],
                    header=HEADER)  # fmt: skip
    seen: list[str] = []

    def report(_fraction: float, words: str) -> None:
        seen.append(words)
        if len(seen) == 3:
            state.cancel()

    state = TaskState(report)
    result = target.load(target.definition(big, batch_rows=1000), big, state=state)
    assert result.status == "CANCELLED" and "nothing was loaded" in result.message
    assert target.count(table) == 3


def test_new_table_from_the_file_and_all_or_nothing_creation(
    target: Target, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "new.csv", ROWS, header=["Item ID", "Item Name", "Amount €", "Day"])
    profile = inspect_file(path)
    dialect = "sqlite" if target.backend == "sqlite" else "postgres"
    columns = propose_columns(profile, dialect)
    assert [c.target for c in columns] == ["item_id", "item_name", "amount", "day"]
    defn = UploadDef(name="N", conid=target.conid, table="New_Items", schema=target.schema,
                     columns=tuple(columns), create_table=True)  # fmt: skip
    broken = defn.with_columns([*columns[:3], replace(columns[3], data_type="INTEGER")])
    result = target.load(broken, path)
    assert result.status == "INVALID"
    with pytest.raises(DmsError, match="does not exist"):  # the creation was rolled back too
        target.load(replace(broken, create_table=False), path)
    result = target.load(defn, path)
    assert result.status == "SUCCESS" and "Table new_items created" in result.notes
    assert target.count("new_items") == 3


def test_header_only_file_changes_nothing_even_with_replace(target: Target, tmp_path: Path) -> None:
    table = target.table()
    first = write_csv(tmp_path / "a.csv", ROWS, header=HEADER)
    target.load(target.definition(first), first)
    empty = write_csv(tmp_path / "h.csv", [], header=HEADER)
    result = target.load(target.definition(first, mode="REPLACE"), empty)
    assert result.status == "SUCCESS" and result.rows_read == 0 and target.count(table) == 3
    assert f"The file has no data rows: {target.name(table)} is unchanged." in result.notes
    profile = inspect_file(empty)
    dialect = "sqlite" if target.backend == "sqlite" else "postgres"
    fresh = UploadDef(name="E", conid=target.conid, table="fresh", schema=target.schema,
                      columns=tuple(propose_columns(profile, dialect)), create_table=True)  # fmt: skip
    result = target.load(fresh, empty)
    assert result.status == "SUCCESS" and target.count("fresh") == 0
    assert f"The file has no data rows: {target.name('fresh')} was created empty." in result.notes
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(EmptyFile):
        target.load(target.definition(first), tmp_path / "e.csv")


def test_a_10_mb_field(target: Target, tmp_path: Path) -> None:
    target.table("docs", "CREATE TABLE {t} (id INTEGER, body TEXT)")
    target.table("short", "CREATE TABLE {t} (id INTEGER, body VARCHAR(100))")
    path = write_csv(tmp_path / "big.csv", [["1", "y" * 10_000_000]], header=["id", "body"])
    assert target.load(target.definition(path, table="docs"), path).status == "SUCCESS"
    with target.engine.connect() as conn:
        length = conn.execute(text(f"SELECT LENGTH(body) FROM {target.name('docs')}")).scalar_one()
    assert length == 10_000_000
    result = target.load(target.definition(path, table="short"), path)
    assert result.status == "INVALID" and target.count("short") == 0
    assert result.errors[0].reason == "is 10,000,000 characters long; VARCHAR(100) allows 100"
    assert len(result.errors[0].value) < 600  # the report shows the beginning, not 10 MB


def test_json_and_rules(target: Target, tmp_path: Path) -> None:
    table = target.table()
    records = [{"id": 1, "who": {"name": " ada "}, "amount": "1.234,5", "day": "31.01.2026"},
               {"id": 2, "who": {"name": "n/a"}, "amount": "2", "day": "01.02.2026"}]  # fmt: skip
    path = write_json(tmp_path / "n.json", records)
    columns = (
        ColumnSpec("id", "id"),
        ColumnSpec("name", "who.name", rule=ColumnRule(case="upper", null_values=("N/A",))),
        ColumnSpec("amount", "amount", rule=ColumnRule(decimal=",", thousands=".")),
        ColumnSpec("day", "day", rule=ColumnRule(date_format="%d.%m.%Y")),
    )
    defn = UploadDef(
        name="J", conid=target.conid, table=table, schema=target.schema, columns=columns
    )
    result = target.load(defn, path)
    assert result.status == "SUCCESS", result.errors
    rows = target.rows(table)
    assert rows[0][1] == "ADA" and rows[1][1] is None and float(rows[0][2]) == 1234.5
    assert str(rows[1][3]) == "2026-02-01"


def test_mapping_problems_are_listed_before_reading(target: Target, tmp_path: Path) -> None:
    target.table()
    path = write_csv(tmp_path / "a.csv", ROWS, header=HEADER)
    defn = UploadDef(name="M", conid=target.conid, table="items", schema=target.schema, mode="UPSERT",
                     columns=(ColumnSpec("nope", "id"), ColumnSpec("name", "missing")))  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        target.load(defn, path)
    message = caught.value.message
    assert "has no column nope" in message and "no column 'missing'" in message
    assert "NOT NULL column id without a default" in message and "Upsert needs a key" in message


@pytest.mark.parametrize("target", ["postgresql"], indirect=True)
def test_postgresql_refused_values_fall_back_to_a_full_report(
    target: Target, tmp_path: Path
) -> None:
    """The fast path checks shapes; PostgreSQL judges dates and lengths; a refusal restarts
    the load value by value, which reports every bad row."""
    table = target.table()
    rows = [[str(i), "name", "1.50", "2026-01-01"] for i in range(1, 3000)]
    rows[1500][3] = "2026-02-30"
    rows[2500][1] = "x" * 21
    path = write_csv(tmp_path / "f.csv", rows, header=HEADER)
    result = target.load(target.definition(path, batch_rows=500), path)
    assert result.status == "INVALID" and target.count(table) == 0
    assert [(i.row, i.column) for i in result.errors] == [(1502, "day"), (2502, "name")]
    rows[1500][3], rows[2500][1] = "2026-02-28", "fine"
    path = write_csv(tmp_path / "f.csv", rows, header=HEADER)
    result = target.load(target.definition(path, batch_rows=500), path)
    assert result.status == "SUCCESS" and target.count(table) == 2999
    assert result.inserted == 2999 and result.rows_read == 2999

"""Engine semantics per target type, on SQLite and PostgreSQL targets (DESIGN "Engine semantics").

Each test drives real loads through ``run_mapping`` with a controlled clock, so every run's
timestamp is known and FROMDT/TODT/RECCRDT/RECUPDT can be checked exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dms_desktop.core.engine.hashing import canonical_value, row_hash
from dms_desktop.core.engine.target import END_OF_TIME
from dms_desktop.core.metadata.tables import dms_joberr, dms_joblog, dms_prclog
from tests.engine_fixtures import (
    CUSTOMER_ATTRS,
    CUSTOMER_CATEGORIES,
    CUSTOMER_COLUMNS,
    TARGETS,
    EngineEnv,
    FakeClock,
    col,
    customer_columns,
    customer_source,
    key,
    target_env,
)

T0 = datetime(2025, 3, 1, 8, 0, 0, 123456)


@pytest.fixture(params=TARGETS)
def env(request: pytest.FixtureRequest, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with target_env(request, tmp_path / "eng") as e:
        yield e


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(T0)
    monkeypatch.setattr("dms_desktop.core.clock.utcnow", fake)
    return fake


def canon(row: dict[str, Any]) -> tuple[str, ...]:
    """The attributes of a target row as canonical text: comparable across databases."""
    return tuple(
        canonical_value(row[a], c) for a, c in zip(CUSTOMER_ATTRS, CUSTOMER_CATEGORIES, strict=True)
    )


def python_hash(row: dict[str, Any], keyless: bool = False) -> str:
    """RWHKEY by the Python reference: the non-key columns (all of them without a key)."""
    names = ("customer_code", *CUSTOMER_ATTRS) if keyless else CUSTOMER_ATTRS
    categories = ("text", *CUSTOMER_CATEGORIES) if keyless else CUSTOMER_CATEGORIES
    return row_hash([row[a] for a in names], categories)


def assert_hashes(rows: list[dict[str, Any]], keyless: bool = False) -> None:
    for row in rows:
        assert row["rwhkey"] == python_hash(row, keyless), row


R1 = ("C1", "Ada", "London", Decimal("10.50"), date(2020, 1, 1), datetime(2024, 1, 1, 10, 0, 0))
R2 = ("C2", "Bob", "Paris", Decimal("3"), date(1999, 12, 31), datetime(2024, 1, 1, 10, 0, 0, 5))
R3 = ("C3", "Cy|\\N", None, None, None, None)


def change(row: tuple[Any, ...], **values: Any) -> tuple[Any, ...]:
    out = list(row)
    for name, value in values.items():
        out[CUSTOMER_COLUMNS.index(name)] = value
    return tuple(out)


def by_key(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["customer_code"], []).append(row)
    return out


# --- STAGING and FACT -------------------------------------------------------------------


def test_staging_is_replaced(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    env.mapping("STG_CUSTOMER", "STAGING", "SQL_CUSTOMER", customer_columns(scd=False))
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R3])
    first = env.run("STG_CUSTOMER")
    assert first.ok, first.message
    assert (first.counts.read, first.counts.inserted, first.counts.deleted) == (3, 3, 0)

    env.replace_rows("customer", CUSTOMER_COLUMNS, [change(R1, name="Ada 2"), R2])
    ts = clock.tick(hours=1)
    second = env.run("STG_CUSTOMER")
    assert second.ok, second.message
    assert (second.counts.read, second.counts.inserted, second.counts.deleted) == (2, 2, 3)
    rows = env.rows("stg_customer", "customer_code")
    assert [r["customer_code"] for r in rows] == ["C1", "C2"]
    assert rows[0]["name"] == "Ada 2"
    assert all(r["reccrdt"] == ts for r in rows)
    assert "curflg" not in rows[0]
    assert_hashes(rows)


def test_fact_without_keys_appends(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    columns = customer_columns(scd=False)
    columns[0].key, columns[0].key_seq = False, None
    env.mapping("FCT_SNAPSHOT", "FACT", "SQL_CUSTOMER", columns)
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
    assert env.run("FCT_SNAPSHOT").counts.inserted == 2
    clock.tick(hours=1)
    again = env.run("FCT_SNAPSHOT")
    assert again.ok and (again.counts.inserted, again.counts.updated) == (2, 0)
    rows = env.rows("fct_snapshot")
    assert [r["customer_code"] for r in rows] == ["C1", "C2", "C1", "C2"]
    assert [r["reccrdt"] for r in rows] == [T0, T0, clock.now, clock.now]
    assert_hashes(rows, keyless=True)


def test_fact_with_keys_upserts(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    env.mapping("FCT_CUSTOMER", "FACT", "SQL_CUSTOMER", customer_columns(scd=False))
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R3])
    assert env.run("FCT_CUSTOMER").ok

    r4 = ("C4", "Dee", "Oslo", Decimal("0.01"), None, None)
    env.replace_rows(
        "customer", CUSTOMER_COLUMNS, [change(R1, amount=Decimal("11.25")), R3, r4]
    )  # C1 changed, C2 gone, C3 unchanged, C4 new
    ts = clock.tick(days=1)
    result = env.run("FCT_CUSTOMER")
    assert result.ok, result.message
    assert (result.counts.inserted, result.counts.updated, result.counts.deleted) == (1, 1, 0)
    rows = {r["customer_code"]: r for r in env.rows("fct_customer")}
    assert sorted(rows) == ["C1", "C2", "C3", "C4"]  # a FACT ignores rows gone
    assert canonical_value(rows["C1"]["amount"], "number") == "11.25"
    assert (rows["C1"]["reccrdt"], rows["C1"]["recupdt"]) == (T0, ts)
    assert (rows["C3"]["reccrdt"], rows["C3"]["recupdt"]) == (T0, T0)  # unchanged: untouched
    assert (rows["C4"]["reccrdt"], rows["C4"]["recupdt"]) == (ts, ts)
    assert rows["C2"]["recupdt"] == T0
    assert_hashes(list(rows.values()))


# --- DIMENSION ------------------------------------------------------------------------------


def test_dimension_type1_and_type2(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R3])
    first = env.run("DIM_CUSTOMER")
    assert first.ok, first.message
    assert (first.counts.inserted, first.counts.updated, first.counts.expired) == (3, 0, 0)

    # C1 moves (type 2), C2 renamed (type 1), C3 unchanged, C4 new.
    r4 = ("C4", "Dee", "Oslo", Decimal("7"), date(2001, 2, 3), datetime(2025, 1, 1))
    env.replace_rows(
        "customer", CUSTOMER_COLUMNS, [change(R1, city="Berlin"), change(R2, name="Bobby"), R3, r4]
    )
    t1 = clock.tick(days=1)
    second = env.run("DIM_CUSTOMER")
    assert second.ok, second.message
    c = second.counts
    assert (c.read, c.inserted, c.updated, c.expired, c.deleted) == (4, 2, 1, 1, 0)
    dim = by_key(env.rows("dim_customer"))
    old, new = dim["C1"]
    assert (old["city"], old["curflg"], old["fromdt"], old["todt"]) == ("London", "N", T0, t1)
    assert (new["city"], new["curflg"], new["fromdt"], new["todt"]) == (
        "Berlin",
        "Y",
        t1,
        END_OF_TIME,
    )
    assert old["recupdt"] == t1 and (new["reccrdt"], new["recupdt"]) == (t1, t1)
    assert new["skey"] > old["skey"]
    [bob] = dim["C2"]
    assert (bob["name"], bob["curflg"], bob["fromdt"], bob["recupdt"]) == ("Bobby", "Y", T0, t1)
    [cy] = dim["C3"]
    assert (cy["reccrdt"], cy["recupdt"], cy["todt"]) == (T0, T0, END_OF_TIME)  # untouched
    [dee] = dim["C4"]
    assert (dee["curflg"], dee["fromdt"], dee["todt"]) == ("Y", t1, END_OF_TIME)

    # A type 1 change is written into every version of the key, the closed one included.
    env.replace_rows(
        "customer",
        CUSTOMER_COLUMNS,
        [change(R1, city="Berlin", name="Ada L."), change(R2, name="Bobby"), R3, r4],
    )
    t2 = clock.tick(days=1)
    third = env.run("DIM_CUSTOMER")
    assert (third.counts.updated, third.counts.inserted, third.counts.expired) == (2, 0, 0)
    dim = by_key(env.rows("dim_customer"))
    assert [(v["name"], v["city"], v["curflg"], v["recupdt"]) for v in dim["C1"]] == [
        ("Ada L.", "London", "N", t2),
        ("Ada L.", "Berlin", "Y", t2),
    ]
    assert dim["C1"][0]["todt"] == t1  # history dates stay
    # Both type 1 and type 2 change at once: close with the new type 1 value, open a version.
    env.replace_rows(
        "customer",
        CUSTOMER_COLUMNS,
        [change(R1, city="Rome", name="Ada R."), change(R2, name="Bobby"), R3, r4],
    )
    t3 = clock.tick(days=1)
    fourth = env.run("DIM_CUSTOMER")
    assert (fourth.counts.updated, fourth.counts.inserted, fourth.counts.expired) == (2, 1, 1)
    dim = by_key(env.rows("dim_customer"))
    assert [(v["name"], v["city"], v["curflg"], v["fromdt"], v["todt"]) for v in dim["C1"]] == [
        ("Ada R.", "London", "N", T0, t1),
        ("Ada R.", "Berlin", "N", t1, t3),
        ("Ada R.", "Rome", "Y", t3, END_OF_TIME),
    ]
    assert_hashes([v for versions in dim.values() for v in versions])

    # A rerun without change touches nothing.
    before = env.rows("dim_customer")
    clock.tick(days=1)
    rerun = env.run("DIM_CUSTOMER")
    assert (rerun.counts.inserted, rerun.counts.updated, rerun.counts.expired) == (0, 0, 0)
    assert env.rows("dim_customer") == before


def test_engine_settings_high_date_and_batch_size(env: EngineEnv, clock: FakeClock) -> None:
    """ENGINE.SCD2_HIGH_DATE is the TODT of current versions and ENGINE.DEFAULT_BATCH_SIZE the
    chunk of a mapping without BLKPRCROWS (Admin › Configuration)."""
    from dms_desktop.core.admin.params import ParamService
    from dms_desktop.core.engine.plan import prepare

    params = ParamService(env.ws, env.admin)
    params.set("ENGINE.SCD2_HIGH_DATE", "2999-12-31")
    params.set("ENGINE.DEFAULT_BATCH_SIZE", "2500")
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
    assert env.run("DIM_CUSTOMER").ok
    env.replace_rows("customer", CUSTOMER_COLUMNS, [change(R1, city="Berlin"), R2])
    t1 = clock.tick(days=1)
    assert env.run("DIM_CUSTOMER").ok
    old, new = by_key(env.rows("dim_customer"))["C1"]
    assert (old["todt"], new["todt"]) == (t1, datetime(2999, 12, 31))
    assert prepare(env.ws, env.admin, "DIM_CUSTOMER").chunk == 2500


@pytest.mark.parametrize("history", [True, False], ids=["scd2", "scd1"])
def test_rows_gone_from_the_source(env: EngineEnv, clock: FakeClock, history: bool) -> None:
    customer_source(env)
    env.mapping(
        "DIM_KEEP", "DIMENSION", "SQL_CUSTOMER", customer_columns(history=history)
    )  # IGNORE is the default
    env.mapping(
        "DIM_CLOSE",
        "DIMENSION",
        "SQL_CUSTOMER",
        customer_columns(history=history),
        on_source_delete="CLOSE",
    )
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R3])
    assert env.run("DIM_KEEP").ok and env.run("DIM_CLOSE").ok
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R3])
    t1 = clock.tick(hours=2)
    keep, close = env.run("DIM_KEEP"), env.run("DIM_CLOSE")
    assert keep.ok and close.ok, (keep.message, close.message)
    assert (keep.counts.deleted, close.counts.deleted) == (0, 1)
    [kept] = by_key(env.rows("dim_keep"))["C2"]
    assert kept["recupdt"] == T0
    if history:
        assert (kept["curflg"], kept["todt"]) == ("Y", END_OF_TIME)
        [closed] = by_key(env.rows("dim_close"))["C2"]
        assert (closed["curflg"], closed["todt"], closed["recupdt"]) == ("N", t1, t1)
    else:
        assert "C2" not in by_key(env.rows("dim_close"))
    # C2 comes back: a new current version (history) or a new row.
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R3])
    t2 = clock.tick(hours=2)
    back = env.run("DIM_CLOSE")
    assert back.ok and back.counts.inserted == 1
    versions = by_key(env.rows("dim_close"))["C2"]
    assert versions[-1]["fromdt" if history else "reccrdt"] == t2
    assert [v.get("curflg") for v in versions] == (["N", "Y"] if history else [None])
    assert env.run("DIM_KEEP").counts.inserted == 0


def test_lookup_takes_the_current_version(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
    assert env.run("DIM_CUSTOMER").ok
    env.replace_rows("customer", CUSTOMER_COLUMNS, [change(R1, city="Berlin"), R2])
    clock.tick(hours=1)
    assert env.run("DIM_CUSTOMER").counts.expired == 1
    current = {
        r["customer_code"]: r["skey"] for r in env.rows("dim_customer") if r["curflg"] == "Y"
    }

    env.source_sql(f"CREATE TABLE {env.s('orders')} (order_no integer, cust text, qty integer)")
    env.query("SQL_ORDERS", f"SELECT order_no, cust, qty FROM {env.s('orders')}")
    env.replace_rows(
        "orders", ("order_no", "cust", "qty"), [(1, "C1", 5), (2, "C2", 7), (3, "C9", 1)]
    )
    env.mapping(
        "FCT_ORDERS",
        "FACT",
        "SQL_ORDERS",
        [
            key("ORDER_NO", "INTEGER", "order_no"),
            col(
                "CUSTOMER_SKEY",
                "BIGINT",
                "cust",
                lookup_table="DIM_CUSTOMER",
                key_column="CUSTOMER_CODE",
                value_column="SKEY",
            ),
            col("QTY", "INTEGER"),
        ],
    )
    result = env.run("FCT_ORDERS")
    assert result.ok, result.message
    assert (result.counts.inserted, result.counts.unmatched) == (3, 1)
    assert "without lookup match" in (result.message or "")
    facts = {r["order_no"]: r["customer_skey"] for r in env.rows("fct_orders")}
    assert facts == {1: current["C1"], 2: current["C2"], 3: -1}
    rows = env.rows("fct_orders")
    for row in rows:
        assert row["rwhkey"] == row_hash([row["customer_skey"], row["qty"]], ["number", "number"])


def test_duplicate_keys_fail_and_change_nothing(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
    assert env.run("DIM_CUSTOMER").ok
    before = env.rows("dim_customer")
    env.replace_rows(
        "customer",
        CUSTOMER_COLUMNS,
        [change(R1, city="X"), change(R1, city="Y"), R2, R2, R3],
    )
    clock.tick(hours=1)
    result = env.run("DIM_CUSTOMER")
    assert result.status == "FAILED"
    assert "Duplicate business keys" in (result.message or "")
    assert "C1" in (result.message or "") and "C2" in (result.message or "")
    assert "C3" not in (result.message or "")
    assert env.rows("dim_customer") == before


def test_counts_and_run_logs(env: EngineEnv, clock: FakeClock) -> None:
    customer_source(env)
    env.mapping(
        "DIM_CUSTOMER",
        "DIMENSION",
        "SQL_CUSTOMER",
        customer_columns(),
        on_source_delete="CLOSE",
        error_threshold=5,
    )
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R3])
    assert env.run("DIM_CUSTOMER").ok
    too_long = ("C5", "x" * 41, "Oslo", None, None, None)
    env.replace_rows(
        "customer",
        CUSTOMER_COLUMNS,
        [change(R1, city="Berlin"), change(R3, name="Cy 2"), too_long, (None, "nobody", *R1[2:])],
    )
    clock.tick(minutes=30)
    result = env.run("DIM_CUSTOMER")
    assert result.ok, result.message
    c = result.counts
    assert (c.read, c.rejected, c.inserted, c.updated, c.expired, c.deleted) == (4, 2, 1, 1, 1, 1)
    with env.ws.engine.connect() as conn:
        log = conn.execute(select(dms_prclog).where(dms_prclog.c.prclogid == result.prclogid)).one()
        steps = conn.execute(
            select(dms_joblog)
            .where(dms_joblog.c.prclogid == result.prclogid)
            .order_by(dms_joblog.c.stepseq)
        ).all()
        errors = conn.execute(
            select(dms_joberr).where(dms_joberr.c.prclogid == result.prclogid)
        ).all()
    assert (log.status, log.mapref, log.srcrows, log.insrows, log.updrows) == (
        "SUCCESS",
        "DIM_CUSTOMER",
        4,
        1,
        1,
    )
    assert (log.exprows, log.delrows, log.errrows) == (1, 1, 2)
    assert log.enddt >= log.strtdt and log.message == result.message
    names = [s.stepnm for s in steps]
    assert [s.stepseq for s in steps] == list(range(1, len(steps) + 1))
    assert names[0] == "extract and stage" and steps[0].rowcnt == 4
    assert "check rows" in names and "check duplicate keys" in names
    assert {"update in place", "close changed versions", "insert new keys and versions"} <= set(
        names
    )
    assert "close rows gone from the source" in names
    assert all(s.status == "SUCCESS" and s.enddt >= s.strtdt for s in steps)
    by_name = {s.stepnm: s for s in steps}
    assert by_name["check rows"].rowcnt == 2
    assert by_name["close changed versions"].rowcnt == 1
    assert by_name["insert new keys and versions"].rowcnt == 1
    assert by_name["insert new keys and versions"].sqltext.upper().startswith("INSERT")
    assert sorted((e.errtyp, e.errcol, e.errkey) for e in errors) == [
        ("REJECTED", "customer_code", ""),
        ("REJECTED", "name", "C5"),
    ]
    assert any("too long" in e.errmsg for e in errors)
    assert any("NULL" in e.errmsg for e in errors)
    assert "C5" not in by_key(env.rows("dim_customer"))


def test_values_the_target_type_rounds_are_no_change(env: EngineEnv, clock: FakeClock) -> None:
    """10.555 into NUMERIC(12,2), 'ab ' into CHAR(5), 0.1 into REAL: the hash covers what is
    stored, and a rerun of the same source changes nothing (no endless updates)."""
    numeric = "NUMERIC" if env.source_kind == "sqlite" else "numeric(12,3)"
    env.source_sql(
        f"CREATE TABLE {env.s('odd')} (code text, price {numeric}, tag text, ratio real)"
    )
    env.query("SQL_ODD", f"SELECT code, price, tag, ratio FROM {env.s('odd')}")
    env.replace_rows(
        "odd",
        ("code", "price", "tag", "ratio"),
        [("A", Decimal("10.555"), "ab ", 0.1), ("B", Decimal("2.004"), "x", 1.5)],
    )
    env.mapping(
        "DIM_ODD",
        "DIMENSION",
        "SQL_ODD",
        [
            key("CODE", "VARCHAR(5)"),
            col("PRICE", "NUMERIC(12,2)", scd_type="1"),
            col("TAG", "CHAR(5)", scd_type="1"),
            col("RATIO", "REAL", scd_type="2"),
        ],
    )
    assert env.run("DIM_ODD").ok
    for row in env.rows("dim_odd"):
        values = [row["price"], row["tag"], row["ratio"]]
        assert row["rwhkey"] == row_hash(values, ["number", "char", "float"]), row
    clock.tick(hours=1)
    rerun = env.run("DIM_ODD")
    assert rerun.ok, rerun.message
    assert (rerun.counts.updated, rerun.counts.expired, rerun.counts.inserted) == (0, 0, 0)

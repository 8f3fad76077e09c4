"""A source in the target's own PostgreSQL database is merged straight from a view.

Only a plain read of one table goes that way (core/engine/source_view.py): anything that would
make reading the extract once per merge statement wrong or dear is staged as before. Every
statement of the merge sees the same source rows (REPEATABLE READ), and another session
changing the target meanwhile fails the load, unchanged, with a message to run it again.
The engine's semantic, property, failure and bad-row tests also run on this path (their
``postgresql-in-place`` parameter).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from dms_desktop.core.tasks import TaskState
from tests.engine_fixtures import (
    CUSTOMER_COLUMNS,
    EngineEnv,
    FakeClock,
    col,
    customer_columns,
    customer_source,
    engine_env,
    key,
)

pytestmark = pytest.mark.pg

R1 = ("C1", "Ada", "London", Decimal("10.50"), date(2020, 1, 1), None)
R2 = ("C2", "Bob", "Paris", Decimal("3.00"), None, datetime(2021, 5, 6, 7, 8, 9))
VIEW_DDL = "CREATE TEMPORARY VIEW dms_source"
STAGE_DDL = "create staging table"


@pytest.fixture
def env(pg_database: URL, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with engine_env("postgresql", tmp_path / "eng", pg_database, source="same") as e:
        customer_source(e)
        e.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
        yield e


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(datetime(2026, 3, 1, 9, 0))
    monkeypatch.setattr("dms_desktop.core.clock.utcnow", fake)
    return fake


def plan_of(env: EngineEnv, ref: str) -> str:
    with env.ws.engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT dwlogic FROM dms_jobflw WHERE curflg = 'Y' AND mapref = :r"),
                {"r": ref},
            ).scalar_one()
        )


def dimension(env: EngineEnv, ref: str, sql: str, **extra: object) -> None:
    env.query(f"SQL_{ref}", sql)
    env.mapping(ref, "DIMENSION", f"SQL_{ref}", customer_columns(), table_name=ref, **extra)


def plain_dimension(env: EngineEnv, ref: str) -> None:
    """A dimension whose extract is one plain read of the customer table."""
    dimension(env, ref, f"SELECT code, name, city, amount, since, seen FROM {env.s('customer')}")


def loaded_in_place(env: EngineEnv, ref: str) -> None:
    """A plain dimension loaded once, through the source view."""
    plain_dimension(env, ref)
    assert env.run(ref).ok
    assert VIEW_DDL in plan_of(env, ref)


def current(env: EngineEnv, table: str) -> dict[str, tuple[object, ...]]:
    return {
        r["customer_code"]: (r["name"], r["city"], r["amount"])
        for r in env.rows(table)
        if r["curflg"] == "Y"
    }


def test_a_plain_read_is_merged_from_a_view_and_matches_a_staged_load(
    env: EngineEnv, clock: FakeClock
) -> None:
    plain = f"SELECT code, name, city, amount, since, seen FROM {env.s('customer')}"
    dimension(env, "DIM_VIEW", plain + " WHERE upper(code) LIKE 'C%'")
    # The same rows through a join: staged; both targets must come out the same.
    dimension(
        env,
        "DIM_STAGED",
        "SELECT c.code, c.name, c.city, c.amount, c.since, c.seen FROM "
        f"{env.s('customer')} c JOIN {env.s('customer')} d ON d.code = c.code "
        "WHERE d.code LIKE '%' AND length(c.code) % 100 < 50",
    )
    for ref in ("DIM_VIEW", "DIM_STAGED"):
        result = env.run(ref)
        assert result.ok and result.counts.inserted == 2, result.message
    assert VIEW_DDL in plan_of(env, "DIM_VIEW") and STAGE_DDL not in plan_of(env, "DIM_VIEW")
    assert STAGE_DDL in plan_of(env, "DIM_STAGED")
    clock.tick(hours=1)
    changed = [("C1", "Ada L.", "Berlin", Decimal("10.555"), R1[4], None), R2]
    env.replace_rows("customer", CUSTOMER_COLUMNS, [*changed, ("C3", "Cy", "Rome", 1, None, None)])
    for ref in ("DIM_VIEW", "DIM_STAGED"):
        c = env.run(ref).counts
        assert (c.read, c.inserted, c.updated, c.expired) == (3, 2, 1, 1)
    ours, theirs = env.rows("dim_view"), env.rows("dim_staged")
    drop = ("skey",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in ours] == [
        {k: v for k, v in r.items() if k not in drop} for r in theirs
    ]
    assert current(env, "dim_view")["C1"] == ("Ada L.", "Berlin", Decimal("10.56"))
    # 10.555 is stored as 10.56: the next run sees no change (the value is cast as stored).
    assert env.run("DIM_VIEW").counts.updated == 0


@pytest.mark.parametrize(
    ("why", "sql", "extra"),
    [
        ("aggregation", "SELECT code, max(name) AS name, max(city) AS city, sum(amount) AS amount, "
         "max(since) AS since, max(seen) AS seen FROM {t} GROUP BY code", {}),
        ("sorting", "SELECT code, name, city, amount, since, seen FROM {t} ORDER BY code", {}),
        ("limit", "SELECT code, name, city, amount, since, seen FROM {t} LIMIT 10", {}),
        ("volatile function", "SELECT code, name, city, amount + 0 * random() AS amount, since, seen "
         "FROM {t}", {}),
        ("error threshold", "SELECT code, name, city, amount, since, seen FROM {t}",
         {"error_threshold": 3}),
    ],
)  # fmt: skip
def test_what_cannot_be_read_more_than_once_is_staged(
    env: EngineEnv, why: str, sql: str, extra: dict[str, object]
) -> None:
    dimension(env, "DIM_X", sql.format(t=env.s("customer")), **extra)
    result = env.run("DIM_X")
    assert result.ok and result.counts.inserted == 2, (why, result.message)
    plan = plan_of(env, "DIM_X")
    assert STAGE_DDL in plan and VIEW_DDL not in plan, why


def test_a_function_of_the_users_is_staged(env: EngineEnv) -> None:
    """It may read the target (here it does): evaluated once per merge statement, it would
    see the merge half done."""
    plain_dimension(env, "DIM_CUSTOMER")
    assert env.run("DIM_CUSTOMER").ok
    versions = f"{env.schema}.versions_of"
    env.target_sql(
        f"CREATE FUNCTION {versions}(code text) RETURNS bigint STABLE LANGUAGE plpgsql AS "
        f"$$ BEGIN RETURN (SELECT count(*) FROM {env.t('dim_customer')} "
        "WHERE customer_code = code); END $$"
    )
    dimension(
        env,
        "DIM_COUNTED",
        f"SELECT code, name, city, {versions}(code) AS amount, since, seen "
        f"FROM {env.s('customer')}",
    )
    result = env.run("DIM_COUNTED")
    assert result.ok and result.counts.inserted == 2, result.message
    assert STAGE_DDL in plan_of(env, "DIM_COUNTED")


def test_a_source_that_reads_the_target_itself_is_staged(env: EngineEnv) -> None:
    plain_dimension(env, "DIM_CUSTOMER")
    assert env.run("DIM_CUSTOMER").ok
    # The dimension re-mapped to read itself: its current rows, the city upper-cased.
    own = (
        "SELECT customer_code AS code, name, upper(city) AS city, amount, since, seen "
        f"FROM {env.t('dim_customer')} WHERE curflg = 'Y'"
    )
    env.query("SQL_SELF", own)
    env.mapping(
        "DIM_CUSTOMER", "DIMENSION", "SQL_SELF", customer_columns(), table_name="DIM_CUSTOMER"
    )
    result = env.run("DIM_CUSTOMER")
    assert result.ok, result.message
    assert STAGE_DDL in plan_of(env, "DIM_CUSTOMER")
    # Read once, before the merge: each key closed once and re-opened once, upper-cased.
    assert (result.counts.expired, result.counts.inserted) == (2, 2)
    assert {v[1] for v in current(env, "dim_customer").values()} == {"LONDON", "PARIS"}


def test_lookups_are_resolved_in_a_stage(env: EngineEnv) -> None:
    plain_dimension(env, "DIM_CUSTOMER")
    assert env.run("DIM_CUSTOMER").ok
    env.source_sql(f"CREATE TABLE {env.s('orders')} (order_no integer, cust text)")
    env.source_sql(f"INSERT INTO {env.s('orders')} VALUES (1, 'C1'), (2, 'C9')")
    env.query("SQL_ORDERS", f"SELECT order_no, cust FROM {env.s('orders')}")
    lookup = col(
        "CUSTOMER_SKEY", "BIGINT", "cust",
        lookup_table="DIM_CUSTOMER", key_column="CUSTOMER_CODE", value_column="SKEY",
    )  # fmt: skip
    env.mapping(
        "FCT_ORDERS", "FACT", "SQL_ORDERS", [key("ORDER_NO", "INTEGER", "order_no"), lookup]
    )
    result = env.run("FCT_ORDERS")
    assert result.ok and (result.counts.inserted, result.counts.unmatched) == (2, 1)
    assert STAGE_DDL in plan_of(env, "FCT_ORDERS")


def on_step(step: str, action: object) -> TaskState:
    """A TaskState that runs ``action`` (another session's work) just before ``step``."""

    def progress(_fraction: float, message: str) -> None:
        if message == step:
            action()  # type: ignore[operator]

    return TaskState(progress)


def test_every_merge_statement_sees_the_source_as_the_load_began(
    env: EngineEnv, clock: FakeClock
) -> None:
    loaded_in_place(env, "DIM_C")
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, ("C2", "Bob", "Lyon", *R2[3:])])

    def meanwhile() -> None:  # committed by another session while the load runs
        env.source_sql(f"UPDATE {env.s('customer')} SET city = 'Madrid' WHERE code = 'C1'")
        env.source_sql(f"INSERT INTO {env.s('customer')} (code, name) VALUES ('C7', 'Gus')")
        env.source_sql(f"DELETE FROM {env.s('customer')} WHERE code = 'C2'")

    clock.tick(hours=1)
    result = env.run("DIM_C", on_step("close changed versions", meanwhile))
    assert result.ok, result.message
    c = result.counts
    # As the source was when the load began: C2 moved to Lyon, nothing else.
    assert (c.read, c.expired, c.inserted, c.deleted) == (2, 1, 1, 0)
    assert current(env, "dim_c") == {
        "C1": ("Ada", "London", Decimal("10.50")),
        "C2": ("Bob", "Lyon", Decimal("3.00")),
    }
    clock.tick(hours=1)
    later = env.run("DIM_C").counts  # the next run sees what happened meanwhile
    assert (later.expired, later.inserted) == (1, 2)
    assert set(current(env, "dim_c")) == {"C1", "C2", "C7"}


def test_another_session_changing_the_target_fails_the_load_unchanged(
    env: EngineEnv, clock: FakeClock
) -> None:
    loaded_in_place(env, "DIM_C")
    env.replace_rows("customer", CUSTOMER_COLUMNS, [("C1", "Ada L.", *R1[2:]), R2])

    def meanwhile() -> None:
        env.target_sql(f"UPDATE {env.t('dim_c')} SET amount = 99 WHERE customer_code = 'C1'")

    before = env.rows("dim_c")
    clock.tick(hours=1)
    result = env.run("DIM_C", on_step("update in place", meanwhile))
    assert result.status == "FAILED"
    assert "Another session changed" in (result.message or "")
    assert "run the load again" in (result.message or "")
    after = env.rows("dim_c")
    assert [r["name"] for r in after] == [r["name"] for r in before]  # the load changed nothing
    again = env.run("DIM_C")
    assert again.ok and again.counts.updated == 1, again.message

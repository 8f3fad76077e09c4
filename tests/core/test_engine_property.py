"""Property: random sequences of source snapshots, loaded by the engine, match a reference model.

Hypothesis draws a history of snapshots of a customer source (inserts, type 1 and type 2
updates, deletes, unchanged reruns) and a mapping variant (type 2 history or type 1 only;
rows gone ignored or closed). Every snapshot is loaded with ``run_mapping`` into a SQLite or
PostgreSQL target; after EVERY run the target is compared with ``DimensionModel``, a small
pure-Python statement of DESIGN "Engine semantics": every version, its attributes (as
canonical text), CURFLG, FROMDT/TODT/RECCRDT/RECUPDT (the run timestamps, from a controlled
clock), RWHKEY (the Python reference hash) and the run's counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dms_desktop.core.engine.hashing import canonical_value, row_hash
from dms_desktop.core.engine.target import END_OF_TIME
from tests.engine_fixtures import (
    CUSTOMER_ATTRS,
    CUSTOMER_CATEGORIES,
    CUSTOMER_COLUMNS,
    TARGETS,
    EngineEnv,
    FakeClock,
    customer_columns,
    customer_source,
    target_env,
)

EXAMPLES = 25
KEYS = ("K1", "K2", "K3", "K4")
# Attribute positions in a snapshot row (name, city, amount, since, seen).
TYPE1 = (0, 2, 4)  # name, amount, seen
TYPE2 = (1, 3)  # city, since
VALUES: tuple[tuple[Any, ...], ...] = (
    (None, "a", "b|c", "\\N", "é ü"),  # name
    (None, "X", "Y"),  # city
    (None, Decimal("1.50"), Decimal("2"), Decimal("-0.01")),  # amount
    (None, date(2020, 1, 1), date(1999, 12, 31)),  # since
    (None, datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 10, 0, 0, 500)),  # seen
)
Row = tuple[Any, ...]
Snapshot = dict[str, Row]


# --- the reference model ------------------------------------------------------------------


def canon(values: Row) -> tuple[str, ...]:
    return tuple(canonical_value(v, c) for v, c in zip(values, CUSTOMER_CATEGORIES, strict=True))


@dataclass
class Version:
    key: str
    values: Row
    current: bool
    fromdt: datetime
    todt: datetime
    reccrdt: datetime
    recupdt: datetime


@dataclass
class DimensionModel:
    """DESIGN "Engine semantics" for a DIMENSION, one statement per rule."""

    history: bool  # CITY and SINCE are type 2 (else every column is type 1)
    close_gone: bool
    versions: list[Version] = field(default_factory=list)

    def run(self, snapshot: Snapshot, ts: datetime) -> dict[str, int]:
        counts = dict(read=len(snapshot), inserted=0, updated=0, expired=0, deleted=0)
        in_place = TYPE1 if self.history else TYPE1 + TYPE2
        # Type 1 columns: overwritten in place, in every version of the key.
        for v in self.versions:
            new = snapshot.get(v.key)
            if new is None:
                continue
            if any(canon(v.values)[i] != canon(new)[i] for i in in_place):
                v.values = tuple(new[i] if i in in_place else v.values[i] for i in range(5))
                v.recupdt = ts
                counts["updated"] += 1
        # Type 2: a change closes the current version ...
        if self.history:
            for v in self.current():
                new = snapshot.get(v.key)
                if new is not None and any(canon(v.values)[i] != canon(new)[i] for i in TYPE2):
                    v.current, v.todt, v.recupdt = False, ts, ts
                    counts["expired"] += 1
        # ... and a key without a current version (new, changed, or back) opens one.
        open_keys = {v.key for v in self.current()}
        for k, new in snapshot.items():
            if k not in open_keys:
                self.versions.append(Version(k, new, True, ts, END_OF_TIME, ts, ts))
                counts["inserted"] += 1
        if self.close_gone:
            for v in list(self.current()):
                if v.key in snapshot:
                    continue
                counts["deleted"] += 1
                if self.history:
                    v.current, v.todt, v.recupdt = False, ts, ts
                else:
                    self.versions.remove(v)
        return counts

    def current(self) -> list[Version]:
        return [v for v in self.versions if v.current]

    def expected(self) -> list[tuple[Any, ...]]:
        rows = []
        for v in self.versions:
            flags = ("Y" if v.current else "N", v.fromdt, v.todt) if self.history else ()
            rwhkey = row_hash(v.values, CUSTOMER_CATEGORIES)
            rows.append((v.key, canon(v.values), *flags, rwhkey, v.reccrdt, v.recupdt))
        return sorted(rows, key=lambda r: (r[0], r[3] if self.history else 0))


def actual(env: EngineEnv, table: str, history: bool) -> list[tuple[Any, ...]]:
    rows = []
    for r in env.rows(table):
        values = tuple(r[a] for a in CUSTOMER_ATTRS)
        flags = (r["curflg"], r["fromdt"], r["todt"]) if history else ()
        # The stored hash must also be the Python hash of what is stored.
        assert r["rwhkey"] == row_hash(values, CUSTOMER_CATEGORIES), r
        rows.append(
            (r["customer_code"], canon(values), *flags, r["rwhkey"], r["reccrdt"], r["recupdt"])
        )
    return sorted(rows, key=lambda r: (r[0], r[3] if history else 0))


# --- strategies ----------------------------------------------------------------------------

rows = st.tuples(*(st.sampled_from(v) for v in VALUES))


@st.composite
def histories(draw: st.DrawFn) -> list[Snapshot]:
    """Snapshots, each the previous one changed by a few operations (possibly none)."""
    snapshots: list[Snapshot] = []
    current: Snapshot = {}
    for _ in range(draw(st.integers(1, 6))):
        for _op in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(("type1", "type2", "type1", "type2", "delete", "insert")))
            k = draw(st.sampled_from(KEYS))
            if kind == "delete":
                current.pop(k, None)
            elif kind == "insert" or k not in current:
                current[k] = draw(rows)
            else:  # change one or more columns of that type to another value
                changed = list(current[k])
                for i in draw(
                    st.sets(st.sampled_from(TYPE1 if kind == "type1" else TYPE2), min_size=1)
                ):
                    others = [
                        v
                        for v in VALUES[i]
                        if canonical_value(v, CUSTOMER_CATEGORIES[i])
                        != canonical_value(changed[i], CUSTOMER_CATEGORIES[i])
                    ]
                    changed[i] = draw(st.sampled_from(others))
                current[k] = tuple(changed)
        snapshots.append(dict(current))
    return snapshots


# --- the test ------------------------------------------------------------------------------

VARIANTS = {  # mapping ref -> (history, close rows gone)
    "DIM_T2_KEEP": (True, False),
    "DIM_T2_CLOSE": (True, True),
    "DIM_T1_KEEP": (False, False),
    "DIM_T1_CLOSE": (False, True),
}


@pytest.fixture(params=TARGETS)
def env(request: pytest.FixtureRequest, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with target_env(request, tmp_path / "eng") as e:
        customer_source(e)
        for ref, (history, close) in VARIANTS.items():
            e.mapping(
                ref,
                "DIMENSION",
                "SQL_CUSTOMER",
                customer_columns(history=history),
                on_source_delete="CLOSE" if close else "IGNORE",
            )
        yield e


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(datetime(2025, 1, 1, 0, 0, 0, 1))
    monkeypatch.setattr("dms_desktop.core.clock.utcnow", fake)
    return fake


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(snapshots=histories(), variant=st.sampled_from(sorted(VARIANTS)))
def test_engine_matches_the_reference_model(
    env: EngineEnv, clock: FakeClock, snapshots: list[Snapshot], variant: str
) -> None:
    history, close = VARIANTS[variant]
    table = variant.lower()
    if env.has_table(table):
        env.target_sql(f"DELETE FROM {env.t(table)}")
    model = DimensionModel(history, close)
    for number, snapshot in enumerate(snapshots, start=1):
        env.replace_rows(
            "customer", CUSTOMER_COLUMNS, [(k, *values) for k, values in sorted(snapshot.items())]
        )
        ts = clock.tick(hours=1, microseconds=number * 1111)
        result = env.run(variant)
        assert result.ok, result.message
        expected_counts = model.run(snapshot, ts)
        got = result.counts
        assert {n: getattr(got, n) for n in expected_counts} == expected_counts, (number, snapshot)
        assert (got.rejected, got.unmatched) == (0, 0)
        assert actual(env, table, history) == model.expected(), (number, snapshot)

"""Jobs, the queue and the service's logic on real metadata databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import NotFound, ValidationError
from dms_desktop.core.jobs import queue
from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.metadata.tables import dms_prclog, dms_prcreq
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from tests.scheduler_fixtures import break_mapping, staging_mappings


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def jobs(workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> JobService:
    staging_mappings(workspace, admin, tmp_path, ["LOAD_A", "LOAD_B", "LOAD_C"])
    return JobService(workspace, admin)


def _requests(ws: Workspace) -> list[dict[str, object]]:
    with ws.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(dms_prcreq).order_by(dms_prcreq.c.prcreqid)).mappings()
        ]


def test_create_job_schedule_in_words_and_next_run(jobs: JobService) -> None:
    job = jobs.create(
        "nightly", ["LOAD_A"], schedule=ScheduleSpec("DL", hour=2, minute=0, zone="Europe/Berlin")
    )
    assert job.rule_text == "every day at 02:00, Europe/Berlin"
    assert job.next_run is not None and job.mappings == ("LOAD_A",)
    with pytest.raises(NotFound, match="Unknown mapping NOPE"):
        jobs.create("bad", ["NOPE"])
    with pytest.raises(ValidationError, match="end date must come after"):
        jobs.create(
            "bad2",
            ["LOAD_A"],
            schedule=ScheduleSpec("DL", start=datetime(2026, 5, 1), end=datetime(2026, 4, 1)),
        )
    assert [j.name for j in jobs.list_jobs()] == ["nightly"]


def test_dependency_cycle_is_refused_and_named(jobs: JobService) -> None:
    jobs.create("a", ["LOAD_A"])
    jobs.create("b", ["LOAD_B"], schedule=ScheduleSpec(after="a"))
    jobs.create("c", ["LOAD_C"], schedule=ScheduleSpec(after="b"))
    with pytest.raises(ValidationError, match="cycle: a → c → b → a"):
        jobs.set_schedule("a", ScheduleSpec(after="c"))
    with pytest.raises(ValidationError, match="parent of b"):
        jobs.delete("a")


def test_run_now_success_queues_children_failure_does_not(
    jobs: JobService, workspace: Workspace, admin: CurrentUser
) -> None:
    jobs.create("a", ["LOAD_A"])
    jobs.create("b", ["LOAD_B"], schedule=ScheduleSpec(after="a"))
    jobs.create("c", ["LOAD_C"], retries=2, schedule=ScheduleSpec(after="b"))
    service = SchedulerService(workspace, ServiceOptions(use_clock=False))
    first = jobs.run_now("a")
    assert service.drain() == 3  # a, then b (queued by a), then c (queued by b)
    rows = _requests(workspace)
    assert [r["status"] for r in rows] == ["DONE", "DONE", "DONE"]
    assert [r["max_attempts"] for r in rows] == [1, 1, 3]  # a dependent keeps its retries
    assert {r["scheduled_for"] for r in rows} == {rows[0]["scheduled_for"]}  # same run date
    assert rows[1]["parent_prcreqid"] == first and rows[1]["reqtyp"] == "DEPENDENCY"
    break_mapping(workspace, admin, "LOAD_B")
    jobs.run_now("b")
    assert service.drain() == 1
    last = _requests(workspace)[-1]
    assert last["status"] == "FAILED" and "no_such_column" in str(last["message"])
    assert len(_requests(workspace)) == 4  # c was not queued after b failed


def test_a_firing_is_queued_once_by_any_number_of_services(
    jobs: JobService, workspace: Workspace
) -> None:
    jobs.create(
        "every5",
        ["LOAD_A"],
        schedule=ScheduleSpec("ID", every_minutes=5, start=datetime(2026, 1, 1)),
    )
    clock = Clock(datetime(2026, 1, 1, 0, 1))
    with workspace.engine.begin() as conn:  # the schedule was saved before the first firing
        from dms_desktop.core.metadata.tables import dms_jobsch

        conn.execute(update(dms_jobsch).values(reccrdt=clock.now, recupdt=None))
    one = SchedulerService(workspace, ServiceOptions(use_clock=False, name="one"), clock)
    two = SchedulerService(workspace, ServiceOptions(use_clock=False, name="two"), clock)
    for minute in range(1, 31):
        clock.now = datetime(2026, 1, 1, 0, minute)
        one.tick()
        two.tick()
    fired = [r["scheduled_for"] for r in _requests(workspace)]
    assert fired == [datetime(2026, 1, 1, 0, m) for m in (5, 10, 15, 20, 25, 30)]
    one.drain()
    assert {r["status"] for r in _requests(workspace)} == {"DONE"}


def test_missed_firings_are_coalesced_and_recorded(jobs: JobService, workspace: Workspace) -> None:
    jobs.create(
        "hourly",
        ["LOAD_A"],
        schedule=ScheduleSpec("ID", every_minutes=60, start=datetime(2026, 1, 1)),
    )
    from dms_desktop.core.metadata.tables import dms_jobsch

    with workspace.engine.begin() as conn:
        conn.execute(update(dms_jobsch).values(reccrdt=datetime(2026, 1, 1), recupdt=None))
    clock = Clock(datetime(2026, 1, 1, 5, 30))  # down from 00:00 to 05:30
    SchedulerService(workspace, ServiceOptions(use_clock=False, grace_s=3600), clock).tick()
    rows = _requests(workspace)
    assert [(r["scheduled_for"].hour, r["status"]) for r in rows] == [  # type: ignore[union-attr]
        (1, "CANCELLED"),
        (2, "CANCELLED"),
        (3, "CANCELLED"),
        (4, "CANCELLED"),
        (5, "NEW"),
    ]
    assert "coalesced into" in str(rows[0]["message"])


def test_the_grace_window_is_the_workspace_setting(
    jobs: JobService, workspace: Workspace, admin: CurrentUser
) -> None:
    """SCHEDULER.GRACE_SECONDS (Admin › Configuration) decides whether a late firing still
    runs; a change applies at the next tick."""
    from dms_desktop.core.admin.params import ParamService
    from dms_desktop.core.metadata.tables import dms_jobsch

    jobs.create("hourly", ["LOAD_A"], schedule=ScheduleSpec("ID", every_minutes=60))
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_jobsch).values(reccrdt=datetime(2026, 1, 1), recupdt=None))
    service = SchedulerService(
        workspace, ServiceOptions(use_clock=False), Clock(datetime(2026, 1, 1, 1, 20))
    )
    ParamService(workspace, admin).set("SCHEDULER.GRACE_SECONDS", "600")  # 10 minutes
    service.tick()  # the 01:00 firing is 20 minutes late
    assert [r["status"] for r in _requests(workspace)] == ["CANCELLED"]
    ParamService(workspace, admin).set("SCHEDULER.GRACE_SECONDS", "3600")
    service.clock = Clock(datetime(2026, 1, 1, 2, 20))
    service.tick()  # 02:00, as late, now within the window
    assert [r["status"] for r in _requests(workspace)] == ["CANCELLED", "NEW"]


def test_expired_lease_is_retried_with_backoff_then_failed(
    jobs: JobService, workspace: Workspace
) -> None:
    jobs.create("flaky", ["LOAD_A"], retries=1, retry_delay=10)
    jobs.run_now("flaky")
    claim = queue.claim(workspace, "dead-worker", lease_s=1)
    assert claim is not None and claim.attempt == 1
    with workspace.engine.begin() as conn:  # the worker died: its lease runs out
        conn.execute(update(dms_prcreq).values(lease_until=datetime(2000, 1, 1)))
    assert queue.reap(workspace) == [(claim.prcreqid, "RETRY")]
    assert queue.claim(workspace, "w2") is None  # backoff: not available yet
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_prcreq).values(available_at=datetime(2000, 1, 1)))
    again = queue.claim(workspace, "w2", lease_s=1)
    assert again is not None and again.attempt == 2
    assert not queue.finish(workspace, claim.prcreqid, "dead-worker", True, "late", None)
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_prcreq).values(lease_until=datetime(2000, 1, 1)))
    assert queue.reap(workspace) == [(claim.prcreqid, "FAILED")]


def test_one_active_run_per_job(jobs: JobService, workspace: Workspace) -> None:
    jobs.create("solo", ["LOAD_A"])
    jobs.run_now("solo")
    jobs.run_now("solo")
    first = queue.claim(workspace, "w1")
    assert first is not None
    assert queue.claim(workspace, "w2") is None  # the second request waits for the first
    queue.start(workspace, first.prcreqid, "w1")
    queue.finish(workspace, first.prcreqid, "w1", True, None, None)
    assert queue.claim(workspace, "w2") is not None


def test_cancel_queued_and_running(jobs: JobService, workspace: Workspace) -> None:
    jobs.create("x", ["LOAD_A"])
    queued = jobs.run_now("x")
    assert queue.cancel(workspace, queued, "admin") == "CANCELLED"
    jobs.run_now("x")
    claim = queue.claim(workspace, "w1")
    assert claim is not None and queue.start(workspace, claim.prcreqid, "w1")
    queue.cancel(workspace, claim.prcreqid, "admin")
    assert not queue.heartbeat(workspace, claim.prcreqid, "w1")  # the worker must abort


def test_job_whose_mapping_no_longer_validates_fails_cleanly(
    jobs: JobService, workspace: Workspace, admin: CurrentUser
) -> None:
    jobs.create("broken", ["LOAD_A"])
    break_mapping(workspace, admin, "LOAD_A")
    jobs.run_now("broken")
    service = SchedulerService(workspace, ServiceOptions(use_clock=False))
    assert service.drain() == 1
    row = _requests(workspace)[-1]
    assert row["status"] == "FAILED" and "not valid" in str(row["message"])
    with workspace.engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(dms_prclog).where(dms_prclog.c.status == "FAILED")
            ).scalar_one()
            == 1
        )


def test_service_threads_run_queued_work(jobs: JobService, workspace: Workspace) -> None:
    jobs.create("threaded", ["LOAD_A"])
    service = SchedulerService(
        workspace, ServiceOptions(workers=2, use_clock=False, poll_s=0.1, sync_s=0.5)
    )
    service.start()
    try:
        prcreqid = jobs.run_now("threaded")
        service.wake()
        deadline = datetime.now() + timedelta(seconds=20)
        while datetime.now() < deadline:
            status = next(r["status"] for r in _requests(workspace) if r["prcreqid"] == prcreqid)
            if status == "DONE":
                break
            time.sleep(0.1)
        assert status == "DONE"
    finally:
        service.stop(timeout=5)


def test_failed_load_is_retried_with_backoff_then_fails(
    jobs: JobService, workspace: Workspace, admin: CurrentUser
) -> None:
    """MAXRETRY/RETRYDELAY retry a failed load (not only a lost worker): attempt n waits
    RETRYDELAY x 2^(n-1) seconds; the last failure fails the request."""
    jobs.create("shaky", ["LOAD_A"], retries=2, retry_delay=10)
    break_mapping(workspace, admin, "LOAD_A")
    prcreqid = jobs.run_now("shaky")
    service = SchedulerService(workspace, ServiceOptions(use_clock=False))
    for attempt, delay_s in ((1, 10), (2, 20)):
        before = utcnow()
        assert service.drain() == 1  # the retry is not available yet: drain stops
        after = utcnow()
        row = _requests(workspace)[-1]
        assert row["prcreqid"] == prcreqid and row["status"] == "NEW"
        assert row["attempt"] == attempt and f"Attempt {attempt} of 3" in str(row["message"])
        assert "no_such_column" in str(row["message"])
        available = row["available_at"]
        assert isinstance(available, datetime)
        # The failure happened during the drain: the retry is due delay_s after it.
        assert before + timedelta(seconds=delay_s) <= available
        assert available <= after + timedelta(seconds=delay_s)
        with workspace.engine.begin() as conn:  # time passes
            conn.execute(update(dms_prcreq).values(available_at=datetime(2000, 1, 1)))
    assert service.drain() == 1
    row = _requests(workspace)[-1]
    assert row["status"] == "FAILED" and row["attempt"] == 3
    assert "Attempt 3:" in str(row["message"]) and "no retries left" in str(row["message"])
    with workspace.engine.connect() as conn:
        logs = conn.execute(
            select(dms_prclog.c.status).where(dms_prclog.c.prcreqid == prcreqid)
        ).all()
    assert [s for (s,) in logs] == ["FAILED"] * 3  # every attempt is in the Monitor
    assert len(_requests(workspace)) == 1


def test_retry_then_success_and_cancelled_runs_are_not_retried(
    jobs: JobService, workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    jobs.create("second_time", ["LOAD_A"], retries=3, retry_delay=0)
    break_mapping(workspace, admin, "LOAD_A")
    prcreqid = jobs.run_now("second_time")
    claim = queue.claim(workspace, "w1")
    assert claim is not None and queue.start(workspace, claim.prcreqid, "w1")
    assert queue.finish(workspace, prcreqid, "w1", False, "boom", None) == "RETRY"
    staging_mappings(workspace, admin, tmp_path, ["LOAD_A"])  # repaired meanwhile
    service = SchedulerService(workspace, ServiceOptions(use_clock=False))
    assert service.drain() == 1
    row = _requests(workspace)[-1]
    assert row["status"] == "DONE" and row["attempt"] == 2
    # A cancelled run (retry=False) fails at once, whatever the retries left.
    again = jobs.run_now("second_time")
    claim = queue.claim(workspace, "w1")
    assert claim is not None and queue.start(workspace, again, "w1")
    assert queue.finish(workspace, again, "w1", False, "Cancelled", None, retry=False) == "FAILED"
    assert _requests(workspace)[-1]["message"] == "Cancelled"


def test_running_service_outlives_a_job_whose_mapping_no_longer_validates(
    jobs: JobService, workspace: Workspace, admin: CurrentUser
) -> None:
    """Acceptance (issue 6): the broken job fails with the validation errors; the service
    keeps its threads and runs the next job."""
    jobs.create("broken", ["LOAD_A"])
    jobs.create("fine", ["LOAD_B"])
    break_mapping(workspace, admin, "LOAD_A")
    service = SchedulerService(
        workspace, ServiceOptions(workers=1, use_clock=False, poll_s=0.1, sync_s=0.5)
    )
    service.start()

    def wait_for(prcreqid: int) -> dict[str, object]:
        deadline = datetime.now() + timedelta(seconds=20)
        while datetime.now() < deadline:
            row = next(r for r in _requests(workspace) if r["prcreqid"] == prcreqid)
            if row["status"] in ("DONE", "FAILED", "CANCELLED"):
                return row
            time.sleep(0.1)
        raise AssertionError(f"request {prcreqid} did not finish")

    try:
        failed = wait_for(jobs.run_now("broken"))
        assert failed["status"] == "FAILED"
        assert "not valid" in str(failed["message"]) and "no_such_column" in str(failed["message"])
        assert service.failures and "no_such_column" in service.failures[-1][1]
        done = wait_for(jobs.run_now("fine"))
        assert done["status"] == "DONE"
        assert all(t.is_alive() for t in service._threads)
    finally:
        service.stop(timeout=5)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_mapping_logic_checks_are_safe_from_several_workers(backend: str) -> None:
    """Workers of one service validate mappings at once: a shared sqlglot tokenizer (it
    keeps its position) once failed one load in a thousand with a bogus syntax error."""
    import threading

    from dms_desktop.core.mapping.logic import parse_logic

    errors: list[Exception] = []

    def check() -> None:
        for _ in range(1500):
            try:
                parse_logic("code", "sqlite")
                parse_logic("upper(label) || 'x'", "postgresql")
            except Exception as exc:  # noqa: BLE001 - counted below
                errors.append(exc)

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

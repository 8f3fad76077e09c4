"""Hashing, policy, lockout (clock injected), audit, permission checks — SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type
from sqlalchemy import select

from dms_desktop.core.errors import (
    AccountLocked,
    AlreadyExists,
    InvalidCredentials,
    PasswordExpired,
    PermissionDenied,
    ValidationError,
)
from dms_desktop.core.metadata.tables import login_audit_log, users
from dms_desktop.core.security import passwords
from dms_desktop.core.security.auth import LOCK_MINUTES, MAX_FAILED, AuthService
from dms_desktop.core.security.permissions import ACTIONS, MODULES
from dms_desktop.core.security.users import UserService
from dms_desktop.core.workspace import Workspace

ADMIN_PW = "correct horse battery"


class FakeClock:
    """An injected clock: lockout expiry is tested without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth(workspace: Workspace, clock: FakeClock) -> AuthService:
    service = AuthService(workspace, clock=clock)
    service.create_first_admin("alice", ADMIN_PW, host="ws1")
    return service


def _events(ws: Workspace, username: str) -> list[str]:
    with ws.engine.connect() as conn:
        return list(
            conn.execute(
                select(login_audit_log.c.event)
                .where(login_audit_log.c.username == username)
                .order_by(login_audit_log.c.id)
            ).scalars()
        )


def test_hash_is_argon2id_at_or_above_owasp_minimum(auth: AuthService) -> None:
    with auth.ws.engine.connect() as conn:
        digest = conn.execute(select(users.c.password_hash)).scalar_one()
    assert digest.startswith("$argon2id$")
    params = dict(kv.split("=") for kv in digest.split("$")[3].split(","))
    assert int(params["m"]) >= passwords.OWASP_MIN_MEMORY_KIB
    assert int(params["t"]) >= passwords.OWASP_MIN_TIME_COST
    assert ADMIN_PW not in digest


def test_login_rehashes_when_parameters_rise(auth: AuthService, workspace: Workspace) -> None:
    weak = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
    with workspace.engine.begin() as conn:
        conn.execute(users.update().values(password_hash=weak.hash(ADMIN_PW)))
    auth.login("alice", ADMIN_PW)
    with workspace.engine.connect() as conn:
        digest = conn.execute(select(users.c.password_hash)).scalar_one()
    assert f"m={passwords.MEMORY_COST_KIB}" in digest and not passwords.needs_rehash(digest)


def test_first_admin_only_once(auth: AuthService) -> None:
    with pytest.raises(AlreadyExists):
        auth.create_first_admin("mallory", "another long password")


def test_wrong_password_and_unknown_user_say_the_same(auth: AuthService) -> None:
    with pytest.raises(InvalidCredentials) as wrong:
        auth.login("alice", "not the password at all")
    with pytest.raises(InvalidCredentials) as unknown:
        auth.login("nobody", "not the password at all")
    assert wrong.value.message == unknown.value.message == "Wrong user name or password."


def test_lockout_after_five_failures_then_unlock_after_fifteen_minutes(
    auth: AuthService, clock: FakeClock, workspace: Workspace
) -> None:
    for _ in range(MAX_FAILED - 1):
        with pytest.raises(InvalidCredentials):
            auth.login("alice", "wrong password guess")
    with pytest.raises(AccountLocked) as locked:
        auth.login("alice", "wrong password guess")
    assert locked.value.until == clock.now + timedelta(minutes=LOCK_MINUTES)
    assert "locked until" in locked.value.message
    clock.advance(minutes=LOCK_MINUTES - 1)
    with pytest.raises(AccountLocked):  # even the right password waits out the lock
        auth.login("alice", ADMIN_PW)
    clock.advance(minutes=1, seconds=1)
    user = auth.login("alice", ADMIN_PW)
    assert user.username == "alice"
    events = _events(workspace, "alice")
    assert events.count("LOCKOUT") == 1
    assert events.count("LOGIN_FAILURE") == MAX_FAILED + 1
    assert events[-1] == "LOGIN_SUCCESS"
    with workspace.engine.connect() as conn:
        assert conn.execute(select(users.c.failed_attempts)).scalar_one() == 0


def test_a_failure_after_the_lock_expired_starts_counting_again(
    auth: AuthService, clock: FakeClock
) -> None:
    for _ in range(MAX_FAILED):
        with pytest.raises((InvalidCredentials, AccountLocked)):
            auth.login("alice", "wrong password guess")
    clock.advance(minutes=LOCK_MINUTES + 1)
    with pytest.raises(InvalidCredentials):  # one failure, not an immediate new lock
        auth.login("alice", "wrong password guess")
    assert auth.login("alice", ADMIN_PW).username == "alice"


def test_admin_unlock_and_audit(auth: AuthService, workspace: Workspace) -> None:
    for _ in range(MAX_FAILED):
        with pytest.raises((InvalidCredentials, AccountLocked)):
            auth.login("alice", "wrong password guess")
    admin_two = UserService(workspace, _bootstrap_second_admin(workspace))
    admin_two.unlock("alice")
    assert auth.login("alice", ADMIN_PW).username == "alice"
    assert "UNLOCK" in _events(workspace, "alice")


def _bootstrap_second_admin(workspace: Workspace):  # type: ignore[no-untyped-def]
    with workspace.engine.begin() as conn:
        from dms_desktop.core.security.users import create_user_row

        create_user_row(
            conn, "root2", "second admin password", "Admin", datetime(2026, 3, 1), by="test"
        )
    return AuthService(workspace).login("root2", "second admin password")


def test_password_history_refuses_the_last_five(auth: AuthService) -> None:
    current = ADMIN_PW
    for n in range(5):
        new = f"rotating password number {n}"
        auth.change_password("alice", current, new)
        current = new
    with pytest.raises(ValidationError, match="used recently"):
        auth.change_password("alice", current, "rotating password number 1")
    # the first one has left the window of 5 and may come back
    auth.change_password("alice", current, ADMIN_PW)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pw", "too short"),
        ("alice-is-my-password", "user name"),
        ("aaaaaaaaaaaaaaaa", "too few characters"),
    ],
)
def test_policy_refusals_change_nothing(auth: AuthService, password: str, reason: str) -> None:
    with auth.ws.engine.connect() as conn:
        before = conn.execute(select(users.c.password_hash)).scalar_one()
    with pytest.raises(ValidationError, match=reason):
        auth.change_password("alice", ADMIN_PW, password)
    with auth.ws.engine.connect() as conn:
        assert conn.execute(select(users.c.password_hash)).scalar_one() == before


def test_must_change_password_reports_expired(auth: AuthService, workspace: Workspace) -> None:
    admin = auth.login("alice", ADMIN_PW)
    UserService(workspace, admin).add_user(
        "bob", "Operator", "initial secret 4711", must_change=True
    )
    with pytest.raises(PasswordExpired):
        auth.login("bob", "initial secret 4711")
    auth.change_password("bob", "initial secret 4711", "my own new secret 42")
    assert auth.login("bob", "my own new secret 42").roles == ("Operator",)


def test_viewer_cannot_create_edit_or_delete(auth: AuthService, workspace: Workspace) -> None:
    admin = auth.login("alice", ADMIN_PW)
    UserService(workspace, admin).add_user("vera", "Viewer", "reads everything 2026")
    vera = auth.login("vera", "reads everything 2026")
    assert vera.can("mapper", "view") and not vera.can("admin", "view")
    for module in MODULES:
        for action in ACTIONS[1:]:
            assert not vera.can(module, action)
            with pytest.raises(PermissionDenied, match=f"may not {action}"):
                vera.require(module, action)
    service = UserService(workspace, vera)
    with pytest.raises(PermissionDenied):
        service.add_user("eve", "Admin", "a password for eve")
    with pytest.raises(PermissionDenied):
        service.unlock("alice")
    with pytest.raises(PermissionDenied):
        service.list_users()
    assert [u.username for u in UserService(workspace, admin).list_users()] == ["alice", "vera"]


def test_operator_runs_jobs_but_does_not_edit_mappings(
    auth: AuthService, workspace: Workspace
) -> None:
    admin = auth.login("alice", ADMIN_PW)
    UserService(workspace, admin).add_user("otto", "Operator", "runs the night shift")
    otto = auth.login("otto", "runs the night shift")
    assert otto.can("jobs", "create") and otto.can("monitor", "edit")
    assert not otto.can("mapper", "edit") and not otto.can("connections", "create")


def test_unknown_role_and_duplicate_user_change_nothing(
    auth: AuthService, workspace: Workspace
) -> None:
    admin = auth.login("alice", ADMIN_PW)
    service = UserService(workspace, admin)
    with pytest.raises(ValidationError, match="Unknown role 'Boss'.*Admin, Developer"):
        service.add_user("carl", "Boss", "a long password here")
    with pytest.raises(AlreadyExists):
        service.add_user("ALICE", "Viewer", "another long password")
    assert [u.username for u in service.list_users()] == ["alice"]


def test_audit_records_success_failure_logout_with_host(
    auth: AuthService, workspace: Workspace
) -> None:
    user = auth.login("alice", ADMIN_PW, host="laptop-7")
    with pytest.raises(InvalidCredentials):
        auth.login("alice", "wrong password guess", host="laptop-7")
    auth.logout(user, host="laptop-7")
    with workspace.engine.connect() as conn:
        rows = conn.execute(
            select(login_audit_log.c.event, login_audit_log.c.host, login_audit_log.c.user_id)
            .where(login_audit_log.c.host == "laptop-7")
            .order_by(login_audit_log.c.id)
        ).all()
    assert [r.event for r in rows] == ["LOGIN_SUCCESS", "LOGIN_FAILURE", "LOGOUT"]
    assert all(r.user_id == user.user_id for r in rows)


def test_concurrent_failures_are_counted_atomically(
    auth: AuthService, workspace: Workspace
) -> None:
    """Eight parallel wrong logins: the counter sees every one of them, none lost."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> str:
        try:
            AuthService(workspace).login("alice", "parallel wrong guess")
        except AccountLocked:
            return "locked"
        except InvalidCredentials:
            return "invalid"
        return "ok"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert "ok" not in outcomes and "locked" in outcomes
    with workspace.engine.connect() as conn:
        count = conn.execute(select(users.c.failed_attempts)).scalar_one()
        details = (
            conn.execute(
                select(login_audit_log.c.detail).where(
                    login_audit_log.c.detail.like("wrong password (%")
                )
            )
            .scalars()
            .all()
        )
    # every counted failure saw its own number: no two read the same value
    numbers = sorted(int(d.split("(")[1].split()[0]) for d in details)
    assert numbers == list(range(1, count + 1))
    assert count >= MAX_FAILED
    assert _events(workspace, "alice").count("LOGIN_FAILURE") == 8

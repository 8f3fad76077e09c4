"""User administration: lockout from the configured threshold, disabled accounts (also while
logged in), password resets, history and complexity from the parameters, the last admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dms_desktop.core.admin.params import ParamService
from dms_desktop.core.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    NotFound,
    PasswordExpired,
    PermissionDenied,
    ValidationError,
)
from dms_desktop.core.metadata.tables import admin_audit_log, users
from dms_desktop.core.security.accounts import LAST_ADMIN
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.security.policy import PasswordPolicy
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.security.session import SessionEnded
from dms_desktop.core.security.users import Profile, UserService
from dms_desktop.core.workspace import Workspace
from tests.core.admin_support import (
    ROLE_PASSWORD,
    FakeClock,
    changes,
    login_events,
    quick_user,
)

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


def _snapshot(ws: Workspace) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(users).order_by(users.c.user_id)).all()]


def test_brute_force_locks_at_the_configured_threshold(
    workspace: Workspace, admin: CurrentUser
) -> None:
    params = ParamService(workspace, admin)
    params.set("SECURITY.LOCKOUT_THRESHOLD", "3")
    params.set("SECURITY.LOCKOUT_MINUTES", "7")
    quick_user(workspace, "mallory", "Viewer")
    clock = FakeClock()
    auth = AuthService(workspace, clock=clock)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            auth.login("mallory", "guessing the password")
    with pytest.raises(AccountLocked) as locked:
        auth.login("mallory", "guessing the password")
    assert locked.value.until == clock.now + timedelta(minutes=7)
    clock.advance(minutes=6, seconds=59)
    with pytest.raises(AccountLocked):  # the right password waits out the lock too
        auth.login("mallory", ROLE_PASSWORD)
    clock.advance(seconds=2)
    assert auth.login("mallory", ROLE_PASSWORD).username == "mallory"
    events = login_events(workspace, "mallory")
    assert events.count("LOCKOUT") == 1 and events[-1] == "LOGIN_SUCCESS"
    assert events.count("LOGIN_FAILURE") == 4  # three wrong, one while locked


@SQLITE
def test_a_disabled_user_cannot_log_in_nor_act_in_an_open_session(
    workspace: Workspace, admin: CurrentUser
) -> None:
    quick_user(workspace, "otto", "Operator")
    otto = AuthService(workspace).login("otto", ROLE_PASSWORD)
    assert otto.session is not None
    ended: list[str] = []
    otto.session.on_end(ended.append)
    otto.require("jobs", "view")
    UserService(workspace, admin).disable("otto")
    otto.session.interval_s = 0  # the next action, however soon
    with pytest.raises(SessionEnded, match="disabled"):
        otto.require("jobs", "view")
    with pytest.raises(SessionEnded):  # and every one after it, without a query
        otto.require("home", "view")
    assert ended == [otto.session.ended]
    with pytest.raises(AccountDisabled):
        AuthService(workspace).login("otto", ROLE_PASSWORD)
    assert login_events(workspace, "otto")[-1] == "LOGIN_FAILURE"
    UserService(workspace, admin).enable("otto")
    assert AuthService(workspace).login("otto", ROLE_PASSWORD).roles == ("Operator",)
    assert [c[0] for c in changes(workspace, "USER")] == ["DISABLE", "ENABLE"]


@SQLITE
def test_a_reset_password_must_be_changed_and_ends_the_session(
    workspace: Workspace, admin: CurrentUser
) -> None:
    quick_user(workspace, "vera", "Viewer")
    vera = AuthService(workspace).login("vera", ROLE_PASSWORD)
    UserService(workspace, admin).reset_password("vera", "temporary password 99")
    assert vera.session is not None
    with pytest.raises(SessionEnded, match="reset your password"):
        vera.session.check(force=True)
    with pytest.raises(InvalidCredentials):
        AuthService(workspace).login("vera", ROLE_PASSWORD)
    with pytest.raises(PasswordExpired):
        AuthService(workspace).login("vera", "temporary password 99")
    with pytest.raises(ValidationError, match="used recently"):
        AuthService(workspace).change_password(
            "vera", "temporary password 99", "temporary password 99"
        )
    AuthService(workspace).change_password("vera", "temporary password 99", "my own new phrase 7")
    assert AuthService(workspace).login("vera", "my own new phrase 7").username == "vera"
    actions = [c[0] for c in changes(workspace, "USER")]
    assert actions == ["RESET_PASSWORD"]


@SQLITE
def test_history_and_complexity_follow_the_parameters(
    workspace: Workspace, admin: CurrentUser
) -> None:
    params = ParamService(workspace, admin)
    params.set("SECURITY.PASSWORD_MIN_LENGTH", "16")
    params.set("SECURITY.PASSWORD_MIN_CLASSES", "3")
    params.set("SECURITY.PASSWORD_HISTORY", "2")
    service = UserService(workspace, admin)
    with pytest.raises(ValidationError, match="at least 16"):
        service.create_user("carl", "short but fine", ["Viewer"])
    with pytest.raises(ValidationError, match="mix at least 3"):
        service.create_user("carl", "only lower case words", ["Viewer"])
    service.create_user("carl", "Mixed Case words 2026", ["Viewer"], must_change=False)
    auth = AuthService(workspace)
    auth.change_password("carl", "Mixed Case words 2026", "Second Mixed phrase 1")
    with pytest.raises(ValidationError, match="last 2"):
        auth.change_password("carl", "Second Mixed phrase 1", "Mixed Case words 2026")
    auth.change_password("carl", "Second Mixed phrase 1", "Third Mixed phrase 22")
    auth.change_password("carl", "Third Mixed phrase 22", "Mixed Case words 2026")  # left the 2
    policy = PasswordPolicy(min_length=16, min_classes=3, history=2)
    rules = dict(policy.rules("carl", "carl's Password"))
    assert rules == {
        "At least 16 characters": False,
        "Does not contain the user name": False,
        "At least 4 different characters": True,
        "Mixes 3 of: lower-case letters, upper-case letters, digits, symbols or spaces": True,
        "Not one of your last 2 passwords (checked on save)": True,
    }
    assert "At least 16 characters" in policy.text()


@SQLITE
def test_the_last_active_admin_cannot_be_removed_disabled_or_demoted(
    workspace: Workspace, admin: CurrentUser
) -> None:
    quick_user(workspace, "deputy", "Admin", "Viewer")
    deputy = AuthService(workspace).login("deputy", ROLE_PASSWORD)
    service = UserService(workspace, deputy)
    service.disable("admin")  # two admins: one may go
    before = _snapshot(workspace)
    trail_before = len(changes(workspace))
    as_deputy = UserService(workspace, deputy)
    for attempt in (
        lambda: as_deputy.revoke_role("deputy", "Admin"),
        lambda: as_deputy.set_roles("deputy", ["Viewer"]),
        lambda: RoleService(workspace, deputy).set_rights("Admin", "admin", ["view"]),
        lambda: RoleService(workspace, deputy).set_matrix("Admin", {"admin": []}),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.message == LAST_ADMIN
    with pytest.raises(ValidationError, match="your own account"):
        as_deputy.disable("deputy")
    with pytest.raises(ValidationError, match="your own account"):
        as_deputy.delete_user("deputy")
    assert _snapshot(workspace) == before
    assert len(changes(workspace)) == trail_before
    assert RoleService(workspace, deputy).get("Admin").can("admin", "edit")
    # a second admin makes the demotion possible again
    as_deputy.enable("admin")
    as_deputy.revoke_role("deputy", "Admin")


@SQLITE
def test_profiles_roles_and_deletion(workspace: Workspace, admin: CurrentUser) -> None:
    service = UserService(workspace, admin)
    service.create_user(
        "dora",
        "her first password 1",
        ["Developer"],
        Profile("Dora Data", "dora@example.com", "BI"),
    )
    info = service.get_user("dora")
    assert info.profile == Profile("Dora Data", "dora@example.com", "BI")
    assert info.must_change_password and info.roles == ("Developer",)
    with pytest.raises(ValidationError, match="E-mail"):
        service.update_profile("dora", Profile(email="not an address"))
    quick_user(workspace, "pat", "Viewer")
    pat = AuthService(workspace).login("pat", ROLE_PASSWORD)
    UserService(workspace, pat).update_profile("pat", Profile("Pat Own"))  # own profile
    assert UserService(workspace, pat).get_user("pat").full_name == "Pat Own"
    with pytest.raises(PermissionDenied):
        UserService(workspace, pat).update_profile("dora", Profile("Not Mine"))
    assert service.grant_role("dora", "operator") == ("Developer", "Operator")
    assert service.revoke_role("dora", "Developer") == ("Operator",)
    with pytest.raises(ValidationError, match="Unknown role"):
        service.grant_role("dora", "Boss")
    service.delete_user("dora")
    with pytest.raises(NotFound):
        service.get_user("dora")
    with workspace.engine.connect() as conn:
        actions = conn.execute(
            select(admin_audit_log.c.action, func.count())
            .where(admin_audit_log.c.object_name == "dora")
            .group_by(admin_audit_log.c.action)
        ).all()
    assert dict(actions) == {"CREATE": 1, "SET_ROLES": 2, "DELETE": 1}


@SQLITE
def test_rights_taken_away_apply_to_an_open_session(
    workspace: Workspace, admin: CurrentUser
) -> None:
    quick_user(workspace, "olga", "Operator")
    olga = AuthService(workspace).login("olga", ROLE_PASSWORD)
    assert olga.session is not None
    olga.session.interval_s = 0
    olga.require("jobs", "create")
    RoleService(workspace, admin).set_rights("Operator", "jobs", ["view"])
    with pytest.raises(PermissionDenied):
        olga.require("jobs", "create")
    assert not olga.can("jobs", "create")
    AuthService(workspace).logout(olga)
    with pytest.raises(SessionEnded):
        olga.require("jobs", "view")

"""Every mutating core service, called as each default role: allowed or denied exactly as the
permission matrix in the database says; a refusal raises PermissionDenied and is audited.

No service escapes the table: ``test_every_service_is_classified`` walks the core package and
fails when a service class gains a public method, a new ``…Service`` class appears, or a new
function takes an ``actor``, without an entry here (mutating with its permission, read-only,
or exempt with a reason).
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

import dms_desktop.core as core
from dms_desktop.core.admin.params import ParamService
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.mapping.ddl import apply_ddl
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.spec.store import export_mappings, import_file
from dms_desktop.core.reports.model import ReportDef
from dms_desktop.core.reports.run import export_report
from dms_desktop.core.reports.service import ReportService
from dms_desktop.core.security.permissions import DEFAULT_ROLES, CurrentUser
from dms_desktop.core.security.roles import RoleService
from dms_desktop.core.security.secrets import rotate_secrets
from dms_desktop.core.security.users import Profile, UserService
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace
from tests.core.admin_support import denials, quick_user, role_users
from tests.core.mapping_support import MapperEnv, mapper_env

BASE = "STG_ORDER_LINES"
# Checks a service makes under another name than the matrix cell it stands for (none left:
# run_mapping, JobService.run_now and cancel check "jobs.run"; the stand-alone test shows it).
STILL_CHECKED_AS: dict[str, str] = {}


@dataclass
class Env:
    ws: Workspace
    admin: CurrentUser
    mapper: MapperEnv
    folder: Path
    counter: itertools.count[int]

    def n(self) -> int:
        return next(self.counter)

    def mapping(self, ref: str, table: str | None = None) -> Mapping:
        return replace(self.mapper.mapping(BASE), ref=ref, table_name=table or BASE)

    def sqlite(self, name: str) -> ConnectionDef:
        return ConnectionService(self.ws, self.admin).create(
            ConnectionDef(name=name, dbtype="SQLITE", database=str(self.folder / f"{name}.db"))
        )


Setup = Callable[[Env], Any]
Call = Callable[[Env, CurrentUser, Any], object]


@dataclass(frozen=True)
class Case:
    name: str  # Class.method or function, as the enumeration test finds it
    module: str
    action: str
    setup: Setup
    call: Call


def nothing(_env: Env) -> None:
    return None


def _sql(env: Env) -> str:
    code = f"SQL_T{env.n()}"
    SqlService(env.ws, env.admin).save(code, "SELECT 1 AS x", env.mapper.erp.conid)
    return code


def _mapping(env: Env) -> str:
    ref = f"M{env.n()}"
    MappingService(env.ws, env.admin).save(env.mapping(ref))
    return ref


def _restorable(env: Env) -> str:
    ref = _mapping(env)
    service = MappingService(env.ws, env.admin)
    service.save(replace(service.get(ref), description="second version", mapid=None))
    return ref


def _job(env: Env) -> str:
    name = f"J{env.n()}"
    JobService(env.ws, env.admin).create(name, [BASE])
    return name


def _report(env: Env) -> ReportDef:
    return ReportService(env.ws, env.admin).save(
        ReportDef(f"R{env.n()}", "SELECT 1 AS one", conid=env.mapper.erp.conid)
    )


def _user(env: Env) -> str:
    name = f"u{env.n()}"
    quick_user(env.ws, name, "Viewer")
    return name


def _role(env: Env) -> str:
    name = f"Role {env.n()}"
    RoleService(env.ws, env.admin).create(name)
    return name


def _spec(env: Env) -> Path:
    path = env.folder / f"spec{env.n()}.json"
    export_mappings(env.ws, env.admin, [BASE], path)
    doc = json.loads(path.read_text())
    doc["reference"] = f"IMP{env.n()}"
    path.write_text(json.dumps(doc))
    return path


def _conn_def(env: Env) -> ConnectionDef:
    return env.sqlite(f"C{env.n()}")


PW = "temporary pass 2026 x"
CASES: list[Case] = [
    # connections
    Case("ConnectionService.create", "connections", "create", nothing,
         lambda e, u, _: ConnectionService(e.ws, u).create(ConnectionDef(
             name=f"N{e.n()}", dbtype="SQLITE", database=str(e.folder / "n.db")))),
    Case("ConnectionService.update", "connections", "edit", _conn_def,
         lambda e, u, d: ConnectionService(e.ws, u).update(d.conid, replace(d, description="x"))),
    Case("ConnectionService.copy", "connections", "create", _conn_def,
         lambda e, u, d: ConnectionService(e.ws, u).copy(d.name, f"{d.name} copy")),
    Case("ConnectionService.delete", "connections", "delete", _conn_def,
         lambda e, u, d: ConnectionService(e.ws, u).delete(d.name)),
    # managed SQL
    Case("SqlService.save", "sql", "create", nothing,
         lambda e, u, _: SqlService(e.ws, u).save(f"SQL_N{e.n()}", "SELECT 2 AS y",
                                                  e.mapper.erp.conid)),
    Case("SqlService.save", "sql", "edit", _sql,
         lambda e, u, code: SqlService(e.ws, u).save(code, "SELECT 3 AS z", e.mapper.erp.conid)),
    Case("SqlService.delete", "sql", "delete", _sql,
         lambda e, u, code: SqlService(e.ws, u).delete(code)),
    # mappings
    Case("MappingService.save", "mapper", "create", nothing,
         lambda e, u, _: MappingService(e.ws, u).save(e.mapping(f"MN{e.n()}"))),
    Case("MappingService.save", "mapper", "edit", _mapping,
         lambda e, u, ref: MappingService(e.ws, u).save(
             replace(MappingService(e.ws, e.admin).get(ref), description="edited", mapid=None))),
    Case("MappingService.copy", "mapper", "create", _mapping,
         lambda e, u, ref: MappingService(e.ws, u).copy(ref, f"{ref}_COPY")),
    Case("MappingService.delete", "mapper", "delete", _mapping,
         lambda e, u, ref: MappingService(e.ws, u).delete(ref)),
    Case("MappingService.restore", "mapper", "edit", _restorable,
         lambda e, u, ref: MappingService(e.ws, u).restore(ref, 1)),
    Case("apply_ddl", "mapper", "edit", lambda e: e.mapping(f"MD{e.n()}", f"T_DDL_{e.n()}"),
         lambda e, u, m: apply_ddl(e.ws, u, m)),
    Case("import_file", "mapper", "create", _spec,
         lambda e, u, path: import_file(e.ws, u, path)),
    # loads and jobs ("run" applies to Jobs; see test_run_and_export_rights_stand_alone)
    Case("run_mapping", "jobs", "run", nothing, lambda e, u, _: run_mapping(e.ws, u, BASE)),
    Case("JobService.create", "jobs", "create", nothing,
         lambda e, u, _: JobService(e.ws, u).create(f"JN{e.n()}", [BASE])),
    Case("JobService.set_schedule", "jobs", "edit", _job,
         lambda e, u, job: JobService(e.ws, u).set_schedule(
             job, ScheduleSpec(frequency="DL", hour=2, minute=0))),
    Case("JobService.set_enabled", "jobs", "edit", _job,
         lambda e, u, job: JobService(e.ws, u).set_enabled(job, False)),
    Case("JobService.delete", "jobs", "delete", _job,
         lambda e, u, job: JobService(e.ws, u).delete(job)),
    Case("JobService.run_now", "jobs", "run", _job,
         lambda e, u, job: JobService(e.ws, u).run_now(job)),
    Case("JobService.cancel", "jobs", "run",
         lambda e: JobService(e.ws, e.admin).run_now(_job(e)),
         lambda e, u, prcreqid: JobService(e.ws, u).cancel(prcreqid)),
    Case("JobService.edit", "jobs", "edit", _job,
         lambda e, u, job: JobService(e.ws, u).edit(job, retries=2, description="edited")),
    Case("JobService.create_report_job", "jobs", "create",
         lambda e: ReportService(e.ws, e.admin).save(
             ReportDef(f"RJ{e.n()}", "SELECT 1 AS one", conid=e.mapper.erp.conid,
                       output_folder=str(e.folder / "out"), output_format="csv")),
         lambda e, u, d: JobService(e.ws, u).create_report_job(f"JR{e.n()}", d.name)),
    # reports
    Case("ReportService.save", "reports", "create", nothing,
         lambda e, u, _: ReportService(e.ws, u).save(
             ReportDef(f"RN{e.n()}", "SELECT 2 AS two", conid=e.mapper.erp.conid))),
    Case("ReportService.save", "reports", "edit", _report,
         lambda e, u, d: ReportService(e.ws, u).save(replace(d, description="edited"),
                                                     base_version=d.version)),
    Case("ReportService.delete", "reports", "delete", _report,
         lambda e, u, d: ReportService(e.ws, u).delete(d.name)),
    Case("export_report", "reports", "export", _report,
         lambda e, u, d: export_report(e.ws, u, d.name, {}, "csv", e.folder / f"{d.name}.csv")),
    # users
    Case("UserService.create_user", "admin", "create", nothing,
         lambda e, u, _: UserService(e.ws, u).create_user(f"new{e.n()}", PW, ["Viewer"])),
    Case("UserService.add_user", "admin", "create", nothing,
         lambda e, u, _: UserService(e.ws, u).add_user(f"add{e.n()}", "Viewer", PW)),
    Case("UserService.update_profile", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).update_profile(name, Profile("Full Name"))),
    Case("UserService.set_roles", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).set_roles(name, ["Operator"])),
    Case("UserService.grant_role", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).grant_role(name, "Operator")),
    Case("UserService.revoke_role", "admin", "edit",
         lambda e: (_user(e), UserService(e.ws, e.admin)), lambda e, u, a: (
             a[1].grant_role(a[0], "Operator"), UserService(e.ws, u).revoke_role(a[0], "Viewer"))),
    Case("UserService.disable", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).disable(name)),
    Case("UserService.enable", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).enable(name)),
    Case("UserService.unlock", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).unlock(name)),
    Case("UserService.reset_password", "admin", "edit", _user,
         lambda e, u, name: UserService(e.ws, u).reset_password(name, PW)),
    Case("UserService.delete_user", "admin", "delete", _user,
         lambda e, u, name: UserService(e.ws, u).delete_user(name)),
    # roles
    Case("RoleService.create", "admin", "create", nothing,
         lambda e, u, _: RoleService(e.ws, u).create(f"New role {e.n()}")),
    Case("RoleService.update", "admin", "edit", _role,
         lambda e, u, name: RoleService(e.ws, u).update(name, description="edited")),
    Case("RoleService.delete", "admin", "delete", _role,
         lambda e, u, name: RoleService(e.ws, u).delete(name)),
    Case("RoleService.set_rights", "admin", "edit", _role,
         lambda e, u, name: RoleService(e.ws, u).set_rights(name, "mapper", ["view"])),
    Case("RoleService.set_matrix", "admin", "edit", _role,
         lambda e, u, name: RoleService(e.ws, u).set_matrix(name, {"sql": ["view", "edit"]})),
    Case("RoleService.set_connections", "admin", "edit", _role,
         lambda e, u, name: RoleService(e.ws, u).set_connections(name, False, ["ERP"])),
    # parameters and secrets
    Case("ParamService.set", "admin", "edit", nothing,
         lambda e, u, _: ParamService(e.ws, u).set("SECURITY.LOCKOUT_MINUTES", str(20 + e.n()))),
    Case("ParamService.reset", "admin", "edit",
         lambda e: ParamService(e.ws, e.admin).set("SESSION.IDLE_TIMEOUT_MIN", "5"),
         lambda e, u, _: ParamService(e.ws, u).reset("SESSION.IDLE_TIMEOUT_MIN")),
    Case("rotate_secrets", "admin", "edit", nothing, lambda e, u, _: rotate_secrets(e.ws, u)),
]  # fmt: skip

# Uploads arrive with their module: the cases exist when it does.
try:
    from dms_desktop.core.uploads.model import ColumnSpec, UploadDef
    from dms_desktop.core.uploads.run import run_upload
    from dms_desktop.core.uploads.service import UploadService

    def _upload_def(env: Env, name: str) -> Any:
        return UploadDef(
            name=name, conid=env.mapper.dw.conid, table=f"UP_{name}", create_table=True,
            columns=(ColumnSpec("ID", "id", "INTEGER"), ColumnSpec("NAME", "name", "VARCHAR(20)")),
        )  # fmt: skip

    def _upload(env: Env) -> Any:
        return UploadService(env.ws, env.admin).save(_upload_def(env, f"UPL{env.n()}"))

    def _upload_file(env: Env) -> tuple[Any, Path]:
        path = env.folder / f"up{env.n()}.csv"
        path.write_text("id,name\n1,one\n2,two\n")
        return _upload_def(env, f"UPF{env.n()}"), path

    CASES += [
        Case("UploadService.save", "uploads", "create", nothing,
             lambda e, u, _: UploadService(e.ws, u).save(_upload_def(e, f"UPN{e.n()}"))),
        Case("UploadService.save", "uploads", "edit", _upload,
             lambda e, u, d: UploadService(e.ws, u).save(replace(d, description="edited"))),
        Case("UploadService.delete", "uploads", "delete", _upload,
             lambda e, u, d: UploadService(e.ws, u).delete(d.name)),
        Case("UploadService.record_run", "uploads", "view", _upload,
             lambda e, u, d: UploadService(e.ws, u).record_run(d.name, "SUCCESS")),
        Case("run_upload", "uploads", "create", _upload_file,
             lambda e, u, a: run_upload(e.ws, u, a[0], a[1])),
        Case("JobService.create_upload_job", "jobs", "create", _upload,
             lambda e, u, d: JobService(e.ws, u).create_upload_job(
                 f"JU{e.n()}", d.name, str(e.folder / "incoming" / "*.csv"))),
    ]  # fmt: skip
except ImportError:  # pragma: no cover - before the uploads module
    pass

# Public entry points that only read (each checks a view right) or need no check here.
READ_ONLY = {
    "AuditService": {"changes", "export", "logins"},
    "ParamService": {"get", "list"},
    "ConnectionService": {"engine", "engine_and_dialect", "get", "list_connections",
                          "require_reachable", "test", "usages"},
    "JobService": {"get", "history", "list_jobs", "steps_history"},
    "MappingService": {"get", "list_mappings", "versions"},
    "ReportService": {"builtins", "get", "list", "versions"},
    "RoleService": {"connection_choices", "get", "list_roles"},
    "SqlService": {"diff", "get", "list", "validate", "versions"},
    "UserService": {"get_user", "list_users"},
    "UploadService": {"get", "list", "versions"},
    "functions": {"dashboard", "prepare", "stored_plan", "preview_query", "preview",
                  "parse_file", "export_documents", "export_mappings", "gather_context",
                  "validate_mapping", "run_report", "upload_target", "usable_connections",
                  "check_connection_access", "check_mapping_connections",
                  # contacts a server and changes nothing, like ConnectionService.test; its
                  # Admin edit check is tested with a real SMTP server in test_notify
                  "send_test"},
}  # fmt: skip
EXEMPT = {
    "AuthService": "logs users in: acts before there is a user (audited in login_audit_log)",
    "SchedulerService": "runs as the scheduler service identity what users queued",
    "MappingService.save_on": "save inside the caller's transaction: save's own check",
    "MappingService.mark_validated": "bookkeeping of validate_mapping (checks mapper edit)",
    "render_scheduled": "the scheduler's report hook, as the service identity",
    "run_upload_definition": "wrapper of UploadService.get + run_upload (both checked)",
}


def _entry_points() -> set[str]:
    """Service methods and actor-taking functions of the core package."""
    found: set[str] = set()
    for info in pkgutil.walk_packages(core.__path__, "dms_desktop.core."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__ or name.startswith("_"):
                continue
            if inspect.isclass(obj) and name.endswith(("Service", "Repository")):
                found |= {
                    f"{name}.{m}"
                    for m, _ in inspect.getmembers(obj, inspect.isfunction)
                    if not m.startswith("_")
                }
            elif inspect.isfunction(obj) and "actor" in list(inspect.signature(obj).parameters)[:3]:
                found.add(name)
    return found


def _classified(name: str) -> bool:
    cls, _, method = name.rpartition(".")
    if name in EXEMPT or cls in EXEMPT:
        return True
    if any(c.name == name for c in CASES):
        return True
    return method in READ_ONLY.get(cls or "functions", set())


def test_every_service_is_classified() -> None:
    unclassified = sorted(n for n in _entry_points() if not _classified(n))
    assert unclassified == [], (
        "new core entry points without a permission case: add them to CASES (mutating), "
        f"READ_ONLY or EXEMPT: {unclassified}"
    )


@pytest.fixture
def env(secret_key_file: Path, workspace: Workspace, admin: CurrentUser, tmp_path: Path) -> Env:
    return Env(workspace, admin, mapper_env(workspace, admin, tmp_path / "src"), tmp_path,
               itertools.count(1))  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_mutating_service_as_every_default_role(env: Env) -> None:
    ws = env.ws
    MappingService(ws, env.admin).save(env.mapping(BASE))
    apply_ddl(ws, env.admin, env.mapping(BASE))
    rotate_secrets(ws, env.admin)  # a key exists, so a denied rotation changes nothing
    actors = role_users(ws)
    matrix = {r.name: r for r in RoleService(ws, env.admin).list_roles()}
    outcomes: list[str] = []
    for case in CASES:
        for role in DEFAULT_ROLES:
            user = actors[role]
            allowed = matrix[role].can(case.module, case.action)
            assert allowed == user.can(case.module, case.action)
            args = case.setup(env)
            before = len(denials(ws, user.username))
            try:
                result = case.call(env, user, args)
                assert getattr(result, "ok", True), f"{case.name} as {role}: {result}"
                outcome = "allowed"
            except PermissionDenied as exc:
                assert " may not " in exc.message, exc.message
                outcome = "denied"
            right = f"{case.module}.{case.action}"
            outcomes.append(f"{case.name} {right} as {role}: {outcome}")
            if outcome == "denied":
                recorded = denials(ws, user.username)[before:]
                assert recorded in ([right], [STILL_CHECKED_AS.get(right)]), recorded
            assert outcome == ("allowed" if allowed else "denied"), outcomes[-1]
    assert len(outcomes) == len(CASES) * len(DEFAULT_ROLES)
    # The defaults as documented: Operators run and schedule, Viewers only read.
    assert matrix["Operator"].can("jobs", "run") and not matrix["Operator"].can("mapper", "edit")
    assert not any(matrix["Viewer"].can(m, a) for m in matrix["Viewer"].rights
                   for a in ("create", "edit", "delete", "run"))  # fmt: skip


RIGHTS_ALONE: list[tuple[str, str, Call]] = [
    ("jobs", "run", lambda e, u, job: JobService(e.ws, u).run_now(job)),
    ("jobs", "run", lambda e, u, _job: run_mapping(e.ws, u, BASE)),
    (
        "reports",
        "export",
        lambda e, u, _job: export_report(
            e.ws, u, _report(e).name, {}, "csv", e.folder / f"x{e.n()}.csv"
        ),
    ),
]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_run_and_export_rights_stand_alone(env: Env) -> None:
    """A role with the right alone (run without create; view without export) is served by
    the matrix: run_now, run_mapping and export_report follow "run" and "export"."""
    from dms_desktop.core.security.auth import AuthService
    from tests.core.admin_support import ROLE_PASSWORD

    MappingService(env.ws, env.admin).save(env.mapping(BASE))
    apply_ddl(env.ws, env.admin, env.mapping(BASE))
    job = _job(env)
    roles = RoleService(env.ws, env.admin)
    roles.create("Only", copy_from="Viewer")
    quick_user(env.ws, "only", "Only")
    user = AuthService(env.ws).login("only", ROLE_PASSWORD)
    assert user.session is not None
    user.session.interval_s = 0  # rights re-read at every call
    failures: list[str] = []
    for module, action, call in RIGHTS_ALONE:
        roles.set_rights("Only", module, ["view"])
        try:
            call(env, user, job)
            failures.append(f"{module}.{action} not needed")
        except PermissionDenied:
            pass
        roles.set_rights("Only", module, ["view", action])
        try:
            result = call(env, user, job)
            assert getattr(result, "ok", True)
        except PermissionDenied as exc:
            failures.append(exc.message)
    assert failures == []

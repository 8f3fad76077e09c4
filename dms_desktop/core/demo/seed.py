"""The demo workspace: a generated ERP source, a warehouse target, a documented demo login,
managed SQL and mappings, chained daily jobs with their run history, a report and two upload
definitions with their sample files. Every part adds only what is missing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.demo.erp import build_demo_erp
from dms_desktop.core.demo.jobs import seed_demo_jobs
from dms_desktop.core.demo.mappings import SEEDER, seed_demo_mappings
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_dbcondtls, users
from dms_desktop.core.reports.demo import demo_reports
from dms_desktop.core.security.users import create_user_row
from dms_desktop.core.settings import Settings
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads.demo import demo_uploads
from dms_desktop.core.workspace import Workspace, open_workspace

DEMO_USER = "demo"
DEMO_PASSWORD = "warehouse-2026"  # documented in the README; a demo, not a secret
DEMO_ERP_CONNECTION = "DEMO_ERP"
DEMO_DW_CONNECTION = "DEMO_DW"


def demo_dir(settings: Settings) -> Path:
    return settings.data_dir / "demo"


def create_demo_workspace(settings: Settings, state: TaskState | None = None) -> Workspace:
    """Create (or complete) the demo workspace; running it twice changes nothing.

    ``state`` receives progress by stage (the GUI's welcome shows it); the loads take most of
    the time.
    """
    state = state or TaskState()
    state.report(0.0, "Opening the workspace")
    ws = open_workspace(settings)
    folder = demo_dir(settings)
    erp = folder / "erp.db"
    if not erp.exists():
        state.report(0.03, "Generating the ERP source (3,000 customers, 20,000 orders)")
        build_demo_erp(erp)
    state.report(0.08, "The demo user and the connections")
    warehouse = folder / "warehouse.db"
    now = utcnow()
    with write_tx(ws.engine) as conn:
        if not conn.execute(select(func.count()).select_from(users)).scalar_one():
            create_user_row(conn, DEMO_USER, DEMO_PASSWORD, "Admin", now, by="dms init --demo")
        has_demo_user = (
            conn.execute(select(users.c.user_id).where(users.c.username == DEMO_USER)).first()
            is not None
        )
        existing = set(
            conn.execute(
                select(dms_dbcondtls.c.connm).where(dms_dbcondtls.c.curflg == "Y")
            ).scalars()
        )
        for name, path, desc in (
            (DEMO_ERP_CONNECTION, erp, "Generated ERP: customers, products, orders, lines"),
            (DEMO_DW_CONNECTION, warehouse, "Target warehouse of the demo mappings"),
        ):
            if name not in existing:
                conn.execute(
                    dms_dbcondtls.insert().values(
                        connm=name,
                        dbtyp="SQLITE",
                        dbname=str(path),
                        condesc=desc,
                        curflg="Y",
                        reccrdt=now,
                        crtdby="dms init --demo",
                    )
                )
    if has_demo_user:
        ws.set_param("WORKSPACE", "DEMO_USER", DEMO_USER, "Login of the demo workspace")
    state.report(0.1, "Managed queries, mappings and their target tables")
    seed_demo_mappings(ws, DEMO_ERP_CONNECTION, DEMO_DW_CONNECTION)
    seed_demo_jobs(ws, erp, state)
    state.report(0.97, "A report and two upload definitions")
    demo_reports(ws, SEEDER, DEMO_DW_CONNECTION)
    demo_uploads(ws, SEEDER, DEMO_DW_CONNECTION)
    return ws

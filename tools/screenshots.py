"""Render the GUI offscreen to screenshots/*.png (``make screenshots``).

Builds a throwaway demo workspace in a temporary folder (settings, data, logs and QSettings
all there, so the user's own are never touched), then grabs: the login and first-run
dialogs, the main window on every module, About, the connection dialog, the SQL workbench
(a query over the demo ERP with its result, the schema browser opened to columns, an error
marked in the text, the versions of a managed query with their diff), the Mapper at work
(list, grid with validation errors, preview, DDL, version diff, plan, a finished run), the
Dashboard over a month of runs, the demo report (definition, parameters, preview and the first
page of its PDF, rendered with pypdfium2 when installed), and the main window in the dark
theme. A month of illustrative run-log rows, the demo loads and two versions of a managed
query are added to the throwaway workspace so the tables have something to show.

The connection dialog tests a PostgreSQL server at ``DMS_SHOTS_PG_URL`` (default: the local
one); without a server it shows the failed test, in plain words.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from admin_shots import admin_shots, prepare_admin  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402
from report_shots import dashboard_shots, report_shots  # noqa: E402
from scheduler_shots import prepare_jobs, scheduler_shots, tray_shots  # noqa: E402
from upload_shots import upload_shots  # noqa: E402
from welcome_shots import help_shots, welcome_shots  # noqa: E402

OUT = ROOT / "screenshots"
WINDOW_SIZE = (1280, 800)


def settle(ms: int = 150) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, name: str) -> Path:
    settle()
    path = OUT / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


REVENUE_SQL = """-- Revenue by region and year, invoiced and shipped orders
SELECT r.region_name,
       strftime('%Y', o.order_date) AS year,
       count(DISTINCT o.order_id) AS orders,
       round(sum(l.quantity * l.unit_price * (1 - l.discount_pct / 100)), 2) AS revenue
FROM orders o
JOIN customers c ON c.customer_id = o.customer_id
JOIN regions r ON r.region_id = c.region_id
JOIN order_lines l ON l.order_id = o.order_id
WHERE o.status IN ('INVOICED', 'SHIPPED')
GROUP BY r.region_name, year
ORDER BY revenue DESC;"""
CUSTOMERS_V1 = """SELECT c.customer_id, c.customer_code, c.first_name, c.last_name, c.city
FROM customers c"""


def sample_queries(ws) -> None:  # type: ignore[no-untyped-def]
    """A second version of the demo's SQL_CUSTOMERS (for the versions dialog), and a query."""
    from dms_desktop.core.connections.service import ConnectionService
    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER
    from dms_desktop.core.security.auth import AuthService
    from dms_desktop.core.sqlstore.service import SqlService

    user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
    erp = ConnectionService(ws, user).get("DEMO_ERP")
    service = SqlService(ws, user)
    codes = {q.code for q in service.list()}
    if "SQL_CUSTOMERS" not in codes:
        service.save("SQL_CUSTOMERS", CUSTOMERS_V1, erp.conid, "Customers")
    current = service.get("SQL_CUSTOMERS")
    if len(service.versions("SQL_CUSTOMERS")) < 2:
        service.save(
            "SQL_CUSTOMERS",
            current.text + "\nWHERE c.is_active = 1",
            current.conid,
            "Active customers with their region",
        )
    if "SQL_REVENUE" not in codes:
        service.save("SQL_REVENUE", REVENUE_SQL, erp.conid, "Revenue by region and year")


def wait_until(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def connection_shots(window) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from dms_desktop.gui.workers import wait_for_background_tasks

    url = make_url(
        os.environ.get("DMS_SHOTS_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    window.show_module("connections")
    page = window.page("connections")
    wait_for_background_tasks()
    dialog = page.new_connection()
    dialog.name_edit.setText("Sales DW (PostgreSQL)")
    dialog.set_type("POSTGRESQL")
    dialog.host_edit.setText(url.host or "127.0.0.1")
    dialog.port_edit.setText(str(url.port or 5432))
    dialog.database_edit.setText(url.database or "postgres")
    dialog.user_edit.setText(url.username or "postgres")
    dialog.description_edit.setText("Warehouse of the sales mappings")
    dialog.test()
    wait_until(lambda: dialog.test_button.isEnabled())
    save(dialog, "connection_dialog")
    dialog.reject()


def sql_shots(window, suffix: str = "") -> None:  # type: ignore[no-untyped-def]
    from dms_desktop.gui.sql.schema import SchemaBrowser
    from dms_desktop.gui.workers import wait_for_background_tasks

    window.show_module("sql")
    page = window.page("sql")
    wait_for_background_tasks()
    settle()
    tab = page.current_tab()
    tab.load_sql(REVENUE_SQL)
    tab.editor.move_to(REVENUE_SQL.index("JOIN regions") + 5)
    tab.run_statement()
    wait_until(lambda: not tab.busy)
    browser: SchemaBrowser = page.schema
    wait_until(lambda: browser.model.rowCount() > 0 and browser.model.index(0, 0).data() == "main")
    main_index = browser.model.index(0, 0)
    wait_until(lambda: browser.model.index(0, 0, main_index).data() not in (None, "Loading…"))
    for row in range(browser.model.rowCount(main_index)):
        index = browser.model.index(row, 0, main_index)
        if index.data() == "customers":
            browser.view.expand(index)
            wait_for_background_tasks()
            settle()
            browser.view.scrollTo(index, browser.view.ScrollHint.PositionAtTop)
    settle(300)
    save(window, f"sql_editor{suffix}")
    if suffix:
        return
    save(browser, "sql_schema_browser")

    tab = page.new_tab()
    tab.load_sql(
        "SELECT customer_code, first_name,\n       last_nme\nFROM customers\nWHERE is_active = 1"
    )
    tab.run_statement()
    wait_until(lambda: not tab.busy)
    settle(300)
    save(window, "sql_error")

    dialog = page.show_versions("SQL_CUSTOMERS")
    wait_until(lambda: "+++" in dialog.diff.toPlainText())
    save(dialog, "sql_versions")
    dialog.close()
    page.close_tab(page.tabs.indexOf(tab))


def wait_for(done, timeout_s: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Process events until ``done()`` (background work in the mapper); fail on timeout."""
    from dms_desktop.gui.workers import wait_for_background_tasks

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        wait_for_background_tasks(200)
        QCoreApplication.processEvents()
        if done():
            return
    raise SystemExit("timed out waiting for the GUI")


def mapper_screens(window) -> None:  # type: ignore[no-untyped-def]
    """The Mapper: list, a grid with validation errors, preview, DDL, versions, plan, run."""
    from PySide6.QtCore import Qt

    from dms_desktop.gui.mapper import editor as mapper_editor
    from dms_desktop.gui.mapper.fields import COLUMN_OF
    from dms_desktop.gui.mapper.page import MapperPage

    window.show_module("mapper")
    page = window.page("mapper")
    assert isinstance(page, MapperPage)
    wait_for(lambda: page.list_panel.model.rowCount() > 0 and not page.list_panel.loading)
    save(window, "mapper_list")

    def opened(ref: str):  # type: ignore[no-untyped-def]
        editor = page.open_mapping(ref)
        wait_for(lambda: editor.loaded)
        return editor

    def edit(editor, ref_column: str, attr: str, value: object) -> None:  # type: ignore[no-untyped-def]
        row = editor.model.rows_named(ref_column)[0]
        editor.model.setData(editor.model.index(row, COLUMN_OF[attr]), value)

    # A grid with validation errors: an unknown source column, a missing SCD type.
    customer = opened("DIM_CUSTOMER")
    edit(customer, "EMAIL", "logic", "LOWER(e_mail)")
    edit(customer, "SEGMENT", "scd_type", None)
    edit(customer, "ACTIVE_FLAG", "data_type", "CHAR(0)")
    customer.validate()
    wait_for(lambda: not customer.validating)
    customer.problems_panel.list.setCurrentRow(0)
    customer.show_problem(customer.problems[0])
    save(window, "mapper_grid_errors")

    fact = opened("FACT_SALES")
    fact.show_tab(mapper_editor.PREVIEW_TAB)
    wait_for(lambda: not fact.preview_tab.busy)
    save(window, "mapper_preview")
    fact.show_tab(mapper_editor.PLAN_TAB)
    wait_for(lambda: fact.plan_tab.plan is not None or fact.plan_tab.title.text() == "No plan")
    save(window, "mapper_plan")

    # Version 2 of DIM_PRODUCT: a new column, a widened and a narrowed type.
    product = opened("DIM_PRODUCT")
    edit(product, "PRODUCT_NAME", "data_type", "VARCHAR(200)")
    edit(product, "CATEGORY", "data_type", "VARCHAR(20)")
    product.grid.select_cell(product.model.rowCount() - 1, 0)
    product.toolbar_actions.insert_row()
    product.grid.commit_editor()
    last = product.model.rowCount() - 1
    for attr, value in (("name", "BRAND"), ("data_type", "VARCHAR(60)"), ("scd_type", "1"),
                        ("logic", "UPPER(product_name)"), ("description", "Brand (demo)")):  # fmt: skip
        product.model.setData(product.model.index(last, COLUMN_OF[attr]), value)
    product.save()
    wait_for(lambda: not product.saving)
    product.show_tab(mapper_editor.DDL_TAB)
    wait_for(lambda: product.ddl_tab.view_data is not None)
    save(window, "mapper_ddl")
    product.show_tab(mapper_editor.VERSIONS_TAB)
    wait_for(lambda: len(product.versions_tab.versions) >= 2)
    product.versions_tab.select_versions(product.versions_tab.versions[0].version)
    wait_for(lambda: bool(product.versions_tab.diff.toPlainText()))
    save(window, "mapper_versions")

    staging = opened("STG_ORDER_LINES")
    staging.run_now()
    wait_for(lambda: staging.run_panel.result is not None, timeout_s=60)
    save(window, "mapper_run")

    # Leave the errors grid in front (the dark screenshot shows it), changes discarded.
    page.tabs.setCurrentWidget(customer)
    customer.show_tab(mapper_editor.COLUMNS_TAB)
    customer.grid.setFocus(Qt.FocusReason.OtherFocusReason)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dms-shots-") as tmp:
        home = Path(tmp)
        os.environ["DMS_HOME"] = str(home / "home")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "qs"))

        from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER, create_demo_workspace
        from dms_desktop.core.logs import setup_logging
        from dms_desktop.core.security.auth import AuthService
        from dms_desktop.core.settings import load_settings
        from dms_desktop.core.workspace import open_workspace
        from dms_desktop.gui.app import create_application
        from dms_desktop.gui.login.change_password import ChangePasswordDialog
        from dms_desktop.gui.login.dialog import LoginDialog
        from dms_desktop.gui.login.first_run import FirstRunDialog
        from dms_desktop.gui.main_window import MainWindow
        from dms_desktop.gui.splash import StartupSplash
        from dms_desktop.gui.workers import wait_for_background_tasks

        app = create_application([sys.argv[0]])
        settings = load_settings()
        setup_logging(settings)
        ws = create_demo_workspace(settings)
        # The demo brings its jobs, two real runs of the chain and a month of run history.
        sample_queries(ws)
        prepare_jobs(ws)
        from dms_desktop.gui import prefs
        from dms_desktop.gui.sql.page import LAST_CONNECTION

        prefs.set_value(LAST_CONNECTION, "DEMO_ERP")  # new SQL tabs open on the demo source

        splash = StartupSplash()
        splash.show()
        save(splash, "splash")
        splash.close()

        hint = (
            f"Demo workspace: log in as “{DEMO_USER}” with the password “{DEMO_PASSWORD}” "
            "(see the README)."
        )
        login = LoginDialog(ws, username=DEMO_USER, demo_hint=hint)
        login.show()
        save(login, "login")
        login.ui.passwordEdit.setText("not the password")
        login.log_in()
        wait_for_background_tasks()
        save(login, "login_wrong_password")
        login.close()

        change = ChangePasswordDialog(
            ws,
            DEMO_USER,
            "old password",
            reason="The password of 'demo' has expired; choose a new one.",
        )
        change.show()
        save(change, "change_password")
        change.close()

        empty = open_workspace(load_settings({"DMS_HOME": str(home / "empty")}))
        first = FirstRunDialog(empty)
        first.show()
        save(first, "first_run")
        first.close()
        welcome_shots(home, save, wait_for)

        user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
        prepare_admin(ws, user)
        window = MainWindow(ws, user)
        window.resize(*WINDOW_SIZE)
        window.show()
        for spec in window.specs:
            window.show_module(spec.module)
            wait_for_background_tasks()
            save(window, f"main_{spec.module}")
        mapper_screens(window)
        window.show_module("home")
        for title in ("View", "Jobs"):
            menu = next(a.menu() for a in window.menuBar().actions() if a.text() == f"&{title}")
            menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
            save(menu, f"menu_{title.lower()}")
            menu.hide()
        about = window.menus.show_about()
        save(about, "about")
        about.close()
        help_shots(window, save)
        connection_shots(window)
        sql_shots(window)
        admin_shots(window, save, wait_for)
        scheduler_shots(window, save, wait_until)
        report_shots(window, home, save, wait_for, settle)
        dashboard_shots(window, save, wait_for, settle)
        upload_shots(window, home, save, wait_for, settle)

        window.set_theme("dark")
        wait_for_background_tasks()
        save(window, "main_home_dark")
        window.show_module("mapper")
        save(window, "main_mapper_dark")
        sql_shots(window, "_dark")
        scheduler_shots(window, save, wait_until, "_dark")
        dashboard_shots(window, save, wait_for, settle, "_dark")
        admin_shots(window, save, wait_for, "_dark")
        about = window.menus.show_about()
        save(about, "about_dark")
        about.close()
        login = LoginDialog(ws, username=DEMO_USER, demo_hint=hint)
        login.show()
        save(login, "login_dark")
        login.close()
        window.set_theme("light")

        for editor in window.page("mapper").editors():  # the changes were for the pictures
            editor.discard_changes()
        window.close()
        wait_for_background_tasks()
        tray_shots(ws, save, wait_until)
        ws.close()
        empty.close()
        del app
    return 0


if __name__ == "__main__":
    sys.exit(main())

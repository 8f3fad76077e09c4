"""Home: tiles and last runs come from real queries on the workspace, loaded off the GUI thread."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from sqlalchemy import text

from dms_desktop.core.clock import utcnow
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_dbcondtls, dms_prclog
from dms_desktop.gui.home.model import COLUMNS
from dms_desktop.gui.home.page import HomePage
from dms_desktop.gui.main_window import MainWindow


def _home(qtbot, window: MainWindow) -> HomePage:  # type: ignore[no-untyped-def]
    page = window.page("home")
    assert isinstance(page, HomePage)
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    return page


def _refresh(qtbot, page: HomePage) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.sig_loaded, timeout=5000):
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)


def test_tiles_show_the_counts_of_the_database(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = _home(qtbot, main_window)
    counts = {name: tile.value.text() for name, tile in page.tiles.items()}
    assert counts == {
        "connections": "0",
        "mappings": "0",
        "jobs": "0",
        "schedules": "0",
        "users": "1",
    }
    assert not page.runs_view.isVisible() and page.empty_label.isVisible()

    now = utcnow()
    with write_tx(main_window.ws.engine) as conn:
        conn.execute(
            dms_dbcondtls.insert().values(
                connm="Sales DW",
                dbtyp="POSTGRESQL",
                dbhost="dw.example",
                dbport=5432,
                dbname="dw",
                dbuser="loader",
                curflg="Y",
                reccrdt=now,
            )
        )
        conn.execute(
            dms_dbcondtls.insert().values(  # an old version: not counted
                connm="Old", dbtyp="SQLITE", dbname="/tmp/x.db", curflg="N", reccrdt=now
            )
        )
        conn.execute(
            dms_prclog.insert().values(
                mapref="DIM_CUSTOMER",
                status="SUCCESS",
                strtdt=datetime(2025, 5, 2, 1, 0, 0),
                enddt=datetime(2025, 5, 2, 1, 2, 30),
                insrows=1500,
                updrows=25,
            )
        )
    _refresh(qtbot, page)
    assert page.tiles["connections"].value.text() == "1"
    assert page.runs_view.isVisible()
    model = page.runs_model
    assert model.rowCount() == 1 and model.columnCount() == len(COLUMNS)
    row = [model.index(0, c).data() for c in range(len(COLUMNS))]
    assert row == [
        "DIM_CUSTOMER",
        "SUCCESS",
        "2025-05-02 01:00:00",
        "2025-05-02 01:02:30",
        "2:30",
        "1,525",
    ]
    assert page.updated_label.text().startswith("Updated ")


def test_a_failing_overview_is_shown_inline(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = _home(qtbot, main_window)
    with main_window.ws.engine.begin() as conn:
        conn.execute(text("DROP TABLE dms_prclog"))
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=5000)
    assert page.message.text().startswith("Could not load the overview: ")
    assert "no such table" in page.message.text()
    assert page.refresh_button.isEnabled()


def test_tile_click_opens_its_module(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = _home(qtbot, main_window)
    tile = page.tiles["mappings"]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert main_window.current_module() == "mapper"

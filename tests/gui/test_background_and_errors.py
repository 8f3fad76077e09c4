"""Background work: results, progress and errors come back on the GUI thread; cancel drops."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QMessageBox, QWidget

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.tasks import TaskCancelled, TaskState
from dms_desktop.gui.errors import show_error
from dms_desktop.gui.workers import TaskSlot, run_in_background, wait_for_background_tasks

GUI_THREAD = threading.get_ident()


def _count(n: int, state: TaskState) -> int:
    for i in range(n):
        state.check()
        state.report((i + 1) / n, f"step {i + 1}")
        time.sleep(0.01)
    return n


def test_result_and_progress_arrive_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    progress: list[tuple[float, bool]] = []
    task = run_in_background(
        _count, 5, progress=lambda f, _t: progress.append((f, threading.get_ident() == GUI_THREAD))
    )
    with qtbot.waitSignal(task.sig_done, timeout=5000) as done:
        pass
    assert done.args == [5]
    assert progress and all(on_gui for _f, on_gui in progress)
    assert progress[-1][0] == 1.0  # the final report is never throttled away


def test_errors_arrive_as_exceptions(qtbot) -> None:  # type: ignore[no-untyped-def]
    def fail() -> None:
        raise ValidationError("Name taken: choose another.")

    with qtbot.waitSignal(run_in_background(fail).sig_error, timeout=5000) as failed:
        pass
    assert isinstance(failed.args[0], ValidationError)


def test_starting_a_task_in_a_slot_cancels_the_previous(qtbot) -> None:  # type: ignore[no-untyped-def]
    slot = TaskSlot()
    results: list[int] = []
    first = slot.start(_count, 50, on_done=results.append)
    second = slot.start(_count, 3, on_done=results.append)
    assert first.cancelled and not second.cancelled
    qtbot.waitUntil(lambda: first.finished and second.finished, timeout=5000)
    assert results == [3]


def test_task_state_without_qt() -> None:
    reports: list[tuple[float, str]] = []
    state = TaskState(lambda f, t: reports.append((f, t)))
    state.report(-5, "1,000 rows")  # unknown total: a busy indicator
    state.report(1.5, "done")
    assert reports == [(-1.0, "1,000 rows"), (1.0, "done")] and state.fraction == 1.0
    state.cancel()
    assert state.cancelled
    try:
        state.check()
    except TaskCancelled:
        pass
    else:  # pragma: no cover
        raise AssertionError("check() must raise once cancelled")


def test_show_error_known_and_unexpected(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    known = show_error(parent, ValidationError("The name is taken: choose another."))
    assert known.text() == "The name is taken: choose another."
    assert known.icon() == QMessageBox.Icon.Warning
    known.accept()
    bug = show_error(parent, KeyError("internal"))
    assert bug.text().startswith("Unexpected error, details in ")
    assert "KeyError" not in bug.text()
    assert bug.icon() == QMessageBox.Icon.Critical
    bug.accept()
    wait_for_background_tasks()


def test_excepthook_logs_and_shows_a_friendly_box(qtbot, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import sys

    from PySide6.QtWidgets import QApplication

    from dms_desktop.gui.errors import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_excepthook()
    try:
        raise ZeroDivisionError("bug in a slot")
    except ZeroDivisionError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "errorBox"]
    box = next(b for b in boxes if b.isVisible())
    assert isinstance(box, QMessageBox)
    assert box.text().startswith("Unexpected error, details in ")
    assert "ZeroDivisionError" in caplog.text and "bug in a slot" in caplog.text
    box.accept()


def test_qt_messages_go_to_python_logging(caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from PySide6.QtCore import qDebug

    from dms_desktop.gui.qtlog import install_qt_message_handler

    caplog.set_level(logging.DEBUG, logger="qt")
    install_qt_message_handler()
    qDebug("hello from Qt")
    assert any(r.name == "qt" and "hello from Qt" in r.getMessage() for r in caplog.records)

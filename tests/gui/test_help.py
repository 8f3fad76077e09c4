"""The user guide: F1 opens it at the page's section, search, and a CLI reference that cannot
drift from the parser."""

from __future__ import annotations

import argparse

from PySide6.QtCore import Qt

from dms_desktop.cli import build_parser
from dms_desktop.gui.help.guide import load_guide
from dms_desktop.gui.help.window import HelpWindow
from dms_desktop.gui.main_window import MainWindow


def _all_commands(parser: argparse.ArgumentParser, prefix: str) -> list[str]:
    """Every sub-command, walked here independently of the guide's own walker."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.append(f"{prefix} {name}")
                found += _all_commands(child, f"{prefix} {name}")
    return found


def _headings(window: HelpWindow) -> list[str]:
    block, seen = window.browser.document().begin(), []
    while block.isValid():
        if block.blockFormat().headingLevel() > 0:
            seen.append(block.text())
        block = block.next()
    return seen


def test_cli_reference_shows_every_subcommand_with_its_options(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = HelpWindow()
    qtbot.addWidget(window)
    window.show_topic("cli-reference")
    headings = _headings(window)  # what the reader sees, rendered, not the Markdown source
    commands = _all_commands(build_parser(), "dms")
    assert len(commands) > 50
    assert [c for c in commands if c not in headings] == []
    text = window.browser.document().toPlainText()
    assert "--admin-password-stdin" in text  # dms init's options
    assert "--metadata-url URL" in text
    assert "<config dir>/secret.key" in text  # help text shown literally, not eaten as HTML
    contents = window.contents.findItems("dms user add", Qt.MatchFlag.MatchRecursive)
    assert len(contents) == 1


def test_guide_covers_the_concepts_and_troubleshooting() -> None:
    pages = {page.slug: page for page in load_guide()}
    assert list(pages)[:4] == ["getting-started", "concepts", "demo-walkthrough", "troubleshooting"]
    concepts = [s.title for s in pages["concepts"].sections]
    for topic in ("Connections", "Managed SQL", "Mappings", "SCD types and audit columns", "Jobs",
                  "Schedules and frequency codes", "The scheduler service", "Uploads",
                  "Users, roles and permissions"):  # fmt: skip
        assert topic in concepts
    trouble = [s.title for s in pages["troubleshooting"].sections]
    assert {"Keyring missing", "Database unreachable", "Scheduler not running"} <= set(trouble)
    for code in ("YR", "HY", "QT", "MN", "FN", "WK", "DL", "ID"):
        assert f"`{code}`" in pages["concepts"].markdown


def test_f1_opens_the_guide_at_the_current_modules_section(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert main_window.show_module("mapper")
    qtbot.keyClick(main_window, Qt.Key.Key_F1)
    help_window = main_window.menus.help_window
    assert help_window is not None
    qtbot.waitUntil(help_window.isVisible, timeout=3000)
    assert help_window.current_page == "concepts"
    assert help_window.headings_in_view()[0] == "Mappings"
    assert help_window.contents.currentItem().text(0) == "Mappings"
    # Another page, F1 again: the same window follows
    assert main_window.show_module("admin")
    main_window.activateWindow()
    main_window.menus.user_guide.trigger()
    assert main_window.menus.help_window is help_window
    assert "Users, roles and permissions" in help_window.headings_in_view()
    assert main_window.menus.user_guide.shortcut().toString() == "F1"


def test_contents_click_and_search(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = HelpWindow()
    qtbot.addWidget(window)
    window.show()
    item = window.contents.findItems("Scheduler not running", Qt.MatchFlag.MatchRecursive)[0]
    window.contents.setCurrentItem(item)
    assert window.current_page == "troubleshooting"
    assert window.headings_in_view()[0] == "Scheduler not running"

    qtbot.keyClicks(window.search_edit, "keyring")
    qtbot.waitUntil(window.search_status.isVisible, timeout=3000)
    assert "Found in" in window.search_status.text()
    demo = window.contents.findItems("Demo walkthrough", Qt.MatchFlag.MatchExactly)[0]
    trouble = window.contents.findItems("Troubleshooting", Qt.MatchFlag.MatchExactly)[0]
    missing = window.contents.findItems("Keyring missing", Qt.MatchFlag.MatchRecursive)[0]
    assert demo.isHidden() and not trouble.isHidden() and not missing.isHidden()
    assert window.browser.textCursor().selectedText().lower() == "keyring"  # the first match
    assert window.browser.extraSelections()  # every match highlighted

    window.search_edit.setText("no such words anywhere")
    qtbot.waitUntil(lambda: "Nothing in the guide" in window.search_status.text(), timeout=3000)
    window.search_edit.clear()
    qtbot.waitUntil(lambda: not window.search_status.isVisible(), timeout=3000)
    assert not demo.isHidden()


def test_links_between_pages_open_the_section(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QUrl

    window = HelpWindow()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_page_shown) as shown:
        window.browser.anchorClicked.emit(QUrl("04-troubleshooting.md#keyring-missing"))
    assert shown.args == ["troubleshooting", "keyring-missing"]
    assert window.headings_in_view()[0] == "Keyring missing"

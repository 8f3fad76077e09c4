"""The Help window: contents on the left, search above them, the page in a QTextBrowser.

Pages are Markdown rendered by ``QTextDocument.setMarkdown`` (no web engine). Links between
pages are ``other-page.md#section`` or ``#section``; web links open in the browser.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QKeySequence,
    QShortcut,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dms_desktop import APP_NAME
from dms_desktop.gui.help.guide import GuidePage, load_guide, slugify, topic_for_module
from dms_desktop.gui.resources import app_icon

SLUG_ROLE = Qt.ItemDataRole.UserRole
SECTION_ROLE = Qt.ItemDataRole.UserRole + 1
DEFAULT_SIZE = QSize(1100, 760)
CONTENTS_WIDTH = 270


def section_bodies(page: GuidePage) -> dict[str, str]:
    """Lower-cased text of each level-2 section (its heading included), for the search."""
    bodies: dict[str, list[str]] = {}
    current = ""
    for line in page.markdown.splitlines():
        match = re.match(r"^##\s+(.*)$", line)
        if match:
            current = slugify(match.group(1))
        bodies.setdefault(current, []).append(line)
    return {slug: "\n".join(lines).lower() for slug, lines in bodies.items()}


class HelpWindow(QWidget):
    """The user guide. ``show_topic(page, section)`` opens a page at a section."""

    sig_page_shown = Signal(str, str)  # page slug, section slug (tests wait on it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("helpWindow")
        self.setWindowTitle(f"User guide - {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.resize(DEFAULT_SIZE)
        self.pages = load_guide()
        self.by_slug = {page.slug: page for page in self.pages}
        self.bodies = {page.slug: section_bodies(page) for page in self.pages}
        self.current_page = ""
        self.current_section = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(splitter)

        side = QWidget(splitter)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(10, 10, 6, 10)
        side_layout.setSpacing(6)
        self.search_edit = QLineEdit(side)
        self.search_edit.setObjectName("helpSearch")
        self.search_edit.setPlaceholderText("Search the guide (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        side_layout.addWidget(self.search_edit)
        self.search_status = QLabel("", side)
        self.search_status.setObjectName("mutedLabel")
        self.search_status.setWordWrap(True)
        self.search_status.setVisible(False)
        side_layout.addWidget(self.search_status)
        self.contents = QTreeWidget(side)
        self.contents.setObjectName("helpContents")
        self.contents.setHeaderHidden(True)
        self.contents.setRootIsDecorated(True)
        side_layout.addWidget(self.contents, 1)

        self.browser = QTextBrowser(splitter)
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenLinks(False)
        self.browser.document().setDocumentMargin(24)
        self.browser.anchorClicked.connect(self._follow_link)

        splitter.addWidget(side)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([CONTENTS_WIDTH, DEFAULT_SIZE.width() - CONTENTS_WIDTH])

        self._fill_contents()
        self.contents.currentItemChanged.connect(self._on_contents)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self.find_next)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self._focus_search)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.activated.connect(self.close)
        self.show_topic(self.pages[0].slug)

    # -- contents ------------------------------------------------------------------------------
    def _fill_contents(self) -> None:
        for page in self.pages:
            item = QTreeWidgetItem(self.contents, [page.title])
            item.setData(0, SLUG_ROLE, page.slug)
            item.setData(0, SECTION_ROLE, "")
            for section in page.sections:
                if section.level != 2:
                    continue
                child = QTreeWidgetItem(item, [section.title])
                child.setData(0, SLUG_ROLE, page.slug)
                child.setData(0, SECTION_ROLE, section.slug)

    def _pages(self) -> list[QTreeWidgetItem]:
        items = (self.contents.topLevelItem(r) for r in range(self.contents.topLevelItemCount()))
        return [item for item in items if item is not None]

    @staticmethod
    def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        children = (item.child(index) for index in range(item.childCount()))
        return [child for child in children if child is not None]

    def _item(self, page: str, section: str = "") -> QTreeWidgetItem | None:
        for top in self._pages():
            if top.data(0, SLUG_ROLE) != page:
                continue
            if not section:
                return top
            for child in self._children(top):
                if child.data(0, SECTION_ROLE) == section:
                    return child
            return top
        return None

    def _on_contents(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.show_topic(item.data(0, SLUG_ROLE), item.data(0, SECTION_ROLE))

    # -- showing -------------------------------------------------------------------------------
    def show_module(self, module: str | None) -> None:
        """F1 on a module page: that module's section."""
        self.show_topic(*topic_for_module(module))

    def show_topic(self, page: str, section: str = "") -> None:
        if page not in self.by_slug:
            page, section = self.pages[0].slug, ""
        if page != self.current_page:
            self.browser.document().setMarkdown(
                self.by_slug[page].markdown, QTextDocument.MarkdownFeature.MarkdownDialectGitHub
            )
            self._space_headings()
            self.current_page = page
        self.current_section = section
        self._scroll_to(section)
        self._highlight(self.search_edit.text().strip())
        item = self._item(page, section)
        if item is not None and item is not self.contents.currentItem():
            self.contents.blockSignals(True)
            self.contents.setCurrentItem(item)
            self.contents.blockSignals(False)
            parent = item.parent()
            if parent is not None:
                parent.setExpanded(True)
        self.sig_page_shown.emit(page, section)

    def _space_headings(self) -> None:
        """Air above headings (the Markdown importer leaves them tight against the text) and
        none above the first cell of a table (it inherits a paragraph's margin)."""
        doc = self.browser.document()
        cursor = QTextCursor(doc)
        block = doc.begin()
        while block.isValid():
            fmt = block.blockFormat()
            level = fmt.headingLevel()
            cursor.setPosition(block.position())
            if level > 0 and block.blockNumber() > 0:
                fmt.setTopMargin(22 if level <= 2 else 14)
                fmt.setBottomMargin(6)
                cursor.setBlockFormat(fmt)
            elif fmt.topMargin() and cursor.currentTable() is not None:
                fmt.setTopMargin(0)
                cursor.setBlockFormat(fmt)
            block = block.next()

    def heading_block(self, section: str) -> QTextBlock | None:
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() > 0 and slugify(block.text()) == section:
                return block
            block = block.next()
        return None

    def _scroll_to(self, section: str) -> None:
        bar = self.browser.verticalScrollBar()
        block = self.heading_block(section) if section else None
        if block is None:
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
            bar.setValue(0)
            return
        layout = self.browser.document().documentLayout()
        # A long page is laid out lazily: measuring its last block lays it all out now, so
        # the scroll bar knows its range before we move it.
        layout.blockBoundingRect(self.browser.document().lastBlock())
        self.browser.setTextCursor(QTextCursor(block))
        bar.setValue(max(0, int(layout.blockBoundingRect(block).top()) - 10))

    def headings_in_view(self) -> list[str]:
        """The headings a reader sees now (the first is the one nearest the top)."""
        layout = self.browser.document().documentLayout()
        top = self.browser.verticalScrollBar().value()
        bottom = top + self.browser.viewport().height()
        seen, block = [], self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() > 0:
                rect = layout.blockBoundingRect(block)
                if rect.bottom() > top and rect.top() < bottom:
                    seen.append(block.text())
            block = block.next()
        return seen

    def _follow_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        path = url.path()
        page = re.sub(r"^\d+-", "", path.rsplit("/", 1)[-1].removesuffix(".md")) or (
            self.current_page
        )
        self.show_topic(page, url.fragment())

    # -- search --------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def apply_search(self) -> None:
        """Show only pages and sections holding the text; highlight it in the page shown."""
        query = self.search_edit.text().strip().lower()
        pages = sections = 0
        first: tuple[str, str] | None = None
        for top in self._pages():
            slug = top.data(0, SLUG_ROLE)
            bodies = self.bodies[slug]
            page_hit = not query or query in self.by_slug[slug].text()
            top.setHidden(not page_hit)
            pages += bool(query and page_hit)
            for child in self._children(top):
                hit = not query or query in bodies.get(child.data(0, SECTION_ROLE), "")
                child.setHidden(not hit)
                if query and hit:
                    sections += 1
                    first = first or (slug, child.data(0, SECTION_ROLE))
            top.setExpanded(bool(query and page_hit))
            if query and page_hit and first is None:
                first = (slug, "")
        if not query:
            self.search_status.setVisible(False)
        elif pages:
            self.search_status.setText(
                f"Found in {pages} page{'s' * (pages != 1)}, "
                f"{sections} section{'s' * (sections != 1)}. Enter: next match."
            )
            self.search_status.setVisible(True)
        else:
            self.search_status.setText(f"Nothing in the guide matches “{query}”.")
            self.search_status.setVisible(True)
        current_hit = query and query in self.by_slug[self.current_page].text()
        if query and not current_hit and first is not None:
            self.show_topic(*first)
        else:
            self._highlight(query)
        if query and (current_hit or first is not None):
            self.find_next()

    def _highlight(self, query: str) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        if query:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor("#ffe38a"))
            fmt.setForeground(QColor("#1f2328"))
            doc = self.browser.document()
            cursor = doc.find(query)
            while not cursor.isNull() and len(selections) < 500:
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = fmt
                selections.append(selection)
                cursor = doc.find(query, cursor)
        self.browser.setExtraSelections(selections)

    def find_next(self) -> bool:
        """Select the next match in the page shown (wrapping); False when there is none."""
        query = self.search_edit.text().strip()
        if not query:
            return False
        if self.browser.find(query):
            return True
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        return self.browser.find(query)

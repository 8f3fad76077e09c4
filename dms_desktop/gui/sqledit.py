"""The SQL editor: Scintilla with Lexilla's SQL lexer, themed, with completion and error marks.

Scintilla counts positions in UTF-8 bytes; the core counts characters (1-based line/column
from a ``SqlError``). Every public method here speaks characters and converts at the edge.
A QApplication must exist before ``pyside6_scintilla`` is imported (the GUI's modules are
imported after the application is created).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import lexilla
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QWidget
from pyside6_scintilla import Scintilla, ScintillaEdit

from dms_desktop.core.catalog import CompletionWords, dialect_keywords
from dms_desktop.gui.theme import is_dark

ERROR_INDICATOR = 8  # the first indicator number free for containers
ERROR_STYLE = 64  # annotation style of the error message under the offending line
COMPLETE_AFTER = 2  # characters typed before the word list opens by itself
MAX_COMPLETIONS = 400
_WORD = re.compile(r"\w")

# Lexilla SQL style numbers (SCE_SQL_*) -> (light, dark) foreground, bold, italic.
_STYLES: dict[int, tuple[str, str, bool, bool]] = {
    1: ("#6a737d", "#8b949e", False, True),  # comment
    2: ("#6a737d", "#8b949e", False, True),  # -- comment
    3: ("#6a737d", "#8b949e", False, True),  # doc comment
    15: ("#6a737d", "#8b949e", False, True),
    4: ("#0550ae", "#79c0ff", False, False),  # number
    5: ("#1d4ed8", "#82aaff", True, False),  # keyword
    6: ("#8250df", "#d2a8ff", False, False),  # "quoted name"
    23: ("#8250df", "#d2a8ff", False, False),  # `quoted name`
    7: ("#0a7d32", "#9ece6a", False, False),  # 'string'
    10: ("#57606a", "#c0c6ce", False, False),  # operator
    16: ("#953800", "#ffa657", False, False),  # table and view names of the connection
    19: ("#6f42c1", "#c792ea", False, False),  # functions
}
# role -> (light, dark)
_COLOURS = {
    "fore": ("#1f2328", "#e3e5e8"),
    "back": ("#ffffff", "#24262a"),
    "margin_fore": ("#8c939c", "#6b7079"),
    "margin_back": ("#f5f6f8", "#1f2023"),
    "caret_line": ("#f3f6fb", "#2c2f34"),
    "selection": ("#cfe0fc", "#264f78"),
    "brace_fore": ("#1d4ed8", "#8ab4ff"),
    "brace_back": ("#dbe6fd", "#34405a"),
    "bad_brace": ("#cf222e", "#ff7b72"),
    "error": ("#d1242f", "#ff6b6b"),
    "error_fore": ("#a11d1d", "#ffc4c4"),
    "error_back": ("#fdecec", "#4a2326"),
}


def _bgr(colour: str) -> int:
    """Scintilla's colour int (0xBBGGRR) of a '#rrggbb' string."""
    value = int(colour.lstrip("#"), 16)
    return ((value & 0xFF) << 16) | (value & 0xFF00) | ((value >> 16) & 0xFF)


def _opaque(colour: str) -> int:
    return _bgr(colour) | 0xFF000000


class SqlEditor(ScintillaEdit):
    """A SQL text editor; positions in its public methods are character offsets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sqlEditor")
        lexer = lexilla.create_lexer("sql")
        assert lexer is not None
        self.setILexer(lexer.detach())
        self.setCodePage(Scintilla.CpUtf8)
        self.setTabWidth(4)
        self.setUseTabs(False)
        self.setScrollWidthTracking(True)
        self.setScrollWidth(1)
        self.setMarginTypeN(0, int(Scintilla.MarginType.Number))
        self.setMarginWidthN(1, 0)
        self.setMarginLeft(4)
        self.setCaretLineVisible(True)
        self.setCaretLineVisibleAlways(True)
        self.indicSetStyle(ERROR_INDICATOR, int(Scintilla.IndicatorStyle.Squiggle))
        self.indicSetUnder(ERROR_INDICATOR, True)
        self.annotationSetVisible(int(Scintilla.AnnotationVisible.Indented))
        self.autoCSetSeparator(ord("\n"))
        self.autoCSetIgnoreCase(True)
        self.autoCSetCaseInsensitiveBehaviour(1)  # prefer the case the user typed
        self.autoCSetOrder(int(Scintilla.Ordering.PerformSort))
        self.autoCSetMaxHeight(12)
        self.autoCSetAutoHide(True)
        self.autoCSetDropRestOfWord(True)
        self.autoCStops(" ,;()=<>+*/")
        self._words: CompletionWords | None = None
        self._table_columns: dict[str, list[str]] = {}
        self._marked = False
        self.set_dialect("postgres")
        self.apply_theme()
        self.updateUi.connect(self._match_braces)
        self.charAdded.connect(self._char_added)
        self.modified.connect(self._on_modified)
        self.linesAdded.connect(lambda _n: self._fit_margin())

    # -- text in characters -----------------------------------------------------------------
    def sql_text(self) -> str:
        return bytes(self.getText(self.length() + 1)).rstrip(b"\x00").decode("utf-8", "replace")

    def set_sql_text(self, text: str) -> None:
        self.setText(text)
        self.emptyUndoBuffer()
        self._fit_margin()

    def replace_text(self, text: str) -> None:
        """Replace the whole text as one undoable step (format)."""
        self.setTargetRange(0, self.length())
        self.replaceTarget(len(text.encode("utf-8")), text)

    def _bytes(self, start: int, end: int) -> str:
        return bytes(self.textRange(start, end)).decode("utf-8", "replace")

    def to_position(self, offset: int, text: str | None = None) -> int:
        """Scintilla's byte position of a character offset."""
        source = self.sql_text() if text is None else text
        return len(source[: max(0, offset)].encode("utf-8"))

    def to_offset(self, position: int) -> int:
        return len(self._bytes(0, position))

    def cursor_offset(self) -> int:
        return self.to_offset(self.currentPos())

    def selection_range(self) -> tuple[int, int]:
        """Character offsets of the selection (equal when nothing is selected)."""
        start, end = self.selectionStart(), self.selectionEnd()
        first = self.to_offset(start)
        return first, first + len(self._bytes(start, end))

    def select_range(self, start: int, end: int) -> None:
        text = self.sql_text()
        self.setSel(self.to_position(start, text), self.to_position(end, text))
        self.scrollCaret()

    def move_to(self, offset: int) -> None:
        self.gotoPos(self.to_position(offset))
        self.scrollCaret()

    # -- appearance -------------------------------------------------------------------------
    def apply_theme(self) -> None:
        dark = is_dark()
        pick = 1 if dark else 0
        colour = {role: values[pick] for role, values in _COLOURS.items()}
        default = int(Scintilla.StylesCommon.Default)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.styleSetFont(default, font.family())
        self.styleSetSizeFractional(default, 1050)
        self.styleSetFore(default, _bgr(colour["fore"]))
        self.styleSetBack(default, _bgr(colour["back"]))
        self.styleClearAll()
        for style, (light, dark_colour, bold, italic) in _STYLES.items():
            self.styleSetFore(style, _bgr(dark_colour if dark else light))
            self.styleSetBold(style, bold)
            self.styleSetItalic(style, italic)
        numbers = int(Scintilla.StylesCommon.LineNumber)
        self.styleSetFore(numbers, _bgr(colour["margin_fore"]))
        self.styleSetBack(numbers, _bgr(colour["margin_back"]))
        for style, fore, back in (
            (int(Scintilla.StylesCommon.BraceLight), "brace_fore", "brace_back"),
            (int(Scintilla.StylesCommon.BraceBad), "bad_brace", "back"),
        ):
            self.styleSetFore(style, _bgr(colour[fore]))
            self.styleSetBack(style, _bgr(colour[back]))
            self.styleSetBold(style, True)
        self.styleSetFore(ERROR_STYLE, _bgr(colour["error_fore"]))
        self.styleSetBack(ERROR_STYLE, _bgr(colour["error_back"]))
        self.styleSetItalic(ERROR_STYLE, True)
        self.setCaretFore(_bgr(colour["fore"]))
        self.setElementColour(int(Scintilla.Element.CaretLineBack), _opaque(colour["caret_line"]))
        self.setElementColour(int(Scintilla.Element.SelectionBack), _opaque(colour["selection"]))
        self.setElementColour(
            int(Scintilla.Element.SelectionInactiveBack), _opaque(colour["selection"])
        )
        self.indicSetFore(ERROR_INDICATOR, _bgr(colour["error"]))
        self._fit_margin()

    def _fit_margin(self) -> None:
        digits = max(3, len(str(self.lineCount())))
        numbers = int(Scintilla.StylesCommon.LineNumber)
        self.setMarginWidthN(0, self.textWidth(numbers, "9" * (digits + 1)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.apply_theme()

    # -- braces -----------------------------------------------------------------------------
    def _match_braces(self, _updated: object = None) -> None:
        pos = self.currentPos()
        for candidate in (pos - 1, pos):
            if 0 <= candidate < self.length() and chr(self.charAt(candidate)) in "()[]{}":
                match = self.braceMatch(candidate, 0)
                if match >= 0:
                    self.braceHighlight(candidate, match)
                else:
                    self.braceBadLight(candidate)
                return
        self.braceHighlight(-1, -1)

    # -- errors -----------------------------------------------------------------------------
    def mark_error(self, offset: int, message: str = "") -> None:
        """Squiggle the word at ``offset``, move the caret there, note ``message`` under it."""
        self.clear_error()
        text = self.sql_text()
        pos = self.to_position(min(offset, len(text)), text)
        end = self.wordEndPosition(pos, True)
        if end <= pos:
            end = min(self.length(), self.positionAfter(pos))
        if end <= pos and pos > 0:  # at the very end: mark the last character
            pos = self.positionBefore(pos)
        self.setIndicatorCurrent(ERROR_INDICATOR)
        self.indicatorFillRange(pos, max(1, end - pos))
        line = self.lineFromPosition(pos)
        if message:
            self.annotationSetText(line, message)
            self.annotationSetStyle(line, ERROR_STYLE)
        self.gotoPos(pos)
        self.scrollCaret()
        self._marked = True

    def clear_error(self) -> None:
        if not self._marked:
            return
        self._marked = False
        self.setIndicatorCurrent(ERROR_INDICATOR)
        self.indicatorClearRange(0, self.length())
        self.annotationClearAll()

    def error_range(self) -> tuple[int, int] | None:
        """Character offsets of the marked error, if any."""
        at_start = self.indicatorValueAt(ERROR_INDICATOR, 0)
        start = 0 if at_start else self.indicatorEnd(ERROR_INDICATOR, 0)
        if not at_start and not 0 < start < self.length():
            return None  # Scintilla answers 0 when the indicator is nowhere
        end = self.indicatorEnd(ERROR_INDICATOR, start)
        if end <= start:
            return None
        return self.to_offset(start), self.to_offset(end)

    def _on_modified(self, kind: object, *_args: object) -> None:
        changed = Scintilla.ModificationFlags.InsertText | Scintilla.ModificationFlags.DeleteText
        if self._marked and int(kind) & int(changed):  # type: ignore[call-overload]
            QTimer.singleShot(0, self.clear_error)  # not inside Scintilla's notification

    # -- comments ---------------------------------------------------------------------------
    def toggle_comment(self) -> None:
        """Comment the selected lines with ``--``, or uncomment them when all are comments."""
        first = self.lineFromPosition(self.selectionStart())
        last = self.lineFromPosition(self.selectionEnd())
        if last > first and self.selectionEnd() == self.positionFromLine(last):
            last -= 1
        lines = {
            n: self._bytes(self.positionFromLine(n), self.lineEndPosition(n))
            for n in range(first, last + 1)
        }
        code = [text for text in lines.values() if text.strip()]
        if not code:
            return
        uncomment = all(text.lstrip().startswith("--") for text in code)
        indent = min(len(text) - len(text.lstrip()) for text in code)
        self.beginUndoAction()
        for n in range(last, first - 1, -1):
            text = lines[n]
            if not text.strip():
                continue
            if uncomment:
                head = len(text) - len(text.lstrip())
                body = text[head + 2 :]
                new = text[:head] + (body[1:] if body.startswith(" ") else body)
            else:
                new = text[:indent] + "-- " + text[indent:]
            self.setTargetRange(self.positionFromLine(n), self.lineEndPosition(n))
            self.replaceTarget(len(new.encode("utf-8")), new)
        self.endUndoAction()
        self.setSel(self.positionFromLine(first), self.lineEndPosition(last))

    # -- completion -------------------------------------------------------------------------
    def set_dialect(self, dialect: str) -> None:
        """Keywords highlighted before the connection's own words arrive."""
        self.setKeyWords(0, " ".join(w.lower() for w in dialect_keywords(dialect)))
        self.colourise(0, -1)

    def set_completion_words(self, words: CompletionWords | None) -> None:
        self._words = words
        self._table_columns = {}
        if words is None:
            self.setKeyWords(1, "")
        else:
            self._table_columns = {t.lower(): cols for t, cols in words["columns"].items()}
            self.setKeyWords(0, " ".join(w.lower() for w in words["keywords"]))
            self.setKeyWords(1, " ".join(t.lower() for t in words["tables"] if " " not in t))
            self.setKeyWords(4, " ".join(f.lower() for f in words["functions"]))
        self.colourise(0, -1)

    def _char_added(self, ch: int) -> None:
        char = chr(ch)
        if char == ".":
            self.complete(members=True)
        elif _WORD.match(char) and not self.autoCActive():
            self.complete(explicit=False)

    def _word_before(self, pos: int) -> tuple[str, int]:
        start = self.wordStartPosition(pos, True)
        return self._bytes(start, pos), start

    def complete(self, explicit: bool = True, members: bool = False) -> bool:
        """Open the word list for the word at the caret; True when it opened."""
        if self._words is None and not explicit:
            return False
        pos = self.currentPos()
        prefix, start = self._word_before(pos)
        if not explicit and len(prefix) < COMPLETE_AFTER:
            return False
        if members or (start > 0 and chr(self.charAt(start - 1)) == "."):
            qualifier, _ = self._word_before(start - 1)
            candidates = self._members(qualifier)
        else:
            candidates = self._all_words()
        low = prefix.lower()
        items = sorted({c for c in candidates if c.lower().startswith(low) and c != prefix})
        if not items:
            return False
        self.autoCShow(len(prefix.encode("utf-8")), "\n".join(items[:MAX_COMPLETIONS]))
        return True

    def _all_words(self) -> Iterable[str]:
        words = self._words
        if words is None:
            return []
        return [*words["tables"], *words["schemas"], *words["keywords"], *words["functions"]] + [
            c for cols in words["columns"].values() for c in cols
        ]

    def _members(self, qualifier: str) -> list[str]:
        """Columns of a table or alias, or the tables of a schema, named before a dot."""
        words = self._words
        if words is None or not qualifier:
            return []
        key = qualifier.lower()
        if key in self._table_columns:
            return self._table_columns[key]
        alias = re.compile(
            rf"([\w$]+)\s+(?:as\s+)?{re.escape(qualifier)}\b(?!\s*\.)", re.IGNORECASE
        )
        for match in alias.finditer(self.sql_text()):
            table = match.group(1).lower()
            if table in self._table_columns:
                return self._table_columns[table]
        if key in {s.lower() for s in words["schemas"]}:
            return list(words["tables"])
        return []

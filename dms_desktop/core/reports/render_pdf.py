"""A report as a PDF: a paginated table drawn with fpdf2 (pure Python, no Qt), so the
headless scheduler renders the same file as the desktop.

Every page repeats the template's header text and the table's header row and ends with the
footer and "Page x of y"; the first page carries the logo, title and subtitle. Cells hold one
line, texts cut with an ellipsis when too long (numbers and dates keep their width and are
right-aligned or whole). A PDF is for reading:
past ``MAX_PDF_ROWS`` rows the export stops with a message pointing to XLSX or CSV.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.reports.formats import OutputColumn, fit_widths
from dms_desktop.core.sqlstore.export import Sink

MAX_PDF_ROWS = 50_000
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
ROW_MM = 5.0
TABLE_PT = 8
_GREY = (110, 110, 110)
_LINE = (200, 205, 210)
_HEAD_FILL = (221, 227, 234)


@dataclass(frozen=True)
class PdfTexts:
    """The template's texts, placeholders already filled in."""

    title: str
    subtitle: str = ""
    header: str = ""
    footer: str = ""
    logo: Path | None = None
    page_numbers: bool = True
    landscape: bool = False


def unicode_font() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold) when the system has it: text beyond Latin-1 then prints."""
    configured = os.environ.get("DMS_PDF_FONT_DIR")
    for folder in (configured, *FONT_DIRS):
        if not folder:
            continue
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _document(texts: PdfTexts) -> Any:
    from fpdf import FPDF

    class ReportPdf(FPDF):
        table_head: Callable[[], None] | None = None
        family_name = "Helvetica"
        ellipsis = "..."

        def header(self) -> None:
            report_header(self, texts)
            if self.table_head is not None:
                self.table_head()

        def footer(self) -> None:
            report_footer(self, texts)

    pdf = ReportPdf(orientation="L" if texts.landscape else "P", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(texts.title)
    pdf.set_creator("DMS Desktop")
    fonts = unicode_font()
    if fonts is not None:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        pdf.family_name = "DejaVu"
        pdf.ellipsis = "…"
    else:
        pdf.family_name = "Helvetica"
        pdf.ellipsis = "..."
    return pdf


def clean(pdf: Any, text: str) -> str:
    """The core fonts hold Latin-1 only: anything else becomes '?'."""
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if pdf.family_name == "DejaVu":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def report_header(pdf: Any, texts: PdfTexts) -> None:
    family = pdf.family_name
    if texts.header:
        pdf.set_font(family, "", 8)
        pdf.set_text_color(*_GREY)
        pdf.cell(0, 4, clean(pdf, texts.header), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    if pdf.page_no() == 1:
        top = pdf.get_y()
        indent = 0.0
        if texts.logo is not None:
            pdf.image(str(texts.logo), x=pdf.l_margin, y=top, h=12)
            indent = 40.0
        pdf.set_xy(pdf.l_margin + indent, top)
        pdf.set_font(family, "B", 15)
        pdf.cell(0, 8, clean(pdf, texts.title), new_x="LMARGIN", new_y="NEXT")
        if texts.subtitle:
            pdf.set_x(pdf.l_margin + indent)
            pdf.set_font(family, "", 10)
            pdf.set_text_color(*_GREY)
            pdf.cell(0, 5, clean(pdf, texts.subtitle), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        pdf.set_y(max(pdf.get_y(), top + (13 if texts.logo is not None else 0)) + 3)
    else:
        pdf.ln(2)


def report_footer(pdf: Any, texts: PdfTexts) -> None:
    pdf.set_y(-12)
    pdf.set_font(pdf.family_name, "", 8)
    pdf.set_text_color(*_GREY)
    width = pdf.epw
    if texts.page_numbers:
        label = f"Page {pdf.page_no()} of {{nb}}"
        pdf.cell(width * 0.75, 5, clean(pdf, texts.footer))
        pdf.cell(width * 0.25, 5, label, align="R")
    else:
        pdf.cell(width, 5, clean(pdf, texts.footer))
    pdf.set_text_color(0, 0, 0)


class PdfReportSink(Sink):
    def __init__(
        self,
        path: Path,
        layout: Callable[[Sequence[str]], list[OutputColumn]],
        texts: PdfTexts,
        max_rows: int = MAX_PDF_ROWS,
    ) -> None:
        self.path = path
        self.layout = layout
        self.texts = texts
        self.max_rows = max_rows
        self.pdf: Any = _document(texts)
        self.columns: list[OutputColumn] = []
        self.widths: list[float] = []
        self.fits: list[int] = []
        self.count = 0

    def header(self, names: Sequence[str]) -> None:
        self.columns = self.layout(names)

    def _first_page(self, sample: Sequence[Sequence[Any]]) -> None:
        """Column widths from the first rows, then the first page (header() is called by it)."""
        pdf = self.pdf
        self.columns = fit_widths(self.columns, sample, cap=40)
        self.widths = self._page_widths(sample[:200])
        pdf.set_font(pdf.family_name, "", TABLE_PT)
        widest = pdf.get_string_width("W") or 1.0
        # Up to this many characters surely fit: no measuring needed.
        self.fits = [max(0, int((w - 2 * pdf.c_margin) / widest)) for w in self.widths]
        pdf.table_head = self._table_head
        pdf.add_page()

    def _page_widths(self, sample: Sequence[Sequence[Any]]) -> list[float]:
        """Widths in mm on the page, measured with the table's font.

        Numbers, dates and short codes must be read whole: they keep their natural width
        (the widest sample value or the title). Longer texts share what is left in
        proportion to their natural width, cut with an ellipsis where they must be; when
        the page is wider than needed every column grows in proportion. A definition's own
        width (``fixed``) is taken as characters.
        """
        pdf = self.pdf
        pad = 2 * pdf.c_margin + 0.5  # a little air, and no rounding cuts a fitting text
        pdf.set_font(pdf.family_name, "B", TABLE_PT)
        titles = [self._width(clean(pdf, c.title)) + pad for c in self.columns]
        pdf.set_font(pdf.family_name, "", TABLE_PT)
        char = self._width("0")
        natural = []
        for i, col in enumerate(self.columns):
            if col.fixed:
                natural.append(col.width * char + pad)
                continue
            texts = sorted(self._width(clean(pdf, col.text(row[i]))) for row in sample)
            typical = texts[int(len(texts) * 0.9)] if texts and not col.numeric else 0.0
            content = (texts[-1] if col.numeric else typical) if texts else col.width * char
            title = titles[i] if col.numeric or col.kind in ("date", "datetime") else 0.0
            natural.append(max(content + pad, title, min(titles[i], 14.0), 6.0))
        room = pdf.epw
        if sum(natural) <= room:
            return [room * n / sum(natural) for n in natural]
        whole = [
            col.numeric or col.kind in ("date", "datetime") or n <= 22.0
            for col, n in zip(self.columns, natural, strict=True)
        ]
        kept = sum(n for n, w in zip(natural, whole, strict=True) if w)
        flexible = sorted(
            (n, i) for i, (n, w) in enumerate(zip(natural, whole, strict=True)) if not w
        )
        left = room - kept
        if left < 5.0 * len(flexible):  # not even the numbers fit: every column shrinks
            return [room * n / sum(natural) for n in natural]
        widths = list(natural)
        for rank, (n, i) in enumerate(flexible):  # narrow texts whole, wide ones share the rest
            widths[i] = min(n, left / (len(flexible) - rank))
            left -= widths[i]
        return widths

    def _table_head(self) -> None:
        pdf = self.pdf
        pdf.set_font(pdf.family_name, "B", TABLE_PT)
        pdf.set_fill_color(*_HEAD_FILL)
        pdf.set_draw_color(*_LINE)
        for col, width in zip(self.columns, self.widths, strict=True):
            align = "R" if col.numeric else "L"
            pdf.cell(
                width, ROW_MM + 1, self._fit(col.title, width, 0), border=1, fill=True, align=align
            )
        pdf.ln(ROW_MM + 1)
        pdf.set_font(pdf.family_name, "", TABLE_PT)

    def _width(self, text: str) -> float:
        """Width in mm at the current font: the font's own metrics, without fpdf's wrapper
        (cell() and get_string_width() cost ten times more than the drawing itself)."""
        pdf = self.pdf
        width: float = pdf.current_font.get_text_width(text, pdf.font_size_pt, None)[1]
        return width / float(pdf.k)

    def _fit(self, text: str, width: float, fits: int) -> str:
        text = clean(self.pdf, text)
        ellipsis: str = self.pdf.ellipsis
        if len(text) <= fits:
            return text
        room = width - 2 * self.pdf.c_margin
        if self._width(text) <= room:
            return text
        low, high = 0, len(text)
        while low < high:  # the longest prefix that fits with the ellipsis
            mid = (low + high + 1) // 2
            if self._width(text[:mid] + ellipsis) <= room:
                low = mid
            else:
                high = mid - 1
        return text[:low] + ellipsis

    def rows(self, rows: Sequence[Sequence[Any]]) -> None:
        pdf = self.pdf
        self.count += len(rows)
        if self.count > self.max_rows:
            raise ValidationError(
                f"A PDF holds at most {self.max_rows:,} rows and this report has more: "
                "narrow the parameters, or export to XLSX or CSV."
            )
        if pdf.page_no() == 0:
            self._first_page(rows)
        margin = pdf.c_margin
        lefts, x = [], pdf.l_margin
        for width in self.widths:
            lefts.append(x)
            x += width
        right_edge = x
        layout = list(zip(self.columns, self.widths, self.fits, lefts, strict=True))
        bottom = pdf.page_break_trigger
        for row in rows:
            if pdf.get_y() + ROW_MM > bottom:
                pdf.add_page()
            y = pdf.get_y()
            baseline = y + ROW_MM - 1.5
            for (col, width, fits, left), value in zip(layout, row, strict=True):
                text = self._fit(col.text(value), width, fits)
                if not text:
                    continue
                if col.numeric:
                    pdf.text(left + width - margin - self._width(text), baseline, text)
                else:
                    pdf.text(left + margin, baseline, text)
            pdf.line(pdf.l_margin, y + ROW_MM, right_edge, y + ROW_MM)
            pdf.set_y(y + ROW_MM)

    def close(self, ok: bool) -> None:
        if not ok:
            return
        pdf = self.pdf
        if pdf.page_no() == 0:
            self._first_page([])
        if self.count == 0:
            pdf.set_font(pdf.family_name, "", 9)
            pdf.set_text_color(*_GREY)
            pdf.cell(
                0, 8, "No rows: nothing matches the parameters.", new_x="LMARGIN", new_y="NEXT"
            )
        pdf.output(str(self.path))

"""The pages of the user guide: bundled Markdown files plus the generated CLI reference.

The Markdown lives in ``dms_desktop/gui/help/guide/`` (package data, bundled by PyInstaller
from there); file names sort the contents (``01-getting-started.md`` …). Qt-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

GUIDE_DIR = Path(__file__).with_name("guide")
CLI_SLUG = "cli-reference"
_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*#*\s*$")


def slugify(text: str) -> str:
    """GitHub-style anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_]", "", text.strip().lower())
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"\s+", "-", text).strip("-")


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    slug: str


@dataclass(frozen=True)
class GuidePage:
    slug: str  # file name without number and extension: "concepts"
    title: str
    markdown: str
    sections: list[Section] = field(default_factory=list)

    def text(self) -> str:
        return self.markdown.lower()


def parse_sections(markdown: str) -> list[Section]:
    sections, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            title = match.group(2)
            sections.append(Section(len(match.group(1)), title, slugify(title)))
    return sections


def make_page(slug: str, markdown: str) -> GuidePage:
    sections = parse_sections(markdown)
    title = sections[0].title if sections else slug.replace("-", " ").capitalize()
    return GuidePage(slug, title, markdown, sections)


def page_slug(path: Path) -> str:
    return re.sub(r"^\d+-", "", path.stem)


def load_guide(folder: Path = GUIDE_DIR, *, with_cli: bool = True) -> list[GuidePage]:
    """Every page in order; the CLI reference (generated now) comes last."""
    pages = [
        make_page(page_slug(path), path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.md"))
    ]
    if with_cli:
        from dms_desktop.gui.help.cli_reference import cli_reference_markdown

        pages.append(make_page(CLI_SLUG, cli_reference_markdown()))
    return pages


# F1 on a module page opens this (page, section) of the guide.
MODULE_TOPICS: dict[str, tuple[str, str]] = {
    "home": ("getting-started", "home"),
    "connections": ("concepts", "connections"),
    "sql": ("concepts", "managed-sql"),
    "mapper": ("concepts", "mappings"),
    "jobs": ("concepts", "jobs"),
    "calendar": ("concepts", "schedules-and-frequency-codes"),
    "monitor": ("concepts", "runs-and-the-monitor"),
    "dashboard": ("concepts", "reports-and-the-dashboard"),
    "reports": ("concepts", "reports-and-the-dashboard"),
    "uploads": ("concepts", "uploads"),
    "admin": ("concepts", "users-roles-and-permissions"),
}


def topic_for_module(module: str | None) -> tuple[str, str]:
    return MODULE_TOPICS.get(module or "", ("getting-started", ""))

"""The licences of DMS Desktop and of every third-party component it bundles, read from the
installed distributions' metadata (``importlib.metadata``), so the list follows the build.

A component is every distribution DMS Desktop requires, directly or through another one,
for this platform (environment markers evaluated; test extras left out). The licence is the
SPDX ``License-Expression`` when the distribution declares one, else its ``License`` field
(its first line: some put the whole text there), else its trove classifiers. Native
libraries inside a wheel are named in ``BUNDLED`` (Qt in PySide6, Scintilla in its binding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

PRODUCT = "dms-desktop"
# What a wheel carries besides its Python code, and under which licence.
BUNDLED = {
    "pyside6-essentials": "bundles the Qt 6 libraries (LGPL-3.0-only; Qt for Python)",
    "shiboken6": "Qt for Python's binding generator runtime",
    "pyside6-scintilla": "bundles Scintilla (Scintilla licence, HPND-style)",
    "lexilla": "bundles Lexilla (Scintilla licence, HPND-style)",
    "psycopg2-binary": "bundles libpq and OpenSSL (PostgreSQL licence, Apache-2.0)",
    "cryptography": "bundles OpenSSL (Apache-2.0)",
    "pillow": "bundles libjpeg, libpng, zlib, freetype (their own permissive licences)",
    "numpy": "bundles OpenBLAS (BSD-3-Clause)",
}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    note: str = ""


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(dist: metadata.Distribution, name: str) -> str:
    values = dist.metadata.get_all(name) or []
    return str(values[0]).strip() if values else ""


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = _field(dist, "License-Expression")
    if expression:
        return expression
    text = _field(dist, "License")
    first = text.splitlines()[0].strip() if text else ""
    if first and len(first) <= 80 and first.upper() != "UNKNOWN":
        return first
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if classifiers:
        return " / ".join(classifiers)
    return first[:80] + "…" if first else "not declared"


def _requirements(dist: metadata.Distribution) -> list[str]:
    """Names of the runtime requirements that apply on this platform."""
    names: list[str] = []
    for line in dist.requires or []:
        try:
            from packaging.requirements import Requirement

            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            names.append(req.name)
        except ImportError:  # packaging absent: keep all but the extras
            match = _NAME.match(line)
            if match and "extra ==" not in line:
                names.append(match.group(1))
        except Exception:  # noqa: BLE001 - an odd requirement line is skipped, not fatal
            continue
    return names


def product_licence() -> str:
    try:
        return licence_of(metadata.distribution(PRODUCT))
    except metadata.PackageNotFoundError:
        return "not installed as a distribution (running from source)"


def third_party_licences() -> list[Component]:
    """Every bundled component, by name."""
    try:
        root = metadata.distribution(PRODUCT)
    except metadata.PackageNotFoundError:
        return []
    found: dict[str, Component] = {}
    todo = _requirements(root)
    while todo:
        name = todo.pop()
        key = _key(name)
        if key in found or key == PRODUCT:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not installed: not bundled either
        found[key] = Component(dist.name, dist.version, licence_of(dist), BUNDLED.get(key, ""))
        todo += _requirements(dist)
    return sorted(found.values(), key=lambda c: c.name.lower())

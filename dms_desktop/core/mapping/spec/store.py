"""Import a spec file into the workspace (all or nothing) and export mappings to files.

Import reads and checks the whole file first (structure, names, types for the target
connection's dialect, duplicates), then writes every mapping of the file in ONE metadata
transaction: a reference that exists without ``replace`` fails the file, with ``replace`` it
becomes a new version (the seed's CURFLG history). The repository's ``save`` opens its own
transaction, so the version write is done here with its helpers (same rows, same rules).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, func, select

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import NotFound, ValidationError
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.mapping.repository import CURRENT, MappingService
from dms_desktop.core.mapping.spec.document import (
    ParsedDocument,
    RawDocument,
    SpecError,
    SpecProblem,
    dump_json,
    dump_yaml,
    load_json,
    load_yaml,
    mapping_to_dict,
    parse_document,
)
from dms_desktop.core.mapping.spec.xlsx import read_workbook, write_workbook
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_mapr
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx"}


def spec_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            f"{path.name}: unknown spec format {path.suffix or '(none)'}: use .json, .yaml, "
            ".yml or .xlsx."
        )
    return fmt


def read_documents(path: Path) -> list[RawDocument]:
    fmt = spec_format(path)
    if not path.is_file():
        raise NotFound(f"{path}: no such file.")
    if fmt == "xlsx":
        return read_workbook(path)
    text = path.read_text(encoding="utf-8-sig")
    return load_json(text, path.name) if fmt == "json" else load_yaml(text, path.name)


def _connections(ws: Workspace, actor: CurrentUser) -> dict[str, tuple[int, str]]:
    """Lower-case name -> (conid, dialect) of every current connection (one query)."""
    found: dict[str, tuple[int, str]] = {}
    for defn in ConnectionService(ws, actor).list_connections():
        if defn.conid is not None:
            found[defn.name.lower()] = (defn.conid, defn.dialect)
    return found


def parse_file(ws: Workspace, actor: CurrentUser, path: Path) -> list[ParsedDocument]:
    """Every mapping of the file, checked; ``SpecError`` lists every problem found."""
    raws = read_documents(path)
    connections = _connections(ws, actor)
    dialects = {name: dialect for name, (_conid, dialect) in connections.items()}
    parsed = [parse_document(raw, dialects) for raw in raws]
    problems = [p for doc in parsed for p in doc.problems]
    seen: dict[str, int] = {}
    for i, doc in enumerate(parsed):
        key = doc.mapping.ref.upper()
        if key and key in seen:
            problems.append(
                SpecProblem(doc.where("reference"), f"{doc.mapping.ref} appears twice in the file")
            )
        seen.setdefault(key, i)
        if doc.connection and doc.connection.lower() in connections:
            doc.mapping.target_conid = connections[doc.connection.lower()][0]
    if problems:
        raise SpecError(path.name, problems)
    return parsed


def import_file(
    ws: Workspace, actor: CurrentUser, path: Path, *, replace: bool = False
) -> list[Mapping]:
    """Import every mapping of a JSON/YAML/XLSX spec in one transaction; returns them."""
    parsed = parse_file(ws, actor, path)
    service = MappingService(ws, actor)
    with write_tx(ws.engine) as conn:
        currents = _current_versions(conn, [d.mapping.ref for d in parsed])
        problems = [
            SpecProblem(
                d.where("reference"),
                f"mapping {d.mapping.ref} already exists: import with --replace to make this "
                "file its new version",
            )
            for d in parsed
            if d.mapping.ref.upper() in currents and not replace
        ]
        if problems:
            raise SpecError(path.name, problems)
        return [service.save_on(conn, doc.mapping) for doc in parsed]


def _current_versions(conn: Connection, refs: list[str]) -> dict[str, tuple[int, int, str]]:
    """UPPER ref -> (mapid, version, stored ref) of the current rows, in one query."""
    rows = conn.execute(
        select(dms_mapr.c.mapid, dms_mapr.c.mapver, dms_mapr.c.mapref).where(
            func.upper(dms_mapr.c.mapref).in_([r.upper() for r in refs]),
            dms_mapr.c.curflg == CURRENT,
        )
    ).all()
    return {str(r.mapref).upper(): (int(r.mapid), int(r.mapver), str(r.mapref)) for r in rows}


# --- export --------------------------------------------------------------------------------


def export_documents(
    ws: Workspace, actor: CurrentUser, refs: list[str]
) -> list[tuple[dict[str, object], str | None]]:
    """Each mapping's document and its target dialect (for the Excel type list)."""
    service = MappingService(ws, actor)
    connections = ConnectionService(ws, actor)
    out: list[tuple[dict[str, object], str | None]] = []
    for ref in refs:
        mapping = service.get(ref)
        name = dialect = None
        if mapping.target_conid is not None:
            try:
                defn = connections.get(mapping.target_conid)
                name, dialect = defn.name, defn.dialect
            except NotFound:
                pass
        out.append((mapping_to_dict(mapping, name), dialect))
    return out


def export_mappings(
    ws: Workspace, actor: CurrentUser, refs: list[str], out: Path, fmt: str | None = None
) -> Path:
    """Write the mappings to ``out`` (format from ``fmt`` or the file extension).

    JSON holds one object (a list for several); YAML one mapping per file; XLSX one sheet
    per mapping.
    """
    fmt = fmt or spec_format(out)
    docs = export_documents(ws, actor, refs)
    if fmt == "xlsx":
        write_workbook(docs, out)
    elif fmt == "json":
        out.write_text(dump_json([d for d, _ in docs]), encoding="utf-8")
    elif fmt == "yaml":
        if len(docs) != 1:
            raise ValidationError("YAML holds one mapping per file: export them one by one.")
        out.write_text(dump_yaml(docs[0][0]), encoding="utf-8")
    else:
        raise ValidationError(f"Unknown format {fmt!r}: use json, yaml or xlsx.")
    return out

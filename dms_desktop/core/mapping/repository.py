"""Mappings in DMS_MAPR / DMS_MAPRDTL with the seed's CURFLG version history.

Saving a changed mapping closes the current rows (CURFLG='N') and writes a new version with
its columns in one transaction; an unchanged save writes nothing. Every read and write costs a
constant number of round trips whatever the number of columns (one executemany for details).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import RowMapping

from dms_desktop.core import clock
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_job, dms_jobdtl, dms_mapr, dms_maprdtl
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

CURRENT = "Y"
REF_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")


def _header(row: RowMapping, columns: list[MappingColumn]) -> Mapping:
    return Mapping(
        ref=row["mapref"],
        table_name=row["trgtbnm"],
        table_type=row["trgtbtyp"],
        sql_code=row["maprsqlcd"],
        description=row["mapdesc"],
        source_system=row["srcsys"],
        target_conid=row["trgconid"],
        target_schema=row["trgschm"],
        freq_code=row["frqcd"],
        bulk_rows=row["blkprcrows"],
        on_source_delete=row["srcgone"],
        error_threshold=row["errthrsh"],
        columns=columns,
        mapid=row["mapid"],
        version=row["mapver"],
        current=row["curflg"] == CURRENT,
        validated=row["lgvrfyflg"] == "Y",
        validated_at=row["lgvrfydt"],
        updated=row["recupdt"] or row["reccrdt"],
        updated_by=row["uptdby"] or row["crtdby"],
    )


def _column(row: RowMapping) -> MappingColumn:
    return MappingColumn(
        name=row["trgclnm"],
        data_type=row["trgcldtyp"] or "",
        key=row["trgkeyflg"] == "Y",
        key_seq=row["trgkeyseq"],
        description=row["trgcldesc"],
        logic=row["maplogic"],
        lookup_table=row["lkptbnm"],
        key_column=row["keyclnm"],
        value_column=row["valclnm"],
        combine=row["mapcmbcd"],
        exec_seq=row["excseq"],
        scd_type=row["scdtyp"],
        mapdtlid=row["mapdtlid"],
    )


def _detail_values(
    mapping: Mapping, mapid: int, col: MappingColumn, at: Any, by: str
) -> dict[str, Any]:
    return {
        "mapid": mapid,
        "mapref": mapping.ref,
        "trgclnm": col.name,
        "trgcldtyp": col.data_type,
        "trgkeyflg": "Y" if col.key else "N",
        "trgkeyseq": col.key_seq,
        "trgcldesc": col.description,
        "maplogic": col.logic,
        "lkptbnm": col.lookup_table,
        "keyclnm": col.key_column,
        "valclnm": col.value_column,
        "mapcmbcd": col.combine or None,
        "excseq": col.exec_seq,
        "scdtyp": col.scd_type,
        "lgvrfyflg": "N",
        "curflg": CURRENT,
        "reccrdt": at,
        "crtdby": by,
    }


class MappingService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    # --- reading -------------------------------------------------------------------------

    def list_mappings(self) -> list[Mapping]:
        """Current mappings, headers only (columns are loaded by ``get``)."""
        self.actor.require("mapper", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(dms_mapr).where(dms_mapr.c.curflg == CURRENT).order_by(dms_mapr.c.mapref)
                )
                .mappings()
                .all()
            )
        return [_header(r, []) for r in rows]

    def get(self, ref: str, version: int | None = None) -> Mapping:
        self.actor.require("mapper", "view")
        with self.ws.engine.connect() as conn:
            return self._load(conn, ref, version)

    def _load(self, conn: Connection, ref: str, version: int | None = None) -> Mapping:
        query = select(dms_mapr).where(_named(ref))
        query = (
            query.where(dms_mapr.c.mapver == version)
            if version
            else query.where(dms_mapr.c.curflg == CURRENT)
        )
        row = conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(_no_mapping(ref, version))
        details = (
            conn.execute(
                select(dms_maprdtl)
                .where(dms_maprdtl.c.mapid == row["mapid"])
                .order_by(dms_maprdtl.c.excseq, dms_maprdtl.c.mapdtlid)
            )
            .mappings()
            .all()
        )
        return _header(row, [_column(d) for d in details])

    def versions(self, ref: str) -> list[Mapping]:
        """Every version, newest first, headers only."""
        self.actor.require("mapper", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(select(dms_mapr).where(_named(ref)).order_by(dms_mapr.c.mapver.desc()))
                .mappings()
                .all()
            )
        if not rows:
            raise NotFound(_no_mapping(ref))
        return [_header(r, []) for r in rows]

    # --- writing -------------------------------------------------------------------------

    def save(self, mapping: Mapping, *, expect_version: int | None = None) -> Mapping:
        """Write a new version when anything changed; returns the current mapping.

        ``expect_version`` guards against overwriting someone else's newer save.
        """
        with write_tx(self.ws.engine) as conn:
            return self.save_on(conn, mapping, expect_version=expect_version)

    def save_on(
        self, conn: Connection, mapping: Mapping, *, expect_version: int | None = None
    ) -> Mapping:
        """``save`` inside the caller's transaction (an import writes many mappings in one)."""
        if not REF_PATTERN.match(mapping.ref or ""):
            raise ValidationError(
                f"Mapping reference {mapping.ref!r} is not valid: use up to 50 letters, "
                "digits and _, starting with a letter."
            )
        _check_column_names(mapping)
        now = clock.utcnow()
        current = (
            conn.execute(
                select(dms_mapr).where(
                    func.upper(dms_mapr.c.mapref) == mapping.ref.upper(),
                    dms_mapr.c.curflg == CURRENT,
                )
            )
            .mappings()
            .first()
        )
        self.actor.require("mapper", "edit" if current else "create")
        if current is not None:
            if expect_version is not None and current["mapver"] != expect_version:
                raise AlreadyExists(
                    f"Mapping '{mapping.ref}' was saved by {current['uptdby'] or '?'} as "
                    f"version {current['mapver']} meanwhile: reload it before saving."
                )
            existing = self._load(conn, mapping.ref)
            if existing.content() == replace(mapping, ref=existing.ref).content():
                return existing
            for table in (dms_mapr, dms_maprdtl):
                conn.execute(
                    table.update()
                    .where(table.c.mapid == current["mapid"])
                    .values(curflg="N", recupdt=now)
                )
        version = (current["mapver"] + 1) if current else 1
        ref = current["mapref"] if current else mapping.ref
        saved = replace(mapping, ref=ref)
        inserted = conn.execute(
            dms_mapr.insert().values(
                mapref=ref,
                mapdesc=mapping.description,
                srcsys=mapping.source_system,
                maprsqlcd=mapping.sql_code,
                trgtbnm=mapping.table_name,
                trgtbtyp=mapping.table_type,
                trgschm=mapping.target_schema,
                frqcd=mapping.freq_code,
                blkprcrows=mapping.bulk_rows,
                trgconid=mapping.target_conid,
                srcgone=mapping.on_source_delete,
                errthrsh=mapping.error_threshold,
                mapver=version,
                lgvrfyflg="N",
                curflg=CURRENT,
                reccrdt=now,
                recupdt=now,
                crtdby=self.actor.username,
                uptdby=self.actor.username,
            )
        ).inserted_primary_key
        assert inserted is not None
        mapid = int(inserted[0])
        if saved.columns:
            conn.execute(
                dms_maprdtl.insert(),
                [
                    _detail_values(saved, mapid, col, now, self.actor.username)
                    for col in saved.columns
                ],
            )
        return self._load(conn, ref)

    def restore(self, ref: str, version: int) -> Mapping:
        """Make an old version current again, as a new version."""
        old = self.get(ref, version)
        return self.save(replace(old, mapid=None))

    def copy(self, ref: str, new_ref: str) -> Mapping:
        source = self.get(ref)
        with self.ws.engine.connect() as conn:
            if conn.execute(
                select(dms_mapr.c.mapid).where(
                    func.upper(dms_mapr.c.mapref) == new_ref.upper(), dms_mapr.c.curflg == CURRENT
                )
            ).first():
                raise AlreadyExists(f"Mapping '{new_ref}' exists: choose another reference.")
        return self.save(replace(source, ref=new_ref, mapid=None, version=0))

    def delete(self, ref: str) -> None:
        """Retire the current version (history stays); refused while a job runs it."""
        self.actor.require("mapper", "delete")
        now = clock.utcnow()
        with write_tx(self.ws.engine) as conn:
            current = self._load(conn, ref)
            jobs = (
                conn.execute(
                    select(dms_job.c.jobnm)
                    .where(
                        dms_job.c.curflg == CURRENT,
                        (func.upper(dms_job.c.mapref) == current.ref.upper())
                        | dms_job.c.jobid.in_(
                            select(dms_jobdtl.c.jobid).where(
                                func.upper(dms_jobdtl.c.mapref) == current.ref.upper(),
                                dms_jobdtl.c.curflg == CURRENT,
                            )
                        ),
                    )
                    .order_by(dms_job.c.jobnm)
                )
                .scalars()
                .all()
            )
            if jobs:
                raise ValidationError(
                    f"Mapping '{current.ref}' is run by job {', '.join(jobs)}: remove it from "
                    "the job first."
                )
            conn.execute(
                dms_mapr.update()
                .where(dms_mapr.c.mapid == current.mapid)
                .values(curflg="N", recupdt=now, uptdby=self.actor.username)
            )
            conn.execute(
                dms_maprdtl.update()
                .where(dms_maprdtl.c.mapid == current.mapid)
                .values(curflg="N", recupdt=now)
            )

    def mark_validated(self, mapid: int, ok: bool) -> None:
        """LGVRFYFLG on the version that was validated (no new version)."""
        self.actor.require("mapper", "edit")
        with write_tx(self.ws.engine) as conn:
            now = clock.utcnow()
            conn.execute(
                dms_mapr.update()
                .where(dms_mapr.c.mapid == mapid)
                .values(lgvrfyflg="Y" if ok else "N", lgvrfydt=now)
            )
            conn.execute(
                dms_maprdtl.update()
                .where(dms_maprdtl.c.mapid == mapid)
                .values(lgvrfyflg="Y" if ok else "N")
            )


def _check_column_names(mapping: Mapping) -> None:
    """The minimum a save needs (full rules live in validation): names present, unique."""
    seen: set[str] = set()
    for index, col in enumerate(mapping.columns, start=1):
        if not (col.name or "").strip():
            raise ValidationError(f"Column row {index} has no name.")
        key = col.name.strip().upper()
        if key in seen:
            raise ValidationError(f"Column {col.name} appears twice: rename one of them.")
        seen.add(key)


def diff_mappings(old: Mapping, new: Mapping) -> list[str]:
    """Human-readable differences between two versions: header fields and columns."""
    lines: list[str] = []
    fields = (
        "table_name",
        "table_type",
        "sql_code",
        "description",
        "source_system",
        "target_conid",
        "target_schema",
        "freq_code",
        "bulk_rows",
        "on_source_delete",
        "error_threshold",
    )
    for name in fields:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            lines.append(f"~ {name}: {a!r} -> {b!r}")
    before = {c.name.upper(): c for c in old.columns}
    after = {c.name.upper(): c for c in new.columns}
    for key in before.keys() - after.keys():
        lines.append(f"- column {before[key].name}")
    for key in after.keys() - before.keys():
        lines.append(f"+ column {after[key].name} {after[key].data_type}")
    attrs = (
        "data_type",
        "key",
        "key_seq",
        "description",
        "logic",
        "lookup_table",
        "key_column",
        "value_column",
        "combine",
        "exec_seq",
        "scd_type",
    )
    for key in sorted(before.keys() & after.keys()):
        for attr in attrs:
            a, b = getattr(before[key], attr), getattr(after[key], attr)
            if a != b:
                lines.append(f"~ {after[key].name}.{attr}: {a!r} -> {b!r}")
    return lines


def require_current_mapping(conn: Connection, ref: str) -> None:
    """NotFound, in ``MappingService.get``'s words, unless ``ref`` has a current version: for
    callers that act on a mapping by name before reading it (a load run by hand)."""
    found = conn.execute(
        select(dms_mapr.c.mapid).where(_named(ref), dms_mapr.c.curflg == CURRENT).limit(1)
    ).first()
    if found is None:
        raise NotFound(_no_mapping(ref))


def _named(ref: str) -> Any:
    return func.upper(dms_mapr.c.mapref) == ref.upper()


def _no_mapping(ref: str, version: int | None = None) -> str:
    which = f" version {version}" if version else ""
    return f"No mapping '{ref}'{which}: see 'dms mapping list'."

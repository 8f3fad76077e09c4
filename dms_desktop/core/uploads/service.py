"""Upload definitions in DMS_FLUPLD / DMS_FLUPLDDTL, with version history the seed's way.

Saving a change closes the current rows (``curflg='N'``) and writes the next version in one
transaction; deleting closes them. Permissions (module "uploads"): view to read, create to
save a new definition (and to run one), edit to change one, delete to delete.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from dms_desktop.core.clock import utcnow
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_dbcondtls, dms_flupld, dms_fluplddtl
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.uploads.model import (
    MODES,
    ColumnRule,
    ColumnSpec,
    UploadDef,
    options_from_text,
    options_to_text,
)
from dms_desktop.core.workspace import Workspace

CURRENT, HISTORY = "Y", "N"
Definitions = list[UploadDef]
Details = list[dict[str, Any]]
_NAME = re.compile(r"^[A-Za-z0-9][\w .()-]{0,99}$")
RULE_CHARS = 4000


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def check_definition(defn: UploadDef) -> None:
    """What a definition needs before it is stored (the file and table are checked on run)."""
    if not _NAME.match(defn.name or ""):
        raise ValidationError(
            "An upload name needs 1-100 letters, digits, spaces or . _ - ( ), starting with a "
            "letter or digit."
        )
    if defn.conid is None:
        raise ValidationError("Choose the target connection of the upload.")
    if not (defn.table or "").strip():
        raise ValidationError("Choose the target table of the upload.")
    if defn.mode not in MODES:
        raise ValidationError(f"Unknown load mode {defn.mode!r}: use APPEND, REPLACE or UPSERT.")
    if not defn.columns:
        raise ValidationError("Map at least one column before saving the upload.")
    names = [c.target.lower() for c in defn.columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError(f"Column {', '.join(repeated)} is mapped more than once.")
    if defn.mode == "UPSERT" and not defn.keys:
        raise ValidationError("Upsert needs a key: mark the column(s) that identify a row.")
    if defn.max_rejects < 0:
        raise ValidationError("The number of bad rows to skip cannot be negative.")


def _detail_values(spec: ColumnSpec, seq: int) -> dict[str, Any]:
    rules = json.dumps(spec.rule.to_json(), ensure_ascii=False, sort_keys=True)
    if len(rules) > RULE_CHARS:
        raise ValidationError(
            f"The rules of {spec.target} are too long to store ({len(rules):,} characters, at "
            f"most {RULE_CHARS:,}): shorten the value map."
        )
    return {
        "srcclnm": spec.source,
        "trgclnm": spec.target,
        "trgcldtyp": spec.data_type or None,
        "trgkeyflg": _yn(spec.key),
        "isrqrd": _yn(spec.required),
        "dfltval": spec.rule.default,
        "trnfrmrl": rules if rules != "{}" else None,
        "excseq": seq,
    }


def _spec(row: RowMapping) -> ColumnSpec:
    rule = ColumnRule.from_json(
        json.loads(row["trnfrmrl"]) if row["trnfrmrl"] else None, row["dfltval"]
    )
    return ColumnSpec(
        target=row["trgclnm"],
        source=row["srcclnm"],
        data_type=row["trgcldtyp"] or "",
        key=row["trgkeyflg"] == "Y",
        required=row["isrqrd"] == "Y",
        rule=rule,
    )


class UploadService:
    def __init__(self, ws: Workspace, actor: CurrentUser) -> None:
        self.ws = ws
        self.actor = actor

    # --- reading -------------------------------------------------------------------------

    def list(self) -> Definitions:
        self.actor.require("uploads", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(dms_flupld)
                    .where(dms_flupld.c.curflg == CURRENT)
                    .order_by(func.lower(dms_flupld.c.flupldref))
                )
                .mappings()
                .all()
            )
            return [self._load(conn, r) for r in rows]

    def get(self, name: str) -> UploadDef:
        self.actor.require("uploads", "view")
        with self.ws.engine.connect() as conn:
            return self._load(conn, self._row(conn, name))

    def versions(self, name: str) -> Definitions:
        """Every stored version, newest first."""
        self.actor.require("uploads", "view")
        with self.ws.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(dms_flupld)
                    .where(func.lower(dms_flupld.c.flupldref) == name.lower())
                    .order_by(dms_flupld.c.flupldid.desc())
                )
                .mappings()
                .all()
            )
            if not rows:
                raise NotFound(f"Upload '{name}' does not exist: see 'dms upload-def list'.")
            return [self._load(conn, r) for r in rows]

    def _row(self, conn: Connection, name: str) -> RowMapping:
        row = (
            conn.execute(
                select(dms_flupld).where(
                    func.lower(dms_flupld.c.flupldref) == name.strip().lower(),
                    dms_flupld.c.curflg == CURRENT,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"Upload '{name}' does not exist: see 'dms upload-def list'.")
        return row

    def _load(self, conn: Connection, row: RowMapping) -> UploadDef:
        details = (
            conn.execute(
                select(dms_fluplddtl)
                .where(dms_fluplddtl.c.flupldid == row["flupldid"])
                .order_by(dms_fluplddtl.c.excseq, dms_fluplddtl.c.flupldtlid)
            )
            .mappings()
            .all()
        )
        version = conn.execute(
            select(func.count()).where(
                func.lower(dms_flupld.c.flupldref) == row["flupldref"].lower(),
                dms_flupld.c.flupldid <= row["flupldid"],
            )
        ).scalar_one()
        options, max_rejects, create = options_from_text(row["flopts"])
        return UploadDef(
            name=row["flupldref"],
            description=row["fluplddesc"],
            conid=row["trgconid"],
            schema=row["trgschm"],
            table=row["trgtbnm"] or "",
            mode=row["trgmode"],
            options=options,
            file=row["flnm"] or "",
            batch_rows=int(row["ldbatchrows"] or 0) or UploadDef.batch_rows,
            max_rejects=max_rejects if row["errpolicy"] == "SKIP" else 0,
            create_table=create,
            columns=tuple(_spec(d) for d in details),
            upload_id=row["flupldid"],
            version=int(version),
            updated=row["recupdt"] or row["reccrdt"],
            updated_by=row["uptdby"] or row["crtdby"],
            last_run=row["lastrundt"],
            last_status=row["laststatus"],
        )

    # --- writing -------------------------------------------------------------------------

    def save(self, defn: UploadDef) -> UploadDef:
        """Create the definition or store a new version when anything changed."""
        defn = replace(defn, name=(defn.name or "").strip(), table=(defn.table or "").strip())
        check_definition(defn)
        details = [_detail_values(c, i) for i, c in enumerate(defn.columns, start=1)]
        header = {
            "flupldref": defn.name,
            "fluplddesc": (defn.description or "").strip() or None,
            "flnm": defn.file or None,
            "fltyp": (defn.options.kind or "CSV").upper(),
            "flopts": options_to_text(defn),
            "trgconid": defn.conid,
            "trgschm": (defn.schema or "").strip() or None,
            "trgtbnm": defn.table,
            "trgmode": defn.mode,
            "ldbatchrows": defn.batch_rows,
            "errpolicy": "SKIP" if defn.max_rejects > 0 else "ABORT",
        }
        now = utcnow()
        with write_tx(self.ws.engine) as conn:
            if not conn.execute(
                select(dms_dbcondtls.c.conid).where(
                    dms_dbcondtls.c.conid == defn.conid, dms_dbcondtls.c.curflg == CURRENT
                )
            ).first():
                raise ValidationError("The upload's connection does not exist (any more).")
            current = (
                conn.execute(
                    select(dms_flupld).where(
                        func.lower(dms_flupld.c.flupldref) == defn.name.lower(),
                        dms_flupld.c.curflg == CURRENT,
                    )
                )
                .mappings()
                .first()
            )
            if current is None:
                self.actor.require("uploads", "create")
            else:
                self.actor.require("uploads", "edit")
                if defn.upload_id is None:
                    raise AlreadyExists(
                        f"An upload named '{defn.name}' exists: choose another name or open it."
                    )
                if self._same(conn, current, header, details):
                    return self._load(conn, current)
                conn.execute(
                    dms_flupld.update()
                    .where(dms_flupld.c.flupldid == current["flupldid"])
                    .values(curflg=HISTORY, recupdt=now, uptdby=self.actor.username)
                )
                conn.execute(
                    dms_fluplddtl.update()
                    .where(dms_fluplddtl.c.flupldid == current["flupldid"])
                    .values(curflg=HISTORY, recupdt=now)
                )
            keep = (
                {"lastrundt": current["lastrundt"], "laststatus": current["laststatus"]}
                if current
                else {}
            )
            new_id = conn.execute(
                dms_flupld.insert().values(
                    **header, **keep, curflg=CURRENT, reccrdt=now, crtdby=self.actor.username
                )
            ).inserted_primary_key
            assert new_id is not None
            for detail in details:
                conn.execute(
                    dms_fluplddtl.insert().values(
                        **detail,
                        flupldid=new_id[0],
                        flupldref=defn.name,
                        curflg=CURRENT,
                        reccrdt=now,
                    )
                )
            return self._load(conn, self._row(conn, defn.name))

    def _same(
        self,
        conn: Connection,
        current: RowMapping,
        header: dict[str, Any],
        details: Details,
    ) -> bool:
        if any(current[k] != v for k, v in header.items()):
            return False
        stored = (
            conn.execute(
                select(dms_fluplddtl)
                .where(dms_fluplddtl.c.flupldid == current["flupldid"])
                .order_by(dms_fluplddtl.c.excseq)
            )
            .mappings()
            .all()
        )
        return len(stored) == len(details) and all(
            all(row[k] == v for k, v in values.items())
            for row, values in zip(stored, details, strict=True)
        )

    def delete(self, name: str) -> None:
        self.actor.require("uploads", "delete")
        now = utcnow()
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, name)
            conn.execute(
                dms_flupld.update()
                .where(dms_flupld.c.flupldid == row["flupldid"])
                .values(curflg=HISTORY, recupdt=now, uptdby=self.actor.username)
            )
            conn.execute(
                dms_fluplddtl.update()
                .where(dms_fluplddtl.c.flupldid == row["flupldid"])
                .values(curflg=HISTORY, recupdt=now)
            )

    def record_run(self, name: str, status: str, when: datetime | None = None) -> None:
        """LASTRUNDT / LASTSTATUS of the current version (no new version)."""
        self.actor.require("uploads", "view")
        with write_tx(self.ws.engine) as conn:
            row = self._row(conn, name)
            conn.execute(
                dms_flupld.update()
                .where(dms_flupld.c.flupldid == row["flupldid"])
                .values(lastrundt=when or utcnow(), laststatus=status[:20])
            )

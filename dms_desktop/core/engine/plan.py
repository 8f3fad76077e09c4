"""Compile a mapping into a load plan: the extract, the staging, the lookups, the merge.

The plan is stored in DMS_JOBFLW as SQL text per step, with the mapping version (MAPID) it
was compiled from: a run of a changed mapping recompiles it, never runs a stale plan. The
stored text is for people and audits; a run always builds its statements from the current
mapping, the same way — nothing stored is ever executed (least of all as Python).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import BindParameter, Connection, Engine, MetaData, Table, literal_column, select
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.visitors import replacement_traverse
from sqlalchemy.types import TypeEngine

from dms_desktop.core import clock
from dms_desktop.core.admin.config import settings_of
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.engine import merge, source_view
from dms_desktop.core.engine.merge import Step
from dms_desktop.core.engine.source_view import SourceView
from dms_desktop.core.engine.target import LoadShape, load_shape
from dms_desktop.core.engine.transfer import staged_columns, staging_table
from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.mapping.names import fold
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.sqlgen import transformed_query
from dms_desktop.core.mapping.validate import validate_mapping
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_jobflw
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace

PLACEHOLDER_RUN = 0


@dataclass
class LoadContext:
    """Everything a run or a plan needs, resolved once."""

    mapping: Mapping
    shape: LoadShape
    source: Engine | None  # None: the source is the target connection (no transfer)
    source_dialect: str
    target: Engine
    extract_sql: str
    chunk: int


def prepare(ws: Workspace, actor: CurrentUser, ref: str) -> LoadContext:
    """Load the current mapping, check it is valid, resolve its source and target."""
    mapping = MappingService(ws, actor).get(ref)
    if not mapping.validated:
        problems = validate_mapping(ws, actor, mapping)
        if problems:
            first, more = problems[0], len(problems) - 1
            where = f"{first.column}: " if first.column else ""
            others = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            raise ValidationError(
                f"Mapping {mapping.ref} is not valid: {where}{first.message.rstrip('. ')}"
                f"{others}. Fix it in the Mapper or see 'dms mapping validate {mapping.ref}'."
            )
    if mapping.sql_code is None or mapping.target_conid is None:
        raise ValidationError(f"Mapping {mapping.ref} needs a source SQL and a target connection.")
    query = SqlService(ws, actor).get(mapping.sql_code)
    if query.conid is None:
        raise ValidationError(f"Source SQL {query.code} has no connection.")
    connections = ConnectionService(ws, actor)
    source, source_dialect = connections.engine_and_dialect(query.conid)
    target, target_dialect = connections.engine_and_dialect(mapping.target_conid)
    extract = transformed_query(
        mapping, query.text, source_dialect, [c.name for c in query.columns]
    )
    engine_settings = settings_of(ws)  # ENGINE.* of Admin › Configuration
    high_date = datetime.combine(engine_settings["ENGINE.SCD2_HIGH_DATE"], time())
    shape = load_shape(mapping, target.dialect.name, mapping.target_schema, high_date)
    return LoadContext(
        mapping=mapping,
        shape=shape,
        source=None if query.conid == mapping.target_conid else source,
        source_dialect=source_dialect,
        target=target,
        extract_sql=extract,
        chunk=max(1000, mapping.bulk_rows or engine_settings["ENGINE.DEFAULT_BATCH_SIZE"]),
    )


def lookup_tables(conn: Connection, shape: LoadShape) -> dict[str, Table]:
    """Reflect each lookup table once (a constant number of round trips)."""
    found: dict[str, Table] = {}
    meta = MetaData()
    for col in shape.columns:
        if not col.lookup:
            continue
        name = fold(col.spec.lookup_table or "")
        schema = fold(shape.schema) if shape.schema else None
        try:
            found[col.name] = Table(
                name, meta, autoload_with=conn, schema=schema, extend_existing=True
            )
        except NoSuchTableError as exc:
            raise ValidationError(
                f"Lookup table {col.spec.lookup_table} of column {col.spec.name} does not "
                "exist on the target: load it first (e.g. run its dimension)."
            ) from exc
    return found


def lookup_key_types(lookups: dict[str, Table], shape: LoadShape) -> dict[str, TypeEngine[Any]]:
    return {
        col.name: lookups[col.name].c[(col.spec.key_column or "").lower()].type
        for col in shape.columns
        if col.lookup and col.name in lookups
    }


def render(statement: Any, engine: Engine) -> str:
    """SQL text for people, values inlined; the run timestamp shows as ``:run_ts``."""

    def placeholder(element: Any, **_kw: Any) -> Any:
        if isinstance(element, BindParameter) and element.key == merge.RUN_TS.key:
            return literal_column(":run_ts")
        return None

    opts: dict[str, Any] = {}
    shown: Any = replacement_traverse(statement, opts, placeholder)
    try:
        return str(shown.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # noqa: BLE001 - a type without a literal renderer: show the binds
        return str(shown.compile(dialect=engine.dialect))


@dataclass(frozen=True)
class PlanText:
    ref: str
    mapid: int
    version: int
    steps: list[tuple[str, str]]

    def as_text(self) -> str:
        parts = [f"-- Plan of {self.ref}, version {self.version}"]
        for number, (name, sql) in enumerate(self.steps, start=1):
            parts.append(f"\n-- {number}. {name}\n{sql.strip()};")
        return "\n".join(parts)


@dataclass(frozen=True)
class CompiledLoad:
    """A load's statements and their text, built and rendered once per run: the stored
    plan and the run log show exactly what runs (temporary staging has a fixed name, so
    the plan of one run is the plan of the next)."""

    plan: PlanText
    stage: Table  # what the merge reads: the staging table, or the source view
    view: SourceView | None  # the source read in place (source_view.py), no staging table
    lookups: dict[str, Table]
    lookup_steps: list[Step]
    merge_steps: list[Step]
    sql: dict[str, str]  # step name -> SQL text

    def text_of(self, step: Step, ctx: LoadContext) -> str:
        return self.sql.get(step.name) or render(step.statement, ctx.target)


def build_load(
    ctx: LoadContext, run_id: int, lookups: dict[str, Table], view: SourceView | None = None
) -> CompiledLoad:
    shape = ctx.shape
    if view is not None:
        stage = view.table
        reading = [("read the source in place: a view, no staging", view.ddl)]
    else:
        stage = staging_table(shape, run_id, lookup_key_types(lookups, shape))
        names = ", ".join(staged_columns(shape))
        where = (
            "in the target database"
            if ctx.source is None
            else f"on the source ({ctx.source_dialect})"
        )
        reading = [
            ("create staging table", str(CreateTable(stage).compile(dialect=ctx.target.dialect))),
            (f"extract {where} into staging ({names})", ctx.extract_sql),
        ]
    resolve = merge.lookup_steps(shape, stage, lookups)
    merging = merge.merge_steps(shape, stage)
    sql = {s.name: render(s.statement, ctx.target) for s in resolve + merging}
    assert ctx.mapping.mapid is not None
    plan = PlanText(
        ctx.mapping.ref, ctx.mapping.mapid, ctx.mapping.version, [*reading, *sql.items()]
    )
    return CompiledLoad(plan, stage, view, lookups, resolve, merging, sql)


def compile_load(ctx: LoadContext) -> CompiledLoad:
    in_place = source_view.eligible(ctx.shape, ctx.source is None, ctx.mapping.error_threshold or 0)
    with ctx.target.connect() as conn:
        lookups = lookup_tables(conn, ctx.shape)
        view = source_view.probe(conn, ctx.shape, ctx.extract_sql) if in_place else None
    return build_load(ctx, PLACEHOLDER_RUN, lookups, view)


def compile_plan(ctx: LoadContext) -> PlanText:
    return compile_load(ctx).plan


def store_plan(ws: Workspace, plan: PlanText, mapping: Mapping) -> bool:
    """Keep DMS_JOBFLW current: a new row when the mapping version or its SQL changed."""
    body = json.dumps(
        {
            "mapid": plan.mapid,
            "version": plan.version,
            "steps": [{"name": n, "sql": s} for n, s in plan.steps],
        },
        indent=1,
    )
    digest = hashlib.sha256(body.encode()).hexdigest()
    now = clock.utcnow()
    with write_tx(ws.engine) as conn:
        current = conn.execute(
            select(dms_jobflw.c.jobflwid, dms_jobflw.c.planhash).where(
                dms_jobflw.c.mapref == plan.ref, dms_jobflw.c.curflg == "Y"
            )
        ).first()
        if current is not None and current.planhash == digest:
            return False
        if current is not None:
            conn.execute(
                dms_jobflw.update()
                .where(dms_jobflw.c.jobflwid == current.jobflwid)
                .values(curflg="N", recupdt=now)
            )
        conn.execute(
            dms_jobflw.insert().values(
                mapref=plan.ref,
                mapid=plan.mapid,
                trgschm=mapping.target_schema,
                trgtbtyp=mapping.table_type,
                trgtbnm=mapping.table_name,
                dwlogic=body,
                planhash=digest,
                curflg="Y",
                reccrdt=now,
            )
        )
    return True


def stored_plan(ws: Workspace, actor: CurrentUser, ref: str) -> PlanText:
    """The current plan; recompiled (and stored) when the mapping changed since."""
    ctx = prepare(ws, actor, ref)
    with ws.engine.connect() as conn:
        row = conn.execute(
            select(dms_jobflw.c.dwlogic).where(
                dms_jobflw.c.mapref == ctx.mapping.ref,
                dms_jobflw.c.curflg == "Y",
                dms_jobflw.c.mapid == ctx.mapping.mapid,
            )
        ).scalar_one_or_none()
    if row is not None:
        data = json.loads(row)
        return PlanText(
            ctx.mapping.ref,
            data["mapid"],
            data["version"],
            [(s["name"], s["sql"]) for s in data["steps"]],
        )
    plan = compile_plan(ctx)
    store_plan(ws, plan, ctx.mapping)
    return plan

"""Schema creation, upgrade, the migrations matching tables.py, Oracle DDL compiling."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.dialects import oracle
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex, CreateSequence, CreateTable

from dms_desktop.core.metadata import migrate
from dms_desktop.core.metadata.engine import create_metadata_engine
from dms_desktop.core.metadata.tables import (
    DMS_TABLES,
    SEQUENCES,
    USER_TABLES,
    dms_mapr,
    metadata,
    roles,
    users,
)
from dms_desktop.core.workspace import Workspace, open_workspace
from tests.conftest import SettingsFactory

NOW = datetime(2026, 1, 1, 12, 0, 0)


def _table_names(ws: Workspace) -> set[str]:
    return {n.lower() for n in inspect(ws.engine).get_table_names(schema=ws.schema)}


def test_all_16_dms_and_7_user_tables_created_at_head(workspace: Workspace) -> None:
    assert len(DMS_TABLES) == 16 and len(USER_TABLES) == 7
    assert set(DMS_TABLES) | set(USER_TABLES) <= _table_names(workspace)
    assert migrate.current_revision(workspace.engine, workspace.schema) == migrate.head_revision()
    with workspace.engine.connect() as conn:
        names = conn.execute(select(roles.c.role_name)).scalars().all()
    assert sorted(names) == ["Admin", "Developer", "Operator", "Viewer"]


def test_seed_columns_of_mapr_maprdtl_jobsch_exist(workspace: Workspace) -> None:
    seed = {
        "dms_mapr": "MAPID MAPREF MAPDESC SRCSYS TRGTBNM TRGTBTYP TRGSCHM FRQCD BLKPRCROWS "
        "TRGCONID CURFLG RECCRDT RECUPDT",
        "dms_maprdtl": "MAPDTLID MAPREF TRGCLNM TRGCLDTYP TRGKEYFLG TRGKEYSEQ TRGCLDESC MAPLOGIC "
        "KEYCLNM VALCLNM MAPCMBCD EXCSEQ SCDTYP LGVRFYFLG CURFLG",
        "dms_jobsch": "JOBSCHID JOBID MAPREF FRQCD FRQDD FRQHH FRQMI ENABLEFLG DPND_JOBSCHID "
        "STRDT ENDDT CURFLG",
    }
    inspector = inspect(workspace.engine)
    for table, cols in seed.items():
        present = {c["name"].upper() for c in inspector.get_columns(table, schema=workspace.schema)}
        assert set(cols.split()) <= present, table


def test_migrations_produce_exactly_the_tables_module(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        if workspace.schema:  # autogenerate compares the default schema
            conn.exec_driver_sql(f'SET search_path TO "{workspace.schema}"')
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "version_table": migrate.VERSION_TABLE,
                "include_schemas": False,
            },
        )
        diffs = [
            d
            for d in compare_metadata(ctx, metadata)
            if not (
                isinstance(d, tuple)
                and d[0] in ("add_index", "remove_index")
                and d[1].name.startswith("ux_")
            )
        ]
    # ux_ indexes exist in two dialect variants of one name; checked by behaviour below.
    assert diffs == []


def test_mapref_unique_among_current_rows_only(workspace: Workspace) -> None:
    row = {"mapref": "MAP_CUST", "trgtbtyp": "DIMENSION", "reccrdt": NOW}
    with workspace.engine.begin() as conn:
        conn.execute(insert(dms_mapr).values(**row, curflg="N"))
        conn.execute(insert(dms_mapr).values(**row, curflg="N"))  # history may repeat
        conn.execute(insert(dms_mapr).values(**row, curflg="Y"))
    with pytest.raises(IntegrityError), workspace.engine.begin() as conn:
        conn.execute(insert(dms_mapr).values(**row, curflg="Y"))
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dms_mapr)).scalar_one() == 3


def test_seed_sequences_exist_on_postgresql(workspace: Workspace, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no sequences; it uses its rowid")
    names = {s.lower() for s in inspect(workspace.engine).get_sequence_names(workspace.schema)}
    assert {"dwmaprseq", "dwmaprdtlseq", "dwmaprsqlseq", "dwmaperrseq"} <= names
    with workspace.engine.begin() as conn:
        first = conn.execute(
            insert(dms_mapr).values(mapref="A", trgtbtyp="FACT", reccrdt=NOW)
        ).inserted_primary_key[0]
        nextval = conn.execute(text(f"SELECT nextval('{workspace.schema}.dwmaprseq')")).scalar()
    assert nextval == first + 1


def test_upgrade_of_an_older_workspace_keeps_data(
    make_settings: SettingsFactory, backend: str
) -> None:
    settings = make_settings()
    engine = create_metadata_engine(settings.sqlalchemy_url(), settings.dms_schema)
    migrate.upgrade(engine, settings.dms_schema, "0001")  # an older release's workspace
    with engine.begin() as conn:
        conn.execute(insert(users).values(username="old", password_hash="x", created_at=NOW))
        assert conn.execute(select(func.count()).select_from(roles)).scalar_one() == 0
    engine.dispose()

    ws = open_workspace(settings)
    try:
        assert migrate.current_revision(ws.engine, ws.schema) == migrate.head_revision()
        with ws.engine.connect() as conn:
            assert conn.execute(select(users.c.username)).scalars().all() == ["old"]
            assert conn.execute(select(func.count()).select_from(roles)).scalar_one() == 4
        if backend == "sqlite":
            assert ws.backup_path is not None and ws.backup_path.exists()
            assert ".bak-0001-" in ws.backup_path.name
            backup = create_metadata_engine(
                settings.sqlalchemy_url().set(database=str(ws.backup_path))
            )
            assert migrate.current_revision(backup) == "0001"
            backup.dispose()
    finally:
        ws.close()


def test_upgrade_refused_when_not_allowed(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    engine = create_metadata_engine(settings.sqlalchemy_url(), settings.dms_schema)
    migrate.upgrade(engine, settings.dms_schema, "0001")
    engine.dispose()
    from dms_desktop.core.errors import MetadataUnavailable

    with pytest.raises(MetadataUnavailable, match="needs an upgrade"):
        open_workspace(settings, upgrade=False)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_missing_sqlite_workspace_is_named_and_not_created(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """`dms status` (or the scheduler) on a mistyped path: say so, leave no empty file."""
    from dms_desktop.core.errors import MetadataUnavailable

    missing = tmp_path / "typo.db"
    settings = make_settings(DMS_METADATA_URL=f"sqlite:///{missing}")
    with pytest.raises(MetadataUnavailable, match=f"No workspace at {missing}: create it with"):
        open_workspace(settings, upgrade=False)
    assert not missing.exists()


def test_every_table_index_and_sequence_compiles_for_oracle() -> None:
    dialect = oracle.dialect()
    for seq in SEQUENCES:
        assert "CREATE SEQUENCE" in str(CreateSequence(seq).compile(dialect=dialect))
    for table in metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert f"CREATE TABLE {table.name}" in ddl
        assert "DATE" not in ddl.replace("RECUPDT", "")  # timestamps stay TIMESTAMP
        for index in table.indexes:
            if index._ddl_if is None or "oracle" in str(index._ddl_if.dialect):
                str(CreateIndex(index).compile(dialect=dialect))
    mapr_ux = [
        i
        for i in dms_mapr.indexes
        if i.name == "ux_dms_mapr_cur" and "oracle" in str(i._ddl_if.dialect)
    ]
    assert "CASE WHEN" in str(CreateIndex(mapr_ux[0]).compile(dialect=dialect))


def test_oracle_migration_sql_compiles(tmp_path: Path) -> None:
    """Run the migrations in offline mode for Oracle: every statement must render."""
    import io

    from alembic import command

    buffer = io.StringIO()
    cfg = migrate._config()
    cfg.output_buffer = buffer
    cfg.attributes["connection"] = None
    cfg.attributes["offline_url"] = "oracle+oracledb://"
    cfg.attributes["schema"] = "dwt"
    command.upgrade(cfg, "head", sql=True)
    sql = buffer.getvalue()
    for name in (*DMS_TABLES, *USER_TABLES):
        assert f"CREATE TABLE {name} (" in sql
    assert "CREATE SEQUENCE dwmaprseq" in sql
    assert "CASE WHEN curflg = 'Y' THEN mapref END" in sql

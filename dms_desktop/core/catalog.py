"""What a source database holds: schemas, tables and views, columns; words for autocomplete.

Each call asks the database afresh through a new SQLAlchemy inspector, so the schema browser
loads one tree node at a time and always shows the current state. Autocomplete words are
costlier (every column of a schema) and change rarely: they are cached per engine and schema
until ``refresh()``.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

from sqlalchemy import Engine, inspect
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.engine.reflection import Inspector, ObjectKind
from sqlalchemy.exc import DBAPIError, NoSuchTableError

from dms_desktop.core.errors import DmsError, NotFound, describe_db_error
from dms_desktop.core.sqlstore.validate import sqlglot_dialect

T = TypeVar("T")


@dataclass(frozen=True)
class TableInfo:
    name: str
    kind: str  # 'table' | 'view'


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    nullable: bool
    primary_key: bool


class CompletionWords(TypedDict):
    keywords: list[str]
    functions: list[str]
    schemas: list[str]
    tables: list[str]
    columns: dict[str, list[str]]  # table -> its columns


_WORDS: weakref.WeakKeyDictionary[Engine, dict[str | None, CompletionWords]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def dialect_keywords(dialect: str, engine: Engine | None = None) -> list[str]:
    """Keywords of the dialect: sqlglot's tokenizer words plus the driver's reserved words."""
    from sqlglot.dialects.dialect import Dialect

    words = {
        w.upper()
        for w in Dialect.get_or_raise(sqlglot_dialect(dialect)).tokenizer_class.KEYWORDS
        if w.replace(" ", "").replace("_", "").isalpha()
    }
    if engine is not None:
        words |= {w.upper() for w in engine.dialect.preparer.reserved_words}
    return sorted(words)


def dialect_functions(dialect: str) -> list[str]:
    from sqlglot.dialects.dialect import Dialect

    functions = Dialect.get_or_raise(sqlglot_dialect(dialect)).parser_class.FUNCTIONS
    return sorted(f for f in functions if f.replace("_", "").isalnum())


class Catalog:
    def __init__(self, engine: Engine, dialect: str) -> None:
        self.engine = engine
        self.dialect = dialect

    def _ask(self, what: str, work: Callable[[Inspector], T]) -> T:
        try:
            return work(inspect(self.engine))
        except NoSuchTableError as exc:
            raise NotFound(f"{what}: {exc} does not exist (any more).") from exc
        except DBAPIError as exc:
            raise DmsError(f"Cannot read {what}: {describe_db_error(exc)}") from exc

    def default_schema(self) -> str | None:
        return self._ask("the default schema", lambda i: i.default_schema_name)

    def schemas(self) -> list[str]:
        return self._ask("the schemas", lambda i: sorted(i.get_schema_names()))

    def tables(self, schema: str | None) -> list[TableInfo]:
        """Tables then views (materialized views count as views), each by name."""

        def work(insp: Inspector) -> list[TableInfo]:
            out = [TableInfo(t, "table") for t in sorted(insp.get_table_names(schema))]
            views = set(insp.get_view_names(schema))
            with contextlib.suppress(NotImplementedError):
                views |= set(insp.get_materialized_view_names(schema))
            return out + [TableInfo(v, "view") for v in sorted(views)]

        return self._ask(f"the tables of {schema or 'the default schema'}", work)

    def columns(self, schema: str | None, table: str) -> list[ColumnInfo]:
        def work(insp: Inspector) -> list[ColumnInfo]:
            columns = insp.get_columns(table, schema)
            try:
                keys = set(insp.get_pk_constraint(table, schema).get("constrained_columns") or ())
            except NotImplementedError:
                keys = set()
            # SQLite reports its INTEGER PRIMARY KEY (the rowid) as nullable: a key never is.
            return [
                ColumnInfo(
                    c["name"],
                    self._type(c),
                    bool(c.get("nullable", True)) and c["name"] not in keys,
                    c["name"] in keys,
                )
                for c in columns
            ]

        return self._ask(f"the columns of {table}", work)

    def _type(self, column: ReflectedColumn) -> str:
        kind: Any = column["type"]
        try:
            return str(kind.compile(dialect=self.engine.dialect))
        except Exception:  # noqa: BLE001 - an exotic type still gets a name
            return type(kind).__name__

    # --- autocomplete ----------------------------------------------------------------------

    def completion_words(self, schema: str | None = None) -> CompletionWords:
        """Keywords, functions, schemas, tables and columns; cached until ``refresh()``."""
        with _LOCK:
            cached = _WORDS.get(self.engine, {}).get(schema)
        if cached is not None:
            return cached
        words = self._load_words(schema)
        with _LOCK:
            _WORDS.setdefault(self.engine, {})[schema] = words
        return words

    def refresh(self) -> None:
        """Forget the cached words of this engine (after DDL, or on the user's request)."""
        with _LOCK:
            _WORDS.pop(self.engine, None)

    def _load_words(self, schema: str | None) -> CompletionWords:
        def work(insp: Inspector) -> CompletionWords:
            tables = sorted(set(insp.get_table_names(schema)) | set(insp.get_view_names(schema)))
            try:
                multi = insp.get_multi_columns(schema=schema, kind=ObjectKind.ANY)
                columns = {key[1]: [c["name"] for c in cols] for key, cols in multi.items()}
            except NotImplementedError:
                columns = {t: [c["name"] for c in insp.get_columns(t, schema)] for t in tables}
            return CompletionWords(
                keywords=dialect_keywords(self.dialect, self.engine),
                functions=dialect_functions(self.dialect),
                schemas=sorted(insp.get_schema_names()),
                tables=tables,
                columns=columns,
            )

        return self._ask("the names for autocomplete", work)

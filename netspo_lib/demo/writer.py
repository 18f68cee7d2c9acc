"""Bulk inserts in chunks, parents before children, with explicit ids.

Rows are plain dicts with every column given, so no Python-side default (such as the
wall-clock ``created_at``) ever runs. A table's pending rows are flushed only after the
pending rows of every table it references, so foreign keys hold on both engines.

For speed the rows go to the driver as tuples, converted exactly as SQLAlchemy would
store them (on SQLite: dates and timestamps as its ISO text, booleans as integers), so the
ORM reads them back unchanged: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on
PostgreSQL with psycopg (one round trip per chunk instead of one per row).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from netspo_lib.models import Base

Row = dict[str, Any]
Converter = Callable[[Any], Any]


def _sqlite_datetime(v: datetime) -> str:
    """SQLAlchemy's SQLite text of a timestamp, ``strftime("%Y-%m-%d %H:%M:%S.%f")``.

    ``isoformat(" ")`` gives the same text 5–10 times faster for a naive timestamp of a
    four-digit year, except that it leaves out a zero microsecond part."""
    if v.tzinfo is None and v.year >= 1000:
        text = v.isoformat(" ")
        return text if v.microsecond else text + ".000000"
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(v: date) -> str:
    return v.isoformat()


def _converter(column: sa.Column, dialect: str) -> Converter | None:
    """How a Python value of ``column`` is handed to the driver (None: as it is)."""
    t = column.type
    if isinstance(t, sa.Enum):
        return str
    if dialect != "sqlite":
        return None
    if isinstance(t, sa.DateTime):
        return _sqlite_datetime
    if isinstance(t, sa.Date):
        return _sqlite_date
    if isinstance(t, sa.Boolean):
        return int
    return None


class _Statement:
    """The INSERT of one table in the driver's parameter style, and its converters."""

    def __init__(self, table: sa.Table, conn: Connection) -> None:
        dialect = conn.dialect
        quote = dialect.identifier_preparer.quote
        self.columns = [c.name for c in table.columns]
        self.copy_sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN"
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in self.columns)}) "
            f"VALUES ({', '.join(mark for _ in self.columns)})"
        )
        self.get = itemgetter(*self.columns)
        self.convert = [(i, f) for i, c in enumerate(table.columns) if (f := _converter(c, dialect.name))]

    def params(self, rows: list[Row]) -> list[tuple[Any, ...]]:
        get, convert = self.get, self.convert
        if not convert:
            return [get(r) for r in rows]
        out = []
        for r in rows:
            values = list(get(r))
            for i, f in convert:
                v = values[i]
                if v is not None:
                    values[i] = f(v)
            out.append(tuple(values))
        return out


class Sink:
    """A fast buffer of one table: rows are tuples in ``columns`` order whose values the
    caller has already converted (``BulkWriter.ts`` and ``BulkWriter.day``)."""

    def __init__(self, writer: BulkWriter, table: sa.Table, columns: tuple[str, ...]) -> None:
        self.writer = writer
        self.name = table.name
        quote = writer.conn.dialect.identifier_preparer.quote
        mark = "?" if writer.conn.dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(mark for _ in columns)})"
        )
        self.copy_sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        self.rows: list[tuple[Any, ...]] = []

    def append(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.writer.chunk:
            self.writer.flush(self.name)

    def check(self) -> None:
        """Flush when full: after a hot loop appended to ``rows`` directly (``flush``
        replaces the list, so such a loop takes ``rows`` afresh after each check)."""
        if len(self.rows) >= self.writer.chunk:
            self.writer.flush(self.name)


class BulkWriter:
    """Buffers rows per table and writes them with executemany in chunks."""

    def __init__(self, conn: Connection, chunk: int = 10_000) -> None:
        self.conn = conn
        self.chunk = chunk
        self.pending: dict[str, list[Row]] = {}
        self.sinks: dict[str, Sink] = {}
        self.counts: Counter[str] = Counter()
        self.tables = Base.metadata.tables
        self.parents = {
            name: sorted({fk.column.table.name for fk in table.foreign_keys} - {name})
            for name, table in self.tables.items()
        }
        if conn.dialect.paramstyle not in ("qmark", "format", "pyformat"):  # pragma: no cover
            raise RuntimeError(f"unsupported DB-API parameter style {conn.dialect.paramstyle}")
        self.statements: dict[str, _Statement] = {}
        self.sqlite = conn.dialect.name == "sqlite"
        self._ts_cache: dict[datetime, str] = {}
        driver = conn.connection.dbapi_connection
        self.copy = (
            conn.dialect.name == "postgresql"
            and hasattr(driver, "cursor")
            and hasattr(driver.cursor(), "copy")
        )

    # --- values for sinks ---------------------------------------------------------------
    def ts(self, v: datetime) -> Any:
        """A timestamp as the driver gets it from SQLAlchemy."""
        if not self.sqlite:
            return v
        s = self._ts_cache.get(v)
        if s is None:
            if len(self._ts_cache) > 200_000:
                self._ts_cache.clear()
            s = self._ts_cache[v] = _sqlite_datetime(v)
        return s

    def day(self, v: date) -> Any:
        return v.isoformat() if self.sqlite else v

    def sink(self, model: type[Base], columns: tuple[str, ...]) -> Sink:
        name = model.__tablename__
        if name not in self.sinks:
            self.sinks[name] = Sink(self, self.tables[name], columns)
        return self.sinks[name]

    # --- dict rows ----------------------------------------------------------------------
    def add(self, model: type[Base], row: Row) -> None:
        name = model.__tablename__
        rows = self.pending.get(name)
        if rows is None:
            rows = self.pending[name] = []
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush(name)

    def extend(self, model: type[Base], rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(model, row)

    def _has_pending(self, name: str) -> bool:
        sink = self.sinks.get(name)
        return bool(self.pending.get(name)) or bool(sink and sink.rows)

    def flush(self, name: str | None = None) -> None:
        """Write the pending rows of ``name`` (after its parents'), or of every table."""
        if name is None:
            for table_name in [*self.pending, *self.sinks]:
                self.flush(table_name)
            return
        for parent in self.parents[name]:
            if self._has_pending(parent):
                self.flush(parent)
        rows = self.pending.pop(name, None)
        if rows:
            stmt = self.statements.get(name)
            if stmt is None:
                stmt = self.statements[name] = _Statement(self.tables[name], self.conn)
            self._write(stmt.sql, stmt.copy_sql, stmt.params(rows))
            self.counts[name] += len(rows)
        sink = self.sinks.get(name)
        if sink and sink.rows:
            values, sink.rows = sink.rows, []
            self._write(sink.sql, sink.copy_sql, values)
            self.counts[name] += len(values)

    def _write(self, insert_sql: str, copy_sql: str, values: list[tuple[Any, ...]]) -> None:
        if not self.copy:
            self.conn.exec_driver_sql(insert_sql, values)
            return
        driver = self.conn.connection.dbapi_connection
        with driver.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)


def reset_sequences(conn: Connection) -> None:
    """On PostgreSQL, move each ``id`` sequence past the explicit ids the demo wrote."""
    if conn.dialect.name != "postgresql":
        return
    for name, table in Base.metadata.tables.items():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].name != "id" or not isinstance(pk[0].type, sa.Integer):
            continue
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"
            )
        )

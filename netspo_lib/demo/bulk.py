"""A bulk load into an empty database: without the secondary indexes and (on SQLite) the
triggers while the rows go in, both re-created from the database's own definitions after.

An index built by one sort of the loaded table is much cheaper than an index updated row
by row, and on SQLite every guard trigger (``netspo_lib.triggers``) runs a program per
row. Only for a database no one else writes to meanwhile (the demo build, which refuses a
database that holds data): the rows loaded are not checked by the triggers, which guard
writes to locked periods and frozen marks (an empty database has neither).

Everything is taken from the database itself, not from the models, so an index or a
trigger a later migration adds is handled too:

* SQLite: ``sqlite_master`` (``sql`` as created) — every trigger, and every index with
  ``sql`` that is not UNIQUE (the indexes of PRIMARY KEY and UNIQUE constraints stay);
* PostgreSQL: the non-unique indexes that back no constraint (``pg_get_indexdef``). The
  triggers stay: they are statement-level (one check per COPY), cheap in bulk.

All of it runs in the caller's transaction: DDL is transactional on both engines, so a
build that fails rolls the dropped definitions back with its rows. On SQLite the
transaction must be open before the first DDL (:func:`begin`): the driver (``sqlite3``)
opens one by itself only before an INSERT, UPDATE or DELETE, so a DROP before it would be
committed at once.

SQLite's connection settings for the build (:func:`build_settings`): a large page cache,
and foreign keys and CHECK constraints not enforced row by row; :func:`check_constraints`
checks them all at the end instead, and a violation rolls the whole build back. A CHECK
``x IN ('a', 'b', …)`` costs SQLite an ephemeral table built per row of an
``executemany`` (6 s of the 5,000-student college's 1.9 million marks); checked by one
SELECT per table, it is built once. The foreign keys: ``PRAGMA foreign_key_check``, about
a second. PostgreSQL enforces both during the COPY, as always.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Connection

# SQLite pragmas of the build's connection: 256 MB of page cache keep the loaded tables'
# pages in memory; foreign keys and CHECK constraints are checked once at the end
# (check_constraints).
SQLITE_BUILD_PRAGMAS = {"cache_size": -262144, "foreign_keys": 0, "ignore_check_constraints": 1}


@contextmanager
def build_settings(conn: Connection) -> Iterator[None]:
    """On SQLite, set :data:`SQLITE_BUILD_PRAGMAS` on ``conn`` for the block and restore
    the previous values after it (the connection goes back to the pool). To be entered
    outside a transaction: ``foreign_keys`` cannot change inside one."""
    if conn.dialect.name != "sqlite":
        yield
        return
    saved = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in SQLITE_BUILD_PRAGMAS}
    for name, value in SQLITE_BUILD_PRAGMAS.items():
        conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
    conn.commit()  # ends SQLAlchemy's autobegun transaction (SQLite has none open)
    try:
        yield
    finally:
        if conn.in_transaction():  # pragma: no cover - the caller's block ended it
            conn.rollback()
        for name, value in saved.items():
            conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
        conn.commit()


def begin(conn: Connection) -> None:
    """Open the database transaction now, before any DDL (SQLite; a no-op elsewhere).
    ``IMMEDIATE`` takes the write lock at once: nobody writes until the build ends."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def check_constraints(conn: Connection) -> None:
    """Raise when a row breaks a CHECK constraint or refers to a row that does not exist
    (SQLite: the checks the build did not make per row; PostgreSQL made them all)."""
    if conn.dialect.name != "sqlite":
        return
    tables = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL ORDER BY rowid"
    ).all()
    quote = conn.dialect.identifier_preparer.quote
    for name, sql in tables:
        checks = check_expressions(sql)
        if not checks:
            continue
        broken = conn.exec_driver_sql(
            f"SELECT count(*) FROM {quote(name)} WHERE {' OR '.join(f'NOT ({c})' for c in checks)}"
        ).scalar()
        if broken:
            raise RuntimeError(f"{broken} demo rows of {name} break its CHECK constraints")
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise RuntimeError(f"demo rows refer to missing rows (table, rowid, parent, fk): {broken}")


_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)


def check_expressions(create_table: str) -> list[str]:
    """The expressions of the CHECK constraints of a CREATE TABLE statement (SQLite's
    text of it): what follows each CHECK keyword, up to its closing parenthesis."""
    out: list[str] = []
    i, n = 0, len(create_table)
    while i < n:
        ch = create_table[i]
        if ch in "'\"`[":  # a literal or a quoted name: skip it whole
            end = "]" if ch == "[" else ch
            i = create_table.index(end, i + 1) + 1
            while ch != "[" and i < n and create_table[i] == end:  # a doubled quote
                i = create_table.index(end, i + 1) + 1
            continue
        match = _CHECK.match(create_table, i)
        if match is None or (i and (create_table[i - 1].isalnum() or create_table[i - 1] == "_")):
            i += 1
            continue
        start = j = match.end()
        depth = 1
        while depth:
            c = create_table[j]
            if c in "'\"`[":
                end = "]" if c == "[" else c
                j = create_table.index(end, j + 1) + 1
                while c != "[" and j < n and create_table[j] == end:
                    j = create_table.index(end, j + 1) + 1
                continue
            depth += (c == "(") - (c == ")")
            j += 1
        out.append(create_table[start : j - 1].strip())
        i = j
    return out


@dataclass(frozen=True)
class _Object:
    kind: str  # "index" or "trigger"
    name: str
    table: str
    sql: str


def _sqlite_objects(conn: Connection) -> list[_Object]:
    rows = conn.exec_driver_sql(
        "SELECT m.type, m.name, m.tbl_name, m.sql FROM sqlite_master m"
        " WHERE m.sql IS NOT NULL AND (m.type = 'trigger' OR (m.type = 'index' AND NOT EXISTS"
        ' (SELECT 1 FROM pragma_index_list(m.tbl_name) il WHERE il.name = m.name AND il."unique")))'
        " ORDER BY m.rowid"
    )
    return [_Object(*r) for r in rows]


def _pg_objects(conn: Connection) -> list[_Object]:
    rows = conn.exec_driver_sql(
        "SELECT 'index', ic.relname, tc.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid"
        " WHERE tc.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        " AND tc.relkind = 'r' AND NOT i.indisunique AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY ic.oid"
    )
    return [_Object(*r) for r in rows]


def deferred_objects(conn: Connection) -> list[_Object]:
    """The indexes (and triggers) :func:`loading` drops, in the order they were created."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return _sqlite_objects(conn)
    if dialect == "postgresql":
        return _pg_objects(conn)
    return []  # pragma: no cover - only the two supported engines


@contextmanager
def loading(conn: Connection) -> Iterator[None]:
    """Drop the secondary indexes (and SQLite's triggers) for the block; re-create them
    after it, indexes first, each from its stored definition and in its original order.
    On an error the caller's transaction is to be rolled back (which restores them)."""
    objects = deferred_objects(conn)
    quote = conn.dialect.identifier_preparer.quote
    for obj in reversed(objects):
        conn.exec_driver_sql(f"DROP {obj.kind.upper()} {quote(obj.name)}")
    yield
    for kind in ("index", "trigger"):
        for obj in objects:
            if obj.kind == kind:
                conn.exec_driver_sql(obj.sql)

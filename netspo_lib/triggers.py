"""The database's own guard of the regulation's rules: triggers that refuse raw SQL writes
the library would refuse too, so a script, a console or a bug cannot get around them.

* R-4.2.e: a period lock in force refuses every INSERT, UPDATE and DELETE of marks,
  attendance, lessons and final grades of that period and group (a lock without a group
  covers all groups);
* R-4.10.b: once a final grade of (student, discipline, period) exists, that student's
  current marks of the discipline in the period are frozen;
* the audit trail is append-only: UPDATE, DELETE (and TRUNCATE on PostgreSQL) of
  ``audit_events`` are refused.

A lock is in force when ``unlocked_at IS NULL OR relock_at <= <database local now>``:
``LOCALTIMESTAMP`` on PostgreSQL (``db.make_engine`` sets the session time zone to the
college's, ``clock.college_tz()``), ``datetime('now', 'localtime')`` on SQLite (the local
time of the process's operating system: the machine is assumed to run on college time).
The library (``netspo_lib.locks``) checks the same rule with ``clock.now()`` before it
writes; the triggers are the backstop, so a few hours of clock skew on SQLite only move
the moment a temporary unlock ends for raw SQL.

SQLite checks each row in BEFORE INSERT/UPDATE/DELETE triggers. PostgreSQL checks each
statement in AFTER ... FOR EACH STATEMENT triggers over its transition tables (one join
per statement, so bulk loads stay fast); the refusal aborts the whole statement, so
nothing it wrote remains either way. The audit trail is guarded row by row, BEFORE.

Refusals carry a code the library recognises (``refusals.trigger_code``):
``netspo:period_locked``, ``netspo:marks_frozen``, ``netspo:audit_immutable`` — SQLite
``RAISE(ABORT, ...)`` (an ``IntegrityError``), PostgreSQL ``RAISE EXCEPTION ... USING
ERRCODE = 'P0001'`` (an ``InternalError``).

This module is the one home of the DDL: migration 0003 calls :func:`install`, and
``Base.metadata.create_all`` installs it through the ``after_create`` hook below. On
SQLite, a later migration that rebuilds one of these tables in batch mode drops its
triggers: such a migration must call :func:`install` again (it is idempotent), and
``tests/test_locks.py`` checks that the head revision has every trigger.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from netspo_lib.models.base import Base

PERIOD_LOCKED = "period_locked"
MARKS_FROZEN = "marks_frozen"
AUDIT_IMMUTABLE = "audit_immutable"

# The tables guarded, in the order their triggers are created.
GUARDED = ("lessons", "marks", "attendance", "final_grades", "audit_events")

# --- SQLite ----------------------------------------------------------------------------
_SQLITE_NOW = "datetime('now', 'localtime')"


def _sqlite_lock(period: str, group: str) -> str:
    """A condition: a lock is in force for the period and group expressions."""
    return (
        "EXISTS (SELECT 1 FROM period_locks pl"
        f" WHERE pl.period_id = {period} AND (pl.group_id IS NULL OR pl.group_id = {group})"
        f" AND (pl.unlocked_at IS NULL OR pl.relock_at <= {_SQLITE_NOW}))"
    )


def _sqlite_lesson_lock(row: str) -> str:
    """A lock is in force for the lesson of a mark or attendance row."""
    return (
        "EXISTS (SELECT 1 FROM lessons ls JOIN period_locks pl ON pl.period_id = ls.period_id"
        " AND (pl.group_id IS NULL OR pl.group_id = ls.group_id)"
        f" WHERE ls.id = {row}.lesson_id"
        f" AND (pl.unlocked_at IS NULL OR pl.relock_at <= {_SQLITE_NOW}))"
    )


def _sqlite_frozen(row: str) -> str:
    """A final grade exists for the mark's student, its lesson's discipline and period."""
    return (
        "EXISTS (SELECT 1 FROM lessons ls JOIN final_grades fg"
        " ON fg.curriculum_item_id = ls.curriculum_item_id AND fg.period_id = ls.period_id"
        f" WHERE ls.id = {row}.lesson_id AND fg.student_id = {row}.student_id)"
    )


def _raise_if(code: str, condition: str) -> str:
    return f"SELECT RAISE(ABORT, 'netspo:{code}') WHERE {condition};"


def _sqlite_rows(op: str) -> tuple[str, ...]:
    """The row aliases a trigger of ``op`` must check: the old row, the new one, or both."""
    return {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[op]


def _sqlite_body(table: str, op: str) -> list[str]:
    checks: list[str] = []
    for row in _sqlite_rows(op):
        if table == "lessons":
            checks.append(_raise_if(PERIOD_LOCKED, _sqlite_lock(f"{row}.period_id", f"{row}.group_id")))
        elif table in ("marks", "attendance"):
            checks.append(_raise_if(PERIOD_LOCKED, _sqlite_lesson_lock(row)))
        elif table == "final_grades":
            group = f"(SELECT s.group_id FROM students s WHERE s.id = {row}.student_id)"
            checks.append(_raise_if(PERIOD_LOCKED, _sqlite_lock(f"{row}.period_id", group)))
    if table == "marks":  # after the lock checks: a lock is the stronger, wider reason
        checks += [_raise_if(MARKS_FROZEN, _sqlite_frozen(row)) for row in _sqlite_rows(op)]
    if table == "audit_events":
        checks.append(f"SELECT RAISE(ABORT, 'netspo:{AUDIT_IMMUTABLE}');")
    return checks


_OPS = {"INSERT": "bi", "UPDATE": "bu", "DELETE": "bd"}


def _sqlite_triggers() -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, CREATE TRIGGER statement)."""
    result: dict[str, tuple[str, str]] = {}
    for table in GUARDED:
        ops = ("UPDATE", "DELETE") if table == "audit_events" else ("INSERT", "UPDATE", "DELETE")
        for op in ops:
            name = f"netspo_{table}_{_OPS[op]}"
            body = "\n  ".join(_sqlite_body(table, op))
            result[name] = (
                table,
                f"CREATE TRIGGER {name} BEFORE {op} ON {table} FOR EACH ROW\nBEGIN\n  {body}\nEND",
            )
    return result


# --- PostgreSQL ------------------------------------------------------------------------
# Statement-level AFTER triggers over the transition tables (the rows a statement wrote):
# one join per statement instead of a function call per row keeps bulk loads (COPY of
# the demo's half a million marks) fast; a refusal still aborts the whole statement.
_PG_NOW = "LOCALTIMESTAMP"
_PG_IN_FORCE = f"(pl.unlocked_at IS NULL OR pl.relock_at <= {_PG_NOW})"
_PG_RAISE = "RAISE EXCEPTION 'netspo:{code}' USING ERRCODE = 'P0001'"


def _pg_locked_rows(table: str, rows: str) -> str:
    """A query that finds a row of the transition table ``rows`` under a lock in force."""
    if table == "lessons":
        source = f"{rows} r JOIN period_locks pl ON pl.period_id = r.period_id"
        group = "r.group_id"
    elif table in ("marks", "attendance"):
        source = (
            f"{rows} r JOIN lessons ls ON ls.id = r.lesson_id"
            " JOIN period_locks pl ON pl.period_id = ls.period_id"
        )
        group = "ls.group_id"
    else:  # final_grades: the group is the student's
        source = (
            f"{rows} r JOIN students s ON s.id = r.student_id"
            " JOIN period_locks pl ON pl.period_id = r.period_id"
        )
        group = "s.group_id"
    return f"SELECT 1 FROM {source} AND (pl.group_id IS NULL OR pl.group_id = {group}) WHERE {_PG_IN_FORCE}"


def _pg_frozen_rows(rows: str) -> str:
    """A query that finds a mark of the transition table whose final grade is set."""
    return (
        f"SELECT 1 FROM {rows} r JOIN lessons ls ON ls.id = r.lesson_id"
        " JOIN final_grades fg ON fg.student_id = r.student_id"
        " AND fg.curriculum_item_id = ls.curriculum_item_id AND fg.period_id = ls.period_id"
    )


def _pg_check(condition: str, code: str) -> str:
    return f"    IF EXISTS ({condition}) THEN\n      {_PG_RAISE.format(code=code)};\n    END IF;"


def _pg_guard_function(table: str) -> str:
    """The trigger function of a guarded table: lock checks first, then frozen marks."""
    checks = [
        ("TG_OP IN ('INSERT', 'UPDATE')", "new_rows", PERIOD_LOCKED),
        ("TG_OP IN ('UPDATE', 'DELETE')", "old_rows", PERIOD_LOCKED),
    ]
    if table == "marks":
        checks += [
            ("TG_OP IN ('INSERT', 'UPDATE')", "new_rows", MARKS_FROZEN),
            ("TG_OP IN ('UPDATE', 'DELETE')", "old_rows", MARKS_FROZEN),
        ]
    body = []
    for when, rows, code in checks:
        query = _pg_locked_rows(table, rows) if code == PERIOD_LOCKED else _pg_frozen_rows(rows)
        body.append(f"  IF {when} THEN\n{_pg_check(query, code)}\n  END IF;")
    joined = "\n".join(body)
    return (
        f"CREATE OR REPLACE FUNCTION netspo_guard_{table}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        f"BEGIN\n{joined}\n  RETURN NULL;\nEND\n$body$"
    )


_PG_STATEMENT_GUARDED = ("lessons", "marks", "attendance", "final_grades")

_PG_FUNCTIONS: dict[str, str] = {
    **{f"netspo_guard_{t}()": _pg_guard_function(t) for t in _PG_STATEMENT_GUARDED},
    "netspo_guard_audit_events()": (
        "CREATE OR REPLACE FUNCTION netspo_guard_audit_events() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        f"BEGIN\n  {_PG_RAISE.format(code=AUDIT_IMMUTABLE)};\nEND\n$body$"
    ),
}

PG_REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def _pg_triggers() -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, CREATE TRIGGER statement)."""
    result: dict[str, tuple[str, str]] = {}
    for table in _PG_STATEMENT_GUARDED:
        for op, referencing in PG_REFERENCING.items():
            name = f"netspo_{table}_a{_OPS[op][1]}"
            result[name] = (
                table,
                f"CREATE TRIGGER {name} AFTER {op} ON {table} {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION netspo_guard_{table}()",
            )
    # The audit trail: every row refused before it changes, and TRUNCATE too.
    result["netspo_audit_events_guard"] = (
        "audit_events",
        "CREATE TRIGGER netspo_audit_events_guard BEFORE UPDATE OR DELETE ON audit_events"
        " FOR EACH ROW EXECUTE FUNCTION netspo_guard_audit_events()",
    )
    result["netspo_audit_events_no_truncate"] = (
        "audit_events",
        "CREATE TRIGGER netspo_audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
        " FOR EACH STATEMENT EXECUTE FUNCTION netspo_guard_audit_events()",
    )
    return result


# --- install / uninstall ---------------------------------------------------------------
def trigger_names(dialect: str) -> list[str]:
    """Names of the triggers :func:`install` creates on a dialect."""
    return list(_triggers(dialect))


def _existing_tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


Triggers = dict[str, tuple[str, str]]  # name → (table, CREATE TRIGGER …)


def sqlite_row_triggers(bodies: dict[str, tuple[str, str, list[str]]]) -> Triggers:
    """SQLite's CREATE TRIGGER statements of ``bodies``: name → (table, when — «AFTER
    INSERT», or a whole clause naming its table with « ON » —, the statements run for
    each row). The summaries' triggers are written this way."""
    result: Triggers = {}
    for name, (table, when, body) in bodies.items():
        if " ON " not in when:
            when = f"{when} ON {table} FOR EACH ROW"
        joined = "\n  ".join(body)
        result[name] = (table, f"CREATE TRIGGER {name} {when}\nBEGIN\n  {joined}\nEND")
    return result


def create_triggers(connection: Connection, triggers: Triggers, functions: Iterable[str] = ()) -> None:
    """Create (or re-create) ``triggers`` on the tables that exist, after the PostgreSQL
    ``functions`` (their CREATE OR REPLACE statements) they call. The one home of the loop
    the guard triggers and the summaries install with."""
    postgres = connection.dialect.name == "postgresql"
    tables = _existing_tables(connection)
    if postgres:
        for ddl in functions:
            connection.exec_driver_sql(ddl)
    for name, (table, ddl) in triggers.items():
        if table not in tables:
            continue
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        connection.exec_driver_sql(ddl)


def drop_triggers(connection: Connection, triggers: Triggers, functions: Iterable[str] = ()) -> None:
    """Drop ``triggers``, then the PostgreSQL ``functions`` (their signatures), if present."""
    postgres = connection.dialect.name == "postgresql"
    tables = _existing_tables(connection)
    for name, (table, _ddl) in triggers.items():
        if not postgres:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        elif table in tables:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    if postgres:
        for signature in functions:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature}")


def _triggers(dialect: str) -> Triggers:
    if dialect == "postgresql":
        return _pg_triggers()
    if dialect == "sqlite":
        return _sqlite_triggers()
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover - two engines only


def install(connection: Connection) -> None:
    """Create (or re-create) every trigger on the tables that exist; idempotent."""
    create_triggers(connection, _triggers(connection.dialect.name), _PG_FUNCTIONS.values())


def uninstall(connection: Connection) -> None:
    """Drop every trigger and function :func:`install` created (migration downgrade)."""
    drop_triggers(connection, _triggers(connection.dialect.name), reversed(list(_PG_FUNCTIONS)))


def triggers_in_database(connection: Connection) -> set[str]:
    """Names of every trigger of the current schema (SQLite: of the database)."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal"
            " AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        )
    else:
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {r[0] for r in rows}


def installed(connection: Connection) -> set[str]:
    """Names of this module's triggers present in the database (for checks and tests)."""
    return triggers_in_database(connection) & set(trigger_names(connection.dialect.name))


def _after_create(target: Any, connection: Connection, **kw: Any) -> None:
    """``create_all`` gets the same triggers as the migrations."""
    install(connection)


def _before_drop(target: Any, connection: Connection, **kw: Any) -> None:
    uninstall(connection)


sa.event.listen(Base.metadata, "after_create", _after_create)
sa.event.listen(Base.metadata, "before_drop", _before_drop)

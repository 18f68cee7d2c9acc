"""The attendance summaries (``attendance_group_days``, ``attendance_student_days``; issue 8)
kept current by the database: every INSERT, UPDATE and DELETE of ``attendance``,
``lessons`` or ``subgroup_members`` updates them in the same transaction, whoever writes
(the library, an import, a console). The 5,000-student college-year's 620,000 absences
become 48,000 group days and 455,000 student days, so the attendance dashboards read a
few key ranges instead of joining every absence to its lesson.

* SQLite: row triggers (AFTER). An absence written adds its hours to its day rows (an
  upsert); removed or changed, its hours are taken off (a day row with nothing left is
  removed). A lesson added or removed recounts its day's ``lessons_had``; a lesson moved
  to another day, group or subgroup has both days recomputed from the journal; a
  subgroup membership change recounts the student's ``lessons_had``.
* PostgreSQL: statement triggers over the transition tables (one grouped upsert per
  statement, so bulk loads stay fast), the same rules. Concurrent writers of the same day
  wait for each other's row; a deadlock reaches the user as a write conflict.

A third summary, ``attendance_student_months`` (migration 0009), sums the student days
per group, month (its first day) and student, with ``full_days``, the month's full days
missed: a semester's 190,000 student days become ~25,000 month rows, so the per-student
and per-group sums of a date range read whole months there and only the partial months
at its edges from the days (``reports.attendance.student_sums``). It follows the student
days through triggers on ``attendance_student_days`` itself (whose rows change only
through the triggers above and :func:`rebuild`): SQLite row triggers, fired nested (a
row's contribution added, the old one taken off, a month with nothing left removed);
PostgreSQL statement triggers over the transition tables, fired after each statement of
the functions above.

The rows are exactly what :func:`rebuild` computes from the journal (tests compare them
after every kind of write on both engines). :func:`bypass` makes the analytics compute
from the journal itself: the straightforward computation the summaries must equal, and
the benchmarks' reference; it bypasses the final-grade summaries
(``netspo_lib.grade_summaries``) too. :func:`suspended` drops the triggers of both during
a bulk load (the demo build) and rebuilds both once at the end. The DDL's one home is
here: migrations 0006 and 0009 and ``create_all`` (through the hook below, which installs the
final-grade summaries' triggers as well) call :func:`install`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from netspo_lib import grade_summaries
from netspo_lib.enums import AttendanceCode
from netspo_lib.models.base import Base
from netspo_lib.models.summary import CODES, SUM_COLUMNS
from netspo_lib.triggers import (
    PG_REFERENCING,
    Triggers,
    create_triggers,
    drop_triggers,
    sqlite_row_triggers,
    triggers_in_database,
)

GROUP_DAYS = "attendance_group_days"
STUDENT_DAYS = "attendance_student_days"
STUDENT_MONTHS = "attendance_student_months"
SUMS = list(SUM_COLUMNS)
# The codes of a missed lesson (what a full day missed counts; reports.attendance.MISSED).
MISSED_CODES = (AttendanceCode.EXCUSED.value, AttendanceCode.SICK.value, AttendanceCode.UNEXCUSED.value)

_enabled: ContextVar[bool] = ContextVar("netspo_summaries", default=True)


def enabled() -> bool:
    """Whether the analytics read the summaries (the default) or the journal itself."""
    return _enabled.get()


@contextmanager
def bypass() -> Iterator[None]:
    """Compute from the journal (attendance joined to lessons) and from the final grades
    themselves inside the block, and count the activity per role in SQL: the straightforward
    answers the tests and the benchmarks' DuckDB references compare the fast ones with."""
    token = _enabled.set(False)
    try:
        yield
    finally:
        _enabled.reset(token)


# --- SQL pieces --------------------------------------------------------------------------
def _values(row: str, sign: str = "") -> list[str]:
    """The h_/n_ values one attendance row ``row`` (NEW, OLD or an alias) contributes."""
    out = []
    for code in CODES:
        out.append(f"{sign}CASE WHEN {row}.code = '{code}' THEN {row}.hours ELSE 0 END")
        out.append(f"{sign}CASE WHEN {row}.code = '{code}' THEN 1 ELSE 0 END")
    return out


def _sums(row: str) -> list[str]:
    """The h_/n_ sums of attendance rows aliased ``row`` (zero where there are none)."""
    return [f"COALESCE(SUM({v}), 0)" for v in _values(row)]


def _added(table: str) -> str:
    """``SET`` list of an upsert: each sum plus the incoming one."""
    return ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in SUMS)


_COLS = ", ".join(SUMS)


def _named_sums(row: str) -> str:
    """``<sum> AS h_excused, …`` over attendance rows aliased ``row``."""
    return ", ".join(f"{s} AS {c}" for s, c in zip(_sums(row), SUMS, strict=True))


_TOTAL = " + ".join(f"n_{code}" for code in CODES)
_T_TOTAL = " + ".join(f"t.n_{code}" for code in CODES)


def lessons_had(group: str, day: str, student: str) -> str:
    """SQL: the lessons the student had in the group that day — the whole group's and
    those of the student's subgroups (what a full day missed is measured against)."""
    return (
        "(SELECT count(*) FROM lessons l2 WHERE l2.group_id = "
        f"{group} AND l2.lesson_date = {day} AND (l2.subgroup_id IS NULL OR EXISTS"
        " (SELECT 1 FROM subgroup_members sm WHERE sm.subgroup_id = l2.subgroup_id"
        f" AND sm.student_id = {student})))"
    )


def _student_days_from_journal(where: str) -> str:
    """Student days of the attendance rows whose lessons ``ls`` match ``where``."""
    return (
        f"INSERT INTO {STUDENT_DAYS} (group_id, lesson_date, student_id, {_COLS}, lessons_had)"
        f" SELECT ls.group_id, ls.lesson_date, a.student_id, {', '.join(_sums('a'))},"
        f" {lessons_had('ls.group_id', 'ls.lesson_date', 'a.student_id')}"
        f" FROM attendance a JOIN lessons ls ON ls.id = a.lesson_id WHERE {where}"
        " GROUP BY ls.group_id, ls.lesson_date, a.student_id"
    )


def _group_days_from_journal(where: str) -> str:
    """Group days of the attendance rows whose lessons ``ls`` match ``where``."""
    return (
        f"INSERT INTO {GROUP_DAYS} (group_id, lesson_date, {_COLS})"
        f" SELECT ls.group_id, ls.lesson_date, {', '.join(_sums('a'))}"
        f" FROM attendance a JOIN lessons ls ON ls.id = a.lesson_id WHERE {where}"
        " GROUP BY ls.group_id, ls.lesson_date"
    )


def _refresh_had(where: str) -> str:
    """Recount ``lessons_had`` of the student days matching ``where`` (on the table)."""
    t = STUDENT_DAYS
    return (
        f"UPDATE {t} SET lessons_had = {lessons_had(f'{t}.group_id', f'{t}.lesson_date', f'{t}.student_id')}"
        f" WHERE {where}"
    )


def _day_key(table: str, group: str, day: str) -> str:
    return f"{table}.group_id = {group} AND {table}.lesson_date = {day}"


def month_of(day: str, dialect: str) -> str:
    """SQL: the first day of the month of the date expression ``day`` (a DATE)."""
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {day}) AS date)"
    return f"date({day}, 'start of month')"


def full_day(row: str) -> str:
    """SQL: 1 when student day row ``row`` is a full day missed (the missed lessons reach
    the lessons the student had, at least one), else 0 (reports.attendance.full_day_count)."""
    missed = " + ".join(f"{row}.n_{code}" for code in MISSED_CODES)
    return f"CASE WHEN {row}.lessons_had > 0 AND {missed} >= {row}.lessons_had THEN 1 ELSE 0 END"


_MONTH_SUMS = [*SUMS, "full_days"]
_MONTH_COLS = ", ".join(_MONTH_SUMS)


def _month_values(row: str) -> list[str]:
    """What student day row ``row`` contributes to its month row, in :data:`_MONTH_SUMS` order."""
    return [*(f"{row}.{c}" for c in SUMS), full_day(row)]


def months_statements(dialect: str) -> list[str]:
    """Recompute the student months from the student days."""
    month = month_of("d.lesson_date", dialect)
    sums = ", ".join(f"SUM({v})" for v in _month_values("d"))
    return [
        f"DELETE FROM {STUDENT_MONTHS}",
        f"INSERT INTO {STUDENT_MONTHS} (group_id, month, student_id, {_MONTH_COLS})"
        f" SELECT d.group_id, {month}, d.student_id, {sums} FROM {STUDENT_DAYS} d"
        f" GROUP BY d.group_id, {month}, d.student_id",
    ]


def rebuild_statements(dialect: str = "sqlite", *, months: bool = True) -> list[str]:
    """Recompute the summaries from the journal (the student months from the student days
    when ``months``). The months are emptied first, so that their triggers (if installed)
    find nothing to update while the days are rewritten, and recomputed last."""
    return [
        *([f"DELETE FROM {STUDENT_MONTHS}"] if months else []),
        f"DELETE FROM {STUDENT_DAYS}",
        f"DELETE FROM {GROUP_DAYS}",
        _student_days_from_journal("1 = 1"),
        _group_days_from_journal("1 = 1"),
        *(months_statements(dialect) if months else []),
    ]


# --- SQLite ------------------------------------------------------------------------------
def _sqlite_lesson_of(row: str) -> str:
    return f"FROM lessons ls WHERE ls.id = {row}.lesson_id"


def _sqlite_add(row: str) -> list[str]:
    """Add attendance row ``row`` to its student day and group day."""
    values = ", ".join(_values(row))
    had = lessons_had("ls.group_id", "ls.lesson_date", f"{row}.student_id")
    return [
        f"INSERT INTO {STUDENT_DAYS} (group_id, lesson_date, student_id, {_COLS}, lessons_had)"
        f" SELECT ls.group_id, ls.lesson_date, {row}.student_id, {values}, {had} {_sqlite_lesson_of(row)}"
        f" ON CONFLICT (group_id, lesson_date, student_id) DO UPDATE SET {_added(STUDENT_DAYS)};",
        f"INSERT INTO {GROUP_DAYS} (group_id, lesson_date, {_COLS})"
        f" SELECT ls.group_id, ls.lesson_date, {values} {_sqlite_lesson_of(row)}"
        f" ON CONFLICT (group_id, lesson_date) DO UPDATE SET {_added(GROUP_DAYS)};",
    ]


def _sqlite_take(row: str) -> list[str]:
    """Take attendance row ``row`` off its student day and group day (removed when empty)."""
    taken = ", ".join(f"{c} = {c} - ({v})" for c, v in zip(SUMS, _values(row), strict=True))
    key = f"(group_id, lesson_date) = (SELECT ls.group_id, ls.lesson_date {_sqlite_lesson_of(row)})"
    student = f"{key} AND student_id = {row}.student_id"
    return [
        f"UPDATE {STUDENT_DAYS} SET {taken} WHERE {student};",
        f"DELETE FROM {STUDENT_DAYS} WHERE {student} AND {_TOTAL} = 0;",
        f"UPDATE {GROUP_DAYS} SET {taken} WHERE {key};",
        f"DELETE FROM {GROUP_DAYS} WHERE {key} AND {_TOTAL} = 0;",
    ]


def _sqlite_recompute_day(row: str) -> list[str]:
    """Recompute both summaries for the group and day of lesson row ``row``."""
    group, day = f"{row}.group_id", f"{row}.lesson_date"
    return [
        f"DELETE FROM {STUDENT_DAYS} WHERE {_day_key(STUDENT_DAYS, group, day)};",
        f"DELETE FROM {GROUP_DAYS} WHERE {_day_key(GROUP_DAYS, group, day)};",
        _student_days_from_journal(_day_key("ls", group, day)) + ";",
        _group_days_from_journal(_day_key("ls", group, day)) + ";",
    ]


def _member_had(row: str) -> str:
    """Recount the student days a subgroup membership row ``row`` bears on."""
    return (
        _refresh_had(
            f"{STUDENT_DAYS}.group_id IN (SELECT ls.group_id FROM lessons ls"
            f" WHERE ls.subgroup_id = {row}.subgroup_id) AND {STUDENT_DAYS}.student_id = {row}.student_id"
        )
        + ";"
    )


def _month_key(row: str, dialect: str) -> str:
    month = month_of(f"{row}.lesson_date", dialect)
    return f"group_id = {row}.group_id AND month = {month} AND student_id = {row}.student_id"


_MONTH_TOTAL = " + ".join(f"n_{code}" for code in CODES)


def _sqlite_month_add(row: str) -> str:
    """Add student day ``row`` to its month row (an upsert)."""
    added = ", ".join(f"{c} = {STUDENT_MONTHS}.{c} + excluded.{c}" for c in _MONTH_SUMS)
    return (
        f"INSERT INTO {STUDENT_MONTHS} (group_id, month, student_id, {_MONTH_COLS})"
        f" VALUES ({row}.group_id, {month_of(f'{row}.lesson_date', 'sqlite')}, {row}.student_id,"
        f" {', '.join(_month_values(row))})"
        f" ON CONFLICT (group_id, month, student_id) DO UPDATE SET {added};"
    )


def _sqlite_month_take(row: str) -> list[str]:
    """Take student day ``row`` off its month row (removed when nothing is left)."""
    taken = ", ".join(f"{c} = {c} - ({v})" for c, v in zip(_MONTH_SUMS, _month_values(row), strict=True))
    key = _month_key(row, "sqlite")
    return [
        f"UPDATE {STUDENT_MONTHS} SET {taken} WHERE {key};",
        f"DELETE FROM {STUDENT_MONTHS} WHERE {key} AND {_MONTH_TOTAL} = 0;",
    ]


def _sqlite_month_triggers() -> dict[str, tuple[str, str, list[str]]]:
    """The student months follow the student days (whose rows change only through the
    triggers above and :func:`rebuild`; SQLite fires these nested)."""
    return {
        "netspo_sum_student_days_ai": (STUDENT_DAYS, "AFTER INSERT", [_sqlite_month_add("NEW")]),
        "netspo_sum_student_days_ad": (STUDENT_DAYS, "AFTER DELETE", _sqlite_month_take("OLD")),
        # Added first, then taken: a month row left with nothing is removed.
        "netspo_sum_student_days_au": (
            STUDENT_DAYS,
            "AFTER UPDATE",
            [_sqlite_month_add("NEW"), *_sqlite_month_take("OLD")],
        ),
    }


def _sqlite_triggers() -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, CREATE TRIGGER statement)."""
    moved = (
        "OLD.group_id IS NOT NEW.group_id OR OLD.lesson_date IS NOT NEW.lesson_date"
        " OR OLD.subgroup_id IS NOT NEW.subgroup_id"
    )
    bodies = {
        "netspo_sum_attendance_ai": ("attendance", "AFTER INSERT", _sqlite_add("NEW")),
        "netspo_sum_attendance_ad": ("attendance", "AFTER DELETE", _sqlite_take("OLD")),
        "netspo_sum_attendance_au": (
            "attendance",
            "AFTER UPDATE OF lesson_id, student_id, code, hours",
            [*_sqlite_take("OLD"), *_sqlite_add("NEW")],
        ),
        # A lesson added or removed changes what the day's students had.
        "netspo_sum_lessons_ai": (
            "lessons",
            "AFTER INSERT",
            [_refresh_had(_day_key(STUDENT_DAYS, "NEW.group_id", "NEW.lesson_date")) + ";"],
        ),
        "netspo_sum_lessons_ad": (
            "lessons",
            "AFTER DELETE",
            [_refresh_had(_day_key(STUDENT_DAYS, "OLD.group_id", "OLD.lesson_date")) + ";"],
        ),
        "netspo_sum_lessons_au": (
            "lessons",
            f"AFTER UPDATE OF group_id, lesson_date, subgroup_id ON lessons FOR EACH ROW WHEN {moved}",
            [*_sqlite_recompute_day("OLD"), *_sqlite_recompute_day("NEW")],
        ),
        # A student joining or leaving a subgroup changes the lessons the student had in
        # the groups of that subgroup's lessons.
        "netspo_sum_subgroup_members_ai": ("subgroup_members", "AFTER INSERT", [_member_had("NEW")]),
        "netspo_sum_subgroup_members_ad": ("subgroup_members", "AFTER DELETE", [_member_had("OLD")]),
        "netspo_sum_subgroup_members_au": (
            "subgroup_members",
            "AFTER UPDATE",
            [_member_had("OLD"), _member_had("NEW")],
        ),
        **_sqlite_month_triggers(),
    }
    return sqlite_row_triggers(bodies)


# --- PostgreSQL --------------------------------------------------------------------------
def _pg_grouped(rows: str) -> str:
    """Per student day: the h_/n_ sums of the transition table ``rows``."""
    return (
        f"SELECT ls.group_id, ls.lesson_date, r.student_id, {_named_sums('r')}"
        f" FROM {rows} r JOIN lessons ls ON ls.id = r.lesson_id"
        " GROUP BY ls.group_id, ls.lesson_date, r.student_id"
    )


def _pg_add(rows: str) -> list[str]:
    grouped = _pg_grouped(rows)
    had = lessons_had("g.group_id", "g.lesson_date", "g.student_id")
    return [
        f"INSERT INTO {STUDENT_DAYS} (group_id, lesson_date, student_id, {_COLS}, lessons_had)"
        f" SELECT g.*, {had} FROM ({grouped}) g ORDER BY 1, 2, 3"
        f" ON CONFLICT (group_id, lesson_date, student_id) DO UPDATE SET {_added(STUDENT_DAYS)};",
        f"INSERT INTO {GROUP_DAYS} (group_id, lesson_date, {_COLS})"
        f" SELECT g.group_id, g.lesson_date, {', '.join(f'SUM(g.{c})' for c in SUMS)}"
        f" FROM ({grouped}) g GROUP BY g.group_id, g.lesson_date ORDER BY 1, 2"
        f" ON CONFLICT (group_id, lesson_date) DO UPDATE SET {_added(GROUP_DAYS)};",
    ]


def _pg_take(rows: str) -> list[str]:
    grouped = _pg_grouped(rows)
    taken = ", ".join(f"{c} = t.{c} - g.{c}" for c in SUMS)
    student_key = "t.group_id = g.group_id AND t.lesson_date = g.lesson_date AND t.student_id = g.student_id"
    day_key = "t.group_id = g.group_id AND t.lesson_date = g.lesson_date"
    day_sums = ", ".join(f"SUM(g.{c}) AS {c}" for c in SUMS)
    days = (
        f"(SELECT g.group_id, g.lesson_date, {day_sums} FROM ({grouped}) g"
        " GROUP BY g.group_id, g.lesson_date)"
    )
    return [
        f"UPDATE {STUDENT_DAYS} t SET {taken} FROM ({grouped}) g WHERE {student_key};",
        f"DELETE FROM {STUDENT_DAYS} t USING ({grouped}) g WHERE {student_key} AND {_T_TOTAL} = 0;",
        f"UPDATE {GROUP_DAYS} t SET {taken} FROM {days} g WHERE {day_key};",
        f"DELETE FROM {GROUP_DAYS} t USING {days} g WHERE {day_key} AND {_T_TOTAL} = 0;",
    ]


def _pg_recompute_days(days: str) -> list[str]:
    """Recompute both summaries for the (group_id, lesson_date) pairs of query ``days``."""
    among = f"IN (SELECT group_id, lesson_date FROM ({days}) k)"
    keys = f"(ls.group_id, ls.lesson_date) {among}"
    return [
        f"DELETE FROM {STUDENT_DAYS} t WHERE (t.group_id, t.lesson_date) {among};",
        f"DELETE FROM {GROUP_DAYS} t WHERE (t.group_id, t.lesson_date) {among};",
        _student_days_from_journal(keys) + ";",
        _group_days_from_journal(keys) + ";",
    ]


def _pg_month_grouped(rows: str) -> str:
    """Per student month: the sums of the student days of transition table ``rows``."""
    month = month_of("r.lesson_date", "postgresql")
    sums = ", ".join(f"SUM({v}) AS {c}" for v, c in zip(_month_values("r"), _MONTH_SUMS, strict=True))
    return (
        f"SELECT r.group_id, {month} AS month, r.student_id, {sums} FROM {rows} r"
        f" GROUP BY r.group_id, {month}, r.student_id"
    )


def _pg_month_body() -> str:
    key = "t.group_id = g.group_id AND t.month = g.month AND t.student_id = g.student_id"
    taken = ", ".join(f"{c} = t.{c} - g.{c}" for c in _MONTH_SUMS)
    added = ", ".join(f"{c} = {STUDENT_MONTHS}.{c} + excluded.{c}" for c in _MONTH_SUMS)
    old, new = _pg_month_grouped("old_rows"), _pg_month_grouped("new_rows")
    return (
        "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
        f"    UPDATE {STUDENT_MONTHS} t SET {taken} FROM ({old}) g WHERE {key};\n"
        f"    DELETE FROM {STUDENT_MONTHS} t USING ({old}) g WHERE {key} AND {_T_TOTAL} = 0;\n"
        "  END IF;\n  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
        f"    INSERT INTO {STUDENT_MONTHS} (group_id, month, student_id, {_MONTH_COLS})"
        f" SELECT g.* FROM ({new}) g ORDER BY 1, 2, 3"
        f" ON CONFLICT (group_id, month, student_id) DO UPDATE SET {added};\n"
        "  END IF;"
    )


def _pg_functions() -> dict[str, str]:
    att_body = (
        "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n    "
        + "\n    ".join(_pg_take("old_rows"))
        + "\n  END IF;\n  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n    "
        + "\n    ".join(_pg_add("new_rows"))
        + "\n  END IF;"
    )
    changed = (
        "o.group_id IS DISTINCT FROM n.group_id OR o.lesson_date IS DISTINCT FROM n.lesson_date"
        " OR o.subgroup_id IS DISTINCT FROM n.subgroup_id"
    )
    pairs = f"FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}"
    moved = f"SELECT o.group_id, o.lesson_date {pairs} UNION SELECT n.group_id, n.lesson_date {pairs}"
    day_of = f"({STUDENT_DAYS}.group_id, {STUDENT_DAYS}.lesson_date) IN (SELECT group_id, lesson_date FROM"
    lesson_body = (
        "  IF TG_OP = 'INSERT' THEN\n    "
        + _refresh_had(f"{day_of} new_rows)")
        + ";\n  ELSIF TG_OP = 'DELETE' THEN\n    "
        + _refresh_had(f"{day_of} old_rows)")
        + ";\n  ELSE\n    "
        + "\n    ".join(_pg_recompute_days(moved))
        + "\n  END IF;"
    )

    def members(rows: str) -> str:
        return _refresh_had(
            f"{STUDENT_DAYS}.group_id IN (SELECT ls.group_id FROM lessons ls"
            f" WHERE ls.subgroup_id IN (SELECT subgroup_id FROM {rows}))"
            f" AND {STUDENT_DAYS}.student_id IN (SELECT student_id FROM {rows})"
        )

    member_body = (
        "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n    "
        + members("old_rows")
        + ";\n  END IF;\n  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n    "
        + members("new_rows")
        + ";\n  END IF;"
    )
    out = {}
    for table, body in (
        ("attendance", att_body),
        ("lessons", lesson_body),
        ("subgroup_members", member_body),
        (STUDENT_DAYS, _pg_month_body()),
    ):
        name = f"netspo_sum_{table}()"
        out[name] = (
            f"CREATE OR REPLACE FUNCTION {name} RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            f"BEGIN\n{body}\n  RETURN NULL;\nEND\n$body$"
        )
    return out


_WATCHED = ("attendance", "lessons", "subgroup_members")
# The student months follow the student days (nested statement triggers).
_MONTH_WATCHED = (STUDENT_DAYS,)


def _pg_triggers() -> dict[str, tuple[str, str]]:
    result = {}
    for table in (*_WATCHED, *_MONTH_WATCHED):
        for op, referencing in PG_REFERENCING.items():
            short = "student_days" if table == STUDENT_DAYS else table
            name = f"netspo_sum_{short}_a{op[0].lower()}"
            result[name] = (
                table,
                f"CREATE TRIGGER {name} AFTER {op} ON {table} {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION netspo_sum_{table}()",
            )
    return result


# --- install / rebuild -------------------------------------------------------------------
def _triggers(dialect: str) -> Triggers:
    return _pg_triggers() if dialect == "postgresql" else _sqlite_triggers()


def trigger_names(dialect: str) -> list[str]:
    """Names of the triggers :func:`install` creates on a dialect."""
    return list(_triggers(dialect))


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def install(connection: Connection) -> None:
    """Create (or re-create) the summary triggers; idempotent. The summaries must match
    the journal when it is called (:func:`rebuild` otherwise)."""
    tables = _tables(connection)
    if not {GROUP_DAYS, STUDENT_DAYS, *_WATCHED} <= tables:
        return
    triggers = _triggers(connection.dialect.name)
    if STUDENT_MONTHS not in tables:  # before migration 0009: the days' triggers only
        triggers = {k: v for k, v in triggers.items() if v[0] not in _MONTH_WATCHED}
    create_triggers(connection, triggers, _pg_functions().values())


def uninstall(connection: Connection) -> None:
    """Drop the summary triggers (and functions); the summaries then fall behind."""
    drop_triggers(connection, _triggers(connection.dialect.name), _pg_functions())


def rebuild(connection: Connection) -> None:
    """Recompute the summaries from the journal (after a bulk load without triggers): the
    days, then the student months from them (when their table exists: migration 0009)."""
    months = STUDENT_MONTHS in _tables(connection)
    for statement in rebuild_statements(connection.dialect.name, months=months):
        connection.exec_driver_sql(statement)


def rebuild_months(connection: Connection) -> None:
    """Recompute the student months from the student days (migration 0009)."""
    for statement in months_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@contextmanager
def suspended(connection: Connection) -> Iterator[None]:
    """Write the journal and the final grades in bulk without the summary triggers (of
    both summaries); rebuild once at the end. Only for a database no one else writes to
    meanwhile (the demo build)."""
    uninstall(connection)
    grade_summaries.uninstall(connection)
    yield
    rebuild(connection)
    grade_summaries.rebuild(connection)
    install(connection)
    grade_summaries.install(connection)


def installed(connection: Connection) -> set[str]:
    """Names of this module's triggers present in the database."""
    return triggers_in_database(connection) & set(trigger_names(connection.dialect.name))


def _after_create(target: Any, connection: Connection, **kw: Any) -> None:
    install(connection)
    grade_summaries.install(connection)


def _before_drop(target: Any, connection: Connection, **kw: Any) -> None:
    uninstall(connection)
    grade_summaries.uninstall(connection)


sa.event.listen(Base.metadata, "after_create", _after_create)
sa.event.listen(Base.metadata, "before_drop", _before_drop)

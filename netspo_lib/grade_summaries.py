"""The final-grade summaries (``final_grade_students``, ``final_grade_groups``,
``final_grade_cells``; issue 8) kept current by the database: every INSERT, UPDATE and
DELETE of ``final_grades``, and every change of a student's group or ``left_on``, updates
them in the same transaction, whoever writes (the library, an import, a console). SQLite
has no hash aggregate, so grouping a semester's 41,000 final grades of a 5,000-student
college by student or by group × discipline is a sort no index avoids; the dashboards
read a few hundred group rows or ≈ 2,000 heat-map cells instead.

* ``final_grade_students``: per student × period, the count of each result. A group's
  students (``performance_by(by="student")``) join it to the students and the periods at
  query time for the rule «still enrolled when the period ended» (``left_on IS NULL OR
  left_on > ends_on``): nothing here depends on a student's group or ``left_on``.
* ``final_grade_groups``: per period × group × ``left_on`` of the students (``NOT_LEFT``,
  9999-12-31, for a student who has not left), the sums of the students' rows: the
  counts of each result and of students with a counted result, progressing, of quality
  (the Metrics section's per-student rules, see :func:`_flags`) — ``performance_by``
  of a college, department, specialty, course or group and ``performance_trend``.
* ``final_grade_cells``: per period × group × curriculum item × ``left_on``, the count of
  each result: the heat map.

Groups and cells count under the student's *current* group, as the straightforward
computation joins ``students.group_id`` now. ``left_on`` is in their key rather than
applied when a grade is written, so the enrolment rule stays a query-time filter
(``left_on > ends_on``): a change of a period's ``ends_on`` (the library never changes it;
a console might) needs no trigger, and a student's transfer, leaving or return is one
move of that student's counts from one key to another (a trigger on ``students``).
Students who left add a few rows; most are of ``NOT_LEFT``.

* SQLite: row triggers (AFTER); PostgreSQL: statement triggers over the transition tables
  (one grouped upsert per statement, so bulk writes stay fast). Both run the same SQL:
  the rows a write touched are summed per key of a summary and added (an upsert) or taken
  off (a row left with no grade is removed); on SQLite the "rows" are the one row ``NEW``
  or ``OLD`` as a one-row subquery. An UPDATE on PostgreSQL takes off only the old rows
  that changed (``EXCEPT ALL``) and adds only the new ones. The final grades' triggers
  keep the students and the cells; the groups follow each change of the students' rows
  (triggers on ``final_grade_students``).

The rows are exactly what :func:`rebuild` computes from ``final_grades`` (tests compare
them after every kind of write on both engines). ``summaries.bypass()`` makes the
analytics compute from the final grades themselves; ``summaries.suspended()`` drops these
triggers too during a bulk load and rebuilds once at the end. The DDL's one home is here:
migration 0008 and ``create_all`` (through the hook of ``netspo_lib.summaries``) call
:func:`install`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from netspo_lib.enums import RESULT_CODES, FinalResult
from netspo_lib.models.grade_summary import COUNT_COLUMNS, NOT_LEFT, STUDENT_COLUMNS
from netspo_lib.triggers import (
    PG_REFERENCING,
    create_triggers,
    drop_triggers,
    sqlite_row_triggers,
    triggers_in_database,
)

STUDENTS = "final_grade_students"
GROUPS = "final_grade_groups"
CELLS = "final_grade_cells"
COUNTS = list(COUNT_COLUMNS)

_TOTAL = " + ".join(COUNTS)
_WATCHED = ("final_grades", STUDENTS, "students")


# --- SQL pieces --------------------------------------------------------------------------
def _flags() -> list[str]:
    """Over a student's counts ``x``: has a counted result (any but «осв.»), is progressing
    (besides, no «2», «н/а», «незачёт»), is a quality student (besides, no «3» and some «5»
    or «4»): the Metrics section's counts of students."""
    counted = " + ".join(f"x.n_{r.value}" for r in FinalResult if r is not FinalResult.EXEMPT)
    fails = " + ".join(
        f"x.n_{r.value}" for r in (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
    )
    has = f"{counted} > 0"
    progressing = f"{has} AND {fails} = 0"
    quality = f"{progressing} AND x.n_3 = 0 AND x.n_5 + x.n_4 > 0"
    return [f"CASE WHEN {c} THEN 1 ELSE 0 END" for c in (has, progressing, quality)]


# Per summary table: its key, its columns, and each column's value in a row ``x`` of the
# rows it summarises (final grades with a ``result``; the students table's rows).
_RESULT_VALUES = [f"CASE WHEN x.result = '{code}' THEN 1 ELSE 0 END" for code in RESULT_CODES]
_TABLES: dict[str, tuple[str, list[str], list[str]]] = {
    STUDENTS: ("student_id, period_id", COUNTS, _RESULT_VALUES),
    CELLS: ("period_id, group_id, curriculum_item_id, left_on", COUNTS, _RESULT_VALUES),
    GROUPS: (
        "period_id, group_id, left_on",
        [*STUDENT_COLUMNS, *COUNTS],
        [*_flags(), *(f"x.{c}" for c in COUNTS)],
    ),
}


def _student_rows(grades: str) -> str:
    """Key and result of each final grade of ``grades`` (a FROM item aliased ``r``)."""
    return f"SELECT r.student_id, r.period_id, r.result FROM {grades}"


def _of_students(students: str) -> str:
    """The group and ``left_on`` of the students' rows ``students`` (aliased ``st``) joined
    to the rows ``r``: what the cells and the groups count under."""
    return (
        f"st.group_id, COALESCE(st.left_on, '{NOT_LEFT.isoformat()}') AS left_on"
        f" FROM {{rows}} JOIN {students} ON st.id = r.student_id"
    )


def _cell_rows(grades: str, students: str) -> str:
    """Key and result of each final grade of ``grades`` (aliased ``r``) in the cells of its
    student's row in ``students`` (aliased ``st``)."""
    of = _of_students(students).format(rows=grades)
    return f"SELECT r.period_id, r.curriculum_item_id, r.result, {of}"


def _group_rows(counts: str, students: str) -> str:
    """Key and counts of each row of the students summary ``counts`` (aliased ``r``) in the
    group of its student's row in ``students`` (aliased ``st``)."""
    of = _of_students(students).format(rows=counts)
    return f"SELECT r.period_id, {', '.join(f'r.{c}' for c in COUNTS)}, {of}"


def _grouped(table: str, rows: str) -> str:
    """The rows of query ``rows`` summed per key of ``table``."""
    key, columns, values = _TABLES[table]
    sums = ", ".join(f"SUM({v}) AS {c}" for v, c in zip(values, columns, strict=True))
    return f"SELECT {key}, {sums} FROM ({rows}) x GROUP BY {key}"


def _add(table: str, rows: str) -> str:
    """Upsert the sums of ``rows`` into ``table`` (in key order: concurrent writers lock
    the same rows in the same order)."""
    key, columns, _values = _TABLES[table]
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    return (
        f"INSERT INTO {table} ({key}, {', '.join(columns)}) {_grouped(table, rows)} ORDER BY {key}"
        f" ON CONFLICT ({key}) DO UPDATE SET {added};"
    )


def _take(table: str, rows: str) -> list[str]:
    """Take the sums of ``rows`` off ``table``; remove the rows left with no grade."""
    key, columns, _values = _TABLES[table]
    taken = ", ".join(f"{c} = {table}.{c} - g.{c}" for c in columns)
    match = " AND ".join(f"{table}.{k} = g.{k}" for k in key.split(", "))
    grouped = _grouped(table, rows)
    return [
        f"UPDATE {table} SET {taken} FROM ({grouped}) g WHERE {match};",
        f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM ({grouped}) g) AND {_TOTAL} = 0;",
    ]


def _add_grades(grades: str) -> list[str]:
    """Add the final grades ``grades`` (aliased ``r``) to the students and the cells (the
    groups follow the students by their triggers)."""
    return [_add(STUDENTS, _student_rows(grades)), _add(CELLS, _cell_rows(grades, "students st"))]


def _take_grades(grades: str) -> list[str]:
    """Take the final grades ``grades`` (aliased ``r``) off the students and the cells."""
    return [*_take(STUDENTS, _student_rows(grades)), *_take(CELLS, _cell_rows(grades, "students st"))]


def _move(old: str, new: str) -> list[str]:
    """Move the grades of the students whose rows were ``old`` and are ``new`` (aliased
    ``st``) from the cells and groups of the old group and ``left_on`` to the new ones."""
    return [
        *_take(CELLS, _cell_rows("final_grades r", old)),
        *_take(GROUPS, _group_rows(f"{STUDENTS} r", old)),
        _add(CELLS, _cell_rows("final_grades r", new)),
        _add(GROUPS, _group_rows(f"{STUDENTS} r", new)),
    ]


def rebuild_statements() -> list[str]:
    """Recompute the summaries from the final grades. The groups last, from the students'
    rows: with the triggers installed, writing those rows has changed the groups too."""
    return [
        *(f"DELETE FROM {table}" for table in _TABLES),
        _add(STUDENTS, _student_rows("final_grades r")).removesuffix(";"),
        _add(CELLS, _cell_rows("final_grades r", "students st")).removesuffix(";"),
        f"DELETE FROM {GROUPS}",
        _add(GROUPS, _group_rows(f"{STUDENTS} r", "students st")).removesuffix(";"),
    ]


# --- SQLite ------------------------------------------------------------------------------
_GRADE = ("id", "student_id", "curriculum_item_id", "period_id", "result")
_COUNTED = ("student_id", "period_id", *COUNTS)
_STUDENT = ("id", "group_id", "left_on")


def _sqlite_row(row: str, columns: tuple[str, ...], alias: str) -> str:
    """The trigger's row ``row`` (NEW or OLD) as a one-row subquery aliased ``alias``."""
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in columns) + f") {alias}"


def _sqlite_triggers() -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, CREATE TRIGGER statement)."""
    grade_changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _GRADE[1:])
    student_moved = "OLD.group_id IS NOT NEW.group_id OR OLD.left_on IS NOT NEW.left_on"

    def grade(row: str) -> str:
        return _sqlite_row(row, _GRADE, "r")

    def counted(row: str) -> str:
        return _group_rows(_sqlite_row(row, _COUNTED, "r"), "students st")

    bodies = {
        "netspo_gsum_final_grades_ai": ("final_grades", "AFTER INSERT", _add_grades(grade("NEW"))),
        "netspo_gsum_final_grades_ad": ("final_grades", "AFTER DELETE", _take_grades(grade("OLD"))),
        "netspo_gsum_final_grades_au": (
            "final_grades",
            f"AFTER UPDATE OF {', '.join(_GRADE[1:])} ON final_grades FOR EACH ROW WHEN {grade_changed}",
            [*_take_grades(grade("OLD")), *_add_grades(grade("NEW"))],
        ),
        # The groups sum the students' rows: each change of one is taken to its group.
        "netspo_gsum_final_grade_students_ai": (STUDENTS, "AFTER INSERT", [_add(GROUPS, counted("NEW"))]),
        "netspo_gsum_final_grade_students_ad": (STUDENTS, "AFTER DELETE", _take(GROUPS, counted("OLD"))),
        "netspo_gsum_final_grade_students_au": (
            STUDENTS,
            "AFTER UPDATE",
            [*_take(GROUPS, counted("OLD")), _add(GROUPS, counted("NEW"))],
        ),
        # A transfer or a leaving moves the student's grades to the new group and left_on.
        "netspo_gsum_students_au": (
            "students",
            f"AFTER UPDATE OF group_id, left_on ON students FOR EACH ROW WHEN {student_moved}",
            _move(_sqlite_row("OLD", _STUDENT, "st"), _sqlite_row("NEW", _STUDENT, "st")),
        ),
    }
    return sqlite_row_triggers(bodies)


# --- PostgreSQL --------------------------------------------------------------------------
def _pg_changed(rows: str, other: str) -> str:
    """The grade rows of transition table ``rows`` not in ``other`` (a multiset difference:
    what an UPDATE really changed), aliased ``r``."""
    columns = ", ".join(_GRADE[1:])
    return f"(SELECT {columns} FROM {rows} EXCEPT ALL SELECT {columns} FROM {other}) r"


def _pg_body(insert: list[str], delete: list[str], update: list[str]) -> str:
    def block(statements: list[str]) -> str:
        return "\n    ".join(statements)

    return (
        f"  IF TG_OP = 'INSERT' THEN\n    {block(insert)}\n  ELSIF TG_OP = 'DELETE' THEN\n    {block(delete)}"
        f"\n  ELSE\n    {block(update)}\n  END IF;"
    )


def _pg_functions() -> dict[str, str]:
    def counted(rows: str) -> str:
        return _group_rows(f"{rows} r", "students st")

    moved = (
        "(SELECT {row}.* FROM old_rows o JOIN new_rows n ON n.id = o.id"
        " WHERE o.group_id IS DISTINCT FROM n.group_id OR o.left_on IS DISTINCT FROM n.left_on) st"
    )
    bodies = {
        "final_grades": _pg_body(
            _add_grades("new_rows r"),
            _take_grades("old_rows r"),
            [
                *_take_grades(_pg_changed("old_rows", "new_rows")),
                *_add_grades(_pg_changed("new_rows", "old_rows")),
            ],
        ),
        STUDENTS: _pg_body(
            [_add(GROUPS, counted("new_rows"))],
            _take(GROUPS, counted("old_rows")),
            [*_take(GROUPS, counted("old_rows")), _add(GROUPS, counted("new_rows"))],
        ),
        "students": "    " + "\n    ".join(_move(moved.format(row="o"), moved.format(row="n"))),
    }
    out = {}
    for table, body in bodies.items():
        name = f"netspo_gsum_{table}()"
        out[name] = (
            f"CREATE OR REPLACE FUNCTION {name} RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            f"BEGIN\n{body}\n  RETURN NULL;\nEND\n$body$"
        )
    return out


def _pg_triggers() -> dict[str, tuple[str, str]]:
    result = {}
    for table in _WATCHED:
        for op, referencing in PG_REFERENCING.items():
            if table == "students" and op != "UPDATE":
                continue  # a student inserted has no grades; one with grades cannot be deleted
            name = f"netspo_gsum_{table}_a{op[0].lower()}"
            result[name] = (
                table,
                f"CREATE TRIGGER {name} AFTER {op} ON {table} {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION netspo_gsum_{table}()",
            )
    return result


# --- install / rebuild -------------------------------------------------------------------
def _triggers(dialect: str) -> dict[str, tuple[str, str]]:
    return _pg_triggers() if dialect == "postgresql" else _sqlite_triggers()


def trigger_names(dialect: str) -> list[str]:
    """Names of the triggers :func:`install` creates on a dialect."""
    return list(_triggers(dialect))


def install(connection: Connection) -> None:
    """Create (or re-create) the summary triggers; idempotent. The summaries must match
    the final grades when it is called (:func:`rebuild` otherwise)."""
    if not {*_TABLES, *_WATCHED} <= set(sa.inspect(connection).get_table_names()):
        return
    create_triggers(connection, _triggers(connection.dialect.name), _pg_functions().values())


def uninstall(connection: Connection) -> None:
    """Drop the summary triggers (and functions); the summaries then fall behind."""
    drop_triggers(connection, _triggers(connection.dialect.name), _pg_functions())


def rebuild(connection: Connection) -> None:
    """Recompute the summaries from the final grades (after a bulk load without triggers)."""
    for statement in rebuild_statements():
        connection.exec_driver_sql(statement)


def installed(connection: Connection) -> set[str]:
    """Names of this module's triggers present in the database."""
    return triggers_in_database(connection) & set(trigger_names(connection.dialect.name))


def graded_per_cell(period_id: Any, ends_on: Any, group_ids: Any) -> sa.Subquery:
    """Per group × curriculum item: the final grades of the period held by the group's
    students who had not left when it ended (``graded``), summed from ``final_grade_cells``
    — the reports' «enrolled less graded» instead of a look-up per student and discipline.
    The arguments are values, columns or bound parameters."""
    from netspo_lib.models import FinalGradeCell as cells  # the models import this module

    grades = sum((getattr(cells, c) for c in COUNT_COLUMNS[1:]), getattr(cells, COUNT_COLUMNS[0]))
    return (
        sa.select(cells.group_id, cells.curriculum_item_id, sa.func.sum(grades).label("graded"))
        .where(cells.period_id == period_id, cells.group_id.in_(group_ids), cells.left_on > ends_on)
        .group_by(cells.group_id, cells.curriculum_item_id)
        .subquery("graded")
    )


def graded_before_enrolment(session: Session, *, period_id: int, ends_on: date, group_ids: list[int]) -> bool:
    """Whether a student of these groups who enrolled after the period ended holds a final
    grade of it (a grade carried over from an earlier college, say). ``final_grade_cells``
    count such a grade while «enrolled when the period ended» does not count the student:
    the reports that subtract the one from the other then count student by student."""
    from netspo_lib import models as m  # the models import this module

    st, fg = m.Student, m.FinalGrade
    late = (
        sa.select(fg.id)
        .join(st, st.id == fg.student_id)
        .where(st.group_id.in_(group_ids), st.enrolled_on > ends_on, fg.period_id == period_id)
        .limit(1)
    )
    return session.scalar(late) is not None

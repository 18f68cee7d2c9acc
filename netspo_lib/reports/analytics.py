"""The dashboards' queries, aggregated in the database (R-4.11.c, R-6.2, R-6.4, R-4.1.e,
R-4.7.d, R-5.3, R-4.11.a).

Every function takes the acting user and the filters of the dashboards (academic year,
period, department, specialty, course, group) and returns a small ``pandas.DataFrame``
of already aggregated rows: the ``GROUP BY`` runs in SQL, only one row per unit (a
department, a group, a week …) comes back to Python, where :func:`metrics.from_counts`
turns the counts into успеваемость, качество, СОУ and средний балл (one formula for the
SQL and the analysts' path).

Access: the scope is computed by :func:`scope_groups` with the dashboard's action
(``DASHBOARD_PERFORMANCE``, ``DASHBOARD_ATTENDANCE`` …) through :func:`access.require`:
a department head sees the own department, a curator the own group, the deputy
director the college; asking for a group or a department out of reach is refused.

Every identifier a user can choose (the dimension ``by``, a sort column, a metric, a
frequency) is checked against an allow-list and refused in Russian; every filter value
must be a whole number and is passed to the database as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import POLICY, Action, Actor, Reach, Resource, allowed, require
from netspo_lib.enums import ActivityKind, AttendanceCode, FinalResult, Role, StudentStatus
from netspo_lib.errors import NetspoError
from netspo_lib.grade_summaries import graded_before_enrolment, graded_per_cell
from netspo_lib.messaging import unanswered_questions
from netspo_lib.models.people import full_name, not_left_by
from netspo_lib.reports import attendance as att
from netspo_lib.reports.metrics import from_counts
from netspo_lib.reports.performance import readable_groups

RESULTS = [r.value for r in FinalResult]
FAILING = (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
FAMILY = (Role.STUDENT, Role.PARENT)

# Allow-lists of what a user may choose, with the Russian names shown in refusals and menus.
DIMENSIONS: dict[str, str] = {
    "college": "колледж",
    "department": "отделение",
    "specialty": "специальность",
    "course": "курс",
    "group": "группа",
    "student": "студент",
}
TREND_DIMENSIONS = {k: v for k, v in DIMENSIONS.items() if k != "student"}
METRICS: dict[str, str] = {
    "students_progress_pct": "Успеваемость (по студентам), %",
    "students_quality_pct": "Качество (по студентам), %",
    "progress_pct": "Успеваемость, %",
    "quality_pct": "Качество, %",
    "sou_pct": "СОУ, %",
    "mean": "Средний балл",
}
MATRIX_METRICS = {k: METRICS[k] for k in ("quality_pct", "mean", "progress_pct", "sou_pct")}
FREQUENCIES: dict[str, str] = {"day": "по дням", "week": "по неделям", "month": "по месяцам"}
LOGIN_FREQUENCIES: dict[str, str] = {"day": "по дням", "week": "по неделям", "month": "по месяцам"}
ATTENDANCE_COLUMNS: dict[str, str] = {
    "missed_hours": "Пропущено, ч",
    "excused_hours": "По уважительной причине, ч",
    "sick_hours": "В т. ч. по болезни, ч",
    "unexcused_hours": "Без уважительной причины, ч",
    "late": "Опозданий",
    "full_days": "Пропущено полных дней",
    "students": "Студентов",
    "unexcused_per_student": "Без уважительной на студента, ч",
}
ATTENDANCE_SORTS = {**ATTENDANCE_COLUMNS, "label": "название"}
# The reasons of absence in the order charts stack them (R-4.7.b, the Metrics section).
REASONS: dict[str, str] = {
    AttendanceCode.EXCUSED.value: "УП — уважительная причина",
    AttendanceCode.SICK.value: "Б — болезнь",
    AttendanceCode.UNEXCUSED.value: "НП — без уважительной причины",
    AttendanceCode.LATE.value: "ОП — опоздание",
    AttendanceCode.EXEMPT.value: "ОСВ — освобождён",
}
PERFORMANCE_COLUMNS_RU: dict[str, str] = {
    "label": "Подразделение",
    "group": "Группа",
    "students": "Студентов",
    "progressing": "Успевающих",
    "quality_students": "На «4» и «5»",
    **{f"n_{r.value}": f"«{r.label}»" for r in FinalResult},
    "n": "Учтено оценок",
    **METRICS,
}

# --------------------------------------------------------------------------- checks


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def choose(value: object, allowed_values: dict[str, str], what: str) -> str:
    """``value`` if it is one of ``allowed_values``; otherwise a Russian refusal naming the
    choices (never interpolated into SQL: the key only selects prepared expressions)."""
    if isinstance(value, str) and value in allowed_values:
        return value
    names = ", ".join(f"«{v}»" for v in allowed_values.values())
    raise NetspoError(f"Недопустимое значение {what}: «{_short(value)}». Допустимые значения: {names}.")


def as_id(value: object, what: str) -> int | None:
    """A filter value as a whole number (None: no filter); anything else, e.g. a fragment
    of SQL typed into an address, is refused in Russian."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NetspoError(f"Неверное значение фильтра «{what}»: «{_short(value)}».")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise NetspoError(f"Неверное значение фильтра «{what}»: «{_short(value)}» — ожидается номер.")


def _course(value: object) -> int | None:
    course = as_id(value, "курс")
    if course is not None and not 1 <= course <= 5:
        raise NetspoError(f"Неверный курс: {course} (ожидается от 1 до 5).")
    return course


def scope_groups(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    department_id: object = None,
    specialty_id: object = None,
    course: object = None,
    group_id: object = None,
) -> list[int]:
    """Ids of the groups the filters select, within what ``action`` lets the actor see.

    A named group or department is checked with :func:`require` (out of reach: refused);
    without them the whole college when the actor reaches it, else the groups of the
    actor's grants (:func:`readable_groups`, which refuses when there are none).
    """
    group = as_id(group_id, "группа")
    department = as_id(department_id, "отделение")
    specialty = as_id(specialty_id, "специальность")
    course_no = _course(course)
    g = m.Group
    query = sa.select(g.id).where(g.college_id == actor.college_id)
    if group is not None:
        require(session, actor, action, Resource(group_id=group, description=f"группа № {group}"))
        query = query.where(g.id == group)
    if department is not None:
        if group is None:
            require(session, actor, action, Resource(department_id=department, description="отделение"))
        query = query.where(g.department_id == department)
    college = Resource(college_id=actor.college_id)
    if group is None and department is None and not allowed(session, actor, action, college):
        query = query.where(g.id.in_(_reachable_groups(session, actor, action)))
    if specialty is not None:
        query = query.where(g.specialty_id == specialty)
    if course_no is not None:
        query = query.where(g.course == course_no)
    return list(session.scalars(query.order_by(g.name)))


def _reachable_groups(session: Session, actor: Actor, action: Action) -> list[int]:
    """The groups of the actor's grants under ``action`` when it does not reach the college.

    A department grant is checked once on its department (then all its groups are in
    reach, as :func:`access.allowed` decides for each of them); a group grant on its
    group. Other kinds of reach fall back to checking every group of the college."""
    rules = POLICY.get(action, {})
    reaches = {rules.get(grant.role) for grant in actor.grants} - {None}
    if reaches - {Reach.GRANT, Reach.COLLEGE}:
        return readable_groups(session, actor, None, action)
    found: set[int] = set()
    for grant in actor.grants:
        if rules.get(grant.role) != Reach.GRANT or grant.college_id != actor.college_id:
            continue
        if grant.department_id is not None and grant.group_id is None and grant.student_id is None:
            resource = Resource(department_id=grant.department_id, description="отделение")
            if allowed(session, actor, action, resource):
                found.update(
                    session.scalars(
                        sa.select(m.Group.id).where(
                            m.Group.department_id == grant.department_id,
                            m.Group.college_id == actor.college_id,
                        )
                    )
                )
        elif grant.group_id is not None and allowed(
            session, actor, action, Resource(group_id=grant.group_id)
        ):
            found.add(grant.group_id)
    if not found:  # nothing within reach: refuse, naming the right
        require(session, actor, action, Resource(college_id=actor.college_id, description="колледж"))
    return sorted(found)


def _period(session: Session, actor: Actor, period_id: object) -> m.StudyPeriod:
    pid = as_id(period_id, "период")
    if pid is None:
        raise NetspoError("Выберите учебный период.")
    period = session.execute(
        sa.select(m.StudyPeriod)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .where(m.StudyPeriod.id == pid, m.AcademicYear.college_id == actor.college_id)
    ).scalar_one_or_none()
    if period is None:
        raise NetspoError(f"Учебный период № {pid} не найден.")
    return period


def _date_range(
    session: Session, actor: Actor, *, period_id: object = None, academic_year_id: object = None
) -> tuple[date | None, date | None]:
    """The dates of a period (or else of an academic year) of the actor's college; (None,
    None) when neither is chosen."""
    if period_id is not None:
        period = _period(session, actor, period_id)
        return period.starts_on, period.ends_on
    if academic_year_id is not None:
        yid = as_id(academic_year_id, "учебный год")
        year = session.execute(
            sa.select(m.AcademicYear).where(
                m.AcademicYear.id == yid, m.AcademicYear.college_id == actor.college_id
            )
        ).scalar_one_or_none()
        if year is None:
            raise NetspoError(f"Учебный год № {yid} не найден.")
        return year.starts_on, year.ends_on
    return None, None


# --------------------------------------------------------------------------- SQL pieces


def _bucket(session: Session, column: sa.ColumnElement, freq: str) -> sa.ColumnElement:
    """The first day of the ISO week (Monday), the month, or the day of a date/datetime."""
    if session.get_bind().dialect.name == "sqlite":
        if freq == "week":
            return sa.func.date(column, "weekday 0", "-6 days")
        if freq == "month":
            return sa.func.date(column, "start of month")
        return sa.func.date(column)
    if freq == "day":
        return sa.cast(column, sa.Date)
    return sa.cast(sa.func.date_trunc(freq, column), sa.Date)


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _count_columns(result: sa.ColumnElement) -> list[sa.ColumnElement]:
    return [sa.func.sum(sa.case((result == r, 1), else_=0)).label(f"n_{r}") for r in RESULTS]


@dataclass(frozen=True)
class _Unit:
    """The columns and joins of one dimension over a base that has a group id column."""

    columns: list[sa.ColumnElement]
    joins: list[tuple[Any, sa.ColumnElement[bool]]]


def _unit(by: str, group_col: sa.ColumnElement, student_col: sa.ColumnElement | None = None) -> _Unit:
    g = m.Group
    if by == "college":
        return _Unit([], [])
    if by == "student":
        assert student_col is not None
        st = aliased(m.Student)
        return _Unit(
            [
                student_col.label("key"),
                m.Person.last_name,
                m.Person.first_name,
                m.Person.middle_name,
                g.name.label("group"),
            ],
            [(st, st.id == student_col), (m.Person, m.Person.id == st.person_id), (g, g.id == st.group_id)],
        )
    joins: list[tuple[Any, sa.ColumnElement[bool]]] = [(g, g.id == group_col)]
    if by == "department":
        joins.append((m.Department, m.Department.id == g.department_id))
        return _Unit([m.Department.id.label("key"), m.Department.name.label("label")], joins)
    if by == "specialty":
        joins.append((m.Specialty, m.Specialty.id == g.specialty_id))
        label = (m.Specialty.code + " " + m.Specialty.name).label("label")
        return _Unit([m.Specialty.id.label("key"), label], joins)
    if by == "course":
        return _Unit([g.course.label("key")], joins)
    return _Unit([g.id.label("key"), g.name.label("label")], joins)


def _apply(query: sa.Select, unit: _Unit) -> sa.Select:
    for table, on in unit.joins:
        query = query.join(table, on)
    return query


def _labels(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Finish the ``label`` column in Python (course numbers, students' full names)."""
    if frame.empty:
        return frame
    if by == "college":
        frame.insert(0, "key", 0)
        frame.insert(1, "label", "Все группы")
    elif by == "course":
        frame.insert(1, "label", [f"{int(k)} курс" for k in frame["key"]])
    elif by == "student":
        names = [
            full_name(a, b, c)
            for a, b, c in zip(frame["last_name"], frame["first_name"], frame["middle_name"], strict=True)
        ]
        frame = frame.drop(columns=["last_name", "first_name", "middle_name"])
        frame.insert(1, "label", names)
    return frame


# --------------------------------------------------------------------------- performance


# Counting the eight results with eight conditional sums costs SQLite an aggregate step per
# result per grade (≈ 3 ms each over a college's semester). One sum of per-result weights
# counts them all: result number i adds 2^(7·i), so each result owns a 7-bit field of the
# sum (up to 127 of one result per student or per group × discipline; 8 × 7 = 56 bits fit
# a BIGINT). The count of rows beside it catches a field that overflowed (the fields'
# sum would then be smaller), and the query is then run again with the plain sums.
_BITS = 7
_MASK = (1 << _BITS) - 1
# A scope of fewer groups seeks its students' grades (a department of 59 groups: 6 ms against
# 15 ms); a larger one, as the college's 200, scans the period's grades once (15 ms against 19).
_FEW_GROUPS = 100


def _packed_count(result: sa.ColumnElement) -> sa.ColumnElement:
    """The sum of every row's result weight (see :data:`_BITS`), as a BIGINT."""
    weights = {r: sa.literal_column(str(1 << (_BITS * i))) for i, r in enumerate(RESULTS)}
    return sa.cast(sa.func.sum(sa.case(weights, value=result, else_=0)), sa.BigInteger)


def _result_counts(result: sa.ColumnElement, packed: bool) -> tuple[list[sa.ColumnElement], Any]:
    """The aggregate columns counting ``result`` (packed: ``packed`` and ``n_rows``; else one
    ``n_<result>`` per result) and a function of the subquery's columns giving each count."""
    if not packed:
        return _count_columns(result), lambda c: {r: c[f"n_{r}"] for r in RESULTS}
    columns = [_packed_count(result).label("packed"), sa.func.count().label("n_rows")]

    def unpack(c: Any) -> dict[str, sa.ColumnElement]:
        mask = sa.literal_column(str(_MASK))
        return {
            r: c.packed.op(">>")(sa.literal_column(str(_BITS * i))).op("&")(mask)
            for i, r in enumerate(RESULTS)
        }

    return columns, unpack


def _overflow(counts: dict[str, sa.ColumnElement], rows: sa.ColumnElement) -> sa.ColumnElement:
    """1 where the unpacked counts do not add up to the rows counted (a field overflowed)."""
    total = sum(counts.values(), sa.literal_column("0"))
    return sa.case((total != rows, 1), else_=0)


def _per_student(by_period: bool, few_groups: bool, packed: bool, summary: bool = False) -> sa.Subquery:
    """One row per period × student: the count of each result and of failing, «3», «4»/«5»
    and counted results (all but «осв.»); only students still enrolled when the period
    ended (the Metrics section). Parameters: ``group_ids`` and (``by_period``)
    ``period_ids``.

    ``summary``: the counts are read from ``final_grade_students``, kept by the database
    (netspo_lib.grade_summaries). Otherwise the grades are counted per student from the
    covering index of final grades before the students are joined (a drill-down,
    ``few_groups``, seeks only its students' grades): grouping every grade by a column of
    the joined students made SQLite sort them all."""
    fg, st, per = m.FinalGrade, m.Student, m.StudyPeriod
    group_ids = sa.bindparam("group_ids", expanding=True)
    period_ids = sa.bindparam("period_ids", expanding=True)
    in_periods: list[sa.ColumnElement[bool]] = []
    if summary:
        g = m.FinalGradeStudent.__table__.alias("grades")
        n = {r: g.c[f"n_{r}"] for r in RESULTS}
        in_periods = [g.c.period_id.in_(period_ids)] if by_period else []
    else:
        aggregates, unpack = _result_counts(fg.result, packed)
        grades = sa.select(fg.period_id, fg.student_id, *aggregates).group_by(fg.period_id, fg.student_id)
        if by_period:
            grades = grades.where(fg.period_id.in_(period_ids))
        if few_groups:
            grades = grades.where(fg.student_id.in_(sa.select(st.id).where(st.group_id.in_(group_ids))))
        g = grades.subquery("grades")
        n = unpack(g.c)
    failing = [FinalResult(r).value for r in FAILING]
    extra = [_overflow(n, g.c.n_rows).label("overflow")] if packed and not summary else []
    query = (
        sa.select(
            g.c.period_id,
            g.c.student_id,
            st.group_id,
            *[n[r].label(f"n_{r}") for r in RESULTS],
            sum((n[r] for r in failing), sa.literal_column("0")).label("fails"),
            n[FinalResult.THREE.value].label("threes"),
            (n[FinalResult.FIVE.value] + n[FinalResult.FOUR.value]).label("goods"),
            sum((n[r] for r in RESULTS if r != FinalResult.EXEMPT.value), sa.literal_column("0")).label(
                "counted"
            ),
            *extra,
        )
        .select_from(g)
        .join(st, st.id == g.c.student_id)
        .join(per, per.id == g.c.period_id)
        .where(*in_periods, st.group_id.in_(group_ids), not_left_by(per.ends_on, st))
    )
    return query.subquery("per_student")


@lru_cache(maxsize=128)
def _performance_statement(
    by: str, with_period: bool, by_period: bool, few_groups: bool, packed: bool, summary: bool
) -> sa.Select:
    """:func:`_performance_query` over :func:`_per_student`, built once per shape (building
    the expressions cost a drill-down a few milliseconds per call); the values are bound
    with ``.params()`` (in the statement, so that it compiles with them inlined too)."""
    if summary and by != "student":
        return _performance_from_groups(by, with_period, by_period)
    ps = _per_student(by_period, few_groups, packed, summary)
    student_col = ps.c.student_id if by == "student" else None
    return _performance_query(ps, _unit(by, ps.c.group_id, student_col), with_period)


def _performance_from_groups(by: str, with_period: bool, by_period: bool) -> sa.Select:
    """The rows of :func:`_performance_query` for a unit of groups, summed from the group
    rows the database keeps (``final_grade_groups``: the students' counts and the numbers
    of students with a counted result, progressing and of quality per period × group ×
    ``left_on``; netspo_lib.grade_summaries) of students still enrolled when the period
    ended. Parameters as :func:`_per_student`."""
    kept, per = m.FinalGradeGroup.__table__, m.StudyPeriod
    unit = _unit(by, kept.c.group_id)
    keys = [kept.c.period_id] if with_period else []
    sums = ["students", "progressing", "quality_students", *[f"n_{r}" for r in RESULTS]]
    where = [kept.c.group_id.in_(sa.bindparam("group_ids", expanding=True)), kept.c.left_on > per.ends_on]
    if by_period:
        where.append(kept.c.period_id.in_(sa.bindparam("period_ids", expanding=True)))
    query = sa.select(*keys, *unit.columns, *[sa.func.sum(kept.c[c]).label(c) for c in sums])
    query = _apply(query.select_from(kept).join(per, per.id == kept.c.period_id), unit).where(*where)
    group_by = [*keys, *unit.columns]
    return query.group_by(*group_by) if group_by else query


def _performance_rows(
    session: Session, groups: Sequence[int], period_ids: Sequence[int] | None, by: str, with_period: bool
) -> list[dict[str, Any]]:
    """The rows of :func:`_performance_statement`: from the summary the database keeps, or
    (bypassed) counted packed, or again with the plain sums when a packed field overflowed."""
    params: dict[str, Any] = {"group_ids": list(groups)}
    if period_ids is not None:
        params["period_ids"] = list(period_ids)
    few = len(groups) <= _FEW_GROUPS
    summary = summaries.enabled()
    for packed in (False,) if summary else (True, False):
        query = _performance_statement(by, with_period, period_ids is not None, few, packed, summary)
        rows = _dicts(session.execute(query.params(params)))
        if not any([r.pop("overflow", 0) for r in rows]):
            break
    return rows


def _performance_query(ps: sa.Subquery, unit: _Unit, with_period: bool) -> sa.Select:
    has_results = ps.c.counted > 0
    progressing = sa.and_(has_results, ps.c.fails == 0)
    quality = sa.and_(progressing, ps.c.threes == 0, ps.c.goods > 0)
    keys = [ps.c.period_id] if with_period else []
    query = sa.select(
        *keys,
        *unit.columns,
        sa.func.sum(sa.case((has_results, 1), else_=0)).label("students"),
        sa.func.sum(sa.case((progressing, 1), else_=0)).label("progressing"),
        sa.func.sum(sa.case((quality, 1), else_=0)).label("quality_students"),
        *[sa.func.sum(ps.c[f"n_{r}"]).label(f"n_{r}") for r in RESULTS],
        *([sa.func.max(ps.c.overflow).label("overflow")] if "overflow" in ps.c else []),
    ).select_from(ps)
    query = _apply(query, unit)
    group_by = [*keys, *unit.columns]
    return query.group_by(*group_by) if group_by else query


@lru_cache(maxsize=8192)
def _metrics_of(counts: tuple[int, ...]) -> Any:
    """:func:`metrics.from_counts` of the counts in :data:`RESULTS` order (a pure function of
    eight numbers: a heat map repeats the same counts in many cells)."""
    return from_counts(dict(zip(RESULTS, counts, strict=True)))


def _with_metrics(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    names = [f"n_{r}" for r in RESULTS]
    for row in rows:
        counts = tuple(int(row.get(name) or 0) for name in names)
        metrics = _metrics_of(counts)
        students = int(row.get("students") or 0)
        progressing = int(row.get("progressing") or 0)
        quality = int(row.get("quality_students") or 0)
        done = dict(row)
        done["students"] = students
        done["progressing"] = progressing
        done["quality_students"] = quality
        done.update(zip(names, counts, strict=True))
        done["n"] = metrics.n
        done["students_progress_pct"] = 100.0 * progressing / students if students else None
        done["students_quality_pct"] = 100.0 * quality / students if students else None
        done["progress_pct"] = metrics.progress_pct
        done["quality_pct"] = metrics.quality_pct
        done["sou_pct"] = metrics.sou_pct
        done["mean"] = metrics.mean
        out.append(done)
    return out


def _dicts(result: sa.Result[Any]) -> list[dict[str, Any]]:
    """The rows as dicts (zipped with the keys once: ``row._mapping`` per row costs more)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _performance_columns(by: str) -> list[str]:
    head = ["key", "label", *(["group"] if by == "student" else [])]
    tail = ["students", "progressing", "quality_students", *[f"n_{r}" for r in RESULTS], "n", *METRICS]
    return head + tail


def performance_by(
    session: Session,
    actor: Actor,
    *,
    period_id: int,
    by: str = "department",
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """Performance of a period per unit ``by`` (college, department, specialty, course,
    group, student) within the filters (R-4.11.c, R-6.2, R-6.4 consolidated reports).

    Columns: ``key`` (the unit's id, or the course), ``label`` (its Russian name; for
    students also ``group``), ``students`` (students with a counted result),
    ``progressing`` and ``quality_students`` (the Metrics section's totals over several
    disciplines, which count students: успевающий — no «2», «н/а» or «незачёт»; качественный
    — besides, every graded result is «4» or «5»), ``n_5`` … ``n_exempt`` (results), and the
    metrics of the results by :func:`metrics.from_counts`: ``n``, ``progress_pct``,
    ``quality_pct``, ``sou_pct``, ``mean``; ``students_progress_pct`` and
    ``students_quality_pct`` are the shares of students. Undefined metrics are None.
    """
    by = choose(by, DIMENSIONS, "разреза")
    period = _period(session, actor, period_id)
    groups = scope_groups(
        session,
        actor,
        Action.DASHBOARD_PERFORMANCE,
        department_id=department_id,
        specialty_id=specialty_id,
        course=course,
        group_id=group_id,
    )
    columns = _performance_columns(by)
    if not groups:
        return pd.DataFrame(columns=columns)
    rows = _performance_rows(session, groups, [period.id], by, with_period=False)
    rows = [r for r in rows if r.get("students") or any(r.get(f"n_{x}") for x in RESULTS)]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(_labelled(_with_metrics(rows), by), columns=columns)
    sort = ["group", "label"] if by == "student" else (["key"] if by == "course" else ["label"])
    return frame.sort_values(sort, ignore_index=True)


def _labelled(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """The ``key`` and ``label`` of :func:`_labels` set in the rows before the frame is built
    (inserting and dropping a frame's columns cost a drill-down more than building it)."""
    if by == "college":
        for row in rows:
            row["key"], row["label"] = 0, "Все группы"
    elif by == "course":
        for row in rows:
            row["label"] = f"{int(row['key'])} курс"
    elif by == "student":
        for row in rows:
            row["label"] = full_name(row.pop("last_name"), row.pop("first_name"), row.pop("middle_name"))
    return rows


def performance_trend(
    session: Session,
    actor: Actor,
    *,
    by: str = "college",
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """The metrics of :func:`performance_by` for every period of every academic year in the
    database (multi-year trends, R-6.2), one row per period × unit, in time order.

    Extra columns: ``period_id``, ``academic_year``, ``period`` (its name) and ``title``
    («2025/2026, 1 семестр»). Only periods with results appear.
    """
    by = choose(by, TREND_DIMENSIONS, "разреза")
    groups = scope_groups(
        session,
        actor,
        Action.DASHBOARD_PERFORMANCE,
        department_id=department_id,
        specialty_id=specialty_id,
        course=course,
        group_id=group_id,
    )
    head = ["period_id", "academic_year", "period", "title"]
    columns = head + _performance_columns(by)
    if not groups:
        return pd.DataFrame(columns=columns)
    rows = _labelled(_with_metrics(_performance_rows(session, groups, None, by, with_period=True)), by)
    if not rows:
        return pd.DataFrame(columns=columns)
    per, year = m.StudyPeriod, m.AcademicYear
    periods = {
        period_id: (academic_year, name, year_start, number, starts_on)
        for period_id, academic_year, name, year_start, starts_on, number in session.execute(
            sa.select(per.id, year.name, per.name, year.starts_on, per.starts_on, per.number)
            .join(year, year.id == per.academic_year_id)
            .where(year.college_id == actor.college_id)
        )
    }
    # The periods' names joined and the rows put in time order in Python, as merging with a
    # frame of the periods and sorting did (a stable sort; a few dozen rows, where pandas'
    # merge and sort cost a drill-down several milliseconds).
    kept: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    dropped: list[dict[str, Any]] = []
    for row in rows:
        found = periods.get(row["period_id"])
        if found is None:  # not a period of the college: the inner merge left it out
            row["academic_year"] = row["period"] = row["title"] = None
            dropped.append(row)
            continue
        academic_year, name, year_start, number, starts_on = found
        row["academic_year"], row["period"], row["title"] = academic_year, name, f"{academic_year}, {name}"
        label = row["label"]
        # The year's own grade («Учебный год», number 0) after its semesters.
        order = (year_start, number if number > 0 else 99, starts_on, label is None, label or "")
        kept.append((order, row))
    kept.sort(key=lambda item: item[0])
    # The left-out rows are at the end of the frame only so that each column's type is
    # inferred from the same values as before the merge.
    frame = pd.DataFrame([row for _, row in kept] + dropped, columns=columns)
    return frame.iloc[: len(kept)] if dropped else frame


def discipline_matrix(
    session: Session,
    actor: Actor,
    *,
    period_id: int,
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """One row per group × discipline of the period (a heat map's cells): the result counts
    and the metrics of :func:`metrics.from_counts` (for one discipline, the Metrics section
    counts results). Columns: group_id, group, index, discipline, n_5 … n_exempt, n,
    progress_pct, quality_pct, sou_pct, mean."""
    period = _period(session, actor, period_id)
    groups = scope_groups(
        session,
        actor,
        Action.DASHBOARD_PERFORMANCE,
        department_id=department_id,
        specialty_id=specialty_id,
        course=course,
        group_id=group_id,
    )
    metric_columns = ["n", "progress_pct", "quality_pct", "sou_pct", "mean"]
    columns = ["group_id", "group", "index", "discipline", *[f"n_{r}" for r in RESULTS], *metric_columns]
    if not groups:
        return pd.DataFrame(columns=columns)
    params = {"period_id": period.id, "ends_on": period.ends_on, "group_ids": list(groups)}
    summary = summaries.enabled()
    for packed in (False,) if summary else (True, False):
        found = session.execute(_matrix_query(packed, summary).params(params)).all()
        if not packed or not any(row[-1] for row in found):  # packed: overflow is the last
            break
    # Cells of one group and one discipline name (two items of the same index and name)
    # are summed here, in the order of the query (sorting the long names to group them in
    # SQL cost more than counting). A heat map has thousands of cells: the frame is built
    # by columns, the metrics of each distinct counts computed once (:func:`_metrics_of`).
    cells: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for row in found:
        key, counts = tuple(row[:4]), tuple(row[4 : 4 + len(RESULTS)])  # BIGINT: ints
        cells[key] = tuple(map(sum, zip(cells[key], counts, strict=True))) if key in cells else counts
    if not cells:
        return pd.DataFrame(columns=columns)
    # Typed arrays where the type is known: pandas then infers only the metrics' columns.
    keys, counts = list(zip(*cells, strict=True)), list(zip(*cells.values(), strict=True))
    metrics = [_metrics_of(c) for c in cells.values()]
    data: dict[str, Any] = {
        "group_id": np.array(keys[0], dtype=np.int64),
        **{name: np.array(values, dtype=object) for name, values in zip(columns[1:4], keys[1:], strict=True)},
        **{f"n_{r}": np.array(values, dtype=np.int64) for r, values in zip(RESULTS, counts, strict=True)},
        "n": np.array([x.n for x in metrics], dtype=np.int64),
        **{name: _floats([getattr(x, name) for x in metrics]) for name in metric_columns[1:]},
    }
    return pd.DataFrame(data, columns=columns)


def _floats(values: list[float | None]) -> np.ndarray | list[float | None]:
    """A metric's values (floats, None where undefined) as the float column pandas would
    infer from them, NaN for None, built directly (pandas' inference cost a heat map's frame
    a third of its time); a column without any value is left to pandas (objects)."""
    if all(v is None for v in values):
        return values
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


@lru_cache(maxsize=8)
def _matrix_query(packed: bool, summary: bool = False) -> sa.Select:
    """Counts per group id × discipline id over the grades alone (the period's end is a
    bound value; packed as in :func:`_per_student`), or (``summary``) over the cells the
    database keeps (``final_grade_cells``: those of students who had not left by the
    period's end; netspo_lib.grade_summaries), then the names joined to those cells
    (summed per name by the caller). Parameters: ``period_id``, ``ends_on``, ``group_ids``."""
    fg, st, g, item = m.FinalGrade, m.Student, m.Group, m.CurriculumItem
    period_id = sa.bindparam("period_id", type_=sa.Integer)
    group_ids = sa.bindparam("group_ids", expanding=True)
    ends_on = sa.bindparam("ends_on", type_=sa.Date)
    if summary:
        kept = m.FinalGradeCell.__table__
        cells = (
            sa.select(
                kept.c.group_id,
                kept.c.curriculum_item_id,
                *[sa.func.sum(kept.c[f"n_{r}"]).label(f"n_{r}") for r in RESULTS],
            )
            .where(kept.c.period_id == period_id, kept.c.group_id.in_(group_ids), kept.c.left_on > ends_on)
            .group_by(kept.c.group_id, kept.c.curriculum_item_id)
            .subquery("cells")
        )
        n = {r: cells.c[f"n_{r}"] for r in RESULTS}
    else:
        aggregates, unpack = _result_counts(fg.result, packed)
        cells = (
            sa.select(st.group_id, fg.curriculum_item_id, *aggregates)
            .select_from(st)
            .join(fg, fg.student_id == st.id)
            .where(
                fg.period_id == period_id,
                st.group_id.in_(group_ids),
                not_left_by(ends_on, st),
            )
            .group_by(st.group_id, fg.curriculum_item_id)
            .subquery("cells")
        )
        n = unpack(cells.c)
    extra = [_overflow(n, cells.c.n_rows).label("overflow")] if packed and not summary else []
    return (
        sa.select(
            g.id.label("group_id"),
            g.name.label("group"),
            item.index.label("index"),
            item.name.label("discipline"),
            *[sa.cast(n[r], sa.BigInteger).label(f"n_{r}") for r in RESULTS],
            *extra,
        )
        .select_from(cells)
        .join(g, g.id == cells.c.group_id)
        .join(item, item.id == cells.c.curriculum_item_id)
        .order_by(g.name, item.index)
    )


def matrix_pivot(frame: pd.DataFrame, metric: str = "quality_pct") -> pd.DataFrame:
    """The heat map's table: groups × «index name» of disciplines, values of ``metric``
    (one of :data:`MATRIX_METRICS`)."""
    metric = choose(metric, MATRIX_METRICS, "показателя")
    if frame.empty:
        return pd.DataFrame()
    names = frame["index"] + " " + frame["discipline"]
    values = frame[metric]
    if values.dtype != np.float64 or frame["group"].isna().any() or names.isna().any():
        data = frame.assign(column=names)
        table = data.pivot_table(
            index="group", columns="column", values=metric, aggfunc="first", dropna=False
        )
        return table.sort_index().reindex(sorted(table.columns), axis=1)
    # The same table filled directly (pandas' pivot cost a heat map 3–10 ms): every group and
    # column sorted, in a cell the first value that is not NaN (``aggfunc="first"``).
    groups, columns = frame["group"].tolist(), names.tolist()
    rows, cols = sorted(set(groups)), sorted(set(columns))
    row_at, col_at = {g: i for i, g in enumerate(rows)}, {c: j for j, c in enumerate(cols)}
    grid = np.full((len(rows), len(cols)), np.nan)
    for group, column, value in zip(groups, columns, values.tolist(), strict=True):
        i, j = row_at[group], col_at[column]
        if value == value and grid[i, j] != grid[i, j]:  # a value, in a cell still empty (NaN)
            grid[i, j] = value
    return pd.DataFrame(grid, index=pd.Index(rows, name="group"), columns=pd.Index(cols, name="column"))


def student_detail(session: Session, actor: Actor, *, period_id: int, student_id: int) -> pd.DataFrame:
    """The final results of one student in a period, discipline by discipline (the last
    step of the drill-down college → department → group → student)."""
    period = _period(session, actor, period_id)
    sid = as_id(student_id, "студент")
    require(session, actor, Action.DASHBOARD_PERFORMANCE, Resource(student_id=sid, description="студент"))
    fg, item = m.FinalGrade, m.CurriculumItem
    rows = session.execute(
        sa.select(item.index, item.name, fg.result, fg.set_at)
        .join(item, item.id == fg.curriculum_item_id)
        .where(fg.student_id == sid, fg.period_id == period.id)
        .order_by(item.index)
    )
    return pd.DataFrame(
        [[index, name, FinalResult(result).label, set_at.date()] for index, name, result, set_at in rows],
        columns=["Индекс", "Дисциплина", "Итоговая оценка", "Выставлена"],
    )


# --------------------------------------------------------------------------- attendance


def _attendance_groups(
    session: Session, actor: Actor, filters: dict[str, Any]
) -> tuple[list[int], date | None, date | None]:
    start, end = _date_range(
        session, actor, period_id=filters.pop("period_id"), academic_year_id=filters.pop("academic_year_id")
    )
    groups = scope_groups(session, actor, Action.DASHBOARD_ATTENDANCE, **filters)
    return groups, start, end


def attendance_over_time(
    session: Session,
    actor: Actor,
    *,
    freq: str = "week",
    period_id: int | None = None,
    academic_year_id: int | None = None,
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """Hours missed by reason per day, ISO week (``freq="week"``, the bucket is its Monday) or
    month (the bucket is its first day) in the filtered scope and dates (R-4.7.b, R-6.4).

    Columns: bucket (date), code (an :class:`AttendanceCode` value), reason (Russian),
    hours (academic hours), events (rows: for «ОП» the number of lateness)."""
    freq = choose(freq, FREQUENCIES, "периодичности")
    groups, start, end = _attendance_groups(
        session,
        actor,
        dict(
            period_id=period_id,
            academic_year_id=academic_year_id,
            department_id=department_id,
            specialty_id=specialty_id,
            course=course,
            group_id=group_id,
        ),
    )
    columns = ["bucket", "code", "reason", "hours", "events"]
    if not groups:
        return pd.DataFrame(columns=columns)
    # One row per day with the hours and the events of each code, from the group days
    # (netspo_lib.summaries), then per bucket; the (bucket, code) rows are unfolded here.
    codes = [c.value for c in AttendanceCode]
    group_days = att.day_rows(groups, start, end, students=False)
    sums: list[sa.ColumnElement] = []
    for n, member in enumerate(AttendanceCode):
        sums.append(sa.func.sum(group_days.c[f"h_{member.value}"]).label(f"h{n}"))
        sums.append(sa.func.sum(group_days.c[f"n_{member.value}"]).label(f"e{n}"))
    days = (
        sa.select(group_days.c.lesson_date.label("day"), *sums)
        .group_by(group_days.c.lesson_date)
        .subquery("per_day")
    )
    bucket = _bucket(session, days.c.day, freq).label("bucket")
    query = (
        sa.select(
            bucket,
            *[sa.cast(sa.func.sum(c), sa.BigInteger).label(c.name) for c in list(days.c)[1:]],
        )
        .group_by(bucket)
        .order_by(bucket)
    )
    rows = []
    order = sorted(range(len(codes)), key=lambda n: codes[n])  # the stored values' order
    for row in session.execute(query):
        day = _as_date(row[0])
        for n in order:
            hours, events = row[1 + 2 * n], row[2 + 2 * n]
            if events:
                code = codes[n]
                rows.append([day, code, REASONS[code], int(hours or 0), int(events)])
    return pd.DataFrame(rows, columns=columns)


def rebucket(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Daily rows of :func:`attendance_over_time` summed per ISO week or month (a few hundred
    aggregated rows: one query serves both charts)."""
    freq = choose(freq, FREQUENCIES, "периодичности")
    if frame.empty or freq == "day":
        return frame
    days = pd.to_datetime(frame["bucket"])
    if freq == "week":
        start = days - pd.to_timedelta(days.dt.weekday, unit="D")
    else:
        start = days.dt.to_period("M").dt.start_time
    out = (
        frame.assign(bucket=start.dt.date)
        .groupby(["bucket", "code", "reason"], as_index=False, sort=True)[["hours", "events"]]
        .sum()
    )
    return out[["bucket", "code", "reason", "hours", "events"]]


def attendance_by(
    session: Session,
    actor: Actor,
    *,
    by: str = "group",
    sort: str = "unexcused_hours",
    limit: int | None = None,
    period_id: int | None = None,
    academic_year_id: int | None = None,
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """Attendance consolidated per unit ``by`` (department, specialty, course, group,
    student; R-6.4, R-4.7.b): hours missed by reason, lateness, full days missed, students
    and unexcused hours per student, sorted by ``sort`` (descending, one of
    :data:`ATTENDANCE_SORTS`; ``label`` ascending) and cut to ``limit`` rows.

    Hours count under the group of the lesson; a unit without any absence has zeros."""
    by = choose(by, {k: v for k, v in DIMENSIONS.items() if k != "college"}, "разреза")
    sort = choose(sort, ATTENDANCE_SORTS, "сортировки")
    top = as_id(limit, "число строк")
    groups, start, end = _attendance_groups(
        session,
        actor,
        dict(
            period_id=period_id,
            academic_year_id=academic_year_id,
            department_id=department_id,
            specialty_id=specialty_id,
            course=course,
            group_id=group_id,
        ),
    )
    head = ["key", "label", *(["group"] if by == "student" else [])]
    columns = head + list(ATTENDANCE_COLUMNS)
    if not groups:
        return pd.DataFrame(columns=columns)
    units = session.execute(_attendance_units(by, groups, start)).all()
    if not units:
        return pd.DataFrame(columns=columns)
    hours = _attendance_hours(session, by, groups, start, end)
    # The frame is assembled and sorted in Python: the units are a few thousand rows at
    # most (the college's students), and pandas' merge, casts and sort cost a drill-down
    # more than its queries.
    rows = []
    for unit in units:
        if by == "student":
            key, last, first, middle, group = unit
            head_values: tuple[Any, ...] = (key, full_name(last, first, middle), group)
            students = 1
        elif by == "course":
            key, students = unit
            head_values = (key, f"{int(key)} курс")
        else:
            key, label, students = unit
            head_values = (key, label)
        summed = hours.get(key, _NO_HOURS)
        per_student = summed[3] / students if students > 0 else float("nan")
        rows.append((*head_values, *summed, students, per_student))
    if sort == "label":
        rows.sort(key=lambda r: (r[1], r[0]))
    else:
        # Descending by the column, then by name, ties in the units' order: as pandas'
        # (stable) ``sort_values`` did (a unit has students, so no value is NaN).
        at = columns.index(sort)
        rows.sort(key=lambda r: (-r[at], r[1]))
    frame = pd.DataFrame(rows, columns=columns)
    if top is not None:
        frame = frame.head(top)
    return frame


# The six summed columns of :data:`ATTENDANCE_COLUMNS` of a unit without any absence.
_NO_HOURS = (0, 0, 0, 0, 0, 0)


def _attendance_units(by: str, groups: list[int], start: date | None) -> sa.Select:
    """The units of :func:`attendance_by` with their students (enrolled: still there when
    the dates begin): per student its id, name parts and group, in id order; per other
    unit its key[, label] and the count of students."""
    st = m.Student
    present = [st.group_id.in_(groups), st.status != StudentStatus.GRADUATED]
    if start is not None:
        present.append(sa.or_(st.left_on.is_(None), st.left_on >= start))
    if by == "student":  # one row per student: no grouping
        p, g = m.Person, m.Group
        return (
            sa.select(st.id, p.last_name, p.first_name, p.middle_name, g.name)
            .join(p, p.id == st.person_id)
            .join(g, g.id == st.group_id)
            .where(*present)
            .order_by(st.id)
        )
    unit = _unit(by, st.group_id, st.id)
    query = _apply(sa.select(*unit.columns, sa.func.count().label("students")).select_from(st), unit)
    return query.where(*present).group_by(*unit.columns)


def _attendance_hours(
    session: Session, by: str, groups: list[int], start: date | None, end: date | None
) -> dict[Any, tuple[int, int, int, int, int, int]]:
    """Unit key -> the six summed columns of :data:`ATTENDANCE_COLUMNS` (missed, excused,
    sick, unexcused hours, lateness, full days missed) of the units with an absence.

    Summed per student (or per group, then per unit) from the per group × student sums of
    the dates (netspo_lib.summaries: whole months from the month rows, the edges from the
    student days); the reasons' totals are added up here, in whole numbers."""
    base_name = "student_id" if by == "student" else "group_id"
    sums = att.student_sums(groups, start, end, by=[base_name], columns=att.HOUR_SOURCES)
    parts = [sums.c[c] for c in (*att.HOUR_SOURCES, "full_days")]
    if by == "student":
        query = sa.select(sums.c.student_id, *parts)
    else:
        # The names of the unit are joined to the few hundred group rows, not to every
        # absence.
        lesson_unit = _unit(by, sums.c.group_id, sums.c.group_id)
        query = _apply(
            sa.select(lesson_unit.columns[0], *[sa.func.sum(c) for c in parts]).select_from(sums),
            lesson_unit,
        ).group_by(*lesson_unit.columns)
    out = {}
    for key, excused, sick, unexcused, late, full_days in session.execute(query):
        excused, sick, unexcused = int(excused or 0), int(sick or 0), int(unexcused or 0)
        out[key] = (
            excused + sick + unexcused,
            excused + sick,
            sick,
            unexcused,
            int(late or 0),
            int(full_days or 0),
        )
    return out


# --------------------------------------------------------------------------- activity


def logins_over_time(
    session: Session, actor: Actor, *, start: date, end: date, freq: str = "day"
) -> pd.DataFrame:
    """Logins per role and day, ISO week or month (R-4.1.e, R-4.7.d, R-6.1): the
    administrator and the leaders see every role of the college; a curator the students
    and parents of the own group. An account with two roles counts under both.

    Columns: bucket (date), role (value), role_label (Russian), logins, users (accounts
    that logged in)."""
    # The counting per role is shared with the activity report (the reason is told there).
    from netspo_lib.reports.activity import RoleAccounts, id_array, id_list

    freq = choose(freq, LOGIN_FREQUENCIES, "периодичности")
    action = Action.DASHBOARD_ACTIVITY
    rg, ev = m.RoleGrant, m.ActivityEvent
    grants = [rg.college_id == actor.college_id, rg.revoked_at.is_(None)]
    if not allowed(session, actor, action, Resource(college_id=actor.college_id)):
        groups = readable_groups(session, actor, None, action)
        pupils = sa.select(m.Student.id).where(m.Student.group_id.in_(groups))
        grants += [rg.role.in_(FAMILY), rg.student_id.in_(pupils)]
    else:
        require(session, actor, action, Resource(college_id=actor.college_id, description="колледж"))
    if not summaries.enabled():
        return _logins_plain(session, grants, start, end, freq)
    roles = RoleAccounts(session, *grants)
    buckets = _login_buckets(start, end, freq) if roles.roles else []
    rows = []
    # A subquery per bucket reads the bucket's logins from ix_activity_events_kind_at in
    # order (a GROUP BY on the day would sort the period's logins first: 5 ms against 17).
    for first in range(0, len(buckets), _BUCKETS_PER_STATEMENT):
        chunk = buckets[first : first + _BUCKETS_PER_STATEMENT]
        logged_in = [
            sa.select(id_list(ev.account_id))
            .where(ev.kind == ActivityKind.LOGIN, ev.at >= since, ev.at < until)
            .scalar_subquery()
            for _, since, until in chunk
        ]
        for (day, _, _), text in zip(chunk, session.execute(sa.select(*logged_in)).one(), strict=True):
            if text is None:
                continue
            logins = roles.per_account(id_array(text))
            for role in roles.roles:
                of_role = roles.of(role, logins)
                users = int(np.count_nonzero(of_role))
                if users:
                    rows.append([day, role.value, role.label, int(of_role.sum()), users])
    return pd.DataFrame(rows, columns=["bucket", "role", "role_label", "logins", "users"])


def _logins_plain(
    session: Session, grants: list[sa.ColumnElement[bool]], start: date, end: date, freq: str
) -> pd.DataFrame:
    """:func:`logins_over_time` straightforwardly: every login joined to the grants of its
    account, grouped per bucket and role in SQL (under ``summaries.bypass()``: the answer the
    tests and the benchmarks' DuckDB reference compare with)."""
    rg, ev = m.RoleGrant, m.ActivityEvent
    roles = sa.select(rg.account_id, rg.role).where(*grants).distinct().subquery("grants")
    since, until = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    bucket = _bucket(session, ev.at, freq).label("bucket")
    query = (
        sa.select(bucket, roles.c.role, sa.func.count(), sa.func.count(sa.distinct(ev.account_id)))
        .join(roles, roles.c.account_id == ev.account_id)
        .where(ev.kind == ActivityKind.LOGIN, ev.at >= since, ev.at < until)
        .group_by(bucket, roles.c.role)
        .order_by(bucket, roles.c.role)
    )
    rows = [
        [_as_date(b), Role(r).value, Role(r).label, int(n), int(u)] for b, r, n, u in session.execute(query)
    ]
    return pd.DataFrame(rows, columns=["bucket", "role", "role_label", "logins", "users"])


# Buckets per statement of :func:`logins_over_time` (a column each): a year by day takes two.
_BUCKETS_PER_STATEMENT = 200


def _login_buckets(start: date, end: date, freq: str) -> list[tuple[date, datetime, datetime]]:
    """The days, ISO weeks (from Monday) or months that meet start…end, as :func:`_bucket`
    names them: (first day, from, until), the moments clipped to the period."""
    since, until = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    if freq == "week":
        day = start - timedelta(days=start.weekday())
    elif freq == "month":
        day = start.replace(day=1)
    else:
        day = start
    buckets = []
    while day <= end:
        if freq == "week":
            following = day + timedelta(days=7)
        elif freq == "month":
            following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            following = day + timedelta(days=1)
        lower, upper = datetime.combine(day, time.min), datetime.combine(following, time.min)
        buckets.append((day, max(since, lower), min(until, upper)))
        day = following
    return buckets


def last_activity_day(session: Session, actor: Actor) -> date | None:
    """The day of the latest login recorded in the actor's college (the activity
    dashboard's default end date)."""
    scope_groups(session, actor, Action.DASHBOARD_ACTIVITY)  # refuses an actor without the right
    at = session.scalar(
        sa.select(sa.func.max(m.ActivityEvent.at))
        .join(m.UserAccount, m.UserAccount.id == m.ActivityEvent.account_id)
        .where(m.UserAccount.college_id == actor.college_id, m.ActivityEvent.kind == ActivityKind.LOGIN)
    )
    return _as_date(at) if at is not None else None


# --------------------------------------------------------------------------- control


def missing_final_grades(
    session: Session,
    actor: Actor,
    *,
    period_id: int,
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """Per group × discipline taught in the period (its teaching assignments): students
    enrolled when the period ended who have no final grade (R-5.3, D-7), counted in SQL.
    Only rows with a missing grade; columns: group, index, discipline, students, missing."""
    period = _period(session, actor, period_id)
    groups = scope_groups(
        session,
        actor,
        Action.DASHBOARD_CONTROL,
        department_id=department_id,
        specialty_id=specialty_id,
        course=course,
        group_id=group_id,
    )
    columns = ["group", "index", "discipline", "students", "missing"]
    if not groups:
        return pd.DataFrame(columns=columns)
    params = {"period_id": period.id, "ends_on": period.ends_on, "group_ids": list(groups)}
    summary = summaries.enabled() and not graded_before_enrolment(session, **params)
    query = _missing_query(summary).params(params)
    rows = [[r.group, r.index, r.discipline, int(r.students), int(r.missing)] for r in session.execute(query)]
    return pd.DataFrame(rows, columns=columns)


@lru_cache(maxsize=2)
def _missing_query(summary: bool) -> sa.Select:
    """The query of :func:`missing_final_grades`, built once (values bound with ``.params()``:
    ``period_id``, ``ends_on``, ``group_ids``). ``summary``: the enrolled students of each
    group less the grades counted in the heat map's cells the database keeps
    (``final_grade_cells``), instead of a look-up of each student's grade."""
    period_id = sa.bindparam("period_id", type_=sa.Integer)
    ends_on = sa.bindparam("ends_on", type_=sa.Date)
    group_ids = sa.bindparam("group_ids", expanding=True)
    ta, st, fg = m.TeachingAssignment, m.Student, m.FinalGrade
    taught = (
        sa.select(ta.group_id, ta.curriculum_item_id)
        .where(ta.period_id == period_id, ta.group_id.in_(group_ids))
        .distinct()
        .subquery("taught")
    )
    if summary:
        return _missing_named(_missing_cells_from_summary(taught, period_id, ends_on, group_ids))
    # EXISTS of an indexed column: answered from the unique index of final grades alone.
    has_final = (
        sa.select(fg.id)
        .where(
            fg.student_id == st.id,
            fg.curriculum_item_id == taught.c.curriculum_item_id,
            fg.period_id == period_id,
        )
        .exists()
    )
    # Counted per group id × discipline id (each student's grade looked up once), then the
    # names joined to those cells and summed per name.
    cells = (
        sa.select(
            taught.c.group_id,
            taught.c.curriculum_item_id,
            sa.func.count().label("students"),
            sa.func.sum(sa.case((~has_final, 1), else_=0)).label("missing"),
        )
        .select_from(taught)
        .join(st, st.group_id == taught.c.group_id)
        .where(
            st.enrolled_on <= ends_on,
            not_left_by(ends_on, st),
        )
        .group_by(taught.c.group_id, taught.c.curriculum_item_id)
        .subquery("cells")
    )
    return _missing_named(cells)


def _missing_named(cells: sa.Subquery) -> sa.Select:
    """Cells of (group id, discipline id, students, missing) summed per group and
    discipline names, those with a grade missing only, in the order of the page."""
    g, item = m.Group, m.CurriculumItem
    missing = sa.func.sum(cells.c.missing)
    return (
        sa.select(
            g.name.label("group"),
            item.index,
            item.name.label("discipline"),
            sa.func.sum(cells.c.students).label("students"),
            missing.label("missing"),
        )
        .select_from(cells)
        .join(g, g.id == cells.c.group_id)
        .join(item, item.id == cells.c.curriculum_item_id)
        .group_by(g.name, item.index, item.name)
        .having(missing > 0)
        .order_by(g.name, item.index)
    )


def _missing_cells_from_summary(
    taught: sa.Subquery, period_id: Any, ends_on: Any, group_ids: Any
) -> sa.Subquery:
    """Per group × discipline taught: the students enrolled when the period ended and, of
    them, those without a final grade, as the group's enrolled students less the grades in
    ``final_grade_cells`` (one grade per student and discipline; the caller has checked that
    no grade there belongs to a student enrolled later)."""
    st = m.Student
    enrolled = (
        sa.select(st.group_id, sa.func.count().label("students"))
        .where(st.group_id.in_(group_ids), st.enrolled_on <= ends_on, not_left_by(ends_on, st))
        .group_by(st.group_id)
        .subquery("enrolled")
    )
    graded = graded_per_cell(period_id, ends_on, group_ids)
    return (
        sa.select(
            taught.c.group_id,
            taught.c.curriculum_item_id,
            enrolled.c.students,
            (enrolled.c.students - sa.func.coalesce(graded.c.graded, 0)).label("missing"),
        )
        .select_from(taught)
        .join(enrolled, enrolled.c.group_id == taught.c.group_id)
        .outerjoin(
            graded,
            sa.and_(
                graded.c.group_id == taught.c.group_id,
                graded.c.curriculum_item_id == taught.c.curriculum_item_id,
            ),
        )
        .subquery("cells")
    )


def parent_questions(
    session: Session,
    actor: Actor,
    *,
    on: date,
    department_id: int | None = None,
    specialty_id: int | None = None,
    course: int | None = None,
    group_id: int | None = None,
) -> pd.DataFrame:
    """Parents' consultative questions not answered in 3 days as of ``on`` (D-9, R-4.7.e),
    within the filters and the actor's control scope (:func:`messaging.unanswered_questions`)."""
    filters = dict(department_id=department_id, specialty_id=specialty_id, course=course, group_id=group_id)
    groups = scope_groups(session, actor, Action.DASHBOARD_CONTROL, **filters)
    whole = all(v is None for v in filters.values()) and allowed(
        session, actor, Action.DASHBOARD_CONTROL, Resource(college_id=actor.college_id)
    )
    return unanswered_questions(
        session, on=on, college_id=actor.college_id, group_ids=None if whole else groups
    )


# --------------------------------------------------------------------------- filter choices


@dataclass(frozen=True)
class FilterChoices:
    """What the dashboards' filters may offer an actor.

    ``periods``: period_id, period, academic_year_id, academic_year, kind, starts_on,
    ends_on, has_grades, has_lessons (all periods of the college, in time order);
    ``groups``: group_id, group, department_id, department, specialty_id, specialty,
    course — only the groups the action lets the actor see.
    """

    periods: pd.DataFrame
    groups: pd.DataFrame

    def years(self) -> list[tuple[str, int]]:
        seen = self.periods.drop_duplicates("academic_year_id")
        return list(zip(seen["academic_year"], seen["academic_year_id"].astype(int), strict=True))


def filter_choices(session: Session, actor: Actor, action: Action) -> FilterChoices:
    """The academic years, periods, departments, specialties, courses and groups visible to
    the actor under ``action`` (a dashboard's action)."""
    groups = scope_groups(session, actor, action)
    g, d, s = m.Group, m.Department, m.Specialty
    group_rows = session.execute(
        sa.select(
            g.id.label("group_id"),
            g.name.label("group"),
            d.id.label("department_id"),
            d.name.label("department"),
            s.id.label("specialty_id"),
            (s.code + " " + s.name).label("specialty"),
            g.course,
        )
        .join(d, d.id == g.department_id)
        .join(s, s.id == g.specialty_id)
        .where(g.id.in_(groups or [-1]))
        .order_by(g.name)
    )
    group_frame = pd.DataFrame(
        [dict(r._mapping) for r in group_rows],
        columns=["group_id", "group", "department_id", "department", "specialty_id", "specialty", "course"],
    )
    per, year = m.StudyPeriod, m.AcademicYear
    has_grades = sa.exists().where(m.FinalGrade.period_id == per.id)
    has_lessons = sa.exists().where(m.Lesson.period_id == per.id)
    period_rows = session.execute(
        sa.select(
            per.id.label("period_id"),
            per.name.label("period"),
            year.id.label("academic_year_id"),
            year.name.label("academic_year"),
            per.kind,
            per.number,
            per.starts_on,
            per.ends_on,
            has_grades.label("has_grades"),
            has_lessons.label("has_lessons"),
        )
        .join(year, year.id == per.academic_year_id)
        .where(year.college_id == actor.college_id)
        .order_by(year.starts_on, sa.case((per.number == 0, 99), else_=per.number), per.starts_on)
    )
    period_frame = pd.DataFrame(
        [dict(r._mapping) for r in period_rows],
        columns=[
            "period_id", "period", "academic_year_id", "academic_year", "kind", "number",
            "starts_on", "ends_on", "has_grades", "has_lessons",
        ],
    )  # fmt: skip
    for column in ("has_grades", "has_lessons"):
        period_frame[column] = period_frame[column].astype(bool)
    return FilterChoices(period_frame, group_frame)

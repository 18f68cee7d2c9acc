"""Attendance in academic hours, counted in the database (R-4.7.b, R-6.4).

As the requirements define it: missed hours split by reason — excused (УП, Б; sickness
also shown apart) and unexcused (НП) —, lateness (ОП, a count), and full days missed (days
when the student missed every lesson the student had). «ОСВ» (exempt) is not a miss.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import Actor
from netspo_lib.enums import AttendanceCode
from netspo_lib.reports.performance import readable_groups

MISSED = (AttendanceCode.EXCUSED, AttendanceCode.SICK, AttendanceCode.UNEXCUSED)
EXCUSED = (AttendanceCode.EXCUSED, AttendanceCode.SICK)

COLUMNS_RU = {
    "group": "Группа",
    "student": "Студент",
    "month": "Месяц",
    "missed_hours": "Пропущено, ч",
    "excused_hours": "По уважительной причине, ч",
    "sick_hours": "В т. ч. по болезни, ч",
    "unexcused_hours": "Без уважительной причины, ч",
    "late": "Опозданий",
    "full_days": "Пропущено полных дней",
}


HOUR_COLUMNS = ("missed_hours", "excused_hours", "sick_hours", "unexcused_hours", "late")
# The day-row columns :func:`hour_sums` reads.
HOUR_SOURCES = ("h_excused", "h_sick", "h_unexcused", "n_late")


def _hours(code_col: sa.ColumnElement, hours_col: sa.ColumnElement, codes: Sequence[AttendanceCode]):  # type: ignore[no-untyped-def]
    return sa.func.coalesce(sa.func.sum(sa.case((code_col.in_(codes), hours_col), else_=0)), 0)


def _in_range(
    start: date | None, end: date | None, column: sa.ColumnElement | None = None
) -> list[sa.ColumnElement[bool]]:
    column = m.Lesson.lesson_date if column is None else column
    cond = []
    if start is not None:
        cond.append(column >= start)
    if end is not None:
        cond.append(column <= end)
    return cond


# --------------------------------------------------------------------------- day rows
def _journal_sums(a: type[m.Attendance] | sa.FromClause) -> list[sa.ColumnElement]:
    """The summaries' h_/n_ columns computed from attendance rows (zero where none)."""
    code, hours = (a.code, a.hours) if isinstance(a, type) else (a.c.code, a.c.hours)
    out = []
    for c in AttendanceCode:
        out.append(
            sa.func.coalesce(sa.func.sum(sa.case((code == c, hours), else_=0)), 0).label(f"h_{c.value}")
        )
        out.append(sa.func.coalesce(sa.func.sum(sa.case((code == c, 1), else_=0)), 0).label(f"n_{c.value}"))
    return out


def day_rows(
    group_ids: Sequence[int], start: date | None, end: date | None, *, students: bool
) -> sa.Subquery:
    """Absences summed per group and day (``students``: per student, group and day) of the
    groups' lessons in the dates: columns group_id, lesson_date, [student_id,] h_<code>
    hours, n_<code> rows [, lessons_had: the lessons the student had that day].

    Read from the summaries the database keeps (netspo_lib.summaries); under
    ``summaries.bypass()`` the same rows computed from the journal itself."""
    groups = list(group_ids)
    if summaries.enabled():
        t = (m.AttendanceStudentDay if students else m.AttendanceGroupDay).__table__
        return (
            sa.select(t)
            .where(t.c.group_id.in_(groups), *_in_range(start, end, t.c.lesson_date))
            .subquery("days")
        )
    a, ls, sm = m.Attendance, m.Lesson, m.SubgroupMember
    scope = [ls.group_id.in_(groups), *_in_range(start, end)]
    if not students:
        return (
            sa.select(ls.group_id, ls.lesson_date, *_journal_sums(a))
            .join(ls, ls.id == a.lesson_id)
            .where(*scope)
            .group_by(ls.group_id, ls.lesson_date)
            .subquery("days")
        )
    l2 = aliased(m.Lesson)
    had = (
        sa.select(sa.func.count())
        .select_from(l2)
        .where(
            l2.group_id == ls.group_id,
            l2.lesson_date == ls.lesson_date,
            sa.or_(
                l2.subgroup_id.is_(None),
                sa.exists()
                .where(sm.subgroup_id == l2.subgroup_id, sm.student_id == a.student_id)
                .correlate_except(sm),
            ),
        )
        .correlate(ls, a)
        .scalar_subquery()
    )
    return (
        sa.select(ls.group_id, ls.lesson_date, a.student_id, *_journal_sums(a), had.label("lessons_had"))
        .join(ls, ls.id == a.lesson_id)
        .where(*scope)
        .group_by(ls.group_id, ls.lesson_date, a.student_id)
        .subquery("days")
    )


def hours_of(days: sa.FromClause, codes: Sequence[AttendanceCode]) -> sa.ColumnElement:
    """Hours of the codes in day rows (one row)."""
    return sum((days.c[f"h_{c.value}"] for c in codes), sa.literal(0))  # type: ignore[return-value]


def rows_of(days: sa.FromClause, codes: Sequence[AttendanceCode]) -> sa.ColumnElement:
    """Journal rows of the codes in day rows (one row): missed lessons, lateness."""
    return sum((days.c[f"n_{c.value}"] for c in codes), sa.literal(0))  # type: ignore[return-value]


def hour_sums(days: sa.FromClause) -> list[sa.ColumnElement]:
    """The consolidated columns summed over day rows: missed, excused, sick, unexcused
    hours and lateness (:data:`HOUR_COLUMNS`)."""
    total = lambda e: sa.func.coalesce(sa.func.sum(e), 0)  # noqa: E731
    return [
        total(hours_of(days, MISSED)).label("missed_hours"),
        total(hours_of(days, EXCUSED)).label("excused_hours"),
        total(hours_of(days, (AttendanceCode.SICK,))).label("sick_hours"),
        total(hours_of(days, (AttendanceCode.UNEXCUSED,))).label("unexcused_hours"),
        total(rows_of(days, (AttendanceCode.LATE,))).label("late"),
    ]


def full_day_count(days: sa.FromClause) -> sa.ColumnElement:
    """Full days missed among student day rows: days on which the student missed every
    lesson the student had (the group's and those of the student's subgroups)."""
    missed = rows_of(days, MISSED)
    full = sa.and_(days.c.lessons_had > 0, missed >= days.c.lessons_had)
    return sa.func.coalesce(sa.func.sum(sa.case((full, 1), else_=0)), 0).label("full_days")


def full_days_of(sums: sa.FromClause) -> sa.ColumnElement:
    """Full days missed summed over :func:`student_sums` rows."""
    return sa.func.coalesce(sa.func.sum(sums.c.full_days), 0).label("full_days")


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _edge_parts(
    start: date | None, end: date | None
) -> tuple[date | None, date | None, list[tuple[int, date | None, date | None]]]:
    """How :func:`student_sums` reads [start, end]: the months from ``first`` to ``last``
    (their first days, inclusive; None: unbounded) from the month rows, plus or minus
    (``sign``) the day rows of the (sign, from, to) slices. A partial month at an edge is
    read as its days in the range, or as its month row minus its days outside the range,
    whichever spans fewer days. ``first`` > ``last``: no month rows."""
    first = None if start is None else start.replace(day=1)
    last = None if end is None else end.replace(day=1)
    slices: list[tuple[int, date | None, date | None]] = []
    if start is not None and end is not None and start > end:
        return date.max, date.min, [(1, start, end)]  # nothing
    if start is not None and end is not None and first == last:
        inside = (end - start).days + 1
        if inside * 2 <= _month_end(end).day:
            return first, first - timedelta(days=1), [(1, start, end)]  # type: ignore[operator]
        if start.day > 1:
            slices.append((-1, first, start - timedelta(days=1)))
        if end < _month_end(end):
            slices.append((-1, end + timedelta(days=1), _month_end(end)))
        return first, last, slices
    if start is not None and start.day > 1:
        after = _month_end(start) + timedelta(days=1)
        if start.day - 1 <= (after - start).days:
            slices.append((-1, first, start - timedelta(days=1)))
        else:
            slices.append((1, start, after - timedelta(days=1)))
            first = after
    if end is not None and end < _month_end(end):
        if (_month_end(end) - end).days <= end.day:
            slices.append((-1, end + timedelta(days=1), _month_end(end)))
        else:
            slices.append((1, last, end))
            last = last - timedelta(days=1)  # type: ignore[operator]
    return first, last, slices


_FEW_GROUPS = 2


def student_sums(
    group_ids: Sequence[int],
    start: date | None,
    end: date | None,
    by: Sequence[str] = ("group_id", "student_id"),
    columns: Sequence[str] = summaries.SUMS,
) -> sa.Subquery:
    """The student days of the groups in the dates summed per group and student (or per
    the columns ``by``, some of group_id and student_id): those columns, the h_<code> and
    n_<code> ``columns`` (all of them unless told; :data:`HOUR_SOURCES` are those
    :func:`hour_sums` reads) and full_days (the full days missed); one row per unit with a
    journal row in the range, as from :func:`day_rows`.

    From the summaries: the whole months of the range from ``attendance_student_months``,
    its partial months at the edges from the student days (:func:`_edge_parts`), summed
    together (a group or two: their student days); under ``summaries.bypass()`` from the
    journal's day rows."""
    groups = list(group_ids)
    sums = list(columns)
    if not summaries.enabled() or len(groups) <= _FEW_GROUPS:
        # A group or two: their student days are a few hundred rows, read directly (a
        # simpler statement, built faster); under bypass: from the journal.
        days = day_rows(groups, start, end, students=True)
        return (
            sa.select(
                *[days.c[k] for k in by],
                *[sa.func.sum(days.c[c]).label(c) for c in sums],
                full_day_count(days),
            )
            .group_by(*[days.c[k] for k in by])
            .subquery("sums")
        )
    first, last, slices = _edge_parts(start, end)
    mt, dt = m.AttendanceStudentMonth.__table__, m.AttendanceStudentDay.__table__
    parts = []
    rows = [f"n_{c.value}" for c in AttendanceCode]  # the journal rows: is there any?
    if first is None or last is None or first <= last:
        parts.append(
            sa.select(
                mt.c.group_id,
                mt.c.student_id,
                *[mt.c[c] for c in sums],
                mt.c.full_days,
                sum((mt.c[c] for c in rows), sa.literal(0)).label("rows"),
            ).where(mt.c.group_id.in_(groups), *_in_range(first, last, mt.c.month))
        )
    missed = rows_of(dt, MISSED)
    full = sa.case((sa.and_(dt.c.lessons_had > 0, missed >= dt.c.lessons_had), 1), else_=0)
    for sign, lo, hi in slices:
        signed = (lambda e: e) if sign > 0 else (lambda e: -e)
        parts.append(
            sa.select(
                dt.c.group_id,
                dt.c.student_id,
                *[signed(dt.c[c]).label(c) for c in sums],
                signed(full).label("full_days"),
                signed(sum((dt.c[c] for c in rows), sa.literal(0))).label("rows"),
            ).where(dt.c.group_id.in_(groups), *_in_range(lo, hi, dt.c.lesson_date))
        )
    both = sa.union_all(*parts).subquery("parts") if len(parts) > 1 else parts[0].subquery("parts")
    return (
        sa.select(
            *[both.c[k] for k in by],
            *[sa.func.sum(both.c[c]).label(c) for c in sums],
            sa.func.sum(both.c.full_days).label("full_days"),
        )
        .group_by(*[both.c[k] for k in by])
        # A month minus its days outside the range may leave nothing: no row, as from
        # the days themselves.
        .having(sa.func.sum(both.c.rows) != 0)
        .subquery("sums")
    )


def student_attendance(
    session: Session,
    actor: Actor,
    *,
    group_ids: Sequence[int] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """One row per student of the groups: hours missed by reason, lateness, full days missed."""
    groups = readable_groups(session, actor, group_ids) or [-1]
    sums = student_sums(groups, start, end, by=["student_id"], columns=HOUR_SOURCES)
    by_student = (
        sa.select(sums.c.student_id, *hour_sums(sums), full_days_of(sums))
        .group_by(sums.c.student_id)
        .subquery()
    )
    query = (
        sa.select(
            m.Group.name.label("group"),
            m.Student.id.label("student_id"),
            m.Person.last_name,
            m.Person.first_name,
            m.Person.middle_name,
            *[sa.func.coalesce(by_student.c[c], 0).label(c) for c in HOUR_COLUMNS],
            sa.func.coalesce(by_student.c.full_days, 0).label("full_days"),
        )
        .join(m.Group, m.Group.id == m.Student.group_id)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .outerjoin(by_student, by_student.c.student_id == m.Student.id)
        .where(m.Student.group_id.in_(groups))
        .order_by(m.Group.name, m.Person.last_name, m.Person.first_name)
    )
    frame = pd.DataFrame([dict(r._mapping) for r in session.execute(query)])
    if frame.empty:
        return pd.DataFrame(columns=["group", "student_id", "student", *list(COLUMNS_RU)[3:]])
    frame["student"] = frame["last_name"] + " " + frame["first_name"]
    frame = frame.drop(columns=["last_name", "first_name", "middle_name"])
    for column in ("missed_hours", "excused_hours", "sick_hours", "unexcused_hours", "late", "full_days"):
        frame[column] = frame[column].astype("int64")
    return frame[["group", "student_id", "student", *list(COLUMNS_RU)[3:]]]


def monthly_attendance(
    session: Session,
    actor: Actor,
    *,
    group_ids: Sequence[int] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Hours missed per student and month (the consolidated attendance sheet, R-4.7.b):
    rows student × month with missed, excused and unexcused hours."""
    groups = readable_groups(session, actor, group_ids) or [-1]
    days = day_rows(groups, start, end, students=True)
    year = sa.extract("year", days.c.lesson_date)
    month = sa.extract("month", days.c.lesson_date)
    sums = {c.name: c for c in hour_sums(days)}
    query = (
        sa.select(
            m.Group.name.label("group"),
            days.c.student_id,
            year.label("year"),
            month.label("month"),
            sums["missed_hours"],
            sums["excused_hours"],
            sums["unexcused_hours"],
        )
        .join(m.Group, m.Group.id == days.c.group_id)
        .group_by(m.Group.name, days.c.student_id, year, month)
        .order_by(m.Group.name, days.c.student_id, year, month)
    )
    frame = pd.DataFrame([dict(r._mapping) for r in session.execute(query)])
    if frame.empty:
        return frame
    for column in ("year", "month", "missed_hours", "excused_hours", "unexcused_hours"):
        frame[column] = frame[column].astype("int64")
    return frame

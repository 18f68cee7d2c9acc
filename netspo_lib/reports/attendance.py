"""Attendance in academic hours, counted in the database (R-4.7.b, R-6.4).

As the requirements define it: missed hours split by reason — excused (УП, Б; sickness
also shown apart) and unexcused (НП) —, lateness (ОП, a count), and full days missed (days
when the student missed every lesson the student had). «ОСВ» (exempt) is not a miss.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
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


def _hours(code_col: sa.ColumnElement, hours_col: sa.ColumnElement, codes: Sequence[AttendanceCode]):  # type: ignore[no-untyped-def]
    return sa.func.coalesce(sa.func.sum(sa.case((code_col.in_(codes), hours_col), else_=0)), 0)


def _in_range(start: date | None, end: date | None) -> list[sa.ColumnElement[bool]]:
    cond = []
    if start is not None:
        cond.append(m.Lesson.lesson_date >= start)
    if end is not None:
        cond.append(m.Lesson.lesson_date <= end)
    return cond


def full_days(group_ids: Sequence[int], start: date | None, end: date | None) -> sa.Subquery:
    """(student_id, group_id, full_days): days on which the student missed every lesson the
    student had (the group's lessons and those of the student's subgroups). Starts from the
    days with an absence, so the work grows with absences, not with students × days."""
    a, ls, sm = m.Attendance, m.Lesson, m.SubgroupMember
    scope = [m.Lesson.group_id.in_(list(group_ids)), *_in_range(start, end)]
    missed = (
        sa.select(a.student_id, ls.group_id, ls.lesson_date, sa.func.count().label("missed"))
        .join(ls, ls.id == a.lesson_id)
        .where(*scope, a.code.in_(MISSED))
        .group_by(a.student_id, ls.group_id, ls.lesson_date)
        .subquery("missed")
    )
    group_day = (
        sa.select(ls.group_id, ls.lesson_date, sa.func.count().label("lessons"))
        .where(*scope, ls.subgroup_id.is_(None))
        .group_by(ls.group_id, ls.lesson_date)
        .subquery("group_day")
    )
    # A full day needs at least as many misses as the group's lessons of that day; only
    # those candidates look up the lessons of the student's subgroups (an index search).
    group_lessons = sa.func.coalesce(group_day.c.lessons, 0)
    candidates = (
        sa.select(
            missed.c.student_id,
            missed.c.group_id,
            missed.c.lesson_date,
            missed.c.missed,
            group_lessons.label("group_lessons"),
        )
        .select_from(missed)
        .outerjoin(
            group_day,
            sa.and_(
                group_day.c.group_id == missed.c.group_id, group_day.c.lesson_date == missed.c.lesson_date
            ),
        )
        .where(missed.c.missed >= group_lessons)
        .subquery("candidates")
    )
    subgroup_lessons = (
        sa.select(sa.func.count())
        .select_from(ls)
        .join(sm, sm.subgroup_id == ls.subgroup_id)
        .where(
            ls.group_id == candidates.c.group_id,
            ls.lesson_date == candidates.c.lesson_date,
            sm.student_id == candidates.c.student_id,
        )
        .correlate(candidates)
        .scalar_subquery()
    )
    had = candidates.c.group_lessons + subgroup_lessons
    return (
        sa.select(candidates.c.student_id, candidates.c.group_id, sa.func.count().label("full_days"))
        .where(candidates.c.missed >= had, had > 0)
        .group_by(candidates.c.student_id, candidates.c.group_id)
        .subquery("full")
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
    a = m.Attendance
    by_student = (
        sa.select(
            a.student_id,
            _hours(a.code, a.hours, MISSED).label("missed_hours"),
            _hours(a.code, a.hours, EXCUSED).label("excused_hours"),
            _hours(a.code, a.hours, (AttendanceCode.SICK,)).label("sick_hours"),
            _hours(a.code, a.hours, (AttendanceCode.UNEXCUSED,)).label("unexcused_hours"),
            sa.func.sum(sa.case((a.code == AttendanceCode.LATE, 1), else_=0)).label("late"),
        )
        .join(m.Lesson, m.Lesson.id == a.lesson_id)
        .where(m.Lesson.group_id.in_(groups), *_in_range(start, end))
        .group_by(a.student_id)
        .subquery()
    )
    per_group = full_days(groups, start, end)
    full = (
        sa.select(per_group.c.student_id, sa.func.sum(per_group.c.full_days).label("full_days"))
        .group_by(per_group.c.student_id)
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
            sa.func.coalesce(full.c.full_days, 0).label("full_days"),
        )
        .join(m.Group, m.Group.id == m.Student.group_id)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .outerjoin(by_student, by_student.c.student_id == m.Student.id)
        .outerjoin(full, full.c.student_id == m.Student.id)
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
    a = m.Attendance
    year = sa.extract("year", m.Lesson.lesson_date)
    month = sa.extract("month", m.Lesson.lesson_date)
    query = (
        sa.select(
            m.Group.name.label("group"),
            a.student_id,
            year.label("year"),
            month.label("month"),
            _hours(a.code, a.hours, MISSED).label("missed_hours"),
            _hours(a.code, a.hours, EXCUSED).label("excused_hours"),
            _hours(a.code, a.hours, (AttendanceCode.UNEXCUSED,)).label("unexcused_hours"),
        )
        .join(m.Lesson, m.Lesson.id == a.lesson_id)
        .join(m.Group, m.Group.id == m.Lesson.group_id)
        .where(m.Lesson.group_id.in_(groups), *_in_range(start, end))
        .group_by(m.Group.name, a.student_id, year, month)
        .order_by(m.Group.name, a.student_id, year, month)
    )
    frame = pd.DataFrame([dict(r._mapping) for r in session.execute(query)])
    if frame.empty:
        return frame
    for column in ("year", "month", "missed_hours", "excused_hours", "unexcused_hours"):
        frame[column] = frame[column].astype("int64")
    return frame

"""Students at risk in a period, counted in the database (R-4.11.a, R-5.1, R-4.5.b).

A student is at risk for any of three reasons, each found by one part of one statement:

* a final result «2», «н/а» or «незачёт» in a discipline of the period;
* where the final grade of a discipline is not set yet, a current weighted mean mark
  (``sum(value × weight) / sum(weight)``, counted in SQL) below 3.0;
* unexcused absences (НП) in the period of more than the given number of hours.

The reasons come back one row per student and discipline, with the student's name;
Python only lists them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import Action, Actor
from netspo_lib.enums import AttendanceCode, FinalResult
from netspo_lib.models.people import full_name, not_left_by
from netspo_lib.models.summary import CODES
from netspo_lib.reports.metrics import weighted_mean_mark
from netspo_lib.reports.performance import readable_groups

ACTION = Action.DASHBOARD_CONTROL
# Who may list students at risk, and through which page: the control (deputy, department
# heads), the performance dashboard (also curators and methodists), the group reports.
ACTIONS = (Action.DASHBOARD_CONTROL, Action.DASHBOARD_PERFORMANCE, Action.REPORT_GROUP)
FAILING = (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
LOW_MEAN = 3.0
COLUMNS = ["student_id", "Группа", "Студент", "Причины"]
# Up to this many groups (the drill-down) the marks are read through the groups' lessons;
# for more (a department, the college), through the students' rows.
_FEW_GROUPS = 2


def students_at_risk(
    session: Session,
    actor: Actor,
    *,
    period_id: int,
    group_ids: Sequence[int] | None = None,
    unexcused_hours: int = 100,
    action: Action = ACTION,
) -> pd.DataFrame:
    """One row per student at risk with the reasons in Russian, «; »-separated.

    ``action``: the right the groups are checked with, one of :data:`ACTIONS`.

    ``unexcused_hours``: more НП hours than this in the period puts a student at risk; the
    default, 100 academic hours (50 pairs, about a tenth of a semester's classes), flagged
    16 % of the demo college's students in its first semester.
    """
    if action not in ACTIONS:
        raise ValueError(f"students_at_risk: {action} is not a right that lists students at risk")
    groups = readable_groups(session, actor, group_ids, action)
    if not groups:
        return pd.DataFrame(columns=COLUMNS)
    # The statements are built once (building them cost a drill-down more than running
    # them); the values are bound with ``.params()``, in the statement, so that it also
    # compiles with them inlined. A period that does not exist has no final grades and no
    # lessons: no reasons, the empty frame.
    params: dict[str, Any] = {
        "group_ids": list(groups),
        "period_id": period_id,
        "unexcused_hours": unexcused_hours,
    }
    # The journal is read through the groups' own lessons (their index ranges) instead of
    # every row of their students (scattered over the whole table): the same rows as long
    # as the students have none on other groups' lessons, which one count per journal
    # checks first (a student moved from another group keeps the old group's rows: then
    # the students' rows are read). The marks so for a group or two (the drill-down); the
    # absences also for many groups when the summaries count their side of the check.
    few, summary = len(groups) <= _FEW_GROUPS, summaries.enabled()
    own_marks = own_absences = False
    if few or summary:
        own = _in_own_lessons(summary, few)
        own_marks, own_absences = session.execute(own.params(params)).one()
    names: dict[int, tuple[str, str]] = {}
    reasons: dict[int, list[str]] = defaultdict(list)
    for kind, sid, index, result, value, _tie, group, last, first, middle in session.execute(
        _reasons(bool(own_marks), bool(own_absences)).params(params)
    ):
        if sid not in names:
            names[sid] = (group, full_name(last, first, middle))
        if kind == _FAILED:
            reasons[sid].append(f"итог «{result.label}» по {index}")
        elif kind == _LOW:
            reasons[sid].append(f"средний балл {float(value):.2f} по {index}")
        else:
            reasons[sid].append(f"пропущено без уважительной причины {int(value)} ч")
    if not reasons:
        return pd.DataFrame(columns=COLUMNS)
    # By group and name, ties in id order: what pandas' (stable) ``sort_values`` gave, at a
    # fraction of its cost for a few dozen rows.
    rows = [[sid, *names[sid], "; ".join(reasons[sid])] for sid in sorted(reasons)]
    rows.sort(key=lambda r: (r[1], r[2]))
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------- statements
# Parameters: group_ids (expanding), period_id, unexcused_hours. One statement brings every
# reason with the student's group and name (a statement costs a drill-down ~0.3 ms of
# Python besides its SQL): rows of kind _FAILED, _LOW, _ABSENT with the discipline index,
# the final result, the value (mean or hours) and, for ties, the discipline's id.
_FAILED, _LOW, _ABSENT = 0, 1, 2


def _counted() -> tuple[sa.ColumnElement[bool], ...]:
    """Students of the groups who had not left when the period ended."""
    st, sp = m.Student, m.StudyPeriod
    ends_on = sa.select(sp.ends_on).where(sp.id == sa.bindparam("period_id")).scalar_subquery()
    return (
        st.group_id.in_(sa.bindparam("group_ids", expanding=True)),
        not_left_by(ends_on, st),
    )


@lru_cache(maxsize=4)
def _reasons(own_marks: bool, own_absences: bool) -> sa.Select:
    """Every reason of the counted students with the student's group and name parts, in
    order per student: failing final results and low means by discipline index, then the
    absences (:func:`_failed`, :func:`_low_means`, :func:`_absences`)."""
    parts = sa.union_all(_failed(), _low_means(own_marks), _absences(own_absences)).subquery("reasons")
    st, g, p = m.Student, m.Group, m.Person
    return (
        sa.select(*parts.c, g.name, p.last_name, p.first_name, p.middle_name)
        .join(st, st.id == parts.c.student_id)
        .join(g, g.id == st.group_id)
        .join(p, p.id == st.person_id)
        .order_by(parts.c.kind, parts.c.index, parts.c.tie)
    )


def _failed() -> sa.Select:
    """Failing final results of the counted students in the period."""
    fg, st, item = m.FinalGrade, m.Student, m.CurriculumItem
    return (
        sa.select(
            sa.literal_column(str(_FAILED)).label("kind"),
            fg.student_id,
            item.index,
            fg.result,
            sa.null().label("value"),
            item.id.label("tie"),
        )
        .join(st, st.id == fg.student_id)
        .join(item, item.id == fg.curriculum_item_id)
        .where(fg.period_id == sa.bindparam("period_id"), fg.result.in_(FAILING), *_counted())
    )


@lru_cache(maxsize=4)
def _in_own_lessons(summary: bool, marks: bool) -> sa.Select:
    """(marks, attendance): are all the counted students' rows of that journal on their
    groups' lessons? Each side is counted from indexes alone; ``summary``: the
    attendance rows on the groups' lessons from the month summaries the database keeps
    (netspo_lib.summaries), a few rows per student; not ``marks``: false for the marks,
    not counted."""
    st, ls = m.Student, m.Lesson
    counted = _counted()
    students = sa.select(st.id).where(*counted)
    group_ids = sa.bindparam("group_ids", expanding=True)

    def everywhere(table: type[m.Mark] | type[m.Attendance]) -> sa.ScalarSelect[int]:
        query = sa.select(sa.func.count()).select_from(st).join(table, table.student_id == st.id)
        return query.where(*counted).scalar_subquery()

    # The students' ids from first to last: when no other student's id is among them (a
    # group enrolled or imported at once), a range comparison tells a row of theirs.
    first = sa.select(sa.func.min(st.id)).where(*counted).scalar_subquery()
    last = sa.select(sa.func.max(st.id)).where(*counted).scalar_subquery()
    block = (
        sa.select(sa.func.count()).where(st.id.between(first, last)).scalar_subquery()
        == sa.select(sa.func.count()).where(*counted).scalar_subquery()
    )

    def in_groups(table: type[m.Mark] | type[m.Attendance]) -> sa.ColumnElement[int]:
        # A unary ``+``: SQLite scans each lesson's rows and looks the student up rather
        # than seeking every lesson × student pair.
        student = sa.UnaryExpression(table.student_id, operator=operators.custom_op("+"), type_=sa.Integer())

        def count(own: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
            return (
                sa.select(sa.func.count())
                .select_from(ls)
                .join(table, table.lesson_id == ls.id)
                .where(ls.group_id.in_(group_ids), own)
                .scalar_subquery()
            )

        return sa.case((block, count(student.between(first, last))), else_=count(student.in_(students)))

    own_marks = everywhere(m.Mark) == in_groups(m.Mark) if marks else sa.false()
    if summary:
        months = m.AttendanceStudentMonth.__table__
        rows = sum((months.c[f"n_{code}"] for code in CODES), sa.literal_column("0"))
        kept = (
            sa.select(sa.func.coalesce(sa.func.sum(rows), 0))
            .where(months.c.group_id.in_(group_ids), months.c.student_id.in_(students))
            .scalar_subquery()
        )
        attendance = everywhere(m.Attendance) == kept
    else:
        attendance = everywhere(m.Attendance) == in_groups(m.Attendance)
    return sa.select(own_marks.label("marks"), attendance.label("attendance"))


def _low_means(own: bool) -> sa.Select:
    """Weighted means below :data:`LOW_MEAN` per counted student and discipline of the
    period without a final grade: from every mark of the students, or (``own``) from the
    marks of the groups' lessons, where the (student, discipline) pairs still without a
    final grade are found first and only their marks read (none once the period's final
    grades are all set)."""
    st, item, fg, mk, ls = m.Student, m.CurriculumItem, m.FinalGrade, m.Mark, m.Lesson
    period_id = sa.bindparam("period_id")
    mean = weighted_mean_mark()
    if not own:
        # ``SELECT id``: SQLite answers the check from the unique index alone.
        no_final = ~(
            sa.select(fg.id)
            .where(
                fg.student_id == mk.student_id,
                fg.curriculum_item_id == ls.curriculum_item_id,
                fg.period_id == period_id,
            )
            .exists()
        )
        query = (
            sa.select(*_low_columns(mk.student_id, item.index, mean))
            .join(ls, ls.id == mk.lesson_id)
            .join(st, st.id == mk.student_id)
            .join(item, item.id == ls.curriculum_item_id)
            .where(ls.period_id == period_id, no_final, *_counted())
        )
    else:
        in_groups = ls.group_id.in_(sa.bindparam("group_ids", expanding=True))
        items = (
            sa.select(ls.curriculum_item_id.label("item"))
            .where(in_groups, ls.period_id == period_id)
            .distinct()
            .subquery("items")
        )
        has_final = (
            sa.select(fg.id)
            .where(fg.student_id == st.id, fg.curriculum_item_id == items.c.item, fg.period_id == period_id)
            .exists()
        )
        pending = (
            sa.select(st.id.label("student_id"), items.c.item)
            .select_from(st)
            .join(items, sa.true())
            .where(*_counted(), ~has_final)
            .cte("pending")
        )
        query = (
            sa.select(*_low_columns(mk.student_id, item.index, mean))
            .select_from(ls)
            .join(mk, mk.lesson_id == ls.id)
            .join(item, item.id == ls.curriculum_item_id)
            .where(
                in_groups,
                ls.period_id == period_id,
                ls.curriculum_item_id.in_(sa.select(pending.c.item)),
                sa.tuple_(mk.student_id, ls.curriculum_item_id).in_(
                    sa.select(pending.c.student_id, pending.c.item)
                ),
            )
        )
    return query.group_by(mk.student_id, item.index).having(mean < LOW_MEAN)


def _low_columns(
    student: sa.ColumnElement[int], index: sa.ColumnElement[str], mean: sa.ColumnElement[float]
) -> list[sa.ColumnElement[Any]]:
    """The columns of a low mean's row of :func:`_reasons`."""
    return [
        sa.literal_column(str(_LOW)).label("kind"),
        student.label("student_id"),
        index.label("index"),
        sa.null().label("result"),
        mean.label("value"),
        sa.null().label("tie"),
    ]


def _absences(own: bool) -> sa.Select:
    """Counted students with more than ``unexcused_hours`` НП hours in the period: from
    every absence of the students, or (``own``) from the groups' lessons of the period
    (the absences' covering index by lesson)."""
    st, at, ls = m.Student, m.Attendance, m.Lesson
    hours = sa.func.sum(at.hours)
    in_period = [ls.period_id == sa.bindparam("period_id"), at.code == AttendanceCode.UNEXCUSED]
    if not own:
        query = (
            sa.select(*_absent_columns(at.student_id, hours))
            .join(ls, ls.id == at.lesson_id)
            .join(st, st.id == at.student_id)
            .where(*in_period, *_counted())
        )
    else:
        # ``+ 0``: SQLite reads the lessons first and the students' absences from the
        # covering index by lesson, rather than every absence in student order (to group
        # them without sorting).
        student = at.student_id + sa.literal_column("0")
        query = (
            sa.select(*_absent_columns(student, hours))
            .select_from(ls)
            .join(at, at.lesson_id == ls.id)
            .where(
                ls.group_id.in_(sa.bindparam("group_ids", expanding=True)),
                *in_period,
                student.in_(sa.select(st.id).where(*_counted())),
            )
            .group_by(student)
        )
        return query.having(hours > sa.bindparam("unexcused_hours"))
    return query.group_by(at.student_id).having(hours > sa.bindparam("unexcused_hours"))


def _absent_columns(
    student: sa.ColumnElement[int], hours: sa.ColumnElement[int]
) -> list[sa.ColumnElement[Any]]:
    """The columns of an absences' row of :func:`_reasons`."""
    return [
        sa.literal_column(str(_ABSENT)).label("kind"),
        student.label("student_id"),
        sa.null().label("index"),
        sa.null().label("result"),
        hours.label("value"),
        sa.null().label("tie"),
    ]

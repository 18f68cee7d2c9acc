"""Control of the journal's filling and of the hours delivered, counted in the database
(R-4.11.a, R-5.1, R-5.3, R-4.5.b, R-4.4.h, R-4.5.a).

Each measure is one ``GROUP BY`` over its table; the measures are joined by teacher ×
group × discipline in SQL, and only the finished rows come back to Python.
The scope is :attr:`Action.DASHBOARD_CONTROL` through :func:`readable_groups`: a department
head sees the own department, the deputy director and the engineer the whole college.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed
from netspo_lib.reports.performance import readable_groups

ACTION = Action.DASHBOARD_CONTROL
LATE_DAYS = 7  # a lesson entered a week or more after it was held is entered late (R-4.5.b)
FEW_MARKS = 3  # fewer marks per student over the period is «мало отметок» (R-4.11.a)

FILLING_COLUMNS = [
    "Преподаватель",
    "Группа",
    "Индекс",
    "Дисциплина",
    "Занятий проведено",
    "Без темы",
    "Внесено с опозданием",
    "Без отметок и посещаемости",
    "Отметок",
    "Студентов",
    "Отметок на студента",
    "Мало отметок",
    "Без итоговой оценки",
]
HOURS_COLUMNS = [
    "Преподаватель",
    "Группа",
    "Индекс",
    "Дисциплина",
    "Часов по плану",
    "Часов проведено",
    "Разница, ч",
    "Выполнено, %",
]
REMARK_COLUMNS = ["Дата", "Преподаватель", "Группа", "Замечание", "Состояние", "Устранено"]


def _teacher_name() -> sa.ColumnElement[str]:
    return (m.Person.last_name + " " + m.Person.first_name).label("teacher")


def _late(session: Session) -> sa.ColumnElement[bool]:
    """The lesson was entered ``LATE_DAYS`` or more days after it was held."""
    lesson = m.Lesson
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.julianday(lesson.created_at) - sa.func.julianday(lesson.lesson_date) >= LATE_DAYS
    return lesson.created_at >= lesson.lesson_date + sa.text(f"interval '{LATE_DAYS} days'")


def _enrolled(period: m.StudyPeriod) -> sa.ColumnElement[bool]:
    """Students still in the group when the period ended."""
    return sa.or_(m.Student.left_on.is_(None), m.Student.left_on > period.ends_on)


def journal_filling(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per teacher × group × discipline with lessons in the period (R-4.11.a, R-5.1):
    lessons held, without a topic, entered late, without any mark or attendance row; marks
    per student and «мало отметок»; students without a final grade once the period has
    ended (R-5.3; ``None`` while it goes on)."""
    groups = readable_groups(session, actor, group_ids, ACTION)
    period = session.get(m.StudyPeriod, period_id)
    if not groups or period is None:
        return pd.DataFrame(columns=FILLING_COLUMNS)
    ls = m.Lesson
    keys = (ls.teacher_id, ls.group_id, ls.curriculum_item_id)
    in_scope = (ls.period_id == period_id, ls.group_id.in_(groups))
    blank = sa.func.trim(sa.func.coalesce(ls.topic, "")) == ""
    # EXISTS of an indexed column (not ``SELECT *``): SQLite answers from the index alone.
    empty = sa.and_(
        ~sa.select(m.Mark.lesson_id).where(m.Mark.lesson_id == ls.id).exists(),
        ~sa.select(m.Attendance.lesson_id).where(m.Attendance.lesson_id == ls.id).exists(),
    )
    measures = [
        sa.func.count().label("held"),
        sa.func.sum(sa.case((blank, 1), else_=0)).label("no_topic"),
        sa.func.sum(sa.case((_late(session), 1), else_=0)).label("late"),
        sa.func.sum(sa.case((empty, 1), else_=0)).label("empty"),
    ]
    marks: sa.Subquery | None = None
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no hash aggregate: joining a period's million marks to its lessons and
        # grouping them sorts them all (seconds). Each lesson's marks are counted from the
        # unique index of marks instead, the lessons coming in key order from
        # ix_lessons_period_keys.
        n_marks = sa.select(sa.func.count()).where(m.Mark.lesson_id == ls.id).scalar_subquery()
        measures.append(sa.func.sum(n_marks).label("marks"))
    else:  # PostgreSQL hashes the join and the counts (per lesson it is slower)
        marks = (
            sa.select(*keys, sa.func.count(m.Mark.id).label("marks"))
            .join(m.Mark, m.Mark.lesson_id == ls.id)
            .where(*in_scope)
            .group_by(*keys)
            .subquery()
        )
    lessons = sa.select(*keys, *measures).where(*in_scope).group_by(*keys).subquery()
    students = (
        sa.select(m.Student.group_id, sa.func.count().label("students"))
        .where(m.Student.group_id.in_(groups), _enrolled(period))
        .group_by(m.Student.group_id)
        .subquery()
    )
    # The group × discipline pairs taught, on their own (not the measures above, which
    # the database would compute a second time for this subquery).
    taught = sa.select(ls.group_id, ls.curriculum_item_id).where(*in_scope).distinct().subquery()
    has_final = (
        sa.select(m.FinalGrade.id)
        .where(
            m.FinalGrade.student_id == m.Student.id,
            m.FinalGrade.curriculum_item_id == taught.c.curriculum_item_id,
            m.FinalGrade.period_id == period_id,
        )
        .exists()
    )
    missing = (
        sa.select(taught.c.group_id, taught.c.curriculum_item_id, sa.func.count().label("missing"))
        .join(m.Student, m.Student.group_id == taught.c.group_id)
        .where(_enrolled(period), ~has_final)
        .group_by(taught.c.group_id, taught.c.curriculum_item_id)
        .subquery()
    )
    ended = period.ends_on < clock.today()
    n_students = sa.func.coalesce(students.c.students, 0)
    n_marks = sa.func.coalesce((lessons if marks is None else marks).c.marks, 0)
    per_student = sa.cast(n_marks, sa.Float) / sa.func.nullif(n_students, 0)
    query = (
        sa.select(
            _teacher_name(),
            m.Group.name.label("group"),
            m.CurriculumItem.index,
            m.CurriculumItem.name.label("discipline"),
            lessons.c.held,
            lessons.c.no_topic,
            lessons.c.late,
            lessons.c.empty,
            n_marks.label("marks"),
            n_students.label("students"),
            per_student.label("per_student"),
            sa.func.coalesce(missing.c.missing, 0).label("missing"),
        )
        .select_from(lessons)
        .join(m.Person, m.Person.id == lessons.c.teacher_id)
        .join(m.Group, m.Group.id == lessons.c.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == lessons.c.curriculum_item_id)
        .outerjoin(students, students.c.group_id == lessons.c.group_id)
        .outerjoin(
            missing,
            sa.and_(
                missing.c.group_id == lessons.c.group_id,
                missing.c.curriculum_item_id == lessons.c.curriculum_item_id,
            ),
        )
        .order_by(m.Person.last_name, m.Group.name, m.CurriculumItem.index)
    )
    if marks is not None:
        query = query.outerjoin(
            marks,
            sa.and_(
                marks.c.teacher_id == lessons.c.teacher_id,
                marks.c.group_id == lessons.c.group_id,
                marks.c.curriculum_item_id == lessons.c.curriculum_item_id,
            ),
        )
    rows = []
    for r in session.execute(query):
        few = r.per_student is not None and r.per_student < FEW_MARKS
        rows.append(
            [
                r.teacher, r.group, r.index, r.discipline, int(r.held), int(r.no_topic), int(r.late),
                int(r.empty), int(r.marks), int(r.students),
                None if r.per_student is None else round(float(r.per_student), 2),
                "мало отметок" if few else "", int(r.missing) if ended else None,
            ]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=FILLING_COLUMNS)


def hours_delivered(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Planned hours of each teaching assignment of the period against the hours of the
    lessons held (R-4.11.a, R-4.4.h): difference and per cent delivered, counted in SQL."""
    groups = readable_groups(session, actor, group_ids, ACTION)
    if not groups:
        return pd.DataFrame(columns=HOURS_COLUMNS)
    ls, ta = m.Lesson, m.TeachingAssignment
    held = (
        sa.select(ls.teacher_id, ls.group_id, ls.curriculum_item_id, sa.func.sum(ls.hours).label("delivered"))
        .where(ls.period_id == period_id, ls.group_id.in_(groups))
        .group_by(ls.teacher_id, ls.group_id, ls.curriculum_item_id)
        .subquery()
    )
    delivered = sa.func.coalesce(held.c.delivered, 0)
    percent = sa.cast(delivered, sa.Float) * 100 / sa.func.nullif(ta.planned_hours, 0)
    query = (
        sa.select(
            _teacher_name(),
            m.Group.name.label("group"),
            m.CurriculumItem.index,
            m.CurriculumItem.name.label("discipline"),
            ta.planned_hours,
            delivered.label("delivered"),
            (ta.planned_hours - delivered).label("difference"),
            percent.label("percent"),
        )
        .join(m.Person, m.Person.id == ta.teacher_id)
        .join(m.Group, m.Group.id == ta.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == ta.curriculum_item_id)
        .outerjoin(
            held,
            sa.and_(
                held.c.teacher_id == ta.teacher_id,
                held.c.group_id == ta.group_id,
                held.c.curriculum_item_id == ta.curriculum_item_id,
            ),
        )
        .where(ta.period_id == period_id, ta.group_id.in_(groups))
        .order_by(m.Person.last_name, m.Group.name, m.CurriculumItem.index)
    )
    rows = [
        [r.teacher, r.group, r.index, r.discipline, int(r.planned_hours), int(r.delivered),
         int(r.difference), None if r.percent is None else round(float(r.percent), 2)]
        for r in session.execute(query)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=HOURS_COLUMNS)


def remarks(session: Session, actor: Actor, *, teacher_id: int | None = None) -> pd.DataFrame:
    """Remarks of «Анализ работы» with their state, open or fixed (R-4.11.a, R-4.5.a).

    A remark about a group is shown to whoever controls that group; a remark without a
    group only to those who control the whole college."""
    groups = readable_groups(session, actor, None, ACTION)
    whole = allowed(session, actor, ACTION, Resource(college_id=actor.college_id))
    wr = m.WorkRemark
    in_scope = wr.group_id.in_(groups or [-1])
    if whole:
        teachers_here = sa.select(m.UserAccount.id).where(m.UserAccount.college_id == actor.college_id)
        in_scope = sa.or_(in_scope, sa.and_(wr.group_id.is_(None), wr.author_id.in_(teachers_here)))
    query = (
        sa.select(
            wr.created_at, _teacher_name(), m.Group.name.label("group"), wr.text, wr.status, wr.fixed_at
        )
        .join(m.Person, m.Person.id == wr.teacher_id)
        .outerjoin(m.Group, m.Group.id == wr.group_id)
        .where(in_scope)
        .order_by(wr.created_at, wr.id)
    )
    if teacher_id is not None:
        query = query.where(wr.teacher_id == teacher_id)
    rows = [
        [r.created_at, r.teacher, r.group, r.text, r.status.label, r.fixed_at] for r in session.execute(query)
    ]
    return pd.DataFrame(rows, columns=REMARK_COLUMNS)

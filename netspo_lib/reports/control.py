"""Control of the journal's filling and of the hours delivered, counted in the database
(R-4.11.a, R-5.1, R-5.3, R-4.5.b, R-4.4.h, R-4.5.a).

Each measure is one ``GROUP BY`` over its table; the measures are joined by teacher ×
group × discipline in SQL, and only the finished rows come back to Python.
The scope is :attr:`Action.DASHBOARD_CONTROL` through :func:`readable_groups`: a department
head sees the own department, the deputy director and the engineer the whole college.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock, summaries
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed
from netspo_lib.grade_summaries import graded_per_cell
from netspo_lib.models.people import not_left_by
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


def _enrolled(ends_on: sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
    """Students still in the group when the period ended."""
    return not_left_by(ends_on)


def _late(sqlite: bool) -> sa.ColumnElement[bool]:
    """The lesson was entered ``LATE_DAYS`` or more days after it was held.

    The days are written into the SQL, not bound: SQLite answers from the partial index
    ``ix_lessons_period_late`` only a condition that repeats the index's ``WHERE``."""
    lesson = m.Lesson
    if sqlite:
        days = sa.literal_column(str(LATE_DAYS))
        return sa.func.julianday(lesson.created_at) - sa.func.julianday(lesson.lesson_date) >= days
    return lesson.created_at >= lesson.lesson_date + sa.text(f"interval '{LATE_DAYS} days'")


def _blank() -> sa.ColumnElement[bool]:
    """The lesson has no topic: the ``WHERE`` of the partial index ``ix_lessons_period_no_topic``,
    its empty string written into the SQL as in :func:`_late`."""
    empty = sa.literal_column("''")
    return sa.func.trim(sa.func.coalesce(m.Lesson.topic, empty)) == empty


# SQLite: a lesson's marks and whether it is empty, packed in one integer (marks × 2³² + 0/1).
PACK = 2**32


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
    sqlite = session.get_bind().dialect.name == "sqlite"
    ended = period.ends_on < clock.today()
    query = _filling_query(sqlite, ended, summaries.enabled())
    params = {"period_id": period.id, "ends_on": period.ends_on, "group_ids": list(groups)}
    rows = []
    for r in session.execute(query.params(params)):
        n_marks, n_empty = divmod(int(r.packed), PACK) if sqlite else (int(r.marks), int(r.empty))
        # int / int is the correctly rounded quotient, as the databases' float division
        per_student = n_marks / r.students if r.students else None
        few = per_student is not None and per_student < FEW_MARKS
        rows.append(
            [
                r.teacher, r.group, r.index, r.discipline, int(r.held), int(r.no_topic), int(r.late),
                n_empty, n_marks, int(r.students), None if per_student is None else round(per_student, 2),
                "мало отметок" if few else "", int(r.missing) if ended else None,
            ]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=FILLING_COLUMNS)


@lru_cache(maxsize=8)
def _filling_query(sqlite: bool, ended: bool, summary: bool) -> sa.Select:
    """The query of :func:`journal_filling`, built once (building it costs a drill-down
    more than running it); values bound with ``.params()``: ``period_id``, ``ends_on``,
    ``group_ids``. ``summary``: the final grades counted from ``final_grade_cells``."""
    period_id = sa.bindparam("period_id", type_=sa.Integer)
    group_ids = sa.bindparam("group_ids", expanding=True)
    ends_on = sa.bindparam("ends_on", type_=sa.Date)
    ls = m.Lesson
    keys = (ls.teacher_id, ls.group_id, ls.curriculum_item_id)
    key_names = ("teacher_id", "group_id", "curriculum_item_id")
    in_scope = (ls.period_id == period_id, ls.group_id.in_(group_ids))
    # EXISTS of an indexed column (not ``SELECT *``): SQLite answers from the index alone.
    # Correlated to the lesson explicitly: on SQLite it sits two levels down, in the marks'.
    has_attendance = (
        sa.select(m.Attendance.lesson_id)
        .where(m.Attendance.lesson_id == ls.id)
        .correlate_except(m.Attendance)
        .exists()
    )
    marks: sa.Subquery | None = None
    if sqlite:
        # SQLite has no hash aggregate: joining a period's million marks to its lessons and
        # grouping them sorts them all (seconds). Each lesson's marks are counted from the
        # unique index of marks instead, the lessons coming in key order from the covering
        # ix_lessons_period_keys. SQLite would evaluate a subquery used by two aggregates
        # twice, so the one count gives both measures, packed: marks × PACK + (1 if the
        # lesson has neither marks nor attendance rows).
        n = sa.func.count()
        empty_flag = sa.case((sa.and_(n == 0, ~has_attendance), 1), else_=0)
        packed = sa.select(n * PACK + empty_flag).where(m.Mark.lesson_id == ls.id).scalar_subquery()
        measures = [sa.func.count().label("held"), sa.func.sum(packed).label("packed")]
    else:  # PostgreSQL hashes the join and the counts (per lesson it is slower)
        has_marks = sa.select(m.Mark.lesson_id).where(m.Mark.lesson_id == ls.id).exists()
        empty = sa.and_(~has_marks, ~has_attendance)
        measures = [sa.func.count().label("held"), sa.func.sum(sa.case((empty, 1), else_=0)).label("empty")]
        marks = (
            sa.select(*keys, sa.func.count(m.Mark.id).label("marks"))
            .join(m.Mark, m.Mark.lesson_id == ls.id)
            .where(*in_scope)
            .group_by(*keys)
            .subquery()
        )
    lessons = sa.select(*keys, *measures).where(*in_scope).group_by(*keys).subquery()
    if marks is None:  # unpacked in Python: integer division is not the same in every SQL
        tallies = [lessons.c.packed]
    else:
        tallies = [lessons.c.empty, sa.func.coalesce(marks.c.marks, 0).label("marks")]
    students = (
        sa.select(m.Student.group_id, sa.func.count().label("students"))
        .where(m.Student.group_id.in_(group_ids), _enrolled(ends_on))
        .group_by(m.Student.group_id)
        .subquery()
    )
    n_students = sa.func.coalesce(students.c.students, 0)

    def same_keys(sub: sa.Subquery, *columns: str) -> sa.ColumnElement[bool]:
        return sa.and_(*(sub.c[c] == lessons.c[c] for c in columns))

    def few_lessons(condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
        """The row's lessons of a rare condition, counted from the condition's partial index
        (reading each of the period's lessons for it costs SQLite a third of the report)."""
        same = [getattr(ls, c) == lessons.c[c] for c in key_names]
        return sa.select(sa.func.count()).where(ls.period_id == period_id, *same, condition).scalar_subquery()

    query = (
        sa.select(
            _teacher_name(),
            m.Group.name.label("group"),
            m.CurriculumItem.index,
            m.CurriculumItem.name.label("discipline"),
            lessons.c.held,
            few_lessons(_blank()).label("no_topic"),
            few_lessons(_late(sqlite)).label("late"),
            *tallies,
            n_students.label("students"),
        )
        .select_from(lessons)
        .join(m.Person, m.Person.id == lessons.c.teacher_id)
        .join(m.Group, m.Group.id == lessons.c.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == lessons.c.curriculum_item_id)
        .outerjoin(students, students.c.group_id == lessons.c.group_id)
        .order_by(m.Person.last_name, m.Group.name, m.CurriculumItem.index)
    )
    if marks is not None:
        query = query.outerjoin(marks, same_keys(marks, *key_names))
    if not ended:  # while the period goes on the column stays empty: nothing to count
        return query
    pair = ("group_id", "curriculum_item_id")
    if summary:
        # The enrolled students less those of them with a grade, counted from the heat
        # map's cells the database keeps (not a look-up per student and discipline).
        graded = graded_per_cell(period_id, ends_on, group_ids)
        query = query.outerjoin(graded, same_keys(graded, *pair))
        return query.add_columns((n_students - sa.func.coalesce(graded.c.graded, 0)).label("missing"))
    # Without the cells: the pairs taught, on their own (not the measures above, which the
    # database would compute a second time for this subquery), and each enrolled student's
    # grade looked up.
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
        .where(_enrolled(ends_on), ~has_final)
        .group_by(taught.c.group_id, taught.c.curriculum_item_id)
        .subquery()
    )
    query = query.outerjoin(missing, same_keys(missing, *pair))
    return query.add_columns(sa.func.coalesce(missing.c.missing, 0).label("missing"))


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

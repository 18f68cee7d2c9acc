"""The teacher's reports (R-4.10.e): results by discipline for a period, and the teacher's
report at the end of a period and of the year — hours delivered against planned, results,
journal-filling remarks and the remarks of «Анализ работы» (R-4.10.f).

Everything is counted per teaching assignment (нагрузка: teacher × group or subgroup ×
discipline × period) in SQL; a subgroup's assignment counts only its members. Final
grades count as the requirements' «Metrics» define: students who left before the period
ended are not counted, «осв.» is left out.

Scope: :attr:`Action.REPORT_TEACHER` — a teacher sees only the own teaching; the
department head the teachers employed in the department; the deputy director, the
director and the methodist anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed, require
from netspo_lib.errors import NetspoError
from netspo_lib.locks import period_label
from netspo_lib.reports.metrics import from_counts
from netspo_lib.reports.performance import RESULTS
from netspo_lib.tables import Block, SheetSpec, write_sheets

FEW_MARKS = 3  # fewer marks per student over the period: «мало отметок» (as reports.control)
SIGNATURES = ("Преподаватель", "Заведующий отделением", "Заместитель директора по УР")

RESULT_LABELS = {
    "5": "«5»", "4": "«4»", "3": "«3»", "2": "«2»", "not_attested": "н/а",
    "pass": "зачёт", "fail": "незачёт", "exempt": "осв.",
}  # fmt: skip
KEY_COLUMNS = ["Период", "Группа", "Индекс", "Дисциплина"]
RESULT_COLUMNS = [
    *KEY_COLUMNS,
    *RESULT_LABELS.values(),
    "Учтено студентов",
    "Успеваемость, %",
    "Качество, %",
    "СОУ, %",
    "Средний балл",
]
HOURS_COLUMNS = [*KEY_COLUMNS, "Часов по плану", "Часов проведено", "Разница, ч", "Выполнено, %"]
FILLING_COLUMNS = [
    *KEY_COLUMNS,
    "Занятий проведено",
    "Без темы",
    "Без отметок и посещаемости",
    "Отметок на студента",
    "Без итоговой оценки",
    "Замечания",
]
REMARK_COLUMNS = ["Дата", "Группа", "Замечание", "Состояние", "Устранено"]


@dataclass(frozen=True)
class TeacherReport:
    teacher: str  # «Иванова Анна Петровна»
    college: str
    period: str  # «1 семестр 2025/2026» or «2025/2026 учебный год»
    hours: pd.DataFrame  # HOURS_COLUMNS (the year's report ends with «Итого»)
    results: pd.DataFrame  # RESULT_COLUMNS
    filling: pd.DataFrame  # FILLING_COLUMNS
    remarks: pd.DataFrame  # REMARK_COLUMNS


def require_teacher(session: Session, actor: Actor, teacher_id: int) -> m.Person:
    """The teacher (a person) whose report is asked for; refuses unless the actor may see it:
    the teacher personally, the head of the department the teacher is employed in, leaders."""
    person = session.get(m.Person, teacher_id)
    if person is None:
        raise NetspoError(f"Нет преподавателя № {teacher_id}.")
    jobs = session.execute(
        sa.select(m.StaffEmployment.college_id, m.StaffEmployment.department_id)
        .where(m.StaffEmployment.person_id == teacher_id)
        .order_by(m.StaffEmployment.dismissed_on.is_not(None), m.StaffEmployment.hired_on.desc())
    ).all()
    # Where the teacher works: the department of the employment, and those of the groups the
    # teacher teaches (a department head sees the teachers who teach in the department).
    taught = session.execute(
        sa.select(m.Group.college_id, m.Group.department_id)
        .join(m.TeachingAssignment, m.TeachingAssignment.group_id == m.Group.id)
        .where(m.TeachingAssignment.teacher_id == teacher_id)
        .distinct()
    ).all()
    places = [(c, d) for c, d in (*jobs, *taught)] or [(actor.college_id, None)]
    description = f"отчёт преподавателя {person.short_name}"
    resources = [
        Resource(college_id=c, department_id=d, person_id=teacher_id, description=description)
        for c, d in places
    ]
    found = next((r for r in resources if allowed(session, actor, Action.REPORT_TEACHER, r)), resources[0])
    require(session, actor, Action.REPORT_TEACHER, found)
    return person


def _assignments(teacher_id: int, period_ids: Sequence[int]) -> sa.Subquery:
    ta = m.TeachingAssignment
    return (
        sa.select(ta.id, ta.group_id, ta.subgroup_id, ta.curriculum_item_id, ta.period_id, ta.planned_hours)
        .where(ta.teacher_id == teacher_id, ta.period_id.in_(list(period_ids) or [-1]))
        .subquery("ta")
    )


def _member(ta: sa.Subquery) -> sa.ColumnElement[bool]:
    """The student is taught by the assignment: the whole group, or the subgroup's member."""
    return sa.or_(
        ta.c.subgroup_id.is_(None),
        sa.exists().where(
            m.SubgroupMember.subgroup_id == ta.c.subgroup_id, m.SubgroupMember.student_id == m.Student.id
        ),
    )


def _named(ta: sa.Subquery, *columns: sa.ColumnElement) -> sa.Select:
    """The assignments with the names of their period, group and discipline."""
    return (
        sa.select(
            ta.c.id,
            m.StudyPeriod.name.label("period"),
            m.Group.name.label("group"),
            m.CurriculumItem.index.label("index"),
            m.CurriculumItem.name.label("discipline"),
            *columns,
        )
        .select_from(ta)
        .join(m.StudyPeriod, m.StudyPeriod.id == ta.c.period_id)
        .join(m.Group, m.Group.id == ta.c.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == ta.c.curriculum_item_id)
        .order_by(
            m.StudyPeriod.starts_on, m.StudyPeriod.number, m.Group.name, m.CurriculumItem.index, ta.c.id
        )
    )


def _results(session: Session, teacher_id: int, period_ids: Sequence[int]) -> pd.DataFrame:
    ta = _assignments(teacher_id, period_ids)
    fg, st, per = m.FinalGrade, m.Student, m.StudyPeriod
    counts = (
        sa.select(
            ta.c.id.label("ta_id"),
            *[sa.func.sum(sa.case((fg.result == r, 1), else_=0)).label(f"n_{r}") for r in RESULTS],
        )
        .select_from(ta)
        .join(per, per.id == ta.c.period_id)
        .join(st, st.group_id == ta.c.group_id)
        .join(
            fg,
            sa.and_(
                fg.student_id == st.id,
                fg.curriculum_item_id == ta.c.curriculum_item_id,
                fg.period_id == ta.c.period_id,
            ),
        )
        .where(_member(ta), sa.or_(st.left_on.is_(None), st.left_on > per.ends_on))
        .group_by(ta.c.id)
        .subquery()
    )
    query = _named(ta, *[sa.func.coalesce(counts.c[f"n_{r}"], 0).label(f"n_{r}") for r in RESULTS]).outerjoin(
        counts, counts.c.ta_id == ta.c.id
    )
    rows = []
    for r in session.execute(query):
        found = {res: int(getattr(r, f"n_{res}")) for res in RESULTS}
        metrics = from_counts(found)
        rows.append(
            [
                r.period, r.group, r.index, r.discipline, *[found[k] for k in RESULT_LABELS], metrics.n,
                _r1(metrics.progress_pct), _r1(metrics.quality_pct), _r1(metrics.sou_pct),
                None if metrics.mean is None else round(metrics.mean, 2),
            ]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _lessons_of(ta: sa.Subquery) -> sa.ColumnElement[bool]:
    ls = m.Lesson
    return sa.and_(
        ls.teacher_id == sa.bindparam("teacher"),
        ls.group_id == ta.c.group_id,
        ls.curriculum_item_id == ta.c.curriculum_item_id,
        ls.period_id == ta.c.period_id,
    )


def _hours(session: Session, teacher_id: int, period_ids: Sequence[int]) -> pd.DataFrame:
    """Planned hours against the hours of the lessons held (as reports.control counts them:
    the teacher's lessons of the group, discipline and period)."""
    ta = _assignments(teacher_id, period_ids)
    ls = m.Lesson
    held = (
        sa.select(ta.c.id.label("ta_id"), sa.func.sum(ls.hours).label("delivered"))
        .select_from(ta)
        .join(ls, _lessons_of(ta))
        .group_by(ta.c.id)
        .subquery()
    )
    delivered = sa.func.coalesce(held.c.delivered, 0)
    query = _named(ta, ta.c.planned_hours, delivered.label("delivered")).outerjoin(
        held, held.c.ta_id == ta.c.id
    )
    rows = []
    for r in session.execute(query, {"teacher": teacher_id}):
        planned, done = int(r.planned_hours), int(r.delivered)
        percent = round(100.0 * done / planned, 2) if planned else None
        rows.append([r.period, r.group, r.index, r.discipline, planned, done, planned - done, percent])
    return pd.DataFrame(rows, columns=HOURS_COLUMNS)


def _filling(session: Session, teacher_id: int, period_ids: Sequence[int]) -> pd.DataFrame:
    """Per assignment: lessons held, without a topic, without any mark or attendance row;
    marks per student taught; students without a final grade once the period has ended."""
    ta = _assignments(teacher_id, period_ids)
    ls, st, per = m.Lesson, m.Student, m.StudyPeriod
    blank = sa.func.trim(sa.func.coalesce(ls.topic, "")) == ""
    empty = sa.and_(
        ~sa.exists().where(m.Mark.lesson_id == ls.id), ~sa.exists().where(m.Attendance.lesson_id == ls.id)
    )
    lessons = (
        sa.select(
            ta.c.id.label("ta_id"),
            sa.func.count(ls.id).label("held"),
            sa.func.sum(sa.case((blank, 1), else_=0)).label("no_topic"),
            sa.func.sum(sa.case((empty, 1), else_=0)).label("empty"),
        )
        .select_from(ta)
        .join(ls, _lessons_of(ta))
        .group_by(ta.c.id)
        .subquery()
    )
    marks = (
        sa.select(ta.c.id.label("ta_id"), sa.func.count(m.Mark.id).label("marks"))
        .select_from(ta)
        .join(ls, _lessons_of(ta))
        .join(m.Mark, m.Mark.lesson_id == ls.id)
        .group_by(ta.c.id)
        .subquery()
    )
    enrolled = sa.or_(st.left_on.is_(None), st.left_on > per.ends_on)
    has_final = sa.exists().where(
        m.FinalGrade.student_id == st.id,
        m.FinalGrade.curriculum_item_id == ta.c.curriculum_item_id,
        m.FinalGrade.period_id == ta.c.period_id,
    )
    students = (
        sa.select(
            ta.c.id.label("ta_id"),
            sa.func.count(st.id).label("students"),
            sa.func.sum(sa.case((~has_final, 1), else_=0)).label("missing"),
        )
        .select_from(ta)
        .join(per, per.id == ta.c.period_id)
        .join(st, st.group_id == ta.c.group_id)
        .where(_member(ta), enrolled)
        .group_by(ta.c.id)
        .subquery()
    )
    query = (
        _named(
            ta,
            sa.func.coalesce(lessons.c.held, 0).label("held"),
            sa.func.coalesce(lessons.c.no_topic, 0).label("no_topic"),
            sa.func.coalesce(lessons.c.empty, 0).label("empty"),
            sa.func.coalesce(marks.c.marks, 0).label("marks"),
            sa.func.coalesce(students.c.students, 0).label("students"),
            sa.func.coalesce(students.c.missing, 0).label("missing"),
            m.StudyPeriod.ends_on,
        )
        .outerjoin(lessons, lessons.c.ta_id == ta.c.id)
        .outerjoin(marks, marks.c.ta_id == ta.c.id)
        .outerjoin(students, students.c.ta_id == ta.c.id)
    )
    today = clock.today()
    rows = []
    for r in session.execute(query, {"teacher": teacher_id}):
        per_student = round(int(r.marks) / int(r.students), 2) if r.students else None
        ended = r.ends_on < today
        missing = int(r.missing) if ended else None
        notes = []
        if r.no_topic:
            notes.append(f"занятий без темы: {int(r.no_topic)}")
        if r.empty:
            notes.append(f"занятий без отметок и посещаемости: {int(r.empty)}")
        if per_student is not None and per_student < FEW_MARKS and r.held:
            notes.append("мало отметок")
        if missing:
            notes.append(f"не выставлены итоговые оценки: {missing}")
        rows.append(
            [r.period, r.group, r.index, r.discipline, int(r.held), int(r.no_topic), int(r.empty),
             per_student, missing, "; ".join(notes)]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=FILLING_COLUMNS)


def _remarks(session: Session, teacher_id: int, start: object, end: object) -> pd.DataFrame:
    wr = m.WorkRemark
    day = (
        sa.func.date(wr.created_at)
        if session.get_bind().dialect.name == "sqlite"
        else sa.cast(wr.created_at, sa.Date)
    )
    query = (
        sa.select(wr.created_at, m.Group.name, wr.text, wr.status, wr.fixed_at)
        .outerjoin(m.Group, m.Group.id == wr.group_id)
        .where(wr.teacher_id == teacher_id, day >= start, day <= end)
        .order_by(wr.created_at, wr.id)
    )
    rows = [[r[0], r[1] or "", r[2], r[3].label, r[4]] for r in session.execute(query)]
    return pd.DataFrame(rows, columns=REMARK_COLUMNS)


def teacher_results(session: Session, actor: Actor, *, teacher_id: int, period_id: int) -> pd.DataFrame:
    """The teacher's results by discipline for a period (R-4.10.e): one row per teaching
    assignment (group × discipline) with the count of each final result and успеваемость,
    качество, СОУ, средний балл."""
    require_teacher(session, actor, teacher_id)
    return _results(session, teacher_id, [period_id])


def teacher_report(session: Session, actor: Actor, *, teacher_id: int, period_id: int) -> TeacherReport:
    """The teacher's report at the end of a period (R-4.10.e): hours, results, journal
    filling with remarks, and the remarks of «Анализ работы» made during the period."""
    person = require_teacher(session, actor, teacher_id)
    period = session.get(m.StudyPeriod, period_id)
    if period is None:
        raise NetspoError(f"Нет учебного периода № {period_id}.")
    return TeacherReport(
        teacher=person.full_name,
        college=_college(session, actor),
        period=period_label(session, period_id),
        hours=_hours(session, teacher_id, [period_id]),
        results=_results(session, teacher_id, [period_id]),
        filling=_filling(session, teacher_id, [period_id]),
        remarks=_remarks(session, teacher_id, period.starts_on, period.ends_on),
    )


def teacher_year_report(
    session: Session, actor: Actor, *, teacher_id: int, academic_year_id: int
) -> TeacherReport:
    """The teacher's report for the year (R-4.10.e): the same tables over every period of the
    academic year (semesters and the year's own grades), hours with a «Итого» row."""
    person = require_teacher(session, actor, teacher_id)
    year = session.get(m.AcademicYear, academic_year_id)
    if year is None:
        raise NetspoError(f"Нет учебного года № {academic_year_id}.")
    period_ids = session.scalars(
        sa.select(m.StudyPeriod.id).where(m.StudyPeriod.academic_year_id == academic_year_id)
    ).all()
    hours = _hours(session, teacher_id, period_ids)
    if not hours.empty:
        planned, done = int(hours["Часов по плану"].sum()), int(hours["Часов проведено"].sum())
        total = [
            "Итого",
            "",
            "",
            "",
            planned,
            done,
            planned - done,
            round(100.0 * done / planned, 2) if planned else None,
        ]
        hours = pd.concat([hours, pd.DataFrame([total], columns=HOURS_COLUMNS)], ignore_index=True)
    return TeacherReport(
        teacher=person.full_name,
        college=_college(session, actor),
        period=f"{year.name} учебный год",
        hours=hours,
        results=_results(session, teacher_id, period_ids),
        filling=_filling(session, teacher_id, period_ids),
        remarks=_remarks(session, teacher_id, year.starts_on, year.ends_on),
    )


def _college(session: Session, actor: Actor) -> str:
    return session.scalar(sa.select(m.College.name).where(m.College.id == actor.college_id)) or ""


def teacher_sheet(report: TeacherReport, *, results_only: bool = False) -> SheetSpec:
    subtitle = f"{report.college}; {report.period}. Сформировано {clock.fmt_date(clock.today())}"
    if results_only:
        return SheetSpec(
            name="Итоги по дисциплинам",
            title=f"Итоги успеваемости по дисциплинам: {report.teacher}",
            subtitle=subtitle,
            blocks=[Block(report.results)],
            signatures=[SIGNATURES[0]],
        )
    return SheetSpec(
        name="Отчёт преподавателя",
        title=f"Отчёт преподавателя {report.teacher} за {report.period}",
        subtitle=subtitle,
        blocks=[
            Block(report.hours, "Выполнение учебной нагрузки (часы)"),
            Block(report.results, "Итоги успеваемости по дисциплинам"),
            Block(report.filling, "Заполнение журнала"),
            Block(report.remarks, "Замечания «Анализа работы»"),
        ],
        signatures=list(SIGNATURES),
    )


def write_teacher_report(report: TeacherReport, path: str | Path) -> Path:
    """The teacher's report as a print-ready .xlsx with the signature lines."""
    write_sheets(Path(path), [teacher_sheet(report)])
    return Path(path)


def assignments_table(report: TeacherReport) -> pd.DataFrame:
    """One row per teaching assignment: hours, results and journal remarks side by side
    (the three tables list the assignments in the same order), for the CLI and a .csv."""
    hours = report.hours[report.hours["Период"] != "Итого"].reset_index(drop=True)
    results = report.results.drop(columns=KEY_COLUMNS).reset_index(drop=True)
    filling = report.filling.drop(columns=KEY_COLUMNS).reset_index(drop=True)
    return pd.concat([hours, results, filling], axis=1)

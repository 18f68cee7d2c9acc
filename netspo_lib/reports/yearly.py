"""The yearly report per specialty (R-6.4, R-4.5.c): for an academic year and each
specialty of the college (or of one department), counted with plain SQL aggregates:

* the contingent — students at the start and at the end of the year, and the movement
  during it from the movement orders: arrived (enrollment, reinstatement after the first
  day), expelled, academic leave, transferred, graduated;
* the results of each period of the year (the semesters and the year's own grades):
  students counted, успеваемость and качество over students (a student is успевающий with
  no «2», «н/а» or «незачёт», качественный when besides every graded result is 4 or 5),
  СОУ and средний балл over the final grades — the requirements' «Metrics»;
* attendance over the year's dates: hours missed, excused, unexcused, and per student.

A student belongs to the specialty of the student's group; movements to the specialty of
the group the order moves from (or, for an enrollment, to).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.enums import AttendanceCode, FinalResult, OrderKind
from netspo_lib.errors import NetspoError
from netspo_lib.reports.metrics import from_counts
from netspo_lib.reports.performance import RESULTS
from netspo_lib.tables import Block, SheetSpec, write_sheets

SIGNATURES = ("Заведующий отделением", "Заместитель директора по УР")
CONTINGENT_COLUMNS = [
    "Код",
    "Специальность",
    "Групп",
    "На начало года",
    "Прибыло",
    "Отчислено",
    "Академический отпуск",
    "Переведено",
    "Выпущено",
    "На конец года",
    "Пропущено, ч",
    "По уважительной причине, ч",
    "Без уважительной причины, ч",
    "Пропущено на студента, ч",
]
RESULT_COLUMNS = [
    "Код",
    "Специальность",
    "Период",
    "Учтено студентов",
    "Успевающих",
    "Качественных",
    "Успеваемость, %",
    "Качество, %",
    "СОУ, %",
    "Средний балл",
]
ARRIVED = (OrderKind.ENROLLMENT, OrderKind.REINSTATEMENT)
MISSED = (AttendanceCode.EXCUSED, AttendanceCode.SICK, AttendanceCode.UNEXCUSED)
EXCUSED = (AttendanceCode.EXCUSED, AttendanceCode.SICK)


@dataclass(frozen=True)
class YearlyReport:
    college: str
    scope: str  # the department's name or «колледж»
    year: str  # «2025/2026»
    contingent: pd.DataFrame  # CONTINGENT_COLUMNS, the last row «Итого»
    results: pd.DataFrame  # RESULT_COLUMNS


def _sum_if(condition: sa.ColumnElement[bool], value: sa.ColumnElement | int = 1) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def yearly_report(
    session: Session, actor: Actor, *, academic_year_id: int, department_id: int | None = None
) -> YearlyReport:
    """The yearly report per specialty (R-6.4) of the college, or of one department
    (:attr:`Action.REPORT_DEPARTMENT`: the department head's own); the whole college needs
    :attr:`Action.REPORT_COLLEGE`."""
    if department_id is not None:
        require(session, actor, Action.REPORT_DEPARTMENT, Resource(department_id=department_id))
        scope = session.scalar(sa.select(m.Department.name).where(m.Department.id == department_id)) or ""
    else:
        require(
            session,
            actor,
            Action.REPORT_COLLEGE,
            Resource(college_id=actor.college_id, description="колледж"),
        )
        scope = "колледж"
    year = session.get(m.AcademicYear, academic_year_id)
    if year is None or year.college_id != actor.college_id:
        raise NetspoError(f"Нет учебного года № {academic_year_id}.")
    college = session.scalar(sa.select(m.College.name).where(m.College.id == actor.college_id)) or ""
    gr = m.Group
    in_scope = [gr.college_id == actor.college_id]
    if department_id is not None:
        in_scope.append(gr.department_id == department_id)
    specialties = {
        r.id: (r.code, r.name)
        for r in session.execute(sa.select(m.Specialty.id, m.Specialty.code, m.Specialty.name))
    }
    contingent = _contingent(session, year, in_scope, specialties)
    results = _results(session, year, in_scope, specialties)
    return YearlyReport(college, scope, year.name, contingent, results)


def _contingent(
    session: Session, year: m.AcademicYear, in_scope: list, specialties: dict[int, tuple[str, str]]
) -> pd.DataFrame:
    gr, st = m.Group, m.Student
    start, end = year.starts_on, year.ends_on
    at_start = sa.and_(st.enrolled_on <= start, sa.or_(st.left_on.is_(None), st.left_on >= start))
    at_end = sa.and_(st.enrolled_on <= end, sa.or_(st.left_on.is_(None), st.left_on > end))
    students = {
        r.specialty_id: r
        for r in session.execute(
            sa.select(
                gr.specialty_id,
                sa.func.count(sa.distinct(gr.id)).label("groups"),
                _sum_if(at_start).label("at_start"),
                _sum_if(at_end).label("at_end"),
            )
            .join(st, st.group_id == gr.id)
            .where(*in_scope)
            .group_by(gr.specialty_id)
        )
    }
    item, order = m.OrderItem, m.Order
    moved_group = sa.func.coalesce(item.from_group_id, item.to_group_id)
    after_start = sa.and_(item.effective_on > start, item.effective_on <= end)
    moves = {
        r.specialty_id: r
        for r in session.execute(
            sa.select(
                gr.specialty_id,
                _sum_if(order.kind.in_(ARRIVED)).label("arrived"),
                _sum_if(order.kind == OrderKind.EXPULSION).label("expelled"),
                _sum_if(order.kind == OrderKind.ACADEMIC_LEAVE).label("leave"),
                _sum_if(order.kind == OrderKind.TRANSFER).label("transferred"),
                _sum_if(order.kind == OrderKind.GRADUATION).label("graduated"),
            )
            .select_from(item)
            .join(order, order.id == item.order_id)
            .join(gr, gr.id == moved_group)
            .where(*in_scope, after_start)
            .group_by(gr.specialty_id)
        )
    }
    at, ls = m.Attendance, m.Lesson
    absences = {
        r.specialty_id: r
        for r in session.execute(
            sa.select(
                gr.specialty_id,
                _sum_if(at.code.in_(MISSED), at.hours).label("missed"),
                _sum_if(at.code.in_(EXCUSED), at.hours).label("excused"),
                _sum_if(at.code == AttendanceCode.UNEXCUSED, at.hours).label("unexcused"),
            )
            .select_from(at)
            .join(ls, ls.id == at.lesson_id)
            .join(gr, gr.id == ls.group_id)
            .where(*in_scope, ls.lesson_date >= start, ls.lesson_date <= end)
            .group_by(gr.specialty_id)
        )
    }
    rows = []
    for spec_id in sorted(students, key=lambda s: specialties[s][0]):
        s, mv, ab = students[spec_id], moves.get(spec_id), absences.get(spec_id)
        missed = int(ab.missed) if ab else 0
        rows.append(
            [
                *specialties[spec_id], int(s.groups), int(s.at_start),
                *([int(mv.arrived), int(mv.expelled), int(mv.leave), int(mv.transferred), int(mv.graduated)]
                  if mv else [0, 0, 0, 0, 0]),
                int(s.at_end), missed, int(ab.excused) if ab else 0, int(ab.unexcused) if ab else 0,
                round(missed / int(s.at_end), 1) if int(s.at_end) else None,
            ]
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=CONTINGENT_COLUMNS)
    if not frame.empty:
        sums = [int(frame[c].sum()) for c in CONTINGENT_COLUMNS[2:-1]]
        at_end_total, missed_total = sums[7], sums[8]
        per = round(missed_total / at_end_total, 1) if at_end_total else None
        frame = pd.concat(
            [frame, pd.DataFrame([["Итого", "", *sums, per]], columns=CONTINGENT_COLUMNS)], ignore_index=True
        )
    return frame


def _results(
    session: Session, year: m.AcademicYear, in_scope: list, specialties: dict[int, tuple[str, str]]
) -> pd.DataFrame:
    """Per specialty × period: one query counting each student's results, one above it
    counting students and summing the grades."""
    fg, st, gr, per = m.FinalGrade, m.Student, m.Group, m.StudyPeriod
    per_student = (
        sa.select(
            gr.specialty_id,
            fg.period_id,
            fg.student_id,
            *[_sum_if(fg.result == r).label(f"n_{r}") for r in RESULTS],
        )
        .join(st, st.id == fg.student_id)
        .join(gr, gr.id == st.group_id)
        .join(per, per.id == fg.period_id)
        .where(
            *in_scope,
            per.academic_year_id == year.id,
            sa.or_(st.left_on.is_(None), st.left_on > per.ends_on),
            fg.result != FinalResult.EXEMPT,
        )
        .group_by(gr.specialty_id, fg.period_id, fg.student_id)
        .subquery()
    )
    c = per_student.c
    failing = (c.n_2 + c.n_not_attested + c.n_fail) > 0
    quality = sa.and_(~failing, c.n_3 == 0, (c.n_5 + c.n_4) > 0)
    query = (
        sa.select(
            c.specialty_id,
            per.name.label("period"),
            sa.func.count().label("students"),
            _sum_if(~failing).label("passing"),
            _sum_if(quality).label("quality"),
            *[sa.func.sum(c[f"n_{r}"]).label(f"n_{r}") for r in RESULTS],
        )
        .join(per, per.id == c.period_id)
        .group_by(c.specialty_id, per.name, per.starts_on, per.number, per.kind)
        .order_by(c.specialty_id, per.kind.desc(), per.number)
    )
    rows = []
    for r in session.execute(query):
        n = int(r.students)
        pooled = from_counts({res: int(getattr(r, f"n_{res}") or 0) for res in RESULTS})
        rows.append(
            [
                *specialties[r.specialty_id], r.period, n, int(r.passing), int(r.quality),
                round(100.0 * int(r.passing) / n, 1) if n else None,
                round(100.0 * int(r.quality) / n, 1) if n else None,
                None if pooled.sou_pct is None else round(pooled.sou_pct, 1),
                None if pooled.mean is None else round(pooled.mean, 2),
            ]
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    return frame.sort_values(["Код", "Период"], kind="stable", ignore_index=True)


def yearly_sheet(report: YearlyReport) -> SheetSpec:
    return SheetSpec(
        name="Годовой отчёт",
        title=f"Годовой отчёт по специальностям за {report.year} учебный год",
        subtitle=f"{report.college}; {report.scope}. Сформировано {clock.fmt_date(clock.today())}",
        blocks=[
            Block(report.contingent, "Контингент, движение и посещаемость"),
            Block(report.results, "Итоги успеваемости по периодам"),
        ],
        signatures=list(SIGNATURES),
    )


def write_yearly_report(report: YearlyReport, path: str | Path) -> Path:
    """The yearly report as a print-ready .xlsx with the signature lines."""
    write_sheets(Path(path), [yearly_sheet(report)])
    return Path(path)

"""The curator's reports for a group and a period (R-4.7.b, R-6.3).

* :func:`preliminary_report` — before the period ends: each student's current weighted
  average per discipline (``sum(value × weight) / sum(weight)`` over the marks so far,
  counted in SQL) and the students at risk (a current average below 3.0, a final result
  «2», «н/а» or «незачёт» already set, or more unexcused hours than the threshold);
* :func:`curator_report` — at the period's end: the group's results (the categories of
  students, успеваемость and качество counted over students, СОУ and средний балл over the
  final grades, as the requirements' «Metrics» define them), the results per discipline,
  the attendance totals and the list of failing students with their disciplines.

Both are signed on paper by the curator and the department head (:data:`SIGNATURES`).
The scope is :attr:`Action.REPORT_GROUP`: a curator reports on the own group only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.enums import FinalResult
from netspo_lib.errors import NetspoError
from netspo_lib.locks import period_label
from netspo_lib.models.people import full_name
from netspo_lib.reports import attendance, performance
from netspo_lib.reports.grade_sheet import _index_order
from netspo_lib.reports.metrics import from_counts, weighted_mean_mark
from netspo_lib.tables import Block, SheetSpec, write_sheets

SIGNATURES = ("Классный руководитель", "Заведующий отделением")
FAILING = (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
LOW_MEAN = 3.0
# More НП hours than this since the period began puts a student at risk: the default of
# reports.risk.students_at_risk (100 academic hours, about a tenth of a semester's classes).
UNEXCUSED_HOURS = 100

SUMMARY_COLUMNS = [
    "Студентов",
    "Отличники",
    "Хорошисты",
    "С одной «3»",
    "Неуспевающие",
    "Не аттестованы",
    "Успеваемость, %",
    "Качество, %",
    "СОУ, %",
    "Средний балл",
]
DISCIPLINE_COLUMNS = [
    "Индекс",
    "Дисциплина",
    "«5»",
    "«4»",
    "«3»",
    "«2»",
    "н/а",
    "зачёт",
    "незачёт",
    "осв.",
    "Учтено студентов",
    "Успеваемость, %",
    "Качество, %",
    "СОУ, %",
    "Средний балл",
]
ATTENDANCE_COLUMNS = [
    "Студент",
    "Пропущено, ч",
    "По уважительной причине, ч",
    "Без уважительной причины, ч",
    "Опозданий",
    "Пропущено полных дней",
]
FAILING_COLUMNS = ["Студент", "Категория", "Задолженности"]
STUDENT_COLUMNS = [
    "Студент",
    "«5»",
    "«4»",
    "«3»",
    "«2»",
    "н/а",
    "Категория",
    "Задолженности",
    "Пропущено, ч",
    "Без уважительной причины, ч",
]
RISK_COLUMNS = ["Студент", "Причины"]


@dataclass(frozen=True)
class GroupInfo:
    group_id: int
    group: str
    college: str
    department: str
    curator: str  # «Иванов И.И.» or ""
    period: str  # «1 семестр 2025/2026»
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class PreliminaryReport:
    info: GroupInfo
    as_of: date
    averages: pd.DataFrame  # Студент, one column per discipline index, «Средний балл»
    at_risk: pd.DataFrame  # Студент, Причины


@dataclass(frozen=True)
class CuratorReport:
    info: GroupInfo
    summary: pd.DataFrame  # one row: SUMMARY_COLUMNS
    disciplines: pd.DataFrame  # DISCIPLINE_COLUMNS
    attendance: pd.DataFrame  # ATTENDANCE_COLUMNS, the last row «Итого»
    failing: pd.DataFrame  # FAILING_COLUMNS
    students: pd.DataFrame  # STUDENT_COLUMNS: one row per student counted


def group_info(session: Session, actor: Actor, *, group_id: int, period_id: int) -> GroupInfo:
    """Names for a group report's title; refuses a group out of the actor's reach."""
    require(session, actor, Action.REPORT_GROUP, Resource(group_id=group_id, description="отчёт по группе"))
    row = session.execute(
        sa.select(m.Group.name, m.College.name, m.Department.name, m.Person)
        .join(m.College, m.College.id == m.Group.college_id)
        .join(m.Department, m.Department.id == m.Group.department_id)
        .outerjoin(m.Person, m.Person.id == m.Group.curator_id)
        .where(m.Group.id == group_id)
    ).first()
    period = session.get(m.StudyPeriod, period_id)
    if row is None or period is None:
        raise NetspoError(f"Нет группы № {group_id} или учебного периода № {period_id}.")
    group, college, department, curator = row
    return GroupInfo(
        group_id=group_id,
        group=group,
        college=college,
        department=department,
        curator=curator.short_name if curator else "",
        period=period_label(session, period_id),
        starts_on=period.starts_on,
        ends_on=period.ends_on,
    )


def _enrolled_on(day: date) -> sa.ColumnElement[bool]:
    return sa.or_(m.Student.left_on.is_(None), m.Student.left_on > day)


def current_averages(
    session: Session, actor: Actor, *, group_id: int, period_id: int, as_of: date | None = None
) -> pd.DataFrame:
    """Student × discipline current weighted averages of the period's marks up to ``as_of``
    (default: today, or the period's end if it is over), counted in SQL; columns «Студент»,
    the disciplines' indexes in curriculum order, «Средний балл» (the student's weighted
    mean over all the marks).
    Students who left before ``as_of`` are left out; empty cells mean no marks."""
    require(session, actor, Action.REPORT_GROUP, Resource(group_id=group_id, description="текущие отметки"))
    period = session.get(m.StudyPeriod, period_id)
    as_of = as_of or (min(clock.today(), period.ends_on) if period else clock.today())
    mk, ls, st = m.Mark, m.Lesson, m.Student
    mean = weighted_mean_mark()
    base = (
        sa.select(mk.student_id)
        .join(ls, ls.id == mk.lesson_id)
        .join(st, st.id == mk.student_id)
        .where(
            ls.period_id == period_id,
            ls.group_id == group_id,
            st.group_id == group_id,
            ls.lesson_date <= as_of,
            _enrolled_on(as_of),
        )
    )
    per_item = session.execute(
        base.add_columns(m.CurriculumItem.index, mean.label("mean"))
        .join(m.CurriculumItem, m.CurriculumItem.id == ls.curriculum_item_id)
        .group_by(mk.student_id, m.CurriculumItem.index)
    ).all()
    overall = dict(session.execute(base.add_columns(mean.label("mean")).group_by(mk.student_id)).all())
    students = _students(session, group_id, as_of)
    items = sorted({index for _, index, _ in per_item}, key=_index_order)
    means: dict[int, dict[str, float]] = {}
    for student_id, index, value in per_item:
        means.setdefault(student_id, {})[index] = round(float(value), 2)
    rows = []
    for student_id, name in students:
        own = means.get(student_id, {})
        mean = overall.get(student_id)
        row: dict[str, object] = {"Студент": name}
        row.update({index: own.get(index) for index in items})
        row["Средний балл"] = round(float(mean), 2) if mean is not None else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["Студент", *items, "Средний балл"])


def _students(session: Session, group_id: int, day: date) -> list[tuple[int, str]]:
    rows = session.execute(
        sa.select(m.Student.id, m.Person.last_name, m.Person.first_name, m.Person.middle_name)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .where(m.Student.group_id == group_id, _enrolled_on(day))
        .order_by(m.Person.last_name, m.Person.first_name, m.Student.id)
    ).all()
    return [(sid, full_name(last, first, middle)) for sid, last, first, middle in rows]


def preliminary_report(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    period_id: int,
    as_of: date | None = None,
    unexcused_hours: int = UNEXCUSED_HOURS,
) -> PreliminaryReport:
    """The curator's preliminary report (R-4.7.b, R-6.3): current averages and the students
    at risk before the period ends. A student is at risk with a current average below 3.0
    in a discipline, a final result «2», «н/а» or «незачёт» already set, or more than
    ``unexcused_hours`` hours missed without a good reason since the period began."""
    info = group_info(session, actor, group_id=group_id, period_id=period_id)
    as_of = as_of or min(clock.today(), info.ends_on)
    averages = current_averages(session, actor, group_id=group_id, period_id=period_id, as_of=as_of)
    students = _students(session, group_id, as_of)  # the rows of ``averages``, in order
    reasons: dict[int, list[str]] = {}
    for (student_id, _), row in zip(students, averages.itertuples(index=False), strict=True):
        values = dict(zip(averages.columns, row, strict=True))
        for index in averages.columns[1:-1]:
            value = values[index]
            if value is not None and not pd.isna(value) and value < LOW_MEAN:
                reasons.setdefault(student_id, []).append(f"средний балл {value:.2f} по {index}")
    fg, st = m.FinalGrade, m.Student
    failed = session.execute(
        sa.select(st.id, fg.result, m.CurriculumItem.index)
        .join(st, st.id == fg.student_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == fg.curriculum_item_id)
        .where(
            fg.period_id == period_id, st.group_id == group_id, fg.result.in_(FAILING), _enrolled_on(as_of)
        )
        .order_by(m.CurriculumItem.index)
    ).all()
    for student_id, result, index in failed:
        reasons.setdefault(student_id, []).append(f"итог «{result.label}» по {index}")
    hours = attendance.student_attendance(
        session, actor, group_ids=[group_id], start=info.starts_on, end=min(as_of, info.ends_on)
    )
    counted = {sid for sid, _ in students}
    for row in hours.itertuples(index=False):
        if row.student_id in counted and row.unexcused_hours > unexcused_hours:
            reasons.setdefault(row.student_id, []).append(
                f"пропущено без уважительной причины {row.unexcused_hours} ч"
            )
    at_risk = pd.DataFrame(
        [[name, "; ".join(reasons[sid])] for sid, name in students if sid in reasons], columns=RISK_COLUMNS
    )
    return PreliminaryReport(info, as_of, averages, at_risk)


def _discipline_table(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=DISCIPLINE_COLUMNS)
    out = frame.rename(
        columns={
            "index": "Индекс", "discipline": "Дисциплина", "n_5": "«5»", "n_4": "«4»", "n_3": "«3»",
            "n_2": "«2»", "n_not_attested": "н/а", "n_pass": "зачёт", "n_fail": "незачёт",
            "n_exempt": "осв.", **performance.METRIC_COLUMNS,
        }
    )  # fmt: skip
    return _round(out[DISCIPLINE_COLUMNS].reset_index(drop=True))


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("Успеваемость, %", "Качество, %", "СОУ, %"):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(1)
    if "Средний балл" in out:
        out["Средний балл"] = pd.to_numeric(out["Средний балл"], errors="coerce").round(2)
    return out.astype(object).where(out.notna(), None)


def curator_report(session: Session, actor: Actor, *, group_id: int, period_id: int) -> CuratorReport:
    """The curator's report for a period (R-4.7.b, R-6.3): the group's results, results per
    discipline, attendance in hours over the period's dates, and the failing students.

    Students who left before the period ended are not counted (requirements' «Metrics»).
    """
    info = group_info(session, actor, group_id=group_id, period_id=period_id)
    groups = [group_id]
    students = performance.student_results(session, actor, period_id=period_id, group_ids=groups)
    disciplines = performance.discipline_results(session, actor, period_id=period_id, group_ids=groups)
    totals = {
        r: int(disciplines[f"n_{r}"].sum()) if not disciplines.empty else 0 for r in performance.RESULTS
    }
    pooled = from_counts(totals)
    first = _categories(students)
    summary_row = [
        int(first["students"]), int(first["excellent"]), int(first["good"]), int(first["one_three"]),
        int(first["failing"]), int(first["not_attested"]), first["progress_pct"], first["quality_pct"],
        pooled.sou_pct, pooled.mean,
    ]  # fmt: skip
    summary_frame = _round(pd.DataFrame([summary_row], columns=SUMMARY_COLUMNS))

    hours = attendance.student_attendance(
        session, actor, group_ids=groups, start=info.starts_on, end=info.ends_on
    )
    enrolled = {sid for sid, _ in _students(session, group_id, info.ends_on)}
    hours = hours[hours["student_id"].isin(enrolled)]
    att = pd.DataFrame(
        {
            "Студент": hours["student"],
            "Пропущено, ч": hours["missed_hours"],
            "По уважительной причине, ч": hours["excused_hours"],
            "Без уважительной причины, ч": hours["unexcused_hours"],
            "Опозданий": hours["late"],
            "Пропущено полных дней": hours["full_days"],
        }
    ).reset_index(drop=True)
    total = ["Итого", *[int(att[c].sum()) for c in ATTENDANCE_COLUMNS[1:]]]
    att = pd.concat([att, pd.DataFrame([total], columns=ATTENDANCE_COLUMNS)], ignore_index=True)

    failing_ids = students.loc[
        students["category"].isin(["неуспевающий", "не аттестован"]), ["student_id", "student", "category"]
    ]
    debts = _debts(session, period_id, list(failing_ids["student_id"]))
    failing = pd.DataFrame(
        [[r.student, r.category, debts.get(r.student_id, "")] for r in failing_ids.itertuples(index=False)],
        columns=FAILING_COLUMNS,
    )
    missed = hours.set_index("student_id")
    per_student = pd.DataFrame(
        [
            [
                r.student, r.n_5, r.n_4, r.n_3, r.n_2, r.n_not_attested, r.category,
                debts.get(r.student_id, ""),
                int(missed.at[r.student_id, "missed_hours"]) if r.student_id in missed.index else 0,
                int(missed.at[r.student_id, "unexcused_hours"]) if r.student_id in missed.index else 0,
            ]
            for r in students.itertuples(index=False)
        ],
        columns=STUDENT_COLUMNS,
    )  # fmt: skip
    return CuratorReport(info, summary_frame, _discipline_table(disciplines), att, failing, per_student)


def _categories(students: pd.DataFrame) -> dict[str, Any]:
    """The group's row of :func:`performance.group_summary`, counted from the students'
    categories already at hand (one query fewer per group in the report pack)."""
    part = students[students["category"] != "нет оценок"]
    n = len(part)
    cat = part["category"]
    failing = int(cat.isin(["неуспевающий", "не аттестован"]).sum())
    quality = int(cat.isin(["отличник", "хорошист"]).sum())
    return {
        "students": n,
        "excellent": int((cat == "отличник").sum()),
        "good": int((cat == "хорошист").sum()),
        "one_three": int((cat == "с одной «3»").sum()),
        "failing": int((cat == "неуспевающий").sum()),
        "not_attested": int((cat == "не аттестован").sum()),
        "progress_pct": 100.0 * (n - failing) / n if n else None,
        "quality_pct": 100.0 * quality / n if n else None,
    }


def _debts(session: Session, period_id: int, student_ids: list[int]) -> dict[int, str]:
    """«ОП.01 (2), ЕН.01 (н/а)» per student: the failing final results of the period."""
    if not student_ids:
        return {}
    fg = m.FinalGrade
    rows = session.execute(
        sa.select(fg.student_id, m.CurriculumItem.index, fg.result)
        .join(m.CurriculumItem, m.CurriculumItem.id == fg.curriculum_item_id)
        .where(fg.period_id == period_id, fg.student_id.in_(student_ids), fg.result.in_(FAILING))
    ).all()
    found: dict[int, list[tuple[str, str]]] = {}
    for student_id, index, result in rows:
        found.setdefault(student_id, []).append((index, result.label))
    return {
        sid: ", ".join(
            f"{index} ({label})" for index, label in sorted(items, key=lambda x: _index_order(x[0]))
        )
        for sid, items in found.items()
    }


def _subtitle(info: GroupInfo, extra: str = "") -> str:
    parts = [info.college, info.department, f"группа {info.group}", info.period]
    if extra:
        parts.append(extra)
    return "; ".join(parts) + f". Сформировано {clock.fmt_date(clock.today())}"


def _signatures(info: GroupInfo) -> list[str | tuple[str, str]]:
    curator: str | tuple[str, str] = (SIGNATURES[0], info.curator) if info.curator else SIGNATURES[0]
    return [curator, SIGNATURES[1]]


def preliminary_sheet(report: PreliminaryReport) -> SheetSpec:
    info = report.info
    return SheetSpec(
        name=f"{info.group} предв. отчёт",
        title=f"Предварительный отчёт классного руководителя группы {info.group}",
        subtitle=_subtitle(info, f"по состоянию на {clock.fmt_date(report.as_of)}"),
        blocks=[
            Block(_round(report.averages), "Текущие средние баллы по дисциплинам (с учётом весов отметок)"),
            Block(report.at_risk, "Студенты группы риска"),
        ],
        signatures=_signatures(info),
    )


def curator_sheet(report: CuratorReport) -> SheetSpec:
    info = report.info
    return SheetSpec(
        name=f"{info.group} отчёт",
        title=f"Отчёт классного руководителя группы {info.group} за {info.period}",
        subtitle=_subtitle(info, f"с {clock.fmt_date(info.starts_on)} по {clock.fmt_date(info.ends_on)}"),
        blocks=[
            Block(report.summary, "Итоги успеваемости группы"),
            Block(report.disciplines, "Итоги по дисциплинам"),
            Block(report.attendance, "Посещаемость (академические часы)"),
            Block(report.failing, "Неуспевающие студенты"),
            Block(report.students, "Итоги по студентам"),
        ],
        signatures=_signatures(info),
    )


def write_preliminary_report(report: PreliminaryReport, path: str | Path) -> Path:
    """The preliminary report as a print-ready .xlsx with the signature lines."""
    write_sheets(Path(path), [preliminary_sheet(report)])
    return Path(path)


def write_curator_report(report: CuratorReport, path: str | Path) -> Path:
    """The curator's report as a print-ready .xlsx with the signature lines."""
    write_sheets(Path(path), [curator_sheet(report)])
    return Path(path)

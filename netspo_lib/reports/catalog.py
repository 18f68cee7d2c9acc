"""The reports a user can ask for by name (``netspo report NAME``), each a function over the
library's queries that returns one table with Russian headings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed
from netspo_lib.errors import NetspoError
from netspo_lib.reports import (
    activity,
    analytics,
    attendance,
    control,
    curator,
    grade_sheet,
    letters,
    performance,
    risk,
    teacher,
    yearly,
)
from netspo_lib.tables import SheetSpec


@dataclass(frozen=True)
class Request:
    period_id: int
    group_id: int | None
    start: date | None
    end: date | None
    department_id: int | None = None


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    needs_group: bool
    build: Callable[[Session, Actor, Request], pd.DataFrame]
    signatures: tuple[str, ...] = ()  # who signs the paper copy
    # The full print-ready workbook when the report has more than one table (the curator's
    # report, the letters): written with tables.write_sheets instead of the single table.
    sheets: Callable[[Session, Actor, Request], list[SheetSpec]] | None = None
    # The rights that let a user ask for the report (any one of them); the report's own
    # functions check each group, department or teacher asked for.
    rights: tuple[Action, ...] = (Action.REPORT_GROUP,)


def _groups(req: Request) -> list[int] | None:
    return [req.group_id] if req.group_id else None


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if out.empty:
        return out
    for column in ("progress_pct", "quality_pct", "sou_pct"):
        if column in out:
            out[column] = out[column].round(1)
    if "mean" in out:
        out["mean"] = out["mean"].round(2)
    return out


def _disciplines(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    frame = _rounded(performance.discipline_results(s, a, period_id=r.period_id, group_ids=_groups(r)))
    names = {"group": "Группа", "index": "Индекс", "discipline": "Дисциплина", **performance.METRIC_COLUMNS}
    names.update({"n_5": "«5»", "n_4": "«4»", "n_3": "«3»", "n_2": "«2»", "n_pass": "зачёт",
                  "n_fail": "незачёт", "n_not_attested": "н/а", "n_exempt": "осв."})  # fmt: skip
    return frame.rename(columns=names)


def _groups_summary(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    frame = _rounded(performance.group_summary(s, a, period_id=r.period_id, group_ids=_groups(r)))
    return frame.rename(columns={"group": "Группа", **performance.CATEGORY_COLUMNS})


def _grade_sheet(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    assert r.group_id is not None
    return grade_sheet.grade_sheet(s, a, group_id=r.group_id, period_id=r.period_id)


def _attendance(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    frame = attendance.student_attendance(s, a, group_ids=_groups(r), start=r.start, end=r.end)
    return frame.drop(columns=["student_id"]).rename(columns=attendance.COLUMNS_RU)


def _monthly(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    frame = attendance.monthly_attendance(s, a, group_ids=_groups(r), start=r.start, end=r.end)
    return frame.rename(columns={**attendance.COLUMNS_RU, "student_id": "№ студента", "year": "Год"})


def _activity(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    if r.start is None or r.end is None:
        raise NetspoError("Для отчёта об активности укажите период: --from и --to.")
    report = activity.activity_report(s, a, start=r.start, end=r.end, group_ids=_groups(r))
    return report.by_role if not report.by_role.empty else report.groups


def _journal_filling(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    return control.journal_filling(s, a, period_id=r.period_id, group_ids=_groups(r))


def _hours(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    return control.hours_delivered(s, a, period_id=r.period_id, group_ids=_groups(r))


def _at_risk(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    frame = risk.students_at_risk(s, a, period_id=r.period_id, group_ids=_groups(r))
    return frame.drop(columns=["student_id"])


def _need_group(r: Request) -> int:
    if r.group_id is None:
        raise NetspoError("Для этого отчёта укажите группу: --group.")
    return r.group_id


def _preliminary(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    report = curator.preliminary_report(s, a, group_id=_need_group(r), period_id=r.period_id, as_of=r.end)
    reasons = dict(zip(report.at_risk["Студент"], report.at_risk["Причины"], strict=True))
    return report.averages.assign(**{"Группа риска": report.averages["Студент"].map(reasons).fillna("")})


def _preliminary_sheets(s: Session, a: Actor, r: Request) -> list[SheetSpec]:
    group = _need_group(r)
    return [
        curator.preliminary_sheet(curator.preliminary_report(s, a, group_id=group, period_id=r.period_id))
    ]


def _curator(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    return curator.curator_report(s, a, group_id=_need_group(r), period_id=r.period_id).students


def _curator_sheets(s: Session, a: Actor, r: Request) -> list[SheetSpec]:
    return [
        curator.curator_sheet(curator.curator_report(s, a, group_id=_need_group(r), period_id=r.period_id))
    ]


def _letters(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    found = letters.parent_letters(s, a, group_id=_need_group(r), period_id=r.period_id, as_of=r.end)
    return letters.letters_table(found)


def _letters_sheets(s: Session, a: Actor, r: Request) -> list[SheetSpec]:
    found = letters.parent_letters(s, a, group_id=_need_group(r), period_id=r.period_id, as_of=r.end)
    return [letters.letter_sheet(found, letter, n) for n, letter in enumerate(found.letters, start=1)]


def _teacher_results(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    return teacher.teacher_results(s, a, teacher_id=a.person_id, period_id=r.period_id)


def _teacher(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    return teacher.assignments_table(
        teacher.teacher_report(s, a, teacher_id=a.person_id, period_id=r.period_id)
    )


def _teacher_sheets(s: Session, a: Actor, r: Request) -> list[SheetSpec]:
    return [
        teacher.teacher_sheet(teacher.teacher_report(s, a, teacher_id=a.person_id, period_id=r.period_id))
    ]


def _year_of(s: Session, r: Request) -> int:
    year_id = s.scalar(sa.select(m.StudyPeriod.academic_year_id).where(m.StudyPeriod.id == r.period_id))
    if year_id is None:
        raise NetspoError(f"Нет учебного периода № {r.period_id}.")
    return year_id


def _teacher_year(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    report = teacher.teacher_year_report(s, a, teacher_id=a.person_id, academic_year_id=_year_of(s, r))
    return teacher.assignments_table(report)


def _teacher_year_sheets(s: Session, a: Actor, r: Request) -> list[SheetSpec]:
    report = teacher.teacher_year_report(s, a, teacher_id=a.person_id, academic_year_id=_year_of(s, r))
    return [teacher.teacher_sheet(report)]


def _yearly_report(s: Session, a: Actor, r: Request) -> yearly.YearlyReport:
    """The department asked for (``--department``); otherwise the whole college for whoever
    may see it, else the department of the actor's grant (the department head)."""
    department_id = r.department_id
    if department_id is None and not allowed(s, a, Action.REPORT_COLLEGE, Resource(college_id=a.college_id)):
        department_id = next((g.department_id for g in a.grants if g.department_id is not None), None)
    return yearly.yearly_report(s, a, academic_year_id=_year_of(s, r), department_id=department_id)


def _yearly(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    return _yearly_report(s, a, r).contingent


def _yearly_sheets(s: Session, a: Actor, r: Request) -> list[SheetSpec]:
    return [yearly.yearly_sheet(_yearly_report(s, a, r))]


# Consolidations by unit (R-6.2, R-6.4, R-4.5.c): the dashboards' queries, as tables.
PERFORMANCE_NAMES = {
    "label": "Подразделение",
    "students": "Студентов с оценками",
    "students_progress_pct": "Успеваемость (по студентам), %",
    "students_quality_pct": "Качество (по студентам), %",
    "progress_pct": "Успеваемость (по оценкам), %",
    "quality_pct": "Качество (по оценкам), %",
    "sou_pct": "СОУ, %",
    "mean": "Средний балл",
    "n": "Оценок",
}
UNIT_TITLES = {
    "department": "отделениям",
    "specialty": "специальностям",
    "course": "курсам",
    "group": "группам",
}


def _scope(r: Request) -> dict[str, int | None]:
    return {"department_id": r.department_id, "group_id": r.group_id}


def _performance_by(by: str) -> Callable[[Session, Actor, Request], pd.DataFrame]:
    def build(s: Session, a: Actor, r: Request) -> pd.DataFrame:
        frame = analytics.performance_by(s, a, period_id=r.period_id, by=by, **_scope(r))
        frame = frame[[c for c in PERFORMANCE_NAMES if c in frame.columns]]
        for column in [c for c in frame.columns if c.endswith("_pct")]:
            frame[column] = frame[column].astype(float).round(1)
        frame["mean"] = frame["mean"].astype(float).round(2)
        return frame.rename(columns=PERFORMANCE_NAMES)

    return build


def _attendance_by(by: str) -> Callable[[Session, Actor, Request], pd.DataFrame]:
    def build(s: Session, a: Actor, r: Request) -> pd.DataFrame:
        frame = analytics.attendance_by(s, a, by=by, sort="label", period_id=r.period_id, **_scope(r))
        frame = frame.drop(columns=[c for c in ("key",) if c in frame.columns])
        return frame.rename(columns={"label": "Подразделение", **analytics.ATTENDANCE_COLUMNS})

    return build


def _trend(s: Session, a: Actor, r: Request) -> pd.DataFrame:
    frame = analytics.performance_trend(s, a, by="college", **_scope(r))
    keep = ["title", "students", "students_progress_pct", "students_quality_pct", "sou_pct", "mean"]
    frame = frame[[c for c in keep if c in frame.columns]].copy()
    for column in [c for c in frame.columns if c.endswith("_pct")]:
        frame[column] = frame[column].astype(float).round(1)
    frame["mean"] = frame["mean"].astype(float).round(2)
    return frame.rename(columns={"title": "Период", **PERFORMANCE_NAMES})


CONSOLIDATED = (
    [
        ReportSpec(
            f"performance-{by}",
            f"Сводная успеваемость по {title}",
            False,
            _performance_by(by),
            ("Заместитель директора по УР",),
        )
        for by, title in UNIT_TITLES.items()
    ]
    + [
        ReportSpec(f"attendance-{by}", f"Сводная посещаемость по {title}", False, _attendance_by(by))
        for by, title in UNIT_TITLES.items()
    ]
    + [ReportSpec("trend", "Показатели успеваемости по периодам и учебным годам", False, _trend)]
)

CURATOR_SIGNS = curator.SIGNATURES
DEPUTY_SIGNS = ("Заместитель директора по УР",)

REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec("disciplines", "Итоги успеваемости по дисциплинам", False, _disciplines),
        ReportSpec("groups", "Итоги успеваемости групп", False, _groups_summary),
        ReportSpec(
            "grade-sheet",
            "Сводная ведомость успеваемости",
            True,
            _grade_sheet,
            ("Классный руководитель", "Заведующий отделением"),
        ),
        ReportSpec("attendance", "Посещаемость студентов", False, _attendance),
        ReportSpec("attendance-months", "Сводная ведомость посещаемости по месяцам", False, _monthly),
        ReportSpec("activity", "Активность пользователей", False, _activity),
        ReportSpec("journal-filling", "Заполнение журналов", False, _journal_filling, DEPUTY_SIGNS),
        ReportSpec("hours", "Выполнение учебной нагрузки (часы)", False, _hours, DEPUTY_SIGNS),
        ReportSpec("at-risk", "Студенты группы риска", False, _at_risk),
        ReportSpec(
            "curator-prelim",
            "Предварительный отчёт классного руководителя",
            True,
            _preliminary,
            CURATOR_SIGNS,
            _preliminary_sheets,
        ),
        ReportSpec(
            "curator",
            "Отчёт классного руководителя за период",
            True,
            _curator,
            CURATOR_SIGNS,
            _curator_sheets,
        ),
        ReportSpec(
            "letters",
            "Информационные письма родителям",
            True,
            _letters,
            ("Классный руководитель",),
            _letters_sheets,
        ),
        ReportSpec(
            "teacher-results",
            "Итоги успеваемости по дисциплинам преподавателя",
            False,
            _teacher_results,
            ("Преподаватель",),
        ),
        ReportSpec(
            "teacher", "Отчёт преподавателя за период", False, _teacher, teacher.SIGNATURES, _teacher_sheets
        ),
        ReportSpec(
            "teacher-year",
            "Отчёт преподавателя за учебный год",
            False,
            _teacher_year,
            teacher.SIGNATURES,
            _teacher_year_sheets,
        ),
        ReportSpec(
            "yearly", "Годовой отчёт по специальностям", False, _yearly, yearly.SIGNATURES, _yearly_sheets
        ),
        *CONSOLIDATED,
    )
}


# The reports asked for under another right than «отчёты по группе».
RIGHTS: dict[str, tuple[Action, ...]] = {
    "activity": (Action.ACTIVITY_READ,),
    "journal-filling": (Action.DASHBOARD_CONTROL,),
    "hours": (Action.DASHBOARD_CONTROL,),
    "at-risk": (Action.DASHBOARD_CONTROL,),
    "teacher-results": (Action.REPORT_TEACHER,),
    "teacher": (Action.REPORT_TEACHER,),
    "teacher-year": (Action.REPORT_TEACHER,),
    "yearly": (Action.REPORT_COLLEGE, Action.REPORT_DEPARTMENT),
    "trend": (Action.DASHBOARD_PERFORMANCE,),
    **{f"performance-{by}": (Action.DASHBOARD_PERFORMANCE,) for by in UNIT_TITLES},
    **{f"attendance-{by}": (Action.DASHBOARD_ATTENDANCE,) for by in UNIT_TITLES},
}
REPORTS = {name: replace(spec, rights=RIGHTS.get(name, spec.rights)) for name, spec in REPORTS.items()}


def get(name: str) -> ReportSpec:
    if name not in REPORTS:
        known = ", ".join(REPORTS)
        raise NetspoError(f"Нет отчёта «{name}». Есть: {known}.")
    return REPORTS[name]

"""The reports a user can ask for by name (``netspo report NAME``), each a function over the
library's queries that returns one table with Russian headings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

from netspo_lib.access import Actor
from netspo_lib.errors import NetspoError
from netspo_lib.reports import activity, attendance, control, grade_sheet, performance, risk


@dataclass(frozen=True)
class Request:
    period_id: int
    group_id: int | None
    start: date | None
    end: date | None


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    needs_group: bool
    build: Callable[[Session, Actor, Request], pd.DataFrame]
    signatures: tuple[str, ...] = ()  # who signs the paper copy


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
        ReportSpec("journal-filling", "Заполнение журналов", False, _journal_filling),
        ReportSpec("hours", "Выполнение учебной нагрузки (часы)", False, _hours),
        ReportSpec("at-risk", "Студенты группы риска", False, _at_risk),
    )
}


def get(name: str) -> ReportSpec:
    if name not in REPORTS:
        known = ", ".join(REPORTS)
        raise NetspoError(f"Нет отчёта «{name}». Есть: {known}.")
    return REPORTS[name]

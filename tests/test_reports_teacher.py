"""The teacher's reports (R-4.10.e, R-4.10.f): results by discipline for a period and the
report at the end of a period and of the year — golden numbers on the small class of
:mod:`tests.test_reports_curator` (the teacher teaches ОП.01 in ИСП-25, 64 h planned in the
first semester), on SQLite and PostgreSQL; a teacher sees only the own teaching."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import FinalResult, RemarkStatus, Role
from netspo_lib.reports import catalog
from netspo_lib.reports.teacher import (
    FILLING_COLUMNS,
    HOURS_COLUMNS,
    RESULT_COLUMNS,
    assignments_table,
    teacher_report,
    teacher_results,
    teacher_year_report,
    write_teacher_report,
)

from .test_reports_curator import Class, add_finals, add_marks, class_world
from .world import add_lesson, add_teaching


def _journal(session: Session) -> Class:
    """Four ОП.01 lessons of 2 h (02.09, 03.09 without a topic, 15.10, 20.10 without any
    mark), five marks (A: 5, 4, 2; B: 2, 3) for 3 students still enrolled at the end
    (Громов left): 1.67 marks per student; final grades A «5», B «4», none for C; a remark
    in October (open) and one in February (fixed); 32 h planned in the second semester."""
    k = class_world(session)
    w = k.w
    session.get(m.Lesson, k.lesson2).topic = "  "
    add_lesson(
        session,
        group_id=w.group_a,
        item_id=w.item_taught,
        period_id=w.period_taught,
        teacher_person=w.teacher_person,
        day=date(2025, 10, 20),
    )
    add_marks(session, k)
    add_finals(session, k, {(k.a, w.item_taught): FinalResult.FIVE, (k.b, w.item_taught): FinalResult.FOUR})
    deputy = w.actors[Role.DEPUTY_DIRECTOR].account_id
    session.add_all(
        [
            m.WorkRemark(
                teacher_id=w.teacher_person, author_id=deputy, group_id=w.group_a, text="Нет тем занятий",
                created_at=datetime(2025, 10, 1, 10, 0),
            ),
            m.WorkRemark(
                teacher_id=w.teacher_person, author_id=deputy, group_id=w.group_a, text="Мало отметок",
                status=RemarkStatus.FIXED, fixed_at=datetime(2026, 2, 12, 9, 0),
                created_at=datetime(2026, 2, 10, 10, 0),
            ),
        ]
    )  # fmt: skip
    add_teaching(session, w.teacher_person, w.group_a, w.item_taught, w.period_other)
    return k


def test_teacher_results_golden(engine) -> None:
    """ОП.01 in ИСП-25: «5» and «4» — 2 counted, успеваемость and качество 100 %, СОУ (100 +
    64) / 2 = 82, mean 4.5."""
    with Session(engine) as session:
        k = _journal(session)
        w = k.w
        frame = teacher_results(
            session, w.actors[Role.TEACHER], teacher_id=w.teacher_person, period_id=w.period_taught
        )
        assert list(frame.columns) == RESULT_COLUMNS
        assert frame.values.tolist() == [
            ["1 семестр", "ИСП-25", "ОП.01", "Операционные системы и среды",
             1, 1, 0, 0, 0, 0, 0, 0, 2, 100.0, 100.0, 82.0, 4.5],
        ]  # fmt: skip
        session.rollback()


def test_teacher_period_report_golden(engine, tmp_path) -> None:
    """R-4.10.e: 8 of 64 hours delivered (12.5 %); 4 lessons, 1 without a topic, 1 without
    marks or attendance, 5 / 3 = 1.67 marks per student — «мало отметок»; one student
    without a final grade; the October remark only."""
    with Session(engine) as session:
        k = _journal(session)
        w = k.w
        report = teacher_report(
            session, w.actors[Role.TEACHER], teacher_id=w.teacher_person, period_id=w.period_taught
        )
        assert list(report.hours.columns) == HOURS_COLUMNS
        assert report.hours.iloc[0].tolist()[4:] == [64, 8, 56, 12.5]
        assert list(report.filling.columns) == FILLING_COLUMNS
        assert report.filling.iloc[0].tolist()[4:] == [
            4, 1, 1, 1.67, 1,
            "занятий без темы: 1; занятий без отметок и посещаемости: 1; мало отметок; "
            "не выставлены итоговые оценки: 1",
        ]  # fmt: skip
        assert report.remarks[["Замечание", "Состояние"]].values.tolist() == [
            ["Нет тем занятий", "не устранено"]
        ]
        assert report.teacher == "Петрова Анна Ивановна"
        table = assignments_table(report)
        assert len(table) == 1 and table.iloc[0]["Выполнено, %"] == 12.5 and table.iloc[0]["СОУ, %"] == 82.0

        path = write_teacher_report(report, tmp_path / "teacher.xlsx")
        cells = [
            c for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True) for c in row if c
        ]
        for value in (64, 8, 56, 12.5, 82.0, 4.5, 1.67, "Нет тем занятий"):
            assert value in cells
        for who in ("Преподаватель", "Заведующий отделением", "Заместитель директора по УР"):
            assert who in cells
        assert any(c == "Отчёт преподавателя Петрова Анна Ивановна за 1 семестр 2025/2026" for c in cells)
        session.rollback()


def test_teacher_year_report_totals(engine) -> None:
    """The year: 64 + 32 = 96 h planned, 8 delivered, 88 short, 8 / 96 = 8.33 %; both remarks."""
    with Session(engine) as session:
        k = _journal(session)
        w = k.w
        year_id = session.get(m.StudyPeriod, w.period_taught).academic_year_id
        report = teacher_year_report(
            session, w.actors[Role.DEPUTY_DIRECTOR], teacher_id=w.teacher_person, academic_year_id=year_id
        )
        assert report.hours["Период"].tolist() == ["1 семестр", "2 семестр", "Итого"]
        assert report.hours.iloc[-1].tolist()[4:] == [96, 8, 88, 8.33]
        assert report.results["Учтено студентов"].tolist() == [2, 0]
        assert pd.isna(report.results.iloc[1]["Успеваемость, %"])  # undefined without grades
        assert report.remarks["Состояние"].tolist() == ["не устранено", "устранено"]
        assert report.period == "2025/2026 учебный год"
        assert len(assignments_table(report)) == 2
        session.rollback()


def test_teacher_sees_only_own_teaching(engine) -> None:
    """R-4.10.e: a teacher gets the own report only; the department head those of teachers
    teaching in the department; the deputy director anyone's; a curator none."""
    with Session(engine) as session:
        k = _journal(session)
        w = k.w
        sem = w.period_taught
        with pytest.raises(AccessDenied):
            teacher_results(session, w.actors[Role.TEACHER], teacher_id=w.other_teacher_person, period_id=sem)
        head = w.actors[Role.DEPARTMENT_HEAD]
        assert len(teacher_results(session, head, teacher_id=w.teacher_person, period_id=sem)) == 1
        with pytest.raises(AccessDenied):
            teacher_report(session, head, teacher_id=w.other_teacher_person, period_id=sem)
        deputy = w.actors[Role.DEPUTY_DIRECTOR]
        other = teacher_results(session, deputy, teacher_id=w.other_teacher_person, period_id=sem)
        assert other["Группа"].tolist() == ["ЭБ-25"] and other.iloc[0]["Учтено студентов"] == 0
        with pytest.raises(AccessDenied):
            teacher_report(session, w.actors[Role.CURATOR], teacher_id=w.teacher_person, period_id=sem)
        session.rollback()


def test_teacher_reports_in_the_catalog() -> None:
    for name in ("teacher-results", "teacher", "teacher-year"):
        assert catalog.get(name).signatures[0] == "Преподаватель"

"""The yearly report per specialty (R-6.4, R-4.5.c): contingent and movement from the orders,
results of each period, attendance — golden numbers on the small class of
:mod:`tests.test_reports_curator` (specialty 09.02.07, department A) and ЭБ-25 moved to a
specialty 38.02.01 of its own (department B), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import FinalResult, OrderKind, Role, SpecialtyKind
from netspo_lib.reports import catalog
from netspo_lib.reports.yearly import (
    CONTINGENT_COLUMNS,
    RESULT_COLUMNS,
    write_yearly_report,
    yearly_report,
)

from .factories import T0, person
from .test_reports_curator import Class, add_absences, add_finals, class_world, semester_finals

R = FinalResult


def _order(session: Session, college_id: int, kind: OrderKind, number: str, day: date) -> int:
    order = m.Order(
        college_id=college_id, kind=kind, number=number, order_date=day, signed_by="Директор", created_at=T0
    )
    session.add(order)
    session.flush()
    return order.id


def _year(session: Session) -> tuple[Class, int, int]:
    """ИСП-25: A, B, C, Громов (expelled on 01.11.2025 by order) at the start; Егоров
    enrolled on 01.10.2025 by order. ЭБ-25 (38.02.01): Борисов. Grades of the first semester
    as in the curator tests plus Егоров «4» and «зачёт»; in the second semester Егоров «5»;
    Борисов «3». Absences: A НП 2 h, B Б 2 h and УП 2 h, Громов НП 2 h on 02.09 (he was in
    the group then): 8 h missed, 4 excused, 4 unexcused, 8 / 4 = 2.0 h per student at the end."""
    k = class_world(session)
    w = k.w
    p = person("Егоров", "Иван", snils="60000000001")
    session.add(p)
    session.flush()
    e = m.Student(person_id=p.id, group_id=w.group_a, enrolled_on=date(2025, 10, 1), created_at=T0)
    econ = m.Specialty(code="38.02.01", name="Экономика и бухгалтерский учёт", kind=SpecialtyKind.PPSSZ)
    session.add_all([e, econ])
    session.flush()
    session.get(m.Group, w.group_b).specialty_id = econ.id
    expel = _order(session, w.college_id, OrderKind.EXPULSION, "5-о", date(2025, 11, 1))
    enrol = _order(session, w.college_id, OrderKind.ENROLLMENT, "7-к", date(2025, 9, 30))
    session.add_all(
        [
            m.OrderItem(
                order_id=expel, student_id=k.d, from_group_id=w.group_a, effective_on=date(2025, 11, 1)
            ),
            m.OrderItem(
                order_id=enrol, student_id=e.id, to_group_id=w.group_a, effective_on=date(2025, 10, 1)
            ),
        ]
    )
    grades = semester_finals(k)
    grades[(e.id, w.item_taught)] = R.FOUR
    grades[(e.id, w.item_other)] = R.PASS
    grades[(w.student_b, w.item_other)] = R.THREE
    add_finals(session, k, grades)
    add_finals(session, k, {(e.id, w.item_taught): R.FIVE}, period=w.period_other)
    add_absences(session, k)
    year_id = session.get(m.StudyPeriod, w.period_taught).academic_year_id
    return k, year_id, e.id


def test_yearly_report_golden(engine, tmp_path) -> None:
    """Semester 1 of 09.02.07: A, B, C, Егоров counted (Громов left) — успевающих 3 (75 %),
    качественных A and Егоров (50 %); grades 5, 5, 4, 3, 2, н/а, 4, зачёт: СОУ = (200 + 128 +
    36 + 16 + 7) / 7 = 55.3, mean 23 / 6 = 3.83. Semester 2: Егоров «5». 38.02.01: one «3»."""
    with Session(engine) as session:
        k, year_id, _ = _year(session)
        report = yearly_report(session, k.w.actors[Role.DEPUTY_DIRECTOR], academic_year_id=year_id)
        assert list(report.contingent.columns) == CONTINGENT_COLUMNS
        rows = report.contingent.values.tolist()
        # code, name, groups, start, arrived, expelled, leave, transferred, graduated, end,
        # missed, excused, unexcused, missed per student at the end
        assert rows[0] == [
            "09.02.07", "Информационные системы и программирование", 1, 4, 1, 1, 0, 0, 0, 4, 8, 4, 4, 2.0,
        ]  # fmt: skip
        assert rows[1] == ["38.02.01", "Экономика и бухгалтерский учёт", 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0.0]
        assert rows[2] == ["Итого", "", 2, 5, 1, 1, 0, 0, 0, 5, 8, 4, 4, 1.6]
        assert list(report.results.columns) == RESULT_COLUMNS
        assert [[r[0], *r[2:]] for r in report.results.values.tolist()] == [
            ["09.02.07", "1 семестр", 4, 3, 2, 75.0, 50.0, 55.3, 3.83],
            ["09.02.07", "2 семестр", 1, 1, 1, 100.0, 100.0, 100.0, 5.0],
            ["38.02.01", "1 семестр", 1, 1, 0, 100.0, 0.0, 36.0, 3.0],
        ]
        assert report.scope == "колледж" and report.year == "2025/2026"

        path = write_yearly_report(report, tmp_path / "yearly.xlsx")
        cells = [
            c for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True) for c in row if c
        ]
        for value in (55.3, 3.83, 75.0, "38.02.01", "Итого", 1.6):
            assert value in cells
        assert "Заведующий отделением" in cells and "Заместитель директора по УР" in cells
        assert "Годовой отчёт по специальностям за 2025/2026 учебный год" in cells
        session.rollback()


def test_department_head_gets_the_own_department_only(engine) -> None:
    """R-4.5.c: the department head's yearly report covers the own department; the whole
    college or another department is refused, and so is a curator."""
    with Session(engine) as session:
        k, year_id, _ = _year(session)
        w = k.w
        head = w.actors[Role.DEPARTMENT_HEAD]
        own = head.grants[0].department_id
        report = yearly_report(session, head, academic_year_id=year_id, department_id=own)
        assert report.contingent["Код"].tolist() == ["09.02.07", "Итого"]
        assert report.scope == "Отделение информатики"
        with pytest.raises(AccessDenied):
            yearly_report(session, head, academic_year_id=year_id)
        other = session.get(m.Group, w.group_b).department_id
        with pytest.raises(AccessDenied):
            yearly_report(session, head, academic_year_id=year_id, department_id=other)
        with pytest.raises(AccessDenied):
            yearly_report(session, w.actors[Role.CURATOR], academic_year_id=year_id)
        session.rollback()


def test_yearly_in_the_catalog() -> None:
    spec = catalog.get("yearly")
    assert spec.sheets is not None and spec.signatures == (
        "Заведующий отделением",
        "Заместитель директора по УР",
    )

"""The curator's preliminary report and report for a period (R-4.7.b, R-6.3): golden numbers
computed by hand on a small class, the .xlsx holding them with the signature lines, scope
refusals, and SQLite equal to PostgreSQL (the ``engine`` fixture runs both).

The class (:func:`class_world`, shared with the letters, teacher and yearly tests): ИСП-25
of the test world with Сидорова (A) and three more students — Быков (B), Волков (C) and
Громов (D), who left on 01.11.2025, before the first semester ended (28.12.2025).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import openpyxl
import pytest
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import AttendanceCode, FinalResult, Role, StudentStatus
from netspo_lib.reports import catalog
from netspo_lib.reports.curator import (
    SUMMARY_COLUMNS,
    curator_report,
    preliminary_report,
    write_curator_report,
    write_preliminary_report,
)

from .factories import T0, person
from .world import World, add_lesson, build_world

R = FinalResult


@dataclass
class Class:
    w: World
    a: int
    b: int
    c: int
    d: int
    lesson2: int  # ОП.01 on 03.09.2025
    lesson_late: int  # ОП.01 on 15.10.2025
    lesson_op02: int  # ОП.02 on 04.09.2025


def _student(session: Session, group_id: int, last: str, snils: str, **extra: object) -> int:
    p = person(last, "Иван", snils=snils)
    session.add(p)
    session.flush()
    s = m.Student(person_id=p.id, group_id=group_id, enrolled_on=date(2025, 9, 1), created_at=T0, **extra)
    session.add(s)
    session.flush()
    return s.id


def class_world(session: Session) -> Class:
    w = build_world(session)
    b = _student(session, w.group_a, "Быков", "40000000001")
    c = _student(session, w.group_a, "Волков", "40000000002")
    d = _student(
        session, w.group_a, "Громов", "40000000003", left_on=date(2025, 11, 1), status=StudentStatus.EXPELLED
    )
    lesson = dict(group_id=w.group_a, item_id=w.item_taught, period_id=w.period_taught)
    lesson2 = add_lesson(session, **lesson, teacher_person=w.teacher_person, day=date(2025, 9, 3))
    late = add_lesson(session, **lesson, teacher_person=w.teacher_person, day=date(2025, 10, 15))
    op02 = add_lesson(
        session,
        group_id=w.group_a,
        item_id=w.item_other,
        period_id=w.period_taught,
        teacher_person=w.other_teacher_person,
        day=date(2025, 9, 4),
    )
    return Class(w, w.student_a, b, c, d, lesson2, late, op02)


def add_finals(
    session: Session, k: Class, grades: dict[tuple[int, int], FinalResult], period: int = 0
) -> None:
    """Final grades {(student, item): result} of the period (default: the first semester)."""
    session.add_all(
        m.FinalGrade(
            student_id=s, curriculum_item_id=i, period_id=period or k.w.period_taught, result=r, set_at=T0
        )
        for (s, i), r in grades.items()
    )
    session.flush()


def semester_finals(k: Class) -> dict[tuple[int, int], FinalResult]:
    """A: 5, 5 (отличник); B: 4, 3 (с одной «3»); C: 2, н/а (неуспевающий); D left: 5."""
    op01, op02 = k.w.item_taught, k.w.item_other
    return {
        (k.a, op01): R.FIVE, (k.a, op02): R.FIVE,
        (k.b, op01): R.FOUR, (k.b, op02): R.THREE,
        (k.c, op01): R.TWO, (k.c, op02): R.NOT_ATTESTED,
        (k.d, op01): R.FIVE,
    }  # fmt: skip


def add_absences(session: Session, k: Class) -> None:
    """A: НП 2 h on 02.09 (the only lesson of the day: a full day); B: Б 2 h on 02.09 and
    УП 2 h on 03.09 (two full days); C: late on 03.09; D (left): НП 2 h on 02.09."""
    rows = [
        (k.w.lesson_a, k.a, AttendanceCode.UNEXCUSED, 2),
        (k.w.lesson_a, k.b, AttendanceCode.SICK, 2),
        (k.lesson2, k.b, AttendanceCode.EXCUSED, 2),
        (k.lesson2, k.c, AttendanceCode.LATE, 0),
        (k.w.lesson_a, k.d, AttendanceCode.UNEXCUSED, 2),
    ]
    session.add_all(
        m.Attendance(lesson_id=lesson, student_id=s, code=code, hours=h, entered_at=T0)
        for lesson, s, code, h in rows
    )
    session.flush()


def add_marks(session: Session, k: Class) -> None:
    """ОП.01: A 5 (weight 1) and 4 (weight 2), then 2 on 15.10; B 2 and 3. ОП.02: A 3."""
    rows = [
        (k.w.lesson_a, k.a, 5, 1.0),
        (k.lesson2, k.a, 4, 2.0),
        (k.lesson_late, k.a, 2, 1.0),
        (k.w.lesson_a, k.b, 2, 1.0),
        (k.lesson2, k.b, 3, 1.0),
        (k.lesson_op02, k.a, 3, 1.0),
    ]
    session.add_all(
        m.Mark(lesson_id=lesson, student_id=s, value=v, weight=wt, entered_at=T0) for lesson, s, v, wt in rows
    )
    session.flush()


def _cells(path) -> list[object]:  # type: ignore[no-untyped-def]
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def test_curator_report_golden_numbers(engine, tmp_path) -> None:
    """R-6.3: 3 students counted (D left before the end): 1 отличник, 1 с одной «3», 1
    неуспевающий; успеваемость 2/3, качество 1/3 of the students; over the six grades
    5, 5, 4, 3, 2, н/а: СОУ = (2·100 + 64 + 36 + 16 + 7) / 6 = 53.8, mean = 19 / 5 = 3.8."""
    with Session(engine) as session:
        k = class_world(session)
        sem = k.w.period_taught
        add_finals(session, k, semester_finals(k))
        add_absences(session, k)
        report = curator_report(session, k.w.actors[Role.CURATOR], group_id=k.w.group_a, period_id=sem)
        assert list(report.summary.columns) == SUMMARY_COLUMNS
        assert report.summary.iloc[0].tolist() == [3, 1, 0, 1, 1, 0, 66.7, 33.3, 53.8, 3.8]
        by_index = report.disciplines.set_index("Индекс")
        # ОП.01: 5, 4, 2 — СОУ (100 + 64 + 16) / 3 = 60, mean 11 / 3; ОП.02: 5, 3, н/а.
        assert by_index.loc["ОП.01", ["Учтено студентов", "Успеваемость, %", "Качество, %"]].tolist() == [
            3, 66.7, 66.7,
        ]  # fmt: skip
        assert by_index.loc["ОП.01", ["СОУ, %", "Средний балл"]].tolist() == [60.0, 3.67]
        assert by_index.loc["ОП.02", ["Качество, %", "СОУ, %", "Средний балл"]].tolist() == [33.3, 47.7, 4.0]
        assert report.failing.values.tolist() == [
            ["Волков Иван Ивановна", "неуспевающий", "ОП.01 (2), ОП.02 (н/а)"]
        ]
        att = report.attendance.set_index("Студент")
        assert att.loc["Итого"].tolist() == [6, 4, 2, 1, 3]  # missed, excused, unexcused, late, full days
        assert att.loc["Быков Иван"].tolist() == [4, 4, 0, 0, 2]
        assert "Громов Иван" not in att.index  # left before the period ended
        students = report.students.set_index("Студент")
        assert students.loc["Сидорова Мария Ивановна", "Категория"] == "отличник"
        assert students.loc["Сидорова Мария Ивановна", "Без уважительной причины, ч"] == 2

        path = write_curator_report(report, tmp_path / "curator.xlsx")
        cells = _cells(path)
        for number in (53.8, 3.8, 66.7, 33.3, 47.7, "ОП.01 (2), ОП.02 (н/а)", "Итого"):
            assert number in cells
        assert "Классный руководитель" in cells and "Заведующий отделением" in cells
        assert "/ Петрова А.И. /" in cells  # the group's curator signs by name
        assert any(
            isinstance(c, str) and "Тестовый колледж" in c and "1 семестр 2025/2026" in c for c in cells
        )
        session.rollback()


def test_preliminary_report_current_averages_and_risk(engine, tmp_path) -> None:
    """R-4.7.b: on 01.10.2025 A's ОП.01 average is (5·1 + 4·2) / 3 = 4.33 (the 2 of 15.10 not
    yet), ОП.02 3.0, overall (5 + 8 + 3) / 4 = 4.0; B's ОП.01 (2 + 3) / 2 = 2.5 — at risk;
    C has «н/а» set in ОП.02 — at risk; A has 2 НП hours, over a threshold of 1."""
    with Session(engine) as session:
        k = class_world(session)
        sem = k.w.period_taught
        add_marks(session, k)
        add_absences(session, k)
        add_finals(session, k, {(k.c, k.w.item_other): R.NOT_ATTESTED})
        curator = k.w.actors[Role.CURATOR]
        report = preliminary_report(
            session,
            curator,
            group_id=k.w.group_a,
            period_id=sem,
            as_of=date(2025, 10, 1),
            unexcused_hours=1,
        )
        averages = report.averages.set_index("Студент")
        assert list(averages.columns) == ["ОП.01", "ОП.02", "Средний балл"]
        assert averages.loc["Сидорова Мария Ивановна"].tolist() == [4.33, 3.0, 4.0]
        assert averages.loc["Быков Иван Ивановна", "ОП.01"] == 2.5
        assert "Громов Иван Ивановна" in averages.index  # still in the group on 01.10
        risk = dict(report.at_risk.values.tolist())
        assert risk == {
            "Сидорова Мария Ивановна": "пропущено без уважительной причины 2 ч",
            "Быков Иван Ивановна": "средний балл 2.50 по ОП.01",
            "Волков Иван Ивановна": "итог «н/а» по ОП.02",
            "Громов Иван Ивановна": "пропущено без уважительной причины 2 ч",
        }
        later = preliminary_report(
            session, curator, group_id=k.w.group_a, period_id=sem, as_of=date(2025, 12, 1)
        )
        assert later.averages.set_index("Студент").loc["Сидорова Мария Ивановна", "ОП.01"] == 3.75  # 15 / 4
        assert "Громов Иван Ивановна" not in set(later.averages["Студент"])  # left on 01.11

        path = write_preliminary_report(report, tmp_path / "pre.xlsx")
        cells = _cells(path)
        assert 4.33 in cells and 2.5 in cells and "средний балл 2.50 по ОП.01" in cells
        assert "Классный руководитель" in cells and "Заведующий отделением" in cells
        session.rollback()


def test_scope_curator_only_own_group(engine) -> None:
    """R-4.7.b: a curator reports on the own group only; a teacher has no group reports."""
    with Session(engine) as session:
        k = class_world(session)
        sem = k.w.period_taught
        w = k.w
        with pytest.raises(AccessDenied):
            curator_report(session, w.actors[Role.CURATOR], group_id=w.group_b, period_id=sem)
        with pytest.raises(AccessDenied):
            preliminary_report(session, w.actors[Role.TEACHER], group_id=w.group_a, period_id=sem)
        with pytest.raises(AccessDenied):
            curator_report(session, w.actors[Role.DEPARTMENT_HEAD], group_id=w.group_b, period_id=sem)
        assert not curator_report(
            session, w.actors[Role.DEPUTY_DIRECTOR], group_id=w.group_b, period_id=sem
        ).info.curator
        session.rollback()


def test_empty_period_gives_empty_tables(engine) -> None:
    """No final grades: zero counts, undefined percentages, no failing students."""
    with Session(engine) as session:
        k = class_world(session)
        sem = k.w.period_taught
        report = curator_report(session, k.w.actors[Role.CURATOR], group_id=k.w.group_a, period_id=sem)
        assert report.summary.iloc[0].tolist()[:6] == [0, 0, 0, 0, 0, 0]
        assert report.summary.iloc[0].tolist()[6:] == [None, None, None, None]
        assert report.failing.empty and report.disciplines.empty
        session.rollback()


def test_catalog_names() -> None:
    for name in ("curator-prelim", "curator"):
        spec = catalog.get(name)
        assert spec.needs_group and spec.sheets is not None
        assert spec.signatures == ("Классный руководитель", "Заведующий отделением")
    for name in ("journal-filling", "hours"):
        assert catalog.get(name).signatures == ("Заместитель директора по УР",)

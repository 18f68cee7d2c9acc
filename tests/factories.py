"""A minimal college for tests that need a few rows, not the demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.enums import (
    AssessmentForm,
    ItemKind,
    OrderKind,
    PeriodKind,
    Sex,
    SpecialtyKind,
    StudyForm,
)

T0 = datetime(2025, 9, 1, 9, 0)


@dataclass
class Mini:
    college: m.College
    department: m.Department
    group: m.Group
    teacher: m.Person
    student: m.Student
    item: m.CurriculumItem
    period: m.StudyPeriod
    lesson: m.Lesson


def person(last: str, first: str, snils: str | None = None, sex: Sex = Sex.FEMALE) -> m.Person:
    return m.Person(
        last_name=last,
        first_name=first,
        middle_name="Ивановна",
        sex=sex,
        birth_date=date(2007, 5, 17),
        snils=snils,
        created_at=T0,
    )


def minimal_college(session: Session) -> Mini:
    college = m.College(name="Тестовый колледж", short_name="ТК", created_at=T0)
    department = m.Department(college=college, name="Отделение информатики", created_at=T0)
    specialty = m.Specialty(
        code="09.02.07", name="Информационные системы и программирование", kind=SpecialtyKind.PPSSZ
    )
    session.add_all([college, department, specialty])
    session.flush()
    curriculum = m.Curriculum(
        college_id=college.id,
        specialty=specialty,
        intake_year=2025,
        study_form=StudyForm.FULL_TIME,
        name="УП 09.02.07 (2025)",
        created_at=T0,
    )
    session.add(curriculum)
    item = m.CurriculumItem(
        curriculum=curriculum,
        index="ОП.01",
        name="Операционные системы и среды",
        kind=ItemKind.DISCIPLINE,
        semester=1,
        lecture_hours=32,
        practice_hours=32,
        assessment=AssessmentForm.EXAM,
    )
    year = m.AcademicYear(
        college_id=college.id, name="2025/2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 6, 30)
    )
    period = m.StudyPeriod(
        academic_year=year,
        kind=PeriodKind.SEMESTER,
        number=1,
        name="1 семестр",
        starts_on=date(2025, 9, 1),
        ends_on=date(2025, 12, 28),
    )
    teacher = person("Петрова", "Анна", snils="11223344595")
    session.add_all([item, year, period, teacher])
    session.flush()
    group = m.Group(
        college_id=college.id,
        department_id=department.id,
        specialty_id=specialty.id,
        curriculum_id=curriculum.id,
        name="ИСП-25",
        intake_year=2025,
        course=1,
        study_form=StudyForm.FULL_TIME,
        curator_id=teacher.id,
        created_at=T0,
    )
    pupil = person("Сидорова", "Мария", snils="11223344696")
    session.add_all([group, pupil])
    session.flush()
    student = m.Student(person_id=pupil.id, group_id=group.id, enrolled_on=date(2025, 9, 1), created_at=T0)
    order = m.Order(
        college_id=college.id,
        kind=OrderKind.ENROLLMENT,
        number="101-к",
        order_date=date(2025, 8, 25),
        signed_by="Директор Е.В. Метель",
        created_at=T0,
    )
    session.add_all([student, order])
    session.flush()
    lesson = m.Lesson(
        group_id=group.id,
        curriculum_item_id=item.id,
        period_id=period.id,
        teacher_id=teacher.id,
        lesson_date=date(2025, 9, 2),
        pair_number=1,
        hours=2,
        topic="Введение",
        created_at=T0,
    )
    session.add(lesson)
    session.flush()
    return Mini(college, department, group, teacher, student, item, period, lesson)


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table, to show that a refused action or a repeated one wrote nothing."""
    return {
        t.name: session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
        for t in m.Base.metadata.sorted_tables
    }

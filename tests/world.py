"""A small two-college world for access and rule tests: every role has one account.

College 1 has departments A and B with groups «ИСП-25» (A) and «ЭБ-25» (B); the teacher
teaches ОП.01 in ИСП-25 in semester 1 only. College 2 mirrors a group «ЧУЖ-25».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Actor, Resource, actor_for_account
from netspo_lib.enums import AttendanceCode, FinalResult, ItemKind, Role, ScopeKind, StudyForm

from .factories import T0, minimal_college, person


@dataclass
class World:
    actors: dict[Role, Actor]
    college_id: int
    other_college_id: int
    group_a: int
    group_b: int
    group_foreign: int
    student_a: int
    student_b: int
    student_foreign: int
    item_taught: int
    item_other: int
    period_taught: int
    period_other: int
    teacher_person: int
    other_teacher_person: int
    # The lesson of ОП.01 in ИСП-25 on 02.09.2025 (pair 1) that the minimal college has.
    lesson_a: int = 0

    def inside(self, role: Role) -> Resource:
        """A resource inside the role's own scope (its group, student, discipline, self)."""
        actor = self.actors[role]
        return Resource(
            group_id=self.group_a,
            student_id=self.student_a,
            curriculum_item_id=self.item_taught,
            period_id=self.period_taught,
            person_id=actor.person_id,
        )

    def other_group(self) -> Resource:
        """The same college, another department, group, student, discipline and teacher."""
        return Resource(
            group_id=self.group_b,
            student_id=self.student_b,
            curriculum_item_id=self.item_other,
            period_id=self.period_taught,
            person_id=self.other_teacher_person,
        )

    def other_college(self) -> Resource:
        return Resource(group_id=self.group_foreign, student_id=self.student_foreign)


def _group(session: Session, college_id: int, department_id: int, specialty_id: int, name: str) -> m.Group:
    g = m.Group(
        college_id=college_id,
        department_id=department_id,
        specialty_id=specialty_id,
        name=name,
        intake_year=2025,
        course=1,
        study_form=StudyForm.FULL_TIME,
        created_at=T0,
    )
    session.add(g)
    session.flush()
    return g


def _student(session: Session, group_id: int, last: str, snils: str) -> m.Student:
    p = person(last, "Иван", snils=snils)
    session.add(p)
    session.flush()
    s = m.Student(person_id=p.id, group_id=group_id, enrolled_on=date(2025, 9, 1), created_at=T0)
    session.add(s)
    session.flush()
    return s


def build_world(session: Session) -> World:
    mini = minimal_college(session)
    college_id = mini.college.id
    dept_b = m.Department(college_id=college_id, name="Экономическое отделение", created_at=T0)
    other = m.College(name="Другой колледж", short_name="ДК", created_at=T0)
    session.add_all([dept_b, other])
    session.flush()
    dept_foreign = m.Department(college_id=other.id, name="Отделение", created_at=T0)
    session.add(dept_foreign)
    session.flush()
    spec = mini.group.specialty_id
    group_b = _group(session, college_id, dept_b.id, spec, "ЭБ-25")
    group_f = _group(session, other.id, dept_foreign.id, spec, "ЧУЖ-25")
    student_b = _student(session, group_b.id, "Борисов", "20000000001")
    student_f = _student(session, group_f.id, "Чужой", "20000000002")
    item_other = m.CurriculumItem(
        curriculum_id=mini.item.curriculum_id,
        index="ОП.02",
        name="Архитектура аппаратных средств",
        kind=ItemKind.DISCIPLINE,
        semester=1,
    )
    period_2 = m.StudyPeriod(
        academic_year_id=mini.period.academic_year_id,
        kind=mini.period.kind,
        number=2,
        name="2 семестр",
        starts_on=date(2026, 1, 12),
        ends_on=date(2026, 6, 30),
    )
    other_teacher = person("Орлова", "Вера", snils="20000000003")
    session.add_all([item_other, period_2, other_teacher])
    session.flush()
    session.add(
        m.TeachingAssignment(
            teacher_id=mini.teacher.id,
            group_id=mini.group.id,
            curriculum_item_id=mini.item.id,
            period_id=mini.period.id,
            planned_hours=64,
        )
    )
    session.add(
        m.TeachingAssignment(
            teacher_id=other_teacher.id,
            group_id=group_b.id,
            curriculum_item_id=item_other.id,
            period_id=mini.period.id,
            planned_hours=64,
        )
    )
    parent = person("Сидоров", "Пётр", snils="20000000004")
    session.add(parent)
    session.flush()

    scope_of: dict[Role, tuple[ScopeKind, dict[str, int]]] = {
        Role.DEPARTMENT_HEAD: (ScopeKind.DEPARTMENT, {"department_id": mini.department.id}),
        Role.COMMISSION_CHAIR: (ScopeKind.DEPARTMENT, {"department_id": mini.department.id}),
        Role.CURATOR: (ScopeKind.GROUP, {"group_id": mini.group.id}),
        Role.STUDENT: (ScopeKind.STUDENT, {"student_id": mini.student.id}),
        Role.PARENT: (ScopeKind.STUDENT, {"student_id": mini.student.id}),
    }
    persons: dict[Role, int] = {
        Role.TEACHER: mini.teacher.id,
        Role.STUDENT: mini.student.person_id,
        Role.PARENT: parent.id,
    }
    actors: dict[Role, Actor] = {}
    for n, role in enumerate(Role):
        person_id = persons.get(role)
        if person_id is None:
            p = person("Сотрудник", role.value, snils=f"3{n:010d}")
            session.add(p)
            session.flush()
            person_id = p.id
        account = m.UserAccount(
            person_id=person_id, college_id=college_id, login=f"u_{role.value}", created_at=T0
        )
        session.add(account)
        session.flush()
        scope, target = scope_of.get(role, (ScopeKind.COLLEGE, {}))
        session.add(
            m.RoleGrant(
                account_id=account.id, role=role, scope=scope, college_id=college_id, granted_at=T0, **target
            )
        )
        session.flush()
        actors[role] = actor_for_account(session, account)
    return World(
        actors=actors,
        college_id=college_id,
        other_college_id=other.id,
        group_a=mini.group.id,
        group_b=group_b.id,
        group_foreign=group_f.id,
        student_a=mini.student.id,
        student_b=student_b.id,
        student_foreign=student_f.id,
        item_taught=mini.item.id,
        item_other=item_other.id,
        period_taught=mini.period.id,
        period_other=period_2.id,
        teacher_person=mini.teacher.id,
        other_teacher_person=other_teacher.id,
        lesson_a=mini.lesson.id,
    )


def add_teaching(session: Session, teacher_person: int, group_id: int, item_id: int, period_id: int) -> None:
    """One more teaching assignment (for journal tests that need a second group)."""
    session.add(
        m.TeachingAssignment(
            teacher_id=teacher_person,
            group_id=group_id,
            curriculum_item_id=item_id,
            period_id=period_id,
            planned_hours=32,
        )
    )
    session.flush()


def add_lesson(
    session: Session,
    *,
    group_id: int,
    item_id: int,
    period_id: int,
    teacher_person: int,
    day: date,
    pair: int = 1,
    subgroup_id: int | None = None,
) -> int:
    """A lesson written straight into the table (fixtures, not the write path under test)."""
    lesson = m.Lesson(
        group_id=group_id,
        subgroup_id=subgroup_id,
        curriculum_item_id=item_id,
        period_id=period_id,
        teacher_id=teacher_person,
        lesson_date=day,
        pair_number=pair,
        hours=2,
        topic="Тема",
        created_at=T0,
    )
    session.add(lesson)
    session.flush()
    return lesson.id


JOURNAL_TABLES = ("lessons", "marks", "attendance", "final_grades")


def journal_rows(session: Session) -> dict[str, list[tuple]]:
    """Every row of the journal's tables, to prove a refused write changed nothing."""
    result: dict[str, list[tuple]] = {}
    for name in JOURNAL_TABLES:
        table = m.Base.metadata.tables[name]
        result[name] = [tuple(r) for r in session.execute(sa.select(table).order_by(table.c.id))]
    return result


def seed_journal(session: Session, world: World) -> int:
    """Journal rows to change: a mark (4, oral) and an absence (НП, 2 h) of the ИСП-25
    student at ``lesson_a``, a final grade of another discipline (ОП.02), and a second
    lesson of ОП.01 on 03.09.2025 without marks, whose id is returned."""
    lesson2 = add_lesson(
        session,
        group_id=world.group_a,
        item_id=world.item_taught,
        period_id=world.period_taught,
        teacher_person=world.teacher_person,
        day=date(2025, 9, 3),
    )
    session.add_all(
        [
            m.Mark(lesson_id=world.lesson_a, student_id=world.student_a, value=4, entered_at=T0),
            m.Attendance(
                lesson_id=world.lesson_a,
                student_id=world.student_a,
                code=AttendanceCode.UNEXCUSED,
                hours=2,
                entered_at=T0,
            ),
            m.FinalGrade(
                student_id=world.student_a,
                curriculum_item_id=world.item_other,
                period_id=world.period_taught,
                result=FinalResult.FIVE,
                set_at=T0,
            ),
        ]
    )
    session.flush()
    return lesson2

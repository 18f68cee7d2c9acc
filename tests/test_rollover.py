"""The year rollover (R-4.2.d, D-8): the preview decides for every student, the apply moves
courses, graduates the final course and opens the next year, refuses while final grades
are missing unless forced (the reason is audited), and a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import movement as mv
from netspo_lib import rollover
from netspo_lib.access import AccessDenied, Actor, actor_for_account, load_actor
from netspo_lib.enums import (
    AcademicYearStatus,
    AssessmentForm,
    FinalResult,
    GroupStatus,
    ItemKind,
    OrderKind,
    PeriodKind,
    Role,
    ScopeKind,
    Sex,
    SpecialtyKind,
    StudentStatus,
    StudyForm,
)
from netspo_lib.errors import NetspoError
from netspo_lib.rollover import Outcome

from .factories import T0, person, row_counts

ORDER = {"order_number": "77-к", "order_date": date(2026, 6, 30)}
ORDERS = {**ORDER, "graduation_order_number": "78-к"}


@dataclass
class College:
    id: int
    year_id: int
    groups: dict[str, int]
    students: dict[str, int]
    engineer: Actor
    head: Actor
    actors: dict[Role, Actor]


def _curriculum(s: Session, college_id: int, specialty: m.Specialty, intake: int, semesters: int) -> int:
    """One examined discipline per semester, and one line without an assessment."""
    c = m.Curriculum(
        college_id=college_id,
        specialty=specialty,
        intake_year=intake,
        study_form=StudyForm.FULL_TIME,
        name=f"УП {specialty.code} ({intake})",
        created_at=T0,
    )
    s.add(c)
    s.flush()
    for sem in range(1, semesters + 1):
        s.add(
            m.CurriculumItem(
                curriculum_id=c.id,
                index=f"ОП.{sem:02d}",
                name=f"Дисциплина {sem} семестра",
                kind=ItemKind.DISCIPLINE,
                semester=sem,
                assessment=AssessmentForm.EXAM,
            )
        )
        s.add(
            m.CurriculumItem(
                curriculum_id=c.id,
                index="КЧ",
                name="Классный час",
                kind=ItemKind.DISCIPLINE,
                semester=sem,
            )
        )
    s.flush()
    return c.id


def build_college(s: Session) -> College:
    """2025/2026 current; ИСП-25 (1 of 4 courses), ИСП-22 (4 of 4), СВ-23 (ППКРС, 3 of 3)."""
    college = m.College(name="Колледж перевода", short_name="КП", director_name="Метель Е.В.", created_at=T0)
    s.add(college)
    s.flush()
    dept = m.Department(college_id=college.id, name="Отделение", created_at=T0)
    ppssz = m.Specialty(code="09.02.07", name="Информационные системы", kind=SpecialtyKind.PPSSZ)
    ppkrs = m.Specialty(code="15.01.05", name="Сварщик", kind=SpecialtyKind.PPKRS)
    s.add_all([dept, ppssz, ppkrs])
    s.flush()
    cur4 = _curriculum(s, college.id, ppssz, 2022, 8)
    cur3 = _curriculum(s, college.id, ppkrs, 2023, 6)
    year = m.AcademicYear(
        college_id=college.id,
        name="2025/2026",
        starts_on=date(2025, 9, 1),
        ends_on=date(2026, 6, 30),
        status=AcademicYearStatus.CURRENT,
    )
    s.add(year)
    s.flush()
    periods = {}
    for kind, number, name, start, end in (
        (PeriodKind.SEMESTER, 1, "1 семестр", date(2025, 9, 1), date(2025, 12, 28)),
        (PeriodKind.SEMESTER, 2, "2 семестр", date(2026, 1, 12), date(2026, 6, 30)),
        (PeriodKind.YEAR, 0, "Учебный год", date(2025, 9, 1), date(2026, 6, 30)),
    ):
        p = m.StudyPeriod(
            academic_year_id=year.id, kind=kind, number=number, name=name, starts_on=start, ends_on=end
        )
        s.add(p)
        s.flush()
        periods[number] = p
    groups: dict[str, m.Group] = {}
    for name, intake, course, cur, spec in (
        ("ИСП-25", 2025, 1, cur4, ppssz),
        ("ИСП-22", 2022, 4, cur4, ppssz),
        ("СВ-23", 2023, 3, cur3, ppkrs),
    ):
        g = m.Group(
            college_id=college.id,
            department_id=dept.id,
            specialty_id=spec.id,
            curriculum_id=cur,
            name=name,
            intake_year=intake,
            course=course,
            study_form=StudyForm.FULL_TIME,
            created_at=T0,
        )
        s.add(g)
        s.flush()
        groups[name] = g
    # key: (group, last name, sex, status, left_on, debts {semester number in the year: result})
    plan = {
        "promoted": ("ИСП-25", "Антонов", Sex.MALE, StudentStatus.STUDYING, None, {}),
        "debtor": ("ИСП-25", "Борисова", Sex.FEMALE, StudentStatus.STUDYING, None, {2: FinalResult.TWO}),
        "on_leave": ("ИСП-25", "Власов", Sex.MALE, StudentStatus.ACADEMIC_LEAVE, None, {}),
        "expelled": ("ИСП-25", "Громова", Sex.FEMALE, StudentStatus.EXPELLED, date(2025, 10, 15), {}),
        "graduate": ("ИСП-22", "Давыдов", Sex.MALE, StudentStatus.STUDYING, None, {}),
        "not_admitted": (
            "ИСП-22",
            "Егорова",
            Sex.FEMALE,
            StudentStatus.STUDYING,
            None,
            {1: FinalResult.NOT_ATTESTED},
        ),
        "welder_1": ("СВ-23", "Жуков", Sex.MALE, StudentStatus.STUDYING, None, {}),
        "welder_2": ("СВ-23", "Зайцев", Sex.MALE, StudentStatus.STUDYING, None, {}),
        "old_graduate": ("СВ-23", "Ильин", Sex.MALE, StudentStatus.GRADUATED, date(2025, 6, 30), {}),
    }
    students: dict[str, int] = {}
    items = {
        (ci.curriculum_id, ci.semester): ci.id
        for ci in s.scalars(sa.select(m.CurriculumItem).where(m.CurriculumItem.assessment.is_not(None)))
    }
    for key, (gname, last, sex, status, left_on, debts) in plan.items():
        g = groups[gname]
        p = person(last, "Тест", sex=sex)
        s.add(p)
        s.flush()
        st = m.Student(
            person_id=p.id,
            group_id=g.id,
            status=status,
            enrolled_on=date(g.intake_year, 9, 1),
            left_on=left_on,
            created_at=T0,
        )
        s.add(st)
        s.flush()
        students[key] = st.id
        if status == StudentStatus.ACADEMIC_LEAVE:
            s.add(
                m.StudentStatusChange(
                    student_id=st.id,
                    status=status,
                    group_id=g.id,
                    changed_on=date(2026, 2, 10),
                    recorded_at=T0,
                )
            )
        if status != StudentStatus.STUDYING:
            continue
        for number in (1, 2):
            semester = 2 * (g.course - 1) + number
            s.add(
                m.FinalGrade(
                    student_id=st.id,
                    curriculum_item_id=items[(g.curriculum_id, semester)],
                    period_id=periods[number].id,
                    result=debts.get(number, FinalResult.FIVE),
                    set_at=T0,
                )
            )
    s.flush()
    actors: dict[Role, Actor] = {}
    for n, role in enumerate(Role):
        p = person("Сотрудник", role.value)
        s.add(p)
        s.flush()
        account = m.UserAccount(
            person_id=p.id, college_id=college.id, login=f"r_{n}_{role.value}", created_at=T0
        )
        s.add(account)
        s.flush()
        s.add(
            m.RoleGrant(
                account_id=account.id,
                role=role,
                scope=ScopeKind.COLLEGE,
                college_id=college.id,
                granted_at=T0,
            )
        )
        s.flush()
        actors[role] = actor_for_account(s, account)
    return College(
        id=college.id,
        year_id=year.id,
        groups={k: g.id for k, g in groups.items()},
        students=students,
        engineer=actors[Role.ENGINEER],
        head=actors[Role.HEAD_OF_STUDIES],
        actors=actors,
    )


@pytest.fixture
def college(engine: Engine) -> Iterator[tuple[Session, College]]:
    with Session(engine) as session:
        c = build_college(session)
        session.commit()
        yield session, c


def dump(s: Session) -> tuple:
    """Everything the rollover touches: row counts and the moving columns."""
    return (
        row_counts(s),
        s.execute(sa.select(m.Group.id, m.Group.course, m.Group.status).order_by(m.Group.id)).all(),
        s.execute(
            sa.select(m.Student.id, m.Student.status, m.Student.group_id, m.Student.left_on).order_by(
                m.Student.id
            )
        ).all(),
        s.execute(
            sa.select(m.AcademicYear.id, m.AcademicYear.name, m.AcademicYear.status).order_by(
                m.AcademicYear.id
            )
        ).all(),
    )


def decisions(plan: rollover.RolloverPlan, c: College) -> dict[str, str]:
    by_id = {d.student_id: d.decision for d in plan.students}
    return {key: by_id[sid] for key, sid in c.students.items() if sid in by_id}


# --- preview -----------------------------------------------------------------------------------
def test_preview_decides_once_for_every_student_and_writes_nothing(college) -> None:
    s, c = college
    before = dump(s)
    plan = rollover.preview(s, c.engineer, **ORDERS)
    assert dump(s) == before
    ids = [d.student_id for d in plan.students]
    assert len(ids) == len(set(ids)), "a student appears twice"
    active = set(
        s.scalars(
            sa.select(m.Student.id).where(
                m.Student.status.in_((StudentStatus.STUDYING, StudentStatus.ACADEMIC_LEAVE))
            )
        )
    )
    assert active <= set(ids), "an active student is missing from the plan"
    assert decisions(plan, c) == {
        "promoted": "переводится на 2 курс",
        "debtor": "переводится на 2 курс условно",
        "on_leave": "остаётся: академический отпуск",
        "expelled": "не переводится: отчислена",
        "graduate": "выпускается",
        "not_admitted": "остаётся: не допущена к выпуску",
        "welder_1": "выпускается",
        "welder_2": "выпускается",
    }  # the graduate of last year is not in this year's plan
    rows = plan.rows
    assert list(rows.columns) == rollover.PLAN_COLUMNS
    assert len(rows) == len(ids)
    assert rows["Решение"].str.len().min() > 0
    reason = dict(zip(rows["Студент"], rows["Причина"], strict=True))
    assert (
        reason["Борисова Тест Ивановна"]
        == "академическая задолженность: ОП.02 Дисциплина 2 семестра — «2» (2 семестр)"
    )
    assert reason["Егорова Тест Ивановна"] == (
        "академическая задолженность: ОП.07 Дисциплина 7 семестра — «н/а» (1 семестр)"
    )
    assert reason["Власов Тест Ивановна"] == "академический отпуск с 10.02.2026"
    assert reason["Громова Тест Ивановна"] == "отчислена 15.10.2025"
    groups = dict(zip(plan.group_rows["Группа"], plan.group_rows["Решение"], strict=True))
    assert groups == {
        "ИСП-22": "выпускается частично: остаются студенты с задолженностями",
        "ИСП-25": "переходит на 2 курс",
        "СВ-23": "выпускается",
    }
    assert plan.missing == () and plan.problems == () and plan.errors == ()
    assert plan.summary == (
        "Учебный год 2025/2026 → 2026/2027: переводятся 2 (из них условно 1), выпускаются 3,"
        " остаются 2, выбыли в течение года 1; нет итоговых оценок: 0."
    )


def test_only_the_engineer_runs_the_rollover(college) -> None:
    """R-4.2.d: ROLLOVER_RUN is the engineer's; the head of studies enters orders but does
    not close the year."""
    s, c = college
    before = dump(s)
    for role, actor in c.actors.items():
        if role == Role.ENGINEER:
            continue
        with pytest.raises(AccessDenied):
            rollover.preview(s, actor, **ORDERS)
        with pytest.raises(AccessDenied):
            rollover.apply(s, actor, **ORDERS)
    assert dump(s) == before


# --- apply -------------------------------------------------------------------------------------
def test_apply_moves_courses_graduates_and_opens_the_next_year(college) -> None:
    s, c = college
    plan = rollover.preview(s, c.engineer, **ORDERS)
    result = rollover.apply(s, c.engineer, plan)
    assert (result.promoted, result.conditional, result.graduated, result.stayed) == (2, 1, 3, 2)

    g = {name: s.get(m.Group, gid) for name, gid in c.groups.items()}
    assert (g["ИСП-25"].course, g["ИСП-25"].status) == (2, GroupStatus.ACTIVE)  # type: ignore[union-attr]
    # One student is not admitted: the group stays open on the final course.
    assert (g["ИСП-22"].course, g["ИСП-22"].status) == (4, GroupStatus.ACTIVE)  # type: ignore[union-attr]
    assert (g["СВ-23"].course, g["СВ-23"].status) == (3, GroupStatus.GRADUATED)  # type: ignore[union-attr]

    st = {key: s.get(m.Student, sid) for key, sid in c.students.items()}
    status = {key: (x.status, x.left_on) for key, x in st.items()}  # type: ignore[union-attr]
    assert status == {
        "promoted": (StudentStatus.STUDYING, None),
        "debtor": (StudentStatus.STUDYING, None),
        "on_leave": (StudentStatus.ACADEMIC_LEAVE, None),
        "expelled": (StudentStatus.EXPELLED, date(2025, 10, 15)),
        "graduate": (StudentStatus.GRADUATED, date(2026, 6, 30)),
        "not_admitted": (StudentStatus.STUDYING, None),
        "welder_1": (StudentStatus.GRADUATED, date(2026, 6, 30)),
        "welder_2": (StudentStatus.GRADUATED, date(2026, 6, 30)),
        "old_graduate": (StudentStatus.GRADUATED, date(2025, 6, 30)),
    }

    transfer = s.get(m.Order, result.transfer_order_id)
    graduation = s.get(m.Order, result.graduation_order_id)
    assert (transfer.kind, transfer.number, transfer.signed_by) == (
        OrderKind.COURSE_TRANSFER,
        "77-к",
        "Метель Е.В.",
    )  # type: ignore[union-attr]
    assert (graduation.kind, graduation.number, graduation.order_date) == (  # type: ignore[union-attr]
        OrderKind.GRADUATION,
        "78-к",
        date(2026, 6, 30),
    )
    items = {
        i.student_id: i
        for i in s.scalars(sa.select(m.OrderItem).where(m.OrderItem.order_id == transfer.id))  # type: ignore[union-attr]
    }
    assert set(items) == {c.students["promoted"], c.students["debtor"]}
    assert items[c.students["promoted"]].reason == "на 2 курс"
    assert items[c.students["debtor"]].reason == (
        "на 2 курс условно; академическая задолженность: ОП.02 Дисциплина 2 семестра — «2» (2 семестр)"
    )
    assert {i.effective_on for i in items.values()} == {date(2026, 9, 1)}
    graduated = set(s.scalars(sa.select(m.OrderItem.student_id).where(m.OrderItem.order_id == graduation.id)))  # type: ignore[union-attr]
    assert graduated == {c.students["graduate"], c.students["welder_1"], c.students["welder_2"]}
    changes = s.scalars(
        sa.select(m.StudentStatusChange).where(
            m.StudentStatusChange.order_id.in_([transfer.id, graduation.id])  # type: ignore[union-attr]
        )
    ).all()
    assert len(changes) == 5 and all(ch.recorded_by_id == c.engineer.account_id for ch in changes)

    years = {y.name: y for y in s.scalars(sa.select(m.AcademicYear))}
    assert years["2025/2026"].status == AcademicYearStatus.CLOSED
    nxt = years["2026/2027"]
    assert (nxt.status, nxt.starts_on, nxt.ends_on) == (
        AcademicYearStatus.CURRENT,
        date(2026, 9, 1),
        date(2027, 6, 30),
    )
    periods = {
        (p.kind, p.number): (p.starts_on, p.ends_on)
        for p in s.scalars(sa.select(m.StudyPeriod).where(m.StudyPeriod.academic_year_id == nxt.id))
    }
    assert periods == {
        (PeriodKind.SEMESTER, 1): (date(2026, 9, 1), date(2026, 12, 28)),
        (PeriodKind.SEMESTER, 2): (date(2027, 1, 11), date(2027, 6, 30)),
        (PeriodKind.YEAR, 0): (date(2026, 9, 1), date(2027, 6, 30)),
    }
    vacations = s.scalars(sa.select(m.Vacation.name).where(m.Vacation.academic_year_id == nxt.id)).all()
    assert sorted(vacations) == ["Зимние каникулы", "Летние каникулы"]
    calendars = s.execute(
        sa.select(
            m.Group.name, m.StudyPeriod.number, m.GroupCalendar.session_starts_on, m.GroupCalendar.ends_on
        )
        .join(m.Group, m.Group.id == m.GroupCalendar.group_id)
        .join(m.StudyPeriod, m.StudyPeriod.id == m.GroupCalendar.period_id)
        .order_by(m.Group.name, m.StudyPeriod.number)
    ).all()
    assert calendars == [  # the graduated group gets none
        ("ИСП-22", 1, date(2026, 12, 22), date(2026, 12, 28)),
        ("ИСП-22", 2, date(2027, 6, 24), date(2027, 6, 30)),
        ("ИСП-25", 1, date(2026, 12, 22), date(2026, 12, 28)),
        ("ИСП-25", 2, date(2027, 6, 24), date(2027, 6, 30)),
    ]
    assert result.calendars_created == 4

    actions = s.scalars(
        sa.select(m.AuditEvent.action).where(m.AuditEvent.actor_id == c.engineer.account_id)
    ).all()
    assert actions.count("student.course_transfer") == 2
    assert actions.count("student.graduate") == 3
    assert {"group.course_transfer", "group.graduate", "academic_year.close", "rollover.apply"} <= set(
        actions
    )

    # The history of a transferred student shows the order.
    history = mv.student_history(s, c.head, c.students["debtor"])
    assert history.iloc[-1].to_dict() == {
        "Дата": "01.09.2026",
        "Событие": "Перевод на следующий курс: на 2 курс условно; академическая задолженность:"
        " ОП.02 Дисциплина 2 семестра — «2» (2 семестр)",
        "Приказ": "№ 77-к от 30.06.2026",
        "Группа": "ИСП-25",
    }


def test_applying_twice_changes_nothing(college) -> None:
    s, c = college
    plan = rollover.preview(s, c.engineer, **ORDERS)
    rollover.apply(s, c.engineer, plan)
    s.commit()
    after_first = dump(s)

    with pytest.raises(NetspoError) as again:
        rollover.apply(s, c.engineer, plan)
    assert str(again.value) == (
        "Учебный год 2025/2026 уже закрыт: перевод студентов на следующий курс по нему выполнен."
    )
    with pytest.raises(NetspoError) as closed:
        rollover.preview(s, c.engineer, academic_year_id=c.year_id, **ORDERS)
    assert "уже закрыт" in str(closed.value)
    # The same arguments without a year now point at 2026/2027, which the order does not close.
    with pytest.raises(NetspoError) as same_args:
        rollover.apply(s, c.engineer, **ORDERS)
    message = str(same_args.value)
    assert message.startswith("Перевод на следующий учебный год невозможен:")
    assert "Приказ № 77-к от 30.06.2026 уже внесён («о переводе на следующий курс»)" in message
    assert "не относится к окончанию учебного года 2026/2027" in message
    s.rollback()
    assert dump(s) == after_first


def test_missing_final_grades_refuse_the_apply_unless_forced(college) -> None:
    s, c = college
    s.execute(sa.delete(m.FinalGrade).where(m.FinalGrade.student_id == c.students["promoted"]))
    s.commit()
    plan = rollover.preview(s, c.engineer, **ORDERS)
    assert plan.problems == ("Не выставлено итоговых оценок за 2025/2026: 2 (у 1 студентов).",)
    assert plan.missing_grades.to_dict("records") == [
        {
            "Студент": "Антонов Тест Ивановна",
            "Группа": "ИСП-25",
            "Дисциплина": "ОП.01 Дисциплина 1 семестра",
            "Период": "1 семестр",
        },
        {
            "Студент": "Антонов Тест Ивановна",
            "Группа": "ИСП-25",
            "Дисциплина": "ОП.02 Дисциплина 2 семестра",
            "Период": "2 семестр",
        },
    ]
    # Forced, the student is transferred conditionally, the debt named.
    assert decisions(plan, c)["promoted"] == "переводится на 2 курс условно"

    before = dump(s)
    for reason in (None, "  "):
        with pytest.raises(NetspoError) as refused:
            rollover.apply(s, c.engineer, plan, force_reason=reason)
        assert str(refused.value) == (
            "Перевод на следующий учебный год не выполнен:\n"
            "— Не выставлено итоговых оценок за 2025/2026: 2 (у 1 студентов).\n"
            "Устраните это или укажите причину, по которой перевод выполняется без этого."
        )
        assert dump(s) == before

    why = "Решение педагогического совета, протокол № 9 от 29.06.2026"
    result = rollover.apply(s, c.engineer, plan, force_reason=why)
    assert result.forced
    event = s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "rollover.apply")).one()
    assert event.reason == why
    assert event.after["missing_final_grades"] == 2  # type: ignore[index]
    closed = s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "academic_year.close")).one()
    assert closed.reason == why
    item = s.scalars(
        sa.select(m.OrderItem).where(
            m.OrderItem.student_id == c.students["promoted"], m.OrderItem.order_id == result.transfer_order_id
        )
    ).one()
    assert item.reason.startswith("на 2 курс условно; академическая задолженность: ОП.01")  # type: ignore[union-attr]


def test_a_group_without_a_curriculum_is_reported_not_skipped(college) -> None:
    s, c = college
    base = s.get(m.Group, c.groups["ИСП-25"])
    g = m.Group(
        college_id=c.id,
        department_id=base.department_id,  # type: ignore[union-attr]
        specialty_id=base.specialty_id,  # type: ignore[union-attr]
        name="ЭБ-24",
        intake_year=2024,
        course=2,
        study_form=StudyForm.FULL_TIME,
        created_at=T0,
    )
    s.add(g)
    s.flush()
    p = person("Кузьмина", "Тест")
    s.add(p)
    s.flush()
    st = m.Student(person_id=p.id, group_id=g.id, enrolled_on=date(2024, 9, 1), created_at=T0)
    s.add(st)
    s.commit()
    plan = rollover.preview(s, c.engineer, **ORDERS)
    mine = [d for d in plan.students if d.student_id == st.id]
    assert [d.decision for d in mine] == ["остаётся: у группы не указан учебный план"]
    assert plan.problems == (
        "Группа «ЭБ-24»: у группы не указан учебный план — неизвестно, переводить её или выпускать.",
    )
    with pytest.raises(NetspoError):
        rollover.apply(s, c.engineer, plan)
    rollover.apply(s, c.engineer, plan, force_reason="учебный план ЭБ-24 утверждается")
    assert (g.course, g.status) == (2, GroupStatus.ACTIVE)  # untouched, and given next year's calendar
    assert s.scalar(sa.select(sa.func.count()).where(m.GroupCalendar.group_id == g.id)) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (ORDER, "В плане есть выпускники: укажите номер и дату приказа о выпуске."),
        (
            {**ORDER, "graduation_order_number": "77-к"},
            "У приказов о переводе и о выпуске совпадают номер и дата.",
        ),
        (
            {**ORDERS, "order_date": date(2025, 8, 30)},
            "Дата приказа о переводе на следующий курс 30.08.2025 не относится к окончанию учебного года"
            " 2025/2026 (от 01.09.2025 до 01.09.2026).",
        ),
        ({**ORDERS, "order_number": " "}, "Не указан номер приказа о переводе на следующий курс."),
    ],
)
def test_bad_order_arguments_are_refused_even_when_forced(college, args: dict, message: str) -> None:
    s, c = college
    before = dump(s)
    assert message in rollover.preview(s, c.engineer, **args).errors
    with pytest.raises(NetspoError) as refused:
        rollover.apply(s, c.engineer, force_reason="срочно", **args)
    assert message in str(refused.value)
    assert dump(s) == before


def test_a_late_order_is_warned_about(college) -> None:
    """D-8: the year is closed by 5 July; a later order still works, with a warning."""
    s, c = college
    plan = rollover.preview(s, c.engineer, **{**ORDERS, "order_date": date(2026, 7, 10)})
    assert plan.errors == ()
    assert any("позже срока закрытия года 05.07.2026 (D-8)" in w for w in plan.warnings)


def test_a_plan_made_stale_by_a_new_order_is_refused(college) -> None:
    s, c = college
    plan = rollover.preview(s, c.engineer, **ORDERS)
    expulsion = mv.create_order(
        s,
        c.head,
        kind=OrderKind.EXPULSION,
        number="70-к",
        order_date=date(2026, 6, 25),
        signed_by="Метель Е.В.",
    )
    mv.expel(s, c.head, order=expulsion, student_id=c.students["promoted"], reason="по собственному желанию")
    s.commit()
    before = dump(s)
    with pytest.raises(NetspoError) as refused:
        rollover.apply(s, c.engineer, plan)
    assert (
        str(refused.value)
        == "Данные изменились после предварительного просмотра: постройте план перевода заново."
    )
    assert dump(s) == before


def test_a_planned_next_year_is_opened_and_completed(college) -> None:
    """The engineer may have prepared 2026/2027 (as the demo does): it is reused, made
    current, and gets the periods it lacks."""
    s, c = college
    nxt = m.AcademicYear(
        college_id=c.id, name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30)
    )
    s.add(nxt)
    s.flush()
    s.add(
        m.StudyPeriod(
            academic_year_id=nxt.id,
            kind=PeriodKind.SEMESTER,
            number=1,
            name="1 семестр",
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 12, 27),
        )
    )
    s.commit()
    result = rollover.apply(s, c.engineer, **ORDERS)
    assert result.next_year_id == nxt.id
    assert nxt.status == AcademicYearStatus.CURRENT
    periods = s.execute(
        sa.select(m.StudyPeriod.number, m.StudyPeriod.ends_on)
        .where(m.StudyPeriod.academic_year_id == nxt.id)
        .order_by(m.StudyPeriod.number)
    ).all()
    assert periods == [(0, date(2027, 6, 30)), (1, date(2026, 12, 27)), (2, date(2027, 6, 30))]
    assert s.scalar(sa.select(sa.func.count()).select_from(m.AcademicYear)) == 2


def test_next_year_dates() -> None:
    """The second semester starts on the first Monday on or after 9 January."""
    assert rollover.next_year_dates(2025)["sem2"] == (date(2026, 1, 12), date(2026, 6, 30))
    assert rollover.next_year_dates(2026)["sem2"] == (date(2027, 1, 11), date(2027, 6, 30))
    assert rollover.next_year_dates(2026)["winter"] == (date(2026, 12, 29), date(2027, 1, 10))
    assert rollover.next_year_dates(2027)["sem1"] == (date(2027, 9, 1), date(2027, 12, 28))


def test_outcome_labels_are_russian() -> None:
    assert [o.label for o in Outcome] == [
        "переводится",
        "переводится условно",
        "выпускается",
        "остаётся",
        "не переводится",
    ]


# --- the demo college --------------------------------------------------------------------------
def test_rollover_of_the_demo_college(engine: Engine) -> None:
    """The demo's 2025/2026 has planted missing final grades: refused, then forced; its
    planned 2026/2027 becomes current; a second run changes nothing."""
    from netspo_lib.demo import build_demo

    build_demo(engine, students=10, seed=2025)
    with Session(engine) as s:
        engineer = load_actor(s, "engineer")
        plan = rollover.preview(s, engineer, **ORDERS)
        studying = set(
            s.scalars(
                sa.select(m.Student.id).where(
                    m.Student.status.in_((StudentStatus.STUDYING, StudentStatus.ACADEMIC_LEAVE))
                )
            )
        )
        ids = [d.student_id for d in plan.students]
        assert len(ids) == len(set(ids)) and studying <= set(ids)
        courses = dict(s.execute(sa.select(m.Group.id, m.Group.course)).all())
        assert plan.missing, "the demo plants missing final grades of the 2nd semester"
        with pytest.raises(NetspoError, match="Не выставлено итоговых оценок"):
            rollover.apply(s, engineer, plan)
        rollover.apply(s, engineer, plan, force_reason="демонстрация")
        s.commit()
        for gd in plan.groups:
            expected = gd.new_course if gd.outcome == Outcome.PROMOTE else gd.course
            assert (
                s.get(m.Group, gd.group_id).course
                == expected
                == courses[gd.group_id]
                + (  # type: ignore[union-attr]
                    gd.outcome == Outcome.PROMOTE
                )
            )
        years = dict(s.execute(sa.select(m.AcademicYear.name, m.AcademicYear.status)).all())
        assert years == {"2025/2026": AcademicYearStatus.CLOSED, "2026/2027": AcademicYearStatus.CURRENT}
        open_groups = s.scalar(sa.select(sa.func.count()).where(m.Group.status == GroupStatus.ACTIVE))
        next_calendars = s.scalar(
            sa.select(sa.func.count())
            .select_from(m.GroupCalendar)
            .join(m.StudyPeriod, m.StudyPeriod.id == m.GroupCalendar.period_id)
            .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
            .where(m.AcademicYear.name == "2026/2027")
        )
        assert next_calendars == 2 * open_groups
        after = dump(s)
        with pytest.raises(NetspoError, match="уже закрыт"):
            rollover.apply(s, engineer, plan, force_reason="демонстрация")
        s.rollback()
        assert dump(s) == after

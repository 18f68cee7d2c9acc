"""Journal filling, hours delivered and remarks counted in SQL (R-4.11.a, R-5.1, R-5.3,
R-4.5.b, R-4.4.h, R-4.5.a), on the shared demo and on hand-built cases."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.enums import RemarkStatus, Role
from netspo_lib.reports import catalog
from netspo_lib.reports.control import (
    FILLING_COLUMNS,
    HOURS_COLUMNS,
    hours_delivered,
    journal_filling,
    remarks,
)

from .factories import T0
from .world import add_lesson, build_world

SEMESTER_1 = 1


@pytest.fixture(scope="module")
def demo(demo_college):  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        yield session, built


def test_demo_filling_counts_every_lesson_of_the_period(demo) -> None:
    """R-4.11.a: the lessons held per teacher × group × discipline add up to the table."""
    session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    frame = journal_filling(session, actor, period_id=SEMESTER_1)
    assert list(frame.columns) == FILLING_COLUMNS
    assert len(frame) > 5
    total = session.scalar(
        sa.select(sa.func.count()).select_from(m.Lesson).where(m.Lesson.period_id == SEMESTER_1)
    )
    assert frame["Занятий проведено"].sum() == total
    for column in ("Без темы", "Внесено с опозданием", "Без отметок и посещаемости"):
        assert (frame[column] <= frame["Занятий проведено"]).all()
    marks = session.scalar(
        sa.select(sa.func.count())
        .select_from(m.Mark)
        .join(m.Lesson, m.Lesson.id == m.Mark.lesson_id)
        .where(m.Lesson.period_id == SEMESTER_1)
    )
    assert frame["Отметок"].sum() == marks
    few = frame["Отметок на студента"] < 3
    assert ((frame["Мало отметок"] == "мало отметок") == few).all()


def test_demo_department_head_sees_the_own_department_and_a_teacher_is_refused(demo) -> None:
    """R-5.1: the department head controls the own department; a teacher has no such right."""
    session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    head = load_actor(session, built.logins[Role.DEPARTMENT_HEAD])
    everyone = set(journal_filling(session, deputy, period_id=SEMESTER_1)["Группа"])
    own = set(journal_filling(session, head, period_id=SEMESTER_1)["Группа"])
    assert own and own <= everyone
    teacher = load_actor(session, built.logins[Role.TEACHER])
    with pytest.raises(AccessDenied):
        journal_filling(session, teacher, period_id=SEMESTER_1)
    with pytest.raises(AccessDenied):
        hours_delivered(session, teacher, period_id=SEMESTER_1)


def test_demo_hours_difference_and_percent(demo) -> None:
    """R-4.4.h: planned against delivered hours, per teaching assignment."""
    session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    frame = hours_delivered(session, actor, period_id=SEMESTER_1)
    assert list(frame.columns) == HOURS_COLUMNS
    assert len(frame) > 5
    assert (frame["Разница, ч"] == frame["Часов по плану"] - frame["Часов проведено"]).all()
    planned = frame[frame["Часов по плану"] > 0]
    expected = (planned["Часов проведено"] * 100 / planned["Часов по плану"]).round(2)
    assert (planned["Выполнено, %"] - expected).abs().max() < 0.011


def test_reports_are_in_the_catalog() -> None:
    for name in ("journal-filling", "hours", "at-risk"):
        assert catalog.get(name).name == name


def test_blank_topic_late_entry_empty_lesson_and_missing_final_grade(engine) -> None:
    """R-4.5.b, R-5.3: exact counts on a hand-built journal."""
    with Session(engine) as session:
        w = build_world(session)
        late = add_lesson(
            session,
            group_id=w.group_a,
            item_id=w.item_taught,
            period_id=w.period_taught,
            teacher_person=w.teacher_person,
            day=date(2025, 9, 3),
        )
        lesson = session.get(m.Lesson, late)
        lesson.topic = "   "
        lesson.lesson_date = date(2025, 8, 25)  # entered at T0 = 01.09, 7 days later
        session.add(m.Mark(lesson_id=w.lesson_a, student_id=w.student_a, value=4, entered_at=T0))
        session.flush()
        actor = w.actors[Role.DEPUTY_DIRECTOR]
        frame = journal_filling(session, actor, period_id=w.period_taught, group_ids=[w.group_a])
        assert len(frame) == 1
        row = frame.iloc[0]
        assert row["Индекс"] == "ОП.01"
        assert row["Занятий проведено"] == 2
        assert row["Без темы"] == 1
        assert row["Внесено с опозданием"] == 1
        assert row["Без отметок и посещаемости"] == 1
        assert row["Отметок"] == 1
        assert row["Студентов"] == 1
        assert row["Отметок на студента"] == 1.0
        assert row["Мало отметок"] == "мало отметок"
        assert row["Без итоговой оценки"] == 1  # the period ended on 28.12.2025
        head = w.actors[Role.DEPARTMENT_HEAD]
        with pytest.raises(AccessDenied):
            journal_filling(session, head, period_id=w.period_taught, group_ids=[w.group_b])
        session.rollback()


def test_a_discipline_of_two_teachers_counts_each_student_without_a_grade_once(engine) -> None:
    """R-5.3: a group × discipline taught by two teachers shows, on each teacher's row, the
    students without a final grade once (not once per teacher)."""
    with Session(engine) as session:
        w = build_world(session)
        add_lesson(
            session,
            group_id=w.group_a,
            item_id=w.item_taught,
            period_id=w.period_taught,
            teacher_person=w.other_teacher_person,
            day=date(2025, 9, 3),
        )
        actor = w.actors[Role.DEPUTY_DIRECTOR]
        frame = journal_filling(session, actor, period_id=w.period_taught, group_ids=[w.group_a])
        assert len(frame) == 2
        assert frame["Студентов"].tolist() == [1, 1]
        assert frame["Без итоговой оценки"].tolist() == [1, 1]
        session.rollback()


def test_planned_64_delivered_4_is_6_25_percent(engine) -> None:
    """R-4.4.h: 64 planned hours, two lessons of 2 h held: 4 h, 60 h short, 6.25 %."""
    with Session(engine) as session:
        w = build_world(session)
        add_lesson(
            session,
            group_id=w.group_a,
            item_id=w.item_taught,
            period_id=w.period_taught,
            teacher_person=w.teacher_person,
            day=date(2025, 9, 3),
        )
        frame = hours_delivered(session, w.actors[Role.DEPUTY_DIRECTOR], period_id=w.period_taught)
        row = frame[frame["Группа"] == "ЭБ-25"].iloc[0]
        assert (row["Часов проведено"], row["Выполнено, %"]) == (0, 0.0)
        row = frame[frame["Индекс"] == "ОП.01"].iloc[0]
        assert row["Часов по плану"] == 64
        assert row["Часов проведено"] == 4
        assert row["Разница, ч"] == 60
        assert row["Выполнено, %"] == pytest.approx(6.25)
        session.rollback()


def test_remarks_open_and_fixed(engine) -> None:
    """R-4.5.a: remarks of «Анализ работы» with their state; the department head sees only
    those about the own department's groups."""
    with Session(engine) as session:
        w = build_world(session)
        deputy = w.actors[Role.DEPUTY_DIRECTOR]
        session.add_all(
            [
                m.WorkRemark(
                    teacher_id=w.teacher_person, author_id=deputy.account_id, group_id=w.group_a,
                    text="Нет тем занятий", created_at=T0,
                ),
                m.WorkRemark(
                    teacher_id=w.other_teacher_person, author_id=deputy.account_id, group_id=w.group_b,
                    text="Мало отметок", status=RemarkStatus.FIXED, fixed_at=datetime(2025, 9, 5),
                    created_at=T0,
                ),
            ]
        )  # fmt: skip
        session.flush()
        frame = remarks(session, deputy)
        assert list(frame["Состояние"]) == ["не устранено", "устранено"]
        assert list(remarks(session, deputy, teacher_id=w.teacher_person)["Замечание"]) == ["Нет тем занятий"]
        head = remarks(session, w.actors[Role.DEPARTMENT_HEAD])
        assert list(head["Группа"]) == ["ИСП-25"]
        with pytest.raises(AccessDenied):
            remarks(session, w.actors[Role.TEACHER])
        session.rollback()

"""Readiness of a period for closing (netspo_lib.locks_readiness, R-4.2.e, R-5.3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import journal, locks
from netspo_lib.access import AccessDenied
from netspo_lib.enums import FinalResult, Role
from netspo_lib.locks_readiness import READINESS_COLUMNS, readiness

from .world import World, build_world


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def row_of(frame, group: str) -> dict:  # type: ignore[no-untyped-def]
    rows = frame[frame["Группа"] == group].to_dict("records")
    assert len(rows) == 1, frame
    return rows[0]


def test_missing_final_grades_and_empty_lessons_make_a_group_not_ready(world) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    frame = readiness(s, eng, w.period_taught)
    assert list(frame.columns) == READINESS_COLUMNS
    # Both groups of college 1 are taught in the period; the foreign college's is not listed.
    assert set(frame["Группа"]) == {"ИСП-25", "ЭБ-25"}
    isp = row_of(frame, "ИСП-25")
    assert isp["group_id"] == w.group_a
    assert isp["Дисциплин с аттестацией"] == 1
    assert isp["Нет итоговых оценок"] == 1  # the one student of ИСП-25 has no exam grade yet
    assert isp["Занятий без отметок и посещаемости"] == 1 and isp["Журналов с пробелами"] == 1
    assert isp["Готова к закрытию"] == "нет" and isp["Период закрыт"] == "нет"

    teacher = w.actors[Role.TEACHER]
    journal.set_mark(s, teacher, lesson_id=w.lesson_a, student_id=w.student_a, value=5)
    journal.set_final_grade(
        s, teacher, student_id=w.student_a, curriculum_item_id=w.item_taught, period_id=w.period_taught,
        result=FinalResult.FIVE,
    )  # fmt: skip
    s.flush()
    isp = row_of(readiness(s, eng, w.period_taught), "ИСП-25")
    assert isp["Нет итоговых оценок"] == 0 and isp["Журналов с пробелами"] == 0
    locks.lock_period(s, eng, period_id=w.period_taught, group_id=w.group_a, reason="конец", order_number="1")
    isp = row_of(readiness(s, eng, w.period_taught, [w.group_a]), "ИСП-25")
    assert isp["Период закрыт"] == "да"
    s.rollback()


def test_a_period_without_lessons_has_no_rows(world) -> None:
    s, w = world
    assert readiness(s, w.actors[Role.ENGINEER], w.period_other).empty


def test_readiness_is_refused_without_the_control_right(world) -> None:
    s, w = world
    for role in (Role.TEACHER, Role.STUDENT, Role.CURATOR):
        with pytest.raises(AccessDenied, match="Недостаточно прав"):
            readiness(s, w.actors[role], w.period_taught)
    head = w.actors[Role.DEPARTMENT_HEAD]  # sees only the groups of the department
    assert set(readiness(s, head, w.period_taught)["Группа"]) == {"ИСП-25"}

"""Students at risk: failing final results, a low weighted mean where no final grade is set
yet, unexcused absences over a threshold — counted in SQL (R-4.11.a, R-5.1, R-4.5.b)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.enums import AttendanceCode, FinalResult, Role, WorkKind
from netspo_lib.reports.risk import COLUMNS, FAILING, students_at_risk

from .factories import T0
from .world import build_world

SEMESTER_1 = 1


@pytest.fixture(scope="module")
def demo(demo_college):  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        yield session, built


def test_demo_every_failing_final_result_makes_a_student_at_risk(demo) -> None:
    session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    frame = students_at_risk(session, actor, period_id=SEMESTER_1)
    assert list(frame.columns) == COLUMNS
    assert frame["student_id"].is_unique
    assert (frame["Причины"].str.len() > 0).all()
    period = session.get(m.StudyPeriod, SEMESTER_1)
    failing = set(
        session.scalars(
            sa.select(m.FinalGrade.student_id)
            .join(m.Student, m.Student.id == m.FinalGrade.student_id)
            .where(
                m.FinalGrade.period_id == SEMESTER_1,
                m.FinalGrade.result.in_(FAILING),
                sa.or_(m.Student.left_on.is_(None), m.Student.left_on > period.ends_on),
            )
        )
    )
    assert failing <= set(frame["student_id"])
    teacher = load_actor(session, built.logins[Role.TEACHER])
    with pytest.raises(AccessDenied):
        students_at_risk(session, teacher, period_id=SEMESTER_1)


def _mark(lesson_id: int, student_id: int, value: int, weight: float, kind: WorkKind) -> m.Mark:
    return m.Mark(lesson_id=lesson_id, student_id=student_id, value=value, weight=weight, work_kind=kind,
                  entered_at=T0)  # fmt: skip


def test_final_two_low_weighted_mean_and_unexcused_hours(engine) -> None:
    """A «2» final grade of ОП.02, a weighted mean (2×2 + 4×1) / 3 = 2.67 in ОП.01 without a
    final grade, and 2 h of НП over a threshold of 1 h: one row, three reasons."""
    with Session(engine) as session:
        w = build_world(session)
        session.add_all(
            [
                m.FinalGrade(student_id=w.student_a, curriculum_item_id=w.item_other,
                             period_id=w.period_taught, result=FinalResult.TWO, set_at=T0),
                _mark(w.lesson_a, w.student_a, 2, 2.0, WorkKind.ORAL),
                _mark(w.lesson_a, w.student_a, 4, 1.0, WorkKind.TEST),
                m.Attendance(lesson_id=w.lesson_a, student_id=w.student_a, code=AttendanceCode.UNEXCUSED,
                             hours=2, entered_at=T0),
            ]
        )  # fmt: skip
        session.flush()
        actor = w.actors[Role.DEPUTY_DIRECTOR]
        frame = students_at_risk(session, actor, period_id=w.period_taught, unexcused_hours=1)
        assert list(frame["student_id"]) == [w.student_a]
        reasons = frame.iloc[0]["Причины"]
        assert "итог «2» по ОП.02" in reasons
        assert "средний балл 2.67 по ОП.01" in reasons
        assert "пропущено без уважительной причины 2 ч" in reasons
        # At the default threshold of 20 h the absences are no reason.
        default = students_at_risk(session, actor, period_id=w.period_taught)
        assert "пропущено" not in default.iloc[0]["Причины"]
        # Once ОП.01 has a final grade, its current mean no longer counts.
        session.add(
            m.FinalGrade(student_id=w.student_a, curriculum_item_id=w.item_taught, period_id=w.period_taught,
                         result=FinalResult.THREE, set_at=T0)
        )  # fmt: skip
        session.flush()
        after = students_at_risk(session, actor, period_id=w.period_taught)
        assert after.iloc[0]["Причины"] == "итог «2» по ОП.02"
        # The department head of ИСП-25 cannot ask about ЭБ-25.
        with pytest.raises(AccessDenied):
            students_at_risk(session, w.actors[Role.DEPARTMENT_HEAD], period_id=w.period_taught,
                             group_ids=[w.group_b])  # fmt: skip
        session.rollback()


def test_no_one_at_risk_gives_an_empty_table(engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        frame = students_at_risk(session, w.actors[Role.DEPUTY_DIRECTOR], period_id=w.period_taught)
        assert frame.empty and list(frame.columns) == COLUMNS
        session.rollback()


def test_a_mean_over_weights_summing_past_100_is_counted_on_both_engines(engine) -> None:
    """Twelve marks of weight 10 (a sum of weights of 120): the mean is still (2·6 + 3·6)/12
    = 2.5. PostgreSQL once cast the sum to the column's NUMERIC(3,1) and overflowed."""
    from datetime import date, timedelta

    from .world import add_lesson

    with Session(engine) as session:
        w = build_world(session)
        marks = []
        for i in range(12):
            lesson = add_lesson(
                session, group_id=w.group_a, item_id=w.item_taught, period_id=w.period_taught,
                teacher_person=w.teacher_person, day=date(2025, 9, 3) + timedelta(days=i), pair=2,
            )  # fmt: skip
            marks.append(_mark(lesson, w.student_a, 2 if i % 2 else 3, 10.0, WorkKind.TEST))
        session.add_all(marks)
        session.flush()
        frame = students_at_risk(session, w.actors[Role.DEPUTY_DIRECTOR], period_id=w.period_taught)
        reasons = frame.set_index("student_id").loc[w.student_a, "Причины"]
        assert "средний балл 2.5" in reasons
        session.rollback()

"""Attendance in hours by reason, lateness and full days missed, counted in SQL (R-4.7.b)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import AttendanceCode, Role
from netspo_lib.reports.attendance import monthly_attendance, student_attendance

from .factories import T0
from .world import add_lesson, build_world


@pytest.fixture
def world(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def _absent(session: Session, lesson_id: int, student_id: int, code: AttendanceCode, hours: int) -> None:
    session.add(
        m.Attendance(lesson_id=lesson_id, student_id=student_id, code=code, hours=hours, entered_at=T0)
    )


def test_hours_by_reason_lateness_and_a_full_day(world) -> None:
    """8.09: three lessons of the group (НП, НП, Б) and a subgroup lesson she does not attend
    → a full day missed. 9.09: two lessons, one УП and one lateness → not a full day.
    Missed 8 h: excused 4 (of which sick 2), unexcused 4; 1 lateness; 1 full day."""
    session, w = world
    lesson = {
        "group_id": w.group_a,
        "item_id": w.item_taught,
        "period_id": w.period_taught,
        "teacher_person": w.teacher_person,
    }
    sub = m.Subgroup(group_id=w.group_a, name="2 подгруппа", created_at=T0)
    session.add(sub)
    session.flush()
    day1 = [add_lesson(session, **lesson, day=date(2025, 9, 8), pair=p) for p in (2, 3, 4)]
    add_lesson(session, **lesson, day=date(2025, 9, 8), pair=5, subgroup_id=sub.id)
    day2 = [add_lesson(session, **lesson, day=date(2025, 9, 9), pair=p) for p in (1, 2)]
    s = w.student_a
    _absent(session, day1[0], s, AttendanceCode.UNEXCUSED, 2)
    _absent(session, day1[1], s, AttendanceCode.UNEXCUSED, 2)
    _absent(session, day1[2], s, AttendanceCode.SICK, 2)
    _absent(session, day2[0], s, AttendanceCode.EXCUSED, 2)
    _absent(session, day2[1], s, AttendanceCode.LATE, 0)
    session.flush()

    frame = student_attendance(session, w.actors[Role.CURATOR], group_ids=[w.group_a])
    row = frame.set_index("student_id").loc[s]
    assert (row.missed_hours, row.excused_hours, row.sick_hours, row.unexcused_hours) == (8, 4, 2, 4)
    assert (row.late, row.full_days) == (1, 1)

    # The student is in the subgroup after all: the day is no longer a full day missed.
    session.add(m.SubgroupMember(subgroup_id=sub.id, student_id=s))
    session.flush()
    again = student_attendance(session, w.actors[Role.CURATOR], group_ids=[w.group_a])
    assert again.set_index("student_id").loc[s].full_days == 0

    months = monthly_attendance(session, w.actors[Role.CURATOR], group_ids=[w.group_a])
    assert months[["year", "month", "missed_hours", "excused_hours", "unexcused_hours"]].values.tolist() == [
        [2025, 9, 8, 4, 4]
    ]


def test_a_date_range_limits_the_count(world) -> None:
    session, w = world
    first = add_lesson(
        session, group_id=w.group_a, item_id=w.item_taught, period_id=w.period_taught,
        teacher_person=w.teacher_person, day=date(2025, 10, 6), pair=2,
    )  # fmt: skip
    _absent(session, first, w.student_a, AttendanceCode.UNEXCUSED, 2)
    session.flush()
    actor = w.actors[Role.DEPUTY_DIRECTOR]
    october = student_attendance(session, actor, group_ids=[w.group_a], start=date(2025, 10, 1))
    assert october.set_index("student_id").loc[w.student_a].missed_hours == 2
    september = student_attendance(session, actor, group_ids=[w.group_a], end=date(2025, 9, 30))
    assert september.set_index("student_id").loc[w.student_a].missed_hours == 0


def test_another_group_is_refused_to_a_curator(world) -> None:
    session, w = world
    with pytest.raises(AccessDenied):
        student_attendance(session, w.actors[Role.CURATOR], group_ids=[w.group_b])

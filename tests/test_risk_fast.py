"""Students at risk (issue 8): the drill-down to a group reads the journal through the
group's own lessons once it has checked that the students have no rows on other groups'
lessons; every answer must stay the straightforward one, computed here in Python from
the rows themselves: for every group and period, with final grades missing (low means
appear), after a student moved to another group (the old group's marks and absences
still count) or left, from the summaries and from the journal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import Actor, load_actor
from netspo_lib.enums import AttendanceCode, FinalResult
from netspo_lib.models.people import full_name
from netspo_lib.reports.risk import COLUMNS, FAILING, LOW_MEAN, students_at_risk


@pytest.fixture()
def demo(demo_college) -> Iterator[tuple[Session, Actor]]:  # type: ignore[no-untyped-def]
    """The shared demo college in a session rolled back at the end (the tests write)."""
    _backend, engine, _built = demo_college
    with Session(engine) as session:
        yield session, load_actor(session, "zamdir")
        session.rollback()


def expected(
    session: Session, group_ids: Sequence[int], period_id: int, unexcused_hours: int
) -> pd.DataFrame:
    """Students at risk computed the plain way: every row read, summed in Python."""
    period = session.get(m.StudyPeriod, period_id)
    assert period is not None
    st, p, g = m.Student, m.Person, m.Group
    students = {
        sid: (group, full_name(last, first, middle))
        for sid, group, last, first, middle, left in session.execute(
            sa.select(st.id, g.name, p.last_name, p.first_name, p.middle_name, st.left_on)
            .join(g, g.id == st.group_id)
            .join(p, p.id == st.person_id)
            .where(st.group_id.in_(list(group_ids)))
        )
        if left is None or left > period.ends_on
    }
    index = dict(session.execute(sa.select(m.CurriculumItem.id, m.CurriculumItem.index)).all())
    lessons = {
        lid: item
        for lid, item in session.execute(
            sa.select(m.Lesson.id, m.Lesson.curriculum_item_id).where(m.Lesson.period_id == period_id)
        )
    }
    finals = session.execute(
        sa.select(m.FinalGrade.student_id, m.FinalGrade.curriculum_item_id, m.FinalGrade.result).where(
            m.FinalGrade.period_id == period_id
        )
    ).all()
    graded = {(sid, item) for sid, item, _result in finals}
    failed: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for sid, item, result in finals:
        if sid in students and result in FAILING:
            failed[sid].append((index[item], f"итог «{FinalResult(result).label}» по {index[item]}"))
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for sid, lesson_id, value, weight in session.execute(
        sa.select(m.Mark.student_id, m.Mark.lesson_id, m.Mark.value, m.Mark.weight)
    ):
        item = lessons.get(lesson_id)
        if sid in students and item is not None and (sid, item) not in graded:
            sums[(sid, index[item])][0] += value * float(weight)
            sums[(sid, index[item])][1] += float(weight)
    hours: dict[int, int] = defaultdict(int)
    for sid, lesson_id, value in session.execute(
        sa.select(m.Attendance.student_id, m.Attendance.lesson_id, m.Attendance.hours).where(
            m.Attendance.code == AttendanceCode.UNEXCUSED
        )
    ):
        if sid in students and lesson_id in lessons:
            hours[sid] += value
    reasons: dict[int, list[str]] = defaultdict(list)
    for sid, found in failed.items():
        reasons[sid] += [text for _index, text in sorted(found, key=lambda f: f[0])]
    for (sid, item_index), (weighted, weights) in sorted(sums.items(), key=lambda kv: kv[0][1]):
        if weighted / weights < LOW_MEAN:
            reasons[sid].append(f"средний балл {weighted / weights:.2f} по {item_index}")
    for sid, total in hours.items():
        if total > unexcused_hours:
            reasons[sid].append(f"пропущено без уважительной причины {total} ч")
    if not reasons:
        return pd.DataFrame(columns=COLUMNS)
    rows = [[sid, *students[sid], "; ".join(found)] for sid, found in sorted(reasons.items())]
    return pd.DataFrame(sorted(rows, key=lambda r: (r[1], r[2])), columns=COLUMNS)


def check(session: Session, actor: Actor, groups: Sequence[int], period_id: int, hours: int) -> pd.DataFrame:
    """The answer for the groups equals :func:`expected`, from the summaries and from the
    journal alike."""
    want = expected(session, groups, period_id, hours)
    for bypass in (False, True):
        if bypass:
            with summaries.bypass():
                got = students_at_risk(
                    session, actor, period_id=period_id, group_ids=groups, unexcused_hours=hours
                )
        else:
            got = students_at_risk(
                session, actor, period_id=period_id, group_ids=groups, unexcused_hours=hours
            )
        pd.testing.assert_frame_equal(got, want)
    return want


def _periods(session: Session) -> list[int]:
    return list(session.scalars(sa.select(m.Lesson.period_id).distinct().order_by(m.Lesson.period_id)))


def _groups(session: Session) -> list[int]:
    return list(session.scalars(sa.select(m.Group.id).order_by(m.Group.id)))


def test_every_group_and_period_as_the_plain_computation(demo) -> None:  # type: ignore[no-untyped-def]
    session, actor = demo
    groups = _groups(session)
    found = 0
    for period_id in _periods(session):
        for group in groups:
            for hours in (0, 10, 100):
                found += len(check(session, actor, [group], period_id, hours))
        check(session, actor, groups[:2], period_id, 10)
        check(session, actor, groups, period_id, 10)  # many groups: through the students' rows
    assert found > 0  # the comparisons are of real answers


def test_low_means_where_final_grades_are_missing(demo) -> None:  # type: ignore[no-untyped-def]
    session, actor = demo
    groups = _groups(session)
    period_id = _periods(session)[-1]
    students = sa.select(m.Student.id).where(m.Student.group_id.in_(groups[:2]))
    session.execute(
        sa.delete(m.FinalGrade).where(
            m.FinalGrade.period_id == period_id, m.FinalGrade.student_id.in_(students)
        )
    )
    low = 0
    for group in groups[:2]:
        frame = check(session, actor, [group], period_id, 100)
        low += int(frame["Причины"].str.contains("средний балл").sum())
    check(session, actor, groups[:2], period_id, 100)
    check(session, actor, groups, period_id, 100)
    assert low > 0


def test_a_student_moved_to_another_group_keeps_the_old_groups_rows(demo) -> None:  # type: ignore[no-untyped-def]
    """The moved student's marks and absences are on the old group's lessons: the new
    group's drill-down must still count them (its students then have rows elsewhere, and
    their own rows are read)."""
    session, actor = demo
    old_group, new_group = _groups(session)[:2]
    period_id = _periods(session)[-1]
    moved = session.scalars(
        sa.select(m.Attendance.student_id)
        .join(m.Lesson, m.Lesson.id == m.Attendance.lesson_id)
        .join(m.Student, m.Student.id == m.Attendance.student_id)
        .where(
            m.Student.group_id == old_group,
            m.Lesson.period_id == period_id,
            m.Attendance.code == AttendanceCode.UNEXCUSED,
        )
        .limit(1)
    ).one()
    session.execute(sa.update(m.Student).where(m.Student.id == moved).values(group_id=new_group))
    session.execute(
        sa.delete(m.FinalGrade).where(m.FinalGrade.period_id == period_id, m.FinalGrade.student_id == moved)
    )
    frame = check(session, actor, [new_group], period_id, 0)
    reasons = frame.set_index("student_id").loc[moved, "Причины"]
    assert "пропущено без уважительной причины" in reasons and "средний балл" in reasons
    check(session, actor, [old_group], period_id, 0)
    check(session, actor, [old_group, new_group], period_id, 0)
    # Leaving before the period's end takes the student out of the group's count.
    period = session.get(m.StudyPeriod, period_id)
    assert period is not None
    left_on = max(period.starts_on, date(period.ends_on.year, 1, 1)) + timedelta(days=1)
    session.execute(sa.update(m.Student).where(m.Student.id == moved).values(left_on=left_on))
    frame = check(session, actor, [new_group], period_id, 0)
    assert moved not in set(frame["student_id"])

"""Journal filling, hours delivered and remarks counted in SQL (R-4.11.a, R-5.1, R-5.3,
R-4.5.b, R-4.4.h, R-4.5.a), on the shared demo and on hand-built cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.enums import AttendanceCode, RemarkStatus, Role
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


def _filling_by_hand(session: Session, period_id: int, group_ids: list[int], ended: bool) -> pd.DataFrame:
    """Journal filling computed the straightforward way: the rows read, counted in pandas,
    one group × discipline at a time (sorted by teacher, group and index)."""
    ls, st, fg = m.Lesson, m.Student, m.FinalGrade
    period = session.get(m.StudyPeriod, period_id)
    columns = [
        ls.id,
        ls.teacher_id,
        ls.group_id,
        ls.curriculum_item_id,
        ls.lesson_date,
        ls.created_at,
        ls.topic,
    ]
    query = sa.select(*columns).where(ls.period_id == period_id, ls.group_id.in_(group_ids))
    lessons = pd.DataFrame(session.execute(query).all(), columns=[c.key for c in columns])
    marks = pd.Series(list(session.scalars(sa.select(m.Mark.lesson_id))), dtype=int).value_counts()
    attended = set(session.scalars(sa.select(m.Attendance.lesson_id)))
    lessons["marks"] = lessons["id"].map(marks).fillna(0).astype(int)
    lessons["no_topic"] = lessons["topic"].fillna("").str.strip(" ") == ""  # SQL trim() takes spaces
    entered = pd.to_datetime(lessons["created_at"]) - pd.to_datetime(lessons["lesson_date"])
    lessons["late"] = entered >= pd.Timedelta(days=7)
    lessons["empty"] = (lessons["marks"] == 0) & ~lessons["id"].isin(attended)
    enrolled: dict[int, list[int]] = {}
    for sid, gid, left_on in session.execute(sa.select(st.id, st.group_id, st.left_on)):
        if left_on is None or left_on > period.ends_on:
            enrolled.setdefault(gid, []).append(sid)
    graded = set(
        session.execute(sa.select(fg.student_id, fg.curriculum_item_id).where(fg.period_id == period_id))
    )
    people = {p.id: p for p in session.scalars(sa.select(m.Person))}
    groups = {g.id: g.name for g in session.scalars(sa.select(m.Group))}
    items = {i.id: i for i in session.scalars(sa.select(m.CurriculumItem))}
    rows = []
    for (teacher, group, item), part in lessons.groupby(["teacher_id", "group_id", "curriculum_item_id"]):
        students = enrolled.get(group, [])
        n_marks = int(part["marks"].sum())
        per_student = n_marks / len(students) if students else None
        rows.append(
            [
                f"{people[teacher].last_name} {people[teacher].first_name}", groups[group], items[item].index,
                items[item].name, len(part), int(part["no_topic"].sum()), int(part["late"].sum()),
                int(part["empty"].sum()), n_marks, len(students),
                None if per_student is None else round(per_student, 2),
                "мало отметок" if per_student is not None and per_student < 3 else "",
                sum((s, item) not in graded for s in students) if ended else None,
            ]
        )  # fmt: skip
    return _sorted(pd.DataFrame(rows, columns=FILLING_COLUMNS))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["Преподаватель", "Группа", "Индекс", "Дисциплина"]
    return frame.sort_values(keys).reset_index(drop=True).astype(object)


@pytest.mark.parametrize("ended", [True, False])
def test_demo_filling_equals_the_straightforward_count(demo, monkeypatch, ended: bool) -> None:
    """Every measure of the journal filling, for the college and for each group, equals a
    count of the rows themselves, on a demo journal given lessons of every kind: without a
    topic (empty, spaces), entered late (exactly 7 days, a second less), with attendance
    rows only, with neither marks nor attendance; final grades missing, a student who left."""
    session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    period = session.get(m.StudyPeriod, SEMESTER_1)
    today = period.ends_on + timedelta(days=1) if ended else period.ends_on
    monkeypatch.setattr("netspo_lib.clock.today", lambda: today)
    lessons = session.scalars(
        sa.select(m.Lesson).where(m.Lesson.period_id == SEMESTER_1).order_by(m.Lesson.id)
    ).all()
    for n, lesson in enumerate(lessons[:60]):
        midnight = datetime.combine(lesson.lesson_date, datetime.min.time())
        if n % 6 == 0:
            lesson.topic = "" if n % 12 else "   "
        if n % 5 == 1:
            lesson.created_at = midnight + timedelta(days=7)
        if n % 5 == 2:
            lesson.created_at = midnight + timedelta(days=7, seconds=-1)
    # Marks with a final grade are frozen: lessons without marks are added beside them.
    for n, lesson in enumerate(lessons[::40]):
        added = m.Lesson(
            group_id=lesson.group_id, curriculum_item_id=lesson.curriculum_item_id,
            period_id=SEMESTER_1, teacher_id=lesson.teacher_id, lesson_date=lesson.lesson_date,
            pair_number=8, hours=2, topic="Тема", created_at=lesson.created_at,
        )  # fmt: skip
        session.add(added)
        session.flush()
        student = session.scalar(sa.select(m.Student.id).where(m.Student.group_id == lesson.group_id))
        if n % 2 and student is not None:
            session.add(
                m.Attendance(
                    lesson_id=added.id, student_id=student, code=AttendanceCode.SICK, hours=2,
                    entered_at=lesson.created_at,
                )
            )  # fmt: skip
    # Students without a final grade, and a student who left before the period ended.
    grades = session.scalars(sa.select(m.FinalGrade.id).where(m.FinalGrade.period_id == SEMESTER_1)).all()
    session.execute(sa.delete(m.FinalGrade).where(m.FinalGrade.id.in_(grades[::7])))
    leaver = session.scalars(sa.select(m.Student).order_by(m.Student.id)).first()
    leaver.left_on = period.ends_on - timedelta(days=30)
    session.flush()
    try:
        groups = list(session.scalars(sa.select(m.Group.id).where(m.Group.college_id == actor.college_id)))
        for wanted in [groups, *([g] for g in groups)]:
            expected = _filling_by_hand(session, SEMESTER_1, wanted, ended)
            got = journal_filling(session, actor, period_id=SEMESTER_1, group_ids=wanted)
            pd.testing.assert_frame_equal(_sorted(got), expected)
            with summaries.bypass():  # the final grades themselves, not the cells kept of them
                got = journal_filling(session, actor, period_id=SEMESTER_1, group_ids=wanted)
            pd.testing.assert_frame_equal(_sorted(got), expected)
        total = _filling_by_hand(session, SEMESTER_1, groups, ended)
        for column in ("Без темы", "Внесено с опозданием", "Без отметок и посещаемости"):
            assert total[column].sum() > 0, column  # the cases above are there
    finally:
        session.rollback()


def test_late_and_blank_lessons_can_be_counted_from_their_partial_indexes(engine) -> None:
    """SQLite: the report's conditions repeat the partial indexes' WHERE word for word (if
    they drift apart the counts stay right but read every lesson of the period again).
    ``INDEXED BY`` an index SQLite cannot use for the query is an error."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    from netspo_lib.reports import control

    with Session(engine) as session:
        for condition, index in ((control._late(sqlite=True), "ix_lessons_period_late"),
                                 (control._blank(), "ix_lessons_period_no_topic")):  # fmt: skip
            query = sa.select(sa.func.count()).select_from(m.Lesson).where(
                m.Lesson.period_id == 1, m.Lesson.teacher_id == 2, m.Lesson.group_id == 3,
                m.Lesson.curriculum_item_id == 4, condition,
            )  # fmt: skip
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            sql = sql.replace("FROM lessons", f"FROM lessons INDEXED BY {index}")
            plan = " ".join(str(r[-1]) for r in session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
            assert index in plan, plan


def _missing_by_hand(session: Session, period_id: int, group_ids: list[int]) -> pd.DataFrame:
    """Students enrolled when the period ended without a final grade, per group × discipline
    taught, counted student by student from the rows themselves."""
    period = session.get(m.StudyPeriod, period_id)
    taught = session.execute(
        sa.select(m.TeachingAssignment.group_id, m.TeachingAssignment.curriculum_item_id)
        .where(m.TeachingAssignment.period_id == period_id, m.TeachingAssignment.group_id.in_(group_ids))
        .distinct()
    ).all()
    students: dict[int, list[int]] = {}
    for st in session.scalars(sa.select(m.Student).where(m.Student.group_id.in_(group_ids))):
        if st.enrolled_on <= period.ends_on and (st.left_on is None or st.left_on > period.ends_on):
            students.setdefault(st.group_id, []).append(st.id)
    graded = set(
        session.execute(
            sa.select(m.FinalGrade.student_id, m.FinalGrade.curriculum_item_id).where(
                m.FinalGrade.period_id == period_id
            )
        ).all()
    )
    cells: dict[tuple[str, str, str], list[int]] = {}
    for group_id, item_id in taught:
        ids = students.get(group_id, [])
        if not ids:
            continue
        group = session.get(m.Group, group_id)
        item = session.get(m.CurriculumItem, item_id)
        cell = cells.setdefault((group.name, item.index, item.name), [0, 0])
        cell[0] += len(ids)
        cell[1] += sum((s, item_id) not in graded for s in ids)
    rows = [[*key, n, missing] for key, (n, missing) in sorted(cells.items()) if missing > 0]
    return pd.DataFrame(rows, columns=["group", "index", "discipline", "students", "missing"])


def test_demo_missing_final_grades_equal_the_straightforward_count(demo) -> None:
    """D-7 on the control page: the missing final grades (counted from the heat map's cells
    the database keeps, or student by student) equal a count of the rows themselves, with
    grades deleted, a student who left before the period ended, one transferred to another
    group after it, and one enrolled after it holding a grade carried over (the cells count
    that grade; the student is not «enrolled when the period ended»)."""
    from netspo_lib.grade_summaries import graded_before_enrolment
    from netspo_lib.reports import analytics as an

    session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    period = session.get(m.StudyPeriod, SEMESTER_1)
    grades = session.scalars(sa.select(m.FinalGrade.id).where(m.FinalGrade.period_id == SEMESTER_1)).all()
    session.execute(sa.delete(m.FinalGrade).where(m.FinalGrade.id.in_(grades[::9])))
    students = session.scalars(sa.select(m.Student).order_by(m.Student.id)).all()
    students[0].left_on = period.ends_on - timedelta(days=30)
    other_group = next(s.group_id for s in students if s.group_id != students[1].group_id)
    students[1].group_id = other_group
    groups = list(session.scalars(sa.select(m.Group.id).where(m.Group.college_id == actor.college_id)))
    session.flush()
    try:
        for wanted in ([None], [other_group], [students[2].group_id]):
            kw = {} if wanted == [None] else {"group_id": wanted[0]}
            expected = _missing_by_hand(session, SEMESTER_1, groups if wanted == [None] else wanted)
            assert expected["missing"].sum() > 0
            got = an.missing_final_grades(session, actor, period_id=SEMESTER_1, **kw)
            pd.testing.assert_frame_equal(got, expected)
            with summaries.bypass():
                got = an.missing_final_grades(session, actor, period_id=SEMESTER_1, **kw)
            pd.testing.assert_frame_equal(got, expected)
        # A student enrolled after the period ended, with a grade of it carried over.
        late = students[3]
        late.enrolled_on = period.ends_on + timedelta(days=10)
        session.flush()
        params = {"period_id": SEMESTER_1, "ends_on": period.ends_on, "group_ids": [late.group_id]}
        assert graded_before_enrolment(session, **params)
        expected = _missing_by_hand(session, SEMESTER_1, [late.group_id])
        got = an.missing_final_grades(session, actor, period_id=SEMESTER_1, group_id=late.group_id)
        pd.testing.assert_frame_equal(got, expected)
    finally:
        session.rollback()

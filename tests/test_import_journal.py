"""Import kinds of past journals (R-4.2.b: historical grades): final grades, marks and
attendance, with the journal's rules (marks 2..5, R-4.10.b frozen marks, R-4.2.e locked
periods); on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from netspo_lib import locks
from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import AttendanceCode, FinalResult, ImportOutcome, Role, WorkKind
from netspo_lib.imports import run_import, write_template

from .factories import T0
from .test_import_study import (
    ORLOVA,
    PETROVA,
    add_staff,
    check_commit_then_nothing,
    check_round_trip,
    data_counts,
    russian,
    write_csv,
)
from .world import World, build_world, journal_rows

SIDOROVA = "Сидорова Мария Ивановна"  # student_a of ИСП-25, СНИЛС 112-233-446 96
KUZNETSOV = "Кузнецов Олег Петрович"


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        add_staff(session, w)
        p = m.Person(
            last_name="Кузнецов", first_name="Олег", middle_name="Петрович", birth_date=date(2008, 1, 2)
        )
        session.add(p)
        session.flush()
        session.add(
            m.Student(person_id=p.id, group_id=w.group_a, enrolled_on=date(2025, 9, 1), created_at=T0)
        )
        session.commit()
        yield session, w


def lock(s: Session, w: World) -> None:
    locks.lock_period(
        s, w.actors[Role.ENGINEER], period_id=w.period_taught, reason="Конец семестра", order_number="15-у"
    )
    s.commit()


# --- final grades --------------------------------------------------------------------------------
def grade_row(student: str = SIDOROVA, result: str = "5", **over: str) -> dict[str, str]:
    row = {
        "Группа": "ИСП-25",
        "Студент": student,
        "Дата рождения": "",
        "СНИЛС": "",
        "Дисциплина": "ОП.01",
        "Учебный год": "2025/2026",
        "Период": "1 семестр",
        "Оценка": result,
        "Дата": "25.12.2025",
    }
    row.update(over)
    return row


def test_final_grades_commit_update_round_trip(world, tmp_path) -> None:
    """R-4.10.d history: one grade per student, discipline and period; a changed result is
    an update with a new version, audited."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        grade_row(),
        grade_row(KUZNETSOV, "н/а", **{"Дата рождения": "02.01.2008"}),
        grade_row(SIDOROVA, "отлично", Дисциплина="ОП.02", СНИЛС="112-233-446 96"),
    ]
    before = data_counts(s)
    after = check_commit_then_nothing(s, eng, "итоговые оценки", write_csv(tmp_path / "g.csv", rows), 3)
    assert after["final_grades"] == before["final_grades"] + 3
    grade = s.scalars(
        sa.select(m.FinalGrade).where(
            m.FinalGrade.student_id == w.student_a, m.FinalGrade.curriculum_item_id == w.item_taught
        )
    ).one()
    assert grade.result == FinalResult.FIVE and grade.set_at.date() == date(2025, 12, 25)
    assert grade.set_by_id == eng.account_id
    res = run_import(
        s, eng, "final_grades", write_csv(tmp_path / "u.csv", [grade_row(result="4")]), commit=True
    )
    assert res.counts["update"] == 1 and res.rows[0].changes == {"result": FinalResult.FOUR}
    s.refresh(grade)
    assert grade.result == FinalResult.FOUR and grade.version == 2
    assert check_round_trip(s, eng, "final_grades", tmp_path) == 3
    assert run_import(s, eng, "final_grades", write_template("final_grades", tmp_path / "t.xlsx")).rows == []


def test_bad_final_grades_are_refused_in_russian(world, tmp_path) -> None:
    """A mark of 6, an unknown student, a discipline not in the group's curriculum, a result
    that does not fit the form of assessment: the row, the column and why."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        grade_row(),
        grade_row(result="6"),
        grade_row("Неизвестный Студент"),
        grade_row(Дисциплина="ОП.99"),
        grade_row(result="зачёт"),  # ОП.01 ends with an exam
        grade_row(СНИЛС="112-233-445 95"),  # the teacher's СНИЛС
        grade_row(Дата=(date.today() + timedelta(days=3)).strftime("%d.%m.%Y")),
        grade_row(),
        grade_row(Период="3 семестр"),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "final_grades", write_csv(tmp_path / "b.csv", rows), commit=True)
    assert not res.committed and data_counts(s) == before
    by_row = {p.row: p for p in res.problems}
    assert by_row[3].column == "Оценка" and "«6» не из списка" in by_row[3].message
    assert by_row[4].column == "Студент" and "не найден в группе ИСП-25" in by_row[4].message
    assert by_row[5].column == "Дисциплина" and "не входит в учебный план группы ИСП-25" in by_row[5].message
    assert by_row[6].column == "Оценка" and "экзамен" in by_row[6].message
    assert by_row[7].column == "СНИЛС" and by_row[8].column == "Дата"
    assert "строке 2" in by_row[9].message and by_row[10].column == "Период"
    assert all(russian(p.message) for p in res.problems)
    run = s.scalars(sa.select(m.ImportRun).order_by(m.ImportRun.id.desc())).first()
    assert run is not None and run.outcome == ImportOutcome.REFUSED and run.refused == 8


def test_final_grades_in_a_locked_period_are_refused(world, tmp_path) -> None:
    """R-4.2.e: the lock's own Russian message at the row and column; nothing written."""
    s, w = world
    lock(s, w)
    before = journal_rows(s)
    res = run_import(
        s, w.actors[Role.ENGINEER], "final_grades", write_csv(tmp_path / "g.csv", [grade_row()]), commit=True
    )
    assert not res.committed and journal_rows(s) == before
    [problem] = res.problems
    assert (problem.row, problem.column) == (2, "Период")
    assert "закрыт" in problem.message and "15-у" in problem.message


# --- marks ---------------------------------------------------------------------------------------
def mark_row(day: str, pair: int, student: str = SIDOROVA, value: str = "5", **over: str) -> dict[str, str]:
    row = {
        "Дата": day,
        "Пара": str(pair),
        "Группа": "ИСП-25",
        "Дисциплина": "ОП.01",
        "Студент": student,
        "СНИЛС": "",
        "Отметка": value,
        "Вид работы": "",
        "Вес": "",
        "Преподаватель": "",
        "Тема": "",
    }
    row.update(over)
    return row


def test_marks_create_lessons_as_needed_and_round_trip(world, tmp_path) -> None:
    """Marks of a past journal: the existing lesson of 02.09.2025 is reused; the lesson of
    03.09.2025 is created once for both students, its teacher taken from the load."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        mark_row("02.09.2025", 1),
        mark_row("02.09.2025", 1, value="3", **{"Вид работы": "контрольная работа", "Вес": "2"}),
        mark_row("03.09.2025", 2, Тема="Процессы"),
        mark_row("03.09.2025", 2, KUZNETSOV, "4"),
    ]
    before = data_counts(s)
    after = check_commit_then_nothing(s, eng, "отметки", write_csv(tmp_path / "m.csv", rows), 4)
    assert after["marks"] == before["marks"] + 4 and after["lessons"] == before["lessons"] + 1
    lesson = s.scalars(sa.select(m.Lesson).where(m.Lesson.lesson_date == date(2025, 9, 3))).one()
    assert lesson.teacher_id == w.teacher_person and lesson.topic == "Процессы" and lesson.pair_number == 2
    control = s.scalars(sa.select(m.Mark).where(m.Mark.work_kind == WorkKind.CONTROL)).one()
    assert (control.lesson_id, control.value, control.weight) == (w.lesson_a, 3, 2.0)
    creates = s.scalar(sa.select(sa.func.count()).where(m.AuditEvent.action == "mark.create"))
    assert creates == 4
    res = run_import(
        s,
        eng,
        "marks",
        write_csv(tmp_path / "u.csv", [mark_row("03.09.2025", 2, KUZNETSOV, "2")]),
        commit=True,
    )
    assert res.counts["update"] == 1 and res.rows[0].changes == {"value": 2}
    assert check_round_trip(s, eng, "marks", tmp_path) == 4
    assert run_import(s, eng, "marks", write_template("marks", tmp_path / "t.xlsx")).rows == []


def test_bad_marks_are_refused(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    s.add(
        m.FinalGrade(
            student_id=w.student_a,
            curriculum_item_id=w.item_taught,
            period_id=w.period_taught,
            result=FinalResult.FIVE,
            set_at=T0,
        )
    )
    s.commit()
    rows = [
        mark_row("02.09.2025", 1, KUZNETSOV),
        mark_row("02.09.2025", 1, KUZNETSOV, "6"),
        mark_row("02.09.2025", 1, "Борисов Иван Ивановна"),  # a student of ЭБ-25
        mark_row("02.09.2025", 1, KUZNETSOV, Дисциплина="ОП.02"),  # the lesson is ОП.01
        mark_row("02.08.2025", 1, KUZNETSOV),  # no period in August
        mark_row("02.09.2025", 1),  # Сидорова has the final grade: marks frozen (R-4.10.b)
        mark_row("04.09.2025", 3, KUZNETSOV, Дисциплина="ОП.02"),  # nobody teaches ОП.02 in ИСП-25
        mark_row("04.09.2025", 9, KUZNETSOV),
        mark_row("02.09.2025", 1, KUZNETSOV, Вес="0"),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "marks", write_csv(tmp_path / "b.csv", rows), commit=True)
    assert not res.committed and data_counts(s) == before
    by_row = {p.row: p for p in res.problems}
    assert by_row[3].column == "Отметка" and "от 2 до 5" in by_row[3].message
    assert by_row[4].column == "Студент" and by_row[5].column == "Дисциплина"
    assert (
        by_row[6].column == "Дата"
        and by_row[7].column == "Отметка"
        and "Итоговая оценка" in by_row[7].message
    )
    assert by_row[8].column == "Преподаватель" and by_row[9].column == "Пара" and by_row[10].column == "Вес"
    assert all(russian(p.message) for p in res.problems)


def test_marks_and_attendance_in_a_locked_period_are_refused(world, tmp_path) -> None:
    """R-4.2.e: importing into a locked period is refused with the lock's message, at the
    row and column, and nothing is written (no lesson either)."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    lock(s, w)
    before = journal_rows(s)
    res = run_import(s, eng, "marks", write_csv(tmp_path / "m.csv", [mark_row("05.09.2025", 1)]), commit=True)
    assert not res.committed and journal_rows(s) == before
    [problem] = res.problems
    assert (problem.row, problem.column) == (2, "Дата") and "закрыт" in problem.message
    path = write_csv(tmp_path / "a.csv", [attendance_row("02.09.2025", 1)])
    res = run_import(s, eng, "attendance", path, commit=True)
    assert not res.committed and journal_rows(s) == before
    assert [(p.row, p.column) for p in res.problems] == [(2, "Дата")] and "закрыт" in res.problems[0].message


# --- attendance ----------------------------------------------------------------------------------
def attendance_row(
    day: str, pair: int, student: str = SIDOROVA, code: str = "НП", **over: str
) -> dict[str, str]:
    row = {
        "Дата": day,
        "Пара": str(pair),
        "Группа": "ИСП-25",
        "Дисциплина": "ОП.01",
        "Студент": student,
        "Код": code,
        "Часы": "",
        "Преподаватель": "",
    }
    row.update(over)
    return row


def test_attendance_commit_update_round_trip(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        attendance_row("02.09.2025", 1),
        attendance_row("02.09.2025", 1, KUZNETSOV, "ОП"),
        attendance_row("10.09.2025", 3, KUZNETSOV, "Б", Часы="1", Преподаватель=PETROVA),
    ]
    before = data_counts(s)
    after = check_commit_then_nothing(s, eng, "посещаемость", write_csv(tmp_path / "a.csv", rows), 3)
    assert after["attendance"] == before["attendance"] + 3 and after["lessons"] == before["lessons"] + 1
    got = {(a.code, a.hours) for a in s.scalars(sa.select(m.Attendance))}
    assert got == {(AttendanceCode.UNEXCUSED, 2), (AttendanceCode.LATE, 0), (AttendanceCode.SICK, 1)}
    res = run_import(
        s,
        eng,
        "attendance",
        write_csv(tmp_path / "u.csv", [attendance_row("02.09.2025", 1, code="УП")]),
        commit=True,
    )
    assert res.counts["update"] == 1 and res.rows[0].changes == {"code": AttendanceCode.EXCUSED}
    assert check_round_trip(s, eng, "attendance", tmp_path) == 3
    bad = [
        attendance_row("02.09.2025", 1, KUZNETSOV, Часы="5"),
        attendance_row("02.09.2025", 1, SIDOROVA, Часы="0"),
        attendance_row("02.09.2025", 1, SIDOROVA, "Х"),
        attendance_row("03.09.2025", 1, KUZNETSOV, Преподаватель=ORLOVA, Дисциплина="ОП.02"),
        attendance_row("03.09.2025", 1, SIDOROVA, Преподаватель=PETROVA, Дисциплина="ОП.02"),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "attendance", write_csv(tmp_path / "b.csv", bad), commit=True)
    assert not res.committed and data_counts(s) == before
    got_cells = {(p.row, p.column) for p in res.problems}
    assert {(2, "Часы"), (3, "Часы"), (4, "Код"), (6, "Преподаватель")} <= got_cells
    assert all(russian(p.message) for p in res.problems)


def test_five_thousand_marks_import_in_seconds(world, tmp_path) -> None:
    """A past semester of one group: 25 students × 200 lessons = 5 000 marks, with the
    lessons created on the way, validated and written in a few seconds."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    names = []
    for n in range(24):
        p = m.Person(last_name=f"Студент{n:02d}", first_name="Иван", middle_name="Иванович")
        s.add(p)
        s.flush()
        s.add(m.Student(person_id=p.id, group_id=w.group_a, enrolled_on=date(2025, 9, 1), created_at=T0))
        names.append(p.full_name)
    s.commit()
    names.append(KUZNETSOV)
    rows = []
    day = date(2025, 9, 3)
    while len(rows) < 5000:
        for pair in (1, 2, 3, 4):
            rows += [
                mark_row(day.strftime("%d.%m.%Y"), pair, name, str(2 + (i + pair) % 4))
                for i, name in enumerate(names)
            ]
        day += timedelta(days=1)
    rows = rows[:5000]
    path = write_csv(tmp_path / "big.csv", rows)
    started = datetime.now()
    res = run_import(s, eng, "marks", path, commit=True)
    seconds = (datetime.now() - started).total_seconds()
    assert res.committed and res.counts["insert"] == 5000, res.problems[:3]
    assert s.scalar(sa.select(sa.func.count()).select_from(m.Mark)) == 5000
    assert s.scalar(sa.select(sa.func.count()).select_from(m.Lesson)) == 1 + 200
    print(f"5000 marks: {seconds:.1f} s")
    assert seconds < 30, seconds


def test_without_the_import_right_journal_kinds_are_refused(world, tmp_path) -> None:
    s, w = world
    path = write_csv(tmp_path / "m.csv", [mark_row("02.09.2025", 1)])
    for role in (Role.TEACHER, Role.CURATOR, Role.HEAD_OF_STUDIES):
        for kind in ("final_grades", "marks", "attendance"):
            with pytest.raises(AccessDenied):
                run_import(s, w.actors[role], kind, path)

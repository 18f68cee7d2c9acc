"""Import kinds of the study programme (R-4.2.b): specialties, curricula with their items,
teaching assignments (R-4.10.a) and the timetable (R-4.4.g); on SQLite and PostgreSQL.

Each kind: a dry run writes nothing, a commit writes, the same file again changes
nothing, an export imported back plans no changes, the template reads back empty, and
bad rows are refused with the row, the column and a Russian message.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import CurriculumStatus, ItemKind, Role
from netspo_lib.imports import export_kind, run_import, write_template

from .factories import row_counts
from .world import World, build_world

LOG_TABLES = {"import_runs", "audit_events"}
PETROVA = "Петрова Анна Ивановна"
ORLOVA = "Орлова Вера Ивановна"


def add_staff(session: Session, w: World) -> None:
    """Both teachers of the world are employees of college 1; rooms 101 and 102."""
    position = m.Position(college_id=w.college_id, name="Преподаватель", is_teaching=True)
    session.add(position)
    session.flush()
    for person_id in (w.teacher_person, w.other_teacher_person):
        session.add(
            m.StaffEmployment(
                person_id=person_id,
                college_id=w.college_id,
                position_id=position.id,
                hired_on=date(2020, 9, 1),
                hire_order_number="1-к",
                hire_order_date=date(2020, 8, 31),
            )
        )
    session.add_all([m.Room(college_id=w.college_id, number=n) for n in ("101", "102")])
    session.flush()


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        add_staff(session, w)
        session.commit()
        yield session, w


def data_counts(session: Session) -> dict[str, int]:
    return {k: v for k, v in row_counts(session).items() if k not in LOG_TABLES}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(header)
        for r in rows:
            out.writerow([r.get(h, "") for h in header])
    return path


def russian(text: str) -> bool:
    return any("а" <= ch <= "я" for ch in text.lower())


def check_round_trip(s: Session, eng, kind: str, tmp_path: Path) -> int:  # type: ignore[no-untyped-def]
    """Export ``kind``, import the file back: no inserts, no updates, nothing refused."""
    out = export_kind(s, eng, kind, tmp_path / f"{kind}-export.xlsx")
    res = run_import(s, eng, kind, out)
    assert res.ok, res.problems
    assert res.counts["insert"] == res.counts["update"] == res.counts["refused"] == 0
    return res.counts["unchanged"]


def check_commit_then_nothing(s: Session, eng, kind: str, path: Path, inserts: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Dry run writes nothing; commit writes; the same file again changes nothing."""
    before = data_counts(s)
    dry = run_import(s, eng, kind, path)
    assert dry.ok, dry.problems
    assert dry.counts["insert"] == inserts and not dry.committed and data_counts(s) == before
    done = run_import(s, eng, kind, path, commit=True)
    assert done.committed, done.problems
    after = data_counts(s)
    again = run_import(s, eng, kind, path, commit=True)
    assert again.ok and again.counts["insert"] == again.counts["update"] == 0, again.rows
    assert again.counts["unchanged"] == len(again.rows) and data_counts(s) == after
    return after


# --- specialties ---------------------------------------------------------------------------------
def spec_row(code: str, **over: str) -> dict[str, str]:
    row = {
        "Код": code,
        "Наименование": "Сетевое и системное администрирование",
        "Вид программы": "ППССЗ",
        "Квалификация": "Сетевой и системный администратор",
        "ФГОС": "",
    }
    row.update(over)
    return row


def test_specialties_commit_update_round_trip_template(world, tmp_path) -> None:
    """R-4.2.b: specialties by code; an existing code is updated, not duplicated."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    path = write_csv(
        tmp_path / "sp.csv", [spec_row("09.02.06"), spec_row("15.01.05", **{"Вид программы": "ППКРС"})]
    )
    before = data_counts(s)
    after = check_commit_then_nothing(s, eng, "специальности", path, 2)
    assert after["specialties"] == before["specialties"] + 2
    upd = run_import(
        s,
        eng,
        "specialties",
        write_csv(tmp_path / "u.csv", [spec_row("09.02.06", Квалификация="Админ")]),
        commit=True,
    )
    assert upd.counts["update"] == 1 and upd.rows[0].changes == {"qualification": "Админ"}
    assert s.scalar(sa.select(m.Specialty.qualification).where(m.Specialty.code == "09.02.06")) == "Админ"
    assert check_round_trip(s, eng, "specialties", tmp_path) == 3
    res = run_import(s, eng, "specialties", write_template("specialties", tmp_path / "t.xlsx"))
    assert res.ok and res.rows == []


def test_bad_specialty_rows_are_refused(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        spec_row("09.02.06"),
        spec_row("9.2.6"),
        spec_row("09.02.06"),
        spec_row("10.02.01", **{"Вид программы": "магистратура"}),
        spec_row("10.02.02", Наименование=""),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "specialties", write_csv(tmp_path / "b.csv", rows), commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    assert {(3, "Код"), (4, "Код"), (5, "Вид программы"), (6, "Наименование")} <= got
    assert all(russian(p.message) for p in res.problems)


# --- curricula -----------------------------------------------------------------------------------
def item_row(index: str, semester: int, **over: str) -> dict[str, str]:
    row = {
        "Учебный план": "УП 09.02.07 (2024)",
        "Специальность": "09.02.07",
        "Год набора": "2024",
        "Форма обучения": "очная",
        "Индекс": index,
        "Наименование": f"Дисциплина {index}",
        "Вид": "дисциплина",
        "Семестр": str(semester),
        "Лекции": "32",
        "Практические занятия": "16",
        "Лабораторные занятия": "",
        "Самостоятельная работа": "4",
        "Форма контроля": "экзамен",
        "Модуль": "",
    }
    row.update(over)
    return row


def curriculum_rows() -> list[dict[str, str]]:
    return [
        item_row("ОП.01", 1, **{"Форма контроля": "зачёт"}),
        item_row("ОП.01", 2),
        item_row("ПМ.01", 3, Вид="профессиональный модуль", Лекции="0", **{"Практические занятия": "0"}),
        item_row("МДК.01.01", 3, Вид="МДК", Модуль="ПМ.01"),
        item_row("УП.01", 4, Вид="учебная практика", Лекции="", Модуль="ПМ.01", **{"Форма контроля": ""}),
    ]


def test_curricula_with_items_commit_and_round_trip(world, tmp_path) -> None:
    """R-4.2.b: a curriculum and its items, one row per item and semester; МДК and
    practice linked to their module."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    before = data_counts(s)
    path = write_csv(tmp_path / "c.csv", curriculum_rows())
    after = check_commit_then_nothing(s, eng, "учебные планы", path, 5)
    assert after["curricula"] == before["curricula"] + 1
    assert after["curriculum_items"] == before["curriculum_items"] + 5
    plan = s.scalars(sa.select(m.Curriculum).where(m.Curriculum.intake_year == 2024)).one()
    assert plan.status == CurriculumStatus.DRAFT and plan.name == "УП 09.02.07 (2024)"
    items = {
        (i.index, i.semester): i
        for i in s.scalars(sa.select(m.CurriculumItem).where(m.CurriculumItem.curriculum_id == plan.id))
    }
    module = items[("ПМ.01", 3)]
    assert items[("МДК.01.01", 3)].parent_id == module.id and items[("УП.01", 4)].parent_id == module.id
    assert module.kind == ItemKind.MODULE and items[("ОП.01", 1)].lecture_hours == 32
    assert items[("УП.01", 4)].lecture_hours == 0 and items[("УП.01", 4)].assessment is None
    # Hours changed in the file: one update, audited with the value before.
    changed = curriculum_rows()
    changed[1]["Лекции"] = "40"
    res = run_import(s, eng, "curricula", write_csv(tmp_path / "c2.csv", changed), commit=True)
    assert res.counts["update"] == 1 and res.rows[1].changes == {"lecture_hours": 40}
    event = s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "curriculum_item.update")).all()[
        -1
    ]
    assert event.before == {"lecture_hours": 32} and event.after == {"lecture_hours": 40}
    assert check_round_trip(s, eng, "curricula", tmp_path) == 7  # the world's two items too
    res = run_import(s, eng, "curricula", write_template("curricula", tmp_path / "t.xlsx"))
    assert res.ok and res.rows == []


def test_bad_curriculum_rows_and_an_approved_plan_are_refused(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        item_row("ОП.01", 1),
        item_row("ОП.02", 1, Специальность="99.99.99"),
        item_row("ОП.03", 11),
        item_row("ОП.04", 1, Лекции="-5"),
        item_row("ОП.05", 1, Модуль="ПМ.09"),
        item_row("ОП.01", 1),
        item_row("ОП.06", 1, **{"Учебный план": "Другое имя"}),
        item_row("ОП.07", 1, **{"Форма контроля": "устный опрос"}),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "curricula", write_csv(tmp_path / "b.csv", rows), commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    expected = {(3, "Специальность"), (4, "Семестр"), (5, "Лекции"), (6, "Модуль"), (7, "Индекс")}
    assert expected | {(8, "Учебный план"), (9, "Форма контроля")} <= got
    assert all(russian(p.message) for p in res.problems)
    # An approved curriculum (R-4.11.b) is not changed by a file; unchanged rows are fine.
    world_plan = s.scalars(sa.select(m.Curriculum)).first()
    assert world_plan is not None
    world_plan.status, world_plan.approved_at = CurriculumStatus.APPROVED, datetime(2025, 8, 30)
    s.commit()
    out = export_kind(s, eng, "curricula", tmp_path / "approved.xlsx")
    assert run_import(s, eng, "curricula", out).ok
    row = item_row("ОП.09", 1, **{"Учебный план": world_plan.name, "Год набора": "2025"})
    res = run_import(s, eng, "curricula", write_csv(tmp_path / "a.csv", [row]), commit=True)
    assert not res.committed and res.problems[0].column == "Учебный план"
    assert "утверждён" in res.problems[0].message


# --- teaching assignments ------------------------------------------------------------------------
def teaching_row(group: str, discipline: str, teacher: str, **over: str) -> dict[str, str]:
    row = {
        "Группа": group,
        "Дисциплина": discipline,
        "Преподаватель": teacher,
        "Учебный год": "2025/2026",
        "Период": "1 семестр",
        "Часы": "48",
        "Подгруппа": "",
    }
    row.update(over)
    return row


def test_teaching_assignments_commit_update_round_trip(world, tmp_path) -> None:
    """R-4.10.a: who teaches what to whom; the natural key is teacher, group, subgroup,
    discipline and period, and the planned hours are updated."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        teaching_row("ИСП-25", "ОП.02", ORLOVA),
        teaching_row("исп-25", "ОП.02 Архитектура аппаратных средств", PETROVA, Период="1"),
    ]
    before = data_counts(s)
    after = check_commit_then_nothing(s, eng, "нагрузка", write_csv(tmp_path / "t.csv", rows), 2)
    assert after["teaching_assignments"] == before["teaching_assignments"] + 2
    hours = s.scalar(
        sa.select(m.TeachingAssignment.planned_hours).where(
            m.TeachingAssignment.teacher_id == w.other_teacher_person,
            m.TeachingAssignment.group_id == w.group_a,
        )
    )
    assert hours == 48
    # The world's own assignment (Петрова, ОП.01, 64 h): now 72 h.
    res = run_import(
        s,
        eng,
        "teaching",
        write_csv(tmp_path / "u.csv", [teaching_row("ИСП-25", "ОП.01", PETROVA, Часы="72")]),
        commit=True,
    )
    assert res.counts["update"] == 1 and res.rows[0].changes == {"planned_hours": 72}
    assert check_round_trip(s, eng, "teaching", tmp_path) == 4  # 3 in ИСП-25, 1 in ЭБ-25
    assert run_import(s, eng, "teaching", write_template("teaching", tmp_path / "t.xlsx")).rows == []


def test_a_discipline_of_several_semesters_is_found_by_the_period(world, tmp_path) -> None:
    """ОП.01 runs in semesters 1 and 2 of the plan: «2 семестр» of 2025/2026 is the second
    semester of the 2025 intake, so its item is taken; «Семестр» may also say it."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    first = s.get(m.CurriculumItem, w.item_taught)
    assert first is not None
    second = m.CurriculumItem(
        curriculum_id=first.curriculum_id, index="ОП.01", name=first.name, kind=first.kind, semester=2
    )
    s.add(second)
    s.commit()
    rows = [
        teaching_row("ИСП-25", "ОП.01", ORLOVA, Период="2 семестр"),
        teaching_row("ИСП-25", "ОП.01", ORLOVA, Период="1 семестр", Семестр="2"),
    ]
    res = run_import(s, eng, "teaching", write_csv(tmp_path / "t.csv", rows), commit=True)
    assert res.committed, res.problems
    items = s.scalars(
        sa.select(m.TeachingAssignment.curriculum_item_id).where(
            m.TeachingAssignment.teacher_id == w.other_teacher_person,
            m.TeachingAssignment.group_id == w.group_a,
        )
    ).all()
    assert items == [second.id, second.id]


def test_bad_teaching_rows_are_refused(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        teaching_row("ИСП-25", "ОП.02", ORLOVA),
        teaching_row("ИСП-25", "ОП.99", ORLOVA),
        teaching_row("ИСП-25", "ОП.02", "Никто Никакой"),
        teaching_row("ИСП-25", "ОП.02", ORLOVA, Период="7 семестр"),
        teaching_row("НЕТ-1", "ОП.02", ORLOVA),
        teaching_row("ИСП-25", "ОП.02", ORLOVA, Часы="много"),
        teaching_row("ИСП-25", "ОП.02", ORLOVA),
        teaching_row("ИСП-25", "ОП.02", ORLOVA, Подгруппа="2"),
        teaching_row("ИСП-25", "ОП.02", ORLOVA, Семестр="3"),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "teaching", write_csv(tmp_path / "b.csv", rows), commit=True)
    assert not res.committed and data_counts(s) == before
    by_row = {p.row: p for p in res.problems}
    assert by_row[3].column == "Дисциплина" and "учебный план группы ИСП-25" in by_row[3].message
    assert by_row[4].column == "Преподаватель" and by_row[5].column == "Период"
    assert by_row[6].column == "Группа" and by_row[7].column == "Часы"
    assert "строке 2" in by_row[8].message and by_row[9].column == "Подгруппа"
    assert by_row[10].column == "Семестр" and "3-м семестре" in by_row[10].message
    assert all(russian(p.message) for p in res.problems)


# --- timetable -----------------------------------------------------------------------------------
def lesson_row(day: str, pair: int, group: str = "ИСП-25", **over: str) -> dict[str, str]:
    row = {
        "Дата": day,
        "Пара": str(pair),
        "Группа": group,
        "Дисциплина": "ОП.01",
        "Преподаватель": PETROVA,
        "Аудитория": "101",
        "Подгруппа": "",
    }
    row.update(over)
    return row


def test_timetable_commit_update_round_trip(world, tmp_path) -> None:
    """R-4.4.g: lessons by date and pair; the slot (group, date, pair, subgroup) is the key."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        lesson_row("08.09.2025", 1),
        lesson_row("08.09.2025", 2, Аудитория=""),
        lesson_row("2025-09-08", 1, "ЭБ-25", Дисциплина="ОП.02", Преподаватель=ORLOVA, Аудитория="102"),
    ]
    before = data_counts(s)
    after = check_commit_then_nothing(s, eng, "расписание", write_csv(tmp_path / "t.csv", rows), 3)
    assert after["timetable_lessons"] == before["timetable_lessons"] + 3
    moved = [
        lesson_row("08.09.2025", 1, Аудитория="102"),
        lesson_row("08.09.2025", 1, "ЭБ-25", Дисциплина="ОП.02", Преподаватель=ORLOVA, Аудитория="101"),
    ]
    res = run_import(s, eng, "timetable", write_csv(tmp_path / "m.csv", moved), commit=True)
    assert res.ok, res.problems  # the two groups swap rooms: no conflict in the end state
    assert res.counts["update"] == 2
    assert check_round_trip(s, eng, "timetable", tmp_path) == 3
    assert run_import(s, eng, "timetable", write_template("timetable", tmp_path / "t.xlsx")).rows == []


def test_timetable_conflicts_are_refused(world, tmp_path) -> None:
    """R-4.4.g: a teacher, a room or a group booked twice at the same pair is refused,
    inside the file and against the database."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    run_import(s, eng, "timetable", write_csv(tmp_path / "a.csv", [lesson_row("08.09.2025", 1)]), commit=True)
    rows = [
        lesson_row("08.09.2025", 1, "ЭБ-25", Дисциплина="ОП.02", Аудитория="102"),  # Петрова is busy
        lesson_row("08.09.2025", 1, "ЭБ-25", Дисциплина="ОП.02", Преподаватель=ORLOVA, Подгруппа="1"),
        lesson_row("09.09.2025", 3, Аудитория="НЕТ"),
        lesson_row("09.09.2025", 9),
        lesson_row("09.09.2025", 4),
        lesson_row("09.09.2025", 4, Аудитория="102"),
        lesson_row("31.02.2025", 1),
        lesson_row("10.09.2025", 1, Дисциплина="Нет такой"),
    ]
    before = data_counts(s)
    res = run_import(s, eng, "timetable", write_csv(tmp_path / "b.csv", rows), commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    assert {(2, "Преподаватель"), (3, "Подгруппа"), (4, "Аудитория"), (5, "Пара"), (7, "Пара")} <= got
    assert {(8, "Дата"), (9, "Дисциплина")} <= got
    assert all(russian(p.message) for p in res.problems)
    busy = next(p for p in res.problems if p.row == 2)
    assert "Петрова" in busy.message and "ИСП-25" in busy.message
    # The room: ЭБ-25 in room 101 at the pair ИСП-25 has it.
    clash = lesson_row("08.09.2025", 1, "ЭБ-25", Дисциплина="ОП.02", Преподаватель=ORLOVA)
    res = run_import(s, eng, "timetable", write_csv(tmp_path / "r.csv", [clash]))
    assert [(p.row, p.column) for p in res.problems] == [(2, "Аудитория")]


def test_timetable_subgroups_share_a_pair_and_teachers_must_be_employed(world, tmp_path) -> None:
    """R-4.10.c: two subgroups may have the same pair with two teachers, the whole group may
    not have it too; a teacher dismissed before the date is refused."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    s.add_all([m.Subgroup(group_id=w.group_a, name=n, curriculum_item_id=w.item_taught) for n in ("1", "2")])
    job = s.scalars(
        sa.select(m.StaffEmployment).where(m.StaffEmployment.person_id == w.other_teacher_person)
    ).one()
    job.dismissed_on, job.dismissal_order_number = date(2025, 10, 31), "7-к"
    job.dismissal_order_date = date(2025, 10, 30)
    s.commit()
    halves = [
        lesson_row("08.09.2025", 3, Подгруппа="1"),
        lesson_row("08.09.2025", 3, Подгруппа="2", Преподаватель=ORLOVA, Аудитория="102"),
    ]
    res = run_import(s, eng, "timetable", write_csv(tmp_path / "h.csv", halves), commit=True)
    assert res.committed and res.counts["insert"] == 2, res.problems
    rows = [
        lesson_row("08.09.2025", 3, Аудитория=""),  # the whole group at the subgroups' pair
        lesson_row("03.11.2025", 1, "ЭБ-25", Дисциплина="ОП.02", Преподаватель=ORLOVA),  # after dismissal
    ]
    res = run_import(s, eng, "timetable", write_csv(tmp_path / "b.csv", rows))
    by_row = {p.row: p for p in res.problems}
    assert by_row[2].column in ("Пара", "Преподаватель") and by_row[3].column == "Преподаватель"
    assert "03.11.2025" in by_row[3].message
    group_clash = [p for p in res.problems if p.row == 2 and p.column == "Пара"]
    assert group_clash and "уже есть другое занятие" in group_clash[0].message


def test_timetable_of_a_semester_in_bulk(world, tmp_path) -> None:
    """Two groups, every pair of every weekday of the autumn: validated and written in bulk."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = []
    day = date(2025, 9, 1)
    while day <= date(2025, 12, 27):
        if day.weekday() < 6:
            for pair in range(1, 5):
                rows.append(lesson_row(day.strftime("%d.%m.%Y"), pair))
                rows.append(
                    lesson_row(
                        day.strftime("%d.%m.%Y"),
                        pair,
                        "ЭБ-25",
                        Дисциплина="ОП.02",
                        Преподаватель=ORLOVA,
                        Аудитория="102",
                    )
                )
        day += timedelta(days=1)
    path = write_csv(tmp_path / "big.csv", rows)
    started = datetime.now()
    res = run_import(s, eng, "timetable", path, commit=True)
    seconds = (datetime.now() - started).total_seconds()
    assert res.committed and res.counts["insert"] == len(rows), res.problems[:3]
    assert s.scalar(sa.select(sa.func.count()).select_from(m.TimetableLesson)) == len(rows)
    assert seconds < 30, seconds


def test_without_the_import_right_study_kinds_are_refused(world, tmp_path) -> None:
    s, w = world
    path = write_csv(tmp_path / "s.csv", [spec_row("09.02.06")])
    for role in (Role.TEACHER, Role.HEAD_OF_STUDIES, Role.DEPUTY_DIRECTOR):
        for kind in ("specialties", "curricula", "teaching", "timetable"):
            with pytest.raises(AccessDenied):
                run_import(s, w.actors[role], kind, path)
            with pytest.raises(AccessDenied):
                export_kind(s, w.actors[role], kind, tmp_path / "x.xlsx")

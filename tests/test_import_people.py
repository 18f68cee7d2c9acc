"""Import kinds of people (R-4.2.b): parents and legal representatives, staff; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.enums import ParentRelation, Role
from netspo_lib.imports import export_kind, run_import, write_template
from netspo_lib.snils import format_snils, snils_check_digits

from .factories import row_counts
from .world import World, build_world

LOG_TABLES = {"import_runs", "audit_events"}
TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates"


def snils(nine: str) -> str:
    return format_snils(nine + snils_check_digits(nine))


STUDENT_1 = snils("150000001")
STUDENT_2 = snils("150000002")
PARENT_1 = snils("160000001")


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        for n, value in enumerate((STUDENT_1, STUDENT_2), start=1):
            p = m.Person(
                last_name=f"Студентов{n}", first_name="Иван", snils=value.replace("-", "").replace(" ", "")
            )
            session.add(p)
            session.flush()
            session.add(m.Student(person_id=p.id, group_id=w.group_a, enrolled_on=date(2025, 9, 1)))
        session.commit()
        yield session, w


def data_counts(session: Session) -> dict[str, int]:
    return {k: v for k, v in row_counts(session).items() if k not in LOG_TABLES}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(list(rows[0]))
        for r in rows:
            w.writerow(list(r.values()))
    return path


def parent_row(last: str, student: str = STUDENT_1, **over: str) -> dict[str, str]:
    row = {
        "Фамилия": last,
        "Имя": "Мария",
        "Отчество": "Петровна",
        "Телефон": "+7 900 000-00-01",
        "Email": "mama@example.ru",
        "СНИЛС": "",
        "Кем приходится": "мать",
        "СНИЛС студента": student,
        "Законный представитель": "",
    }
    row.update(over)
    return row


def audit_count(s: Session, action: str) -> int:
    return s.scalar(sa.select(sa.func.count()).where(m.AuditEvent.action == action)) or 0


def test_parents_commit_once_then_nothing_changes(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        parent_row("Студентова"),
        parent_row("Отцов", Имя="Пётр", Отчество="", СНИЛС=PARENT_1, **{"Кем приходится": "отец"}),
        # The same father of the second student: one person, two links.
        parent_row("Отцов", STUDENT_2, Имя="Пётр", Отчество="", СНИЛС=PARENT_1, **{"Кем приходится": "отец"}),
        parent_row("Опекунова", STUDENT_2, **{"Кем приходится": "опекун", "Законный представитель": "нет"}),
    ]
    path = write_csv(tmp_path / "p.csv", rows)
    before = data_counts(s)
    dry = run_import(s, eng, "родители", path)
    assert dry.ok, dry.problems
    assert dry.counts["insert"] == 4 and data_counts(s) == before
    done = run_import(s, eng, "законные представители", path, commit=True)
    assert done.committed, done.problems
    after = data_counts(s)
    assert after["persons"] == before["persons"] + 3
    assert after["parent_links"] == before["parent_links"] + 4
    assert audit_count(s, "parent.create") == 3 and audit_count(s, "parent_link.create") == 4
    guardian = s.scalar(
        sa.select(m.ParentLink)
        .join(m.Person, m.Person.id == m.ParentLink.parent_id)
        .where(m.Person.last_name == "Опекунова")
    )
    assert guardian is not None
    assert guardian.relation == ParentRelation.GUARDIAN and guardian.is_legal_representative is False
    again = run_import(s, eng, "parents", path, commit=True)
    assert again.counts == {"insert": 0, "update": 0, "unchanged": 4, "refused": 0}
    assert data_counts(s) == after
    path2 = write_csv(tmp_path / "p2.csv", [parent_row("Студентова", Телефон="+7 900 111-11-11")])
    upd = run_import(s, eng, "parents", path2, commit=True)
    assert upd.counts["update"] == 1 and upd.rows[0].changes == {"phone": "+7 900 111-11-11"}
    assert audit_count(s, "parent.update") == 1
    assert s.scalar(sa.select(m.Person.phone).where(m.Person.last_name == "Студентова")) == "+7 900 111-11-11"


def test_bad_parent_rows_are_reported_and_nothing_is_written(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        parent_row("Хорошая"),
        parent_row("Неизвестная", snils("170000001")),
        parent_row("Плохая", СНИЛС="123-456-789 00"),
        parent_row("Тётя", **{"Кем приходится": "тётя"}),
        parent_row(""),
        parent_row("Хорошая"),
        parent_row("Сомнительная", **{"Законный представитель": "может быть"}),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = data_counts(s)
    res = run_import(s, eng, "parents", path, commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    assert {(3, "СНИЛС студента"), (4, "СНИЛС"), (5, "Кем приходится"), (6, "Фамилия")} <= got
    assert {(7, "СНИЛС студента"), (8, "Законный представитель")} <= got
    assert res.counts["insert"] == 1
    assert all(any("а" <= ch <= "я" for ch in p.message.lower()) for p in res.problems)


def test_parents_export_then_import_changes_nothing(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        parent_row("Студентова"),
        parent_row(
            "Отцов", STUDENT_2, СНИЛС=PARENT_1, **{"Кем приходится": "отец", "Законный представитель": "нет"}
        ),
    ]
    assert run_import(s, eng, "parents", write_csv(tmp_path / "p.csv", rows), commit=True).committed
    out = export_kind(s, eng, "parents", tmp_path / "parents.xlsx")
    res = run_import(s, eng, "parents", out)
    assert res.ok, res.problems
    assert res.counts == {"insert": 0, "update": 0, "unchanged": 2, "refused": 0}


def test_parents_template_reads_back_empty(world, tmp_path) -> None:
    s, w = world
    res = run_import(s, w.actors[Role.ENGINEER], "parents", write_template("parents", tmp_path / "p.xlsx"))
    assert res.ok and res.rows == []
    shipped = run_import(s, w.actors[Role.ENGINEER], "parents", TEMPLATES / "parents.xlsx")
    assert shipped.ok and shipped.rows == []


# --- staff ---------------------------------------------------------------------------------------
STAFF_1 = snils("180000001")
STAFF_2 = snils("180000002")


def staff_row(fio: str, value: str, **over: str) -> dict[str, str]:
    row = {
        "ФИО": fio,
        "СНИЛС": value,
        "Должность": "Преподаватель",
        "Отделение": "Экономическое отделение",
        "Дата приёма": "01.09.2025",
        "Номер приказа о приёме": "15-к",
        "Дата приказа": "29.08.2025",
    }
    row.update(over)
    return row


def test_staff_commit_once_then_nothing_changes(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        staff_row("Кадрова Анна Ивановна", STAFF_1),
        staff_row("Мастеров Олег", STAFF_2, Должность="Мастер производственного обучения", Отделение=""),
        # A second hire of the same person (after a dismissal): another employment.
        staff_row(
            "Кадрова Анна Ивановна", STAFF_1, **{"Дата приёма": "01.02.2026", "Дата приказа": "30.01.2026"}
        ),
    ]
    path = write_csv(tmp_path / "s.csv", rows)
    before = data_counts(s)
    dry = run_import(s, eng, "сотрудники", path)
    assert dry.ok, dry.problems
    assert dry.counts["insert"] == 3 and data_counts(s) == before
    done = run_import(s, eng, "staff", path, commit=True)
    assert done.committed, done.problems
    after = data_counts(s)
    assert after["persons"] == before["persons"] + 2 and after["staff"] == before["staff"] + 3
    assert after["positions"] == before["positions"] + 2
    assert audit_count(s, "staff.create") == 3 and audit_count(s, "position.create") == 2
    job = s.scalar(sa.select(m.StaffEmployment).order_by(m.StaffEmployment.id.desc()).limit(1))
    assert job is not None and job.created_at is not None and job.hire_order_number == "15-к"
    again = run_import(s, eng, "staff", path, commit=True)
    assert again.counts == {"insert": 0, "update": 0, "unchanged": 3, "refused": 0}
    assert data_counts(s) == after
    path2 = write_csv(
        tmp_path / "s2.csv",
        [staff_row("Кадрова Анна Ивановна", STAFF_1, **{"Номер приказа о приёме": "16-к"})],
    )
    upd = run_import(s, eng, "staff", path2, commit=True)
    assert upd.counts["update"] == 1 and upd.rows[0].changes == {"hire_order_number": "16-к"}
    assert audit_count(s, "staff.update") == 1


def test_bad_staff_rows_are_reported_and_nothing_is_written(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        staff_row("Кадрова Анна Ивановна", STAFF_1),
        staff_row("Безимени", STAFF_2),
        staff_row("Плохой Снилс", "123-456-789 00"),
        staff_row("Чужое Отделение", snils("180000003"), Отделение="Нет такого"),
        staff_row("Кадрова Анна Ивановна", STAFF_1),
        staff_row("Будущий Сотрудник", snils("180000004"), **{"Дата приёма": "01.01.2099"}),
        staff_row("Без Даты", snils("180000005"), **{"Дата приёма": ""}),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = data_counts(s)
    res = run_import(s, eng, "staff", path, commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    assert {
        (3, "ФИО"),
        (4, "СНИЛС"),
        (5, "Отделение"),
        (6, "СНИЛС"),
        (7, "Дата приёма"),
        (8, "Дата приёма"),
    } <= got
    assert all(any("а" <= ch <= "я" for ch in p.message.lower()) for p in res.problems)


def test_staff_export_then_import_changes_nothing(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [staff_row("Кадрова Анна Ивановна", STAFF_1), staff_row("Мастеров Олег", STAFF_2, Отделение="")]
    assert run_import(s, eng, "staff", write_csv(tmp_path / "s.csv", rows), commit=True).committed
    out = export_kind(s, eng, "staff", tmp_path / "staff.xlsx")
    res = run_import(s, eng, "staff", out)
    assert res.ok, res.problems
    assert res.counts == {"insert": 0, "update": 0, "unchanged": 2, "refused": 0}
    shipped = run_import(s, eng, "staff", TEMPLATES / "staff.xlsx")
    assert shipped.ok and shipped.rows == []

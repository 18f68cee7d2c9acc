"""Imports and exports of data arrays (R-4.2.b, R-4.2.c) on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import ImportOutcome, Role
from netspo_lib.errors import NetspoError
from netspo_lib.imports import export_kind, run_import, write_template
from netspo_lib.imports.kinds import STUDENTS
from netspo_lib.imports.report import write_error_report
from netspo_lib.snils import format_snils, snils_check_digits

from .factories import row_counts
from .world import World, build_world

HEADER = [c.title for c in STUDENT_COLUMNS] if (STUDENT_COLUMNS := STUDENTS.columns) else []
LOG_TABLES = {"import_runs", "audit_events"}


def snils(n: int) -> str:
    nine = f"{n:09d}"
    return format_snils(nine + snils_check_digits(nine))


def student_row(n: int, group: str = "ИСП-25", **over: str) -> dict[str, str]:
    row = {
        "Фамилия": f"Фамилия{n}",
        "Имя": "Анна",
        "Отчество": "Петровна",
        "Дата рождения": "15.03.2009",
        "Пол": "ж",
        "СНИЛС": snils(100000000 + n),
        "Телефон": "+7 900 000-00-00",
        "Email": f"s{n}@example.ru",
        "Группа": group,
        "Основа обучения": "бюджет",
        "Номер приказа о зачислении": "1-к",
        "Дата приказа": "25.08.2025",
        "Кем подписан приказ": "директор",
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8-sig", sep: str = ";") -> Path:
    header = list(rows[0]) if rows else HEADER
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def data_counts(session: Session) -> dict[str, int]:
    return {k: v for k, v in row_counts(session).items() if k not in LOG_TABLES}


def test_students_commit_once_then_nothing_changes(world, tmp_path) -> None:
    """R-4.2.c: a good file commits; the same file again is all «unchanged»."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    path = write_csv(tmp_path / "students.csv", [student_row(i) for i in range(3)])
    before = data_counts(s)
    dry = run_import(s, eng, "студенты", path)
    assert dry.ok and dry.counts["insert"] == 3 and not dry.committed
    assert data_counts(s) == before
    done = run_import(s, eng, "students", path, commit=True)
    assert done.committed and done.counts["insert"] == 3
    after = data_counts(s)
    assert after["students"] == before["students"] + 3
    assert after["orders"] == before["orders"] + 1  # one order for the three rows
    again = run_import(s, eng, "students", path, commit=True)
    assert again.counts == {"insert": 0, "update": 0, "unchanged": 3, "refused": 0}
    assert data_counts(s) == after
    runs = s.scalars(sa.select(m.ImportRun.outcome).order_by(m.ImportRun.id)).all()
    assert runs == [ImportOutcome.DRY_RUN, ImportOutcome.COMMITTED, ImportOutcome.COMMITTED]
    # A changed phone is an update through the card, audited.
    path2 = write_csv(tmp_path / "s2.csv", [student_row(0, Телефон="+7 911 111-11-11")])
    upd = run_import(s, eng, "students", path2, commit=True)
    assert upd.counts["update"] == 1 and upd.rows[0].changes == {"phone": "+7 911 111-11-11"}
    assert s.scalar(sa.select(m.Person.phone).where(m.Person.last_name == "Фамилия0")) == "+7 911 111-11-11"


def test_bad_rows_are_reported_and_nothing_is_written(world, tmp_path) -> None:
    """R-4.2.b: row, column and a Russian message for each problem; all or nothing."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    future = (date.today() + timedelta(days=30)).strftime("%d.%m.%Y")
    rows = [
        student_row(1),
        student_row(2, СНИЛС="112-233-445 96"),
        student_row(3, Группа="НЕТ-99"),
        student_row(4, **{"Дата приказа": future}),
        student_row(5, СНИЛС=snils(100000001)),
        student_row(6, Фамилия=""),
        student_row(7, **{"Дата рождения": "01.01.2020"}),
        student_row(8, Пол="x"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = data_counts(s)
    res = run_import(s, eng, "students", path, commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    assert {(3, "СНИЛС"), (4, "Группа"), (5, "Дата приказа"), (6, "СНИЛС"), (7, "Фамилия")} <= got
    assert {(8, "Дата рождения"), (9, "Пол")} <= got
    assert all(any("а" <= ch <= "я" for ch in p.message.lower()) for p in res.problems)
    assert res.counts["refused"] == 7 and res.counts["insert"] == 1
    run = s.scalars(sa.select(m.ImportRun)).one()
    assert run.outcome == ImportOutcome.REFUSED and run.refused == 7
    report = write_error_report(tmp_path / "errors.xlsx", path, STUDENTS, res.problems)
    from openpyxl import load_workbook

    ws = load_workbook(report).active
    assert ws.cell(1, ws.max_column).value == "Ошибки"
    assert "СНИЛС" in (ws.cell(3, ws.max_column).value or "")


def test_export_then_import_changes_nothing(world, tmp_path) -> None:
    """R-4.2.b: export in the template's format; importing it back plans no changes."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    # The test world's СНИЛС have no valid control number; real cards have (R-4.4.b).
    for i, person in enumerate(s.scalars(sa.select(m.Person).where(m.Person.snils.is_not(None)))):
        person.snils = snils(200000000 + i).replace("-", "").replace(" ", "")
    incoming = write_csv(tmp_path / "in.csv", [student_row(i) for i in range(2)])
    run_import(s, eng, "students", incoming, commit=True)
    s.add(m.Room(college_id=w.college_id, number="101", name="=SUM(A1)", capacity=20))
    s.flush()
    for kind, name in (("students", "out.xlsx"), ("rooms", "rooms.xlsx")):
        out = export_kind(s, eng, kind, tmp_path / name)
        res = run_import(s, eng, kind, out)
        assert res.ok, res.problems
        assert res.counts["insert"] == res.counts["update"] == 0 and res.counts["unchanged"] >= 1


def test_rooms_import_and_update(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    path = tmp_path / "rooms.csv"
    path.write_text(
        "номер,НАЗВАНИЕ,вид,Вместимость\n101,Информатика,компьютерный класс,25\n102,,,\n", "utf-8"
    )
    res = run_import(s, eng, "аудитории", path, commit=True)
    assert res.counts["insert"] == 2
    path.write_text("Номер;Мест\n101;30\n", "utf-8")
    res = run_import(s, eng, "rooms", path, commit=True)
    assert res.counts["update"] == 1
    assert s.scalar(sa.select(m.Room.capacity).where(m.Room.number == "101")) == 30


def test_without_the_import_right_access_is_denied(world, tmp_path) -> None:
    s, w = world
    path = write_csv(tmp_path / "s.csv", [student_row(1)])
    for role in (Role.TEACHER, Role.HEAD_OF_STUDIES, Role.DIRECTOR):
        with pytest.raises(AccessDenied):
            run_import(s, w.actors[role], "students", path)
        with pytest.raises(AccessDenied):
            export_kind(s, w.actors[role], "students", tmp_path / "x.xlsx")


def test_template_reads_back_empty(world, tmp_path) -> None:
    s, w = world
    for kind in ("students", "rooms"):
        res = run_import(s, w.actors[Role.ENGINEER], kind, write_template(kind, tmp_path / f"{kind}.xlsx"))
        assert res.ok and res.rows == []


_cells = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(max_codepoint=40), max_size=5),
    st.sampled_from(["=1+1", "@SUM(A1)", "+7", "-", "0", "45000", "31.02.2020", "х" * 5000]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_cells, min_size=13, max_size=13))
def test_random_cells_only_refuse(world, tmp_path_factory, values) -> None:
    """Whatever a cell holds, the engine answers with a NetspoError or a clean result."""
    s, w = world
    path = tmp_path_factory.mktemp("h") / "r.csv"
    write_csv(path, [dict(zip(HEADER, values, strict=True))])
    before = data_counts(s)
    try:
        res = run_import(s, w.actors[Role.ENGINEER], "students", path, commit=True)
    except NetspoError:
        s.rollback()
        return
    if not res.ok:
        assert data_counts(s) == before
    s.rollback()

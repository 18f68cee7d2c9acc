"""Import kinds beyond students and rooms (R-4.2.b): groups, on SQLite and PostgreSQL."""

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
from netspo_lib.enums import Role
from netspo_lib.imports import export_kind, run_import, write_template

from .factories import row_counts
from .world import World, build_world

LOG_TABLES = {"import_runs", "audit_events"}


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        # The curator must be a current employee of the college.
        position = m.Position(college_id=w.college_id, name="Преподаватель")
        session.add(position)
        session.flush()
        session.add(
            m.StaffEmployment(
                person_id=w.teacher_person,
                college_id=w.college_id,
                position_id=position.id,
                hired_on=date(2020, 9, 1),
                hire_order_number="1-к",
                hire_order_date=date(2020, 8, 31),
            )
        )
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


def group_row(s: Session, w: World, name: str, **over: str) -> dict[str, str]:
    group = s.get(m.Group, w.group_a)
    assert group is not None
    code = s.scalar(sa.select(m.Specialty.code).where(m.Specialty.id == group.specialty_id))
    dept = s.scalar(sa.select(m.Department.name).where(m.Department.id == group.department_id))
    teacher = s.get(m.Person, w.teacher_person)
    assert teacher is not None and code and dept
    fio = " ".join(p for p in (teacher.last_name, teacher.first_name, teacher.middle_name) if p)
    row = {
        "Группа": name,
        "Специальность": code,
        "Отделение": dept,
        "Курс": "1",
        "Год набора": "2025",
        "Форма обучения": "очная",
        "Куратор": fio,
    }
    row.update(over)
    return row


def test_groups_commit_once_then_nothing_changes(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    path = write_csv(tmp_path / "g.csv", [group_row(s, w, "ИСП-26"), group_row(s, w, "ИСП-27", Куратор="")])
    before = data_counts(s)
    dry = run_import(s, eng, "группы", path)
    assert dry.ok, dry.problems
    assert dry.counts["insert"] == 2 and data_counts(s) == before
    done = run_import(s, eng, "groups", path, commit=True)
    assert done.committed and data_counts(s)["groups"] == before["groups"] + 2
    assert s.scalar(sa.select(m.Group.curator_id).where(m.Group.name == "ИСП-26")) == w.teacher_person
    events = s.scalar(sa.select(sa.func.count()).where(m.AuditEvent.action == "group.create"))
    assert events == 2
    again = run_import(s, eng, "groups", path, commit=True)
    assert again.counts == {"insert": 0, "update": 0, "unchanged": 2, "refused": 0}
    path2 = write_csv(tmp_path / "g2.csv", [group_row(s, w, "ИСП-26", Курс="2")])
    upd = run_import(s, eng, "groups", path2, commit=True)
    assert upd.counts["update"] == 1 and upd.rows[0].changes == {"course": 2}


def test_bad_group_rows_are_reported_and_nothing_is_written(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = [
        group_row(s, w, "ИСП-26"),
        group_row(s, w, "А-1", Специальность="99.99.99"),
        group_row(s, w, "А-2", Отделение="Нет такого"),
        group_row(s, w, "А-3", Курс="9"),
        group_row(s, w, "А-4", Куратор="Никто Никакой"),
        group_row(s, w, "ИСП-26"),
        group_row(s, w, "А-5", **{"Форма обучения": "дистанционно-космическая"}),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = data_counts(s)
    res = run_import(s, eng, "groups", path, commit=True)
    assert not res.committed and data_counts(s) == before
    got = {(p.row, p.column) for p in res.problems}
    assert {(3, "Специальность"), (4, "Отделение"), (5, "Курс"), (6, "Куратор"), (7, "Группа")} <= got
    assert (8, "Форма обучения") in got
    assert all(any("а" <= ch <= "я" for ch in p.message.lower()) for p in res.problems)


def test_groups_export_then_import_changes_nothing(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    run_import(s, eng, "groups", write_csv(tmp_path / "g.csv", [group_row(s, w, "ИСП-26")]), commit=True)
    out = export_kind(s, eng, "groups", tmp_path / "groups.xlsx")
    res = run_import(s, eng, "groups", out)
    assert res.ok, res.problems
    assert res.counts["insert"] == res.counts["update"] == 0 and res.counts["unchanged"] >= 2


def test_groups_template_reads_back_empty(world, tmp_path) -> None:
    s, w = world
    res = run_import(s, w.actors[Role.ENGINEER], "groups", write_template("groups", tmp_path / "g.xlsx"))
    assert res.ok and res.rows == []

"""Detecting the kind of an import file from its header (netspo_lib.imports.detect) and the
import history (netspo_lib.imports.history)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib.access import AccessDenied
from netspo_lib.enums import Role
from netspo_lib.errors import NetspoError
from netspo_lib.imports import KINDS, kind_by_name, run_import, write_template
from netspo_lib.imports.detect import (
    MISSING_NOTE,
    NOT_IN_FILE,
    UNKNOWN_NOTE,
    column_mapping,
    detect_kind,
    rank_kinds,
)
from netspo_lib.imports.history import HISTORY_COLUMNS, import_history

from .world import World, build_world


def write_csv(path: Path, rows: list[list[str]], sep: str = ";") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=sep).writerows(rows)
    return path


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kinds_template_is_detected_as_itself(name: str, tmp_path) -> None:
    """Every kind known now (and any added later): its own template, .xlsx and .csv."""
    for suffix in (".xlsx", ".csv"):
        path = write_template(name, tmp_path / f"{name}{suffix}")
        found = detect_kind(path)
        assert found.kind == name, (suffix, rank_kinds(path)[:2])
        assert not found.unknown and not found.missing
        assert set(found.matched.values()) == {c.title for c in kind_by_name(name).columns}


def test_synonyms_case_and_a_title_block_are_understood(tmp_path) -> None:
    path = tmp_path / "Список.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Список студентов нового набора"])
    sheet.append(["на 01.09.2025"])
    sheet.append([])
    sheet.append(["фамилия", "ИМЯ", "Номер СНИЛС", "Учебная группа", "Дата рожд", "Примечание"])
    sheet.append(["Иванова", "Анна", "112-233-445 95", "ИСП-25", "01.02.2009", ""])
    book.save(path)
    found = detect_kind(path)
    assert found.kind == "students" and found.header_row == 4
    assert found.matched["Номер СНИЛС"] == "СНИЛС" and found.matched["Учебная группа"] == "Группа"
    assert found.unknown == ("Примечание",) and not found.missing


def test_the_kind_with_the_required_columns_wins(tmp_path) -> None:
    """Parents and students share «Фамилия», «Имя», «СНИЛС»; staff and students «Дата приказа»."""
    parents = write_csv(
        tmp_path / "p.csv",
        [
            ["Фамилия", "Имя", "Кем приходится", "СНИЛС студента"],
            ["Петров", "Олег", "отец", "112-233-445 95"],
        ],
    )
    assert detect_kind(parents).kind == "parents"
    staff = write_csv(
        tmp_path / "s.csv",
        [["ФИО", "СНИЛС", "Должность", "Дата приёма", "Номер приказа о приёме", "Дата приказа"]],
    )
    assert detect_kind(staff).kind == "staff"
    rooms = write_csv(
        tmp_path / "r.csv", [["Аудитория", "Наименование", "Вместимость"], ["101", "Лаборатория", "25"]]
    )
    assert detect_kind(rooms).kind == "rooms"
    ranked = rank_kinds(parents)
    assert ranked[0].kind == "parents" and ranked == sorted(ranked, key=lambda d: d.score, reverse=True)


def test_a_file_of_no_known_kind_is_refused_in_russian(tmp_path) -> None:
    path = write_csv(tmp_path / "x.csv", [["Колонка А", "Колонка Б"], ["1", "2"]])
    with pytest.raises(NetspoError, match=r"Не удалось определить вид данных файла «x\.csv»"):
        detect_kind(path)
    with pytest.raises(NetspoError, match="не поддерживается"):
        detect_kind(write_csv(tmp_path / "x.txt", [["a"]]))


def test_column_mapping_names_fields_unknown_and_missing_columns(tmp_path) -> None:
    path = write_csv(
        tmp_path / "m.csv", [["Фамилия", "Имя", "Группа", "Любимый цвет"], ["А", "Б", "В", "синий"]]
    )
    frame = column_mapping(path, kind_by_name("students"))
    rows = {r["Столбец файла"]: r for r in frame.to_dict("records")}
    assert rows["Фамилия"]["Поле"] == "Фамилия" and rows["Фамилия"]["Обязательное"] == "да"
    assert rows["Любимый цвет"]["Примечание"] == UNKNOWN_NOTE
    missing = frame[frame["Столбец файла"] == NOT_IN_FILE]
    assert list(missing["Поле"]) == ["СНИЛС"] and set(missing["Примечание"]) == {MISSING_NOTE}


# --- history --------------------------------------------------------------------------------
@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def test_import_history_lists_runs_newest_first_for_the_engineer_only(world, tmp_path) -> None:
    s, w = world
    eng = w.actors[Role.ENGINEER]
    assert list(import_history(s, eng).columns) == HISTORY_COLUMNS and import_history(s, eng).empty
    rooms = write_csv(tmp_path / "аудитории.csv", [["Номер", "Мест"], ["101", "30"], ["102", "20"]])
    run_import(s, eng, "rooms", rooms)
    run_import(s, eng, "rooms", rooms, commit=True)
    frame = import_history(s, eng)
    assert len(frame) == 2
    newest, oldest = frame.iloc[0], frame.iloc[1]
    assert newest["Результат"] == "загружено" and oldest["Результат"] == "пробный прогон"
    assert newest["Вид данных"] == "аудитории" and newest["Файл"] == "аудитории.csv"
    assert newest["Добавлено"] == 2 and newest["Строк"] == 2
    assert newest["Кто"] and len(newest["Когда"]) == 16 and newest["Когда"][2] == "."
    assert len(import_history(s, eng, limit=1)) == 1
    assert s.scalar(sa.select(sa.func.count()).select_from(sa.table("import_runs"))) == 2
    for role in (Role.TEACHER, Role.DIRECTOR, Role.ADMIN):
        with pytest.raises(AccessDenied, match="импорт данных"):
            import_history(s, w.actors[role])

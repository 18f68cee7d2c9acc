"""Reading import files tolerantly (R-4.2.b): encodings, separators, title blocks, names."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from netspo_lib.enums import Sex
from netspo_lib.errors import NetspoError
from netspo_lib.imports.kinds import ROOMS, STUDENTS, kind_by_name
from netspo_lib.imports.reading import read_sheet
from netspo_lib.imports.spec import convert


def test_windows_1251_with_semicolons(tmp_path) -> None:
    path = tmp_path / "rooms.csv"
    path.write_bytes("Номер;Название;Мест\n101;Кабинет истории;30\n".encode("cp1251"))
    sheet = read_sheet(path, ROOMS)
    assert sheet.rows == [(2, {"number": "101", "name": "Кабинет истории", "capacity": "30"})]


def test_utf8_bom_with_commas(tmp_path) -> None:
    path = tmp_path / "rooms.csv"
    path.write_bytes("\ufeffНомер,Название\n101,Кабинет\n".encode())
    assert read_sheet(path, ROOMS).rows[0][1]["number"] == "101"


def test_header_below_a_title_block_with_synonyms_case_and_yo(tmp_path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(["Список студентов колледжа"])
    ws.append(["на 01.09.2025"])
    ws.append([])
    ws.append(["ФАМИЛИЯ", " имя ", "Дата  рождения", "номер снилс", "Учебная группа", "Примечание"])
    ws.append(["Петров", "Пётр", 39887, "112-233-445 95", "ИСП-25", "староста"])
    path = tmp_path / "s.xlsx"
    book.save(path)
    sheet = read_sheet(path, STUDENTS)
    assert sheet.header_row == 4
    assert sheet.unknown == ["Примечание"]
    row_no, values = sheet.rows[0]
    assert row_no == 5 and values["first_name"] == "Пётр" and values["group"] == "ИСП-25"
    assert convert(STUDENTS.column("birth_date"), values["birth_date"]) == date(2009, 3, 15)


def test_no_header_is_refused_in_russian(tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(NetspoError, match="строка заголовков"):
        read_sheet(path, ROOMS)


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("birth_date", "15.03.2009", date(2009, 3, 15)),
        ("birth_date", "2009-03-15", date(2009, 3, 15)),
        ("birth_date", 39887, date(2009, 3, 15)),
        ("sex", "Ж", Sex.FEMALE),
        ("sex", "мужской", Sex.MALE),
        ("snils", "112 233 445 95", "11223344595"),
        ("middle_name", "", None),
    ],
)
def test_cells_convert(key, raw, expected) -> None:
    assert convert(STUDENTS.column(key), raw) == expected


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("snils", "112-233-445 96"),
        ("sex", "x"),
        ("birth_date", "31.02.2009"),
        ("last_name", ""),
        ("email", "a b"),
    ],
)
def test_bad_cells_are_refused(key, raw) -> None:
    with pytest.raises(NetspoError):
        convert(STUDENTS.column(key), raw)


def test_kind_aliases() -> None:
    assert kind_by_name("Студенты") is STUDENTS and kind_by_name("аудитории") is ROOMS
    with pytest.raises(NetspoError):
        kind_by_name("что-то")

"""Reading import files tolerantly (R-4.2.b): encodings, separators, title blocks, names."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from netspo_lib.enums import Sex
from netspo_lib.errors import NetspoError
from netspo_lib.imports.kinds import ROOMS, STUDENTS, kind_by_name
from netspo_lib.imports.reading import read_raw, read_sheet
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


# --- calamine reads what openpyxl reads -------------------------------------------------------
def _tricky_book(path: Path, *, error_cell: bool = False) -> Path:
    """A title block, a header below it starting in column B, text that looks like numbers,
    numbers, dates as dates, as serials and as text, times, empty rows, formulas."""
    book = Workbook()
    ws = book.active
    ws["C2"] = "Список студентов на 01.09.2025"
    ws.append([])
    header = ["Фамилия", "Имя", "СНИЛС", "Телефон", "Дата рождения", "Дата приказа", "Мест", "Группа"]
    for j, title in enumerate(header, start=2):
        ws.cell(5, j, title)
    rows = [
        ["Петров", "Пётр", "11223344595", "89001234567", datetime(2009, 3, 15), 45894, 25, "ИСП-25"],
        ["Орлова", "Ольга", 11223344595, 79001234567, date(2009, 3, 16), "25.08.2025", 25.5, True],
        None,
        ["  Сидоров ", "", "112-233-445 95", "+7 900", "2009-03-15", time(10, 30), -3, "=1+1"],
        ["Иванов", None, 12345678901234, 0.1, timedelta(hours=30), datetime(2025, 8, 25, 14, 30), 0, "'=A1"],
    ]
    for i, row in enumerate(rows, start=6):
        for j, value in enumerate(row or [], start=2):
            ws.cell(i, j, value)
    ws.cell(7, 6).number_format = "DD.MM.YYYY"
    ws.cell(12, 2, "после пустой строки")
    if error_cell:
        ws["D7"] = "#N/A"  # openpyxl stores it as an error cell
    book.save(path)
    return path


def test_calamine_reads_the_cells_openpyxl_reads(tmp_path) -> None:
    """The fast reader gives the same rows, values and types as openpyxl read-only (empty
    cells None, dates datetime, whole numbers int, text as written), from row 1 and column A,
    so row numbers in messages and the header found below a title block stay the same."""
    path = _tricky_book(tmp_path / "s.xlsx")
    slow, fast = read_raw(path, engine="openpyxl"), read_raw(path, engine="calamine")

    def trimmed(rows: list[list[object]]) -> list[list[tuple[type, object]]]:
        out = [[(type(v), v) for v in row] for row in rows]
        for row in out:
            while row and row[-1][1] is None:
                row.pop()
        while out and not out[-1]:
            out.pop()
        return out

    assert trimmed(fast) == trimmed(slow)
    assert read_raw(path) == fast  # calamine reads by default
    sheet = read_sheet(path, STUDENTS)
    assert sheet.header_row == 5 and [r for r, _ in sheet.rows] == [6, 7, 9, 10, 12]
    assert sheet.rows[0][1]["snils"] == "11223344595" and sheet.rows[1][1]["snils"] == 11223344595
    assert sheet.rows[0][1]["phone"] == "89001234567"


def test_a_file_with_error_cells_is_read_by_openpyxl(tmp_path) -> None:
    """calamine reads an error cell (#Н/Д) as empty, openpyxl as its text: such a file is
    read by openpyxl, so that the row is refused as before, not loaded with an empty cell."""
    path = _tricky_book(tmp_path / "s.xlsx", error_cell=True)
    assert read_raw(path) == read_raw(path, engine="openpyxl")
    assert read_raw(path)[6][3] == "#N/A"


def test_a_broken_workbook_is_explained_in_russian(tmp_path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(NetspoError, match="не читается как книга Excel"):
        read_raw(path)

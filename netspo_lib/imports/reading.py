"""Reading .xlsx and .csv files of a kind (R-4.2.b).

Files come from other programs and from people: UTF-8 with or without BOM or
Windows-1251, commas or semicolons, a title block above the header. Columns are matched
by name (case, spaces, ё/е and synonyms ignored), never by position; unknown columns are
reported, not silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from netspo_lib.errors import NetspoError
from netspo_lib.imports.spec import Kind, norm_title

HEADER_SEARCH_ROWS = 30


@dataclass
class Sheet:
    """The rows of a file as read: ``rows`` are (row number in the file, {key: raw value})."""

    header_row: int
    columns: dict[str, str]  # key -> the header as written in the file
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # titles of required columns not found
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    raw_header: list[object] = field(default_factory=list)
    raw_rows: list[tuple[int, list[object]]] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _csv_rows(data: bytes) -> list[list[object]]:
    text = _decode(data)
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    if sample.count("\t") > max(sample.count(";"), sample.count(",")):
        delimiter = "\t"
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _openpyxl_rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken file
        raise NetspoError(f"Файл «{path.name}» не читается как книга Excel: {exc}.") from None
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


_ERROR_CELL = re.compile(rb"""<(?:\w+:)?c\b[^>]*\st=["']e["']""")
_EXACT_INT = 1e15  # Excel keeps 15 significant digits: a whole number below is written without a dot


def _has_error_cells(path: Path) -> bool:
    """A cell holding an Excel error (#Н/Д, #ДЕЛ/0!): openpyxl reads its text, calamine an
    empty cell, so such a file is read by openpyxl to report the same problems."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = archive.read(name)
                if (b't="e"' in data or b"t='e'" in data) and _ERROR_CELL.search(data):
                    return True
    return False


def _calamine_cell(value: object) -> object:
    """A cell as openpyxl reads it: empty as None, dates as datetime, whole numbers as int."""
    if value == "":
        return None
    if type(value) is float:
        return int(value) if value.is_integer() and -_EXACT_INT < value < _EXACT_INT else value
    if type(value) is date:
        return datetime.combine(value, time())
    return value


def _calamine_rows(path: Path) -> list[list[object]] | None:
    """The first worksheet read by calamine (Rust), ten times faster than openpyxl; ``None``
    when calamine is missing or cannot read the file (openpyxl then reads it, or explains)."""
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum
    except ImportError:
        return None
    try:
        if _has_error_cells(path):
            return None
        book = CalamineWorkbook.from_path(str(path))
        try:
            index = next(i for i, s in enumerate(book.sheets_metadata) if s.typ == SheetTypeEnum.WorkSheet)
            # From A1, as openpyxl: row numbers in messages are the file's own.
            data = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
        finally:
            book.close()
    except Exception:  # a file calamine does not understand: openpyxl decides
        return None
    cell = _calamine_cell
    return [[cell(v) for v in row] for row in data]


def _xlsx_rows(path: Path, engine: str = "auto") -> list[list[object]]:
    if engine != "openpyxl":
        rows = _calamine_rows(path)
        if rows is not None:
            return rows
        if engine == "calamine":
            raise NetspoError(f"Файл «{path.name}» не читается как книга Excel.")
    return _openpyxl_rows(path)


def read_raw(path: str | Path, *, engine: str = "auto") -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file, from the first row and column.

    An .xlsx is read by calamine when it is installed and understands the file, else by
    openpyxl (read-only): both give the same cells (empty as ``None``, dates as datetime,
    numbers as int or float, text as written). ``engine`` forces one: ``"openpyxl"`` or
    ``"calamine"`` (a benchmark's reference, a test comparing the two).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise NetspoError(f"Файл не найден: {path}.")
    if suffix == ".csv":
        return _csv_rows(path.read_bytes())
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, engine)
    raise NetspoError(f"Формат «{suffix or path.name}» не поддерживается: загрузите .xlsx или .csv.")


def _titles(kind: Kind) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in kind.columns:
        for title in (column.title, *column.synonyms):
            known[norm_title(title)] = column.key
    return known


def read_sheet(path: str | Path, kind: Kind) -> Sheet:
    """Find the header (the first row naming at least two of the kind's columns) and read
    the rows below it by column name."""
    raw = read_raw(path)
    known = _titles(kind)
    header_at = None
    for i, row in enumerate(raw[:HEADER_SEARCH_ROWS]):
        hits = {known[norm_title(c)] for c in row if norm_title(c) in known}
        if len(hits) >= min(2, len(kind.columns)):
            header_at = i
            break
    if header_at is None:
        raise NetspoError(
            "Не найдена строка заголовков: ожидаются столбцы "
            + ", ".join(f"«{c.title}»" for c in kind.columns)
            + "."
        )
    header = raw[header_at]
    sheet = Sheet(header_row=header_at + 1, columns={}, raw_header=list(header))
    index: dict[int, str] = {}
    for j, title in enumerate(header):
        key = known.get(norm_title(title))
        if key is None:
            if str(title or "").strip():
                sheet.unknown.append(str(title).strip())
            continue
        if key in sheet.columns:
            raise NetspoError(f"Столбец «{kind.column(key).title}» встречается в заголовке дважды.")
        sheet.columns[key] = str(title).strip()
        index[j] = key
    sheet.missing = [c.title for c in kind.columns if c.required and c.key not in sheet.columns]
    for i, row in enumerate(raw[header_at + 1 :], start=header_at + 2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        values = {key: (row[j] if j < len(row) else None) for j, key in index.items()}
        sheet.rows.append((i, values))
        sheet.raw_rows.append((i, list(row)))
    return sheet

"""Reading .xlsx and .csv files of a kind (R-4.2.b).

Files come from other programs and from people: UTF-8 with or without BOM or
Windows-1251, commas or semicolons, a title block above the header. Columns are matched
by name (case, spaces, ё/е and synonyms ignored), never by position; unknown columns are
reported, not silently dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
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


def _xlsx_rows(path: Path) -> list[list[object]]:
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


def read_raw(path: str | Path) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise NetspoError(f"Файл не найден: {path}.")
    if suffix == ".csv":
        return _csv_rows(path.read_bytes())
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
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

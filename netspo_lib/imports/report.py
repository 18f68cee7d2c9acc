"""Files written for people: templates, exports and error reports (R-4.2.b)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from netspo_lib.errors import NetspoError
from netspo_lib.imports.spec import Kind
from netspo_lib.tables import safe_cell

_BAD = PatternFill("solid", fgColor="FFC7CE")
_HEAD = Font(bold=True)


def _instructions(kind: Kind) -> list[str]:
    required = ", ".join(c.title for c in kind.columns if c.required)
    return [
        f"{kind.title.capitalize()}: шаблон загрузки netspo",
        f"Обязательные столбцы: {required}. Даты — дд.мм.гггг. Порядок столбцов не важен.",
    ]


def _cell(value: Any) -> Any:
    if hasattr(value, "label") and hasattr(value, "value"):
        return value.label
    return safe_cell(value)


def write_rows(kind: Kind, rows: list[dict[str, Any]], path: Path) -> Path:
    """Instructions, the header (examples in its comments) and ``rows`` (.xlsx or .csv)."""
    titles = [c.title for c in kind.columns]
    body = [[_cell(r.get(c.key)) for c in kind.columns] for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(titles)
            writer.writerows(body)
        return path
    if path.suffix.lower() != ".xlsx":
        raise NetspoError(f"Формат «{path.suffix}» не поддерживается: укажите .xlsx или .csv.")
    book = Workbook()
    sheet = book.active
    sheet.title = kind.title[:31]
    for line in _instructions(kind):
        sheet.append([line])
    sheet.append([])
    sheet.append(titles)
    header = sheet.max_row
    for j, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(header, j)
        cell.font = _HEAD
        note = ("Обязательный. " if column.required else "") + (
            f"Пример: {column.example}" if column.example else ""
        )
        if note:
            cell.comment = Comment(note.strip(), "netspo")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.title) + 4)
    for row in body:
        sheet.append(row)
    book.save(path)
    return path


def write_error_report(path: str | Path, source: str | Path, kind: Kind, problems: list[Any]) -> Path:
    """The file's rows with an «Ошибки» column; the cells with problems filled red."""
    from netspo_lib.imports.reading import read_raw, read_sheet

    path = Path(path)
    sheet_data = read_sheet(source, kind)
    raw = read_raw(source)
    header = [str(h or "") for h in sheet_data.raw_header]
    by_row: dict[int, list[Any]] = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(p)
    book = Workbook()
    ws = book.active
    ws.title = "Ошибки"
    ws.append([*header, "Ошибки"])
    for j in range(1, len(header) + 2):
        ws.cell(1, j).font = _HEAD
    for row_no in range(sheet_data.header_row + 1, len(raw) + 1):
        values = raw[row_no - 1]
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        found = by_row.get(row_no, [])
        ws.append([*(safe_cell(v) for v in values), "; ".join(f"{p.column}: {p.message}" for p in found)])
        for p in found:
            for j, title in enumerate(header, start=1):
                if title.strip() == p.column or _same(kind, title, p.column):
                    ws.cell(ws.max_row, j).fill = _BAD
    book.save(path)
    return path


def _same(kind: Kind, written: str, column_title: str) -> bool:
    from netspo_lib.imports.spec import norm_title

    for c in kind.columns:
        if c.title == column_title:
            return norm_title(written) in {norm_title(t) for t in (c.title, *c.synonyms)}
    return False

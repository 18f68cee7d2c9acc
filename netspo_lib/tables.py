"""Writing a table for people: .xlsx (print-ready) or .csv (UTF-8 with BOM, semicolons, as
Russian Excel opens it), chosen by the file's extension.

Cells that start with =, +, - or @ are written as text, never as formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd
import xlsxwriter
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from netspo_lib.clock import fmt_date, fmt_datetime, today
from netspo_lib.errors import NetspoError

FORMULA_START = ("=", "+", "-", "@")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def safe_cell(value: object) -> object:
    """A value as a spreadsheet cell: dates as dd.mm.yyyy, formula-like text neutralised."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, datetime):
        return fmt_datetime(value)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    title: str,
    subtitle: str = "",
    signatures: list[str] | None = None,
) -> Path:
    """Write ``frame`` to ``path`` (.xlsx or .csv); refuse other extensions in Russian.

    ``signatures`` names who signs a paper copy («Классный руководитель»): each gets a line
    «должность ____________ / ____________ /» under the table (in .xlsx only).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # Semicolons and a decimal comma: how Russian Excel reads a CSV file.
        frame.map(safe_cell).to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
        return path
    if suffix != ".xlsx":
        raise NetspoError(f"Файл «{path.name}»: поддерживаются только форматы .xlsx и .csv.")
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([subtitle or f"Сформировано {fmt_date(today())}"])
    ws.append([])
    header_row = ws.max_row + 1
    ws.append([str(c) for c in frame.columns])
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = _BORDER
    for row in frame.itertuples(index=False):
        ws.append([safe_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column))] + [len(str(safe_cell(v))) for v in frame[column].head(500)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 60)
    if signatures:
        ws.append([])
        for who in signatures:
            ws.append([f"{who}", "____________________", "/ ____________________ /"])
            ws.append([])
        ws.append([f"Дата: {fmt_date(today())}"])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(path)
    return path


# --- Several tables on print-ready sheets, written with XlsxWriter -----------------------
# Reports with more than one table (the curator's report, the letters to parents, the report
# pack) are written by XlsxWriter, about three times faster than openpyxl for styled sheets.

Signature = str | tuple[str, str]  # «Классный руководитель» or (role, «Иванов И.И.»)


@dataclass(frozen=True)
class Block:
    """One table of a sheet with an optional caption above it."""

    frame: pd.DataFrame
    caption: str = ""


@dataclass(frozen=True)
class SheetSpec:
    """A print-ready sheet: title, subtitle, paragraphs, tables, paragraphs, signature lines.

    ``name`` is the sheet's tab (cut to 31 characters); the header of a sheet's only table
    is frozen and repeated on every printed page.
    """

    name: str
    title: str
    subtitle: str = ""
    blocks: Sequence[Block] = ()
    before: Sequence[str] = ()
    after: Sequence[str] = ()
    signatures: Sequence[Signature] = ()
    dated: bool = True


_SHEET_NAME_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(text: str, taken: set[str] | None = None) -> str:
    """A valid, unique tab name (≤ 31 characters, no []:*?/\\)."""
    base = text.translate(_SHEET_NAME_BAD).strip()[:31] or "Лист"
    name, n = base, 2
    while taken is not None and name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    if taken is not None:
        taken.add(name.lower())
    return name


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.caption = wb.add_format({"bold": True, "font_size": 11})
        self.text = wb.add_format({"text_wrap": False})
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "border_color": "#999999",
             "text_wrap": True, "valign": "vcenter"}
        )  # fmt: skip
        self.cell = wb.add_format(
            {"border": 1, "border_color": "#999999", "text_wrap": True, "valign": "top"}
        )


def _cell_value(value: object) -> object:
    if value is pd.NA or value is pd.NaT:
        return ""
    value = safe_cell(value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()  # type: ignore[union-attr]
    return value


def _write_rows(ws: Any, row: int, frame: pd.DataFrame, fmt: Any, widths: dict[int, int]) -> int:
    """Write the frame's rows from ``row``; returns the row after them. Each table is turned
    into Python values once and each cell goes to the typed XlsxWriter call (the report
    pack writes 200 000 cells: per-cell overhead was most of its time)."""
    write_string, write_number, write_blank, write = (
        ws.write_string,
        ws.write_number,
        ws.write_blank,
        ws.write,
    )
    longest = [0] * len(frame.columns)
    for values in frame.to_numpy(dtype=object).tolist():
        for col, value in enumerate(values):
            kind = type(value)
            if kind is str:  # most cells: neutralised as safe_cell does
                if value.startswith(FORMULA_START):
                    value = "'" + value
                if value:
                    write_string(row, col, value, fmt)
                else:
                    write_blank(row, col, value, fmt)
            elif kind is int or (kind is float and value == value):
                write_number(row, col, value, fmt)
            else:  # NaN, None, NA, dates, numpy scalars: the general conversion
                value = _cell_value(value)
                write(row, col, value, fmt)
            size = len(str(value))
            if size > longest[col]:
                longest[col] = size
        row += 1
    if len(frame):
        for col, size in enumerate(longest):
            widths[col] = max(widths.get(col, 10), min(size + 2, 60))
    return row


def add_sheet(wb: xlsxwriter.Workbook, spec: SheetSpec, taken: set[str] | None = None) -> None:
    """Write ``spec`` as a new sheet of the open XlsxWriter workbook."""
    styles: _Styles = getattr(wb, "_netspo_styles", None) or _Styles(wb)
    wb._netspo_styles = styles  # type: ignore[attr-defined]
    ws = wb.add_worksheet(sheet_name(spec.name, taken))
    widths: dict[int, int] = {}
    row = 0
    ws.write_string(row, 0, spec.title, styles.title)
    row += 1
    ws.write_string(row, 0, spec.subtitle or f"Сформировано {fmt_date(today())}")
    row += 2
    for line in spec.before:
        ws.write_string(row, 0, line, styles.text)
        row += 1
    if spec.before:
        row += 1
    first_header: int | None = None
    for block in spec.blocks:
        if block.caption:
            ws.write_string(row, 0, block.caption, styles.caption)
            row += 1
        if first_header is None:
            first_header = row
        for col, name in enumerate(block.frame.columns):
            ws.write(row, col, str(name), styles.header)
            widths[col] = max(widths.get(col, 10), min(len(str(name)) + 2, 30))
        row = _write_rows(ws, row + 1, block.frame, styles.cell, widths) + 1
    for line in spec.after:
        ws.write_string(row, 0, line, styles.text)
        row += 1
    if spec.after:
        row += 1
    for who in spec.signatures:
        role, name = (who, "____________________") if isinstance(who, str) else who
        ws.write_row(row, 0, [role, "____________________", f"/ {name} /"])
        row += 2
    if spec.dated:
        ws.write_string(row, 0, f"Дата: {fmt_date(today())}")
    for col, width in widths.items():
        ws.set_column(col, col, width)
    if first_header is not None and len(spec.blocks) == 1:
        # One table: its header stays on screen and is printed on every page. A sheet of
        # several tables (the curator's report) has no single header to repeat.
        ws.freeze_panes(first_header + 1, 0)
        ws.repeat_rows(first_header)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)


def new_workbook(target: str | Path | IO[bytes]) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that never turns text into a formula or a link."""
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    return xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)


def write_sheets(path: str | Path | IO[bytes], sheets: Sequence[SheetSpec]) -> str | Path | IO[bytes]:
    """Write the sheets to one .xlsx workbook (a path, or a binary stream such as BytesIO)."""
    if isinstance(path, str | Path):
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            raise NetspoError(f"Файл «{path.name}»: отчёт из нескольких таблиц сохраняется только в .xlsx.")
    wb = new_workbook(path)
    taken: set[str] = set()
    if not sheets:
        sheets = [SheetSpec("Отчёт", "Нет данных")]
    for spec in sheets:
        add_sheet(wb, spec, taken)
    wb.close()
    return path

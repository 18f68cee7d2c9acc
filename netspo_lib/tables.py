"""Writing a table for people: .xlsx (print-ready) or .csv (UTF-8 with BOM, semicolons, as
Russian Excel opens it), chosen by the file's extension.

Cells that start with =, +, - or @ are written as text, never as formulas.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
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
        frame.map(safe_cell).to_csv(path, sep=";", index=False, encoding="utf-8-sig")
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

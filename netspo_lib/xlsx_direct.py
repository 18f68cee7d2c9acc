"""The report pack's .xlsx writer: the workbooks of :func:`tables.write_sheets`, written
directly.

The report pack writes 200 workbooks of two sheets: XlsxWriter spends ≈2 ms a workbook on
its fixed parts and ≈10 µs a cell. :func:`workbook_bytes` writes the parts XlsxWriter would
write, byte for byte (tested against :func:`tables.write_sheets` on every pack sheet and odd
cells; only docProps/core.xml's time differs): the cells' XML directly from one conversion
per table, the parts that depend only on the styles used and the number of sheets taken
from a small XlsxWriter workbook once per process. What it does not know (an over-long text,
an infinite number, an object of another type, a sheet name XlsxWriter refuses) sends the
whole workbook to :func:`tables.write_sheets`."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from xlsxwriter.utility import _preserve_whitespace, quote_sheetname, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.xmlwriter import XMLwriter

from netspo_lib.clock import fmt_date, today
from netspo_lib.tables import (
    FORMULA_START,
    SheetSpec,
    _cell_value,
    _Styles,
    new_workbook,
    sheet_name,
    write_sheets,
)


class _Unsupported(Exception):
    """A value or name the direct writer leaves to XlsxWriter."""


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHEET_HEAD = (
    f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
)
_SHEET_TAIL = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/></worksheet>'
)
_COLUMN_LETTERS: list[list[str]] = [[]]  # A, B, … (replaced whole when longer ones are needed)


def _letters(count: int) -> list[str]:
    """The names of the first ``count`` columns (at least)."""
    letters = _COLUMN_LETTERS[0]
    if len(letters) < count:
        letters = _COLUMN_LETTERS[0] = [xl_col_to_name(i) for i in range(max(count, 64))]
    return letters


def _escape_data(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _escape_attribute(text: str) -> str:
    if any(c in text for c in '&"<>\n'):
        text = (
            text.replace("&", "&amp;")
            .replace('"', "&quot;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\n", "&#xA;")
        )
    return text


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f_\ufffe\uffff]")  # what XlsxWriter's escapes may touch


def _data(text: str) -> str:
    """Element text as XlsxWriter's _xml_data_element writes it."""
    text = _escape_data(text)
    return XMLwriter._escape_control_characters(text) if _CONTROL.search(text) else text


_PLAIN = re.compile("[\x00-\x08\x0b-\x1f_&<>\ufffe\uffff]")  # none of these: written as it is


def _shared_string(text: str) -> str:
    """The <si> element of a shared string, as XlsxWriter's SharedStrings writes it."""
    if not _PLAIN.search(text) and not text[:1].isspace() and not text[-1:].isspace():
        return f"<si><t>{text}</t></si>"
    if _CONTROL.search(text):
        text = XMLwriter._escape_control_characters(text)
    if text.startswith("<r>") and text.endswith("</r>"):
        return f"<si>{text}</si>"
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f"<si><t{preserve}>{_escape_data(text)}</t></si>"


_Entry = tuple[bytes, bytes, int, int]  # name, raw deflate data, CRC-32, size
_DOS_DATE = (1 << 5) | 1  # 1 January 1980, 00:00: the time XlsxWriter gives its parts


def _deflate(name: str, data: bytes, level: int) -> _Entry:
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return name.encode("ascii"), packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def _zip(entries: list[_Entry]) -> bytes:
    """A zip archive of deflated entries (what zipfile writes for them, in one pass)."""
    out: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, data, crc, size in entries:
        head = struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, 0, _DOS_DATE, crc, len(data), size, len(name), 0
        )
        directory.append(
            struct.pack(
                "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 8, 0, _DOS_DATE, crc, len(data), size,
                len(name), 0, 0, 0, 0, 0o600 << 16, offset,
            )
            + name
        )  # fmt: skip
        out += (head, name, data)
        offset += len(head) + len(name) + len(data)
    central = b"".join(directory)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), offset, 0)
    return b"".join([*out, central, end])


@dataclass(frozen=True)
class _Shell:
    """What a workbook of ``sheets`` sheets using these styles (in this order) shares with
    every other: the parts that do not depend on the cells, and each style's ``s`` attribute."""

    parts: dict[str, bytes]
    style_attr: dict[str, str]
    packed: dict[tuple[str, int], _Entry] = field(default_factory=dict)

    def deflated(self, name: str, level: int) -> _Entry:
        """The part as a zip entry, deflated once per level."""
        found = self.packed.get((name, level))
        if found is None:
            found = self.packed[(name, level)] = _deflate(name, self.parts[name], level)
        return found


_SHELLS: dict[tuple[int, tuple[str, ...]], _Shell] = {}
_SHELL_PARTS = (
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/theme/theme1.xml",
)


def _shell(sheets: int, styles: tuple[str, ...]) -> _Shell:
    """The fixed parts, from an XlsxWriter workbook with as many sheets that uses the styles
    in the same order (their formats' indexes are given in the order of first use)."""
    key = (sheets, styles)
    found = _SHELLS.get(key)
    if found is not None:
        return found
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    formats = _Styles(wb)
    first = wb.add_worksheet()
    for col, style in enumerate(styles):
        first.write_blank(0, col, None, getattr(formats, style))
    first.write_string(1, 0, "x")
    for _ in range(sheets - 1):
        wb.add_worksheet()
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as book:
        parts = {name: book.read(name) for name in _SHELL_PARTS}
        row = book.read("xl/worksheets/sheet1.xml").decode()
    attrs = {}
    for col, style in enumerate(styles):
        match = re.search(rf'<c r="{xl_col_to_name(col)}1"( s="\d+")?/>', row)
        if match is None:
            raise RuntimeError("XlsxWriter wrote a blank cell unexpectedly")
        attrs[style] = match.group(1) or ""
    found = _SHELLS[key] = _Shell(parts, attrs)
    return found


class _DirectBook:
    """The parts of one workbook: shared strings and styles in the order XlsxWriter gives
    them (both are numbered in the order cells are written, row by row, sheet by sheet)."""

    def __init__(self, sheets: Sequence[SheetSpec]) -> None:
        self.strings: dict[str, int] = {}
        self.string_cells = 0
        self.shell = _shell(len(sheets), _style_order(sheets))
        self.attrs = self.shell.style_attr
        self.texts: dict[str, tuple[str, int, int]] = {}  # body cells' XML by value
        self.floats: dict[float | str, tuple[str, int, int]] = {}
        self.ints: dict[int, tuple[str, int, int]] = {}
        self.longest: list[int] = []

    def style(self, name: str) -> str:
        return self.attrs[name]

    def sheet(self, spec: SheetSpec, name: str, index: int) -> tuple[str, str | None]:
        """The sheet's XML and its print-titles range."""
        strings, string_cells = self.strings, 0
        rows: list[tuple[int, int, int, str]] = []  # row, first col, last col, cells' XML

        def text_cell(row: int, col: int, value: str, style: str | None) -> None:
            nonlocal string_cells
            s = self.style(style) if style else ""
            ref = f"{_letters(col + 1)[col]}{row + 1}"
            if len(value) > 16383:
                raise _Unsupported
            at = strings.get(value)
            if at is None:
                at = strings[value] = len(strings)
            string_cells += 1
            put(row, col, f'<c r="{ref}"{s} t="s"><v>{at}</v></c>')

        def put(row: int, col: int, xml: str) -> None:
            if rows and rows[-1][0] == row:
                r, first, last, cells = rows[-1]
                rows[-1] = (r, min(first, col), max(last, col), cells + xml)
            else:
                rows.append((row, col, col, xml))

        widths: dict[int, int] = {}
        row = 0
        text_cell(row, 0, spec.title, "title")
        row += 1
        text_cell(row, 0, spec.subtitle or f"Сформировано {fmt_date(today())}", None)
        row += 2
        for line in spec.before:
            text_cell(row, 0, line, "text")
            row += 1
        if spec.before:
            row += 1
        first_header: int | None = None
        for block in spec.blocks:
            if block.caption:
                text_cell(row, 0, block.caption, "caption")
                row += 1
            if first_header is None:
                first_header = row
            letters = _letters(len(block.frame.columns))
            for col, title in enumerate(block.frame.columns):
                title = str(title)
                if title:
                    text_cell(row, col, title, "header")
                else:  # write(): an empty text is a blank cell
                    put(row, col, f'<c r="{letters[col]}{row + 1}"{self.style("header")}/>')
                widths[col] = max(widths.get(col, 10), min(len(title) + 2, 30))
            row += 1
            if len(block.frame):
                cells, count, row = self._table(block.frame, row)
                rows.extend(cells)
                string_cells += count
                for col, size in enumerate(self.longest):
                    widths[col] = max(widths.get(col, 10), min(size + 2, 60))
            row += 1
        for line in spec.after:
            text_cell(row, 0, line, "text")
            row += 1
        if spec.after:
            row += 1
        for who in spec.signatures:
            role, person = (who, "____________________") if isinstance(who, str) else who
            for col, value in enumerate([role, "____________________", f"/ {person} /"]):
                if not isinstance(value, str):
                    raise _Unsupported
                if value:  # write_row: an empty text without a format writes nothing
                    text_cell(row, col, value, None)
            row += 2
        if spec.dated:
            text_cell(row, 0, f"Дата: {fmt_date(today())}", None)
        self.string_cells += string_cells
        return self._sheet_xml(rows, widths, first_header, spec, index), (
            f"{quote_sheetname(name)}!${first_header + 1}:${first_header + 1}"
            if first_header is not None and len(spec.blocks) == 1
            else None
        )

    def _table(self, frame: pd.DataFrame, row: int) -> tuple[list[tuple[int, int, int, str]], int, int]:
        """The rows of a table's body as :func:`_write_rows` writes them; ``self.longest``
        the longest text of each column. A cell's XML after its reference is kept per value
        (most values repeat: «5», «зачёт», 0…)."""
        if not len(frame.columns):  # rows without cells: nothing written
            self.longest = []
            return [], 0, row + len(frame)
        s = self.style("cell")
        texts, floats, ints = self.texts, self.floats, self.ints
        blank = (f'"{s}/>', 0, 0)
        letters = _letters(len(frame.columns))
        last = len(frame.columns) - 1
        longest = [0] * len(frame.columns)
        out = []
        count = 0
        for values in frame.to_numpy(dtype=object).tolist():
            number = str(row + 1)
            xml = []
            for col, value in enumerate(values):
                kind = type(value)
                if kind is str:
                    found = texts.get(value)
                    if found is None:
                        found = texts[value] = self._tail(value, s)
                elif kind is float:
                    if value != value:  # NaN: blank
                        found = blank
                    else:
                        key = value if value != 0 else str(value)  # 0.0 and -0.0 are written apart
                        found = floats.get(key)
                        if found is None:
                            found = floats[key] = self._tail(value, s)
                elif kind is int:
                    found = ints.get(value)
                    if found is None:
                        found = ints[value] = self._tail(value, s)
                elif value is None or value is pd.NA:
                    found = blank
                else:
                    found = self._tail(value, s)
                tail, size, shared = found
                count += shared
                xml.append(f'<c r="{letters[col]}{number}{tail}')
                if size > longest[col]:
                    longest[col] = size
            out.append((row, 0, last, "".join(xml)))
            row += 1
        self.longest = longest
        return out, count, row

    def _tail(self, value: object, s: str) -> tuple[str, int, int]:
        """A body cell's XML after ``<c r="A1``, the length of its text (for the column's
        width) and 1 for a shared string, as :func:`_write_rows` writes ``value``."""
        kind = type(value)
        if kind is str:  # most cells: neutralised as safe_cell does
            if value.startswith(FORMULA_START):  # type: ignore[union-attr]
                value = "'" + value  # type: ignore[operator]
        elif not (kind is int or (kind is float and value == value)):
            value = _cell_value(value)  # NaN, None, NA, dates, numpy scalars
            kind = type(value)
        if kind is str:
            if not value:
                return f'"{s}/>', 0, 0
            if len(value) > 16383:  # type: ignore[arg-type]
                raise _Unsupported
            at = self.strings.get(value)  # type: ignore[call-overload]
            if at is None:
                at = self.strings[value] = len(self.strings)  # type: ignore[index]
            return f'"{s} t="s"><v>{at}</v></c>', len(value), 1  # type: ignore[arg-type]
        if kind is int or kind is float:
            if value - value != 0 or not -_BIG < value < _BIG:  # type: ignore[operator]
                raise _Unsupported  # infinities, 10³⁰⁰: as XlsxWriter refuses or converts them
            return f'"{s}><v>{value:.16G}</v></c>', len(str(value)), 0
        if kind is bool:
            return f'"{s} t="b"><v>{int(value)}</v></c>', len(str(value)), 0  # type: ignore[call-overload]
        raise _Unsupported

    def _sheet_xml(
        self,
        rows: list[tuple[int, int, int, str]],
        widths: dict[int, int],
        first_header: int | None,
        spec: SheetSpec,
        index: int,
    ) -> str:
        rows.sort(key=lambda r: r[0])  # stable: a table's rows come in order already
        top, bottom = rows[0][0], rows[-1][0]
        left = min(r[1] for r in rows)
        right = max(r[2] for r in rows)
        if top == bottom and left == right:
            ref = xl_rowcol_to_cell(top, left)
        else:
            ref = f"{xl_rowcol_to_cell(top, left)}:{xl_rowcol_to_cell(bottom, right)}"
        spans: dict[int, str] = {}
        for r, first, last, _ in rows:
            block = r // 16
            lo, hi = spans.get(block, (first, last))  # type: ignore[misc]
            spans[block] = (min(lo, first), max(hi, last))  # type: ignore[assignment]
        spans = {b: f"{lo + 1}:{hi + 1}" for b, (lo, hi) in spans.items()}  # type: ignore[misc]
        out = [_SHEET_HEAD, f'<dimension ref="{ref}"/><sheetViews>']
        selected = ' tabSelected="1"' if index == 0 else ""
        if first_header is not None and len(spec.blocks) == 1:
            split = first_header + 1
            out.append(
                f'<sheetView{selected} workbookViewId="0"><pane ySplit="{split}" '
                f'topLeftCell="{xl_rowcol_to_cell(split, 0)}" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView>'
            )
        else:
            out.append(f'<sheetView{selected} workbookViewId="0"/>')
        out.append('</sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            out.append("<cols>")
            columns = sorted(widths)
            start = end = columns[0]
            for col in [*columns[1:], None]:
                if col is not None and col == end + 1 and widths[col] == widths[end]:
                    end = col
                    continue
                out.append(_col_xml(start, end, widths[start]))
                if col is not None:
                    start = end = col
            out.append("</cols>")
        out.append("<sheetData>")
        for r, _, _, cells in rows:
            out.append(f'<row r="{r + 1}" spans="{spans[r // 16]}">{cells}</row>')
        out.append("</sheetData>")
        out.append(_SHEET_TAIL)
        return "".join(out)


_BIG = 10**300


def _style_order(sheets: Sequence[SheetSpec]) -> tuple[str, ...]:
    """The styles the sheets' cells use, in the order of first use (as :class:`_DirectBook`
    writes them: title, lines before, each table's caption, header and cells, lines after)."""
    order: dict[str, None] = {}
    for spec in sheets:
        order["title"] = None
        if spec.before:
            order["text"] = None
        for block in spec.blocks:
            if block.caption:
                order["caption"] = None
            if len(block.frame.columns):
                order["header"] = None
                if len(block.frame):
                    order["cell"] = None
        if spec.after:
            order["text"] = None
    return tuple(order)


def _col_xml(first: int, last: int, width: float) -> str:
    """<col> as XlsxWriter's set_column(first, last, width) writes it."""
    pixels = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    chars = (pixels * 256 // 7) / 256.0
    custom = ' customWidth="1"' if pixels != 64 else ""
    return f'<col min="{first + 1}" max="{last + 1}" width="{chars:.16g}"{custom}/>'


def workbook_bytes(sheets: Sequence[SheetSpec], *, compresslevel: int = 1) -> bytes:
    """The .xlsx :func:`write_sheets` writes for these sheets, as bytes, written directly
    (the same parts; the archive's deflate level is ``compresslevel``)."""
    if not sheets:
        sheets = [SheetSpec("Отчёт", "Нет данных")]
    taken: set[str] = set()
    names = [sheet_name(spec.name, taken) for spec in sheets]
    try:
        if any(n.startswith("'") or n.endswith("'") for n in names):
            raise _Unsupported  # XlsxWriter refuses such a name
        book = _DirectBook(sheets)
        made = [book.sheet(spec, name, i) for i, (spec, name) in enumerate(zip(sheets, names, strict=True))]
    except _Unsupported:
        buffer = io.BytesIO()
        write_sheets(buffer, sheets)
        return buffer.getvalue()
    shell = book.shell
    titles = sorted(
        ((i, titles) for i, (_, titles) in enumerate(made) if titles),
        key=lambda it: "print_titles::" + it[1].lstrip("'").lower(),
    )
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": shell.parts["[Content_Types].xml"],
        "_rels/.rels": shell.parts["_rels/.rels"],
        "xl/_rels/workbook.xml.rels": shell.parts["xl/_rels/workbook.xml.rels"],
    }
    for i, (xml, _) in enumerate(made, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    sheets_xml = "".join(
        f'<sheet name="{_escape_attribute(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1)
    )
    defined = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{_data(rng)}</definedName>'
        for i, rng in titles
    )
    parts["xl/workbook.xml"] = (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>'
        '<workbookPr defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" '
        'yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
        f"<sheets>{sheets_xml}</sheets>"
        + (f"<definedNames>{defined}</definedNames>" if defined else "")
        + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )
    strings = "".join(_shared_string(s) for s in book.strings)
    parts["xl/sharedStrings.xml"] = (
        f'{_XML_HEAD}<sst xmlns="{_MAIN_NS}" count="{book.string_cells}" '
        f'uniqueCount="{len(book.strings)}">{strings}</sst>'
    )
    parts["xl/styles.xml"] = shell.parts["xl/styles.xml"]
    parts["xl/theme/theme1.xml"] = shell.parts["xl/theme/theme1.xml"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts["docProps/core.xml"] = (
        f"{_XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator></dc:creator>'
        "<cp:lastModifiedBy></cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'
    )
    ranges = [f"{rng.split('!', 1)[0]}!Print_Titles" for _, rng in titles]
    pairs = (
        "<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>"
        f"<vt:variant><vt:i4>{len(names)}</vt:i4></vt:variant>"
    )
    if ranges:
        pairs += (
            "<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant>"
            f"<vt:variant><vt:i4>{len(ranges)}</vt:i4></vt:variant>"
        )
    lpstr = "".join(f"<vt:lpstr>{_data(t)}</vt:lpstr>" for t in [*names, *ranges])
    parts["docProps/app.xml"] = (
        f"{_XML_HEAD}<Properties "
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        f'<HeadingPairs><vt:vector size="{2 + 2 * bool(ranges)}" baseType="variant">{pairs}</vt:vector>'
        f'</HeadingPairs><TitlesOfParts><vt:vector size="{len(names) + len(ranges)}" baseType="lpstr">'
        f"{lpstr}</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "<AppVersion>12.0000</AppVersion></Properties>"
    )
    return _zip(
        [
            shell.deflated(name, compresslevel)
            if isinstance(data, bytes)
            else _deflate(name, data.encode("utf-8"), compresslevel)
            for name, data in parts.items()
        ]
    )

"""Which kind of data a file holds, guessed from its header row (R-4.2.b).

The import form offers «Определить автоматически»: every kind of
:data:`~netspo_lib.imports.kinds.KINDS` (read at call time, so kinds added later count)
is matched against the first rows of the file, and the kind whose columns match the
header best wins. Matching is by name, as the engine reads files: case, spaces, ё/е and
the columns' synonyms are ignored.

The score of a kind on a header row prefers, in this order: all required columns present,
more columns matched, fewer columns of the file left unknown, fewer required columns
missing, and of two kinds that fit equally the one with fewer columns left unused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from netspo_lib.errors import NetspoError
from netspo_lib.imports.reading import HEADER_SEARCH_ROWS, read_raw, read_sheet
from netspo_lib.imports.spec import Kind, norm_title

MAPPING_COLUMNS = ["Столбец файла", "Поле", "Обязательное", "Примечание"]
UNKNOWN_NOTE = "неизвестный столбец: не будет загружен"
MISSING_NOTE = "обязательного столбца нет в файле"
NOT_IN_FILE = "— нет в файле —"


@dataclass(frozen=True)
class Detection:
    """How well one kind fits the file: the header row (1-based), the file's columns
    matched (file title → the kind's title), unknown ones and missing required ones."""

    kind: str
    title: str
    header_row: int
    matched: dict[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    kind_columns: int = 0  # how many columns the kind has

    @property
    def score(self) -> tuple[int, int, int, int, int]:
        """Required columns all present, more matched, fewer unknown, fewer required
        missing, fewer of the kind's columns unused (the closest kind of two)."""
        return (
            int(not self.missing),
            len(self.matched),
            -len(self.unknown),
            -len(self.missing),
            -(self.kind_columns - len(self.matched)),
        )


def _known_titles(kind: Kind) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in kind.columns:
        for title in (column.title, *column.synonyms):
            known.setdefault(norm_title(title), column.key)
    return known


def _fit(kind: Kind, row: list[object], row_no: int) -> Detection:
    known = _known_titles(kind)
    matched: dict[str, str] = {}
    seen: set[str] = set()
    unknown: list[str] = []
    for cell in row:
        text = str(cell if cell is not None else "").strip()
        if not text:
            continue
        key = known.get(norm_title(text))
        if key is None or key in seen:
            unknown.append(text)
            continue
        seen.add(key)
        matched[text] = kind.column(key).title
    missing = tuple(c.title for c in kind.columns if c.required and c.key not in seen)
    return Detection(kind.name, kind.title, row_no, matched, tuple(unknown), missing, len(kind.columns))


def _best_for(kind: Kind, raw: list[list[object]]) -> Detection | None:
    best: Detection | None = None
    for i, row in enumerate(raw[:HEADER_SEARCH_ROWS]):
        fit = _fit(kind, row, i + 1)
        if len(fit.matched) < min(2, len(kind.columns)):
            continue
        if best is None or fit.score > best.score:
            best = fit
    return best


def _kinds() -> list[Kind]:
    from netspo_lib.imports import kinds

    return list(kinds.KINDS.values())


def rank_kinds(path: str | Path, kinds: list[Kind] | None = None) -> list[Detection]:
    """Every kind that names at least two columns of the file, best fit first."""
    raw = read_raw(path)
    found = [d for d in (_best_for(k, raw) for k in (kinds if kinds is not None else _kinds())) if d]
    return sorted(found, key=lambda d: d.score, reverse=True)


def detect_kind(path: str | Path, kinds: list[Kind] | None = None) -> Detection:
    """The kind whose columns match the file's header best; a Russian error if none fits."""
    ranked = rank_kinds(path, kinds)
    if not ranked:
        names = ", ".join(f"«{k.title}»" for k in (kinds if kinds is not None else _kinds()))
        raise NetspoError(
            f"Не удалось определить вид данных файла «{Path(path).name}»: в первых "
            f"{HEADER_SEARCH_ROWS} строках нет заголовков ни одного из видов ({names}). "
            "Выберите вид вручную или возьмите шаблон загрузки."
        )
    return ranked[0]


def column_mapping(path: str | Path, kind: Kind) -> pd.DataFrame:
    """How the engine will read the file as ``kind``: each column of the file and the
    field it fills, unknown columns, then the required fields the file lacks."""
    sheet = read_sheet(path, kind)
    by_title = {title: key for key, title in sheet.columns.items()}
    rows: list[list[str]] = []
    for cell in sheet.raw_header:
        text = str(cell if cell is not None else "").strip()
        if not text:
            continue
        key = by_title.get(text)
        if key is None:
            rows.append([text, "", "", UNKNOWN_NOTE])
            continue
        column = kind.column(key)
        rows.append([text, column.title, "да" if column.required else "нет", ""])
    rows.extend([NOT_IN_FILE, title, "да", MISSING_NOTE] for title in sheet.missing)
    return pd.DataFrame(rows, columns=MAPPING_COLUMNS)

"""How a kind of import is declared: its columns as data, its key and its right (R-4.2.b).

The engine never knows a kind by name: it reads the columns, converts the cells with
:func:`convert`, and calls the kind's hooks to plan, write and export rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from netspo_lib.access import Action
from netspo_lib.clock import parse_date
from netspo_lib.enums import LabeledEnum, Sex
from netspo_lib.errors import NetspoError
from netspo_lib.snils import normalize_snils, snils_problem

MAX_TEXT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f]")  # control characters but the tab
# A file repeats its dates (the order's, the birthdays): each text is parsed once per process.
_parse_date = lru_cache(maxsize=4096)(parse_date)
_EXCEL_EPOCH = date(1899, 12, 30)
_SEX = {
    "м": Sex.MALE,
    "муж": Sex.MALE,
    "мужской": Sex.MALE,
    "ж": Sex.FEMALE,
    "жен": Sex.FEMALE,
    "женский": Sex.FEMALE,
}


@dataclass(frozen=True)
class Column:
    """One column of a kind: the Russian title, its synonyms and the cell's type."""

    key: str
    title: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    type: str = "text"  # text, date, snils, sex, enum, int, email
    enum: type[LabeledEnum] | None = None
    max_len: int = MAX_TEXT
    example: str = ""


@dataclass(frozen=True)
class Kind:
    """A kind of data array: columns, the natural key, the right and the hooks."""

    name: str
    title: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    key: str
    action: Action
    # plan(session, actor, rows) -> list of (action, changes, problems) per row
    plan: Callable[..., Any] = field(repr=False, default=None)  # type: ignore[assignment]
    # write(session, actor, planned rows) -> None
    write: Callable[..., Any] = field(repr=False, default=None)  # type: ignore[assignment]
    # rows(session, actor) -> list of dicts keyed by column key, for the export
    rows: Callable[..., Any] = field(repr=False, default=None)  # type: ignore[assignment]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def norm_title(text: object) -> str:
    """A header as compared: lower case, ё→е, no spaces, dots, stars or underscores."""
    s = str(text or "").strip().lower().replace("ё", "е")
    return "".join(ch for ch in s if ch.isalnum())


def norm_text(text: str) -> str:
    """A name as compared (group names, room numbers): case, ё and spaces ignored."""
    return " ".join(text.lower().replace("ё", "е").split())


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        return raw.strftime("%d.%m.%Y")
    return str(raw).strip()


def _date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 80000:
            return _EXCEL_EPOCH + timedelta(days=int(raw))
        raise NetspoError(f"Неверная дата «{raw}»: ожидается дд.мм.гггг.")
    text = _text(raw)
    if text.isdigit() and len(text) <= 5:
        return _date(int(text))
    return _parse_date(text[:10] if len(text) > 10 and text[10:].strip() in ("", "00:00:00") else text)


def convert(column: Column, raw: object) -> Any:
    """A cell's value in the column's type, ``None`` if empty; a Russian NetspoError if bad."""
    text = _text(raw)
    if _CONTROL.search(text):
        raise NetspoError("Ячейка содержит управляющие символы.")
    if not text:
        if column.required:
            raise NetspoError("Обязательное значение не заполнено.")
        return None
    if len(text) > column.max_len:
        raise NetspoError(f"Значение длиннее {column.max_len} знаков.")
    quoted = text.startswith("'") and text[1:2] in ("=", "+", "-", "@")
    if quoted:
        text = text[1:]  # our own export's neutralised formula: text, not a formula
    if column.type == "date":
        return _date(raw)
    if column.type == "snils":
        problem = snils_problem(text)
        if problem:
            raise NetspoError(problem)
        return normalize_snils(text)
    if column.type == "sex":
        found = _SEX.get(text.lower().rstrip("."))
        if found is None:
            raise NetspoError(f"Пол «{text}» не распознан: укажите «м», «ж», «мужской» или «женский».")
        return found
    if column.type == "enum":
        assert column.enum is not None
        try:
            return column.enum.from_label(text)
        except ValueError:
            allowed = ", ".join(f"«{m.label}»" for m in column.enum)
            raise NetspoError(f"Значение «{text}» не из списка: {allowed}.") from None
    if column.type == "int":
        try:
            number = int(float(text.replace(",", ".")))
        except ValueError:
            raise NetspoError(f"«{text}» — не целое число.") from None
        if not 0 < number < 10000:
            raise NetspoError(f"Число {number} вне допустимых пределов.")
        return number
    if column.type == "email" and ("@" not in text or " " in text):
        raise NetspoError(f"«{text}» — не адрес электронной почты.")
    if not quoted and text.startswith(("=", "+", "@")) and column.type == "text" and column.key != "phone":
        raise NetspoError("Формулы в ячейках не принимаются.")
    return text

"""Working days on the Russian production calendar, and deadline arithmetic.

The ``holidays`` package knows Russia's public holidays and the government's transfers of
days off, including working Saturdays. Decrees it does not know yet go into
``data/calendar_overrides.csv`` (``дата;вид;примечание``, вид = «выходной» or «рабочий»),
which wins over the package. Deadlines D-1..D-10 count in these working days.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays

from netspo_lib.db import data_dir
from netspo_lib.errors import NetspoError

OVERRIDES_FILE = "calendar_overrides.csv"
_KINDS = {"выходной": False, "рабочий": True}


@cache
def _overrides(path: Path) -> dict[date, tuple[bool, str]]:
    """Date → (is working day, note), from the overrides file if it exists."""
    if not path.exists():
        return {}
    result: dict[date, tuple[bool, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line_no, row in enumerate(csv.reader(f, delimiter=";"), start=1):
            if not row or row[0].strip().startswith("#") or row[0].strip().lower() == "дата":
                continue
            try:
                day, kind = row[0].strip(), row[1].strip().lower()
                d, mth, y = (int(p) for p in day.split("."))
                result[date(y, mth, d)] = (_KINDS[kind], row[2].strip() if len(row) > 2 else "")
            except (ValueError, IndexError, KeyError):
                raise NetspoError(
                    f"{path.name}, строка {line_no}: ожидается «дд.мм.гггг;выходной|рабочий;примечание»,"
                    f" получено «{';'.join(row)}»"
                ) from None
    return result


def overrides() -> dict[date, tuple[bool, str]]:
    return _overrides(data_dir() / OVERRIDES_FILE)


@cache
def _russia(year: int) -> holidays.HolidayBase:
    return holidays.Russia(years=year, language="ru")


def is_working_day(day: date) -> bool:
    """True for a working day of the Russian five-day week, transfers included."""
    if (found := overrides().get(day)) is not None:
        return found[0]
    return bool(_russia(day.year).is_working_day(day))


def day_off_name(day: date) -> str | None:
    """Why a weekday is a day off («Новогодние каникулы»…), or None."""
    if (found := overrides().get(day)) is not None:
        return None if found[0] else (found[1] or "выходной по постановлению")
    return _russia(day.year).get(day)


def add_working_days(day: date, n: int) -> date:
    """The date ``n`` working days after ``day`` (before it for negative ``n``).

    ``add_working_days(order_date, 1)`` is the last day to act on «не позднее 1 рабочего
    дня с даты приказа» (D-1, D-2).
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start).

    This is how many working days late something done on ``end`` is when due on ``start``.
    """
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign > 0 else (end, start)
    count = sum(1 for i in range(1, (hi - lo).days + 1) if is_working_day(lo + timedelta(days=i)))
    return sign * count

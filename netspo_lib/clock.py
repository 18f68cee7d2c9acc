"""The college's wall clock.

Timestamps are stored as naive local time of the college (``NETSPO_TZ``, default
Asia/Barnaul, the Altai region of the regulation): deadlines are counted in local
working days, and SQLite and PostgreSQL then store and return the same values.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Barnaul"


def college_tz() -> ZoneInfo:
    return ZoneInfo(os.environ.get("NETSPO_TZ", DEFAULT_TZ))


def now() -> datetime:
    """Current local time of the college, naive, to the second."""
    return datetime.now(college_tz()).replace(tzinfo=None, microsecond=0)


def today() -> date:
    return now().date()


def fmt_date(d: date | datetime | None) -> str:
    """Dates for users: dd.mm.yyyy (an empty string for no date)."""
    if d is None:
        return ""
    return d.strftime("%d.%m.%Y")


def fmt_datetime(d: datetime | None) -> str:
    if d is None:
        return ""
    return d.strftime("%d.%m.%Y %H:%M")


def parse_date(text: str) -> date:
    """A date typed by a user: dd.mm.yyyy (as Russians write it) or ISO yyyy-mm-dd."""
    from netspo_lib.errors import NetspoError

    cleaned = text.strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise NetspoError(f"Неверная дата «{text}»: ожидается дд.мм.гггг, например 01.09.2025.")

"""The demo's calendar: the 2025/2026 year, its periods and vacations, Russian public
holidays, working days and the times of the pairs.

The demo is frozen at the end of the year (``AS_OF``): nothing is entered after it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

# Working days come from the one production calendar of the library (transfers included).
from netspo_lib.calendar import add_working_days, is_working_day

__all__ = ["add_working_days", "is_working_day"]

YEAR_NAME = "2025/2026"
YEAR_START = date(2025, 9, 1)
YEAR_END = date(2026, 6, 30)
SEM1 = (date(2025, 9, 1), date(2025, 12, 28))
WINTER = (date(2025, 12, 29), date(2026, 1, 11))
SEM2 = (date(2026, 1, 12), date(2026, 6, 30))
SUMMER = (date(2026, 7, 1), date(2026, 8, 31))
# Exam sessions: the last week of each period, when final grades are set (R-4.10.d).
SESSION1 = (date(2025, 12, 22), date(2025, 12, 27))
SESSION2 = (date(2026, 6, 22), date(2026, 6, 30))
NEXT_YEAR = ("2026/2027", date(2026, 9, 1), date(2027, 6, 30))
NEXT_SEM1 = (date(2026, 9, 1), date(2026, 12, 28))
NEXT_SEM2 = (date(2027, 1, 11), date(2027, 6, 30))

AS_OF = YEAR_END
AS_OF_END = datetime(2026, 6, 30, 20, 0)
# The college started to work in the system in the 2022/2023 year.
SYSTEM_START = datetime(2022, 8, 15, 9, 0)
# Login activity is logged for the last two months of the year.
ACTIVITY_START = date(2026, 5, 1)

CURRENT_INTAKE = 2025  # 1st course in 2025/2026

PAIR_TIMES: dict[int, tuple[time, time]] = {
    1: (time(8, 30), time(10, 0)),
    2: (time(10, 10), time(11, 40)),
    3: (time(12, 20), time(13, 50)),
    4: (time(14, 0), time(15, 30)),
    5: (time(15, 40), time(17, 10)),
}
PAIRS = tuple(PAIR_TIMES)
WEEKDAYS = 6  # Monday to Saturday


@lru_cache(maxsize=1)
def public_holidays() -> frozenset[date]:
    """Russian public holidays and transferred days off, 2000–2027."""
    return frozenset(holidays.Russia(years=range(2000, 2028)))


def working_day_on_or_before(d: date) -> date:
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def days(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def teaching_days(start: date, end: date) -> list[date]:
    """Days with classes: Monday–Saturday, not a holiday, not in the winter vacation."""
    hol = public_holidays()
    return [
        d
        for d in days(start, end)
        if d.weekday() < WEEKDAYS and d not in hol and not (WINTER[0] <= d <= WINTER[1])
    ]


def at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute)


def pair_end(d: date, pair: int) -> datetime:
    return datetime.combine(d, PAIR_TIMES[pair][1])


def clamp(moment: datetime) -> datetime:
    """Nothing is entered after the demo's moment."""
    return min(moment, AS_OF_END)

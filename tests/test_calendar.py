"""Working days on the Russian production calendar (deadlines D-1..D-10 count in them)."""

from __future__ import annotations

from datetime import date

import pytest

from netspo_lib import calendar
from netspo_lib.calendar import add_working_days, day_off_name, is_working_day, working_days_between
from netspo_lib.errors import NetspoError


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 11, 1), True),  # Saturday made a working day (transfer to 3 November)
        (date(2025, 11, 3), False),  # Monday off by that transfer
        (date(2025, 11, 4), False),  # День народного единства
        (date(2025, 12, 31), False),  # transferred from 5 January 2025
        (date(2026, 1, 8), False),  # New Year holidays
        (date(2026, 1, 9), False),  # transferred from 3 January 2026
        (date(2026, 1, 12), True),  # first working day of 2026
        (date(2026, 3, 9), False),  # 8 March fell on a Sunday
        (date(2025, 9, 1), True),  # ordinary Monday
        (date(2025, 9, 6), False),  # ordinary Saturday
    ],
)
def test_production_calendar_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_one_working_day_after_an_order_before_new_year_lands_after_the_holidays() -> None:
    """D-1/D-2: an order of 30.12.2025 must be entered by 12.01.2026."""
    assert add_working_days(date(2025, 12, 30), 1) == date(2026, 1, 12)


def test_a_working_saturday_counts() -> None:
    """D-3: a hire on Friday 31.10.2025 is due 3 working days later: Sat 1.11, Wed 5.11, Thu 6.11."""
    assert add_working_days(date(2025, 10, 31), 3) == date(2025, 11, 6)


def test_working_days_late() -> None:
    assert working_days_between(date(2025, 12, 30), date(2026, 1, 12)) == 1
    assert working_days_between(date(2025, 12, 30), date(2026, 1, 14)) == 3
    assert working_days_between(date(2026, 1, 14), date(2025, 12, 30)) == -3
    assert working_days_between(date(2026, 1, 14), date(2026, 1, 14)) == 0


def test_adding_negative_working_days_goes_back() -> None:
    assert add_working_days(date(2026, 1, 12), -1) == date(2025, 12, 30)


def test_day_off_names_are_russian() -> None:
    assert day_off_name(date(2026, 1, 2)) == "Новогодние каникулы"
    assert day_off_name(date(2025, 9, 1)) is None


def test_overrides_file_wins_over_the_package(tmp_path, monkeypatch) -> None:
    (tmp_path / "calendar_overrides.csv").write_text(
        "дата;вид;примечание\n15.09.2025;выходной;региональный праздник\n13.09.2025;рабочий;перенос\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NETSPO_DATA_DIR", str(tmp_path))
    assert not is_working_day(date(2025, 9, 15))
    assert is_working_day(date(2025, 9, 13))
    assert day_off_name(date(2025, 9, 15)) == "региональный праздник"
    assert add_working_days(date(2025, 9, 12), 1) == date(2025, 9, 13)


def test_malformed_overrides_line_is_reported_with_its_number(tmp_path, monkeypatch) -> None:
    (tmp_path / "calendar_overrides.csv").write_text(
        "дата;вид;примечание\n2025-09-15;выходной;\n", encoding="utf-8"
    )
    monkeypatch.setenv("NETSPO_DATA_DIR", str(tmp_path))
    with pytest.raises(NetspoError, match="строка 2"):
        is_working_day(date(2025, 9, 15))


def test_shipped_overrides_file_parses() -> None:
    assert isinstance(calendar.overrides(), dict)

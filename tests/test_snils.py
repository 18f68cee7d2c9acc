"""СНИЛС on the student card (R-4.4.b): any common spelling is accepted, the control number
is checked by the Pension Fund's rule (weights 9..1, modulo 101, 100 and 101 give 00)."""

from __future__ import annotations

import random

import pytest

from netspo_lib.demo.people import snils_checksum as demo_checksum
from netspo_lib.errors import NetspoError
from netspo_lib.snils import (
    check_snils,
    format_snils,
    is_valid_snils,
    normalize_snils,
    snils_check_digits,
    snils_problem,
)


@pytest.mark.parametrize(
    "text",
    [
        "112-233-445 95",
        "11223344595",
        "112 233 445 95",
        " 112-233-445-95 ",
        "112\u00a0233\u00a0445\u00a095",  # no-break spaces, as copied from a PDF
        "112\u2011233\u2011445 95",  # non-breaking hyphens
        "112.233.445 95",
        11223344595,
    ],
)
def test_common_spellings_normalise_to_eleven_digits(text: str | int) -> None:
    assert normalize_snils(text) == "11223344595"
    assert is_valid_snils(text)
    assert format_snils(text) == "112-233-445 95"


def test_integer_from_a_spreadsheet_gets_its_leading_zeros_back() -> None:
    assert normalize_snils(8765430300) == "08765430300"
    assert is_valid_snils(8765430300)  # 087-654-303 00: sum 202 → 202 mod 101 = 0


@pytest.mark.parametrize(
    ("nine", "check"),
    [
        ("112233445", "95"),  # sum 95 < 100: the sum itself
        ("123456789", "64"),  # sum 165 → 165 mod 101
        ("920000003", "00"),  # sum 100 → 00
        ("920000004", "00"),  # sum 101 → 00
        ("990090003", "00"),  # sum 201 → 201 mod 101 = 100 → 00
        ("999999999", "01"),  # sum 405 → 405 mod 101
    ],
)
def test_check_digits(nine: str, check: str) -> None:
    assert snils_check_digits(nine) == check
    assert is_valid_snils(nine + check)


def test_agrees_with_the_demo_generator() -> None:
    """Two independent implementations of the rule give the same check digits."""
    rng = random.Random(7)
    for _ in range(2000):
        nine = f"{rng.randint(1_001_999, 999_999_999):09d}"
        assert snils_check_digits(nine) == demo_checksum(nine)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("112-233-445 96", "СНИЛС 112-233-445 96 введён с ошибкой: не сходится контрольное число."),
        ("123-456-789 46", "СНИЛС 123-456-789 46 введён с ошибкой: не сходится контрольное число."),
        ("112-233-445", "СНИЛС «112-233-445» должен состоять из 11 цифр (например, 112-233-445 95)."),
        ("112-233-445 950", "СНИЛС «112-233-445 950» должен состоять из 11 цифр (например, 112-233-445 95)."),
        ("СНИЛС нет", "СНИЛС «СНИЛС нет» должен состоять из 11 цифр (например, 112-233-445 95)."),
        (
            "１１２２３３４４５９５",
            "СНИЛС «１１２２３３４４５９５» должен состоять из 11 цифр (например, 112-233-445 95).",
        ),
        ("000-000-000 00", "СНИЛС 000-000-000 00 не может состоять из нулей."),
    ],
)
def test_invalid_numbers_are_explained_in_russian(text: str, message: str) -> None:
    assert not is_valid_snils(text)
    assert snils_problem(text) == message
    with pytest.raises(NetspoError) as refused:
        check_snils(text)
    assert str(refused.value) == message


def test_early_numbers_are_not_checked() -> None:
    """Numbers up to 001-001-998 were issued before the control number was introduced."""
    assert is_valid_snils("001-001-998 00")
    assert is_valid_snils("001-001-998 64")
    assert not is_valid_snils("001-001-999 00")
    assert is_valid_snils("001-001-999 65")


def test_check_returns_the_normalised_number() -> None:
    assert check_snils("123-456-789 64") == "12345678964"
